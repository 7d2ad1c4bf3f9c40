//! The quickstart app: log in with Auth0 (or the local dev tenant) and call a protected API,
//! built on `leptos-auth0` and routed with leptos_router.

pub mod components;
pub mod pages;
pub mod routes;

use leptos::prelude::*;
use leptos_auth0::components::Spinner;
use leptos_auth0::{AuthConfig, AuthProvider};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::components::{ConfigErrorView, NavBar};
use crate::pages::{CallbackPage, HomePage, NotFoundPage, PingPage, ProfilePage};
pub use crate::routes::AppRoute;

/// The whole app: loads `auth_config.json`, then renders the routes or says what to fix.
#[component]
pub fn App() -> impl IntoView {
    let config = LocalResource::new(AuthConfig::load);
    view! {
        <Suspense fallback=|| view! { <Spinner label="Loading configuration…"/> }>
            {move || {
                config
                    .get()
                    .map(|loaded| match loaded {
                        Ok(config) => view! { <ConfiguredApp config=config/> }.into_any(),
                        Err(error) => view! { <ConfigErrorView error=error/> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

/// The app for a valid configuration: the auth provider, the nav bar and the routed pages.
#[component]
pub fn ConfiguredApp(
    /// The validated configuration.
    config: AuthConfig,
) -> impl IntoView {
    view! {
        <AuthProvider config=config>
            <Router>
                <AppRoutes/>
            </Router>
        </AuthProvider>
    }
}

/// Nav bar and the page for the current route; needs a `<Router>` and an `<AuthProvider>`.
#[component]
pub fn AppRoutes() -> impl IntoView {
    view! {
        <NavBar/>
        <main class="container">
            <Routes fallback=NotFoundPage>
                <Route path=path!("/") view=HomePage/>
                <Route path=path!("/ping") view=PingPage/>
                <Route path=path!("/profile") view=ProfilePage/>
                <Route path=path!("/callback") view=CallbackPage/>
            </Routes>
        </main>
    }
}
