//! Start-up configuration: the validator's settings (issuer, audience, leeway, permission
//! source, key trust limit), CORS origins, the listen addresses and the operational limits.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum_bearer_auth::{AudienceError, BearerAuthConfig, MAX_CLOCK_LEEWAY, PermissionSource};
use oidc_protocol::{Audience, Issuer, IssuerError, Origin, UrlError};

use crate::serve::{HEADER_READ_TIMEOUT, MAX_CONNECTIONS, ServeLimits};

/// Environment variable holding a bare Auth0 domain (`tenant.eu.auth0.com`) or an issuer URL.
pub const ENV_AUTH0_DOMAIN: &str = "AUTH0_DOMAIN";
/// Environment variable holding the issuer URL; wins over [`ENV_AUTH0_DOMAIN`] when both agree.
pub const ENV_ISSUER_BASE_URL: &str = "ISSUER_BASE_URL";
/// Environment variable holding the API identifier the tokens must be issued for.
pub const ENV_AUTH0_AUDIENCE: &str = "AUTH0_AUDIENCE";
/// Environment variable holding the TCP port to listen on.
pub const ENV_PORT: &str = "PORT";
/// Environment variable holding the IP address to listen on.
pub const ENV_HOST: &str = "HOST";
/// Environment variable holding the comma-separated CORS origins.
pub const ENV_ALLOWED_ORIGINS: &str = "ALLOWED_ORIGINS";
/// Environment variable holding the clock leeway for `exp`/`nbf`, in whole seconds.
pub const ENV_CLOCK_LEEWAY_SECONDS: &str = "CLOCK_LEEWAY_SECONDS";
/// Environment variable naming the claim that grants permissions: `scope`, `permissions` or
/// `either`.
pub const ENV_PERMISSIONS_SOURCE: &str = "PERMISSIONS_SOURCE";
/// Environment variable holding how long a verified token is remembered, in whole seconds;
/// `0` turns the verified-token cache off.
pub const ENV_VERIFIED_TOKEN_TTL_SECONDS: &str = "VERIFIED_TOKEN_TTL_SECONDS";
/// Environment variable holding how long after the last successful JWKS fetch the keys are
/// still used while refetches fail, in whole seconds.
pub const ENV_JWKS_TRUST_LIMIT_SECONDS: &str = "JWKS_TRUST_LIMIT_SECONDS";
/// Environment variable holding how long a connection may take to send a request head (and
/// stay idle between requests), in whole seconds.
pub const ENV_HEADER_READ_TIMEOUT_SECONDS: &str = "HEADER_READ_TIMEOUT_SECONDS";
/// Environment variable holding the most connections served at once.
pub const ENV_MAX_CONNECTIONS: &str = "MAX_CONNECTIONS";
/// Environment variable holding the `IP:PORT` of the metrics listener; unset, none is opened.
pub const ENV_METRICS_ADDR: &str = "METRICS_ADDR";

const DEFAULT_PORT: u16 = 3001;
const DEFAULT_HOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const DEFAULT_ALLOWED_ORIGIN: &str = "http://localhost:3000";
/// Larger leeways turn expired tokens back into valid ones; refuse them outright.
const MAX_CLOCK_LEEWAY_SECONDS: u64 = MAX_CLOCK_LEEWAY.as_secs();
/// A withdrawn key keeps verifying the tokens it already verified for up to this long; an hour
/// is longer than any reason to keep it.
const MAX_VERIFIED_TOKEN_TTL_SECONDS: u64 = 3600;
/// A week of issuer outage is longer than any reason to keep trusting its old keys.
const MAX_JWKS_TRUST_LIMIT_SECONDS: u64 = 7 * 24 * 60 * 60;
/// Longer than any client needs to send a head, however slow its network.
const MAX_HEADER_READ_TIMEOUT_SECONDS: u64 = 300;
/// As many connections as one process can usually hold file descriptors for.
const MAX_MAX_CONNECTIONS: usize = 65_536;
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_MAX_HEADER_BYTES: usize = 16 * 1024;

