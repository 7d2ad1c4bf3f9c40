//! What the browser test files share: the echo server's addresses, stored sessions, a signing
//! key made by WebCrypto, mounting and finding things on the page. Each test file is its own
//! crate, so not every item is used by every file.
#![allow(dead_code)]

use std::time::Duration;

use gloo_storage::{LocalStorage, SessionStorage, Storage};
use js_sys::{Array, Object, Reflect, Uint8Array};
use leptos::prelude::*;
use leptos_auth0::protocol::{
    AccessToken, IdToken, Issuer, PkceVerifier, RefreshToken, RsaVerificationKey, VerificationKeys,
    base64url, rs256_verification_keys,
};
use leptos_auth0::{
    ACCESS_TOKEN_KEY, AuthConfig, EXPIRES_AT_KEY, ID_TOKEN_KEY, RenewableSession, Session,
    Transaction, load_renewable_session, save_renewable_session, save_transaction,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

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

/// The echo server under its other name (`localhost`), which is a different origin.
pub fn echo_url_as_localhost() -> String {
    echo_url().replace("127.0.0.1", "localhost")
}

/// A tenant address where nothing listens: any request to it fails as a network error.
pub const UNREACHABLE: &str = "http://127.0.0.1:9";

/// The client id of every test configuration.
pub const CLIENT_ID: &str = "local-spa-client";

/// A configuration whose tenant is `domain` and whose API is `api_url`. Like every test
/// configuration here it renews no session silently, since the fake tenants do not answer
/// `prompt=none`; the silent renewal tests turn it on.
pub fn config(domain: &str, api_url: &str) -> AuthConfig {
    AuthConfig::from_json(&format!(
        r#"{{"domain":"{domain}","clientId":"{CLIENT_ID}","audience":"https://quickstarts/api",
            "scope":"openid profile read:messages","apiUrl":"{api_url}",
            "useSilentRenewalFallback":false}}"#
    ))
    .expect("test configuration is valid")
}

/// The echo server's stand-in tenant (`/tenant/<hex of the JWKS>/`) whose keys are
/// `keys_document`, behind `/slow/<delay_ms>/` when a delay is given.
pub fn echo_tenant(keys_document: &str, delay_ms: Option<u64>) -> Issuer {
    let hex: String = keys_document
        .bytes()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let slow = delay_ms.map_or_else(String::new, |delay_ms| format!("/slow/{delay_ms}"));
    Issuer::parse(&format!("{}{slow}/tenant/{hex}/", echo_url())).expect("a loopback issuer")
}

/// A tenant of the echo server that publishes no keys and answers after `delay_ms`.
pub fn keyless_echo_tenant(delay_ms: Option<u64>) -> Issuer {
    // "none" is not hex, so its `jwks` answers 404; nothing here verifies an ID token.
    let slow = delay_ms.map_or_else(String::new, |delay_ms| format!("/slow/{delay_ms}"));
    Issuer::parse(&format!("{}{slow}/tenant/none/", echo_url())).expect("a loopback issuer")
}

/// A configuration for the tenant `issuer` (the client derives every endpoint from it), with
/// `response_type` (`code` or `token id_token`).
pub fn config_for_tenant(issuer: Issuer, response_type: &str) -> AuthConfig {
    let mut config = AuthConfig::from_json(&format!(
        r#"{{"domain":"{}","clientId":"{CLIENT_ID}","audience":"https://quickstarts/api",
            "apiUrl":"{UNREACHABLE}","responseType":"{response_type}",
            "useSilentRenewalFallback":false}}"#,
        echo_url()
    ))
    .expect("test configuration is valid");
    config.issuer = issuer;
    config
}

/// A configuration naming its provider by `issuer`, so that every endpoint comes from the
/// discovery document, with `response_type` and the JSON members in `extra` (each with its
/// leading comma, e.g. `,"logout":"oidc"`).
pub fn config_for_issuer(issuer: &str, response_type: &str, extra: &str) -> AuthConfig {
    AuthConfig::from_json(&format!(
        r#"{{"issuer":"{issuer}","clientId":"{CLIENT_ID}","audience":"https://quickstarts/api",
            "apiUrl":"{UNREACHABLE}","responseType":"{response_type}",
            "useSilentRenewalFallback":false{extra}}}"#
    ))
    .expect("test configuration is valid")
}

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

