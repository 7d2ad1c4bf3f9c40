//! The validator handle an app keeps in its state: JWKS cache and verified-token cache inside.

use std::fmt;
use std::sync::Arc;

use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use oidc_protocol::bearer::MAX_TOKEN_BYTES;
use oidc_protocol::bearer_token;

use crate::claims::Claims;
use crate::config::BearerAuthConfig;
use crate::error::{AuthError, AuthErrorKind};
use crate::jwks::KeyStatus;
use crate::metrics::AuthMetrics;
use crate::token::TokenVerifier;
use crate::token_methods::{has_bearer_header, names_access_token};
use crate::verified_cache::token_digest;

/// Validates bearer tokens for one issuer and audience; build it once with [`BearerAuth::new`]
/// and put it in the router state. Cloning is cheap and shares the caches.
///
/// The [`Claims`] and [`crate::RequirePermission`] extractors find it through
/// `BearerAuth: FromRef<S>`: use it as the state itself, or derive/implement
/// [`axum::extract::FromRef`] for a field of your own state struct.
#[derive(Clone)]
pub struct BearerAuth {
    verifier: Arc<TokenVerifier>,
    config: Arc<BearerAuthConfig>,
}

impl BearerAuth {
    /// A validator with empty caches; nothing is fetched until the first token needs a key.
    pub fn new(config: BearerAuthConfig) -> Self {
        Self {
            verifier: Arc::new(TokenVerifier::new(&config)),
            config: Arc::new(config),
        }
    }

    /// The configuration it was built from.
    pub fn config(&self) -> &BearerAuthConfig {
        &self.config
    }

    /// The counters of every token check and JWKS fetch so far, with the state of the keys;
    /// cheap enough for every metrics scrape.
    pub fn metrics(&self) -> AuthMetrics {
        self.verifier.metrics()
    }

    /// Whether the signing keys in hand could verify a token now. Never fetches: cheap enough
    /// for every probe, and an issuer outage never shows as anything but [`KeyStatus::Expired`]
    /// a whole trust limit later.
    pub fn key_status(&self) -> KeyStatus {
        self.verifier.key_status()
    }

    /// As [`BearerAuth::key_status`], after one JWKS fetch when the keys are not usable (never
    /// fetched, or past the trust limit): a readiness check that brings a new instance into
    /// service without waiting for a token. The fetch is rate-limited as every fetch (none
    /// within [`crate::JwksSettings::refetch_interval`] of the previous one) and shared with
    /// the token checks waiting for keys, so probes cannot flood the issuer.
    pub async fn check_keys(&self) -> KeyStatus {
        self.verifier.checked_key_status().await
    }

    /// The claims of the bearer token of a request, as the extractors take it: from the
    /// `Authorization` header only, refusing a request that also carries an `access_token`
    /// query parameter (RFC 6750 section 3.1). The query is never logged.
    ///
    /// # Errors
    /// As [`BearerAuth::authenticate`], and [`AuthErrorKind::MultipleTokenMethods`].
    pub(crate) async fn authenticate_parts(&self, parts: &Parts) -> Result<Claims, AuthError> {
        if let Some(query) = parts.uri.query()
            && names_access_token(query)
            && has_bearer_header(&parts.headers)
        {
            return Err(self.refused(AuthErrorKind::MultipleTokenMethods));
        }
        self.authenticate(&parts.headers).await
    }

    /// The claims of the bearer token in `headers` (`Authorization: Bearer <token>`, RFC 6750
    /// section 2.1). The extractors also refuse a token sent in the query as well; this reads
    /// the headers only.
    ///
    /// # Errors
    /// An [`AuthError`] for missing or malformed credentials, an invalid token, or keys that
    /// cannot be fetched.
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Claims, AuthError> {
        let mut values = headers.get_all(AUTHORIZATION).iter();
        let plain = match (values.next(), values.next()) {
            (Some(value), None) => plain_bearer(value.as_bytes()),
            _ => None,
        };
        let candidate = plain.map(|token| (token, token_digest(token)));
        if let Some((_, digest)) = &candidate
            && let Some(claims) = self.verifier.remembered(digest)
        {
            return Ok(claims);
        }
        let values = headers
            .get_all(AUTHORIZATION)
            .iter()
            .map(HeaderValue::as_bytes);
        let token = bearer_token(values).map_err(|error| self.refused(error.into()))?;
        let verified = match candidate {
            Some((plain, digest)) if plain == token.as_bytes() => {
                self.verifier.verify_unremembered(token, digest).await
            }
            _ => self.verifier.verify(token).await,
        };
        verified.map_err(|kind| self.error(kind))
    }

    /// The claims of `access_token`, a compact JWS taken from somewhere other than the
    /// `Authorization` header.
    ///
    /// # Errors
    /// An [`AuthError`] for an invalid token or keys that cannot be fetched.
    pub async fn verify(&self, access_token: &str) -> Result<Claims, AuthError> {
        self.verifier
            .verify(access_token)
            .await
            .map_err(|kind| self.error(kind))
    }

    fn error(&self, kind: AuthErrorKind) -> AuthError {
        AuthError::new(kind, self.verifier.realm().clone())
    }

    /// The error for a refusal the verifier never saw, counted.
    fn refused(&self, kind: AuthErrorKind) -> AuthError {
        self.verifier.count_refusal(&kind);
        self.error(kind)
    }
}

/// The token of a header value written exactly `Bearer <token>` (scheme in any case, one
/// space), or `None`; nothing about the token is checked.
///
/// Only a key into the verified-token cache, so that a token seen before skips the grammar
/// check as it skips the signature check. That is sound because every remembered token passed
/// oidc-protocol's `bearer_token` (RFC 6750 section 2.1) when first verified, and that function
/// reads the same token from a lone header of this form; any other header (two of them, other
/// spacing, another scheme) misses here and goes through `bearer_token` and its errors.
fn plain_bearer(value: &[u8]) -> Option<&[u8]> {
    let (scheme, token) = value.split_at_checked(BEARER_PREFIX.len())?;
    let plain = scheme.eq_ignore_ascii_case(BEARER_PREFIX)
        && !token.is_empty()
        && token.len() <= MAX_TOKEN_BYTES;
    plain.then_some(token)
}

const BEARER_PREFIX: &[u8] = b"bearer ";

impl fmt::Debug for BearerAuth {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("BearerAuth")
            .field("issuer", &self.config.issuer().as_str())
            .field("audience", &self.config.audience().as_str())
            .field("permission_source", &self.config.permission_source())
            .finish_non_exhaustive()
    }
}
