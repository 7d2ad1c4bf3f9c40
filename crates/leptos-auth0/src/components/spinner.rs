//! A pending indicator with a text label for screen readers and everyone else.

use leptos::prelude::*;

/// A spinning circle followed by `label`.
#[component]
pub fn Spinner(
    /// What is being waited for, e.g. "Calling the API…".
    #[prop(into)]
    label: String,
) -> impl IntoView {
    view! {
        <p class="spinner" role="status" aria-live="polite">
            <span class="spinner-circle" aria-hidden="true"></span>
            <span>{label}</span>
        </p>
    }
}
