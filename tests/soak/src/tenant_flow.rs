//! The dev tenant's traffic, spoken over HTTP as a browser and a single-page app would: log in
//! through `/authorize` and the login page (with its CSRF cookie and token), or silently with
//! the session cookie; exchange the code with PKCE (RFC 7636); refresh in a loop (each refresh
//! rotates the token, RFC 9700 section 4.14.2); then revoke (RFC 7009), replay a rotated-away
//! token, or walk away. Anonymous floods of `/authorize` run beside it. Each step knows the
//! answers it may get.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dev_tenant::state::AppState;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::http::header::{CONTENT_TYPE, COOKIE, HOST, LOCATION, SET_COOKIE};
use hyper::http::{HeaderValue, Method, Request, Uri};
use oidc_protocol::PkceVerifier;
use oidc_protocol::base64url;
use serde_json::Value;
use url::Url;

use crate::connection::{Answer, Connection, ConnectionError, OutgoingRequest};
use crate::tally::{Examples, Tally, body_excerpt};

/// What an example may show of a tenant's body: the `error` members of a JSON one, the title
/// of a page, the start of plain text; never the rest, where tokens, codes and CSRF tokens are.
fn describe_body(body: &[u8]) -> String {
    if let Ok(json) = serde_json::from_slice::<Value>(body) {
        let member = |name: &str| {
            json.get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        return format!(
            "error={:?} error_description={:?}",
            member("error"),
            member("error_description")
        );
    }
    let text = String::from_utf8_lossy(body);
    if let Some(start) = text.find("<title>") {
        let title = &text[start + "<title>".len()..];
        return format!("page {:?}", title.split('<').next().unwrap_or_default());
    }
    if text.trim_start().starts_with('<') {
        return "an html page".to_owned();
    }
    body_excerpt(body)
}

/// The registered single-page app; its callback is read from redirects, never visited.
pub const CLIENT_ID: &str = dev_tenant::config::DEFAULT_CLIENT_ID;
/// The API the tokens are asked for.
const AUDIENCE: &str = dev_tenant::config::DEFAULT_AUDIENCE;
/// `offline_access` makes the code exchange return a refresh token.
const SCOPE: &str = "openid profile email offline_access read:messages";
/// The built-in users, who log in in turn.
const USERS: [&str; 2] = ["reader@example.com", "guest@example.com"];
/// Refreshes per login before the session ends one way or another.
const REFRESHES: usize = 10;
/// The first part of the login transaction cookie's name.
const CSRF_COOKIE_PREFIX: &str = "dev_tenant_csrf_";
/// The session cookie's name.
const SESSION_COOKIE: &str = "dev_tenant_session";
/// The title of the page for a login transaction the tenant no longer has.
const EXPIRED_LOGIN: &str = "Login expired";

/// One kind of request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A flood's `/authorize` for the registered client: a login page redirect.
    Flood,
    /// A flood's `/authorize` for a client that does not exist: an error page.
    FloodUnknownClient,
    /// `/authorize` without a session: to the login page.
    Authorize,
    /// `GET /u/login` with the transaction's cookie.
    LoginPage,
    /// `POST /u/login`: password or one-click.
    LoginPost,
    /// `/authorize?prompt=none` with the session cookie: straight back with a code.
    SilentAuthorize,
    /// `POST /oauth/token` with the code and verifier.
    CodeExchange,
    /// `POST /oauth/token` with the current refresh token.
    Refresh,
    /// `POST /oauth/revoke` of the current refresh token.
    Revoke,
    /// A refresh with the token just revoked: refused.
    RefreshRevoked,
    /// A refresh with a rotated-away token: refused, and the family revoked.
    Replay,
    /// A refresh with the family's current token after a replay: refused.
    RefreshAfterReplay,
}

impl Step {
    /// Every step, in report order.
    pub const ALL: [Step; 12] = [
        Step::Flood,
        Step::FloodUnknownClient,
        Step::Authorize,
        Step::LoginPage,
        Step::LoginPost,
        Step::SilentAuthorize,
        Step::CodeExchange,
        Step::Refresh,
        Step::Revoke,
        Step::RefreshRevoked,
        Step::Replay,
        Step::RefreshAfterReplay,
    ];

