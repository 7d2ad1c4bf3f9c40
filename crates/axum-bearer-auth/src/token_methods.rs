//! The two other ways RFC 6750 section 2 lets a client send an access token, which this library
//! does not accept: an `access_token` form body parameter (section 2.2) and an `access_token`
//! URI query parameter (section 2.3). Only the `Authorization` header (section 2.1) carries a
//! token here, so a lone parameter is no credential at all (401 with the bare challenge); a
//! parameter beside a `Bearer` header is a request that "uses more than one method for
//! including an access token", 400 `invalid_request` (section 3.1), rather than a request a
//! proxy or log might read one way and the API another.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use oidc_protocol::form::decode_pairs;

/// The parameter name of sections 2.2 and 2.3.
const ACCESS_TOKEN: &str = "access_token";

/// True when the `application/x-www-form-urlencoded` text `form` (a query without its `?`, or
/// a form body) has a parameter named `access_token`, however its name is encoded.
pub(crate) fn names_access_token(form: &str) -> bool {
    decode_pairs(form)
        .iter()
        .any(|(name, _)| name == ACCESS_TOKEN)
}

/// True when some `Authorization` header uses the `Bearer` scheme (case-insensitive, RFC 9110
/// section 11.1), well-formed or not.
pub(crate) fn has_bearer_header(headers: &HeaderMap) -> bool {
    headers.get_all(AUTHORIZATION).iter().any(|value| {
        let value = value.as_bytes().trim_ascii_start();
        let scheme = value
            .split(|byte| *byte == b' ' || *byte == b'\t')
            .next()
            .unwrap_or_default();
        scheme.eq_ignore_ascii_case(b"bearer")
    })
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn access_token_is_found_by_its_decoded_name_only() {
        for form in [
            "access_token=abc",
            "a=1&access_token=abc",
            "access_token",
            "access_token=",
            "access%5Ftoken=abc",
            "access%5ftoken=abc&b=2",
        ] {
            assert!(names_access_token(form), "{form}");
        }
        for form in [
            "",
            "token=abc",
            "access_token_x=abc",
            "xaccess_token=abc",
            "a=access_token",
            "ACCESS_TOKEN=abc",
            "access+token=abc",
        ] {
            assert!(!names_access_token(form), "{form}");
        }
    }

    #[test]
    fn bearer_scheme_is_recognised_in_any_case_and_only_as_the_scheme() {
        let headers = |values: &[&str]| {
            let mut headers = HeaderMap::new();
            for value in values {
                headers.append(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
            }
            headers
        };
        for values in [
            &["Bearer abc"][..],
            &["bearer abc"],
            &["BEARER"],
            &["Bearer a b"],
            &["Basic x", "Bearer y"],
        ] {
            assert!(has_bearer_header(&headers(values)), "{values:?}");
        }
        for values in [&[][..], &["Basic abc"], &["Bearerx abc"], &["Token Bearer"]] {
            assert!(!has_bearer_header(&headers(values)), "{values:?}");
        }
    }
}
