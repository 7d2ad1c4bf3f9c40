//! Unguessable values (state, nonce, PKCE verifier) from the browser's CSPRNG.

use oidc_protocol::PkceVerifier;
use oidc_protocol::base64url;
use oidc_protocol::pkce::VERIFIER_ENTROPY_BYTES;

/// Bytes of entropy behind every state and nonce: 256 bits.
pub const RANDOM_BYTES: usize = 32;

/// Why no random value could be produced.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum RandomError {
    /// There is no `window.crypto` (not a browser, or a very old one).
    #[error("window.crypto is not available")]
    CryptoUnavailable,
    /// `crypto.getRandomValues` threw.
    #[error("crypto.getRandomValues failed")]
    GetRandomValues,
}

fn random_bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let crypto = web_sys::window()
        .ok_or(RandomError::CryptoUnavailable)?
        .crypto()
        .map_err(|_| RandomError::CryptoUnavailable)?;
    let mut bytes = [0u8; N];
    crypto
        .get_random_values_with_u8_array(&mut bytes)
        .map_err(|_| RandomError::GetRandomValues)?;
    Ok(bytes)
}

/// [`RANDOM_BYTES`] random bytes from `crypto.getRandomValues`, base64url without padding
/// (43 characters).
///
/// # Errors
/// [`RandomError`] when the browser offers no CSPRNG.
pub fn random_urlsafe() -> Result<String, RandomError> {
    random_bytes::<RANDOM_BYTES>().map(base64url::encode)
}

/// A fresh PKCE verifier with 256 bits of entropy (RFC 7636 section 7.1).
///
/// # Errors
/// [`RandomError`] when the browser offers no CSPRNG.
pub fn random_pkce_verifier() -> Result<PkceVerifier, RandomError> {
    random_bytes::<VERIFIER_ENTROPY_BYTES>().map(|bytes| PkceVerifier::from_random_bytes(&bytes))
}
