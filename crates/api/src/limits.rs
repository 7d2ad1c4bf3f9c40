//! Request bounds: total header size and time to answer.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// The bounds one request must stay within.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestLimits {
    pub(crate) max_header_bytes: usize,
    pub(crate) timeout: Duration,
}

/// Answers 431 when the headers are too large and 503 when the answer takes too long.
pub(crate) async fn enforce_limits(
    State(limits): State<RequestLimits>,
    request: Request,
    next: Next,
) -> Response {
    let header_bytes: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.as_bytes().len())
        .sum();
    if header_bytes > limits.max_header_bytes {
        return ApiError::HeadersTooLarge.into_response();
    }
    match tokio::time::timeout(limits.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout.into_response(),
    }
}
