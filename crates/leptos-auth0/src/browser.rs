//! The browser's clock and location, read and changed in one place, and the deadline of
//! requests that must not hang.

use std::time::Duration;

/// How long a request to the tenant made by a renewal or a logout may take before it is
/// given up: a renewal holds the cross-tab lock while it waits.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

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

/// `location.search` and `location.hash`, each with its `?` or `#`.
pub(crate) fn current_search_and_hash() -> (String, String) {
    web_sys::window()
        .map(|window| window.location())
        .map(|location| {
            (
                location.search().unwrap_or_default(),
                location.hash().unwrap_or_default(),
            )
        })
        .unwrap_or_default()
}

/// Leaves the app for `url` (the tenant's pages); logs when the browser refuses.
pub(crate) fn navigate_away(url: &str) {
    let assigned = web_sys::window().is_some_and(|window| window.location().assign(url).is_ok());
    if !assigned {
        leptos::logging::error!("the browser refused to leave the page");
    }
}

/// Replaces the current history entry's URL, so a code or tokens in it leave the history.
pub(crate) fn replace_url(path: &str) {
    let replaced = web_sys::window()
        .and_then(|window| window.history().ok())
        .is_some_and(|history| {
            history
                .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path))
                .is_ok()
        });
    if !replaced {
        leptos::logging::warn!("could not clean the callback address from history");
    }
}

/// An `AbortSignal` that aborts after `timeout`, for a fetch that must not wait forever.
pub(crate) fn abort_after(timeout: Duration) -> Option<web_sys::AbortSignal> {
    let controller = web_sys::AbortController::new().ok()?;
    let signal = controller.signal();
    leptos::prelude::set_timeout(move || controller.abort(), timeout);
    Some(signal)
}
