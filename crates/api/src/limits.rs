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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use tower::ServiceExt;

    fn limited(limits: RequestLimits) -> Router {
        Router::new()
            .route("/never", get(std::future::pending::<&'static str>))
            .route("/now", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn_with_state(limits, enforce_limits))
    }

    #[tokio::test]
    async fn answer_that_never_comes_is_cut_off_with_a_503() {
        let app = limited(RequestLimits {
            max_header_bytes: 1024,
            timeout: Duration::from_millis(20),
        });
        let response = app
            .oneshot(Request::get("/never").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    }

    #[tokio::test]
    async fn headers_over_the_bound_are_refused_and_under_it_pass() {
        let app = limited(RequestLimits {
            max_header_bytes: 64,
            timeout: Duration::from_secs(10),
        });
        let small = Request::get("/now")
            .header("x-a", "b")
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            app.clone().oneshot(small).await.unwrap().status(),
            StatusCode::OK
        );
        let large = Request::get("/now")
            .header("x-a", "b".repeat(64))
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            app.oneshot(large).await.unwrap().status(),
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
        );
    }
}
