//! `<AuthProvider>` and `use_auth()`: one [`AuthService`] for the whole component tree.

use leptos::prelude::*;

use crate::config::AuthConfig;
use crate::service::AuthService;

/// Provides the [`AuthService`] for `config` to its children; read it with [`use_auth`].
///
/// Render it once, near the root, around the router.
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

/// The [`AuthService`] provided by the nearest `<AuthProvider>`.
///
/// # Panics
/// When called outside the component tree under `<AuthProvider>`, a programming error.
pub fn use_auth() -> AuthService {
    // Leptos 0.8's `expect_context` takes no message; this one names the missing provider.
    use_context::<AuthService>().unwrap_or_else(|| {
        panic!("use_auth() found no AuthService: render this component inside <AuthProvider>")
    })
}
