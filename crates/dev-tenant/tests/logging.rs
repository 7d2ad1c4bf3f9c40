//! What the request log may contain: method and path, never the query string, which carries
//! `id_token_hint` on logout and login transaction ids, and never a client secret, right or
//! wrong, in the body or in the `Authorization` header.

mod harness;

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Body;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{Method, Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use dev_tenant::config::{DEFAULT_M2M_CLIENT_ID, DEFAULT_M2M_CLIENT_SECRET};
use harness::*;

/// A log sink the test can read back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn request_log_names_the_path_but_never_the_query() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let router = tenant();
    let reply = get(
        &router,
        "/oidc/logout?id_token_hint=eyJhbGciOiJSUzI1NiJ9.SECRET-CLAIMS.SIGNATURE",
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let log = String::from_utf8_lossy(&captured.0.lock().unwrap_or_else(PoisonError::into_inner))
        .into_owned();
    assert!(log.contains("/oidc/logout"), "{log}");
    assert!(!log.contains("SECRET-CLAIMS"), "{log}");
    assert!(!log.contains("id_token_hint"), "{log}");
}

#[tokio::test]
async fn client_secrets_never_reach_the_log() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let router = tenant();
    let wrong = "a-wrong-secret-that-must-not-be-logged-0123";
    let mut encoded = Vec::new();
    for secret in [DEFAULT_M2M_CLIENT_SECRET, wrong] {
        let posted = post_form(
            &router,
            "/oauth/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", DEFAULT_M2M_CLIENT_ID),
                ("client_secret", secret),
                ("audience", AUDIENCE),
            ],
            None,
        )
        .await;
        let credentials = STANDARD.encode(format!("{DEFAULT_M2M_CLIENT_ID}:{secret}"));
        let request = Request::builder()
            .method(Method::POST)
            .uri("/oauth/token")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(AUTHORIZATION, format!("Basic {credentials}"))
            .body(Body::from(format!(
                "grant_type=client_credentials&audience={}",
                url::form_urlencoded::byte_serialize(AUDIENCE.as_bytes()).collect::<String>()
            )))
            .expect("request");
        let basic = send(&router, request).await;
        let expected = if secret == wrong {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::OK
        };
        assert_eq!(posted.status, expected, "{}", posted.body);
        assert_eq!(basic.status, expected, "{}", basic.body);
        encoded.push(credentials);
    }
    let log = String::from_utf8_lossy(&captured.0.lock().unwrap_or_else(PoisonError::into_inner))
        .into_owned();
    assert!(log.contains("/oauth/token"), "{log}");
    assert!(log.contains("client authentication failed"), "{log}");
    assert!(log.contains("client credentials granted"), "{log}");
    for secret in [DEFAULT_M2M_CLIENT_SECRET, wrong, &encoded[0], &encoded[1]] {
        assert!(!log.contains(secret), "{secret} in {log}");
    }
}
