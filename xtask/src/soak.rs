//! `cargo xtask soak [--seconds N]`: the soak and fault test of the API and the dev tenant
//! (`tests/soak`), built in release so that its figures mean something, then run once on
//! loopback. Its arguments are the soak binary's, which checks them.

use std::process::Command;

use crate::process;
use crate::workspace;

/// Builds `soak` in release and runs it with `args`.
///
/// # Errors
/// The build fails, or the soak found wrong answers or refused its arguments.
pub fn run(args: &[String]) -> Result<(), String> {
    process::run(Command::new("cargo").current_dir(workspace::root()).args([
        "build",
        "-p",
        "soak",
        "--release",
        "--locked",
    ]))?;
    let binary = workspace::target_dir().join("release").join("soak");
    process::run(
        Command::new(binary)
            .current_dir(workspace::root())
            .args(args),
    )
}
