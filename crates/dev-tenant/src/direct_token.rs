//! Access tokens made straight from the configuration, with no browser and no token request:
//! what `dev-tenant token` prints for scripts and tests. They are signed with the tenant's keys
//! and shaped exactly as `/oauth/token` shapes them, for a listed user (as if they had logged
//! in through the first browser client) or for a machine-to-machine client (as if it had used
//! the client-credentials grant).

use oidc_protocol::{AccessToken, Scope};

use crate::client_grant::{ClientGrantRefusal, evaluate};
use crate::config::{ApiConfig, GrantType, TenantConfig};
use crate::grant::{Grant, granted_scope};
use crate::keys::SigningKeys;
use crate::opaque::random_identifier;
use crate::tokens::{mint, mint_client_credentials};

/// Whom the token is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject<'a> {
    /// A configured user, by email.
    User(&'a str),
    /// A configured machine-to-machine client, by client id.
    Client(&'a str),
}

/// Why no token could be made.
#[derive(Debug, thiserror::Error)]
pub enum DirectTokenError {
    /// No user has this email.
    #[error("no user {0} is configured")]
    UnknownUser(String),
    /// No client has this id.
    #[error("no client {0} is configured")]
    UnknownClient(String),
    /// The client may not use the client-credentials grant.
    #[error("client {0} is not a machine-to-machine client: it has no client_credentials grant")]
    NotMachineToMachine(String),
    /// No audience was named, and there is not exactly one API to default to.
    #[error("{0} APIs are configured: name the audience")]
    AmbiguousAudience(usize),
    /// The audience is not a configured API.
    #[error("the audience {0} is not a configured API")]
    UnknownAudience(String),
    /// There is no public client for a user's token to be issued to.
    #[error("no browser client (without a client_secret) is configured to issue a user's token to")]
    NoBrowserClient,
    /// The client grant refuses the request.
    #[error("the client-credentials grant is refused")]
    Refused(#[source] ClientGrantRefusal),
    /// Signing failed.
    #[error("cannot sign the token")]
    Signing(#[source] jsonwebtoken::errors::Error),
}

/// A minted token and what it grants.
#[derive(Debug)]
pub struct DirectToken {
    /// The signed access token.
    pub access_token: AccessToken,
    /// The granted scopes.
    pub scope: Scope,
    /// Requested scopes a user's token left out because the user does not hold them (as the
    /// login flow narrows them); a client's request is refused instead.
    pub dropped: Vec<String>,
}

/// Mints an access token for `subject` to `audience` (the only configured API when `None`) at
/// time `now`. Without `scope`, a user's token carries every scope the user holds for the API,
/// and a client's every scope of its client grant; with it, the requested scopes, narrowed to
/// those held for a user and refused unless granted for a client.
///
/// # Errors
/// See [`DirectTokenError`].
pub fn mint_direct(
    config: &TenantConfig,
    keys: &SigningKeys,
    subject: Subject<'_>,
    audience: Option<&str>,
    scope: Option<&Scope>,
    now: u64,
) -> Result<DirectToken, DirectTokenError> {
    let api = resolve_api(config, audience)?;
    match subject {
        Subject::User(email) => {
            let user = config
                .user(email)
                .ok_or_else(|| DirectTokenError::UnknownUser(email.to_owned()))?;
            let client = config
                .clients
                .iter()
                .find(|client| {
                    !client.is_confidential() && client.allows_grant(GrantType::AuthorizationCode)
                })
                .ok_or(DirectTokenError::NoBrowserClient)?;
            let audience = api.identifier.as_str();
            let requested = scope.cloned().unwrap_or_else(|| {
                Scope::from_tokens(user.scopes_for(audience).iter().map(String::as_str))
            });
            let granted = granted_scope(config, user, Some(audience), &requested);
            let dropped = requested
                .tokens()
                .filter(|token| !granted.contains(token))
                .map(str::to_owned)
                .collect();
            let grant = Grant {
                email: user.email.clone(),
                client_id: client.client_id.clone(),
                audience: Some(api.identifier.clone()),
                scope: granted,
                nonce: None,
                auth_time: now,
                sid: random_identifier(),
            };
            let permissions = config.user_permissions_claim(user, Some(&api.identifier));
            let profile = user.profile(&config.issuer);
            let tokens = mint(config, keys, &grant, &profile, permissions, now, false)
                .map_err(DirectTokenError::Signing)?;
            Ok(DirectToken {
                access_token: tokens.access_token,
                scope: tokens.scope,
                dropped,
            })
        }
        Subject::Client(client_id) => {
            let client = config
                .client(client_id)
                .ok_or_else(|| DirectTokenError::UnknownClient(client_id.to_owned()))?;
            if !client.allows_grant(GrantType::ClientCredentials) {
                return Err(DirectTokenError::NotMachineToMachine(client_id.to_owned()));
            }
            let grant = evaluate(config, client, api.identifier.as_str(), scope)
                .map_err(DirectTokenError::Refused)?;
            let tokens = mint_client_credentials(config, keys, &grant, now)
                .map_err(DirectTokenError::Signing)?;
            Ok(DirectToken {
                access_token: tokens.access_token,
                scope: tokens.scope,
                dropped: Vec::new(),
            })
        }
    }
}

/// The API named `audience`, or the only one configured.
fn resolve_api<'config>(
    config: &'config TenantConfig,
    audience: Option<&str>,
) -> Result<&'config ApiConfig, DirectTokenError> {
    match audience {
        Some(audience) => config
            .api(audience)
            .ok_or_else(|| DirectTokenError::UnknownAudience(audience.to_owned())),
        None => match config.apis.as_slice() {
            [api] => Ok(api),
            apis => Err(DirectTokenError::AmbiguousAudience(apis.len())),
        },
    }
}
