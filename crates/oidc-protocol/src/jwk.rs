//! RSA signature keys in a JSON Web Key Set (RFC 7517, RFC 7518 section 6.3), read and written
//! through jsonwebtoken's `jwk` types: which keys of a JWKS may verify RS256 signatures, and
//! how an issuer publishes its own.
//!
//! A key is used only when it is RSA (`kty`), meant for signatures (`use` absent or `sig`,
//! `key_ops` absent or containing `verify`), for RS256 (`alg` absent or `RS256`), has a
//! non-empty `kid`, a 2048 to 8192-bit modulus and an odd exponent above 1, and carries no
//! private member: a published private key means anyone can forge tokens with it. Other keys
//! are skipped with the reason; a `kid` seen twice is dropped altogether because it is ambiguous.

use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, Jwk, JwkSet, KeyAlgorithm, KeyOperations, PublicKeyUse,
    RSAKeyParameters, RSAKeyType,
};
use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::base64url;

/// Smaller RSA moduli are refused (NIST SP 800-131A, RFC 7518 section 3.3).
pub const MIN_RSA_MODULUS_BITS: usize = 2048;
/// Larger moduli only make verification slow; nobody issues them.
pub const MAX_RSA_MODULUS_BITS: usize = 8192;
/// RSA public exponents beyond 64 bits are not used in practice.
const MAX_RSA_EXPONENT_BYTES: usize = 8;
/// JWK members that only private or symmetric keys have (RFC 7518 sections 6.3.2 and 6.4.1).
pub const PRIVATE_KEY_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Why a JWKS document yielded no usable key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JwksError {
    /// The body is not JSON.
    #[error("jwks is not json")]
    Json,
    /// The JSON has no `keys` array.
    #[error("jwks has no keys array")]
    NoKeysArray,
    /// No key passed the checks.
    #[error("jwks has no usable rs256 signing key")]
    NoUsableKeys,
}

/// Why one key of a set was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyRejection {
    /// Not a JWK jsonwebtoken can read (e.g. an unknown `alg`), or not an object.
    #[error("unreadable key")]
    Unreadable,
    /// Not an RSA key.
    #[error("not an rsa key")]
    NotRsa,
    /// `use` is not `sig`, or `key_ops` lacks `verify`.
    #[error("not a signature verification key")]
    NotForVerification,
    /// `alg` is set to something other than `RS256`.
    #[error("not an rs256 key")]
    NotRs256,
    /// No non-empty `kid`.
    #[error("no key id")]
    MissingKeyId,
    /// The key carries private members (`d`, `p`, `q`, ...): the signing key was published.
    #[error("private key material published")]
    PrivateKeyMaterial,
    /// `n` or `e` is not canonical base64url.
    #[error("invalid key encoding")]
    Encoding,
    /// The modulus is outside 2048 to 8192 bits.
    #[error("unacceptable modulus size")]
    ModulusSize,
    /// The exponent is even, 1, or longer than 64 bits.
    #[error("unacceptable exponent")]
    Exponent,
    /// Another key in the set has the same `kid`.
    #[error("key id listed twice")]
    DuplicateKeyId,
}

/// An RSA public key usable for RS256 verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RsaVerificationKey {
    kid: String,
    modulus: Vec<u8>,
    exponent: Vec<u8>,
}

impl RsaVerificationKey {
    /// A key from its big-endian modulus and exponent (leading zero bytes are ignored).
    ///
    /// # Errors
    /// [`KeyRejection::MissingKeyId`], [`KeyRejection::ModulusSize`] or
    /// [`KeyRejection::Exponent`].
    pub fn from_components(
        kid: impl Into<String>,
        modulus: &[u8],
        exponent: &[u8],
    ) -> Result<Self, KeyRejection> {
        let kid = kid.into();
        if kid.is_empty() {
            return Err(KeyRejection::MissingKeyId);
        }
        let modulus = strip_leading_zeros(modulus);
        let exponent = strip_leading_zeros(exponent);
        if !(MIN_RSA_MODULUS_BITS..=MAX_RSA_MODULUS_BITS).contains(&modulus_bits(modulus)) {
            return Err(KeyRejection::ModulusSize);
        }
        let exponent_is_odd = exponent.last().is_some_and(|byte| byte & 1 == 1);
        if exponent.len() > MAX_RSA_EXPONENT_BYTES || !exponent_is_odd || exponent == [1] {
            return Err(KeyRejection::Exponent);
        }
        Ok(Self {
            kid,
            modulus: modulus.to_vec(),
            exponent: exponent.to_vec(),
        })
    }

