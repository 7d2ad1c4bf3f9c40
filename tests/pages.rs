//! Browser tests that mount pages and check what a person would see.
#![cfg(target_arch = "wasm32")]

mod support;

use leptos::prelude::*;
use spa::auth::{PkceVerifier, Transaction, save_transaction};
use spa::components::{ConfigErrorView, NavBar};
use spa::config::AuthConfig;
use spa::navigation::provide_navigator;
use spa::pages::{CallbackPage, HomePage, LOGGED_IN_TEXT, LOGGED_OUT_TEXT, PingPage};
use spa::{AppRoutes, AuthProvider};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn mount_page<V: IntoView + Send + 'static>(
    config: AuthConfig,
    page: impl FnOnce() -> V + Send + Sync + 'static,
) -> web_sys::HtmlElement {
    let root = container();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <AuthProvider config=config>
                {provide_navigator();}
                <NavBar/>
                {page()}
            </AuthProvider>
        }
    });
    handle.forget();
    root
}

fn logged_in() {
    clear_storage();
    store_session(&access_token_expiring_in(600), now_ms() + 600_000);
}

#[wasm_bindgen_test]
async fn home_says_logged_out_and_offers_log_in() {
    clear_storage();
    let root = mount_page(config(UNREACHABLE, UNREACHABLE), HomePage);
    leptos::task::tick().await;
    assert_eq!(text_of(&root, ".lead").as_deref(), Some(LOGGED_OUT_TEXT));
    assert!(button(&root, "Log In").is_some());
    assert!(button(&root, "Log Out").is_none());
    assert_eq!(link_texts(&root), ["Home"]);
}

#[wasm_bindgen_test]
async fn home_says_logged_in_and_offers_log_out_profile_and_ping() {
    logged_in();
    let root = mount_page(config(UNREACHABLE, UNREACHABLE), HomePage);
    leptos::task::tick().await;
    assert_eq!(
        text_of(&root, ".lead").as_deref(),
        Some("You are logged in! You can now send authenticated requests to your server.")
    );
    assert_eq!(text_of(&root, ".lead").as_deref(), Some(LOGGED_IN_TEXT));
    assert!(button(&root, "Log Out").is_some());
    assert!(button(&root, "Log In").is_none());
    assert_eq!(link_texts(&root), ["Home", "Profile", "Ping"]);
}