    /// Its name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Step::Flood => "flood /authorize",
            Step::FloodUnknownClient => "flood unknown client",
            Step::Authorize => "authorize",
            Step::LoginPage => "login page",
            Step::LoginPost => "login post",
            Step::SilentAuthorize => "silent authorize",
            Step::CodeExchange => "code exchange",
            Step::Refresh => "refresh",
            Step::Revoke => "revoke",
            Step::RefreshRevoked => "refresh revoked",
            Step::Replay => "replay rotated",
            Step::RefreshAfterReplay => "refresh after replay",
        }
    }

    /// Its position in [`Step::ALL`].
    pub fn index(self) -> usize {
        Step::ALL
            .iter()
            .position(|step| *step == self)
            .unwrap_or_default()
    }
}

/// Why an answer is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowMistake {
    /// A 5xx.
    ServerError,
    /// A status the step never gets.
    UnexpectedStatus,
    /// A redirect to the wrong place, or without what it must carry (code, state, cookie).
    BadRedirect,
    /// A login page without its hidden fields.
    BadLoginPage,
    /// A token response without the tokens it must have.
    BadTokenResponse,
    /// A refresh of a live family failed.
    RefreshFailed,
    /// A revoked or rotated-away refresh token was accepted.
    DeadTokenAccepted,
    /// A pending login or session was gone while its store was below its cap.
    LostBelowCap,
    /// No answer.
    NoAnswer,
}

impl fmt::Display for FlowMistake {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            FlowMistake::ServerError => "server error",
            FlowMistake::UnexpectedStatus => "unexpected status",
            FlowMistake::BadRedirect => "redirect without what it must carry",
            FlowMistake::BadLoginPage => "login page without its form fields",
            FlowMistake::BadTokenResponse => "token response without its tokens",
            FlowMistake::RefreshFailed => "refresh of a live family failed",
            FlowMistake::DeadTokenAccepted => "revoked or rotated-away refresh token accepted",
            FlowMistake::LostBelowCap => "login state gone while its store was below its cap",
            FlowMistake::NoAnswer => "no answer",
        })
    }
}

/// Where the tenant is and how to read its stores.
#[derive(Clone)]
pub struct Target {
    /// The listener's address.
    pub address: SocketAddr,
    /// The `Host` the tenant answers to (its issuer's).
    pub host: HeaderValue,
    /// The issuer URL, to resolve relative redirects.
    pub issuer: Url,
    /// The client's registered callback URL.
    pub callback: String,
    /// The tenant's state, for its store sizes.
    pub state: Arc<AppState>,
    /// The start of the run, for the examples' timestamps.
    pub started: Instant,
}

/// What one connection counted.
pub struct Recorder {
    /// Per step, in [`Step::ALL`] order.
    pub steps: Vec<Tally>,
    /// The first wrong answers.
    pub examples: Examples,
    /// Logins and silent logins whose pending state was evicted by the flood from a full
    /// store: the stores' documented behaviour, not a wrong answer.
    pub lost_to_eviction: u64,
    /// Logins that reached a code.
    pub logins: u64,
    started: Instant,
}

impl Recorder {
    fn new(started: Instant) -> Self {
        Self {
            steps: vec![Tally::default(); Step::ALL.len()],
            examples: Examples::default(),
            lost_to_eviction: 0,
            logins: 0,
            started,
        }
    }

    fn judged(
        &mut self,
        step: Step,
        latency: Duration,
        answer: &Answer,
        verdict: Result<(), FlowMistake>,
    ) {
        let verdict = match verdict {
            Err(_) if answer.status.is_server_error() => Err(FlowMistake::ServerError),
            other => other,
        };
        self.steps[step.index()].answered(answer.status.as_u16(), latency, verdict.is_err());
        if let Err(mistake) = verdict {
            let at = self.started.elapsed().as_secs_f64();
            self.examples.add(|| {
                format!(
                    "{at:>8.3} s  {} {}: {mistake}  {}",
                    step.name(),
                    answer.status.as_u16(),
                    describe_body(&answer.body)
                )
            });
        }
    }

