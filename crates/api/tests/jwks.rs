//! The JWKS cache through `app()`: rotation, outages, rate limiting, single-flight, discovery.

#[path = "../../axum-bearer-auth/tests/support/mod.rs"]
mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use api::{Config, app};
use axum::Router;
use axum::http::StatusCode;
use serde_json::{Value, json};
use support::*;

fn token_for(server: &JwksServer, key: &TestKey, kid: &str) -> String {
    sign(&rs256_header(kid), &valid_claims(&server.issuer), key)
}

async fn private(app: &Router, token: &str) -> Answer {
    call(app, "/api/private", Some(&format!("Bearer {token}"))).await
}

/// Waits until the issuer has been asked for its keys; a fetch that never starts fails the test
/// instead of hanging it.
async fn wait_for_first_fetch(server: &JwksServer) {
    tokio::time::timeout(Duration::from_secs(10), async {
        while server.jwks_fetches() == 0 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the api never asked the issuer for its keys");
}

/// 503 with a JSON body and `Retry-After`, never a challenge.
fn assert_unavailable(answer: &Answer) {
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{answer:?}");
    assert_eq!(
        answer.json,
        json!({"error": "temporarily_unavailable", "error_description": "signing keys unavailable"})
    );
    assert_eq!(answer.header("retry-after"), Some("10"));
    assert!(answer.header("www-authenticate").is_none());
}

/// Provider metadata with the members OpenID Connect Discovery 1.0 section 3 requires.
fn metadata(issuer: &str, jwks_uri: &str) -> Value {
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}authorize"),
        "jwks_uri": jwks_uri,
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    })
}

fn config(server: &JwksServer) -> Config {
    Config::new(&server.issuer, AUDIENCE).expect("config")
}

#[tokio::test]
async fn no_fetch_happens_when_the_app_is_built() {
    let server = JwksServer::start(&[primary_key()]).await;
    let _app = app(config(&server));
    assert_eq!(server.jwks_fetches(), 0);
}

#[tokio::test]
async fn key_rotation_is_picked_up_without_restart() {
    let server = JwksServer::start(&[primary_key()]).await;
    let app = app(config(&server).with_jwks_refetch_interval(Duration::ZERO));
    assert_eq!(
        private(&app, &token_for(&server, primary_key(), primary_key().kid))
            .await
            .status,
        StatusCode::OK
    );

    server.set_keys(&[secondary_key()]);
    let rotated = token_for(&server, secondary_key(), secondary_key().kid);
    assert_eq!(private(&app, &rotated).await.status, StatusCode::OK);
    assert_eq!(server.jwks_fetches(), 2);

    // The retired key is gone from the cache too: a new token signed with it fails.
    let mut claims = valid_claims(&server.issuer);
    claims["sub"] = json!("auth0|someone-else");
    let retired = sign(&rs256_header(primary_key().kid), &claims, primary_key());
    let answer = private(&app, &retired).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.json["error_description"], "unknown signing key");
}

