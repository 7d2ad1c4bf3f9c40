//! Serving the API on a TCP listener with the bounds a public server needs against slow or
//! greedy clients, which `axum::serve` does not give:
//!
//! - a deadline for each request head ([`ServeLimits::header_read_timeout`]). `axum::serve`
//!   installs no timer, so hyper's own header-read timeout never fires there, and a client
//!   sending one header byte every 20 s held a task and a file descriptor for ever; the
//!   request timeout of the router only starts once the whole head is in. The deadline runs
//!   from the moment the connection waits for a head: from the accept on a new connection,
//!   from the moment the previous answer is ready on a kept-alive one, so it is also the idle
//!   keep-alive timeout. It is kept here rather than by hyper's timer, which boxes, registers
//!   and drops a timer entry for every request of a kept-alive connection: here the
//!   connection's service notes when each answer is ready (two relaxed stores and a clock
//!   read), and one timer per connection, re-armed only when it fires, checks the note;
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

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Request;
use axum::response::Response;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;
use tower::util::Oneshot;

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

/// When one connection last began waiting for a request head, as its idle deadline reads it.
struct Activity {
    opened: Instant,
    /// Microseconds from `opened` to when the connection last began waiting for a head, or
    /// [`ANSWERING`] while a request is being answered.
    waiting_since: AtomicU64,
}

/// The mark of a connection busy with a request: the router bounds how long that takes.
const ANSWERING: u64 = u64::MAX;

impl Activity {
    fn new() -> Self {
        Self {
            opened: Instant::now(),
            waiting_since: AtomicU64::new(0),
        }
    }

    fn answering(&self) {
        self.waiting_since.store(ANSWERING, Ordering::Relaxed);
    }

    fn waiting(&self) {
        let micros = u64::try_from(self.opened.elapsed().as_micros()).unwrap_or(ANSWERING - 1);
        self.waiting_since.store(micros, Ordering::Relaxed);
    }

    /// When the connection began waiting for the head it is waiting for; `None` while a request
    /// is being answered.
    fn waiting_since(&self) -> Option<Instant> {
        match self.waiting_since.load(Ordering::Relaxed) {
            ANSWERING => None,
            micros => Some(self.opened + Duration::from_micros(micros)),
        }
    }
}

/// Resolves once the connection has waited `timeout` for a request head (counted from the
/// accept, or from when the previous answer was ready) without one coming. While a request
/// is being answered it only looks again a `timeout` later.
async fn idle_deadline(activity: &Activity, timeout: Duration) {
    let sleep = tokio::time::sleep_until((activity.opened + timeout).into());
    tokio::pin!(sleep);
    loop {
        sleep.as_mut().await;
        let now = Instant::now();
        let next = match activity.waiting_since() {
            Some(since) if now >= since + timeout => return,
            Some(since) => since + timeout,
            None => now + timeout,
        };
        sleep.as_mut().reset(next.into());
    }
}

/// The router as one connection's hyper service, noting in its [`Activity`] when each request
/// is taken up and when its answer is ready.
struct Watched {
    router: Router,
    activity: Arc<Activity>,
}

impl hyper::service::Service<hyper::Request<Incoming>> for Watched {
    type Response = Response;
    type Error = Infallible;
    type Future = Answer;

    fn call(&self, request: hyper::Request<Incoming>) -> Answer {
        self.activity.answering();
        Answer {
            answer: self
                .router
                .clone()
                .oneshot(request.map(axum::body::Body::new)),
            activity: Arc::clone(&self.activity),
        }
    }
}

/// The router's answer, noted in the connection's [`Activity`] once ready. Not boxed: the
/// router's future is `Unpin`.
struct Answer {
    answer: Oneshot<Router, Request>,
    activity: Arc<Activity>,
}

impl Future for Answer {
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        let answer = ready!(Pin::new(&mut self.answer).poll(context));
        self.activity.waiting();
        Poll::Ready(answer)
    }
}

/// One connection, until the client closes it, the idle deadline closes it, or shutdown ends
/// it after the request in progress.
async fn serve_connection(
    stream: TcpStream,
    router: Router,
    header_read_timeout: Duration,
    mut stopping: watch::Receiver<bool>,
    served: Served,
) {
    // Answers are small and written at once; nothing is gained by waiting to coalesce them.
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new());
    let service = Watched {
        router,
        activity: Arc::clone(&activity),
    };
    let mut builder = http1::Builder::new();
    builder.max_buf_size(MAX_READ_BUFFER);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let deadline = idle_deadline(&activity, header_read_timeout);
    tokio::pin!(deadline);
    // Also when the server is gone (the sender dropped): finish up either way.
    let stop = async move {
        let _ = stopping.wait_for(|stop| *stop).await;
    };
    // Dropping the connection closes it: what hyper's own timeout does too.
    let ended = tokio::select! {
        ended = connection.as_mut() => Some(ended),
        () = deadline.as_mut() => None,
        () = stop => {
            connection.as_mut().graceful_shutdown();
            tokio::select! {
                ended = connection.as_mut() => Some(ended),
                () = deadline.as_mut() => None,
            }
        }
    };
    match ended {
        None => {
            served.stats.0.timed_out.fetch_add(1, Ordering::Relaxed);
        }
        Some(Err(error)) => tracing::debug!(error = %error, "connection closed"),
        Some(Ok(())) => {}
    }
}
