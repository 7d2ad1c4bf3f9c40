//! The browser story end to end: authorization code with PKCE through the login page, tokens
//! verified against the served JWKS, sessions and `prompt`, the implicit flow, userinfo, logout,
//! discovery and CORS.

mod harness;

use axum::body::Body;
use axum::http::header::{ACCESS_CONTROL_ALLOW_ORIGIN, AUTHORIZATION, CACHE_CONTROL, ORIGIN};
use axum::http::{Method, Request, StatusCode};
use harness::*;
use oidc_protocol::claims::{AccessTokenClaims, AudienceClaim, IdTokenClaims};
use oidc_protocol::{ClientId, Scope};
use serde_json::Value;

#[tokio::test]
async fn code_flow_with_pkce_issues_tokens_that_verify_against_the_served_jwks() {
    let router = tenant();
    let page = open_login(&router, &authorize_uri(&[]), None).await;
    assert!(
        page.reply
            .body
            .contains(r#"<label for="username">Email</label>"#)
    );
    assert_eq!(page.reply.header("x-frame-options"), Some("DENY"));
    assert!(
        page.reply
            .header("content-security-policy")
            .unwrap_or_default()
            .contains("frame-ancestors 'none'")
    );

    let reply = submit_login(&router, &page, "reader@example.com", "password123").await;
    assert_eq!(reply.status, StatusCode::FOUND);
    let session = reply
        .set_cookie("dev_tenant_session")
        .expect("session cookie");
    assert!(
        session.contains("HttpOnly")
            && session.contains("SameSite=Lax")
            && session.contains("Path=/"),
        "{session}"
    );
    let location = reply.location();
    assert_eq!(
        format!(
            "{}://{}{}",
            location.scheme(),
            location.host_str().unwrap_or_default(),
            location.path()
        ),
        "http://localhost/callback"
    );
    assert_eq!(location.port(), Some(3000));
    let returned = params(&location, false);
    assert_eq!(
        returned.get("state").map(String::as_str),
        Some("st/8+=?&z"),
        "state is echoed byte-exact"
    );
    assert_eq!(
        returned.get("iss").map(String::as_str),
        Some(ISSUER),
        "RFC 9207: the response names its issuer"
    );
    let code = returned.get("code").expect("code");
    assert!(code.len() >= 22, "at least 128 bits");

    let tokens = redeem(&router, code, VERIFIER).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.body);
    assert_eq!(tokens.header(CACHE_CONTROL.as_str()), Some("no-store"));
    let body: Value = tokens.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "openid profile email read:messages");
    assert!(
        body.get("refresh_token").is_none(),
        "no offline_access, no refresh token"
    );

    let access: AccessTokenClaims = verify(
        &router,
        body["access_token"].as_str().unwrap_or_default(),
        AUDIENCE,
    )
    .await;
    assert_eq!(access.iss.as_deref(), Some(ISSUER));
    assert_eq!(
        access.aud,
        Some(AudienceClaim::Many(vec![
            AUDIENCE.to_owned(),
            format!("{ISSUER}userinfo")
        ]))
    );
    assert_eq!(access.azp, Some(ClientId::from(CLIENT_ID)));
    assert_eq!(
        access.scope,
        Some(Scope::new("openid profile email read:messages"))
    );
    assert_eq!(access.permissions, Some(vec!["read:messages".to_owned()]));
    assert!(
        access
            .sub
            .as_deref()
            .is_some_and(|sub| sub.starts_with("auth0|"))
    );
    assert_eq!(
        access.exp.zip(access.iat).map(|(exp, iat)| exp - iat),
        Some(3600)
    );

    let id: IdTokenClaims = verify(
        &router,
        body["id_token"].as_str().unwrap_or_default(),
        CLIENT_ID,
    )
    .await;
    assert_eq!(Some(id.sub.as_str()), access.sub.as_deref());
    assert_eq!(id.aud, AudienceClaim::One(CLIENT_ID.to_owned()));
    assert_eq!(id.nonce.as_deref(), Some("n-0S6_WzA2Mj"));
    assert_eq!(id.profile.nickname.as_deref(), Some("reader"));
    assert_eq!(id.profile.name.as_deref(), Some("reader@example.com"));
    assert_eq!(id.profile.email.as_deref(), Some("reader@example.com"));
    assert_eq!(id.profile.email_verified, Some(true));
    assert_eq!(
        id.profile.picture.as_deref(),
        Some("http://localhost:3002/avatars/reader.svg")
    );
    assert!(id.auth_time.is_some_and(|auth_time| auth_time <= id.iat));
    assert!(id.sid.is_some_and(|sid| !sid.is_empty()));
}

