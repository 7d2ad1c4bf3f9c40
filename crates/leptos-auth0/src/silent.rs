//! Silent renewal, the fallback where no refresh token can renew a session: the login's
//! authorization request again, with `prompt=none` and `response_mode=web_message`, in a hidden
//! iframe. The provider answers from its own session (its cookie, which the browser sends to a
//! frame only when third-party cookies are allowed or the provider is same-site with the app)
//! by posting `{type: "authorization_response", response: {code, state}}` or
//! `{..., response: {error, state}}` to this window, as Auth0 does for auth0-spa-js's
//! `getTokenSilently`. The code is then exchanged like a login's.
//!
//! Only a message from the authorization endpoint's origin, sent by that frame's window, of
//! that type and carrying this request's `state`, is read; everything else is ignored. The
//! wait is bounded by [`AuthConfig::silent_renewal_timeout`], and the frame and the listener
//! are removed however it ends.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::{TimeoutHandle, set_timeout_with_handle};
use oidc_protocol::{AuthorizationCode, response_issuer_acceptable};
use serde::Deserialize;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::authorize::silent_authorize_url;
use crate::browser::{current_origin, now_ms};
use crate::callback::session_expiry;
use crate::config::AuthConfig;
use crate::discovery::discover;
use crate::endpoints::Endpoints;
use crate::http::origin_of;
use crate::id_token::{ExpectedIdToken, IdTokenError, verify_id_token};
use crate::random::RandomError;
use crate::refresh_store::{RenewableSession, save_renewable_session};
use crate::renewal::{KeyCache, Renewal, RenewalError, RenewalReason, keys_for, needs_request};
use crate::session::Session;
use crate::storage::{self, StoredSession};
use crate::token_endpoint::exchange_code;
use crate::transaction::Transaction;

/// How long a silent renewal waits at most for the provider's answer, the default of
/// [`AuthConfig::silent_renewal_timeout`]. auth0-spa-js waits 60 seconds; this waits less,
/// because the renewal holds the cross-tab lock meanwhile. Where a browser has no Web Locks that
/// lock is a lease of [`LEASE_DURATION`](crate::LEASE_DURATION), which covers this wait, the
/// code exchange and a key fetch, but not always a discovery fetch on top when every one of
/// them takes its whole timeout: another tab may then start a second silent renewal, which
/// costs one more request and rotates nothing.
pub const SILENT_RENEWAL_TIMEOUT: Duration = Duration::from_secs(20);

/// The errors with which a provider says it cannot answer without the user (OIDC Core
/// 3.1.2.6): its session has ended, or it needs a consent or a choice first.
pub const INTERACTION_ERRORS: [&str; 4] = [
    "login_required",
    "consent_required",
    "interaction_required",
    "account_selection_required",
];

/// What the provider posted from the frame. `Debug` prints no code.
#[derive(Debug, PartialEq, Eq)]
pub enum FrameResponse {
    /// A code to exchange.
    Code {
        /// The authorization code.
        code: AuthorizationCode,
        /// The response's `iss` (RFC 9207), if sent.
        issuer: Option<String>,
    },
    /// A refusal (RFC 6749 section 4.1.2.1).
    Error {
        /// The error code, e.g. `login_required`.
        error: String,
        /// The response's `iss` (RFC 9207), if sent.
        issuer: Option<String>,
    },
}

/// Why a silent renewal yielded no code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SilentRenewalError {
    /// The provider needs the user ([`INTERACTION_ERRORS`]): its session has ended.
    #[error("the provider needs the user to log in ({error})")]
    InteractionRequired {
        /// The error code the provider sent.
        error: String,
    },
    /// The provider refused the request with another error (say `access_denied`, or
    /// `unauthorized_client` for a client not allowed to ask this way).
    #[error("the provider refused the silent request ({error})")]
    Refused {
        /// The error code the provider sent.
        error: String,
    },
    /// No answer came within [`AuthConfig::silent_renewal_timeout`]: the provider is
    /// unreachable or slow, or its page cannot post to this window (a Content-Security-Policy
    /// without it in `frame-src`, a provider that does not allow this origin).
    #[error("the provider did not answer in time")]
    Timeout,
    /// The page has no document to put the frame in.
    #[error("the hidden frame could not be created")]
    Frame,
    /// The answer names another issuer than the configured one, or none where the provider
    /// promised to name itself (RFC 9207 section 2.4).
    #[error("the silent answer names another issuer")]
    ResponseIssuer,
    /// The token endpoint exchanged the code without an ID token, so nothing says whose
    /// session this is.
    #[error("the code was exchanged without an id token")]
    NoIdToken,
    /// The browser offers no random values for state, nonce and verifier.
    #[error("no random values")]
    Random(#[from] RandomError),
}

