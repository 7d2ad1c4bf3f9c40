//! Installing what is missing, idempotently, and saying what it does and how long it may take.
//!
//! Nothing here downloads a binary from anywhere but crates.io, npm and Debian: trunk and
//! wasm-bindgen-cli are built by `cargo install`, wasm-opt comes from npm's `binaryen`, Chromium from apt.
//! The end-to-end test's OpenID provider (panva's `oidc-provider`) comes from npm too, as its
//! `package-lock.json` pins it.

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
/// The version name trunk uses for it (`Trunk.toml` `[tools] wasm_opt`).
const WASM_OPT_TOOL_VERSION: &str = "version_132";
/// The any-provider end-to-end test's harness: `package.json`, `package-lock.json`, `server.js`.
pub const OIDC_PROVIDER_HARNESS: &str = "tests/oidc-provider";
/// Written into the harness's `node_modules` after an install: a copy of the lock file it
/// installed, so an unchanged lock file is not installed again.
const INSTALLED_LOCK: &str = "node_modules/.installed-package-lock.json";
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
    let binaryen_dir = binaryen_dir()?;
    let binaryen_bin = binaryen_dir.join("bin");
    let path = prepend_path(&[binaryen_bin.clone(), cargo_bin.clone()]);
    let toolchain = Toolchain {
        path,
        chromium: CHROMIUM.into(),
        chromedriver: CHROMEDRIVER.into(),
    };

    ensure_wasm_target()?;
    ensure_trunk(&toolchain)?;
    ensure_wasm_bindgen(&toolchain)?;
    ensure_wasm_opt(&toolchain, &binaryen_dir)?;
    link_wasm_opt_into(&cargo_bin, &binaryen_bin.join("wasm-opt"));
    if needs.browser {
        ensure_apt_packages(
            &[(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")],
            "Chromium and chromedriver (for browser tests, about 1-2 minutes)",
        )?;
        // The any-provider end-to-end test drives the browser through it.
        ensure_oidc_provider(&toolchain)?;
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

/// Where binaryen goes: trunk's own cache layout (`<cache>/trunk/wasm-opt-version_132/bin/`),
/// outside `target/` so that `cargo clean` does not remove a tool `trunk` relies on.
fn binaryen_dir() -> Result<PathBuf, String> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cache")))
        .ok_or("neither XDG_CACHE_HOME nor HOME is set, so there is no cache directory")?;
    Ok(cache
        .join("trunk")
        .join(format!("wasm-opt-{WASM_OPT_TOOL_VERSION}")))
}

fn ensure_wasm_opt(toolchain: &Toolchain, binaryen_dir: &Path) -> Result<(), String> {
    let wasm_opt = binaryen_dir.join("bin").join("wasm-opt");
    let version = output(toolchain.command(&wasm_opt).arg("--version"));
    if version
        .as_deref()
        .is_some_and(|line| line.starts_with(WASM_OPT_VERSION_LINE))
    {
        return Ok(());
    }
    std::fs::create_dir_all(binaryen_dir.join("bin"))
        .map_err(|error| format!("cannot create {}: {error}", binaryen_dir.display()))?;
    println!(
        "xtask: installing wasm-opt from npm binaryen@{BINARYEN_VERSION} into {} (seconds)",
        binaryen_dir.display()
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
            .arg(binaryen_dir)
            .arg(format!("binaryen@{BINARYEN_VERSION}")),
    )?;
    // Where trunk expects its own download of this version: `<dir>/bin/wasm-opt`.
    replace_symlink(&binaryen_dir.join("node_modules/.bin/wasm-opt"), &wasm_opt)
}

/// Installs the end-to-end test's OpenID provider into `tests/oidc-provider/node_modules` with
/// `npm ci`, exactly as `package-lock.json` pins it (and its integrity hashes), unless that lock
/// file was installed already.
fn ensure_oidc_provider(toolchain: &Toolchain) -> Result<(), String> {
    let harness = workspace::root().join(OIDC_PROVIDER_HARNESS);
    let lock_file = harness.join("package-lock.json");
    let lock = std::fs::read(&lock_file)
        .map_err(|error| format!("cannot read {}: {error}", lock_file.display()))?;
    let installed = harness.join(INSTALLED_LOCK);
    if std::fs::read(&installed).is_ok_and(|copy| copy == lock) {
        return Ok(());
    }
    println!(
        "xtask: installing oidc-provider for the end-to-end test with npm ci into {} (seconds)",
        harness.join("node_modules").display()
    );
    process::run(
        toolchain
            .command("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&harness),
    )?;
    std::fs::write(&installed, lock)
        .map_err(|error| format!("cannot write {}: {error}", installed.display()))
}

/// Puts `wasm-opt` beside `trunk` in cargo's bin directory, which is on `PATH` wherever trunk
/// is: `trunk build --release` run by hand, offline as `Trunk.toml` asks, looks for it on
/// `PATH` only. An existing `wasm-opt` there that is not this link (someone's own install) is
/// left alone, with a note.
fn link_wasm_opt_into(cargo_bin: &Path, wasm_opt: &Path) {
    let link = cargo_bin.join("wasm-opt");
    if std::fs::read_link(&link).is_ok_and(|target| target == wasm_opt) {
        return;
    }
    // `exists` follows the link: false for a missing file and for a dangling link.
    if !link.exists() {
        if let Err(error) = replace_symlink(wasm_opt, &link) {
            println!(
                "xtask: note: {error}; put {} on PATH for `trunk build --release`",
                wasm_opt.display()
            );
        }
        return;
    }
    let version = output(Command::new(&link).arg("--version"));
    if !version
        .as_deref()
        .is_some_and(|line| line.starts_with(WASM_OPT_VERSION_LINE))
    {
        println!(
            "xtask: note: {} is another wasm-opt ({}); `trunk build --release` by hand needs \
             binaryen {BINARYEN_VERSION} first on PATH: {}",
            link.display(),
            version.as_deref().unwrap_or("unknown version"),
            wasm_opt.display()
        );
    }
}

fn replace_symlink(target: &Path, link: &Path) -> Result<(), String> {
    if std::fs::symlink_metadata(link).is_ok() {
        std::fs::remove_file(link)
            .map_err(|error| format!("cannot replace {}: {error}", link.display()))?;
    }
    std::os::unix::fs::symlink(target, link).map_err(|error| {
        format!(
            "cannot link {} to {}: {error}",
            link.display(),
            target.display()
        )
    })
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
