//! Absolute `http`/`https` URLs as configuration names them (issuers, API base URLs, redirect
//! URIs, CORS origins), split into scheme, host, port and the rest (RFC 3986 section 3), and
//! web origins (RFC 6454 section 6.1).
//!
//! Deliberately strict, because these values are compared byte for byte later (`iss`, exact
//! redirect URIs, `Origin` headers): ASCII only, lowercase host, no user information, no default
//! port written out, no percent-encoding in the host.

use std::fmt;

use crate::loopback::is_loopback_host;

/// Why a text is not an acceptable absolute `http(s)` URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// No `scheme://`, or a scheme other than lowercase `http` or `https`.
    #[error("not an http or https url")]
    Scheme,
    /// The authority has user information (`user@host`), which is never used here and hides
    /// the real host from a quick read.
    #[error("user information is not allowed")]
    UserInfo,
    /// The host is empty or has characters outside lowercase letters, digits, `.`, `-` (or a
    /// bracketed IPv6 address).
    #[error("invalid host")]
    Host,
    /// The port is not a number from 1 to 65535, or is the scheme's default written out.
    #[error("invalid port")]
    Port,
    /// Spaces, control characters or non-ASCII characters.
    #[error("invalid characters")]
    Characters,
    /// A query or fragment where none is allowed.
    #[error("query and fragment are not allowed")]
    QueryOrFragment,
    /// A path where none is allowed (an origin has none).
    #[error("a path is not allowed")]
    Path,
    /// Plain `http` to a host that is not loopback: tokens would cross the network in clear.
    #[error("http is only allowed for loopback hosts")]
    InsecureHttp,
}

/// `http` or `https`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP, acceptable only for loopback hosts.
    Http,
    /// HTTP over TLS.
    Https,
}

impl Scheme {
    /// The scheme as written in URLs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
        }
    }

    /// The port used when none is written.
    pub const fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
        }
    }
}

/// A parsed absolute `http(s)` URL, borrowing the text it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpUrl<'a> {
    text: &'a str,
    scheme: Scheme,
    host: &'a str,
    port: Option<u16>,
    /// Everything after the authority: path, query and fragment.
    rest: &'a str,
}

impl<'a> HttpUrl<'a> {
    /// Splits `text`.
    ///
    /// # Errors
    /// The [`UrlError`] for the first rule it breaks.
    pub fn parse(text: &'a str) -> Result<Self, UrlError> {
        if !text.bytes().all(|byte| byte.is_ascii_graphic()) {
            return Err(UrlError::Characters);
        }
        let (scheme, after_scheme) = text.split_once("://").ok_or(UrlError::Scheme)?;
        let scheme = match scheme {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            _ => return Err(UrlError::Scheme),
        };
        let authority_end = after_scheme
            .find(['/', '?', '#'])
            .unwrap_or(after_scheme.len());
        let (authority, rest) = after_scheme.split_at(authority_end);
        if authority.contains('@') {
            return Err(UrlError::UserInfo);
        }
        let (host, port) = split_port(authority)?;
        if !is_valid_host(host) {
            return Err(UrlError::Host);
        }
        if port == Some(scheme.default_port()) {
            return Err(UrlError::Port);
        }
        if has_invalid_rest(rest) {
            return Err(UrlError::Characters);
        }
        Ok(Self {
            text,
            scheme,
            host,
            port,
            rest,
        })
    }

