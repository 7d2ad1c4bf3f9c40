//! Metrics in the Prometheus text format (version 0.0.4): requests by route and status, token
//! checks by outcome, JWKS fetches, the state of the keys and the connections served.
//!
//! Kept cheap for the request path: counting a request is a lookup of the route among a fixed
//! list and one relaxed atomic increment in a table allocated once, with no lock, no map and no
//! allocation; the token checks and fetches are the validator's own counters
//! ([`axum_bearer_auth::BearerAuth::metrics`]). Every label comes from a fixed set: the route is
//! the router's matched path when it is one of [`ROUTES`], else `unmatched`; the status is the
//! three-digit code; the outcome is one of [`Outcome::ALL`]. So no request can add a series.
//!
//! The endpoint is served by a router of its own ([`crate::Api::metrics`]), which the binary
//! puts on a listener of its own (`METRICS_ADDR`), never on the API's port: the numbers are
//! nobody's business outside the operator's network, and a reverse proxy in front of the API
//! cannot expose them by accident.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, ready};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum_bearer_auth::{BearerAuth, KeyStatus, Outcome};
use tower::{Layer, Service};

use crate::error::ApiError;
use crate::serve::ConnectionStats;

/// The routes requests are counted by, as the router matches them; any other request (an
/// unknown path) counts as `unmatched`.
pub const ROUTES: [&str; 5] = [
    "/api/public",
    "/api/private",
    "/api/private-scoped",
    "/healthz",
    "/readyz",
];
/// The route label of a request that matched none of [`ROUTES`].
const UNMATCHED: &str = "unmatched";
/// HTTP status codes are three digits, 100 to 999 (RFC 9110 section 15).
const LOWEST_STATUS: u16 = 100;
const STATUSES: usize = 900;
/// The media type of the Prometheus text format.
const CONTENT_TYPE_TEXT: HeaderValue =
    HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8");

/// Requests answered, by route and status: one counter per pair, allocated up front.
pub(crate) struct RequestCounters {
    counts: Box<[AtomicU64]>,
}

impl RequestCounters {
    pub(crate) fn new() -> Self {
        Self {
            counts: (0..(ROUTES.len() + 1) * STATUSES)
                .map(|_| AtomicU64::new(0))
                .collect(),
        }
    }

    fn count(&self, route: usize, status: StatusCode) {
        let status = usize::from(status.as_u16().saturating_sub(LOWEST_STATUS)).min(STATUSES - 1);
        if let Some(counter) = self.counts.get(route * STATUSES + status) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Every non-zero count as (route label, status, count).
    fn non_zero(&self) -> impl Iterator<Item = (&'static str, u16, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter_map(|(index, counter)| {
                let count = counter.load(Ordering::Relaxed);
                let route = ROUTES.get(index / STATUSES).copied().unwrap_or(UNMATCHED);
                // At most 899, so the sum fits.
                let status = LOWEST_STATUS + u16::try_from(index % STATUSES).unwrap_or(0);
                (count > 0).then_some((route, status, count))
            })
    }
}

/// The position in [`ROUTES`] of the route the router matched, or `ROUTES.len()`.
fn route_index(matched: Option<&MatchedPath>) -> usize {
    matched
        .and_then(|matched| ROUTES.iter().position(|route| *route == matched.as_str()))
        .unwrap_or(ROUTES.len())
}

/// Counts every response by route and status. A layer of the router (`Router::layer`), so that
/// it runs after routing and sees the matched path.
#[derive(Clone)]
pub(crate) struct CountRequestsLayer {
    counters: Arc<RequestCounters>,
}

impl CountRequestsLayer {
    pub(crate) fn new(counters: Arc<RequestCounters>) -> Self {
        Self { counters }
    }
}

impl<S> Layer<S> for CountRequestsLayer {
    type Service = CountRequests<S>;

    fn layer(&self, inner: S) -> CountRequests<S> {
        CountRequests {
            inner,
            counters: Arc::clone(&self.counters),
        }
    }
}

/// The counting service.
#[derive(Clone)]
pub(crate) struct CountRequests<S> {
    inner: S,
    counters: Arc<RequestCounters>,
}

impl<S> Service<Request> for CountRequests<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Counted<S::Future>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, request: Request) -> Counted<S::Future> {
        let route = route_index(request.extensions().get::<MatchedPath>());
        Counted {
            answer: self.inner.call(request),
            counting: Some((Arc::clone(&self.counters), route)),
        }
    }
}

/// The inner answer, counted when it is ready. Not boxed: the layers inside already box their
/// futures, which are therefore `Unpin`.
pub(crate) struct Counted<F> {
    answer: F,
    counting: Option<(Arc<RequestCounters>, usize)>,
}

