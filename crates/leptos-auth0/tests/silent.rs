//! Browser tests of silent renewal, the fallback where no refresh token can renew a session,
//! against the echo server's renewal tenant answering `prompt=none` by web message: a session
//! renewed before it expires without the page changing, `login_required` ending it, forged
//! messages ignored, a tenant that never answers, and the settings that send no frame at all.
#![cfg(target_arch = "wasm32")]

mod support;

use std::time::Duration;

use leptos::prelude::*;
use leptos_auth0::components::{
    LoginLogoutButton, RequireAuth, SESSION_ENDED_SENTENCE, TokenInspector,
};
use leptos_auth0::protocol::PkceVerifier;
use leptos_auth0::{
    ACCESS_TOKEN_KEY, AuthConfig, AuthProvider, AuthService, AuthState, SESSION_ENDED_KEY,
    SilentRenewal, clear_renewable_session, use_auth,
};
use support::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const MEMBERS_TEXT: &str = "Welcome to the members' lounge.";

/// A stored session as a login leaves it: `access_token`, `expires_at`, and an ID token whose
/// claims can be read (a silent renewal continues a session only for the user it names).
fn store_signed_in_session(access_token: &str, expires_at_ms: u64) {
    store_session(access_token, expires_at_ms);
    let now = now_ms() / 1000;
    let id_token = unsigned_jwt(&serde_json::json!({
        "iss": "http://localhost:3002/", "sub": "auth0|reader", "aud": CLIENT_ID,
        "iat": now, "exp": now + 3600,
    }));
    web_sys::window()
        .and_then(|window| window.local_storage().ok().flatten())
        .expect("localStorage")
        .set_item(leptos_auth0::ID_TOKEN_KEY, &id_token)
        .expect("stored ID token");
}

/// A configuration for `tenant` without refresh tokens, renewing silently (the default rule:
/// the tenant is same-site with the test page), waiting `timeout` for the frame's answer.
fn silent_config(tenant: &RenewalTenant, timeout: Duration) -> AuthConfig {
    let mut config = tenant.config();
    config.use_refresh_tokens = false;
    config.silent_renewal = SilentRenewal::SameSiteOnly;
    config.silent_renewal_timeout = timeout;
    config
}

fn new_service(config: AuthConfig) -> AuthService {
    init_executor();
    AuthService::new(config)
}

/// A fresh start: no session, no refresh token, no frame left by an earlier test.
async fn start_clean() {
    clear_storage();
    clear_renewable_session().await.unwrap();
    wait_until("earlier frames to go", 25_000, || frames() == 0).await;
}

/// The access token of the service's session, if it has one.
fn access_token_of(owner: &Owner, auth: AuthService) -> Option<String> {
    owner.with(|| {
        auth.session()
            .map(|session| session.access_token().secret().to_owned())
    })
}

#[wasm_bindgen_test]
async fn without_refresh_tokens_a_session_is_renewed_silently_before_it_expires() {
    start_clean().await;
    let tenant = RenewalTenant::new(600);
    let signer = TestSigner::generate().await;
    tenant.publish_keys(&signer.keys_document).await;
    let config = silent_config(&tenant, Duration::from_secs(10));
    // A 4-second token: renewed a quarter of its lifetime (1 s) before it expires.
    let first = access_token_aged(0, 4);
    store_signed_in_session(&first, now_ms() + 4_000);
    let (service, set_service) = signal(None::<AuthService>);
    let mounted = mount(move || {
        view! {
            <AuthProvider config=config>
                {set_service.set(Some(use_auth()));}
                <RequireAuth>
                    <p class="members">{MEMBERS_TEXT}</p>
                    <TokenInspector/>
                </RequireAuth>
            </AuthProvider>
        }
    });
    let root = &mounted.root;
    leptos::task::tick().await;
    let auth = service.get_untracked().unwrap();
    let page_stays = || {
        let shown = text_of(root, ".members").as_deref() == Some(MEMBERS_TEXT)
            && root
                .query_selector("[role=status], [role=alert]")
                .unwrap()
                .is_none();
        assert!(
            shown,
            "the page changed while renewing: {:?}",
            root.text_content()
        );
        assert!(auth.is_authenticated());
    };
    tenant.sign_silent_login(&signer).await;
    wait_until("the silent renewal", 10_000, || {
        page_stays();
        stored(ACCESS_TOKEN_KEY).as_deref() != Some(first.as_str())
    })
    .await;
    let renewed = auth.session().unwrap();
    assert_ne!(renewed.access_token().secret(), first);
    assert_eq!(
        stored(ACCESS_TOKEN_KEY).as_deref(),
        Some(renewed.access_token().secret())
    );
    let stats = tenant.silent_stats().await;
    assert_eq!((stats.authorize_requests, stats.code_exchanges), (1, 1));
    // The code was exchanged with the verifier of the challenge sent to the frame.
    let verifier = PkceVerifier::parse(stats.code_verifier.unwrap()).unwrap();
    assert_eq!(
        Some(verifier.challenge().as_str().to_owned()),
        stats.code_challenge
    );
    assert_eq!(tenant.stats().await.token_requests, 1);
    wait_until("the frame to go", 2_000, || frames() == 0).await;
    assert!(!transaction_present());
    // The inspector shows the new token's exp, 600 s away.
    leptos::task::tick().await;
    page_stays();
    let exp = renewed.expires_at_ms() / 1000;
    let terms = root.query_selector_all("dt").unwrap();
    let shown_exp = (0..terms.length())
        .filter_map(|index| terms.item(index))
        .filter_map(|node| node.dyn_into::<web_sys::Element>().ok())
        .find(|term| term.text_content().as_deref() == Some("exp"))
        .and_then(|term| term.next_element_sibling())
        .and_then(|definition| definition.text_content())
        .unwrap_or_default();
    assert!(
        shown_exp.starts_with(&exp.to_string()),
        "{shown_exp} vs {exp}"
    );
    drop(mounted);
    start_clean().await;
}

