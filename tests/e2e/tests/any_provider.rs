//! The story again at a provider nobody here wrote: panva's oidc-provider, OpenID Certified,
//! which the SPA knows only by its issuer. A person logs in on its pages and consents, calls the
//! private API with its JWT access token (RFC 9068, for the API as RFC 8707 resource), sees the
//! profile from the ID token, stays signed in while the short-lived token is renewed at the
//! discovered token endpoint, and logs out through RP-Initiated Logout, which ends the
//! provider's session too; the last refresh token is revoked.

use e2e::{AUDIENCE, Browser, Failure, ProviderStack, Traffic, exact_text, jwt_claims, literal};
use std::path::PathBuf;
use std::time::Duration;

const LOGGED_OUT: &str = "You are not logged in! Please Log In to continue.";
const LOGGED_IN: &str =
    "You are logged in! You can now send authenticated requests to your server.";
const PRIVATE_MESSAGE: &str =
    "Hello from a private endpoint! You need to be authenticated to see this.";
const SCOPED_MESSAGE: &str = "Hello from a private endpoint! You need to be authenticated and have a scope of read:messages to see this.";
/// How long the provider's access tokens live: the SPA renews them a quarter of that before
/// they expire, so the story sees a renewal without waiting long.
const LIFETIME: Duration = Duration::from_secs(8);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_logs_in_at_a_certified_provider_calls_the_api_and_logs_out() -> Result<(), Failure>
{
    let dist = PathBuf::from(
        std::env::var("E2E_DIST")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../dist").to_owned()),
    );
    let stack = ProviderStack::start(&dist, LIFETIME).await?;
    let mut browser = Browser::start().await?;
    // The story runs to its end or first failure; the browser is closed either way, and the
    // provider's process dies with the stack.
    let outcome = story(&stack, &mut browser).await;
    let closed = browser.close().await;
    outcome?;
    closed
}

