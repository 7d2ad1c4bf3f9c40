//! CORS: exact allowed origins, bearer header allowed, `WWW-Authenticate` readable by the SPA.

use std::time::Duration;

use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, Method};
use oidc_protocol::Origin;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Browsers may cache a preflight answer this long.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

/// A layer granting exactly `origins`; preflights are answered here, before any token check.
pub(crate) fn cors_layer(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|origin| {
            let value = Origin::parse(origin)
                .ok()
                .and_then(|origin| HeaderValue::from_str(origin.as_str()).ok());
            if value.is_none() {
                tracing::warn!(origin = ?origin, "ignoring an allowed origin that is not scheme://host[:port]");
            }
            value
        })
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::HEAD])
        .allow_headers([AUTHORIZATION, CONTENT_TYPE])
        .expose_headers([WWW_AUTHENTICATE])
        .max_age(PREFLIGHT_MAX_AGE)
}
