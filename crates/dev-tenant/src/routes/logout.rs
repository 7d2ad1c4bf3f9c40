//! Logout: Auth0's `/v2/logout` and OIDC RP-Initiated Logout's `/oidc/logout`. Both end the
//! session, then redirect only to a logout URL registered byte-exact, else show a page.

use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use oidc_protocol::ClientId;
use serde::Deserialize;

use crate::config::TenantConfig;
use crate::cookies::{self, SESSION_COOKIE};
use crate::pages;
use crate::redirect;
use crate::state::{AppState, SharedState};
use crate::tokens::id_token_hint_client;

/// Query of `/v2/logout`.
#[derive(Debug, Deserialize)]
pub struct Auth0LogoutQuery {
    client_id: Option<ClientId>,
    #[serde(rename = "returnTo")]
    return_to: Option<String>,
}

/// Query of `/oidc/logout`.
#[derive(Debug, Deserialize)]
pub struct OidcLogoutQuery {
    client_id: Option<ClientId>,
    post_logout_redirect_uri: Option<String>,
    id_token_hint: Option<String>,
    state: Option<String>,
}

/// `GET /v2/logout?client_id=...&returnTo=...`. Without `client_id`, `returnTo` may be any
/// client's logout URL (Auth0's tenant-level allow list); with `client_id` and no `returnTo`,
/// the client's first logout URL is used, as Auth0 does.
pub async fn auth0_logout(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Query(query): Query<Auth0LogoutQuery>,
) -> Response {
    let cleared = end_session(&state, &headers);
    let client_id = query
        .client_id
        .filter(|client_id| !client_id.as_str().is_empty());
    let Some(return_to) = query.return_to.filter(|url| !url.is_empty()) else {
        // Auth0 sends a client that names itself but no returnTo to its first logout URL; this
        // is where auth0-spa-js's `logout()` without `returnTo` lands.
        let first_logout_url = client_id
            .as_ref()
            .and_then(|client_id| state.config.client(client_id.as_str()))
            .and_then(|client| client.logout_urls.first());
        return match first_logout_url {
            Some(url) => redirect::found(url, Some(cleared)),
            None => with_cookie(
                pages::html(StatusCode::OK, pages::logged_out_page(&state.config)),
                cleared,
            ),
        };
    };
    let allowed = match &client_id {
        Some(client_id) => match state.config.client(client_id.as_str()) {
            Some(client) => client.logout_urls.contains(&return_to),
            None => {
                return refused(
                    &state.config,
                    cleared,
                    "The client_id is not registered with this tenant.",
                );
            }
        },
        None => state
            .config
            .clients
            .iter()
            .any(|client| client.logout_urls.contains(&return_to)),
    };
    if !allowed {
        return refused(
            &state.config,
            cleared,
            "The returnTo URL is not an allowed logout URL (it must match exactly).",
        );
    }
    redirect::found(&return_to, Some(cleared))
}

/// `GET /oidc/logout` (OIDC RP-Initiated Logout 1.0 section 2).
pub async fn oidc_logout(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Query(query): Query<OidcLogoutQuery>,
) -> Response {
    let cleared = end_session(&state, &headers);
    let hinted_client = match query
        .id_token_hint
        .as_deref()
        .filter(|hint| !hint.is_empty())
    {
        Some(hint) => match id_token_hint_client(&state.config, &state.keys, hint) {
            Ok(client_id) => Some(client_id),
            Err(_) => {
                return refused(
                    &state.config,
                    cleared,
                    "The id_token_hint was not issued by this tenant.",
                );
            }
        },
        None => None,
    };
    let client_id = query
        .client_id
        .filter(|client_id| !client_id.as_str().is_empty());
    if let (Some(hinted), Some(given)) = (&hinted_client, &client_id)
        && hinted != given
    {
        return refused(
            &state.config,
            cleared,
            "The client_id does not match the id_token_hint.",
        );
    }
    let Some(redirect_uri) = query.post_logout_redirect_uri.filter(|url| !url.is_empty()) else {
        return with_cookie(
            pages::html(StatusCode::OK, pages::logged_out_page(&state.config)),
            cleared,
        );
    };
    let Some(client) = client_id
        .or(hinted_client)
        .and_then(|client_id| state.config.client(client_id.as_str()))
    else {
        return refused(
            &state.config,
            cleared,
            "A post_logout_redirect_uri needs a registered client_id or an id_token_hint.",
        );
    };
    if !client.logout_urls.contains(&redirect_uri) {
        return refused(
            &state.config,
            cleared,
            "The post_logout_redirect_uri is not an allowed logout URL (it must match exactly).",
        );
    }
    let location = match (query.state, url::Url::parse(&redirect_uri)) {
        (Some(logout_state), Ok(mut url)) => {
            url.query_pairs_mut().append_pair("state", &logout_state);
            String::from(url)
        }
        _ => redirect_uri,
    };
    redirect::found(&location, Some(cleared))
}

/// Ends the browser's session, if any, and returns the cookie that clears it.
fn end_session(state: &AppState, headers: &HeaderMap) -> HeaderValue {
    if let Some(id) = cookies::read(headers, SESSION_COOKIE) {
        state.store.end_session(id);
    }
    cookies::clear(SESSION_COOKIE, "/")
}

fn with_cookie(mut response: Response, cookie: HeaderValue) -> Response {
    response.headers_mut().append(SET_COOKIE, cookie);
    response
}

fn refused(config: &TenantConfig, cleared: HeaderValue, explanation: &str) -> Response {
    with_cookie(
        pages::html(
            StatusCode::BAD_REQUEST,
            pages::error_page(config, "Logout redirect refused", explanation),
        ),
        cleared,
    )
}
