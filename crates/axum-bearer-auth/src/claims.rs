//! The verified identity of a request and the extractor that produces it.

use std::sync::{Arc, OnceLock};

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use oidc_protocol::Scope;

use crate::error::{AuthError, AuthErrorKind};
use crate::permission::PermissionSource;
use crate::realm::Realm;
use crate::token::TokenError;
use crate::token_methods::names_access_token;
use crate::validator::BearerAuth;

/// The `permissions` claim as the token carried it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum PermissionsClaim {
    /// No `permissions` claim: nothing is granted by it.
    #[default]
    Absent,
    /// An array of strings.
    Granted(Vec<String>),
    /// Present, but not an array of strings; an error wherever it is consulted.
    Invalid,
}

/// What a verified access token says about the caller.
///
/// Using it as a handler argument makes the handler protected: the request is answered
/// 401/400/503 before the handler runs unless a valid token comes with it, in the
/// `Authorization` header only (RFC 6750 section 2.1; a token in the query as well is a 400). Any state `S` works
/// as long as the [`BearerAuth`] can be had from it (`BearerAuth: FromRef<S>`). When the
/// current tracing span has a `sub` field, the extractor fills it in with the subject, and when
/// the request carries a [`ClaimsSlot`], it leaves the claims there.
///
/// Cloning is cheap: the verified-token cache hands the same shared claims to every request
/// that carries the token.
#[derive(Debug, Clone)]
pub struct Claims(Arc<VerifiedClaims>);

#[derive(Debug)]
struct VerifiedClaims {
    subject: String,
    scope: Option<Scope>,
    permissions: PermissionsClaim,
    expires_at: u64,
    source: PermissionSource,
    realm: Realm,
}

impl Claims {
    pub(crate) fn new(
        subject: String,
        scope: Option<Scope>,
        permissions: PermissionsClaim,
        expires_at: u64,
        source: PermissionSource,
        realm: Realm,
    ) -> Self {
        Self(Arc::new(VerifiedClaims {
            subject,
            scope,
            permissions,
            expires_at,
            source,
            realm,
        }))
    }

    /// The `sub` claim; never empty.
    pub fn subject(&self) -> &str {
        &self.0.subject
    }

    /// The `exp` claim, in seconds since the Unix epoch.
    pub fn expires_at(&self) -> u64 {
        self.0.expires_at
    }

    /// The scope tokens of the space-separated `scope` claim (RFC 6749 section 3.3); none when
    /// the claim is absent.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.0.scope.iter().flat_map(Scope::tokens)
    }

    /// True when `scope` is one of the scope tokens, compared exactly.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.0
            .scope
            .as_ref()
            .is_some_and(|granted| granted.contains(scope))
    }

    /// The entries of the `permissions` array claim; empty when the claim is absent.
    ///
    /// # Errors
    /// [`AuthErrorKind::InvalidToken`] with [`TokenError::InvalidClaim`] when the claim is not an
    /// array of strings.
    pub fn permissions(&self) -> Result<&[String], AuthError> {
        match &self.0.permissions {
            PermissionsClaim::Absent => Ok(&[]),
            PermissionsClaim::Granted(permissions) => Ok(permissions),
            PermissionsClaim::Invalid => Err(self.error(TokenError::InvalidClaim.into())),
        }
    }

    /// Where [`Claims::grants`] and [`Claims::require`] look: the validator's configured source.
    pub fn permission_source(&self) -> PermissionSource {
        self.0.source
    }

    /// True when the configured source grants `permission`, compared exactly.
    ///
    /// # Errors
    /// As [`Claims::grants_from`].
    pub fn grants(&self, permission: &str) -> Result<bool, AuthError> {
        self.grants_from(permission, self.0.source)
    }

    /// True when `source` grants `permission`, compared exactly as a whole word.
    ///
    /// # Errors
    /// [`AuthErrorKind::InvalidToken`] when `source` reads a `permissions` claim that is not an
    /// array of strings, even if `scope` alone would grant it.
    pub fn grants_from(
        &self,
        permission: &str,
        source: PermissionSource,
    ) -> Result<bool, AuthError> {
        let by_permissions = if source.reads_permissions() {
            self.permissions()?
                .iter()
                .any(|granted| granted == permission)
        } else {
            false
        };
        Ok(by_permissions || (source.reads_scope() && self.has_scope(permission)))
    }

    /// Succeeds when the configured source grants `permission`.
    ///
    /// # Errors
    /// As [`Claims::require_from`].
    pub fn require(&self, permission: &'static str) -> Result<(), AuthError> {
        self.require_from(permission, self.0.source)
    }

    /// Succeeds when `source` grants `permission`.
    ///
    /// # Errors
    /// [`AuthErrorKind::InsufficientScope`] naming `permission` (RFC 6750 section 3.1), or
    /// [`AuthErrorKind::InvalidToken`] as [`Claims::grants_from`].
    pub fn require_from(
        &self,
        permission: &'static str,
        source: PermissionSource,
    ) -> Result<(), AuthError> {
        if self.grants_from(permission, source)? {
            Ok(())
        } else {
            Err(self.error(AuthErrorKind::InsufficientScope {
                required: permission,
                permission_source: source,
            }))
        }
    }

    /// Refuses a request whose `application/x-www-form-urlencoded` body carries an
    /// `access_token` parameter as well as the header these claims came from: RFC 6750
    /// section 3.1 makes that an invalid request (more than one method for including an access
    /// token). The extractors never read a body, so a handler that takes a form body calls this
    /// on it.
    ///
    /// # Errors
    /// [`AuthErrorKind::MultipleTokenMethods`] (400 `invalid_request`) when the body names
    /// `access_token`.
    pub fn refuse_form_token(&self, form_body: &[u8]) -> Result<(), AuthError> {
        if names_access_token(&String::from_utf8_lossy(form_body)) {
            return Err(self.error(AuthErrorKind::MultipleTokenMethods));
        }
        Ok(())
    }

    fn error(&self, kind: AuthErrorKind) -> AuthError {
        AuthError::new(kind, self.0.realm.clone())
    }
}

