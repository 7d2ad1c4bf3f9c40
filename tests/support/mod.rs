//! What the app's browser test files share: the echo server's address, stored sessions,
//! mounting inside `<AuthProvider>` and `<Router>`, and finding things on the page. Each test
//! file is its own crate, so not every item is used by every file.
#![allow(dead_code)]

use std::time::Duration;

use gloo_storage::{LocalStorage, SessionStorage, Storage};
use leptos::prelude::*;
use leptos_auth0::protocol::{Issuer, PkceVerifier, base64url};
use leptos_auth0::{
    ACCESS_TOKEN_KEY, AuthConfig, AuthProvider, EXPIRES_AT_KEY, ID_TOKEN_KEY, Transaction,
    save_transaction,
};
use leptos_router::components::Router;
use wasm_bindgen::{JsCast, JsValue};

/// Base URL of the echo server (`cargo xtask test` starts it and sets `SPA_TEST_ECHO_URL`).
pub fn echo_url() -> &'static str {
    option_env!("SPA_TEST_ECHO_URL").unwrap_or_else(|| {
        panic!(
            "SPA_TEST_ECHO_URL is not set: run these tests with `cargo xtask test browser`, or \
             start an echo server and set SPA_TEST_ECHO_URL=http://127.0.0.1:PORT when \
             compiling them"
        )
    })
}

/// A tenant address where nothing listens: any request to it fails as a network error.
pub const UNREACHABLE: &str = "http://127.0.0.1:9";

/// A configuration whose tenant is `domain` and whose API is `api_url`, renewing no session
/// silently (the fake tenants do not answer `prompt=none`).
pub fn config(domain: &str, api_url: &str) -> AuthConfig {
    AuthConfig::from_json(&format!(
        r#"{{"domain":"{domain}","clientId":"local-spa-client","audience":"https://quickstarts/api",
            "scope":"openid profile read:messages","apiUrl":"{api_url}",
            "useSilentRenewalFallback":false}}"#
    ))
    .expect("test configuration is valid")
}

/// A configuration whose tenant is the echo server's stand-in (`/tenant/none/`), answering
/// after `delay_ms` when given: its `/userinfo` returns a fixed profile, and its `/authorize`
/// and `/v2/logout` answer 204 No Content, so the browser stays on the test page.
pub fn echo_tenant_config(delay_ms: Option<u64>) -> AuthConfig {
    let slow = delay_ms.map_or_else(String::new, |delay_ms| format!("/slow/{delay_ms}"));
    let mut config = config(echo_url(), UNREACHABLE);
    // The client derives every endpoint from the issuer, so the delay goes in its path.
    config.issuer =
        Issuer::parse(&format!("{}{slow}/tenant/none/", echo_url())).expect("a loopback issuer");
    config
}

/// The nickname in the echo tenant's profile.
pub const ECHO_NICKNAME: &str = "echo-nickname";

/// Empties localStorage and sessionStorage.
pub fn clear_storage() {
    LocalStorage::clear();
    SessionStorage::clear();
}

/// Whether any of the session keys is in localStorage.
pub fn session_keys_present() -> bool {
    [ACCESS_TOKEN_KEY, ID_TOKEN_KEY, EXPIRES_AT_KEY]
        .iter()
        .any(|key| LocalStorage::raw().get_item(key).ok().flatten().is_some())
}

/// Milliseconds since the epoch.
pub fn now_ms() -> u64 {
    leptos_auth0::now_ms()
}

/// A JWT-shaped token with these claims (signature not valid; for client-side checks only).
pub fn unsigned_jwt(claims: &serde_json::Value) -> String {
    format!(
        "{}.{}.{}",
        base64url::encode(r#"{"alg":"RS256","typ":"JWT","kid":"test"}"#),
        base64url::encode(claims.to_string()),
        base64url::encode(b"not-a-real-signature")
    )
}

/// An access token for the test API expiring `seconds_from_now` from now.
pub fn access_token_expiring_in(seconds_from_now: i64) -> String {
    let exp = (now_ms() / 1000) as i64 + seconds_from_now;
    unsigned_jwt(&serde_json::json!({
        "iss": "http://localhost:3002/",
        "sub": "auth0|reader",
        "aud": ["https://quickstarts/api", "http://localhost:3002/userinfo"],
        "scope": "openid profile read:messages",
        "exp": exp,
        "iat": exp - 600,
    }))
}

/// A session for the next ten minutes, stored as the app stores one.
pub fn logged_in() {
    clear_storage();
    let storage = LocalStorage::raw();
    storage
        .set_item(ACCESS_TOKEN_KEY, &access_token_expiring_in(600))
        .unwrap();
    storage
        .set_item(
            ID_TOKEN_KEY,
            &unsigned_jwt(&serde_json::json!({"sub": "auth0|reader"})),
        )
        .unwrap();
    storage
        .set_item(EXPIRES_AT_KEY, &(now_ms() + 600_000).to_string())
        .unwrap();
}

/// A configuration naming its provider by `issuer` (every endpoint from the discovery
/// document), calling no API.
pub fn issuer_config(issuer: &str) -> AuthConfig {
    AuthConfig::from_json(&format!(
        r#"{{"issuer":"{issuer}","clientId":"local-spa-client","audience":"https://quickstarts/api",
            "scope":"openid profile email read:messages","apiUrl":"{UNREACHABLE}",
            "useSilentRenewalFallback":false}}"#
    ))
    .expect("test configuration is valid")
}

