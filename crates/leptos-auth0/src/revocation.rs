//! Token revocation (RFC 7009) at the provider's revocation endpoint (Auth0's `/oauth/revoke`,
//! or the discovery document's `revocation_endpoint`): a logout revokes the refresh token, and
//! with rotation its whole family, so that a copy of it left anywhere is worthless. A provider
//! without the endpoint gets no revocation; the token is then only deleted here.

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

/// Revokes `refresh_token` at `revocation_endpoint` (RFC 7009 section 2.1). A token the
/// provider no longer knows is answered 200 like a revoked one (section 2.2), so success means
/// it is unusable now.
///
/// # Errors
/// [`RevocationError`] when the provider did not confirm.
pub async fn revoke_refresh_token(
    config: &AuthConfig,
    revocation_endpoint: &str,
    refresh_token: &RefreshToken,
) -> Result<(), RevocationError> {
    let body = encode_pairs(&[
        ("token", refresh_token.secret()),
        ("token_type_hint", "refresh_token"),
        ("client_id", config.client_id.as_str()),
    ]);
    let response = send_form(revocation_endpoint, body)
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
