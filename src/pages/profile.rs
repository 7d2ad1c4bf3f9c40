//! `/profile`: the user's profile from the tenant's `/userinfo` endpoint.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::auth::{use_auth, userinfo_url};
use crate::components::Spinner;
use crate::http::{AuthHttpError, RequestOptions};
use crate::pages::LOGGED_OUT_TEXT;

fn text_claim(profile: &serde_json::Value, name: &str) -> String {
    profile
        .get(name)
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The email address; without the `email` scope, the `name`, which Auth0 sets to the email
/// address for database users.
fn contact(profile: &serde_json::Value) -> String {
    let email = text_claim(profile, "email");
    if email.is_empty() {
        text_claim(profile, "name")
    } else {
        email
    }
}

/// Only http(s) pictures are shown; anything else from remote data is ignored.
fn picture_url(profile: &serde_json::Value) -> Option<String> {
    let picture = text_claim(profile, "picture");
    (picture.starts_with("https://") || picture.starts_with("http://")).then_some(picture)
}

fn explain(error: &AuthHttpError) -> String {
    match error {
        AuthHttpError::Unauthorized { .. }
        | AuthHttpError::NotAuthenticated
        | AuthHttpError::TokenExpired
        | AuthHttpError::NotAJwt => {
            "The login service did not accept your session. Please log in again.".to_owned()
        }
        AuthHttpError::Network(_) => "The login service could not be reached.".to_owned(),
        other => format!("The profile could not be loaded ({other})."),
    }
}

/// What the profile page shows.
#[derive(Clone, Debug)]
enum ProfileState {
    LoggedOut,
    Loading,
    Loaded(serde_json::Value),
    Failed(AuthHttpError),
}

/// The profile page.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let auth = use_auth();
    let (state, set_state) = signal(ProfileState::Loading);
    // Fetched again whenever the login state changes (for example, a logout in another tab).
    Effect::new(move |_| {
        if !auth.is_authenticated() {
            set_state.set(ProfileState::LoggedOut);
            return;
        }
        set_state.set(ProfileState::Loading);
        let url = userinfo_url(&auth.config());
        let http = auth.http();
        spawn_local(async move {
            // The tenant is not the API, so this one call may carry the token there.
            let options = RequestOptions::default().allow_origin(&url);
            let result = http.get_with::<serde_json::Value>(&url, &options).await;
            set_state.set(match result {
                Ok(profile) => ProfileState::Loaded(profile),
                Err(error) => ProfileState::Failed(error),
            });
        });
    });
    view! {
        <section class="card">
            <h1>"Profile"</h1>
            {move || match state.get() {
                ProfileState::LoggedOut => view! { <p class="lead">{LOGGED_OUT_TEXT}</p> }.into_any(),
                ProfileState::Loading => view! { <Spinner label="Loading your profile…"/> }.into_any(),
                ProfileState::Failed(error) => {
                    view! { <div class="alert" role="alert">{explain(&error)}</div> }.into_any()
                }
                ProfileState::Loaded(profile) => {
                    let pretty = serde_json::to_string_pretty(&profile).unwrap_or_default();
                    view! {
                        <div class="profile">
                            {picture_url(&profile)
                                .map(|src| {
                                    view! {
                                        <img class="avatar" src=src alt="Profile picture" width="96" height="96"/>
                                    }
                                })}
                            <div>
                                <h2 class="nickname">{text_claim(&profile, "nickname")}</h2>
                                <p class="email">{contact(&profile)}</p>
                            </div>
                        </div>
                        <h2>"Full profile"</h2>
                        <pre class="json">{pretty}</pre>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}
