//! RSA keys generated once per test binary (key generation is slow).

use std::sync::OnceLock;

use jsonwebtoken::EncodingKey;
use oidc_protocol::base64url;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{Value, json};

/// A signing key with its `kid`.
pub struct TestKey {
    pub kid: &'static str,
    pub encoding: EncodingKey,
    /// The private key as PKCS #1 DER, for signers other than jsonwebtoken.
    pub pkcs1_der: Vec<u8>,
    public: RsaPublicKey,
}

impl TestKey {
    fn generate(kid: &'static str, bits: usize) -> Self {
        let private =
            RsaPrivateKey::new(&mut rand::thread_rng(), bits).expect("rsa key generation");
        let der = private.to_pkcs1_der().expect("pkcs1 der");
        Self {
            kid,
            encoding: EncodingKey::from_rsa_der(der.as_bytes()),
            pkcs1_der: der.as_bytes().to_vec(),
            public: private.to_public_key(),
        }
    }

    /// The public key as a JWKS entry.
    pub fn jwk(&self) -> Value {
        json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": base64url::encode(self.public.n().to_bytes_be()),
            "e": base64url::encode(self.public.e().to_bytes_be()),
        })
    }

    /// The public modulus and exponent, big-endian.
    pub fn public_components(&self) -> (Vec<u8>, Vec<u8>) {
        (self.public.n().to_bytes_be(), self.public.e().to_bytes_be())
    }

    /// The public key as SPKI PEM, the bytes an HS256 key-confusion attack would use.
    pub fn public_pem(&self) -> String {
        self.public
            .to_public_key_pem(LineEnding::LF)
            .expect("public pem")
    }
}

pub fn primary_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| TestKey::generate("key-1", 2048))
}

pub fn secondary_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| TestKey::generate("key-2", 2048))
}

/// A 1024-bit key, too small to be accepted from a JWKS.
pub fn weak_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| TestKey::generate("weak", 1024))
}
