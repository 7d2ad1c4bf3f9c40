//! `cargo xtask size`'s breakdown by crate: the release wasm rebuilt with its symbol names,
//! optimised exactly as `index.html` asks, then attributed to crates with `twiggy`.
//!
//! Shares are of the optimised wasm before compression; the brotli figure of each crate is its
//! share of the real download's brotli size, an estimate (brotli compresses code and strings
//! differently).

use std::collections::BTreeMap;

use crate::process::{self, output};
use crate::tools::Toolchain;
use crate::workspace;

/// Rows printed; the rest are summed as "other".
const SHOWN_CRATES: usize = 24;

/// Prints the breakdown of the app's wasm by crate.
///
/// # Errors
/// A build step fails, or twiggy cannot be installed or run.
pub fn run(toolchain: &Toolchain, wasm_brotli_bytes: u64) -> Result<(), String> {
    ensure_twiggy(toolchain)?;
    let target = workspace::target_dir();
    // The release profile, but keeping the symbol names that twiggy reads.
    process::run(toolchain.command("cargo").args([
        "build",
        "--locked",
        "--quiet",
        "--package",
        "spa",
        "--bin",
        "spa",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm-release",
        "--config",
        "profile.wasm-release.strip=false",
    ]))?;
    let out = target.join("size-breakdown");
    std::fs::create_dir_all(&out)
        .map_err(|error| format!("cannot create {}: {error}", out.display()))?;
    let wasm = target.join("wasm32-unknown-unknown/wasm-release/spa.wasm");
    process::run(
        toolchain
            .command("wasm-bindgen")
            .args(["--target", "web", "--out-dir"])
            .arg(&out)
            .arg(&wasm),
    )?;
    let named = out.join("named.wasm");
    process::run(
        toolchain
            .command("wasm-opt")
            .args(wasm_opt_params()?)
            .arg("-g")
            .arg(out.join("spa_bg.wasm"))
            .arg("-o")
            .arg(&named),
    )?;
    let csv = output(
        toolchain
            .command("twiggy")
            .args(["top", "-n", "1000000", "-f", "csv"])
            .arg(&named),
    )
    .ok_or("twiggy could not read the wasm")?;
    print_breakdown(&by_crate(&csv), wasm_brotli_bytes);
    Ok(())
}

fn ensure_twiggy(toolchain: &Toolchain) -> Result<(), String> {
    if output(toolchain.command("twiggy").arg("--version")).is_some() {
        return Ok(());
    }
    println!("xtask: installing twiggy with cargo install (about 3 minutes, once)");
    process::run(toolchain.command("cargo").args([
        "install",
        "twiggy",
        "--version",
        "0.8.0",
        "--locked",
    ]))
}