impl SilentRenewalError {
    /// Whether the session is over (log in again) rather than worth retrying later: the
    /// provider answered, and not with a code. A timeout, or a page without a document, is
    /// worth retrying.
    pub fn ends_session(&self) -> bool {
        !matches!(self, Self::Timeout | Self::Frame)
    }
}

/// The message as posted.
#[derive(Deserialize)]
struct Message {
    #[serde(rename = "type")]
    kind: String,
    response: Fields,
}

#[derive(Deserialize)]
struct Fields {
    state: String,
    code: Option<String>,
    error: Option<String>,
    iss: Option<String>,
}

/// Reads a posted message (as JSON text): `None` unless it is an authorization response for
/// `state` with a code or an error, every field a string. An error wins over a code.
pub fn read_message(text: &str, state: &str) -> Option<FrameResponse> {
    let message: Message = serde_json::from_str(text).ok()?;
    if message.kind != "authorization_response" || message.response.state != state {
        return None;
    }
    let Fields {
        code, error, iss, ..
    } = message.response;
    match (error, code) {
        (Some(error), _) if !error.is_empty() => Some(FrameResponse::Error { error, issuer: iss }),
        (_, Some(code)) if !code.is_empty() => Some(FrameResponse::Code {
            code: AuthorizationCode::new(code),
            issuer: iss,
        }),
        _ => None,
    }
}

/// The frame, its listener and its timer; dropping it removes all three.
struct Frame {
    window: web_sys::Window,
    iframe: web_sys::HtmlIFrameElement,
    listener: Closure<dyn FnMut(web_sys::MessageEvent)>,
    timer: Option<TimeoutHandle>,
}

impl Drop for Frame {
    fn drop(&mut self) {
        let _ = self
            .window
            .remove_event_listener_with_callback("message", self.listener.as_ref().unchecked_ref());
        if let Some(timer) = self.timer.take() {
            timer.clear();
        }
        self.iframe.remove();
    }
}

/// A promise and the function that resolves it.
fn deferred() -> Option<(js_sys::Promise, js_sys::Function)> {
    let mut resolve = None;
    // The executor runs synchronously inside the constructor.
    let promise = js_sys::Promise::new(&mut |resolve_with, _| resolve = Some(resolve_with));
    Some((promise, resolve?))
}

/// Loads `url` in a hidden iframe and waits, at most `timeout`, for its authorization response
/// for `state` posted from `authorization_origin`. The frame is removed when the answer
/// arrives, at the timeout, or when the returned future is dropped.
///
/// # Errors
/// [`SilentRenewalError::Timeout`] without an answer in time, [`SilentRenewalError::Frame`]
/// when there is no document.
pub async fn authorize_in_frame(
    url: &str,
    authorization_origin: &str,
    state: &str,
    timeout: Duration,
) -> Result<FrameResponse, SilentRenewalError> {
    let window = web_sys::window().ok_or(SilentRenewalError::Frame)?;
    let document = window.document().ok_or(SilentRenewalError::Frame)?;
    let body = document.body().ok_or(SilentRenewalError::Frame)?;
    let iframe: web_sys::HtmlIFrameElement = document
        .create_element("iframe")
        .ok()
        .and_then(|element| element.dyn_into().ok())
        .ok_or(SilentRenewalError::Frame)?;
    // `hidden` rather than a style attribute, which a strict style-src would refuse.
    iframe.set_hidden(true);
    let _ = iframe.set_attribute("aria-hidden", "true");
    let _ = iframe.set_attribute("tabindex", "-1");
    let (answered, resolve) = deferred().ok_or(SilentRenewalError::Frame)?;
    let answer = Rc::new(Cell::new(None));
    let listener = {
        let (iframe, answer, resolve) = (iframe.clone(), Rc::clone(&answer), resolve.clone());
        let (origin, state) = (authorization_origin.to_owned(), state.to_owned());
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            if event.origin() != origin {
                return;
            }
            let from_frame = match (event.source(), iframe.content_window()) {
                (Some(source), Some(frame)) => js_sys::Object::is(&source, &frame),
                _ => false,
            };
            if !from_frame {
                return;
            }
            // Through JSON, so that whatever was posted (getters, cycles, other types) is
            // read as plain data or not at all.
            let Some(text) = js_sys::JSON::stringify(&event.data())
                .ok()
                .and_then(|text| text.as_string())
            else {
                return;
            };
            if let Some(response) = read_message(&text, &state) {
                answer.set(Some(response));
                let _ = resolve.call0(&JsValue::NULL);
            }
        })
    };
    // Owned by the frame from here on, so every early return below removes what was set up.
    let mut frame = Frame {
        window,
        iframe,
        listener,
        timer: None,
    };
    frame
        .window
        .add_event_listener_with_callback("message", frame.listener.as_ref().unchecked_ref())
        .map_err(|_| SilentRenewalError::Frame)?;
    // Without its timer the wait would have no end, and the renewal lock with it.
    let timer = set_timeout_with_handle(
        move || {
            let _ = resolve.call0(&JsValue::NULL);
        },
        timeout,
    )
    .map_err(|_| SilentRenewalError::Frame)?;
    frame.timer = Some(timer);
    frame.iframe.set_src(url);
    body.append_child(&frame.iframe)
        .map_err(|_| SilentRenewalError::Frame)?;
    let _ = JsFuture::from(answered).await;
    drop(frame);
    answer.take().ok_or(SilentRenewalError::Timeout)
}

