//! `GET|POST /userinfo` (OIDC Core 5.3): profile claims for a valid access token, with
//! RFC 6750 section 3 errors.

use axum::Json;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::state::SharedState;
use crate::tokens::{UserInfo, verify_userinfo_token};

/// `GET|POST /userinfo` with `Authorization: Bearer <access token>`.
pub async fn userinfo(State(state): State<SharedState>, headers: HeaderMap) -> Response {
    let authorization = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let Some(authorization) = authorization else {
        // RFC 6750 3.1: no credentials at all gets a challenge without an error code.
        return challenge(&state.config.issuer, None);
    };
    let token = match authorization.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            token.trim()
        }
        _ => {
            return challenge(
                &state.config.issuer,
                Some(("invalid_request", "Expected a Bearer token")),
            );
        }
    };
    let claims = match verify_userinfo_token(&state.config, &state.keys, token) {
        Ok(claims) => claims,
        Err(error) => {
            tracing::debug!(%error, "userinfo token refused");
            return challenge(
                &state.config.issuer,
                Some(("invalid_token", "The access token is invalid or expired")),
            );
        }
    };
    let user = state
        .config
        .users
        .iter()
        .map(|user| user.profile(&state.config.issuer))
        .find(|profile| profile.user_id == claims.sub);
    let Some(profile) = user else {
        return challenge(
            &state.config.issuer,
            Some(("invalid_token", "The user no longer exists")),
        );
    };
    let scopes: Vec<&str> = claims.scope.split(' ').collect();
    (
        [(CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Json(UserInfo::released(&profile, &scopes)),
    )
        .into_response()
}

fn challenge(issuer: &str, error: Option<(&'static str, &'static str)>) -> Response {
    let realm = issuer.replace('"', "");
    let (status, header, body) = match error {
        None => (
            StatusCode::UNAUTHORIZED,
            format!("Bearer realm=\"{realm}\""),
            json!({"error": "unauthorized", "error_description": "A Bearer access token is required"}),
        ),
        Some((code, description)) => {
            let status = if code == "invalid_request" {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::UNAUTHORIZED
            };
            (
                status,
                format!(
                    "Bearer realm=\"{realm}\", error=\"{code}\", error_description=\"{description}\""
                ),
                json!({"error": code, "error_description": description}),
            )
        }
    };
    let mut response = (status, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&header) {
        response.headers_mut().insert(WWW_AUTHENTICATE, value);
    }
    response
}
