//! The client-credentials grant (RFC 6749 section 4.4) for machine-to-machine clients, as Auth0
//! answers it: client authentication by `client_secret_post` or `client_secret_basic` (section
//! 2.3.1), exactly one method, `audience` required, scopes from the client grant, `sub` =
//! `<client_id>@clients`, no refresh token and no ID token.

mod harness;

use axum::Router;
use axum::body::Body;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{Method, Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use dev_tenant::TenantConfig;
use dev_tenant::config::{DEFAULT_M2M_CLIENT_ID, DEFAULT_M2M_CLIENT_SECRET};
use harness::*;
use oidc_protocol::Audience;
use serde_json::{Value, json};

const M2M_ID: &str = DEFAULT_M2M_CLIENT_ID;
const M2M_SECRET: &str = DEFAULT_M2M_CLIENT_SECRET;

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

/// Posts `form` to `/oauth/token` with the given `Authorization` header values.
async fn token_request(router: &Router, form: &[(&str, &str)], authorization: &[&str]) -> Reply {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/oauth/token")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded");
    for value in authorization {
        request = request.header(AUTHORIZATION, *value);
    }
    send(router, request.body(Body::from(body)).expect("request")).await
}

/// client_secret_post for the built-in M2M client, plus `extra`.
async fn post_secret(router: &Router, extra: &[(&str, &str)]) -> Reply {
    let mut form = vec![
        ("grant_type", "client_credentials"),
        ("client_id", M2M_ID),
        ("client_secret", M2M_SECRET),
        ("audience", AUDIENCE),
    ];
    form.extend_from_slice(extra);
    token_request(router, &form, &[]).await
}

fn assert_oauth_error(reply: &Reply, status: StatusCode, error: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.header(CACHE_CONTROL.as_str()), Some("no-store"));
    let body: Value = reply.json();
    assert_eq!(body["error"], error, "{body}");
    assert!(!reply.body.contains(M2M_SECRET), "{}", reply.body);
}

/// Members of a JSON object, sorted.
fn members(value: &Value) -> Vec<&str> {
    let mut names: Vec<&str> = value
        .as_object()
        .map(|object| object.keys().map(String::as_str).collect())
        .unwrap_or_default();
    names.sort_unstable();
    names
}

/// The built-in tenant with `write:messages` added to its API and granted to the M2M client.
fn two_scope_config() -> TenantConfig {
    let mut config = TenantConfig::default();
    config.apis[0].scopes.push("write:messages".to_owned());
    let machine = config
        .clients
        .iter_mut()
        .find(|client| client.client_id == M2M_ID)
        .expect("the M2M client");
    machine.client_grants.insert(
        Audience::from(AUDIENCE),
        vec!["read:messages".to_owned(), "write:messages".to_owned()],
    );
    config
}

#[tokio::test]
async fn client_secret_post_gets_an_access_token_for_the_client_itself() {
    let router = tenant();
    let reply = post_secret(&router, &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.header(CACHE_CONTROL.as_str()), Some("no-store"));
    let body: Value = reply.json();
    assert_eq!(
        members(&body),
        ["access_token", "expires_in", "scope", "token_type"],
        "no refresh token and no ID token (RFC 6749 4.4.3)"
    );
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "read:messages");
    let claims: Value = verify(
        &router,
        body["access_token"].as_str().unwrap_or_default(),
        AUDIENCE,
    )
    .await;
    assert_eq!(
        members(&claims),
        [
            "aud",
            "azp",
            "exp",
            "gty",
            "iat",
            "iss",
            "permissions",
            "scope",
            "sub"
        ]
    );
    assert_eq!(claims["sub"], "local-m2m-client@clients");
    assert_eq!(claims["aud"], AUDIENCE, "the API alone, as a string");
    assert_eq!(claims["azp"], M2M_ID);
    assert_eq!(claims["iss"], ISSUER);
    assert_eq!(claims["scope"], "read:messages");
    assert_eq!(claims["gty"], "client-credentials");
    assert_eq!(claims["permissions"], json!(["read:messages"]));
    assert_eq!(
        claims["exp"]
            .as_u64()
            .zip(claims["iat"].as_u64())
            .map(|(exp, iat)| exp - iat),
        Some(3600)
    );
}

