//! The metrics endpoint (`Api::metrics`) reporting on the API it was built with: requests by
//! route and status, token checks by outcome, JWKS fetches, keys and connections, in the
//! Prometheus text format.

#[path = "../../axum-bearer-auth/tests/support/mod.rs"]
mod support;

use api::serve::{ServeLimits, serve};
use api::{Api, Config};
use axum::Router;
use axum::http::StatusCode;
use support::*;

fn api(server: &JwksServer) -> Api {
    Api::new(
        Config::new(&server.issuer, AUDIENCE)
            .unwrap()
            .with_max_connections(64),
    )
}

async fn scrape(metrics: &Router) -> String {
    let answer = call(metrics, "/metrics", None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    answer.text
}

/// The value of the sample `series` (name and labels exactly as written), if present.
fn sample(text: &str, series: &str) -> Option<u64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn requests_are_counted_by_matched_route_and_status() {
    let server = JwksServer::start(&[primary_key()]).await;
    let api = api(&server);
    let token = sign(
        &rs256_header(primary_key().kid),
        &valid_claims(&server.issuer),
        primary_key(),
    );
    let bearer = format!("Bearer {token}");
    for _ in 0..3 {
        call(&api.router, "/api/public", None).await;
    }
    call(&api.router, "/api/private", Some(&bearer)).await;
    call(&api.router, "/api/private", None).await;
    call(&api.router, "/api/private?x=1", None).await;
    call(&api.router, "/healthz", None).await;
    for path in [
        "/nope",
        "/api/private/extra",
        "/secret/paths/are/not/labels",
    ] {
        call(&api.router, path, None).await;
    }
    let text = scrape(&api.metrics).await;
    let requests = |route: &str, status: u16| {
        sample(
            &text,
            &format!("api_http_requests_total{{route=\"{route}\",status=\"{status}\"}}"),
        )
    };
    assert_eq!(requests("/api/public", 200), Some(3), "{text}");
    assert_eq!(requests("/api/private", 200), Some(1), "{text}");
    assert_eq!(requests("/api/private", 401), Some(2), "{text}");
    assert_eq!(requests("/healthz", 200), Some(1), "{text}");
    assert_eq!(requests("unmatched", 404), Some(3), "{text}");
    assert_eq!(requests("/readyz", 200), None, "{text}");
    assert!(
        !text.contains("/nope") && !text.contains("secret"),
        "{text}"
    );
    assert!(!text.contains(&token[20..]), "{text}");
    assert!(
        text.contains("# TYPE api_http_requests_total counter"),
        "{text}"
    );
}

/// `token` with one signature byte changed: well-formed, right `kid`, forged.
fn forged(token: &str) -> String {
    let (message, signature) = token.rsplit_once('.').unwrap();
    let mut signature = oidc_protocol::base64url::decode(signature).unwrap();
    signature[10] ^= 0x55;
    format!("{message}.{}", oidc_protocol::base64url::encode(signature))
}

#[tokio::test]
async fn token_checks_are_counted_by_outcome_and_fetches_with_their_failures() {
    let server = JwksServer::start(&[primary_key()]).await;
    let api = api(&server);
    let good = sign(
        &rs256_header(primary_key().kid),
        &valid_claims(&server.issuer),
        primary_key(),
    );
    let forged = forged(&good);
    let before = scrape(&api.metrics).await;
    assert_eq!(sample(&before, "api_jwks_keys_usable"), Some(0), "{before}");
    assert_eq!(
        sample(&before, "api_jwks_keys_age_seconds"),
        None,
        "{before}"
    );
    for outcome in ["cache_hit", "verified", "expired", "keys_unavailable"] {
        let series = format!("api_token_checks_total{{outcome=\"{outcome}\"}}");
        assert_eq!(sample(&before, &series), Some(0), "{outcome}: {before}");
    }

    for token in [&good, &good, &good, &forged] {
        call(
            &api.router,
            "/api/private",
            Some(&format!("Bearer {token}")),
        )
        .await;
    }
    call(&api.router, "/api/private-scoped", None).await;
    call(&api.router, "/api/public", Some("Bearer not-even-a-token")).await;
    let text = scrape(&api.metrics).await;
    let checks = |outcome: &str| {
        sample(
            &text,
            &format!("api_token_checks_total{{outcome=\"{outcome}\"}}"),
        )
    };
    assert_eq!(checks("verified"), Some(1), "{text}");
    assert_eq!(checks("cache_hit"), Some(2), "{text}");
    assert_eq!(checks("bad_signature"), Some(1), "{text}");
    assert_eq!(checks("missing_credentials"), Some(1), "{text}");
    // The public route checks no token, whatever it is sent.
    assert_eq!(checks("malformed_token"), Some(0), "{text}");
    assert_eq!(sample(&text, "api_jwks_fetches_total"), Some(1), "{text}");
    assert_eq!(
        sample(&text, "api_jwks_fetch_failures_total"),
        Some(0),
        "{text}"
    );
    assert_eq!(sample(&text, "api_jwks_keys_usable"), Some(1), "{text}");
    assert!(
        sample(&text, "api_jwks_keys_age_seconds").is_some(),
        "{text}"
    );

    let failing = JwksServer::start(&[primary_key()]).await;
    failing.set_mode(Mode::Failing);
    let api = self::api(&failing);
    call(&api.router, "/readyz", None).await;
    let text = scrape(&api.metrics).await;
    assert_eq!(sample(&text, "api_jwks_fetches_total"), Some(1), "{text}");
    assert_eq!(
        sample(&text, "api_jwks_fetch_failures_total"),
        Some(1),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "api_http_requests_total{route=\"/readyz\",status=\"503\"}"
        ),
        Some(1),
        "{text}"
    );
}

#[tokio::test]
async fn connections_are_reported_as_the_server_counts_them() {
    let server = JwksServer::start(&[primary_key()]).await;
    let api = api(&server);
    let text = scrape(&api.metrics).await;
    assert_eq!(sample(&text, "api_connections_max"), Some(64), "{text}");
    assert_eq!(
        sample(&text, "api_connections_accepted_total"),
        Some(0),
        "{text}"
    );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(serve(
        listener,
        api.router.clone(),
        ServeLimits::default(),
        api.connections.clone(),
        async {
            let _ = stopped.await;
        },
    ));
    let answer = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        reqwest::get(format!("http://{address}/api/public")).await
    })
    .await
    .expect("an answer within 30 s")
    .unwrap();
    assert_eq!(answer.status(), 200);
    stop.send(()).unwrap();
    served.await.unwrap().unwrap();

    let text = scrape(&api.metrics).await;
    assert_eq!(
        sample(&text, "api_connections_accepted_total"),
        Some(1),
        "{text}"
    );
    assert_eq!(sample(&text, "api_connections_open"), Some(0), "{text}");
    assert_eq!(
        sample(&text, "api_connections_timed_out_total"),
        Some(0),
        "{text}"
    );
}

#[tokio::test]
async fn the_metrics_router_serves_nothing_else_and_the_api_no_metrics() {
    let server = JwksServer::start(&[primary_key()]).await;
    let api = api(&server);
    assert_eq!(
        call(&api.metrics, "/api/public", None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(&api.router, "/metrics", None).await.status,
        StatusCode::NOT_FOUND
    );
}
