//! Logout: Auth0's `/v2/logout` and OIDC RP-Initiated Logout's `/oidc/logout`. Ending a
//! session also revokes the refresh-token families started in it. Both redirect only to a
//! logout URL registered byte-exact, else show a page.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use oidc_protocol::ClientId;
use oidc_protocol::constant_time::constant_time_eq;
use serde::Deserialize;

use crate::config::TenantConfig;
use crate::cookies::{self, SESSION_COOKIE};
use crate::pages::{self, LogoutConfirmation};
use crate::redirect;
use crate::state::{AppState, SharedState};
use crate::store::Session;
use crate::tokens::read_id_token_hint;

/// Query of `/v2/logout`.
#[derive(Debug, Deserialize)]
pub struct Auth0LogoutQuery {
    client_id: Option<ClientId>,
    #[serde(rename = "returnTo")]
    return_to: Option<String>,
}

/// Parameters of `/oidc/logout`, from the query of a GET or the form of a POST; the
/// confirmation form adds `confirmation`. No `Debug`: the hint and the confirmation token are
/// credentials.
#[derive(Deserialize)]
pub struct OidcLogoutRequest {
    client_id: Option<ClientId>,
    post_logout_redirect_uri: Option<String>,
    id_token_hint: Option<String>,
    state: Option<String>,
    confirmation: Option<String>,
}

