//! RS256 signature verification with the browser's WebCrypto (RSASSA-PKCS1-v1_5 + SHA-256).
//!
//! The browser already ships audited RSA code, so the app does not download its own.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use oidc_protocol::RsaVerificationKey;

/// Why a signature was not accepted.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    /// `crypto.subtle` is missing (not a secure context).
    #[error("WebCrypto is not available")]
    Unavailable,
    /// The browser refused the key.
    #[error("the key could not be imported")]
    KeyImport,
    /// The browser could not run the verification.
    #[error("the verification could not run")]
    Verify,
    /// The signature does not match the key and data.
    #[error("the signature does not match")]
    Mismatch,
}

fn set(target: &Object, name: &str, value: &JsValue) -> Result<(), SignatureError> {
    Reflect::set(target, &JsValue::from_str(name), value)
        .map(|_| ())
        .map_err(|_| SignatureError::KeyImport)
}

/// Verifies an RS256 `signature` over `signing_input` with the RSA public key `key`.
///
/// # Errors
/// [`SignatureError::Mismatch`] for a wrong signature; the other variants when WebCrypto fails.
pub async fn verify_rs256(
    key: &RsaVerificationKey,
    signing_input: &str,
    signature: &[u8],
) -> Result<(), SignatureError> {
    let subtle = web_sys::window()
        .and_then(|window| window.crypto().ok())
        .map(|crypto| crypto.subtle())
        .ok_or(SignatureError::Unavailable)?;

    // Only the public members go to importKey, so nothing else in the JWK can change the
    // algorithm or usage.
    let key_data = Object::new();
    set(&key_data, "kty", &JsValue::from_str("RSA"))?;
    set(&key_data, "n", &JsValue::from_str(&key.modulus_base64url()))?;
    set(
        &key_data,
        "e",
        &JsValue::from_str(&key.exponent_base64url()),
    )?;
    set(&key_data, "alg", &JsValue::from_str("RS256"))?;
    set(&key_data, "ext", &JsValue::TRUE)?;

    let algorithm = Object::new();
    set(&algorithm, "name", &JsValue::from_str("RSASSA-PKCS1-v1_5"))?;
    set(&algorithm, "hash", &JsValue::from_str("SHA-256"))?;

    let usages = Array::of1(&JsValue::from_str("verify"));
    let import = subtle
        .import_key_with_object("jwk", &key_data, &algorithm, false, &usages)
        .map_err(|_| SignatureError::KeyImport)?;
    let key: web_sys::CryptoKey = JsFuture::from(import)
        .await
        .map_err(|_| SignatureError::KeyImport)?
        .dyn_into()
        .map_err(|_| SignatureError::KeyImport)?;

    let verification = subtle
        .verify_with_object_and_u8_array_and_u8_array(
            &algorithm,
            &key,
            signature,
            signing_input.as_bytes(),
        )
        .map_err(|_| SignatureError::Verify)?;
    let valid = JsFuture::from(verification)
        .await
        .map_err(|_| SignatureError::Verify)?;
    if valid.as_bool() == Some(true) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}
