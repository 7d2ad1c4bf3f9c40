//! `AuthService`: the app-wide authentication state and the login, callback, renewal and logout
//! actions.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use oidc_protocol::{AccessToken, IdToken, ResponseType};

use crate::authorize::{auth0_logout_url, authorize_url, end_session_url};
use crate::browser::{
    current_origin, current_path, current_search_and_hash, navigate_away, now_ms, replace_url,
};
use crate::callback::{CallbackResponse, complete_login, parse_callback};
use crate::config::{AuthConfig, LogoutMode};
use crate::discovery::discover;
use crate::endpoints::Endpoints;
use crate::error::AuthError;
use crate::http::{AuthHttp, AuthHttpConfig};
use crate::lock::with_lock;
use crate::refresh_store::{RenewableSession, clear_renewable_session, load_renewable_session};
use crate::renewal::{
    KeyCache, RENEWAL_LOCK, Renewal, RenewalError, RenewalReason, renew_at_ms, renew_session,
    retry_delay,
};
use crate::revocation::revoke_refresh_token;
use crate::session::{Restored, Session};
use crate::storage;
use crate::transaction::Transaction;

/// Where the user stands.
#[derive(Clone, Debug)]
pub enum AuthState {
    /// A callback is being completed.
    Loading,
    /// The access token has expired and is being renewed (with the refresh token, or
    /// silently): at start-up, or after expiry while the tenant cannot be reached (renewal
    /// keeps retrying).
    Renewing,
    /// Nobody is signed in.
    Anonymous,
    /// Signed in with a live session. Renewals keep this state and change only the session.
    Authenticated(Session),
    /// The tenant refused to renew the session (its refresh token was revoked, expired or
    /// reused): the user must log in again.
    SessionEnded,
    /// The last login attempt failed.
    Failed(AuthError),
}

/// A renewal that is running, and the retry after a failure.
#[derive(Default)]
struct RenewalTask {
    /// Settles when the running renewal has finished; every caller in this tab waits on it.
    in_flight: Option<js_sys::Promise>,
    /// Failures since the last success, for the backoff.
    failures: u32,
    retry: Option<TimeoutHandle>,
    /// A logout is under way: nothing may sign this tab in again meanwhile.
    logging_out: bool,
    keys: KeyCache,
}

/// The app's authentication: state signal plus the actions on it. Cheap to copy.
#[derive(Clone, Copy)]
pub struct AuthService {
    config: StoredValue<AuthConfig>,
    state: RwSignal<AuthState>,
    renewal: StoredValue<Rc<RefCell<RenewalTask>>, LocalStorage>,
}

impl AuthService {
    /// Restores the session from storage and starts following the clock and the other tabs;
    /// where sessions are renewed (with refresh tokens, or silently:
    /// [`AuthConfig::renews_sessions`]), renews an expired session and schedules the renewal
    /// of a live one. Must run inside a reactive owner (a component); `<AuthProvider>` does
    /// this for you.
    pub fn new(config: AuthConfig) -> Self {
        let renews = config.renews_sessions(&current_origin());
        let restored = Session::restore_at_start(now_ms(), renews);
        let initial = match &restored {
            Restored::Live(session) => AuthState::Authenticated(session.clone()),
            Restored::Expired => AuthState::Renewing,
            Restored::None => AuthState::Anonymous,
        };
        let service = Self {
            config: StoredValue::new(config),
            state: RwSignal::new(initial),
            renewal: StoredValue::new_local(Rc::default()),
        };
        service.expire_on_time();
        service.follow_other_tabs();
        if renews {
            service.renew_before_expiry();
            service.retry_when_online();
            if matches!(restored, Restored::Expired) {
                service.renew_in_background(RenewalReason::Due);
            }
        }
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
        self.state
            .try_with_untracked(|state| match state {
                AuthState::Authenticated(session) if !session.is_expired_at(now_ms()) => {
                    Some(session.access_token().clone())
                }
                _ => None,
            })
            .flatten()
    }

    /// The `redirect_uri`: configured, or `<origin>/callback`.
    pub fn redirect_uri(&self) -> String {
        self.config
            .with_value(|config| config.redirect_uri_at(&current_origin()))
    }

