//! PKCE (RFC 7636): the only method accepted is S256, and verifiers are checked in constant time.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::opaque::constant_time_eq;

/// A `code_challenge` from `/authorize`, with the method already checked to be S256.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PkceChallenge(String);

/// Why a `code_challenge` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PkceError {
    /// No `code_challenge` at all: this tenant requires PKCE for the code flow.
    #[error("code_challenge is required")]
    MissingChallenge,
    /// `plain`, an absent method (which RFC 7636 4.3 defaults to `plain`), or anything else.
    #[error("code_challenge_method must be S256")]
    UnsupportedMethod,
    /// Not 43 base64url characters, the length of a SHA-256 digest.
    #[error("code_challenge is not a base64url SHA-256 digest")]
    MalformedChallenge,
}

impl PkceChallenge {
    /// Accepts `code_challenge` and `code_challenge_method` as sent to `/authorize`.
    ///
    /// # Errors
    /// See [`PkceError`].
    pub fn from_request(challenge: Option<&str>, method: Option<&str>) -> Result<Self, PkceError> {
        let challenge = challenge
            .filter(|value| !value.is_empty())
            .ok_or(PkceError::MissingChallenge)?;
        if method != Some("S256") {
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

    /// Whether `verifier` hashes to this challenge (RFC 7636 4.6). Verifiers outside the
    /// 43..=128 unreserved-character syntax of RFC 7636 4.1 never match.
    pub fn is_satisfied_by(&self, verifier: &str) -> bool {
        let well_formed = (43..=128).contains(&verifier.len())
            && verifier.bytes().all(|byte| {
                byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
            });
        let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        well_formed && constant_time_eq(computed.as_bytes(), self.0.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn rfc_7636_appendix_b_verifier_satisfies_its_challenge() {
        let challenge = PkceChallenge::from_request(Some(CHALLENGE), Some("S256")).expect("valid");
        assert!(challenge.is_satisfied_by(VERIFIER));
    }

    #[test]
    fn other_verifier_does_not_satisfy_the_challenge() {
        let challenge = PkceChallenge::from_request(Some(CHALLENGE), Some("S256")).expect("valid");
        assert!(!challenge.is_satisfied_by("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXx"));
        assert!(!challenge.is_satisfied_by(""));
    }

    #[test]
    fn plain_method_is_refused() {
        assert_eq!(
            PkceChallenge::from_request(Some(CHALLENGE), Some("plain")),
            Err(PkceError::UnsupportedMethod)
        );
    }

    #[test]
    fn absent_method_is_refused_because_it_means_plain() {
        assert_eq!(
            PkceChallenge::from_request(Some(CHALLENGE), None),
            Err(PkceError::UnsupportedMethod)
        );
    }

    #[test]
    fn absent_challenge_is_refused() {
        assert_eq!(
            PkceChallenge::from_request(None, Some("S256")),
            Err(PkceError::MissingChallenge)
        );
    }

    #[test]
    fn challenge_of_wrong_length_is_refused() {
        assert_eq!(
            PkceChallenge::from_request(Some("abc"), Some("S256")),
            Err(PkceError::MalformedChallenge)
        );
    }
}