    fn unanswered(&mut self, step: Step, error: &ConnectionError) {
        self.steps[step.index()].unanswered();
        let at = self.started.elapsed().as_secs_f64();
        self.examples.add(|| {
            format!(
                "{at:>8.3} s  {}: {}: {error}",
                step.name(),
                FlowMistake::NoAnswer
            )
        });
    }
}

/// One keep-alive connection, reopened when the tenant closes it.
struct Browser {
    target: Target,
    connection: Option<Connection>,
}

impl Browser {
    fn new(target: Target) -> Self {
        Self {
            target,
            connection: None,
        }
    }

    fn request(
        &self,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        body: Option<String>,
    ) -> OutgoingRequest {
        let has_body = body.is_some();
        let mut request = Request::new(Full::new(Bytes::from(body.unwrap_or_default())));
        *request.method_mut() = method;
        // Paths here are built from fixed text and form-encoded values, so they parse.
        *request.uri_mut() = path
            .parse::<Uri>()
            .unwrap_or_else(|_| Uri::from_static("/"));
        let headers = request.headers_mut();
        headers.insert(HOST, self.target.host.clone());
        if has_body {
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            );
        }
        if let Some(value) = cookie.and_then(|cookie| HeaderValue::from_str(cookie).ok()) {
            headers.insert(COOKIE, value);
        }
        request
    }

    /// Sends `request` as `step`; `None` (recorded) when there was no answer.
    async fn send(
        &mut self,
        recorder: &mut Recorder,
        step: Step,
        request: OutgoingRequest,
    ) -> Option<(Answer, Duration)> {
        let open = match self.connection.take().filter(|open| !open.is_closed()) {
            Some(open) => Ok(open),
            None => Connection::open(self.target.address).await,
        };
        let mut open = match open {
            Ok(open) => open,
            Err(error) => {
                recorder.unanswered(step, &error);
                return None;
            }
        };
        let clock = Instant::now();
        match open.send(request).await {
            Ok(answer) => {
                self.connection = Some(open);
                Some((answer, clock.elapsed()))
            }
            Err(error) => {
                recorder.unanswered(step, &error);
                None
            }
        }
    }

    async fn get(
        &mut self,
        recorder: &mut Recorder,
        step: Step,
        path: &str,
        cookie: Option<&str>,
    ) -> Option<(Answer, Duration)> {
        let request = self.request(Method::GET, path, cookie, None);
        self.send(recorder, step, request).await
    }

    async fn post_form(
        &mut self,
        recorder: &mut Recorder,
        step: Step,
        path: &str,
        form: &[(&str, &str)],
    ) -> Option<(Answer, Duration)> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let request = self.request(Method::POST, path, None, Some(body));
        self.send(recorder, step, request).await
    }

    /// A `Location` resolved against the issuer.
    fn location(&self, answer: &Answer) -> Option<Url> {
        let location = answer.header(LOCATION.as_str())?;
        self.target.issuer.join(location).ok()
    }

    /// Whether the login transactions or the sessions are at their cap, so one may have been
    /// evicted to make room.
    fn store_full(&self, sessions: bool) -> bool {
        let store = &self.target.state.store;
        let (sizes, limits) = (store.sizes(), store.limits());
        if sessions {
            sizes.sessions >= limits.sessions
        } else {
            sizes.login_transactions >= limits.login_transactions
        }
    }
}

/// `name=value` of the first `Set-Cookie` whose name starts with `prefix`.
fn set_cookie(answer: &Answer, prefix: &str) -> Option<String> {
    answer
        .headers_named(SET_COOKIE.as_str())
        .find(|line| line.starts_with(prefix))
        .and_then(|line| line.split(';').next())
        .map(str::to_owned)
}

/// The value of the hidden input `name` of a page of the tenant's.
fn hidden_field(html: &str, name: &str) -> Option<String> {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html.find(&marker)? + marker.len();
    let value = html[start..].split('"').next()?;
    (!value.is_empty()).then(|| value.to_owned())
}

