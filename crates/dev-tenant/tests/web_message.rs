//! `response_mode=web_message`, which auth0-spa-js uses for silent authentication
//! (`prompt=none` in a hidden iframe) and for `loginWithPopup`: the answer is a page that posts
//! `{type: "authorization_response", response}` to the client's registered web origin.

mod harness;

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use dev_tenant::TenantConfig;
use harness::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The value of attribute `name` in `html`, with the HTML escapes undone.
fn attribute(html: &str, name: &str) -> String {
    let marker = format!(r#"{name}=""#);
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("attribute {name} in {html}"))
        + marker.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Checks the page is a web message for `SPA_ORIGIN`, frameable by it alone, whose only script
/// is allowed by hash; returns the posted `response`.
fn posted_response(reply: &Reply) -> Value {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.header("location").is_none());
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(
        reply.header("x-frame-options"),
        None,
        "the silent-authentication iframe must be able to load the page"
    );
    let policy = reply.header("content-security-policy").expect("a CSP");
    assert!(
        policy.contains(&format!("frame-ancestors {SPA_ORIGIN};")),
        "{policy}"
    );
    let script = reply
        .body
        .split("<script>")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("an inline script");
    assert!(script.contains("\"authorization_response\""), "{script}");
    assert!(script.contains("postMessage"), "{script}");
    let hash = STANDARD.encode(Sha256::digest(script.as_bytes()));
    assert!(
        policy.contains(&format!("script-src 'sha256-{hash}'")),
        "{policy}"
    );
    assert_eq!(
        attribute(&reply.body, "data-target-origin"),
        SPA_ORIGIN,
        "the response is posted to the registered web origin only"
    );
    serde_json::from_str(&attribute(&reply.body, "data-response")).expect("JSON response")
}

#[tokio::test]
async fn silent_authentication_without_a_session_posts_login_required_with_the_state() {
    let router = tenant();
    let reply = get(
        &router,
        &authorize_uri(&[("prompt", "none"), ("response_mode", "web_message")]),
        None,
    )
    .await;
    let response = posted_response(&reply);
    assert_eq!(response["error"], "login_required");
    assert_eq!(response["error_description"], "Login required");
    assert_eq!(response["state"], "st/8+=?&z");
    assert_eq!(response["iss"], ISSUER);
    assert!(response.get("code").is_none());
}

#[tokio::test]
async fn silent_authentication_with_a_session_posts_a_code_that_redeems() {
    let router = tenant();
    let (_, session) = log_in(&router, &authorize_uri(&[]), "reader@example.com").await;
    let reply = get(
        &router,
        &authorize_uri(&[
            ("prompt", "none"),
            ("response_mode", "web_message"),
            ("state", "silent-1"),
        ]),
        Some(&session),
    )
    .await;
    let response = posted_response(&reply);
    assert_eq!(response["state"], "silent-1");
    assert_eq!(
        response["iss"], ISSUER,
        "RFC 9207: the response names its issuer"
    );
    let code = response["code"].as_str().expect("a code");
    let tokens = redeem(&router, code, VERIFIER).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.body);
    let body: Value = tokens.json();
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["access_token"].is_string());
    assert!(body["id_token"].is_string());
}

#[tokio::test]
async fn popup_login_posts_the_code_after_the_login_form() {
    let router = tenant();
    let page = open_login(
        &router,
        &authorize_uri(&[("response_mode", "web_message")]),
        None,
    )
    .await;
    let reply = submit_login(&router, &page, "reader@example.com", "password123").await;
    assert!(
        reply.set_cookie("dev_tenant_session").is_some(),
        "the popup login starts a session"
    );
    let response = posted_response(&reply);
    assert_eq!(response["state"], "st/8+=?&z");
    assert!(response["code"].is_string());
}

#[tokio::test]
async fn web_message_state_is_escaped_in_the_page_and_posted_byte_exact() {
    let router = tenant();
    let hostile = r#""'><script>alert(1)</script>&amp;é%"#;
    let reply = get(
        &router,
        &authorize_uri(&[
            ("prompt", "none"),
            ("response_mode", "web_message"),
            ("state", hostile),
        ]),
        None,
    )
    .await;
    assert!(!reply.body.contains("<script>alert"), "{}", reply.body);
    assert_eq!(reply.body.matches("<script>").count(), 1);
    let response = posted_response(&reply);
    assert_eq!(response["state"], hostile);
}

#[tokio::test]
async fn web_message_to_an_origin_that_is_not_a_web_origin_is_refused_without_posting() {
    let mut config = TenantConfig::default();
    config.clients[0]
        .callback_urls
        .push("http://127.0.0.1:3000/callback".to_owned());
    let router = tenant_with(config);
    let reply = get(
        &router,
        &authorize_uri(&[
            ("redirect_uri", "http://127.0.0.1:3000/callback"),
            ("prompt", "none"),
            ("response_mode", "web_message"),
        ]),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.header("location").is_none());
    assert_eq!(reply.header("x-frame-options"), Some("DENY"));
    assert!(!reply.body.contains("data-response"), "{}", reply.body);
    assert!(reply.body.contains("allowed web origins"), "{}", reply.body);
}

#[tokio::test]
async fn discovery_lists_web_message() {
    let router = tenant();
    let metadata: Value = get(&router, "/.well-known/openid-configuration", None)
        .await
        .json();
    assert_eq!(
        metadata["response_modes_supported"],
        serde_json::json!(["query", "fragment", "web_message"])
    );
}