/// Why the configuration was refused; each message names the setting at fault.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    /// Neither `AUTH0_DOMAIN` nor `ISSUER_BASE_URL` is set.
    #[error("missing issuer: set {ENV_AUTH0_DOMAIN} or {ENV_ISSUER_BASE_URL}")]
    MissingIssuer,
    /// `AUTH0_AUDIENCE` is not set or empty.
    #[error("missing audience: set {ENV_AUTH0_AUDIENCE}")]
    MissingAudience,
    /// `AUTH0_DOMAIN` and `ISSUER_BASE_URL` name different issuers.
    #[error("{ENV_AUTH0_DOMAIN} and {ENV_ISSUER_BASE_URL} name different issuers")]
    ConflictingIssuer,
    /// The issuer is not an `https` URL (or `http` on a loopback host) in canonical form
    /// without user information, query or fragment; the reason is the source.
    #[error("invalid {setting} {value:?}")]
    InvalidIssuer {
        /// The variable it was read from, or `issuer` when it was passed in code.
        setting: &'static str,
        /// The value as configured.
        value: String,
        /// What is wrong with it.
        #[source]
        reason: IssuerError,
    },
    /// The audience is empty or has surrounding whitespace; the reason is the source.
    #[error("invalid {setting} {value:?}")]
    InvalidAudience {
        /// The variable it was read from, or `audience` when it was passed in code.
        setting: &'static str,
        /// The value as configured.
        value: String,
        /// What is wrong with it.
        #[source]
        reason: AudienceError,
    },
    /// An allowed origin is not of the form `scheme://host[:port]`; the reason is the source.
    #[error("invalid origin {value:?} in {ENV_ALLOWED_ORIGINS}: expected scheme://host[:port]")]
    InvalidOrigin {
        /// The value as configured.
        value: String,
        /// What is wrong with it.
        #[source]
        reason: UrlError,
    },
    /// `PORT` is not a port number.
    #[error("invalid {ENV_PORT} {value:?}: expected a number from 1 to 65535")]
    InvalidPort {
        /// The value as configured.
        value: String,
    },
    /// `HOST` is not an IP address.
    #[error("invalid {ENV_HOST} {value:?}: expected an IP address such as 127.0.0.1")]
    InvalidHost {
        /// The value as configured.
        value: String,
    },
    /// `CLOCK_LEEWAY_SECONDS` is not a small whole number of seconds.
    #[error(
        "invalid {ENV_CLOCK_LEEWAY_SECONDS} {value:?}: expected whole seconds from 0 to {MAX_CLOCK_LEEWAY_SECONDS}"
    )]
    InvalidClockLeeway {
        /// The value as configured.
        value: String,
    },
    /// `VERIFIED_TOKEN_TTL_SECONDS` is not a whole number of seconds within the bound.
    #[error(
        "invalid {ENV_VERIFIED_TOKEN_TTL_SECONDS} {value:?}: expected whole seconds from 0 (no cache) to {MAX_VERIFIED_TOKEN_TTL_SECONDS}"
    )]
    InvalidVerifiedTokenTtl {
        /// The value as configured.
        value: String,
    },
    /// `JWKS_TRUST_LIMIT_SECONDS` is not a whole number of seconds within the bounds.
    #[error(
        "invalid {ENV_JWKS_TRUST_LIMIT_SECONDS} {value:?}: expected whole seconds from 1 to {MAX_JWKS_TRUST_LIMIT_SECONDS}"
    )]
    InvalidJwksTrustLimit {
        /// The value as configured.
        value: String,
    },
    /// `HEADER_READ_TIMEOUT_SECONDS` is not a whole number of seconds within the bounds.
    #[error(
        "invalid {ENV_HEADER_READ_TIMEOUT_SECONDS} {value:?}: expected whole seconds from 1 to {MAX_HEADER_READ_TIMEOUT_SECONDS}"
    )]
    InvalidHeaderReadTimeout {
        /// The value as configured.
        value: String,
    },
    /// `MAX_CONNECTIONS` is not a number within the bounds.
    #[error(
        "invalid {ENV_MAX_CONNECTIONS} {value:?}: expected a number from 1 to {MAX_MAX_CONNECTIONS}"
    )]
    InvalidMaxConnections {
        /// The value as configured.
        value: String,
    },
    /// `METRICS_ADDR` is not an `IP:PORT` socket address, or is the API's own.
    #[error(
        "invalid {ENV_METRICS_ADDR} {value:?}: expected IP:PORT such as 127.0.0.1:9464, other than HOST:PORT"
    )]
    InvalidMetricsAddr {
        /// The value as configured.
        value: String,
    },
    /// `PERMISSIONS_SOURCE` is not one of the known sources.
    #[error("invalid {ENV_PERMISSIONS_SOURCE} {value:?}: expected scope, permissions or either")]
    InvalidPermissionSource {
        /// The value as configured.
        value: String,
    },
}

