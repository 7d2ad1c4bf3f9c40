//! The page for unknown paths.

use leptos::prelude::*;

use crate::navigation::{AppRoute, Link};

/// Unknown path.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Page not found"</h1>
            <p>
                "There is nothing at this address. "
                <Link to=AppRoute::Home>"Go to Home"</Link>
            </p>
        </section>
    }
}
