//! The tenant's configuration: clients, APIs, users and lifetimes, with the built-in development
//! defaults, loading from a TOML or JSON file, and validation that names the offending field.

mod api;
mod client;
mod error;
mod file;
mod tenant;
mod user;
mod validation;

pub use api::ApiConfig;
pub use client::{ClientConfig, code_only};
pub use error::ConfigError;
pub use tenant::{
    DEFAULT_API_SCOPE, DEFAULT_AUDIENCE, DEFAULT_CLIENT_ID, DEFAULT_ISSUER, DEFAULT_PASSWORD,
    TenantConfig,
};
pub use user::{Profile, UserConfig};