#[wasm_bindgen_test]
async fn ping_disables_private_calls_when_logged_out() {
    clear_storage();
    let root = mount_page(config(UNREACHABLE, UNREACHABLE), PingPage);
    leptos::task::tick().await;
    assert_eq!(
        text_of(&root, "h1").as_deref(),
        Some("Make a Call to the Server")
    );
    assert!(!button(&root, "Call Public API").unwrap().disabled());
    assert!(button(&root, "Call Private API").unwrap().disabled());
    assert!(button(&root, "Call Private Scoped API").unwrap().disabled());
    assert!(root.query_selector(".inspector").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn ping_enables_private_calls_and_shows_the_token_when_logged_in() {
    logged_in();
    let root = mount_page(config(UNREACHABLE, UNREACHABLE), PingPage);
    leptos::task::tick().await;
    assert!(!button(&root, "Call Private API").unwrap().disabled());
    assert!(!button(&root, "Call Private Scoped API").unwrap().disabled());
    let inspector = text_of(&root, ".inspector").unwrap();
    assert!(inspector.contains("https://quickstarts/api"), "{inspector}");
    assert!(inspector.contains("read:messages"), "{inspector}");
    assert!(inspector.contains("left"), "{inspector}");
    assert!(root.query_selector(".raw-token").unwrap().is_none());
    button(&root, "Show raw token").unwrap().click();
    leptos::task::tick().await;
    let raw = text_of(&root, ".raw-token").unwrap();
    assert_eq!(raw.split('.').count(), 3);
}

#[wasm_bindgen_test]
async fn ping_shows_pending_state_then_an_alert_when_the_api_is_down() {
    clear_storage();
    let root = mount_page(config(UNREACHABLE, UNREACHABLE), PingPage);
    leptos::task::tick().await;
    button(&root, "Call Public API").unwrap().click();
    leptos::task::tick().await;
    let alert = || text_of(&root, "[role=alert]");
    assert!(
        root.query_selector(".spinner").unwrap().is_some(),
        "the pending state is visible while the call runs"
    );
    wait_until("the error to show", 5_000, || alert().is_some()).await;
    assert!(
        alert().unwrap().contains("could not be reached"),
        "{:?}",
        alert()
    );
    assert!(!button(&root, "Call Public API").unwrap().disabled());
}

#[wasm_bindgen_test]
async fn ping_explains_an_answer_without_a_message() {
    clear_storage();
    // The echo server answers `/echo/api/public` with JSON that has no `message`.
    let root = mount_page(
        config(UNREACHABLE, &format!("{}/echo", echo_url())),
        PingPage,
    );
    leptos::task::tick().await;
    button(&root, "Call Public API").unwrap().click();
    wait_until("the answer", 5_000, || {
        text_of(&root, "[role=alert]").is_some()
    })
    .await;
    assert!(
        text_of(&root, "[role=alert]")
            .unwrap()
            .contains("expected JSON")
    );
}

#[wasm_bindgen_test]
async fn callback_with_bad_state_shows_an_alert_and_stores_nothing() {
    clear_storage();
    let transaction = Transaction {
        state: "expected".into(),
        nonce: "n".into(),
        code_verifier: Some(PkceVerifier::new("v")),
        return_to: "/".into(),
        redirect_uri: "http://localhost:3000/callback".into(),
    };
    save_transaction(&transaction).unwrap();
    let page_url = web_sys::window().unwrap().location().href().unwrap();
    let history = web_sys::window().unwrap().history().unwrap();
    history
        .replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some("?code=c&state=forged"),
        )
        .unwrap();
    let root = mount_page(config(UNREACHABLE, UNREACHABLE), CallbackPage);
    wait_until("the alert", 5_000, || {
        text_of(&root, "[role=alert]").is_some()
    })
    .await;
    let alert = text_of(&root, "[role=alert]").unwrap();
    assert!(alert.contains("state mismatch"), "{alert}");
    assert!(!session_keys_present());
    assert!(button(&root, "Log In").is_some());
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&page_url))
        .unwrap();
}

#[wasm_bindgen_test]
async fn invalid_configuration_names_the_field() {
    let error = AuthConfig::from_json(r#"{"domain":"t.auth0.com","audience":"a"}"#).unwrap_err();
    let root = container();
    leptos::mount::mount_to(
        root.clone(),
        move || view! { <ConfigErrorView error=error/> },
    )
    .forget();
    leptos::task::tick().await;
    let alert = text_of(&root, "[role=alert]").unwrap();
    assert!(alert.contains("clientId"), "{alert}");
}

#[wasm_bindgen_test]
async fn links_navigate_without_reloading_and_back_returns() {
    logged_in();
    let window = web_sys::window().unwrap();
    let history = window.history().unwrap();
    let page_url = window.location().href().unwrap();
    history
        .push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/"))
        .unwrap();
    let root = container();
    let config = config(UNREACHABLE, UNREACHABLE);
    leptos::mount::mount_to(root.clone(), move || {
        view! {
            <AuthProvider config=config>
                <AppRoutes/>
            </AuthProvider>
        }
    })
    .forget();
    leptos::task::tick().await;
    assert_eq!(text_of(&root, ".lead").as_deref(), Some(LOGGED_IN_TEXT));

    let ping_link: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(
        root.query_selector("a[href='/ping']").unwrap().unwrap(),
    );
    ping_link.click();
    leptos::task::tick().await;
    assert_eq!(window.location().pathname().unwrap(), "/ping");
    assert_eq!(
        text_of(&root, "h1").as_deref(),
        Some("Make a Call to the Server")
    );
    assert_eq!(
        root.query_selector("a[aria-current='page']")
            .unwrap()
            .and_then(|a| a.text_content()),
        Some("Ping".to_owned())
    );

    history.back().unwrap();
    wait_until("the back button to show Home", 3_000, || {
        text_of(&root, ".lead").as_deref() == Some(LOGGED_IN_TEXT)
    })
    .await;
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&page_url))
        .unwrap();
}