    /// Whether silent `prompt=none` renewal is allowed for this app (the configuration and
    /// the same-site rule, see [`AuthConfig::silent_renewal_allowed`]). Sessions are renewed
    /// with refresh tokens first; silently only where no refresh token can renew them, in the
    /// code flow, at a provider that answers by web message ([`AuthConfig::renews_silently`]).
    pub fn silent_renewal_allowed(&self) -> bool {
        self.config
            .with_value(|config| config.silent_renewal_allowed(&current_origin()))
    }

    /// An [`AuthHttp`] that attaches this session's access token to requests to the API origin,
    /// renewing it first when it has expired and once when the API rejects it as
    /// `invalid_token` (then the request is sent once more).
    pub fn http(&self) -> AuthHttp {
        let service = *self;
        let (api_url, renews) = self.config.with_value(|config| {
            (
                config.api_url.clone(),
                config.renews_sessions(&current_origin()),
            )
        });
        let config = AuthHttpConfig::new(&api_url, move || service.access_token());
        AuthHttp::new(if renews {
            config.renew_with(move |rejected| {
                Box::pin(service.usable_token(rejected))
                    as Pin<Box<dyn Future<Output = Option<AccessToken>>>>
            })
        } else {
            config
        })
    }

    /// Redirects to the provider's login page, coming back to the current page afterwards.
    pub fn login(&self) {
        self.login_returning_to(&current_path());
    }

