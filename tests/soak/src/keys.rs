//! The test issuer's RSA signing keys, generated here, and RS256 tokens signed with them.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use oidc_protocol::base64url;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{Value, json};

/// The modulus size of every key, as Auth0's.
const KEY_BITS: usize = 2048;

/// Why a key could not be made or a token signed.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// RSA key generation failed.
    #[error("cannot generate an rsa key")]
    Generate(#[source] rsa::Error),
    /// The key could not be written as PKCS #1 DER for the signer.
    #[error("cannot encode an rsa key")]
    Encode(#[source] rsa::pkcs1::Error),
    /// Signing a token failed.
    #[error("cannot sign a token")]
    Sign(#[source] jsonwebtoken::errors::Error),
    /// A token cannot be sent in a header (a bug in the minting: they are base64url and dots).
    #[error("a token is not a valid header value")]
    HeaderValue(#[from] hyper::http::header::InvalidHeaderValue),
}

/// A signing key and its `kid`.
pub struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    public: RsaPublicKey,
}

impl SigningKey {
    /// A fresh 2048-bit key named `kid`.
    ///
    /// # Errors
    /// [`KeyError::Generate`] or [`KeyError::Encode`].
    pub fn generate(kid: &str) -> Result<Self, KeyError> {
        let private =
            RsaPrivateKey::new(&mut rand::thread_rng(), KEY_BITS).map_err(KeyError::Generate)?;
        let der = private.to_pkcs1_der().map_err(KeyError::Encode)?;
        Ok(Self {
            kid: kid.to_owned(),
            encoding: EncodingKey::from_rsa_der(der.as_bytes()),
            public: private.to_public_key(),
        })
    }

    /// The key id tokens name in their header.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWKS entry (RFC 7517 section 4, RFC 7518 section 6.3).
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

    /// `claims` signed with RS256 under a header naming `kid`, which need not be this key's.
    ///
    /// # Errors
    /// [`KeyError::Sign`].
    pub fn sign_as(&self, kid: &str, claims: &Value) -> Result<String, KeyError> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.to_owned());
        jsonwebtoken::encode(&header, claims, &self.encoding).map_err(KeyError::Sign)
    }

    /// `claims` signed with RS256 under this key's `kid`.
    ///
    /// # Errors
    /// [`KeyError::Sign`].
    pub fn sign(&self, claims: &Value) -> Result<String, KeyError> {
        self.sign_as(&self.kid, claims)
    }
}
