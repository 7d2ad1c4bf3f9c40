//! Permission sources through a mounted app: `scope`, `permissions`, either, per-route
//! overrides, look-alikes and claims of the wrong JSON type.

mod notes_app;
mod support;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum_bearer_auth::{BearerAuthConfig, PermissionSource};
use notes_app::notes_app;
use oidc_protocol::{Audience, Issuer};
use serde_json::{Value, json};
use support::*;

const ALL_SOURCES: [PermissionSource; 3] = [
    PermissionSource::Scope,
    PermissionSource::Permissions,
    PermissionSource::ScopeOrPermissions,
];

struct Fixture {
    server: JwksServer,
    app: Router,
}

impl Fixture {
    async fn new(source: PermissionSource) -> Self {
        let server = JwksServer::start(&[primary_key()]).await;
        let config = BearerAuthConfig::new(
            Issuer::parse(&server.issuer).unwrap(),
            Audience::new(AUDIENCE),
        )
        .unwrap()
        .with_permission_source(source);
        Self {
            app: notes_app(config),
            server,
        }
    }

    /// A valid token with exactly the given `scope` and `permissions` claims (`None`: absent).
    fn token(&self, scope: Option<&str>, permissions: Option<Value>) -> String {
        let mut claims = valid_claims(&self.server.issuer);
        let object = claims.as_object_mut().unwrap();
        object.remove("scope");
        if let Some(scope) = scope {
            object.insert("scope".to_owned(), json!(scope));
        }
        if let Some(permissions) = permissions {
            object.insert("permissions".to_owned(), permissions);
        }
        sign(&rs256_header(primary_key().kid), &claims, primary_key())
    }

    async fn send(&self, method: Method, path: &str, token: &str) -> Answer {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        call_with(&self.app, request).await
    }

    async fn get(&self, path: &str, token: &str) -> Answer {
        self.send(Method::GET, path, token).await
    }
}

/// 403 `insufficient_scope` naming `permission`, with `description`.
fn assert_insufficient(answer: &Answer, permission: &str, description: &str) {
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{answer:?}");
    assert_eq!(
        answer.header("www-authenticate"),
        Some(
            format!(
                "Bearer realm=\"api\", error=\"insufficient_scope\", error_description=\"{description}\", scope=\"{permission}\""
            )
            .as_str()
        )
    );
    assert_eq!(
        answer.json,
        json!({"error": "insufficient_scope", "error_description": description, "scope": permission})
    );
}

fn assert_invalid_claim_format(answer: &Answer) {
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{answer:?}");
    assert_eq!(
        answer.header("www-authenticate"),
        Some(
            "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"invalid claim format\""
        )
    );
    assert_eq!(
        answer.json,
        json!({"error": "invalid_token", "error_description": "invalid claim format"})
    );
}

#[tokio::test]
async fn scope_source_grants_by_scope_and_never_by_permissions() {
    let fixture = Fixture::new(PermissionSource::Scope).await;
    let by_scope = fixture.token(Some("openid read:notes"), None);
    let answer = fixture.get("/notes", &by_scope).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(answer.text, "notes of auth0|reader");

    let by_permissions = fixture.token(Some("openid"), Some(json!(["read:notes"])));
    assert_insufficient(
        &fixture.get("/notes", &by_permissions).await,
        "read:notes",
        "the read:notes scope is required",
    );
}

#[tokio::test]
async fn permissions_source_grants_by_permissions_and_never_by_scope() {
    let fixture = Fixture::new(PermissionSource::Permissions).await;
    let by_permissions = fixture.token(None, Some(json!(["write:notes", "read:notes"])));
    let answer = fixture.get("/notes", &by_permissions).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(answer.text, "notes of auth0|reader");

    let by_scope = fixture.token(Some("read:notes"), Some(json!([])));
    assert_insufficient(
        &fixture.get("/notes", &by_scope).await,
        "read:notes",
        "the read:notes permission is required",
    );
    let without_claim = fixture.token(Some("read:notes"), None);
    assert_insufficient(
        &fixture.get("/notes", &without_claim).await,
        "read:notes",
        "the read:notes permission is required",
    );
}

