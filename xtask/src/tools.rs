//! Installing what is missing, idempotently, and saying what it does and how long it may take.
//!
//! Nothing here downloads a binary from anywhere but crates.io, npm and Debian: trunk and
//! wasm-bindgen-cli are built by `cargo install`, wasm-opt comes from npm's `binaryen`, Chromium from apt.

use crate::process::{self, output};
use crate::workspace;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// trunk 0.21.14 is the newest release that builds on rustc 1.95 (0.22 needs 1.96.1).
const TRUNK_VERSION: &str = "0.21.14";
/// binaryen 116 or newer; the project pins 132 in `Trunk.toml` because Debian's 108 silently
/// corrupts wasm-bindgen output (the page dies with a `WebAssembly.Table.set` error).
const BINARYEN_VERSION: &str = "132.0.0";
const WASM_OPT_VERSION_LINE: &str = "wasm-opt version 132";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Which tools a command needs beyond cargo.
#[derive(Debug, Clone, Copy)]
pub struct Needs {
    /// Chromium and chromedriver, for browser and end-to-end tests.
    pub browser: bool,
    /// The brotli command, to measure compressed sizes.
    pub brotli: bool,
}

impl Needs {
    /// Everything any command needs.
    pub fn all() -> Self {
        Self {
            browser: true,
            brotli: true,
        }
    }
}

/// Where the installed tools are.
#[derive(Debug, Clone)]
pub struct Toolchain {
    /// `PATH` with cargo's bin directory and the project's wasm-opt in front.
    pub path: OsString,
    /// The Chromium binary.
    pub chromium: PathBuf,
    /// The chromedriver binary.
    pub chromedriver: PathBuf,
}

impl Toolchain {
    /// A command with the toolchain's `PATH`.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .env("PATH", &self.path)
            .current_dir(workspace::root());
        command
    }
}

/// Installs whatever is missing and returns where everything is.
///
/// # Errors
/// An install step fails, or needs root and this is not root (the message gives the command).
pub fn ensure(needs: Needs) -> Result<Toolchain, String> {
    let cargo_bin = cargo_home().join("bin");
    let binaryen_bin = workspace::target_dir().join("tools/binaryen/node_modules/.bin");
    let path = prepend_path(&[binaryen_bin.clone(), cargo_bin.clone()]);
    let toolchain = Toolchain {
        path,
        chromium: CHROMIUM.into(),
        chromedriver: CHROMEDRIVER.into(),
    };

    ensure_wasm_target()?;
    ensure_trunk(&toolchain)?;
    ensure_wasm_bindgen(&toolchain)?;
    ensure_wasm_opt(&toolchain, &binaryen_bin)?;
    if needs.browser {
        ensure_apt_packages(
            &[(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")],
            "Chromium and chromedriver (for browser tests, about 1-2 minutes)",
        )?;
    }
    if needs.brotli {
        ensure_apt_packages(
            &[("/usr/bin/brotli", "brotli")],
            "brotli (to measure compressed sizes)",
        )?;
    }
    Ok(toolchain)
}

fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
}

fn prepend_path(dirs: &[PathBuf]) -> OsString {
    let current = std::env::var_os("PATH").unwrap_or_default();
    let mut all: Vec<PathBuf> = dirs.to_vec();
    all.extend(std::env::split_paths(&current));
    std::env::join_paths(all).unwrap_or(current)
}

fn ensure_wasm_target() -> Result<(), String> {
    let installed =
        output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed
        .lines()
        .any(|line| line.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    println!("xtask: installing the wasm32-unknown-unknown target (about 30 seconds)");
    process::run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

fn ensure_trunk(toolchain: &Toolchain) -> Result<(), String> {
    let version = output(toolchain.command("trunk").arg("--version"));
    if version.as_deref() == Some(&format!("trunk {TRUNK_VERSION}")) {
        return Ok(());
    }
    println!(
        "xtask: installing trunk {TRUNK_VERSION} with cargo install (found: {}); this compiles \
         from source and takes about 10 minutes on 2 cores, once",
        version.as_deref().unwrap_or("none")
    );
    process::run(toolchain.command("cargo").args([
        "install",
        "trunk",
        "--version",
        TRUNK_VERSION,
        "--locked",
    ]))
}

fn ensure_wasm_bindgen(toolchain: &Toolchain) -> Result<(), String> {
    let wanted = workspace::locked_version("wasm-bindgen")?;
    let version = output(toolchain.command("wasm-bindgen").arg("--version"));
    let runner = output(
        toolchain
            .command("wasm-bindgen-test-runner")
            .arg("--version"),
    );
    let expected = format!("wasm-bindgen {wanted}");
    let runner_expected = format!("wasm-bindgen-test-runner {wanted}");
    if version.as_deref() == Some(&expected) && runner.as_deref() == Some(&runner_expected) {
        return Ok(());
    }
    println!(
        "xtask: installing wasm-bindgen-cli {wanted} (Cargo.lock's wasm-bindgen; found: {}); \
         about 3 minutes, once",
        version.as_deref().unwrap_or("none")
    );
    // Not `--locked`: its lock file names a webpki-roots release the registry here lacks.
    process::run(toolchain.command("cargo").args([
        "install",
        "wasm-bindgen-cli",
        "--version",
        &wanted,
    ]))
}

fn ensure_wasm_opt(toolchain: &Toolchain, binaryen_bin: &Path) -> Result<(), String> {
    let wasm_opt = binaryen_bin.join("wasm-opt");
    let version = output(toolchain.command(&wasm_opt).arg("--version"));
    if version
        .as_deref()
        .is_some_and(|line| line.starts_with(WASM_OPT_VERSION_LINE))
    {
        return Ok(());
    }
    let prefix = binaryen_bin
        .parent()
        .and_then(Path::parent)
        .ok_or("the binaryen install directory has no parent")?;
    std::fs::create_dir_all(prefix)
        .map_err(|error| format!("cannot create {}: {error}", prefix.display()))?;
    println!(
        "xtask: installing wasm-opt from npm binaryen@{BINARYEN_VERSION} into {} (seconds)",
        prefix.display()
    );
    process::run(
        toolchain
            .command("npm")
            .args([
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
            ])
            .arg(prefix)
            .arg(format!("binaryen@{BINARYEN_VERSION}")),
    )
}

fn ensure_apt_packages(files_and_packages: &[(&str, &str)], what: &str) -> Result<(), String> {
    let missing: Vec<&str> = files_and_packages
        .iter()
        .filter(|(file, _)| !Path::new(file).exists())
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let install = format!("apt-get install -y {}", missing.join(" "));
    if !is_root() {
        return Err(format!(
            "{what} missing; install with: sudo apt-get update && sudo {install}"
        ));
    }
    println!("xtask: installing {what} with apt-get");
    process::run(
        Command::new("apt-get")
            .arg("update")
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    process::run(
        Command::new("apt-get")
            .args(["install", "-y"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

fn is_root() -> bool {
    output(Command::new("id").arg("-u")).as_deref() == Some("0")
}
