//! The error type of loading and validating a configuration.

use std::path::PathBuf;

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A field has a value the tenant refuses.
    #[error("{field}: {reason}")]
    InvalidField {
        /// Path of the field, e.g. `clients[0].callback_urls[1]`.
        field: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The file could not be read.
    #[error("cannot read config file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML for this schema.
    #[error("invalid TOML in {path}")]
    Toml {
        /// The file.
        path: PathBuf,
        /// The parse error.
        #[source]
        source: toml::de::Error,
    },
    /// The file is not valid JSON for this schema.
    #[error("invalid JSON in {path}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// The file name ends in neither `.toml` nor `.json`.
    #[error("config file {path} must end in .toml or .json")]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
}