#[tokio::test]
async fn client_secret_basic_gets_the_same_token() {
    let router = tenant();
    let reply = token_request(
        &router,
        &[("grant_type", "client_credentials"), ("audience", AUDIENCE)],
        &[&basic(M2M_ID, M2M_SECRET)],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let body: Value = reply.json();
    let claims: Value = verify(
        &router,
        body["access_token"].as_str().unwrap_or_default(),
        AUDIENCE,
    )
    .await;
    assert_eq!(claims["sub"], "local-m2m-client@clients");
    assert_eq!(claims["scope"], "read:messages");
}

#[tokio::test]
async fn client_secret_basic_may_repeat_the_same_client_id_in_the_body_but_not_another() {
    let router = tenant();
    let form = |client_id| {
        [
            ("grant_type", "client_credentials"),
            ("audience", AUDIENCE),
            ("client_id", client_id),
        ]
    };
    let same = token_request(&router, &form(M2M_ID), &[&basic(M2M_ID, M2M_SECRET)]).await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.body);
    let other = token_request(&router, &form(CLIENT_ID), &[&basic(M2M_ID, M2M_SECRET)]).await;
    assert_oauth_error(&other, StatusCode::BAD_REQUEST, "invalid_request");
}

#[tokio::test]
async fn a_json_body_works_as_auth0_accepts_it() {
    let router = tenant();
    let body = json!({
        "grant_type": "client_credentials",
        "client_id": M2M_ID,
        "client_secret": M2M_SECRET,
        "audience": AUDIENCE,
    });
    let request = Request::builder()
        .method(Method::POST)
        .uri("/oauth/token")
        .header(CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    let reply = send(&router, request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[tokio::test]
async fn a_wrong_secret_in_the_body_is_invalid_client_without_a_challenge() {
    let router = tenant();
    for secret in [
        "local-m2m-secret-for-development-onlx",
        "local-m2m-secret-for-development-only-and-more",
        "local-m2m-secret",
    ] {
        let reply = token_request(
            &router,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", M2M_ID),
                ("client_secret", secret),
                ("audience", AUDIENCE),
            ],
            &[],
        )
        .await;
        assert_oauth_error(&reply, StatusCode::UNAUTHORIZED, "invalid_client");
        assert!(!reply.body.contains(secret), "{}", reply.body);
        assert!(reply.header(WWW_AUTHENTICATE.as_str()).is_none());
    }
}

#[tokio::test]
async fn a_wrong_secret_in_basic_is_invalid_client_with_a_basic_challenge() {
    let router = tenant();
    let reply = token_request(
        &router,
        &[("grant_type", "client_credentials"), ("audience", AUDIENCE)],
        &[&basic(M2M_ID, "local-m2m-secret-for-development-onlx")],
    )
    .await;
    assert_oauth_error(&reply, StatusCode::UNAUTHORIZED, "invalid_client");
    let challenge = reply.header(WWW_AUTHENTICATE.as_str()).unwrap_or_default();
    assert!(
        challenge.starts_with("Basic ") && challenge.contains("realm="),
        "RFC 6749 5.2: {challenge:?}"
    );
}

#[tokio::test]
async fn any_failure_with_the_authorization_header_carries_the_basic_challenge() {
    let router = tenant();
    let form = [("grant_type", "client_credentials"), ("audience", AUDIENCE)];
    for authorization in [
        basic("no-such-client", M2M_SECRET),
        basic(CLIENT_ID, "a-public-client-has-no-secret-at-all"),
        "Basic %%%".to_owned(),
        "Bearer abc.def.ghi".to_owned(),
    ] {
        let reply = token_request(&router, &form, &[&authorization]).await;
        assert_oauth_error(&reply, StatusCode::UNAUTHORIZED, "invalid_client");
        assert!(
            reply
                .header(WWW_AUTHENTICATE.as_str())
                .is_some_and(|challenge| challenge.starts_with("Basic ")),
            "{authorization}"
        );
    }
}

#[tokio::test]
async fn both_methods_at_once_are_invalid_request() {
    // RFC 6749 2.3: a client MUST NOT use more than one authentication method per request.
    let router = tenant();
    let reply = token_request(
        &router,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", M2M_ID),
            ("client_secret", M2M_SECRET),
            ("audience", AUDIENCE),
        ],
        &[&basic(M2M_ID, M2M_SECRET)],
    )
    .await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
}

#[tokio::test]
async fn a_repeated_authorization_header_is_invalid_request() {
    let router = tenant();
    let credentials = basic(M2M_ID, M2M_SECRET);
    let reply = token_request(
        &router,
        &[("grant_type", "client_credentials"), ("audience", AUDIENCE)],
        &[&credentials, &credentials],
    )
    .await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
}

#[tokio::test]
async fn a_confidential_client_without_its_secret_is_invalid_client() {
    let router = tenant();
    let reply = token_request(
        &router,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", M2M_ID),
            ("audience", AUDIENCE),
        ],
        &[],
    )
    .await;
    assert_oauth_error(&reply, StatusCode::UNAUTHORIZED, "invalid_client");
}

