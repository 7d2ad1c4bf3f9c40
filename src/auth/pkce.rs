//! Proof Key for Code Exchange with the S256 method (RFC 7636).

use std::fmt;

use super::base64url;
use sha2::{Digest, Sha256};

use super::random::{RandomError, random_urlsafe};

/// The PKCE `code_verifier` (RFC 7636 section 4.1).
///
/// Deliberately not `Clone`: one verifier belongs to one authorization request and is spent by
/// exactly one token exchange. Moving it from the stored transaction into the exchange makes a
/// second use, or a stray copy that outlives the login, a compile error.
#[derive(PartialEq, Eq)]
pub struct PkceVerifier(String);

impl PkceVerifier {
    /// Wraps a verifier read back from the transaction store.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// A fresh verifier with 256 bits of entropy.
    ///
    /// # Errors
    /// [`RandomError`] when the browser offers no CSPRNG.
    pub fn generate() -> Result<Self, RandomError> {
        random_urlsafe().map(Self)
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

/// The `code_challenge` sent with the authorization request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PkceChallenge(String);

impl PkceChallenge {
    /// The only method this app uses; `plain` would defeat the point (RFC 7636 section 4.2).
    pub const METHOD: &'static str = "S256";

    /// The challenge as sent in `code_challenge`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_challenge_matches_rfc7636_appendix_b() {
        let verifier = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            verifier.challenge().as_str(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn debug_output_of_verifier_is_redacted() {
        let verifier = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(format!("{verifier:?}"), "PkceVerifier([redacted])");
    }
}
