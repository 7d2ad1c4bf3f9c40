//! The protected API: RS256 access tokens validated against the issuer's JWKS by
//! [`axum_bearer_auth`].
//!
//! `GET /api/public` answers anyone, `GET /api/private` needs a valid access token,
//! `GET /api/private-scoped` also the `read:messages` permission, `GET /healthz` (liveness)
//! and `GET /readyz` (readiness: are the signing keys usable) are for orchestration. [`app`]
//! builds the whole service ([`Api`] also the metrics endpoint reporting on it); the `api`
//! binary serves it with [`serve::serve`], which bounds slow and idle connections and how many
//! are served at once.

#![warn(missing_docs)]

pub mod config;
mod cors;
pub mod error;
mod limits;
mod line_format;
pub mod logging;
pub mod metrics;
mod request_log;
pub mod routes;
pub mod serve;

use std::sync::Arc;

use axum::Router;
use axum_bearer_auth::BearerAuth;
use tower::ServiceBuilder;

pub use config::{Config, ConfigError};
pub use error::ApiError;

use limits::RequestLimits;
use metrics::{CountRequestsLayer, RequestCounters};
use serve::ConnectionStats;

/// The API as a router, ready for [`serve::serve`] (or `axum::serve`). Builds its token
/// validator; nothing is fetched until the first token needs a key (or `/readyz` is asked).
pub fn app(config: Config) -> Router {
    Api::new(config).router
}

/// The API and the metrics endpoint that reports on it, sharing one set of counters.
pub struct Api {
    /// The endpoints, for the API's listener.
    pub router: Router,
    /// `GET /metrics` in the Prometheus text format, for a listener of its own
    /// ([`Config::metrics_addr`]); see [`metrics`].
    pub metrics: Router,
    /// The connection counts the metrics report: give them to [`serve::serve`] for the API's
    /// listener.
    pub connections: ConnectionStats,
}

impl Api {
    /// The routers for `config`, with a token validator of their own.
    pub fn new(config: Config) -> Self {
        let limits = RequestLimits {
            max_header_bytes: config.max_header_bytes,
            timeout: config.request_timeout,
        };
        let requests = Arc::new(RequestCounters::new());
        let connections = ConnectionStats::new();
        let auth = BearerAuth::new(config.bearer_auth);
        let metrics = metrics::router(
            Arc::clone(&requests),
            auth.clone(),
            connections.clone(),
            config.max_connections,
        );
        let router = routes::router().with_state(auth).layer(
            ServiceBuilder::new()
                .layer(CountRequestsLayer::new(requests))
                .layer(request_log::RequestLogLayer)
                .layer(cors::cors_layer(&config.allowed_origins))
                .layer(limits),
        );
        Self {
            router,
            metrics,
            connections,
        }
    }
}
