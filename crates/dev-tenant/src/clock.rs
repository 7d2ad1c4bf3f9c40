//! Time in whole seconds since the Unix epoch, the unit of JWT `iat`/`exp`, and the tenant's
//! [`Clock`], which tests move forward to watch lifetimes run out without waiting.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch (0 if the clock is before it).
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// The time every lifetime of the tenant is measured with: the system clock, or a fixed
/// instant, plus an offset that only [`Clock::advance`] changes. Clones share the offset, so a
/// test keeps a clone and moves the tenant's time with it.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    /// `None` for the system clock.
    fixed_at: Option<u64>,
    offset_seconds: Arc<AtomicU64>,
}

impl Clock {
    /// The system clock, with no offset.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock standing still at `seconds` since the epoch until it is advanced, so that a
    /// test's lifetimes do not depend on when the system clock's second ticks.
    pub fn fixed_at(seconds: u64) -> Self {
        Self {
            fixed_at: Some(seconds),
            offset_seconds: Arc::default(),
        }
    }

    /// Seconds since the Unix epoch, as this clock tells them.
    pub fn now(&self) -> u64 {
        self.fixed_at
            .unwrap_or_else(now)
            .saturating_add(self.offset_seconds.load(Ordering::Relaxed))
    }

    /// Moves this clock, and every clone of it, forward by `by` (whole seconds).
    pub fn advance(&self, by: Duration) {
        self.offset_seconds
            .fetch_add(by.as_secs(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_a_clone_moves_every_clone() {
        let clock = Clock::system();
        let clone = clock.clone();
        let before = clock.now();
        clone.advance(Duration::from_secs(1000));
        assert!(clock.now() >= before + 1000);
    }

    #[test]
    fn a_fixed_clock_moves_only_when_advanced() {
        let clock = Clock::fixed_at(500);
        assert_eq!(clock.now(), 500);
        clock.advance(Duration::from_secs(7));
        assert_eq!(clock.now(), 507);
    }
}
