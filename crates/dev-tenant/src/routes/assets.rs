//! Static assets: the pages' stylesheet and generated SVG avatars, so profile pictures work
//! offline.

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::pages::{STYLESHEET, escape};

/// `GET /static/login.css`.
pub async fn stylesheet() -> Response {
    (
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// `GET /avatars/{nickname}.svg`: the first letter of the nickname on a colour derived from it.
pub async fn avatar(Path(file): Path<String>) -> Response {
    let Some(nickname) = file
        .strip_suffix(".svg")
        .filter(|nickname| !nickname.is_empty())
    else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static("image/svg+xml")),
            (
                CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
            (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        avatar_svg(nickname),
    )
        .into_response()
}

/// The SVG of an avatar; the same nickname always gets the same colour.
pub fn avatar_svg(nickname: &str) -> String {
    let digest = Sha256::digest(nickname.as_bytes());
    let hue = u16::from_be_bytes([digest[0], digest[1]]) % 360;
    let letter: String = nickname
        .chars()
        .next()
        .map(|first| first.to_uppercase().collect())
        .unwrap_or_default();
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128" role="img" aria-label="{label}"><rect width="128" height="128" rx="64" fill="hsl({hue},55%,45%)"/><text x="64" y="64" dy=".35em" text-anchor="middle" font-family="sans-serif" font-size="64" fill="#fff">{letter}</text></svg>"##,
        label = escape(nickname),
        letter = escape(&letter),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avatar_shows_the_uppercase_initial_and_escapes_the_label() {
        let svg = avatar_svg("reader");
        assert!(svg.contains(">R</text>"));
        assert_eq!(svg, avatar_svg("reader"));
        assert!(avatar_svg("<x").contains("aria-label=\"&lt;x\""));
    }
}
