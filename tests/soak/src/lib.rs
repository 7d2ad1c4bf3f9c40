//! Soak and fault test of the API and the dev tenant, in-process on loopback ports and bounded
//! in time: [`api_soak`] drives the API with a token mix while its test issuer rotates keys and
//! restarts, [`tenant_soak`] drives the dev tenant with logins, refreshes and floods; slow
//! clients hold connections in both. Each answer is judged right or wrong ([`oracle`] for the
//! API, [`tenant_flow`] for the tenant), and the reports print the figures.

pub mod api_soak;
pub mod connection;
pub mod error;
pub mod issuer;
pub mod keys;
pub mod latency;
pub mod memory;
pub mod oracle;
pub mod runtime;
pub mod server;
pub mod settings;
pub mod slow_clients;
pub mod tally;
pub mod tenant_flow;
pub mod tenant_soak;
pub mod timeline;
pub mod tokens;

pub use error::SoakError;
pub use settings::{Command, Settings, UsageError};
