//! A registered API: the audience of access tokens and the scopes it defines.

use serde::Deserialize;

use crate::identifiers::Audience;

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
