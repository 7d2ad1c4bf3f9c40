//! The JSON the tenant serves, member by member and type by type: the discovery document, token
//! responses and errors, the claims of minted tokens and the `/userinfo` answer. Clients written
//! against Auth0 read these, so a renamed claim or a number turned string breaks them.

mod harness;

use axum::body::Body;
use axum::http::header::AUTHORIZATION;
use axum::http::{Request, StatusCode};
use harness::*;
use serde_json::{Value, json};

/// The member names of a JSON object, sorted.
fn members(value: &Value) -> Vec<&str> {
    let mut names: Vec<&str> = value
        .as_object()
        .unwrap_or_else(|| panic!("a JSON object: {value}"))
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    names
}

fn is_string(value: &Value, name: &str) -> bool {
    value[name].is_string()
}

fn is_number(value: &Value, name: &str) -> bool {
    value[name].is_u64()
}

#[tokio::test]
async fn discovery_document_has_exactly_auth0s_members_and_values() {
    let body: Value = get(&tenant(), "/.well-known/openid-configuration", None)
        .await
        .json();
    assert_eq!(
        body,
        json!({
            "issuer": "http://localhost:3002/",
            "authorization_endpoint": "http://localhost:3002/authorize",
            "token_endpoint": "http://localhost:3002/oauth/token",
            "userinfo_endpoint": "http://localhost:3002/userinfo",
            "jwks_uri": "http://localhost:3002/.well-known/jwks.json",
            "end_session_endpoint": "http://localhost:3002/oidc/logout",
            "revocation_endpoint": "http://localhost:3002/oauth/revoke",
            "scopes_supported": ["openid", "profile", "email", "offline_access", "read:messages"],
            "response_types_supported": ["code", "token id_token", "id_token"],
            "response_modes_supported": ["query", "fragment", "web_message"],
            "grant_types_supported": ["authorization_code", "implicit", "refresh_token", "client_credentials"],
            "code_challenge_methods_supported": ["S256"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "claims_supported": [
                "aud", "auth_time", "email", "email_verified", "exp", "iat", "iss", "name",
                "nickname", "picture", "sid", "sub", "updated_at"
            ],
            "request_uri_parameter_supported": false,
            "request_parameter_supported": false,
            "authorization_response_iss_parameter_supported": true,
        })
    );
}

#[tokio::test]
async fn token_response_members_and_types_are_those_of_rfc_6749_section_5_1() {
    let router = tenant();
    let code = code_for(
        &router,
        "reader@example.com",
        &[("scope", "openid profile email offline_access read:messages")],
    )
    .await;
    let body: Value = redeem(&router, &code, VERIFIER).await.json();
    assert_eq!(
        members(&body),
        [
            "access_token",
            "expires_in",
            "id_token",
            "refresh_token",
            "scope",
            "token_type"
        ]
    );
    for name in ["access_token", "id_token", "refresh_token"] {
        assert!(is_string(&body, name), "{name}: {body}");
    }
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(
        body["scope"],
        "openid profile email offline_access read:messages"
    );

    let without_openid =
        code_for(&router, "reader@example.com", &[("scope", "read:messages")]).await;
    let body: Value = redeem(&router, &without_openid, VERIFIER).await.json();
    assert_eq!(
        members(&body),
        ["access_token", "expires_in", "scope", "token_type"]
    );
}

#[tokio::test]
async fn token_error_body_has_exactly_error_and_description() {
    let reply = redeem(&tenant(), "no-such-code", VERIFIER).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let body: Value = reply.json();
    assert_eq!(members(&body), ["error", "error_description"]);
    assert_eq!(body["error"], "invalid_grant");
    assert!(is_string(&body, "error_description"));
}

#[tokio::test]
async fn access_token_claims_keep_their_names_and_json_types() {
    let router = tenant();
    let code = code_for(&router, "reader@example.com", &[]).await;
    let body: Value = redeem(&router, &code, VERIFIER).await.json();
    let access: Value = verify(
        &router,
        body["access_token"].as_str().unwrap_or_default(),
        AUDIENCE,
    )
    .await;
    assert_eq!(
        members(&access),
        [
            "aud",
            "azp",
            "exp",
            "iat",
            "iss",
            "permissions",
            "scope",
            "sub"
        ]
    );
    assert_eq!(access["iss"], ISSUER);
    assert_eq!(
        access["aud"],
        json!([AUDIENCE, format!("{ISSUER}userinfo")])
    );
    assert_eq!(access["azp"], CLIENT_ID);
    assert_eq!(access["scope"], "openid profile email read:messages");
    assert_eq!(access["permissions"], json!(["read:messages"]));
    assert!(is_string(&access, "sub"));
    assert!(is_number(&access, "iat") && is_number(&access, "exp"));

    // Without an API there is no `permissions` claim and `aud` is the userinfo audience alone.
    let code = code_for(&router, "reader@example.com", &[("audience", "")]).await;
    let body: Value = redeem(&router, &code, VERIFIER).await.json();
    let userinfo_audience = format!("{ISSUER}userinfo");
    let access: Value = verify(
        &router,
        body["access_token"].as_str().unwrap_or_default(),
        &userinfo_audience,
    )
    .await;
    assert_eq!(
        members(&access),
        ["aud", "azp", "exp", "iat", "iss", "scope", "sub"]
    );
    assert_eq!(access["aud"], userinfo_audience.as_str());
}

#[tokio::test]
async fn id_token_claims_keep_their_names_and_json_types_with_profile_claims_at_the_top_level() {
    let router = implicit_tenant();
    let code = code_for(&router, "reader@example.com", &[]).await;
    let body: Value = redeem(&router, &code, VERIFIER).await.json();
    let id: Value = verify(
        &router,
        body["id_token"].as_str().unwrap_or_default(),
        CLIENT_ID,
    )
    .await;
    assert_eq!(
        members(&id),
        [
            "aud",
            "auth_time",
            "email",
            "email_verified",
            "exp",
            "iat",
            "iss",
            "name",
            "nickname",
            "nonce",
            "picture",
            "sid",
            "sub",
            "updated_at"
        ]
    );
    assert_eq!(id["aud"], CLIENT_ID, "a single audience is a string");
    assert_eq!(id["iss"], ISSUER);
    assert_eq!(id["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(id["email_verified"], true);
    for name in [
        "sub",
        "sid",
        "name",
        "nickname",
        "picture",
        "updated_at",
        "email",
    ] {
        assert!(is_string(&id, name), "{name}: {id}");
    }
    for name in ["iat", "exp", "auth_time"] {
        assert!(is_number(&id, name), "{name}: {id}");
    }

    // The implicit flow adds `at_hash`; scopes without profile or email release neither.
    let authorize = authorize_uri(&[
        ("response_type", "token id_token"),
        ("code_challenge", ""),
        ("code_challenge_method", ""),
        ("scope", "openid"),
    ]);
    let (location, _) = log_in(&router, &authorize, "reader@example.com").await;
    let fragment = params(&location, true);
    let id: Value = verify(
        &router,
        fragment.get("id_token").expect("id_token"),
        CLIENT_ID,
    )
    .await;
    assert_eq!(
        members(&id),
        [
            "at_hash",
            "aud",
            "auth_time",
            "exp",
            "iat",
            "iss",
            "nonce",
            "sid",
            "sub"
        ]
    );
    assert!(is_string(&id, "at_hash"));
}

#[tokio::test]
async fn userinfo_answers_the_subject_and_the_released_claims_only() {
    let router = tenant();
    let answer = |access_token: String| {
        let router = router.clone();
        async move {
            let request = Request::builder()
                .uri("/userinfo")
                .header(AUTHORIZATION, format!("Bearer {access_token}"))
                .body(Body::empty())
                .expect("request");
            let reply = send(&router, request).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            reply.json::<Value>()
        }
    };
    let access_token = |scope: &'static str| {
        let router = router.clone();
        async move {
            let code = code_for(&router, "reader@example.com", &[("scope", scope)]).await;
            let body: Value = redeem(&router, &code, VERIFIER).await.json();
            body["access_token"].as_str().unwrap_or_default().to_owned()
        }
    };
    let everything = answer(access_token("openid profile email").await).await;
    assert_eq!(
        members(&everything),
        [
            "email",
            "email_verified",
            "name",
            "nickname",
            "picture",
            "sub",
            "updated_at"
        ]
    );
    assert_eq!(everything["email_verified"], true);
    let email_only = answer(access_token("openid email").await).await;
    assert_eq!(members(&email_only), ["email", "email_verified", "sub"]);
}