    /// The whole text.
    pub fn as_str(&self) -> &'a str {
        self.text
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host, brackets included for IPv6.
    pub fn host(&self) -> &'a str {
        self.host
    }

    /// The port when one is written.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The path (empty or starting with `/`), without query or fragment.
    pub fn path(&self) -> &'a str {
        let end = self.rest.find(['?', '#']).unwrap_or(self.rest.len());
        &self.rest[..end]
    }

    /// Whether a query or a fragment follows the path.
    pub fn has_query_or_fragment(&self) -> bool {
        self.rest.contains(['?', '#'])
    }

    /// The web origin: `scheme://host[:port]` (RFC 6454 section 6.1).
    pub fn origin(&self) -> Origin {
        let mut origin = format!("{}://{}", self.scheme.as_str(), self.host);
        if let Some(port) = self.port {
            origin.push_str(&format!(":{port}"));
        }
        Origin(origin)
    }

    /// Whether the host is loopback.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(self.host)
    }

    /// Refuses plain `http` unless the host is loopback.
    ///
    /// # Errors
    /// [`UrlError::InsecureHttp`].
    pub fn require_secure_or_loopback(self) -> Result<Self, UrlError> {
        if self.scheme == Scheme::Http && !self.is_loopback() {
            Err(UrlError::InsecureHttp)
        } else {
            Ok(self)
        }
    }
}

fn split_port(authority: &str) -> Result<(&str, Option<u16>), UrlError> {
    // The last `:` after any IPv6 brackets separates the port.
    let after_brackets = authority.rfind(']').map_or(0, |index| index + 1);
    match authority[after_brackets..].rfind(':') {
        None => Ok((authority, None)),
        Some(offset) => {
            let (host, port) = authority.split_at(after_brackets + offset);
            let digits = &port[1..];
            // No leading zero: `:03000` would name port 3000 under another spelling.
            let canonical = !digits.starts_with('0');
            let port = (canonical
                && !digits.is_empty()
                && digits.bytes().all(|byte| byte.is_ascii_digit()))
            .then(|| digits.parse::<u16>().ok())
            .flatten()
            .filter(|port| *port != 0)
            .ok_or(UrlError::Port)?;
            Ok((host, Some(port)))
        }
    }
}

fn is_valid_host(host: &str) -> bool {
    if let Some(inner) = host
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
    {
        return inner.parse::<std::net::Ipv6Addr>().is_ok()
            && !inner.bytes().any(|b| b.is_ascii_uppercase());
    }
    let well_formed = !host.is_empty()
        && !host.starts_with(['.', '-'])
        && !host.contains("..")
        && host.bytes().all(|byte| {
            byte.is_ascii_lowercase() || byte.is_ascii_digit() || matches!(byte, b'.' | b'-')
        });
    // A name whose last label is all digits is read by browsers as an IPv4 address in a short
    // or odd form (`127.1`, `0x7f.1`): only the dotted-quad spelling is accepted.
    let last_label = host
        .trim_end_matches('.')
        .rsplit('.')
        .next()
        .unwrap_or(host);
    let numeric = !last_label.is_empty() && last_label.bytes().all(|byte| byte.is_ascii_digit());
    well_formed && (!numeric || host.parse::<std::net::Ipv4Addr>().is_ok())
}

