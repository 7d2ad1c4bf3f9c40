//! The test issuer: OpenID Connect discovery and a JWKS on a loopback port, for keys published
//! one after another (rotation adds the new key and keeps the old ones, as Auth0 does while
//! tokens of the old key are still alive), and a server that can be stopped and started again
//! on the same port, as an issuer restarting.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use hyper::body::Bytes;
use serde_json::{Value, json};
use tokio::runtime::Handle;

use crate::keys::SigningKey;
use crate::server::RunningServer;
/// How long a restart keeps trying to bind the port again.
const REBIND_PATIENCE: Duration = Duration::from_secs(5);

/// Why the issuer could not serve.
#[derive(Debug, thiserror::Error)]
pub enum IssuerError {
    /// No loopback port could be bound at start.
    #[error("cannot bind a loopback port for the test issuer")]
    Bind(#[source] std::io::Error),
    /// The port could not be bound again after a stop.
    #[error("cannot bind {address} again to restart the test issuer")]
    Rebind {
        /// The issuer's address.
        address: SocketAddr,
        /// The last bind error.
        #[source]
        source: std::io::Error,
    },
}

/// What the issuer serves and how often it was asked.
struct Published {
    discovery: Bytes,
    jwks: RwLock<Bytes>,
    keys: RwLock<Vec<Value>>,
    jwks_fetches: AtomicU64,
    discovery_fetches: AtomicU64,
}

impl Published {
    fn add(&self, key: &SigningKey) {
        let mut keys = self.keys.write().unwrap_or_else(PoisonError::into_inner);
        keys.push(key.jwk());
        let document = Bytes::from(json!({ "keys": *keys }).to_string());
        *self.jwks.write().unwrap_or_else(PoisonError::into_inner) = document;
    }
}

/// A running (or stopped) test issuer.
pub struct TestIssuer {
    address: SocketAddr,
    published: Arc<Published>,
    runtime: Handle,
    running: Option<RunningServer>,
}

impl TestIssuer {
    /// Binds 127.0.0.1 on an ephemeral port and serves `first_key` on `runtime`.
    ///
    /// # Errors
    /// [`IssuerError::Bind`].
    pub fn start(runtime: Handle, first_key: &SigningKey) -> Result<Self, IssuerError> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(IssuerError::Bind)?;
        let address = listener.local_addr().map_err(IssuerError::Bind)?;
        let issuer = format!("http://{address}/");
        let discovery = json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}authorize"),
            "jwks_uri": format!("{issuer}.well-known/jwks.json"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        });
        let published = Arc::new(Published {
            discovery: Bytes::from(discovery.to_string()),
            jwks: RwLock::new(Bytes::new()),
            keys: RwLock::new(Vec::new()),
            jwks_fetches: AtomicU64::new(0),
            discovery_fetches: AtomicU64::new(0),
        });
        published.add(first_key);
        let mut issuer = Self {
            address,
            published,
            runtime,
            running: None,
        };
        issuer.serve(listener).map_err(IssuerError::Bind)?;
        Ok(issuer)
    }

    /// The issuer identifier, `http://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.address)
    }

    /// Adds `key` to the JWKS; the next fetch sees it.
    pub fn publish(&self, key: &SigningKey) {
        self.published.add(key);
    }

    /// JWKS and discovery documents served so far.
    pub fn fetches(&self) -> (u64, u64) {
        (
            self.published.jwks_fetches.load(Ordering::Relaxed),
            self.published.discovery_fetches.load(Ordering::Relaxed),
        )
    }

    /// Stops accepting, closes idle keep-alive connections (the API's pooled one included) and
    /// waits for the others to finish their request, within [`RunningServer::stop`]'s bound;
    /// then the port refuses connections.
    pub async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await;
        }
    }

    /// Serves again on the same port, retrying the bind for up to [`REBIND_PATIENCE`].
    ///
    /// # Errors
    /// [`IssuerError::Rebind`] with the last bind error.
    pub async fn restart(&mut self) -> Result<(), IssuerError> {
        if self.running.is_some() {
            return Ok(());
        }
        let started = Instant::now();
        loop {
            let bound =
                std::net::TcpListener::bind(self.address).and_then(|listener| self.serve(listener));
            match bound {
                Ok(()) => return Ok(()),
                Err(source) if started.elapsed() >= REBIND_PATIENCE => {
                    return Err(IssuerError::Rebind {
                        address: self.address,
                        source,
                    });
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    fn serve(&mut self, listener: std::net::TcpListener) -> std::io::Result<()> {
        listener.set_nonblocking(true)?;
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/.well-known/jwks.json", get(jwks))
            .with_state(Arc::clone(&self.published));
        let running =
            RunningServer::spawn(&self.runtime, listener, |listener, shutdown| async move {
                let _ = axum::serve(listener, router)
                    .with_graceful_shutdown(shutdown)
                    .await;
            })?;
        self.running = Some(running);
        Ok(())
    }
}

async fn discovery(State(published): State<Arc<Published>>) -> impl IntoResponse {
    published.discovery_fetches.fetch_add(1, Ordering::Relaxed);
    (
        [(CONTENT_TYPE, "application/json")],
        published.discovery.clone(),
    )
}

async fn jwks(State(published): State<Arc<Published>>) -> impl IntoResponse {
    published.jwks_fetches.fetch_add(1, Ordering::Relaxed);
    let document = published
        .jwks
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    ([(CONTENT_TYPE, "application/json")], document)
}
