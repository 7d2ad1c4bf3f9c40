//! The session and CSRF cookies: reading them from requests and writing their `Set-Cookie`.

use axum::http::header::COOKIE;
use axum::http::{HeaderMap, HeaderValue};

/// The login session cookie.
pub const SESSION_COOKIE: &str = "dev_tenant_session";
/// Prefix of the double-submit CSRF cookies of the login form; see [`csrf_cookie_name`].
pub const CSRF_COOKIE_PREFIX: &str = "dev_tenant_csrf_";
/// The login page's path, to which the CSRF cookies are scoped.
pub const LOGIN_PATH: &str = "/u/login";

/// The CSRF cookie of one login transaction. Each pending login has its own cookie, so logging in
/// from two tabs at once does not make one tab's form fail its CSRF check.
pub fn csrf_cookie_name(transaction: &str) -> String {
    let suffix: String = transaction.chars().take(16).collect();
    format!("{CSRF_COOKIE_PREFIX}{suffix}")
}

/// The value of cookie `name`, if the request carries it.
pub fn read<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(cookie_name, _)| *cookie_name == name)
        .map(|(_, value)| value)
}

/// `Set-Cookie` for an `HttpOnly; SameSite=Lax` cookie on `path`; `Secure` when the issuer is https.
pub fn set(name: &str, value: &str, path: &str, max_age: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let cookie =
        format!("{name}={value}; HttpOnly; SameSite=Lax; Path={path}; Max-Age={max_age}{secure}");
    // Values are base64url tokens and fixed names, always valid header text.
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `Set-Cookie` removing cookie `name` on `path`.
pub fn clear(name: &str, path: &str) -> HeaderValue {
    let cookie = format!("{name}=; HttpOnly; SameSite=Lax; Path={path}; Max-Age=0");
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_finds_a_cookie_among_several() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=1; dev_tenant_session=abc; b=2"),
        );
        assert_eq!(read(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(read(&headers, &csrf_cookie_name("abc")), None);
    }

    #[test]
    fn csrf_cookie_names_differ_per_transaction() {
        assert_eq!(
            csrf_cookie_name("abcdefghijklmnopqrstuvwxyz"),
            "dev_tenant_csrf_abcdefghijklmnop"
        );
        assert_ne!(
            csrf_cookie_name("transaction-one"),
            csrf_cookie_name("transaction-two")
        );
    }

    #[test]
    fn session_cookie_is_http_only_and_lax() {
        let cookie = set(SESSION_COOKIE, "v", "/", 60, false);
        assert_eq!(
            cookie,
            "dev_tenant_session=v; HttpOnly; SameSite=Lax; Path=/; Max-Age=60"
        );
    }
}
