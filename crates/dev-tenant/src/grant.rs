//! What a user authorized for a client: the subject, audience, granted scopes and the OIDC
//! context (nonce, auth time, session) that tokens are minted from.

use oidc_protocol::{Audience, ClientId, Scope};

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
    pub scope: Scope,
    /// The `nonce` to echo in the ID token.
    pub nonce: Option<String>,
    /// When the user authenticated (seconds since the epoch).
    pub auth_time: u64,
    /// The public session id (`sid` claim); not the session cookie.
    pub sid: String,
}

/// Narrows the requested scopes to those that are granted: the OIDC scopes this tenant knows,
/// plus the API scopes the user holds. Unknown or unheld scopes are dropped, as Auth0 does; the
/// token response's `scope` reports what was granted (RFC 6749 3.3).
pub fn granted_scope(
    config: &TenantConfig,
    user: &UserConfig,
    audience: Option<&str>,
    requested: &Scope,
) -> Scope {
    let held: &[String] = audience
        .map(|audience| user.scopes_for(audience))
        .unwrap_or_default();
    let api_scopes: &[String] = audience
        .and_then(|audience| config.api(audience))
        .map(|api| api.scopes.as_slice())
        .unwrap_or_default();
    let holds = |scope: &str| {
        api_scopes.iter().any(|api_scope| api_scope == scope)
            && held.iter().any(|held_scope| held_scope == scope)
    };
    Scope::from_tokens(
        requested
            .tokens()
            .filter(|scope| OIDC_SCOPES.contains(scope) || holds(scope)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_AUDIENCE;

    fn granted(email: &str, audience: Option<&str>, scope: &str) -> String {
        let config = TenantConfig::default();
        let user = config.user(email).expect("user");
        granted_scope(&config, user, audience, &Scope::new(scope)).to_string()
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
