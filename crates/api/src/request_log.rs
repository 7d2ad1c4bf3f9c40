//! One tracing line per request: method, path, status, latency, and `sub` once authenticated.
//!
//! The span carries an empty `sub` field that the [`axum_bearer_auth::Claims`] extractor fills
//! in. Only the path is logged (no query string), and headers never are, so tokens stay out of
//! the logs.

use axum::body::Body;
use axum::http::Request;
use tower_http::LatencyUnit;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::{Level, Span};

/// The request-logging layer.
pub(crate) type RequestLogLayer = TraceLayer<
    SharedClassifier<ServerErrorsAsFailures>,
    fn(&Request<Body>) -> Span,
    (),
    DefaultOnResponse,
    (),
    (),
    (),
>;

fn request_span(request: &Request<Body>) -> Span {
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        sub = tracing::field::Empty,
    )
}

/// Logs at INFO when each response starts, with its status and latency in microseconds.
pub(crate) fn request_log_layer() -> RequestLogLayer {
    TraceLayer::new_for_http()
        .make_span_with(request_span as fn(&Request<Body>) -> Span)
        .on_request(())
        .on_response(
            DefaultOnResponse::new()
                .level(Level::INFO)
                .latency_unit(LatencyUnit::Micros),
        )
        .on_body_chunk(())
        .on_eos(())
        .on_failure(())
}
