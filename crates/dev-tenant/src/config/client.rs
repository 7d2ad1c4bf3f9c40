//! A registered application: its client id, whether and how it authenticates, the grants it
//! may use, the URLs it may be sent back to, and the response types it may ask for.

use std::collections::BTreeMap;

use oidc_protocol::{Audience, ClientId, ResponseType};
use serde::{Deserialize, Deserializer};

use super::ClientSecret;

/// A `grant_type` of the token endpoint (RFC 6749 sections 4.1.3, 4.4.2 and 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    /// `authorization_code`: a code from `/authorize`, with PKCE.
    AuthorizationCode,
    /// `refresh_token`: a rotating refresh token.
    RefreshToken,
    /// `client_credentials`: a confidential client asking for itself (machine to machine).
    ClientCredentials,
}

impl GrantType {
    /// The grant type named `value` on the wire, if this tenant implements it.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "authorization_code" => Some(Self::AuthorizationCode),
            "refresh_token" => Some(Self::RefreshToken),
            "client_credentials" => Some(Self::ClientCredentials),
            _ => None,
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::RefreshToken => "refresh_token",
            Self::ClientCredentials => "client_credentials",
        }
    }
}

/// A registered client: a public one (an SPA), which names itself with `client_id` alone, or a
/// confidential machine-to-machine one, which has a `client_secret` and uses the
/// client-credentials grant.
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
    /// The secret of a confidential client, which it proves at the token endpoint with
    /// `client_secret_post` or `client_secret_basic` (RFC 6749 section 2.3.1). None for a public
    /// client.
    #[serde(default)]
    pub client_secret: Option<ClientSecret>,
    /// The grants the client may use at `/oauth/token`; `authorization_code` and
    /// `refresh_token` unless configured. A client with a secret uses `client_credentials`
    /// only.
    #[serde(default = "browser_grants")]
    pub grant_types: Vec<GrantType>,
    /// Auth0's client grants: for each API (by identifier) this client may get
    /// client-credentials tokens for, the scopes granted to it there.
    #[serde(default)]
    pub client_grants: BTreeMap<Audience, Vec<String>>,
}

impl ClientConfig {
    /// Whether the client has a secret, and so must authenticate at the token endpoint.
    pub fn is_confidential(&self) -> bool {
        self.client_secret.is_some()
    }

    /// Whether the client may use `grant_type` at the token endpoint.
    pub fn allows_grant(&self, grant_type: GrantType) -> bool {
        self.grant_types.contains(&grant_type)
    }

    /// The scopes of the client's grant for the API `audience`, if it has one.
    pub fn granted_scopes(&self, audience: &str) -> Option<&[String]> {
        self.client_grants.get(audience).map(Vec::as_slice)
    }
}

/// The response types of a client that names none: the code flow only.
pub fn code_only() -> Vec<ResponseType> {
    vec![ResponseType::Code]
}

/// The grant types of a client that names none: those of a browser application.
pub fn browser_grants() -> Vec<GrantType> {
    vec![GrantType::AuthorizationCode, GrantType::RefreshToken]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grant_types_read_and_write_their_wire_names() {
        for grant_type in [
            GrantType::AuthorizationCode,
            GrantType::RefreshToken,
            GrantType::ClientCredentials,
        ] {
            assert_eq!(GrantType::parse(grant_type.as_str()), Some(grant_type));
            let read: GrantType =
                serde_json::from_str(&format!("\"{}\"", grant_type.as_str())).expect("a name");
            assert_eq!(read, grant_type);
        }
        assert_eq!(GrantType::parse("password"), None);
        assert_eq!(GrantType::parse("implicit"), None);
    }
}
