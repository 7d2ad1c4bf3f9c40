//! Browser tests of the library's components in a small page of their own (a members' lounge,
//! not the quickstart): the buttons, the guard with and without a fallback, the token inspector
//! and the callback page, inside `<AuthProvider>` and a leptos_router `<Router>`.
//!
//! Logins and logouts go to the echo server's stand-in tenant, whose `/authorize` and
//! `/v2/logout` answer 204 No Content: the browser then stays on the test page (HTML's
//! navigation rules abort a navigation answered with 204), so a test can start a login and look
//! at what it left behind.
#![cfg(target_arch = "wasm32")]

mod support;

use gloo_storage::{LocalStorage, SessionStorage, Storage};
use leptos::prelude::*;
use leptos_auth0::components::{
    LoginCallback, LoginLogoutButton, RequireAuth, TokenInspector, login_failure_sentence,
};
use leptos_auth0::{
    ACCESS_TOKEN_KEY, AuthConfig, AuthError, AuthProvider, ID_TOKEN_KEY, TRANSACTION_KEY,
    Transaction, current_origin,
};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use support::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const FALLBACK_TEXT: &str = "Please sign in to see the lounge.";
const MEMBERS_TEXT: &str = "Welcome to the members' lounge.";

/// The lounge: a Log In / Log Out button and a guarded text, with or without a fallback.
#[component]
fn Lounge(
    /// Whether an anonymous visitor sees the fallback rather than being sent to log in.
    with_fallback: bool,
) -> impl IntoView {
    let members = || view! { <p class="members">{MEMBERS_TEXT}</p> };
    view! {
        <header><LoginLogoutButton/></header>
        {if with_fallback {
            view! {
                <RequireAuth fallback=|| view! { <p class="notice">{FALLBACK_TEXT}</p> }>
                    {members()}
                </RequireAuth>
            }
            .into_any()
        } else {
            view! { <RequireAuth>{members()}</RequireAuth> }.into_any()
        }}
    }
}

/// Mounts `page` inside `<AuthProvider config>` and a `<Router>`.
fn mount_with_router<V: IntoView + 'static>(
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

/// A code-flow configuration whose tenant leaves the browser on the page for a login or logout.
fn staying_tenant() -> AuthConfig {
    config_for_tenant(keyless_echo_tenant(None), "code")
}

fn pending_transaction_in_storage() -> Option<Transaction> {
    SessionStorage::get::<Transaction>(TRANSACTION_KEY).ok()
}

#[wasm_bindgen_test]
async fn login_logout_button_offers_log_in_to_an_anonymous_visitor_and_starts_a_login() {
    clear_storage();
    let mounted = mount_with_router(staying_tenant(), || view! { <Lounge with_fallback=true/> });
    let root = &mounted.root;
    leptos::task::tick().await;
    assert!(button(root, "Log Out").is_none());
    button(root, "Log In").unwrap().click();
    leptos::task::tick().await;
    let transaction = pending_transaction_in_storage().expect("a login was started");
    assert!(transaction.code_verifier.is_some());
    drop(mounted);
    clear_storage();
}

#[wasm_bindgen_test]
async fn login_logout_button_offers_log_out_when_signed_in_and_log_out_ends_the_session() {
    logged_in();
    let mounted = mount_with_router(staying_tenant(), || view! { <Lounge with_fallback=true/> });
    let root = &mounted.root;
    leptos::task::tick().await;
    assert!(button(root, "Log In").is_none());
    button(root, "Log Out").unwrap().click();
    leptos::task::tick().await;
    assert!(!session_keys_present());
    assert!(button(root, "Log In").is_some());
    assert!(button(root, "Log Out").is_none());
    assert_eq!(text_of(root, ".notice").as_deref(), Some(FALLBACK_TEXT));
    drop(mounted);
}

