//! `/profile`: the user's profile from the tenant's `/userinfo` endpoint.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::auth::{use_auth, userinfo_url};
use serde::Deserialize;

use crate::components::{JsonBlock, Spinner};
use crate::http::{AuthHttpError, RequestOptions};
use crate::pages::LOGGED_OUT_TEXT;

/// The profile claims shown above the full JSON (OIDC Core 5.1).
#[derive(Clone, Debug, Default, Deserialize)]
struct UserInfo {
    #[serde(default)]
    nickname: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    picture: String,
}

impl UserInfo {
    /// The email address; without the `email` scope, the `name`, which Auth0 sets to the
    /// email address for database users.
    fn contact(&self) -> String {
        if self.email.is_empty() {
            self.name.clone()
        } else {
            self.email.clone()
        }
    }
}

/// Only http(s) pictures are shown; anything else from remote data is ignored.
fn picture_url(picture: &str) -> Option<String> {
    (picture.starts_with("https://") || picture.starts_with("http://")).then(|| picture.to_owned())
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
        AuthHttpError::Forbidden { .. } => {
            "The login service refused to share your profile.".to_owned()
        }
        AuthHttpError::Decode(_) => "The login service sent an unexpected answer.".to_owned(),
        AuthHttpError::Status(status) => {
            format!("The profile could not be loaded (HTTP status {status}).")
        }
        // Spelled out rather than the error's own text, so the error messages of every
        // variant stay out of the download.
        _ => "The profile could not be loaded.".to_owned(),
    }
}

/// What the profile page shows.
#[derive(Clone, Debug)]
enum ProfileState {
    LoggedOut,
    Loading,
    Loaded(UserInfo, String),
    Failed(AuthHttpError),
    Unreadable,
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
            let result = http.get_text_with(&url, &options).await;
            set_state.set(match result {
                Ok(text) => match serde_json::from_str::<UserInfo>(&text) {
                    Ok(profile) => ProfileState::Loaded(profile, text),
                    Err(_) => ProfileState::Unreadable,
                },
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
                ProfileState::Unreadable => view! {
                    <div class="alert" role="alert">"The login service sent a profile this page cannot read."</div>
                }
                .into_any(),
                ProfileState::Failed(error) => {
                    view! { <div class="alert" role="alert">{explain(&error)}</div> }.into_any()
                }
                ProfileState::Loaded(profile, text) => {
                    view! {
                        <div class="profile">
                            {picture_url(&profile.picture)
                                .map(|src| {
                                    view! {
                                        <img class="avatar" src=src alt="Profile picture" width="96" height="96"/>
                                    }
                                })}
                            <div>
                                <h2 class="nickname">{profile.nickname.clone()}</h2>
                                <p class="email">{profile.contact()}</p>
                            </div>
                        </div>
                        <h2>"Full profile"</h2>
                        <JsonBlock text=text/>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}
