//! Ending refresh tokens: `/oauth/revoke` (RFC 7009) and logout, each of which revokes a whole
//! refresh-token family.

mod harness;

use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, ORIGIN};
use axum::http::{Method, Request, StatusCode};
use dev_tenant::TenantConfig;
use harness::*;
use serde_json::{Value, json};

const OFFLINE_SCOPE: &str = "openid profile email offline_access read:messages";

/// Logs in with `offline_access`; returns the refresh token, the ID token and the session.
async fn offline_login(router: &axum::Router) -> (String, String, String) {
    let (location, session) = log_in(
        router,
        &authorize_uri(&[("scope", OFFLINE_SCOPE)]),
        "reader@example.com",
    )
    .await;
    let code = params(&location, false).remove("code").expect("a code");
    let body: Value = redeem(router, &code, VERIFIER).await.json();
    let refresh_token = body["refresh_token"].as_str().expect("a refresh token");
    let id_token = body["id_token"].as_str().expect("an ID token");
    (refresh_token.to_owned(), id_token.to_owned(), session)
}

async fn revoke(router: &axum::Router, form: &[(&str, &str)]) -> Reply {
    post_form(router, "/oauth/revoke", form, None).await
}

fn assert_refused(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(reply.json::<Value>()["error"], "invalid_grant");
}

#[tokio::test]
async fn revoking_a_refresh_token_answers_200_and_ends_its_family() {
    let router = tenant();
    let (first, _, _) = offline_login(&router).await;
    let second: Value = refresh(&router, &first).await.json();
    let second = second["refresh_token"]
        .as_str()
        .expect("rotated")
        .to_owned();
    let reply = revoke(
        &router,
        &[
            ("token", &second),
            ("token_type_hint", "refresh_token"),
            ("client_id", CLIENT_ID),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, "");
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_refused(&refresh(&router, &second).await);
}

#[tokio::test]
async fn revoking_a_rotated_away_token_ends_the_family_too() {
    let router = tenant();
    let (first, _, _) = offline_login(&router).await;
    let second: Value = refresh(&router, &first).await.json();
    let second = second["refresh_token"]
        .as_str()
        .expect("rotated")
        .to_owned();
    let reply = revoke(&router, &[("token", &first), ("client_id", CLIENT_ID)]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_refused(&refresh(&router, &second).await);
}

#[tokio::test]
async fn revoking_with_a_json_body_works_like_a_form() {
    let router = tenant();
    let (token, _, _) = offline_login(&router).await;
    let request = Request::builder()
        .method(Method::POST)
        .uri("/oauth/revoke")
        .header(CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"client_id": CLIENT_ID, "token": token}).to_string(),
        ))
        .expect("request");
    let reply = send(&router, request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_refused(&refresh(&router, &token).await);
}

#[tokio::test]
async fn revoking_an_unknown_or_already_revoked_token_answers_200_as_rfc_7009_says() {
    let router = tenant();
    let (token, id_token, _) = offline_login(&router).await;
    for presented in [
        token.as_str(),
        token.as_str(),
        "made-up",
        "a.b",
        id_token.as_str(),
    ] {
        let reply = revoke(&router, &[("token", presented), ("client_id", CLIENT_ID)]).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
}

#[tokio::test]
async fn revocation_needs_a_token_and_a_registered_client_id() {
    let router = tenant();
    let (token, _, _) = offline_login(&router).await;
    let without_client = revoke(&router, &[("token", &token)]).await;
    assert_eq!(without_client.status, StatusCode::BAD_REQUEST);
    assert_eq!(without_client.json::<Value>()["error"], "invalid_request");
    let without_token = revoke(&router, &[("client_id", CLIENT_ID)]).await;
    assert_eq!(without_token.status, StatusCode::BAD_REQUEST);
    assert_eq!(without_token.json::<Value>()["error"], "invalid_request");
    let stranger = revoke(&router, &[("token", &token), ("client_id", "nobody")]).await;
    assert_eq!(stranger.status, StatusCode::UNAUTHORIZED);
    assert_eq!(stranger.json::<Value>()["error"], "invalid_client");
    let repeated = revoke(
        &router,
        &[("token", &token), ("token", "x"), ("client_id", CLIENT_ID)],
    )
    .await;
    assert_eq!(repeated.status, StatusCode::BAD_REQUEST);
    let still_valid = refresh(&router, &token).await;
    assert_eq!(still_valid.status, StatusCode::OK, "{}", still_valid.body);
}

#[tokio::test]
async fn another_client_cannot_revoke_a_refresh_token() {
    let mut config = TenantConfig::default();
    let mut other = config.clients[0].clone();
    other.client_id = "other-client".into();
    config.clients.push(other);
    let router = tenant_with(config);
    let (token, _, _) = offline_login(&router).await;
    let reply = revoke(&router, &[("token", &token), ("client_id", "other-client")]).await;
    assert_refused(&reply);
    let still_valid = refresh(&router, &token).await;
    assert_eq!(still_valid.status, StatusCode::OK, "{}", still_valid.body);
}

#[tokio::test]
async fn the_spa_origin_may_call_the_revocation_endpoint_and_others_may_not() {
    let router = tenant();
    let preflight = |origin: &str| {
        Request::builder()
            .method(Method::OPTIONS)
            .uri("/oauth/revoke")
            .header(ORIGIN, origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .body(Body::empty())
            .expect("request")
    };
    let allowed = send(&router, preflight(SPA_ORIGIN)).await;
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some(SPA_ORIGIN)
    );
    let stranger = send(&router, preflight("http://localhost:4000")).await;
    assert_eq!(stranger.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn discovery_advertises_the_revocation_endpoint() {
    let body: Value = get(&tenant(), "/.well-known/openid-configuration", None)
        .await
        .json();
    assert_eq!(
        body["revocation_endpoint"],
        "http://localhost:3002/oauth/revoke"
    );
}

#[tokio::test]
async fn auth0_logout_revokes_the_refresh_tokens_of_the_session_only() {
    let router = tenant();
    let (mine, _, session) = offline_login(&router).await;
    let (theirs, _, _) = offline_login(&router).await;
    let reply = get(
        &router,
        "/v2/logout?client_id=local-spa-client&returnTo=http%3A%2F%2Flocalhost%3A3000",
        Some(&session),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    assert_refused(&refresh(&router, &mine).await);
    let other_session = refresh(&router, &theirs).await;
    assert_eq!(
        other_session.status,
        StatusCode::OK,
        "{}",
        other_session.body
    );
}

#[tokio::test]
async fn oidc_logout_revokes_the_refresh_tokens_of_the_session() {
    let router = tenant();
    let (token, id_token, session) = offline_login(&router).await;
    let uri = format!(
        "/oidc/logout?id_token_hint={id_token}&post_logout_redirect_uri=http%3A%2F%2Flocalhost%3A3000"
    );
    let reply = get(&router, &uri, Some(&session)).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    assert_refused(&refresh(&router, &token).await);
}