#[tokio::test]
async fn guest_asking_for_read_messages_gets_only_the_oidc_scopes() {
    let router = tenant();
    let code = code_for(&router, "guest@example.com", &[]).await;
    let body: Value = redeem(&router, &code, VERIFIER).await.json();
    assert_eq!(body["scope"], "openid profile email");
    let access: AccessTokenClaims = verify(
        &router,
        body["access_token"].as_str().unwrap_or_default(),
        AUDIENCE,
    )
    .await;
    assert_eq!(access.scope, Some(Scope::new("openid profile email")));
    assert_eq!(access.permissions, Some(vec![]));
}

#[tokio::test]
async fn without_openid_the_access_token_has_only_the_api_audience_and_no_id_token() {
    let router = tenant();
    let code = code_for(&router, "reader@example.com", &[("scope", "read:messages")]).await;
    let body: Value = redeem(&router, &code, VERIFIER).await.json();
    assert!(body.get("id_token").is_none(), "{body}");
    let access: AccessTokenClaims = verify(
        &router,
        body["access_token"].as_str().unwrap_or_default(),
        AUDIENCE,
    )
    .await;
    assert_eq!(access.aud, Some(AudienceClaim::One(AUDIENCE.to_owned())));
}

#[tokio::test]
async fn prompt_none_without_a_session_redirects_with_login_required() {
    let router = tenant();
    let reply = get(&router, &authorize_uri(&[("prompt", "none")]), None).await;
    assert_eq!(reply.status, StatusCode::FOUND);
    let location = reply.location();
    assert!(location.as_str().starts_with(CALLBACK));
    let returned = params(&location, false);
    assert_eq!(
        returned.get("error").map(String::as_str),
        Some("login_required")
    );
    assert_eq!(returned.get("state").map(String::as_str), Some("st/8+=?&z"));
    assert!(!returned.contains_key("code"));
}

#[tokio::test]
async fn prompt_none_with_a_session_returns_a_code_without_the_login_page() {
    let router = tenant();
    let (_, session) = log_in(&router, &authorize_uri(&[]), "reader@example.com").await;
    let reply = get(
        &router,
        &authorize_uri(&[("prompt", "none"), ("state", "silent")]),
        Some(&session),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FOUND);
    let returned = params(&reply.location(), false);
    assert_eq!(returned.get("state").map(String::as_str), Some("silent"));
    let code = returned.get("code").expect("a code from the session");
    let body: Value = redeem(&router, code, VERIFIER).await.json();
    let id: IdTokenClaims = verify(
        &router,
        body["id_token"].as_str().unwrap_or_default(),
        CLIENT_ID,
    )
    .await;
    assert_eq!(id.profile.email.as_deref(), Some("reader@example.com"));
}

