//! The top navigation: Home, and Profile and Ping when logged in; Log In or Log Out; why the
//! last login failed, or that the session ended.

use leptos::prelude::*;
use leptos_auth0::components::{LoginLogoutButton, SESSION_ENDED_SENTENCE, login_failure_sentence};
use leptos_auth0::{AuthState, use_auth};
use leptos_router::components::A;
use leptos_router::hooks::use_location;

use crate::routes::AppRoute;

/// The navigation bar (inside the `<Router>`).
#[component]
pub fn NavBar() -> impl IntoView {
    let auth = use_auth();
    let location = use_location();
    // The callback page explains its own failures; elsewhere (a login that could not start,
    // e.g. because the browser blocks storage) the explanation goes here.
    let on_callback =
        move || location.pathname.get().trim_end_matches('/') == AppRoute::Callback.path();
    let login_failure = move || {
        match auth.state() {
        AuthState::Failed(error) if !on_callback() => Some(view! {
            <div class="alert" role="alert">"The login failed. "{login_failure_sentence(&error)}</div>
        }.into_any()),
        // Beside the nav bar's Log In button, on every page of every tab.
        AuthState::SessionEnded => Some(view! {
            <div class="alert" role="alert">{SESSION_ENDED_SENTENCE}</div>
        }.into_any()),
        _ => None,
    }
    };
    view! {
        <header class="navbar">
            <nav aria-label="Main">
                <span class="brand">"Auth0 · Leptos"</span>
                <A href=AppRoute::Home.path() exact=true>"Home"</A>
                <Show when=move || auth.is_authenticated()>
                    <A href=AppRoute::Profile.path()>"Profile"</A>
                    <A href=AppRoute::Ping.path()>"Ping"</A>
                </Show>
            </nav>
            <LoginLogoutButton/>
        </header>
        {login_failure}
    }
}
