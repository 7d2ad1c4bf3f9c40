//! `GET /authorize`: validate, then answer from the session, send to the login page, or
//! redirect back with an error (RFC 6749 4.1.2.1).

use axum::extract::{RawQuery, State};
use axum::http::header::{CACHE_CONTROL, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::authorize::{
    AuthorizeRejection, AuthorizeRequest, Prompt, RedirectTarget, ResponseMode, ResponseType,
    UntrustedRedirect,
};
use crate::clock::now;
use crate::cookies::{self, SESSION_COOKIE};
use crate::grant::{Grant, granted_scopes};
use crate::identifiers::Audience;
use crate::pages;
use crate::state::{AppState, SharedState};
use crate::store::{CodeRecord, LOGIN_LIFETIME_SECONDS, Session};
use crate::tokens::mint;

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
            return respond_error(&target, error, &description, None);
        }
    };
    // A session is too old once max_age seconds have started to elapse, so max_age=0 always asks
    // for a fresh login, as Auth0 does. The sum saturates: max_age comes from the request and
    // may be as large as u64 allows.
    let current = now();
    let session = cookies::read(&headers, SESSION_COOKIE)
        .and_then(|id| state.store.session(id))
        .filter(|session| {
            request
                .max_age
                .is_none_or(|max_age| session.auth_time.saturating_add(max_age) > current)
        });
    match (request.prompt, session) {
        (Prompt::None, None) => {
            respond_error(&request.target, "login_required", "Login required", None)
        }
        (Prompt::Login, _) | (Prompt::Default, None) => begin_login(&state, request),
        (Prompt::None | Prompt::Default, Some(session)) => {
            complete(&state, &request, &session, None)
        }
    }
}

fn begin_login(state: &AppState, request: AuthorizeRequest) -> Response {
    let (transaction, _) = state.store.begin_login(request, LOGIN_LIFETIME_SECONDS);
    redirect(&format!("/u/login?state={transaction}"), None)
}

/// Finishes an authorization for a logged-in `session`: issues a code, or for implicit
/// responses the tokens, and redirects to the client. `set_cookie` rides along on the redirect.
pub fn complete(
    state: &AppState,
    request: &AuthorizeRequest,
    session: &Session,
    set_cookie: Option<HeaderValue>,
) -> Response {
    let Some(user) = state.config.user(&session.email) else {
        // The user was removed from the configuration since logging in.
        return respond_error(
            &request.target,
            "login_required",
            "Login required",
            set_cookie,
        );
    };
    let grant = Grant {
        email: user.email.clone(),
        client_id: request.client_id.clone(),
        audience: request.audience.clone(),
        scopes: granted_scopes(
            &state.config,
            user,
            request.audience.as_ref().map(Audience::as_str),
            &request.scopes,
        ),
        nonce: request.nonce.clone(),
        auth_time: session.auth_time,
        sid: session.sid.clone(),
    };
    match (request.response_type, &request.challenge) {
        (ResponseType::Code, Some(challenge)) => {
            let code = state.store.issue_code(CodeRecord {
                grant,
                redirect_uri: request.target.redirect_uri.clone(),
                challenge: challenge.clone(),
                expires_at: now() + state.config.code_lifetime.as_secs(),
            });
            respond(&request.target, &[("code", &code)], set_cookie)
        }
        (ResponseType::Code, None) => respond_error(
            &request.target,
            "invalid_request",
            "code_challenge is required (PKCE)",
            set_cookie,
        ),
        (ResponseType::IdToken | ResponseType::TokenIdToken, _) => {
            let profile = user.profile(&state.config.issuer);
            let permissions = user.permissions_claim(request.audience.as_ref());
            let with_access_token = request.response_type == ResponseType::TokenIdToken;
            let tokens = match mint(
                &state.config,
                &state.keys,
                &grant,
                &profile,
                permissions,
                now(),
                with_access_token,
            ) {
                Ok(tokens) => tokens,
                Err(error) => {
                    tracing::error!(%error, "signing tokens failed");
                    return respond_error(
                        &request.target,
                        "server_error",
                        "Signing failed",
                        set_cookie,
                    );
                }
            };
            let id_token = tokens.id_token.unwrap_or_default();
            let expires_in = tokens.expires_in.to_string();
            let mut params = vec![("id_token", id_token.as_str())];
            if with_access_token {
                params.extend([
                    ("access_token", tokens.access_token.as_str()),
                    ("token_type", "Bearer"),
                    ("expires_in", expires_in.as_str()),
                    ("scope", tokens.scope.as_str()),
                ]);
            }
            respond(&request.target, &params, set_cookie)
        }
    }
}

/// Delivers an authorization response to the client: a redirect with `params` in the query or
/// fragment, or for `response_mode=web_message` a page that posts them to the client's window.
pub fn respond(
    target: &RedirectTarget,
    params: &[(&str, &str)],
    set_cookie: Option<HeaderValue>,
) -> Response {
    let origin = match target.mode {
        ResponseMode::WebMessage => target.web_message_origin(),
        ResponseMode::Query | ResponseMode::Fragment => None,
    };
    let Some(origin) = origin else {
        return redirect(&target.url_with(params), set_cookie);
    };
    let mut response = pages::web_message(&origin, &target.response_fields(params));
    if let Some(cookie) = set_cookie {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    response
}

/// Delivers an RFC 6749 4.1.2.1 error the way [`respond`] delivers a success.
pub fn respond_error(
    target: &RedirectTarget,
    error: &str,
    description: &str,
    set_cookie: Option<HeaderValue>,
) -> Response {
    respond(
        target,
        &[("error", error), ("error_description", description)],
        set_cookie,
    )
}

/// A `302 Found` to `location`, never cached.
pub fn redirect(location: &str, set_cookie: Option<HeaderValue>) -> Response {
    let mut headers = HeaderMap::new();
    match HeaderValue::from_str(location) {
        Ok(value) => {
            headers.insert(LOCATION, value);
        }
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "invalid redirect").into_response(),
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(cookie) = set_cookie {
        headers.append(SET_COOKIE, cookie);
    }
    (StatusCode::FOUND, headers).into_response()
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
    };
    pages::html(
        StatusCode::BAD_REQUEST,
        pages::error_page(&state.config, "Invalid authorization request", explanation),
    )
}
