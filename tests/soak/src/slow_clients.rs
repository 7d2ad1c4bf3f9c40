//! Slow clients: connections that send a request head one byte at a time and never finish it,
//! as a slowloris attack does. A bounded number of them run until the deadline; each one that
//! the server closes is counted and opened again, so the figures say whether the server holds
//! such connections forever or cuts them off.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

/// How often a slow client sends its next byte.
const DRIBBLE_INTERVAL: Duration = Duration::from_millis(500);
/// A pause before opening a connection again, so that a server refusing them is not spun on.
const RECONNECT_PAUSE: Duration = Duration::from_millis(100);

/// What the slow clients saw, as they go.
#[derive(Debug, Default)]
struct SlowClientCounts {
    /// Connections opened, the first of each client included.
    opened: AtomicU64,
    /// Connections the server closed (or answered) before the deadline.
    closed_by_server: AtomicU64,
    /// Connections that could not be opened.
    refused: AtomicU64,
    /// The longest a connection was held by the server before it closed it, in milliseconds.
    longest_held_ms: AtomicU64,
}

/// The figures, read once the clients are done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlowClientSummary {
    /// How many slow clients ran at once.
    pub clients: usize,
    /// Connections opened.
    pub opened: u64,
    /// Connections the server closed before the deadline.
    pub closed_by_server: u64,
    /// Connections that could not be opened.
    pub refused: u64,
    /// The longest one was held before the server closed it.
    pub longest_held: Duration,
}

impl std::fmt::Display for SlowClientSummary {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "{} slow clients (one header byte every {} ms): {} connections opened, {} closed by the server",
            self.clients,
            DRIBBLE_INTERVAL.as_millis(),
            self.opened,
            self.closed_by_server,
        )?;
        if self.closed_by_server > 0 {
            write!(
                formatter,
                " (held at most {:.1} s)",
                self.longest_held.as_secs_f64()
            )?;
        } else {
            write!(formatter, " (all held until the end)")?;
        }
        if self.refused > 0 {
            write!(formatter, ", {} refused", self.refused)?;
        }
        Ok(())
    }
}

/// `clients` slow clients, each starting `request_line_and_host` and then dribbling an endless
/// header, until `deadline`.
pub struct SlowClients {
    tasks: JoinSet<()>,
    counts: Arc<SlowClientCounts>,
    clients: usize,
}

impl SlowClients {
    /// Starts them on the current runtime.
    pub fn start(address: SocketAddr, head: String, clients: usize, deadline: Instant) -> Self {
        let counts = Arc::new(SlowClientCounts::default());
        let mut tasks = JoinSet::new();
        for _ in 0..clients {
            let counts = Arc::clone(&counts);
            let head = head.clone();
            tasks.spawn(async move { dribble(address, &head, deadline, &counts).await });
        }
        Self {
            tasks,
            counts,
            clients,
        }
    }

    /// Waits for every client to reach the deadline and close its connection.
    pub async fn finish(mut self) -> SlowClientSummary {
        while self.tasks.join_next().await.is_some() {}
        SlowClientSummary {
            clients: self.clients,
            opened: self.counts.opened.load(Ordering::Relaxed),
            closed_by_server: self.counts.closed_by_server.load(Ordering::Relaxed),
            refused: self.counts.refused.load(Ordering::Relaxed),
            longest_held: Duration::from_millis(
                self.counts.longest_held_ms.load(Ordering::Relaxed),
            ),
        }
    }
}

async fn dribble(address: SocketAddr, head: &str, deadline: Instant, counts: &SlowClientCounts) {
    let deadline = tokio::time::Instant::from_std(deadline);
    while tokio::time::Instant::now() < deadline {
        let Ok(Ok(mut stream)) =
            tokio::time::timeout_at(deadline, TcpStream::connect(address)).await
        else {
            counts.refused.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep_until(deadline.min(tokio::time::Instant::now() + RECONNECT_PAUSE))
                .await;
            continue;
        };
        counts.opened.fetch_add(1, Ordering::Relaxed);
        let opened = Instant::now();
        if hold(&mut stream, head, deadline).await {
            counts.closed_by_server.fetch_add(1, Ordering::Relaxed);
            let held = u64::try_from(opened.elapsed().as_millis()).unwrap_or(u64::MAX);
            counts.longest_held_ms.fetch_max(held, Ordering::Relaxed);
            tokio::time::sleep_until(deadline.min(tokio::time::Instant::now() + RECONNECT_PAUSE))
                .await;
        }
    }
}

/// Sends `head`, then one byte of a never-ending header line per [`DRIBBLE_INTERVAL`], until
/// the deadline (false) or until the server closes the connection or answers (true).
async fn hold(stream: &mut TcpStream, head: &str, deadline: tokio::time::Instant) -> bool {
    let (mut reader, mut writer) = stream.split();
    let mut first = format!("{head}X-Slow: ").into_bytes();
    let mut scratch = [0_u8; 512];
    loop {
        if writer.write_all(&first).await.is_err() {
            return true;
        }
        first.clear();
        first.push(b'a');
        let next_byte = tokio::time::Instant::now() + DRIBBLE_INTERVAL;
        tokio::select! {
            // Any byte from the server (an error page) or its end of stream ends the hold.
            _ = reader.read(&mut scratch) => return true,
            () = tokio::time::sleep_until(next_byte.min(deadline)) => {}
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
    }
}