/// The value of query parameter `name`.
fn query_parameter(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

fn random_text() -> String {
    base64url::encode(rand::random::<[u8; 16]>())
}

fn authorize_path(
    client_id: &str,
    callback: &str,
    challenge: &str,
    state: &str,
    prompt_none: bool,
) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", callback)
        .append_pair("response_type", "code")
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("scope", SCOPE)
        .append_pair("audience", AUDIENCE)
        .append_pair("state", state)
        .append_pair("nonce", &random_text());
    if prompt_none {
        query.append_pair("prompt", "none");
    }
    format!("/authorize?{}", query.finish())
}

/// The tokens of a token response: access, ID and refresh token, as a Bearer token type.
fn refresh_token_of(answer: &Answer) -> Result<String, FlowMistake> {
    let body: Value =
        serde_json::from_slice(&answer.body).map_err(|_| FlowMistake::BadTokenResponse)?;
    let text = |name: &str| body.get(name).and_then(Value::as_str);
    match (
        text("access_token"),
        text("id_token"),
        text("refresh_token"),
        text("token_type"),
    ) {
        (Some(_), Some(_), Some(refresh), Some("Bearer")) => Ok(refresh.to_owned()),
        _ => Err(FlowMistake::BadTokenResponse),
    }
}

/// Whether the answer is the token endpoint's `invalid_grant` (RFC 6749 section 5.2).
fn is_invalid_grant(answer: &Answer) -> bool {
    answer.status.as_u16() == 400
        && serde_json::from_slice::<Value>(&answer.body)
            .ok()
            .and_then(|body| body.get("error").and_then(Value::as_str).map(str::to_owned))
            .as_deref()
            == Some("invalid_grant")
}

/// A code as the callback gets it, checked against the state sent.
fn code_of(browser: &Browser, answer: &Answer, state: &str) -> Result<String, FlowMistake> {
    if answer.status.as_u16() != 302 {
        return Err(FlowMistake::UnexpectedStatus);
    }
    let location = browser.location(answer).ok_or(FlowMistake::BadRedirect)?;
    let back_home = location.as_str().starts_with(&browser.target.callback);
    match (
        back_home,
        query_parameter(&location, "code"),
        query_parameter(&location, "state"),
    ) {
        (true, Some(code), Some(returned)) if returned == state => Ok(code),
        _ => Err(FlowMistake::BadRedirect),
    }
}

/// A signed-in user's lifetime, over and over until the deadline: log in (or come back
/// silently), exchange the code, refresh, and end by revoking, by replaying, or by leaving.
pub async fn user(worker: usize, target: Target, deadline: Instant) -> Recorder {
    let mut recorder = Recorder::new(target.started);
    let mut browser = Browser::new(target);
    let mut session: Option<String> = None;
    let mut cycle = worker;
    while Instant::now() < deadline {
        cycle += 1;
        let verifier = PkceVerifier::from_random_bytes(&rand::random());
        let state = random_text();
        let code = match session.take() {
            Some(cookie) if cycle.is_multiple_of(2) => {
                silent_login(&mut browser, &mut recorder, &verifier, &state, &cookie)
                    .await
                    .map(|code| (code, cookie))
            }
            _ => log_in(&mut browser, &mut recorder, &verifier, &state, cycle).await,
        };
        let Some((code, cookie)) = code else {
            continue;
        };
        recorder.logins += 1;
        session = Some(cookie);
        let callback = browser.target.callback.clone();
        let Some((answer, latency)) = browser
            .post_form(
                &mut recorder,
                Step::CodeExchange,
                "/oauth/token",
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", CLIENT_ID),
                    ("code", &code),
                    ("code_verifier", verifier.secret()),
                    ("redirect_uri", &callback),
                ],
            )
            .await
        else {
            continue;
        };
        let exchanged = if answer.status.as_u16() == 200 {
            refresh_token_of(&answer)
        } else {
            Err(FlowMistake::UnexpectedStatus)
        };
        recorder.judged(
            Step::CodeExchange,
            latency,
            &answer,
            exchanged.as_ref().map(|_| ()).map_err(|mistake| *mistake),
        );
        let Ok(mut current) = exchanged else {
            continue;
        };
        let mut previous: Option<String> = None;
        let mut alive = true;
        for _ in 0..REFRESHES {
            if Instant::now() >= deadline {
                break;
            }
            let Some((answer, latency)) =
                refresh(&mut browser, &mut recorder, Step::Refresh, &current).await
            else {
                alive = false;
                break;
            };
            let rotated = match answer.status.as_u16() {
                200 => refresh_token_of(&answer).and_then(|next| {
                    if next == current {
                        Err(FlowMistake::BadTokenResponse)
                    } else {
                        Ok(next)
                    }
                }),
                _ => Err(FlowMistake::RefreshFailed),
            };
            recorder.judged(
                Step::Refresh,
                latency,
                &answer,
                rotated.as_ref().map(|_| ()).map_err(|mistake| *mistake),
            );
            match rotated {
                Ok(next) => previous = Some(std::mem::replace(&mut current, next)),
                Err(_) => {
                    alive = false;
                    break;
                }
            }
        }
        if !alive || Instant::now() >= deadline {
            continue;
        }
        match (cycle % 3, previous) {
            (0, _) => revoke_then_refresh(&mut browser, &mut recorder, &current).await,
            (1, Some(previous)) => {
                replay_then_refresh(&mut browser, &mut recorder, &previous, &current).await;
            }
            // The user closes the tab: the family stays until it expires or is evicted.
            _ => {}
        }
    }
    recorder
}

