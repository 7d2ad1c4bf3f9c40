//! `cargo xtask test`: every check the project has, in order, with a summary at the end.

use crate::echo;
use crate::process::{self, TestCounts};
use crate::tools::{self, Needs, Toolchain};
use crate::workspace;
use std::process::Command;
use std::time::Instant;

struct Outcome {
    name: &'static str,
    seconds: f64,
    counts: Option<TestCounts>,
    error: Option<String>,
}

/// The parts of the suite that `cargo xtask test <part>` can run alone.
pub const PARTS: [&str; 5] = ["fmt", "clippy", "native", "browser", "e2e"];

/// Runs fmt, clippy, native tests, browser tests and the end-to-end test (or only `part` of
/// them), then prints a summary.
///
/// Every step runs even after a failure, so one run shows everything that is wrong.
///
/// # Errors
/// `part` is unknown, installing a tool fails, or any step fails.
pub fn run(part: Option<&str>) -> Result<(), String> {
    if let Some(part) = part.filter(|part| !PARTS.contains(part)) {
        return Err(format!(
            "unknown part `{part}`; the parts are {}",
            PARTS.join(", ")
        ));
    }
    let wanted = |name: &str| part.is_none_or(|part| part == name);
    let toolchain = tools::ensure(Needs {
        browser: wanted("browser") || wanted("e2e"),
        brotli: false,
    })?;
    let mut outcomes = Vec::new();

    if wanted("fmt") {
        outcomes.push(step("format", || {
            process::run(toolchain.command("cargo").args(["fmt", "--all", "--check"]))
        }));
    }
    if wanted("clippy") {
        outcomes.push(step("clippy (native)", || {
            process::run(
                toolchain
                    .command("cargo")
                    .args(["clippy", "--workspace"])
                    .args(CLIPPY_ARGS),
            )
        }));
        outcomes.push(step("clippy (wasm32)", || {
            process::run(
                toolchain
                    .command("cargo")
                    .args([
                        "clippy",
                        "-p",
                        "spa",
                        "-p",
                        "leptos-auth0",
                        "-p",
                        "oidc-protocol",
                    ])
                    .args(["--target", "wasm32-unknown-unknown"])
                    .args(CLIPPY_ARGS),
            )
        }));
    }
    // The end-to-end test shares one `cargo test --workspace` with the native tests: any other
    // package selection resolves dependency features differently and rebuilds about 80 crates.
    let release_built = if wanted("e2e") {
        let outcome = step("release build", || build_release(&toolchain));
        let built = outcome.error.is_none();
        outcomes.push(outcome);
        built
    } else {
        // Nothing below needs the app.
        true
    };
    match part {
        None => outcomes.push(counted_step("native + e2e tests", || {
            workspace_tests(&toolchain, release_built, &[])
        })),
        Some("native") => outcomes.push(counted_step("native tests", || {
            workspace_tests(&toolchain, release_built, &["--exclude", "e2e"])
        })),
        Some("e2e") => outcomes.push(counted_step("end-to-end", || {
            workspace_tests(
                &toolchain,
                release_built,
                &["--test", "story", "--test", "any_provider"],
            )
        })),
        Some(_) => {}
    }
    if wanted("browser") {
        outcomes.push(counted_step("browser tests", || browser_tests(&toolchain)));
    }

    print_summary(&outcomes)
}

const CLIPPY_ARGS: [&str; 5] = ["--all-targets", "--locked", "--", "-D", "warnings"];

/// `cargo xtask bench api`: the API benchmark (`crates/api/benches/throughput.rs`): every
/// path, a bare handler and raw RS256 verification, interleaved in one bounded loopback run.
///
/// # Errors
/// The benchmark fails to build or run.
pub fn bench_api() -> Result<(), String> {
    process::run(
        Command::new("cargo")
            .current_dir(workspace::root())
            .args(["bench", "-p", "api", "--locked"]),
    )
}

/// Builds the release app into `dist/` with trunk, offline, with the project's wasm-opt.
///
/// # Errors
/// Fetching dependencies or the build fails.
pub fn build_release(toolchain: &Toolchain) -> Result<(), String> {
    // Trunk runs cargo offline (Trunk.toml), so every dependency must be in the local registry first.
    process::run(toolchain.command("cargo").args(["fetch", "--locked"]))?;
    process::run(
        toolchain
            .command("trunk")
            .args(["build", "--release", "--offline"]),
    )
}

