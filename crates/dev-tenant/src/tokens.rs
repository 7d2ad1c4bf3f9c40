//! Minting access tokens (Auth0's JWT profile) and ID tokens (OIDC Core 2) from oidc-protocol's
//! claim types, for users and for machine-to-machine clients, and verifying this tenant's own
//! access tokens for `/userinfo`.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use oidc_protocol::claims::{AccessTokenClaims, AudienceClaim, IdTokenClaims};
use oidc_protocol::token_hash::left_half_hash;
use oidc_protocol::{AccessToken, ClientId, IdToken, Scope};

use serde::Serialize;

use crate::client_grant::ClientCredentialsGrant;
use crate::config::{Profile, TenantConfig};
use crate::grant::Grant;
use crate::keys::SigningKeys;

/// Auth0's `gty` claim value on client-credentials access tokens.
pub const CLIENT_CREDENTIALS_GTY: &str = "client-credentials";

/// The tokens of one issuance. `Debug` prints no token: the secrets redact themselves.
#[derive(Debug)]
pub struct TokenSet {
    /// The signed access token.
    pub access_token: AccessToken,
    /// The signed ID token, when `openid` was granted.
    pub id_token: Option<IdToken>,
    /// Access token lifetime in seconds.
    pub expires_in: u64,
    /// Granted scopes.
    pub scope: Scope,
}

/// The audience `/userinfo` requires in access tokens.
pub fn userinfo_audience(issuer: &str) -> String {
    format!("{issuer}userinfo")
}

/// Mints the access token and, with `openid`, the ID token for `grant` at time `now`.
/// `with_at_hash` adds `at_hash` to the ID token, as implicit responses require.
///
/// # Errors
/// If signing fails.
pub fn mint(
    config: &TenantConfig,
    keys: &SigningKeys,
    grant: &Grant,
    profile: &Profile,
    permissions: Option<Vec<String>>,
    now: u64,
    with_at_hash: bool,
) -> Result<TokenSet, jsonwebtoken::errors::Error> {
    let openid = grant.scope.contains("openid");
    let userinfo = userinfo_audience(&config.issuer);
    let aud = match (&grant.audience, openid) {
        (Some(api), true) => AudienceClaim::Many(vec![api.to_string(), userinfo]),
        (Some(api), false) => AudienceClaim::One(api.to_string()),
        (None, _) => AudienceClaim::One(userinfo),
    };
    let expires_in = config.access_token_lifetime.as_secs();
    let access_claims = AccessTokenClaims {
        iss: Some(config.issuer.clone()),
        sub: Some(profile.user_id.clone()),
        aud: Some(aud),
        iat: Some(now),
        exp: Some(now + expires_in),
        nbf: None,
        azp: Some(grant.client_id.clone()),
        scope: Some(grant.scope.clone()),
        permissions: grant.audience.as_ref().and(permissions),
    };
    let access_token = keys.sign(&access_claims)?;
    let id_token = if openid {
        // A single audience, the client, so `aud` is a string, as Auth0 writes it; no `azp`,
        // which OIDC Core 2 asks for only with several audiences.
        let claims = IdTokenClaims {
            iss: config.issuer.clone(),
            sub: profile.user_id.clone(),
            aud: AudienceClaim::One(grant.client_id.to_string()),
            exp: now + config.id_token_lifetime.as_secs(),
            iat: now,
            auth_time: Some(grant.auth_time),
            nonce: grant.nonce.clone(),
            azp: None,
            at_hash: with_at_hash.then(|| left_half_hash(&access_token)),
            sid: Some(grant.sid.clone()),
            profile: profile.released(&grant.scope),
        };
        Some(IdToken::new(keys.sign(&claims)?))
    } else {
        None
    };
    Ok(TokenSet {
        access_token: AccessToken::new(access_token),
        id_token,
        expires_in,
        scope: grant.scope.clone(),
    })
}

/// The claims of a client-credentials access token: the usual ones plus Auth0's `gty`, which
/// tells an API that no user is behind the token.
#[derive(Serialize)]
struct ClientCredentialsClaims {
    #[serde(flatten)]
    claims: AccessTokenClaims,
    gty: &'static str,
}

