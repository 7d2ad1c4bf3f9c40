//! The API's own refusals, outside bearer authentication: no such route (404), a route without
//! this method (405, axum adds `Allow`), headers over the bound (431), an answer that takes too
//! long (503 with `Retry-After`).
//!
//! Bearer-token refusals (401, 400, 403, 503 per RFC 6750 section 3) are
//! [`axum_bearer_auth::AuthError`]'s, answered by the extractors. Both kinds share the JSON body
//! shape `{"error", "error_description"}` with fixed texts only.

use axum::Json;
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Seconds a client should wait after a 503 before retrying.
const RETRY_AFTER_SECONDS: &str = "10";

/// Why a request was refused before or instead of reaching a handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
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

/// The JSON error body.
#[derive(Serialize)]
struct ErrorBody {
    error: &'static str,
    error_description: String,
}

impl ApiError {
    fn status(self) -> StatusCode {
        match self {
            ApiError::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        }
    }

    fn code(self) -> &'static str {
        match self {
            ApiError::HeadersTooLarge => "invalid_request",
            ApiError::Timeout => "temporarily_unavailable",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::warn!(error = %self, "request failed");
        }
        let body = ErrorBody {
            error: self.code(),
            error_description: self.to_string(),
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header::WWW_AUTHENTICATE;
    use http_body_util::BodyExt;

    async fn body(response: Response) -> serde_json::Value {
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn each_refusal_has_its_status_and_a_json_body_naming_it() {
        let cases = [
            (
                ApiError::HeadersTooLarge,
                431,
                "invalid_request",
                "request headers too large",
            ),
            (
                ApiError::Timeout,
                503,
                "temporarily_unavailable",
                "request timed out",
            ),
            (ApiError::NotFound, 404, "not_found", "not found"),
            (
                ApiError::MethodNotAllowed,
                405,
                "method_not_allowed",
                "method not allowed",
            ),
        ];
        for (error, status, code, description) in cases {
            let response = error.into_response();
            assert_eq!(response.status().as_u16(), status, "{error:?}");
            assert!(response.headers().get(WWW_AUTHENTICATE).is_none());
            assert_eq!(
                body(response).await,
                serde_json::json!({"error": code, "error_description": description})
            );
        }
    }

    #[test]
    fn timeout_asks_the_client_to_retry_later() {
        let response = ApiError::Timeout.into_response();
        assert_eq!(response.headers()[RETRY_AFTER], "10");
        assert!(
            ApiError::NotFound
                .into_response()
                .headers()
                .get(RETRY_AFTER)
                .is_none()
        );
    }
}
