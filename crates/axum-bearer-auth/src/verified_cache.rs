//! A small memory of tokens already verified, so a repeat request skips the RSA check.
//!
//! Safe because a verified token's claims cannot change: entries are keyed by the SHA-256 of
//! the whole token (the token itself is never stored), live at most `ttl`, never past the
//! token's `exp`, never past the trust limit of the keys that verified it, and the map is
//! bounded. The price is that a key removed from the JWKS keeps validating tokens it already
//! verified for up to `ttl`.
//!
//! Entries are forgotten oldest first, which is also the order their time runs out in (later
//! entries come from the same or a later key fetch), so remembering a token costs the same
//! whether the cache is empty or full: a stream of new tokens (new users, or a flood of valid
//! tokens) never makes an insert scan the map.

use std::collections::{HashMap, VecDeque};
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::claims::Claims;

/// SHA-256 of a token.
pub(crate) type TokenDigest = [u8; 32];

/// The digest under which a token is remembered.
pub(crate) fn token_digest(token: &[u8]) -> TokenDigest {
    Sha256::digest(token).into()
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

/// The remembered tokens, and their digests in the order they were remembered: each digest of
/// the map is in `order` exactly once.
#[derive(Default)]
struct Entries {
    by_digest: HashMap<TokenDigest, Entry>,
    order: VecDeque<TokenDigest>,
}

impl Entries {
    fn forget_oldest(&mut self) {
        if let Some(oldest) = self.order.pop_front() {
            self.by_digest.remove(&oldest);
        }
    }
}

/// Bounded map from token digest to verified claims.
pub(crate) struct VerifiedTokenCache {
    ttl: Duration,
    capacity: usize,
    entries: RwLock<Entries>,
}

impl VerifiedTokenCache {
    /// A cache of at most `capacity` entries, each kept at most `ttl`; zero of either disables it.
    pub(crate) fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity,
            entries: RwLock::new(Entries::default()),
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
            .by_digest
            .get(digest)
            .filter(|entry| entry.is_fresh(now, unix_now))
            .map(|entry| entry.claims.clone())
    }

    /// Remembers freshly verified claims for at most `ttl`, and not past `keys_trusted_until`,
    /// the end of the trust limit of the key that verified them. Entries whose time has run
    /// out go first; when the cache is still full, the oldest one goes. A token already
    /// remembered keeps its entry.
    pub(crate) fn insert(
        &self,
        digest: TokenDigest,
        claims: Claims,
        now: Instant,
        unix_now: u64,
        keys_trusted_until: Option<Instant>,
    ) {
        if !self.is_enabled() {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if entries.by_digest.contains_key(&digest) {
            return;
        }
        while let Some(oldest) = entries.order.front() {
            let stale = entries
                .by_digest
                .get(oldest)
                .is_none_or(|entry| !entry.is_fresh(now, unix_now));
            if stale || entries.by_digest.len() >= self.capacity {
                entries.forget_oldest();
            } else {
                break;
            }
        }
        let until_ttl = now + self.ttl;
        let remembered_until = keys_trusted_until.map_or(until_ttl, |until| until.min(until_ttl));
        entries.order.push_back(digest);
        entries.by_digest.insert(
            digest,
            Entry {
                claims,
                remembered_until,
            },
        );
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        assert_eq!(entries.by_digest.len(), entries.order.len());
        entries.by_digest.len()
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
        cache.insert(
            token_digest(b"a"),
            claims(NOW_UNIX + 600),
            now,
            NOW_UNIX,
            None,
        );
        let found = cache.get(&token_digest(b"a"), now, NOW_UNIX).unwrap();
        assert_eq!(found.subject(), "user");
        assert!(cache.get(&token_digest(b"b"), now, NOW_UNIX).is_none());
    }

    #[test]
    fn entry_is_forgotten_after_ttl() {
        let cache = VerifiedTokenCache::new(Duration::from_secs(60), 10);
        let now = Instant::now();
        cache.insert(
            token_digest(b"a"),
            claims(NOW_UNIX + 600),
            now,
            NOW_UNIX,
            None,
        );
        assert!(
            cache
                .get(
                    &token_digest(b"a"),
                    now + Duration::from_secs(59),
                    NOW_UNIX + 59
                )
                .is_some()
        );
        assert!(
            cache
                .get(
                    &token_digest(b"a"),
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
        cache.insert(
            token_digest(b"a"),
            claims(NOW_UNIX + 10),
            now,
            NOW_UNIX,
            None,
        );
        assert!(cache.get(&token_digest(b"a"), now, NOW_UNIX + 9).is_some());
        assert!(cache.get(&token_digest(b"a"), now, NOW_UNIX + 10).is_none());
    }

    #[test]
    fn cache_never_grows_past_capacity() {
        let cache = VerifiedTokenCache::new(Duration::from_secs(60), 3);
        let now = Instant::now();
        for index in 0..10 {
            cache.insert(
                token_digest(index.to_string().as_bytes()),
                claims(NOW_UNIX + 600),
                now,
                NOW_UNIX,
                None,
            );
        }
        assert_eq!(cache.len(), 3);
        assert!(cache.get(&token_digest(b"9"), now, NOW_UNIX).is_some());
    }

    #[test]
    fn stale_entries_are_evicted_first() {
        let cache = VerifiedTokenCache::new(Duration::from_secs(60), 2);
        let now = Instant::now();
        cache.insert(
            token_digest(b"old"),
            claims(NOW_UNIX + 1),
            now,
            NOW_UNIX,
            None,
        );
        cache.insert(
            token_digest(b"live"),
            claims(NOW_UNIX + 600),
            now,
            NOW_UNIX,
            None,
        );
        cache.insert(
            token_digest(b"new"),
            claims(NOW_UNIX + 600),
            now,
            NOW_UNIX + 5,
            None,
        );
        assert!(
            cache
                .get(&token_digest(b"live"), now, NOW_UNIX + 5)
                .is_some()
        );
        assert!(
            cache
                .get(&token_digest(b"new"), now, NOW_UNIX + 5)
                .is_some()
        );
    }

    #[test]
    fn full_cache_forgets_the_oldest_entry() {
        let cache = VerifiedTokenCache::new(Duration::from_secs(60), 2);
        let now = Instant::now();
        for name in ["a", "b", "c"] {
            cache.insert(
                token_digest(name.as_bytes()),
                claims(NOW_UNIX + 600),
                now,
                NOW_UNIX,
                None,
            );
        }
        assert!(cache.get(&token_digest(b"a"), now, NOW_UNIX).is_none());
        assert!(cache.get(&token_digest(b"b"), now, NOW_UNIX).is_some());
        assert!(cache.get(&token_digest(b"c"), now, NOW_UNIX).is_some());
    }

    #[test]
    fn remembering_a_token_twice_keeps_one_entry() {
        let cache = VerifiedTokenCache::new(Duration::from_secs(60), 2);
        let now = Instant::now();
        for name in ["a", "a", "b", "b", "c"] {
            cache.insert(
                token_digest(name.as_bytes()),
                claims(NOW_UNIX + 600),
                now,
                NOW_UNIX,
                None,
            );
        }
        assert_eq!(cache.len(), 2);
        assert!(cache.get(&token_digest(b"a"), now, NOW_UNIX).is_none());
        assert!(cache.get(&token_digest(b"c"), now, NOW_UNIX).is_some());
    }

    #[test]
    fn entries_past_their_ttl_are_dropped_before_the_cache_is_full() {
        let cache = VerifiedTokenCache::new(Duration::from_secs(60), 10);
        let now = Instant::now();
        cache.insert(
            token_digest(b"a"),
            claims(NOW_UNIX + 600),
            now,
            NOW_UNIX,
            None,
        );
        cache.insert(
            token_digest(b"b"),
            claims(NOW_UNIX + 600),
            now,
            NOW_UNIX,
            None,
        );
        let later = now + Duration::from_secs(61);
        cache.insert(
            token_digest(b"c"),
            claims(NOW_UNIX + 600),
            later,
            NOW_UNIX + 61,
            None,
        );
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn entry_is_never_returned_past_the_trust_limit_of_its_keys() {
        let cache = VerifiedTokenCache::new(Duration::from_secs(60), 10);
        let now = Instant::now();
        let trusted_until = now + Duration::from_secs(10);
        cache.insert(
            token_digest(b"a"),
            claims(NOW_UNIX + 600),
            now,
            NOW_UNIX,
            Some(trusted_until),
        );
        let at = |seconds| {
            cache.get(
                &token_digest(b"a"),
                now + Duration::from_secs(seconds),
                NOW_UNIX + seconds,
            )
        };
        assert!(at(9).is_some());
        assert!(at(10).is_none());
        // A trust limit past the TTL leaves the TTL in charge.
        cache.insert(
            token_digest(b"b"),
            claims(NOW_UNIX + 600),
            now,
            NOW_UNIX,
            Some(now + Duration::from_secs(3_600)),
        );
        let later = now + Duration::from_secs(60);
        assert!(
            cache
                .get(&token_digest(b"b"), later, NOW_UNIX + 60)
                .is_none()
        );
    }

    #[test]
    fn zero_ttl_disables_the_cache() {
        let cache = VerifiedTokenCache::new(Duration::ZERO, 10);
        let now = Instant::now();
        cache.insert(
            token_digest(b"a"),
            claims(NOW_UNIX + 600),
            now,
            NOW_UNIX,
            None,
        );
        assert!(cache.get(&token_digest(b"a"), now, NOW_UNIX).is_none());
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn digest_covers_the_whole_token() {
        assert_ne!(
            token_digest(b"header.payload.sig1"),
            token_digest(b"header.payload.sig2")
        );
    }
}
