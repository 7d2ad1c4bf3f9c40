//! Splitting a compact JWS (RFC 7515 section 7.1) and reading its JOSE header, before anything
//! in it is trusted.
//!
//! The form is strict: exactly three non-empty segments of canonical unpadded base64url, a header
//! and a payload that are JSON objects. [`UnverifiedJwt::rs256_key_id`] then applies the rules
//! for tokens this project verifies: `alg` exactly `RS256` (the token never chooses the
//! algorithm), a non-empty string `kid`, and none of `crit`, `jwk`, `jku`, `x5u`, `x5c` (RFC
//! 7515 section 4.1: no extensions are supported, and keys come only from the issuer's JWKS).

use std::fmt;

use serde::de::{DeserializeOwned, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::base64url;

/// Header parameters that are refused whatever their value.
pub const FORBIDDEN_HEADER_PARAMETERS: [&str; 5] = ["crit", "jwk", "jku", "x5u", "x5c"];

/// Why a token is not a usable JWT.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// Not three canonical base64url segments, or a header or payload that is not a JSON object.
    #[error("malformed token")]
    Malformed,
    /// The header carries `crit`, `jwk`, `jku`, `x5u` or `x5c`.
    #[error("unsupported token header")]
    ForbiddenHeader,
    /// `alg` is not exactly `RS256`.
    #[error("unsupported algorithm")]
    UnsupportedAlgorithm,
    /// The header has no non-empty string `kid`.
    #[error("missing key id")]
    MissingKeyId,
    /// The payload is a JSON object, but not the claims expected (a claim missing or of the
    /// wrong JSON type).
    #[error("invalid claim format")]
    Claims,
}

/// Any JSON object, read as `serde_json::Map` would read it but kept nowhere.
struct AnyObject;

impl<'de> Deserialize<'de> for AnyObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Asked for a map, serde_json refuses any other value before visiting it.
        deserializer
            .deserialize_map(AnyValueVisitor)
            .map(|AnyValue| AnyObject)
    }
}

/// Any JSON value, checked as `serde_json::Value` checks it and kept nowhere: strings decoded
/// (a lone surrogate escape is an error), numbers in range, nesting within serde_json's limit.
/// `IgnoredAny` would check the syntax only.
struct AnyValue;

impl<'de> Deserialize<'de> for AnyValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(AnyValueVisitor)
    }
}

struct AnyValueVisitor;

impl<'de> Visitor<'de> for AnyValueVisitor {
    type Value = AnyValue;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<AnyValue, E> {
        Ok(AnyValue)
    }

    fn visit_i64<E>(self, _: i64) -> Result<AnyValue, E> {
        Ok(AnyValue)
    }

    fn visit_u64<E>(self, _: u64) -> Result<AnyValue, E> {
        Ok(AnyValue)
    }

    fn visit_f64<E>(self, _: f64) -> Result<AnyValue, E> {
        Ok(AnyValue)
    }

    fn visit_str<E>(self, _: &str) -> Result<AnyValue, E> {
        Ok(AnyValue)
    }

    fn visit_unit<E>(self) -> Result<AnyValue, E> {
        Ok(AnyValue)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut elements: A) -> Result<AnyValue, A::Error> {
        while elements.next_element::<AnyValue>()?.is_some() {}
        Ok(AnyValue)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<AnyValue, A::Error> {
        while members.next_entry::<AnyValue, AnyValue>()?.is_some() {}
        Ok(AnyValue)
    }
}

/// A JWT split into its parts; nothing in it is verified.
#[derive(Clone, Debug)]
pub struct UnverifiedJwt<'a> {
    signing_input: &'a str,
    header: Map<String, Value>,
    header_json: String,
    payload_json: String,
    signature: Vec<u8>,
}

