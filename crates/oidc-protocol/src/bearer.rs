//! Reading a bearer token out of an `Authorization` header value (RFC 6750 section 2.1).

/// Tokens longer than this are refused before any parsing; Auth0 access tokens are ~1 KiB.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Why no bearer token could be taken from a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
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

/// Takes the token from the values of the request's `Authorization` headers, which must be
/// exactly one `Bearer <token>`; the scheme is case-insensitive (RFC 9110 section 11.1).
///
/// # Errors
/// A [`CredentialsError`] saying whether credentials are missing, of another scheme or malformed.
pub fn bearer_token<'a>(
    mut header_values: impl Iterator<Item = &'a [u8]>,
) -> Result<&'a str, CredentialsError> {
    let value = header_values.next().ok_or(CredentialsError::Missing)?;
    if header_values.next().is_some() {
        return Err(CredentialsError::Malformed);
    }
    let value = std::str::from_utf8(value).map_err(|_| CredentialsError::Malformed)?;
    // Optional whitespace around a field value is not part of it (RFC 9110 section 5.5).
    let value = value.trim_matches([' ', '\t']);
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !is_token(scheme) {
        return Err(CredentialsError::Malformed);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(CredentialsError::UnsupportedScheme);
    }
    let token = rest.trim_start_matches(' ');
    if token.is_empty() || token.len() > MAX_TOKEN_BYTES || !is_b64token(token) {
        return Err(CredentialsError::Malformed);
    }
    Ok(token)
}

/// An authentication scheme is a `token` (RFC 9110 sections 11.1 and 5.6.2).
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte))
}

/// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="` (RFC 6750
/// section 2.1).
pub fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    // Every byte is looked up, without stopping at the first one outside the set: a loop of a
    // load and an `and` per byte, which a server runs over each new ~1 KiB token, rather than
    // seven comparisons and a branch.
    !body.is_empty()
        && body
            .bytes()
            .fold(true, |all, byte| all & B64TOKEN_BODY[usize::from(byte)])
}

/// Whether each byte may appear before the trailing `=` of a b64token.
const B64TOKEN_BODY: [bool; 256] = {
    let mut table = [false; 256];
    let mut index = 0;
    while index < table.len() {
        let byte = index as u8;
        table[index] =
            byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'+' | b'/');
        index += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(values: &[&str]) -> Result<String, CredentialsError> {
        bearer_token(values.iter().map(|value| value.as_bytes())).map(str::to_owned)
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
    fn a_scheme_that_is_not_a_token_is_malformed() {
        for value in ["", "Básic x", "Bear(er) x", "\"Bearer\" x"] {
            assert_eq!(
                parse(&[value]),
                Err(CredentialsError::Malformed),
                "{value:?}"
            );
        }
    }

    #[test]
    fn whitespace_around_the_field_value_is_ignored() {
        assert_eq!(parse(&[" Bearer abc\t"]), Ok("abc".to_owned()));
    }

    #[test]
    fn missing_header_is_missing() {
        assert_eq!(parse(&[]), Err(CredentialsError::Missing));
    }

    #[test]
    fn other_schemes_are_unsupported() {
        for value in ["Basic dXNlcjpwYXNz", "Bearerabc", "abc.def.ghi"] {
            assert_eq!(
                parse(&[value]),
                Err(CredentialsError::UnsupportedScheme),
                "{value:?}"
            );
        }
    }

    #[test]
    fn b64token_allows_exactly_the_characters_of_the_grammar() {
        for byte in 0..=127_u8 {
            let allowed = byte.is_ascii_alphanumeric() || b"-._~+/".contains(&byte);
            let token = format!("a{}b", char::from(byte));
            assert_eq!(is_b64token(&token), allowed, "{byte:#04x}");
        }
        for token in ["a\u{e9}b", "\u{e9}", "a\u{1f600}"] {
            assert!(!is_b64token(token), "{token:?}");
        }
        assert!(is_b64token("aZ09-._~+/=="));
        assert!(!is_b64token("a=b") && !is_b64token("=") && !is_b64token(""));
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
            "Bearer a=b",
        ] {
            assert_eq!(
                parse(&[value]),
                Err(CredentialsError::Malformed),
                "{value:?}"
            );
        }
        assert_eq!(
            bearer_token([&b"Bearer \xff"[..]].into_iter()),
            Err(CredentialsError::Malformed)
        );
    }

    #[test]
    fn padding_and_extra_spaces_before_the_token_are_allowed() {
        assert_eq!(parse(&["Bearer  abc=="]), Ok("abc==".to_owned()));
    }

    #[test]
    fn two_authorization_headers_are_malformed() {
        assert_eq!(
            parse(&["Bearer a", "Bearer b"]),
            Err(CredentialsError::Malformed)
        );
    }

    #[test]
    fn oversized_token_is_malformed() {
        let token = "a".repeat(MAX_TOKEN_BYTES + 1);
        assert_eq!(
            parse(&[&format!("Bearer {token}")]),
            Err(CredentialsError::Malformed)
        );
        let token = "a".repeat(MAX_TOKEN_BYTES);
        assert_eq!(parse(&[&format!("Bearer {token}")]), Ok(token));
    }
}
