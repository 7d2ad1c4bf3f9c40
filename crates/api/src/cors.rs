//! CORS (the Fetch standard's CORS protocol): exact allowed origins, the bearer header allowed,
//! `WWW-Authenticate` readable by the SPA.
//!
//! Every `OPTIONS` request is answered here as a preflight, before any token check, with the
//! methods, headers and lifetime below, and `Access-Control-Allow-Origin` only for an allowed
//! origin. Every other answer to an allowed origin gets `Access-Control-Allow-Origin` and
//! `Access-Control-Expose-Headers`; every answer gets `Vary` for the request headers it
//! depends on, so that no cache hands one origin's answer to another: `Origin`, and for a
//! preflight also `Access-Control-Request-Method` and `-Headers`. This is what tower-http's
//! `CorsLayer` answered with the same settings, except that it named all three on every answer
//! (only preflights read the last two) and also exposed headers to requests it granted nothing
//! (without `Access-Control-Allow-Origin` a browser reads nothing anyway). It is written out here because that layer builds a header map and
//! joins its `Vary` list on every request, and axum's router clones it, origin list and all,
//! for every request; here each header value is built once.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ORIGIN, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::response::Response;
use oidc_protocol::Origin;
use tower::{Layer, Service};

/// What a preflight grants: the methods and request headers the SPA uses.
const ALLOW_METHODS: HeaderValue = HeaderValue::from_static("GET,HEAD");
const ALLOW_HEADERS: HeaderValue = HeaderValue::from_static("authorization,content-type");
/// The challenge, which a script cannot read unless exposed.
const EXPOSE_HEADERS: HeaderValue = HeaderValue::from_static("www-authenticate");
/// Browsers may cache a preflight answer this long, in seconds.
const PREFLIGHT_MAX_AGE: HeaderValue = HeaderValue::from_static("600");
/// The request headers a preflight answer depends on.
const PREFLIGHT_VARY: HeaderValue = HeaderValue::from_static(
    "origin, access-control-request-method, access-control-request-headers",
);
/// The request header any other answer depends on.
const ORIGIN_VARY: HeaderValue = HeaderValue::from_static("origin");

/// The origins granted, as browsers send them.
#[derive(Debug)]
struct Policy {
    origins: Vec<HeaderValue>,
}

impl Policy {
    /// `Access-Control-Allow-Origin` for `headers`, when their `Origin` is one of ours.
    fn allowed_origin(&self, headers: &HeaderMap) -> Option<HeaderValue> {
        let origin = headers.get(ORIGIN)?;
        self.origins.contains(origin).then(|| origin.clone())
    }
}

/// A layer granting exactly `origins`; values that cannot be an origin are ignored with a
/// warning.
#[derive(Debug, Clone)]
pub(crate) struct CorsLayer {
    policy: Arc<Policy>,
}

pub(crate) fn cors_layer(origins: &[String]) -> CorsLayer {
    let origins = origins
        .iter()
        .filter_map(|origin| {
            let value = Origin::parse(origin)
                .ok()
                .and_then(|origin| HeaderValue::from_str(origin.as_str()).ok());
            if value.is_none() {
                tracing::warn!(origin = ?origin, "ignoring an allowed origin that is not scheme://host[:port]");
            }
            value
        })
        .collect();
    CorsLayer {
        policy: Arc::new(Policy { origins }),
    }
}

impl<S> Layer<S> for CorsLayer {
    type Service = Cors<S>;

    fn layer(&self, inner: S) -> Cors<S> {
        Cors {
            inner,
            policy: Arc::clone(&self.policy),
        }
    }
}

/// The CORS service.
#[derive(Debug, Clone)]
pub(crate) struct Cors<S> {
    inner: S,
    policy: Arc<Policy>,
}

impl<S> Service<Request> for Cors<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Send,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = CorsAnswer<S::Future>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let allowed_origin = self.policy.allowed_origin(request.headers());
        if request.method() == Method::OPTIONS {
            let mut response = Response::default();
            let headers = response.headers_mut();
            headers.insert(VARY, PREFLIGHT_VARY);
            if let Some(origin) = allowed_origin {
                headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            }
            headers.insert(ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS);
            headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS);
            headers.insert(ACCESS_CONTROL_MAX_AGE, PREFLIGHT_MAX_AGE);
            return CorsAnswer::Preflight {
                response: Some(response),
            };
        }
        CorsAnswer::Answering {
            answer: self.inner.call(request),
            allowed_origin,
        }
    }
}

pin_project_lite::pin_project! {
    /// The answer to a preflight, or the inner service's answer with the CORS headers added; a
    /// future of its own rather than a boxed `async` block, which allocated and copied the
    /// inner future for every request.
    #[project = CorsAnswerProjection]
    pub(crate) enum CorsAnswer<F> {
        Preflight { response: Option<Response> },
        Answering {
            #[pin]
            answer: F,
            allowed_origin: Option<HeaderValue>,
        },
    }
}

impl<F> Future for CorsAnswer<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            // Polled again after it answered, which a caller must not do: an empty answer.
            CorsAnswerProjection::Preflight { response } => {
                Poll::Ready(Ok(response.take().unwrap_or_default()))
            }
            CorsAnswerProjection::Answering {
                answer,
                allowed_origin,
            } => {
                let mut response = match answer.poll(context) {
                    Poll::Ready(Ok(response)) => response,
                    Poll::Ready(Err(never)) => match never {},
                    Poll::Pending => return Poll::Pending,
                };
                let headers = response.headers_mut();
                // Other layers may vary on more; add to their list rather than replace it.
                headers.append(VARY, ORIGIN_VARY);
                if let Some(origin) = allowed_origin.take() {
                    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
                    headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSE_HEADERS);
                }
                Poll::Ready(Ok(response))
            }
        }
    }
}