#[wasm_bindgen_test]
async fn a_forged_callback_does_not_end_a_live_session() {
    logged_in();
    let history = web_sys::window().unwrap().history().unwrap();
    let page_url = web_sys::window().unwrap().location().href().unwrap();
    history
        .replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some("?code=c&state=forged"),
        )
        .unwrap();
    let root = mount_page(config(UNREACHABLE, UNREACHABLE), CallbackPage);
    wait_until("the alert", 5_000, || {
        text_of(&root, "[role=alert]").is_some()
    })
    .await;
    assert!(button(&root, "Log Out").is_some());
    assert!(session_keys_present());
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&page_url))
        .unwrap();
}

#[wasm_bindgen_test]
async fn ping_announces_the_pending_state_in_a_live_region() {
    clear_storage();
    let root = mount_page(config(UNREACHABLE, UNREACHABLE), PingPage);
    leptos::task::tick().await;
    // The live region exists before anything happens, so screen readers follow its changes.
    let region = root
        .query_selector("[aria-live][aria-busy]")
        .unwrap()
        .expect("a live region for the outcome");
    assert_eq!(region.get_attribute("aria-busy").as_deref(), Some("false"));
    button(&root, "Call Public API").unwrap().click();
    leptos::task::tick().await;
    assert_eq!(region.get_attribute("aria-busy").as_deref(), Some("true"));
    wait_until("the error to show", 5_000, || {
        text_of(&root, "[role=alert]").is_some()
    })
    .await;
    assert_eq!(region.get_attribute("aria-busy").as_deref(), Some("false"));
    assert!(region.query_selector("[role=alert]").unwrap().is_some());
}

#[wasm_bindgen_test]
async fn callback_removes_code_and_state_from_the_address_before_the_exchange() {
    clear_storage();
    let transaction = Transaction {
        state: "s".into(),
        nonce: "n".into(),
        code_verifier: Some(PkceVerifier::new("v")),
        return_to: "/".into(),
        redirect_uri: "http://localhost:3000/callback".into(),
    };
    save_transaction(&transaction).unwrap();
    let window = web_sys::window().unwrap();
    let page_url = window.location().href().unwrap();
    let history = window.history().unwrap();
    history
        .replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some("?code=c&state=s#fragment"),
        )
        .unwrap();
    let root = mount_page(config(UNREACHABLE, UNREACHABLE), CallbackPage);
    // One tick runs the page's task up to the token request, which cannot have answered yet.
    leptos::task::tick().await;
    assert!(text_of(&root, "[role=alert]").is_none());
    assert_eq!(window.location().search().unwrap(), "");
    assert_eq!(window.location().hash().unwrap(), "");
    wait_until("the exchange to fail", 5_000, || {
        text_of(&root, "[role=alert]").is_some()
    })
    .await;
    assert_eq!(window.location().search().unwrap(), "");
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&page_url))
        .unwrap();
}

#[wasm_bindgen_test]
async fn reloading_the_callback_while_logged_in_goes_home_without_an_error() {
    logged_in();
    let window = web_sys::window().unwrap();
    let page_url = window.location().href().unwrap();
    let history = window.history().unwrap();
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/callback"))
        .unwrap();
    let root = mount_page(config(UNREACHABLE, UNREACHABLE), CallbackPage);
    wait_until("the way home", 3_000, || {
        window.location().pathname().unwrap() == "/"
    })
    .await;
    leptos::task::tick().await;
    assert!(text_of(&root, "[role=alert]").is_none());
    assert!(button(&root, "Log Out").is_some());
    assert!(session_keys_present());
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&page_url))
        .unwrap();
}
