//! The HTML pages a person sees: login, errors, logged out. Every page is sent with headers that
//! forbid framing (clickjacking on the login form) and caching.

use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::config::{TenantConfig, UserConfig};

/// The stylesheet of every page, served at `/static/login.css`.
pub const STYLESHEET: &str = include_str!("../static/login.css");

/// Styles come only from our own stylesheet, images from our own avatars; nothing may frame us.
/// `form-action` is deliberately absent: browsers apply it to the redirect after the login POST,
/// which goes to the client's callback URL.
const CONTENT_SECURITY_POLICY_VALUE: &str =
    "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Headers every HTML page carries.
pub fn page_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY_VALUE),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers
}

/// An HTML response with [`page_headers`].
pub fn html(status: StatusCode, body: String) -> Response {
    (status, page_headers(), body).into_response()
}

fn layout(title: &str, main: &str, config: &TenantConfig) -> String {
    let mut users = String::new();
    for user in &config.users {
        users.push_str(&format!(
            "<li><code>{}</code> / <code>{}</code> ({})</li>",
            escape(&user.email),
            escape(&user.password),
            escape(&holdings(user))
        ));
    }
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="/static/login.css">
</head>
<body>
<main>
{main}
</main>
<footer>
<p><strong>Development server.</strong> This is a local stand-in for an Auth0 tenant, for development and tests only; never use it in production.</p>
<p>Development users:</p>
<ul>{users}</ul>
</footer>
</body>
</html>
"#,
        title = escape(title),
    )
}

/// What the login page shows.
pub struct LoginView<'a> {
    /// The login transaction id, posted back as `state`.
    pub transaction: &'a str,
    /// The CSRF token, posted back as `csrf`.
    pub csrf_token: &'a str,
    /// The client's display name.
    pub client_name: &'a str,
    /// The email to prefill.
    pub email: &'a str,
    /// Whether the last attempt had wrong credentials.
    pub wrong_credentials: bool,
}

/// What a user holds, as the pages list it.
fn holdings(user: &UserConfig) -> String {
    let held: Vec<String> = user.permissions.values().flatten().cloned().collect();
    if held.is_empty() {
        "no API permissions".to_owned()
    } else {
        held.join(", ")
    }
}

/// One form per configured user that logs in as them with one click: the same POST, with the
/// same transaction and CSRF token as the password form, and `pick` naming the user instead of
/// a password. No script, so the page's Content-Security-Policy stays as strict as it is.
fn pick_forms(config: &TenantConfig, transaction: &str, csrf: &str) -> String {
    let mut forms = String::new();
    for user in &config.users {
        forms.push_str(&format!(
            r#"<li><form method="post" action="/u/login?state={transaction}" class="pick">
<input type="hidden" name="state" value="{transaction}">
<input type="hidden" name="csrf" value="{csrf}">
<input type="hidden" name="pick" value="{email}">
<button type="submit">Log in as {email}</button>
<small>{holds}</small>
</form></li>
"#,
            email = escape(&user.email),
            holds = escape(&holdings(user)),
        ));
    }
    format!(
        r#"<section aria-labelledby="pick-heading">
<h2 id="pick-heading">Or pick a development user</h2>
<ul class="picks">
{forms}</ul>
</section>"#
    )
}

/// The login page, with the labelled fields the end-to-end test drives and a one-click login
/// for each development user.
pub fn login_page(config: &TenantConfig, view: &LoginView<'_>) -> String {
    let alert = if view.wrong_credentials {
        r#"<p class="alert" role="alert">Wrong email or password.</p>"#
    } else {
        ""
    };
    let transaction = escape(view.transaction);
    let csrf = escape(view.csrf_token);
    let picks = pick_forms(config, &transaction, &csrf);
    let main = format!(
        r#"<h1>Log in</h1>
<p>Log in to continue to {client}.</p>
{alert}
<form method="post" action="/u/login?state={transaction}">
<input type="hidden" name="state" value="{transaction}">
<input type="hidden" name="csrf" value="{csrf}">
<label for="username">Email</label>
<input id="username" name="username" type="email" autocomplete="username" required value="{email}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Continue</button>
</form>
{picks}"#,
        client = escape(view.client_name),
        email = escape(view.email),
    );
    layout("Log in", &main, config)
}

/// An error page: `heading` and an explanation for the person in front of the browser.
pub fn error_page(config: &TenantConfig, heading: &str, explanation: &str) -> String {
    let main = format!(
        r#"<h1>{}</h1>
<p role="alert">{}</p>"#,
        escape(heading),
        escape(explanation)
    );
    layout(heading, &main, config)
}

/// The only script this tenant serves: it posts the `web_message` response, read from the
/// page's data attributes, to the opener (a popup) or the parent (an iframe), at the target
/// origin only. It is constant so the Content-Security-Policy can allow exactly it by hash.
const WEB_MESSAGE_SCRIPT: &str = r#"(function () {
  var data = document.getElementById("authorization-response");
  var message = {
    type: "authorization_response",
    response: JSON.parse(data.getAttribute("data-response"))
  };
  var client = window.opener || window.parent;
  client.postMessage(message, data.getAttribute("data-target-origin"));
})();"#;