async fn story(stack: &ProviderStack, browser: &mut Browser) -> Result<(), Failure> {
    let issuer = &stack.provider.issuer;
    let home = format!("{}/", stack.spa_origin);

    // 1. A newcomer is logged out.
    browser.client.goto(&home).await?;
    browser
        .wait_for("the logged-out greeting", &exact_text(LOGGED_OUT))
        .await?;
    browser.screenshot("provider-home-logged-out").await?;

    // 2. Log In goes to the provider's own login page, found through its discovery document.
    log_in(stack, browser).await?;

    // 3. The provider asks for consent to the scopes, offline access among them.
    browser
        .wait_for("the consent page", &exact_text("Authorize"))
        .await?;
    browser
        .wait_for(
            "offline access on the consent page",
            &exact_text("offline_access"),
        )
        .await?;
    browser.screenshot("provider-consent").await?;
    browser.click_button("Allow").await?;

    // 4. Back in the app, logged in, with a JWT access token for the API and a refresh token.
    browser
        .wait_for("the logged-in greeting", &exact_text(LOGGED_IN))
        .await?;
    browser.screenshot("provider-home-logged-in").await?;
    let access_token = browser
        .local_storage("access_token")
        .await?
        .ok_or("no access token after the login")?;
    let claims = jwt_claims(&access_token)?;
    if claims["iss"] != serde_json::json!(issuer) || claims["aud"] != serde_json::json!(AUDIENCE) {
        return Err(format!(
            "the access token is from {} for {}, not from {issuer} for {AUDIENCE}",
            claims["iss"], claims["aud"]
        )
        .into());
    }
    let header = jwt_header(&access_token)?;
    if header["typ"] != "at+jwt" {
        return Err(format!(
            "the access token's typ is {}, not at+jwt (RFC 9068)",
            header["typ"]
        )
        .into());
    }
    if browser.stored_refresh_token().await?.is_none() {
        return Err("the login left no refresh token: was offline_access granted?".into());
    }

    // 5. The API accepts the provider's token.
    browser.click_link("Ping").await?;
    for (label, message) in [
        ("Call Private API", PRIVATE_MESSAGE),
        ("Call Private Scoped API", SCOPED_MESSAGE),
    ] {
        browser.click_button(label).await?;
        browser
            .wait_for(&format!("the answer to {label:?}"), &exact_text(message))
            .await?;
    }
    browser.screenshot("provider-ping").await?;

    // 6. The profile shows who is logged in, from the ID token: the provider's UserInfo endpoint
    // refuses an access token issued for the API.
    browser.click_link("Profile").await?;
    for shown in ["reader", "reader@example.com"] {
        let outside_json = format!(
            "//body//*[not(ancestor-or-self::pre) and not(ancestor-or-self::code) and normalize-space(text())={}]",
            literal(shown)
        );
        browser
            .wait_for(&format!("{shown:?} on the profile page"), &outside_json)
            .await?;
    }
    browser
        .wait_for(
            "the note that the profile comes from the ID token",
            "//*[contains(@class, 'note')][contains(., 'comes from your ID token')]",
        )
        .await?;
    browser.screenshot("provider-profile").await?;

    // 7. The session outlives its access token: renewed at the provider's token endpoint.
    browser
        .wait_until("the access token to be renewed", || async {
            Ok(browser.local_storage("access_token").await?.as_deref()
                != Some(access_token.as_str()))
        })
        .await?;
    browser.click_link("Ping").await?;
    let answered = Traffic::read(&stack.traffic.api_ok);
    browser.click_button("Call Private API").await?;
    browser
        .wait_until("the API's answer with the renewed token", || async {
            Ok(Traffic::read(&stack.traffic.api_ok) > answered)
        })
        .await?;
    browser
        .wait_for("the private message", &exact_text(PRIVATE_MESSAGE))
        .await?;
    let unauthorized = Traffic::read(&stack.traffic.api_unauthorized);
    if unauthorized > 0 {
        return Err(format!("the API answered 401 {unauthorized} times").into());
    }
    let refresh_token = browser
        .stored_refresh_token()
        .await?
        .ok_or("no refresh token before the logout")?;

    // 8. Log Out revokes the refresh token and asks the provider to end its session
    // (RP-Initiated Logout), which asks the person to confirm, then comes back.
    browser.click_button("Log Out").await?;
    browser
        .wait_for(
            "the provider's logout page",
            &e2e::button("Yes, sign me out"),
        )
        .await?;
    let url = browser.client.current_url().await?;
    let params: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let param = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    if !url.as_str().starts_with(issuer.as_str())
        || param("id_token_hint").is_none()
        || param("client_id") != Some("local-spa-client")
        || param("post_logout_redirect_uri") != Some(stack.spa_origin.as_str())
    {
        return Err(format!("the logout went to {url}").into());
    }
    browser.screenshot("provider-logout").await?;
    browser.click_button("Yes, sign me out").await?;
    browser
        .wait_for("the logged-out greeting", &exact_text(LOGGED_OUT))
        .await?;
    let url = browser.client.current_url().await?;
    if !url.as_str().starts_with(&stack.spa_origin) {
        return Err(format!("the logout ended at {url}, not back in the app").into());
    }
    for key in ["access_token", "id_token", "expires_at"] {
        if browser.local_storage(key).await?.is_some() {
            return Err(format!("{key} is still in localStorage after the logout").into());
        }
    }
    browser.screenshot("provider-logged-out").await?;
    let token_endpoint = browser.discovered(issuer, "token_endpoint").await?;
    let (status, body) = browser.refresh_at(&token_endpoint, &refresh_token).await?;
    if status != 400 || !body.contains("invalid_grant") {
        return Err(format!("the revoked refresh token got {status}: {body}").into());
    }

    // 9. The provider's session is over too: logging in again asks for the password.
    open_login_page(stack, browser).await?;

    // 10. All of it ran under the shipped Content-Security-Policy, naming this provider.
    stack
        .traffic
        .expect_no_csp_violations("the story at a certified provider")
}

/// Log In, then the provider's login page: the reader's email and password.
async fn log_in(stack: &ProviderStack, browser: &mut Browser) -> Result<(), Failure> {
    open_login_page(stack, browser).await?;
    browser.fill("Email", "reader@example.com").await?;
    browser.fill("Password", "password123").await?;
    browser.click_button("Continue").await
}

/// Log In, which must show the provider's login page (not sign in by its session).
async fn open_login_page(stack: &ProviderStack, browser: &mut Browser) -> Result<(), Failure> {
    browser.click_button("Log In").await?;
    browser
        .wait_for(
            "the provider's login page",
            "//label[normalize-space(.)='Email']",
        )
        .await?;
    let url = browser.client.current_url().await?;
    if !url.as_str().starts_with(&stack.provider.issuer) {
        return Err(format!(
            "Log In went to {url}, not to the provider {}",
            stack.provider.issuer
        )
        .into());
    }
    browser.screenshot("provider-login-page").await
}

/// The header of a JWT, decoded without verification.
fn jwt_header(token: &str) -> Result<serde_json::Value, Failure> {
    use base64::Engine as _;
    let header = token.split('.').next().ok_or("the token is not a JWT")?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header)?;
    Ok(serde_json::from_slice(&bytes)?)
}
