//! `GET|POST /userinfo` (OIDC Core 5.3): profile claims for a valid access token, with
//! RFC 6750 section 3 errors.

use axum::Json;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use oidc_protocol::UserInfo;
use serde_json::json;

use crate::state::SharedState;
use crate::tokens::verify_userinfo_token;

/// Why `/userinfo` refused a request (RFC 6750 section 3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UserinfoError {
    /// No `Authorization` header: a bare challenge, without an error code.
    #[error("no bearer token")]
    MissingToken,
    /// An `Authorization` header that is not `Bearer <token>`.
    #[error("malformed authorization header")]
    MalformedHeader,
    /// The token failed verification, or its user is gone.
    #[error("invalid token")]
    InvalidToken,
}

/// An error together with the realm its challenge names.
struct Challenge<'a> {
    realm: &'a str,
    error: UserinfoError,
}

impl IntoResponse for Challenge<'_> {
    fn into_response(self) -> Response {
        let realm = self.realm.replace('"', "");
        let (status, code, description) = match self.error {
            UserinfoError::MissingToken => {
                let header = format!("Bearer realm=\"{realm}\"");
                let mut response = (
                    StatusCode::UNAUTHORIZED,
                    [(
                        CONTENT_TYPE,
                        HeaderValue::from_static("text/plain; charset=utf-8"),
                    )],
                    "Unauthorized",
                )
                    .into_response();
                if let Ok(value) = HeaderValue::from_str(&header) {
                    response.headers_mut().insert(WWW_AUTHENTICATE, value);
                }
                return response;
            }
            UserinfoError::MalformedHeader => (
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Expected Authorization: Bearer <access token>",
            ),
            UserinfoError::InvalidToken => (
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "The access token is invalid or expired",
            ),
        };
        let header = format!(
            "Bearer realm=\"{realm}\", error=\"{code}\", error_description=\"{description}\""
        );
        let mut response = (
            status,
            Json(json!({"error": code, "error_description": description})),
        )
            .into_response();
        if let Ok(value) = HeaderValue::from_str(&header) {
            response.headers_mut().insert(WWW_AUTHENTICATE, value);
        }
        response
    }
}

/// `GET|POST /userinfo` with `Authorization: Bearer <access token>`.
pub async fn userinfo(State(state): State<SharedState>, headers: HeaderMap) -> Response {
    let challenge = |error| {
        Challenge {
            realm: &state.config.issuer,
            error,
        }
        .into_response()
    };
    let Some(authorization) = headers.get(AUTHORIZATION) else {
        return challenge(UserinfoError::MissingToken);
    };
    let token = match authorization
        .to_str()
        .ok()
        .and_then(|value| value.split_once(' '))
    {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            token.trim()
        }
        _ => return challenge(UserinfoError::MalformedHeader),
    };
    let grant = match verify_userinfo_token(&state.config, &state.keys, token) {
        Ok(grant) => grant,
        Err(error) => {
            tracing::debug!(%error, "userinfo token refused");
            return challenge(UserinfoError::InvalidToken);
        }
    };
    let profile = state
        .config
        .users
        .iter()
        .map(|user| user.profile(&state.config.issuer))
        .find(|profile| profile.user_id == grant.subject);
    let Some(profile) = profile else {
        return challenge(UserinfoError::InvalidToken);
    };
    let scopes: Vec<&str> = grant.scope.tokens().collect();
    let answer = UserInfo {
        profile: profile.released(&scopes),
        sub: profile.user_id,
    };
    (
        [(CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Json(answer),
    )
        .into_response()
}
