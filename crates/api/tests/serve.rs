//! Serving connections (`api::serve`) on an ephemeral loopback port: slow and idle clients are
//! cut off by the header-read timeout, connections beyond the cap wait without starving a
//! normal request, and shutdown lets the request in flight finish.
//!
//! Every wait is bounded by `BOUND`, far longer than any deadline under test, so a regression
//! fails the test instead of hanging it; nothing asserts how long anything took.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use api::serve::{ConnectionStats, ServeLimits, serve};
use api::{Config, app};
use axum::Router;
use axum::routing::get;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;

/// The longest any step may take before the test fails.
const BOUND: Duration = Duration::from_secs(30);
/// The header-read timeout of these tests: short, so that they run quickly.
const HEADER_READ_TIMEOUT: Duration = Duration::from_millis(300);
const PUBLIC: &[u8] = b"GET /api/public HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n";

struct Server {
    address: SocketAddr,
    stats: ConnectionStats,
    stop: Option<oneshot::Sender<()>>,
    served: JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(router: Router, limits: ServeLimits) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let stats = ConnectionStats::new();
        let (stop, stopped) = oneshot::channel::<()>();
        let served = tokio::spawn(serve(listener, router, limits, stats.clone(), async {
            let _ = stopped.await;
        }));
        Self {
            address,
            stats,
            stop: Some(stop),
            served,
        }
    }

    /// The API itself; no route used here needs the issuer.
    async fn api(limits: ServeLimits) -> Self {
        let config = Config::new("http://127.0.0.1:9/", "https://quickstarts/api").unwrap();
        Self::start(app(config), limits).await
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.address).await.unwrap()
    }

    /// Waits until `condition` holds of the counts.
    async fn until(&self, what: &str, condition: impl Fn(&ConnectionStats) -> bool) {
        bounded(what, async {
            while !condition(&self.stats) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
    }
}

fn limits(max_connections: usize) -> ServeLimits {
    ServeLimits {
        header_read_timeout: HEADER_READ_TIMEOUT,
        max_connections,
        shutdown_grace: BOUND,
    }
}

async fn bounded<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(BOUND, future)
        .await
        .unwrap_or_else(|_| panic!("{what} did not happen within {BOUND:?}"))
}

/// Reads one response: its status and body. `None` when the connection closes first.
async fn read_response(stream: &mut TcpStream) -> Option<(u16, String)> {
    let mut buffer = Vec::new();
    loop {
        if let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            let head = String::from_utf8(buffer[..end].to_vec()).unwrap();
            let status = head.split(' ').nth(1)?.parse().ok()?;
            let length: usize = head
                .lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, value)| value.trim().parse().ok())
                .unwrap_or(0);
            while buffer.len() < end + 4 + length {
                if stream.read_buf(&mut buffer).await.ok()? == 0 {
                    return None;
                }
            }
            let body = String::from_utf8(buffer[end + 4..end + 4 + length].to_vec()).unwrap();
            return Some((status, body));
        }
        if stream.read_buf(&mut buffer).await.ok()? == 0 {
            return None;
        }
    }
}

/// True once the server has closed `stream` (end of stream or reset), reading whatever comes.
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut sink = [0_u8; 1024];
    loop {
        match stream.read(&mut sink).await {
            Ok(0) | Err(_) => return true,
            Ok(_) => continue,
        }
    }
}

