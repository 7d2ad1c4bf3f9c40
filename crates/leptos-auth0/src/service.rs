//! `AuthService`: the app-wide authentication state and the login, callback and logout actions.

use std::time::Duration;

use leptos::prelude::*;

use oidc_protocol::{AccessToken, ResponseType};

use crate::authorize::{authorize_url, logout_url};
use crate::browser::{
    current_origin, current_path, current_search_and_hash, navigate_away, now_ms, replace_url,
};
use crate::callback::{CallbackResponse, complete_login, parse_callback};
use crate::config::AuthConfig;
use crate::error::AuthError;
use crate::http::{AuthHttp, AuthHttpConfig};
use crate::session::Session;
use crate::storage;
use crate::transaction::Transaction;

/// Where the user stands.
#[derive(Clone, Debug)]
pub enum AuthState {
    /// A callback is being completed.
    Loading,
    /// Nobody is signed in.
    Anonymous,
    /// Signed in with a live session.
    Authenticated(Session),
    /// The last login attempt failed.
    Failed(AuthError),
}

/// The app's authentication: state signal plus the actions on it. Cheap to copy.
#[derive(Clone, Copy)]
pub struct AuthService {
    config: StoredValue<AuthConfig>,
    state: RwSignal<AuthState>,
}

impl AuthService {
    /// Restores the session from storage and starts following the clock and the other tabs.
    /// Must run inside a reactive owner (a component); `<AuthProvider>` does this for you.
    pub fn new(config: AuthConfig) -> Self {
        let initial = match Session::restore(now_ms()) {
            Some(session) => AuthState::Authenticated(session),
            None => AuthState::Anonymous,
        };
        let service = Self {
            config: StoredValue::new(config),
            state: RwSignal::new(initial),
        };
        service.expire_on_time();
        service.follow_other_tabs();
        service
    }

    /// A copy of the configuration.
    pub fn config(&self) -> AuthConfig {
        self.config.get_value()
    }

    /// The current state (tracked).
    pub fn state(&self) -> AuthState {
        self.state.get()
    }

    /// Whether a live session exists (tracked). Turns false by itself at expiry.
    pub fn is_authenticated(&self) -> bool {
        self.state
            .with(|state| matches!(state, AuthState::Authenticated(_)))
    }

    /// The live session, if any (tracked).
    pub fn session(&self) -> Option<Session> {
        self.state.with(|state| match state {
            AuthState::Authenticated(session) => Some(session.clone()),
            _ => None,
        })
    }

    /// The access token if the session is still live right now (untracked, for requests).
    pub fn access_token(&self) -> Option<AccessToken> {
        self.state.with_untracked(|state| match state {
            AuthState::Authenticated(session) if !session.is_expired_at(now_ms()) => {
                Some(session.access_token().clone())
            }
            _ => None,
        })
    }

    /// The `redirect_uri`: configured, or `<origin>/callback`.
    pub fn redirect_uri(&self) -> String {
        self.config
            .with_value(|config| config.redirect_uri.clone())
            .unwrap_or_else(|| format!("{}/callback", current_origin()))
    }

    /// An [`AuthHttp`] that attaches this session's access token to requests to the API origin.
    pub fn http(&self) -> AuthHttp {
        let service = *self;
        let api_url = self.config.with_value(|config| config.api_url.clone());
        AuthHttp::new(AuthHttpConfig::new(&api_url, move || {
            service.access_token()
        }))
    }

    /// Redirects to the tenant's login page, coming back to the current page afterwards.
    pub fn login(&self) {
        self.login_returning_to(&current_path());
    }

    /// Redirects to the tenant's login page, coming back to `return_to` (same-origin paths only).
    pub fn login_returning_to(&self, return_to: &str) {
        // The nav bar explains the failure; no console line, so that `AuthError`'s `Display`
        // (every variant's message) stays out of the download.
        if let Err(error) = self.start_login(return_to) {
            self.state.set(AuthState::Failed(error));
        }
    }

