//! Browser tests that mount the app's pages under its nav bar, inside `<AuthProvider>` and a
//! leptos_router `<Router>` as the app does, and check what a person would see.
#![cfg(target_arch = "wasm32")]

mod support;

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use leptos_auth0::{AuthConfig, AuthHttp, AuthHttpConfig, RequestOptions};
use spa::ConfiguredApp;
use spa::components::{ConfigErrorView, NavBar};
use spa::pages::{CallbackPage, HomePage, LOGGED_IN_TEXT, LOGGED_OUT_TEXT, PingPage, ProfilePage};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// `page` under the nav bar, as the app shows it.
fn mount_page<V: IntoView + 'static>(
    config: AuthConfig,
    page: impl FnOnce() -> V + Send + 'static,
) -> Mounted {
    mount_routed(config, move || {
        view! {
            <NavBar/>
            {page()}
        }
    })
}

#[wasm_bindgen_test]
async fn home_says_logged_out_and_offers_log_in() {
    clear_storage();
    let page = mount_page(config(UNREACHABLE, UNREACHABLE), HomePage);
    let root = &page.root;
    leptos::task::tick().await;
    assert_eq!(text_of(root, ".lead").as_deref(), Some(LOGGED_OUT_TEXT));
    assert!(button(root, "Log In").is_some());
    assert!(button(root, "Log Out").is_none());
    assert_eq!(link_texts(root), ["Home"]);
}

#[wasm_bindgen_test]
async fn home_says_logged_in_and_offers_log_out_profile_and_ping() {
    logged_in();
    let page = mount_page(config(UNREACHABLE, UNREACHABLE), HomePage);
    let root = &page.root;
    leptos::task::tick().await;
    assert_eq!(
        text_of(root, ".lead").as_deref(),
        Some("You are logged in! You can now send authenticated requests to your server.")
    );
    assert_eq!(text_of(root, ".lead").as_deref(), Some(LOGGED_IN_TEXT));
    assert!(button(root, "Log Out").is_some());
    assert!(button(root, "Log In").is_none());
    assert_eq!(link_texts(root), ["Home", "Profile", "Ping"]);
}

