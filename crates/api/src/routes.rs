//! The endpoints, with the quickstart's messages.

use axum::routing::get;
use axum::{Json, Router};
use axum_bearer_auth::{BearerAuth, Claims, Permission, RequirePermission};
use serde::Serialize;

use crate::error::ApiError;

/// Answer of `/api/public`.
pub const PUBLIC_MESSAGE: &str =
    "Hello from a public endpoint! You don't need to be authenticated to see this.";
/// Answer of `/api/private`.
pub const PRIVATE_MESSAGE: &str =
    "Hello from a private endpoint! You need to be authenticated to see this.";
/// Answer of `/api/private-scoped`.
pub const PRIVATE_SCOPED_MESSAGE: &str = "Hello from a private endpoint! You need to be authenticated and have a scope of read:messages to see this.";

/// The permission `/api/private-scoped` requires, from the configured source (`scope` unless
/// `PERMISSIONS_SOURCE` says otherwise).
pub struct ReadMessages;

impl Permission for ReadMessages {
    const NAME: &'static str = "read:messages";
}

/// A `{"message": ...}` body.
#[derive(Serialize)]
struct Message {
    message: &'static str,
}

/// A `{"status": "ok"}` body.
#[derive(Serialize)]
struct Health {
    status: &'static str,
}

pub(crate) fn router() -> Router<BearerAuth> {
    Router::new()
        .route("/api/public", get(public))
        .route("/api/private", get(private))
        .route("/api/private-scoped", get(private_scoped))
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

/// Credentials, valid or not, are ignored here.
async fn public() -> Json<Message> {
    Json(Message {
        message: PUBLIC_MESSAGE,
    })
}

async fn private(_claims: Claims) -> Json<Message> {
    Json(Message {
        message: PRIVATE_MESSAGE,
    })
}

async fn private_scoped(_caller: RequirePermission<ReadMessages>) -> Json<Message> {
    Json(Message {
        message: PRIVATE_SCOPED_MESSAGE,
    })
}

/// Liveness only: it never calls the issuer, so an issuer outage does not restart instances.
async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