#[tokio::test]
async fn prompt_login_shows_the_login_page_despite_a_session() {
    let router = tenant();
    let (_, session) = log_in(&router, &authorize_uri(&[]), "reader@example.com").await;
    let reply = get(
        &router,
        &authorize_uri(&[("prompt", "login")]),
        Some(&session),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(reply.location().path(), "/u/login");
}

#[tokio::test]
async fn implicit_flow_puts_tokens_in_the_fragment_with_the_nonce_in_the_id_token() {
    let router = implicit_tenant();
    let authorize = authorize_uri(&[
        ("response_type", "token id_token"),
        ("code_challenge", ""),
        ("code_challenge_method", ""),
        ("nonce", "implicit-nonce"),
    ]);
    let (location, _) = log_in(&router, &authorize, "reader@example.com").await;
    assert_eq!(location.query(), None, "nothing in the query");
    let fragment = params(&location, true);
    assert_eq!(fragment.get("state").map(String::as_str), Some("st/8+=?&z"));
    assert_eq!(fragment.get("iss").map(String::as_str), Some(ISSUER));
    assert_eq!(
        fragment.get("token_type").map(String::as_str),
        Some("Bearer")
    );
    assert_eq!(fragment.get("expires_in").map(String::as_str), Some("3600"));
    let access_token = fragment.get("access_token").expect("access_token");
    let access: AccessTokenClaims = verify(&router, access_token, AUDIENCE).await;
    assert_eq!(
        access.scope,
        Some(Scope::new("openid profile email read:messages"))
    );
    let id: IdTokenClaims = verify(
        &router,
        fragment.get("id_token").expect("id_token"),
        CLIENT_ID,
    )
    .await;
    assert_eq!(id.nonce.as_deref(), Some("implicit-nonce"));
    assert_eq!(
        id.at_hash,
        Some(oidc_protocol::token_hash::left_half_hash(access_token))
    );
}

#[tokio::test]
async fn implicit_flow_without_a_nonce_is_refused_in_the_fragment() {
    let router = implicit_tenant();
    let reply = get(
        &router,
        &authorize_uri(&[("response_type", "token id_token"), ("nonce", "")]),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::FOUND);
    let fragment = params(&reply.location(), true);
    assert_eq!(
        fragment.get("error").map(String::as_str),
        Some("invalid_request")
    );
    assert!(
        fragment
            .get("error_description")
            .is_some_and(|description| description.contains("nonce"))
    );
}

async fn access_token_for(router: &axum::Router, email: &str) -> String {
    let code = code_for(router, email, &[]).await;
    let body: Value = redeem(router, &code, VERIFIER).await.json();
    body["access_token"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn userinfo_returns_profile_claims_for_a_valid_token_by_get_and_post() {
    let router = tenant();
    let access_token = access_token_for(&router, "reader@example.com").await;
    for method in [Method::GET, Method::POST] {
        let request = Request::builder()
            .method(method)
            .uri("/userinfo")
            .header(AUTHORIZATION, format!("Bearer {access_token}"))
            .body(Body::empty())
            .expect("request");
        let reply = send(&router, request).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let body: Value = reply.json();
        assert_eq!(body["email"], "reader@example.com");
        assert_eq!(body["nickname"], "reader");
        assert_eq!(body["email_verified"], true);
        assert!(
            body["sub"]
                .as_str()
                .is_some_and(|sub| sub.starts_with("auth0|"))
        );
    }
}

#[tokio::test]
async fn userinfo_without_a_token_gets_a_bearer_challenge_without_error_code() {
    let reply = get(&tenant(), "/userinfo", None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.header("www-authenticate"),
        Some(r#"Bearer realm="http://localhost:3002/""#)
    );
}

#[tokio::test]
async fn userinfo_with_a_tampered_token_is_invalid_token() {
    let router = tenant();
    let access_token = access_token_for(&router, "reader@example.com").await;
    let mut parts: Vec<String> = access_token.split('.').map(str::to_owned).collect();
    let flipped = if parts[2].starts_with('A') { "B" } else { "A" };
    parts[2].replace_range(..1, flipped);
    let tampered = parts.join(".");
    assert_ne!(tampered, access_token);
    for token in [tampered.as_str(), "not-a-jwt"] {
        let request = Request::builder()
            .uri("/userinfo")
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request");
        let reply = send(&router, request).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert!(
            reply
                .header("www-authenticate")
                .unwrap_or_default()
                .contains(r#"error="invalid_token""#)
        );
        let body: Value = reply.json();
        assert_eq!(body["error"], "invalid_token");
        assert!(
            !reply.body.contains(token),
            "the body never echoes the token"
        );
    }
}

#[tokio::test]
async fn userinfo_refuses_a_token_without_the_userinfo_audience() {
    let router = tenant();
    let code = code_for(&router, "reader@example.com", &[("scope", "read:messages")]).await;
    let body: Value = redeem(&router, &code, VERIFIER).await.json();
    let request = Request::builder()
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
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(
        reply
            .header("www-authenticate")
            .unwrap_or_default()
            .contains("invalid_token")
    );
}

#[tokio::test]
async fn logout_to_an_allowed_url_ends_the_session_and_redirects() {
    let router = tenant();
    let (_, session) = log_in(&router, &authorize_uri(&[]), "reader@example.com").await;
    let reply = get(
        &router,
        "/v2/logout?client_id=local-spa-client&returnTo=http%3A%2F%2Flocalhost%3A3000",
        Some(&session),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(reply.header("location"), Some(SPA_ORIGIN));
    assert!(
        reply
            .set_cookie("dev_tenant_session")
            .is_some_and(|cookie| cookie.contains("Max-Age=0"))
    );
    let silent = get(
        &router,
        &authorize_uri(&[("prompt", "none")]),
        Some(&session),
    )
    .await;
    assert_eq!(
        params(&silent.location(), false)
            .get("error")
            .map(String::as_str),
        Some("login_required")
    );
}

#[tokio::test]
async fn logout_to_a_disallowed_url_shows_an_error_page_and_does_not_redirect() {
    let router = tenant();
    for uri in [
        "/v2/logout?client_id=local-spa-client&returnTo=http%3A%2F%2Flocalhost%3A3000%2F",
        "/v2/logout?client_id=local-spa-client&returnTo=https%3A%2F%2Fevil.example",
        "/v2/logout?returnTo=http%3A%2F%2Flocalhost%3A3001",
        "/oidc/logout?client_id=local-spa-client&post_logout_redirect_uri=https%3A%2F%2Fevil.example",
    ] {
        let reply = get(&router, uri, None).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(reply.header("location").is_none(), "{uri}");
        assert!(
            reply.body.contains("not an allowed logout URL"),
            "{uri}: {}",
            reply.body
        );
    }
}

#[tokio::test]
async fn logout_with_a_client_id_but_no_return_to_goes_to_its_first_logout_url_like_auth0() {
    let router = tenant();
    let (_, session) = log_in(&router, &authorize_uri(&[]), "reader@example.com").await;
    let reply = get(
        &router,
        "/v2/logout?client_id=local-spa-client&auth0Client=eyJ9",
        Some(&session),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    assert_eq!(reply.header("location"), Some(SPA_ORIGIN));
    let cleared = reply.set_cookie("dev_tenant_session").expect("cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let after = get(
        &router,
        &authorize_uri(&[("prompt", "none")]),
        Some(&session),
    )
    .await;
    assert_eq!(
        params(&after.location(), false)
            .get("error")
            .map(String::as_str),
        Some("login_required")
    );
}

#[tokio::test]
async fn logout_without_return_to_says_you_are_logged_out() {
    let reply = get(&tenant(), "/v2/logout", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("You are logged out"));
}

#[tokio::test]
async fn oidc_logout_with_an_id_token_hint_redirects_with_state() {
    let router = tenant();
    let code = code_for(&router, "reader@example.com", &[]).await;
    let body: Value = redeem(&router, &code, VERIFIER).await.json();
    let hint = body["id_token"].as_str().unwrap_or_default();
    let uri = format!(
        "/oidc/logout?id_token_hint={hint}&post_logout_redirect_uri=http%3A%2F%2Flocalhost%3A3000&state=bye"
    );
    let reply = get(&router, &uri, None).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    assert_eq!(
        reply.header("location"),
        Some("http://localhost:3000/?state=bye")
    );
}

#[tokio::test]
async fn discovery_describes_the_endpoints_like_auth0() {
    let body: Value = get(&tenant(), "/.well-known/openid-configuration", None)
        .await
        .json();
    assert_eq!(body["issuer"], ISSUER);
    assert_eq!(
        body["authorization_endpoint"],
        "http://localhost:3002/authorize"
    );
    assert_eq!(body["token_endpoint"], "http://localhost:3002/oauth/token");
    assert_eq!(body["userinfo_endpoint"], "http://localhost:3002/userinfo");
    assert_eq!(
        body["jwks_uri"],
        "http://localhost:3002/.well-known/jwks.json"
    );
    assert_eq!(
        body["end_session_endpoint"],
        "http://localhost:3002/oidc/logout"
    );
    assert_eq!(
        body["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        body["id_token_signing_alg_values_supported"],
        serde_json::json!(["RS256"])
    );
    assert!(
        body["scopes_supported"]
            .as_array()
            .is_some_and(|scopes| scopes.contains(&Value::from("read:messages")))
    );
}

#[tokio::test]
async fn jwks_publishes_public_rsa_keys_only() {
    let body: Value = get(&tenant(), "/.well-known/jwks.json", None).await.json();
    let keys = body["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kty"], "RSA");
    assert_eq!(keys[0]["use"], "sig");
    assert_eq!(keys[0]["alg"], "RS256");
    assert_eq!(keys[0]["e"], "AQAB");
    assert_eq!(keys[0]["kid"], harness::keys().signing_kid());
    for private in ["d", "p", "q", "dp", "dq", "qi"] {
        assert!(
            keys[0].get(private).is_none(),
            "{private} must not be published"
        );
    }
}

#[tokio::test]
async fn cors_allows_registered_web_origins_on_token_and_discovery_but_not_authorize() {
    let router = tenant();
    let with_origin = |uri: &str, origin: &str, method: Method| {
        Request::builder()
            .method(method)
            .uri(uri)
            .header(ORIGIN, origin)
            .header("access-control-request-method", "POST")
            .body(Body::empty())
            .expect("request")
    };
    let preflight = send(
        &router,
        with_origin("/oauth/token", SPA_ORIGIN, Method::OPTIONS),
    )
    .await;
    assert_eq!(
        preflight.header(ACCESS_CONTROL_ALLOW_ORIGIN.as_str()),
        Some(SPA_ORIGIN)
    );
    let discovery = send(
        &router,
        with_origin("/.well-known/openid-configuration", SPA_ORIGIN, Method::GET),
    )
    .await;
    assert_eq!(
        discovery.header(ACCESS_CONTROL_ALLOW_ORIGIN.as_str()),
        Some(SPA_ORIGIN)
    );
    let stranger = send(
        &router,
        with_origin("/oauth/token", "http://localhost:4000", Method::OPTIONS),
    )
    .await;
    assert_eq!(stranger.header(ACCESS_CONTROL_ALLOW_ORIGIN.as_str()), None);
    let authorize = send(
        &router,
        with_origin(&authorize_uri(&[]), SPA_ORIGIN, Method::GET),
    )
    .await;
    assert_eq!(authorize.header(ACCESS_CONTROL_ALLOW_ORIGIN.as_str()), None);
}

#[tokio::test]
async fn avatars_are_served_as_svg() {
    let reply = get(&tenant(), "/avatars/reader.svg", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), Some("image/svg+xml"));
    assert!(reply.body.starts_with("<svg") && reply.body.contains(">R</text>"));
}

#[tokio::test]
async fn the_largest_max_age_is_a_session_that_never_gets_too_old_not_a_crash() {
    let router = tenant();
    let (_, session) = log_in(&router, &authorize_uri(&[]), "reader@example.com").await;
    let reply = get(
        &router,
        &authorize_uri(&[("prompt", "none"), ("max_age", &u64::MAX.to_string())]),
        Some(&session),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    let returned = params(&reply.location(), false);
    assert!(returned.contains_key("code"), "{returned:?}");
    assert_eq!(returned.get("state").map(String::as_str), Some("st/8+=?&z"));
}

#[tokio::test]
async fn max_age_older_than_the_session_forces_a_new_login() {
    let router = tenant();
    let (_, session) = log_in(&router, &authorize_uri(&[]), "reader@example.com").await;
    // The session is younger than an hour: it answers silently.
    let fresh = get(
        &router,
        &authorize_uri(&[("prompt", "none"), ("max_age", "3600")]),
        Some(&session),
    )
    .await;
    assert!(params(&fresh.location(), false).contains_key("code"));
    // max_age=0 makes every session too old, so prompt=none cannot be satisfied.
    let stale = get(
        &router,
        &authorize_uri(&[("prompt", "none"), ("max_age", "0")]),
        Some(&session),
    )
    .await;
    assert_eq!(
        params(&stale.location(), false)
            .get("error")
            .map(String::as_str),
        Some("login_required")
    );
    let not_a_number = get(
        &router,
        &authorize_uri(&[("max_age", "soon")]),
        Some(&session),
    )
    .await;
    assert_eq!(
        params(&not_a_number.location(), false)
            .get("error")
            .map(String::as_str),
        Some("invalid_request")
    );
}

#[tokio::test]
async fn response_type_id_token_returns_only_an_id_token_in_the_fragment() {
    let router = implicit_tenant();
    let authorize = authorize_uri(&[
        ("response_type", "id_token"),
        ("code_challenge", ""),
        ("code_challenge_method", ""),
    ]);
    let (location, _) = log_in(&router, &authorize, "guest@example.com").await;
    let fragment = params(&location, true);
    assert!(!fragment.contains_key("access_token"));
    let id: IdTokenClaims = verify(
        &router,
        fragment.get("id_token").expect("id_token"),
        CLIENT_ID,
    )
    .await;
    assert_eq!(id.profile.email.as_deref(), Some("guest@example.com"));
    assert_eq!(id.at_hash, None);
}

#[tokio::test]
async fn userinfo_with_another_scheme_gets_a_bare_challenge_like_no_credentials() {
    // RFC 6750 section 3.1: a request without bearer credentials gets no error code.
    let request = Request::builder()
        .uri("/userinfo")
        .header(AUTHORIZATION, "Basic dXNlcjpwYXNz")
        .body(Body::empty())
        .expect("request");
    let reply = send(&tenant(), request).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.header("www-authenticate"),
        Some(r#"Bearer realm="http://localhost:3002/""#)
    );
    assert!(!reply.body.contains("error"), "{}", reply.body);
}

/// Sends `/userinfo` with these `Authorization` header values.
async fn userinfo_with_headers(router: &axum::Router, values: &[&str]) -> Reply {
    let mut request = Request::builder().uri("/userinfo");
    for value in values {
        request = request.header(AUTHORIZATION, *value);
    }
    send(router, request.body(Body::empty()).expect("request")).await
}

fn assert_invalid_request(reply: &Reply, what: &str) {
    assert_eq!(
        reply.status,
        StatusCode::BAD_REQUEST,
        "{what}: {}",
        reply.body
    );
    assert_eq!(
        reply.header("www-authenticate"),
        Some(
            r#"Bearer realm="http://localhost:3002/", error="invalid_request", error_description="Expected Authorization: Bearer <access token>""#
        ),
        "{what}"
    );
    let body: Value = reply.json();
    assert_eq!(
        body,
        serde_json::json!({
            "error": "invalid_request",
            "error_description": "Expected Authorization: Bearer <access token>"
        }),
        "{what}"
    );
}

#[tokio::test]
async fn userinfo_with_a_bearer_header_outside_rfc_6750_grammar_is_invalid_request() {
    let router = tenant();
    let oversized = format!("Bearer {}", "a".repeat(8 * 1024 + 1));
    for value in [
        "Bearer",
        "Bearer ",
        "Bearer a b",
        "Bearer a,b",
        "Bearer ====",
        oversized.as_str(),
    ] {
        let reply = userinfo_with_headers(&router, &[value]).await;
        assert_invalid_request(&reply, value.get(..20).unwrap_or(value));
    }
}

#[tokio::test]
async fn userinfo_with_two_authorization_headers_is_invalid_request_even_if_both_are_valid() {
    let router = tenant();
    let access_token = access_token_for(&router, "reader@example.com").await;
    let header = format!("Bearer {access_token}");
    let alone = userinfo_with_headers(&router, &[&header]).await;
    assert_eq!(
        alone.status,
        StatusCode::OK,
        "the control request is accepted"
    );
    let twice = userinfo_with_headers(&router, &[&header, &header]).await;
    assert_invalid_request(&twice, "two headers");
}

#[tokio::test]
async fn userinfo_accepts_the_bearer_scheme_in_any_case() {
    let router = tenant();
    let access_token = access_token_for(&router, "reader@example.com").await;
    for scheme in ["bearer", "BEARER"] {
        let reply = userinfo_with_headers(&router, &[&format!("{scheme} {access_token}")]).await;
        assert_eq!(reply.status, StatusCode::OK, "{scheme}: {}", reply.body);
    }
}

fn forged_claims(exp_offset: i64, iss: &str) -> AccessTokenClaims {
    let now = dev_tenant::clock::now();
    AccessTokenClaims {
        iss: Some(iss.to_owned()),
        sub: Some(
            dev_tenant::TenantConfig::default().users[0]
                .profile(ISSUER)
                .user_id,
        ),
        aud: Some(AudienceClaim::Many(vec![
            AUDIENCE.to_owned(),
            format!("{ISSUER}userinfo"),
        ])),
        iat: Some(now - 600),
        exp: Some(now.saturating_add_signed(exp_offset)),
        nbf: None,
        azp: Some(CLIENT_ID.into()),
        scope: Some(Scope::new("openid profile email")),
        permissions: None,
    }
}

async fn userinfo_status(router: &axum::Router, token: &str) -> (StatusCode, String) {
    let request = Request::builder()
        .uri("/userinfo")
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    let reply = send(router, request).await;
    (
        reply.status,
        reply
            .header("www-authenticate")
            .unwrap_or_default()
            .to_owned(),
    )
}

#[tokio::test]
async fn userinfo_refuses_expired_tokens_other_issuers_other_keys_and_missing_claims() {
    let router = tenant();
    let keys = harness::keys();
    let valid = keys.sign(&forged_claims(600, ISSUER)).expect("sign");
    assert_eq!(
        userinfo_status(&router, &valid).await.0,
        StatusCode::OK,
        "the control token is accepted"
    );

    let expired = keys.sign(&forged_claims(-600, ISSUER)).expect("sign");
    let other_issuer = keys
        .sign(&forged_claims(600, "http://localhost:9999/"))
        .expect("sign");
    let stranger = dev_tenant::SigningKeys::generate().expect("another key");
    let other_key = stranger.sign(&forged_claims(600, ISSUER)).expect("sign");
    let without_scope = keys
        .sign(&AccessTokenClaims {
            scope: None,
            ..forged_claims(600, ISSUER)
        })
        .expect("sign");
    let without_azp = keys
        .sign(&AccessTokenClaims {
            azp: None,
            ..forged_claims(600, ISSUER)
        })
        .expect("sign");
    for token in [expired, other_issuer, other_key, without_scope, without_azp] {
        let (status, challenge) = userinfo_status(&router, &token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(
            challenge.contains(r#"error="invalid_token""#),
            "{challenge}"
        );
    }
}