/// The session as localStorage holds it now, expired or not.
fn stored_session() -> Option<Session> {
    match storage::load_session() {
        StoredSession::Present {
            access_token,
            id_token,
            expires_at_ms,
        } => Some(Session::new(access_token, id_token, expires_at_ms)),
        StoredSession::Empty | StoredSession::Corrupt => None,
    }
}

/// Renews the session silently; the caller holds the renewal lock. The stored session is read
/// first: if another tab renewed since this one decided to, its tokens are used and nothing is
/// sent. localStorage may show this tab a previous holder's tokens for a moment after the lock
/// changed hands; that costs at most one more silent request, which, unlike a rotated refresh
/// token, nothing punishes.
///
/// # Errors
/// [`RenewalError::NoRefreshToken`] when there is no session to renew or the provider does not
/// answer by web message; [`RenewalError::Silent`] for the frame's failures; the code
/// exchange's and the ID token's errors as for a refresh.
pub(crate) async fn renew_silently(
    config: &AuthConfig,
    reason: &RenewalReason,
    keys: &KeyCache,
) -> Result<Renewal, RenewalError> {
    let stored = stored_session().ok_or(RenewalError::NoRefreshToken)?;
    if !needs_request(&stored, reason, now_ms(), config.renew_before_secs) {
        return Ok(Renewal::Adopted(stored));
    }
    let (endpoints, promises_issuer) = match Endpoints::known(config) {
        Some(known) => (known, false),
        None => {
            let metadata = discover(config).await?;
            let answers_by_message = metadata
                .response_modes_supported
                .iter()
                .any(|mode| mode == "web_message");
            if !answers_by_message {
                return Err(RenewalError::NoRefreshToken);
            }
            (
                Endpoints::discovered(&metadata),
                metadata.authorization_response_iss_parameter_supported == Some(true),
            )
        }
    };
    let token_endpoint = endpoints.token()?;
    let authorization_origin =
        origin_of(&endpoints.authorization).ok_or(RenewalError::NoRefreshToken)?;
    let redirect_uri = config.redirect_uri_at(&current_origin());
    let transaction =
        Transaction::begin(true, "/", &redirect_uri).map_err(SilentRenewalError::from)?;
    let url = silent_authorize_url(config, &endpoints.authorization, &transaction);
    let timeout = config.silent_renewal_timeout.min(SILENT_RENEWAL_TIMEOUT);
    let response =
        authorize_in_frame(&url, &authorization_origin, &transaction.state, timeout).await?;
    let (FrameResponse::Code { issuer, .. } | FrameResponse::Error { issuer, .. }) = &response;
    // RFC 9207 section 2.4, as for the login's callback.
    if !response_issuer_acceptable(
        issuer.as_deref(),
        config.issuer_identifier(),
        promises_issuer,
    ) {
        return Err(SilentRenewalError::ResponseIssuer.into());
    }
    let code = match response {
        FrameResponse::Code { code, .. } => code,
        FrameResponse::Error { error, .. } if INTERACTION_ERRORS.contains(&error.as_str()) => {
            return Err(SilentRenewalError::InteractionRequired { error }.into());
        }
        FrameResponse::Error { error, .. } => {
            return Err(SilentRenewalError::Refused { error }.into());
        }
    };
    // `begin` with PKCE always makes a verifier.
    let verifier = transaction
        .code_verifier
        .ok_or(SilentRenewalError::Random(RandomError::CryptoUnavailable))?;
    let tokens = exchange_code(
        config,
        token_endpoint,
        code.secret(),
        verifier,
        &redirect_uri,
    )
    .await?;
    let id_token = tokens.id_token.ok_or(SilentRenewalError::NoIdToken)?;
    let usable_keys = keys_for(config, &id_token, keys).await?;
    let expected = ExpectedIdToken {
        issuer: config.issuer_identifier(),
        client_id: &config.client_id,
        nonce: &transaction.nonce,
        now_secs: now_ms() / 1000,
    };
    let claims = verify_id_token(&id_token, &usable_keys, expected).await?;
    // The provider's session may now be another user's (someone logged out and in at the
    // provider in another tab): this session is not theirs to continue.
    // A stored ID token that cannot be read names nobody, so it cannot vouch either.
    if stored.subject().as_deref() != Some(claims.sub.as_str()) {
        return Err(IdTokenError::Changed("sub").into());
    }
    let expires_at_ms = session_expiry(now_ms(), tokens.expires_in, &tokens.access_token);
    let session = Session::new(tokens.access_token, id_token, expires_at_ms);
    if config.renews_with_refresh_tokens()
        && let Some(refresh_token) = tokens.refresh_token
    {
        // A refresh token after all (IndexedDB has room again): the next renewal uses it. A
        // store that still fails leaves silent renewal to go on as before.
        let renewable = RenewableSession {
            session: session.clone(),
            refresh_token,
        };
        let _ = save_renewable_session(&renewable, config).await;
    }
    session.save()?;
    Ok(Renewal::Renewed(session))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_or_an_error_for_this_state_is_read() {
        assert_eq!(
            read_message(
                r#"{"type":"authorization_response","response":{"code":"c-1","state":"s","iss":"https://t/"}}"#,
                "s"
            ),
            Some(FrameResponse::Code {
                code: AuthorizationCode::new("c-1"),
                issuer: Some("https://t/".into())
            })
        );
        assert_eq!(
            read_message(
                r#"{"type":"authorization_response","response":{"error":"login_required","error_description":"Login required","state":"s","code":"c"}}"#,
                "s"
            ),
            Some(FrameResponse::Error {
                error: "login_required".into(),
                issuer: None
            })
        );
    }

    #[test]
    fn other_states_types_and_shapes_are_ignored() {
        for text in [
            r#"{"type":"authorization_response","response":{"code":"c","state":"other"}}"#,
            r#"{"type":"authorization_response","response":{"code":"c"}}"#,
            r#"{"type":"something_else","response":{"code":"c","state":"s"}}"#,
            r#"{"response":{"code":"c","state":"s"}}"#,
            r#"{"type":"authorization_response"}"#,
            r#"{"type":"authorization_response","response":{"state":"s"}}"#,
            r#"{"type":"authorization_response","response":{"code":42,"state":"s"}}"#,
            r#"{"type":"authorization_response","response":{"code":"","state":"s"}}"#,
            r#"{"type":"authorization_response","response":{"code":"c","state":["s"]}}"#,
            r#"{"type":"authorization_response","response":"code=c&state=s"}"#,
            r#""authorization_response""#,
            "null",
            "",
            "{",
        ] {
            assert_eq!(read_message(text, "s"), None, "{text}");
        }
    }

    #[test]
    fn debug_output_of_a_frame_response_hides_the_code() {
        let response = read_message(
            r#"{"type":"authorization_response","response":{"code":"secret-code","state":"s"}}"#,
            "s",
        );
        let debug = format!("{response:?}");
        assert!(!debug.contains("secret"), "{debug}");
    }

    #[test]
    fn only_a_timeout_or_a_missing_document_is_worth_retrying() {
        assert!(!SilentRenewalError::Timeout.ends_session());
        assert!(!SilentRenewalError::Frame.ends_session());
        for error in INTERACTION_ERRORS {
            let ended = SilentRenewalError::InteractionRequired {
                error: error.into(),
            };
            assert!(ended.ends_session(), "{error}");
        }
        assert!(
            SilentRenewalError::Refused {
                error: "access_denied".into()
            }
            .ends_session()
        );
        assert!(SilentRenewalError::ResponseIssuer.ends_session());
        assert!(SilentRenewalError::NoIdToken.ends_session());
    }
}
