//! Proof Key for Code Exchange with the S256 method (RFC 7636): the client makes a verifier
//! and sends its challenge; the server checks that the verifier hashes to the challenge.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::base64url;
use crate::constant_time::constant_time_eq;

/// Random bytes behind a generated verifier: 256 bits, as RFC 7636 section 7.1 recommends.
pub const VERIFIER_ENTROPY_BYTES: usize = 32;

/// Why a PKCE value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PkceError {
    /// No `code_challenge`: PKCE is required for the code flow here.
    #[error("code_challenge is required")]
    MissingChallenge,
    /// `plain`, an absent method (which RFC 7636 section 4.3 defaults to `plain`), or anything
    /// but `S256`.
    #[error("code_challenge_method must be S256")]
    UnsupportedMethod,
    /// Not 43 base64url characters, the length of an encoded SHA-256 digest.
    #[error("code_challenge is not a base64url sha-256 digest")]
    MalformedChallenge,
    /// Not 43 to 128 unreserved characters (RFC 7636 section 4.1).
    #[error("code_verifier is malformed")]
    MalformedVerifier,
}

/// The `code_verifier` (RFC 7636 section 4.1).
///
/// Deliberately not `Clone`: one verifier belongs to one authorization request and is spent by
/// exactly one token exchange. Moving it from the stored transaction into the exchange makes a
/// second use, or a stray copy that outlives the login, a compile error.
#[derive(PartialEq, Eq)]
pub struct PkceVerifier(String);

impl PkceVerifier {
    /// A verifier from fresh random bytes (43 base64url characters). The caller brings the
    /// randomness (a CSPRNG: `crypto.getRandomValues` in a browser), since this crate has no I/O.
    pub fn from_random_bytes(bytes: &[u8; VERIFIER_ENTROPY_BYTES]) -> Self {
        Self(base64url::encode(bytes))
    }

    /// Accepts a verifier as sent to the token endpoint or read back from storage.
    ///
    /// # Errors
    /// [`PkceError::MalformedVerifier`] unless it is 43 to 128 characters from
    /// `[A-Za-z0-9-._~]`.
    pub fn parse(text: impl Into<String>) -> Result<Self, PkceError> {
        let text = text.into();
        let well_formed = (43..=128).contains(&text.len())
            && text.bytes().all(|byte| {
                byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
            });
        if well_formed {
            Ok(Self(text))
        } else {
            Err(PkceError::MalformedVerifier)
        }
    }

    /// The verifier itself, sent only to the token endpoint.
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// The S256 challenge: `BASE64URL(SHA256(ASCII(code_verifier)))` (RFC 7636 section 4.2).
    pub fn challenge(&self) -> PkceChallenge {
        PkceChallenge(base64url::encode(Sha256::digest(self.0.as_bytes())))
    }
}

impl fmt::Debug for PkceVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PkceVerifier([redacted])")
    }
}

/// The `code_challenge` of an authorization request, method S256.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PkceChallenge(String);

impl PkceChallenge {
    /// The only method used; `plain` would defeat the point (RFC 7636 section 4.2).
    pub const METHOD: &'static str = "S256";

    /// Accepts `code_challenge` and `code_challenge_method` as sent to `/authorize`.
    ///
    /// # Errors
    /// See [`PkceError`].
    pub fn from_request(challenge: Option<&str>, method: Option<&str>) -> Result<Self, PkceError> {
        let challenge = challenge
            .filter(|value| !value.is_empty())
            .ok_or(PkceError::MissingChallenge)?;
        if method != Some(Self::METHOD) {
            return Err(PkceError::UnsupportedMethod);
        }
        let well_formed = challenge.len() == 43
            && challenge
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
        if !well_formed {
            return Err(PkceError::MalformedChallenge);
        }
        Ok(Self(challenge.to_owned()))
    }

    /// The challenge as sent in `code_challenge`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `verifier` hashes to this challenge (RFC 7636 section 4.6), compared in constant
    /// time. Verifiers outside the syntax of RFC 7636 section 4.1 never match.
    pub fn is_satisfied_by(&self, verifier: &str) -> bool {
        PkceVerifier::parse(verifier).is_ok_and(|verifier| {
            constant_time_eq(verifier.challenge().0.as_bytes(), self.0.as_bytes())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    const VERIFIER_OCTETS: [u8; 32] = [
        116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37,
        77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ];

    #[test]
    fn rfc7636_appendix_b_octets_verifier_and_challenge() {
        let verifier = PkceVerifier::from_random_bytes(&VERIFIER_OCTETS);
        assert_eq!(verifier.secret(), VERIFIER);
        assert_eq!(verifier.challenge().as_str(), CHALLENGE);
        let challenge = PkceChallenge::from_request(Some(CHALLENGE), Some("S256")).unwrap();
        assert!(challenge.is_satisfied_by(VERIFIER));
    }

    #[test]
    fn other_or_malformed_verifiers_do_not_satisfy_the_challenge() {
        let challenge = PkceChallenge::from_request(Some(CHALLENGE), Some("S256")).unwrap();
        for verifier in [
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXx",
            "",
            "short",
            &"a".repeat(129),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjX+",
        ] {
            assert!(!challenge.is_satisfied_by(verifier), "{verifier}");
        }
    }

    #[test]
    fn only_s256_challenges_of_the_right_shape_are_accepted() {
        assert_eq!(
            PkceChallenge::from_request(Some(CHALLENGE), Some("plain")),
            Err(PkceError::UnsupportedMethod)
        );
        assert_eq!(
            PkceChallenge::from_request(Some(CHALLENGE), None),
            Err(PkceError::UnsupportedMethod)
        );
        assert_eq!(
            PkceChallenge::from_request(None, Some("S256")),
            Err(PkceError::MissingChallenge)
        );
        assert_eq!(
            PkceChallenge::from_request(Some("abc"), Some("S256")),
            Err(PkceError::MalformedChallenge)
        );
    }

    #[test]
    fn verifier_syntax_follows_rfc7636_section_4_1() {
        assert!(PkceVerifier::parse(VERIFIER).is_ok());
        assert!(PkceVerifier::parse("a.b-c_d~".repeat(6)).is_ok());
        assert_eq!(
            PkceVerifier::parse("a".repeat(42)),
            Err(PkceError::MalformedVerifier)
        );
        assert_eq!(
            PkceVerifier::parse("a".repeat(42) + "/"),
            Err(PkceError::MalformedVerifier)
        );
    }

    #[test]
    fn debug_output_of_verifier_is_redacted() {
        let verifier = PkceVerifier::parse(VERIFIER).unwrap();
        assert_eq!(format!("{verifier:?}"), "PkceVerifier([redacted])");
    }
}
