//! The top navigation: Home, and Profile and Ping when logged in; Log In or Log Out.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::AppRoute;
use crate::auth::use_auth;

/// The navigation bar.
#[component]
pub fn NavBar() -> impl IntoView {
    let auth = use_auth();
    view! {
        <header class="navbar">
            <nav aria-label="Main">
                <span class="brand">"Auth0 · Leptos"</span>
                <A href=AppRoute::Home.path()>"Home"</A>
                <Show when=move || auth.is_authenticated()>
                    <A href=AppRoute::Profile.path()>"Profile"</A>
                    <A href=AppRoute::Ping.path()>"Ping"</A>
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
    }
}
