//! `/callback`: completes the login and goes back to the page the user came from.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::auth::{AuthError, IdTokenError, StorageError, use_auth};
use crate::navigation::{AppRoute, Link, use_navigator};

/// " (description)" when the tenant sent one.
fn in_parentheses(description: Option<&str>) -> String {
    description
        .map(|text| format!(" ({text})"))
        .unwrap_or_default()
}

/// A sentence for the user about a failed login.
pub fn explain(error: &AuthError) -> String {
    match error {
        AuthError::Authorization { error, description } => format!(
            "The login service refused the login: {}{}.",
            error,
            in_parentheses(description.as_deref())
        ),
        AuthError::NoResponse => "This address carries no login response.".to_owned(),
        AuthError::NoTransaction => {
            "No login was started in this tab, or it was already completed. Please log in again."
                .to_owned()
        }
        AuthError::StateMismatch => {
            "The login response does not belong to the login started in this tab (state mismatch), so it was ignored."
                .to_owned()
        }
        AuthError::UnexpectedResponse => {
            "The login response does not match the configured response type.".to_owned()
        }
        AuthError::TokenEndpoint { error, description } => format!(
            "The tokens could not be obtained: {}{}.",
            error,
            in_parentheses(description.as_deref())
        ),
        AuthError::TokenEndpointStatus(status) => {
            format!("The tokens could not be obtained (HTTP status {status}).")
        }
        AuthError::Network(_) => "The login service could not be reached.".to_owned(),
        AuthError::Decode(_) => "The login service sent an unexpected answer.".to_owned(),
        AuthError::IdToken(IdTokenError::Nonce) => {
            "The ID token was not issued for this login (nonce mismatch).".to_owned()
        }
        AuthError::IdToken(error) => format!("The ID token was rejected: {error}."),
        AuthError::Random(_) => "This browser cannot create secure random values.".to_owned(),
        AuthError::Storage(StorageError::Unavailable) => {
            "This browser blocks storage, so you cannot stay logged in.".to_owned()
        }
        AuthError::Storage(StorageError::Refused | StorageError::Encode(_)) => {
            "This browser refused to store the login.".to_owned()
        }
    }
}

/// Completes the login, then navigates to the saved path; shows the error otherwise.
#[component]
pub fn CallbackPage() -> impl IntoView {
    let auth = use_auth();
    let navigator = use_navigator();
    let (failure, set_failure) = signal(None::<String>);
    spawn_local(async move {
        match auth.handle_callback().await {
            Ok(return_to) => navigator.replace(&return_to),
            Err(error) => set_failure.set(Some(explain(&error))),
        }
    });
    view! {
        <section class="card">
            {move || match failure.get() {
                None => view! { <crate::components::Spinner label="Completing your login…"/> }.into_any(),
                Some(message) => {
                    view! {
                        <h1>"Login failed"</h1>
                        <div class="alert" role="alert">"The login failed. "{message}</div>
                        <p>
                            <Link to=AppRoute::Home>"Back to Home"</Link>
                        </p>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}
