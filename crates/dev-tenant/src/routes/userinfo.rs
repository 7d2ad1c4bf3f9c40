//! `GET|POST /userinfo` (OIDC Core 5.3): profile claims for a valid access token, with
//! RFC 6750 section 3 errors.

use axum::Json;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use oidc_protocol::{
    BearerChallenge, BearerErrorBody, BearerErrorCode, CredentialsError, UserInfo, bearer_token,
};

use crate::state::SharedState;
use crate::tokens::verify_userinfo_token;

/// Why `/userinfo` refused a request (RFC 6750 section 3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UserinfoError {
    /// No `Authorization` header, or one of another scheme: a bare challenge, without an error
    /// code, since the request carried no bearer credentials (RFC 6750 section 3.1).
    #[error("no bearer token")]
    MissingToken,
    /// A `Bearer` header that is not `Bearer 1*SP b64token`, or more than one `Authorization`
    /// header (RFC 6750 section 2.1).
    #[error("malformed authorization header")]
    MalformedHeader,
    /// The token failed verification, or its user is gone.
    #[error("invalid token")]
    InvalidToken,
}

impl From<CredentialsError> for UserinfoError {
    fn from(error: CredentialsError) -> Self {
        match error {
            CredentialsError::Missing | CredentialsError::UnsupportedScheme => Self::MissingToken,
            CredentialsError::Malformed => Self::MalformedHeader,
        }
    }
}

/// An error together with the realm its challenge names.
struct Challenge<'a> {
    realm: &'a str,
    error: UserinfoError,
}

impl IntoResponse for Challenge<'_> {
    fn into_response(self) -> Response {
        let (code, description) = match self.error {
            UserinfoError::MissingToken => {
                let challenge = BearerChallenge::new(self.realm);
                let response = (
                    StatusCode::UNAUTHORIZED,
                    [(
                        CONTENT_TYPE,
                        HeaderValue::from_static("text/plain; charset=utf-8"),
                    )],
                    "Unauthorized",
                );
                return with_challenge(response.into_response(), &challenge);
            }
            UserinfoError::MalformedHeader => (
                BearerErrorCode::InvalidRequest,
                "Expected Authorization: Bearer <access token>",
            ),
            UserinfoError::InvalidToken => (
                BearerErrorCode::InvalidToken,
                "The access token is invalid or expired",
            ),
        };
        let challenge = BearerChallenge::with_error(self.realm, code, description);
        let body = BearerErrorBody {
            error: Some(code.as_str().to_owned()),
            error_description: Some(description.to_owned()),
            scope: None,
        };
        let status =
            StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        with_challenge((status, Json(body)).into_response(), &challenge)
    }
}

/// Adds the `WWW-Authenticate` header. `BearerChallenge` leaves out text the grammar does not
/// allow, so the value is always valid header text; the check only keeps the request path free
/// of panics.
fn with_challenge(mut response: Response, challenge: &BearerChallenge) -> Response {
    if let Ok(value) = HeaderValue::from_str(&challenge.to_header_value()) {
        response.headers_mut().insert(WWW_AUTHENTICATE, value);
    }
    response
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
    let authorization = headers
        .get_all(AUTHORIZATION)
        .iter()
        .map(HeaderValue::as_bytes);
    let token = match bearer_token(authorization) {
        Ok(token) => token,
        Err(error) => return challenge(error.into()),
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
    let answer = UserInfo {
        profile: profile.released(&grant.scope),
        sub: profile.user_id,
    };
    (
        [(CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Json(answer),
    )
        .into_response()
}