#[wasm_bindgen_test]
async fn ping_disables_private_calls_when_logged_out() {
    clear_storage();
    let page = mount_page(config(UNREACHABLE, UNREACHABLE), PingPage);
    let root = &page.root;
    leptos::task::tick().await;
    assert_eq!(
        text_of(root, "h1").as_deref(),
        Some("Make a Call to the Server")
    );
    assert!(!button(root, "Call Public API").unwrap().disabled());
    assert!(button(root, "Call Private API").unwrap().disabled());
    assert!(button(root, "Call Private Scoped API").unwrap().disabled());
    assert!(root.query_selector(".inspector").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn ping_enables_private_calls_and_shows_the_token_when_logged_in() {
    logged_in();
    let page = mount_page(config(UNREACHABLE, UNREACHABLE), PingPage);
    let root = &page.root;
    leptos::task::tick().await;
    assert!(!button(root, "Call Private API").unwrap().disabled());
    assert!(!button(root, "Call Private Scoped API").unwrap().disabled());
    let inspector = text_of(root, ".inspector").unwrap();
    assert!(inspector.contains("https://quickstarts/api"), "{inspector}");
    assert!(inspector.contains("read:messages"), "{inspector}");
    assert!(inspector.contains("left"), "{inspector}");
    assert!(root.query_selector(".raw-token").unwrap().is_none());
    button(root, "Show raw token").unwrap().click();
    leptos::task::tick().await;
    let raw = text_of(root, ".raw-token").unwrap();
    assert_eq!(raw.split('.').count(), 3);
}

#[wasm_bindgen_test]
async fn ping_shows_pending_state_then_an_alert_when_the_api_is_down() {
    clear_storage();
    let page = mount_page(config(UNREACHABLE, UNREACHABLE), PingPage);
    let root = &page.root;
    leptos::task::tick().await;
    button(root, "Call Public API").unwrap().click();
    leptos::task::tick().await;
    let alert = || text_of(root, "[role=alert]");
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
    assert!(!button(root, "Call Public API").unwrap().disabled());
}

#[wasm_bindgen_test]
async fn ping_explains_an_answer_without_a_message() {
    clear_storage();
    // The echo server answers `/echo/api/public` with JSON that has no `message`.
    let page = mount_page(
        config(UNREACHABLE, &format!("{}/echo", echo_url())),
        PingPage,
    );
    let root = &page.root;
    leptos::task::tick().await;
    button(root, "Call Public API").unwrap().click();
    wait_until("the answer", 5_000, || {
        text_of(root, "[role=alert]").is_some()
    })
    .await;
    assert!(
        text_of(root, "[role=alert]")
            .unwrap()
            .contains("expected JSON")
    );
}

#[wasm_bindgen_test]
async fn callback_with_bad_state_shows_an_alert_and_stores_nothing() {
    clear_storage();
    pending_transaction("expected");
    let _address = PageAddress::replace_with("/callback?code=c&state=forged");
    let page = mount_page(config(UNREACHABLE, UNREACHABLE), CallbackPage);
    let root = &page.root;
    wait_until("the alert", 5_000, || {
        text_of(root, "[role=alert]").is_some()
    })
    .await;
    let alert = text_of(root, "[role=alert]").unwrap();
    assert!(alert.contains("state mismatch"), "{alert}");
    // On the callback page the nav bar leaves the explanation to the page: it is said once.
    assert_eq!(root.query_selector_all("[role=alert]").unwrap().length(), 1);
    assert!(!session_keys_present());
    assert!(button(root, "Log In").is_some());
}

#[wasm_bindgen_test]
async fn invalid_configuration_names_the_field() {
    let error = AuthConfig::from_json(r#"{"domain":"t.auth0.com","audience":"a"}"#).unwrap_err();
    let page = mount(move || view! { <ConfigErrorView error=error/> });
    leptos::task::tick().await;
    let alert = text_of(&page.root, "[role=alert]").unwrap();
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
    let config = config(UNREACHABLE, UNREACHABLE);
    let page = mount(move || view! { <ConfiguredApp config=config/> });
    let root = &page.root;
    leptos::task::tick().await;
    assert_eq!(text_of(root, ".lead").as_deref(), Some(LOGGED_IN_TEXT));

    let ping_link: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(
        root.query_selector("a[href='/ping']").unwrap().unwrap(),
    );
    ping_link.click();
    // The router navigates in a task of its own, after the click.
    wait_until("the Ping page", 3_000, || {
        window.location().pathname().unwrap() == "/ping"
    })
    .await;
    leptos::task::tick().await;
    assert_eq!(
        text_of(root, "h1").as_deref(),
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
        text_of(root, ".lead").as_deref() == Some(LOGGED_IN_TEXT)
    })
    .await;
    drop(page);
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&page_url))
        .unwrap();
}

#[wasm_bindgen_test]
async fn a_forged_callback_does_not_end_a_live_session() {
    logged_in();
    let _address = PageAddress::replace_with("/callback?code=c&state=forged");
    let page = mount_page(config(UNREACHABLE, UNREACHABLE), CallbackPage);
    let root = &page.root;
    wait_until("the alert", 5_000, || {
        text_of(root, "[role=alert]").is_some()
    })
    .await;
    assert!(button(root, "Log Out").is_some());
    assert!(session_keys_present());
}

#[wasm_bindgen_test]
async fn ping_announces_the_pending_state_in_a_live_region() {
    clear_storage();
    let page = mount_page(config(UNREACHABLE, UNREACHABLE), PingPage);
    let root = &page.root;
    leptos::task::tick().await;
    // The live region exists before anything happens, so screen readers follow its changes.
    let region = root
        .query_selector("[aria-live][aria-busy]")
        .unwrap()
        .expect("a live region for the outcome");
    assert_eq!(region.get_attribute("aria-busy").as_deref(), Some("false"));
    button(root, "Call Public API").unwrap().click();
    leptos::task::tick().await;
    assert_eq!(region.get_attribute("aria-busy").as_deref(), Some("true"));
    wait_until("the error to show", 5_000, || {
        text_of(root, "[role=alert]").is_some()
    })
    .await;
    assert_eq!(region.get_attribute("aria-busy").as_deref(), Some("false"));
    assert!(region.query_selector("[role=alert]").unwrap().is_some());
}