#[tokio::test]
async fn a_public_client_cannot_use_client_credentials() {
    let router = tenant();
    let reply = token_request(
        &router,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("audience", AUDIENCE),
        ],
        &[],
    )
    .await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "unauthorized_client");
    // Nor can it pretend to have a secret.
    let reply = token_request(
        &router,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", M2M_SECRET),
            ("audience", AUDIENCE),
        ],
        &[],
    )
    .await;
    assert_oauth_error(&reply, StatusCode::UNAUTHORIZED, "invalid_client");
}

#[tokio::test]
async fn a_machine_to_machine_client_cannot_use_the_browser_grants() {
    let router = tenant();
    for (grant_type, parameter, value) in [
        ("authorization_code", "code", "a-code"),
        ("refresh_token", "refresh_token", "a-refresh-token"),
    ] {
        let reply = token_request(
            &router,
            &[("grant_type", grant_type), (parameter, value)],
            &[&basic(M2M_ID, M2M_SECRET)],
        )
        .await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "unauthorized_client");
    }
}

#[tokio::test]
async fn the_audience_is_required_and_must_be_a_registered_api() {
    let router = tenant();
    let missing = token_request(
        &router,
        &[("grant_type", "client_credentials")],
        &[&basic(M2M_ID, M2M_SECRET)],
    )
    .await;
    assert_oauth_error(&missing, StatusCode::BAD_REQUEST, "invalid_request");
    let unknown = token_request(
        &router,
        &[
            ("grant_type", "client_credentials"),
            ("audience", "https://elsewhere.example/api"),
        ],
        &[&basic(M2M_ID, M2M_SECRET)],
    )
    .await;
    assert_oauth_error(&unknown, StatusCode::FORBIDDEN, "access_denied");
    let userinfo = token_request(
        &router,
        &[
            ("grant_type", "client_credentials"),
            ("audience", &format!("{ISSUER}userinfo")),
        ],
        &[&basic(M2M_ID, M2M_SECRET)],
    )
    .await;
    assert_oauth_error(&userinfo, StatusCode::FORBIDDEN, "access_denied");
}