#[tokio::test]
async fn either_source_grants_by_scope_or_by_permissions() {
    let fixture = Fixture::new(PermissionSource::ScopeOrPermissions).await;
    for token in [
        fixture.token(Some("read:notes"), None),
        fixture.token(None, Some(json!(["read:notes"]))),
        fixture.token(Some("read:notes"), Some(json!(["read:notes"]))),
    ] {
        let answer = fixture.get("/notes", &token).await;
        assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    }
    let neither = fixture.token(Some("openid write:notes"), Some(json!(["write:notes"])));
    assert_insufficient(
        &fixture.get("/notes", &neither).await,
        "read:notes",
        "the read:notes scope or permission is required",
    );
}

#[tokio::test]
async fn look_alikes_never_grant_from_any_source() {
    let scope_look_alikes = [
        "read:notesX",
        "xread:notes",
        "read:notes,write:notes",
        "READ:NOTES",
        "Read:notes",
        "read:note",
        "read:notes\u{a0}",
        "",
    ];
    let permission_look_alikes = [
        json!(["read:notesX"]),
        json!(["READ:NOTES"]),
        json!(["read:notes,write:notes"]),
        json!(["read:notes write:notes"]),
        json!([" read:notes"]),
        json!(["read:notes "]),
        json!(["read:note"]),
        json!([]),
    ];
    for source in ALL_SOURCES {
        let fixture = Fixture::new(source).await;
        for scope in scope_look_alikes {
            let token = fixture.token(Some(scope), None);
            let answer = fixture.get("/notes", &token).await;
            assert_eq!(answer.status, StatusCode::FORBIDDEN, "{source:?} {scope:?}");
        }
        for permissions in &permission_look_alikes {
            let token = fixture.token(None, Some(permissions.clone()));
            let answer = fixture.get("/notes", &token).await;
            assert_eq!(
                answer.status,
                StatusCode::FORBIDDEN,
                "{source:?} {permissions}"
            );
        }
    }
}

const WRONG_PERMISSIONS: [&str; 7] = [
    r#""read:notes""#,
    r#"["read:notes", 1]"#,
    r#"[["read:notes"]]"#,
    r#"{"read:notes": true}"#,
    "null",
    "true",
    "7",
];

#[tokio::test]
async fn wrongly_typed_permissions_make_the_token_invalid_everywhere_when_the_source_reads_them() {
    for source in [
        PermissionSource::Permissions,
        PermissionSource::ScopeOrPermissions,
    ] {
        let fixture = Fixture::new(source).await;
        for wrong in WRONG_PERMISSIONS {
            let permissions: Value = serde_json::from_str(wrong).unwrap();
            // The scope would grant it; the malformed claim still invalidates the token.
            let token = fixture.token(Some("read:notes"), Some(permissions));
            for path in ["/me", "/notes", "/notes/search", "/notes/export"] {
                let answer = fixture.get(path, &token).await;
                assert_invalid_claim_format(&answer);
                assert!(!answer.text.contains("read:notes"), "{path}: {answer:?}");
            }
        }
    }
}

#[tokio::test]
async fn wrongly_typed_permissions_are_ignored_where_nothing_reads_them() {
    let fixture = Fixture::new(PermissionSource::Scope).await;
    for wrong in WRONG_PERMISSIONS {
        let permissions: Value = serde_json::from_str(wrong).unwrap();
        let token = fixture.token(Some("read:notes write:notes"), Some(permissions));
        for path in ["/notes", "/notes/search"] {
            let answer = fixture.get(path, &token).await;
            assert_eq!(answer.status, StatusCode::OK, "{wrong} {path}: {answer:?}");
        }
        // Routes that read `permissions` despite the configured source find it malformed.
        assert_invalid_claim_format(&fixture.send(Method::POST, "/notes/write", &token).await);
        assert_invalid_claim_format(&fixture.get("/notes/export", &token).await);
        assert_invalid_claim_format(&fixture.send(Method::POST, "/notes/archive", &token).await);
        // The claims accessor says so too, without failing the request.
        let me = fixture.get("/me", &token).await;
        assert_eq!(me.status, StatusCode::OK);
        assert_eq!(me.json["permissions"], Value::Null);
    }
}

