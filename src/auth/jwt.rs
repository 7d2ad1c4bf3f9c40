//! Splitting and decoding a compact JWS (RFC 7515 section 7.1) without trusting it yet.

use std::sync::Arc;

use super::base64url;
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Why a string is not a usable JWT.
#[derive(Clone, Debug, thiserror::Error)]
pub enum JwtError {
    /// Not three dot-separated parts.
    #[error("not three dot-separated parts")]
    Shape,
    /// A part is not base64url.
    #[error("a part is not base64url")]
    Base64,
    /// The header or payload is not the expected JSON.
    #[error("header or payload is not the expected JSON")]
    Json(#[source] Arc<serde_json::Error>),
    /// The payload is JSON but not an object.
    #[error("the payload is not a JSON object")]
    NotAnObject,
}

/// The JOSE header fields this app looks at.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct JwtHeader {
    /// The signature algorithm, e.g. `RS256`.
    pub alg: String,
    /// The key id used to pick the key from the JWKS.
    #[serde(default)]
    pub kid: Option<String>,
    /// The token type, e.g. `JWT` or `at+jwt`.
    #[serde(default)]
    pub typ: Option<String>,
}

/// A JWT split into its parts; nothing in it is verified.
#[derive(Clone, Debug)]
pub struct UnverifiedJwt {
    /// The decoded header.
    pub header: JwtHeader,
    /// The header's JSON text, for display.
    pub header_text: String,
    /// The payload's JSON text (a JSON object), for display and typed decoding.
    pub claims_text: String,
    /// `BASE64URL(header) || '.' || BASE64URL(payload)`, the bytes that were signed.
    pub signing_input: String,
    /// The decoded signature.
    pub signature: Vec<u8>,
}

impl UnverifiedJwt {
    /// Splits and decodes `token`.
    ///
    /// # Errors
    /// [`JwtError`] when it is not a compact JWS with JSON header and payload.
    pub fn parse(token: &str) -> Result<Self, JwtError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Shape);
        };
        let header_bytes = base64url::decode(header).map_err(|_| JwtError::Base64)?;
        let payload_bytes = base64url::decode(payload).map_err(|_| JwtError::Base64)?;
        let signature = base64url::decode(signature).map_err(|_| JwtError::Base64)?;
        let header_text = String::from_utf8(header_bytes).map_err(|_| JwtError::Base64)?;
        let claims_text = String::from_utf8(payload_bytes).map_err(|_| JwtError::Base64)?;
        let parsed_header = serde_json::from_str(&header_text).map_err(json_error)?;
        // Well-formed JSON, and an object: typed decoding later can then only miss claims.
        serde_json::from_str::<serde::de::IgnoredAny>(&claims_text).map_err(json_error)?;
        if !claims_text.trim_start().starts_with('{') {
            return Err(JwtError::NotAnObject);
        }
        Ok(Self {
            header: parsed_header,
            header_text,
            claims_text,
            signing_input: format!("{header}.{payload}"),
            signature,
        })
    }

    /// Decodes the payload into a typed claims struct.
    ///
    /// # Errors
    /// [`JwtError::Json`] when a required claim is missing or has the wrong type.
    pub fn claims<T: DeserializeOwned>(&self) -> Result<T, JwtError> {
        serde_json::from_str(&self.claims_text).map_err(json_error)
    }

    /// The `exp` claim in seconds since the epoch, if present and a whole number.
    pub fn expires_at_secs(&self) -> Option<i64> {
        #[derive(Deserialize)]
        struct Expiry {
            #[serde(default)]
            exp: Option<i64>,
        }
        serde_json::from_str::<Expiry>(&self.claims_text).ok()?.exp
    }
}

fn json_error(error: serde_json::Error) -> JwtError {
    JwtError::Json(Arc::new(error))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds an unsigned-looking JWT from JSON parts, for tests of claim logic.
    pub(crate) fn jwt(header: &serde_json::Value, claims: &serde_json::Value) -> String {
        format!(
            "{}.{}.{}",
            base64url::encode(header.to_string()),
            base64url::encode(claims.to_string()),
            base64url::encode(b"signature")
        )
    }

    #[test]
    fn a_well_formed_token_is_split_into_header_claims_and_signature() {
        let token = jwt(
            &serde_json::json!({"alg": "RS256", "kid": "k1", "typ": "JWT"}),
            &serde_json::json!({"sub": "u", "exp": 10}),
        );
        let parsed = UnverifiedJwt::parse(&token).unwrap();
        assert_eq!(parsed.header.alg, "RS256");
        assert_eq!(parsed.header.kid.as_deref(), Some("k1"));
        assert_eq!(parsed.expires_at_secs(), Some(10));
        assert_eq!(parsed.signature, b"signature");
        assert!(token.starts_with(&parsed.signing_input));
    }

    #[test]
    fn opaque_and_broken_tokens_are_rejected() {
        assert!(matches!(
            UnverifiedJwt::parse("opaque"),
            Err(JwtError::Shape)
        ));
        assert!(matches!(
            UnverifiedJwt::parse("a.b.c.d"),
            Err(JwtError::Shape)
        ));
        assert!(matches!(
            UnverifiedJwt::parse("!!.e30.e30"),
            Err(JwtError::Base64)
        ));
        let header = base64url::encode(r#"{"alg":"RS256"}"#);
        let array_payload = format!("{header}.W10.e30");
        assert!(matches!(
            UnverifiedJwt::parse(&array_payload),
            Err(JwtError::NotAnObject)
        ));
        let text_payload = format!("{header}.bm9w.e30");
        assert!(matches!(
            UnverifiedJwt::parse(&text_payload),
            Err(JwtError::Json(_))
        ));
        let header_without_alg = "e30.e30.e30";
        assert!(matches!(
            UnverifiedJwt::parse(header_without_alg),
            Err(JwtError::Json(_))
        ));
    }
}
