//! RS256 signatures (RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 section 3.3), checked with ring.
//!
//! Not with jsonwebtoken's `decode`, because jsonwebtoken picks one crypto backend per process
//! from its crate features. Its `rust_crypto` backend (the rsa crate) takes about 300 µs per
//! RSA-2048 verification, ten times ring's 30 µs (`cargo xtask bench api` times both), and every
//! token the verified-token cache has not seen pays it: a new user, a renewed token, and every
//! forged token an attacker sends. Its `aws_lc_rs` backend, enabled beside the `rust_crypto`
//! that other crates of the same build enable (a tenant that signs, tests that mint), makes
//! jsonwebtoken panic at the first signature unless a provider is installed process-wide,
//! which a library cannot own. ring is already built into this crate for the TLS of JWKS
//! fetches (rustls), so using it adds no dependency, and it never touches jsonwebtoken's
//! process-wide state.

use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};

use crate::token::TokenError;

/// An issuer's RSA public key, for RS256 only. The key size (2048 to 8192 bits) is checked
/// again at each verification.
pub(crate) struct Rs256Key(RsaPublicKeyComponents<Vec<u8>>);

impl Rs256Key {
    /// The key with big-endian `modulus` and `exponent`, without leading zero bytes.
    pub(crate) fn new(modulus: &[u8], exponent: &[u8]) -> Self {
        Self(RsaPublicKeyComponents {
            n: modulus.to_vec(),
            e: exponent.to_vec(),
        })
    }

    /// Checks that `signature` is this key's RS256 signature of `signing_input`
    /// (`BASE64URL(header) || '.' || BASE64URL(payload)`, RFC 7515 section 5.2).
    ///
    /// # Errors
    /// [`TokenError::BadSignature`] when it is not, including when the key is outside the
    /// accepted sizes.
    pub(crate) fn verify(&self, signing_input: &[u8], signature: &[u8]) -> Result<(), TokenError> {
        self.0
            .verify(&RSA_PKCS1_2048_8192_SHA256, signing_input, signature)
            .map_err(|_| TokenError::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use jsonwebtoken::{Algorithm, EncodingKey};
    use oidc_protocol::base64url;
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::traits::PublicKeyParts;
    use rsa::{RsaPrivateKey, RsaPublicKey};

    use super::*;

    const MESSAGE: &[u8] = b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0";

    struct Pair {
        private: EncodingKey,
        public: RsaPublicKey,
    }

    fn generate(bits: usize) -> Pair {
        let private = RsaPrivateKey::new(&mut rand::thread_rng(), bits).unwrap();
        Pair {
            private: EncodingKey::from_rsa_der(private.to_pkcs1_der().unwrap().as_bytes()),
            public: private.to_public_key(),
        }
    }

    fn pair() -> &'static Pair {
        static PAIR: OnceLock<Pair> = OnceLock::new();
        PAIR.get_or_init(|| generate(2048))
    }

    fn key_of(pair: &Pair) -> Rs256Key {
        Rs256Key::new(
            &pair.public.n().to_bytes_be(),
            &pair.public.e().to_bytes_be(),
        )
    }

    /// Signed by the rsa crate through jsonwebtoken, so ring is checked against another
    /// implementation.
    fn signature(pair: &Pair, message: &[u8]) -> Vec<u8> {
        let encoded = jsonwebtoken::crypto::sign(message, &pair.private, Algorithm::RS256).unwrap();
        base64url::decode(&encoded).unwrap()
    }

    #[test]
    fn signature_by_the_key_over_the_signing_input_verifies() {
        let pair = pair();
        assert_eq!(
            key_of(pair).verify(MESSAGE, &signature(pair, MESSAGE)),
            Ok(())
        );
    }

    #[test]
    fn any_change_to_message_or_signature_fails() {
        let pair = pair();
        let key = key_of(pair);
        let signature = signature(pair, MESSAGE);
        let mut changed = MESSAGE.to_vec();
        changed[5] ^= 1;
        assert_eq!(
            key.verify(&changed, &signature),
            Err(TokenError::BadSignature)
        );
        for index in [0, 100, signature.len() - 1] {
            let mut forged = signature.clone();
            forged[index] ^= 1;
            assert_eq!(
                key.verify(MESSAGE, &forged),
                Err(TokenError::BadSignature),
                "{index}"
            );
        }
        assert_eq!(
            key.verify(MESSAGE, &signature[1..]),
            Err(TokenError::BadSignature)
        );
        assert_eq!(key.verify(MESSAGE, &[]), Err(TokenError::BadSignature));
    }

    #[test]
    fn signature_by_another_key_fails() {
        let other = generate(2048);
        assert_eq!(
            key_of(pair()).verify(MESSAGE, &signature(&other, MESSAGE)),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn key_under_2048_bits_never_verifies() {
        let weak = generate(1024);
        assert_eq!(
            key_of(&weak).verify(MESSAGE, &signature(&weak, MESSAGE)),
            Err(TokenError::BadSignature)
        );
    }
}
