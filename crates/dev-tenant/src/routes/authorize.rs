//! `GET /authorize`: validate, then answer from the session, send to the login page, or
//! redirect back with an error (RFC 6749 4.1.2.1).

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use crate::authorization_response;
use crate::authorize::{AuthorizeRejection, AuthorizeRequest, Prompt, UntrustedRedirect};
use crate::cookies::{self, LOGIN_PATH, SESSION_COOKIE};
use crate::pages;
use crate::redirect;
use crate::state::{AppState, SharedState};
use crate::store::LOGIN_LIFETIME_SECONDS;

/// `GET /authorize`.
pub async fn authorize(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let request = match AuthorizeRequest::parse(&state.config, pairs) {
        Ok(request) => request,
        Err(AuthorizeRejection::Untrusted(reason)) => return untrusted_page(&state, reason),
        Err(AuthorizeRejection::Redirect {
            target,
            error,
            description,
        }) => {
            return authorization_response::respond_error(&target, error, &description, None);
        }
    };
    // A session is too old once max_age seconds have started to elapse, so max_age=0 always asks
    // for a fresh login, as Auth0 does. The sum saturates: max_age comes from the request and
    // may be as large as u64 allows.
    let current = state.now();
    let session = cookies::read(&headers, SESSION_COOKIE)
        .and_then(|id| state.store.session(id, current))
        .filter(|session| {
            request
                .max_age
                .is_none_or(|max_age| session.auth_time.saturating_add(max_age) > current)
        });
    match (request.prompt, session) {
        (Prompt::None, None) => authorization_response::respond_error(
            &request.target,
            "login_required",
            "Login required",
            None,
        ),
        (Prompt::Login, _) | (Prompt::Default, None) => begin_login(&state, request),
        (Prompt::None | Prompt::Default, Some(session)) => {
            authorization_response::complete(&state, &request, &session, None)
        }
    }
}

/// Starts a login and sends the browser to the login page with the login's CSRF cookie. The
/// cookie is set here and nowhere else, so the login is bound to the browser that started it:
/// a page that learned the transaction id elsewhere (another port on localhost is same-site,
/// so `SameSite` does not help) cannot plant the cookie by loading the login page.
fn begin_login(state: &AppState, request: AuthorizeRequest) -> Response {
    let (transaction, pending) =
        state
            .store
            .begin_login(request, LOGIN_LIFETIME_SECONDS, state.now());
    let cookie = cookies::set(
        &cookies::csrf_cookie_name(&transaction),
        &pending.csrf_token,
        LOGIN_PATH,
        LOGIN_LIFETIME_SECONDS,
        state.secure_cookies(),
    );
    redirect::found(&format!("{LOGIN_PATH}?state={transaction}"), Some(cookie))
}

fn untrusted_page(state: &AppState, reason: UntrustedRedirect) -> Response {
    let explanation = match reason {
        UntrustedRedirect::MissingClientId => "The request has no client_id.",
        UntrustedRedirect::UnknownClient => "The client_id is not registered with this tenant.",
        UntrustedRedirect::MissingRedirectUri => "The request has no redirect_uri.",
        UntrustedRedirect::UnregisteredRedirectUri => {
            "The redirect_uri is not one of this client's callback URLs (they must match exactly)."
        }
        UntrustedRedirect::RepeatedParameter => "client_id or redirect_uri appears more than once.",
        UntrustedRedirect::UnregisteredWebOrigin => {
            "response_mode=web_message needs the redirect_uri's origin to be one of this client's allowed web origins."
        }
        UntrustedRedirect::Oversized => {
            "The request is too long: at most 8 KiB of parameters, and client_id and redirect_uri at most 2 KiB each."
        }
    };
    pages::html(
        StatusCode::BAD_REQUEST,
        pages::error_page(&state.config, "Invalid authorization request", explanation),
    )
}
