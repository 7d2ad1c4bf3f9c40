//! The tenant's configuration: clients, APIs, users and lifetimes, with the built-in development
//! defaults, loading from a TOML or JSON file, and validation that names the offending field.

mod api;
mod client;
mod error;
mod file;
mod secret;
mod tenant;
mod user;
mod validation;

pub use api::ApiConfig;
pub use client::{ClientConfig, GrantType, browser_grants, code_only};
pub use error::ConfigError;
pub use secret::{ClientSecret, MAX_CLIENT_SECRET_CHARS, MIN_CLIENT_SECRET_CHARS};
pub use tenant::{
    DEFAULT_API_SCOPE, DEFAULT_AUDIENCE, DEFAULT_CLIENT_ID, DEFAULT_ISSUER, DEFAULT_M2M_CLIENT_ID,
    DEFAULT_M2M_CLIENT_SECRET, DEFAULT_PASSWORD, DEFAULT_PORT, TenantConfig,
};
pub use user::{Profile, UserConfig};
