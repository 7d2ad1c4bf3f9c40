//! Every way a request can fail, and its one HTTP mapping (RFC 6750 section 3).
//!
//! - no credentials, or another scheme such as `Basic`: 401 with `WWW-Authenticate: Bearer
//!   realm="api"` and no error code (RFC 6750 section 3.1: "SHOULD NOT include an error code");
//! - a `Bearer` header that breaks `Bearer 1*SP b64token`, or two `Authorization` headers:
//!   400 `invalid_request`, since the request itself is malformed (section 3.1), not the token;
//! - a token that is not valid: 401 `invalid_token`;
//! - a valid token without the scope: 403 `insufficient_scope` with `scope`;
//! - keys unavailable: 503 with `Retry-After`, so a client neither logs out nor gets in;
//! - no such route: 404, a route without this method: 405 (axum adds `Allow`).
//!
//! Bodies are JSON `{"error", "error_description"[, "scope"]}` with fixed texts only.

use axum::Json;
use axum::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::auth::bearer::CredentialsError;
use crate::auth::claims::Scope;
use crate::auth::token::{TokenError, VerifyError};

/// The `realm` of every challenge.
const REALM: &str = "api";
/// Seconds a client should wait after a 503 before retrying.
const RETRY_AFTER_SECONDS: &str = "10";

/// Why a request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No bearer credentials (none, or another scheme).
    #[error("bearer token required")]
    MissingCredentials,
    /// The `Authorization` header is not a well-formed bearer credential.
    #[error("malformed authorization header")]
    MalformedAuthorization,
    /// The token is not valid.
    #[error("invalid token")]
    InvalidToken(#[from] TokenError),
    /// The token lacks the scope the endpoint requires.
    #[error("insufficient scope")]
    InsufficientScope {
        /// The scope that was required.
        required: Scope,
    },
    /// The issuer's keys cannot be fetched and the token's key is not cached.
    #[error("signing keys unavailable")]
    KeysUnavailable,
    /// The request headers exceed the configured bound.
    #[error("request headers too large")]
    HeadersTooLarge,
    /// The request took longer than the configured bound.
    #[error("request timed out")]
    Timeout,
    /// No such route.
    #[error("not found")]
    NotFound,
    /// The route exists, but not for this method.
    #[error("method not allowed")]
    MethodNotAllowed,
}

impl From<CredentialsError> for ApiError {
    fn from(error: CredentialsError) -> Self {
        match error {
            CredentialsError::Missing | CredentialsError::UnsupportedScheme => {
                ApiError::MissingCredentials
            }
            CredentialsError::Malformed => ApiError::MalformedAuthorization,
        }
    }
}

impl From<VerifyError> for ApiError {
    fn from(error: VerifyError) -> Self {
        match error {
            VerifyError::Invalid(error) => ApiError::InvalidToken(error),
            VerifyError::KeysUnavailable => ApiError::KeysUnavailable,
        }
    }
}

