//! Auth0's RBAC toggle "Add Permissions in the Access Token", per API: with it on, access tokens
//! for the API carry the caller's `permissions` array beside `scope`; with it off (the default
//! for an API a configuration file declares, as for a new API at Auth0) they carry `scope` only.

mod harness;

use dev_tenant::TenantConfig;
use harness::*;
use serde_json::{Value, json};

/// The built-in tenant with the quickstart API's toggle set to `on`.
fn config_with_permissions(on: bool) -> TenantConfig {
    let mut config = TenantConfig::default();
    config.apis[0].add_permissions_in_access_token = on;
    config
}

async fn access_token_claims(config: TenantConfig, email: &str, extra: &[(&str, &str)]) -> Value {
    let router = tenant_with(config);
    let code = code_for(&router, email, extra).await;
    let body: Value = redeem(&router, &code, VERIFIER).await.json();
    verify(
        &router,
        body["access_token"].as_str().unwrap_or_default(),
        AUDIENCE,
    )
    .await
}

#[tokio::test]
async fn the_built_in_api_puts_the_users_permissions_in_the_access_token() {
    let reader = access_token_claims(TenantConfig::default(), "reader@example.com", &[]).await;
    assert_eq!(reader["permissions"], json!(["read:messages"]));
    assert_eq!(reader["scope"], "openid profile email read:messages");
    let guest = access_token_claims(TenantConfig::default(), "guest@example.com", &[]).await;
    assert_eq!(
        guest["permissions"],
        json!([]),
        "an empty array, not absent"
    );
}

#[tokio::test]
async fn with_the_toggle_off_the_access_token_has_scope_but_no_permissions() {
    let reader =
        access_token_claims(config_with_permissions(false), "reader@example.com", &[]).await;
    assert!(reader.get("permissions").is_none(), "{reader}");
    assert_eq!(reader["scope"], "openid profile email read:messages");
}

#[tokio::test]
async fn permissions_are_everything_the_user_holds_whatever_the_requested_scope() {
    // As at Auth0: `scope` is what was asked for and held, `permissions` all that is held.
    let reader = access_token_claims(
        config_with_permissions(true),
        "reader@example.com",
        &[("scope", "openid")],
    )
    .await;
    assert_eq!(reader["scope"], "openid");
    assert_eq!(reader["permissions"], json!(["read:messages"]));
}

#[tokio::test]
async fn refreshed_access_tokens_follow_the_toggle_too() {
    for on in [true, false] {
        let router = tenant_with(config_with_permissions(on));
        let code = code_for(
            &router,
            "reader@example.com",
            &[("scope", "openid offline_access read:messages")],
        )
        .await;
        let first: Value = redeem(&router, &code, VERIFIER).await.json();
        let refreshed: Value =
            refresh(&router, first["refresh_token"].as_str().unwrap_or_default())
                .await
                .json();
        let claims: Value = verify(
            &router,
            refreshed["access_token"].as_str().unwrap_or_default(),
            AUDIENCE,
        )
        .await;
        assert_eq!(claims.get("permissions").is_some(), on, "{claims}");
    }
}

#[tokio::test]
async fn implicit_access_tokens_follow_the_toggle_too() {
    for on in [true, false] {
        let mut config = implicit_config();
        config.apis[0].add_permissions_in_access_token = on;
        let router = tenant_with(config);
        let (location, _) = log_in(
            &router,
            &authorize_uri(&[
                ("response_type", "token id_token"),
                ("code_challenge", ""),
                ("code_challenge_method", ""),
            ]),
            "reader@example.com",
        )
        .await;
        let returned = params(&location, true);
        let claims: Value = verify(
            &router,
            returned
                .get("access_token")
                .map(String::as_str)
                .unwrap_or_default(),
            AUDIENCE,
        )
        .await;
        assert_eq!(claims.get("permissions").is_some(), on, "{claims}");
    }
}
