//! Home: says whether the user is logged in.

use leptos::prelude::*;

use leptos_auth0::use_auth;

/// Shown to a logged-in user (the quickstart's words).
pub const LOGGED_IN_TEXT: &str =
    "You are logged in! You can now send authenticated requests to your server.";
/// Shown to everyone else.
pub const LOGGED_OUT_TEXT: &str = "You are not logged in! Please Log In to continue.";

/// The home page.
#[component]
pub fn HomePage() -> impl IntoView {
    let auth = use_auth();
    view! {
        <section class="card">
            <h1>"Calling an API"</h1>
            <p class="lead">
                {move || if auth.is_authenticated() { LOGGED_IN_TEXT } else { LOGGED_OUT_TEXT }}
            </p>
        </section>
    }
}
