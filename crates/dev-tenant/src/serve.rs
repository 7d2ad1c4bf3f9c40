//! Serving the tenant on a TCP listener with the limits a local server still needs against a
//! slow or greedy client: a deadline for each request head, which hyper enforces only with a
//! timer that `axum::serve` does not install; a deadline for each request body; and a cap on
//! connections served at once, beyond which new ones wait in the listen queue.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower_http::timeout::RequestBodyTimeout;

/// How long a client may take to send a request head (default 10 seconds).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a client may take to send a request body (default 10 seconds).
pub const REQUEST_BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// The most connections served at once (default 256): browsers open six per host, so this is
/// dozens of tabs, while a client holding connections open cannot exhaust file descriptors.
pub const MAX_CONNECTIONS: usize = 256;

/// The limits [`serve`] applies to every connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServeLimits {
    /// How long a connection may take to send a complete request head, counted from when it
    /// starts waiting for one: on a new connection from the accept, on a kept-alive one from
    /// the end of the previous response. So it is also the idle keep-alive timeout. When it
    /// runs out the connection is closed.
    pub header_read_timeout: Duration,
    /// How long a request body may take to arrive; past it the handler sees a body error.
    pub request_body_timeout: Duration,
    /// The most connections served at once; further ones are accepted as others close.
    pub max_connections: usize,
}

impl Default for ServeLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: HEADER_READ_TIMEOUT,
            request_body_timeout: REQUEST_BODY_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
        }
    }
}

/// Whether an accept error concerns only the connection being accepted, so accepting goes on.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Serves `router` on `listener` over HTTP/1.1 within `limits` until `shutdown` completes;
/// then stops accepting, lets each connection finish the request it is serving, and returns
/// once they are done or after another [`ServeLimits::header_read_timeout`].
///
/// # Errors
/// None so far: accept errors are logged and accepting goes on (after a pause, for errors such
/// as running out of file descriptors). The `Result` leaves room for start-up errors.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServeLimits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let max_connections = limits.max_connections.max(1);
    let slots = Arc::new(Semaphore::new(max_connections));
    let service = RequestBodyTimeout::new(router, limits.request_body_timeout);
    let (closing, closing_watch) = watch::channel(());
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot,
            () = &mut shutdown => break,
        };
        // The semaphore is never closed, so acquiring fails never; if it did, stop serving.
        let Ok(slot) = slot else { break };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(error) if is_connection_error(&error) => continue,
            Err(error) => {
                tracing::warn!(%error, "accepting a connection failed; pausing");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        // Responses are small; sending them at once beats waiting to coalesce.
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        let mut closing_watch = closing_watch.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
            tokio::pin!(connection);
            let ended = tokio::select! {
                ended = connection.as_mut() => ended,
                _ = closing_watch.changed() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = ended {
                tracing::debug!(%error, "connection closed");
            }
        });
    }
    drop(closing);
    let every_slot = u32::try_from(max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(limits.header_read_timeout, slots.acquire_many(every_slot)).await;
    Ok(())
}