#[wasm_bindgen_test]
async fn login_required_from_the_frame_ends_the_session_saying_so() {
    start_clean().await;
    let tenant = RenewalTenant::new(600);
    tenant.answer_silently("login_required").await;
    let config = silent_config(&tenant, Duration::from_secs(10));
    // Due now: 10 s left, inside the one-minute margin.
    store_signed_in_session(&access_token_aged(590, 600), now_ms() + 10_000);
    let (_service, set_service) = signal(None::<AuthService>);
    let tab = mount(move || {
        view! {
            <AuthProvider config=config>
                {set_service.set(Some(use_auth()));}
                <LoginLogoutButton/>
                <RequireAuth>
                    <p class="members">{MEMBERS_TEXT}</p>
                </RequireAuth>
            </AuthProvider>
        }
    });
    wait_until("the sentence", 10_000, || {
        text_of(&tab.root, "[role=alert]")
            .is_some_and(|alert| alert.contains(SESSION_ENDED_SENTENCE))
    })
    .await;
    leptos::task::tick().await;
    assert!(text_of(&tab.root, ".members").is_none());
    assert!(button(&tab.root, "Log In").is_some());
    assert!(button(&tab.root, "Log Out").is_none());
    assert!(!session_keys_present());
    // The mark that tells the other tabs the session ended, rather than was logged out.
    assert!(stored(SESSION_ENDED_KEY).is_some());
    let stats = tenant.silent_stats().await;
    assert_eq!((stats.authorize_requests, stats.code_exchanges), (1, 0));
    wait_until("the frame to go", 2_000, || frames() == 0).await;
    drop(tab);
    start_clean().await;
}

#[wasm_bindgen_test]
async fn forged_and_malformed_messages_are_ignored_and_the_session_kept() {
    start_clean().await;
    let tenant = RenewalTenant::new(600);
    // The tenant's page posts only messages to ignore: another state, another type,
    // malformed ones.
    tenant.answer_silently("forged").await;
    let config = silent_config(&tenant, Duration::from_secs(3));
    let due = access_token_aged(570, 600);
    store_signed_in_session(&due, now_ms() + 30_000);
    let owner = Owner::new();
    let auth = owner.with(|| new_service(config.clone()));
    wait_until("the frame", 5_000, || frame_state().is_some()).await;
    // This page (another origin than the tenant's, and not the frame) posts a perfect answer
    // with the frame's state.
    let state = frame_state().unwrap();
    let forged = serde_json::json!({
        "type": "authorization_response",
        "response": {"code": "forged-by-this-page", "state": state, "iss": config.issuer.as_str()},
    });
    let forged = js_sys::JSON::parse(&forged.to_string()).unwrap();
    web_sys::window()
        .unwrap()
        .post_message(&forged, "*")
        .unwrap();
    wait_until("the wait to end", 6_000, || frames() == 0).await;
    assert!(owner.with(|| auth.is_authenticated()));
    assert_eq!(access_token_of(&owner, auth), Some(due));
    let stats = tenant.silent_stats().await;
    assert!(stats.authorize_requests >= 1);
    assert_eq!(stats.code_exchanges, 0, "a forged code was exchanged");
    assert_eq!(tenant.stats().await.token_requests, 0);
    drop(owner);
    start_clean().await;
}

