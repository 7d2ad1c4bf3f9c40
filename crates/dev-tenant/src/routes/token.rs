//! `POST /oauth/token` (RFC 6749 section 3.2): the `authorization_code` grant with PKCE and the
//! `refresh_token` grant with rotation. Bodies may be form-encoded or JSON, as Auth0 accepts.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, PRAGMA};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use oidc_protocol::{OAuthErrorResponse, RefreshToken, Scope, TokenResponse};

use crate::state::SharedState;
use crate::store::RefreshRefusal;
use crate::tokens::mint;

/// A token endpoint error (RFC 6749 5.2).
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// A parameter is missing, repeated or malformed.
    #[error("invalid_request: {0}")]
    InvalidRequest(&'static str),
    /// The client is unknown.
    #[error("invalid_client")]
    InvalidClient,
    /// The code or refresh token is invalid, expired, used, or bound to something else.
    #[error("invalid_grant: {0}")]
    InvalidGrant(&'static str),
    /// The grant type is not implemented.
    #[error("unsupported_grant_type")]
    UnsupportedGrantType,
    /// Signing failed.
    #[error("server_error")]
    Server,
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        let (status, error, description) = match self {
            Self::InvalidRequest(description) => {
                (StatusCode::BAD_REQUEST, "invalid_request", description)
            }
            Self::InvalidClient => (StatusCode::UNAUTHORIZED, "invalid_client", "Unknown client"),
            Self::InvalidGrant(description) => {
                (StatusCode::BAD_REQUEST, "invalid_grant", description)
            }
            Self::UnsupportedGrantType => (
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Only authorization_code and refresh_token are supported",
            ),
            Self::Server => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "Internal error",
            ),
        };
        // RFC 6749 5.2 asks for a WWW-Authenticate challenge only when the client authenticated
        // with the Authorization header; public clients never do, and a Basic challenge would
        // make browsers prompt for a password.
        (
            status,
            no_store(),
            Json(OAuthErrorResponse {
                error: error.to_owned(),
                error_description: Some(description.to_owned()),
            }),
        )
            .into_response()
    }
}

