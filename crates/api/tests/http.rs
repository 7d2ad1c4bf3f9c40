//! HTTP behaviour around the endpoints: CORS, health, limits, fallbacks, request logging.

#[path = "../../axum-bearer-auth/tests/support/mod.rs"]
mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use api::{Config, app};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;
use support::*;

const SPA_ORIGIN: &str = "http://localhost:3000";

fn app_for(issuer: &str) -> Router {
    app(Config::new(issuer, AUDIENCE)
        .unwrap()
        .with_allowed_origins(vec![
            SPA_ORIGIN.to_owned(),
            "https://app.example/".to_owned(),
        ]))
}

fn preflight(origin: &str) -> Request<Body> {
    Request::options("/api/private")
        .header("origin", origin)
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn preflight_from_an_allowed_origin_passes_without_a_token() {
    let app = app_for("http://127.0.0.1:9/");
    for origin in [SPA_ORIGIN, "https://app.example"] {
        let answer = call_with(&app, preflight(origin)).await;
        assert!(answer.status.is_success(), "{answer:?}");
        assert_eq!(answer.header("access-control-allow-origin"), Some(origin));
        let allowed_headers = answer
            .header("access-control-allow-headers")
            .unwrap()
            .to_ascii_lowercase();
        assert!(allowed_headers.contains("authorization"));
        assert!(
            answer
                .header("access-control-allow-methods")
                .unwrap()
                .contains("GET")
        );
        assert!(answer.header("www-authenticate").is_none());
    }
}

#[tokio::test]
async fn preflight_from_another_origin_gets_no_grant() {
    let app = app_for("http://127.0.0.1:9/");
    for origin in [
        "http://localhost:3001",
        "http://evil.example",
        "http://localhost:3000.evil.example",
        "null",
    ] {
        let answer = call_with(&app, preflight(origin)).await;
        // Without Access-Control-Allow-Origin the browser refuses the real request.
        assert!(
            answer.header("access-control-allow-origin").is_none(),
            "{origin}"
        );
        assert!(
            answer.header("access-control-allow-credentials").is_none(),
            "{origin}"
        );
    }
}

#[tokio::test]
async fn error_responses_expose_the_challenge_to_allowed_origins() {
    let app = app_for("http://127.0.0.1:9/");
    let request = Request::get("/api/private")
        .header("origin", SPA_ORIGIN)
        .body(Body::empty())
        .unwrap();
    let answer = call_with(&app, request).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some(SPA_ORIGIN)
    );
    assert!(
        answer
            .header("access-control-expose-headers")
            .unwrap()
            .to_ascii_lowercase()
            .contains("www-authenticate")
    );
    assert!(
        answer
            .header("vary")
            .unwrap()
            .to_ascii_lowercase()
            .contains("origin")
    );
}

#[tokio::test]
async fn answers_vary_on_the_origin_and_grant_nothing_without_one() {
    let app = app_for("http://127.0.0.1:9/");
    for origin in [None, Some("http://evil.example")] {
        let mut request = Request::get("/api/public");
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let answer = call_with(&app, request.body(Body::empty()).unwrap()).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.header("vary"), Some("origin"));
        assert!(
            answer.header("access-control-allow-origin").is_none(),
            "{origin:?}"
        );
        assert!(
            answer.header("access-control-expose-headers").is_none(),
            "{origin:?}"
        );
    }
    let preflight = call_with(&app, preflight(SPA_ORIGIN)).await;
    assert_eq!(
        preflight.header("vary"),
        Some("origin, access-control-request-method, access-control-request-headers")
    );
    assert_eq!(preflight.header("access-control-max-age"), Some("600"));
    assert_eq!(
        preflight.header("access-control-allow-methods"),
        Some("GET,HEAD")
    );
    assert!(preflight.text.is_empty());
}

#[tokio::test]
async fn healthz_answers_without_credentials_or_issuer() {
    let app = app_for("http://127.0.0.1:9/");
    let answer = call(&app, "/healthz", None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json, json!({"status": "ok"}));
}

