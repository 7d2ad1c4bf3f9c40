//! Browser tests of session renewal with rotating refresh tokens against the echo server's
//! renewal tenant: renewal before expiry and at start-up, a rejected token renewed once, tabs
//! renewing at the same moment (two app instances sharing the origin's storage, each with its
//! own service), the lock and its lease fallback, the refresh token read from IndexedDB after
//! the lock changes hands, a revoked family, the network failing, and logout's revocation.
#![cfg(target_arch = "wasm32")]

mod support;

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Object, Reflect};
use leptos::prelude::*;
use leptos_auth0::components::{
    LoginLogoutButton, RequireAuth, SESSION_ENDED_SENTENCE, TokenInspector,
};
use leptos_auth0::{
    ACCESS_TOKEN_KEY, AuthConfig, AuthHttpError, AuthProvider, AuthService, AuthState, LockKind,
    SESSION_ENDED_KEY, clear_renewable_session, lock_kind, use_auth, with_lease, with_lock,
};
use support::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const MEMBERS_TEXT: &str = "Welcome to the members' lounge.";

fn new_service(config: AuthConfig) -> AuthService {
    init_executor();
    AuthService::new(config)
}

/// The access token of the service's session, if it has one.
fn access_token_of(owner: &Owner, auth: AuthService) -> Option<String> {
    owner.with(|| {
        auth.session()
            .map(|session| session.access_token().secret().to_owned())
    })
}

/// A fresh start: no session, no refresh token.
async fn start_clean() {
    clear_storage();
    clear_renewable_session().await.unwrap();
}