#[wasm_bindgen_test]
async fn callback_removes_code_and_state_from_the_address_before_the_exchange() {
    clear_storage();
    pending_transaction("s");
    let window = web_sys::window().unwrap();
    let _address = PageAddress::replace_with("/callback?code=c&state=s#fragment");
    let page = mount_page(config(UNREACHABLE, UNREACHABLE), CallbackPage);
    let root = &page.root;
    // One tick runs the page's task up to the token request, which cannot have answered yet.
    leptos::task::tick().await;
    assert!(text_of(root, "[role=alert]").is_none());
    assert_eq!(window.location().search().unwrap(), "");
    assert_eq!(window.location().hash().unwrap(), "");
    wait_until("the exchange to fail", 5_000, || {
        text_of(root, "[role=alert]").is_some()
    })
    .await;
    assert_eq!(window.location().search().unwrap(), "");
}

#[wasm_bindgen_test]
async fn reloading_the_callback_while_logged_in_goes_home_without_an_error() {
    logged_in();
    let window = web_sys::window().unwrap();
    let _address = PageAddress::replace_with("/callback");
    let page = mount_page(config(UNREACHABLE, UNREACHABLE), CallbackPage);
    let root = &page.root;
    wait_until("the way home", 3_000, || {
        window.location().pathname().unwrap() == "/"
    })
    .await;
    leptos::task::tick().await;
    assert!(text_of(root, "[role=alert]").is_none());
    assert!(button(root, "Log Out").is_some());
    assert!(session_keys_present());
}

#[wasm_bindgen_test]
async fn profile_says_logged_out_to_an_anonymous_visitor() {
    clear_storage();
    let page = mount_page(echo_tenant_config(None), ProfilePage);
    let root = &page.root;
    leptos::task::tick().await;
    assert_eq!(text_of(root, "h1").as_deref(), Some("Profile"));
    assert_eq!(text_of(root, ".lead").as_deref(), Some(LOGGED_OUT_TEXT));
    assert!(root.query_selector(".profile").unwrap().is_none());
    assert!(button(root, "Log In").is_some());
}

/// How long the echo tenant holds its answers in the late-profile tests.
const PROFILE_DELAY_MS: u64 = 2_000;

#[wasm_bindgen_test]
async fn profile_shows_the_userinfo_answer_when_it_arrives_while_the_session_lives() {
    logged_in();
    let page = mount_page(echo_tenant_config(Some(PROFILE_DELAY_MS)), ProfilePage);
    let root = &page.root;
    leptos::task::tick().await;
    assert_eq!(
        text_of(root, "[role=status]").as_deref().map(str::trim),
        Some("Loading your profile…")
    );
    wait_until("the profile", 10_000, || {
        text_of(root, ".nickname").as_deref() == Some(ECHO_NICKNAME)
    })
    .await;
    assert_eq!(text_of(root, ".email").as_deref(), Some("echo@example.com"));
    assert!(text_of(root, "[role=status]").is_none());
}

/// Waits until the echo tenant has sent every answer it was holding for `PROFILE_DELAY_MS`:
/// a request made now and held longer is answered after them. Then lets the page handle them.
async fn outwait_the_profile_answer() {
    let url = format!(
        "{}/slow/{}/tenant/none/userinfo",
        echo_url(),
        PROFILE_DELAY_MS + 500
    );
    let http = AuthHttp::new(AuthHttpConfig::new(UNREACHABLE, || None));
    http.get_text_with(&url, &RequestOptions::default())
        .await
        .unwrap();
    for _ in 0..3 {
        leptos::task::tick().await;
    }
}

fn assert_logged_out_without_a_profile(root: &web_sys::HtmlElement) {
    assert_eq!(text_of(root, ".lead").as_deref(), Some(LOGGED_OUT_TEXT));
    assert!(root.query_selector(".profile").unwrap().is_none());
    let text = root.text_content().unwrap_or_default();
    assert!(!text.contains(ECHO_NICKNAME), "{text}");
    assert!(text_of(root, "[role=alert]").is_none());
}

#[wasm_bindgen_test]
async fn a_logout_while_the_profile_loads_keeps_the_late_answer_off_the_page() {
    logged_in();
    // The tenant's logout page also answers late, with 204 No Content: the browser stays here.
    let page = mount_page(echo_tenant_config(Some(PROFILE_DELAY_MS)), ProfilePage);
    let root = &page.root;
    wait_until("the profile to load", 3_000, || {
        text_of(root, "[role=status]").is_some()
    })
    .await;
    button(root, "Log Out").unwrap().click();
    leptos::task::tick().await;
    assert_logged_out_without_a_profile(root);
    outwait_the_profile_answer().await;
    assert_logged_out_without_a_profile(root);
    assert!(button(root, "Log In").is_some());
}

