//! The SPA: log in with Auth0 (or the local dev tenant) and call a protected API.

pub mod auth;
pub mod components;
pub mod config;
pub mod http;
pub mod pages;

use leptos::prelude::*;
use leptos_router::StaticSegment;
use leptos_router::components::{Route, Router, Routes};

use crate::auth::AuthService;
use crate::components::{ConfigErrorView, NavBar, Spinner};
use crate::config::{AuthConfig, ConfigError};
use crate::pages::{CallbackPage, HomePage, NotFoundPage, PingPage, ProfilePage};

/// The routes of the app, so paths are not strings spread around.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppRoute {
    /// `/`
    Home,
    /// `/ping`
    Ping,
    /// `/profile`
    Profile,
    /// `/callback`, where the tenant sends the user back.
    Callback,
}

impl AppRoute {
    /// The path segment after `/`.
    pub const fn segment(self) -> &'static str {
        match self {
            Self::Home => "",
            Self::Ping => "ping",
            Self::Profile => "profile",
            Self::Callback => "callback",
        }
    }

    /// The absolute path, for links.
    pub const fn path(self) -> &'static str {
        match self {
            Self::Home => "/",
            Self::Ping => "/ping",
            Self::Profile => "/profile",
            Self::Callback => "/callback",
        }
    }
}

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

/// Nav bar and routed pages.
#[component]
pub fn AppRoutes() -> impl IntoView {
    view! {
        <Router>
            <NavBar/>
            <main class="container">
                <Routes fallback=NotFoundPage>
                    <Route path=StaticSegment(AppRoute::Home.segment()) view=HomePage/>
                    <Route path=StaticSegment(AppRoute::Ping.segment()) view=PingPage/>
                    <Route path=StaticSegment(AppRoute::Profile.segment()) view=ProfilePage/>
                    <Route path=StaticSegment(AppRoute::Callback.segment()) view=CallbackPage/>
                </Routes>
            </main>
        </Router>
    }
}
