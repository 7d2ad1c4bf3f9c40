//! `/oauth/token`: single-use codes bound to client, redirect URI and PKCE verifier; refresh
//! token rotation with reuse detection; RFC 6749 5.2 errors.

mod harness;

use std::time::Duration;

use axum::body::Body;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{Method, Request, StatusCode};
use dev_tenant::TenantConfig;
use dev_tenant::clock::Clock;
use harness::*;
use serde_json::{Value, json};

fn assert_oauth_error(reply: &Reply, status: StatusCode, error: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.header(CACHE_CONTROL.as_str()), Some("no-store"));
    let body: Value = reply.json();
    assert_eq!(body["error"], error, "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|description| !description.is_empty())
    );
}

#[tokio::test]
async fn wrong_verifier_is_invalid_grant_and_burns_the_code() {
    let router = tenant();
    let code = code_for(&router, "reader@example.com", &[]).await;
    let wrong = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    assert_oauth_error(
        &redeem(&router, &code, wrong).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
    assert_oauth_error(
        &redeem(&router, &code, VERIFIER).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
}

#[tokio::test]
async fn missing_verifier_is_invalid_request() {
    let router = tenant();
    let code = code_for(&router, "reader@example.com", &[]).await;
    let reply = post_form(
        &router,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", &code),
            ("redirect_uri", CALLBACK),
        ],
        None,
    )
    .await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
}

#[tokio::test]
async fn a_replayed_code_is_refused() {
    let router = tenant();
    let code = code_for(&router, "reader@example.com", &[]).await;
    assert_eq!(
        redeem(&router, &code, VERIFIER).await.status,
        StatusCode::OK
    );
    assert_oauth_error(
        &redeem(&router, &code, VERIFIER).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
}

#[tokio::test]
async fn a_replayed_code_revokes_the_refresh_token_it_yielded() {
    let router = tenant();
    let code = code_for(
        &router,
        "reader@example.com",
        &[("scope", "openid offline_access read:messages")],
    )
    .await;
    let body: Value = redeem(&router, &code, VERIFIER).await.json();
    let refresh_token = body["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_owned();
    assert_oauth_error(
        &redeem(&router, &code, VERIFIER).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
    assert_oauth_error(
        &refresh(&router, &refresh_token).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_redemptions_of_one_code_have_exactly_one_winner() {
    let router = tenant();
    let code = code_for(&router, "reader@example.com", &[]).await;
    let attempts: Vec<_> = (0..16)
        .map(|_| {
            let router = router.clone();
            let code = code.clone();
            tokio::spawn(async move { redeem(&router, &code, VERIFIER).await })
        })
        .collect();
    let mut winners = 0;
    for attempt in attempts {
        let reply = attempt.await.expect("task");
        if reply.status == StatusCode::OK {
            winners += 1;
        } else {
            assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_grant");
        }
    }
    assert_eq!(winners, 1);
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let config = TenantConfig {
        code_lifetime: Duration::ZERO,
        ..TenantConfig::default()
    };
    let router = tenant_with(config);
    let code = code_for(&router, "reader@example.com", &[]).await;
    let reply = redeem(&router, &code, VERIFIER).await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_grant");
}

#[tokio::test]
async fn a_code_is_bound_to_its_redirect_uri_and_client() {
    let mut config = TenantConfig::default();
    let mut other = config.clients[0].clone();
    other.client_id = "other-client".into();
    config.clients.push(other);
    let router = tenant_with(config);

    let code = code_for(&router, "reader@example.com", &[]).await;
    let reply = post_form(
        &router,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", &code),
            ("code_verifier", VERIFIER),
            ("redirect_uri", "http://localhost:3000/other"),
        ],
        None,
    )
    .await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_grant");

    let code = code_for(&router, "reader@example.com", &[]).await;
    let reply = post_form(
        &router,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "other-client"),
            ("code", &code),
            ("code_verifier", VERIFIER),
            ("redirect_uri", CALLBACK),
        ],
        None,
    )
    .await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_grant");
}

#[tokio::test]
async fn unknown_client_is_invalid_client_with_401() {
    let reply = post_form(
        &tenant(),
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "nobody"),
            ("code", "x"),
            ("code_verifier", VERIFIER),
            ("redirect_uri", CALLBACK),
        ],
        None,
    )
    .await;
    assert_oauth_error(&reply, StatusCode::UNAUTHORIZED, "invalid_client");
    assert!(
        reply.header("www-authenticate").is_none(),
        "no Basic prompt in browsers"
    );
}

#[tokio::test]
async fn unsupported_grant_type_is_reported() {
    let reply = post_form(
        &tenant(),
        "/oauth/token",
        &[("grant_type", "password"), ("client_id", CLIENT_ID)],
        None,
    )
    .await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "unsupported_grant_type");
}

