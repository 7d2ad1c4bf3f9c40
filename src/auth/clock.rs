//! The browser's clock and location, read in one place.

/// Milliseconds since the epoch, from `Date.now()`.
pub fn now_ms() -> u64 {
    // Date.now() is a non-negative whole number far below 2^53.
    js_sys::Date::now() as u64
}

/// `location.origin`, e.g. `http://localhost:3000`; empty outside a browser window.
pub fn current_origin() -> String {
    web_sys::window()
        .and_then(|window| window.location().origin().ok())
        .unwrap_or_default()
}

/// `location.pathname + search + hash`, the place to come back to after a login.
pub fn current_path() -> String {
    web_sys::window()
        .map(|window| window.location())
        .map(|location| {
            format!(
                "{}{}{}",
                location.pathname().unwrap_or_default(),
                location.search().unwrap_or_default(),
                location.hash().unwrap_or_default()
            )
        })
        .unwrap_or_else(|| "/".to_owned())
}