#[tokio::test]
async fn a_client_sending_its_head_one_byte_at_a_time_is_disconnected() {
    let server = Server::api(limits(8)).await;
    let (mut reader, mut writer) = server.connect().await.into_split();
    writer
        .write_all(b"GET /api/public HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ")
        .await
        .unwrap();
    // Far more bytes than the timeout lets through at this pace; the head never ends.
    let trickle = async {
        let mut sent = 0;
        while sent < 1_000 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            if writer.write_all(b"a").await.is_err() {
                break;
            }
            sent += 1;
        }
        sent
    };
    let mut sink = [0_u8; 64];
    let cut_off = bounded("the disconnection", async {
        tokio::select! {
            read = reader.read(&mut sink) => !matches!(read, Ok(count) if count > 0),
            _ = trickle => false,
        }
    })
    .await;
    assert!(cut_off, "the server kept reading the slow head to its end");
    server
        .until("the count of timed-out connections", |stats| {
            stats.timed_out() == 1 && stats.open() == 0
        })
        .await;

    // The server itself is fine.
    let mut client = server.connect().await;
    client.write_all(PUBLIC).await.unwrap();
    let (status, _) = bounded("the answer", read_response(&mut client))
        .await
        .unwrap();
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_kept_alive_connection_left_idle_is_closed() {
    let server = Server::api(limits(8)).await;
    let mut client = server.connect().await;
    for _ in 0..2 {
        client.write_all(PUBLIC).await.unwrap();
        let (status, body) = bounded("the answer", read_response(&mut client))
            .await
            .unwrap();
        assert_eq!(status, 200);
        assert!(body.contains("public endpoint"), "{body}");
    }
    assert!(bounded("the idle close", closed_by_server(&mut client)).await);
    server
        .until("the count of timed-out connections", |stats| {
            stats.timed_out() == 1
        })
        .await;
    assert_eq!(server.stats.accepted(), 1);
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_and_do_not_starve_a_normal_request() {
    const CAP: usize = 2;
    let server = Server::api(limits(CAP)).await;
    // One more silent connection than the cap: the last waits in the listen queue.
    let mut silent = Vec::new();
    for _ in 0..=CAP {
        silent.push(server.connect().await);
    }
    server
        .until("the cap to fill", |stats| stats.accepted() == CAP as u64)
        .await;
    assert_eq!(server.stats.open(), CAP as u64);

    let mut client = server.connect().await;
    client.write_all(PUBLIC).await.unwrap();
    let (status, body) = bounded("the normal request", read_response(&mut client))
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("public endpoint"), "{body}");
    for mut connection in silent {
        assert!(
            bounded(
                "a silent connection's close",
                closed_by_server(&mut connection)
            )
            .await
        );
    }
    server
        // The normal client's connection, idle now, may count among them too.
        .until("every silent connection to count as timed out", |stats| {
            stats.timed_out() > CAP as u64
        })
        .await;
    assert_eq!(server.stats.accepted(), CAP as u64 + 2);
}

#[tokio::test]
async fn shutdown_closes_idle_connections_and_lets_the_request_in_flight_finish() {
    let started = Arc::new(Notify::new());
    let release = Arc::new(Notify::new());
    let router = {
        let started = Arc::clone(&started);
        let release = Arc::clone(&release);
        Router::new().route(
            "/slow",
            get(move || async move {
                started.notify_one();
                release.notified().await;
                "done"
            }),
        )
    };
    let limits = ServeLimits {
        // Long, so that only shutdown can close the idle connection within the test.
        header_read_timeout: BOUND * 2,
        max_connections: 8,
        shutdown_grace: BOUND,
    };
    let mut server = Server::start(router, limits).await;
    let mut idle = server.connect().await;
    let mut busy = server.connect().await;
    busy.write_all(b"GET /slow HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    bounded("the slow request to start", started.notified()).await;

    server.stop.take().unwrap().send(()).unwrap();
    assert!(bounded("the idle connection's close", closed_by_server(&mut idle)).await);
    release.notify_one();
    let (status, body) = bounded("the answer in flight", read_response(&mut busy))
        .await
        .unwrap();
    assert_eq!((status, body.as_str()), (200, "done"));
    bounded("serve to return", &mut server.served)
        .await
        .unwrap()
        .unwrap();
    assert!(TcpStream::connect(server.address).await.is_err());
    assert_eq!(server.stats.open(), 0);
}

#[tokio::test]
async fn an_answer_that_takes_longer_than_the_header_deadline_is_not_cut_off() {
    let router = Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(HEADER_READ_TIMEOUT * 3).await;
            "done"
        }),
    );
    let server = Server::start(router, limits(8)).await;
    let mut client = server.connect().await;
    for _ in 0..2 {
        client
            .write_all(b"GET /slow HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n")
            .await
            .unwrap();
        let (status, body) = bounded("the slow answer", read_response(&mut client))
            .await
            .unwrap();
        assert_eq!((status, body.as_str()), (200, "done"));
    }
    assert_eq!(server.stats.timed_out(), 0);
    // Once idle, the deadline applies again.
    assert!(bounded("the idle close", closed_by_server(&mut client)).await);
}
