//! The verified identity of a request and the extractor that produces it.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::bearer::bearer_token;
use crate::error::ApiError;
use crate::state::AppState;

/// An OAuth 2.0 scope (RFC 6749 section 3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope(&'static str);

impl Scope {
    /// The scope the scoped endpoint requires.
    pub const READ_MESSAGES: Scope = Scope("read:messages");

    /// The scope token as it appears in `scope`.
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

/// What a verified access token says about the caller. Using it as a handler argument makes the
/// handler protected: the request is answered 401/503 before the handler runs when no valid
/// token comes with it. Cloning is cheap: the verified-token cache hands the same shared claims
/// to every request that carries the token.
#[derive(Debug, Clone)]
pub struct Claims(Arc<VerifiedClaims>);

#[derive(Debug)]
struct VerifiedClaims {
    subject: String,
    scope: Option<String>,
    expires_at: u64,
}

impl Claims {
    pub(crate) fn new(subject: String, scope: Option<String>, expires_at: u64) -> Self {
        Self(Arc::new(VerifiedClaims {
            subject,
            scope,
            expires_at,
        }))
    }

    /// The `sub` claim.
    pub fn subject(&self) -> &str {
        &self.0.subject
    }

    /// The scope tokens of the space-separated `scope` claim.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.0
            .scope
            .as_deref()
            .unwrap_or_default()
            .split(' ')
            .filter(|scope| !scope.is_empty())
    }

    /// True when `scope` is one of the granted scope tokens, compared exactly.
    pub fn has_scope(&self, scope: Scope) -> bool {
        self.scopes().any(|granted| granted == scope.as_str())
    }

    /// The `exp` claim, in seconds since the Unix epoch.
    pub fn expires_at(&self) -> u64 {
        self.0.expires_at
    }

    /// Succeeds when `scope` was granted.
    ///
    /// # Errors
    /// [`ApiError::InsufficientScope`] naming the required scope (RFC 6750 section 3.1).
    pub fn require_scope(&self, scope: Scope) -> Result<(), ApiError> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(ApiError::InsufficientScope { required: scope })
        }
    }
}

impl FromRequestParts<AppState> for Claims {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers)?;
        let claims = state.verifier().verify(token.secret()).await?;
        tracing::Span::current().record("sub", tracing::field::debug(claims.subject()));
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_scope(scope: &str) -> Claims {
        Claims::new("user".to_owned(), Some(scope.to_owned()), 0)
    }

    #[test]
    fn scope_must_match_a_whole_token() {
        assert!(with_scope("read:messages").has_scope(Scope::READ_MESSAGES));
        assert!(with_scope("openid read:messages profile").has_scope(Scope::READ_MESSAGES));
        assert!(!with_scope("read:messagesX").has_scope(Scope::READ_MESSAGES));
        assert!(!with_scope("xread:messages").has_scope(Scope::READ_MESSAGES));
        assert!(!with_scope("read:messages,write:messages").has_scope(Scope::READ_MESSAGES));
        assert!(!with_scope("READ:MESSAGES").has_scope(Scope::READ_MESSAGES));
        assert!(!with_scope("").has_scope(Scope::READ_MESSAGES));
    }

    #[test]
    fn missing_scope_claim_grants_nothing() {
        let claims = Claims::new("user".to_owned(), None, 0);
        assert!(!claims.has_scope(Scope::READ_MESSAGES));
        assert!(matches!(
            claims.require_scope(Scope::READ_MESSAGES),
            Err(ApiError::InsufficientScope { .. })
        ));
    }
}