/// The echo server's stand-in tenant, named by `issuer`: its discovery document names its
/// `userinfo`, whose profile is [`ECHO_NICKNAME`]'s.
pub fn echo_issuer() -> String {
    format!("{}/tenant/none/", echo_url())
}

/// A session for the next ten minutes whose access token is for `audience` (a JSON string or
/// array) and whose ID token carries `profile` (JSON object members) beside the claims every ID
/// token has.
pub fn logged_in_with(audience: serde_json::Value, profile: serde_json::Value) {
    clear_storage();
    let now = now_ms() / 1000;
    let access_token = unsigned_jwt(&serde_json::json!({
        "iss": echo_issuer(), "sub": "reader", "aud": audience, "scope": "read:messages",
        "exp": now + 600, "iat": now,
    }));
    let mut id_claims = serde_json::json!({
        "iss": echo_issuer(), "sub": "reader", "aud": "local-spa-client",
        "exp": now + 600, "iat": now,
    });
    for (name, value) in profile.as_object().into_iter().flatten() {
        id_claims[name] = value.clone();
    }
    let storage = LocalStorage::raw();
    storage.set_item(ACCESS_TOKEN_KEY, &access_token).unwrap();
    storage
        .set_item(ID_TOKEN_KEY, &unsigned_jwt(&id_claims))
        .unwrap();
    storage
        .set_item(EXPIRES_AT_KEY, &(now_ms() + 600_000).to_string())
        .unwrap();
}

/// Stores a pending code-flow login in this tab with this `state`, as Log In would.
pub fn pending_transaction(state: &str) {
    save_transaction(&Transaction {
        state: state.to_owned(),
        nonce: "n".to_owned(),
        code_verifier: Some(
            PkceVerifier::parse("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap(),
        ),
        return_to: "/".to_owned(),
        redirect_uri: "http://localhost:3000/callback".to_owned(),
    })
    .unwrap();
}

/// Waits (polling every 20 ms) until `condition` holds, or panics after `timeout_ms`.
pub async fn wait_until(what: &str, timeout_ms: u64, condition: impl Fn() -> bool) {
    let start = now_ms();
    while !condition() {
        assert!(
            now_ms() - start < timeout_ms,
            "timed out waiting for {what}"
        );
        gloo_timers::future::sleep(Duration::from_millis(20)).await;
    }
}

/// The page's address, put back when dropped.
pub struct PageAddress {
    href: String,
}

impl PageAddress {
    /// Remembers the address and replaces it with `path` (no navigation).
    pub fn replace_with(path: &str) -> Self {
        let window = web_sys::window().unwrap();
        let href = window.location().href().unwrap();
        window
            .history()
            .unwrap()
            .replace_state_with_url(&JsValue::NULL, "", Some(path))
            .unwrap();
        Self { href }
    }
}

impl Drop for PageAddress {
    fn drop(&mut self) {
        let history = web_sys::window().unwrap().history().unwrap();
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&self.href));
    }
}

/// A view mounted in its own element of the document; dropping it unmounts the view, so that
/// nothing of one test (a storage listener, a router) outlives it.
pub struct Mounted {
    /// The element the view is mounted in.
    pub root: web_sys::HtmlElement,
    handle: Option<Box<dyn std::any::Any>>,
    owner: Owner,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        drop(self.handle.take());
        // Dropping the handle is not enough: listeners and tasks that hold the view's owner
        // keep it alive, and with it their window listeners (a router's click handler would
        // take the next test's link clicks). Cleaning up the parent runs every cleanup.
        self.owner.cleanup();
        self.root.remove();
    }
}

/// Mounts `view` in a fresh element of the document.
pub fn mount<V: IntoView + 'static>(view: impl FnOnce() -> V + 'static) -> Mounted {
    let document = web_sys::window().unwrap().document().unwrap();
    let root: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&root).unwrap();
    let owner = Owner::new();
    let handle = owner.with(|| leptos::mount::mount_to(root.clone(), view));
    Mounted {
        root,
        handle: Some(Box::new(handle)),
        owner,
    }
}

/// Mounts `page` inside `<AuthProvider config>` and a `<Router>`, as the app does.
pub fn mount_routed<V: IntoView + 'static>(
    config: AuthConfig,
    page: impl FnOnce() -> V + Send + 'static,
) -> Mounted {
    mount(move || {
        view! {
            <AuthProvider config=config>
                <Router>{page()}</Router>
            </AuthProvider>
        }
    })
}

/// Text of the first element matching `selector` inside `root`, if any.
pub fn text_of(root: &web_sys::HtmlElement, selector: &str) -> Option<String> {
    root.query_selector(selector)
        .ok()
        .flatten()
        .and_then(|element| element.text_content())
}

/// The button with exactly this text.
pub fn button(root: &web_sys::HtmlElement, label: &str) -> Option<web_sys::HtmlButtonElement> {
    let buttons = root.query_selector_all("button").ok()?;
    (0..buttons.length())
        .filter_map(|index| buttons.item(index))
        .filter_map(|node| node.dyn_into::<web_sys::HtmlButtonElement>().ok())
        .find(|button| button.text_content().as_deref().map(str::trim) == Some(label))
}

/// Texts of all links inside `root`.
pub fn link_texts(root: &web_sys::HtmlElement) -> Vec<String> {
    let links = root.query_selector_all("a").unwrap();
    (0..links.length())
        .filter_map(|index| links.item(index))
        .filter_map(|node| node.text_content())
        .collect()
}
