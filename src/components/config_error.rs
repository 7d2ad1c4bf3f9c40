//! The page shown instead of the app when `auth_config.json` is missing or invalid.

use leptos::prelude::*;

use leptos_auth0::{CONFIG_PATH, ConfigError, FieldProblem};

/// Explains which part of the configuration to fix.
#[component]
pub fn ConfigErrorView(
    /// What went wrong while loading the configuration.
    error: ConfigError,
) -> impl IntoView {
    let explanation = match &error {
        ConfigError::Fetch(_) => {
            format!("{CONFIG_PATH} could not be loaded. Is the file next to index.html?")
        }
        ConfigError::Status(status) => {
            format!(
                "{CONFIG_PATH} could not be loaded (HTTP status {status}). Is the file next to index.html?"
            )
        }
        ConfigError::Json(_) => format!("{CONFIG_PATH} is not valid JSON."),
        ConfigError::NoProvider => format!(
            "{CONFIG_PATH} names no login service: set \"domain\" to your Auth0 tenant, or \"issuer\" to the issuer of any OpenID Connect provider."
        ),
        ConfigError::ConflictingProviders { first, second } => format!(
            "{CONFIG_PATH} sets both \"{first}\" and \"{second}\": keep one, \"domain\" for an Auth0 tenant or \"issuer\" for any OpenID Connect provider."
        ),
        ConfigError::Field {
            field,
            problem: FieldProblem::Missing,
        } => {
            format!("The field \"{field}\" in {CONFIG_PATH} is missing or empty.")
        }
        ConfigError::Field {
            field,
            problem: FieldProblem::Invalid(expected),
        } => {
            format!("The field \"{field}\" in {CONFIG_PATH} is invalid: expected {expected}.")
        }
    };
    view! {
        <main class="container">
            <h1>"The app is not configured"</h1>
            <div class="alert" role="alert">{explanation}</div>
            <p>
                "Fix the file and reload the page. It needs "
                <code>"domain"</code>" (an Auth0 tenant) or "<code>"issuer"</code>
                " (any OpenID Connect provider), "<code>"clientId"</code>" and "
                <code>"audience"</code>"; "<code>"scope"</code>", "<code>"apiUrl"</code>", "
                <code>"redirectUri"</code>", "<code>"responseType"</code>", "
                <code>"logout"</code>", "<code>"useRefreshTokens"</code>", "
                <code>"renewBeforeSeconds"</code>" and "<code>"useSilentRenewalFallback"</code>
                " are optional."
            </p>
        </main>
    }
}
