//! Serving the API on a TCP listener with the bounds a public server needs against slow or
//! greedy clients, which `axum::serve` does not give:
//!
//! - a deadline for each request head ([`ServeLimits::header_read_timeout`]). hyper enforces
//!   it only with a timer, and `axum::serve` installs none, so a client sending one header
//!   byte every 20 s held a task and a file descriptor for ever; the request timeout of the
//!   router only starts once the whole head is in. The deadline runs from the moment the
//!   connection waits for a head: from the accept on a new connection, from the end of the
//!   previous response on a kept-alive one, so it is also the idle keep-alive timeout;
//! - a cap on the connections served at once ([`ServeLimits::max_connections`]). Further
//!   connections wait in the kernel's listen queue, and are accepted as others close: every
//!   connection holding a slot either sends requests or is closed by the deadline above, so
//!   a client that opens connections and sends nothing delays the others by at most that
//!   deadline, and never starves them;
//! - a bound on what one connection may buffer of a request head ([`MAX_READ_BUFFER`]).
//!
//! On shutdown it stops accepting, lets every connection finish the request it is serving
//! (idle ones close at once), and returns when they are done or after
//! [`ServeLimits::shutdown_grace`].

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;

/// How long a connection may take to send a request head, and stay idle between requests
/// (10 s): ample for any client on any network, short enough that a slow or silent
/// connection gives its slot back quickly.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The most connections served at once (512). Each costs a task and a file descriptor; 512
/// stays well under the usual soft limit of 1024 open files, leaving room for the metrics
/// listener, JWKS fetches and the log. Browsers open at most six connections per host, so
/// this is dozens of busy users, or many more behind a proxy that reuses connections.
pub const MAX_CONNECTIONS: usize = 512;
/// The most bytes hyper buffers while reading a request head on one connection (64 KiB, four
/// times the 16 KiB of headers the router accepts), so that the connection cap also bounds
/// memory: a head that does not fit is answered 431 by hyper and the connection closed.
pub const MAX_READ_BUFFER: usize = 64 * 1024;
/// Pause after an accept error that is not about one connection (such as running out of file
/// descriptors), so that the loop does not spin.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// The bounds [`serve`] applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLimits {
    /// How long a connection may take to send a complete request head, counted from when it
    /// starts waiting for one (the accept, or the end of the previous response): the
    /// header-read timeout and the idle keep-alive timeout at once. A connection that runs
    /// out of it is closed.
    pub header_read_timeout: Duration,
    /// The most connections served at once; at least one is.
    pub max_connections: usize,
    /// How long a shutdown waits for connections to finish the requests they are serving.
    pub shutdown_grace: Duration,
}

impl Default for ServeLimits {
    /// [`HEADER_READ_TIMEOUT`], [`MAX_CONNECTIONS`], and a grace of 20 s: a head still being
    /// read plus the router's request timeout.
    fn default() -> Self {
        Self {
            header_read_timeout: HEADER_READ_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
            shutdown_grace: Duration::from_secs(20),
        }
    }
}

/// Counts of the connections one [`serve`] has handled; cheap to clone, shared by the clones.
#[derive(Debug, Clone, Default)]
pub struct ConnectionStats(Arc<Counts>);

#[derive(Debug, Default)]
struct Counts {
    accepted: AtomicU64,
    closed: AtomicU64,
    timed_out: AtomicU64,
}

impl ConnectionStats {
    /// Fresh counts, all zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> u64 {
        self.0.accepted.load(Ordering::Relaxed)
    }

    /// Connections being served now.
    pub fn open(&self) -> u64 {
        self.accepted()
            .saturating_sub(self.0.closed.load(Ordering::Relaxed))
    }

    /// Connections closed because they sent no complete request head within the header-read
    /// timeout: slow clients, and kept-alive connections left idle.
    pub fn timed_out(&self) -> u64 {
        self.0.timed_out.load(Ordering::Relaxed)
    }
}

/// A connection being served: counted open until dropped, however its task ends.
struct Served {
    stats: ConnectionStats,
    _slot: OwnedSemaphorePermit,
}

impl Served {
    fn new(stats: ConnectionStats, slot: OwnedSemaphorePermit) -> Self {
        stats.0.accepted.fetch_add(1, Ordering::Relaxed);
        Self { stats, _slot: slot }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.stats.0.closed.fetch_add(1, Ordering::Relaxed);
    }
}

/// True when an accept error concerns only the connection being accepted, so accepting goes
/// on at once.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Serves `router` over HTTP/1.1 on `listener` within `limits`, counting connections in
/// `stats`, until `shutdown` completes; then stops accepting, lets every connection finish
/// the request it is serving, and returns once they are closed or after
/// [`ServeLimits::shutdown_grace`], closing what is left.
///
/// # Errors
/// None so far: accept errors are logged and accepting goes on. The `Result` leaves room for
/// start-up errors.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServeLimits,
    stats: ConnectionStats,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        // A slot first, so that a connection beyond the cap waits in the listen queue rather
        // than being accepted and left unserved.
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = Arc::clone(&slots).acquire_owned() => slot,
        };
        // The semaphore is never closed; if it were, there would be nothing left to serve.
        let Ok(slot) = slot else { break };
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(error) if is_connection_error(&error) => continue,
            Err(error) => {
                tracing::warn!(error = %error, "accepting a connection failed; pausing");
                tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                continue;
            }
        };
        // Finished connections are collected here, so the set holds at most about as many
        // as the cap.
        while connections.try_join_next().is_some() {}
        let served = Served::new(stats.clone(), slot);
        connections.spawn(serve_connection(
            stream,
            router.clone(),
            limits.header_read_timeout,
            stopping.clone(),
            served,
        ));
    }
    // New connections are refused from here on.
    drop(listener);
    let _ = stop.send(true);
    let drained = tokio::time::timeout(limits.shutdown_grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            connections = connections.len(),
            "closing connections still busy at the end of the shutdown grace"
        );
        connections.shutdown().await;
    }
    Ok(())
}

/// One connection, until the client closes it, a deadline closes it, or shutdown ends it after
/// the request in progress.
async fn serve_connection(
    stream: TcpStream,
    router: Router,
    header_read_timeout: Duration,
    mut stopping: watch::Receiver<bool>,
    served: Served,
) {
    // Answers are small and written at once; nothing is gained by waiting to coalesce them.
    let _ = stream.set_nodelay(true);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .max_buf_size(MAX_READ_BUFFER);
    let connection =
        builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(router));
    tokio::pin!(connection);
    // Also when the server is gone (the sender dropped): finish up either way.
    let stop = async move {
        let _ = stopping.wait_for(|stop| *stop).await;
    };
    let ended = tokio::select! {
        ended = connection.as_mut() => ended,
        () = stop => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(error) = ended {
        if error.is_timeout() {
            served.stats.0.timed_out.fetch_add(1, Ordering::Relaxed);
        }
        tracing::debug!(error = %error, "connection closed");
    }
}
