//! The protected API: RS256 access tokens validated against the issuer's JWKS by
//! [`axum_bearer_auth`].
//!
//! `GET /api/public` answers anyone, `GET /api/private` needs a valid access token,
//! `GET /api/private-scoped` also the `read:messages` permission, `GET /healthz` (liveness)
//! and `GET /readyz` (readiness: are the signing keys usable) are for orchestration. [`app`] builds the whole service; the `api` binary serves it with
//! [`serve::serve`], which bounds slow and idle connections and how many are served at once.

#![warn(missing_docs)]

pub mod config;
mod cors;
pub mod error;
mod limits;
mod line_format;
pub mod logging;
mod request_log;
pub mod routes;
pub mod serve;

use axum::Router;
use axum_bearer_auth::BearerAuth;
use tower::ServiceBuilder;

pub use config::{Config, ConfigError};
pub use error::ApiError;

use limits::RequestLimits;

/// The API as a router, ready for `axum::serve`. Builds its token validator; nothing is fetched
/// until the first token needs a key.
pub fn app(config: Config) -> Router {
    let limits = RequestLimits {
        max_header_bytes: config.max_header_bytes,
        timeout: config.request_timeout,
    };
    let auth = BearerAuth::new(config.bearer_auth);
    routes::router().with_state(auth).layer(
        ServiceBuilder::new()
            .layer(request_log::RequestLogLayer)
            .layer(cors::cors_layer(&config.allowed_origins))
            .layer(limits),
    )
}
