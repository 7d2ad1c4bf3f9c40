//! `/callback`: completes the login and goes back to the page the user came from.

use leptos::prelude::*;
use leptos_auth0::components::LoginCallback;

use crate::routes::AppRoute;

/// The callback page.
#[component]
pub fn CallbackPage() -> impl IntoView {
    view! {
        <section class="card">
            <LoginCallback home=AppRoute::Home.path()/>
        </section>
    }
}
