//! ID token validation (OIDC Core 3.1.3.7): the RS256 signature with the browser's WebCrypto
//! against the tenant's JWKS, then the shared claim checks. Nothing in the token is trusted
//! before its signature is verified.

use oidc_protocol::id_token::DEFAULT_CLOCK_LEEWAY_SECS;
use oidc_protocol::{
    ClientId, IdToken, IdTokenClaims, IdTokenClaimsError, IdTokenExpectations, Issuer, JwtError,
    UnverifiedJwt, VerificationKeys, check_id_token_claims,
};

use crate::webcrypto::{SignatureError, verify_rs256};

/// Clock skew tolerated on the ID token's `exp` and `iat`, in seconds.
pub const CLOCK_LEEWAY_SECS: u64 = DEFAULT_CLOCK_LEEWAY_SECS;

/// Why an ID token was refused.
#[derive(Clone, Debug, thiserror::Error)]
pub enum IdTokenError {
    /// Not a JWT, a header breaking the RS256 rules (any `alg` but RS256 included, OIDC Core
    /// 3.1.3.7 step 7), or claims of the wrong type.
    #[error("malformed id token")]
    Malformed(#[source] JwtError),
    /// No key in the JWKS matches the token's `kid`.
    #[error("no signing key matches the token")]
    UnknownKey,
    /// The signature could not be checked, or does not match.
    #[error("invalid signature")]
    Signature(#[source] SignatureError),
    /// A claim check failed.
    #[error("claims rejected")]
    Claims(#[from] IdTokenClaimsError),
}

/// What the ID token must match.
#[derive(Clone, Copy, Debug)]
pub struct ExpectedIdToken<'a> {
    /// The configured issuer.
    pub issuer: &'a Issuer,
    /// This app's client id.
    pub client_id: &'a ClientId,
    /// The nonce stored in the transaction.
    pub nonce: &'a str,
    /// The current time, seconds since the epoch.
    pub now_secs: u64,
}

/// Verifies `id_token` completely: form and header, signature with the tenant's key by `kid`,
/// then the claims.
///
/// # Errors
/// The first [`IdTokenError`] found.
pub async fn verify_id_token(
    id_token: &IdToken,
    keys: &VerificationKeys,
    expected: ExpectedIdToken<'_>,
) -> Result<IdTokenClaims, IdTokenError> {
    let jwt = UnverifiedJwt::parse(id_token.secret()).map_err(IdTokenError::Malformed)?;
    let kid = jwt.rs256_key_id().map_err(IdTokenError::Malformed)?;
    let claims: IdTokenClaims = jwt.claims().map_err(IdTokenError::Malformed)?;
    let key = keys.find(kid).ok_or(IdTokenError::UnknownKey)?;
    verify_rs256(key, jwt.signing_input(), jwt.signature())
        .await
        .map_err(IdTokenError::Signature)?;
    check_id_token_claims(
        &claims,
        IdTokenExpectations {
            issuer: expected.issuer,
            client_id: expected.client_id,
            nonce: Some(expected.nonce),
            now_secs: expected.now_secs,
            leeway_secs: CLOCK_LEEWAY_SECS,
        },
    )?;
    Ok(claims)
}