/// Mints the access token of a client-credentials grant at time `now`, as Auth0 writes it:
/// `sub` is `<client_id>@clients`, `aud` the API alone, `azp` the client, `scope` the granted
/// scopes (absent when none are), and `gty` `client-credentials`. There is never an ID token.
///
/// # Errors
/// If signing fails.
pub fn mint_client_credentials(
    config: &TenantConfig,
    keys: &SigningKeys,
    grant: &ClientCredentialsGrant,
    now: u64,
) -> Result<TokenSet, jsonwebtoken::errors::Error> {
    let expires_in = config.access_token_lifetime.as_secs();
    let scope = (!grant.scope.as_str().is_empty()).then(|| grant.scope.clone());
    let claims = ClientCredentialsClaims {
        claims: AccessTokenClaims {
            iss: Some(config.issuer.clone()),
            sub: Some(grant.subject()),
            aud: Some(AudienceClaim::One(grant.audience.to_string())),
            iat: Some(now),
            exp: Some(now + expires_in),
            nbf: None,
            azp: Some(grant.client_id.clone()),
            scope,
            permissions: grant.permissions.clone(),
        },
        gty: CLIENT_CREDENTIALS_GTY,
    };
    Ok(TokenSet {
        access_token: AccessToken::new(keys.sign(&claims)?),
        id_token: None,
        expires_in,
        scope: grant.scope.clone(),
    })
}

/// Why an access token presented to `/userinfo` was refused.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The header is unreadable or names a key this tenant does not have.
    #[error("unknown signing key")]
    UnknownKey,
    /// Signature, issuer, audience or expiry check failed.
    #[error("token failed verification")]
    Invalid(#[source] jsonwebtoken::errors::Error),
    /// A claim this tenant always issues is missing, or `aud` names several clients.
    #[error("the {0} claim is missing or not as this tenant issues it")]
    Claim(&'static str),
}

/// What a verified `/userinfo` access token grants: whose profile, and which of its claims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserinfoGrant {
    /// The `sub` claim.
    pub subject: String,
    /// The `scope` claim.
    pub scope: Scope,
}

/// The public key named by the token header's `kid`, among this tenant's keys only.
fn verification_key<'keys>(
    keys: &'keys SigningKeys,
    token: &str,
) -> Result<&'keys DecodingKey, VerifyError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| VerifyError::UnknownKey)?;
    header
        .kid
        .as_deref()
        .and_then(|kid| keys.decoding_key(kid))
        .ok_or(VerifyError::UnknownKey)
}

/// Verifies one of this tenant's access tokens for `/userinfo`: RS256 signature with one of our
/// keys, issuer, `exp`, `aud` containing `<issuer>userinfo`, and every claim [`mint`] writes.
///
/// # Errors
/// See [`VerifyError`].
pub fn verify_userinfo_token(
    config: &TenantConfig,
    keys: &SigningKeys,
    token: &str,
) -> Result<UserinfoGrant, VerifyError> {
    let key = verification_key(keys, token)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[&config.issuer]);
    validation.set_audience(&[userinfo_audience(&config.issuer)]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.leeway = 5;
    let claims = jsonwebtoken::decode::<AccessTokenClaims>(token, key, &validation)
        .map_err(VerifyError::Invalid)?
        .claims;
    // The protocol type makes every claim optional; a token of ours has all of them.
    if claims.iat.is_none() {
        return Err(VerifyError::Claim("iat"));
    }
    if claims.azp.is_none() {
        return Err(VerifyError::Claim("azp"));
    }
    let subject = claims.sub.ok_or(VerifyError::Claim("sub"))?;
    let scope = claims.scope.ok_or(VerifyError::Claim("scope"))?;
    Ok(UserinfoGrant { subject, scope })
}

/// What an `id_token_hint` says: whose client it was issued to, and in which login session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdTokenHint {
    /// The client (`aud`).
    pub client_id: ClientId,
    /// The login session (`sid`), if the token names one.
    pub sid: Option<String>,
}

/// Reads one of this tenant's ID tokens given as `id_token_hint`. Expiry is not checked: OIDC
/// RP-Initiated Logout 1.0 section 2 lets expired ID tokens serve as hints; the signature and
/// issuer are.
///
/// # Errors
/// See [`VerifyError`].
pub fn read_id_token_hint(
    config: &TenantConfig,
    keys: &SigningKeys,
    token: &str,
) -> Result<IdTokenHint, VerifyError> {
    let key = verification_key(keys, token)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[&config.issuer]);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["iss", "aud"]);
    let claims = jsonwebtoken::decode::<IdTokenClaims>(token, key, &validation)
        .map_err(VerifyError::Invalid)?
        .claims;
    // This tenant's ID tokens name exactly one audience, the client.
    match claims.aud {
        AudienceClaim::One(client_id) => Ok(IdTokenHint {
            client_id: ClientId::from(client_id),
            sid: claims.sid,
        }),
        AudienceClaim::Many(_) => Err(VerifyError::Claim("aud")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_set_debug_redacts_tokens() {
        let tokens = TokenSet {
            access_token: AccessToken::new("secret-access"),
            id_token: Some(IdToken::new("secret-id")),
            expires_in: 1,
            scope: Scope::new("openid"),
        };
        let printed = format!("{tokens:?}");
        assert!(!printed.contains("secret"), "{printed}");
        assert!(printed.contains("[redacted]"));
    }
}
