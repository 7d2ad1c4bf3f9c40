//! One keep-alive HTTP/1.1 connection of the load generator: requests go one after another on
//! the same socket, so the number of connections is exactly the number of workers, and a
//! connection the server drops is an error the worker sees rather than a silent reconnect.

use std::net::SocketAddr;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::http::{HeaderMap, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// A request the generator sends: any method, a body or none.
pub type OutgoingRequest = Request<Full<Bytes>>;

/// How long an answer may take before the request counts as unanswered: longer than the
/// API's own 10-second request bound, so that bound answers first.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(15);

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    /// The TCP connection could not be opened.
    #[error("cannot connect")]
    Connect(#[source] std::io::Error),
    /// The HTTP exchange failed: the server closed the connection, or sent something broken.
    #[error("http exchange failed")]
    Http(#[from] hyper::Error),
    /// No answer within [`ANSWER_TIMEOUT`].
    #[error("no answer within {ANSWER_TIMEOUT:?}")]
    Timeout,
}

/// An answer, read whole. Its `Debug` leaves the body out: token responses carry tokens.
pub struct Answer {
    /// The status code.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Answer")
            .field("status", &self.status)
            .field("body_bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl Answer {
    /// A header's value as text, when present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// Every value of a header, as text.
    pub fn headers_named<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
    }
}

/// An open connection; reopened by its owner after an error.
pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
}

impl Connection {
    /// Connects to `address` and performs the HTTP/1.1 handshake; the connection is driven by a
    /// task of its own, which ends when the connection does.
    ///
    /// # Errors
    /// [`ConnectionError::Connect`] or [`ConnectionError::Http`].
    pub async fn open(address: SocketAddr) -> Result<Self, ConnectionError> {
        let stream = TcpStream::connect(address)
            .await
            .map_err(ConnectionError::Connect)?;
        // Requests are small and sent whole; waiting to coalesce them only adds latency.
        stream.set_nodelay(true).map_err(ConnectionError::Connect)?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            // Its end is reported to the sender, which is where the worker looks.
            let _ = connection.await;
        });
        Ok(Self { sender })
    }

    /// Whether the server has closed the connection (after an answer with `Connection: close`,
    /// or an idle timeout), so that the next request needs a new one.
    pub fn is_closed(&self) -> bool {
        self.sender.is_closed()
    }

    /// Sends `request` and reads the whole answer, within [`ANSWER_TIMEOUT`].
    ///
    /// # Errors
    /// [`ConnectionError::Http`] or [`ConnectionError::Timeout`]; the connection is unusable
    /// after either.
    pub async fn send(&mut self, request: OutgoingRequest) -> Result<Answer, ConnectionError> {
        let exchange = async {
            self.sender.ready().await?;
            let response = self.sender.send_request(request).await?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await?.to_bytes();
            Ok(Answer {
                status: parts.status,
                headers: parts.headers,
                body,
            })
        };
        tokio::time::timeout(ANSWER_TIMEOUT, exchange)
            .await
            .unwrap_or(Err(ConnectionError::Timeout))
    }
}
