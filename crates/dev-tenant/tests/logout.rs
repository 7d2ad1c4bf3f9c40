//! `/oidc/logout` against logout CSRF: without an ID token of the current session it asks
//! before ending the session (OIDC RP-Initiated Logout 1.0 section 2), and only its own
//! confirmation form, carrying the session's token, ends it.

mod harness;

use axum::http::StatusCode;
use harness::*;
use serde_json::Value;

const RETURN: &str = "http%3A%2F%2Flocalhost%3A3000";

/// Whether `session` still answers `prompt=none` with a code.
async fn still_logged_in(router: &axum::Router, session: &str) -> bool {
    let reply = get(router, &authorize_uri(&[("prompt", "none")]), Some(session)).await;
    params(&reply.location(), false).contains_key("code")
}

/// Logs in and returns the session cookie and the session's ID token.
async fn session_and_id_token(router: &axum::Router) -> (String, String) {
    let (location, session) = log_in(router, &authorize_uri(&[]), "reader@example.com").await;
    let code = params(&location, false).remove("code").expect("a code");
    let body: Value = redeem(router, &code, VERIFIER).await.json();
    let id_token = body["id_token"].as_str().expect("an ID token").to_owned();
    (session, id_token)
}

fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html.find(&marker)? + marker.len();
    html[start..].split('"').next().map(str::to_owned)
}

#[tokio::test]
async fn without_an_id_token_hint_a_session_is_asked_before_it_ends() {
    let router = tenant();
    let (session, _) = session_and_id_token(&router).await;
    let uri = format!(
        "/oidc/logout?client_id=local-spa-client&post_logout_redirect_uri={RETURN}&state=bye"
    );
    let reply = get(&router, &uri, Some(&session)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.header("location").is_none());
    assert!(
        reply.set_cookie("dev_tenant_session").is_none(),
        "nothing cleared yet"
    );
    assert!(reply.body.contains("Log out?"), "{}", reply.body);
    assert!(
        reply
            .body
            .contains(r#"<button type="submit">Log out</button>"#)
    );
    assert_eq!(reply.header("x-frame-options"), Some("DENY"));
    assert!(still_logged_in(&router, &session).await);

    let token = hidden(&reply.body, "confirmation").expect("a confirmation token");
    let confirmed = post_form(
        &router,
        "/oidc/logout",
        &[
            ("confirmation", &token),
            ("client_id", "local-spa-client"),
            ("post_logout_redirect_uri", SPA_ORIGIN),
            ("state", "bye"),
        ],
        Some(&session),
    )
    .await;
    assert_eq!(confirmed.status, StatusCode::FOUND, "{}", confirmed.body);
    assert_eq!(
        confirmed.header("location"),
        Some("http://localhost:3000/?state=bye")
    );
    assert!(
        confirmed
            .set_cookie("dev_tenant_session")
            .is_some_and(|cookie| cookie.contains("Max-Age=0"))
    );
    assert!(!still_logged_in(&router, &session).await);
}

#[tokio::test]
async fn a_forged_or_missing_confirmation_leaves_the_session_alive() {
    let router = tenant();
    let (session, _) = session_and_id_token(&router).await;
    let forged = post_form(
        &router,
        "/oidc/logout",
        &[
            ("confirmation", "forged"),
            ("client_id", "local-spa-client"),
        ],
        Some(&session),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.body);
    assert!(forged.set_cookie("dev_tenant_session").is_none());
    // A cross-site form post without the token is a logout request like a GET: it asks.
    let missing = post_form(
        &router,
        "/oidc/logout",
        &[("client_id", "local-spa-client")],
        Some(&session),
    )
    .await;
    assert_eq!(missing.status, StatusCode::OK, "{}", missing.body);
    assert!(missing.body.contains("Log out?"));
    assert!(still_logged_in(&router, &session).await);
}

#[tokio::test]
async fn the_confirmation_token_of_another_session_does_not_end_this_one() {
    let router = tenant();
    let (mine, _) = session_and_id_token(&router).await;
    let (theirs, _) = session_and_id_token(&router).await;
    let page = get(&router, "/oidc/logout", Some(&theirs)).await;
    let their_token = hidden(&page.body, "confirmation").expect("a confirmation token");
    let reply = post_form(
        &router,
        "/oidc/logout",
        &[("confirmation", &their_token)],
        Some(&mine),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(still_logged_in(&router, &mine).await);
}

#[tokio::test]
async fn an_id_token_of_the_current_session_logs_out_at_once() {
    let router = tenant();
    let (session, id_token) = session_and_id_token(&router).await;
    let uri = format!(
        "/oidc/logout?id_token_hint={id_token}&post_logout_redirect_uri={RETURN}&state=bye"
    );
    let reply = get(&router, &uri, Some(&session)).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    assert_eq!(
        reply.header("location"),
        Some("http://localhost:3000/?state=bye")
    );
    assert!(!still_logged_in(&router, &session).await);
}

#[tokio::test]
async fn an_id_token_of_another_session_is_asked_about_first() {
    let router = tenant();
    let (mine, _) = session_and_id_token(&router).await;
    let (_, their_id_token) = session_and_id_token(&router).await;
    let uri = format!("/oidc/logout?id_token_hint={their_id_token}");
    let reply = get(&router, &uri, Some(&mine)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body.contains("Log out?"));
    assert!(
        reply
            .body
            .contains(r#"name="client_id" value="local-spa-client""#),
        "the hint's client is carried into the form"
    );
    assert!(still_logged_in(&router, &mine).await);
}

#[tokio::test]
async fn a_logout_request_posted_as_a_form_works_like_a_get() {
    let router = tenant();
    let (session, id_token) = session_and_id_token(&router).await;
    let reply = post_form(
        &router,
        "/oidc/logout",
        &[
            ("id_token_hint", &id_token),
            ("post_logout_redirect_uri", SPA_ORIGIN),
        ],
        Some(&session),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    assert_eq!(reply.header("location"), Some(SPA_ORIGIN));
    assert!(!still_logged_in(&router, &session).await);
}

#[tokio::test]
async fn a_refused_logout_request_ends_nothing() {
    let router = tenant();
    let (session, _) = session_and_id_token(&router).await;
    for uri in [
        "/oidc/logout?id_token_hint=not.a.token",
        "/oidc/logout?client_id=local-spa-client&post_logout_redirect_uri=https%3A%2F%2Fevil.example",
        "/oidc/logout?post_logout_redirect_uri=http%3A%2F%2Flocalhost%3A3000",
    ] {
        let reply = get(&router, uri, Some(&session)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(reply.set_cookie("dev_tenant_session").is_none(), "{uri}");
    }
    assert!(still_logged_in(&router, &session).await);
}

#[tokio::test]
async fn without_a_session_there_is_nothing_to_confirm() {
    let reply = get(
        &tenant(),
        &format!("/oidc/logout?client_id=local-spa-client&post_logout_redirect_uri={RETURN}"),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    assert_eq!(reply.header("location"), Some(SPA_ORIGIN));
}