/// Auth0's `web_message` response: a page that posts `fields` (`code` and `state`, or `error`,
/// `error_description` and `state`) as `{type: "authorization_response", response}` to
/// `target_origin`. Unlike every other page it may be framed, and only by `target_origin`, the
/// client's registered web origin that auth0-spa-js's silent-authentication iframe lives in.
pub fn web_message(target_origin: &str, fields: &[(String, String)]) -> Response {
    let response: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .map(|(name, value)| (name.clone(), serde_json::Value::String(value.clone())))
        .collect();
    let response = serde_json::Value::Object(response).to_string();
    let body = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Authorization response</title>
</head>
<body>
<div id="authorization-response" data-target-origin="{origin}" data-response="{response}" hidden></div>
<script>{WEB_MESSAGE_SCRIPT}</script>
</body>
</html>
"#,
        origin = escape(target_origin),
        response = escape(&response),
    );
    let script_hash = STANDARD.encode(Sha256::digest(WEB_MESSAGE_SCRIPT.as_bytes()));
    // Origins were validated as scheme, host and port, so they are valid CSP source expressions.
    let policy = format!(
        "default-src 'none'; script-src 'sha256-{script_hash}'; frame-ancestors {target_origin}; base-uri 'none'"
    );
    let mut headers = page_headers();
    headers.remove(X_FRAME_OPTIONS);
    match HeaderValue::from_str(&policy) {
        Ok(value) => {
            headers.insert(CONTENT_SECURITY_POLICY, value);
        }
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "invalid origin").into_response(),
    }
    (StatusCode::OK, headers, body).into_response()
}

/// What the logout confirmation form posts back to `/oidc/logout`.
pub struct LogoutConfirmation<'a> {
    /// The session's logout token, which proves the form came from this page.
    pub token: &'a str,
    /// The client asking, when known.
    pub client_id: Option<&'a str>,
    /// Where to go afterwards, already checked against the client's logout URLs.
    pub post_logout_redirect_uri: Option<&'a str>,
    /// The client's `state`, echoed on the redirect.
    pub state: Option<&'a str>,
}

/// The page asking whether to log out, shown when `/oidc/logout` comes without an ID token of
/// the current session (OIDC RP-Initiated Logout 1.0 section 2).
pub fn logout_confirmation_page(config: &TenantConfig, view: &LogoutConfirmation<'_>) -> String {
    let mut hidden = format!(
        r#"<input type="hidden" name="confirmation" value="{}">"#,
        escape(view.token)
    );
    for (name, value) in [
        ("client_id", view.client_id),
        ("post_logout_redirect_uri", view.post_logout_redirect_uri),
        ("state", view.state),
    ] {
        if let Some(value) = value {
            hidden.push_str(&format!(
                r#"<input type="hidden" name="{name}" value="{}">"#,
                escape(value)
            ));
        }
    }
    let main = format!(
        r#"<h1>Log out?</h1>
<p>An application asks to end your session at this tenant.</p>
<form method="post" action="/oidc/logout">
{hidden}
<button type="submit">Log out</button>
</form>
<p>To stay logged in, close this window.</p>"#
    );
    layout("Log out?", &main, config)
}

/// The page shown after logging out without a `returnTo`.
pub fn logged_out_page(config: &TenantConfig) -> String {
    layout(
        "Logged out",
        "<h1>You are logged out</h1>\n<p>You can close this window.</p>",
        config,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup_and_attribute_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn login_page_has_the_labelled_fields_and_lists_users() {
        let config = TenantConfig::default();
        let page = login_page(
            &config,
            &LoginView {
                transaction: "t",
                csrf_token: "c",
                client_name: "App",
                email: "<x>",
                wrong_credentials: true,
            },
        );
        assert!(page.contains(r#"<label for="username">Email</label>"#));
        assert!(page.contains(r#"<label for="password">Password</label>"#));
        assert!(page.contains(r#"<button type="submit">Continue</button>"#));
        assert!(page.contains(r#"role="alert">Wrong email or password.<"#));
        assert!(page.contains(r#"value="&lt;x&gt;""#));
        assert!(page.contains("reader@example.com"));
        assert!(page.contains("password123"));
        assert!(page.contains("Development server"));
    }

    #[test]
    fn login_page_offers_a_one_click_form_per_user_carrying_the_transaction_and_csrf_token() {
        let config = TenantConfig::default();
        let page = login_page(
            &config,
            &LoginView {
                transaction: "t&1",
                csrf_token: "c\"2",
                client_name: "App",
                email: "",
                wrong_credentials: false,
            },
        );
        for user in &config.users {
            let form = page
                .split("<form ")
                .filter_map(|rest| rest.split("</form>").next())
                .find(|form| form.contains(&format!(r#"name="pick" value="{}""#, user.email)))
                .unwrap_or_else(|| panic!("a form for {}", user.email));
            assert!(
                form.starts_with(r#"method="post" action="/u/login?state=t&amp;1""#),
                "{form}"
            );
            assert!(form.contains(r#"<input type="hidden" name="state" value="t&amp;1">"#));
            assert!(form.contains(r#"<input type="hidden" name="csrf" value="c&quot;2">"#));
            assert!(form.contains(&format!(
                r#"<button type="submit">Log in as {}</button>"#,
                user.email
            )));
            assert!(
                !form.contains(&user.password),
                "no password in the pick form"
            );
        }
        assert!(!page.contains("<script"), "the CSP allows no script here");
    }
}
