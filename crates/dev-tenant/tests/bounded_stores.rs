//! Memory stays bounded under a flood: every store is capped and pruned in expiry order, so
//! anonymous `/authorize` requests, logins and refreshes in a loop cannot grow it, and a real
//! login still works afterwards. Sizes are read from the stores, not from the process.

mod harness;

use axum::http::StatusCode;
use dev_tenant::store::StoreLimits;
use dev_tenant::{AppOptions, TenantConfig, app_with_state};
use harness::*;
use serde_json::Value;

#[tokio::test]
async fn a_hundred_thousand_anonymous_authorize_requests_leave_the_stores_bounded() {
    let (router, state) = app_with_state(TenantConfig::default(), keys(), AppOptions::default());
    let limits = StoreLimits::default();
    for round in 0..100_000u32 {
        let reply = get(
            &router,
            &authorize_uri(&[("state", &round.to_string())]),
            None,
        )
        .await;
        assert_eq!(reply.status, StatusCode::FOUND, "round {round}");
    }
    let sizes = state.store.sizes();
    assert_eq!(sizes.login_transactions, limits.login_transactions);
    assert!(sizes.within(&limits), "{sizes:?}");

    let (location, _) = log_in(&router, &authorize_uri(&[]), "reader@example.com").await;
    let code = params(&location, false).remove("code").expect("a code");
    let tokens = redeem(&router, &code, VERIFIER).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.body);
}

#[tokio::test]
async fn logins_and_refreshes_in_a_loop_stay_within_every_cap() {
    let limits = StoreLimits {
        login_transactions: 5,
        sessions: 5,
        codes: 5,
        redeemed_codes: 5,
        refresh_families: 5,
    };
    let options = AppOptions {
        store_limits: limits,
        ..AppOptions::default()
    };
    let (router, state) = app_with_state(TenantConfig::default(), keys(), options);
    let scope = [("scope", "openid offline_access")];
    let mut refresh_token = String::new();
    for _ in 0..20 {
        let (location, session) =
            log_in(&router, &authorize_uri(&scope), "reader@example.com").await;
        let code = params(&location, false).remove("code").expect("a code");
        let body: Value = redeem(&router, &code, VERIFIER).await.json();
        refresh_token = body["refresh_token"]
            .as_str()
            .expect("a refresh token")
            .to_owned();
        // A code issued from the session and never redeemed, and a login never finished.
        let unredeemed = get(
            &router,
            &authorize_uri(&[("prompt", "none")]),
            Some(&session),
        )
        .await;
        assert!(params(&unredeemed.location(), false).contains_key("code"));
        get(&router, &authorize_uri(&[]), None).await;
    }
    for _ in 0..200 {
        let reply = refresh(&router, &refresh_token).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let body: Value = reply.json();
        refresh_token = body["refresh_token"].as_str().expect("rotated").to_owned();
    }
    let sizes = state.store.sizes();
    assert!(sizes.within(&limits), "{sizes:?}");
    assert_eq!(
        sizes,
        dev_tenant::store::StoreSizes {
            login_transactions: 5,
            sessions: 5,
            codes: 5,
            redeemed_codes: 5,
            refresh_families: 5,
        }
    );
}
