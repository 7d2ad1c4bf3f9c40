//! The top navigation: Home, and Profile and Ping when logged in; Log In or Log Out.

use leptos::prelude::*;

use crate::auth::use_auth;
use crate::navigation::{AppRoute, Link};

/// The navigation bar.
#[component]
pub fn NavBar() -> impl IntoView {
    let auth = use_auth();
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
    }
}
