//! The SPA: log in with Auth0 (or the local dev tenant) and call a protected API.

pub mod auth;
pub mod components;
pub mod config;
pub mod http;
pub mod navigation;
pub mod pages;

use leptos::prelude::*;

use crate::auth::AuthService;
use crate::components::{ConfigErrorView, NavBar, Spinner};
use crate::config::{AuthConfig, ConfigError};
pub use crate::navigation::AppRoute;
use crate::navigation::provide_navigator;
use crate::pages::{CallbackPage, HomePage, NotFoundPage, PingPage, ProfilePage};

/// The whole app: loads `auth_config.json`, then renders the routes or says what to fix.
///
/// A signal filled by one task rather than a `LocalResource` + `<Suspense>`: the configuration
/// is read exactly once, and leaving out the async-resource machinery keeps the download small.
#[component]
pub fn App() -> impl IntoView {
    let (config, set_config) = signal(None::<Result<AuthConfig, ConfigError>>);
    leptos::task::spawn_local(async move { set_config.set(Some(AuthConfig::load().await)) });
    move || match config.get() {
        None => view! { <Spinner label="Loading configuration…"/> }.into_any(),
        Some(Ok(config)) => view! {
            <AuthProvider config=config>
                <AppRoutes/>
            </AuthProvider>
        }
        .into_any(),
        Some(Err(error)) => view! { <ConfigErrorView error=error/> }.into_any(),
    }
}

/// Provides the [`AuthService`] for `config` to its children (read it with `use_auth()`).
#[component]
pub fn AuthProvider(
    /// The validated configuration.
    config: AuthConfig,
    /// The part of the app that may use `use_auth()`.
    children: Children,
) -> impl IntoView {
    provide_context(AuthService::new(config));
    children()
}

/// Nav bar and the page for the current route.
#[component]
pub fn AppRoutes() -> impl IntoView {
    let navigator = provide_navigator();
    let route = Memo::new(move |_| navigator.route());
    view! {
        <NavBar/>
        <main class="container">
            {move || match route.get() {
                AppRoute::Home => view! { <HomePage/> }.into_any(),
                AppRoute::Ping => view! { <PingPage/> }.into_any(),
                AppRoute::Profile => view! { <ProfilePage/> }.into_any(),
                AppRoute::Callback => view! { <CallbackPage/> }.into_any(),
                AppRoute::NotFound => view! { <NotFoundPage/> }.into_any(),
            }}
        </main>
    }
}
