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
    /// A renewed ID token names another issuer, user, audience or authorized party than the
    /// one of the login (OIDC Core 12.2).
    #[error("the renewed id token's {0} differs from the login's")]
    Changed(&'static str),
}

/// What the ID token must match.
#[derive(Clone, Copy, Debug)]
pub struct ExpectedIdToken<'a> {
    /// The configured issuer identifier ([`AuthConfig::issuer_identifier`]), compared with
    /// `iss` byte for byte.
    ///
    /// [`AuthConfig::issuer_identifier`]: crate::AuthConfig::issuer_identifier
    pub issuer: &'a str,
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
    verify(
        id_token,
        keys,
        Expectations {
            issuer: expected.issuer,
            client_id: expected.client_id,
            nonce: Some(expected.nonce),
            now_secs: expected.now_secs,
        },
    )
    .await
}

/// The `kid` of an ID token's header, to find its key before verifying it.
///
/// # Errors
/// [`IdTokenError::Malformed`] for a token that is not an RS256 JWT.
pub fn id_token_key_id(id_token: &IdToken) -> Result<String, IdTokenError> {
    let jwt = UnverifiedJwt::parse(id_token.secret()).map_err(IdTokenError::Malformed)?;
    jwt.rs256_key_id()
        .map(str::to_owned)
        .map_err(IdTokenError::Malformed)
}

/// Verifies an ID token that came back from a refresh (OIDC Core 12.2): signature and claims as
/// at login, without a nonce (it answers no authorization request), and the same `iss`, `sub`,
/// `aud` and `azp` as `previous`, the session's ID token.
///
/// # Errors
/// The first [`IdTokenError`] found; [`IdTokenError::Changed`] naming a claim that differs.
pub async fn verify_refreshed_id_token(
    renewed: &IdToken,
    previous: &IdToken,
    keys: &VerificationKeys,
    issuer: &str,
    client_id: &ClientId,
    now_secs: u64,
) -> Result<IdTokenClaims, IdTokenError> {
    let claims = verify(
        renewed,
        keys,
        Expectations {
            issuer,
            client_id,
            nonce: None,
            now_secs,
        },
    )
    .await?;
    // The previous token was verified when it was stored; only its claims are compared here.
    let previous: IdTokenClaims = UnverifiedJwt::parse(previous.secret())
        .and_then(|jwt| jwt.claims())
        .map_err(IdTokenError::Malformed)?;
    check_same_login(&previous, &claims)?;
    Ok(claims)
}

/// OIDC Core 12.2: a renewed ID token is about the same login as the one it replaces.
fn check_same_login(previous: &IdTokenClaims, renewed: &IdTokenClaims) -> Result<(), IdTokenError> {
    if renewed.iss != previous.iss {
        return Err(IdTokenError::Changed("iss"));
    }
    if renewed.sub != previous.sub {
        return Err(IdTokenError::Changed("sub"));
    }
    if renewed.aud != previous.aud {
        return Err(IdTokenError::Changed("aud"));
    }
    if renewed.azp != previous.azp {
        return Err(IdTokenError::Changed("azp"));
    }
    Ok(())
}

/// What [`check_claims`] checks, with the issuer as configured.
struct Expectations<'a> {
    issuer: &'a str,
    client_id: &'a ClientId,
    nonce: Option<&'a str>,
    now_secs: u64,
}

async fn verify(
    id_token: &IdToken,
    keys: &VerificationKeys,
    expectations: Expectations<'_>,
) -> Result<IdTokenClaims, IdTokenError> {
    let jwt = UnverifiedJwt::parse(id_token.secret()).map_err(IdTokenError::Malformed)?;
    let kid = jwt.rs256_key_id().map_err(IdTokenError::Malformed)?;
    let claims: IdTokenClaims = jwt.claims().map_err(IdTokenError::Malformed)?;
    let key = keys.find(kid).ok_or(IdTokenError::UnknownKey)?;
    verify_rs256(key, jwt.signing_input(), jwt.signature())
        .await
        .map_err(IdTokenError::Signature)?;
    check_claims(&claims, &expectations)?;
    Ok(claims)
}

