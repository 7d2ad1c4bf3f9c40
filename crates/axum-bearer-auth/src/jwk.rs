//! Choosing the usable signing keys out of a JWKS document (RFC 7517, RFC 7518 section 6.3).

use std::collections::HashMap;
use std::sync::Arc;

use jsonwebtoken::DecodingKey;
use serde_json::Value;

use crate::base64url;

/// Smaller RSA moduli are refused (NIST SP 800-131A, RFC 7518 section 3.3).
const MIN_RSA_MODULUS_BITS: usize = 2048;
/// Larger moduli only make verification slow; nobody issues them.
const MAX_RSA_MODULUS_BITS: usize = 8192;
/// RSA public exponents beyond 64 bits are not used in practice.
const MAX_RSA_EXPONENT_BYTES: usize = 8;

/// Verification keys by `kid`, decoded and checked once per JWKS fetch, not per request.
pub(crate) type KeySet = HashMap<String, Arc<DecodingKey>>;

/// Why a JWKS document yielded no keys.
#[derive(Debug, thiserror::Error)]
pub(crate) enum JwksDocumentError {
    /// The body is not JSON.
    #[error("jwks is not json")]
    Json(#[from] serde_json::Error),
    /// The JSON has no `keys` array.
    #[error("jwks has no keys array")]
    NoKeysArray,
    /// No key passed the checks in [`usable_keys`].
    #[error("jwks has no usable rs256 signing key")]
    NoUsableKeys,
}

/// Keeps the keys that are RSA (`kty`), meant for signatures (`use` absent or `sig`), for RS256
/// (`alg` absent or `RS256`), carry a `kid`, and have a modulus of 2048 to 8192 bits. Keys that
/// fail are skipped; a `kid` seen twice is dropped altogether because it is ambiguous.
///
/// # Errors
/// [`JwksDocumentError`] when the document is broken or has no usable key, so that the caller
/// keeps the keys it already has.
pub(crate) fn usable_keys(document: &[u8]) -> Result<KeySet, JwksDocumentError> {
    let document: Value = serde_json::from_slice(document)?;
    let keys = document
        .get("keys")
        .and_then(Value::as_array)
        .ok_or(JwksDocumentError::NoKeysArray)?;
    let mut usable = KeySet::new();
    let mut ambiguous = Vec::new();
    for key in keys {
        let Some((kid, decoding_key)) = usable_key(key) else {
            continue;
        };
        if usable.insert(kid.clone(), Arc::new(decoding_key)).is_some() {
            ambiguous.push(kid);
        }
    }
    for kid in ambiguous {
        tracing::warn!(kid = ?kid, "jwks lists a key id twice; ignoring it");
        usable.remove(&kid);
    }
    if usable.is_empty() {
        return Err(JwksDocumentError::NoUsableKeys);
    }
    Ok(usable)
}

fn usable_key(key: &Value) -> Option<(String, DecodingKey)> {
    let text = |name: &str| key.get(name).map(Value::as_str);
    if text("kty")? != Some("RSA") {
        return None;
    }
    if !matches!(text("use"), None | Some(Some("sig")))
        || !matches!(text("alg"), None | Some(Some("RS256")))
    {
        return None;
    }
    if let Some(operations) = key.get("key_ops") {
        let operations = operations.as_array()?;
        if !operations
            .iter()
            .any(|operation| operation.as_str() == Some("verify"))
        {
            return None;
        }
    }
    let kid = text("kid")??.to_owned();
    if kid.is_empty() {
        return None;
    }
    let modulus = base64url::decode(text("n")??).ok()?;
    let exponent = base64url::decode(text("e")??).ok()?;
    let modulus = strip_leading_zeros(&modulus);
    let exponent = strip_leading_zeros(&exponent);
    let bits = modulus_bits(modulus);
    if !(MIN_RSA_MODULUS_BITS..=MAX_RSA_MODULUS_BITS).contains(&bits) {
        tracing::warn!(kid = ?kid, bits, "jwks key has an unacceptable rsa modulus size; ignoring it");
        return None;
    }
    let exponent_is_odd = exponent.last().is_some_and(|byte| byte & 1 == 1);
    if exponent.is_empty()
        || exponent.len() > MAX_RSA_EXPONENT_BYTES
        || !exponent_is_odd
        || exponent == [1]
    {
        return None;
    }
    Some((kid, DecodingKey::from_rsa_raw_components(modulus, exponent)))
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes
        .iter()
        .position(|byte| *byte != 0)
        .unwrap_or(bytes.len());
    &bytes[first..]
}

fn modulus_bits(modulus: &[u8]) -> usize {
    match modulus.first() {
        Some(first) => modulus.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::json;

    fn modulus(bits: usize) -> String {
        let mut bytes = vec![0xff_u8; bits / 8];
        bytes[0] = 0x80 | 0x01;
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn rsa_key(kid: &str) -> Value {
        json!({"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": modulus(2048), "e": "AQAB"})
    }

    fn parse(value: Value) -> Result<KeySet, JwksDocumentError> {
        usable_keys(value.to_string().as_bytes())
    }

    #[test]
    fn rsa_signing_key_is_usable() {
        let keys = parse(json!({"keys": [rsa_key("a")]})).unwrap();
        assert!(keys.contains_key("a"));
    }

    #[test]
    fn optional_use_and_alg_may_be_absent() {
        let keys =
            parse(json!({"keys": [{"kty": "RSA", "kid": "a", "n": modulus(2048), "e": "AQAB"}]}))
                .unwrap();
        assert_eq!(keys.len(), 1);
    }

    #[test]
    fn unfit_keys_are_skipped() {
        let mut encryption = rsa_key("enc");
        encryption["use"] = json!("enc");
        let mut other_alg = rsa_key("ps");
        other_alg["alg"] = json!("PS256");
        let mut small = rsa_key("small");
        small["n"] = json!(modulus(1024));
        let mut no_kid = rsa_key("x");
        no_kid.as_object_mut().unwrap().remove("kid");
        let mut wrong_type = rsa_key("typed");
        wrong_type["alg"] = json!(256);
        let mut even_exponent = rsa_key("even");
        even_exponent["e"] = json!("AQAA");
        let ec = json!({"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"});
        let keys = parse(json!({"keys": [encryption, other_alg, small, no_kid, wrong_type, even_exponent, ec, rsa_key("good")]}))
            .unwrap();
        assert_eq!(keys.keys().collect::<Vec<_>>(), ["good"]);
    }

    #[test]
    fn modulus_size_ignores_leading_zero_bytes() {
        let mut padded = vec![0_u8; 4];
        padded.extend(vec![0x01_u8; 2048 / 8]);
        let mut key = rsa_key("padded");
        key["n"] = json!(URL_SAFE_NO_PAD.encode(padded));
        assert!(matches!(
            parse(json!({"keys": [key]})),
            Err(JwksDocumentError::NoUsableKeys)
        ));
    }

    #[test]
    fn duplicate_kid_is_dropped() {
        let keys = parse(json!({"keys": [rsa_key("dup"), rsa_key("dup"), rsa_key("ok")]})).unwrap();
        assert_eq!(keys.keys().collect::<Vec<_>>(), ["ok"]);
    }

    #[test]
    fn broken_documents_are_errors() {
        assert!(matches!(
            usable_keys(b"not json"),
            Err(JwksDocumentError::Json(_))
        ));
        assert!(matches!(
            parse(json!({"keys": "x"})),
            Err(JwksDocumentError::NoKeysArray)
        ));
        assert!(matches!(
            parse(json!({"keys": []})),
            Err(JwksDocumentError::NoUsableKeys)
        ));
    }
}
