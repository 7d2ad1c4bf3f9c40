//! The access log: one INFO line per request with method, path, status, latency and, once a
//! token was verified, `sub`.
//!
//! One event when the response is ready, and no span: the caller comes from the
//! [`ClaimsSlot`] the extractors fill. Only the path is logged (no query string), and headers
//! never are, so tokens stay out of the logs. With `RUST_LOG` below INFO for this module the
//! layer does nothing at all.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::Request;
use axum::http::header::AUTHORIZATION;
use axum::response::Response;
use axum_bearer_auth::ClaimsSlot;
use tower::{Layer, Service};

/// The message of every access-log line.
const FINISHED: &str = "finished processing request";
/// The target of access-log events: `RUST_LOG=info,api::request_log=off` turns the log off.
pub(crate) const ACCESS_TARGET: &str = "api::request_log";

/// Wraps a service with the access log.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RequestLogLayer;

impl<S> Layer<S> for RequestLogLayer {
    type Service = RequestLog<S>;

    fn layer(&self, inner: S) -> RequestLog<S> {
        RequestLog { inner }
    }
}

/// The access-log service.
#[derive(Debug, Clone)]
pub(crate) struct RequestLog<S> {
    inner: S,
}

impl<S> Service<Request> for RequestLog<S>
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

    fn call(&mut self, mut request: Request) -> Self::Future {
        if !tracing::enabled!(target: ACCESS_TARGET, tracing::Level::INFO) {
            return Box::pin(self.inner.call(request));
        }
        let started = Instant::now();
        let method = request.method().clone();
        // A cheap clone: the path shares the request's bytes.
        let uri = request.uri().clone();
        // The extractors read a token from the `Authorization` header only, so a request without
        // one is never authenticated and needs no slot. Skipping it spares anonymous requests
        // (the public endpoint's) the extension map, a hash table allocated and freed per
        // request: about a quarter of what this layer costs.
        let caller = request.headers().contains_key(AUTHORIZATION).then(|| {
            let slot = ClaimsSlot::new();
            request.extensions_mut().insert(slot.clone());
            slot
        });
        let answer = self.inner.call(request);
        Box::pin(async move {
            let response = answer.await?;
            let latency = started.elapsed();
            // The message as a string field rather than a format string: the line formatter
            // then copies it instead of running it through `fmt`.
            tracing::info!(
                target: ACCESS_TARGET,
                message = FINISHED,
                method = method.as_str(),
                path = uri.path(),
                status = response.status().as_u16(),
                latency_us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
                sub = caller.as_ref().and_then(ClaimsSlot::subject),
            );
            Ok(response)
        })
    }
}