impl ConfigError {
    /// Names the environment variable an invalid issuer or audience was read from.
    fn read_from(self, variable: &'static str) -> Self {
        match self {
            ConfigError::InvalidIssuer { value, reason, .. } => ConfigError::InvalidIssuer {
                setting: variable,
                value,
                reason,
            },
            ConfigError::InvalidAudience { value, reason, .. } => ConfigError::InvalidAudience {
                setting: variable,
                value,
                reason,
            },
            other => other,
        }
    }
}

fn parse_issuer(value: &str) -> Result<Issuer, ConfigError> {
    Issuer::parse(value).map_err(|reason| ConfigError::InvalidIssuer {
        setting: "issuer",
        value: value.to_owned(),
        reason,
    })
}

fn parse_issuer_or_domain(value: &str) -> Result<Issuer, ConfigError> {
    Issuer::from_domain(value).map_err(|reason| ConfigError::InvalidIssuer {
        setting: "issuer",
        value: value.to_owned(),
        reason,
    })
}

/// Whole seconds from `min` to `max`, surrounding whitespace allowed.
fn parse_seconds(value: &str, min: u64, max: u64) -> Option<Duration> {
    let seconds = value.trim().parse::<u64>().ok()?;
    (min..=max)
        .contains(&seconds)
        .then(|| Duration::from_secs(seconds))
}

/// `scope`, `permissions` or `either`, in any case.
fn parse_permission_source(value: &str) -> Result<PermissionSource, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "scope" => Ok(PermissionSource::Scope),
        "permissions" => Ok(PermissionSource::Permissions),
        "either" => Ok(PermissionSource::ScopeOrPermissions),
        _ => Err(ConfigError::InvalidPermissionSource {
            value: value.to_owned(),
        }),
    }
}

/// Everything the API needs; build with [`Config::new`] or [`Config::from_env`].
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) bearer_auth: BearerAuthConfig,
    pub(crate) allowed_origins: Vec<String>,
    pub(crate) listen_addr: SocketAddr,
    pub(crate) request_timeout: Duration,
    pub(crate) max_header_bytes: usize,
    pub(crate) header_read_timeout: Duration,
    pub(crate) max_connections: usize,
    pub(crate) metrics_addr: Option<SocketAddr>,
}

impl Config {
    /// Issuer URL (Auth0 style, trailing slash, compared byte-exact) and audience; every other
    /// setting at its default.
    ///
    /// # Errors
    /// [`ConfigError::InvalidIssuer`] or [`ConfigError::InvalidAudience`].
    pub fn new(issuer: &str, audience: &str) -> Result<Config, ConfigError> {
        let bearer_auth = BearerAuthConfig::new(parse_issuer(issuer)?, Audience::new(audience))
            .map_err(|reason| ConfigError::InvalidAudience {
                setting: "audience",
                value: audience.to_owned(),
                reason,
            })?;
        Ok(Config {
            bearer_auth,
            allowed_origins: vec![DEFAULT_ALLOWED_ORIGIN.to_owned()],
            listen_addr: SocketAddr::new(DEFAULT_HOST, DEFAULT_PORT),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            header_read_timeout: HEADER_READ_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
            metrics_addr: None,
        })
    }

    /// Reads the process environment (see the `ENV_*` constants). The caller loads `.env` first.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first missing or invalid setting.
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// As [`Config::from_env`], reading variables through `var` (so it can be tested without
    /// touching the process environment). Empty values count as unset.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first missing or invalid setting.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let var = |name: &str| var(name).filter(|value| !value.trim().is_empty());
        let from_base_url = var(ENV_ISSUER_BASE_URL)
            .map(|value| parse_issuer(&value))
            .transpose()
            .map_err(|error| error.read_from(ENV_ISSUER_BASE_URL))?;
        let from_domain = var(ENV_AUTH0_DOMAIN)
            .map(|value| parse_issuer_or_domain(&value))
            .transpose()
            .map_err(|error| error.read_from(ENV_AUTH0_DOMAIN))?;
        let issuer = match (from_base_url, from_domain) {
            (Some(a), Some(b)) if a != b => return Err(ConfigError::ConflictingIssuer),
            (Some(issuer), _) | (None, Some(issuer)) => issuer,
            (None, None) => return Err(ConfigError::MissingIssuer),
        };
        let audience = var(ENV_AUTH0_AUDIENCE).ok_or(ConfigError::MissingAudience)?;
        let mut config = Config::new(issuer.as_str(), &audience)
            .map_err(|error| error.read_from(ENV_AUTH0_AUDIENCE))?;

