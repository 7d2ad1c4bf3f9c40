//! What a validator has done, for an app's metrics: the outcome of every token check, from a
//! fixed set so that a metric label never grows, and the JWKS fetches.
//!
//! Each count is one relaxed atomic increment, with no lock and no allocation, so counting
//! costs a request next to nothing; [`crate::BearerAuth::metrics`] reads them all at once.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::error::AuthErrorKind;
use crate::jwks::KeyStatus;
use crate::token::TokenError;

/// What became of one token check (one [`crate::Claims`] extraction, or one call of
/// [`crate::BearerAuth::authenticate`] or [`crate::BearerAuth::verify`]).
///
/// A refusal for lack of a permission (403) comes after the check and is not an outcome here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// Accepted from the verified-token cache, without an RSA check.
    CacheHit,
    /// Accepted after the signature and claims were checked.
    Verified,
    /// No bearer credentials (401 with the bare challenge).
    MissingCredentials,
    /// A malformed `Authorization` header, or two of them (400).
    MalformedAuthorization,
    /// The token came in the header and in an `access_token` parameter as well (400).
    MultipleTokenMethods,
    /// The signing keys could not be had (503).
    KeysUnavailable,
    /// The token is invalid for this reason (401).
    InvalidToken(TokenError),
}

/// Every token error, in the order of [`Outcome::ALL`].
const TOKEN_ERRORS: [TokenError; 12] = [
    TokenError::Malformed,
    TokenError::ForbiddenHeader,
    TokenError::UnsupportedAlgorithm,
    TokenError::MissingKeyId,
    TokenError::UnknownKeyId,
    TokenError::BadSignature,
    TokenError::Expired,
    TokenError::NotYetValid,
    TokenError::WrongIssuer,
    TokenError::WrongAudience,
    TokenError::MissingClaim,
    TokenError::InvalidClaim,
];

/// The outcomes that are not token errors, in the order of [`Outcome::ALL`].
const OTHER_OUTCOMES: usize = 6;

impl Outcome {
    /// Every outcome, each once.
    pub const ALL: [Outcome; OTHER_OUTCOMES + TOKEN_ERRORS.len()] = [
        Outcome::CacheHit,
        Outcome::Verified,
        Outcome::MissingCredentials,
        Outcome::MalformedAuthorization,
        Outcome::MultipleTokenMethods,
        Outcome::KeysUnavailable,
        Outcome::InvalidToken(TOKEN_ERRORS[0]),
        Outcome::InvalidToken(TOKEN_ERRORS[1]),
        Outcome::InvalidToken(TOKEN_ERRORS[2]),
        Outcome::InvalidToken(TOKEN_ERRORS[3]),
        Outcome::InvalidToken(TOKEN_ERRORS[4]),
        Outcome::InvalidToken(TOKEN_ERRORS[5]),
        Outcome::InvalidToken(TOKEN_ERRORS[6]),
        Outcome::InvalidToken(TOKEN_ERRORS[7]),
        Outcome::InvalidToken(TOKEN_ERRORS[8]),
        Outcome::InvalidToken(TOKEN_ERRORS[9]),
        Outcome::InvalidToken(TOKEN_ERRORS[10]),
        Outcome::InvalidToken(TOKEN_ERRORS[11]),
    ];

    /// A short snake_case name, fit for a metric label: `cache_hit`, `verified`, ...,
    /// `expired`, `bad_signature`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::CacheHit => "cache_hit",
            Outcome::Verified => "verified",
            Outcome::MissingCredentials => "missing_credentials",
            Outcome::MalformedAuthorization => "malformed_authorization",
            Outcome::MultipleTokenMethods => "multiple_token_methods",
            Outcome::KeysUnavailable => "keys_unavailable",
            Outcome::InvalidToken(error) => match error {
                TokenError::Malformed => "malformed_token",
                TokenError::ForbiddenHeader => "forbidden_header",
                TokenError::UnsupportedAlgorithm => "unsupported_algorithm",
                TokenError::MissingKeyId => "missing_key_id",
                TokenError::UnknownKeyId => "unknown_key_id",
                TokenError::BadSignature => "bad_signature",
                TokenError::Expired => "expired",
                TokenError::NotYetValid => "not_yet_valid",
                TokenError::WrongIssuer => "wrong_issuer",
                TokenError::WrongAudience => "wrong_audience",
                TokenError::MissingClaim => "missing_claim",
                TokenError::InvalidClaim => "invalid_claim",
            },
        }
    }

    /// True for the outcomes that accept the token.
    pub fn is_accepted(self) -> bool {
        matches!(self, Outcome::CacheHit | Outcome::Verified)
    }

    /// The outcome of a refusal; `None` for a refusal that is not a token check's
    /// (insufficient scope).
    pub(crate) fn of_refusal(kind: &AuthErrorKind) -> Option<Outcome> {
        Some(match kind {
            AuthErrorKind::MissingCredentials => Outcome::MissingCredentials,
            AuthErrorKind::MalformedAuthorization => Outcome::MalformedAuthorization,
            AuthErrorKind::MultipleTokenMethods => Outcome::MultipleTokenMethods,
            AuthErrorKind::KeysUnavailable => Outcome::KeysUnavailable,
            AuthErrorKind::InvalidToken(error) => Outcome::InvalidToken(*error),
            AuthErrorKind::InsufficientScope { .. } => return None,
        })
    }

    /// The position of this outcome in [`Outcome::ALL`].
    fn index(self) -> usize {
        match self {
            Outcome::CacheHit => 0,
            Outcome::Verified => 1,
            Outcome::MissingCredentials => 2,
            Outcome::MalformedAuthorization => 3,
            Outcome::MultipleTokenMethods => 4,
            Outcome::KeysUnavailable => 5,
            Outcome::InvalidToken(error) => {
                OTHER_OUTCOMES
                    + match error {
                        TokenError::Malformed => 0,
                        TokenError::ForbiddenHeader => 1,
                        TokenError::UnsupportedAlgorithm => 2,
                        TokenError::MissingKeyId => 3,
                        TokenError::UnknownKeyId => 4,
                        TokenError::BadSignature => 5,
                        TokenError::Expired => 6,
                        TokenError::NotYetValid => 7,
                        TokenError::WrongIssuer => 8,
                        TokenError::WrongAudience => 9,
                        TokenError::MissingClaim => 10,
                        TokenError::InvalidClaim => 11,
                    }
            }
        }
    }
}

