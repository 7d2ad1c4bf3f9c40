//! ID token validation (OIDC Core 3.1.3.7): the RS256 signature against the tenant's JWKS,
//! then every claim check, with typed claims and no trust in anything before the signature.

use super::base64url;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::identifiers::{ClientId, Issuer};
use super::jwks::{Jwk, Jwks, JwksError};
use super::jwt::{JwtError, UnverifiedJwt};
use super::secrets::{AccessToken, IdToken};
use super::signature::{SignatureError, verify_rs256};

/// Clock skew tolerated on `exp` and `iat`, in seconds.
pub const CLOCK_LEEWAY_SECS: i64 = 60;

/// Why an ID token was refused.
#[derive(Clone, Debug, thiserror::Error)]
pub enum IdTokenError {
    /// Not a JWT, or claims of the wrong type.
    #[error("malformed id token")]
    Malformed(#[source] JwtError),
    /// Only RS256 is accepted (OIDC Core 3.1.3.7 step 7, and never `none` or HS256).
    #[error("unsupported signing algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// The keys could not be fetched.
    #[error("could not fetch the signing keys")]
    Jwks(#[source] JwksError),
    /// No key in the JWKS matches the token's `kid`.
    #[error("no signing key matches the token")]
    UnknownKey,
    /// The signature could not be checked, or does not match.
    #[error("invalid signature")]
    Signature(#[source] SignatureError),
    /// `iss` is not the configured issuer, byte for byte (step 2).
    #[error("issuer mismatch: got {0}")]
    Issuer(String),
    /// `aud` does not contain this client (step 3).
    #[error("audience does not contain this client")]
    Audience,
    /// Several audiences and `azp` is not this client (steps 4 and 5).
    #[error("authorized party is not this client")]
    AuthorizedParty,
    /// `exp` is in the past (step 9).
    #[error("expired")]
    Expired,
    /// `iat` is in the future beyond the clock leeway (step 10).
    #[error("issued in the future")]
    IssuedInFuture,
    /// `nonce` is missing or differs from the one sent (step 11).
    #[error("nonce mismatch")]
    Nonce,
    /// `sub` is missing or empty.
    #[error("missing subject")]
    Subject,
    /// `at_hash` does not match the access token (OIDC Core 3.2.2.9).
    #[error("access token hash mismatch")]
    AccessTokenHash,
    /// `at_hash` is absent, though the implicit flow returned an access token beside the ID
    /// token (OIDC Core 3.2.2.10, where it is REQUIRED).
    #[error("access token hash missing")]
    MissingAccessTokenHash,
}

/// `aud` may be one string or an array of strings (RFC 7519 section 4.1.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Audiences {
    /// A single audience.
    One(String),
    /// Several audiences.
    Many(Vec<String>),
}

// Hand-written rather than `#[serde(untagged)]`, whose buffering deserializer is large in wasm.
impl<'de> Deserialize<'de> for Audiences {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AudiencesVisitor;

        impl<'de> serde::de::Visitor<'de> for AudiencesVisitor {
            type Value = Audiences;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("a string or an array of strings")
            }

            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Audiences, E> {
                Ok(Audiences::One(value.to_owned()))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Audiences, A::Error> {
                let mut many = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    many.push(item);
                }
                Ok(Audiences::Many(many))
            }
        }

        deserializer.deserialize_any(AudiencesVisitor)
    }
}

impl Audiences {
    /// All audiences, joined with ", " for display.
    pub fn joined(&self) -> String {
        match self {
            Self::One(one) => one.clone(),
            Self::Many(many) => many.join(", "),
        }
    }

    fn contains(&self, value: &str) -> bool {
        match self {
            Self::One(one) => one == value,
            Self::Many(many) => many.iter().any(|item| item == value),
        }
    }

    fn is_multiple(&self) -> bool {
        matches!(self, Self::Many(many) if many.len() > 1)
    }
}

/// The claims this app checks; other claims are ignored.
#[derive(Clone, Debug, Deserialize)]
pub struct IdTokenClaims {
    /// Issuer.
    pub iss: String,
    /// Subject (the user id).
    #[serde(default)]
    pub sub: String,
    /// Audience(s).
    pub aud: Audiences,
    /// Authorized party.
    #[serde(default)]
    pub azp: Option<String>,
    /// The nonce from the authorization request.
    #[serde(default)]
    pub nonce: Option<String>,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Left half of the access token's SHA-256, base64url (implicit flow).
    #[serde(default)]
    pub at_hash: Option<String>,
}

/// What the claims must match.
#[derive(Clone, Copy, Debug)]
pub struct ExpectedClaims<'a> {
    /// The configured issuer.
    pub issuer: &'a Issuer,
    /// This SPA's client id.
    pub client_id: &'a ClientId,
    /// The nonce stored in the transaction.
    pub nonce: &'a str,
    /// The current time, seconds since the epoch.
    pub now_secs: i64,
}