    fn start_login(&self, return_to: &str) -> Result<(), AuthError> {
        let config = self.config();
        let with_pkce = config.response_type == ResponseType::Code;
        let transaction = Transaction::begin(with_pkce, return_to, &self.redirect_uri())?;
        storage::save_transaction(&transaction)?;
        let url = authorize_url(&config, &transaction);
        navigate_away(&url);
        Ok(())
    }

    /// Completes a login from the current URL (the callback page), removing the code or tokens
    /// from the address bar and history first, and returns the same-origin path to go to.
    /// [`LoginCallback`](crate::components::LoginCallback) calls this for you.
    ///
    /// # Errors
    /// [`AuthError`] saying which step failed; nothing is stored then.
    pub async fn handle_callback(&self) -> Result<String, AuthError> {
        let (search, hash) = current_search_and_hash();
        // The code or tokens leave the address bar and the history before anything else, so
        // neither a slow exchange nor a failure leaves them there.
        let pathname = web_sys::window()
            .and_then(|window| window.location().pathname().ok())
            .unwrap_or_else(|| "/".to_owned());
        replace_url(&pathname);
        // The callback again with a live session (a reload, a bookmark): nothing to complete.
        if parse_callback(&search, &hash) == CallbackResponse::Empty
            && Session::peek(now_ms()).is_some()
        {
            return Ok("/".to_owned());
        }
        self.state.set(AuthState::Loading);
        let result = complete_login(&self.config(), &search, &hash, now_ms()).await;
        match result {
            Ok(completed) => {
                self.state.set(AuthState::Authenticated(completed.session));
                Ok(completed.return_to)
            }
            Err(error) => {
                // The callback page explains the failure (see `login_returning_to`).
                // A failed (or forged) callback must not end a session that is still live.
                self.state.set(match Session::restore(now_ms()) {
                    Some(session) => AuthState::Authenticated(session),
                    None => AuthState::Failed(error.clone()),
                });
                Err(error)
            }
        }
    }

    /// Forgets the session everywhere on this side first, then ends the tenant session.
    pub fn logout(&self) {
        self.forget_session();
        let url = self
            .config
            .with_value(|config| logout_url(config, &current_origin()));
        navigate_away(&url);
    }

    /// Removes tokens and transaction and shows the app as logged out, without leaving the page.
    pub fn forget_session(&self) {
        Session::clear_stored();
        storage::clear_transaction();
        self.state.set(AuthState::Anonymous);
    }

    /// Re-reads the stored session (another tab logged in or out).
    pub fn reload_from_storage(&self) {
        let next = match Session::peek(now_ms()) {
            Some(session) => AuthState::Authenticated(session),
            None => AuthState::Anonymous,
        };
        // A pending callback in this tab owns the state until it finishes.
        if !matches!(self.state.get_untracked(), AuthState::Loading) {
            self.state.set(next);
        }
    }

    /// Logs out at `expires_at`: a timer is armed for every new session.
    fn expire_on_time(&self) {
        let service = *self;
        Effect::new(move |_| {
            let Some(session) = service.session() else {
                return;
            };
            let delay_ms = session.expires_at_ms().saturating_sub(now_ms());
            // setTimeout takes a signed 32-bit delay; re-arm for sessions longer than ~24 days.
            let delay = Duration::from_millis(delay_ms.min(i32::MAX as u64));
            let handle = set_timeout_with_handle(
                move || {
                    let expired = service.state.with_untracked(|state| {
                        matches!(state, AuthState::Authenticated(session) if session.is_expired_at(now_ms()))
                    });
                    if expired {
                        service.forget_session();
                    } else {
                        service.state.update(|_| {});
                    }
                },
                delay,
            );
            if let Ok(handle) = handle {
                on_cleanup(move || handle.clear());
            }
        });
    }

    /// Follows logins and logouts made in other tabs (`storage` events fire only there).
    fn follow_other_tabs(&self) {
        let service = *self;
        let handle = window_event_listener(leptos::ev::storage, move |event| {
            if storage::is_session_key(event.key().as_deref()) {
                service.reload_from_storage();
            }
        });
        on_cleanup(move || handle.remove());
    }
}
