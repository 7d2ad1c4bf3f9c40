//! Shows what is inside the access token: header and claims, `aud`, `scope` and `exp` with the
//! time left. The raw token appears only on request.

use std::time::Duration;

use leptos::prelude::*;
use oidc_protocol::{AudienceClaim, UnverifiedJwt};
use serde::Deserialize;

use crate::browser::now_ms;
use crate::components::JsonBlock;
use crate::provider::use_auth;

/// "4 min 05 s left" style rendering of a remaining duration; "expired" when none is left.
pub fn time_left(exp_secs: u64, now_ms: u64) -> String {
    let left = exp_secs.saturating_sub(now_ms / 1000);
    if left == 0 {
        return "expired".to_owned();
    }
    let (hours, minutes, seconds) = (left / 3600, left % 3600 / 60, left % 60);
    if hours > 0 {
        format!("{hours} h {minutes:02} min left")
    } else {
        format!("{minutes} min {seconds:02} s left")
    }
}

/// The claims the Auth0 tutorial asks the reader to take note of.
#[derive(Default, Deserialize)]
struct NotableClaims {
    #[serde(default)]
    aud: Option<AudienceClaim>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    exp: Option<u64>,
}

/// The inspector for the current session's access token. Decodes without verifying (the API
/// verifies); shows the header's `alg` and `kid`, the notable claims, both JSON documents, and
/// the raw token only after a click.
#[component]
pub fn TokenInspector() -> impl IntoView {
    let auth = use_auth();
    let (show_raw, set_show_raw) = signal(false);
    let (now, set_now) = signal(now_ms());
    if let Ok(handle) =
        set_interval_with_handle(move || set_now.set(now_ms()), Duration::from_secs(1))
    {
        on_cleanup(move || handle.clear());
    }
    let inspected = move || {
        auth.session()
            .map(|session| session.access_token().secret().to_owned())
    };
    view! {
        <section class="card inspector" aria-labelledby="inspector-title">
            <h2 id="inspector-title">"Your access token"</h2>
            {move || {
                let Some(raw) = inspected() else {
                    return view! { <p>"No access token."</p> }.into_any();
                };
                let Ok(jwt) = UnverifiedJwt::parse(&raw) else {
                    return view! {
                        <p>"The access token is not a JWT, so there is nothing to decode."</p>
                    }
                    .into_any();
                };
                // The header comes from the strict parser above; the claims through
                // jsonwebtoken's unverified decode (this view verifies nothing: the API does).
                let notable: NotableClaims =
                    jsonwebtoken::dangerous::insecure_decode_claims(&raw).unwrap_or_default();
                let algorithm = jwt.algorithm().unwrap_or("(none)").to_owned();
                let key_id = jwt.key_id().unwrap_or("(none)").to_owned();
                let audiences = notable
                    .aud
                    .as_ref()
                    .map_or_else(|| "(none)".to_owned(), AudienceClaim::joined);
                let scope = notable.scope.unwrap_or_else(|| "(none)".to_owned());
                let exp = notable.exp;
                let header_json = jwt.header_json().to_owned();
                let payload_json = jwt.payload_json().to_owned();
                view! {
                    <dl class="claims">
                        <dt>"alg"</dt><dd>{algorithm}</dd>
                        <dt>"kid"</dt><dd>{key_id}</dd>
                        <dt>"aud"</dt><dd>{audiences}</dd>
                        <dt>"scope"</dt><dd>{scope}</dd>
                        <dt>"exp"</dt>
                        <dd>{move || match exp {
                            Some(exp) => format!("{exp} ({})", time_left(exp, now.get())),
                            None => "(none)".to_owned(),
                        }}</dd>
                    </dl>
                    <details>
                        <summary>"Header and claims"</summary>
                        <h3>"Header"</h3>
                        <JsonBlock text=header_json/>
                        <h3>"Claims"</h3>
                        <JsonBlock text=payload_json/>
                    </details>
                    <button class="button" type="button" aria-expanded=move || show_raw.get().to_string()
                        on:click=move |_| set_show_raw.update(|shown| *shown = !*shown)>
                        {move || if show_raw.get() { "Hide raw token" } else { "Show raw token" }}
                    </button>
                    <Show when=move || show_raw.get()>
                        <pre class="raw-token">{raw.clone()}</pre>
                    </Show>
                }
                .into_any()
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_is_readable() {
        assert_eq!(time_left(1_000, 1_000_000), "expired");
        assert_eq!(time_left(900, 1_000_000), "expired");
        assert_eq!(time_left(1_065, 1_000_000), "1 min 05 s left");
        assert_eq!(time_left(1_000 + 7_260, 1_000_000), "2 h 01 min left");
    }
}