/// The JSON error body.
#[derive(Serialize)]
struct ErrorBody {
    error: &'static str,
    error_description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'static str>,
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::MissingCredentials | ApiError::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            ApiError::MalformedAuthorization => StatusCode::BAD_REQUEST,
            ApiError::InsufficientScope { .. } => StatusCode::FORBIDDEN,
            ApiError::KeysUnavailable | ApiError::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::MissingCredentials => "unauthorized",
            ApiError::MalformedAuthorization | ApiError::HeadersTooLarge => "invalid_request",
            ApiError::InvalidToken(_) => "invalid_token",
            ApiError::InsufficientScope { .. } => "insufficient_scope",
            ApiError::KeysUnavailable | ApiError::Timeout => "temporarily_unavailable",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
        }
    }

    fn description(&self) -> String {
        match self {
            ApiError::InvalidToken(error) => error.to_string(),
            ApiError::InsufficientScope { required } => {
                format!("the {} scope is required", required.as_str())
            }
            other => other.to_string(),
        }
    }

    /// The `WWW-Authenticate` challenge, for the statuses RFC 6750 gives one.
    fn challenge(&self) -> Option<String> {
        let description = self.description();
        match self {
            ApiError::MissingCredentials => Some(format!("Bearer realm=\"{REALM}\"")),
            ApiError::MalformedAuthorization | ApiError::InvalidToken(_) => Some(format!(
                "Bearer realm=\"{REALM}\", error=\"{}\", error_description=\"{description}\"",
                self.code()
            )),
            ApiError::InsufficientScope { required } => Some(format!(
                "Bearer realm=\"{REALM}\", error=\"insufficient_scope\", error_description=\"{description}\", scope=\"{}\"",
                required.as_str()
            )),
            _ => None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let challenge = self.challenge();
        let body = ErrorBody {
            error: self.code(),
            error_description: self.description(),
            scope: match &self {
                ApiError::InsufficientScope { required } => Some(required.as_str()),
                _ => None,
            },
        };
        if status.is_server_error() {
            tracing::warn!(error = %self, "request failed");
        }
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        // Descriptions are fixed ASCII texts, so these conversions cannot fail; skipping the
        // header is still better than a panic if one ever did.
        if let Some(value) = challenge.and_then(|challenge| HeaderValue::from_str(&challenge).ok())
        {
            headers.insert(WWW_AUTHENTICATE, value);
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_TOKEN_ERRORS: [TokenError; 12] = [
        TokenError::Malformed,
        TokenError::ForbiddenHeader,
        TokenError::UnsupportedAlgorithm,
        TokenError::MissingKeyId,
        TokenError::UnknownKeyId,
        TokenError::BadSignature,
        TokenError::Expired,
        TokenError::NotYetValid,
        TokenError::WrongIssuer,
        TokenError::WrongAudience,
        TokenError::MissingClaim,
        TokenError::InvalidClaim,
    ];

    /// RFC 6750 section 3: `error_description` uses %x20-21 / %x23-5B / %x5D-7E only.
    fn is_rfc6750_description(text: &str) -> bool {
        text.bytes()
            .all(|byte| matches!(byte, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E))
    }

    #[test]
    fn every_description_fits_the_challenge_grammar() {
        let mut errors: Vec<ApiError> = ALL_TOKEN_ERRORS
            .into_iter()
            .map(ApiError::InvalidToken)
            .collect();
        errors.extend([
            ApiError::MissingCredentials,
            ApiError::MalformedAuthorization,
            ApiError::InsufficientScope {
                required: Scope::READ_MESSAGES,
            },
            ApiError::KeysUnavailable,
        ]);
        for error in errors {
            assert!(is_rfc6750_description(&error.description()), "{error:?}");
        }
    }

    #[test]
    fn invalid_token_keeps_its_reason_as_the_source_not_in_its_message() {
        let error = ApiError::InvalidToken(TokenError::Expired);
        assert_eq!(error.to_string(), "invalid token");
        let source = std::error::Error::source(&error).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("token expired"));
        // The client still learns the reason, from the description.
        assert_eq!(error.description(), "token expired");
    }

    #[test]
    fn missing_credentials_challenge_has_no_error_code() {
        let response = ApiError::MissingCredentials.into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[WWW_AUTHENTICATE], "Bearer realm=\"api\"");
    }

    #[test]
    fn insufficient_scope_names_the_scope() {
        let response = ApiError::InsufficientScope {
            required: Scope::READ_MESSAGES,
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let challenge = response.headers()[WWW_AUTHENTICATE].to_str().unwrap();
        assert!(challenge.contains("error=\"insufficient_scope\""));
        assert!(challenge.ends_with("scope=\"read:messages\""));
    }

    #[test]
    fn unavailable_keys_are_a_503_with_retry_after_and_no_challenge() {
        let response = ApiError::KeysUnavailable.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[RETRY_AFTER], "10");
        assert!(response.headers().get(WWW_AUTHENTICATE).is_none());
    }
}
