//! The tenant's signing keys: discovery document, then its `jwks_uri` (OIDC Discovery 1.0).

use std::sync::Arc;

use serde::Deserialize;

use super::identifiers::Issuer;

/// Why the keys could not be fetched.
#[derive(Clone, Debug, thiserror::Error)]
pub enum JwksError {
    /// The request failed (network, CORS, ...).
    #[error("request to {url} failed")]
    Network {
        /// The URL requested.
        url: String,
        /// What failed.
        #[source]
        source: Arc<gloo_net::Error>,
    },
    /// The answer was not 200.
    #[error("{url} answered with status {status}")]
    Status {
        /// The URL requested.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The answer was not the expected JSON.
    #[error("{url} did not return the expected JSON")]
    Decode {
        /// The URL requested.
        url: String,
        /// What failed.
        #[source]
        source: Arc<gloo_net::Error>,
    },
    /// The discovery document names another issuer.
    #[error("discovery document names issuer {0}")]
    IssuerMismatch(String),
}

/// One JSON Web Key (RFC 7517); only RSA members are read.
#[derive(Clone, Debug, Deserialize)]
pub struct Jwk {
    /// Key type; `RSA` for RS256.
    pub kty: String,
    /// Key id.
    #[serde(default)]
    pub kid: Option<String>,
    /// Intended algorithm, if stated.
    #[serde(default)]
    pub alg: Option<String>,
    /// Intended use, if stated (`sig`).
    #[serde(default, rename = "use")]
    pub key_use: Option<String>,
    /// RSA modulus, base64url.
    #[serde(default)]
    pub n: String,
    /// RSA exponent, base64url.
    #[serde(default)]
    pub e: String,
}

impl Jwk {
    /// Whether this key may verify an RS256 signature.
    pub fn can_verify_rs256(&self) -> bool {
        self.kty == "RSA"
            && self.alg.as_deref().is_none_or(|alg| alg == "RS256")
            && self
                .key_use
                .as_deref()
                .is_none_or(|key_use| key_use == "sig")
            && !self.n.is_empty()
            && !self.e.is_empty()
    }
}

/// A JWK Set.
#[derive(Clone, Debug, Deserialize)]
pub struct Jwks {
    /// The keys.
    pub keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

async fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> Result<T, JwksError> {
    let response = gloo_net::http::Request::get(url)
        .send()
        .await
        .map_err(|source| JwksError::Network {
            url: url.to_owned(),
            source: Arc::new(source),
        })?;
    if response.status() != 200 {
        return Err(JwksError::Status {
            url: url.to_owned(),
            status: response.status(),
        });
    }
    response.json().await.map_err(|source| JwksError::Decode {
        url: url.to_owned(),
        source: Arc::new(source),
    })
}

/// Fetches the discovery document at `<domain>/.well-known/openid-configuration`, checks that
/// it names the configured issuer (OIDC Discovery 4.3), and fetches its `jwks_uri`.
///
/// # Errors
/// [`JwksError`] for network, status, JSON and issuer problems.
pub async fn fetch(domain: &str, issuer: &Issuer) -> Result<Jwks, JwksError> {
    let discovery: Discovery =
        get_json(&format!("{domain}/.well-known/openid-configuration")).await?;
    if discovery.issuer != issuer.as_str() {
        return Err(JwksError::IssuerMismatch(discovery.issuer));
    }
    get_json(&discovery.jwks_uri).await
}
