//! Every way bearer authentication can refuse a request, and its one HTTP mapping
//! (RFC 6750 section 3).
//!
//! - no credentials, or another scheme such as `Basic`: 401 with `WWW-Authenticate: Bearer
//!   realm="api"` and no error code (RFC 6750 section 3.1: "SHOULD NOT include an error code");
//! - a `Bearer` header that breaks `Bearer 1*SP b64token`, or two `Authorization` headers:
//!   400 `invalid_request`, since the request itself is malformed (section 3.1), not the token;
//! - a `Bearer` header and an `access_token` parameter as well: 400 `invalid_request`, since
//!   the request "uses more than one method for including an access token" (section 3.1);
//! - a token that is not valid: 401 `invalid_token`;
//! - a valid token without the permission: 403 `insufficient_scope` with `scope`;
//! - keys unavailable: 503 with `Retry-After`, so a client neither logs out nor gets in.
//!
//! Bodies are JSON `{"error", "error_description"[, "scope"]}` with fixed texts only; nothing
//! from the token is echoed.

use std::fmt;

use axum::Json;
use axum::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use oidc_protocol::scope::is_scope_token;
use oidc_protocol::{BearerChallenge, BearerErrorBody, BearerErrorCode, CredentialsError};

use crate::permission::PermissionSource;
use crate::realm::Realm;
use crate::token::TokenError;

/// Seconds a client should wait after a 503 before retrying.
const RETRY_AFTER_SECONDS: &str = "10";

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// No bearer credentials (none, or another scheme).
    #[error("bearer token required")]
    MissingCredentials,
    /// The `Authorization` header is not a well-formed bearer credential.
    #[error("malformed authorization header")]
    MalformedAuthorization,
    /// A `Bearer` header came with an `access_token` query or form parameter as well
    /// (RFC 6750 section 3.1: more than one method for including an access token).
    #[error("access token sent in more than one way")]
    MultipleTokenMethods,
    /// The token is not valid; the reason is the source.
    #[error("invalid token")]
    InvalidToken(#[from] TokenError),
    /// The token is valid but does not grant the permission.
    #[error("insufficient scope")]
    InsufficientScope {
        /// The permission that was required.
        required: &'static str,
        /// Where it was looked for.
        permission_source: PermissionSource,
    },
    /// The issuer's keys cannot be fetched and the token's key is not cached.
    #[error("signing keys unavailable")]
    KeysUnavailable,
}

/// A refused request: what went wrong ([`AuthError::kind`]) and the realm its challenge names.
/// Its [`IntoResponse`] is the RFC 6750 answer described in this module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError {
    kind: AuthErrorKind,
    realm: Realm,
}

impl AuthError {
    pub(crate) fn new(kind: AuthErrorKind, realm: Realm) -> Self {
        Self { kind, realm }
    }

    /// What went wrong.
    pub fn kind(&self) -> &AuthErrorKind {
        &self.kind
    }

    /// The realm the challenge names.
    pub fn realm(&self) -> &Realm {
        &self.realm
    }

    /// The HTTP status RFC 6750 section 3.1 gives this error.
    pub fn status(&self) -> StatusCode {
        match &self.kind {
            AuthErrorKind::MissingCredentials | AuthErrorKind::InvalidToken(_) => {
                StatusCode::UNAUTHORIZED
            }
            AuthErrorKind::MalformedAuthorization | AuthErrorKind::MultipleTokenMethods => {
                StatusCode::BAD_REQUEST
            }
            AuthErrorKind::InsufficientScope { .. } => StatusCode::FORBIDDEN,
            AuthErrorKind::KeysUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The RFC 6750 section 3.1 error code, for the errors that have one.
    fn bearer_code(&self) -> Option<BearerErrorCode> {
        match &self.kind {
            AuthErrorKind::MalformedAuthorization | AuthErrorKind::MultipleTokenMethods => {
                Some(BearerErrorCode::InvalidRequest)
            }
            AuthErrorKind::InvalidToken(_) => Some(BearerErrorCode::InvalidToken),
            AuthErrorKind::InsufficientScope { .. } => Some(BearerErrorCode::InsufficientScope),
            AuthErrorKind::MissingCredentials | AuthErrorKind::KeysUnavailable => None,
        }
    }

    /// The `error` code of the body (and of the challenge, where it has one).
    fn code(&self) -> &'static str {
        match (&self.kind, self.bearer_code()) {
            (_, Some(code)) => code.as_str(),
            (AuthErrorKind::KeysUnavailable, None) => "temporarily_unavailable",
            (_, None) => "unauthorized",
        }
    }

    /// The `error_description`: a fixed text, or the required permission's name.
    fn description(&self) -> String {
        match &self.kind {
            AuthErrorKind::InvalidToken(error) => error.to_string(),
            AuthErrorKind::InsufficientScope {
                required,
                permission_source: source,
            } => {
                if is_scope_token(required) {
                    format!("the {required} {} is required", source.noun())
                } else {
                    format!("a {} is required", source.noun())
                }
            }
            other => other.to_string(),
        }
    }

    /// The `scope` attribute: the required permission, when it is a scope token.
    fn scope(&self) -> Option<&'static str> {
        match &self.kind {
            AuthErrorKind::InsufficientScope { required, .. } if is_scope_token(required) => {
                Some(required)
            }
            _ => None,
        }
    }

