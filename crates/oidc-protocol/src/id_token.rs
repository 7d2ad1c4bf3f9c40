//! The claim checks of ID token validation (OIDC Core 3.1.3.7 steps 2 to 11, and 3.2.2.9 for
//! `at_hash`), for claims whose signature has already been verified.

use crate::claims::IdTokenClaims;
use crate::identifiers::{ClientId, Issuer};
use crate::secrets::AccessToken;
use crate::token_hash::matches_left_half_hash;

/// Clock skew tolerated on `exp` and `iat` by default, in seconds (auth0-spa-js uses 60).
pub const DEFAULT_CLOCK_LEEWAY_SECS: u64 = 60;

/// Why the claims of an ID token were refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenClaimsError {
    /// `iss` is not the configured issuer, byte for byte (step 2).
    #[error("issuer mismatch: got {found}")]
    Issuer {
        /// The `iss` the token carries, to help find a misconfiguration.
        found: String,
    },
    /// `aud` does not contain this client (step 3).
    #[error("audience does not contain this client")]
    Audience,
    /// Several audiences and no `azp`, or an `azp` that is not this client (steps 4 and 5).
    #[error("authorized party is not this client")]
    AuthorizedParty,
    /// `exp` has passed, beyond the leeway (step 9).
    #[error("expired")]
    Expired,
    /// `iat` is in the future beyond the leeway (step 10).
    #[error("issued in the future")]
    IssuedInFuture,
    /// `nonce` is missing or differs from the one sent (step 11).
    #[error("nonce mismatch")]
    Nonce,
    /// `sub` is missing or empty (OIDC Core 2: REQUIRED).
    #[error("missing subject")]
    Subject,
    /// `at_hash` does not match the access token (3.2.2.9).
    #[error("access token hash mismatch")]
    AccessTokenHash,
    /// `at_hash` is absent where it is required (implicit flow, 3.2.2.10).
    #[error("access token hash missing")]
    MissingAccessTokenHash,
}

/// What the claims must match.
#[derive(Clone, Copy, Debug)]
pub struct IdTokenExpectations<'a> {
    /// The configured issuer.
    pub issuer: &'a Issuer,
    /// This client's id.
    pub client_id: &'a ClientId,
    /// The nonce sent with the authorization request; `None` for ID tokens that answer no
    /// authorization request (a refresh, OIDC Core 12.2), which then need not carry one.
    pub nonce: Option<&'a str>,
    /// The current time, seconds since the epoch.
    pub now_secs: u64,
    /// Tolerated clock skew, seconds.
    pub leeway_secs: u64,
}

/// Checks `claims` (OIDC Core 3.1.3.7 steps 2-5 and 9-11, and `sub`).
///
/// # Errors
/// The first [`IdTokenClaimsError`] found.
pub fn check_id_token_claims(
    claims: &IdTokenClaims,
    expected: IdTokenExpectations<'_>,
) -> Result<(), IdTokenClaimsError> {
    if claims.iss != expected.issuer.as_str() {
        return Err(IdTokenClaimsError::Issuer {
            found: claims.iss.clone(),
        });
    }
    let client_id = expected.client_id.as_str();
    if !claims.aud.contains(client_id) {
        return Err(IdTokenClaimsError::Audience);
    }
    let azp_ok = claims.azp.as_deref().is_none_or(|azp| azp == client_id);
    if !azp_ok || (claims.aud.is_multiple() && claims.azp.is_none()) {
        return Err(IdTokenClaimsError::AuthorizedParty);
    }
    // Saturating: a huge `exp` or `iat` must not overflow.
    if claims.exp.saturating_add(expected.leeway_secs) <= expected.now_secs {
        return Err(IdTokenClaimsError::Expired);
    }
    if claims.iat > expected.now_secs.saturating_add(expected.leeway_secs) {
        return Err(IdTokenClaimsError::IssuedInFuture);
    }
    if let Some(nonce) = expected.nonce
        && claims.nonce.as_deref() != Some(nonce)
    {
        return Err(IdTokenClaimsError::Nonce);
    }
    if claims.sub.is_empty() {
        return Err(IdTokenClaimsError::Subject);
    }
    Ok(())
}

