//! The validator's configuration: whom to trust, for what, and how keys and tokens are cached.

use std::time::Duration;

use oidc_protocol::{Audience, Issuer};

use crate::permission::PermissionSource;
use crate::realm::Realm;

/// The largest clock leeway accepted; larger ones turn expired tokens back into valid ones.
pub const MAX_CLOCK_LEEWAY: Duration = Duration::from_secs(300);
/// As Auth0's express-oauth2-jwt-bearer.
const DEFAULT_CLOCK_LEEWAY: Duration = Duration::from_secs(5);
/// jwks-rsa allows 5 to 10 refetches a minute; one every 10 s stays inside that.
const DEFAULT_JWKS_REFETCH_INTERVAL: Duration = Duration::from_secs(10);
/// Discovery plus JWKS at this bound each still answer within a 10 s request budget.
const DEFAULT_JWKS_FETCH_TIMEOUT: Duration = Duration::from_secs(4);
/// A real JWKS is a few kilobytes; anything near this bound is not one.
const DEFAULT_JWKS_MAX_BYTES: usize = 256 * 1024;
/// As jwks-rsa's `cacheMaxAge`: a withdrawn key stops verifying within ten minutes.
const DEFAULT_JWKS_MAX_AGE: Duration = Duration::from_secs(600);
/// A day of issuer outage is long enough to ride out; a key the issuer withdrew cannot be kept
/// alive for longer by blocking its JWKS.
const DEFAULT_JWKS_TRUST_LIMIT: Duration = Duration::from_secs(24 * 60 * 60);
const DEFAULT_VERIFIED_TOKEN_TTL: Duration = Duration::from_secs(60);
const DEFAULT_VERIFIED_TOKEN_CAPACITY: usize = 10_000;

/// Why an audience cannot be validated against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AudienceError {
    /// The audience is empty or has whitespace around it: `aud` is compared byte for byte, so
    /// no token could carry it as configured, and the mistake would only show as 401s.
    #[error("must be a non-empty string without surrounding whitespace")]
    EmptyOrPadded,
}

/// How the issuer's JWKS is fetched and cached.
///
/// An unknown `kid` causes at most one fetch, at least `refetch_interval` after the previous
/// one; concurrent misses wait for the same fetch; a failed, broken or key-less JWKS never
/// replaces the keys in hand. Keys older than `max_age` are refetched before use, and kept if
/// that fetch fails, but never once `trust_limit` has passed since the last successful fetch:
/// from then on a token that needs a key is answered 503 until a fetch succeeds. Fetches follow
/// no redirects.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JwksSettings {
    /// Minimum time between two fetches (10 s).
    pub refetch_interval: Duration,
    /// Connect and whole-request timeout of one fetch (4 s).
    pub fetch_timeout: Duration,
    /// Largest discovery or JWKS body accepted (256 KiB).
    pub max_bytes: usize,
    /// How long fetched keys are used before the next lookup refetches them (10 min).
    pub max_age: Duration,
    /// How long after the last successful fetch the keys are still used while refetches fail
    /// (24 h). Past it they are not used at all (503 `temporarily_unavailable`), and tokens the
    /// verified-token cache remembers are not answered from it either, so an attacker who can
    /// block the issuer cannot keep a withdrawn key alive.
    pub trust_limit: Duration,
}

impl Default for JwksSettings {
    fn default() -> Self {
        Self {
            refetch_interval: DEFAULT_JWKS_REFETCH_INTERVAL,
            fetch_timeout: DEFAULT_JWKS_FETCH_TIMEOUT,
            max_bytes: DEFAULT_JWKS_MAX_BYTES,
            max_age: DEFAULT_JWKS_MAX_AGE,
            trust_limit: DEFAULT_JWKS_TRUST_LIMIT,
        }
    }
}

/// Everything a [`crate::BearerAuth`] needs. Only RS256 is accepted, fixed here and not
/// configurable: the algorithm comes from this configuration, never from the token's `alg`.
#[derive(Debug, Clone)]
pub struct BearerAuthConfig {
    pub(crate) issuer: Issuer,
    pub(crate) audience: Audience,
    pub(crate) clock_leeway: Duration,
    pub(crate) jwks: JwksSettings,
    pub(crate) verified_token_ttl: Duration,
    pub(crate) verified_token_capacity: usize,
    pub(crate) permission_source: PermissionSource,
    pub(crate) realm: Realm,
}

impl BearerAuthConfig {
    /// Tokens from `issuer` for `audience`; every other setting at its default: 5 s leeway,
    /// [`JwksSettings::default`], verified tokens remembered 60 s (at most 10 000),
    /// permissions from `scope`, realm `api`.
    ///
    /// # Errors
    /// [`AudienceError::EmptyOrPadded`] when `audience` is empty or has surrounding whitespace.
    pub fn new(issuer: Issuer, audience: Audience) -> Result<Self, AudienceError> {
        let text = audience.as_str();
        if text.is_empty() || text.trim() != text {
            return Err(AudienceError::EmptyOrPadded);
        }
        Ok(Self {
            issuer,
            audience,
            clock_leeway: DEFAULT_CLOCK_LEEWAY,
            jwks: JwksSettings::default(),
            verified_token_ttl: DEFAULT_VERIFIED_TOKEN_TTL,
            verified_token_capacity: DEFAULT_VERIFIED_TOKEN_CAPACITY,
            permission_source: PermissionSource::default(),
            realm: Realm::default(),
        })
    }