    /// Reads one JWK from its JSON text, applying every rule of this module but the duplicate
    /// check.
    ///
    /// # Errors
    /// The [`KeyRejection`] saying why the key cannot be used.
    pub fn from_jwk_json(json: &str) -> Result<Self, KeyRejection> {
        // A member of a private key, of any JSON type, is enough to refuse the key.
        let private: PrivateMembers =
            serde_json::from_str(json).map_err(|_| KeyRejection::Unreadable)?;
        if private.is_present() {
            return Err(KeyRejection::PrivateKeyMaterial);
        }
        let jwk: Jwk = serde_json::from_str(json).map_err(|_| KeyRejection::Unreadable)?;
        let AlgorithmParameters::RSA(rsa) = &jwk.algorithm else {
            return Err(KeyRejection::NotRsa);
        };
        let common = &jwk.common;
        if !matches!(common.public_key_use, None | Some(PublicKeyUse::Signature)) {
            return Err(KeyRejection::NotForVerification);
        }
        if common
            .key_operations
            .as_ref()
            .is_some_and(|operations| !operations.contains(&KeyOperations::Verify))
        {
            return Err(KeyRejection::NotForVerification);
        }
        if !matches!(common.key_algorithm, None | Some(KeyAlgorithm::RS256)) {
            return Err(KeyRejection::NotRs256);
        }
        let kid = common.key_id.clone().unwrap_or_default();
        if kid.is_empty() {
            return Err(KeyRejection::MissingKeyId);
        }
        let modulus = base64url::decode(&rsa.n).map_err(|_| KeyRejection::Encoding)?;
        let exponent = base64url::decode(&rsa.e).map_err(|_| KeyRejection::Encoding)?;
        Self::from_components(kid, &modulus, &exponent)
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The modulus, big-endian, without leading zeros.
    pub fn modulus(&self) -> &[u8] {
        &self.modulus
    }

    /// The public exponent, big-endian, without leading zeros.
    pub fn exponent(&self) -> &[u8] {
        &self.exponent
    }

    /// `n` as a JWK carries it (base64url).
    pub fn modulus_base64url(&self) -> String {
        base64url::encode(&self.modulus)
    }

    /// `e` as a JWK carries it (base64url).
    pub fn exponent_base64url(&self) -> String {
        base64url::encode(&self.exponent)
    }

    /// The RFC 7638 SHA-256 thumbprint of this key, as an issuer that names keys by thumbprint
    /// uses for `kid`.
    pub fn thumbprint(&self) -> String {
        rsa_thumbprint(&self.modulus_base64url(), &self.exponent_base64url())
    }

    /// The key as an issuer publishes it: `kty` RSA, `use` sig, `alg` RS256, `kid`, `n`, `e`.
    pub fn to_jwk(&self) -> Jwk {
        Jwk {
            common: CommonParameters {
                public_key_use: Some(PublicKeyUse::Signature),
                key_algorithm: Some(KeyAlgorithm::RS256),
                key_id: Some(self.kid.clone()),
                ..CommonParameters::default()
            },
            algorithm: AlgorithmParameters::RSA(RSAKeyParameters {
                key_type: RSAKeyType::RSA,
                n: self.modulus_base64url(),
                e: self.exponent_base64url(),
            }),
        }
    }
}

/// The usable keys of a JWKS and the ones skipped, with why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerificationKeys {
    /// The keys that may verify RS256 signatures, in document order.
    pub keys: Vec<RsaVerificationKey>,
    /// The skipped keys: their `kid` when they have one, and the reason.
    pub skipped: Vec<(Option<String>, KeyRejection)>,
}

impl VerificationKeys {
    /// The key with this `kid`.
    pub fn find(&self, kid: &str) -> Option<&RsaVerificationKey> {
        self.keys.iter().find(|key| key.kid == kid)
    }
}

