//! The library mounted in an app with its own state: what the extractors hand the handler,
//! the RFC 6750 answers they give instead, and the validator used without an extractor.

mod notes_app;
mod support;

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode};
use axum_bearer_auth::{
    AuthErrorKind, BearerAuth, BearerAuthConfig, ClaimsSlot, KeyStatus, Outcome, Realm, TokenError,
};
use notes_app::{notes_app, notes_app_with};
use oidc_protocol::{Audience, Issuer};
use serde_json::json;
use support::*;

fn config(issuer: &str) -> BearerAuthConfig {
    BearerAuthConfig::new(Issuer::parse(issuer).unwrap(), Audience::new(AUDIENCE)).unwrap()
}

fn token(server: &JwksServer, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut claims = valid_claims(&server.issuer);
    edit(&mut claims);
    sign(&rs256_header(primary_key().kid), &claims, primary_key())
}

async fn me(app: &Router, authorization: Option<&str>) -> Answer {
    call(app, "/me", authorization).await
}

#[tokio::test]
async fn handler_gets_the_claims_and_the_rest_of_its_own_state() {
    let server = JwksServer::start(&[primary_key()]).await;
    let app = notes_app(config(&server.issuer));
    let exp = now() + 600;
    let token = token(&server, |claims| {
        claims["exp"] = json!(exp);
        claims["scope"] = json!("openid  read:notes");
        claims["permissions"] = json!(["write:notes"]);
    });
    let answer = me(&app, Some(&format!("Bearer {token}"))).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(
        answer.json,
        json!({
            "shelf": "kitchen",
            "sub": "auth0|reader",
            "scopes": ["openid", "read:notes"],
            "permissions": ["write:notes"],
            "exp": exp,
        })
    );
}

#[tokio::test]
async fn missing_credentials_get_a_bare_challenge_and_fetch_nothing() {
    let server = JwksServer::start(&[primary_key()]).await;
    let app = notes_app(config(&server.issuer));
    for authorization in [None, Some("Basic dXNlcjpwYXNz")] {
        let answer = me(&app, authorization).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            answer.header("www-authenticate"),
            Some("Bearer realm=\"api\"")
        );
        assert_eq!(
            answer.json,
            json!({"error": "unauthorized", "error_description": "bearer token required"})
        );
    }
    assert_eq!(server.jwks_fetches(), 0);
}

#[tokio::test]
async fn malformed_header_is_a_400_and_a_bad_token_a_401() {
    let server = JwksServer::start(&[primary_key()]).await;
    let app = notes_app(config(&server.issuer));
    let answer = me(&app, Some("Bearer a b")).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.json["error"], "invalid_request");

    let expired = token(&server, |claims| claims["exp"] = json!(now() - 3600));
    let answer = me(&app, Some(&format!("Bearer {expired}"))).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        answer.header("www-authenticate"),
        Some("Bearer realm=\"api\", error=\"invalid_token\", error_description=\"token expired\"")
    );
    assert!(!answer.text.contains(&expired));
}

#[tokio::test]
async fn configured_realm_is_named_by_every_challenge() {
    let server = JwksServer::start(&[primary_key()]).await;
    let app = notes_app(config(&server.issuer).with_realm(Realm::new("notes").unwrap()));
    let answer = me(&app, None).await;
    assert_eq!(
        answer.header("www-authenticate"),
        Some("Bearer realm=\"notes\"")
    );
    let unscoped = token(&server, |claims| claims["scope"] = json!("openid"));
    let answer = call(&app, "/notes", Some(&format!("Bearer {unscoped}"))).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(
        answer.header("www-authenticate"),
        Some(
            "Bearer realm=\"notes\", error=\"insufficient_scope\", error_description=\"the read:notes scope is required\", scope=\"read:notes\""
        )
    );
}

#[tokio::test]
async fn unreachable_issuer_is_a_503_with_retry_after() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let issuer = format!("http://{}/", listener.local_addr().unwrap());
    drop(listener);
    let app = notes_app(config(&issuer));
    let mut claims = valid_claims(&issuer);
    claims["iss"] = json!(issuer);
    let token = sign(&rs256_header(primary_key().kid), &claims, primary_key());
    let answer = me(&app, Some(&format!("Bearer {token}"))).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.header("retry-after"), Some("10"));
    assert!(answer.header("www-authenticate").is_none());
    assert_eq!(
        answer.json,
        json!({"error": "temporarily_unavailable", "error_description": "signing keys unavailable"})
    );
}