async fn refresh(
    browser: &mut Browser,
    recorder: &mut Recorder,
    step: Step,
    refresh_token: &str,
) -> Option<(Answer, Duration)> {
    browser
        .post_form(
            recorder,
            step,
            "/oauth/token",
            &[
                ("grant_type", "refresh_token"),
                ("client_id", CLIENT_ID),
                ("refresh_token", refresh_token),
            ],
        )
        .await
}

/// A refresh that must be refused with `invalid_grant`.
async fn refused_refresh(
    browser: &mut Browser,
    recorder: &mut Recorder,
    step: Step,
    refresh_token: &str,
) {
    if let Some((answer, latency)) = refresh(browser, recorder, step, refresh_token).await {
        let verdict = if answer.status.as_u16() == 200 {
            Err(FlowMistake::DeadTokenAccepted)
        } else if is_invalid_grant(&answer) {
            Ok(())
        } else {
            Err(FlowMistake::UnexpectedStatus)
        };
        recorder.judged(step, latency, &answer, verdict);
    }
}

async fn revoke_then_refresh(browser: &mut Browser, recorder: &mut Recorder, current: &str) {
    let Some((answer, latency)) = browser
        .post_form(
            recorder,
            Step::Revoke,
            "/oauth/revoke",
            &[("client_id", CLIENT_ID), ("token", current)],
        )
        .await
    else {
        return;
    };
    let verdict = if answer.status.as_u16() == 200 {
        Ok(())
    } else {
        Err(FlowMistake::UnexpectedStatus)
    };
    recorder.judged(Step::Revoke, latency, &answer, verdict);
    refused_refresh(browser, recorder, Step::RefreshRevoked, current).await;
}

async fn replay_then_refresh(
    browser: &mut Browser,
    recorder: &mut Recorder,
    previous: &str,
    current: &str,
) {
    refused_refresh(browser, recorder, Step::Replay, previous).await;
    refused_refresh(browser, recorder, Step::RefreshAfterReplay, current).await;
}

/// `/authorize` with the session cookie and `prompt=none`: a code and the same session.
async fn silent_login(
    browser: &mut Browser,
    recorder: &mut Recorder,
    verifier: &PkceVerifier,
    state: &str,
    session: &str,
) -> Option<String> {
    let path = authorize_path(
        CLIENT_ID,
        &browser.target.callback,
        verifier.challenge().as_str(),
        state,
        true,
    );
    let (answer, latency) = browser
        .get(recorder, Step::SilentAuthorize, &path, Some(session))
        .await?;
    let login_required = browser
        .location(&answer)
        .and_then(|location| query_parameter(&location, "error"))
        .as_deref()
        == Some("login_required");
    if login_required {
        // The session is gone: evicted from a full store, or a mistake.
        if browser.store_full(true) {
            recorder.lost_to_eviction += 1;
            recorder.judged(Step::SilentAuthorize, latency, &answer, Ok(()));
        } else {
            recorder.judged(
                Step::SilentAuthorize,
                latency,
                &answer,
                Err(FlowMistake::LostBelowCap),
            );
        }
        return None;
    }
    let code = code_of(browser, &answer, state);
    recorder.judged(
        Step::SilentAuthorize,
        latency,
        &answer,
        code.as_ref().map(|_| ()).map_err(|mistake| *mistake),
    );
    code.ok()
}