/// The `data-wasm-opt-params` of the app's `index.html`, so the breakdown is of the same
/// optimisation the download gets.
fn wasm_opt_params() -> Result<Vec<String>, String> {
    let path = workspace::root().join("index.html");
    let html = std::fs::read_to_string(&path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let params = html
        .split("data-wasm-opt-params=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or_else(|| format!("{} has no data-wasm-opt-params", path.display()))?;
    Ok(params.split_whitespace().map(str::to_owned).collect())
}

/// Bytes per crate from twiggy's `top` CSV (`Name,ShallowSize,...`). Names are demangled
/// paths: a function belongs to the crate its path starts with (for `<A as B>::f`, A's);
/// data segments and tables are their own rows; the name section is left out.
fn by_crate(csv: &str) -> BTreeMap<String, u64> {
    let mut sizes = BTreeMap::new();
    for line in csv.lines().skip(1) {
        let Some((name, size)) = split_row(line) else {
            continue;
        };
        if name.contains("subsection") || name.starts_with("<meta root>") {
            continue;
        }
        *sizes.entry(crate_of(&name)).or_insert(0) += size;
    }
    sizes
}

/// A CSV row's name (possibly quoted, with `""` escapes) and shallow size.
fn split_row(line: &str) -> Option<(String, u64)> {
    let (name, rest) = if let Some(quoted) = line.strip_prefix('"') {
        let mut name = String::new();
        let mut chars = quoted.char_indices().peekable();
        let mut end = None;
        while let Some((index, c)) = chars.next() {
            if c == '"' {
                if chars.peek().map(|(_, next)| *next) == Some('"') {
                    name.push('"');
                    chars.next();
                } else {
                    end = Some(index + 1);
                    break;
                }
            } else {
                name.push(c);
            }
        }
        (name, quoted.get(end?..)?.strip_prefix(',')?)
    } else {
        let (name, rest) = line.split_once(',')?;
        (name.to_owned(), rest)
    };
    let size = rest.split(',').next()?.trim().parse().ok()?;
    Some((name, size))
}

fn crate_of(name: &str) -> String {
    if name.starts_with("data segment") {
        return "(data: strings and tables)".to_owned();
    }
    if name.starts_with("elem") || name.starts_with("table") || name.starts_with("import") {
        return "(wasm tables and imports)".to_owned();
    }
    let trimmed = name.trim_start_matches(['<', '&', '*', '(', ' ']);
    let trimmed = ["mut ", "const ", "dyn "]
        .iter()
        .fold(trimmed, |text, prefix| {
            text.strip_prefix(prefix).unwrap_or(text)
        });
    let first: String = trimmed
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    match first.as_str() {
        // A type parameter (`<T as ...>`, `<Match as ...>`): generic code instantiated for the
        // app's types.
        name if name.is_empty() || name.starts_with(|c: char| c.is_ascii_uppercase()) => {
            "(generic instantiations)".to_owned()
        }
        "code" => "(functions without names)".to_owned(),
        "core" | "alloc" | "std" | "str" | "char" | "usize" | "u8" | "i32" | "u32" | "u64" => {
            "std (core, alloc, std)".to_owned()
        }
        other => other.to_owned(),
    }
}

fn print_breakdown(sizes: &BTreeMap<String, u64>, wasm_brotli_bytes: u64) {
    let total: u64 = sizes.values().sum();
    let mut rows: Vec<(&String, &u64)> = sizes.iter().collect();
    rows.sort_by(|a, b| b.1.cmp(a.1));
    println!("\nwasm by crate (optimised, before compression; brotli estimated from the share):");
    println!(
        "{:<32} {:>10} {:>7} {:>12}",
        "crate", "bytes", "share", "~brotli"
    );
    let mut shown = 0;
    for (name, size) in rows.iter().take(SHOWN_CRATES) {
        print_row(name, **size, total, wasm_brotli_bytes);
        shown += **size;
    }
    print_row("other", total - shown, total, wasm_brotli_bytes);
    print_row("total", total, total, wasm_brotli_bytes);
}

fn print_row(name: &str, size: u64, total: u64, wasm_brotli_bytes: u64) {
    let share = if total == 0 {
        0.0
    } else {
        size as f64 / total as f64
    };
    println!(
        "{name:<32} {size:>10} {:>6.1}% {:>12.0}",
        share * 100.0,
        share * wasm_brotli_bytes as f64
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_attributed_to_the_crate_their_path_starts_with() {
        let csv = "Name,ShallowSize,ShallowSizePercent,RetainedSize,RetainedSizePercent\n\
            \"function names\"\" subsection\",100,0,0,0\n\
            leptos_router::navigate::h1,30,0,0,0\n\
            \"<leptos_router::X as core::fmt::Debug>::fmt::h2\",20,0,0,0\n\
            \"core::fmt::write::h3\",7,0,0,0\n\
            data segment \".rodata\",5,0,0,0\n\
            \"<T as tachys::view::any_view::IntoAny>::into_any::h4\",3,0,0,0\n";
        let sizes = by_crate(csv);
        assert_eq!(sizes.get("leptos_router"), Some(&50));
        assert_eq!(sizes.get("std (core, alloc, std)"), Some(&7));
        assert_eq!(sizes.get("(data: strings and tables)"), Some(&5));
        assert_eq!(sizes.get("(generic instantiations)"), Some(&3));
        assert_eq!(sizes.values().sum::<u64>(), 65);
    }
}
