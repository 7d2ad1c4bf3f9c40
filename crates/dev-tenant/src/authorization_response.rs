//! The answer to an authorization request (RFC 6749 4.1.2, 4.2.2 and 4.1.2.1, OIDC Core 3.2.2.5):
//! finishing it for a logged-in session by issuing a code or the implicit tokens, and delivering
//! the parameters, or an error, by redirect or `web_message` page. Both `/authorize` and the
//! login form end here.

use axum::http::HeaderValue;
use axum::http::header::SET_COOKIE;
use axum::response::Response;
use oidc_protocol::{Audience, IdToken, ResponseType};

use crate::authorize::{AuthorizeRequest, RedirectTarget, ResponseMode};
use crate::grant::{Grant, granted_scope};
use crate::pages;
use crate::redirect;
use crate::state::AppState;
use crate::store::{CodeRecord, Session};
use crate::tokens::mint;

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
        scope: granted_scope(
            &state.config,
            user,
            request.audience.as_ref().map(Audience::as_str),
            &request.scope,
        ),
        nonce: request.nonce.clone(),
        auth_time: session.auth_time,
        sid: session.sid.clone(),
    };
    match (request.response_type, &request.challenge) {
        (ResponseType::Code, Some(challenge)) => {
            let now = state.now();
            let code = state.store.issue_code(
                CodeRecord {
                    grant,
                    redirect_uri: request.target.redirect_uri.clone(),
                    challenge: challenge.clone(),
                    expires_at: now.saturating_add(state.config.code_lifetime.as_secs()),
                },
                now,
            );
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
            let permissions = state
                .config
                .user_permissions_claim(user, request.audience.as_ref());
            let with_access_token = request.response_type == ResponseType::TokenIdToken;
            let tokens = match mint(
                &state.config,
                &state.keys,
                &grant,
                &profile,
                permissions,
                state.now(),
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
            let id_token = tokens.id_token.as_ref().map(IdToken::secret);
            let expires_in = tokens.expires_in.to_string();
            let mut params = vec![("id_token", id_token.unwrap_or_default())];
            if with_access_token {
                params.extend([
                    ("access_token", tokens.access_token.secret()),
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
        return redirect::found(&target.url_with(params), set_cookie);
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