#[tokio::test]
async fn unknown_path_is_a_json_404() {
    let app = app_for("http://127.0.0.1:9/");
    let answer = call(&app, "/api/nope", None).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(
        answer.json,
        json!({"error": "not_found", "error_description": "not found"})
    );
}

#[tokio::test]
async fn oversized_headers_are_refused() {
    let app = app_for("http://127.0.0.1:9/");
    let request = Request::get("/api/public")
        .header("x-padding", "a".repeat(20 * 1024))
        .body(Body::empty())
        .unwrap();
    let answer = call_with(&app, request).await;
    assert_eq!(answer.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert_eq!(answer.json["error"], "invalid_request");
}

/// Collects formatted log output.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn each_request_is_logged_once_with_subject_and_never_the_token() {
    let server = JwksServer::start(&[primary_key()]).await;
    let app = app_for(&server.issuer);
    let token = sign(
        &rs256_header(primary_key().kid),
        &valid_claims(&server.issuer),
        primary_key(),
    );
    let forged = format!("{}x", &token[..token.len() - 1]);

    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let answer = call(&app, "/api/private?x=1", Some(&format!("Bearer {token}"))).await;
    assert_eq!(answer.status, StatusCode::OK);
    let answer = call(&app, "/api/private", Some(&format!("Bearer {forged}"))).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    let answer = call(&app, "/api/public", Some(&format!("Bearer {token}"))).await;
    assert_eq!(answer.status, StatusCode::OK);
    drop(_guard);

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let request_lines: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("finished processing request"))
        .collect();
    assert_eq!(request_lines.len(), 3, "{log}");
    let line = request_lines[0];
    assert!(line.contains("method=\"GET\""), "{line}");
    assert!(line.contains("path=\"/api/private\""), "{line}");
    assert!(line.contains("sub=\"auth0|reader\""), "{line}");
    assert!(line.contains("status=200"), "{line}");
    assert!(line.contains("latency_us="), "{line}");
    // Refused, or public: nobody was authenticated.
    let refused = request_lines[1];
    assert!(refused.contains("status=401"), "{refused}");
    assert!(!refused.contains("sub="), "{refused}");
    let public = request_lines[2];
    assert!(public.contains("path=\"/api/public\""), "{public}");
    assert!(!public.contains("sub="), "{public}");
    assert!(!log.contains(&token[20..]), "{log}");
    assert!(!log.contains(&forged[20..]), "{log}");
    assert!(!log.contains("x=1"), "{log}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_token_in_the_query_is_never_logged() {
    let server = JwksServer::start(&[primary_key()]).await;
    let app = app_for(&server.issuer);
    let token = sign(
        &rs256_header(primary_key().kid),
        &valid_claims(&server.issuer),
        primary_key(),
    );
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::TRACE)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let path = format!("/api/private?access_token={token}");
    let refused = call(&app, &path, Some(&format!("Bearer {token}"))).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let anonymous = call(&app, &path, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    drop(_guard);

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let request_lines = log
        .lines()
        .filter(|line| line.contains("finished processing request"))
        .count();
    assert_eq!(request_lines, 2, "{log}");
    assert!(!log.contains(&token[20..]), "{log}");
    assert!(!log.contains("access_token"), "{log}");
}

#[tokio::test]
async fn wrong_method_is_a_json_405_naming_the_allowed_ones() {
    let app = app_for("http://127.0.0.1:9/");
    for path in ["/api/public", "/api/private", "/healthz", "/readyz"] {
        let request = Request::post(path).body(Body::empty()).unwrap();
        let answer = call_with(&app, request).await;
        assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert_eq!(
            answer.json,
            json!({"error": "method_not_allowed", "error_description": "method not allowed"}),
            "{path}: {answer:?}"
        );
        assert!(answer.header("allow").unwrap().contains("GET"), "{path}");
    }
}
