//! A registered API: the audience of access tokens and the scopes it defines.

use oidc_protocol::Audience;
use serde::Deserialize;

/// A registered API, the `audience` of access tokens.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ApiConfig {
    /// The API identifier, used as `aud`.
    pub identifier: Audience,
    /// The scopes (permissions) the API defines.
    #[serde(default)]
    pub scopes: Vec<String>,
}