#[tokio::test]
async fn an_api_without_a_client_grant_is_access_denied() {
    let mut config = TenantConfig::default();
    config.apis.push(dev_tenant::config::ApiConfig {
        identifier: Audience::from("https://other.example/api"),
        scopes: vec!["read:other".to_owned()],
        add_permissions_in_access_token: false,
    });
    let router = tenant_with(config);
    let reply = token_request(
        &router,
        &[
            ("grant_type", "client_credentials"),
            ("audience", "https://other.example/api"),
        ],
        &[&basic(M2M_ID, M2M_SECRET)],
    )
    .await;
    assert_oauth_error(&reply, StatusCode::FORBIDDEN, "access_denied");
}

#[tokio::test]
async fn scope_narrows_the_grant_and_a_scope_outside_it_is_refused() {
    let router = tenant_with(two_scope_config());
    let everything: Value = post_secret(&router, &[]).await.json();
    assert_eq!(everything["scope"], "read:messages write:messages");
    let narrowed = post_secret(&router, &[("scope", "write:messages")]).await;
    assert_eq!(narrowed.status, StatusCode::OK, "{}", narrowed.body);
    let body: Value = narrowed.json();
    assert_eq!(body["scope"], "write:messages");
    let claims: Value = verify(
        &router,
        body["access_token"].as_str().unwrap_or_default(),
        AUDIENCE,
    )
    .await;
    assert_eq!(claims["scope"], "write:messages");
    assert_eq!(claims["permissions"], json!(["write:messages"]));
    for scope in ["delete:messages", "read:messages openid", "offline_access"] {
        let refused = post_secret(&router, &[("scope", scope)]).await;
        assert_oauth_error(&refused, StatusCode::FORBIDDEN, "access_denied");
    }
}

#[tokio::test]
async fn without_the_apis_permissions_toggle_the_token_has_scope_only() {
    let mut config = TenantConfig::default();
    config.apis[0].add_permissions_in_access_token = false;
    let router = tenant_with(config);
    let body: Value = post_secret(&router, &[]).await.json();
    let claims: Value = verify(
        &router,
        body["access_token"].as_str().unwrap_or_default(),
        AUDIENCE,
    )
    .await;
    assert!(claims.get("permissions").is_none(), "{claims}");
    assert_eq!(claims["scope"], "read:messages");
}

#[tokio::test]
async fn a_client_credentials_token_is_no_userinfo_token() {
    let router = tenant();
    let body: Value = post_secret(&router, &[]).await.json();
    let request = Request::builder()
        .method(Method::GET)
        .uri("/userinfo")
        .header(
            AUTHORIZATION,
            format!(
                "Bearer {}",
                body["access_token"].as_str().unwrap_or_default()
            ),
        )
        .body(Body::empty())
        .expect("request");
    let reply = send(&router, request).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
}

#[tokio::test]
async fn a_machine_to_machine_client_authenticates_at_the_revocation_endpoint_too() {
    let router = tenant();
    let revoke = |form: Vec<(&'static str, &'static str)>| {
        let router = router.clone();
        async move {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form)
                .finish();
            let request = Request::builder()
                .method(Method::POST)
                .uri("/oauth/revoke")
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .expect("request");
            send(&router, request).await
        }
    };
    let unauthenticated = revoke(vec![("client_id", M2M_ID), ("token", "anything")]).await;
    assert_oauth_error(&unauthenticated, StatusCode::UNAUTHORIZED, "invalid_client");
    let authenticated = revoke(vec![
        ("client_id", M2M_ID),
        ("client_secret", M2M_SECRET),
        ("token", "anything"),
    ])
    .await;
    assert_eq!(
        authenticated.status,
        StatusCode::OK,
        "{}",
        authenticated.body
    );
}

#[test]
fn the_configuration_never_prints_the_client_secret() {
    let config = TenantConfig::default();
    let printed = format!("{config:?} {:#?}", config.clients);
    assert!(!printed.contains(M2M_SECRET), "{printed}");
    assert!(printed.contains("ClientSecret([redacted])"), "{printed}");
}
