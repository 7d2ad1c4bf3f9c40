//! Token validation through `app()`: every class of good and bad token.

#[path = "../../axum-bearer-auth/tests/support/mod.rs"]
mod support;

use api::routes::{PRIVATE_MESSAGE, PRIVATE_SCOPED_MESSAGE, PUBLIC_MESSAGE};
use api::{Config, app};
use axum::Router;
use axum::http::StatusCode;
use axum_bearer_auth::PermissionSource;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use oidc_protocol::base64url;
use serde_json::{Value, json};
use support::*;

struct Fixture {
    server: JwksServer,
    app: Router,
}

impl Fixture {
    async fn new() -> Self {
        let server = JwksServer::start(&[primary_key()]).await;
        let app = app(Config::new(&server.issuer, AUDIENCE).expect("config"));
        Self { server, app }
    }

    fn claims(&self) -> Value {
        valid_claims(&self.server.issuer)
    }

    fn token(&self, edit: impl FnOnce(&mut Value)) -> String {
        let mut claims = self.claims();
        edit(&mut claims);
        sign(&rs256_header(primary_key().kid), &claims, primary_key())
    }

    async fn private(&self, token: &str) -> Answer {
        call(&self.app, "/api/private", Some(&format!("Bearer {token}"))).await
    }
}

/// 401 `invalid_token` in status, challenge and body, with the given description.
fn assert_invalid_token(answer: &Answer, description: &str) {
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{answer:?}");
    assert_eq!(
        answer.header("www-authenticate"),
        Some(
            format!(
                "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"{description}\""
            )
            .as_str()
        ),
    );
    assert_eq!(
        answer.json,
        json!({"error": "invalid_token", "error_description": description})
    );
    assert_eq!(answer.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn valid_token_reaches_the_private_endpoint() {
    let fixture = Fixture::new().await;
    let answer = fixture.private(&fixture.token(|_| {})).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json, json!({"message": PRIVATE_MESSAGE}));
    assert!(answer.header("www-authenticate").is_none());
}

#[tokio::test]
async fn valid_token_with_scope_reaches_the_scoped_endpoint() {
    let fixture = Fixture::new().await;
    let token = fixture.token(|_| {});
    let answer = call(
        &fixture.app,
        "/api/private-scoped",
        Some(&format!("Bearer {token}")),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json, json!({"message": PRIVATE_SCOPED_MESSAGE}));
}

#[tokio::test]
async fn missing_credentials_get_a_bare_challenge() {
    let fixture = Fixture::new().await;
    for path in ["/api/private", "/api/private-scoped"] {
        let answer = call(&fixture.app, path, None).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            answer.header("www-authenticate"),
            Some("Bearer realm=\"api\"")
        );
        assert_eq!(answer.json["error"], "unauthorized");
    }
    assert_eq!(fixture.server.jwks_fetches(), 0);
}