/// Whether an answer is the page for a login transaction the tenant no longer has, and the
/// login store is full, so the flood evicted it: counted, not wrong.
fn evicted(
    browser: &Browser,
    recorder: &mut Recorder,
    step: Step,
    answer: &Answer,
    latency: Duration,
) -> bool {
    let expired_page = answer.status.as_u16() == 400
        && String::from_utf8_lossy(&answer.body).contains(EXPIRED_LOGIN);
    if !expired_page {
        return false;
    }
    if browser.store_full(false) {
        recorder.lost_to_eviction += 1;
        recorder.judged(step, latency, answer, Ok(()));
    } else {
        recorder.judged(step, latency, answer, Err(FlowMistake::LostBelowCap));
    }
    true
}

/// The whole login: `/authorize`, the login page with its cookie, the form post with its CSRF
/// token; a code and the session cookie.
async fn log_in(
    browser: &mut Browser,
    recorder: &mut Recorder,
    verifier: &PkceVerifier,
    state: &str,
    cycle: usize,
) -> Option<(String, String)> {
    let path = authorize_path(
        CLIENT_ID,
        &browser.target.callback,
        verifier.challenge().as_str(),
        state,
        false,
    );
    let (answer, latency) = browser.get(recorder, Step::Authorize, &path, None).await?;
    let login_page = browser
        .location(&answer)
        .filter(|location| location.path() == "/u/login");
    let csrf_cookie = set_cookie(&answer, CSRF_COOKIE_PREFIX);
    let (login_page, csrf_cookie) = match (answer.status.as_u16(), login_page, csrf_cookie) {
        (302, Some(page), Some(cookie)) => {
            recorder.judged(Step::Authorize, latency, &answer, Ok(()));
            (page, cookie)
        }
        (302, _, _) => {
            recorder.judged(
                Step::Authorize,
                latency,
                &answer,
                Err(FlowMistake::BadRedirect),
            );
            return None;
        }
        _ => {
            recorder.judged(
                Step::Authorize,
                latency,
                &answer,
                Err(FlowMistake::UnexpectedStatus),
            );
            return None;
        }
    };

    let page_path = format!("/u/login?{}", login_page.query().unwrap_or_default());
    let (answer, latency) = browser
        .get(recorder, Step::LoginPage, &page_path, Some(&csrf_cookie))
        .await?;
    if evicted(browser, recorder, Step::LoginPage, &answer, latency) {
        return None;
    }
    let html = String::from_utf8_lossy(&answer.body);
    let fields = (hidden_field(&html, "state"), hidden_field(&html, "csrf"));
    let (transaction, csrf) = match (answer.status.as_u16(), fields) {
        (200, (Some(transaction), Some(csrf))) => {
            recorder.judged(Step::LoginPage, latency, &answer, Ok(()));
            (transaction, csrf)
        }
        (200, _) => {
            recorder.judged(
                Step::LoginPage,
                latency,
                &answer,
                Err(FlowMistake::BadLoginPage),
            );
            return None;
        }
        _ => {
            recorder.judged(
                Step::LoginPage,
                latency,
                &answer,
                Err(FlowMistake::UnexpectedStatus),
            );
            return None;
        }
    };

    let user = USERS[cycle % USERS.len()];
    let password = dev_tenant::config::DEFAULT_PASSWORD;
    // Half the logins type the password, half press the user's one-click button.
    let form: Vec<(&str, &str)> = if cycle % 4 < 2 {
        vec![
            ("state", &transaction),
            ("csrf", &csrf),
            ("username", user),
            ("password", password),
        ]
    } else {
        vec![("state", &transaction), ("csrf", &csrf), ("pick", user)]
    };
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let request = browser.request(Method::POST, "/u/login", Some(&csrf_cookie), Some(body));
    let (answer, latency) = browser.send(recorder, Step::LoginPost, request).await?;
    if evicted(browser, recorder, Step::LoginPost, &answer, latency) {
        return None;
    }
    let session = set_cookie(&answer, &format!("{SESSION_COOKIE}="));
    let code = code_of(browser, &answer, state).and_then(|code| match &session {
        Some(_) => Ok(code),
        None => Err(FlowMistake::BadRedirect),
    });
    recorder.judged(
        Step::LoginPost,
        latency,
        &answer,
        code.as_ref().map(|_| ()).map_err(|mistake| *mistake),
    );
    Some((code.ok()?, session?))
}

