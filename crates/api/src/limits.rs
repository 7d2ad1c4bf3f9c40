//! Request bounds: total header size and time to answer.
//!
//! A tower layer rather than `axum::middleware::from_fn`, which boxes an extra future and
//! clones the rest of the route for every request. The timer is armed only for an answer that
//! is not ready at its first poll (most are: no key to fetch), so the common request never
//! touches the runtime's timer wheel; the bound then counts from that first poll.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use crate::error::ApiError;

/// The bounds one request must stay within.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestLimits {
    pub(crate) max_header_bytes: usize,
    pub(crate) timeout: Duration,
}

impl<S> Layer<S> for RequestLimits {
    type Service = Limited<S>;

    fn layer(&self, inner: S) -> Limited<S> {
        Limited {
            inner,
            limits: *self,
        }
    }
}

/// Answers 431 when the headers are too large and 503 when the answer takes too long.
#[derive(Debug, Clone)]
pub(crate) struct Limited<S> {
    inner: S,
    limits: RequestLimits,
}

impl<S> Service<Request> for Limited<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Send,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let header_bytes: usize = request
            .headers()
            .iter()
            .map(|(name, value)| name.as_str().len() + value.as_bytes().len())
            .sum();
        if header_bytes > self.limits.max_header_bytes {
            return Box::pin(std::future::ready(Ok(
                ApiError::HeadersTooLarge.into_response()
            )));
        }
        let answer = self.inner.call(request);
        let timeout = self.limits.timeout;
        Box::pin(async move {
            let mut answer = std::pin::pin!(answer);
            let first = std::future::poll_fn(|context| Poll::Ready(answer.as_mut().poll(context)));
            if let Poll::Ready(response) = first.await {
                return response;
            }
            match tokio::time::timeout(timeout, answer).await {
                Ok(response) => response,
                Err(_) => Ok(ApiError::Timeout.into_response()),
            }
        })
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
            .layer(limits)
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
