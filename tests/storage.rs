//! Browser tests with blocked storage: `window.localStorage` and `window.sessionStorage` are
//! replaced by getters that throw a `SecurityError` (or return null), as when a person disables
//! site data. The app must stay logged out and say why a login cannot work, never panic.
//! In a file of its own, so the replaced getters cannot leak into other tests.
#![cfg(target_arch = "wasm32")]

mod support;

use js_sys::{Function, Object, Reflect};
use leptos::prelude::*;
use spa::AuthProvider;
use spa::auth::{
    AccessToken, AuthService, AuthState, IdToken, PkceVerifier, Session, StorageError, Transaction,
    is_available, local_storage_available, save_transaction, session_storage_available,
};
use spa::components::NavBar;
use spa::navigation::provide_navigator;
use spa::pages::{HomePage, LOGGED_OUT_TEXT};
use support::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const STORAGES: [&str; 2] = ["localStorage", "sessionStorage"];

/// Replaces both storage getters of `window` with `getter` until dropped.
struct BlockedStorage {
    originals: Vec<(&'static str, JsValue)>,
}

impl BlockedStorage {
    fn with_getter(body: &str) -> Self {
        let window: Object = web_sys::window().unwrap().unchecked_into();
        let getter = Function::new_no_args(body);
        let originals = STORAGES
            .iter()
            .map(|name| {
                let original =
                    Object::get_own_property_descriptor(&window, &JsValue::from_str(name));
                let descriptor = Object::new();
                Reflect::set(&descriptor, &"get".into(), &getter).unwrap();
                Reflect::set(&descriptor, &"configurable".into(), &true.into()).unwrap();
                Object::define_property(&window, &JsValue::from_str(name), &descriptor);
                (*name, original)
            })
            .collect();
        Self { originals }
    }

    /// `window.localStorage` throws, as Chrome does with site data blocked.
    fn throwing() -> Self {
        Self::with_getter("throw new DOMException('The operation is insecure.', 'SecurityError');")
    }

    /// `window.localStorage` is null, as some embedded browsers have it.
    fn null() -> Self {
        Self::with_getter("return null;")
    }
}

impl Drop for BlockedStorage {
    fn drop(&mut self) {
        let window: Object = web_sys::window().unwrap().unchecked_into();
        for (name, original) in &self.originals {
            let name = JsValue::from_str(name);
            if original.is_undefined() {
                Reflect::delete_property(&window, &name).unwrap();
            } else {
                Object::define_property(&window, &name, original.unchecked_ref());
            }
        }
    }
}

fn transaction() -> Transaction {
    Transaction {
        state: "s".into(),
        nonce: "n".into(),
        code_verifier: Some(PkceVerifier::new("v")),
        return_to: "/".into(),
        redirect_uri: "http://localhost:3000/callback".into(),
    }
}

fn session() -> Session {
    Session::new(
        AccessToken::new(access_token_expiring_in(600)),
        IdToken::new("id"),
        now_ms() + 600_000,
    )
}

#[wasm_bindgen_test]
fn availability_check_refuses_a_throwing_or_null_storage() {
    assert!(is_available(web_sys::Window::local_storage));
    assert!(!is_available(|_| Err(JsValue::from_str("SecurityError"))));
    assert!(!is_available(|_| Ok(None)));
}

#[wasm_bindgen_test]
fn blocked_storage_is_detected_whether_it_throws_or_is_null() {
    assert!(local_storage_available() && session_storage_available());
    for block in [BlockedStorage::throwing, BlockedStorage::null] {
        let blocked = block();
        assert!(!local_storage_available());
        assert!(!session_storage_available());
        drop(blocked);
        assert!(local_storage_available() && session_storage_available());
    }
}

#[wasm_bindgen_test]
fn reads_find_nothing_and_writes_fail_with_a_typed_error() {
    clear_storage();
    let blocked = BlockedStorage::throwing();
    assert_eq!(Session::restore(now_ms()), None);
    assert_eq!(Session::peek(now_ms()), None);
    assert!(matches!(session().save(), Err(StorageError::Unavailable)));
    assert!(matches!(
        save_transaction(&transaction()),
        Err(StorageError::Unavailable)
    ));
    Session::clear_stored();
    drop(blocked);
    assert!(!session_keys_present());
}

#[wasm_bindgen_test]
fn a_stored_session_is_not_read_while_storage_is_blocked() {
    clear_storage();
    store_session(&access_token_expiring_in(600), now_ms() + 600_000);
    let blocked = BlockedStorage::null();
    assert_eq!(Session::restore(now_ms()), None);
    drop(blocked);
    assert!(Session::peek(now_ms()).is_some());
    clear_storage();
}

#[wasm_bindgen_test]
async fn the_app_starts_logged_out_and_a_login_says_storage_is_blocked() {
    clear_storage();
    let blocked = BlockedStorage::throwing();
    let page_url = web_sys::window().unwrap().location().href().unwrap();
    let root = container();
    let config = config(UNREACHABLE, UNREACHABLE);
    let (service, set_service) = signal(None::<AuthService>);
    leptos::mount::mount_to(root.clone(), move || {
        view! {
            <AuthProvider config=config>
                {provide_navigator();}
                {set_service.set(Some(spa::auth::use_auth()));}
                <NavBar/>
                <HomePage/>
            </AuthProvider>
        }
    })
    .forget();
    leptos::task::tick().await;
    assert_eq!(text_of(&root, ".lead").as_deref(), Some(LOGGED_OUT_TEXT));
    assert!(text_of(&root, "[role=alert]").is_none());
    button(&root, "Log In").unwrap().click();
    leptos::task::tick().await;
    let alert = text_of(&root, "[role=alert]").unwrap_or_default();
    assert!(alert.contains("blocks storage"), "{alert}");
    assert!(matches!(
        service.get_untracked().unwrap().state(),
        AuthState::Failed(spa::auth::AuthError::Storage(StorageError::Unavailable))
    ));
    // The login did not leave the page.
    assert_eq!(
        web_sys::window().unwrap().location().href().unwrap(),
        page_url
    );
    drop(blocked);
}

#[wasm_bindgen_test]
async fn a_callback_with_blocked_storage_finds_no_login_and_does_not_panic() {
    clear_storage();
    save_transaction(&transaction()).unwrap();
    let blocked = BlockedStorage::throwing();
    let result = spa::auth::complete_login(
        &config(UNREACHABLE, UNREACHABLE),
        "?code=c&state=s",
        "",
        now_ms(),
    )
    .await;
    drop(blocked);
    assert!(
        matches!(result, Err(spa::auth::AuthError::NoTransaction)),
        "{result:?}"
    );
    clear_storage();
}
