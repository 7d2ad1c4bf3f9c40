//! Token revocation (RFC 7009) at the tenant's `/oauth/revoke`, where Auth0 serves it: a
//! logout revokes the refresh token, and with rotation its whole family, so that a copy of it
//! left anywhere is worthless.

use std::sync::Arc;

use oidc_protocol::form::encode_pairs;
use oidc_protocol::{OAuthErrorResponse, RefreshToken};

use crate::config::AuthConfig;
use crate::token_endpoint::send_form;

/// Why a revocation was not confirmed.
#[derive(Clone, Debug, thiserror::Error)]
pub enum RevocationError {
    /// The tenant could not be reached, or did not answer in time.
    #[error("network error")]
    Network(#[source] Arc<gloo_net::Error>),
    /// The tenant refused, with an OAuth error (RFC 7009 section 2.2.1).
    #[error("revocation refused: {}", .0.error)]
    Refused(OAuthErrorResponse),
    /// The tenant failed without an OAuth error body.
    #[error("revocation answered with status {0}")]
    Status(u16),
}

/// The revocation endpoint of the configured tenant.
pub fn revocation_url(config: &AuthConfig) -> String {
    config.issuer.endpoint("oauth/revoke")
}

/// Revokes `refresh_token` (RFC 7009 section 2.1). A token the tenant no longer knows is
/// answered 200 like a revoked one (section 2.2), so success means it is unusable now.
///
/// # Errors
/// [`RevocationError`] when the tenant did not confirm.
pub async fn revoke_refresh_token(
    config: &AuthConfig,
    refresh_token: &RefreshToken,
) -> Result<(), RevocationError> {
    let body = encode_pairs(&[
        ("token", refresh_token.secret()),
        ("token_type_hint", "refresh_token"),
        ("client_id", config.client_id.as_str()),
    ]);
    let response = send_form(&revocation_url(config), body)
        .await
        .map_err(|error| RevocationError::Network(Arc::new(error)))?;
    if response.ok() {
        return Ok(());
    }
    let status = response.status();
    Err(match response.json::<OAuthErrorResponse>().await {
        Ok(body) => RevocationError::Refused(body),
        Err(_) => RevocationError::Status(status),
    })
}