/// Characters that never appear unescaped in a URL's path, query or fragment (RFC 3986
/// section 2, and what browsers percent-encode), and `%` not followed by two hex digits.
fn has_invalid_rest(rest: &str) -> bool {
    let bytes = rest.as_bytes();
    bytes.iter().enumerate().any(|(index, byte)| match byte {
        b'\\' | b'"' | b'<' | b'>' | b'^' | b'`' | b'{' | b'|' | b'}' => true,
        b'%' => {
            !(bytes.get(index + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(index + 2).is_some_and(u8::is_ascii_hexdigit))
        }
        _ => false,
    })
}

/// A web origin, `scheme://host[:port]` exactly as browsers serialise it in `Origin` headers
/// (RFC 6454 section 6.1): the unit for CORS and for "where may the token go".
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin(String);

impl Origin {
    /// Parses an origin; a single trailing `/` is tolerated and dropped.
    ///
    /// # Errors
    /// [`UrlError`] for anything that is not exactly an origin (a path, query, fragment, user
    /// information, an uppercase host or a default port written out).
    pub fn parse(text: &str) -> Result<Self, UrlError> {
        let trimmed = text.strip_suffix('/').unwrap_or(text);
        let url = HttpUrl::parse(trimmed)?;
        if !url.rest.is_empty() {
            return Err(if url.has_query_or_fragment() {
                UrlError::QueryOrFragment
            } else {
                UrlError::Path
            });
        }
        Ok(url.origin())
    }

    /// The origin as browsers send it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_split_into_their_parts() {
        let url = HttpUrl::parse("https://tenant.eu.auth0.com:8443/a/b?c=d#e").unwrap();
        assert_eq!(url.scheme(), Scheme::Https);
        assert_eq!(url.host(), "tenant.eu.auth0.com");
        assert_eq!(url.port(), Some(8443));
        assert_eq!(url.path(), "/a/b");
        assert!(url.has_query_or_fragment());
        assert_eq!(url.origin().as_str(), "https://tenant.eu.auth0.com:8443");
        let bare = HttpUrl::parse("http://[::1]:3001").unwrap();
        assert_eq!(bare.host(), "[::1]");
        assert_eq!(bare.path(), "");
        assert!(bare.is_loopback());
    }

    #[test]
    fn non_canonical_or_foreign_urls_are_refused() {
        for (text, error) in [
            ("ftp://host/", UrlError::Scheme),
            ("HTTPS://host/", UrlError::Scheme),
            ("host/path", UrlError::Scheme),
            ("https://user@host/", UrlError::UserInfo),
            ("https://evil.example@tenant.auth0.com/", UrlError::UserInfo),
            ("https:///path", UrlError::Host),
            ("https://Tenant.auth0.com/", UrlError::Host),
            ("https://ten%41nt.auth0.com/", UrlError::Host),
            ("https://a..b/", UrlError::Host),
            ("https://[::G]/", UrlError::Host),
            ("https://host:443/", UrlError::Port),
            ("http://host:80/", UrlError::Port),
            ("https://host:0/", UrlError::Port),
            ("https://host:99999/", UrlError::Port),
            ("https://host:/", UrlError::Port),
            ("https://host /", UrlError::Characters),
            ("https://hôst/", UrlError::Characters),
            ("https://host:03000/", UrlError::Port),
            ("http://127.1/", UrlError::Host),
            ("http://a.1/", UrlError::Host),
            ("https://host/a\\b", UrlError::Characters),
            ("https://host/%zz", UrlError::Characters),
            ("https://host/a{b}", UrlError::Characters),
        ] {
            assert_eq!(HttpUrl::parse(text), Err(error), "{text}");
        }
    }

    #[test]
    fn plain_http_is_only_for_loopback() {
        for text in [
            "http://localhost:3002",
            "http://127.0.0.1:9/",
            "http://[::1]/",
        ] {
            assert!(
                HttpUrl::parse(text)
                    .unwrap()
                    .require_secure_or_loopback()
                    .is_ok(),
                "{text}"
            );
        }
        for text in [
            "http://tenant.example/",
            "http://localhost.example/",
            "http://10.0.0.1/",
        ] {
            assert_eq!(
                HttpUrl::parse(text).unwrap().require_secure_or_loopback(),
                Err(UrlError::InsecureHttp),
                "{text}"
            );
        }
        assert!(
            HttpUrl::parse("https://tenant.example/")
                .unwrap()
                .require_secure_or_loopback()
                .is_ok()
        );
    }

    #[test]
    fn origins_are_exactly_scheme_host_and_port() {
        assert_eq!(
            Origin::parse("http://localhost:3000").unwrap().as_str(),
            "http://localhost:3000"
        );
        assert_eq!(
            Origin::parse("http://localhost:3000/").unwrap().as_str(),
            "http://localhost:3000"
        );
        assert_eq!(
            Origin::parse("http://localhost:3000/app"),
            Err(UrlError::Path)
        );
        assert_eq!(
            Origin::parse("http://localhost:3000?x"),
            Err(UrlError::QueryOrFragment)
        );
        assert_eq!(
            Origin::parse("https://app.example:443"),
            Err(UrlError::Port)
        );
        assert_eq!(Origin::parse("*"), Err(UrlError::Scheme));
        assert_eq!(Origin::parse("null"), Err(UrlError::Scheme));
    }
}
