#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod base64url;
mod bearer_header;
mod challenge;
mod claims;
mod config;
mod error;
mod jwk;
mod jwks;
mod permission;
mod token;
mod validator;
mod verified_cache;

pub use challenge::{Realm, RealmError};
pub use claims::Claims;
pub use config::{AudienceError, BearerAuthConfig, JwksSettings, MAX_CLOCK_LEEWAY};
pub use error::{AuthError, AuthErrorKind};
pub use permission::{
    ConfiguredSource, FromPermissions, FromScope, FromScopeOrPermissions, Permission,
    PermissionSource, RequirePermission, RequireScope, SourceSelector,
};
pub use token::TokenError;
pub use validator::BearerAuth;
