//! The state shared by every handler: configuration, keys, the clock and the in-memory store.

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::TenantConfig;
use crate::keys::SigningKeys;
use crate::store::Store;

/// Shared, immutable configuration plus the interior-mutable store.
#[derive(Debug)]
pub struct AppState {
    /// The validated configuration.
    pub config: TenantConfig,
    /// The signing keys.
    pub keys: SigningKeys,
    /// Where lifetimes are measured.
    pub clock: Clock,
    /// Sessions, codes, refresh tokens and pending logins.
    pub store: Store,
}

/// What handlers receive through `State`.
pub type SharedState = Arc<AppState>;

impl AppState {
    /// Whether cookies should be `Secure` (only when the issuer itself is https).
    pub fn secure_cookies(&self) -> bool {
        self.config.issuer.starts_with("https://")
    }

    /// The tenant's time, in seconds since the epoch.
    pub fn now(&self) -> u64 {
        self.clock.now()
    }
}
