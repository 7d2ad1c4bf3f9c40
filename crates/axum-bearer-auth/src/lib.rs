#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod claims;
mod config;
mod error;
mod jwks;
mod metrics;
mod permission;
mod realm;
mod rs256;
mod token;
mod token_methods;
mod validator;
mod verified_cache;

pub use claims::{Claims, ClaimsSlot};
pub use config::{AudienceError, BearerAuthConfig, JwksSettings, MAX_CLOCK_LEEWAY};
pub use error::{AuthError, AuthErrorKind};
pub use jwks::KeyStatus;
pub use metrics::{AuthMetrics, Outcome};
pub use permission::{
    ConfiguredSource, FromPermissions, FromScope, FromScopeOrPermissions, Permission,
    PermissionSource, RequirePermission, RequireScope, SourceSelector,
};
pub use realm::{Realm, RealmError};
pub use token::TokenError;
pub use validator::BearerAuth;

/// The protocol types this library's API takes, so an app needs no second dependency line.
pub use oidc_protocol as protocol;
pub use oidc_protocol::{Audience, Issuer};
