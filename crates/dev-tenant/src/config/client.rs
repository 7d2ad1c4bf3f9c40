//! A registered application: its client id and the URLs it may be sent back to.

use oidc_protocol::ClientId;
use serde::Deserialize;

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
    /// Origins allowed by CORS on the token, userinfo, discovery and JWKS endpoints.
    #[serde(default)]
    pub web_origins: Vec<String>,
}
