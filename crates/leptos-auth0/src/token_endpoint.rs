//! Requests to the provider's token endpoint (RFC 6749 section 3.2), over gloo-net. Where
//! [`AuthConfig::resource`] says so, each names the API as RFC 8707's `resource` (section
//! 2.2), so the access token is for it.

use std::sync::Arc;

use oidc_protocol::form::encode_pairs;
use oidc_protocol::{OAuthErrorResponse, PkceVerifier, RefreshToken, TokenResponse};

use crate::browser::{REQUEST_TIMEOUT, abort_after};
use crate::config::AuthConfig;

/// Why the token endpoint gave no usable tokens.
#[derive(Clone, Debug, thiserror::Error)]
pub enum TokenEndpointError {
    /// The tenant could not be reached, or did not answer within
    /// [`REQUEST_TIMEOUT`](crate::REQUEST_TIMEOUT).
    #[error("network error")]
    Network(#[source] Arc<gloo_net::Error>),
    /// The tenant refused, with an OAuth error (RFC 6749 section 5.2).
    #[error("token endpoint error {}", .0.error)]
    Refused(OAuthErrorResponse),
    /// The tenant failed without an OAuth error body.
    #[error("token endpoint answered with status {0}")]
    Status(u16),
    /// The answer is not a token response.
    #[error("unexpected token response")]
    Decode(#[source] Arc<gloo_net::Error>),
    /// The answer is a token response of another type than `Bearer` (RFC 6749 section 7.1):
    /// `AuthHttp` only knows how to send bearer tokens.
    #[error("token type is not bearer")]
    NotBearer,
}

/// Exchanges `code` at `token_endpoint` (RFC 6749 section 4.1.3, RFC 7636 section 4.5). The
/// verifier is moved in: it is spent by this one request.
///
/// # Errors
/// [`TokenEndpointError`] saying why no tokens came back.
pub async fn exchange_code(
    config: &AuthConfig,
    token_endpoint: &str,
    code: &str,
    verifier: PkceVerifier,
    redirect_uri: &str,
) -> Result<TokenResponse, TokenEndpointError> {
    let mut pairs = vec![
        ("grant_type", "authorization_code"),
        ("client_id", config.client_id.as_str()),
        ("code", code),
        ("code_verifier", verifier.secret()),
        ("redirect_uri", redirect_uri),
    ];
    if let Some(resource) = config.resource() {
        pairs.push(("resource", resource));
    }
    let body = encode_pairs(&pairs);
    drop(verifier);
    post_form(token_endpoint, body).await
}

/// Spends `refresh_token` at `token_endpoint` for new tokens (RFC 6749 section 6, OIDC Core
/// 12). With rotation the answer carries the refresh token's successor, and the one sent must
/// never be sent again.
///
/// # Errors
/// [`TokenEndpointError`] saying why no tokens came back; [`TokenEndpointError::Refused`] with
/// `invalid_grant` when the refresh token is revoked, expired or was used before.
pub async fn refresh_tokens(
    config: &AuthConfig,
    token_endpoint: &str,
    refresh_token: &RefreshToken,
) -> Result<TokenResponse, TokenEndpointError> {
    let mut pairs = vec![
        ("grant_type", "refresh_token"),
        ("client_id", config.client_id.as_str()),
        ("refresh_token", refresh_token.secret()),
    ];
    if let Some(resource) = config.resource() {
        pairs.push(("resource", resource));
    }
    post_form(token_endpoint, encode_pairs(&pairs)).await
}

/// POSTs a form (a CORS "simple" request, so no preflight precedes it), giving up after
/// [`REQUEST_TIMEOUT`].
pub(crate) async fn send_form(
    url: &str,
    body: String,
) -> Result<gloo_net::http::Response, gloo_net::Error> {
    let signal = abort_after(REQUEST_TIMEOUT);
    gloo_net::http::Request::post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .abort_signal(signal.as_ref())
        .body(body)?
        .send()
        .await
}

async fn post_form(url: &str, body: String) -> Result<TokenResponse, TokenEndpointError> {
    let network = |error| TokenEndpointError::Network(Arc::new(error));
    let response = send_form(url, body).await.map_err(network)?;
    if !response.ok() {
        let status = response.status();
        return Err(match response.json::<OAuthErrorResponse>().await {
            Ok(body) => TokenEndpointError::Refused(body),
            Err(_) => TokenEndpointError::Status(status),
        });
    }
    let tokens: TokenResponse = response
        .json()
        .await
        .map_err(|error| TokenEndpointError::Decode(Arc::new(error)))?;
    if tokens.is_bearer() {
        Ok(tokens)
    } else {
        Err(TokenEndpointError::NotBearer)
    }
}
