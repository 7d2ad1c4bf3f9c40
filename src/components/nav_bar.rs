//! The top navigation: Home, and Profile and Ping when logged in; Log In or Log Out; why the
//! last login failed.

use leptos::prelude::*;

use crate::auth::{AuthState, use_auth};
use crate::navigation::{AppRoute, Link, use_navigator};
use crate::pages::explain_login_failure;

/// The navigation bar.
#[component]
pub fn NavBar() -> impl IntoView {
    let auth = use_auth();
    let navigator = use_navigator();
    // The callback page explains its own failures; elsewhere (a login that could not start,
    // e.g. because the browser blocks storage) the explanation goes here.
    let login_failure = move || match auth.state() {
        AuthState::Failed(error) if navigator.route() != AppRoute::Callback => Some(view! {
            <div class="alert" role="alert">"The login failed. "{explain_login_failure(&error)}</div>
        }),
        _ => None,
    };
    view! {
        <header class="navbar">
            <nav aria-label="Main">
                <span class="brand">"Auth0 · Leptos"</span>
                <Link to=AppRoute::Home>"Home"</Link>
                <Show when=move || auth.is_authenticated()>
                    <Link to=AppRoute::Profile>"Profile"</Link>
                    <Link to=AppRoute::Ping>"Ping"</Link>
                </Show>
            </nav>
            <Show
                when=move || auth.is_authenticated()
                fallback=move || {
                    view! {
                        <button class="button primary" type="button" on:click=move |_| auth.login()>
                            "Log In"
                        </button>
                    }
                }
            >
                <button class="button" type="button" on:click=move |_| auth.logout()>
                    "Log Out"
                </button>
            </Show>
        </header>
        {login_failure}
    }
}
