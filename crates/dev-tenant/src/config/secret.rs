//! A confidential client's secret: read from the configuration, compared in constant time,
//! never printed.

use std::fmt;

use oidc_protocol::constant_time::constant_time_eq;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The shortest client secret the tenant accepts, in characters: 32 unreserved characters are
/// about 190 bits. Auth0 generates 64.
pub const MIN_CLIENT_SECRET_CHARS: usize = 32;
/// The longest client secret the tenant accepts, in characters.
pub const MAX_CLIENT_SECRET_CHARS: usize = 512;

/// The `client_secret` of a confidential client (RFC 6749 section 2.3.1). `Debug` prints
/// `ClientSecret([redacted])`; the only comparison is [`ClientSecret::verify`], which takes as
/// long whatever part of the secret a guess gets right.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct ClientSecret(String);

impl ClientSecret {
    /// Wraps a secret from the configuration.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself: only for validating the configuration or sending it, never for
    /// logging.
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// Whether `presented` is this secret. Both are hashed with SHA-256 and the digests
    /// compared without an early exit, so neither how many leading characters matched nor the
    /// secret's length shows in the time taken.
    pub fn verify(&self, presented: &str) -> bool {
        let expected = Sha256::digest(self.0.as_bytes());
        let presented = Sha256::digest(presented.as_bytes());
        constant_time_eq(&expected, &presented)
    }
}

/// Equal secrets, compared as [`ClientSecret::verify`] compares them.
impl PartialEq for ClientSecret {
    fn eq(&self, other: &Self) -> bool {
        self.verify(&other.0)
    }
}

impl Eq for ClientSecret {}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "local-m2m-secret-for-development-only";

    #[test]
    fn debug_output_of_a_client_secret_is_redacted() {
        let secret = ClientSecret::new(SECRET);
        assert_eq!(format!("{secret:?}"), "ClientSecret([redacted])");
        assert_eq!(
            format!("{:?}", Some(&secret)),
            "Some(ClientSecret([redacted]))"
        );
    }

    #[test]
    fn only_the_exact_secret_verifies() {
        let secret = ClientSecret::new(SECRET);
        assert!(secret.verify(SECRET));
        let mut last_changed = SECRET.to_owned();
        last_changed.pop();
        last_changed.push('x');
        for wrong in [
            "",
            "local-m2m-secret",
            &SECRET[..SECRET.len() - 1],
            &format!("{SECRET}x"),
            &last_changed,
            &SECRET.to_uppercase(),
            &format!(" {SECRET}"),
        ] {
            assert!(!secret.verify(wrong), "{wrong:?}");
        }
    }

    #[test]
    fn secrets_compare_equal_by_content() {
        assert_eq!(ClientSecret::new(SECRET), ClientSecret::new(SECRET));
        assert_ne!(ClientSecret::new(SECRET), ClientSecret::new("another"));
    }

    #[test]
    fn a_secret_reads_from_a_plain_string() {
        let secret: ClientSecret =
            serde_json::from_str(&format!("\"{SECRET}\"")).expect("a string");
        assert!(secret.verify(SECRET));
        assert_eq!(secret.secret(), SECRET);
    }
}
