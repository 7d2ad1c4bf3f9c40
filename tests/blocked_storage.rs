//! The app with blocked storage (`window.localStorage` and `window.sessionStorage` throw a
//! `SecurityError`, as when a person disables site data): it starts logged out, and the nav bar
//! says why Log In cannot work. In a file of its own, so the replaced getters cannot leak into
//! other tests.
#![cfg(target_arch = "wasm32")]

mod support;

use js_sys::{Function, Object, Reflect};
use leptos::prelude::*;
use leptos_auth0::{AuthError, AuthService, AuthState, StorageError, use_auth};
use spa::components::NavBar;
use spa::pages::{HomePage, LOGGED_OUT_TEXT};
use support::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Makes both storage getters of `window` throw until dropped.
struct BlockedStorage {
    originals: Vec<(&'static str, JsValue)>,
}

impl BlockedStorage {
    fn throwing() -> Self {
        let window: Object = web_sys::window().unwrap().unchecked_into();
        let getter = Function::new_no_args(
            "throw new DOMException('The operation is insecure.', 'SecurityError');",
        );
        let originals = ["localStorage", "sessionStorage"]
            .into_iter()
            .map(|name| {
                let original =
                    Object::get_own_property_descriptor(&window, &JsValue::from_str(name));
                let descriptor = Object::new();
                Reflect::set(&descriptor, &"get".into(), &getter).unwrap();
                Reflect::set(&descriptor, &"configurable".into(), &true.into()).unwrap();
                Object::define_property(&window, &JsValue::from_str(name), &descriptor);
                (name, original)
            })
            .collect();
        Self { originals }
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

#[wasm_bindgen_test]
async fn the_app_starts_logged_out_and_a_login_says_storage_is_blocked() {
    clear_storage();
    let blocked = BlockedStorage::throwing();
    let page_url = web_sys::window().unwrap().location().href().unwrap();
    let (service, set_service) = signal(None::<AuthService>);
    let page = mount_routed(config(UNREACHABLE, UNREACHABLE), move || {
        view! {
            {set_service.set(Some(use_auth()));}
            <NavBar/>
            <HomePage/>
        }
    });
    let root = &page.root;
    leptos::task::tick().await;
    assert_eq!(text_of(root, ".lead").as_deref(), Some(LOGGED_OUT_TEXT));
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
    drop(page);
    drop(blocked);
}
