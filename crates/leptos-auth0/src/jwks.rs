//! The provider's signing keys: its discovery document's `jwks_uri` (OpenID Connect Discovery
//! 1.0 section 3), read with the shared JWK rules.

use std::sync::Arc;

use oidc_protocol::{JwksError, VerificationKeys, rs256_verification_keys};

use crate::browser::{REQUEST_TIMEOUT, abort_after};
use crate::config::AuthConfig;
use crate::discovery::{ProviderError, discover};

/// Why the keys could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum JwksFetchError {
    /// The discovery document, which names the JWKS, could not be fetched or used.
    #[error("the discovery document is not usable")]
    Provider(#[from] ProviderError),
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
    /// The JWKS holds no usable key.
    #[error("the jwks holds no usable key")]
    Keys(#[from] JwksError),
}

/// Fetches the JWKS that the configured provider's discovery document names (the document is
/// read once per page load and checked first, see [`discover`]) and keeps the keys that may
/// verify RS256 signatures.
///
/// # Errors
/// [`JwksFetchError`] for discovery, network, status and key problems.
pub async fn fetch_keys(config: &AuthConfig) -> Result<VerificationKeys, Arc<JwksFetchError>> {
    fetch(config).await.map_err(Arc::new)
}

async fn fetch(config: &AuthConfig) -> Result<VerificationKeys, JwksFetchError> {
    let metadata = discover(config).await?;
    let url = &metadata.jwks_uri;
    let network = |source| JwksFetchError::Network {
        url: url.clone(),
        source,
    };
    let signal = abort_after(REQUEST_TIMEOUT);
    let response = gloo_net::http::Request::get(url)
        .abort_signal(signal.as_ref())
        .send()
        .await
        .map_err(network)?;
    if response.status() != 200 {
        return Err(JwksFetchError::Status {
            url: url.clone(),
            status: response.status(),
        });
    }
    let document = response.binary().await.map_err(network)?;
    Ok(rs256_verification_keys(&document)?)
}
