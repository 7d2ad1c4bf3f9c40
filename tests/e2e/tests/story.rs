//! The whole story in real Chromium, as a person lives it: log in at the dev tenant, call the API,
//! see the profile, log out; then a user without `read:messages`; then a forged callback.

use e2e::{AUDIENCE, Browser, Failure, Stack, button, exact_text, jwt_claims, link};
use std::path::PathBuf;

const LOGGED_OUT: &str = "You are not logged in! Please Log In to continue.";
const LOGGED_IN: &str =
    "You are logged in! You can now send authenticated requests to your server.";
const PUBLIC_MESSAGE: &str =
    "Hello from a public endpoint! You don't need to be authenticated to see this.";
const PRIVATE_MESSAGE: &str =
    "Hello from a private endpoint! You need to be authenticated to see this.";
const SCOPED_MESSAGE: &str = "Hello from a private endpoint! You need to be authenticated and have a scope of read:messages to see this.";
const SESSION_KEYS: [&str; 3] = ["access_token", "id_token", "expires_at"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_logs_in_calls_the_api_and_logs_out() -> Result<(), Failure> {
    let dist = PathBuf::from(
        std::env::var("E2E_DIST")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../dist").to_owned()),
    );
    let stack = Stack::start(&dist).await?;
    let mut browser = Browser::start().await?;
    // The story runs to its end or first failure; the browser is closed either way, so no Chromium
    // outlives the test.
    let outcome = story(&stack, &mut browser).await;
    let closed = browser.close().await;
    outcome?;
    closed
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

    // 4. The three calls each show their message.
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

    // 5. The profile shows who is logged in.
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

    // 6. Log Out clears the session here and at the tenant.
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

    // 7. A user without read:messages: the private call works, the scoped one says why it does not.
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

    // 8. A forged callback shows an error and stores nothing.
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
    Ok(())
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
    browser.click_button("Log Out").await?;
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
