//! `/ping`: calls the public, private and private-scoped endpoints of the API.

use leptos::prelude::*;
use leptos_auth0::components::{Spinner, TokenInspector};
use leptos_auth0::{AuthHttpError, RequestOptions, use_auth};
use serde::Deserialize;

/// The API endpoints of the quickstart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// `GET /api/public`, no token needed.
    Public,
    /// `GET /api/private`, any valid token.
    Private,
    /// `GET /api/private-scoped`, a token with `read:messages`.
    PrivateScoped,
}

impl Endpoint {
    /// The path below the API base URL.
    pub const fn path(self) -> &'static str {
        match self {
            Self::Public => "/api/public",
            Self::Private => "/api/private",
            Self::PrivateScoped => "/api/private-scoped",
        }
    }

    /// The button text.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Public => "Call Public API",
            Self::Private => "Call Private API",
            Self::PrivateScoped => "Call Private Scoped API",
        }
    }

    /// Whether the endpoint needs a logged-in user.
    pub const fn needs_login(self) -> bool {
        !matches!(self, Self::Public)
    }
}

#[derive(Deserialize)]
struct ApiMessage {
    message: String,
}

/// What a person can do about a failed call: a sentence, and whether logging in again helps.
#[derive(Clone, Debug, PartialEq, Eq)]
struct CallFailure {
    sentence: String,
    offer_login: bool,
}

fn explain(error: &AuthHttpError, api_url: &str) -> CallFailure {
    let (sentence, offer_login) = match error {
        AuthHttpError::NotAuthenticated => {
            ("You need to log in to call this endpoint.".to_owned(), true)
        }
        AuthHttpError::TokenExpired => (
            "Your session has expired. Please log in again.".to_owned(),
            true,
        ),
        AuthHttpError::NotAJwt => (
            "The stored access token is not usable. Please log in again.".to_owned(),
            true,
        ),
        AuthHttpError::Unauthorized { error, description } => (
            format!(
                "The API did not accept your access token{}. Please log in again.",
                match (error, description) {
                    (Some(error), Some(description)) => format!(" ({error}: {description})"),
                    (Some(error), None) => format!(" ({error})"),
                    _ => String::new(),
                }
            ),
            true,
        ),
        AuthHttpError::Forbidden { scope, .. } => (
            format!(
                "You are logged in, but you don't have the {} permission this endpoint requires.",
                scope.as_deref().unwrap_or("read:messages")
            ),
            false,
        ),
        AuthHttpError::Network(_) => (
            format!("The API at {api_url} could not be reached. Is it running?"),
            false,
        ),
        AuthHttpError::Decode(_) => (
            "The API answered with something other than the expected JSON.".to_owned(),
            false,
        ),
        AuthHttpError::Status(status) => (
            format!("The API answered with HTTP status {status}."),
            false,
        ),
        AuthHttpError::InvalidUrl(url) => {
            (format!("The API address {url} is not a valid URL."), false)
        }
        AuthHttpError::Redirected => (
            "The API answered with a redirect, which is not followed with your access token."
                .to_owned(),
            false,
        ),
        AuthHttpError::InvalidRequest | AuthHttpError::Encode(_) => {
            ("The request could not be built.".to_owned(), false)
        }
    };
    CallFailure {
        sentence,
        offer_login,
    }
}

/// The Ping page.
#[component]
pub fn PingPage() -> impl IntoView {
    let auth = use_auth();
    let api_url = auth.config().api_url;
    // One call at a time: the buttons are disabled while one runs. The action owns the
    // result, so an answer that arrives after the page is gone goes nowhere.
    let call = Action::new_local(move |endpoint: &Endpoint| {
        let endpoint = *endpoint;
        let http = auth.http();
        let url = format!("{}{}", auth.config().api_url, endpoint.path());
        let options = if endpoint.needs_login() {
            RequestOptions::default()
        } else {
            RequestOptions::default().allow_anonymous()
        };
        async move {
            http.get_with::<ApiMessage>(&url, &options)
                .await
                .map(|body| body.message)
        }
    });
    let pending = call.pending();
    let outcome = call.value();
    let button = move |endpoint: Endpoint| {
        let disabled =
            move || pending.get() || (endpoint.needs_login() && !auth.is_authenticated());
        view! {
            <button class="button primary" type="button" disabled=disabled on:click=move |_| {
                call.dispatch_local(endpoint);
            }>{endpoint.label()}</button>
        }
    };
    let result = move || {
        if pending.get() {
            return view! { <Spinner label="Calling the API…"/> }.into_any();
        }
        match outcome.get() {
            None => ().into_any(),
            Some(Ok(message)) => view! {
                <div class="result">
                    <h2>"Result"</h2>
                    <p class="message">{message}</p>
                </div>
            }
            .into_any(),
            Some(Err(error)) => {
                let CallFailure {
                    sentence,
                    offer_login,
                } = explain(&error, &api_url);
                view! {
                    <div class="alert" role="alert">
                        <p>{sentence}</p>
                        <Show when=move || offer_login>
                            <button class="button" type="button" on:click=move |_| auth.login()>
                                "Log in again"
                            </button>
                        </Show>
                    </div>
                }
                .into_any()
            }
        }
    };
    view! {
        <section class="card">
            <h1>"Make a Call to the Server"</h1>
            <p>
                "Call the public endpoint without logging in. The private endpoints need an access token; "
                "the scoped one also needs the "<code>"read:messages"</code>" permission."
            </p>
            <div class="button-row">
                {button(Endpoint::Public)}
                {button(Endpoint::Private)}
                {button(Endpoint::PrivateScoped)}
            </div>
            // Present from the start, so screen readers follow it: busy while a call runs,
            // then the message or the error.
            <div class="outcome" aria-live="polite" aria-busy=move || pending.get().to_string()>
                {result}
            </div>
        </section>
        <Show when=move || auth.is_authenticated()>
            <TokenInspector/>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insufficient_scope_names_the_permission() {
        let error = AuthHttpError::Forbidden {
            error: Some("insufficient_scope".into()),
            scope: Some("read:messages".into()),
            description: None,
        };
        let CallFailure {
            sentence,
            offer_login,
        } = explain(&error, "http://api");
        assert!(sentence.contains("read:messages") && sentence.contains("permission"));
        assert!(!offer_login);
    }

    #[test]
    fn rejected_token_offers_a_new_login() {
        let error = AuthHttpError::Unauthorized {
            error: Some("invalid_token".into()),
            description: None,
        };
        let CallFailure {
            sentence,
            offer_login,
        } = explain(&error, "http://api");
        assert!(sentence.contains("invalid_token"));
        assert!(offer_login);
    }
}
