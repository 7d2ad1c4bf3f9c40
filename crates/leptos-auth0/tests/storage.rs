//! Browser tests with blocked storage: `window.localStorage` and `window.sessionStorage` are
//! replaced by getters that throw a `SecurityError` (or return null), as when a person disables
//! site data. The library must stay logged out and say why a login cannot work, never panic.
//! In a file of its own, so the replaced getters cannot leak into other tests.
#![cfg(target_arch = "wasm32")]

mod support;

use js_sys::{Function, Object, Reflect};
use leptos::prelude::*;
use leptos_auth0::components::{LoginButton, RequireAuth};
use leptos_auth0::{
    AuthError, AuthProvider, AuthService, AuthState, StorageError, Transaction, complete_login,
    is_available, local_storage_available, save_transaction, session_storage_available, use_auth,
};
use support::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const BOTH_STORAGES: &[&str] = &["localStorage", "sessionStorage"];

/// Replaces storage getters of `window` with `getter` until dropped.
struct BlockedStorage {
    originals: Vec<(&'static str, JsValue)>,
}

impl BlockedStorage {
    fn with_getter(names: &[&'static str], body: &str) -> Self {
        let window: Object = web_sys::window().unwrap().unchecked_into();
        let getter = Function::new_no_args(body);
        let originals = names
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

    /// Both storages throw, as Chrome's `window.localStorage` does with site data blocked.
    fn throwing() -> Self {
        Self::with_getter(
            BOTH_STORAGES,
            "throw new DOMException('The operation is insecure.', 'SecurityError');",
        )
    }

    /// Only `window.localStorage` throws: the tab keeps its transaction, but no session can be
    /// stored.
    fn throwing_local_only() -> Self {
        Self::with_getter(
            &["localStorage"],
            "throw new DOMException('The operation is insecure.', 'SecurityError');",
        )
    }

    /// Both storages are null, as some embedded browsers have them.
    fn null() -> Self {
        Self::with_getter(BOTH_STORAGES, "return null;")
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
        code_verifier: Some(verifier()),
        return_to: "/".into(),
        redirect_uri: "http://localhost:3000/callback".into(),
    }
}

fn new_service() -> AuthService {
    init_executor();
    AuthService::new(config(UNREACHABLE, UNREACHABLE))
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

// Reads: restoring at start-up and re-reading after another tab's change. Writes: the
// transaction, and the session at the end of a login that was started before storage was
// blocked. Removing (logging out) has nothing to remove and must not panic either.
#[wasm_bindgen_test]
async fn reads_find_nothing_and_writes_fail_with_a_typed_error() {
    clear_storage();
    let blocked = BlockedStorage::throwing();
    let owner = Owner::new();
    let auth = owner.with(new_service);
    assert!(owner.with(|| matches!(auth.state(), AuthState::Anonymous)));
    auth.reload_from_storage();
    assert!(owner.with(|| !auth.is_authenticated()));
    assert!(matches!(
        save_transaction(&transaction()),
        Err(StorageError::Unavailable)
    ));
    auth.forget_session();
    drop(blocked);
    assert!(!session_keys_present());
    assert!(!transaction_present());

    let signer = TestSigner::generate().await;
    let issuer = signer.tenant();
    pending_transaction("s", "nonce-1", false, "/");
    let (fragment, _, _) = signer.implicit_callback(&issuer, "s", "nonce-1").await;
    let blocked = BlockedStorage::throwing_local_only();
    let result = complete_login(
        &config_for_tenant(issuer, "token id_token"),
        "",
        &fragment,
        now_ms(),
    )
    .await;
    drop(blocked);
    assert!(
        matches!(result, Err(AuthError::Storage(StorageError::Unavailable))),
        "{result:?}"
    );
    assert!(!session_keys_present());
}

#[wasm_bindgen_test]
fn a_stored_session_is_not_read_while_storage_is_blocked() {
    logged_in();
    let blocked = BlockedStorage::null();
    let owner = Owner::new();
    let auth = owner.with(new_service);
    assert!(owner.with(|| !auth.is_authenticated()));
    auth.reload_from_storage();
    assert!(owner.with(|| !auth.is_authenticated()));
    drop(blocked);
    auth.reload_from_storage();
    assert!(owner.with(|| auth.is_authenticated()));
    clear_storage();
}

#[wasm_bindgen_test]
async fn a_login_with_blocked_storage_says_so_and_does_not_leave_the_page() {
    clear_storage();
    let blocked = BlockedStorage::throwing();
    let page_url = web_sys::window().unwrap().location().href().unwrap();
    let config = config(UNREACHABLE, UNREACHABLE);
    let (service, set_service) = signal(None::<AuthService>);
    let mounted = mount(move || {
        view! {
            <AuthProvider config=config>
                {set_service.set(Some(use_auth()));}
                <RequireAuth fallback=|| view! { <p class="lead">"Members only."</p> }>
                    <p class="lead">"Welcome, member."</p>
                </RequireAuth>
                <LoginButton/>
            </AuthProvider>
        }
    });
    let root = &mounted.root;
    leptos::task::tick().await;
    assert_eq!(text_of(root, ".lead").as_deref(), Some("Members only."));
    assert!(text_of(root, "[role=alert]").is_none());
    button(root, "Log In").unwrap().click();
    leptos::task::tick().await;
    let alert = text_of(root, "[role=alert]").unwrap_or_default();
    assert!(alert.contains("blocks storage"), "{alert}");
    assert!(matches!(
        service.get_untracked().unwrap().state(),
        AuthState::Failed(AuthError::Storage(StorageError::Unavailable))
    ));
    // The login did not leave the page.
    assert_eq!(
        web_sys::window().unwrap().location().href().unwrap(),
        page_url
    );
    drop(mounted);
    drop(blocked);
}

#[wasm_bindgen_test]
async fn a_callback_with_blocked_storage_finds_no_login_and_does_not_panic() {
    clear_storage();
    save_transaction(&transaction()).unwrap();
    let blocked = BlockedStorage::throwing();
    let result = complete_login(
        &config(UNREACHABLE, UNREACHABLE),
        "?code=c&state=s",
        "",
        now_ms(),
    )
    .await;
    drop(blocked);
    assert!(
        matches!(result, Err(AuthError::NoTransaction)),
        "{result:?}"
    );
    clear_storage();
}