#[wasm_bindgen_test]
async fn require_auth_with_a_fallback_shows_it_to_an_anonymous_visitor_without_a_login() {
    clear_storage();
    let mounted = mount_with_router(staying_tenant(), || view! { <Lounge with_fallback=true/> });
    let root = &mounted.root;
    leptos::task::tick().await;
    assert_eq!(text_of(root, ".notice").as_deref(), Some(FALLBACK_TEXT));
    assert!(text_of(root, ".members").is_none());
    assert!(!transaction_present(), "no login was started");
    drop(mounted);
}

#[wasm_bindgen_test]
async fn require_auth_shows_its_children_when_signed_in_and_hides_them_after_a_logout_in_another_tab()
 {
    logged_in();
    let mounted = mount_with_router(staying_tenant(), || view! { <Lounge with_fallback=true/> });
    let root = &mounted.root;
    leptos::task::tick().await;
    assert_eq!(text_of(root, ".members").as_deref(), Some(MEMBERS_TEXT));
    assert!(text_of(root, ".notice").is_none());
    // Another tab logs out: its `localStorage.clear()` reaches this tab as a storage event.
    LocalStorage::clear();
    storage_event_from_another_tab(None);
    leptos::task::tick().await;
    assert!(text_of(root, ".members").is_none());
    assert_eq!(text_of(root, ".notice").as_deref(), Some(FALLBACK_TEXT));
    assert!(button(root, "Log In").is_some());
    drop(mounted);
}

#[wasm_bindgen_test]
async fn require_auth_without_a_fallback_sends_an_anonymous_visitor_to_log_in() {
    clear_storage();
    let address = PageAddress::replace_with("/lounge?table=4");
    let mounted = mount_with_router(staying_tenant(), || view! { <Lounge with_fallback=false/> });
    let root = &mounted.root;
    wait_until("the login to start", 3_000, transaction_present).await;
    let pending = text_of(root, "[role=status]").unwrap_or_default();
    assert_eq!(pending.trim(), "Taking you to the login page…");
    assert!(text_of(root, ".members").is_none());
    let transaction = pending_transaction_in_storage().expect("a readable transaction");
    assert_eq!(transaction.return_to, "/lounge?table=4");
    assert_eq!(
        transaction.redirect_uri,
        format!("{}/callback", current_origin())
    );
    assert!(transaction.code_verifier.is_some());
    assert_ne!(transaction.state, transaction.nonce);
    drop(mounted);
    drop(address);
    clear_storage();
}

/// The `<dd>` after the `<dt>` named `name` in the inspector.
fn inspected(root: &web_sys::HtmlElement, name: &str) -> Option<String> {
    let terms = root.query_selector_all("dt").ok()?;
    (0..terms.length())
        .filter_map(|index| terms.item(index))
        .filter_map(|node| node.dyn_into::<web_sys::Element>().ok())
        .find(|term| term.text_content().as_deref() == Some(name))
        .and_then(|term| term.next_element_sibling())
        .and_then(|definition| definition.text_content())
}

#[wasm_bindgen_test]
async fn token_inspector_shows_the_claims_and_hides_the_raw_token_until_asked() {
    clear_storage();
    let exp = now_secs() + 600;
    let access_token = unsigned_jwt(&serde_json::json!({
        "iss": "http://localhost:3002/", "sub": "auth0|reader",
        "aud": ["https://quickstarts/api", "http://localhost:3002/userinfo"],
        "scope": "openid profile read:messages", "exp": exp, "iat": exp - 600,
    }));
    store_session(&access_token, now_ms() + 600_000);
    let mounted = mount_with_router(staying_tenant(), || view! { <TokenInspector/> });
    let root = &mounted.root;
    leptos::task::tick().await;
    assert_eq!(inspected(root, "alg").as_deref(), Some("RS256"));
    assert_eq!(inspected(root, "kid").as_deref(), Some("test"));
    assert_eq!(
        inspected(root, "aud").as_deref(),
        Some("https://quickstarts/api, http://localhost:3002/userinfo")
    );
    assert_eq!(
        inspected(root, "scope").as_deref(),
        Some("openid profile read:messages")
    );
    let expiry = inspected(root, "exp").unwrap_or_default();
    assert!(
        expiry.starts_with(&format!("{exp} (")) && expiry.ends_with("left)"),
        "{expiry}"
    );

    let page_text = || root.text_content().unwrap_or_default();
    assert!(root.query_selector(".raw-token").unwrap().is_none());
    assert!(!page_text().contains(&access_token));
    button(root, "Show raw token").unwrap().click();
    leptos::task::tick().await;
    assert_eq!(text_of(root, ".raw-token"), Some(access_token.clone()));
    button(root, "Hide raw token").unwrap().click();
    leptos::task::tick().await;
    assert!(!page_text().contains(&access_token));
    drop(mounted);
    clear_storage();
}

