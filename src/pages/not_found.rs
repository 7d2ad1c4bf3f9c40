//! The page for unknown paths.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::routes::AppRoute;

/// Unknown path.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Page not found"</h1>
            <p>
                "There is nothing at this address. "
                <A href=AppRoute::Home.path()>"Go to Home"</A>
            </p>
        </section>
    }
}
