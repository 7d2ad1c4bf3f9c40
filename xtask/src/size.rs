//! `cargo xtask size`: what the browser downloads, raw, gzip and brotli, and the wasm by crate.

use crate::suite::build_release;
use crate::tools::{self, Needs};
use crate::workspace;
use std::process::Command;

/// The goal for everything the browser downloads, brotli-compressed.
const GOAL_BROTLI_BYTES: u64 = 160 * 1024;

/// Builds the release app and prints each downloaded file's size and the totals.
///
/// # Errors
/// The build fails, `dist/` cannot be read or a compressor cannot run.
pub fn run() -> Result<(), String> {
    let toolchain = tools::ensure(Needs {
        browser: false,
        brotli: true,
    })?;
    build_release(&toolchain)?;
    let dist = workspace::root().join("dist");
    let mut files: Vec<_> = std::fs::read_dir(&dist)
        .map_err(|error| format!("cannot read {}: {error}", dist.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.is_file()
                && matches!(
                    path.extension().and_then(|ext| ext.to_str()),
                    Some("wasm" | "js" | "css" | "html" | "json")
                )
        })
        .collect();
    files.sort();
    println!(
        "\n{:<44} {:>10} {:>10} {:>10}",
        "file", "raw", "gzip -9", "brotli 11"
    );
    let mut totals = (0, 0, 0);
    let mut wasm_brotli = 0;
    for path in &files {
        let raw = std::fs::metadata(path)
            .map_err(|error| error.to_string())?
            .len();
        let gzip = compressed_len(Command::new("gzip").args(["-9", "-c"]).arg(path))?;
        let brotli = compressed_len(Command::new("brotli").args(["-q", "11", "-c"]).arg(path))?;
        totals = (totals.0 + raw, totals.1 + gzip, totals.2 + brotli);
        if path.extension().is_some_and(|ext| ext == "wasm") {
            wasm_brotli += brotli;
        }
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("?");
        println!("{name:<44} {raw:>10} {gzip:>10} {brotli:>10}");
    }
    println!(
        "{:<44} {:>10} {:>10} {:>10}",
        "total", totals.0, totals.1, totals.2
    );
    let verdict = if totals.2 <= GOAL_BROTLI_BYTES {
        "within"
    } else {
        "over"
    };
    println!(
        "brotli total {:.1} KiB: {verdict} the {} KiB goal",
        totals.2 as f64 / 1024.0,
        GOAL_BROTLI_BYTES / 1024
    );
    crate::size_breakdown::run(&toolchain, wasm_brotli)
}

fn compressed_len(command: &mut Command) -> Result<u64, String> {
    let out = command
        .output()
        .map_err(|error| format!("cannot run {:?}: {error}", command.get_program()))?;
    if !out.status.success() {
        return Err(format!(
            "{:?} failed: {}",
            command.get_program(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(out.stdout.len() as u64)
}