impl<F> Future for Counted<F>
where
    F: Future<Output = Result<Response, Infallible>> + Unpin,
{
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let answer = ready!(Pin::new(&mut this.answer).poll(context));
        if let (Ok(response), Some((counters, route))) = (&answer, this.counting.take()) {
            counters.count(route, response.status());
        }
        Poll::Ready(answer)
    }
}

/// What the metrics endpoint reports on.
#[derive(Clone)]
struct Sources {
    requests: Arc<RequestCounters>,
    auth: BearerAuth,
    connections: ConnectionStats,
    max_connections: usize,
}

/// `GET /metrics`, reporting on the API whose request counters, validator and connection counts
/// these are; every other path is a 404.
pub(crate) fn router(
    requests: Arc<RequestCounters>,
    auth: BearerAuth,
    connections: ConnectionStats,
    max_connections: usize,
) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .with_state(Sources {
            requests,
            auth,
            connections,
            max_connections,
        })
}

async fn metrics(State(sources): State<Sources>) -> Response {
    let mut response = render(&sources).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, CONTENT_TYPE_TEXT);
    response
}

/// Writes one metric's `# HELP` and `# TYPE` lines.
fn header(text: &mut String, name: &str, kind: &str, help: &str) {
    // Writing to a String cannot fail.
    let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn render(sources: &Sources) -> String {
    let mut text = String::with_capacity(4096);
    header(
        &mut text,
        "api_http_requests_total",
        "counter",
        "Requests answered, by route (the matched route, or unmatched) and status code.",
    );
    for (route, status, count) in sources.requests.non_zero() {
        let _ = writeln!(
            text,
            "api_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {count}"
        );
    }

    let auth = sources.auth.metrics();
    header(
        &mut text,
        "api_token_checks_total",
        "counter",
        "Bearer token checks, by outcome: cache_hit and verified accept the token, the others refuse it.",
    );
    for (outcome, count) in auth.outcomes() {
        let _ = writeln!(
            text,
            "api_token_checks_total{{outcome=\"{}\"}} {count}",
            Outcome::as_str(outcome)
        );
    }
    header(
        &mut text,
        "api_jwks_fetches_total",
        "counter",
        "JWKS fetches attempted.",
    );
    let _ = writeln!(text, "api_jwks_fetches_total {}", auth.jwks_fetches());
    header(
        &mut text,
        "api_jwks_fetch_failures_total",
        "counter",
        "JWKS fetches that failed or brought no usable key; the keys in hand were kept.",
    );
    let _ = writeln!(
        text,
        "api_jwks_fetch_failures_total {}",
        auth.jwks_fetch_failures()
    );
    header(
        &mut text,
        "api_jwks_keys_usable",
        "gauge",
        "1 when the signing keys can verify a token (as /readyz reports), else 0.",
    );
    let usable = u8::from(auth.keys() == KeyStatus::Usable);
    let _ = writeln!(text, "api_jwks_keys_usable {usable}");
    if let Some(age) = auth.keys_age() {
        header(
            &mut text,
            "api_jwks_keys_age_seconds",
            "gauge",
            "Seconds since the last successful JWKS fetch.",
        );
        let _ = writeln!(text, "api_jwks_keys_age_seconds {}", age.as_secs());
    }

    let connections = &sources.connections;
    header(
        &mut text,
        "api_connections_open",
        "gauge",
        "Connections being served.",
    );
    let _ = writeln!(text, "api_connections_open {}", connections.open());
    header(
        &mut text,
        "api_connections_max",
        "gauge",
        "The most connections served at once; further ones wait to be accepted.",
    );
    let _ = writeln!(text, "api_connections_max {}", sources.max_connections);
    header(
        &mut text,
        "api_connections_accepted_total",
        "counter",
        "Connections accepted.",
    );
    let _ = writeln!(
        text,
        "api_connections_accepted_total {}",
        connections.accepted()
    );
    header(
        &mut text,
        "api_connections_timed_out_total",
        "counter",
        "Connections closed for sending no complete request head within the header-read timeout (slow or idle).",
    );
    let _ = writeln!(
        text,
        "api_connections_timed_out_total {}",
        connections.timed_out()
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_and_status_has_its_own_counter() {
        let counters = RequestCounters::new();
        for route in 0..=ROUTES.len() {
            for status in [100, 200, 401, 503, 999] {
                let status = StatusCode::from_u16(status).unwrap();
                counters.count(route, status);
            }
        }
        counters.count(1, StatusCode::OK);
        let counts: Vec<_> = counters.non_zero().collect();
        assert_eq!(counts.len(), (ROUTES.len() + 1) * 5);
        assert!(counts.contains(&("/api/private", 200, 2)));
        assert!(counts.contains(&("/api/public", 100, 1)));
        assert!(counts.contains(&(UNMATCHED, 999, 1)));
    }
}