#[wasm_bindgen_test]
async fn a_logout_in_another_tab_while_the_profile_loads_keeps_the_late_answer_off_the_page() {
    logged_in();
    let page = mount_page(echo_tenant_config(Some(PROFILE_DELAY_MS)), ProfilePage);
    let root = &page.root;
    wait_until("the profile to load", 3_000, || {
        text_of(root, "[role=status]").is_some()
    })
    .await;
    // What this tab receives when another one logs out: the keys are gone, and a storage event
    // without a key (a `localStorage.clear()`).
    LocalStorage::clear();
    let event = web_sys::StorageEvent::new("storage").unwrap();
    web_sys::window().unwrap().dispatch_event(&event).unwrap();
    leptos::task::tick().await;
    assert_logged_out_without_a_profile(root);
    outwait_the_profile_answer().await;
    assert_logged_out_without_a_profile(root);
}

#[wasm_bindgen_test]
async fn profile_shows_the_id_token_claims_when_the_access_token_is_for_the_api_alone() {
    logged_in_with(
        serde_json::json!("https://quickstarts/api"),
        serde_json::json!({"nickname": "id-token-nickname", "email": "reader@example.com"}),
    );
    let page = mount_page(issuer_config(&echo_issuer()), ProfilePage);
    let root = &page.root;
    wait_until("the profile", 10_000, || {
        text_of(root, ".nickname").as_deref() == Some("id-token-nickname")
    })
    .await;
    assert_eq!(
        text_of(root, ".email").as_deref(),
        Some("reader@example.com")
    );
    assert_eq!(
        text_of(root, ".note").as_deref(),
        Some(
            "This profile comes from your ID token: the login service issued your access token for https://quickstarts/api only, so its UserInfo endpoint would not accept it."
        )
    );
    let text = root.text_content().unwrap_or_default();
    assert!(!text.contains(ECHO_NICKNAME), "{text}");
}

#[wasm_bindgen_test]
async fn profile_asks_the_userinfo_endpoint_the_access_token_names() {
    logged_in_with(
        serde_json::json!([
            "https://quickstarts/api",
            format!("{}userinfo", echo_issuer())
        ]),
        serde_json::json!({"nickname": "id-token-nickname"}),
    );
    let page = mount_page(issuer_config(&echo_issuer()), ProfilePage);
    let root = &page.root;
    wait_until("the profile", 10_000, || {
        text_of(root, ".nickname").as_deref() == Some(ECHO_NICKNAME)
    })
    .await;
    assert!(text_of(root, ".note").is_none());
}

#[wasm_bindgen_test]
async fn a_log_in_at_a_provider_whose_document_names_another_issuer_says_what_to_fix() {
    clear_storage();
    let written = echo_issuer().trim_end_matches('/').to_owned();
    let page = mount_page(issuer_config(&written), HomePage);
    let root = &page.root;
    leptos::task::tick().await;
    button(root, "Log In").unwrap().click();
    wait_until("the explanation", 10_000, || {
        text_of(root, "[role=alert]").is_some()
    })
    .await;
    assert_eq!(
        text_of(root, "[role=alert]").as_deref(),
        Some(
            format!(
                "The login failed. The provider's discovery document names issuer {written}/, but auth_config.json says {written}. They must be identical: if {written}/ is the provider you mean, set \"issuer\" to exactly that."
            )
            .as_str()
        )
    );
    assert!(button(root, "Log In").is_some());
}

#[wasm_bindgen_test]
async fn a_file_naming_no_provider_or_two_says_which_field_to_set() {
    for (text, sentence) in [
        (
            r#"{"clientId":"c","audience":"a"}"#,
            "/auth_config.json names no login service: set \"domain\" to your Auth0 tenant, or \"issuer\" to the issuer of any OpenID Connect provider.",
        ),
        (
            r#"{"domain":"t.auth0.com","issuer":"https://t.auth0.com/","clientId":"c","audience":"a"}"#,
            "/auth_config.json sets both \"domain\" and \"issuer\": keep one, \"domain\" for an Auth0 tenant or \"issuer\" for any OpenID Connect provider.",
        ),
    ] {
        let error = AuthConfig::from_json(text).unwrap_err();
        let mounted = mount(move || view! { <ConfigErrorView error=error/> });
        leptos::task::tick().await;
        assert_eq!(
            text_of(&mounted.root, "[role=alert]").as_deref(),
            Some(sentence)
        );
    }
}