#[tokio::test]
async fn unknown_kid_refetches_at_most_once_per_interval() {
    let server = JwksServer::start(&[primary_key()]).await;
    let app = app(config(&server));
    assert_eq!(
        private(&app, &token_for(&server, primary_key(), primary_key().kid))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(server.jwks_fetches(), 1);

    // The new key appears at the issuer, but the last fetch was under 10 s ago.
    server.set_keys(&[primary_key(), secondary_key()]);
    for attempt in 0..5 {
        let kid = format!("unknown-{attempt}");
        let answer = private(&app, &token_for(&server, primary_key(), &kid)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer.json["error_description"], "unknown signing key");
    }
    let answer = private(
        &app,
        &token_for(&server, secondary_key(), secondary_key().kid),
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(server.jwks_fetches(), 1);
}

#[tokio::test]
async fn first_unknown_kid_fetches_once_then_is_rate_limited() {
    let server = JwksServer::start(&[primary_key()]).await;
    let app = app(config(&server));
    for _ in 0..3 {
        let answer = private(&app, &token_for(&server, primary_key(), "nope")).await;
        assert_eq!(answer.json["error_description"], "unknown signing key");
    }
    assert_eq!(server.jwks_fetches(), 1);
    // Known keys keep working meanwhile.
    assert_eq!(
        private(&app, &token_for(&server, primary_key(), primary_key().kid))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(server.jwks_fetches(), 1);
}

#[tokio::test]
async fn concurrent_misses_share_one_fetch() {
    let server = JwksServer::start(&[primary_key()]).await;
    // No rate limit, so any fetch beyond the first would be counted.
    let app = app(config(&server).with_jwks_refetch_interval(Duration::ZERO));
    server.close_gate().await;
    let mut requests = Vec::new();
    for index in 0..16 {
        let mut claims = valid_claims(&server.issuer);
        claims["sub"] = json!(format!("auth0|user-{index}"));
        let token = sign(&rs256_header(primary_key().kid), &claims, primary_key());
        let app = app.clone();
        requests.push(tokio::spawn(
            async move { private(&app, &token).await.status },
        ));
    }
    wait_for_first_fetch(&server).await;
    // Give the other requests the chance to queue behind the fetch in flight.
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    server.open_gate();
    for request in requests {
        assert_eq!(request.await.unwrap(), StatusCode::OK);
    }
    assert_eq!(server.jwks_fetches(), 1);
}

#[tokio::test]
async fn issuer_down_is_a_503_and_recovers_by_itself() {
    let server = JwksServer::start(&[primary_key()]).await;
    server.set_mode(Mode::Failing);
    let app = app(config(&server).with_jwks_refetch_interval(Duration::ZERO));
    let token = token_for(&server, primary_key(), primary_key().kid);
    assert_unavailable(&private(&app, &token).await);
    assert_unavailable(&private(&app, &token).await);

    server.set_mode(Mode::Up);
    let answer = private(&app, &token).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(server.jwks_fetches(), 3);
}

#[tokio::test]
async fn failed_fetch_stays_503_while_rate_limited() {
    let server = JwksServer::start(&[primary_key()]).await;
    server.set_mode(Mode::Failing);
    let app = app(config(&server));
    let token = token_for(&server, primary_key(), primary_key().kid);
    assert_unavailable(&private(&app, &token).await);
    server.set_mode(Mode::Up);
    // Within the refetch interval: still 503 (not 401, never 200), and no new fetch.
    assert_unavailable(&private(&app, &token).await);
    assert_eq!(server.jwks_fetches(), 1);
}

#[tokio::test]
async fn unreachable_issuer_is_a_503() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let issuer = format!("http://{}/", listener.local_addr().unwrap());
    drop(listener);
    let app = app(Config::new(&issuer, AUDIENCE).unwrap());
    let mut claims = valid_claims(&issuer);
    claims["iss"] = json!(issuer);
    let token = sign(&rs256_header(primary_key().kid), &claims, primary_key());
    assert_unavailable(&private(&app, &token).await);
}

#[tokio::test]
async fn broken_or_empty_jwks_never_replaces_good_keys() {
    let server = JwksServer::start(&[primary_key()]).await;
    let app = app(config(&server)
        .with_jwks_refetch_interval(Duration::ZERO)
        .with_verified_token_ttl(Duration::ZERO));
    let token = token_for(&server, primary_key(), primary_key().kid);
    assert_eq!(private(&app, &token).await.status, StatusCode::OK);

    for mode in [Mode::Garbage, Mode::Empty, Mode::Failing] {
        server.set_mode(mode);
        // An unknown kid forces a refetch, which fails...
        assert_unavailable(&private(&app, &token_for(&server, primary_key(), "rotated?")).await);
        // ...and the cached key still verifies.
        assert_eq!(
            private(&app, &token).await.status,
            StatusCode::OK,
            "{mode:?}"
        );
    }
    server.set_mode(Mode::Up);
    server.set_document(
        json!({"keys": [{"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"}]}),
    );
    assert_unavailable(&private(&app, &token_for(&server, primary_key(), "rotated?")).await);
    assert_eq!(private(&app, &token).await.status, StatusCode::OK);
    assert_eq!(server.jwks_fetches(), 5);
}

#[tokio::test]
async fn keys_that_do_not_fit_are_never_used() {
    let server = JwksServer::start(&[primary_key()]).await;
    let mut encryption_key = secondary_key().jwk();
    encryption_key["use"] = json!("enc");
    let mut other_alg = primary_key().jwk();
    other_alg["kid"] = json!("ps256");
    other_alg["alg"] = json!("PS256");
    server.set_document(
        json!({"keys": [primary_key().jwk(), weak_key().jwk(), encryption_key, other_alg]}),
    );
    let app = app(config(&server));

    assert_eq!(
        private(&app, &token_for(&server, primary_key(), primary_key().kid))
            .await
            .status,
        StatusCode::OK
    );
    for (key, kid) in [
        (weak_key(), weak_key().kid),
        (secondary_key(), secondary_key().kid),
        (primary_key(), "ps256"),
    ] {
        let answer = private(&app, &token_for(&server, key, kid)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{kid}");
        assert_eq!(
            answer.json["error_description"], "unknown signing key",
            "{kid}"
        );
    }
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
async fn a_key_published_with_its_private_part_is_never_used() {
    let server = JwksServer::start(&[primary_key()]).await;
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::WARN)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    for member in ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] {
        let mut leaked = secondary_key().jwk();
        leaked[member] = json!("AQAB");
        server.set_document(json!({"keys": [primary_key().jwk(), leaked]}));
        let app = app(config(&server));
        let answer = private(
            &app,
            &token_for(&server, secondary_key(), secondary_key().kid),
        )
        .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{member}");
        assert_eq!(
            answer.json["error_description"], "unknown signing key",
            "{member}"
        );
        // The good key beside it still verifies.
        assert_eq!(
            private(&app, &token_for(&server, primary_key(), primary_key().kid))
                .await
                .status,
            StatusCode::OK,
            "{member}"
        );
    }
    drop(_guard);
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let warnings: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("private key material published"))
        .collect();
    assert_eq!(warnings.len(), 8, "{log}");
    assert!(
        warnings
            .iter()
            .all(|line| line.contains("WARN") && line.contains(secondary_key().kid)),
        "{log}"
    );
}

#[tokio::test]
async fn discovery_jwks_uri_is_used_when_its_issuer_matches() {
    let server = JwksServer::start(&[primary_key()]).await;
    server.set_discovery(metadata(
        &server.issuer,
        &format!("{}other/keys.json", server.issuer),
    ));
    // The default location has only the secondary key; the discovered one the primary.
    server.set_keys(&[secondary_key()]);
    server.set_other_document(json!({"keys": [primary_key().jwk()]}));
    let app = app(config(&server));
    assert_eq!(
        private(&app, &token_for(&server, primary_key(), primary_key().kid))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(server.jwks_fetches(), 1);
    let default_location_key = token_for(&server, secondary_key(), secondary_key().kid);
    assert_eq!(
        private(&app, &default_location_key).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn discovery_jwks_uri_that_is_not_a_canonical_url_is_not_followed() {
    let server = JwksServer::start(&[secondary_key()]).await;
    let authority = server.issuer.trim_start_matches("http://");
    for jwks_uri in [
        // User information hides the real host from a quick read.
        format!("http://user@{authority}other/keys.json"),
        format!("HTTP://{authority}other/keys.json"),
    ] {
        server.set_discovery(metadata(&server.issuer, &jwks_uri));
        server.set_other_document(json!({"keys": [primary_key().jwk()]}));
        let app = app(config(&server));
        // The keys come from <issuer>.well-known/jwks.json instead.
        let answer = private(&app, &token_for(&server, primary_key(), primary_key().kid)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{jwks_uri}");
        assert_eq!(answer.json["error_description"], "unknown signing key");
        assert_eq!(
            private(
                &app,
                &token_for(&server, secondary_key(), secondary_key().kid)
            )
            .await
            .status,
            StatusCode::OK,
            "{jwks_uri}"
        );
    }
}

#[tokio::test]
async fn discovery_document_without_the_required_members_is_not_used_and_asked_again() {
    let server = JwksServer::start(&[secondary_key()]).await;
    let jwks_uri = format!("{}other/keys.json", server.issuer);
    server.set_discovery(json!({"issuer": server.issuer, "jwks_uri": jwks_uri}));
    server.set_other_document(json!({"keys": [primary_key().jwk()]}));
    let app = app(config(&server).with_jwks_refetch_interval(Duration::ZERO));
    // Without authorization_endpoint it is not provider metadata: the default location serves.
    let answer = private(&app, &token_for(&server, primary_key(), primary_key().kid)).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.json["error_description"], "unknown signing key");
    assert_eq!(
        private(
            &app,
            &token_for(&server, secondary_key(), secondary_key().kid)
        )
        .await
        .status,
        StatusCode::OK
    );

    // Once the document is complete, the next fetch follows it.
    server.set_discovery(metadata(&server.issuer, &jwks_uri));
    let mut claims = valid_claims(&server.issuer);
    claims["sub"] = json!("auth0|someone-else");
    let token = sign(&rs256_header(primary_key().kid), &claims, primary_key());
    assert_eq!(private(&app, &token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn discovery_naming_another_issuer_is_ignored() {
    let server = JwksServer::start(&[primary_key()]).await;
    let evil = JwksServer::start(&[secondary_key()]).await;
    server.set_discovery(metadata(
        &evil.issuer,
        &format!("{}.well-known/jwks.json", evil.issuer),
    ));
    let app = app(config(&server));
    // The key comes from <issuer>.well-known/jwks.json, not from the other issuer's JWKS.
    let forged = token_for(&server, secondary_key(), secondary_key().kid);
    assert_eq!(
        private(&app, &forged).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(evil.jwks_fetches(), 0);
    assert_eq!(
        private(&app, &token_for(&server, primary_key(), primary_key().kid))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn oversized_jwks_is_refused() {
    let server = JwksServer::start(&[primary_key()]).await;
    let padding = "x".repeat(300 * 1024);
    server.set_document(json!({"keys": [primary_key().jwk()], "padding": padding}));
    let app = app(config(&server));
    assert_unavailable(&private(&app, &token_for(&server, primary_key(), primary_key().kid)).await);
}

#[tokio::test]
async fn fetch_outlives_a_request_that_gives_up_waiting_for_it() {
    let server = JwksServer::start(&[primary_key()]).await;
    // The default 10 s interval: a fetch abandoned half-way could not be retried in this test.
    let app = app(config(&server));
    let token = token_for(&server, primary_key(), primary_key().kid);
    server.close_gate().await;
    let abandoned = {
        let app = app.clone();
        let token = token.clone();
        tokio::spawn(async move { private(&app, &token).await })
    };
    wait_for_first_fetch(&server).await;
    // The client disconnects (or its request times out) while the issuer is still answering.
    abandoned.abort();
    assert!(abandoned.await.unwrap_err().is_cancelled());
    server.open_gate();

    let answer = private(&app, &token).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(
        answer.json["message"],
        "Hello from a private endpoint! You need to be authenticated to see this."
    );
    assert_eq!(server.jwks_fetches(), 1);
}

#[tokio::test]
async fn key_withdrawn_by_the_issuer_stops_verifying_once_the_cached_keys_are_stale() {
    let server = JwksServer::start(&[primary_key()]).await;
    // Every lookup finds the keys stale; nothing else forces a refetch (the kid stays known).
    let app = app(config(&server)
        .with_jwks_max_age(Duration::ZERO)
        .with_jwks_refetch_interval(Duration::ZERO)
        .with_verified_token_ttl(Duration::ZERO));
    let token = token_for(&server, primary_key(), primary_key().kid);
    assert_eq!(private(&app, &token).await.status, StatusCode::OK);

    server.set_keys(&[secondary_key()]);
    let answer = private(&app, &token).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{answer:?}");
    assert_eq!(answer.json["error_description"], "unknown signing key");
    assert_eq!(server.jwks_fetches(), 2);
}

#[tokio::test]
async fn stale_keys_keep_verifying_while_the_issuer_is_down() {
    let server = JwksServer::start(&[primary_key()]).await;
    let app = app(config(&server)
        .with_jwks_max_age(Duration::ZERO)
        .with_jwks_refetch_interval(Duration::ZERO)
        .with_verified_token_ttl(Duration::ZERO));
    let token = token_for(&server, primary_key(), primary_key().kid);
    assert_eq!(private(&app, &token).await.status, StatusCode::OK);

    for mode in [Mode::Failing, Mode::Garbage, Mode::Empty] {
        server.set_mode(mode);
        let answer = private(&app, &token).await;
        assert_eq!(answer.status, StatusCode::OK, "{mode:?}: {answer:?}");
        assert_eq!(
            answer.json["message"],
            "Hello from a private endpoint! You need to be authenticated to see this."
        );
    }
    assert_eq!(server.jwks_fetches(), 4);
}

#[tokio::test]
async fn discovery_that_fails_for_a_while_is_asked_again() {
    let server = JwksServer::start(&[primary_key()]).await;
    server.set_discovery(metadata(
        &server.issuer,
        &format!("{}other/keys.json", server.issuer),
    ));
    server.set_other_document(json!({"keys": [secondary_key().jwk()]}));
    server.set_discovery_failing(true);
    let app = app(config(&server).with_jwks_refetch_interval(Duration::ZERO));
    // Meanwhile the default location serves.
    assert_eq!(
        private(&app, &token_for(&server, primary_key(), primary_key().kid))
            .await
            .status,
        StatusCode::OK
    );

    server.set_discovery_failing(false);
    let answer = private(
        &app,
        &token_for(&server, secondary_key(), secondary_key().kid),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(
        answer.json["message"],
        "Hello from a private endpoint! You need to be authenticated to see this."
    );
}

#[tokio::test]
async fn verified_token_is_answered_from_memory_even_after_its_key_is_withdrawn() {
    let server = JwksServer::start(&[primary_key()]).await;
    let app = app(config(&server).with_jwks_refetch_interval(Duration::ZERO));
    let remembered = token_for(&server, primary_key(), primary_key().kid);
    assert_eq!(private(&app, &remembered).await.status, StatusCode::OK);

    // Rotation drops the primary key from the key cache.
    server.set_keys(&[secondary_key()]);
    let rotated = token_for(&server, secondary_key(), secondary_key().kid);
    assert_eq!(private(&app, &rotated).await.status, StatusCode::OK);
    assert_eq!(server.jwks_fetches(), 2);

    // Only the verified-token cache can still accept this one (the README's trade-off)...
    let answer = private(&app, &remembered).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(
        answer.json["message"],
        "Hello from a private endpoint! You need to be authenticated to see this."
    );
    // ...while an unseen token signed with the withdrawn key is checked and refused.
    let mut claims = valid_claims(&server.issuer);
    claims["sub"] = json!("auth0|someone-else");
    let unseen = sign(&rs256_header(primary_key().kid), &claims, primary_key());
    let answer = private(&app, &unseen).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.json["error_description"], "unknown signing key");
}

#[tokio::test]
async fn keys_past_the_trust_limit_answer_503_even_for_a_remembered_token() {
    let server = JwksServer::start(&[primary_key()]).await;
    // A trust limit of zero: keys are past it the moment after the fetch that brought them.
    let app = app(config(&server)
        .with_jwks_max_age(Duration::ZERO)
        .with_jwks_refetch_interval(Duration::ZERO)
        .with_jwks_trust_limit(Duration::ZERO));
    let token = token_for(&server, primary_key(), primary_key().kid);
    assert_eq!(private(&app, &token).await.status, StatusCode::OK);

    // The issuer is blocked: neither the cached key nor the verified-token cache keeps the
    // token accepted.
    server.set_mode(Mode::Failing);
    assert_unavailable(&private(&app, &token).await);
    server.set_mode(Mode::Up);
    assert_eq!(private(&app, &token).await.status, StatusCode::OK);
    assert_eq!(server.jwks_fetches(), 3);
}

async fn readyz(app: &Router) -> Answer {
    call(app, "/readyz", None).await
}

#[tokio::test]
async fn readiness_fetches_the_keys_once_when_they_were_never_fetched() {
    let server = JwksServer::start(&[primary_key()]).await;
    let app = app(config(&server));
    for _ in 0..3 {
        let answer = readyz(&app).await;
        assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
        assert_eq!(answer.json, json!({"status": "ready", "keys": "usable"}));
    }
    assert_eq!(server.jwks_fetches(), 1);
    // The first token finds the keys in hand.
    let token = token_for(&server, primary_key(), primary_key().kid);
    assert_eq!(private(&app, &token).await.status, StatusCode::OK);
    assert_eq!(server.jwks_fetches(), 1);
}

#[tokio::test]
async fn readiness_is_unavailable_until_a_fetch_succeeds_and_asks_at_most_once_per_interval() {
    let server = JwksServer::start(&[primary_key()]).await;
    server.set_mode(Mode::Failing);
    let app = app(config(&server));
    for _ in 0..3 {
        let answer = readyz(&app).await;
        assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            answer.json,
            json!({"status": "unavailable", "keys": "never_fetched"})
        );
        assert_eq!(answer.header("retry-after"), Some("10"));
    }
    assert_eq!(server.jwks_fetches(), 1);
}

#[tokio::test]
async fn readiness_reports_keys_past_the_trust_limit() {
    let server = JwksServer::start(&[primary_key()]).await;
    let app = app(config(&server)
        .with_jwks_refetch_interval(Duration::ZERO)
        .with_jwks_trust_limit(Duration::ZERO));
    let token = token_for(&server, primary_key(), primary_key().kid);
    assert_eq!(private(&app, &token).await.status, StatusCode::OK);
    server.set_mode(Mode::Failing);
    let answer = readyz(&app).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        answer.json,
        json!({"status": "unavailable", "keys": "expired"})
    );
    assert_eq!(server.jwks_fetches(), 2);
}

#[tokio::test]
async fn liveness_never_calls_the_issuer() {
    let server = JwksServer::start(&[primary_key()]).await;
    server.set_mode(Mode::Failing);
    let app = app(config(&server));
    for _ in 0..3 {
        let answer = call(&app, "/healthz", None).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.json, json!({"status": "ok"}));
    }
    assert_eq!(server.jwks_fetches(), 0);
}
