//! Unguessable values (state, nonce, PKCE verifier) from the browser's CSPRNG.

use super::base64url;

/// Bytes of entropy behind every state, nonce and verifier: 256 bits.
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

/// Returns [`RANDOM_BYTES`] random bytes from `window.crypto.getRandomValues`, base64url-encoded
/// without padding (43 characters, all allowed in a PKCE verifier by RFC 7636 section 4.1).
///
/// # Errors
/// [`RandomError`] when the browser offers no CSPRNG.
pub fn random_urlsafe() -> Result<String, RandomError> {
    let crypto = web_sys::window()
        .ok_or(RandomError::CryptoUnavailable)?
        .crypto()
        .map_err(|_| RandomError::CryptoUnavailable)?;
    let mut bytes = [0u8; RANDOM_BYTES];
    crypto
        .get_random_values_with_u8_array(&mut bytes)
        .map_err(|_| RandomError::GetRandomValues)?;
    Ok(base64url::encode(bytes))
}