/// Reads a JWKS document and keeps the keys that may verify RS256 signatures.
///
/// # Errors
/// [`JwksError`] when the document is broken or has no usable key, so that a caller keeps the
/// keys it already has.
pub fn rs256_verification_keys(document: &[u8]) -> Result<VerificationKeys, JwksError> {
    // Each key is kept as its JSON text, so one unreadable key skips only itself.
    let document: JwkSetDocument<'_> =
        serde_json::from_slice(document).map_err(|error| match error.classify() {
            serde_json::error::Category::Data => JwksError::NoKeysArray,
            _ => JwksError::Json,
        })?;
    let mut found = VerificationKeys::default();
    for entry in document.keys {
        match RsaVerificationKey::from_jwk_json(entry.get()) {
            Ok(key) => found.keys.push(key),
            Err(reason) => found.skipped.push((key_id_of(entry.get()), reason)),
        }
    }
    let mut duplicates: Vec<String> = Vec::new();
    for (index, key) in found.keys.iter().enumerate() {
        if found.keys[index + 1..]
            .iter()
            .any(|later| later.kid == key.kid)
            && !duplicates.contains(&key.kid)
        {
            duplicates.push(key.kid.clone());
        }
    }
    for kid in duplicates {
        found.keys.retain(|key| key.kid != kid);
        found
            .skipped
            .push((Some(kid), KeyRejection::DuplicateKeyId));
    }
    if found.keys.is_empty() {
        return Err(JwksError::NoUsableKeys);
    }
    Ok(found)
}

/// A JWK Set document as read: the keys' JSON texts (RFC 7517 section 5).
#[derive(serde::Deserialize)]
struct JwkSetDocument<'a> {
    #[serde(borrow)]
    keys: Vec<&'a RawValue>,
}

/// The members only private (or symmetric) keys carry; present in any JSON type means refused.
#[derive(serde::Deserialize)]
struct PrivateMembers {
    #[serde(default)]
    d: Option<IgnoredAny>,
    #[serde(default)]
    p: Option<IgnoredAny>,
    #[serde(default)]
    q: Option<IgnoredAny>,
    #[serde(default)]
    dp: Option<IgnoredAny>,
    #[serde(default)]
    dq: Option<IgnoredAny>,
    #[serde(default)]
    qi: Option<IgnoredAny>,
    #[serde(default)]
    oth: Option<IgnoredAny>,
    #[serde(default)]
    k: Option<IgnoredAny>,
}

impl PrivateMembers {
    fn is_present(&self) -> bool {
        [
            &self.d, &self.p, &self.q, &self.dp, &self.dq, &self.qi, &self.oth, &self.k,
        ]
        .iter()
        .any(|member| member.is_some())
    }
}

/// The `kid` of a skipped key, when it has a string one, for the caller's log.
fn key_id_of(json: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct KeyId {
        #[serde(default)]
        kid: Option<String>,
    }
    serde_json::from_str::<KeyId>(json).ok()?.kid
}

/// A JWKS document publishing `keys`.
pub fn jwk_set<'a>(keys: impl IntoIterator<Item = &'a RsaVerificationKey>) -> JwkSet {
    JwkSet {
        keys: keys.into_iter().map(RsaVerificationKey::to_jwk).collect(),
    }
}