#[tokio::test]
async fn repeated_form_parameters_are_invalid_request() {
    let reply = post_form(
        &tenant(),
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("client_id", CLIENT_ID),
        ],
        None,
    )
    .await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
}

#[tokio::test]
async fn json_bodies_are_accepted_like_auth0() {
    let router = tenant();
    let code = code_for(&router, "reader@example.com", &[]).await;
    let body = json!({
        "grant_type": "authorization_code",
        "client_id": CLIENT_ID,
        "code": code,
        "code_verifier": VERIFIER,
        "redirect_uri": CALLBACK,
    });
    let request = Request::builder()
        .method(Method::POST)
        .uri("/oauth/token")
        .header(CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    let reply = send(&router, request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let tokens: Value = reply.json();
    assert!(
        tokens["access_token"]
            .as_str()
            .is_some_and(|token| token.split('.').count() == 3)
    );
}

#[tokio::test]
async fn json_refresh_with_numeric_authorization_params_is_accepted_like_auth0() {
    let router = tenant();
    let code = code_for(
        &router,
        "reader@example.com",
        &[("scope", "openid profile email offline_access read:messages")],
    )
    .await;
    let first: Value = redeem(&router, &code, VERIFIER).await.json();
    let refresh_token = first["refresh_token"].as_str().expect("a refresh token");
    let body = json!({
        "client_id": CLIENT_ID,
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "redirect_uri": CALLBACK,
        "scope": "openid profile email offline_access read:messages",
        "max_age": 3600,
        "timeout": 10000,
        "useFormData": false,
    });
    let request = Request::builder()
        .method(Method::POST)
        .uri("/oauth/token")
        .header(CONTENT_TYPE, "application/json")
        .header("auth0-client", "eyJuYW1lIjoiYXV0aDAtc3BhLWpzIn0=")
        .body(Body::from(body.to_string()))
        .expect("request");
    let reply = send(&router, request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let tokens: Value = reply.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert!(tokens["refresh_token"].is_string());
    assert_ne!(tokens["refresh_token"], first["refresh_token"]);
}

#[tokio::test]
async fn json_objects_as_parameters_are_invalid_request() {
    let body = json!({"grant_type": "refresh_token", "client_id": {"nested": true}});
    let request = Request::builder()
        .method(Method::POST)
        .uri("/oauth/token")
        .header(CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    let reply = send(&tenant(), request).await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    assert!(
        reply.body.contains("strings, numbers or booleans"),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn other_content_types_are_invalid_request() {
    let request = Request::builder()
        .method(Method::POST)
        .uri("/oauth/token")
        .header(CONTENT_TYPE, "text/plain")
        .body(Body::from("grant_type=authorization_code"))
        .expect("request");
    assert_oauth_error(
        &send(&tenant(), request).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    );
}

async fn refresh_token_for(router: &axum::Router) -> String {
    let code = code_for(
        router,
        "reader@example.com",
        &[("scope", "openid profile email offline_access read:messages")],
    )
    .await;
    let body: Value = redeem(router, &code, VERIFIER).await.json();
    assert_eq!(
        body["scope"],
        "openid profile email offline_access read:messages"
    );
    body["refresh_token"]
        .as_str()
        .expect("offline_access issues a refresh token")
        .to_owned()
}

#[tokio::test]
async fn refresh_tokens_rotate_on_every_use() {
    let router = tenant();
    let first = refresh_token_for(&router).await;
    let reply = refresh(&router, &first).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.header(CACHE_CONTROL.as_str()), Some("no-store"));
    let body: Value = reply.json();
    let second = body["refresh_token"]
        .as_str()
        .expect("a new refresh token")
        .to_owned();
    assert_ne!(second, first);
    assert!(body["access_token"].as_str().is_some());
    assert!(body["id_token"].as_str().is_some());
    let third: Value = refresh(&router, &second).await.json();
    assert!(
        third["refresh_token"]
            .as_str()
            .is_some_and(|token| token != second)
    );
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_revokes_the_whole_family() {
    let router = tenant();
    let first = refresh_token_for(&router).await;
    let second: Value = refresh(&router, &first).await.json();
    let second = second["refresh_token"]
        .as_str()
        .expect("rotated")
        .to_owned();

    let reuse = refresh(&router, &first).await;
    assert_oauth_error(&reuse, StatusCode::BAD_REQUEST, "invalid_grant");
    assert!(reuse.body.contains("reuse"), "{}", reuse.body);
    // The legitimate successor dies with its family.
    assert_oauth_error(
        &refresh(&router, &second).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
}

#[tokio::test]
async fn every_refresh_refusal_says_invalid_refresh_token_which_auth0_spa_js_falls_back_on() {
    let router = tenant();
    let first = refresh_token_for(&router).await;
    let unknown = refresh(&router, "made-up").await;
    let foreign = post_form(
        &router,
        "/oauth/token",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "other-client"),
            ("refresh_token", &first),
        ],
        None,
    )
    .await;
    assert_oauth_error(&foreign, StatusCode::UNAUTHORIZED, "invalid_client");
    let mut config = TenantConfig::default();
    let mut other = config.clients[0].clone();
    other.client_id = "other-client".into();
    config.clients.push(other);
    let two_clients = tenant_with(config);
    let token = refresh_token_for(&two_clients).await;
    let wrong_client = post_form(
        &two_clients,
        "/oauth/token",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "other-client"),
            ("refresh_token", &token),
        ],
        None,
    )
    .await;
    refresh(&router, &first).await;
    let reused = refresh(&router, &first).await;
    for reply in [&unknown, &wrong_client, &reused] {
        assert_oauth_error(reply, StatusCode::BAD_REQUEST, "invalid_grant");
        let body: Value = reply.json();
        let description = body["error_description"].as_str().unwrap_or_default();
        assert!(
            description.contains("invalid refresh token"),
            "{description}"
        );
    }
}

#[tokio::test]
async fn refresh_returns_what_was_granted_of_the_requested_scope() {
    let router = tenant();
    let token = refresh_token_for(&router).await;
    let widened = post_form(
        &router,
        "/oauth/token",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("refresh_token", &token),
            ("scope", "openid write:all"),
        ],
        None,
    )
    .await;
    // Like Auth0: what was asked beyond the grant is left out, not refused.
    let widened: Value = widened.json();
    assert_eq!(widened["scope"], "openid", "{widened}");
    let token = widened["refresh_token"]
        .as_str()
        .expect("rotated")
        .to_owned();
    let narrowed = post_form(
        &router,
        "/oauth/token",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("refresh_token", &token),
            ("scope", "openid"),
        ],
        None,
    )
    .await;
    let body: Value = narrowed.json();
    assert_eq!(body["scope"], "openid", "{body}");
}

#[tokio::test]
async fn unknown_refresh_token_is_invalid_grant() {
    assert_oauth_error(
        &refresh(&tenant(), "not-a-token").await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
}

#[tokio::test]
async fn preflight_from_the_spa_allows_the_auth0_client_header_auth0_spa_js_sends() {
    let request = Request::builder()
        .method(Method::OPTIONS)
        .uri("/oauth/token")
        .header("origin", SPA_ORIGIN)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "auth0-client,content-type",
        )
        .body(Body::empty())
        .expect("request");
    let reply = send(&tenant(), request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some(SPA_ORIGIN)
    );
    let allowed = reply
        .header("access-control-allow-headers")
        .expect("allowed headers")
        .to_ascii_lowercase();
    assert!(allowed.contains("auth0-client"), "{allowed}");
    assert!(allowed.contains("content-type"), "{allowed}");
    let methods = reply
        .header("access-control-allow-methods")
        .expect("allowed methods");
    assert!(methods.contains("POST"), "{methods}");
}

const DAY: Duration = Duration::from_secs(24 * 3600);

/// The refresh token of a refresh answer.
fn rotated(reply: &Reply) -> String {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let body: Value = reply.json();
    body["refresh_token"]
        .as_str()
        .expect("a rotated refresh token")
        .to_owned()
}

#[tokio::test]
async fn a_refresh_token_family_ends_at_its_absolute_lifetime_however_often_it_rotates() {
    let clock = Clock::fixed_at(dev_tenant::clock::now());
    let router = tenant_with_clock(TenantConfig::default(), &clock);
    let mut token = refresh_token_for(&router).await;
    // Refreshing every ten days keeps it from going idle for 15 days ...
    for _ in 0..2 {
        clock.advance(10 * DAY);
        token = rotated(&refresh(&router, &token).await);
    }
    clock.advance(9 * DAY);
    token = rotated(&refresh(&router, &token).await);
    // ... but day 30 after the login is the end, whatever the last rotation was.
    clock.advance(DAY);
    let expired = refresh(&router, &token).await;
    assert_oauth_error(&expired, StatusCode::BAD_REQUEST, "invalid_grant");
    assert!(
        expired.body.contains("invalid refresh token"),
        "{}",
        expired.body
    );
}

#[tokio::test]
async fn a_refresh_token_unused_for_its_idle_lifetime_is_refused() {
    let clock = Clock::fixed_at(dev_tenant::clock::now());
    let router = tenant_with_clock(TenantConfig::default(), &clock);
    let token = refresh_token_for(&router).await;
    clock.advance(14 * DAY);
    let token = rotated(&refresh(&router, &token).await);
    clock.advance(15 * DAY);
    assert_oauth_error(
        &refresh(&router, &token).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
}

#[tokio::test]
async fn configured_refresh_token_lifetimes_apply() {
    let clock = Clock::fixed_at(dev_tenant::clock::now());
    let config = TenantConfig {
        refresh_token_absolute_lifetime: Duration::from_secs(100),
        refresh_token_idle_lifetime: Duration::from_secs(40),
        ..TenantConfig::default()
    };
    let router = tenant_with_clock(config, &clock);
    let token = refresh_token_for(&router).await;
    clock.advance(Duration::from_secs(39));
    let token = rotated(&refresh(&router, &token).await);
    clock.advance(Duration::from_secs(40));
    assert_oauth_error(
        &refresh(&router, &token).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
}

#[tokio::test]
async fn within_the_reuse_interval_the_rotated_token_gets_the_current_one_without_revoking() {
    let clock = Clock::fixed_at(dev_tenant::clock::now());
    let config = TenantConfig {
        refresh_token_reuse_interval: Duration::from_secs(30),
        ..TenantConfig::default()
    };
    let router = tenant_with_clock(config, &clock);
    let first = refresh_token_for(&router).await;
    let second = rotated(&refresh(&router, &first).await);
    clock.advance(Duration::from_secs(29));
    let again = refresh(&router, &first).await;
    assert_eq!(
        rotated(&again),
        second,
        "the same live token, not a new branch"
    );
    let body: Value = again.json();
    assert!(body["access_token"].is_string(), "{body}");
    let third = rotated(&refresh(&router, &second).await);
    // Past the interval the token rotated away last is reuse, and the family goes.
    clock.advance(Duration::from_secs(30));
    let reuse = refresh(&router, &second).await;
    assert_oauth_error(&reuse, StatusCode::BAD_REQUEST, "invalid_grant");
    assert!(reuse.body.contains("reuse"), "{}", reuse.body);
    assert_oauth_error(
        &refresh(&router, &third).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
}

#[tokio::test]
async fn access_tokens_live_as_long_as_configured() {
    let config = TenantConfig {
        access_token_lifetime: Duration::from_secs(5),
        ..TenantConfig::default()
    };
    let router = tenant_with(config);
    let code = code_for(&router, "reader@example.com", &[]).await;
    let body: Value = redeem(&router, &code, VERIFIER).await.json();
    assert_eq!(body["expires_in"], 5);
    let access: oidc_protocol::AccessTokenClaims = verify(
        &router,
        body["access_token"].as_str().unwrap_or_default(),
        AUDIENCE,
    )
    .await;
    assert_eq!(
        access.exp.zip(access.iat).map(|(exp, iat)| exp - iat),
        Some(5)
    );
}

async fn post_json(router: &axum::Router, body: &str) -> Reply {
    let request = Request::builder()
        .method(Method::POST)
        .uri("/oauth/token")
        .header(CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_owned()))
        .expect("request");
    send(router, request).await
}

#[tokio::test]
async fn repeated_json_members_are_invalid_request_like_repeated_form_parameters() {
    let router = tenant();
    let code = code_for(&router, "reader@example.com", &[]).await;
    let body = format!(
        r#"{{"grant_type":"authorization_code","client_id":"{CLIENT_ID}","code":"forged","code":"{code}","code_verifier":"{VERIFIER}","redirect_uri":"{CALLBACK}"}}"#
    );
    let reply = post_json(&router, &body).await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    assert!(reply.body.contains("repeated"), "{}", reply.body);
    // The refused request consumed nothing: the code still redeems once.
    assert_eq!(
        redeem(&router, &code, VERIFIER).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn json_bodies_that_are_not_objects_or_not_json_say_which() {
    let router = tenant();
    let not_object = post_json(&router, r#"["grant_type"]"#).await;
    assert_oauth_error(&not_object, StatusCode::BAD_REQUEST, "invalid_request");
    assert!(
        not_object.body.contains("JSON object"),
        "{}",
        not_object.body
    );
    let not_json = post_json(&router, r#"{"grant_type":"#).await;
    assert_oauth_error(&not_json, StatusCode::BAD_REQUEST, "invalid_request");
    assert!(
        not_json.body.contains("not valid JSON"),
        "{}",
        not_json.body
    );
}

#[tokio::test]
async fn a_body_over_16_kib_is_refused_with_413() {
    let padding = "a".repeat(16 * 1024);
    let reply = post_form(
        &tenant(),
        "/oauth/token",
        &[("grant_type", "refresh_token"), ("padding", &padding)],
        None,
    )
    .await;
    assert_oauth_error(&reply, StatusCode::PAYLOAD_TOO_LARGE, "invalid_request");
}

#[tokio::test]
async fn a_client_not_registered_for_refresh_tokens_gets_none_and_cannot_refresh() {
    let mut config = TenantConfig::default();
    config.clients[0].grant_types = vec![dev_tenant::config::GrantType::AuthorizationCode];
    let router = tenant_with(config);
    let code = code_for(
        &router,
        "reader@example.com",
        &[("scope", "openid offline_access read:messages")],
    )
    .await;
    let reply = redeem(&router, &code, VERIFIER).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let body: Value = reply.json();
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert_oauth_error(
        &refresh(&router, "any-refresh-token").await,
        StatusCode::BAD_REQUEST,
        "unauthorized_client",
    );
}