/// The live counters of one validator, shared by its token checks and its JWKS cache.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    outcomes: [AtomicU64; Outcome::ALL.len()],
    jwks_fetches: AtomicU64,
    jwks_fetch_failures: AtomicU64,
}

impl Counters {
    pub(crate) fn count(&self, outcome: Outcome) {
        self.outcomes[outcome.index()].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_refusal(&self, kind: &AuthErrorKind) {
        if let Some(outcome) = Outcome::of_refusal(kind) {
            self.count(outcome);
        }
    }

    pub(crate) fn count_jwks_fetch(&self, succeeded: bool) {
        self.jwks_fetches.fetch_add(1, Ordering::Relaxed);
        if !succeeded {
            self.jwks_fetch_failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn snapshot(&self, keys: KeyStatus, keys_age: Option<Duration>) -> AuthMetrics {
        AuthMetrics {
            outcomes: std::array::from_fn(|index| self.outcomes[index].load(Ordering::Relaxed)),
            jwks_fetches: self.jwks_fetches.load(Ordering::Relaxed),
            jwks_fetch_failures: self.jwks_fetch_failures.load(Ordering::Relaxed),
            keys,
            keys_age,
        }
    }
}

/// The counters of a validator since it was built, read at one moment
/// ([`crate::BearerAuth::metrics`]); clones of a validator share them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthMetrics {
    outcomes: [u64; Outcome::ALL.len()],
    jwks_fetches: u64,
    jwks_fetch_failures: u64,
    keys: KeyStatus,
    keys_age: Option<Duration>,
}

impl AuthMetrics {
    /// How many token checks ended with `outcome`.
    pub fn count(&self, outcome: Outcome) -> u64 {
        self.outcomes[outcome.index()]
    }

    /// Every outcome with its count, zeros included, in the order of [`Outcome::ALL`].
    pub fn outcomes(&self) -> impl Iterator<Item = (Outcome, u64)> + '_ {
        Outcome::ALL
            .into_iter()
            .map(|outcome| (outcome, self.count(outcome)))
    }

    /// JWKS fetches attempted (discovery and key set together count as one).
    pub fn jwks_fetches(&self) -> u64 {
        self.jwks_fetches
    }

    /// JWKS fetches that failed or brought no usable key, and so kept the keys in hand.
    pub fn jwks_fetch_failures(&self) -> u64 {
        self.jwks_fetch_failures
    }

    /// Whether the signing keys could verify a token now.
    pub fn keys(&self) -> KeyStatus {
        self.keys
    }

    /// Time since the last successful JWKS fetch; `None` before the first.
    pub fn keys_age(&self) -> Option<Duration> {
        self.keys_age
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_outcome_has_its_own_slot_and_label() {
        for (index, outcome) in Outcome::ALL.into_iter().enumerate() {
            assert_eq!(outcome.index(), index, "{outcome:?}");
        }
        let labels: HashSet<&str> = Outcome::ALL.into_iter().map(Outcome::as_str).collect();
        assert_eq!(labels.len(), Outcome::ALL.len());
        assert!(labels.iter().all(|label| {
            label
                .bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte == b'_')
        }));
    }

    #[test]
    fn each_refusal_counts_under_its_outcome_and_a_missing_scope_under_none() {
        let counters = Counters::default();
        counters.count_refusal(&AuthErrorKind::InvalidToken(TokenError::Expired));
        counters.count_refusal(&AuthErrorKind::InvalidToken(TokenError::Expired));
        counters.count_refusal(&AuthErrorKind::KeysUnavailable);
        counters.count_refusal(&AuthErrorKind::InsufficientScope {
            required: "read:messages",
            permission_source: crate::PermissionSource::Scope,
        });
        counters.count(Outcome::CacheHit);
        let metrics = counters.snapshot(KeyStatus::NeverFetched, None);
        assert_eq!(metrics.count(Outcome::InvalidToken(TokenError::Expired)), 2);
        assert_eq!(metrics.count(Outcome::KeysUnavailable), 1);
        assert_eq!(metrics.count(Outcome::CacheHit), 1);
        assert_eq!(metrics.outcomes().map(|(_, count)| count).sum::<u64>(), 4);
    }

    #[test]
    fn failed_fetches_count_as_fetches_too() {
        let counters = Counters::default();
        counters.count_jwks_fetch(true);
        counters.count_jwks_fetch(false);
        let metrics = counters.snapshot(KeyStatus::Usable, Some(Duration::ZERO));
        assert_eq!(metrics.jwks_fetches(), 2);
        assert_eq!(metrics.jwks_fetch_failures(), 1);
    }
}