/// The raw text stored in localStorage under `key`.
pub fn stored(key: &str) -> Option<String> {
    LocalStorage::raw().get_item(key).ok().flatten()
}

/// Whether any of the session keys is in localStorage.
pub fn session_keys_present() -> bool {
    [ACCESS_TOKEN_KEY, ID_TOKEN_KEY, EXPIRES_AT_KEY]
        .iter()
        .any(|key| stored(key).is_some())
}

/// Whether a login transaction is pending in sessionStorage.
pub fn transaction_present() -> bool {
    SessionStorage::raw()
        .get_item(leptos_auth0::TRANSACTION_KEY)
        .ok()
        .flatten()
        .is_some()
}

/// Milliseconds since the epoch.
pub fn now_ms() -> u64 {
    leptos_auth0::now_ms()
}

/// Seconds since the epoch.
pub fn now_secs() -> u64 {
    now_ms() / 1000
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
    let exp = now_secs() as i64 + seconds_from_now;
    unsigned_jwt(&serde_json::json!({
        "iss": "http://localhost:3002/",
        "sub": "auth0|reader",
        "aud": ["https://quickstarts/api", "http://localhost:3002/userinfo"],
        "scope": "openid profile read:messages",
        "exp": exp,
        "iat": exp - 600,
    }))
}

/// Stores a session the way the quickstart (and this library) writes it: raw tokens and
/// `expires_at` as a JSON number.
pub fn store_session(access_token: &str, expires_at_ms: u64) {
    let storage = LocalStorage::raw();
    storage.set_item(ACCESS_TOKEN_KEY, access_token).unwrap();
    storage
        .set_item(
            ID_TOKEN_KEY,
            &unsigned_jwt(&serde_json::json!({"sub": "auth0|reader"})),
        )
        .unwrap();
    storage
        .set_item(EXPIRES_AT_KEY, &expires_at_ms.to_string())
        .unwrap();
}

/// A session for the next ten minutes.
pub fn logged_in() {
    clear_storage();
    store_session(&access_token_expiring_in(600), now_ms() + 600_000);
}

/// A PKCE verifier of valid syntax (RFC 7636 appendix B's).
pub fn verifier() -> PkceVerifier {
    PkceVerifier::parse("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").expect("valid verifier")
}

/// Stores a pending login in this tab, as `login()` would.
pub fn pending_transaction(state: &str, nonce: &str, with_pkce: bool, return_to: &str) {
    save_transaction(&Transaction {
        state: state.to_owned(),
        nonce: nonce.to_owned(),
        code_verifier: with_pkce.then(verifier),
        return_to: return_to.to_owned(),
        redirect_uri: "http://localhost:3000/callback".to_owned(),
    })
    .expect("sessionStorage keeps the transaction");
}

