//! `POST /oauth/revoke` (RFC 7009): a client revokes one of its refresh tokens, and with it the
//! token's whole family. Bodies may be form-encoded or JSON, like `/oauth/token`'s.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::client_auth::authenticate;
use crate::state::SharedState;
use crate::store::RefreshRefusal;
use crate::token_request::{TokenError, no_store, parameters};

/// `POST /oauth/revoke` with `token`, `client_id` and optionally `token_type_hint`. A token the
/// tenant does not know (unknown, expired, already revoked, or an access token, which is a
/// self-contained JWT and cannot be revoked) is answered 200 like a revoked one, as RFC 7009
/// section 2.2 requires; the hint is not needed to find a refresh token and is ignored.
///
/// # Errors
/// `invalid_request` without `token` or `client_id`, `invalid_client` for an unknown client or
/// failed client authentication, `invalid_grant` for a refresh token issued to another client,
/// which stays valid.
pub async fn revoke(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, TokenError> {
    let params = parameters(&headers, body)?;
    let param = |name: &'static str| params.get(name).map(String::as_str);
    // RFC 7009 2.1: the client authenticates as at the token endpoint; a public one names
    // itself with client_id.
    let client_id = authenticate(&state.config, &headers, &params)?
        .client
        .client_id
        .as_str();
    let token = param("token").ok_or(TokenError::InvalidRequest("token is required"))?;
    match state
        .store
        .revoke_refresh_token(token, client_id, state.now())
    {
        Ok(revoked) => {
            if revoked {
                tracing::debug!(client_id, "refresh token family revoked");
            }
            Ok((StatusCode::OK, no_store()).into_response())
        }
        Err(RefreshRefusal::WrongClient) => Err(TokenError::InvalidGrant(
            "The token was issued to another client",
        )),
        Err(RefreshRefusal::Unknown | RefreshRefusal::Reused) => {
            Ok((StatusCode::OK, no_store()).into_response())
        }
    }
}