/// Checks `at_hash` against the access token that came with the ID token in the implicit flow
/// (OIDC Core 3.2.2.9). There the claim is required (3.2.2.10): without it nothing binds the
/// access token to the signed ID token, so a swapped-in token would go unnoticed.
///
/// # Errors
/// [`IdTokenClaimsError::MissingAccessTokenHash`] when absent,
/// [`IdTokenClaimsError::AccessTokenHash`] when different.
pub fn check_access_token_hash(
    claims: &IdTokenClaims,
    access_token: &AccessToken,
) -> Result<(), IdTokenClaimsError> {
    let at_hash = claims
        .at_hash
        .as_deref()
        .ok_or(IdTokenClaimsError::MissingAccessTokenHash)?;
    if matches_left_half_hash(at_hash, access_token.secret()) {
        Ok(())
    } else {
        Err(IdTokenClaimsError::AccessTokenHash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000;
    const LEEWAY: u64 = DEFAULT_CLOCK_LEEWAY_SECS;

    fn claims(overrides: serde_json::Value) -> IdTokenClaims {
        let mut base = serde_json::json!({
            "iss": "http://localhost:3002/",
            "sub": "auth0|reader",
            "aud": "local-spa-client",
            "nonce": "n-123",
            "exp": NOW + 600,
            "iat": NOW - 5,
        });
        for (name, value) in overrides.as_object().into_iter().flatten() {
            if value.is_null() {
                base.as_object_mut().map(|object| object.remove(name));
            } else {
                base[name] = value.clone();
            }
        }
        serde_json::from_value(base).unwrap()
    }

    fn check_with_nonce(
        claims: &IdTokenClaims,
        nonce: Option<&str>,
    ) -> Result<(), IdTokenClaimsError> {
        let issuer = Issuer::parse("http://localhost:3002/").unwrap();
        let client_id = ClientId::new("local-spa-client");
        check_id_token_claims(
            claims,
            IdTokenExpectations {
                issuer: &issuer,
                client_id: &client_id,
                nonce,
                now_secs: NOW,
                leeway_secs: LEEWAY,
            },
        )
    }

    fn check(claims: &IdTokenClaims) -> Result<(), IdTokenClaimsError> {
        check_with_nonce(claims, Some("n-123"))
    }

    #[test]
    fn valid_claims_pass() {
        assert_eq!(check(&claims(serde_json::json!({}))), Ok(()));
    }

    #[test]
    fn issuer_must_match_byte_for_byte() {
        assert_eq!(
            check(&claims(serde_json::json!({"iss": "http://localhost:3002"}))),
            Err(IdTokenClaimsError::Issuer {
                found: "http://localhost:3002".into()
            })
        );
    }

    #[test]
    fn audience_must_contain_the_client() {
        assert_eq!(
            check(&claims(serde_json::json!({"aud": "other-client"}))),
            Err(IdTokenClaimsError::Audience)
        );
        assert_eq!(
            check(&claims(
                serde_json::json!({"aud": ["other", "local-spa-client"], "azp": "local-spa-client"})
            )),
            Ok(())
        );
    }

    #[test]
    fn multiple_audiences_need_azp_equal_to_the_client() {
        assert_eq!(
            check(&claims(
                serde_json::json!({"aud": ["other", "local-spa-client"]})
            )),
            Err(IdTokenClaimsError::AuthorizedParty)
        );
        assert_eq!(
            check(&claims(serde_json::json!({"azp": "other"}))),
            Err(IdTokenClaimsError::AuthorizedParty)
        );
    }

    #[test]
    fn nonce_mismatch_is_rejected_and_no_expected_nonce_skips_the_check() {
        assert_eq!(
            check(&claims(serde_json::json!({"nonce": "n-999"}))),
            Err(IdTokenClaimsError::Nonce)
        );
        assert_eq!(
            check(&claims(serde_json::json!({"nonce": null}))),
            Err(IdTokenClaimsError::Nonce)
        );
        assert_eq!(
            check_with_nonce(&claims(serde_json::json!({"nonce": null})), None),
            Ok(())
        );
    }

    #[test]
    fn expired_token_is_rejected_after_the_leeway() {
        assert_eq!(
            check(&claims(serde_json::json!({"exp": NOW - LEEWAY}))),
            Err(IdTokenClaimsError::Expired)
        );
        assert_eq!(
            check(&claims(serde_json::json!({"exp": NOW - LEEWAY + 1}))),
            Ok(())
        );
    }

    #[test]
    fn token_issued_in_the_future_is_rejected_after_the_leeway() {
        assert_eq!(
            check(&claims(serde_json::json!({"iat": NOW + LEEWAY + 1}))),
            Err(IdTokenClaimsError::IssuedInFuture)
        );
        assert_eq!(
            check(&claims(serde_json::json!({"iat": NOW + LEEWAY}))),
            Ok(())
        );
    }

    #[test]
    fn missing_or_empty_subject_is_rejected() {
        assert_eq!(
            check(&claims(serde_json::json!({"sub": null}))),
            Err(IdTokenClaimsError::Subject)
        );
        assert_eq!(
            check(&claims(serde_json::json!({"sub": ""}))),
            Err(IdTokenClaimsError::Subject)
        );
    }

    #[test]
    fn extreme_exp_and_iat_do_not_overflow() {
        assert_eq!(check(&claims(serde_json::json!({"exp": u64::MAX}))), Ok(()));
        assert_eq!(
            check(&claims(serde_json::json!({"iat": u64::MAX}))),
            Err(IdTokenClaimsError::IssuedInFuture)
        );
    }

    #[test]
    fn at_hash_is_required_and_checked() {
        // OIDC Core A.3.
        let access_token = AccessToken::new("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y");
        let good = claims(serde_json::json!({"at_hash": "77QmUPtjPfzWtF2AnpK9RQ"}));
        assert_eq!(check_access_token_hash(&good, &access_token), Ok(()));
        let bad = claims(serde_json::json!({"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}));
        assert_eq!(
            check_access_token_hash(&bad, &access_token),
            Err(IdTokenClaimsError::AccessTokenHash)
        );
        assert_eq!(
            check_access_token_hash(&claims(serde_json::json!({})), &access_token),
            Err(IdTokenClaimsError::MissingAccessTokenHash)
        );
    }
}