/// Delivers the `storage` event another tab's change of `key` (`None`: a clear) fires here.
pub fn storage_event_from_another_tab(key: Option<&str>) {
    let init = web_sys::StorageEventInit::new();
    init.set_key(key);
    let event = web_sys::StorageEvent::new_with_event_init_dict("storage", &init).unwrap();
    web_sys::window().unwrap().dispatch_event(&event).unwrap();
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

/// The page's address, to put back after a test changed it.
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
/// nothing of one test (a storage listener, a guard that would start a login) outlives it.
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

/// An RSA key pair made by WebCrypto, to sign test ID tokens.
pub struct TestSigner {
    private_key: web_sys::CryptoKey,
    /// The public key as the tenant's JWKS document publishes it.
    pub keys_document: String,
    /// The same key as the library reads it from that document.
    pub keys: VerificationKeys,
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
        let keys_document = serde_json::json!({"keys": [{
            "kty": "RSA", "kid": "test-key", "alg": "RS256", "use": "sig",
            "n": get(&exported, "n").as_string().unwrap(),
            "e": get(&exported, "e").as_string().unwrap(),
        }]})
        .to_string();
        let keys = rs256_verification_keys(keys_document.as_bytes()).unwrap();
        Self {
            private_key,
            keys_document,
            keys,
        }
    }

    /// The only key.
    pub fn key(&self) -> &RsaVerificationKey {
        &self.keys.keys[0]
    }

    /// The echo server's stand-in tenant publishing this key.
    pub fn tenant(&self) -> Issuer {
        echo_tenant(&self.keys_document, None)
    }

    /// Signs `claims` as an RS256 JWT with kid `test-key`.
    pub async fn sign(&self, claims: &serde_json::Value) -> String {
        let header = base64url::encode(r#"{"alg":"RS256","typ":"JWT","kid":"test-key"}"#);
        let payload = base64url::encode(claims.to_string());
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
        format!("{signing_input}.{}", base64url::encode(signature))
    }

    /// The fragment of an implicit-flow callback (`#access_token=...&id_token=...`) from
    /// `issuer` for the transaction with `state` and `nonce`: an access token for the test
    /// API and an ID token signed by this key, bound to it by `at_hash`.
    pub async fn implicit_callback(
        &self,
        issuer: &Issuer,
        state: &str,
        nonce: &str,
    ) -> (String, String, String) {
        let access_token = access_token_expiring_in(7200);
        let id_token = self
            .sign(&serde_json::json!({
                "iss": issuer.as_str(), "sub": "auth0|reader", "aud": CLIENT_ID,
                "nonce": nonce, "iat": now_secs(), "exp": now_secs() + 600,
                "at_hash": leptos_auth0::protocol::token_hash::left_half_hash(&access_token),
            }))
            .await;
        let fragment = format!(
            "#{}",
            leptos_auth0::protocol::form::encode_pairs(&[
                ("access_token", &access_token),
                ("id_token", &id_token),
                ("token_type", "Bearer"),
                ("expires_in", "7200"),
                ("state", state),
            ])
        );
        (fragment, access_token, id_token)
    }
}

/// The echo server's renewal tenant for one test: a fresh id, access tokens living `lifetime`
/// seconds, refresh tokens `rt-<id>-<generation>` starting at generation 0.
pub struct RenewalTenant {
    /// The tenant's id in the echo server.
    pub id: String,
    /// The issuer, below which the client derives every endpoint.
    pub issuer: Issuer,
}

impl RenewalTenant {
    /// A tenant no other test uses, whose access tokens live `lifetime_secs`.
    pub fn new(lifetime_secs: u64) -> Self {
        Self::new_at(echo_url(), lifetime_secs)
    }

    /// [`RenewalTenant::new`] at the echo server's address `base` (say
    /// [`echo_url_as_localhost`], another site than the test page's `127.0.0.1`).
    pub fn new_at(base: &str, lifetime_secs: u64) -> Self {
        let id: String = leptos_auth0::random_urlsafe()
            .expect("random values")
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(16)
            .collect();
        let issuer = Issuer::parse(&format!("{base}/renewal/{id}/{lifetime_secs}/"))
            .expect("a loopback issuer");
        Self { id, issuer }
    }

    /// A code-flow configuration for this tenant, renewing with refresh tokens, whose API is
    /// the tenant's `api` route.
    pub fn config(&self) -> AuthConfig {
        let mut config = config_for_tenant(self.issuer.clone(), "code");
        config.api_url = self.url("").trim_end_matches('/').to_owned();
        config
    }

    /// [`RenewalTenant::config`] naming the tenant by `issuer`, so that its token and
    /// revocation endpoints come from its discovery document.
    pub fn issuer_config(&self) -> AuthConfig {
        let mut config = config_for_issuer(self.issuer.as_str(), "code", "");
        config.api_url = self.url("").trim_end_matches('/').to_owned();
        config
    }

    /// `<issuer><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer.as_str())
    }

    /// The refresh token of `generation`.
    pub fn refresh_token(&self, generation: u64) -> RefreshToken {
        RefreshToken::new(format!("rt-{}-{generation}", self.id))
    }

    /// What the tenant was asked so far.
    pub async fn stats(&self) -> RenewalStats {
        let value = self.stats_json().await;
        let number = |name: &str| value[name].as_u64().expect("a count");
        RenewalStats {
            token_requests: number("token_requests"),
            revocations: number("revocations"),
            api_calls: number("api_calls"),
            generation: number("generation"),
            revoked: value["revoked"].as_bool().expect("a flag"),
        }
    }

    /// Revokes the refresh-token family at the tenant, as an administrator (or a reuse in
    /// another browser) would.
    pub async fn revoke_family(&self) {
        let body = format!("token=rt-{}-0&client_id={CLIENT_ID}", self.id);
        let answer = gloo_net::http::Request::post(&self.url("oauth/revoke"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .expect("a form body")
            .send()
            .await
            .expect("the echo server answers");
        assert_eq!(answer.status(), 200);
    }

    /// Posts `body` to the tenant's `path`, which answers 204.
    async fn post(&self, path: &str, body: &str) {
        let answer = gloo_net::http::Request::post(&self.url(path))
            .body(body.to_owned())
            .expect("a text body")
            .send()
            .await
            .expect("the echo server answers");
        assert_eq!(answer.status(), 204, "{path}");
    }

    /// Makes the tenant's JWKS `keys_document` (a [`TestSigner`]'s).
    pub async fn publish_keys(&self, keys_document: &str) {
        self.post("keys", keys_document).await;
    }

    /// Sets what a silent `authorize` posts: `code`, `never`, `forged` or an error code.
    pub async fn answer_silently(&self, answer: &str) {
        self.post(&format!("silent?answer={answer}"), "").await;
    }

    /// Waits (at most ten seconds) for a silent `authorize` to issue a code, then signs the ID
    /// token its exchange returns with `signer`, for the user of [`login_id_token`], carrying
    /// the request's nonce.
    pub async fn sign_silent_login(&self, signer: &TestSigner) {
        let started = now_ms();
        let nonce = loop {
            if let Some(nonce) = self.silent_stats().await.nonce {
                break nonce;
            }
            assert!(now_ms() - started < 10_000, "no silent request came");
            gloo_timers::future::sleep(Duration::from_millis(20)).await;
        };
        let id_token = signer
            .sign(&serde_json::json!({
                "iss": self.issuer.as_str(), "sub": "auth0|reader", "aud": CLIENT_ID,
                "nonce": nonce, "iat": now_secs(), "exp": now_secs() + 600,
            }))
            .await;
        self.post("id_token", &id_token).await;
    }

    /// What the tenant was asked by silent renewals so far.
    pub async fn silent_stats(&self) -> SilentStats {
        let value = self.stats_json().await;
        let text = |name: &str| value[name].as_str().map(str::to_owned);
        SilentStats {
            authorize_requests: value["authorize_requests"].as_u64().expect("a count"),
            code_exchanges: value["code_exchanges"].as_u64().expect("a count"),
            nonce: text("nonce"),
            code_challenge: text("code_challenge"),
            code_verifier: text("code_verifier"),
        }
    }

    async fn stats_json(&self) -> serde_json::Value {
        let text = gloo_net::http::Request::get(&self.url("stats"))
            .send()
            .await
            .expect("the echo server answers")
            .text()
            .await
            .expect("a text answer");
        serde_json::from_str(&text).expect("json stats")
    }

    /// Makes the next `requests` token requests end without an answer.
    pub async fn go_unreachable_for(&self, requests: u32) {
        let answer =
            gloo_net::http::Request::post(&self.url(&format!("unreachable?requests={requests}")))
                .send()
                .await
                .expect("the echo server answers");
        assert_eq!(answer.status(), 204);
    }
}

/// A renewal tenant's counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RenewalStats {
    /// Requests to `oauth/token`, answered or not.
    pub token_requests: u64,
    /// Requests to `oauth/revoke`.
    pub revocations: u64,
    /// Requests to `api` and `api-always-401`.
    pub api_calls: u64,
    /// The generation of the current refresh token.
    pub generation: u64,
    /// Whether the family is revoked.
    pub revoked: bool,
}

/// What a renewal tenant's silent `authorize` and code exchange were asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SilentStats {
    /// Silent requests to `authorize` (`prompt=none`, `response_mode=web_message`).
    pub authorize_requests: u64,
    /// `authorization_code` grants at `oauth/token`.
    pub code_exchanges: u64,
    /// The nonce of the code issued and not yet exchanged.
    pub nonce: Option<String>,
    /// The PKCE challenge of the last code issued.
    pub code_challenge: Option<String>,
    /// The verifier the last exchange sent.
    pub code_verifier: Option<String>,
}

