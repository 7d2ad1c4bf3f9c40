//! What a user authorized for a client: the subject, audience, granted scopes and the OIDC
//! context (nonce, auth time, session) that tokens are minted from.

use oidc_protocol::{Audience, ClientId};

use crate::config::{TenantConfig, UserConfig};

/// The OpenID Connect scopes this tenant understands (OIDC Core 5.4, plus `offline_access`).
pub const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// An authorization: who, for which client and API, with which scopes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The user's email, the key into [`TenantConfig::users`].
    pub email: String,
    /// The client the tokens are for.
    pub client_id: ClientId,
    /// The API identifier, when one was requested.
    pub audience: Option<Audience>,
    /// Granted scopes, in request order, without duplicates.
    pub scopes: Vec<String>,
    /// The `nonce` to echo in the ID token.
    pub nonce: Option<String>,
    /// When the user authenticated (seconds since the epoch).
    pub auth_time: u64,
    /// The public session id (`sid` claim); not the session cookie.
    pub sid: String,
}

impl Grant {
    /// Whether `scope` was granted.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|granted| granted == scope)
    }
}

/// Narrows the requested scopes to those that are granted: the OIDC scopes this tenant knows,
/// plus the API scopes the user holds. Unknown or unheld scopes are dropped, as Auth0 does; the
/// token response's `scope` reports what was granted (RFC 6749 3.3).
pub fn granted_scopes(
    config: &TenantConfig,
    user: &UserConfig,
    audience: Option<&str>,
    requested: &[String],
) -> Vec<String> {
    let held: &[String] = audience
        .map(|audience| user.scopes_for(audience))
        .unwrap_or_default();
    let api_scopes: &[String] = audience
        .and_then(|audience| config.api(audience))
        .map(|api| api.scopes.as_slice())
        .unwrap_or_default();
    let mut granted: Vec<String> = Vec::new();
    for scope in requested {
        let known = OIDC_SCOPES.contains(&scope.as_str())
            || (api_scopes.contains(scope) && held.contains(scope));
        if known && !granted.contains(scope) {
            granted.push(scope.clone());
        }
    }
    granted
}

/// Splits a space-delimited `scope` parameter (RFC 6749 3.3).
pub fn split_scope(scope: &str) -> Vec<String> {
    scope
        .split(' ')
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_AUDIENCE;

    fn granted(email: &str, audience: Option<&str>, scope: &str) -> String {
        let config = TenantConfig::default();
        let user = config.user(email).expect("user");
        granted_scopes(&config, user, audience, &split_scope(scope)).join(" ")
    }

    #[test]
    fn reader_gets_the_api_scope_they_hold() {
        assert_eq!(
            granted(
                "reader@example.com",
                Some(DEFAULT_AUDIENCE),
                "openid profile email read:messages"
            ),
            "openid profile email read:messages"
        );
    }

    #[test]
    fn guest_asking_for_an_api_scope_gets_only_oidc_scopes() {
        assert_eq!(
            granted(
                "guest@example.com",
                Some(DEFAULT_AUDIENCE),
                "openid profile email read:messages"
            ),
            "openid profile email"
        );
    }

    #[test]
    fn unknown_and_duplicate_scopes_are_dropped() {
        assert_eq!(
            granted(
                "reader@example.com",
                Some(DEFAULT_AUDIENCE),
                "openid  openid write:all"
            ),
            "openid"
        );
    }

    #[test]
    fn api_scopes_need_an_audience() {
        assert_eq!(
            granted("reader@example.com", None, "openid read:messages"),
            "openid"
        );
    }
}
