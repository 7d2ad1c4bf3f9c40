//! `cargo xtask dev|test|size|bench|soak`: the project's set-up and orchestration.
//!
//! Std only, so that the entry point of every other command compiles in a second.

mod dev;
mod echo;
mod process;
mod size;
mod size_breakdown;
mod soak;
mod suite;
mod tools;
mod workspace;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  dev            install what is missing, then run the dev tenant (3002), the API (3001)
                 and `trunk serve` (3000) together; Ctrl-C stops everything
  test [PART]    install what is missing, then run every check: fmt, clippy, native tests,
                 browser tests in headless Chromium, the end-to-end test; prints a summary.
                 PART runs one of them alone: fmt, clippy, native, browser or e2e
  size           build the release app and print the size of what the browser downloads,
                 and the wasm by crate (with twiggy, installed when missing)
  bench [api]    measure every API path in one run against bare axum handlers and raw
                 RS256 verification, and print the ratios it is held to (`cargo bench -p api`,
                 about half a minute once built)
  soak [--seconds N]
                 drive the API (while its issuer rotates keys and restarts) and then the dev
                 tenant (logins, refreshes, floods) at full speed on loopback for N seconds
                 each (default 60, 5 to 600), with slow clients; print requests, wrong
                 answers, p99, peak RSS and recovery times; fail on any wrong answer
  install        only install what is missing (wasm32 target, trunk, wasm-bindgen-cli,
                 wasm-opt, Chromium)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("dev") => dev::run(),
        Some("test") => suite::run(args.get(1).map(String::as_str)),
        Some("size") => size::run(),
        Some("bench") => match args.get(1).map(String::as_str) {
            None | Some("api") => suite::bench_api(),
            Some(other) => Err(format!(
                "unknown benchmark `{other}`; try `cargo xtask bench api`"
            )),
        },
        Some("soak") => soak::run(&args[1..]),
        Some("install") => tools::ensure(tools::Needs::all()).map(|_| ()),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
        None => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