/// How many iframes the document holds.
pub fn frames() -> u32 {
    web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .query_selector_all("iframe")
        .unwrap()
        .length()
}

/// The `state` in the address of the document's first iframe, if any.
pub fn frame_state() -> Option<String> {
    let frame = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .query_selector("iframe")
        .unwrap()?;
    let src = frame.get_attribute("src")?;
    let (_, query) = src.split_once('?')?;
    leptos_auth0::protocol::form::decode_pairs(query)
        .into_iter()
        .find(|(name, _)| name == "state")
        .map(|(_, value)| value)
}

/// An access token issued `age_secs` ago that lives `lifetime_secs` in all.
pub fn access_token_aged(age_secs: u64, lifetime_secs: u64) -> String {
    let iat = now_secs() - age_secs;
    unsigned_jwt(&serde_json::json!({
        "iss": "http://localhost:3002/", "sub": "auth0|reader",
        "aud": ["https://quickstarts/api"], "scope": "openid profile read:messages",
        "iat": iat, "exp": iat + lifetime_secs,
    }))
}

/// An ID token as a login leaves it (unsigned: nothing verifies it after the login).
pub fn login_id_token() -> String {
    unsigned_jwt(&serde_json::json!({
        "iss": "http://localhost:3002/", "sub": "auth0|reader", "aud": CLIENT_ID,
        "iat": now_secs(), "exp": now_secs() + 36_000,
    }))
}