fn browser_tests(toolchain: &Toolchain) -> (TestCounts, Result<(), String>) {
    let echo_url = match echo::start() {
        Ok(url) => url,
        Err(error) => return (TestCounts::default(), Err(error)),
    };
    println!("xtask: echo server for the browser tests at {echo_url}");
    process::run_counting(
        toolchain
            .command("cargo")
            .args([
                "test",
                "-p",
                "spa",
                "-p",
                "leptos-auth0",
                "--target",
                "wasm32-unknown-unknown",
                "--locked",
            ])
            .env("CHROMEDRIVER", &toolchain.chromedriver)
            .env_remove("GECKODRIVER")
            .env_remove("SAFARIDRIVER")
            .env("SPA_TEST_ECHO_URL", echo_url)
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120"),
    )
}

/// `cargo test --workspace` plus `selection`, with what the end-to-end tests need: the release
/// build in `dist/`, Chromium and chromedriver, the OpenID provider's harness, and where to put
/// screenshots.
fn workspace_tests(
    toolchain: &Toolchain,
    release_built: bool,
    selection: &[&str],
) -> (TestCounts, Result<(), String>) {
    if !release_built {
        return (
            TestCounts::default(),
            Err("the release build failed, so the end-to-end test has no app to load".to_owned()),
        );
    }
    process::run_counting(
        toolchain
            .command("cargo")
            .args(["test", "--workspace", "--locked"])
            .args(selection)
            .env("E2E_DIST", workspace::root().join("dist"))
            .env(
                "E2E_SCREENSHOTS",
                workspace::target_dir().join("e2e-screenshots"),
            )
            .env("CHROMEDRIVER", &toolchain.chromedriver)
            .env("CHROMIUM", &toolchain.chromium)
            .env(
                "E2E_OIDC_PROVIDER",
                workspace::root().join(tools::OIDC_PROVIDER_HARNESS),
            ),
    )
}

fn step(name: &'static str, body: impl FnOnce() -> Result<(), String>) -> Outcome {
    println!("\n=== {name}");
    let started = Instant::now();
    let result = body();
    finish(name, started, None, result)
}

fn counted_step(
    name: &'static str,
    body: impl FnOnce() -> (TestCounts, Result<(), String>),
) -> Outcome {
    println!("\n=== {name}");
    let started = Instant::now();
    let (counts, result) = body();
    let result = match result {
        Ok(()) if counts.passed == 0 => Err("no test ran".to_owned()),
        other => other,
    };
    finish(name, started, Some(counts), result)
}

fn finish(
    name: &'static str,
    started: Instant,
    counts: Option<TestCounts>,
    result: Result<(), String>,
) -> Outcome {
    let seconds = started.elapsed().as_secs_f64();
    if let Err(error) = &result {
        eprintln!("xtask: {name} failed: {error}");
    }
    Outcome {
        name,
        seconds,
        counts,
        error: result.err(),
    }
}

fn print_summary(outcomes: &[Outcome]) -> Result<(), String> {
    println!("\n=== summary");
    let mut total = TestCounts::default();
    for outcome in outcomes {
        let verdict = if outcome.error.is_none() {
            "ok"
        } else {
            "FAILED"
        };
        let tests = match outcome.counts {
            Some(counts) => {
                total.passed += counts.passed;
                total.failed += counts.failed;
                total.ignored += counts.ignored;
                format!(
                    "{} passed, {} failed, {} ignored",
                    counts.passed, counts.failed, counts.ignored
                )
            }
            None => String::new(),
        };
        println!(
            "{:<18} {:<7} {:>7.1}s  {tests}",
            outcome.name, verdict, outcome.seconds
        );
    }
    let failed_steps: Vec<&str> = outcomes
        .iter()
        .filter(|outcome| outcome.error.is_some())
        .map(|outcome| outcome.name)
        .collect();
    println!("tests: {} passed, {} failed", total.passed, total.failed);
    if failed_steps.is_empty() {
        Ok(())
    } else {
        Err(format!("failed: {}", failed_steps.join(", ")))
    }
}
