//! Where things are: the workspace root, the lock file's pinned versions, shared local defaults.

use std::path::{Path, PathBuf};

/// The dev tenant's port (issuer `http://localhost:3002/`).
pub const TENANT_PORT: u16 = 3002;
/// The API's port.
pub const API_PORT: u16 = 3001;
/// The SPA's port under `trunk serve`.
pub const SPA_PORT: u16 = 3000;
/// The issuer of the dev tenant, byte-exact with its trailing slash.
pub const TENANT_ISSUER: &str = "http://localhost:3002/";
/// The API identifier registered at the dev tenant.
pub const AUDIENCE: &str = "https://quickstarts/api";

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// The cargo target directory, honouring `CARGO_TARGET_DIR`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                root().join(dir)
            }
        }
        None => root().join("target"),
    }
}

/// The version of a package as locked in `Cargo.lock`, e.g. `wasm-bindgen`.
///
/// # Errors
/// The lock file cannot be read or does not lock exactly one version of the package.
pub fn locked_version(package: &str) -> Result<String, String> {
    let path = root().join("Cargo.lock");
    let lock = std::fs::read_to_string(&path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let wanted = format!("name = \"{package}\"");
    let mut versions = Vec::new();
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() != wanted {
            continue;
        }
        if let Some(version) = lines
            .next()
            .and_then(|next| next.trim().strip_prefix("version = \""))
            .and_then(|rest| rest.strip_suffix('"'))
        {
            versions.push(version.to_owned());
        }
    }
    match versions.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(format!("Cargo.lock does not lock `{package}`")),
        many => Err(format!(
            "Cargo.lock locks several versions of `{package}`: {}",
            many.join(", ")
        )),
    }
}
