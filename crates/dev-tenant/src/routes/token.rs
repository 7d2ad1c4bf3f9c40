//! `POST /oauth/token` (RFC 6749 section 3.2): the `authorization_code` grant with PKCE and the
//! `refresh_token` grant with rotation for public clients, and the `client_credentials` grant
//! for confidential ones. Bodies may be form-encoded or JSON, as Auth0 accepts.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use oidc_protocol::{RefreshToken, Scope, TokenResponse};

use crate::client_auth::{AuthenticatedClient, authenticate};
use crate::client_grant::{ClientGrantRefusal, evaluate};
use crate::config::GrantType;
use crate::state::SharedState;
use crate::store::RefreshRefusal;
use crate::token_request::{TokenError, no_store, parameters};
use crate::tokens::{TokenSet, mint, mint_client_credentials};

/// `POST /oauth/token`.
pub async fn token(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, TokenError> {
    let params = parameters(&headers, body)?;
    let param = |name: &'static str| params.get(name).map(String::as_str);
    // RFC 6749 3.2.1: the client authenticates (or, if public, names itself) before anything
    // else is looked at.
    let authenticated = authenticate(&state.config, &headers, &params)?;
    let client = authenticated.client;
    let client_id = client.client_id.as_str();
    let grant_type = match param("grant_type") {
        None => return Err(TokenError::InvalidRequest("grant_type is required")),
        Some(grant_type) => GrantType::parse(grant_type).ok_or(TokenError::UnsupportedGrantType)?,
    };
    if !client.allows_grant(grant_type) {
        return Err(TokenError::UnauthorizedClient(
            "The client is not registered for this grant_type",
        ));
    }
    let now = state.now();
    let (grant, refresh_token) = match grant_type {
        GrantType::ClientCredentials => {
            return client_credentials(&state, authenticated, param("audience"), param("scope"));
        }
        GrantType::AuthorizationCode => {
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
            let refresh_token = (record.grant.scope.contains("offline_access")
                && client.allows_grant(GrantType::RefreshToken))
            .then(|| {
                RefreshToken::new(state.store.issue_refresh_token(
                    record.grant.clone(),
                    Some(code),
                    now,
                ))
            });
            (record.grant, refresh_token)
        }
        GrantType::RefreshToken => {
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
    };
    let Some(user) = state.config.user(&grant.email) else {
        return Err(TokenError::InvalidGrant("The user no longer exists"));
    };
    let profile = user.profile(&state.config.issuer);
    let permissions = state
        .config
        .user_permissions_claim(user, grant.audience.as_ref());
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
    Ok(answer(tokens, refresh_token))
}

/// The client-credentials grant (RFC 6749 4.4): a token for the client itself, for the API
/// `audience`, which Auth0 requires; no refresh token (section 4.4.3) and no ID token.
fn client_credentials(
    state: &SharedState,
    authenticated: AuthenticatedClient<'_>,
    audience: Option<&str>,
    scope: Option<&str>,
) -> Result<Response, TokenError> {
    let audience = audience.ok_or(TokenError::InvalidRequest(
        "audience is required for client_credentials",
    ))?;
    let requested = scope.map(Scope::new);
    let grant = evaluate(
        &state.config,
        authenticated.client,
        audience,
        requested.as_ref(),
    )
    .map_err(|refusal| {
        TokenError::AccessDenied(match refusal {
            ClientGrantRefusal::UnknownAudience => "The audience is not a registered API",
            ClientGrantRefusal::NoGrant => {
                "The client is not authorized for this API: it needs a client grant for it"
            }
            ClientGrantRefusal::ScopeNotGranted => {
                "The client has not been granted every requested scope for this API"
            }
        })
    })?;
    let tokens = mint_client_credentials(&state.config, &state.keys, &grant, state.now()).map_err(
        |error| {
            tracing::error!(%error, "signing tokens failed");
            TokenError::Server
        },
    )?;
    tracing::debug!(
        client_id = grant.client_id.as_str(),
        method = authenticated.method.as_str(),
        "client credentials granted"
    );
    Ok(answer(tokens, None))
}

/// The RFC 6749 5.1 answer. `scope` always, as Auth0 sends it, though section 5.1 requires it
/// only when it differs from the requested scope; but not when nothing was granted.
fn answer(tokens: TokenSet, refresh_token: Option<RefreshToken>) -> Response {
    let scope = (!tokens.scope.as_str().is_empty()).then_some(tokens.scope);
    let body = TokenResponse {
        access_token: tokens.access_token,
        token_type: "Bearer".to_owned(),
        id_token: tokens.id_token,
        refresh_token,
        expires_in: Some(tokens.expires_in),
        scope,
    };
    (no_store(), Json(body)).into_response()
}
