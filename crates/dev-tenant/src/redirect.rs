//! The `302 Found` every browser redirect of the tenant uses: to the client's callback, to its
//! logout URL, or to the login page.

use axum::http::header::{CACHE_CONTROL, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// A `302 Found` to `location`, never cached. `set_cookie` rides along.
pub fn found(location: &str, set_cookie: Option<HeaderValue>) -> Response {
    let mut headers = HeaderMap::new();
    match HeaderValue::from_str(location) {
        Ok(value) => {
            headers.insert(LOCATION, value);
        }
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "invalid redirect").into_response(),
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(cookie) = set_cookie {
        headers.append(SET_COOKIE, cookie);
    }
    (StatusCode::FOUND, headers).into_response()
}
