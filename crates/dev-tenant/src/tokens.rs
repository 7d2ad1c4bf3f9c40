//! Minting access tokens (Auth0's JWT profile) and ID tokens (OIDC Core 2), and verifying this
//! tenant's own access tokens for `/userinfo`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use oidc_protocol::ClientId;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{Profile, TenantConfig};
use crate::grant::Grant;
use crate::keys::SigningKeys;

/// The `aud` claim: one string, or several.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum AudienceClaim {
    /// A single audience.
    One(String),
    /// Several audiences.
    Many(Vec<String>),
}

impl AudienceClaim {
    /// Whether `audience` is among them.
    pub fn contains(&self, audience: &str) -> bool {
        match self {
            Self::One(one) => one == audience,
            Self::Many(many) => many.iter().any(|one| one == audience),
        }
    }
}

/// Claims of an access token, as Auth0 issues them with RBAC permissions enabled.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessTokenClaims {
    /// Issuer.
    pub iss: String,
    /// Subject, the user id.
    pub sub: String,
    /// The API, plus `<issuer>userinfo` when `openid` was granted.
    pub aud: AudienceClaim,
    /// Issued at.
    pub iat: u64,
    /// Expiry.
    pub exp: u64,
    /// The client the token was issued to.
    pub azp: ClientId,
    /// Granted scopes, space-separated.
    pub scope: String,
    /// The user's permissions for the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<String>>,
}

/// Claims of an ID token: the protocol claims, and the profile claims the scopes release.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct IdTokenClaims {
    /// Issuer.
    pub iss: String,
    /// The client id.
    pub aud: ClientId,
    /// Issued at.
    pub iat: u64,
    /// Expiry.
    pub exp: u64,
    /// When the user authenticated.
    pub auth_time: u64,
    /// The session id.
    pub sid: String,
    /// The authorization request's nonce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Access token hash (OIDC Core 3.2.2.10), for implicit responses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
    /// The subject and the released profile claims, the same set `/userinfo` answers.
    #[serde(flatten)]
    pub user: UserInfo,
}

/// Profile claims released for a set of scopes (OIDC Core 5.4), as `/userinfo` returns them.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct UserInfo {
    /// Subject.
    pub sub: String,
    /// With `profile`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// With `profile`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// With `profile`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// With `profile`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// With `email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// With `email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
}

impl UserInfo {
    /// The claims of `profile` that `scopes` release.
    pub fn released(profile: &Profile, scopes: &[&str]) -> Self {
        let with_profile = scopes.contains(&"profile");
        let with_email = scopes.contains(&"email");
        Self {
            sub: profile.user_id.clone(),
            name: with_profile.then(|| profile.name.clone()),
            nickname: with_profile.then(|| profile.nickname.clone()),
            picture: with_profile.then(|| profile.picture.clone()),
            updated_at: with_profile.then(|| profile.updated_at.clone()),
            email: with_email.then(|| profile.email.clone()),
            email_verified: with_email.then_some(profile.email_verified),
        }
    }
}

/// The tokens of one issuance.
pub struct TokenSet {
    /// The signed access token.
    pub access_token: String,
    /// The signed ID token, when `openid` was granted.
    pub id_token: Option<String>,
    /// Access token lifetime in seconds.
    pub expires_in: u64,
    /// Granted scopes, space-separated.
    pub scope: String,
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &"[redacted]")
            .field("id_token", &self.id_token.as_ref().map(|_| "[redacted]"))
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .finish()
    }
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
    let openid = grant.has_scope("openid");
    let userinfo = userinfo_audience(&config.issuer);
    let aud = match (&grant.audience, openid) {
        (Some(api), true) => AudienceClaim::Many(vec![api.to_string(), userinfo]),
        (Some(api), false) => AudienceClaim::One(api.to_string()),
        (None, _) => AudienceClaim::One(userinfo),
    };
    let expires_in = config.access_token_lifetime.as_secs();
    let scope = grant.scopes.join(" ");
    let access_claims = AccessTokenClaims {
        iss: config.issuer.clone(),
        sub: profile.user_id.clone(),
        aud,
        iat: now,
        exp: now + expires_in,
        azp: grant.client_id.clone(),
        scope: scope.clone(),
        permissions: grant.audience.as_ref().and(permissions),
    };
    let access_token = keys.sign(&access_claims)?;
    let id_token = if openid {
        let scopes: Vec<&str> = grant.scopes.iter().map(String::as_str).collect();
        let claims = IdTokenClaims {
            iss: config.issuer.clone(),
            aud: grant.client_id.clone(),
            iat: now,
            exp: now + config.id_token_lifetime.as_secs(),
            auth_time: grant.auth_time,
            sid: grant.sid.clone(),
            nonce: grant.nonce.clone(),
            at_hash: with_at_hash.then(|| at_hash(&access_token)),
            user: UserInfo::released(profile, &scopes),
        };
        Some(keys.sign(&claims)?)
    } else {
        None
    };
    Ok(TokenSet {
        access_token,
        id_token,
        expires_in,
        scope,
    })
}

/// OIDC Core 3.2.2.9: base64url of the left half of the SHA-256 of the access token.
pub fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
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
/// keys, issuer, `exp`, and `aud` containing `<issuer>userinfo`.
///
/// # Errors
/// See [`VerifyError`].
pub fn verify_userinfo_token(
    config: &TenantConfig,
    keys: &SigningKeys,
    token: &str,
) -> Result<AccessTokenClaims, VerifyError> {
    let key = verification_key(keys, token)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[&config.issuer]);
    validation.set_audience(&[userinfo_audience(&config.issuer)]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.leeway = 5;
    jsonwebtoken::decode::<AccessTokenClaims>(token, key, &validation)
        .map(|data| data.claims)
        .map_err(VerifyError::Invalid)
}

/// Reads the client id (`aud`) of one of this tenant's ID tokens given as `id_token_hint`.
/// Expiry is not checked: OIDC RP-Initiated Logout 1.0 section 2 lets expired ID tokens serve
/// as hints; the signature and issuer are.
///
/// # Errors
/// See [`VerifyError`].
pub fn id_token_hint_client(
    config: &TenantConfig,
    keys: &SigningKeys,
    token: &str,
) -> Result<ClientId, VerifyError> {
    let key = verification_key(keys, token)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[&config.issuer]);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["iss", "aud"]);
    jsonwebtoken::decode::<IdTokenClaims>(token, key, &validation)
        .map(|data| data.claims.aud)
        .map_err(VerifyError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_matches_oidc_core_example() {
        // OIDC Core A.3: access token and at_hash of the example ID token.
        assert_eq!(
            at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }

    #[test]
    fn userinfo_releases_claims_by_scope() {
        let profile = TenantConfig::default().users[0].profile("http://localhost:3002/");
        let only_email = UserInfo::released(&profile, &["openid", "email"]);
        assert_eq!(only_email.email.as_deref(), Some("reader@example.com"));
        assert_eq!(only_email.name, None);
        let only_profile = UserInfo::released(&profile, &["openid", "profile"]);
        assert_eq!(only_profile.nickname.as_deref(), Some("reader"));
        assert_eq!(only_profile.email, None);
    }

    #[test]
    fn token_set_debug_redacts_tokens() {
        let tokens = TokenSet {
            access_token: "secret-access".to_owned(),
            id_token: Some("secret-id".to_owned()),
            expires_in: 1,
            scope: "openid".to_owned(),
        };
        let printed = format!("{tokens:?}");
        assert!(!printed.contains("secret"), "{printed}");
        assert!(printed.contains("[redacted]"));
    }
}