#[tokio::test]
async fn validator_verifies_a_token_without_an_extractor() {
    let server = JwksServer::start(&[primary_key()]).await;
    let auth = BearerAuth::new(config(&server.issuer));
    let good = token(&server, |_| {});
    let claims = auth.verify(&good).await.unwrap();
    assert_eq!(claims.subject(), "auth0|reader");
    assert!(claims.has_scope("read:messages"));

    let mut headers = HeaderMap::new();
    headers.insert(
        "authorization",
        HeaderValue::from_str(&format!("bearer {good}")).unwrap(),
    );
    assert_eq!(
        auth.authenticate(&headers).await.unwrap().subject(),
        "auth0|reader"
    );

    let wrong_audience = token(&server, |claims| claims["aud"] = json!("https://other/api"));
    let error = auth.verify(&wrong_audience).await.unwrap_err();
    assert_eq!(
        error.kind(),
        &AuthErrorKind::InvalidToken(TokenError::WrongAudience)
    );
    assert_eq!(error.status(), StatusCode::UNAUTHORIZED);

    let oversized = "a".repeat(9 * 1024);
    assert_eq!(
        auth.verify(&oversized).await.unwrap_err().kind(),
        &AuthErrorKind::InvalidToken(TokenError::Malformed)
    );
    assert_eq!(
        auth.authenticate(&HeaderMap::new())
            .await
            .unwrap_err()
            .kind(),
        &AuthErrorKind::MissingCredentials
    );
}

#[tokio::test]
async fn extractors_leave_the_verified_claims_in_a_slot_the_request_carries() {
    let server = JwksServer::start(&[primary_key()]).await;
    let app = notes_app(config(&server.issuer));
    let reader = format!(
        "Bearer {}",
        token(&server, |claims| claims["scope"] = json!("read:notes"))
    );
    let cases = [
        (
            "/me",
            Some(reader.as_str()),
            StatusCode::OK,
            Some("auth0|reader"),
        ),
        (
            "/notes",
            Some(reader.as_str()),
            StatusCode::OK,
            Some("auth0|reader"),
        ),
        // Valid, but without `archive:notes` in `permissions`: refused, and the slot says who.
        (
            "/notes/archive",
            Some(reader.as_str()),
            StatusCode::FORBIDDEN,
            Some("auth0|reader"),
        ),
        (
            "/notes",
            Some("Bearer a.b.c"),
            StatusCode::UNAUTHORIZED,
            None,
        ),
        ("/me", None, StatusCode::UNAUTHORIZED, None),
    ];
    for (path, authorization, status, subject) in cases {
        let slot = ClaimsSlot::new();
        let method = if path == "/notes/archive" {
            "POST"
        } else {
            "GET"
        };
        let mut request = Request::builder().method(method).uri(path);
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let mut request = request.body(Body::empty()).unwrap();
        request.extensions_mut().insert(slot.clone());
        let answer = call_with(&app, request).await;
        assert_eq!(answer.status, status, "{path}: {answer:?}");
        assert_eq!(slot.subject(), subject, "{path}");
        if subject.is_some() {
            let claims = slot.claims().unwrap();
            assert!(claims.has_scope("read:notes"), "{path}");
        }
    }
}

