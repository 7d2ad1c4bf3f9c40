//! Requests to the tenant's token endpoint (RFC 6749 section 3.2), over gloo-net.

use std::sync::Arc;

use oidc_protocol::form::encode_pairs;
use oidc_protocol::{OAuthErrorResponse, PkceVerifier, TokenResponse};

use crate::config::AuthConfig;

/// Why the token endpoint gave no usable tokens.
#[derive(Clone, Debug, thiserror::Error)]
pub enum TokenEndpointError {
    /// The tenant could not be reached.
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

/// The token endpoint of the configured tenant.
pub fn token_url(config: &AuthConfig) -> String {
    config.issuer.endpoint("oauth/token")
}

/// Exchanges `code` (RFC 6749 section 4.1.3, RFC 7636 section 4.5). The verifier is moved in:
/// it is spent by this one request.
///
/// # Errors
/// [`TokenEndpointError`] saying why no tokens came back.
pub async fn exchange_code(
    config: &AuthConfig,
    code: &str,
    verifier: PkceVerifier,
    redirect_uri: &str,
) -> Result<TokenResponse, TokenEndpointError> {
    let body = encode_pairs(&[
        ("grant_type", "authorization_code"),
        ("client_id", config.client_id.as_str()),
        ("code", code),
        ("code_verifier", verifier.secret()),
        ("redirect_uri", redirect_uri),
    ]);
    drop(verifier);
    post_form(&token_url(config), body).await
}

async fn post_form(url: &str, body: String) -> Result<TokenResponse, TokenEndpointError> {
    let network = |error| TokenEndpointError::Network(Arc::new(error));
    let response = gloo_net::http::Request::post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .map_err(network)?
        .send()
        .await
        .map_err(network)?;
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
