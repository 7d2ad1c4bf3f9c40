//! `/u/login`: the login page and its form post, CSRF-protected by a per-transaction token that
//! must also come back in a cookie (double submit), so another site cannot log a browser in.
//! Only `/authorize` sets that cookie, so the page and the form work only in the browser that
//! started the login. The post carries either a user's email and password, or `pick`, the email
//! of a listed development user, which the page's one-click buttons send: the same checks of
//! the transaction and the CSRF token apply to both.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use oidc_protocol::constant_time::constant_time_eq;
use serde::Deserialize;

use crate::authorization_response;
use crate::cookies::{self, LOGIN_PATH, SESSION_COOKIE, csrf_cookie_name};
use crate::pages::{self, LoginView};
use crate::state::{AppState, SharedState};
use crate::store::LoginTransaction;

/// Query of `GET /u/login`.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    /// The login transaction id.
    #[serde(default)]
    state: String,
}

/// Body of `POST /u/login`. Every field defaults to empty so a tampered form gets our own page.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    state: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    /// A listed user to log in as without a password: the page lists every password anyway.
    #[serde(default)]
    pick: String,
}

/// `GET /u/login?state=...`: the login form, for the browser holding the login's CSRF cookie.
pub async fn show(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Query(query): Query<LoginQuery>,
) -> Response {
    let Some(transaction) = state.store.login(&query.state, state.now()) else {
        return expired_page(&state);
    };
    if !holds_csrf_cookie(&headers, &query.state, &transaction) {
        return pages::html(
            StatusCode::FORBIDDEN,
            pages::error_page(
                &state.config,
                "Login refused",
                "This login was started in another browser, or its cookie is missing. Start the login again from the application.",
            ),
        );
    }
    let email = transaction.request.login_hint.clone().unwrap_or_default();
    render(&state, &query.state, &transaction, &email, false)
}

/// `POST /u/login`: checks CSRF, then the credentials or the picked user; on success starts a
/// session and completes the authorization.
pub async fn submit(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let Some(transaction) = state.store.login(&form.state, state.now()) else {
        return expired_page(&state);
    };
    let csrf_cookie = csrf_cookie_name(&form.state);
    let csrf_ok = !form.csrf.is_empty()
        && constant_time_eq(form.csrf.as_bytes(), transaction.csrf_token.as_bytes())
        && holds_csrf_cookie(&headers, &form.state, &transaction);
    if !csrf_ok {
        return pages::html(
            StatusCode::FORBIDDEN,
            pages::error_page(
                &state.config,
                "Login refused",
                "The login form could not be verified (missing or wrong CSRF token). Start the login again from the application.",
            ),
        );
    }
    let user = if form.pick.is_empty() {
        state
            .config
            .user(&form.username)
            .filter(|user| constant_time_eq(user.password.as_bytes(), form.password.as_bytes()))
    } else if form.username.is_empty() && form.password.is_empty() {
        state.config.user(&form.pick)
    } else {
        // A form is a pick or a password login, never both: a mix came from no page of ours.
        None
    };
    let Some(user) = user else {
        return render(&state, &form.state, &transaction, &form.username, true);
    };
    let Some(transaction) = state.store.finish_login(&form.state, state.now()) else {
        return expired_page(&state);
    };
    let lifetime = state.config.session_lifetime.as_secs();
    let (session_id, session) = state
        .store
        .create_session(&user.email, lifetime, state.now());
    let cookie = cookies::set(
        SESSION_COOKIE,
        &session_id,
        "/",
        lifetime,
        state.secure_cookies(),
    );
    let mut response =
        authorization_response::complete(&state, &transaction.request, &session, Some(cookie));
    response
        .headers_mut()
        .append(SET_COOKIE, cookies::clear(&csrf_cookie, LOGIN_PATH));
    response
}

fn render(
    state: &AppState,
    id: &str,
    transaction: &LoginTransaction,
    email: &str,
    wrong_credentials: bool,
) -> Response {
    let client_name = state
        .config
        .client(transaction.request.client_id.as_str())
        .map(|client| {
            if client.name.is_empty() {
                client.client_id.as_str()
            } else {
                client.name.as_str()
            }
        })
        .unwrap_or_default();
    let body = pages::login_page(
        &state.config,
        &LoginView {
            transaction: id,
            csrf_token: &transaction.csrf_token,
            client_name,
            email,
            wrong_credentials,
        },
    );
    let status = if wrong_credentials {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    pages::html(status, body)
}

/// Whether the request carries the CSRF cookie `/authorize` set for login `id`.
fn holds_csrf_cookie(headers: &HeaderMap, id: &str, transaction: &LoginTransaction) -> bool {
    let cookie = cookies::read(headers, &csrf_cookie_name(id)).unwrap_or_default();
    !cookie.is_empty() && constant_time_eq(cookie.as_bytes(), transaction.csrf_token.as_bytes())
}

fn expired_page(state: &AppState) -> Response {
    pages::html(
        StatusCode::BAD_REQUEST,
        pages::error_page(
            &state.config,
            "Login expired",
            "This login page is no longer valid. Go back to the application and log in again.",
        ),
    )
    .into_response()
}
