//! A small memory of tokens already verified, so a repeat request skips the RSA check.
//!
//! Safe because a verified token's claims cannot change: entries are keyed by the SHA-256 of
//! the whole token (the token itself is never stored), live at most `ttl`, never past the
//! token's `exp`, and the map is bounded. The price is that a key removed from the JWKS keeps
//! validating tokens it already verified for up to `ttl`.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::claims::Claims;

/// SHA-256 of a token.
pub(crate) type TokenDigest = [u8; 32];

/// The digest under which a token is remembered.
pub(crate) fn token_digest(token: &str) -> TokenDigest {
    Sha256::digest(token.as_bytes()).into()
}

struct Entry {
    claims: Claims,
    remembered_until: Instant,
}

impl Entry {
    fn is_fresh(&self, now: Instant, unix_now: u64) -> bool {
        now < self.remembered_until && unix_now < self.claims.expires_at()
    }
}

/// Bounded map from token digest to verified claims.
pub(crate) struct VerifiedTokenCache {
    ttl: Duration,
    capacity: usize,
    entries: RwLock<HashMap<TokenDigest, Entry>>,
}

impl VerifiedTokenCache {
    /// A cache of at most `capacity` entries, each kept at most `ttl`; zero of either disables it.
    pub(crate) fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity,
            entries: RwLock::new(HashMap::new()),
        }
    }

    fn is_enabled(&self) -> bool {
        !self.ttl.is_zero() && self.capacity > 0
    }

    /// The claims of a token verified earlier, if still fresh at `now` / `unix_now`.
    pub(crate) fn get(&self, digest: &TokenDigest, now: Instant, unix_now: u64) -> Option<Claims> {
        if !self.is_enabled() {
            return None;
        }
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(digest)
            .filter(|entry| entry.is_fresh(now, unix_now))
            .map(|entry| entry.claims.clone())
    }

    /// Remembers freshly verified claims. When full, stale entries go first, then an arbitrary
    /// one (the map's iteration order is randomly seeded).
    pub(crate) fn insert(&self, digest: TokenDigest, claims: Claims, now: Instant, unix_now: u64) {
        if !self.is_enabled() {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= self.capacity && !entries.contains_key(&digest) {
            entries.retain(|_, entry| entry.is_fresh(now, unix_now));
            if entries.len() >= self.capacity {
                let victim = entries.keys().next().copied();
                if let Some(victim) = victim {
                    entries.remove(&victim);
                }
            }
        }
        entries.insert(
            digest,
            Entry {
                claims,
                remembered_until: now + self.ttl,
            },
        );
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::PermissionsClaim;
    use crate::permission::PermissionSource;
    use crate::realm::Realm;

    const NOW_UNIX: u64 = 1_800_000_000;

    fn claims(expires_at: u64) -> Claims {
        Claims::new(
            "user".to_owned(),
            None,
            PermissionsClaim::Absent,
            expires_at,
            PermissionSource::Scope,
            Realm::default(),
        )
    }

    #[test]
    fn remembered_token_is_returned() {
        let cache = VerifiedTokenCache::new(Duration::from_secs(60), 10);
        let now = Instant::now();
        cache.insert(token_digest("a"), claims(NOW_UNIX + 600), now, NOW_UNIX);
        let found = cache.get(&token_digest("a"), now, NOW_UNIX).unwrap();
        assert_eq!(found.subject(), "user");
        assert!(cache.get(&token_digest("b"), now, NOW_UNIX).is_none());
    }

    #[test]
    fn entry_is_forgotten_after_ttl() {
        let cache = VerifiedTokenCache::new(Duration::from_secs(60), 10);
        let now = Instant::now();
        cache.insert(token_digest("a"), claims(NOW_UNIX + 600), now, NOW_UNIX);
        assert!(
            cache
                .get(
                    &token_digest("a"),
                    now + Duration::from_secs(59),
                    NOW_UNIX + 59
                )
                .is_some()
        );
        assert!(
            cache
                .get(
                    &token_digest("a"),
                    now + Duration::from_secs(60),
                    NOW_UNIX + 60
                )
                .is_none()
        );
    }

    #[test]
    fn entry_is_never_returned_at_or_after_exp() {
        let cache = VerifiedTokenCache::new(Duration::from_secs(60), 10);
        let now = Instant::now();
        cache.insert(token_digest("a"), claims(NOW_UNIX + 10), now, NOW_UNIX);
        assert!(cache.get(&token_digest("a"), now, NOW_UNIX + 9).is_some());
        assert!(cache.get(&token_digest("a"), now, NOW_UNIX + 10).is_none());
    }

    #[test]
    fn cache_never_grows_past_capacity() {
        let cache = VerifiedTokenCache::new(Duration::from_secs(60), 3);
        let now = Instant::now();
        for index in 0..10 {
            cache.insert(
                token_digest(&index.to_string()),
                claims(NOW_UNIX + 600),
                now,
                NOW_UNIX,
            );
        }
        assert_eq!(cache.len(), 3);
        assert!(cache.get(&token_digest("9"), now, NOW_UNIX).is_some());
    }

    #[test]
    fn stale_entries_are_evicted_first() {
        let cache = VerifiedTokenCache::new(Duration::from_secs(60), 2);
        let now = Instant::now();
        cache.insert(token_digest("old"), claims(NOW_UNIX + 1), now, NOW_UNIX);
        cache.insert(token_digest("live"), claims(NOW_UNIX + 600), now, NOW_UNIX);
        cache.insert(
            token_digest("new"),
            claims(NOW_UNIX + 600),
            now,
            NOW_UNIX + 5,
        );
        assert!(
            cache
                .get(&token_digest("live"), now, NOW_UNIX + 5)
                .is_some()
        );
        assert!(cache.get(&token_digest("new"), now, NOW_UNIX + 5).is_some());
    }

    #[test]
    fn zero_ttl_disables_the_cache() {
        let cache = VerifiedTokenCache::new(Duration::ZERO, 10);
        let now = Instant::now();
        cache.insert(token_digest("a"), claims(NOW_UNIX + 600), now, NOW_UNIX);
        assert!(cache.get(&token_digest("a"), now, NOW_UNIX).is_none());
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn digest_covers_the_whole_token() {
        assert_ne!(
            token_digest("header.payload.sig1"),
            token_digest("header.payload.sig2")
        );
    }
}