#[tokio::test]
async fn other_schemes_get_a_bare_challenge() {
    let fixture = Fixture::new().await;
    let token = fixture.token(|_| {});
    for value in [
        "Basic dXNlcjpwYXNzd29yZA==".to_owned(),
        format!("Token {token}"),
        token.clone(),
    ] {
        let answer = call(&fixture.app, "/api/private", Some(&value)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{value}");
        assert_eq!(
            answer.header("www-authenticate"),
            Some("Bearer realm=\"api\"")
        );
    }
}

#[tokio::test]
async fn scheme_is_case_insensitive() {
    let fixture = Fixture::new().await;
    let token = fixture.token(|_| {});
    for scheme in ["bearer", "BEARER", "BeArEr"] {
        let answer = call(
            &fixture.app,
            "/api/private",
            Some(&format!("{scheme} {token}")),
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{scheme}");
    }
}

#[tokio::test]
async fn malformed_authorization_header_is_a_400_invalid_request() {
    let fixture = Fixture::new().await;
    for value in [
        "Bearer",
        "Bearer ",
        "Bearer a b",
        "Bearer a,b",
        "Bearer {json}",
    ] {
        let answer = call(&fixture.app, "/api/private", Some(value)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{value:?}");
        assert_eq!(
            answer.header("www-authenticate"),
            Some(
                "Bearer realm=\"api\", error=\"invalid_request\", error_description=\"malformed authorization header\""
            )
        );
        assert_eq!(answer.json["error"], "invalid_request");
    }
}

#[tokio::test]
async fn malformed_and_non_canonical_tokens_are_invalid() {
    let fixture = Fixture::new().await;
    let good = fixture.token(|_| {});
    let (signed_part, signature) = good.rsplit_once('.').unwrap();
    let cases = [
        "abc".to_owned(),
        "abc.def".to_owned(),
        format!("{good}.extra"),
        format!("{signed_part}."),
        // Padding is legal in a b64token but not in a JWS segment.
        format!("{good}="),
        // Base64 (not base64url) alphabet.
        format!(
            "{signed_part}.{}",
            signature.replace('-', "+").replace('_', "/") + "+/"
        ),
        // Non-zero trailing bits: another spelling of the same bytes.
        format!(
            "{}.e30.YR",
            base64url::encode(rs256_header(primary_key().kid).to_string())
        ),
        format!("{}.e30.c2ln", base64url::encode("not json")),
    ];
    for token in cases {
        let answer = fixture.private(&token).await;
        assert_invalid_token(&answer, "malformed token");
        assert!(!answer.text.contains(&token), "body echoes the token");
    }
}

#[tokio::test]
async fn payload_that_is_not_a_json_object_is_malformed_and_fetches_no_keys() {
    let fixture = Fixture::new().await;
    let header = rs256_header(primary_key().kid).to_string();
    for payload in [r#"["not","an","object"]"#, r#""text""#, "42", r#"{"sub":"#] {
        let token = sign_raw(&header, payload);
        assert_invalid_token(&fixture.private(&token).await, "malformed token");
    }
    // Refused on its form, before any key is looked up.
    assert_eq!(fixture.server.jwks_fetches(), 0);
}

#[tokio::test]
async fn alg_none_is_rejected() {
    let fixture = Fixture::new().await;
    let claims = base64url::encode(fixture.claims().to_string());
    for alg in ["none", "None", "NONE"] {
        let header = base64url::encode(json!({"alg": alg, "kid": primary_key().kid}).to_string());
        let answer = fixture.private(&format!("{header}.{claims}.c2ln")).await;
        assert_invalid_token(&answer, "unsupported algorithm");
        let unsigned = fixture.private(&format!("{header}.{claims}.")).await;
        assert_eq!(unsigned.status, StatusCode::UNAUTHORIZED);
        assert_eq!(unsigned.json["error"], "invalid_token");
    }
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_rejected() {
    let fixture = Fixture::new().await;
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(primary_key().kid.to_owned());
    for secret in [
        primary_key().public_pem().into_bytes(),
        primary_key().jwk()["n"]
            .as_str()
            .unwrap()
            .as_bytes()
            .to_vec(),
    ] {
        let token = jsonwebtoken::encode(
            &header,
            &fixture.claims(),
            &EncodingKey::from_secret(&secret),
        )
        .unwrap();
        assert_invalid_token(&fixture.private(&token).await, "unsupported algorithm");
    }
}

#[tokio::test]
async fn bad_signature_is_rejected() {
    let fixture = Fixture::new().await;
    let forged = sign(
        &rs256_header(primary_key().kid),
        &fixture.claims(),
        secondary_key(),
    );
    assert_invalid_token(&fixture.private(&forged).await, "invalid signature");

    let good = fixture.token(|_| {});
    let parts: Vec<&str> = good.split('.').collect();
    let mut claims = fixture.claims();
    claims["scope"] = json!("read:messages admin");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        base64url::encode(claims.to_string()),
        parts[2]
    );
    assert_invalid_token(&fixture.private(&tampered).await, "invalid signature");
}

#[tokio::test]
async fn issuer_must_match_byte_for_byte() {
    let fixture = Fixture::new().await;
    let issuer = fixture.server.issuer.clone();
    for wrong in [
        issuer.trim_end_matches('/').to_owned(),
        format!("{issuer}x/"),
        "https://evil.example/".to_owned(),
    ] {
        let token = fixture.token(|claims| claims["iss"] = json!(wrong));
        assert_invalid_token(&fixture.private(&token).await, "invalid issuer");
    }
    let token = fixture.token(|claims| drop(claims.as_object_mut().unwrap().remove("iss")));
    assert_invalid_token(&fixture.private(&token).await, "missing required claim");
}

#[tokio::test]
async fn audience_may_be_a_string_or_an_array_containing_ours() {
    let fixture = Fixture::new().await;
    let token = fixture.token(|claims| claims["aud"] = json!(AUDIENCE));
    assert_eq!(fixture.private(&token).await.status, StatusCode::OK);
    let token = fixture.token(|claims| claims["aud"] = json!(["other", AUDIENCE]));
    assert_eq!(fixture.private(&token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn wrong_or_missing_audience_is_rejected() {
    let fixture = Fixture::new().await;
    for wrong in [
        json!("https://other/api"),
        json!(["https://other/api"]),
        json!([]),
        json!(format!("{AUDIENCE}/")),
    ] {
        let token = fixture.token(|claims| claims["aud"] = wrong.clone());
        assert_invalid_token(&fixture.private(&token).await, "invalid audience");
    }
    let token = fixture.token(|claims| drop(claims.as_object_mut().unwrap().remove("aud")));
    assert_invalid_token(&fixture.private(&token).await, "missing required claim");
}

#[tokio::test]
async fn expired_token_is_rejected_beyond_the_leeway_only() {
    let fixture = Fixture::new().await;
    let token = fixture.token(|claims| claims["exp"] = json!(now() - 6));
    assert_invalid_token(&fixture.private(&token).await, "token expired");
    let token = fixture.token(|claims| claims["exp"] = json!(now() - 3600));
    assert_invalid_token(&fixture.private(&token).await, "token expired");
    // Two seconds ago is inside the default 5 s leeway (with room for the clock to tick).
    let token = fixture.token(|claims| claims["exp"] = json!(now() - 2));
    assert_eq!(fixture.private(&token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn zero_leeway_rejects_a_token_at_its_exp_second() {
    let server = JwksServer::start(&[primary_key()]).await;
    let app = app(Config::new(&server.issuer, AUDIENCE)
        .unwrap()
        .with_clock_leeway(std::time::Duration::ZERO));
    let mut claims = valid_claims(&server.issuer);
    claims["exp"] = json!(now());
    let token = sign(&rs256_header(primary_key().kid), &claims, primary_key());
    let answer = call(&app, "/api/private", Some(&format!("Bearer {token}"))).await;
    assert_invalid_token(&answer, "token expired");
}

#[tokio::test]
async fn missing_exp_is_rejected() {
    let fixture = Fixture::new().await;
    let token = fixture.token(|claims| drop(claims.as_object_mut().unwrap().remove("exp")));
    assert_invalid_token(&fixture.private(&token).await, "missing required claim");
}

#[tokio::test]
async fn not_before_in_the_future_is_rejected() {
    let fixture = Fixture::new().await;
    let token = fixture.token(|claims| claims["nbf"] = json!(now() + 60));
    assert_invalid_token(&fixture.private(&token).await, "token not yet valid");
    let token = fixture.token(|claims| claims["nbf"] = json!(now() + 2));
    assert_eq!(fixture.private(&token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn missing_or_empty_subject_is_rejected() {
    let fixture = Fixture::new().await;
    let token = fixture.token(|claims| drop(claims.as_object_mut().unwrap().remove("sub")));
    assert_invalid_token(&fixture.private(&token).await, "missing required claim");
    let token = fixture.token(|claims| claims["sub"] = json!(""));
    assert_invalid_token(&fixture.private(&token).await, "missing required claim");
}

#[tokio::test]
async fn claims_of_the_wrong_json_type_are_rejected() {
    let fixture = Fixture::new().await;
    let cases = [
        ("exp", json!((now() + 600).to_string())),
        ("exp", json!(now() as f64 + 600.5)),
        ("exp", json!(-1)),
        ("exp", json!(null)),
        ("nbf", json!("0")),
        ("iat", json!("now")),
        ("sub", json!(42)),
        ("sub", json!({"id": 1})),
        ("iss", json!([fixture.server.issuer.clone()])),
        ("aud", json!(7)),
        ("aud", json!([AUDIENCE, 7])),
        ("scope", json!(["read:messages"])),
    ];
    for (name, value) in cases {
        let token = fixture.token(|claims| claims[name] = value.clone());
        let answer = fixture.private(&token).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{name}={value}");
        assert_eq!(answer.json["error"], "invalid_token", "{name}={value}");
    }
    let token = sign(
        &rs256_header(primary_key().kid),
        &json!(["not", "an", "object"]),
        primary_key(),
    );
    assert_eq!(fixture.private(&token).await.json["error"], "invalid_token");
}

#[tokio::test]
async fn authorized_party_of_the_wrong_json_type_is_rejected() {
    let fixture = Fixture::new().await;
    let token = fixture.token(|claims| claims["azp"] = json!("local-spa-client"));
    assert_eq!(fixture.private(&token).await.status, StatusCode::OK);
    for azp in [json!(42), json!(["local-spa-client"]), json!({"id": 1})] {
        let token = fixture.token(|claims| claims["azp"] = azp.clone());
        assert_invalid_token(&fixture.private(&token).await, "invalid claim format");
    }
}

#[tokio::test]
async fn crit_and_key_carrying_headers_are_rejected() {
    let fixture = Fixture::new().await;
    let cases = [
        ("crit", json!(["exp"])),
        ("crit", json!([])),
        ("jku", json!("https://evil.example/jwks.json")),
        ("jwk", primary_key().jwk()),
        ("x5u", json!("https://evil.example/cert.pem")),
        ("x5c", json!(["MIIB"])),
    ];
    for (name, value) in cases {
        let mut header = rs256_header(primary_key().kid);
        header[name] = value;
        let token = sign(&header, &fixture.claims(), primary_key());
        assert_invalid_token(&fixture.private(&token).await, "unsupported token header");
    }
}

#[tokio::test]
async fn token_without_kid_is_rejected() {
    let fixture = Fixture::new().await;
    let token = sign(
        &json!({"alg": "RS256", "typ": "JWT"}),
        &fixture.claims(),
        primary_key(),
    );
    assert_invalid_token(&fixture.private(&token).await, "missing key id");
}

#[tokio::test]
async fn unknown_kid_is_rejected() {
    let fixture = Fixture::new().await;
    let token = sign(
        &rs256_header("no-such-key"),
        &fixture.claims(),
        primary_key(),
    );
    assert_invalid_token(&fixture.private(&token).await, "unknown signing key");
}

#[tokio::test]
async fn missing_scope_is_a_403_naming_the_scope() {
    let fixture = Fixture::new().await;
    let without_scope =
        fixture.token(|claims| drop(claims.as_object_mut().unwrap().remove("scope")));
    let look_alikes = [
        "read:messagesX",
        "xread:messages",
        "read:messages,admin",
        "openid profile",
        "READ:MESSAGES",
        "",
    ]
    .map(|scope| fixture.token(|claims| claims["scope"] = json!(scope)));
    for token in std::iter::once(without_scope).chain(look_alikes) {
        let answer = call(
            &fixture.app,
            "/api/private-scoped",
            Some(&format!("Bearer {token}")),
        )
        .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        assert_eq!(
            answer.header("www-authenticate"),
            Some(
                "Bearer realm=\"api\", error=\"insufficient_scope\", error_description=\"the read:messages scope is required\", scope=\"read:messages\""
            )
        );
        assert_eq!(
            answer.json,
            json!({"error": "insufficient_scope", "error_description": "the read:messages scope is required", "scope": "read:messages"})
        );
        // The same token is fine where no scope is needed.
        assert_eq!(fixture.private(&token).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn permissions_claim_grants_the_scoped_endpoint_only_when_configured() {
    let server = JwksServer::start(&[primary_key()]).await;
    let mut claims = valid_claims(&server.issuer);
    claims["scope"] = json!("openid profile");
    claims["permissions"] = json!(["read:messages"]);
    let rbac_token = sign(&rs256_header(primary_key().kid), &claims, primary_key());
    let scope_token = sign(
        &rs256_header(primary_key().kid),
        &valid_claims(&server.issuer),
        primary_key(),
    );
    let scoped = |app: Router, token: String| async move {
        call(
            &app,
            "/api/private-scoped",
            Some(&format!("Bearer {token}")),
        )
        .await
    };

    // The default reads `scope` only, as the quickstart does.
    let by_scope = app(Config::new(&server.issuer, AUDIENCE).unwrap());
    let answer = scoped(by_scope.clone(), rbac_token.clone()).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(
        answer.json["error_description"],
        "the read:messages scope is required"
    );
    assert_eq!(
        scoped(by_scope, scope_token.clone()).await.status,
        StatusCode::OK
    );

    let by_permissions = app(Config::new(&server.issuer, AUDIENCE)
        .unwrap()
        .with_permission_source(PermissionSource::Permissions));
    let answer = scoped(by_permissions.clone(), rbac_token.clone()).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(answer.json, json!({"message": PRIVATE_SCOPED_MESSAGE}));
    let answer = scoped(by_permissions, scope_token.clone()).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(
        answer.header("www-authenticate"),
        Some(
            "Bearer realm=\"api\", error=\"insufficient_scope\", error_description=\"the read:messages permission is required\", scope=\"read:messages\""
        )
    );

    let by_either = app(Config::new(&server.issuer, AUDIENCE)
        .unwrap()
        .with_permission_source(PermissionSource::ScopeOrPermissions));
    for token in [rbac_token, scope_token] {
        assert_eq!(
            scoped(by_either.clone(), token).await.status,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn malformed_permissions_claim_is_ignored_unless_the_configured_source_reads_it() {
    let server = JwksServer::start(&[primary_key()]).await;
    let mut claims = valid_claims(&server.issuer);
    claims["permissions"] = json!("read:messages");
    let token = sign(&rs256_header(primary_key().kid), &claims, primary_key());
    let bearer = format!("Bearer {token}");

    let by_scope = app(Config::new(&server.issuer, AUDIENCE).unwrap());
    for path in ["/api/private", "/api/private-scoped"] {
        assert_eq!(
            call(&by_scope, path, Some(&bearer)).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
    let by_permissions = app(Config::new(&server.issuer, AUDIENCE)
        .unwrap()
        .with_permission_source(PermissionSource::Permissions));
    for path in ["/api/private", "/api/private-scoped"] {
        assert_invalid_token(
            &call(&by_permissions, path, Some(&bearer)).await,
            "invalid claim format",
        );
    }
}

#[tokio::test]
async fn public_endpoint_ignores_credentials() {
    let fixture = Fixture::new().await;
    let expired = fixture.token(|claims| claims["exp"] = json!(1));
    for authorization in [
        None,
        Some("Bearer garbage"),
        Some("Basic abc"),
        Some("Bearer"),
        Some(&*format!("Bearer {expired}")),
    ] {
        let answer = call(&fixture.app, "/api/public", authorization).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.json, json!({"message": PUBLIC_MESSAGE}));
    }
    assert_eq!(fixture.server.jwks_fetches(), 0);
}

#[tokio::test]
async fn repeated_token_is_served_from_the_verified_cache_without_refetching() {
    let fixture = Fixture::new().await;
    let token = fixture.token(|_| {});
    for _ in 0..5 {
        assert_eq!(fixture.private(&token).await.status, StatusCode::OK);
    }
    assert_eq!(fixture.server.jwks_fetches(), 1);
}

/// Signs raw header and claims text, so the JSON can say things `serde_json::Value` cannot.
fn sign_raw(header: &str, claims: &str) -> String {
    let message = format!(
        "{}.{}",
        base64url::encode(header),
        base64url::encode(claims)
    );
    let signature = jsonwebtoken::crypto::sign(
        message.as_bytes(),
        &primary_key().encoding,
        Algorithm::RS256,
    )
    .unwrap();
    format!("{message}.{signature}")
}

#[tokio::test]
async fn duplicate_json_keys_are_never_read_two_ways() {
    let fixture = Fixture::new().await;
    let kid = primary_key().kid;
    let issuer = fixture.server.issuer.clone();
    let exp = now() + 600;
    let header = format!(r#"{{"alg":"RS256","kid":"{kid}"}}"#);
    let claims = |extra: &str| {
        format!(
            r#"{{"iss":"{issuer}","sub":"auth0|reader","aud":"{AUDIENCE}","exp":{exp},"scope":"openid"{extra}}}"#
        )
    };
    // The control: the same text without duplicates is valid, so the rejections below are
    // about the duplicates and nothing else.
    let control = sign_raw(&header, &claims(""));
    assert_eq!(fixture.private(&control).await.status, StatusCode::OK);

    let tokens = [
        sign_raw(
            &format!(r#"{{"alg":"none","alg":"RS256","kid":"{kid}"}}"#),
            &claims(""),
        ),
        sign_raw(
            &format!(r#"{{"alg":"RS256","kid":"{kid}","alg":"HS256"}}"#),
            &claims(""),
        ),
        sign_raw(
            &format!(r#"{{"alg":"RS256","kid":"other","kid":"{kid}"}}"#),
            &claims(""),
        ),
        sign_raw(&header, &claims(r#","scope":"read:messages""#)),
        sign_raw(&header, &claims(r#","aud":"https://other/api""#)),
        sign_raw(&header, &claims(r#","exp":1"#)),
        sign_raw(&header, &claims(r#","sub":"auth0|admin""#)),
        sign_raw(&header, &claims(&format!(r#","iss":"{issuer}x/""#))),
    ];
    for token in tokens {
        for path in ["/api/private", "/api/private-scoped"] {
            let answer = call(&fixture.app, path, Some(&format!("Bearer {token}"))).await;
            assert_eq!(
                answer.status,
                StatusCode::UNAUTHORIZED,
                "{path}: {answer:?}"
            );
            assert_eq!(answer.json["error"], "invalid_token", "{answer:?}");
        }
    }
}

#[tokio::test]
async fn token_in_the_header_and_the_query_is_a_400_invalid_request() {
    let fixture = Fixture::new().await;
    let token = fixture.token(|_| {});
    for path in ["/api/private", "/api/private-scoped"] {
        let answer = call(
            &fixture.app,
            &format!("{path}?access_token={token}"),
            Some(&format!("Bearer {token}")),
        )
        .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(
            answer.header("www-authenticate"),
            Some(
                "Bearer realm=\"api\", error=\"invalid_request\", error_description=\"access token sent in more than one way\""
            )
        );
        assert_eq!(
            answer.json,
            json!({"error": "invalid_request", "error_description": "access token sent in more than one way"})
        );
    }
}

#[tokio::test]
async fn token_in_the_query_alone_is_no_credential() {
    let fixture = Fixture::new().await;
    let token = fixture.token(|_| {});
    for path in ["/api/private", "/api/private-scoped"] {
        let answer = call(&fixture.app, &format!("{path}?access_token={token}"), None).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(
            answer.header("www-authenticate"),
            Some("Bearer realm=\"api\"")
        );
        assert_eq!(answer.json["error"], "unauthorized");
    }
    assert_eq!(fixture.server.jwks_fetches(), 0);
}

#[tokio::test]
async fn token_in_a_form_body_is_never_read_since_no_route_takes_a_body() {
    let fixture = Fixture::new().await;
    let token = fixture.token(|_| {});
    let request = axum::http::Request::post("/api/private")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(format!("access_token={token}")))
        .unwrap();
    let answer = call_with(&fixture.app, request).await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(!answer.text.contains(&token));
}