        if let Some(value) = var(ENV_PORT) {
            let port = value.trim().parse::<u16>().ok().filter(|port| *port != 0);
            let port = port.ok_or(ConfigError::InvalidPort { value })?;
            config.listen_addr.set_port(port);
        }
        if let Some(value) = var(ENV_HOST) {
            let host = match value.trim() {
                "localhost" => Some(DEFAULT_HOST),
                other => other.parse::<IpAddr>().ok(),
            };
            config
                .listen_addr
                .set_ip(host.ok_or(ConfigError::InvalidHost { value })?);
        }
        if let Some(value) = var(ENV_ALLOWED_ORIGINS) {
            config.allowed_origins = parse_origins(&value)?;
        }
        if let Some(value) = var(ENV_CLOCK_LEEWAY_SECONDS) {
            let seconds = value.trim().parse::<u64>().ok();
            let seconds = seconds.filter(|seconds| *seconds <= MAX_CLOCK_LEEWAY_SECONDS);
            let seconds = seconds.ok_or(ConfigError::InvalidClockLeeway { value })?;
            config = config.with_clock_leeway(Duration::from_secs(seconds));
        }
        if let Some(value) = var(ENV_PERMISSIONS_SOURCE) {
            config = config.with_permission_source(parse_permission_source(&value)?);
        }
        if let Some(value) = var(ENV_VERIFIED_TOKEN_TTL_SECONDS) {
            let seconds = value.trim().parse::<u64>().ok();
            let seconds = seconds.filter(|seconds| *seconds <= MAX_VERIFIED_TOKEN_TTL_SECONDS);
            let seconds = seconds.ok_or(ConfigError::InvalidVerifiedTokenTtl { value })?;
            config = config.with_verified_token_ttl(Duration::from_secs(seconds));
        }
        if let Some(value) = var(ENV_JWKS_TRUST_LIMIT_SECONDS) {
            let limit = parse_seconds(&value, 1, MAX_JWKS_TRUST_LIMIT_SECONDS)
                .ok_or(ConfigError::InvalidJwksTrustLimit { value })?;
            config = config.with_jwks_trust_limit(limit);
        }
        if let Some(value) = var(ENV_HEADER_READ_TIMEOUT_SECONDS) {
            let timeout = parse_seconds(&value, 1, MAX_HEADER_READ_TIMEOUT_SECONDS)
                .ok_or(ConfigError::InvalidHeaderReadTimeout { value })?;
            config = config.with_header_read_timeout(timeout);
        }
        if let Some(value) = var(ENV_MAX_CONNECTIONS) {
            let connections = value.trim().parse::<usize>().ok();
            let connections = connections.filter(|count| (1..=MAX_MAX_CONNECTIONS).contains(count));
            let connections = connections.ok_or(ConfigError::InvalidMaxConnections { value })?;
            config = config.with_max_connections(connections);
        }
        if let Some(value) = var(ENV_METRICS_ADDR) {
            let address = value.trim().parse::<SocketAddr>().ok();
            let address = address.filter(|address| *address != config.listen_addr);
            let address = address.ok_or(ConfigError::InvalidMetricsAddr { value })?;
            config = config.with_metrics_addr(Some(address));
        }
        Ok(config)
    }

    /// CORS: the exact origins (`scheme://host[:port]`) allowed to call the API from a browser.
    /// A trailing `/` is dropped; values that cannot be an origin are ignored with a warning when
    /// the app is built ([`Config::from_env`] refuses them instead).
    #[must_use]
    pub fn with_allowed_origins(mut self, origins: Vec<String>) -> Self {
        self.allowed_origins = origins
            .into_iter()
            .map(|origin| origin.trim().trim_end_matches('/').to_owned())
            .collect();
        self
    }

    /// Tolerance for clock skew when checking `exp` and `nbf` (at most 300 s).
    #[must_use]
    pub fn with_clock_leeway(mut self, leeway: Duration) -> Self {
        self.bearer_auth = self.bearer_auth.with_clock_leeway(leeway);
        self
    }

    /// Minimum time between two JWKS fetches triggered by unknown key ids.
    #[must_use]
    pub fn with_jwks_refetch_interval(mut self, interval: Duration) -> Self {
        let mut jwks = self.bearer_auth.jwks().clone();
        jwks.refetch_interval = interval;
        self.bearer_auth = self.bearer_auth.with_jwks(jwks);
        self
    }

    /// How long fetched keys are trusted before the next lookup refetches the JWKS, so a key
    /// the issuer withdraws stops verifying; while the issuer is down the old keys are kept.
    #[must_use]
    pub fn with_jwks_max_age(mut self, max_age: Duration) -> Self {
        let mut jwks = self.bearer_auth.jwks().clone();
        jwks.max_age = max_age;
        self.bearer_auth = self.bearer_auth.with_jwks(jwks);
        self
    }

    /// How long after the last successful JWKS fetch the keys are still used while refetches
    /// fail (24 h by default); past it, tokens that need a key are answered 503, and
    /// remembered tokens are not answered from memory, until a fetch succeeds.
    #[must_use]
    pub fn with_jwks_trust_limit(mut self, limit: Duration) -> Self {
        let mut jwks = self.bearer_auth.jwks().clone();
        jwks.trust_limit = limit;
        self.bearer_auth = self.bearer_auth.with_jwks(jwks);
        self
    }

    /// How long a connection may take to send a request head, and stay idle between requests
    /// (10 s by default); not used by [`crate::app`], which serves no connections.
    #[must_use]
    pub fn with_header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// The most connections served at once (512 by default, at least 1); not used by
    /// [`crate::app`].
    #[must_use]
    pub fn with_max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections.max(1);
        self
    }

    /// Where the binary serves `GET /metrics`, apart from the API (none by default).
    #[must_use]
    pub fn with_metrics_addr(mut self, address: Option<SocketAddr>) -> Self {
        self.metrics_addr = address;
        self
    }

    /// How long a verified token is remembered (never past its `exp`); zero disables the cache.
    ///
    /// While remembered, a token is not checked against the keys again: a key the issuer
    /// withdraws keeps accepting the tokens it already verified for up to this long.
    #[must_use]
    pub fn with_verified_token_ttl(mut self, ttl: Duration) -> Self {
        self.bearer_auth = self.bearer_auth.with_verified_token_ttl(ttl);
        self
    }

    /// Which claim grants `read:messages` on `/api/private-scoped` (`scope` by default).
    #[must_use]
    pub fn with_permission_source(mut self, source: PermissionSource) -> Self {
        self.bearer_auth = self.bearer_auth.with_permission_source(source);
        self
    }

    /// The token validator's settings.
    pub fn bearer_auth(&self) -> &BearerAuthConfig {
        &self.bearer_auth
    }

    /// The issuer tokens must carry in `iss`.
    pub fn issuer(&self) -> &Issuer {
        self.bearer_auth.issuer()
    }

    /// The audience tokens must carry in `aud`.
    pub fn audience(&self) -> &Audience {
        self.bearer_auth.audience()
    }

    /// The allowed CORS origins.
    pub fn allowed_origins(&self) -> &[String] {
        &self.allowed_origins
    }

    /// The clock leeway for `exp` and `nbf`.
    pub fn clock_leeway(&self) -> Duration {
        self.bearer_auth.clock_leeway()
    }

    /// Which claim grants permissions.
    pub fn permission_source(&self) -> PermissionSource {
        self.bearer_auth.permission_source()
    }

    /// Where the binary listens (`HOST`:`PORT`); not used by [`crate::app`].
    pub fn listen_addr(&self) -> SocketAddr {
        self.listen_addr
    }

    /// Where the binary serves `GET /metrics` (`METRICS_ADDR`), if anywhere.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// The bounds the binary serves connections within: the header-read timeout, the
    /// connection cap, and a shutdown grace long enough for a head still being read and the
    /// request it brings.
    pub fn serve_limits(&self) -> ServeLimits {
        ServeLimits {
            header_read_timeout: self.header_read_timeout,
            max_connections: self.max_connections,
            shutdown_grace: self.header_read_timeout + self.request_timeout,
        }
    }
}

