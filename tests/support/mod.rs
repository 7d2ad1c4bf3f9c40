//! Helpers shared by the browser test files (each file is its own crate, so not every helper
//! is used by every file).
#![allow(dead_code)]

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gloo_storage::{LocalStorage, SessionStorage, Storage};
use js_sys::{Array, Object, Reflect, Uint8Array};
use spa::auth::{ACCESS_TOKEN_KEY, EXPIRES_AT_KEY, ID_TOKEN_KEY, Jwk, Jwks};
use spa::config::AuthConfig;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Base URL of the echo server (`cargo xtask test` starts it and sets `SPA_TEST_ECHO_URL`).
pub fn echo_url() -> &'static str {
    option_env!("SPA_TEST_ECHO_URL").unwrap_or_else(|| {
        panic!(
            "SPA_TEST_ECHO_URL is not set: run these tests with `cargo xtask test`, or start an \
             echo server and set SPA_TEST_ECHO_URL=http://127.0.0.1:PORT when compiling them"
        )
    })
}

/// The echo server under its other name (`localhost`), which is a different origin.
pub fn echo_url_as_localhost() -> String {
    echo_url().replace("127.0.0.1", "localhost")
}

/// A configuration whose tenant is `domain` and whose API is `api_url`.
pub fn config(domain: &str, api_url: &str) -> AuthConfig {
    AuthConfig::from_json(&format!(
        r#"{{"domain":"{domain}","clientId":"local-spa-client","audience":"https://quickstarts/api",
            "scope":"openid profile read:messages","apiUrl":"{api_url}"}}"#
    ))
    .expect("test configuration is valid")
}

/// A tenant address where nothing listens: any request to it fails as a network error.
pub const UNREACHABLE: &str = "http://127.0.0.1:9";

/// Lets effects and timers run without mounting anything (mounting does this by itself).
pub fn init_executor() {
    // A second initialisation fails harmlessly: the executor is already set.
    let _ = any_spawner::Executor::init_wasm_bindgen();
}

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
    js_sys::Date::now() as u64
}

/// A JWT-shaped token with these claims (signature not valid; for client-side checks only).
pub fn unsigned_jwt(claims: &serde_json::Value) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT","kid":"test"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(b"not-a-real-signature")
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

/// Stores a session as the app does after a login.
pub fn store_session(access_token: &str, expires_at_ms: u64) {
    LocalStorage::set(ACCESS_TOKEN_KEY, access_token).unwrap();
    LocalStorage::set(
        ID_TOKEN_KEY,
        unsigned_jwt(&serde_json::json!({"sub": "auth0|reader"})),
    )
    .unwrap();
    LocalStorage::set(EXPIRES_AT_KEY, expires_at_ms).unwrap();
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

/// A fresh element in the document to mount into.
pub fn container() -> web_sys::HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let element = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&element).unwrap();
    element.unchecked_into()
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

/// An RSA key pair made by WebCrypto, to sign test ID tokens.
pub struct TestSigner {
    private_key: web_sys::CryptoKey,
    /// The public key as the tenant's JWKS would publish it.
    pub jwks: Jwks,
}

fn set(target: &Object, name: &str, value: &JsValue) {
    Reflect::set(target, &JsValue::from_str(name), value).unwrap();
}

fn get(target: &JsValue, name: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(name)).unwrap()
}

impl TestSigner {
    /// Generates a 2048-bit RS256 key with kid `test-key`.
    pub async fn generate() -> Self {
        let subtle = web_sys::window().unwrap().crypto().unwrap().subtle();
        let algorithm = Object::new();
        set(&algorithm, "name", &"RSASSA-PKCS1-v1_5".into());
        set(&algorithm, "modulusLength", &2048.into());
        set(
            &algorithm,
            "publicExponent",
            &Uint8Array::from(&[1u8, 0, 1][..]).into(),
        );
        set(&algorithm, "hash", &"SHA-256".into());
        let usages = Array::of2(&"sign".into(), &"verify".into());
        let pair = JsFuture::from(
            subtle
                .generate_key_with_object(&algorithm, true, &usages)
                .unwrap(),
        )
        .await
        .unwrap();
        let public_key: web_sys::CryptoKey = get(&pair, "publicKey").unchecked_into();
        let private_key: web_sys::CryptoKey = get(&pair, "privateKey").unchecked_into();
        let exported = JsFuture::from(subtle.export_key("jwk", &public_key).unwrap())
            .await
            .unwrap();
        let jwks: Jwks = serde_json::from_value(serde_json::json!({"keys": [{
            "kty": "RSA", "kid": "test-key", "alg": "RS256", "use": "sig",
            "n": get(&exported, "n").as_string().unwrap(),
            "e": get(&exported, "e").as_string().unwrap(),
        }]}))
        .unwrap();
        Self { private_key, jwks }
    }

    /// The only key.
    pub fn jwk(&self) -> &Jwk {
        &self.jwks.keys[0]
    }

    /// Signs `claims` as an RS256 JWT with kid `test-key`.
    pub async fn sign(&self, claims: &serde_json::Value) -> String {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT","kid":"test-key"}"#);
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signing_input = format!("{header}.{payload}");
        let subtle = web_sys::window().unwrap().crypto().unwrap().subtle();
        let algorithm = Object::new();
        set(&algorithm, "name", &"RSASSA-PKCS1-v1_5".into());
        let signature = JsFuture::from(
            subtle
                .sign_with_object_and_u8_array(
                    &algorithm,
                    &self.private_key,
                    signing_input.as_bytes(),
                )
                .unwrap(),
        )
        .await
        .unwrap();
        let signature = Uint8Array::new(&signature).to_vec();
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}