/// Checks the claims of a token whose signature has been verified (OIDC Core 3.1.3.7 steps 2-11).
///
/// # Errors
/// The first [`IdTokenError`] claim check that fails.
pub fn check_claims(
    claims: &IdTokenClaims,
    expected: ExpectedClaims<'_>,
) -> Result<(), IdTokenError> {
    if claims.iss != expected.issuer.as_str() {
        return Err(IdTokenError::Issuer(claims.iss.clone()));
    }
    if !claims.aud.contains(expected.client_id.as_str()) {
        return Err(IdTokenError::Audience);
    }
    let azp_ok = claims
        .azp
        .as_deref()
        .is_none_or(|azp| azp == expected.client_id.as_str());
    if !azp_ok || (claims.aud.is_multiple() && claims.azp.is_none()) {
        return Err(IdTokenError::AuthorizedParty);
    }
    // Saturating: a huge `exp` or `iat` must not overflow (a panic in debug builds).
    if claims.exp.saturating_add(CLOCK_LEEWAY_SECS) <= expected.now_secs {
        return Err(IdTokenError::Expired);
    }
    if claims.iat > expected.now_secs.saturating_add(CLOCK_LEEWAY_SECS) {
        return Err(IdTokenError::IssuedInFuture);
    }
    if claims.nonce.as_deref() != Some(expected.nonce) {
        return Err(IdTokenError::Nonce);
    }
    if claims.sub.is_empty() {
        return Err(IdTokenError::Subject);
    }
    Ok(())
}

/// Checks `at_hash` against the access token that came with the ID token in the implicit flow
/// (OIDC Core 3.2.2.9). There the claim is required (3.2.2.10): without it nothing binds the
/// access token to the signed ID token, so a swapped-in token would go unnoticed.
///
/// # Errors
/// [`IdTokenError::MissingAccessTokenHash`] when absent, [`IdTokenError::AccessTokenHash`]
/// when different.
pub fn check_access_token_hash(
    claims: &IdTokenClaims,
    access_token: &AccessToken,
) -> Result<(), IdTokenError> {
    let Some(at_hash) = &claims.at_hash else {
        return Err(IdTokenError::MissingAccessTokenHash);
    };
    let digest = Sha256::digest(access_token.secret().as_bytes());
    if base64url::encode(&digest[..16]) == *at_hash {
        Ok(())
    } else {
        Err(IdTokenError::AccessTokenHash)
    }
}

/// Splits the token and refuses anything but RS256 before any key is looked at.
///
/// # Errors
/// [`IdTokenError::Malformed`] or [`IdTokenError::UnsupportedAlgorithm`].
pub fn parse(id_token: &IdToken) -> Result<(UnverifiedJwt, IdTokenClaims), IdTokenError> {
    let jwt = UnverifiedJwt::parse(id_token.secret()).map_err(IdTokenError::Malformed)?;
    if jwt.header.alg != "RS256" {
        return Err(IdTokenError::UnsupportedAlgorithm(jwt.header.alg.clone()));
    }
    let claims = jwt.claims().map_err(IdTokenError::Malformed)?;
    Ok((jwt, claims))
}

/// Picks the key for this token: by `kid`, or the only RSA signing key when there is no `kid`.
pub fn select_key<'a>(jwks: &'a Jwks, jwt: &UnverifiedJwt) -> Option<&'a Jwk> {
    let mut candidates = jwks.keys.iter().filter(|key| key.can_verify_rs256());
    match &jwt.header.kid {
        Some(kid) => candidates.find(|key| key.kid.as_deref() == Some(kid)),
        None => {
            let first = candidates.next();
            if candidates.next().is_some() {
                None
            } else {
                first
            }
        }
    }
}