#[tokio::test]
async fn a_remembered_token_still_needs_a_well_formed_header() {
    let server = JwksServer::start(&[primary_key()]).await;
    let app = notes_app(config(&server.issuer));
    let token = token(&server, |_| {});
    assert_eq!(
        me(&app, Some(&format!("Bearer {token}"))).await.status,
        StatusCode::OK
    );
    for accepted in [
        format!("bearer {token}"),
        format!("BEARER  {token}"),
        format!("Bearer {token}\t"),
    ] {
        assert_eq!(
            me(&app, Some(&accepted)).await.status,
            StatusCode::OK,
            "{accepted:?}"
        );
    }
    for (refused, status) in [
        (format!("Bearer {token} x"), StatusCode::BAD_REQUEST),
        (format!("Bearer\t{token}"), StatusCode::BAD_REQUEST),
        (format!("Basic {token}"), StatusCode::UNAUTHORIZED),
        (format!("Bearer {token}="), StatusCode::UNAUTHORIZED),
    ] {
        assert_eq!(me(&app, Some(&refused)).await.status, status, "{refused:?}");
    }
    let twice = Request::get("/me")
        .header("authorization", format!("Bearer {token}"))
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(call_with(&app, twice).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(server.jwks_fetches(), 1);
}

#[tokio::test]
async fn clones_of_the_validator_share_their_caches() {
    let server = JwksServer::start(&[primary_key()]).await;
    let auth = BearerAuth::new(config(&server.issuer).with_verified_token_ttl(Duration::ZERO));
    let copy = auth.clone();
    let first = token(&server, |claims| claims["sub"] = json!("auth0|first"));
    let second = token(&server, |claims| claims["sub"] = json!("auth0|second"));
    assert_eq!(auth.verify(&first).await.unwrap().subject(), "auth0|first");
    assert_eq!(
        copy.verify(&second).await.unwrap().subject(),
        "auth0|second"
    );
    assert_eq!(server.jwks_fetches(), 1);
}

#[test]
fn validator_debug_shows_whom_it_trusts() {
    let auth = BearerAuth::new(config("https://tenant.eu.auth0.com/"));
    let debug = format!("{auth:?}");
    assert!(debug.contains("https://tenant.eu.auth0.com/"), "{debug}");
    assert!(debug.contains(AUDIENCE), "{debug}");
}

#[tokio::test]
async fn token_in_the_header_and_the_query_is_an_invalid_request() {
    let server = JwksServer::start(&[primary_key()]).await;
    let app = notes_app(config(&server.issuer));
    let token = token(&server, |_| {});
    let header = format!("Bearer {token}");
    for query in [
        format!("access_token={token}"),
        format!("shelf=a&access_token={token}"),
        "access_token=".to_owned(),
        format!("access%5Ftoken={token}"),
    ] {
        let answer = call(&app, &format!("/me?{query}"), Some(&header)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(
            answer.header("www-authenticate"),
            Some(
                "Bearer realm=\"api\", error=\"invalid_request\", error_description=\"access token sent in more than one way\""
            ),
            "{query}"
        );
        assert_eq!(answer.json["error"], "invalid_request");
        assert!(!answer.text.contains(&token));
    }
    // Other query parameters are no token.
    let answer = call(&app, "/me?access_tokens=1&token=2", Some(&header)).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
}

#[tokio::test]
async fn a_token_in_the_query_alone_is_no_credential() {
    let server = JwksServer::start(&[primary_key()]).await;
    let app = notes_app(config(&server.issuer));
    let token = token(&server, |_| {});
    for authorization in [None, Some("Basic dXNlcjpwYXNz")] {
        let answer = call(&app, &format!("/me?access_token={token}"), authorization).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{authorization:?}");
        assert_eq!(
            answer.header("www-authenticate"),
            Some("Bearer realm=\"api\"")
        );
        assert_eq!(answer.json["error"], "unauthorized");
    }
    assert_eq!(server.jwks_fetches(), 0);
}

#[tokio::test]
async fn a_handler_refuses_a_token_in_its_form_body_as_well_as_the_header() {
    let server = JwksServer::start(&[primary_key()]).await;
    let app = notes_app(config(&server.issuer));
    let token = token(&server, |_| {});
    let post = |body: String| {
        Request::post("/notes/comment")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    let answer = call_with(&app, post(format!("text=hi&access_token={token}"))).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{answer:?}");
    assert_eq!(answer.json["error"], "invalid_request");
    assert_eq!(
        answer.json["error_description"],
        "access token sent in more than one way"
    );
    let answer = call_with(&app, post("text=hi".to_owned())).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(answer.text, "comment by auth0|reader");
}

#[tokio::test]
async fn metrics_count_each_check_by_outcome_and_each_fetch() {
    let server = JwksServer::start(&[primary_key()]).await;
    let auth = BearerAuth::new(config(&server.issuer));
    let app = notes_app_with(auth.clone());
    let good = format!("Bearer {}", token(&server, |_| {}));
    let expired = format!(
        "Bearer {}",
        token(&server, |claims| claims["exp"] = json!(now() - 3600))
    );
    assert_eq!(auth.metrics().keys(), KeyStatus::NeverFetched);
    assert_eq!(auth.metrics().keys_age(), None);
    for authorization in [
        Some(good.as_str()),
        Some(good.as_str()),
        Some(good.as_str()),
        Some(expired.as_str()),
        Some("Bearer a b"),
        None,
    ] {
        me(&app, authorization).await;
    }
    call(&app, "/me?access_token=x", Some(&good)).await;
    let metrics = auth.metrics();
    let counts: Vec<(Outcome, u64)> = metrics.outcomes().filter(|(_, count)| *count > 0).collect();
    assert_eq!(
        counts,
        [
            (Outcome::CacheHit, 2),
            (Outcome::Verified, 1),
            (Outcome::MissingCredentials, 1),
            (Outcome::MalformedAuthorization, 1),
            (Outcome::MultipleTokenMethods, 1),
            (Outcome::InvalidToken(TokenError::Expired), 1),
        ]
    );
    assert_eq!(metrics.jwks_fetches(), 1);
    assert_eq!(metrics.jwks_fetch_failures(), 0);
    assert_eq!(metrics.keys(), KeyStatus::Usable);
    assert!(metrics.keys_age().is_some());

    server.set_mode(Mode::Failing);
    let auth = BearerAuth::new(config(&server.issuer));
    assert_eq!(
        auth.verify(&good["Bearer ".len()..])
            .await
            .unwrap_err()
            .kind(),
        &AuthErrorKind::KeysUnavailable
    );
    let metrics = auth.metrics();
    assert_eq!(metrics.count(Outcome::KeysUnavailable), 1);
    assert_eq!(
        (metrics.jwks_fetches(), metrics.jwks_fetch_failures()),
        (1, 1)
    );
}
