//! A registered API: the audience of access tokens, the scopes it defines, and whether its
//! access tokens carry the caller's permissions.

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
    /// Auth0's "Add Permissions in the Access Token" (an RBAC setting): access tokens for this
    /// API carry a `permissions` array, the caller's permissions for it, beside `scope`. Off
    /// unless the configuration turns it on, as for a new API at Auth0; the built-in API has
    /// it on.
    #[serde(default)]
    pub add_permissions_in_access_token: bool,
}

impl ApiConfig {
    /// The `permissions` claim of an access token for this API whose caller holds `held`:
    /// `held` itself when [`ApiConfig::add_permissions_in_access_token`] is on, else none.
    pub fn permissions_claim(&self, held: &[String]) -> Option<Vec<String>> {
        self.add_permissions_in_access_token.then(|| held.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(add_permissions_in_access_token: bool) -> ApiConfig {
        ApiConfig {
            identifier: Audience::from("https://api.example"),
            scopes: vec!["read:a".to_owned(), "write:a".to_owned()],
            add_permissions_in_access_token,
        }
    }

    #[test]
    fn permissions_claim_is_there_only_when_the_api_asks_for_it() {
        let held = ["read:a".to_owned()];
        assert_eq!(
            api(true).permissions_claim(&held),
            Some(vec!["read:a".to_owned()])
        );
        assert_eq!(api(true).permissions_claim(&[]), Some(vec![]));
        assert_eq!(api(false).permissions_claim(&held), None);
    }
}