/// Stores what a login with `offline_access` leaves behind: the session in localStorage and,
/// with its refresh token, in IndexedDB.
pub async fn store_renewable_session(
    config: &AuthConfig,
    access_token: &str,
    expires_at_ms: u64,
    refresh_token: RefreshToken,
) {
    let session = Session::new(
        AccessToken::new(access_token),
        IdToken::new(login_id_token()),
        expires_at_ms,
    );
    let storage = LocalStorage::raw();
    storage.set_item(ACCESS_TOKEN_KEY, access_token).unwrap();
    storage
        .set_item(ID_TOKEN_KEY, session.id_token().secret())
        .unwrap();
    storage
        .set_item(EXPIRES_AT_KEY, &expires_at_ms.to_string())
        .unwrap();
    save_renewable_session(
        &RenewableSession {
            session,
            refresh_token,
        },
        config,
    )
    .await
    .expect("IndexedDB keeps the refresh token");
}

/// The refresh token IndexedDB holds for `config`, if any.
pub async fn stored_refresh_token(config: &AuthConfig) -> Option<String> {
    load_renewable_session(config)
        .await
        .expect("IndexedDB answers")
        .map(|renewable| renewable.refresh_token.secret().to_owned())
}

/// Delivers the `storage` event another tab's write of `value` under `key` fires here.
pub fn storage_event_with_value(key: &str, value: Option<&str>) {
    let init = web_sys::StorageEventInit::new();
    init.set_key(Some(key));
    init.set_new_value(value);
    let event = web_sys::StorageEvent::new_with_event_init_dict("storage", &init).unwrap();
    web_sys::window().unwrap().dispatch_event(&event).unwrap();
}
