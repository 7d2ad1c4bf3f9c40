//! Log In and Log Out buttons.

use leptos::prelude::*;

use crate::provider::use_auth;

/// A button that starts a login and comes back to the current page.
#[component]
pub fn LoginButton(
    /// The button text.
    #[prop(optional, into)]
    label: Option<String>,
) -> impl IntoView {
    let auth = use_auth();
    view! {
        <button class="button primary" type="button" on:click=move |_| auth.login()>
            {label.unwrap_or_else(|| "Log In".to_owned())}
        </button>
    }
}

/// A button that ends the session here and at the tenant.
#[component]
pub fn LogoutButton(
    /// The button text.
    #[prop(optional, into)]
    label: Option<String>,
) -> impl IntoView {
    let auth = use_auth();
    view! {
        <button class="button" type="button" on:click=move |_| auth.logout()>
            {label.unwrap_or_else(|| "Log Out".to_owned())}
        </button>
    }
}

/// [`LogoutButton`] for a signed-in user, [`LoginButton`] for everyone else.
#[component]
pub fn LoginLogoutButton() -> impl IntoView {
    let auth = use_auth();
    view! {
        <Show when=move || auth.is_authenticated() fallback=|| view! { <LoginButton/> }>
            <LogoutButton/>
        </Show>
    }
}