#[tokio::test]
async fn wrongly_typed_scope_makes_the_token_invalid_for_every_source() {
    for source in ALL_SOURCES {
        let fixture = Fixture::new(source).await;
        for scope in [json!(["read:notes"]), json!(7), json!(null)] {
            let mut claims = valid_claims(&fixture.server.issuer);
            claims["scope"] = scope.clone();
            claims["permissions"] = json!(["read:notes"]);
            let token = sign(&rs256_header(primary_key().kid), &claims, primary_key());
            let answer = fixture.get("/me", &token).await;
            if scope.is_null() {
                // `null` reads as an absent scope, which grants nothing but is well-formed.
                assert_eq!(answer.status, StatusCode::OK, "{source:?}: {answer:?}");
            } else {
                assert_invalid_claim_format(&answer);
            }
        }
    }
}

#[tokio::test]
async fn route_override_reads_its_own_source_whatever_is_configured() {
    for configured in ALL_SOURCES {
        let fixture = Fixture::new(configured).await;
        let by_scope = fixture.token(Some("write:notes read:notes"), Some(json!([])));
        let by_permissions = fixture.token(None, Some(json!(["write:notes", "read:notes"])));

        assert_insufficient(
            &fixture.send(Method::POST, "/notes/write", &by_scope).await,
            "write:notes",
            "the write:notes permission is required",
        );
        let answer = fixture
            .send(Method::POST, "/notes/write", &by_permissions)
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{configured:?}: {answer:?}");
        assert_eq!(answer.text, "written by auth0|reader");

        let answer = fixture.get("/notes/search", &by_scope).await;
        assert_eq!(answer.status, StatusCode::OK, "{configured:?}: {answer:?}");
        assert_insufficient(
            &fixture.get("/notes/search", &by_permissions).await,
            "read:notes",
            "the read:notes scope is required",
        );

        for token in [&by_scope, &by_permissions] {
            let answer = fixture.get("/notes/export", token).await;
            assert_eq!(answer.status, StatusCode::OK, "{configured:?}: {answer:?}");
            assert_eq!(answer.text, "export for auth0|reader");
        }
    }
}

#[tokio::test]
async fn requirement_checked_in_the_handler_body_answers_like_the_extractor() {
    let fixture = Fixture::new(PermissionSource::Scope).await;
    let granted = fixture.token(None, Some(json!(["archive:notes"])));
    let answer = fixture.send(Method::POST, "/notes/archive", &granted).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(answer.text, "archived for auth0|reader");

    let scope_only = fixture.token(Some("archive:notes"), None);
    assert_insufficient(
        &fixture
            .send(Method::POST, "/notes/archive", &scope_only)
            .await,
        "archive:notes",
        "the archive:notes permission is required",
    );
}

#[tokio::test]
async fn requirement_is_checked_on_every_request_of_a_remembered_token() {
    let fixture = Fixture::new(PermissionSource::Scope).await;
    let token = fixture.token(Some("openid"), None);
    assert_eq!(fixture.get("/me", &token).await.status, StatusCode::OK);
    for _ in 0..3 {
        assert_eq!(
            fixture.get("/notes", &token).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(fixture.get("/me", &token).await.status, StatusCode::OK);
    }
    // Verified once, then answered from memory: the 403s are not a side effect of re-fetching.
    assert_eq!(fixture.server.jwks_fetches(), 1);
}

#[tokio::test]
async fn duplicate_permissions_claims_are_never_read_two_ways() {
    let fixture = Fixture::new(PermissionSource::Permissions).await;
    let issuer = &fixture.server.issuer;
    let exp = now() + 600;
    let claims = format!(
        r#"{{"iss":"{issuer}","sub":"auth0|reader","aud":"{AUDIENCE}","exp":{exp},"permissions":[],"permissions":["read:notes"]}}"#
    );
    let token = sign_raw(&rs256_header(primary_key().kid).to_string(), &claims);
    let answer = fixture.get("/notes", &token).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{answer:?}");
    assert_eq!(answer.json["error"], "invalid_token");
}

/// Signs raw header and claims text, so the JSON can say things `serde_json::Value` cannot.
fn sign_raw(header: &str, claims: &str) -> String {
    use oidc_protocol::base64url;
    let message = format!(
        "{}.{}",
        base64url::encode(header),
        base64url::encode(claims)
    );
    let signature = jsonwebtoken::crypto::sign(
        message.as_bytes(),
        &primary_key().encoding,
        jsonwebtoken::Algorithm::RS256,
    )
    .unwrap();
    format!("{message}.{signature}")
}