    /// Redirects to the provider's login page, coming back to `return_to` (same-origin paths
    /// only). A `domain`'s login page is known at once; an `issuer`'s is read from its
    /// discovery document first, and a document that cannot be used fails the login with
    /// [`AuthError::Provider`].
    pub fn login_returning_to(&self, return_to: &str) {
        let config = self.config();
        let redirect_uri = self.redirect_uri();
        // The nav bar explains the failure; no console line, so that `AuthError`'s `Display`
        // (every variant's message) stays out of the download.
        if let Some(endpoints) = Endpoints::known(&config) {
            if let Err(error) =
                start_login(&config, &endpoints.authorization, return_to, &redirect_uri)
            {
                self.state.set(AuthState::Failed(error));
            }
            return;
        }
        let state = self.state;
        let return_to = return_to.to_owned();
        spawn_local(async move {
            let started = match Endpoints::of(&config).await {
                Ok(endpoints) => {
                    start_login(&config, &endpoints.authorization, &return_to, &redirect_uri)
                }
                Err(error) => Err(error.into()),
            };
            if let Err(error) = started {
                state.try_set(AuthState::Failed(error));
            }
        });
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

    /// Forgets the session here, revokes its refresh token at the provider (RFC 7009, where it
    /// has a revocation endpoint), then ends the provider's session as
    /// [`AuthConfig::logout_mode`] says: Auth0's `/v2/logout`, RP-Initiated Logout at the
    /// `end_session_endpoint` with the ID token as hint, or not at all (`"local"`, or a
    /// discovery document that cannot be read now). Either way comes back to this origin. The
    /// page shows the user logged out at once.
    pub fn logout(&self) {
        let config = self.config();
        let id_token = stored_id_token();
        let return_to = current_origin();
        let renews = config.renews_with_refresh_tokens();
        self.forget_here();
        if !renews && !logout_reads_discovery(&config) {
            if config.logout_mode(None) == LogoutMode::Auth0 {
                navigate_away(&auth0_logout_url(&config, &return_to));
            }
            return;
        }
        self.with_task(|task| task.logging_out = true);
        let service = *self;
        spawn_local(async move {
            if renews && let Some(stored) = take_renewable_session(&config).await {
                // The provider session ends either way; a revocation that fails (offline), or
                // a provider without the endpoint, leaves a refresh token that only this
                // origin knew, now deleted here.
                if let Ok(Endpoints {
                    revocation: Some(endpoint),
                    ..
                }) = Endpoints::of(&config).await
                {
                    let _ = revoke_refresh_token(&config, &endpoint, &stored.refresh_token).await;
                }
            }
            match logout_destination(&config, id_token.as_ref(), &return_to).await {
                Some(url) => navigate_away(&url),
                // Nowhere to go: this tab stays, logged out, and follows the other tabs again.
                None => service.with_task(|task| task.logging_out = false),
            }
        });
    }

    /// Removes tokens and transaction and shows the app as logged out, without leaving the page.
    /// The refresh token is deleted too, but not revoked (see [`AuthService::logout`]).
    pub fn forget_session(&self) {
        self.forget_here();
        if self
            .config
            .with_value(AuthConfig::renews_with_refresh_tokens)
        {
            let config = self.config();
            spawn_local(async move {
                take_renewable_session(&config).await;
            });
        }
    }

    fn forget_here(&self) {
        Session::clear_stored();
        storage::clear_transaction();
        self.with_task(|task| {
            if let Some(retry) = task.retry.take() {
                retry.clear();
            }
            task.failures = 0;
        });
        self.state.set(AuthState::Anonymous);
    }

    /// Re-reads the stored session (another tab logged in, renewed or logged out).
    pub fn reload_from_storage(&self) {
        if self.with_task(|task| task.logging_out) {
            return;
        }
        let Some(current) = self.state.try_get_untracked() else {
            return;
        };
        let next = match Session::peek(now_ms()) {
            Some(session) => AuthState::Authenticated(session),
            // A session the tenant ended stays explained until the user logs in again.
            None if matches!(current, AuthState::SessionEnded) => return,
            // One being renewed stays so while another tab writes its renewal key by key;
            // only with every key gone (a logout) is it over.
            None if matches!(current, AuthState::Renewing) && storage::session_keys_stored() => {
                return;
            }
            None => AuthState::Anonymous,
        };
        // A pending callback in this tab owns the state until it finishes.
        if !matches!(current, AuthState::Loading) {
            self.state.set(next);
        }
    }

    /// Brings the session up to date: renews it if it is due (or has expired), or takes up the
    /// tokens another tab renewed meanwhile, sending nothing then. If a renewal is already
    /// running in this tab, waits for that one instead. Only one tab renews at a time.
    pub async fn renew(&self) {
        let promise = self.renewal_promise(RenewalReason::Due);
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }

    /// Whether the state is one a renewal may change: signed in, or renewing.
    fn is_renewable(&self) -> bool {
        self.state
            .try_with_untracked(|state| {
                matches!(state, AuthState::Authenticated(_) | AuthState::Renewing)
            })
            .unwrap_or(false)
    }

    /// A usable access token: the current one, unless it has expired or is `rejected` (the API
    /// answered 401 `invalid_token` to it), in which case the session is renewed once first.
    async fn usable_token(self, rejected: Option<AccessToken>) -> Option<AccessToken> {
        let mut renewed = false;
        loop {
            if let Some(running) = self.with_task(|task| task.in_flight.clone()) {
                let _ = wasm_bindgen_futures::JsFuture::from(running).await;
            }
            let current = self.access_token();
            let usable = current.is_some() && current != rejected;
            if usable || renewed || !self.is_renewable() {
                return current.filter(|_| usable);
            }
            renewed = true;
            let reason = match (&rejected, &current) {
                (Some(rejected), Some(current)) if rejected == current => {
                    RenewalReason::Rejected(rejected.clone())
                }
                _ => RenewalReason::Due,
            };
            let _ = wasm_bindgen_futures::JsFuture::from(self.renewal_promise(reason)).await;
        }
    }

    /// Runs `f` on the renewal task; after the owner is gone (the app unmounted while a timer
    /// or a request was pending), does nothing and yields the default.
    fn with_task<T: Default>(&self, f: impl FnOnce(&mut RenewalTask) -> T) -> T {
        self.renewal
            .try_with_value(|task| f(&mut task.borrow_mut()))
            .unwrap_or_default()
    }

    /// The running renewal, or a new one for `reason`.
    fn renewal_promise(&self, reason: RenewalReason) -> js_sys::Promise {
        if let Some(running) = self.with_task(|task| task.in_flight.clone()) {
            return running;
        }
        let service = *self;
        let promise = wasm_bindgen_futures::future_to_promise(async move {
            service.run_renewal(reason).await;
            Ok(wasm_bindgen::JsValue::UNDEFINED)
        });
        self.with_task(|task| {
            if let Some(retry) = task.retry.take() {
                retry.clear();
            }
            task.in_flight = Some(promise.clone());
        });
        promise
    }

    fn renew_in_background(&self, reason: RenewalReason) {
        drop(self.renewal_promise(reason));
    }

    /// Renews now, or, after failures, once the backoff has passed, so that nothing (a
    /// tenant whose clock runs far behind, tokens that arrive expired) can make this tab renew
    /// in a tight loop.
    fn renew_soon(&self) {
        let failures = self.with_task(|task| task.failures);
        if failures == 0 {
            self.renew_in_background(RenewalReason::Due);
        } else {
            self.schedule_retry(retry_delay(failures - 1, js_sys::Math::random()));
        }
    }

    async fn run_renewal(self, reason: RenewalReason) {
        let Some((config, keys)) = self
            .config
            .try_get_value()
            .map(|config| (config, self.with_task(|task| task.keys.clone())))
        else {
            return;
        };
        let outcome = renew_session(&config, &reason, &keys).await;
        self.with_task(|task| task.in_flight = None);
        // A logout (here or in another tab) while the renewal ran has the last word.
        if !self.is_renewable() || self.with_task(|task| task.logging_out) {
            return;
        }
        match outcome {
            Ok(renewal) => {
                let sent = matches!(renewal, Renewal::Renewed(_));
                let (Renewal::Renewed(session) | Renewal::Adopted(session)) = renewal;
                // Tokens that are due the moment they arrive count as a failure, for the
                // backoff: renewing them at once would loop.
                let due_at_once = now_ms() >= renew_at_ms(&session, config.renew_before_secs);
                self.with_task(|task| {
                    task.failures = if sent && due_at_once {
                        task.failures.saturating_add(1)
                    } else {
                        0
                    };
                });
                self.state.set(AuthState::Authenticated(session));
            }
            // Nothing can renew it (no refresh token was granted): it lasts until it expires,
            // as it would have without refresh tokens.
            Err(RenewalError::NoRefreshToken) => {
                if self
                    .state
                    .try_with_untracked(|state| matches!(state, AuthState::Renewing))
                    == Some(true)
                {
                    self.forget_here();
                }
            }
            Err(error) if error.ends_session() => self.state.set(AuthState::SessionEnded),
            Err(_) => {
                let attempt = self.with_task(|task| {
                    task.failures = task.failures.saturating_add(1);
                    task.failures - 1
                });
                self.schedule_retry(retry_delay(attempt, js_sys::Math::random()));
            }
        }
    }

    /// Tries again after `delay`, or sooner if the browser comes back online.
    fn schedule_retry(&self, delay: Duration) {
        let service = *self;
        let handle = set_timeout_with_handle(
            move || {
                service.with_task(|task| task.retry = None);
                if service.is_renewable() {
                    service.renew_in_background(RenewalReason::Due);
                }
            },
            delay,
        );
        self.with_task(|task| {
            if let Some(earlier) = task.retry.replace(handle.ok()?) {
                earlier.clear();
            }
            Some(())
        });
    }

    /// Renews a session shortly before it expires: a timer is armed for every new session.
    fn renew_before_expiry(&self) {
        let service = *self;
        Effect::new(move |_| {
            let Some(session) = service.session() else {
                return;
            };
            let renew_before = service.config.with_value(|config| config.renew_before_secs);
            let delay_ms = renew_at_ms(&session, renew_before).saturating_sub(now_ms());
            let handle = set_timeout_with_handle(
                move || service.renew_soon(),
                Duration::from_millis(delay_ms.min(i32::MAX as u64)),
            );
            if let Ok(handle) = handle {
                on_cleanup(move || handle.clear());
            }
        });
    }

    /// Retries a pending renewal as soon as the browser is back online, and stops retrying
    /// when the app goes away.
    fn retry_when_online(&self) {
        let service = *self;
        let handle = window_event_listener(leptos::ev::online, move |_| {
            if service.with_task(|task| task.retry.is_some()) {
                service.renew_in_background(RenewalReason::Due);
            }
        });
        on_cleanup(move || {
            handle.remove();
            service.with_task(|task| {
                if let Some(retry) = task.retry.take() {
                    retry.clear();
                }
            });
        });
    }

    /// At `expires_at` the session ends, or, with refresh tokens, waits for its renewal: a
    /// timer is armed for every new session.
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
                    let expired = service.state.try_with_untracked(|state| {
                        matches!(state, AuthState::Authenticated(session) if session.is_expired_at(now_ms()))
                    });
                    match expired {
                        None => {}
                        Some(false) => service.state.update(|_| {}),
                        Some(true)
                            if service
                                .config
                                .with_value(|config| config.renews_sessions(&current_origin())) =>
                        {
                            service.state.set(AuthState::Renewing);
                            service.renew_soon();
                        }
                        Some(true) => service.forget_session(),
                    }
                },
                delay,
            );
            if let Ok(handle) = handle {
                on_cleanup(move || handle.clear());
            }
        });
    }

    /// Follows logins, renewals and logouts made in other tabs (`storage` events fire only
    /// there), and sessions the tenant ended.
    fn follow_other_tabs(&self) {
        let service = *self;
        let handle = window_event_listener(leptos::ev::storage, move |event| {
            let key = event.key();
            if key.as_deref() == Some(storage::SESSION_ENDED_KEY) {
                if event.new_value().is_some() {
                    service.session_ended_elsewhere();
                }
            } else if storage::is_session_key(key.as_deref()) {
                service.reload_from_storage();
            }
        });
        on_cleanup(move || handle.remove());
    }

    fn session_ended_elsewhere(&self) {
        if self.is_renewable() && !self.with_task(|task| task.logging_out) {
            self.with_task(|task| {
                if let Some(retry) = task.retry.take() {
                    retry.clear();
                }
            });
            self.state.set(AuthState::SessionEnded);
        }
    }
}