impl<'a> UnverifiedJwt<'a> {
    /// Splits and decodes `token`.
    ///
    /// # Errors
    /// [`JwtError::Malformed`] when it is not a compact JWS with JSON object header and payload.
    pub fn parse(token: &'a str) -> Result<Self, JwtError> {
        let mut segments = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            return Err(JwtError::Malformed);
        };
        let decode = |segment: &str| {
            if segment.is_empty() {
                return Err(JwtError::Malformed);
            }
            base64url::decode(segment).map_err(|_| JwtError::Malformed)
        };
        let header_json = String::from_utf8(decode(header)?).map_err(|_| JwtError::Malformed)?;
        let payload_json = String::from_utf8(decode(payload)?).map_err(|_| JwtError::Malformed)?;
        let signature = decode(signature)?;
        let header_map: Map<String, Value> =
            serde_json::from_str(&header_json).map_err(|_| JwtError::Malformed)?;
        // Well-formed JSON, and an object: typed decoding can then only miss claims. Checked
        // as a map of values would be, without building one: that cost a server more than the
        // rest of this function.
        serde_json::from_str::<AnyObject>(&payload_json).map_err(|_| JwtError::Malformed)?;
        let signing_input_length = header.len() + 1 + payload.len();
        Ok(Self {
            signing_input: &token[..signing_input_length],
            header: header_map,
            header_json,
            payload_json,
            signature,
        })
    }

    /// Checks the header rules for RS256 tokens and returns the `kid`.
    ///
    /// # Errors
    /// [`JwtError::ForbiddenHeader`], [`JwtError::UnsupportedAlgorithm`],
    /// [`JwtError::Malformed`] (a `typ` that is not a string) or [`JwtError::MissingKeyId`].
    pub fn rs256_key_id(&self) -> Result<&str, JwtError> {
        if FORBIDDEN_HEADER_PARAMETERS
            .iter()
            .any(|name| self.header.contains_key(*name))
        {
            return Err(JwtError::ForbiddenHeader);
        }
        if self.algorithm() != Some("RS256") {
            return Err(JwtError::UnsupportedAlgorithm);
        }
        if self.header.get("typ").is_some_and(|typ| !typ.is_string()) {
            return Err(JwtError::Malformed);
        }
        self.key_id().ok_or(JwtError::MissingKeyId)
    }

    /// The header's `alg`, when it is a string.
    pub fn algorithm(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }

    /// The header's `kid`, when it is a non-empty string.
    pub fn key_id(&self) -> Option<&str> {
        self.header
            .get("kid")
            .and_then(Value::as_str)
            .filter(|kid| !kid.is_empty())
    }

    /// The header's `typ`, when it is a string (e.g. `JWT`, `at+jwt`).
    pub fn token_type(&self) -> Option<&str> {
        self.header.get("typ").and_then(Value::as_str)
    }

    /// The header's JSON text, for display.
    pub fn header_json(&self) -> &str {
        &self.header_json
    }

    /// The payload's JSON text (a JSON object), for display.
    pub fn payload_json(&self) -> &str {
        &self.payload_json
    }

    /// `BASE64URL(header) || '.' || BASE64URL(payload)`: the bytes that were signed.
    pub fn signing_input(&self) -> &'a str {
        self.signing_input
    }

    /// The decoded signature.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// Decodes the payload into a typed claims struct.
    ///
    /// # Errors
    /// [`JwtError::Claims`] when a required claim is missing or has the wrong JSON type.
    pub fn claims<T: DeserializeOwned>(&self) -> Result<T, JwtError> {
        serde_json::from_str(&self.payload_json).map_err(|_| JwtError::Claims)
    }

    /// The `exp` claim in seconds since the epoch, when present as a non-negative whole number.
    pub fn expires_at(&self) -> Option<u64> {
        #[derive(serde::Deserialize)]
        struct Expiry {
            #[serde(default)]
            exp: Option<u64>,
        }
        self.claims::<Expiry>().ok()?.exp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(value: &Value) -> String {
        base64url::encode(value.to_string())
    }

    fn token(header: Value, claims: Value) -> String {
        format!("{}.{}.c2ln", segment(&header), segment(&claims))
    }

    fn token_with_header(header: Value) -> String {
        token(header, serde_json::json!({"sub": "x"}))
    }

    #[test]
    fn a_well_formed_token_is_split_into_header_claims_and_signature() {
        let text = token(
            serde_json::json!({"alg": "RS256", "kid": "k1", "typ": "JWT"}),
            serde_json::json!({"sub": "u", "exp": 10}),
        );
        let jwt = UnverifiedJwt::parse(&text).unwrap();
        assert_eq!(jwt.rs256_key_id(), Ok("k1"));
        assert_eq!(jwt.token_type(), Some("JWT"));
        assert_eq!(jwt.expires_at(), Some(10));
        assert_eq!(jwt.signature(), b"sig");
        assert_eq!(format!("{}.c2ln", jwt.signing_input()), text);
        assert!(jwt.payload_json().contains("\"sub\":\"u\""));
    }

    #[test]
    fn forbidden_header_parameters_are_rejected() {
        for name in FORBIDDEN_HEADER_PARAMETERS {
            let mut header = serde_json::json!({"alg": "RS256", "kid": "k1"});
            header[name] = serde_json::json!("x");
            let text = token_with_header(header);
            assert_eq!(
                UnverifiedJwt::parse(&text).unwrap().rs256_key_id(),
                Err(JwtError::ForbiddenHeader),
                "{name}"
            );
        }
    }

    #[test]
    fn algorithm_comes_only_from_configuration() {
        for alg in [
            serde_json::json!("none"),
            serde_json::json!("HS256"),
            serde_json::json!("rs256"),
            serde_json::json!("RS384"),
            serde_json::json!(null),
        ] {
            let text = token_with_header(serde_json::json!({"alg": alg, "kid": "k1"}));
            assert_eq!(
                UnverifiedJwt::parse(&text).unwrap().rs256_key_id(),
                Err(JwtError::UnsupportedAlgorithm),
                "{alg}"
            );
        }
    }

    #[test]
    fn key_id_must_be_a_non_empty_string_and_typ_a_string() {
        for kid in [
            serde_json::json!(1),
            serde_json::json!(""),
            serde_json::json!(["k1"]),
        ] {
            let text = token_with_header(serde_json::json!({"alg": "RS256", "kid": kid}));
            assert_eq!(
                UnverifiedJwt::parse(&text).unwrap().rs256_key_id(),
                Err(JwtError::MissingKeyId)
            );
        }
        let text = token_with_header(serde_json::json!({"alg": "RS256", "kid": "k", "typ": 1}));
        assert_eq!(
            UnverifiedJwt::parse(&text).unwrap().rs256_key_id(),
            Err(JwtError::Malformed)
        );
    }

    #[test]
    fn non_compact_or_non_canonical_forms_are_malformed() {
        let good = token_with_header(serde_json::json!({"alg": "RS256", "kid": "k1"}));
        let (head, _) = good.rsplit_once('.').unwrap();
        let array_payload = format!("{}.W10.c2ln", segment(&serde_json::json!({"alg": "RS256"})));
        let text_payload = format!(
            "{}.bm9w.c2ln",
            segment(&serde_json::json!({"alg": "RS256"}))
        );
        for text in [
            "abc".to_owned(),
            "opaque-token".to_owned(),
            "a.b".to_owned(),
            format!("{good}.extra"),
            format!("{head}."),
            format!("{head}.c2ln="),
            format!("{head}.YR"),
            format!("{head}.c2l+"),
            format!(".{good}"),
            format!("{}.e30.c2ln", base64url::encode("[1]")),
            array_payload,
            text_payload,
            format!(
                "{}.{}.c2ln",
                base64url::encode("{}"),
                base64url::encode("{\"a\":1")
            ),
            format!(
                "{}.{}.c2ln",
                base64url::encode("{}"),
                base64url::encode("{} x")
            ),
            format!(
                "{}.{}.c2ln",
                base64url::encode("{}"),
                base64url::encode("{\"a\":}")
            ),
        ] {
            assert_eq!(
                UnverifiedJwt::parse(&text).err(),
                Some(JwtError::Malformed),
                "{text}"
            );
        }
    }

    #[test]
    fn payloads_are_checked_as_a_map_of_json_values_would_be() {
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(200), "]".repeat(200));
        let cases = [
            r#"{"sub":"\uD800"}"#,
            r#"{"x":{"y":"\uDC00"}}"#,
            r#"{"x":{"\uD800":1}}"#,
            r#"{"x":1e400}"#,
            r#"{"x":-1e400}"#,
            &format!(r#"{{"x":{}}}"#, "9".repeat(400)),
            &deep,
            r#"{"x":"\uD83D\uDE00","y":[1,-2,3.5,true,null,{}],"y":0}"#,
            r#"{"x":"\u00e9\n"}"#,
        ];
        for payload in cases {
            let text = format!(
                "{}.{}.c2ln",
                base64url::encode("{}"),
                base64url::encode(payload)
            );
            let as_map = serde_json::from_str::<Map<String, Value>>(payload).is_ok();
            assert_eq!(UnverifiedJwt::parse(&text).is_ok(), as_map, "{payload}");
        }
    }

    #[test]
    fn claims_of_the_wrong_shape_are_a_claims_error() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Needs {
            exp: u64,
        }
        let text = token(
            serde_json::json!({"alg": "RS256"}),
            serde_json::json!({"exp": "soon"}),
        );
        let jwt = UnverifiedJwt::parse(&text).unwrap();
        assert_eq!(jwt.claims::<Needs>().err(), Some(JwtError::Claims));
        assert_eq!(jwt.expires_at(), None);
    }
}
