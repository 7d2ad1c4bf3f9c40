//! `/profile`: the user's profile from the provider's UserInfo endpoint, or from the ID token
//! where the access token is not meant for that endpoint (see `leptos_auth0::profile_source`).

use leptos::prelude::*;
use leptos_auth0::components::{JsonBlock, RequireAuth, Spinner, provider_problem_sentence};
use leptos_auth0::protocol::{StandardClaims, UserInfo};
use leptos_auth0::{
    AuthHttpError, IdTokenProfile, ProfileSource, ProviderError, RequestOptions, profile_source,
    use_auth,
};

use crate::pages::LOGGED_OUT_TEXT;

/// The email address; without the `email` scope, the `name`, which Auth0 sets to the email
/// address for database users.
fn contact(claims: &StandardClaims) -> String {
    claims
        .email
        .clone()
        .or_else(|| claims.name.clone())
        .unwrap_or_default()
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

/// Why the profile shown comes from the ID token, for the note beside it.
fn id_token_note(reason: &IdTokenProfile) -> String {
    match reason {
        IdTokenProfile::NoUserInfoEndpoint => {
            "This profile comes from your ID token: the login service has no UserInfo endpoint."
                .to_owned()
        }
        IdTokenProfile::AccessTokenForOthers(audience) => format!(
            "This profile comes from your ID token: the login service issued your access token for {audience} only, so its UserInfo endpoint would not accept it."
        ),
    }
}

/// What the page found.
#[derive(Clone, Debug)]
enum Profile {
    /// The profile claims, the JSON text they were read from (the UserInfo answer, or the ID
    /// token's claims), and, for the ID token, the note saying why it was read.
    Loaded(StandardClaims, String, Option<String>),
    Failed(AuthHttpError),
    Provider(ProviderError),
    Unreadable,
}

/// The profile page: the profile for a signed-in user, the logged-out text for everyone else.
#[component]
pub fn ProfilePage() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Profile"</h1>
            <RequireAuth fallback=|| view! { <p class="lead">{LOGGED_OUT_TEXT}</p> }>
                <ProfileDetails/>
            </RequireAuth>
        </section>
    }
}

/// The signed-in user's profile. Rendered only while a session is live: a logout (here or in
/// another tab) removes it, and with it any answer still on its way, so a late profile can
/// never reappear on a logged-out page. A new session fetches again.
#[component]
fn ProfileDetails() -> impl IntoView {
    let auth = use_auth();
    // Another user means another profile; a renewal of the same user's session does not, so
    // the page stays as it is while tokens are renewed.
    let user = Memo::new(move |_| auth.session().and_then(|session| session.subject()));
    let profile = LocalResource::new(move || {
        let _user = user.get();
        let config = auth.config();
        let session = untrack(move || auth.session());
        let http = auth.http();
        async move {
            let Some(session) = session else {
                return Profile::Failed(AuthHttpError::NotAuthenticated);
            };
            let url = match profile_source(&config, &session).await {
                Ok(ProfileSource::UserInfo(url)) => url,
                Ok(ProfileSource::IdToken(reason)) => {
                    return match (session.id_token_claims(), session.id_token_claims_json()) {
                        (Some(claims), Some(text)) => {
                            Profile::Loaded(claims.profile, text, Some(id_token_note(&reason)))
                        }
                        _ => Profile::Unreadable,
                    };
                }
                Err(problem) => return Profile::Provider(problem),
            };
            // The provider is not the API, so this one call may carry the token there.
            let options = RequestOptions::default().allow_origin(&url);
            match http.get_text_with(&url, &options).await {
                Ok(text) => match serde_json::from_str::<UserInfo>(&text) {
                    Ok(profile) => Profile::Loaded(profile.profile, text, None),
                    Err(_) => Profile::Unreadable,
                },
                Err(error) => Profile::Failed(error),
            }
        }
    });
    view! {
        <Suspense fallback=|| view! { <Spinner label="Loading your profile…"/> }>
            {move || profile.get().map(|profile| match profile {
                Profile::Unreadable => view! {
                    <div class="alert" role="alert">"The login service sent a profile this page cannot read."</div>
                }
                .into_any(),
                Profile::Failed(error) => {
                    view! { <div class="alert" role="alert">{explain(&error)}</div> }.into_any()
                }
                Profile::Provider(problem) => view! {
                    <div class="alert" role="alert">
                        "The profile could not be loaded. "{provider_problem_sentence(&problem)}
                    </div>
                }
                .into_any(),
                Profile::Loaded(claims, text, note) => view! {
                    <ProfileCard claims=claims/>
                    {note.map(|note| view! { <p class="note">{note}</p> })}
                    <h2>"Full profile"</h2>
                    <JsonBlock text=text/>
                }
                .into_any(),
            })}
        </Suspense>
    }
}

/// The picture, nickname and contact of a profile.
#[component]
fn ProfileCard(
    /// The profile claims.
    claims: StandardClaims,
) -> impl IntoView {
    view! {
        <div class="profile">
            {claims
                .picture
                .as_deref()
                .and_then(picture_url)
                .map(|src| {
                    view! {
                        <img class="avatar" src=src alt="Profile picture" width="96" height="96"/>
                    }
                })}
            <div>
                <h2 class="nickname">{claims.nickname.clone().unwrap_or_default()}</h2>
                <p class="email">{contact(&claims)}</p>
            </div>
        </div>
    }
}
