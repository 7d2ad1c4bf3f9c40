//! `<RequireAuth>`: a guard for pages that need a signed-in user.

use leptos::prelude::*;

use crate::components::Spinner;
use crate::components::login_failure::{SESSION_ENDED_SENTENCE, login_failure_sentence};
use crate::provider::use_auth;
use crate::service::AuthState;

/// Renders `children` for a signed-in user. An anonymous user is sent to log in and comes back
/// to this page afterwards; with a `fallback`, the fallback is shown instead of leaving the
/// page. While a login completes or an expired session is renewed, a pending indicator is
/// shown; after a failed login, the reason and a Log In button; after the tenant ended the
/// session, a sentence saying so and a Log In button. A renewal of a live session changes
/// nothing on the page.
#[component]
pub fn RequireAuth(
    /// Shown to an anonymous user instead of sending them to log in.
    #[prop(optional, into)]
    fallback: Option<ViewFn>,
    /// The protected content.
    children: ChildrenFn,
) -> impl IntoView {
    let auth = use_auth();
    let redirect = fallback.is_none();
    // Only the kind of state: the children are not rebuilt when a session is merely renewed
    // or re-read, only when the user logs in or out.
    let gate = Memo::new(move |_| match auth.state() {
        AuthState::Authenticated(_) => Gate::Open,
        AuthState::Loading => Gate::Pending,
        AuthState::Renewing => Gate::Renewing,
        AuthState::Anonymous => Gate::Anonymous,
        AuthState::SessionEnded => Gate::Ended,
        AuthState::Failed(_) => Gate::Failed,
    });
    // Only from "anonymous", never after a failure, so a login that cannot work does not loop.
    Effect::new(move |_| {
        if redirect && gate.get() == Gate::Anonymous {
            auth.login();
        }
    });
    move || match gate.get() {
        Gate::Open => children().into_any(),
        Gate::Pending => view! { <Spinner label="Completing your login…"/> }.into_any(),
        Gate::Renewing => view! { <Spinner label="Renewing your session…"/> }.into_any(),
        Gate::Ended => view! {
            <div class="alert" role="alert">
                <p>{SESSION_ENDED_SENTENCE}</p>
                <button class="button primary" type="button" on:click=move |_| auth.login()>
                    "Log In"
                </button>
            </div>
        }
        .into_any(),
        Gate::Anonymous => match &fallback {
            Some(fallback) => fallback.run(),
            None => view! { <Spinner label="Taking you to the login page…"/> }.into_any(),
        },
        Gate::Failed => {
            let error = untrack(|| match auth.state() {
                AuthState::Failed(error) => login_failure_sentence(&error),
                _ => String::new(),
            });
            view! {
            <div class="alert" role="alert">
                <p>"The login failed. "{error}</p>
                <button class="button primary" type="button" on:click=move |_| auth.login()>
                    "Log In"
                </button>
            </div>
            }
            .into_any()
        }
    }
}

/// What the guard shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Gate {
    Open,
    Pending,
    Renewing,
    Anonymous,
    Ended,
    Failed,
}