/// `GET /v2/logout?client_id=...&returnTo=...`. Without `client_id`, `returnTo` may be any
/// client's logout URL (Auth0's tenant-level allow list); with `client_id` and no `returnTo`,
/// the client's first logout URL is used, as Auth0 does. Like Auth0's, it logs out at once.
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
            None => logged_out(&state.config, cleared),
        };
    };
    let allowed = match &client_id {
        Some(client_id) => match state.config.client(client_id.as_str()) {
            Some(client) => client.logout_urls.contains(&return_to),
            None => {
                return refused(
                    &state.config,
                    Some(cleared),
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
            Some(cleared),
            "The returnTo URL is not an allowed logout URL (it must match exactly).",
        );
    }
    redirect::found(&return_to, Some(cleared))
}

/// `GET /oidc/logout` (OIDC RP-Initiated Logout 1.0 section 2).
pub async fn oidc_logout(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Query(request): Query<OidcLogoutRequest>,
) -> Response {
    oidc_logout_request(&state, &headers, request)
}

/// `POST /oidc/logout`: a logout request sent as a form, which section 2 allows too, or the
/// confirmation form of [`pages::logout_confirmation_page`].
pub async fn oidc_logout_form(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Form(request): Form<OidcLogoutRequest>,
) -> Response {
    oidc_logout_request(&state, &headers, request)
}

/// Where a valid logout request goes, and for whom.
struct Destination {
    client_id: Option<ClientId>,
    /// The registered logout URL the client named, without `state`.
    redirect_uri: Option<String>,
    state: Option<String>,
}

impl Destination {
    fn location(&self) -> Option<String> {
        let redirect_uri = self.redirect_uri.as_ref()?;
        match (&self.state, url::Url::parse(redirect_uri)) {
            (Some(logout_state), Ok(mut url)) => {
                url.query_pairs_mut().append_pair("state", logout_state);
                Some(String::from(url))
            }
            _ => Some(redirect_uri.clone()),
        }
    }
}

/// Ends the session at once when the request proves it comes from the session's own client: an
/// ID token of this session as `id_token_hint`, or the confirmation form's token. Otherwise a
/// browser with a session is asked first, since any page can send it here; section 2 says the
/// OP MUST ask when the hint is missing or belongs to another session. A request refused for
/// its parameters ends nothing.
fn oidc_logout_request(
    state: &AppState,
    headers: &HeaderMap,
    request: OidcLogoutRequest,
) -> Response {
    let hint = match request
        .id_token_hint
        .as_deref()
        .filter(|hint| !hint.is_empty())
    {
        Some(hint) => match read_id_token_hint(&state.config, &state.keys, hint) {
            Ok(hint) => Some(hint),
            Err(_) => {
                return refused(
                    &state.config,
                    None,
                    "The id_token_hint was not issued by this tenant.",
                );
            }
        },
        None => None,
    };
    let client_id = request
        .client_id
        .filter(|client_id| !client_id.as_str().is_empty());
    if let (Some(hinted), Some(given)) = (&hint, &client_id)
        && hinted.client_id != *given
    {
        return refused(
            &state.config,
            None,
            "The client_id does not match the id_token_hint.",
        );
    }
    let client_id = client_id.or_else(|| hint.as_ref().map(|hint| hint.client_id.clone()));
    let redirect_uri = request
        .post_logout_redirect_uri
        .filter(|url| !url.is_empty());
    if let Some(redirect_uri) = &redirect_uri {
        let Some(client) = client_id
            .as_ref()
            .and_then(|client_id| state.config.client(client_id.as_str()))
        else {
            return refused(
                &state.config,
                None,
                "A post_logout_redirect_uri needs a registered client_id or an id_token_hint.",
            );
        };
        if !client.logout_urls.contains(redirect_uri) {
            return refused(
                &state.config,
                None,
                "The post_logout_redirect_uri is not an allowed logout URL (it must match exactly).",
            );
        }
    }
    let destination = Destination {
        client_id,
        redirect_uri,
        state: request.state,
    };
    let session =
        cookies::read(headers, SESSION_COOKIE).and_then(|id| state.store.session(id, state.now()));
    let Some(session) = session else {
        // No session, nothing another page could end: go where the client asked.
        return finish(state, headers, &destination);
    };
    let hint_is_this_session = hint
        .and_then(|hint| hint.sid)
        .is_some_and(|sid| constant_time_eq(sid.as_bytes(), session.sid.as_bytes()));
    if hint_is_this_session {
        return finish(state, headers, &destination);
    }
    match request.confirmation {
        None => confirm(state, &session, &destination),
        Some(token) if constant_time_eq(token.as_bytes(), session.logout_token.as_bytes()) => {
            finish(state, headers, &destination)
        }
        Some(_) => pages::html(
            StatusCode::FORBIDDEN,
            pages::error_page(
                &state.config,
                "Logout refused",
                "The logout form could not be verified. You are still logged in.",
            ),
        ),
    }
}

/// The page asking whether to log out.
fn confirm(state: &AppState, session: &Session, destination: &Destination) -> Response {
    let view = LogoutConfirmation {
        token: &session.logout_token,
        client_id: destination.client_id.as_ref().map(ClientId::as_str),
        post_logout_redirect_uri: destination.redirect_uri.as_deref(),
        state: destination.state.as_deref(),
    };
    pages::html(
        StatusCode::OK,
        pages::logout_confirmation_page(&state.config, &view),
    )
}

/// Ends the session and goes to the destination, or shows that the user is logged out.
fn finish(state: &AppState, headers: &HeaderMap, destination: &Destination) -> Response {
    let cleared = end_session(state, headers);
    match destination.location() {
        Some(location) => redirect::found(&location, Some(cleared)),
        None => logged_out(&state.config, cleared),
    }
}

/// Ends the browser's session, if any, with its refresh tokens, and returns the cookie that
/// clears it.
fn end_session(state: &AppState, headers: &HeaderMap) -> HeaderValue {
    if let Some(id) = cookies::read(headers, SESSION_COOKIE) {
        state.store.end_session(id);
    }
    cookies::clear(SESSION_COOKIE, "/")
}

fn with_cookie(mut response: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(cookie) = cookie {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    response
}

fn logged_out(config: &TenantConfig, cleared: HeaderValue) -> Response {
    with_cookie(
        pages::html(StatusCode::OK, pages::logged_out_page(config)),
        Some(cleared),
    )
}

fn refused(config: &TenantConfig, cleared: Option<HeaderValue>, explanation: &str) -> Response {
    with_cookie(
        pages::html(
            StatusCode::BAD_REQUEST,
            pages::error_page(config, "Logout redirect refused", explanation),
        ),
        cleared,
    )
}
