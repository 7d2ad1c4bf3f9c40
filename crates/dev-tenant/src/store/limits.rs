//! How much the in-memory stores may hold, and how long the entries no configuration sets
//! live. Every store is capped: when one is full, the entry closest to expiry makes room.

/// How long a login page stays usable: long enough to find the password, short enough that
/// abandoned logins and their CSRF cookies go away.
pub const LOGIN_LIFETIME_SECONDS: u64 = 30 * 60;

/// How long a redeemed code is remembered, so that a replay can still revoke what it yielded.
pub const REDEEMED_CODE_MEMORY_SECONDS: u64 = 10 * 60;

/// The most entries each store holds. The defaults are far above what a developer's browsers
/// need and keep the worst case (every entry at its size limit) to a few megabytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreLimits {
    /// Pending logins, one per `/authorize` without a usable session (default 1 000).
    pub login_transactions: usize,
    /// Login sessions (default 1 000).
    pub sessions: usize,
    /// Authorization codes not yet redeemed (default 1 000).
    pub codes: usize,
    /// Redeemed codes remembered for replay detection (default 1 000).
    pub redeemed_codes: usize,
    /// Refresh-token families (default 10 000).
    pub refresh_families: usize,
}

impl Default for StoreLimits {
    fn default() -> Self {
        Self {
            login_transactions: 1_000,
            sessions: 1_000,
            codes: 1_000,
            redeemed_codes: 1_000,
            refresh_families: 10_000,
        }
    }
}

/// How many entries each store holds right now, expired ones not yet pruned included.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoreSizes {
    /// Pending logins.
    pub login_transactions: usize,
    /// Login sessions.
    pub sessions: usize,
    /// Unredeemed codes.
    pub codes: usize,
    /// Remembered redeemed codes.
    pub redeemed_codes: usize,
    /// Refresh-token families.
    pub refresh_families: usize,
}

impl StoreSizes {
    /// Whether no store holds more than `limits` allow.
    pub fn within(&self, limits: &StoreLimits) -> bool {
        self.login_transactions <= limits.login_transactions
            && self.sessions <= limits.sessions
            && self.codes <= limits.codes
            && self.redeemed_codes <= limits.redeemed_codes
            && self.refresh_families <= limits.refresh_families
    }
}