/// Where the extractors leave the verified claims for middleware outside the handler, such as
/// an access log: put a clone in the request's extensions before the router runs, keep the
/// other, and read it once the response is ready. Empty when no extractor verified a token (a
/// public route, a missing or invalid token); a valid token refused for lack of a permission
/// (403) leaves its claims, so the log can say who was refused.
///
/// An extension rather than a tracing span field, so that recording the caller costs no span
/// per request.
#[derive(Debug, Clone, Default)]
pub struct ClaimsSlot(Arc<OnceLock<Claims>>);

impl ClaimsSlot {
    /// An empty slot.
    pub fn new() -> Self {
        Self::default()
    }

    /// The claims an extractor verified for this request, if any.
    pub fn claims(&self) -> Option<&Claims> {
        self.0.get()
    }

    /// The verified subject, if any.
    pub fn subject(&self) -> Option<&str> {
        self.claims().map(Claims::subject)
    }

    /// Keeps the first claims verified for the request; a second extractor finds the same.
    fn fill(&self, claims: &Claims) {
        self.0.get_or_init(|| claims.clone());
    }
}

impl<S> FromRequestParts<S> for Claims
where
    BearerAuth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AuthError> {
        let auth = BearerAuth::from_ref(state);
        let claims = auth.authenticate_parts(parts).await?;
        tracing::Span::current().record("sub", tracing::field::debug(claims.subject()));
        if let Some(slot) = parts.extensions.get::<ClaimsSlot>() {
            slot.fill(&claims);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const READ_MESSAGES: &str = "read:messages";

    fn claims(scope: Option<&str>, permissions: PermissionsClaim) -> Claims {
        Claims::new(
            "user".to_owned(),
            scope.map(Scope::new),
            permissions,
            0,
            PermissionSource::Scope,
            Realm::default(),
        )
    }

    fn with_scope(scope: &str) -> Claims {
        claims(Some(scope), PermissionsClaim::Absent)
    }

    fn with_permissions(permissions: &[&str]) -> Claims {
        claims(
            None,
            PermissionsClaim::Granted(permissions.iter().map(|p| (*p).to_owned()).collect()),
        )
    }

    #[test]
    fn scope_must_match_a_whole_token() {
        assert!(with_scope("read:messages").has_scope(READ_MESSAGES));
        assert!(with_scope("openid read:messages profile").has_scope(READ_MESSAGES));
        assert!(!with_scope("read:messagesX").has_scope(READ_MESSAGES));
        assert!(!with_scope("xread:messages").has_scope(READ_MESSAGES));
        assert!(!with_scope("read:messages,write:messages").has_scope(READ_MESSAGES));
        assert!(!with_scope("READ:MESSAGES").has_scope(READ_MESSAGES));
        assert!(!with_scope("").has_scope(READ_MESSAGES));
    }

    #[test]
    fn missing_scope_claim_grants_nothing() {
        let claims = claims(None, PermissionsClaim::Absent);
        assert!(!claims.has_scope(READ_MESSAGES));
        let error = claims.require(READ_MESSAGES).unwrap_err();
        assert!(matches!(
            error.kind(),
            AuthErrorKind::InsufficientScope {
                required: READ_MESSAGES,
                permission_source: PermissionSource::Scope
            }
        ));
    }

    #[test]
    fn permission_must_match_a_whole_entry() {
        let source = PermissionSource::Permissions;
        assert_eq!(
            with_permissions(&["read:messages"]).grants_from(READ_MESSAGES, source),
            Ok(true)
        );
        for look_alike in [
            &["read:messagesX"][..],
            &["READ:MESSAGES"],
            &["read:messages,admin"],
            &["read:messages admin"],
            &[" read:messages"],
            &[],
        ] {
            assert_eq!(
                with_permissions(look_alike).grants_from(READ_MESSAGES, source),
                Ok(false),
                "{look_alike:?}"
            );
        }
    }

    #[test]
    fn each_source_reads_only_its_claims() {
        let by_scope = with_scope("read:messages");
        let by_permissions = with_permissions(&["read:messages"]);
        let cases = [
            (PermissionSource::Scope, true, false),
            (PermissionSource::Permissions, false, true),
            (PermissionSource::ScopeOrPermissions, true, true),
        ];
        for (source, scope_grants, permissions_grant) in cases {
            assert_eq!(
                by_scope.grants_from(READ_MESSAGES, source),
                Ok(scope_grants)
            );
            assert_eq!(
                by_permissions.grants_from(READ_MESSAGES, source),
                Ok(permissions_grant)
            );
        }
    }

    #[test]
    fn invalid_permissions_claim_fails_only_where_it_is_read() {
        let claims = claims(Some("read:messages"), PermissionsClaim::Invalid);
        assert_eq!(
            claims.grants_from(READ_MESSAGES, PermissionSource::Scope),
            Ok(true)
        );
        for source in [
            PermissionSource::Permissions,
            PermissionSource::ScopeOrPermissions,
        ] {
            let error = claims.grants_from(READ_MESSAGES, source).unwrap_err();
            assert!(
                matches!(
                    error.kind(),
                    AuthErrorKind::InvalidToken(TokenError::InvalidClaim)
                ),
                "{source:?}: {error:?}"
            );
        }
        assert!(claims.permissions().is_err());
    }
}