#[wasm_bindgen_test]
async fn a_session_is_renewed_before_it_expires_without_the_page_changing() {
    start_clean().await;
    let tenant = RenewalTenant::new(600);
    let config = tenant.config();
    // A 4-second token: renewed a quarter of its lifetime (1 s) before it expires.
    let first = access_token_aged(0, 4);
    store_renewable_session(&config, &first, now_ms() + 4_000, tenant.refresh_token(0)).await;
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
    wait_until("the renewal", 10_000, || {
        page_stays();
        stored(ACCESS_TOKEN_KEY).as_deref() != Some(first.as_str())
    })
    .await;
    let renewed = auth.session().unwrap();
    assert_ne!(renewed.access_token().secret(), first);
    let stats = tenant.stats().await;
    assert_eq!((stats.token_requests, stats.generation), (1, 1));
    // The successor is kept in IndexedDB; the quickstart's keys hold the new token.
    assert_eq!(
        stored_refresh_token(&auth.config()).await,
        Some(tenant.refresh_token(1).secret().to_owned())
    );
    assert_eq!(
        stored(ACCESS_TOKEN_KEY).as_deref(),
        Some(renewed.access_token().secret())
    );
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
async fn start_up_with_an_expired_access_token_and_a_live_refresh_token_renews_the_session() {
    start_clean().await;
    let tenant = RenewalTenant::new(600);
    let config = tenant.config();
    let expired = access_token_aged(700, 600);
    store_renewable_session(
        &config,
        &expired,
        now_ms() - 100_000,
        tenant.refresh_token(0),
    )
    .await;
    let owner = Owner::new();
    let auth = owner.with(|| new_service(config));
    assert!(owner.with(|| matches!(auth.state(), AuthState::Renewing)));
    wait_until("the renewed session", 5_000, || {
        owner.with(|| auth.is_authenticated())
    })
    .await;
    let renewed = access_token_of(&owner, auth).unwrap();
    assert_ne!(renewed, expired);
    assert_eq!(stored(ACCESS_TOKEN_KEY), Some(renewed));
    assert_eq!(tenant.stats().await.token_requests, 1);
    drop(owner);
    start_clean().await;
}

#[wasm_bindgen_test]
async fn a_401_invalid_token_renews_the_session_once_and_retries_the_request_once() {
    start_clean().await;
    let tenant = RenewalTenant::new(600);
    let config = tenant.config();
    // Live for ten minutes, but not a token the API accepts (say the tenant revoked it).
    let rejected = access_token_aged(0, 600);
    store_renewable_session(
        &config,
        &rejected,
        now_ms() + 600_000,
        tenant.refresh_token(0),
    )
    .await;
    let owner = Owner::new();
    let auth = owner.with(|| new_service(config));
    let http = owner.with(|| auth.http());
    let answer = http.get::<serde_json::Value>(&tenant.url("api")).await;
    assert_eq!(
        answer.unwrap()["message"],
        serde_json::json!("renewed token accepted")
    );
    let stats = tenant.stats().await;
    assert_eq!((stats.token_requests, stats.api_calls), (1, 2));
    assert_ne!(access_token_of(&owner, auth).unwrap(), rejected);
    drop(owner);
    start_clean().await;
}

#[wasm_bindgen_test]
async fn an_api_that_keeps_refusing_gets_one_renewal_and_one_retry_per_request() {
    start_clean().await;
    let tenant = RenewalTenant::new(600);
    let config = tenant.config();
    let token = access_token_aged(0, 600);
    store_renewable_session(&config, &token, now_ms() + 600_000, tenant.refresh_token(0)).await;
    let owner = Owner::new();
    let auth = owner.with(|| new_service(config));
    let http = owner.with(|| auth.http());
    let answer = http
        .get::<serde_json::Value>(&tenant.url("api-always-401"))
        .await;
    assert!(
        matches!(&answer, Err(AuthHttpError::Unauthorized { error: Some(code), .. }) if code == "invalid_token"),
        "{answer:?}"
    );
    let stats = tenant.stats().await;
    assert_eq!((stats.token_requests, stats.api_calls), (1, 2));
    // Signed in still, with the renewed token: the API's refusal is the API's answer.
    assert!(owner.with(|| auth.is_authenticated()));
    drop(owner);
    start_clean().await;
}

/// Two app instances on the same stored session, each with its own service, renewing at the
/// same moment: `renew` of both, started together.
async fn two_tabs_renew_at_once(tenant: &RenewalTenant) -> (String, String) {
    let config = tenant.config();
    // Due: issued 590 s ago, 10 s left, inside the one-minute margin.
    let due = access_token_aged(590, 600);
    store_renewable_session(&config, &due, now_ms() + 10_000, tenant.refresh_token(0)).await;
    let (first_owner, second_owner) = (Owner::new(), Owner::new());
    // Each tab's own scheduled renewal starts at once too: four attempts in all.
    let first = first_owner.with(|| new_service(config.clone()));
    let second = second_owner.with(|| new_service(config));
    let done = Rc::new(Cell::new(0));
    for auth in [first, second] {
        let done = Rc::clone(&done);
        leptos::task::spawn_local(async move {
            auth.renew().await;
            done.set(done.get() + 1);
        });
    }
    wait_until("both renewals", 10_000, || done.get() == 2).await;
    let tokens = (
        access_token_of(&first_owner, first).unwrap(),
        access_token_of(&second_owner, second).unwrap(),
    );
    assert_ne!(tokens.0, due);
    tokens
}

#[wasm_bindgen_test]
async fn two_tabs_renewing_at_the_same_moment_send_one_refresh_request_and_share_its_tokens() {
    start_clean().await;
    assert_eq!(lock_kind(), LockKind::WebLocks);
    let tenant = RenewalTenant::new(600);
    let (first, second) = two_tabs_renew_at_once(&tenant).await;
    assert_eq!(first, second);
    let stats = tenant.stats().await;
    assert_eq!((stats.token_requests, stats.generation), (1, 1));
    assert!(!stats.revoked);
    assert_eq!(stored(ACCESS_TOKEN_KEY), Some(first));
    start_clean().await;
}

/// Hides `navigator.locks`, as in a browser without Web Locks, until dropped.
struct WithoutWebLocks;

impl WithoutWebLocks {
    fn new() -> Self {
        let navigator: Object = web_sys::window().unwrap().navigator().unchecked_into();
        let descriptor = Object::new();
        Reflect::set(&descriptor, &"value".into(), &JsValue::UNDEFINED).unwrap();
        Reflect::set(&descriptor, &"configurable".into(), &true.into()).unwrap();
        Object::define_property(&navigator, &"locks".into(), &descriptor);
        Self
    }
}

impl Drop for WithoutWebLocks {
    fn drop(&mut self) {
        let navigator: Object = web_sys::window().unwrap().navigator().unchecked_into();
        Reflect::delete_property(&navigator, &"locks".into()).unwrap();
    }
}

#[wasm_bindgen_test]
async fn without_web_locks_a_lease_in_indexeddb_still_lets_one_tab_renew() {
    start_clean().await;
    let hidden = WithoutWebLocks::new();
    assert_eq!(lock_kind(), LockKind::Lease);
    let tenant = RenewalTenant::new(600);
    let (first, second) = two_tabs_renew_at_once(&tenant).await;
    drop(hidden);
    assert_eq!(lock_kind(), LockKind::WebLocks);
    assert_eq!(first, second);
    let stats = tenant.stats().await;
    assert_eq!((stats.token_requests, stats.generation), (1, 1));
    start_clean().await;
}

#[wasm_bindgen_test]
async fn a_lease_whose_holder_hangs_blocks_the_others_only_until_it_expires() {
    let name = format!("hung-holder-{}", now_ms());
    let holding = Rc::new(Cell::new(false));
    let second_ran = Rc::new(Cell::new(false));
    {
        let (name, holding) = (name.clone(), Rc::clone(&holding));
        leptos::task::spawn_local(async move {
            // A holder that never finishes, like a tab that died holding the lease.
            let _ = with_lease(&name, std::time::Duration::from_millis(300), async move {
                holding.set(true);
                std::future::pending::<()>().await;
            })
            .await;
        });
    }
    wait_until("the first holder", 3_000, || holding.get()).await;
    let ran = Rc::clone(&second_ran);
    let taken = with_lease(&name, std::time::Duration::from_millis(300), async move {
        ran.set(true);
    })
    .await;
    assert_eq!(taken, Ok(()));
    assert!(second_ran.get());
}

#[wasm_bindgen_test]
async fn web_locks_let_one_holder_in_at_a_time() {
    let inside = Rc::new(Cell::new(0));
    let most_inside = Rc::new(Cell::new(0));
    let finished = Rc::new(Cell::new(0));
    for _ in 0..3 {
        let (inside, most_inside, finished) = (
            Rc::clone(&inside),
            Rc::clone(&most_inside),
            Rc::clone(&finished),
        );
        leptos::task::spawn_local(async move {
            with_lock("one-at-a-time-test", async {
                inside.set(inside.get() + 1);
                most_inside.set(most_inside.get().max(inside.get()));
                gloo_timers::future::sleep(std::time::Duration::from_millis(50)).await;
                inside.set(inside.get() - 1);
            })
            .await
            .unwrap();
            finished.set(finished.get() + 1);
        });
    }
    wait_until("the three holders", 5_000, || finished.get() == 3).await;
    assert_eq!(most_inside.get(), 1);
}

// What a tab reading localStorage right after the lock changed hands may see: the previous
// holder's tokens. The refresh token is read from IndexedDB, so it is the successor that is
// used, and the rotated-away one is never replayed.
#[wasm_bindgen_test]
async fn a_tab_taking_the_lock_after_another_renewed_uses_its_tokens_despite_stale_local_storage() {
    start_clean().await;
    let tenant = RenewalTenant::new(600);
    let config = tenant.config();
    let due = access_token_aged(590, 600);
    let due_expiry = now_ms() + 10_000;
    store_renewable_session(&config, &due, due_expiry, tenant.refresh_token(0)).await;
    let (first_owner, second_owner) = (Owner::new(), Owner::new());
    let first = first_owner.with(|| new_service(config.clone()));
    first.renew().await;
    let renewed = access_token_of(&first_owner, first).unwrap();
    assert_ne!(renewed, due);
    // The second tab starts from a stale copy: the old tokens, as if the write had not
    // reached it.
    write_stale_session(&due, due_expiry);
    let second = second_owner.with(|| new_service(config.clone()));
    assert_eq!(access_token_of(&second_owner, second), Some(due.clone()));
    second.renew().await;
    assert_eq!(
        access_token_of(&second_owner, second),
        Some(renewed.clone())
    );
    let stats = tenant.stats().await;
    assert_eq!((stats.token_requests, stats.generation), (1, 1));
    assert!(
        !stats.revoked,
        "the rotated-away refresh token was replayed"
    );
    assert_eq!(stored(ACCESS_TOKEN_KEY), Some(renewed));
    start_clean().await;
}

/// Puts `access_token` and its expiry back into localStorage, as a stale read would show them.
fn write_stale_session(access_token: &str, expires_at_ms: u64) {
    use gloo_storage::{LocalStorage, Storage};
    LocalStorage::raw()
        .set_item(ACCESS_TOKEN_KEY, access_token)
        .unwrap();
    LocalStorage::raw()
        .set_item(leptos_auth0::EXPIRES_AT_KEY, &expires_at_ms.to_string())
        .unwrap();
}

/// An app instance: a guarded lounge and the Log In / Log Out button.
fn mount_lounge(config: AuthConfig, set_service: WriteSignal<Option<AuthService>>) -> Mounted {
    mount(move || {
        view! {
            <AuthProvider config=config>
                {set_service.set(Some(use_auth()));}
                <LoginLogoutButton/>
                <RequireAuth>
                    <p class="members">{MEMBERS_TEXT}</p>
                </RequireAuth>
            </AuthProvider>
        }
    })
}

#[wasm_bindgen_test]
async fn a_revoked_refresh_token_logs_every_tab_out_saying_the_session_ended() {
    start_clean().await;
    let tenant = RenewalTenant::new(600);
    let config = tenant.config();
    let live = access_token_aged(0, 600);
    store_renewable_session(&config, &live, now_ms() + 600_000, tenant.refresh_token(0)).await;
    let (first, set_first) = signal(None::<AuthService>);
    let (second, set_second) = signal(None::<AuthService>);
    let first_tab = mount_lounge(config.clone(), set_first);
    let second_tab = mount_lounge(config.clone(), set_second);
    leptos::task::tick().await;
    for tab in [&first_tab, &second_tab] {
        assert_eq!(
            text_of(&tab.root, ".members").as_deref(),
            Some(MEMBERS_TEXT)
        );
    }
    tenant.revoke_family().await;
    // The API refused the token, so the first tab renews, and the tenant refuses.
    let http = first.get_untracked().unwrap().http();
    let answer = http.get::<serde_json::Value>(&tenant.url("api")).await;
    assert!(
        matches!(answer, Err(AuthHttpError::Unauthorized { .. })),
        "{answer:?}"
    );
    assert!(matches!(
        first.get_untracked().unwrap().state(),
        AuthState::SessionEnded
    ));
    // The first tab's writes reach the second as storage events: the mark, then the removal.
    let ended_at = stored(SESSION_ENDED_KEY);
    assert!(ended_at.is_some());
    storage_event_with_value(SESSION_ENDED_KEY, ended_at.as_deref());
    storage_event_from_another_tab(Some(ACCESS_TOKEN_KEY));
    leptos::task::tick().await;
    for tab in [&first_tab, &second_tab] {
        let alert = text_of(&tab.root, "[role=alert]").unwrap_or_default();
        assert!(alert.contains(SESSION_ENDED_SENTENCE), "{alert}");
        assert!(text_of(&tab.root, ".members").is_none());
        assert!(button(&tab.root, "Log In").is_some());
        assert!(button(&tab.root, "Log Out").is_none());
    }
    assert!(matches!(
        second.get_untracked().unwrap().state(),
        AuthState::SessionEnded
    ));
    assert!(!session_keys_present());
    assert_eq!(stored_refresh_token(&config).await, None);
    assert_eq!(tenant.stats().await.token_requests, 1);
    drop((first_tab, second_tab));
    start_clean().await;
}

#[wasm_bindgen_test]
async fn a_network_failure_keeps_the_session_and_the_renewal_is_retried_later() {
    start_clean().await;
    let tenant = RenewalTenant::new(600);
    tenant.go_unreachable_for(1).await;
    let config = tenant.config();
    // Due now, and live for 30 s more: time for a retry.
    let due = access_token_aged(570, 600);
    store_renewable_session(&config, &due, now_ms() + 30_000, tenant.refresh_token(0)).await;
    let owner = Owner::new();
    let auth = owner.with(|| new_service(config.clone()));
    let started = now_ms();
    while tenant.stats().await.token_requests == 0 {
        assert!(now_ms() - started < 10_000, "no renewal was attempted");
        gloo_timers::future::sleep(std::time::Duration::from_millis(20)).await;
    }
    // The attempt got no answer; the session it could not renew lives on.
    assert!(owner.with(|| auth.is_authenticated()));
    wait_until("the retry", 10_000, || {
        access_token_of(&owner, auth).is_some_and(|token| token != due)
    })
    .await;
    let stats = tenant.stats().await;
    assert_eq!((stats.token_requests, stats.generation), (2, 1));
    assert_eq!(
        stored_refresh_token(&config).await,
        Some(tenant.refresh_token(1).secret().to_owned())
    );
    drop(owner);
    start_clean().await;
}

#[wasm_bindgen_test]
async fn logout_revokes_the_refresh_token_at_the_tenant_before_leaving() {
    start_clean().await;
    let tenant = RenewalTenant::new(600);
    let config = tenant.config();
    let live = access_token_aged(0, 600);
    store_renewable_session(&config, &live, now_ms() + 600_000, tenant.refresh_token(0)).await;
    let (_service, set_service) = signal(None::<AuthService>);
    let tab = mount_lounge(config.clone(), set_service);
    leptos::task::tick().await;
    button(&tab.root, "Log Out").unwrap().click();
    leptos::task::tick().await;
    // Logged out on the page at once.
    assert!(!session_keys_present());
    assert!(button(&tab.root, "Log In").is_some());
    let mut stats = tenant.stats().await;
    let started = now_ms();
    while stats.revocations == 0 {
        assert!(now_ms() - started < 5_000, "no revocation");
        gloo_timers::future::sleep(std::time::Duration::from_millis(20)).await;
        stats = tenant.stats().await;
    }
    assert!(stats.revoked);
    assert_eq!(stats.token_requests, 0);
    assert_eq!(stored_refresh_token(&config).await, None);
    drop(tab);
    start_clean().await;
}
