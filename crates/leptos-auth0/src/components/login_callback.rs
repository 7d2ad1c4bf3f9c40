//! `<LoginCallback>`: the page the tenant sends the user back to.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::components::Spinner;
use crate::components::login_failure::login_failure_sentence;
use crate::provider::use_auth;

/// Completes the login from the address, then goes (replacing the history entry) to the page
/// the user started from; on failure it says why and links back. Route it at the path of the
/// configured `redirect_uri` (`/callback` by default), inside a leptos_router `<Router>`.
#[component]
pub fn LoginCallback(
    /// Where the "Back" link of the failure view goes.
    #[prop(optional, into)]
    home: Option<String>,
) -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let (failure, set_failure) = signal(None::<String>);
    spawn_local(async move {
        match auth.handle_callback().await {
            Ok(return_to) => navigate(
                &return_to,
                NavigateOptions {
                    replace: true,
                    ..NavigateOptions::default()
                },
            ),
            // A late answer after the component is gone is dropped by the signal.
            Err(error) => set_failure.set(Some(login_failure_sentence(&error))),
        }
    });
    let home = home.unwrap_or_else(|| "/".to_owned());
    move || match failure.get() {
        None => view! { <Spinner label="Completing your login…"/> }.into_any(),
        Some(message) => view! {
            <h1>"Login failed"</h1>
            <div class="alert" role="alert">"The login failed. "{message}</div>
            <p>
                <A href=home.clone()>"Back to Home"</A>
            </p>
        }
        .into_any(),
    }
}
