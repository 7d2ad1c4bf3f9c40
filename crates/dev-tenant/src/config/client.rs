//! A registered application: its client id, the URLs it may be sent back to, and the response
//! types it may ask for.

use oidc_protocol::{ClientId, ResponseType};
use serde::{Deserialize, Deserializer};

/// A registered public client (an SPA).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    /// The `client_id`.
    pub client_id: ClientId,
    /// A display name shown on the login page.
    #[serde(default)]
    pub name: String,
    /// Allowed `redirect_uri` values, matched byte-exact.
    #[serde(default)]
    pub callback_urls: Vec<String>,
    /// Allowed `returnTo` / `post_logout_redirect_uri` values, matched byte-exact.
    #[serde(default)]
    pub logout_urls: Vec<String>,
    /// Origins allowed by CORS on the token, revocation, userinfo, discovery and JWKS
    /// endpoints.
    #[serde(default)]
    pub web_origins: Vec<String>,
    /// The `response_type` values the client may use. Only `code` unless the configuration
    /// opts into the implicit flow (`id_token`, `token id_token`), which RFC 9700 section 2.1.2
    /// says clients should no longer use.
    #[serde(default = "code_only", deserialize_with = "deserialize_response_types")]
    pub response_types: Vec<ResponseType>,
}

/// The response types of a client that names none: the code flow only.
pub fn code_only() -> Vec<ResponseType> {
    vec![ResponseType::Code]
}

fn deserialize_response_types<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<ResponseType>, D::Error> {
    let values = Vec::<String>::deserialize(deserializer)?;
    values
        .iter()
        .map(|value| {
            ResponseType::parse(value).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "unsupported response type {value:?}: expected \"code\", \"id_token\" or \"token id_token\""
                ))
            })
        })
        .collect()
}