#[wasm_bindgen_test]
async fn a_tenant_that_never_answers_times_out_keeps_the_session_and_is_asked_again_later() {
    start_clean().await;
    let tenant = RenewalTenant::new(600);
    let signer = TestSigner::generate().await;
    tenant.publish_keys(&signer.keys_document).await;
    tenant.answer_silently("never").await;
    let config = silent_config(&tenant, Duration::from_secs(1));
    let due = access_token_aged(570, 600);
    store_signed_in_session(&due, now_ms() + 30_000);
    let owner = Owner::new();
    let auth = owner.with(|| new_service(config));
    wait_until("the frame", 5_000, || frames() == 1).await;
    wait_until("the timeout", 5_000, || frames() == 0).await;
    // Given up after the timeout; the session it could not renew lives on.
    assert!(owner.with(|| auth.is_authenticated()));
    assert_eq!(access_token_of(&owner, auth), Some(due.clone()));
    assert_eq!(tenant.silent_stats().await.authorize_requests, 1);
    // The tenant answers again; the retry after the backoff renews the session.
    tenant.answer_silently("code").await;
    tenant.sign_silent_login(&signer).await;
    wait_until("the retry", 10_000, || {
        access_token_of(&owner, auth).is_some_and(|token| token != due)
    })
    .await;
    let stats = tenant.silent_stats().await;
    assert_eq!((stats.authorize_requests, stats.code_exchanges), (2, 1));
    drop(owner);
    start_clean().await;
}

/// Waits until `auth`'s session has expired and ended, checking meanwhile that no frame is
/// ever put in the document.
async fn ends_at_expiry_without_a_frame(owner: &Owner, auth: AuthService) {
    wait_until("the session to end at expiry", 6_000, || {
        assert_eq!(frames(), 0, "a silent renewal was started");
        owner.with(|| matches!(auth.state(), AuthState::Anonymous))
    })
    .await;
    assert!(!session_keys_present());
}

#[wasm_bindgen_test]
async fn with_the_fallback_turned_off_no_silent_request_is_sent() {
    start_clean().await;
    let tenant = RenewalTenant::new(600);
    let mut config = silent_config(&tenant, Duration::from_secs(1));
    // `"useSilentRenewalFallback": false`.
    config.silent_renewal = SilentRenewal::Never;
    // A 2-second token: without renewal it ends at expiry.
    store_signed_in_session(&access_token_aged(0, 2), now_ms() + 2_000);
    let owner = Owner::new();
    let auth = owner.with(|| new_service(config));
    assert!(owner.with(|| auth.is_authenticated()));
    ends_at_expiry_without_a_frame(&owner, auth).await;
    assert_eq!(tenant.silent_stats().await.authorize_requests, 0);
    drop(owner);
    start_clean().await;
}

#[wasm_bindgen_test]
async fn a_cross_site_tenant_gets_no_silent_request_unless_always_allowed() {
    start_clean().await;
    // `localhost` is another site than the test page's `127.0.0.1`.
    let tenant = RenewalTenant::new_at(&echo_url_as_localhost(), 600);
    let config = silent_config(&tenant, Duration::from_secs(1));
    assert_eq!(config.silent_renewal, SilentRenewal::SameSiteOnly);
    store_signed_in_session(&access_token_aged(0, 2), now_ms() + 2_000);
    let owner = Owner::new();
    let auth = owner.with(|| new_service(config.clone()));
    ends_at_expiry_without_a_frame(&owner, auth).await;
    assert_eq!(tenant.silent_stats().await.authorize_requests, 0);
    drop(owner);
    // The same tenant with `"useSilentRenewalFallback": true` is asked.
    tenant.answer_silently("never").await;
    let mut always = config;
    always.silent_renewal = SilentRenewal::Always;
    store_signed_in_session(&access_token_aged(570, 600), now_ms() + 30_000);
    let owner = Owner::new();
    let auth = owner.with(|| new_service(always));
    let started = now_ms();
    while tenant.silent_stats().await.authorize_requests == 0 {
        assert!(now_ms() - started < 5_000, "no silent request was sent");
        gloo_timers::future::sleep(Duration::from_millis(20)).await;
    }
    assert!(owner.with(|| auth.is_authenticated()));
    drop(owner);
    start_clean().await;
}
