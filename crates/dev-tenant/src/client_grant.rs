//! The client-credentials grant (RFC 6749 section 4.4) as Auth0 makes it: a machine-to-machine
//! client gets a token for an API only through a client grant for that API, and only with scopes
//! that grant includes.

use oidc_protocol::{Audience, ClientId, Scope};

use crate::config::{ClientConfig, TenantConfig};

/// What a client-credentials token is minted from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientCredentialsGrant {
    /// The client, which is also the subject (`<client_id>@clients`).
    pub client_id: ClientId,
    /// The API.
    pub audience: Audience,
    /// The granted scopes: those requested, or every scope of the client grant.
    pub scope: Scope,
    /// The `permissions` claim, when the API adds permissions to access tokens: the granted
    /// scopes again, as Auth0 writes them for a machine-to-machine token.
    pub permissions: Option<Vec<String>>,
}

impl ClientCredentialsGrant {
    /// The `sub` of the token: Auth0's `<client_id>@clients`.
    pub fn subject(&self) -> String {
        format!("{}@clients", self.client_id)
    }
}

/// Why a client-credentials request was refused. Auth0 answers each with `access_denied`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClientGrantRefusal {
    /// The audience is not a registered API.
    #[error("the audience is not a registered API")]
    UnknownAudience,
    /// The client has no client grant for the API.
    #[error("the client has no client grant for this API")]
    NoGrant,
    /// A requested scope is not in the client grant.
    #[error("a requested scope is not granted to the client for this API")]
    ScopeNotGranted,
}

/// Decides what `client` gets for `audience`. Without `requested`, every scope of the client
/// grant is granted; with it, exactly the requested scopes, each of which must be in the grant:
/// unlike a user's scopes, which are narrowed silently, Auth0 refuses a client-credentials
/// request for a scope the client has not been granted.
///
/// # Errors
/// See [`ClientGrantRefusal`].
pub fn evaluate(
    config: &TenantConfig,
    client: &ClientConfig,
    audience: &str,
    requested: Option<&Scope>,
) -> Result<ClientCredentialsGrant, ClientGrantRefusal> {
    let api = config
        .api(audience)
        .ok_or(ClientGrantRefusal::UnknownAudience)?;
    let granted = client
        .granted_scopes(audience)
        .ok_or(ClientGrantRefusal::NoGrant)?;
    let scope = match requested {
        None => Scope::from_tokens(granted.iter().map(String::as_str)),
        Some(requested) => {
            if !requested
                .tokens()
                .all(|scope| granted.iter().any(|granted| granted == scope))
            {
                return Err(ClientGrantRefusal::ScopeNotGranted);
            }
            Scope::from_tokens(requested.tokens())
        }
    };
    let granted_list: Vec<String> = scope.tokens().map(str::to_owned).collect();
    Ok(ClientCredentialsGrant {
        client_id: client.client_id.clone(),
        audience: api.identifier.clone(),
        scope,
        permissions: api.permissions_claim(&granted_list),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DEFAULT_AUDIENCE, DEFAULT_M2M_CLIENT_ID};

    fn grant(
        config: &TenantConfig,
        audience: &str,
        scope: Option<&str>,
    ) -> Result<ClientCredentialsGrant, ClientGrantRefusal> {
        let client = config.client(DEFAULT_M2M_CLIENT_ID).expect("M2M client");
        evaluate(config, client, audience, scope.map(Scope::new).as_ref())
    }

    /// The built-in tenant with a second scope on its API, granted to the M2M client.
    fn two_scopes() -> TenantConfig {
        let mut config = TenantConfig::default();
        config.apis[0].scopes.push("write:messages".to_owned());
        config.clients[1].client_grants.insert(
            Audience::from(DEFAULT_AUDIENCE),
            vec!["read:messages".to_owned(), "write:messages".to_owned()],
        );
        config
    }

    #[test]
    fn without_a_scope_the_client_gets_everything_its_grant_holds() {
        let granted = grant(&two_scopes(), DEFAULT_AUDIENCE, None).expect("granted");
        assert_eq!(granted.scope, Scope::new("read:messages write:messages"));
        assert_eq!(granted.subject(), "local-m2m-client@clients");
        assert_eq!(granted.audience, Audience::from(DEFAULT_AUDIENCE));
    }

    #[test]
    fn a_requested_scope_narrows_the_grant() {
        let granted =
            grant(&two_scopes(), DEFAULT_AUDIENCE, Some("write:messages")).expect("granted");
        assert_eq!(granted.scope, Scope::new("write:messages"));
        assert_eq!(granted.permissions, Some(vec!["write:messages".to_owned()]));
    }

    #[test]
    fn a_scope_outside_the_grant_refuses_the_whole_request() {
        let config = TenantConfig::default();
        for scope in ["write:messages", "read:messages openid", "openid"] {
            assert_eq!(
                grant(&config, DEFAULT_AUDIENCE, Some(scope)),
                Err(ClientGrantRefusal::ScopeNotGranted),
                "{scope}"
            );
        }
    }

    #[test]
    fn an_unknown_api_or_one_without_a_grant_is_refused() {
        let config = TenantConfig::default();
        assert_eq!(
            grant(&config, "https://elsewhere.example/api", None),
            Err(ClientGrantRefusal::UnknownAudience)
        );
        let mut config = TenantConfig::default();
        config.clients[1].client_grants.clear();
        assert_eq!(
            grant(&config, DEFAULT_AUDIENCE, None),
            Err(ClientGrantRefusal::NoGrant)
        );
    }

    #[test]
    fn permissions_follow_the_apis_toggle() {
        let mut config = TenantConfig::default();
        let on = grant(&config, DEFAULT_AUDIENCE, None).expect("granted");
        assert_eq!(on.permissions, Some(vec!["read:messages".to_owned()]));
        config.apis[0].add_permissions_in_access_token = false;
        let off = grant(&config, DEFAULT_AUDIENCE, None).expect("granted");
        assert_eq!(off.permissions, None);
    }
}
