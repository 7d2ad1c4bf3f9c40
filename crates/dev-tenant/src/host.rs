//! The `Host` names the tenant answers to. A page on any site can make a browser send requests
//! to a name that resolves to 127.0.0.1 (DNS rebinding) and read the answers as same-origin
//! ones; such requests name the attacker's host, so the tenant answers only to its issuer's
//! host and to loopback names and addresses on its own ports, and refuses the rest with
//! `421 Misdirected Request` (RFC 9110 section 15.5.20).

use std::sync::Arc;

use axum::extract::Request;
use axum::http::header::{CONTENT_TYPE, HOST, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use oidc_protocol::{HttpUrl, Scheme, is_loopback_host};

/// The hosts and ports a request may name in `Host` (or, in absolute form, its URI).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowedHosts {
    /// The issuer's host, lowercase.
    issuer_host: String,
    /// The issuer's port, written or implied by its scheme.
    issuer_port: u16,
    /// The port a `Host` without one means.
    default_port: u16,
    /// Ports on which any loopback name or address is accepted: the issuer's and the served one.
    loopback_ports: Vec<u16>,
}

/// Why a request's host was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HostRejection {
    /// No `Host` header and no authority in the URI, or more than one `Host` header
    /// (RFC 9112 section 3.2 asks for 400 then).
    #[error("missing or repeated Host header")]
    Missing,
    /// A host that is neither the issuer's nor loopback on the tenant's port.
    #[error("host not served here")]
    Foreign,
}

impl IntoResponse for HostRejection {
    fn into_response(self) -> Response {
        let (status, text) = match self {
            Self::Missing => (
                StatusCode::BAD_REQUEST,
                "Bad request: exactly one Host header is required.\n",
            ),
            Self::Foreign => (
                StatusCode::MISDIRECTED_REQUEST,
                "This development tenant answers only to its issuer's host and to loopback names and addresses on its own port. The request named another host, which is how DNS rebinding reaches local servers, so it was refused.\n",
            ),
        };
        (
            status,
            [
                (
                    CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                ),
                (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            ],
            text,
        )
            .into_response()
    }
}

/// Splits `host[:port]`, with IPv6 literals in brackets; `None` when the port is not a number.
fn split_authority(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')? + 1;
        let (host, rest) = authority.split_at(end);
        match rest {
            "" => (host, None),
            rest => (host, Some(rest.strip_prefix(':')?)),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => None,
        Some(port) => Some(port.parse::<u16>().ok()?),
    };
    (!host.is_empty()).then_some((host, port))
}

impl AllowedHosts {
    /// The issuer's host and port, and loopback names on the issuer's port.
    ///
    /// An issuer that is not an http(s) URL allows loopback names on port 80 only; configuration
    /// validation refuses such issuers before any request is served.
    pub fn for_issuer(issuer: &str) -> Self {
        let parsed = HttpUrl::parse(issuer).ok();
        let default_port = match parsed.as_ref().map(HttpUrl::scheme) {
            Some(Scheme::Https) => 443,
            _ => 80,
        };
        let issuer_port = parsed
            .as_ref()
            .and_then(HttpUrl::port)
            .unwrap_or(default_port);
        Self {
            issuer_host: parsed
                .as_ref()
                .map(|url| url.host().to_ascii_lowercase())
                .unwrap_or_default(),
            issuer_port,
            default_port,
            loopback_ports: vec![issuer_port],
        }
    }

    /// Also accepts loopback names and addresses on `port`, the one the listener is bound to.
    pub fn with_loopback_port(mut self, port: u16) -> Self {
        if !self.loopback_ports.contains(&port) {
            self.loopback_ports.push(port);
        }
        self
    }

    /// Whether `authority` (a `Host` value) names this tenant.
    pub fn allows(&self, authority: &str) -> bool {
        let Some((host, port)) = split_authority(authority) else {
            return false;
        };
        let port = port.unwrap_or(self.default_port);
        (host.eq_ignore_ascii_case(&self.issuer_host) && port == self.issuer_port)
            || (is_loopback_host(host) && self.loopback_ports.contains(&port))
    }

    /// Checks the request's `Host`, or the authority of an absolute-form URI.
    ///
    /// # Errors
    /// See [`HostRejection`].
    pub fn check(&self, request: &Request) -> Result<(), HostRejection> {
        let mut hosts = request.headers().get_all(HOST).iter();
        let authority = match (request.uri().authority(), hosts.next(), hosts.next()) {
            (Some(authority), _, _) => authority.as_str(),
            (None, Some(host), None) => host.to_str().map_err(|_| HostRejection::Foreign)?,
            (None, _, _) => return Err(HostRejection::Missing),
        };
        if self.allows(authority) {
            Ok(())
        } else {
            Err(HostRejection::Foreign)
        }
    }
}

/// The middleware refusing requests whose host [`AllowedHosts::check`] refuses.
pub async fn require_allowed_host(
    allowed: Arc<AllowedHosts>,
    request: Request,
    next: Next,
) -> Response {
    match allowed.check(&request) {
        Ok(()) => next.run(request).await,
        Err(rejection) => rejection.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issuer_and_loopback_names_on_its_port_are_allowed() {
        let allowed = AllowedHosts::for_issuer("http://localhost:3002/");
        for host in [
            "localhost:3002",
            "LOCALHOST:3002",
            "127.0.0.1:3002",
            "127.0.0.2:3002",
            "[::1]:3002",
        ] {
            assert!(allowed.allows(host), "{host}");
        }
        for host in [
            "evil.example:3002",
            "localhost.evil.example:3002",
            "localhost:3003",
            "localhost",
            "127.0.0.1",
            "[::1]",
            "localhost:",
            "localhost:x",
            ":3002",
            "[::1",
            "192.168.1.5:3002",
        ] {
            assert!(!allowed.allows(host), "{host}");
        }
    }

    #[test]
    fn the_served_port_is_allowed_for_loopback_names_only() {
        let allowed = AllowedHosts::for_issuer("http://localhost:3002/").with_loopback_port(4000);
        assert!(allowed.allows("127.0.0.1:4000"));
        assert!(allowed.allows("localhost:4000"));
        assert!(!allowed.allows("evil.example:4000"));
    }

    #[test]
    fn an_https_issuer_without_a_port_means_443() {
        let allowed = AllowedHosts::for_issuer("https://tenant.example/");
        assert!(allowed.allows("tenant.example"));
        assert!(allowed.allows("Tenant.Example:443"));
        assert!(!allowed.allows("tenant.example:80"));
        assert!(!allowed.allows("other.example"));
    }
}
