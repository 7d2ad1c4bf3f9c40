//! The validator handle an app keeps in its state: JWKS cache and verified-token cache inside.

use std::fmt;
use std::sync::Arc;

use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, HeaderValue};
use oidc_protocol::bearer_token;

use crate::claims::Claims;
use crate::config::BearerAuthConfig;
use crate::error::AuthError;
use crate::token::TokenVerifier;

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

    /// The claims of the bearer token in `headers` (`Authorization: Bearer <token>`, RFC 6750
    /// section 2.1), as the [`Claims`] extractor does.
    ///
    /// # Errors
    /// An [`AuthError`] for missing or malformed credentials, an invalid token, or keys that
    /// cannot be fetched.
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Claims, AuthError> {
        let values = headers
            .get_all(AUTHORIZATION)
            .iter()
            .map(HeaderValue::as_bytes);
        let token = bearer_token(values).map_err(|error| self.error(error.into()))?;
        self.verify(token).await
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

    fn error(&self, kind: crate::error::AuthErrorKind) -> AuthError {
        AuthError::new(kind, self.verifier.realm().clone())
    }
}

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