/// Starts a login at `authorization_endpoint`: a new transaction in this tab's storage, then
/// the provider's page.
fn start_login(
    config: &AuthConfig,
    authorization_endpoint: &str,
    return_to: &str,
    redirect_uri: &str,
) -> Result<(), AuthError> {
    let with_pkce = config.response_type == ResponseType::Code;
    let transaction = Transaction::begin(with_pkce, return_to, redirect_uri)?;
    storage::save_transaction(&transaction)?;
    navigate_away(&authorize_url(config, authorization_endpoint, &transaction));
    Ok(())
}

/// The stored session's ID token, expired or not: the hint of an RP-Initiated Logout.
fn stored_id_token() -> Option<IdToken> {
    match storage::load_session() {
        storage::StoredSession::Present { id_token, .. } => Some(id_token),
        _ => None,
    }
}

/// Whether the logout needs the discovery document: for RP-Initiated Logout's end-session
/// endpoint, configured or (at a provider that is not Auth0's) possibly chosen by it.
fn logout_reads_discovery(config: &AuthConfig) -> bool {
    match config.logout {
        Some(LogoutMode::Oidc) => true,
        Some(LogoutMode::Auth0 | LogoutMode::Local) => false,
        None => !config.is_auth0(),
    }
}

/// Where the logout sends the browser to end the provider's session; `None` when it stays.
async fn logout_destination(
    config: &AuthConfig,
    id_token: Option<&IdToken>,
    return_to: &str,
) -> Option<String> {
    let end_session = if logout_reads_discovery(config) {
        discover(config)
            .await
            .ok()
            .and_then(|metadata| metadata.end_session_endpoint.clone())
    } else {
        None
    };
    match config.logout_mode(end_session.as_deref()) {
        LogoutMode::Auth0 => Some(auth0_logout_url(config, return_to)),
        LogoutMode::Oidc => {
            end_session.map(|endpoint| end_session_url(config, &endpoint, id_token, return_to))
        }
        LogoutMode::Local => None,
    }
}

/// Removes the renewable session from both stores under the renewal lock, and returns what
/// IndexedDB held. Under the lock, a renewal running in another tab finishes first, so what is
/// returned is its successor, not a token already rotated away.
async fn take_renewable_session(config: &AuthConfig) -> Option<RenewableSession> {
    let taken = with_lock(RENEWAL_LOCK, async {
        let stored = load_renewable_session(config).await;
        let _ = clear_renewable_session().await;
        storage::clear_session();
        stored
    })
    .await;
    taken.ok()?.ok()?
}