/// Anonymous `/authorize` requests as fast as the tenant answers them, one in ten for a client
/// that does not exist: each valid one starts a pending login the tenant must keep bounded.
pub async fn flood(worker: usize, target: Target, deadline: Instant) -> Recorder {
    let mut recorder = Recorder::new(target.started);
    let mut browser = Browser::new(target);
    let challenge = PkceVerifier::from_random_bytes(&rand::random()).challenge();
    let mut sequence = worker;
    while Instant::now() < deadline {
        sequence += 1;
        let unknown = sequence.is_multiple_of(10);
        let (step, client_id) = if unknown {
            (Step::FloodUnknownClient, "soak-unknown-client")
        } else {
            (Step::Flood, CLIENT_ID)
        };
        let path = authorize_path(
            client_id,
            &browser.target.callback,
            challenge.as_str(),
            &random_text(),
            false,
        );
        let Some((answer, latency)) = browser.get(&mut recorder, step, &path, None).await else {
            continue;
        };
        let verdict = match (unknown, answer.status.as_u16()) {
            (true, 400) => Ok(()),
            (false, 302)
                if browser
                    .location(&answer)
                    .is_some_and(|location| location.path() == "/u/login") =>
            {
                Ok(())
            }
            (false, 302) => Err(FlowMistake::BadRedirect),
            _ => Err(FlowMistake::UnexpectedStatus),
        };
        recorder.judged(step, latency, &answer, verdict);
    }
    recorder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_fields_are_read_from_the_login_form() {
        let html = r#"<form><input type="hidden" name="state" value="t1"><input type="hidden" name="csrf" value="c2"></form>"#;
        assert_eq!(hidden_field(html, "state").as_deref(), Some("t1"));
        assert_eq!(hidden_field(html, "csrf").as_deref(), Some("c2"));
        assert_eq!(hidden_field(html, "pick"), None);
    }

    #[test]
    fn examples_show_error_codes_and_page_titles_but_no_tokens() {
        let tokens =
            br#"{"access_token":"secret-a","refresh_token":"secret-r","token_type":"Bearer"}"#;
        let shown = describe_body(tokens);
        assert!(!shown.contains("secret"), "{shown}");
        let error = br#"{"error":"invalid_grant","error_description":"Unknown refresh token"}"#;
        assert!(describe_body(error).contains("invalid_grant"));
        let page = br#"<html><head><title>Login expired</title></head><input name="csrf" value="secret-c">"#;
        assert_eq!(describe_body(page), r#"page "Login expired""#);
        assert_eq!(
            describe_body(b"<form><input value=\"secret\"></form>"),
            "an html page"
        );
    }

    #[test]
    fn every_step_has_its_own_index() {
        for (position, step) in Step::ALL.iter().enumerate() {
            assert_eq!(step.index(), position);
        }
    }

    #[test]
    fn the_authorize_path_asks_for_a_refresh_token_with_pkce() {
        let path = authorize_path(
            "client",
            "http://localhost:3000/callback",
            "challenge",
            "st",
            true,
        );
        let url = Url::parse(&format!("http://localhost{path}")).unwrap();
        assert_eq!(
            query_parameter(&url, "code_challenge_method").as_deref(),
            Some("S256")
        );
        assert!(
            query_parameter(&url, "scope")
                .unwrap()
                .contains("offline_access")
        );
        assert_eq!(query_parameter(&url, "prompt").as_deref(), Some("none"));
        assert_eq!(query_parameter(&url, "state").as_deref(), Some("st"));
    }
}
