//! The endpoints, with the quickstart's messages, and the probes for orchestration: liveness
//! (`/healthz`), which never calls the issuer, and readiness (`/readyz`), which reports whether
//! the signing keys are usable.

use axum::extract::State;
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use axum_bearer_auth::{BearerAuth, Claims, KeyStatus, Permission, RequirePermission};
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

/// A `{"status": "ready" | "unavailable", "keys": ...}` body.
#[derive(Serialize)]
struct Readiness {
    status: &'static str,
    keys: &'static str,
}

/// Seconds a probe should wait after a 503 before asking again: the JWKS refetch interval.
const RETRY_AFTER_SECONDS: HeaderValue = HeaderValue::from_static("10");

pub(crate) fn router() -> Router<BearerAuth> {
    Router::new()
        .route("/api/public", get(public))
        .route("/api/private", get(private))
        .route("/api/private-scoped", get(private_scoped))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
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

/// Readiness: 200 when the signing keys can verify a token now, 503 when no JWKS fetch has
/// succeeded yet or the last one is past the trust limit. In those cases it asks the issuer
/// once, rate-limited with every other fetch (at most one per 10 s), so that an instance kept
/// out of service for want of keys gets them without waiting for a token.
async fn readyz(State(auth): State<BearerAuth>) -> Response {
    let keys = auth.check_keys().await;
    if keys == KeyStatus::Usable {
        return Json(Readiness {
            status: "ready",
            keys: keys.as_str(),
        })
        .into_response();
    }
    let body = Readiness {
        status: "unavailable",
        keys: keys.as_str(),
    };
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    response
        .headers_mut()
        .insert(RETRY_AFTER, RETRY_AFTER_SECONDS);
    response
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