    /// The `WWW-Authenticate` challenge, for the statuses RFC 6750 gives one: without an error
    /// code when credentials are missing (section 3.1), none at all for a 503.
    fn challenge(&self, description: &str) -> Option<BearerChallenge> {
        let realm = self.realm.as_str();
        if self.kind == AuthErrorKind::KeysUnavailable {
            return None;
        }
        let Some(code) = self.bearer_code() else {
            return Some(BearerChallenge::new(realm));
        };
        let challenge = BearerChallenge::with_error(realm, code, description);
        Some(match self.scope() {
            Some(scope) => challenge.with_scope(scope),
            None => challenge,
        })
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.kind, formatter)
    }
}

impl std::error::Error for AuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.kind)
    }
}

impl From<CredentialsError> for AuthErrorKind {
    fn from(error: CredentialsError) -> Self {
        match error {
            CredentialsError::Missing | CredentialsError::UnsupportedScheme => {
                AuthErrorKind::MissingCredentials
            }
            CredentialsError::Malformed => AuthErrorKind::MalformedAuthorization,
        }
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let status = self.status();
        let description = self.description();
        let challenge = self.challenge(&description);
        if status.is_server_error() {
            tracing::warn!(error = %self, "request refused");
        }
        let body = BearerErrorBody {
            error: Some(self.code().to_owned()),
            error_description: Some(description),
            scope: self.scope().map(str::to_owned),
        };
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        if let Some(challenge) = challenge {
            // The challenge leaves out any text outside its grammar, so it is always a valid
            // header value.
            let value = HeaderValue::from_str(&challenge.to_header_value())
                .unwrap_or(HeaderValue::from_static("Bearer"));
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
    use oidc_protocol::challenge::is_challenge_text;

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

    const ALL_SOURCES: [PermissionSource; 3] = [
        PermissionSource::Scope,
        PermissionSource::Permissions,
        PermissionSource::ScopeOrPermissions,
    ];

    fn error(kind: AuthErrorKind) -> AuthError {
        AuthError::new(kind, Realm::default())
    }

    fn insufficient(required: &'static str, source: PermissionSource) -> AuthError {
        error(AuthErrorKind::InsufficientScope {
            required,
            permission_source: source,
        })
    }

    #[test]
    fn every_description_fits_the_challenge_grammar() {
        let mut errors: Vec<AuthError> = ALL_TOKEN_ERRORS
            .into_iter()
            .map(|reason| error(AuthErrorKind::InvalidToken(reason)))
            .collect();
        errors.extend([
            error(AuthErrorKind::MissingCredentials),
            error(AuthErrorKind::MalformedAuthorization),
            error(AuthErrorKind::MultipleTokenMethods),
            error(AuthErrorKind::KeysUnavailable),
        ]);
        errors.extend(ALL_SOURCES.map(|source| insufficient("read:messages", source)));
        for error in errors {
            assert!(is_challenge_text(&error.description()), "{error:?}");
        }
    }

    #[test]
    fn invalid_token_keeps_its_reason_as_the_source_not_in_its_message() {
        let error = error(AuthErrorKind::InvalidToken(TokenError::Expired));
        assert_eq!(error.to_string(), "invalid token");
        let source = std::error::Error::source(&error).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("token expired"));
        // The client still learns the reason, from the description.
        assert_eq!(error.description(), "token expired");
    }

    #[test]
    fn missing_credentials_challenge_has_no_error_code() {
        let response = error(AuthErrorKind::MissingCredentials).into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[WWW_AUTHENTICATE], "Bearer realm=\"api\"");
    }

    #[test]
    fn insufficient_scope_names_the_scope() {
        let response = insufficient("read:messages", PermissionSource::Scope).into_response();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let challenge = response.headers()[WWW_AUTHENTICATE].to_str().unwrap();
        assert!(challenge.contains("error=\"insufficient_scope\""));
        assert!(challenge.ends_with("scope=\"read:messages\""));
    }

    #[test]
    fn insufficient_scope_description_says_where_the_permission_was_looked_for() {
        let descriptions =
            ALL_SOURCES.map(|source| insufficient("read:messages", source).description());
        assert_eq!(
            descriptions,
            [
                "the read:messages scope is required",
                "the read:messages permission is required",
                "the read:messages scope or permission is required",
            ]
        );
    }

    #[test]
    fn permission_name_outside_the_scope_grammar_is_never_put_in_the_challenge() {
        let error = insufficient("say \"hi\"", PermissionSource::Permissions);
        assert_eq!(error.description(), "a permission is required");
        assert_eq!(error.scope(), None);
        let response = error.into_response();
        assert_eq!(
            response.headers()[WWW_AUTHENTICATE],
            "Bearer realm=\"api\", error=\"insufficient_scope\", error_description=\"a permission is required\""
        );
    }

    #[test]
    fn configured_realm_is_named_in_every_challenge() {
        let realm = Realm::new("messages").unwrap();
        for kind in [
            AuthErrorKind::MissingCredentials,
            AuthErrorKind::MalformedAuthorization,
            AuthErrorKind::InvalidToken(TokenError::Expired),
        ] {
            let response = AuthError::new(kind, realm.clone()).into_response();
            let challenge = response.headers()[WWW_AUTHENTICATE].to_str().unwrap();
            assert!(
                challenge.starts_with("Bearer realm=\"messages\""),
                "{challenge}"
            );
        }
    }

    #[test]
    fn a_token_sent_two_ways_is_an_invalid_request() {
        let response = error(AuthErrorKind::MultipleTokenMethods).into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            response.headers()[WWW_AUTHENTICATE],
            "Bearer realm=\"api\", error=\"invalid_request\", error_description=\"access token sent in more than one way\""
        );
    }

    #[test]
    fn unavailable_keys_are_a_503_with_retry_after_and_no_challenge() {
        let response = error(AuthErrorKind::KeysUnavailable).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[RETRY_AFTER], "10");
        assert!(response.headers().get(WWW_AUTHENTICATE).is_none());
    }
}
