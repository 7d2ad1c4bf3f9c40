//! Permissions: where a token's grants are read from, and the per-route requirement extractor.
//!
//! A grant is a whole word, compared byte-exact: `read:messages` is granted by exactly
//! `read:messages`, never by `read:messagesX`, `READ:MESSAGES` or `read:messages,admin`.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;

use crate::claims::Claims;
use crate::error::AuthError;
use crate::validator::BearerAuth;

/// Which claim grants permissions.
///
/// `scope` is the space-separated OAuth 2.0 scope (RFC 6749 section 3.3, RFC 9068 section 2.2.3).
/// `permissions` is the JSON array of strings Auth0 adds when the API has "Enable RBAC" and
/// "Add Permissions in the Access Token" switched on.
///
/// A `permissions` claim that is present but not an array of strings makes the token invalid
/// (401 `invalid_token`, "invalid claim format") wherever it is consulted: on every request
/// when the configured source reads it, otherwise only on routes that ask for it
/// ([`FromPermissions`], [`FromScopeOrPermissions`], [`Claims::require_from`]). Routes that never
/// read it ignore it, as they ignore any other claim they do not use, so an issuer's stray
/// claim does not lock users out of an API that authorises by `scope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PermissionSource {
    /// The `scope` claim only (the default, as the quickstart).
    #[default]
    Scope,
    /// The `permissions` claim only (Auth0 RBAC).
    Permissions,
    /// Either claim: granted when `scope` or `permissions` names it.
    ScopeOrPermissions,
}

impl PermissionSource {
    /// True when the `scope` claim is read.
    pub(crate) fn reads_scope(self) -> bool {
        matches!(self, Self::Scope | Self::ScopeOrPermissions)
    }

    /// True when the `permissions` claim is read.
    pub(crate) fn reads_permissions(self) -> bool {
        matches!(self, Self::Permissions | Self::ScopeOrPermissions)
    }

    /// The noun the error description uses.
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Self::Scope => "scope",
            Self::Permissions => "permission",
            Self::ScopeOrPermissions => "scope or permission",
        }
    }
}

/// A permission a route can require, named once as a type:
///
/// ```
/// use axum_bearer_auth::Permission;
///
/// struct ReadMessages;
/// impl Permission for ReadMessages {
///     const NAME: &'static str = "read:messages";
/// }
/// ```
///
/// `NAME` should be a scope token (RFC 6749 section 3.3: printable ASCII without space, `"` or
/// `\`); a name outside that grammar can still be granted by `permissions`, but the 403 then
/// cannot name it.
pub trait Permission {
    /// The permission as it appears in `scope` or `permissions`.
    const NAME: &'static str;
}

/// Picks the [`PermissionSource`] a [`RequirePermission`] route consults, given the configured one.
pub trait SourceSelector {
    /// The source to consult when the validator is configured with `configured`.
    fn select(configured: PermissionSource) -> PermissionSource;
}

/// Consult the validator's configured [`PermissionSource`] (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct ConfiguredSource;

/// Consult `scope` only, whatever is configured.
#[derive(Debug, Clone, Copy, Default)]
pub struct FromScope;

/// Consult `permissions` only, whatever is configured.
#[derive(Debug, Clone, Copy, Default)]
pub struct FromPermissions;

/// Consult both `scope` and `permissions`, whatever is configured.
#[derive(Debug, Clone, Copy, Default)]
pub struct FromScopeOrPermissions;

impl SourceSelector for ConfiguredSource {
    fn select(configured: PermissionSource) -> PermissionSource {
        configured
    }
}

impl SourceSelector for FromScope {
    fn select(_: PermissionSource) -> PermissionSource {
        PermissionSource::Scope
    }
}

impl SourceSelector for FromPermissions {
    fn select(_: PermissionSource) -> PermissionSource {
        PermissionSource::Permissions
    }
}

impl SourceSelector for FromScopeOrPermissions {
    fn select(_: PermissionSource) -> PermissionSource {
        PermissionSource::ScopeOrPermissions
    }
}

/// An extractor for the [`Claims`] of a valid token that grants `P`, read from the source `S`
/// picks (by default the configured one). Without credentials or with an invalid token it
/// rejects as [`Claims`] does; with a valid token lacking `P` it answers 403
/// `insufficient_scope` naming `P::NAME` (RFC 6750 section 3.1).
///
/// It dereferences to the [`Claims`]. The check runs on every request, also when the token
/// comes from the verified-token cache.
pub struct RequirePermission<P, S = ConfiguredSource> {
    claims: Claims,
    requirement: PhantomData<fn() -> (P, S)>,
}

/// [`RequirePermission`] reading the `scope` claim whatever the configured source.
pub type RequireScope<P> = RequirePermission<P, FromScope>;

impl<P, S> RequirePermission<P, S> {
    /// The verified claims.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// The verified claims, by value.
    pub fn into_claims(self) -> Claims {
        self.claims
    }
}

impl<P, S> Deref for RequirePermission<P, S> {
    type Target = Claims;

    fn deref(&self) -> &Claims {
        &self.claims
    }
}

impl<P, S> Clone for RequirePermission<P, S> {
    fn clone(&self) -> Self {
        Self {
            claims: self.claims.clone(),
            requirement: PhantomData,
        }
    }
}

impl<P: Permission, S> fmt::Debug for RequirePermission<P, S> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("RequirePermission")
            .field("permission", &P::NAME)
            .field("claims", &self.claims)
            .finish()
    }
}

impl<P, S, State> FromRequestParts<State> for RequirePermission<P, S>
where
    P: Permission,
    S: SourceSelector,
    BearerAuth: FromRef<State>,
    State: Send + Sync,
{
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &State) -> Result<Self, AuthError> {
        let claims = Claims::from_request_parts(parts, state).await?;
        claims.require_from(P::NAME, S::select(claims.permission_source()))?;
        Ok(Self {
            claims,
            requirement: PhantomData,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_override_only_when_they_name_a_source() {
        for configured in [
            PermissionSource::Scope,
            PermissionSource::Permissions,
            PermissionSource::ScopeOrPermissions,
        ] {
            assert_eq!(ConfiguredSource::select(configured), configured);
            assert_eq!(FromScope::select(configured), PermissionSource::Scope);
            assert_eq!(
                FromPermissions::select(configured),
                PermissionSource::Permissions
            );
            assert_eq!(
                FromScopeOrPermissions::select(configured),
                PermissionSource::ScopeOrPermissions
            );
        }
    }

    #[test]
    fn scope_is_the_default_source() {
        assert_eq!(PermissionSource::default(), PermissionSource::Scope);
    }
}