    /// Tolerance for clock skew when checking `exp` and `nbf`, at most [`MAX_CLOCK_LEEWAY`]
    /// (a longer one is cut to it). Whole seconds count; fractions are dropped.
    #[must_use]
    pub fn with_clock_leeway(mut self, leeway: Duration) -> Self {
        self.clock_leeway = leeway.min(MAX_CLOCK_LEEWAY);
        self
    }

    /// How the JWKS is fetched and cached.
    #[must_use]
    pub fn with_jwks(mut self, jwks: JwksSettings) -> Self {
        self.jwks = jwks;
        self
    }

    /// How long a verified token is remembered, never past its `exp`; zero turns the cache off.
    ///
    /// While remembered, a token is not checked against the keys again, so a key withdrawn
    /// from the JWKS keeps accepting tokens it already verified for up to this long.
    #[must_use]
    pub fn with_verified_token_ttl(mut self, ttl: Duration) -> Self {
        self.verified_token_ttl = ttl;
        self
    }

    /// How many verified tokens are remembered at most; zero turns the cache off.
    #[must_use]
    pub fn with_verified_token_capacity(mut self, capacity: usize) -> Self {
        self.verified_token_capacity = capacity;
        self
    }

    /// Which claim grants permissions ([`PermissionSource::Scope`] by default).
    #[must_use]
    pub fn with_permission_source(mut self, source: PermissionSource) -> Self {
        self.permission_source = source;
        self
    }

    /// The `realm` of every challenge (`api` by default).
    #[must_use]
    pub fn with_realm(mut self, realm: Realm) -> Self {
        self.realm = realm;
        self
    }

    /// The issuer tokens must carry in `iss`.
    pub fn issuer(&self) -> &Issuer {
        &self.issuer
    }

    /// The audience tokens must carry in `aud`.
    pub fn audience(&self) -> &Audience {
        &self.audience
    }

    /// The clock leeway for `exp` and `nbf`.
    pub fn clock_leeway(&self) -> Duration {
        self.clock_leeway
    }

    /// How the JWKS is fetched and cached.
    pub fn jwks(&self) -> &JwksSettings {
        &self.jwks
    }

    /// How long a verified token is remembered.
    pub fn verified_token_ttl(&self) -> Duration {
        self.verified_token_ttl
    }

    /// How many verified tokens are remembered at most.
    pub fn verified_token_capacity(&self) -> usize {
        self.verified_token_capacity
    }

    /// Which claim grants permissions.
    pub fn permission_source(&self) -> PermissionSource {
        self.permission_source
    }

    /// The `realm` of every challenge.
    pub fn realm(&self) -> &Realm {
        &self.realm
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> BearerAuthConfig {
        BearerAuthConfig::new(
            Issuer::from_domain("tenant.eu.auth0.com").unwrap(),
            Audience::new("https://quickstarts/api"),
        )
        .unwrap()
    }

    #[test]
    fn audience_is_kept_as_written() {
        assert_eq!(config().audience().as_str(), "https://quickstarts/api");
    }

    #[test]
    fn empty_or_padded_audience_is_refused() {
        let issuer = Issuer::from_domain("tenant.eu.auth0.com").unwrap();
        for value in ["", " ", " aud", "aud ", "aud\n"] {
            assert_eq!(
                BearerAuthConfig::new(issuer.clone(), Audience::new(value)).err(),
                Some(AudienceError::EmptyOrPadded),
                "{value:?}"
            );
        }
    }

    #[test]
    fn defaults_are_those_documented() {
        let config = config();
        assert_eq!(config.clock_leeway(), Duration::from_secs(5));
        assert_eq!(config.jwks().refetch_interval, Duration::from_secs(10));
        assert_eq!(config.jwks().fetch_timeout, Duration::from_secs(4));
        assert_eq!(config.jwks().max_bytes, 256 * 1024);
        assert_eq!(config.jwks().max_age, Duration::from_secs(600));
        assert_eq!(config.jwks().trust_limit, Duration::from_secs(86_400));
        assert_eq!(config.verified_token_ttl(), Duration::from_secs(60));
        assert_eq!(config.verified_token_capacity(), 10_000);
        assert_eq!(config.permission_source(), PermissionSource::Scope);
        assert_eq!(config.realm().as_str(), "api");
    }

    #[test]
    fn clock_leeway_is_capped() {
        let config = config().with_clock_leeway(Duration::from_secs(3600));
        assert_eq!(config.clock_leeway(), MAX_CLOCK_LEEWAY);
    }
}
