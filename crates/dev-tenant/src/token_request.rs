//! What the token and revocation endpoints share: reading a client's form or JSON body into
//! parameters (RFC 6749 3.2, RFC 7009 2.1), and the RFC 6749 5.2 error answer.

use std::collections::HashMap;
use std::fmt;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, PRAGMA, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use oidc_protocol::OAuthErrorResponse;
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

/// The largest body the token and revocation endpoints read: far above any real request
/// (auth0-spa-js's refresh bodies are well under 2 KiB), small enough to cost nothing.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// A token or revocation endpoint error (RFC 6749 5.2, RFC 7009 2.2.1).
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// A parameter is missing, repeated or malformed.
    #[error("invalid_request: {0}")]
    InvalidRequest(&'static str),
    /// The body is larger than [`MAX_BODY_BYTES`].
    #[error("invalid_request: body too large")]
    BodyTooLarge,
    /// Client authentication failed: an unknown client, missing or wrong credentials, or an
    /// unsupported method (RFC 6749 section 5.2).
    #[error("invalid_client: {description}")]
    InvalidClient {
        /// What failed, for the developer.
        description: &'static str,
        /// Whether the client tried the `Authorization` header, so the answer must carry a
        /// `Basic` challenge (RFC 6749 section 5.2).
        basic_challenge: bool,
    },
    /// The code or refresh token is invalid, expired, used, or bound to something else.
    #[error("invalid_grant: {0}")]
    InvalidGrant(&'static str),
    /// The client is not registered for this grant type.
    #[error("unauthorized_client: {0}")]
    UnauthorizedClient(&'static str),
    /// Auth0's answer to a client-credentials request for an API that is not registered, that
    /// the client has no grant for, or with a scope the grant does not include.
    #[error("access_denied: {0}")]
    AccessDenied(&'static str),
    /// The grant type is not implemented.
    #[error("unsupported_grant_type")]
    UnsupportedGrantType,
    /// Signing failed.
    #[error("server_error")]
    Server,
}

impl TokenError {
    /// `invalid_client` for a `client_id` no client has.
    pub const UNKNOWN_CLIENT: Self = Self::InvalidClient {
        description: "Unknown client",
        basic_challenge: false,
    };
}

/// The challenge of an `invalid_client` answer to a client that used the `Authorization` header
/// (RFC 7617 section 2).
const BASIC_CHALLENGE: &str = r#"Basic realm="dev-tenant", charset="UTF-8""#;

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        let basic_challenge = matches!(
            self,
            Self::InvalidClient {
                basic_challenge: true,
                ..
            }
        );
        let (status, error, description) = match self {
            Self::InvalidRequest(description) => {
                (StatusCode::BAD_REQUEST, "invalid_request", description)
            }
            Self::BodyTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request",
                "The body is larger than 16 KiB",
            ),
            Self::InvalidClient { description, .. } => {
                (StatusCode::UNAUTHORIZED, "invalid_client", description)
            }
            Self::InvalidGrant(description) => {
                (StatusCode::BAD_REQUEST, "invalid_grant", description)
            }
            Self::UnauthorizedClient(description) => {
                (StatusCode::BAD_REQUEST, "unauthorized_client", description)
            }
            Self::AccessDenied(description) => {
                (StatusCode::FORBIDDEN, "access_denied", description)
            }
            Self::UnsupportedGrantType => (
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Only authorization_code, refresh_token and client_credentials are supported",
            ),
            Self::Server => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "Internal error",
            ),
        };
        let mut response = (
            status,
            no_store(),
            Json(OAuthErrorResponse {
                error: error.to_owned(),
                error_description: Some(description.to_owned()),
            }),
        )
            .into_response();
        // RFC 6749 5.2 asks for a WWW-Authenticate challenge when the client authenticated with
        // the Authorization header, and only then: public clients never do, and a Basic
        // challenge to a browser's fetch could make it prompt for a password.
        if basic_challenge {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static(BASIC_CHALLENGE));
        }
        response
    }
}

/// `Cache-Control: no-store` and `Pragma: no-cache`, which every answer carrying or refusing
/// a token has (RFC 6749 5.1).
pub fn no_store() -> [(HeaderName, HeaderValue); 2] {
    [
        (CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (PRAGMA, HeaderValue::from_static("no-cache")),
    ]
}

/// The members of a JSON object in the order written, repeats kept, so that they can be
/// refused: `serde_json::Value` would silently keep the last.
struct JsonMembers(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for JsonMembers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;

        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = JsonMembers;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonMembers, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<String, serde_json::Value>()? {
                    members.push(member);
                }
                Ok(JsonMembers(members))
            }
        }

        deserializer.deserialize_map(MembersVisitor)
    }
}

/// A JSON member's value as a parameter: strings as they are, numbers and booleans written
/// out, `null` as absent.
fn json_parameter(value: serde_json::Value) -> Result<Option<String>, TokenError> {
    match value {
        serde_json::Value::String(text) => Ok(Some(text)),
        // auth0-spa-js spreads its authorizationParams into refresh requests, so numbers such as
        // `max_age` or `timeout` arrive as JSON numbers; Auth0 accepts them, and none of the
        // parameters read here is numeric anyway.
        serde_json::Value::Number(number) => Ok(Some(number.to_string())),
        serde_json::Value::Bool(flag) => Ok(Some(flag.to_string())),
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => Err(
            TokenError::InvalidRequest("Parameters must be strings, numbers or booleans"),
        ),
    }
}

/// Reads form or JSON parameters, empty values dropped. A parameter given twice is refused in
/// either encoding (RFC 6749 3.2: "request and response parameters MUST NOT be included more
/// than once").
///
/// # Errors
/// [`TokenError::InvalidRequest`] for another media type, a malformed or non-object JSON body,
/// a repeated parameter or a nested value; [`TokenError::BodyTooLarge`] past
/// [`MAX_BODY_BYTES`].
pub fn parameters(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<HashMap<String, String>, TokenError> {
    let body = body.map_err(|rejection| match rejection {
        BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => {
            TokenError::BodyTooLarge
        }
        _ => TokenError::InvalidRequest("The body could not be read"),
    })?;
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let pairs: Vec<(String, Option<String>)> = match media_type.as_str() {
        "application/x-www-form-urlencoded" => url::form_urlencoded::parse(&body)
            .map(|(name, value)| (name.into_owned(), Some(value.into_owned())))
            .collect(),
        "application/json" => {
            let members = serde_json::from_slice::<JsonMembers>(&body).map_err(|error| {
                if error.is_data() {
                    TokenError::InvalidRequest("The body must be a JSON object")
                } else {
                    TokenError::InvalidRequest("The body is not valid JSON")
                }
            })?;
            members
                .0
                .into_iter()
                .map(|(name, value)| Ok((name, json_parameter(value)?)))
                .collect::<Result<_, TokenError>>()?
        }
        _ => {
            return Err(TokenError::InvalidRequest(
                "Content-Type must be application/x-www-form-urlencoded or application/json",
            ));
        }
    };
    let mut params = HashMap::new();
    for (name, value) in pairs {
        if params.insert(name, value).is_some() {
            return Err(TokenError::InvalidRequest("A parameter is repeated"));
        }
    }
    Ok(params
        .into_iter()
        .filter_map(|(name, value)| value.filter(|value| !value.is_empty()).map(|v| (name, v)))
        .collect())
}
