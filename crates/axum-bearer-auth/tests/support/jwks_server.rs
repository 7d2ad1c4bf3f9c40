//! A local issuer on 127.0.0.1:0 serving a JWKS the test can change, break and count.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use super::keys::TestKey;

/// How the JWKS endpoint answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The configured document.
    Up,
    /// 500 Internal Server Error.
    Failing,
    /// 200 with a body that is not JSON.
    Garbage,
    /// 200 with `{"keys": []}`.
    Empty,
}

struct Shared {
    mode: Mutex<Mode>,
    document: Mutex<Value>,
    /// Served at `/other/keys.json`, a location only discovery can point to.
    other_document: Mutex<Value>,
    discovery: Mutex<Option<Value>>,
    /// When set, discovery answers 503 whatever its document.
    discovery_failing: AtomicBool,
    jwks_fetches: AtomicUsize,
    /// Fetches wait here until the test opens it.
    gate: Semaphore,
}

pub struct JwksServer {
    pub issuer: String,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

const OPEN: usize = 1 << 20;

impl JwksServer {
    pub async fn start(keys: &[&TestKey]) -> Self {
        let shared = Arc::new(Shared {
            mode: Mutex::new(Mode::Up),
            document: Mutex::new(document(keys)),
            other_document: Mutex::new(document(&[])),
            discovery: Mutex::new(None),
            discovery_failing: AtomicBool::new(false),
            jwks_fetches: AtomicUsize::new(0),
            gate: Semaphore::new(OPEN),
        });
        let router = Router::new()
            .route("/.well-known/jwks.json", get(jwks))
            .route("/other/keys.json", get(other_jwks))
            .route("/.well-known/openid-configuration", get(discovery))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let address = listener.local_addr().expect("local address");
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.expect("jwks server");
        });
        Self {
            issuer: format!("http://{address}/"),
            shared,
            server,
        }
    }

    pub fn set_keys(&self, keys: &[&TestKey]) {
        *self.shared.document.lock().unwrap() = document(keys);
    }

    pub fn set_document(&self, document: Value) {
        *self.shared.document.lock().unwrap() = document;
    }

    pub fn set_other_document(&self, document: Value) {
        *self.shared.other_document.lock().unwrap() = document;
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap() = mode;
    }

    /// Serve a discovery document (none by default: 404).
    pub fn set_discovery(&self, discovery: Value) {
        *self.shared.discovery.lock().unwrap() = Some(discovery);
    }

    /// Make discovery answer 503 (or stop doing so).
    pub fn set_discovery_failing(&self, failing: bool) {
        self.shared
            .discovery_failing
            .store(failing, Ordering::SeqCst);
    }

    pub fn jwks_fetches(&self) -> usize {
        self.shared.jwks_fetches.load(Ordering::SeqCst)
    }

    /// Holds every JWKS fetch until [`JwksServer::open_gate`].
    pub async fn close_gate(&self) {
        self.shared
            .gate
            .acquire_many(OPEN as u32)
            .await
            .expect("gate")
            .forget();
    }

    pub fn open_gate(&self) {
        self.shared.gate.add_permits(OPEN);
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.server.abort();
    }
}

pub fn document(keys: &[&TestKey]) -> Value {
    json!({"keys": keys.iter().map(|key| key.jwk()).collect::<Vec<_>>()})
}

async fn jwks(State(shared): State<Arc<Shared>>) -> Response {
    shared.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    drop(shared.gate.acquire().await.expect("gate"));
    let mode = *shared.mode.lock().unwrap();
    match mode {
        Mode::Up => {
            let document = shared.document.lock().unwrap().clone();
            axum::Json(document).into_response()
        }
        Mode::Failing => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        Mode::Garbage => "<html>maintenance</html>".into_response(),
        Mode::Empty => axum::Json(json!({"keys": []})).into_response(),
    }
}

async fn other_jwks(State(shared): State<Arc<Shared>>) -> Response {
    shared.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    let document = shared.other_document.lock().unwrap().clone();
    axum::Json(document).into_response()
}

async fn discovery(State(shared): State<Arc<Shared>>) -> Response {
    if shared.discovery_failing.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    match shared.discovery.lock().unwrap().clone() {
        Some(document) => axum::Json(document).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
