//! The served tenant against slow and greedy clients, over real loopback connections: a client
//! that never finishes its request head, or sits idle on a kept-alive connection, is
//! disconnected after the header-read timeout, a slow body is cut off, and connections beyond
//! the cap wait instead of starving everyone else. Every wait is bounded.

mod harness;

use std::net::SocketAddr;
use std::time::Duration;

use dev_tenant::serve::{ServeLimits, serve};
use dev_tenant::{AppOptions, TenantConfig, app_with};
use harness::keys;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Far longer than any limit below: a test waiting this long has failed, not been slow.
const BOUND: Duration = Duration::from_secs(20);

const LIMITS: ServeLimits = ServeLimits {
    header_read_timeout: Duration::from_millis(500),
    request_body_timeout: Duration::from_millis(500),
    max_connections: 4,
};

struct Served {
    address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Served {
    async fn start(limits: ServeLimits) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let router = app_with(
            TenantConfig::default(),
            keys(),
            AppOptions {
                served_port: Some(address.port()),
                ..AppOptions::default()
            },
        );
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(serve(listener, router, limits, async {
            let _ = stopped.await;
        }));
        Self {
            address,
            stop: Some(stop),
            task,
        }
    }

    fn head(&self, path: &str, connection: &str) -> String {
        format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: {connection}\r\n\r\n",
            self.address.port()
        )
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let finished = tokio::time::timeout(BOUND, self.task).await;
        assert!(
            matches!(finished, Ok(Ok(Ok(())))),
            "serve returns after shutdown"
        );
    }
}

/// Reads until the server closes the connection; fails the test if it never does.
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let outcome = tokio::time::timeout(BOUND, stream.read_to_end(&mut received)).await;
    assert!(
        outcome.is_ok(),
        "the server never closed the connection; received {:?}",
        String::from_utf8_lossy(&received)
    );
    received
}

/// Reads one response whose head ends the body (`Connection: close` answers).
async fn response(stream: &mut TcpStream) -> String {
    String::from_utf8_lossy(&read_until_closed(stream).await).into_owned()
}

#[tokio::test]
async fn a_normal_request_is_answered() {
    let served = Served::start(LIMITS).await;
    let mut stream = TcpStream::connect(served.address).await.expect("connect");
    stream
        .write_all(
            served
                .head("/.well-known/openid-configuration", "close")
                .as_bytes(),
        )
        .await
        .expect("write");
    let answer = response(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("\"issuer\":\"http://localhost:3002/\""),
        "{answer}"
    );
    served.stop().await;
}

#[tokio::test]
async fn a_client_that_never_finishes_its_request_head_is_disconnected() {
    let served = Served::start(LIMITS).await;
    let mut stream = TcpStream::connect(served.address).await.expect("connect");
    stream
        .write_all(b"GET /.well-known/jwks.json HTTP/1.1\r\nHost: 127.0.0.1")
        .await
        .expect("write");
    let received = read_until_closed(&mut stream).await;
    assert!(
        !String::from_utf8_lossy(&received).contains("200 OK"),
        "no answer to an unfinished request"
    );
    served.stop().await;
}

#[tokio::test]
async fn a_client_that_sends_nothing_is_disconnected() {
    let served = Served::start(LIMITS).await;
    let mut stream = TcpStream::connect(served.address).await.expect("connect");
    let received = read_until_closed(&mut stream).await;
    assert!(received.is_empty());
    served.stop().await;
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    let served = Served::start(LIMITS).await;
    let mut stream = TcpStream::connect(served.address).await.expect("connect");
    stream
        .write_all(served.head("/static/login.css", "keep-alive").as_bytes())
        .await
        .expect("write");
    let received = read_until_closed(&mut stream).await;
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert_eq!(
        text.matches("HTTP/1.1 ").count(),
        1,
        "one answer, then closed"
    );
    served.stop().await;
}

#[tokio::test]
async fn a_body_that_never_arrives_is_cut_off() {
    let served = Served::start(LIMITS).await;
    let mut stream = TcpStream::connect(served.address).await.expect("connect");
    let head = format!(
        "POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\nConnection: close\r\n\r\ngrant_type=",
        served.address.port()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let answer = response(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("could not be read"), "{answer}");
    served.stop().await;
}

#[tokio::test]
async fn connections_beyond_the_cap_do_not_starve_a_normal_request() {
    let served = Served::start(LIMITS).await;
    // One more stalled connection than the cap: every slot is taken and one waits.
    let mut stalled = Vec::new();
    for _ in 0..=LIMITS.max_connections {
        let mut stream = TcpStream::connect(served.address).await.expect("connect");
        stream
            .write_all(b"GET / HTTP/1.1\r\n")
            .await
            .expect("write");
        stalled.push(stream);
    }
    let mut normal = TcpStream::connect(served.address).await.expect("connect");
    normal
        .write_all(served.head("/.well-known/jwks.json", "close").as_bytes())
        .await
        .expect("write");
    let answer = response(&mut normal).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    for mut stream in stalled {
        let received = read_until_closed(&mut stream).await;
        assert!(!String::from_utf8_lossy(&received).contains("200 OK"));
    }
    served.stop().await;
}

#[test]
fn the_default_limits_are_the_documented_ones() {
    let limits = ServeLimits::default();
    assert_eq!(limits.header_read_timeout, Duration::from_secs(10));
    assert_eq!(limits.request_body_timeout, Duration::from_secs(10));
    assert_eq!(limits.max_connections, 256);
}
