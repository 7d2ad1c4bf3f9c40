//! A local, Auth0-compatible authorization server for development and tests: OpenID Connect
//! discovery, JWKS, `/authorize` (code + PKCE, implicit), a login page, `/oauth/token` (with
//! client credentials for machine-to-machine clients), `/oauth/revoke`, `/userinfo` and logout,
//! all in memory, binding to loopback only.

#![warn(missing_docs)]

pub mod authorization_response;
pub mod authorize;
pub mod client_auth;
pub mod client_grant;
pub mod clock;
pub mod config;
pub mod cookies;
pub mod direct_token;
pub mod grant;
pub mod host;
pub mod keys;
pub mod opaque;
pub mod pages;
pub mod redirect;
pub mod routes;
pub mod serve;
pub mod state;
pub mod store;
pub mod token_request;
pub mod tokens;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderName, HeaderValue, Method, Request};
use axum::middleware;
use axum::routing::{get, post};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;
use tracing::Span;

pub use config::{ConfigError, TenantConfig};
pub use keys::{KeyError, SigningKeys};

use clock::Clock;
use host::AllowedHosts;
use routes::{
    assets, authorize as authorize_route, discovery, login, logout, revoke, token, userinfo,
};
use state::AppState;
use store::{RefreshPolicy, Store, StoreLimits};
use token_request::MAX_BODY_BYTES;

/// How a tenant runs beyond what its configuration says: the clock it measures lifetimes with,
/// the caps of its stores and the port it is served on. `Default` is the system clock,
/// [`StoreLimits::default`] and the issuer's port.
#[derive(Clone, Debug, Default)]
pub struct AppOptions {
    /// Where lifetimes are measured; tests keep a clone and move it forward.
    pub clock: Clock,
    /// The most entries each in-memory store holds.
    pub store_limits: StoreLimits,
    /// The port the listener is bound to, when it may differ from the issuer's: loopback names
    /// and addresses on it are accepted in `Host` too.
    pub served_port: Option<u16>,
}

/// The whole tenant as a router, ready for [`serve::serve`]. State lives in
/// memory for the life of the router.
pub fn app(config: TenantConfig, keys: SigningKeys) -> Router {
    app_with(config, keys, AppOptions::default())
}

/// [`app`] with a chosen clock and store caps.
pub fn app_with(config: TenantConfig, keys: SigningKeys, options: AppOptions) -> Router {
    let (router, _) = app_with_state(config, keys, options);
    router
}

/// [`app_with`], also returning the state the router serves, so tests can watch the stores.
pub fn app_with_state(
    config: TenantConfig,
    keys: SigningKeys,
    options: AppOptions,
) -> (Router, Arc<AppState>) {
    let cors = cors_layer(&config);
    let mut allowed_hosts = AllowedHosts::for_issuer(&config.issuer);
    if let Some(port) = options.served_port {
        allowed_hosts = allowed_hosts.with_loopback_port(port);
    }
    let allowed_hosts = Arc::new(allowed_hosts);
    let store = Store::new(options.store_limits, RefreshPolicy::from_config(&config));
    let state = Arc::new(AppState {
        config,
        keys,
        clock: options.clock,
        store,
    });
    // Endpoints that browsers call with fetch get CORS for the registered web origins.
    let cross_origin = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route("/.well-known/jwks.json", get(discovery::jwks))
        .route(
            "/oauth/token",
            post(token::token).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route(
            "/oauth/revoke",
            post(revoke::revoke).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route(
            "/userinfo",
            get(userinfo::userinfo).post(userinfo::userinfo),
        )
        .layer(cors);
    // Endpoints that browsers navigate to get no CORS at all.
    let navigation = Router::new()
        .route("/authorize", get(authorize_route::authorize))
        .route("/u/login", get(login::show).post(login::submit))
        .route("/v2/logout", get(logout::auth0_logout))
        .route(
            "/oidc/logout",
            get(logout::oidc_logout).post(logout::oidc_logout_form),
        )
        .route("/avatars/{file}", get(assets::avatar))
        .route("/static/login.css", get(assets::stylesheet));
    // Method and path only, at debug level (`RUST_LOG=tower_http=debug`). Never the query, which
    // carries `id_token_hint` on logout and login transaction ids, nor bodies and headers, which
    // carry codes, passwords and tokens.
    let router = cross_origin
        .merge(navigation)
        .with_state(Arc::clone(&state))
        // Outside every route, CORS preflights included: a request naming a foreign host is
        // refused before anything else looks at it.
        .layer(middleware::from_fn(move |request, next| {
            host::require_allowed_host(Arc::clone(&allowed_hosts), request, next)
        }))
        .layer(TraceLayer::new_for_http().make_span_with(request_span));
    (router, state)
}

fn request_span<B>(request: &Request<B>) -> Span {
    tracing::debug_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
    )
}

fn cors_layer(config: &TenantConfig) -> CorsLayer {
    let origins: Vec<HeaderValue> = config
        .web_origins()
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            AUTHORIZATION,
            CONTENT_TYPE,
            HeaderName::from_static("auth0-client"),
        ])
        .expose_headers([WWW_AUTHENTICATE])
        .max_age(Duration::from_secs(600))
}