#[wasm_bindgen_test]
async fn token_inspector_says_when_there_is_no_access_token() {
    clear_storage();
    let mounted = mount_with_router(staying_tenant(), || view! { <TokenInspector/> });
    leptos::task::tick().await;
    let text = mounted.root.text_content().unwrap_or_default();
    assert!(text.contains("No access token."), "{text}");
    assert!(button(&mounted.root, "Show raw token").is_none());
    drop(mounted);
}

#[wasm_bindgen_test]
async fn login_callback_with_a_forged_state_says_login_failed_and_stores_nothing() {
    clear_storage();
    pending_transaction("expected", "nonce-1", true, "/lounge");
    let address = PageAddress::replace_with("/callback?code=c&state=forged");
    let mounted = mount_with_router(config(UNREACHABLE, UNREACHABLE), || {
        view! { <LoginCallback home="/lounge"/> }
    });
    let root = &mounted.root;
    wait_until("the failure", 5_000, || {
        text_of(root, "h1").as_deref() == Some("Login failed")
    })
    .await;
    let alert = text_of(root, "[role=alert]").unwrap_or_default();
    assert_eq!(
        alert,
        format!(
            "The login failed. {}",
            login_failure_sentence(&AuthError::StateMismatch)
        )
    );
    assert!(alert.contains("state mismatch"), "{alert}");
    let back = root.query_selector("a").unwrap().unwrap();
    assert_eq!(back.text_content().as_deref(), Some("Back to Home"));
    assert_eq!(back.get_attribute("href").as_deref(), Some("/lounge"));
    assert!(!session_keys_present());
    assert!(!transaction_present());
    // The forged code left the address bar.
    assert_eq!(web_sys::window().unwrap().location().search().unwrap(), "");
    drop(mounted);
    drop(address);
}

#[wasm_bindgen_test]
async fn login_callback_completes_an_implicit_login_and_returns_to_the_page_it_started_from() {
    clear_storage();
    let signer = TestSigner::generate().await;
    let issuer = signer.tenant();
    pending_transaction("s", "nonce-1", false, "/lounge");
    let (fragment, access_token, id_token) =
        signer.implicit_callback(&issuer, "s", "nonce-1").await;
    let address = PageAddress::replace_with(&format!("/callback{fragment}"));
    let mounted = mount_with_router(config_for_tenant(issuer, "token id_token"), || {
        view! {
            <Routes fallback=|| "Not found">
                <Route path=path!("/callback") view=|| view! { <LoginCallback/> }/>
                <Route path=path!("/lounge") view=|| view! { <Lounge with_fallback=true/> }/>
            </Routes>
        }
    });
    let root = &mounted.root;
    wait_until("the lounge", 5_000, || {
        text_of(root, ".members").as_deref() == Some(MEMBERS_TEXT)
    })
    .await;
    let location = web_sys::window().unwrap().location();
    assert_eq!(location.pathname().unwrap(), "/lounge");
    assert_eq!(location.hash().unwrap(), "", "the tokens left the address");
    assert!(button(root, "Log Out").is_some());
    // Stored as the quickstart stores them: the tokens as they are, not JSON strings.
    assert_eq!(stored(ACCESS_TOKEN_KEY), Some(access_token));
    assert_eq!(stored(ID_TOKEN_KEY), Some(id_token));
    assert!(!transaction_present());
    drop(mounted);
    drop(address);
    clear_storage();
}
