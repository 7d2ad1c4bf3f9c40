//! The tenant answers only to its issuer's host and to loopback names on its own port, so a
//! page whose host name was rebound to 127.0.0.1 cannot read its answers (DNS rebinding).

mod harness;

use axum::body::Body;
use axum::http::header::HOST;
use axum::http::{Method, Request, StatusCode};
use dev_tenant::{AppOptions, TenantConfig, app_with};
use harness::*;

fn request(method: Method, uri: &str, host: Option<&str>) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(host) = host {
        builder = builder.header(HOST, host);
    }
    builder.body(Body::empty()).expect("request")
}

#[tokio::test]
async fn a_foreign_host_is_refused_with_421_on_every_route() {
    let router = tenant();
    let routes = [
        (Method::GET, "/.well-known/openid-configuration".to_owned()),
        (Method::GET, "/.well-known/jwks.json".to_owned()),
        (Method::GET, authorize_uri(&[])),
        (Method::GET, "/u/login?state=x".to_owned()),
        (Method::POST, "/oauth/token".to_owned()),
        (Method::OPTIONS, "/oauth/token".to_owned()),
        (Method::POST, "/oauth/revoke".to_owned()),
        (Method::GET, "/userinfo".to_owned()),
        (Method::GET, "/v2/logout".to_owned()),
        (Method::GET, "/oidc/logout".to_owned()),
        (Method::GET, "/static/login.css".to_owned()),
    ];
    for host in [
        "rebound.example:3002",
        "localhost.rebound.example:3002",
        "localhost:3003",
        "localhost",
    ] {
        for (method, uri) in &routes {
            let reply = send_as_is(&router, request(method.clone(), uri, Some(host))).await;
            assert_eq!(
                reply.status,
                StatusCode::MISDIRECTED_REQUEST,
                "{host} {method} {uri}"
            );
            assert!(reply.body.contains("DNS rebinding"), "{}", reply.body);
            assert!(reply.header("location").is_none());
            assert!(reply.header("set-cookie").is_none());
            assert!(reply.header("access-control-allow-origin").is_none());
        }
    }
}

#[tokio::test]
async fn a_request_without_exactly_one_host_is_a_bad_request() {
    let router = tenant();
    let reply = send_as_is(
        &router,
        request(Method::GET, "/.well-known/jwks.json", None),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let twice = Request::builder()
        .uri("/.well-known/jwks.json")
        .header(HOST, "localhost:3002")
        .header(HOST, "rebound.example:3002")
        .body(Body::empty())
        .expect("request");
    assert_eq!(
        send_as_is(&router, twice).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn the_issuer_host_and_loopback_names_on_its_port_are_served() {
    let router = tenant();
    for host in [
        "localhost:3002",
        "LocalHost:3002",
        "127.0.0.1:3002",
        "[::1]:3002",
    ] {
        let reply = send_as_is(
            &router,
            request(Method::GET, "/.well-known/openid-configuration", Some(host)),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{host}: {}", reply.body);
    }
}

#[tokio::test]
async fn an_issuer_on_another_port_is_served_there_and_not_on_the_default_one() {
    let config = TenantConfig::for_local("http://127.0.0.1:41000/", "http://127.0.0.1:41001")
        .expect("valid");
    let router = tenant_with(config);
    let discovery = |host: &'static str| request(Method::GET, "/.well-known/jwks.json", Some(host));
    assert_eq!(
        send_as_is(&router, discovery("127.0.0.1:41000"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        send_as_is(&router, discovery("localhost:41000"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        send_as_is(&router, discovery("localhost:3002"))
            .await
            .status,
        StatusCode::MISDIRECTED_REQUEST
    );
}

#[tokio::test]
async fn the_port_actually_served_is_accepted_for_loopback_names() {
    let router = app_with(
        TenantConfig::default(),
        keys(),
        AppOptions {
            served_port: Some(4100),
            ..AppOptions::default()
        },
    );
    let reply = send_as_is(
        &router,
        request(
            Method::GET,
            "/.well-known/jwks.json",
            Some("127.0.0.1:4100"),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = send_as_is(
        &router,
        request(
            Method::GET,
            "/.well-known/jwks.json",
            Some("rebound.example:4100"),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::MISDIRECTED_REQUEST);
}