/// Parses a comma-separated list of exact origins (oidc-protocol's [`Origin`]).
fn parse_origins(value: &str) -> Result<Vec<String>, ConfigError> {
    value
        .split(',')
        .map(str::trim)
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            let origin = origin.trim_end_matches('/');
            Origin::parse(origin)
                .map(|parsed| parsed.as_str().to_owned())
                .map_err(|reason| ConfigError::InvalidOrigin {
                    value: origin.to_owned(),
                    reason,
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn invalid_issuer_or_audience_names_the_variable_it_came_from() {
        let cases = [
            (ENV_AUTH0_DOMAIN, "http://tenant.auth0.com", "aud"),
            (ENV_ISSUER_BASE_URL, "ftp://tenant.auth0.com/", "aud"),
            (ENV_AUTH0_AUDIENCE, "https://tenant.auth0.com/", " aud"),
        ];
        for (named, issuer, audience) in cases {
            let issuer_variable = if named == ENV_AUTH0_AUDIENCE {
                ENV_ISSUER_BASE_URL
            } else {
                named
            };
            let error = Config::from_vars(vars(&[
                (issuer_variable, issuer),
                (ENV_AUTH0_AUDIENCE, audience),
            ]))
            .unwrap_err();
            assert!(
                matches!(
                    error,
                    ConfigError::InvalidIssuer { .. } | ConfigError::InvalidAudience { .. }
                ),
                "{error:?}"
            );
            assert!(
                error.to_string().starts_with(&format!("invalid {named} ")),
                "{error}"
            );
        }
    }

    #[test]
    fn missing_issuer_is_named() {
        let error = Config::from_vars(vars(&[(ENV_AUTH0_AUDIENCE, "aud")])).unwrap_err();
        assert_eq!(error, ConfigError::MissingIssuer);
        assert!(error.to_string().contains("AUTH0_DOMAIN"));
    }

    #[test]
    fn missing_audience_is_named() {
        let error = Config::from_vars(vars(&[(ENV_AUTH0_DOMAIN, "t.auth0.com")])).unwrap_err();
        assert_eq!(error, ConfigError::MissingAudience);
        assert!(error.to_string().contains("AUTH0_AUDIENCE"));
    }

    #[test]
    fn empty_values_count_as_missing() {
        let error = Config::from_vars(vars(&[(ENV_AUTH0_DOMAIN, " "), (ENV_AUTH0_AUDIENCE, "a")]));
        assert_eq!(error.unwrap_err(), ConfigError::MissingIssuer);
    }

    #[test]
    fn conflicting_issuers_are_refused() {
        let error = Config::from_vars(vars(&[
            (ENV_AUTH0_DOMAIN, "a.auth0.com"),
            (ENV_ISSUER_BASE_URL, "https://b.auth0.com/"),
            (ENV_AUTH0_AUDIENCE, "aud"),
        ]));
        assert_eq!(error.unwrap_err(), ConfigError::ConflictingIssuer);
    }

    #[test]
    fn defaults_apply_when_only_issuer_and_audience_are_set() {
        let config = Config::from_vars(vars(&[
            (ENV_ISSUER_BASE_URL, "http://localhost:3002"),
            (ENV_AUTH0_AUDIENCE, "https://quickstarts/api"),
        ]))
        .unwrap();
        assert_eq!(config.issuer().as_str(), "http://localhost:3002/");
        assert_eq!(config.audience().as_str(), "https://quickstarts/api");
        assert_eq!(config.listen_addr(), "127.0.0.1:3001".parse().unwrap());
        assert_eq!(config.allowed_origins(), ["http://localhost:3000"]);
        assert_eq!(config.clock_leeway(), Duration::from_secs(5));
        assert_eq!(config.permission_source(), PermissionSource::Scope);
        assert_eq!(
            config.bearer_auth().verified_token_ttl(),
            Duration::from_secs(60)
        );
        assert_eq!(
            config.bearer_auth().jwks().trust_limit,
            Duration::from_secs(86_400)
        );
        assert_eq!(
            config.serve_limits(),
            ServeLimits {
                header_read_timeout: Duration::from_secs(10),
                max_connections: 512,
                shutdown_grace: Duration::from_secs(20),
            }
        );
        assert_eq!(config.metrics_addr(), None);
    }

    #[test]
    fn verified_token_ttl_may_be_zero_to_turn_the_cache_off() {
        for (value, expected) in [("0", 0), ("1", 1), (" 3600 ", 3600)] {
            let config = Config::from_vars(vars(&[
                (ENV_AUTH0_DOMAIN, "t.auth0.com"),
                (ENV_AUTH0_AUDIENCE, "aud"),
                (ENV_VERIFIED_TOKEN_TTL_SECONDS, value),
            ]))
            .unwrap();
            assert_eq!(
                config.bearer_auth().verified_token_ttl(),
                Duration::from_secs(expected),
                "{value:?}"
            );
        }
    }

    #[test]
    fn every_setting_is_read() {
        let config = Config::from_vars(vars(&[
            (ENV_AUTH0_DOMAIN, "t.auth0.com"),
            (ENV_AUTH0_AUDIENCE, "aud"),
            (ENV_PORT, "8080"),
            (ENV_HOST, "0.0.0.0"),
            (
                ENV_ALLOWED_ORIGINS,
                "https://a.example, http://localhost:5173/",
            ),
            (ENV_CLOCK_LEEWAY_SECONDS, "0"),
            (ENV_PERMISSIONS_SOURCE, "either"),
            (ENV_VERIFIED_TOKEN_TTL_SECONDS, "30"),
            (ENV_JWKS_TRUST_LIMIT_SECONDS, "3600"),
            (ENV_HEADER_READ_TIMEOUT_SECONDS, "5"),
            (ENV_MAX_CONNECTIONS, "64"),
            (ENV_METRICS_ADDR, "127.0.0.1:9464"),
        ]))
        .unwrap();
        assert_eq!(
            config.bearer_auth().jwks().trust_limit,
            Duration::from_secs(3600)
        );
        assert_eq!(
            config.serve_limits(),
            ServeLimits {
                header_read_timeout: Duration::from_secs(5),
                max_connections: 64,
                shutdown_grace: Duration::from_secs(15),
            }
        );
        assert_eq!(
            config.metrics_addr(),
            Some("127.0.0.1:9464".parse().unwrap())
        );
        assert_eq!(
            config.bearer_auth().verified_token_ttl(),
            Duration::from_secs(30)
        );
        assert_eq!(config.listen_addr(), "0.0.0.0:8080".parse().unwrap());
        assert_eq!(
            config.allowed_origins(),
            ["https://a.example", "http://localhost:5173"]
        );
        assert_eq!(config.clock_leeway(), Duration::ZERO);
        assert_eq!(
            config.permission_source(),
            PermissionSource::ScopeOrPermissions
        );
    }

    #[test]
    fn permissions_source_names_each_claim_choice() {
        let cases = [
            ("scope", PermissionSource::Scope),
            ("permissions", PermissionSource::Permissions),
            ("either", PermissionSource::ScopeOrPermissions),
            (" Permissions ", PermissionSource::Permissions),
        ];
        for (value, expected) in cases {
            let config = Config::from_vars(vars(&[
                (ENV_AUTH0_DOMAIN, "t.auth0.com"),
                (ENV_AUTH0_AUDIENCE, "aud"),
                (ENV_PERMISSIONS_SOURCE, value),
            ]))
            .unwrap();
            assert_eq!(config.permission_source(), expected, "{value:?}");
        }
    }

    #[test]
    fn invalid_issuer_keeps_the_reason_as_its_source() {
        let error = Config::from_vars(vars(&[
            (ENV_AUTH0_DOMAIN, "http://tenant.auth0.com"),
            (ENV_AUTH0_AUDIENCE, "aud"),
        ]))
        .unwrap_err();
        assert_eq!(
            error,
            ConfigError::InvalidIssuer {
                setting: ENV_AUTH0_DOMAIN,
                value: "http://tenant.auth0.com".to_owned(),
                reason: IssuerError::Url(UrlError::InsecureHttp),
            }
        );
        let mut causes = Vec::new();
        let mut cause = std::error::Error::source(&error);
        while let Some(error) = cause {
            causes.push(error.to_string());
            cause = error.source();
        }
        assert_eq!(
            causes,
            [
                "invalid issuer url",
                "http is only allowed for loopback hosts"
            ]
        );
    }

    #[test]
    fn invalid_origin_names_the_value_and_keeps_the_reason_as_its_source() {
        for (value, reason) in [
            ("*", UrlError::Scheme),
            ("https://a.example/path", UrlError::Path),
            ("https://a.example:443", UrlError::Port),
            ("https://A.example", UrlError::Host),
            ("https://user@a.example", UrlError::UserInfo),
            // Host names are letters, digits, dots and hyphens (RFC 1123 section 2.1).
            ("http://web_app:8080", UrlError::Host),
        ] {
            let error = Config::from_vars(vars(&[
                (ENV_AUTH0_DOMAIN, "t.auth0.com"),
                (ENV_AUTH0_AUDIENCE, "aud"),
                (
                    ENV_ALLOWED_ORIGINS,
                    &format!("http://localhost:3000,{value}"),
                ),
            ]))
            .unwrap_err();
            assert_eq!(
                error,
                ConfigError::InvalidOrigin {
                    value: value.to_owned(),
                    reason
                }
            );
            let source = std::error::Error::source(&error).map(ToString::to_string);
            assert_eq!(source, Some(reason.to_string()), "{value}");
        }
    }

    #[test]
    fn invalid_settings_are_named() {
        let base = [
            (ENV_AUTH0_DOMAIN, "t.auth0.com"),
            (ENV_AUTH0_AUDIENCE, "aud"),
        ];
        let cases: [(&str, &str, &str); 20] = [
            (ENV_PORT, "0", "PORT"),
            (ENV_HOST, "example.com", "HOST"),
            (ENV_ALLOWED_ORIGINS, "*", "ALLOWED_ORIGINS"),
            (
                ENV_ALLOWED_ORIGINS,
                "https://a.example/path",
                "ALLOWED_ORIGINS",
            ),
            (ENV_CLOCK_LEEWAY_SECONDS, "3600", "CLOCK_LEEWAY_SECONDS"),
            (
                ENV_VERIFIED_TOKEN_TTL_SECONDS,
                "3601",
                "VERIFIED_TOKEN_TTL_SECONDS",
            ),
            (
                ENV_VERIFIED_TOKEN_TTL_SECONDS,
                "-1",
                "VERIFIED_TOKEN_TTL_SECONDS",
            ),
            (
                ENV_VERIFIED_TOKEN_TTL_SECONDS,
                "1m",
                "VERIFIED_TOKEN_TTL_SECONDS",
            ),
            (
                ENV_JWKS_TRUST_LIMIT_SECONDS,
                "0",
                "JWKS_TRUST_LIMIT_SECONDS",
            ),
            (
                ENV_JWKS_TRUST_LIMIT_SECONDS,
                "604801",
                "JWKS_TRUST_LIMIT_SECONDS",
            ),
            (
                ENV_HEADER_READ_TIMEOUT_SECONDS,
                "0",
                "HEADER_READ_TIMEOUT_SECONDS",
            ),
            (
                ENV_HEADER_READ_TIMEOUT_SECONDS,
                "301",
                "HEADER_READ_TIMEOUT_SECONDS",
            ),
            (ENV_MAX_CONNECTIONS, "0", "MAX_CONNECTIONS"),
            (ENV_MAX_CONNECTIONS, "65537", "MAX_CONNECTIONS"),
            (ENV_MAX_CONNECTIONS, "many", "MAX_CONNECTIONS"),
            (ENV_METRICS_ADDR, "9464", "METRICS_ADDR"),
            (ENV_METRICS_ADDR, "localhost:9464", "METRICS_ADDR"),
            (ENV_METRICS_ADDR, "127.0.0.1:3001", "METRICS_ADDR"),
            (ENV_PERMISSIONS_SOURCE, "roles", "PERMISSIONS_SOURCE"),
            (
                ENV_PERMISSIONS_SOURCE,
                "scope,permissions",
                "PERMISSIONS_SOURCE",
            ),
        ];
        for (name, value, named) in cases {
            let mut pairs = base.to_vec();
            pairs.push((name, value));
            let error = Config::from_vars(vars(&pairs)).unwrap_err();
            assert!(error.to_string().contains(named), "{name}={value}: {error}");
        }
    }
}
