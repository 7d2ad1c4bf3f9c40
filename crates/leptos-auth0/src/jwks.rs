//! The tenant's signing keys: its discovery document, then its `jwks_uri` (OpenID Connect
//! Discovery 1.0 section 4), read with the shared JWK rules.

use std::sync::Arc;

use oidc_protocol::{
    DiscoveryError, Issuer, JwksError, ProviderMetadata, VerificationKeys, rs256_verification_keys,
};

/// Why the keys could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum JwksFetchError {
    /// The request failed (network, CORS, ...).
    #[error("request to {url} failed")]
    Network {
        /// The URL requested.
        url: String,
        /// What failed.
        #[source]
        source: gloo_net::Error,
    },
    /// The answer was not 200.
    #[error("{url} answered with status {status}")]
    Status {
        /// The URL requested.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The discovery document is not the expected JSON.
    #[error("{url} did not return a discovery document")]
    Discovery {
        /// The URL requested.
        url: String,
        /// What failed.
        #[source]
        source: gloo_net::Error,
    },
    /// The discovery document names another issuer.
    #[error("the discovery document belongs to another issuer")]
    Issuer(#[from] DiscoveryError),
    /// The JWKS holds no usable key.
    #[error("the jwks holds no usable key")]
    Keys(#[from] JwksError),
}

async fn get(url: &str) -> Result<gloo_net::http::Response, JwksFetchError> {
    let response = gloo_net::http::Request::get(url)
        .send()
        .await
        .map_err(|source| JwksFetchError::Network {
            url: url.to_owned(),
            source,
        })?;
    if response.status() == 200 {
        Ok(response)
    } else {
        Err(JwksFetchError::Status {
            url: url.to_owned(),
            status: response.status(),
        })
    }
}

/// Fetches `<issuer>.well-known/openid-configuration`, checks that it names `issuer` (Discovery
/// 4.3), then fetches its `jwks_uri` and keeps the keys that may verify RS256 signatures.
///
/// # Errors
/// [`JwksFetchError`] for network, status, JSON, issuer and key problems.
pub async fn fetch_keys(issuer: &Issuer) -> Result<VerificationKeys, Arc<JwksFetchError>> {
    fetch(issuer).await.map_err(Arc::new)
}

async fn fetch(issuer: &Issuer) -> Result<VerificationKeys, JwksFetchError> {
    let discovery_url = issuer.discovery_url();
    let metadata: ProviderMetadata =
        get(&discovery_url)
            .await?
            .json()
            .await
            .map_err(|source| JwksFetchError::Discovery {
                url: discovery_url.clone(),
                source,
            })?;
    metadata.check_issuer(issuer)?;
    let document = get(&metadata.jwks_uri)
        .await?
        .binary()
        .await
        .map_err(|source| JwksFetchError::Network {
            url: metadata.jwks_uri.clone(),
            source,
        })?;
    Ok(rs256_verification_keys(&document)?)
}