/// The RFC 7638 SHA-256 thumbprint of an RSA public key given as base64url `n` and `e`: a
/// stable key id that is unique per key.
pub fn rsa_thumbprint(modulus_base64url: &str, exponent_base64url: &str) -> String {
    // RFC 7638 section 3.2: the required members, in lexicographic order, no whitespace.
    let canonical =
        format!(r#"{{"e":"{exponent_base64url}","kty":"RSA","n":"{modulus_base64url}"}}"#);
    base64url::encode(Sha256::digest(canonical.as_bytes()))
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
    use serde_json::{Value, json};

    fn modulus(bits: usize) -> String {
        let mut bytes = vec![0xff_u8; bits / 8];
        bytes[0] = 0x80 | 0x01;
        base64url::encode(bytes)
    }

    fn rsa_key(kid: &str) -> Value {
        json!({"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": modulus(2048), "e": "AQAB"})
    }

    fn parse(value: Value) -> Result<VerificationKeys, JwksError> {
        rs256_verification_keys(value.to_string().as_bytes())
    }

    fn rejection(key: Value) -> Option<KeyRejection> {
        RsaVerificationKey::from_jwk_json(&key.to_string()).err()
    }

    #[test]
    fn a_plain_rs256_signing_key_is_usable() {
        let keys = parse(json!({"keys": [rsa_key("k1")]})).unwrap();
        assert_eq!(keys.keys.len(), 1);
        assert_eq!(
            keys.find("k1").map(RsaVerificationKey::exponent),
            Some(&[1, 0, 1][..])
        );
        assert!(keys.skipped.is_empty());
    }

    #[test]
    fn optional_members_may_be_absent() {
        let key = json!({"kty": "RSA", "kid": "k", "n": modulus(4096), "e": "AQAB"});
        assert_eq!(rejection(key), None);
    }

    #[test]
    fn keys_for_other_purposes_are_skipped_with_the_reason() {
        let mut encryption = rsa_key("k");
        encryption["use"] = json!("enc");
        let mut sign_only = rsa_key("k");
        sign_only["key_ops"] = json!(["sign"]);
        let mut rs512 = rsa_key("k");
        rs512["alg"] = json!("RS512");
        let mut no_kid = rsa_key("");
        no_kid.as_object_mut().map(|key| key.remove("kid"));
        let ec = json!({"kty": "EC", "kid": "k", "crv": "P-256", "x": "AA", "y": "AA"});
        for (key, reason) in [
            (encryption, KeyRejection::NotForVerification),
            (sign_only, KeyRejection::NotForVerification),
            (rs512, KeyRejection::NotRs256),
            (no_kid, KeyRejection::MissingKeyId),
            (rsa_key(""), KeyRejection::MissingKeyId),
            (ec, KeyRejection::NotRsa),
            (json!("RSA"), KeyRejection::Unreadable),
        ] {
            assert_eq!(rejection(key.clone()), Some(reason), "{key}");
        }
    }

    #[test]
    fn a_key_with_private_members_is_never_used() {
        for member in PRIVATE_KEY_MEMBERS {
            let mut key = rsa_key("k");
            key[member] = json!("AQAB");
            assert_eq!(
                rejection(key),
                Some(KeyRejection::PrivateKeyMaterial),
                "{member}"
            );
        }
    }

    #[test]
    fn weak_odd_or_badly_encoded_keys_are_skipped() {
        let mut small = rsa_key("k");
        small["n"] = json!(modulus(1024));
        let mut huge = rsa_key("k");
        huge["n"] = json!(modulus(8200));
        let mut even = rsa_key("k");
        even["e"] = json!("AQAA");
        let mut one = rsa_key("k");
        one["e"] = json!("AQ");
        let mut padded = rsa_key("k");
        padded["e"] = json!("AQAB==");
        for (key, reason) in [
            (small, KeyRejection::ModulusSize),
            (huge, KeyRejection::ModulusSize),
            (even, KeyRejection::Exponent),
            (one, KeyRejection::Exponent),
            (padded, KeyRejection::Encoding),
        ] {
            assert_eq!(rejection(key), Some(reason));
        }
    }

    #[test]
    fn a_key_id_listed_twice_is_dropped() {
        let keys = parse(json!({"keys": [rsa_key("dup"), rsa_key("dup"), rsa_key("ok")]})).unwrap();
        assert!(keys.find("dup").is_none());
        assert!(keys.find("ok").is_some());
        assert!(
            keys.skipped
                .contains(&(Some("dup".into()), KeyRejection::DuplicateKeyId))
        );
    }

    #[test]
    fn broken_documents_are_errors() {
        assert_eq!(rs256_verification_keys(b"not json"), Err(JwksError::Json));
        assert_eq!(parse(json!({"keys": {}})), Err(JwksError::NoKeysArray));
        assert_eq!(parse(json!({"keys": []})), Err(JwksError::NoUsableKeys));
        assert_eq!(
            parse(json!({"keys": [{"kty": "oct", "k": "AA"}]})),
            Err(JwksError::NoUsableKeys)
        );
    }

    #[test]
    fn published_keys_read_back_as_the_same_key() {
        let key = RsaVerificationKey::from_components("k1", &[0x80; 256], &[1, 0, 1]).unwrap();
        let document = serde_json::to_vec(&jwk_set([&key])).unwrap();
        let value: Value = serde_json::from_slice(&document).unwrap();
        assert_eq!(value["keys"][0]["use"], "sig");
        assert_eq!(value["keys"][0]["alg"], "RS256");
        assert_eq!(value["keys"][0]["kty"], "RSA");
        let back = rs256_verification_keys(&document).unwrap();
        assert_eq!(back.keys, [key]);
    }

    #[test]
    fn rfc7638_thumbprint_example() {
        // RFC 7638 section 3.1.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        assert_eq!(
            rsa_thumbprint(n, "AQAB"),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
        let modulus = base64url::decode(n).unwrap();
        let key = RsaVerificationKey::from_components("k", &modulus, &[1, 0, 1]).unwrap();
        assert_eq!(
            key.thumbprint(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }
}