fn no_store() -> [(axum::http::HeaderName, HeaderValue); 2] {
    [
        (CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (PRAGMA, HeaderValue::from_static("no-cache")),
    ]
}

/// Reads form or JSON parameters; a form parameter given twice is refused (RFC 6749 3.2).
fn parameters(headers: &HeaderMap, body: &[u8]) -> Result<HashMap<String, String>, TokenError> {
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
    let mut params = HashMap::new();
    match media_type.as_str() {
        "application/x-www-form-urlencoded" => {
            for (name, value) in url::form_urlencoded::parse(body) {
                if params
                    .insert(name.into_owned(), value.into_owned())
                    .is_some()
                {
                    return Err(TokenError::InvalidRequest("A parameter is repeated"));
                }
            }
        }
        "application/json" => {
            let value: serde_json::Value = serde_json::from_slice(body)
                .map_err(|_| TokenError::InvalidRequest("The body is not valid JSON"))?;
            let object = value
                .as_object()
                .ok_or(TokenError::InvalidRequest("The body must be a JSON object"))?;
            for (name, value) in object {
                match value {
                    serde_json::Value::String(text) => {
                        params.insert(name.clone(), text.clone());
                    }
                    // auth0-spa-js spreads its authorizationParams into refresh requests, so
                    // numbers such as `max_age` or `timeout` arrive as JSON numbers; Auth0
                    // accepts them, and none of the parameters read here is numeric anyway.
                    serde_json::Value::Number(number) => {
                        params.insert(name.clone(), number.to_string());
                    }
                    serde_json::Value::Bool(flag) => {
                        params.insert(name.clone(), flag.to_string());
                    }
                    serde_json::Value::Null => {}
                    _ => {
                        return Err(TokenError::InvalidRequest(
                            "Parameters must be strings, numbers or booleans",
                        ));
                    }
                }
            }
        }
        _ => {
            return Err(TokenError::InvalidRequest(
                "Content-Type must be application/x-www-form-urlencoded or application/json",
            ));
        }
    }
    params.retain(|_, value| !value.is_empty());
    Ok(params)
}

/// `POST /oauth/token`.
pub async fn token(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, TokenError> {
    let params = parameters(&headers, &body)?;
    let param = |name: &'static str| params.get(name).map(String::as_str);
    let client_id =
        param("client_id").ok_or(TokenError::InvalidRequest("client_id is required"))?;
    if state.config.client(client_id).is_none() {
        return Err(TokenError::InvalidClient);
    }
    let now = state.now();
    let (grant, refresh_token) = match param("grant_type") {
        Some("authorization_code") => {
            let code = param("code").ok_or(TokenError::InvalidRequest("code is required"))?;
            let verifier = param("code_verifier")
                .ok_or(TokenError::InvalidRequest("code_verifier is required"))?;
            let redirect_uri = param("redirect_uri")
                .ok_or(TokenError::InvalidRequest("redirect_uri is required"))?;
            // Consumed before any other check: a code is single-use even when the request fails.
            let record = state
                .store
                .consume_code(code, now)
                .ok_or(TokenError::InvalidGrant("Invalid authorization code"))?;
            if record.grant.client_id != client_id {
                return Err(TokenError::InvalidGrant(
                    "The code was issued to another client",
                ));
            }
            if record.redirect_uri != redirect_uri {
                return Err(TokenError::InvalidGrant(
                    "redirect_uri does not match the authorization request",
                ));
            }
            if !record.challenge.is_satisfied_by(verifier) {
                return Err(TokenError::InvalidGrant("Failed to verify code verifier"));
            }
            let refresh_token = record.grant.scope.contains("offline_access").then(|| {
                RefreshToken::new(state.store.issue_refresh_token(
                    record.grant.clone(),
                    Some(code),
                    now,
                ))
            });
            (record.grant, refresh_token)
        }
        Some("refresh_token") => {
            let presented = param("refresh_token")
                .ok_or(TokenError::InvalidRequest("refresh_token is required"))?;
            let requested = param("scope").map(Scope::new);
            // Every refusal says "invalid refresh token", as Auth0's do: auth0-spa-js looks for
            // those words to fall back to silent authentication (useRefreshTokensFallback).
            let (grant, successor) = state
                .store
                .rotate_refresh_token(presented, client_id, requested.as_ref(), now)
                .map_err(|refusal| match refusal {
                    RefreshRefusal::Unknown => {
                        TokenError::InvalidGrant("Unknown or invalid refresh token")
                    }
                    RefreshRefusal::Reused => {
                        tracing::warn!(client_id, "refresh token reused; its family is revoked");
                        TokenError::InvalidGrant(
                            "Unknown or invalid refresh token: reuse detected, all tokens of this grant are revoked",
                        )
                    }
                    RefreshRefusal::WrongClient => {
                        TokenError::InvalidGrant(
                            "Unknown or invalid refresh token: issued to another client",
                        )
                    }
                })?;
            (grant, Some(RefreshToken::new(successor)))
        }
        Some(_) => return Err(TokenError::UnsupportedGrantType),
        None => return Err(TokenError::InvalidRequest("grant_type is required")),
    };
    let Some(user) = state.config.user(&grant.email) else {
        return Err(TokenError::InvalidGrant("The user no longer exists"));
    };
    let profile = user.profile(&state.config.issuer);
    let permissions = user.permissions_claim(grant.audience.as_ref());
    let tokens = mint(
        &state.config,
        &state.keys,
        &grant,
        &profile,
        permissions,
        now,
        false,
    )
    .map_err(|error| {
        tracing::error!(%error, "signing tokens failed");
        TokenError::Server
    })?;
    // `scope` always, as Auth0 sends it, though RFC 6749 5.1 requires it only when it differs
    // from the requested scope.
    let body = TokenResponse {
        access_token: tokens.access_token,
        token_type: "Bearer".to_owned(),
        id_token: tokens.id_token,
        refresh_token,
        expires_in: Some(tokens.expires_in),
        scope: Some(tokens.scope),
    };
    Ok((no_store(), Json(body)).into_response())
}