/// OIDC Core 3.1.3.7's claim checks. `iss` is compared here with the issuer as configured, byte
/// for byte (step 2): oidc-protocol's [`Issuer`] always ends in `/`, so an issuer written
/// without one (`https://accounts.example.com`) could not be compared there. The shared checks
/// then run on the rest, with the issuer in that form on both sides.
fn check_claims(
    claims: &IdTokenClaims,
    expected: &Expectations<'_>,
) -> Result<(), IdTokenClaimsError> {
    let issuer_error = || IdTokenClaimsError::Issuer {
        found: claims.iss.clone(),
    };
    if claims.iss != expected.issuer {
        return Err(issuer_error());
    }
    let issuer = Issuer::parse(expected.issuer).map_err(|_| issuer_error())?;
    let claims = IdTokenClaims {
        iss: issuer.as_str().to_owned(),
        ..claims.clone()
    };
    check_id_token_claims(
        &claims,
        IdTokenExpectations {
            issuer: &issuer,
            client_id: expected.client_id,
            nonce: expected.nonce,
            now_secs: expected.now_secs,
            leeway_secs: CLOCK_LEEWAY_SECS,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(overrides: serde_json::Value) -> IdTokenClaims {
        let mut base = serde_json::json!({
            "iss": "https://tenant.example.com/", "sub": "auth0|reader", "aud": "client-1",
            "exp": 2_000, "iat": 1_000, "nonce": "n-1",
        });
        for (name, value) in overrides.as_object().into_iter().flatten() {
            base[name] = value.clone();
        }
        serde_json::from_value(base).unwrap()
    }

    fn expectations(issuer: &str) -> Expectations<'_> {
        static CLIENT: std::sync::OnceLock<ClientId> = std::sync::OnceLock::new();
        Expectations {
            issuer,
            client_id: CLIENT.get_or_init(|| ClientId::new("client-1")),
            nonce: Some("n-1"),
            now_secs: 1_500,
        }
    }

    #[test]
    fn iss_is_compared_byte_for_byte_with_the_issuer_as_written() {
        let login = claims(serde_json::json!({}));
        assert_eq!(
            check_claims(&login, &expectations("https://tenant.example.com/")),
            Ok(())
        );
        for configured in [
            "https://tenant.example.com",
            "https://tenant.example.com//",
            "https://TENANT.example.com/",
        ] {
            assert_eq!(
                check_claims(&login, &expectations(configured)),
                Err(IdTokenClaimsError::Issuer {
                    found: "https://tenant.example.com/".into()
                }),
                "{configured}"
            );
        }
        // An issuer without the trailing `/`, as many providers write theirs.
        let bare = claims(serde_json::json!({"iss": "https://accounts.example.com"}));
        assert_eq!(
            check_claims(&bare, &expectations("https://accounts.example.com")),
            Ok(())
        );
        assert!(check_claims(&bare, &expectations("https://accounts.example.com/")).is_err());
    }

    #[test]
    fn the_shared_claim_checks_still_run_after_the_issuer() {
        let other_client = claims(serde_json::json!({"aud": "client-2"}));
        assert_eq!(
            check_claims(&other_client, &expectations("https://tenant.example.com/")),
            Err(IdTokenClaimsError::Audience)
        );
        let other_nonce =
            claims(serde_json::json!({"iss": "https://a.example.com", "nonce": "n-2"}));
        assert_eq!(
            check_claims(&other_nonce, &expectations("https://a.example.com")),
            Err(IdTokenClaimsError::Nonce)
        );
    }

    #[test]
    fn a_renewed_id_token_about_the_same_login_passes_whatever_its_times_and_nonce() {
        let renewed = claims(serde_json::json!({"exp": 9_000, "iat": 8_000, "nonce": "other"}));
        assert!(check_same_login(&claims(serde_json::json!({})), &renewed).is_ok());
    }

    #[test]
    fn a_renewed_id_token_for_another_user_issuer_audience_or_party_is_refused() {
        let previous = claims(serde_json::json!({}));
        for (override_, claim) in [
            (serde_json::json!({"sub": "auth0|admin"}), "sub"),
            (
                serde_json::json!({"iss": "https://other.example.com/"}),
                "iss",
            ),
            (serde_json::json!({"aud": ["client-1", "client-2"]}), "aud"),
            (serde_json::json!({"azp": "client-1"}), "azp"),
        ] {
            assert!(
                matches!(
                    check_same_login(&previous, &claims(override_.clone())),
                    Err(IdTokenError::Changed(changed)) if changed == claim
                ),
                "{override_}"
            );
        }
    }
}
