//! An API authorised by Auth0 RBAC permissions, with its own state.
//!
//! ```sh
//! AUTH0_DOMAIN=tenant.eu.auth0.com AUTH0_AUDIENCE=https://quickstarts/api \
//!     cargo run -p axum-bearer-auth --example rbac
//! ```
//!
//! In the Auth0 dashboard, the API needs "Enable RBAC" and "Add Permissions in the Access Token"
//! so that tokens carry the `permissions` array this example reads.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{FromRef, State};
use axum::routing::get;
use axum::{Json, Router};
use axum_bearer_auth::{
    BearerAuth, BearerAuthConfig, Claims, Permission, PermissionSource, RequirePermission,
    RequireScope,
};
use oidc_protocol::{Audience, Issuer};
use serde_json::{Value, json};

/// The app's state: the validator next to what the handlers share.
#[derive(Clone)]
struct AppState {
    auth: BearerAuth,
    messages_posted: Arc<AtomicU64>,
}

impl FromRef<AppState> for BearerAuth {
    fn from_ref(state: &AppState) -> Self {
        state.auth.clone()
    }
}

struct ReadMessages;
impl Permission for ReadMessages {
    const NAME: &'static str = "read:messages";
}

struct WriteMessages;
impl Permission for WriteMessages {
    const NAME: &'static str = "write:messages";
}

struct Profile;
impl Permission for Profile {
    const NAME: &'static str = "profile";
}

/// Any valid token.
async fn me(claims: Claims) -> Json<Value> {
    Json(json!({
        "sub": claims.subject(),
        "scopes": claims.scopes().collect::<Vec<_>>(),
        "expires_at": claims.expires_at(),
    }))
}

/// `read:messages` in `permissions` (the configured source).
async fn messages(
    State(state): State<AppState>,
    _caller: RequirePermission<ReadMessages>,
) -> Json<Value> {
    Json(json!({"posted": state.messages_posted.load(Ordering::Relaxed)}))
}

/// `write:messages` in `permissions`.
async fn post_message(
    State(state): State<AppState>,
    caller: RequirePermission<WriteMessages>,
) -> Json<Value> {
    let posted = state.messages_posted.fetch_add(1, Ordering::Relaxed) + 1;
    Json(json!({"posted": posted, "by": caller.subject()}))
}

/// The OpenID `profile` scope, which Auth0 never lists in `permissions`.
async fn profile(caller: RequireScope<Profile>) -> String {
    format!("profile of {}", caller.subject())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let domain = std::env::var("AUTH0_DOMAIN").map_err(|_| "set AUTH0_DOMAIN")?;
    let audience = std::env::var("AUTH0_AUDIENCE").map_err(|_| "set AUTH0_AUDIENCE")?;
    let config = BearerAuthConfig::new(Issuer::from_domain(&domain)?, Audience::new(audience))?
        .with_permission_source(PermissionSource::Permissions);
    let state = AppState {
        auth: BearerAuth::new(config),
        messages_posted: Arc::new(AtomicU64::new(0)),
    };
    let app = Router::new()
        .route("/me", get(me))
        .route("/messages", get(messages).post(post_message))
        .route("/profile", get(profile))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3010").await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