/// Verifies `id_token` completely: algorithm, signature with the tenant's key, then claims.
///
/// # Errors
/// The first [`IdTokenError`] found.
pub async fn verify(
    id_token: &IdToken,
    jwks: &Jwks,
    expected: ExpectedClaims<'_>,
) -> Result<IdTokenClaims, IdTokenError> {
    let (jwt, claims) = parse(id_token)?;
    let key = select_key(jwks, &jwt).ok_or(IdTokenError::UnknownKey)?;
    verify_rs256(key, &jwt.signing_input, &jwt.signature)
        .await
        .map_err(IdTokenError::Signature)?;
    check_claims(&claims, expected)?;
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::jwt::tests::jwt;

    const NOW: i64 = 1_700_000_000;

    fn claims(overrides: serde_json::Value) -> IdTokenClaims {
        let mut base = serde_json::json!({
            "iss": "http://localhost:3002/",
            "sub": "auth0|reader",
            "aud": "local-spa-client",
            "nonce": "n-123",
            "exp": NOW + 600,
            "iat": NOW - 5,
        });
        for (name, value) in overrides.as_object().unwrap() {
            if value.is_null() {
                base.as_object_mut().unwrap().remove(name);
            } else {
                base[name] = value.clone();
            }
        }
        serde_json::from_value(base).unwrap()
    }

    fn check(claims: &IdTokenClaims) -> Result<(), IdTokenError> {
        let issuer = Issuer::new("http://localhost:3002/");
        let client_id = ClientId::new("local-spa-client");
        check_claims(
            claims,
            ExpectedClaims {
                issuer: &issuer,
                client_id: &client_id,
                nonce: "n-123",
                now_secs: NOW,
            },
        )
    }

    #[test]
    fn audiences_are_one_string_or_an_array_of_strings() {
        let one: Audiences = serde_json::from_str(r#""a""#).unwrap();
        let many: Audiences = serde_json::from_str(r#"["a","b"]"#).unwrap();
        assert_eq!(one, Audiences::One("a".into()));
        assert_eq!(many.joined(), "a, b");
        assert!(serde_json::from_str::<Audiences>("[1]").is_err());
        assert!(serde_json::from_str::<Audiences>("{}").is_err());
    }

    #[test]
    fn valid_claims_pass() {
        assert!(check(&claims(serde_json::json!({}))).is_ok());
    }

    #[test]
    fn issuer_must_match_byte_for_byte() {
        let result = check(&claims(serde_json::json!({"iss": "http://localhost:3002"})));
        assert!(matches!(result, Err(IdTokenError::Issuer(_))));
    }

    #[test]
    fn audience_must_contain_the_client() {
        let result = check(&claims(serde_json::json!({"aud": "other-client"})));
        assert!(matches!(result, Err(IdTokenError::Audience)));
        let result = check(&claims(
            serde_json::json!({"aud": ["other", "local-spa-client"], "azp": "local-spa-client"}),
        ));
        assert!(result.is_ok());
    }

    #[test]
    fn multiple_audiences_need_azp_equal_to_the_client() {
        let result = check(&claims(
            serde_json::json!({"aud": ["other", "local-spa-client"]}),
        ));
        assert!(matches!(result, Err(IdTokenError::AuthorizedParty)));
        let result = check(&claims(serde_json::json!({"azp": "other"})));
        assert!(matches!(result, Err(IdTokenError::AuthorizedParty)));
    }

    #[test]
    fn nonce_mismatch_is_rejected() {
        let result = check(&claims(serde_json::json!({"nonce": "n-999"})));
        assert!(matches!(result, Err(IdTokenError::Nonce)));
        let result = check(&claims(serde_json::json!({"nonce": null})));
        assert!(matches!(result, Err(IdTokenError::Nonce)));
    }

    #[test]
    fn expired_token_is_rejected_after_the_leeway() {
        let result = check(&claims(serde_json::json!({"exp": NOW - CLOCK_LEEWAY_SECS})));
        assert!(matches!(result, Err(IdTokenError::Expired)));
        let result = check(&claims(
            serde_json::json!({"exp": NOW - CLOCK_LEEWAY_SECS + 1}),
        ));
        assert!(result.is_ok());
    }

    #[test]
    fn token_issued_in_the_future_is_rejected() {
        let result = check(&claims(
            serde_json::json!({"iat": NOW + CLOCK_LEEWAY_SECS + 1}),
        ));
        assert!(matches!(result, Err(IdTokenError::IssuedInFuture)));
    }

    #[test]
    fn missing_subject_is_rejected() {
        let result = check(&claims(serde_json::json!({"sub": null})));
        assert!(matches!(result, Err(IdTokenError::Subject)));
    }

    #[test]
    fn only_rs256_is_accepted() {
        for alg in ["none", "HS256", "RS384", "ES256"] {
            let token = jwt(
                &serde_json::json!({"alg": alg}),
                &serde_json::json!({"iss": "x"}),
            );
            let result = parse(&IdToken::new(token));
            assert!(
                matches!(result, Err(IdTokenError::UnsupportedAlgorithm(_))),
                "{alg}"
            );
        }
    }

    #[test]
    fn at_hash_is_checked_when_present() {
        // base64url(left 16 bytes of SHA-256(access_token)), computed independently with Python.
        let access_token = AccessToken::new("jHkWEdUXMU1BwAsC4vtUsZwnNaV8yTjIXEs7Ybk1TcM");
        let good = claims(serde_json::json!({"at_hash": "7YiQdZM4dWYcNYp-yNrL6g"}));
        assert!(check_access_token_hash(&good, &access_token).is_ok());
        let bad = claims(serde_json::json!({"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}));
        assert!(matches!(
            check_access_token_hash(&bad, &access_token),
            Err(IdTokenError::AccessTokenHash)
        ));
    }

    #[test]
    fn implicit_flow_requires_at_hash() {
        let access_token = AccessToken::new("jHkWEdUXMU1BwAsC4vtUsZwnNaV8yTjIXEs7Ybk1TcM");
        let without = claims(serde_json::json!({}));
        assert!(matches!(
            check_access_token_hash(&without, &access_token),
            Err(IdTokenError::MissingAccessTokenHash)
        ));
    }

    #[test]
    fn extreme_exp_and_iat_do_not_overflow() {
        let result = check(&claims(serde_json::json!({"exp": i64::MAX})));
        assert!(result.is_ok(), "{result:?}");
        let result = check(&claims(serde_json::json!({"iat": i64::MAX})));
        assert!(matches!(result, Err(IdTokenError::IssuedInFuture)));
    }
}
