//! Reading the bearer token out of the `Authorization` header (RFC 6750 section 2.1).

use axum::http::{HeaderMap, header::AUTHORIZATION};

/// Tokens longer than this are refused before any parsing; Auth0 access tokens are ~1 KiB.
pub(crate) const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Why no bearer token could be taken from the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum BearerHeaderError {
    /// No `Authorization` header at all.
    #[error("no authorization header")]
    Missing,
    /// An `Authorization` header with another scheme, such as `Basic`.
    #[error("unsupported authorization scheme")]
    UnsupportedScheme,
    /// A `Bearer` header that does not follow `Bearer 1*SP b64token`, or more than one header.
    #[error("malformed authorization header")]
    Malformed,
}

/// The raw access token as sent by the client. Never logged: `Debug` is redacted.
pub(crate) struct BearerToken<'a>(&'a str);

impl<'a> BearerToken<'a> {
    /// The token text, for verification only.
    pub(crate) fn secret(&self) -> &'a str {
        self.0
    }
}

impl std::fmt::Debug for BearerToken<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("BearerToken([redacted])")
    }
}

/// Takes the token from `Authorization: Bearer <token>`; the scheme is case-insensitive
/// (RFC 9110 section 11.1).
///
/// # Errors
/// A [`BearerHeaderError`] saying whether credentials are missing, of another scheme or
/// malformed.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Result<BearerToken<'_>, BearerHeaderError> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let value = values.next().ok_or(BearerHeaderError::Missing)?;
    if values.next().is_some() {
        return Err(BearerHeaderError::Malformed);
    }
    let value = value.to_str().map_err(|_| BearerHeaderError::Malformed)?;
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(BearerHeaderError::UnsupportedScheme);
    }
    let token = rest.trim_start_matches(' ');
    if token.is_empty() || token.len() > MAX_TOKEN_BYTES || !is_b64token(token) {
        return Err(BearerHeaderError::Malformed);
    }
    Ok(BearerToken(token))
}

/// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="` (RFC 6750 section 2.1).
fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body.bytes().all(|byte| {
            byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    fn parse(values: &[&str]) -> Result<String, BearerHeaderError> {
        bearer_token(&headers(values)).map(|token| token.secret().to_owned())
    }

    #[test]
    fn scheme_is_case_insensitive() {
        for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
            assert_eq!(
                parse(&[&format!("{scheme} abc.def.ghi")]),
                Ok("abc.def.ghi".to_owned())
            );
        }
    }

    #[test]
    fn missing_header_is_missing() {
        assert_eq!(parse(&[]), Err(BearerHeaderError::Missing));
    }

    #[test]
    fn other_schemes_are_unsupported() {
        assert_eq!(
            parse(&["Basic dXNlcjpwYXNz"]),
            Err(BearerHeaderError::UnsupportedScheme)
        );
        assert_eq!(
            parse(&["Bearerabc"]),
            Err(BearerHeaderError::UnsupportedScheme)
        );
        assert_eq!(
            parse(&["abc.def.ghi"]),
            Err(BearerHeaderError::UnsupportedScheme)
        );
    }

    #[test]
    fn bearer_without_a_valid_b64token_is_malformed() {
        for value in [
            "Bearer",
            "Bearer ",
            "Bearer a b",
            "Bearer a,b",
            "Bearer ====",
            "Bearer a\tb",
        ] {
            assert_eq!(
                parse(&[value]),
                Err(BearerHeaderError::Malformed),
                "{value:?}"
            );
        }
    }

    #[test]
    fn two_authorization_headers_are_malformed() {
        assert_eq!(
            parse(&["Bearer a", "Bearer b"]),
            Err(BearerHeaderError::Malformed)
        );
    }

    #[test]
    fn oversized_token_is_malformed() {
        let token = "a".repeat(MAX_TOKEN_BYTES + 1);
        assert_eq!(
            parse(&[&format!("Bearer {token}")]),
            Err(BearerHeaderError::Malformed)
        );
    }

    #[test]
    fn debug_never_prints_the_token() {
        let headers = headers(&["Bearer secret.token.value"]);
        let token = bearer_token(&headers).unwrap();
        assert_eq!(format!("{token:?}"), "BearerToken([redacted])");
    }
}
