//! Request bounds: total header size and time to answer.
//!
//! A tower layer rather than `axum::middleware::from_fn`, which boxes an extra future and
//! clones the rest of the route for every request, and with a future of its own rather than a
//! boxed `async` block, which allocated and copied the route's future for every request. The
//! timer is armed only for an answer that is not ready at its first poll (most are: no key to
//! fetch), so the common request never touches the runtime's timer wheel; the bound then counts
//! from that first poll.

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
    type Future = LimitedAnswer<S::Future>;

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
            return LimitedAnswer::Refused;
        }
        LimitedAnswer::Answering {
            answer: self.inner.call(request),
            timeout: self.limits.timeout,
            deadline: None,
        }
    }
}

pin_project_lite::pin_project! {
    /// The inner service's answer, a 431 for headers over the bound, or a 503 once the
    /// timeout has passed since the first poll found the answer not ready.
    #[project = LimitedAnswerProjection]
    pub(crate) enum LimitedAnswer<F> {
        Refused,
        Answering {
            #[pin]
            answer: F,
            timeout: Duration,
            // Boxed, and only once the answer is late: most never need it.
            deadline: Option<Pin<Box<tokio::time::Sleep>>>,
        },
    }
}

impl<F> Future for LimitedAnswer<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            LimitedAnswerProjection::Refused => {
                Poll::Ready(Ok(ApiError::HeadersTooLarge.into_response()))
            }
            LimitedAnswerProjection::Answering {
                answer,
                timeout,
                deadline,
            } => {
                let had_budget = tokio::task::coop::has_budget_remaining();
                if let Poll::Ready(response) = answer.poll(context) {
                    return Poll::Ready(response);
                }
                let deadline =
                    deadline.get_or_insert_with(|| Box::pin(tokio::time::sleep(*timeout)));
                // An answer that spends the task's whole cooperative budget on every poll
                // would leave none for the timer, which then never fires: check the deadline
                // outside the budget in that case, as `tokio::time::timeout` does.
                let late = if had_budget && !tokio::task::coop::has_budget_remaining() {
                    std::pin::pin!(tokio::task::unconstrained(deadline.as_mut())).poll(context)
                } else {
                    deadline.as_mut().poll(context)
                };
                match late {
                    Poll::Ready(()) => Poll::Ready(Ok(ApiError::Timeout.into_response())),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
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
            .route(
                "/busy",
                get(|| async {
                    // Spends the budget and yields, for ever as far as any test waits.
                    let mut spins = 0_u64;
                    while spins < u64::MAX {
                        tokio::task::consume_budget().await;
                        spins += 1;
                    }
                    "never"
                }),
            )
            .route(
                "/soon",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    "ok"
                }),
            )
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
    async fn answer_that_spends_the_whole_budget_at_every_poll_is_still_cut_off() {
        let app = limited(RequestLimits {
            max_header_bytes: 1024,
            timeout: Duration::from_millis(20),
        });
        let answer = tokio::time::timeout(
            Duration::from_secs(5),
            app.oneshot(Request::get("/busy").body(Body::empty()).unwrap()),
        )
        .await
        .expect("the request timeout fired");
        assert_eq!(answer.unwrap().status(), StatusCode::SERVICE_UNAVAILABLE);
    }

    #[tokio::test]
    async fn answer_that_comes_late_but_in_time_is_passed_on() {
        let app = limited(RequestLimits {
            max_header_bytes: 1024,
            timeout: Duration::from_secs(10),
        });
        let response = app
            .oneshot(Request::get("/soon").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
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
