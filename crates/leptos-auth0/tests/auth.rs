//! Browser tests of the protocol pieces: PKCE, the authorize URL, ID token verification with
//! WebCrypto, the callback's state checks, and the stored session: its format and lifecycle.
#![cfg(target_arch = "wasm32")]

mod support;

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use leptos_auth0::protocol::form::decode_pairs;
use leptos_auth0::protocol::{ClientId, IdToken, IdTokenClaimsError, Issuer, PkceVerifier};
use leptos_auth0::{
    ACCESS_TOKEN_KEY, AuthError, AuthService, AuthState, EXPIRES_AT_KEY, ExpectedIdToken,
    ID_TOKEN_KEY, IdTokenError, SignatureError, TokenEndpointError, Transaction, authorize_url,
    clear_renewable_session, complete_login, random_urlsafe, verify_id_token,
};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn pkce_s256_matches_rfc7636_appendix_b() {
    let verifier = PkceVerifier::parse("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
    assert_eq!(
        verifier.challenge().as_str(),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

#[wasm_bindgen_test]
fn random_values_are_43_urlsafe_characters_and_differ() {
    let first = random_urlsafe().unwrap();
    let second = random_urlsafe().unwrap();
    assert_eq!(first.len(), 43);
    assert!(
        first
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    );
    assert_ne!(first, second);
}

#[wasm_bindgen_test]
fn authorize_url_carries_pkce_state_nonce_and_return_path_stays_local() {
    let config = config("http://localhost:3002", "http://localhost:3001");
    let transaction =
        Transaction::begin(true, "//evil.example/", "http://localhost:3000/callback").unwrap();
    assert_eq!(transaction.return_to, "/");
    let url = authorize_url(&config, "http://localhost:3002/authorize", &transaction);
    assert!(url.starts_with("http://localhost:3002/authorize?"), "{url}");
    let params = decode_pairs(url.split_once('?').unwrap().1);
    let param = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap()
    };
    assert_eq!(param("response_type"), "code");
    assert_eq!(param("client_id"), "local-spa-client");
    assert_eq!(param("redirect_uri"), "http://localhost:3000/callback");
    assert_eq!(param("audience"), "https://quickstarts/api");
    assert_eq!(
        param("scope"),
        "openid profile read:messages offline_access"
    );
    assert_eq!(param("state"), transaction.state);
    assert_eq!(param("nonce"), transaction.nonce);
    assert_eq!(param("code_challenge_method"), "S256");
    assert_eq!(
        param("code_challenge"),
        transaction
            .code_verifier
            .as_ref()
            .unwrap()
            .challenge()
            .as_str()
    );
}

fn id_claims(nonce: &str, exp_offset: i64) -> serde_json::Value {
    let now = now_secs() as i64;
    serde_json::json!({
        "iss": "http://localhost:3002/", "sub": "auth0|reader", "aud": "local-spa-client",
        "nonce": nonce, "iat": now, "exp": now + exp_offset,
    })
}

fn expected<'a>(
    issuer: &'a Issuer,
    client_id: &'a ClientId,
    nonce: &'a str,
) -> ExpectedIdToken<'a> {
    ExpectedIdToken {
        issuer: issuer.as_str(),
        client_id,
        nonce,
        now_secs: now_secs(),
    }
}

fn local_tenant() -> (Issuer, ClientId) {
    (
        Issuer::parse("http://localhost:3002/").unwrap(),
        ClientId::new("local-spa-client"),
    )
}

#[wasm_bindgen_test]
async fn id_token_signed_by_the_tenant_key_is_accepted() {
    let signer = TestSigner::generate().await;
    let token = IdToken::new(signer.sign(&id_claims("n-1", 600)).await);
    let (issuer, client_id) = local_tenant();
    let claims = verify_id_token(&token, &signer.keys, expected(&issuer, &client_id, "n-1")).await;
    assert_eq!(claims.unwrap().sub, "auth0|reader");
}

#[wasm_bindgen_test]
async fn id_token_with_another_nonce_is_rejected() {
    let signer = TestSigner::generate().await;
    let token = IdToken::new(signer.sign(&id_claims("n-other", 600)).await);
    let (issuer, client_id) = local_tenant();
    let result = verify_id_token(&token, &signer.keys, expected(&issuer, &client_id, "n-1")).await;
    assert!(
        matches!(result, Err(IdTokenError::Claims(IdTokenClaimsError::Nonce))),
        "{result:?}"
    );
}

#[wasm_bindgen_test]
async fn id_token_with_tampered_claims_or_foreign_key_is_rejected() {
    let signer = TestSigner::generate().await;
    let other = TestSigner::generate().await;
    let (issuer, client_id) = local_tenant();

    let signed = signer.sign(&id_claims("n-1", 600)).await;
    let mut parts: Vec<String> = signed.split('.').map(str::to_owned).collect();
    parts[1] = leptos_auth0::protocol::base64url::encode(
        id_claims("n-1", 600)
            .to_string()
            .replace("auth0|reader", "auth0|admin"),
    );
    let tampered = IdToken::new(parts.join("."));
    let result = verify_id_token(
        &tampered,
        &signer.keys,
        expected(&issuer, &client_id, "n-1"),
    )
    .await;
    assert!(
        matches!(
            result,
            Err(IdTokenError::Signature(SignatureError::Mismatch))
        ),
        "{result:?}"
    );

    // Same kid, another key: the tenant's key does not verify it.
    let foreign = IdToken::new(other.sign(&id_claims("n-1", 600)).await);
    let result =
        verify_id_token(&foreign, &signer.keys, expected(&issuer, &client_id, "n-1")).await;
    assert!(
        matches!(
            result,
            Err(IdTokenError::Signature(SignatureError::Mismatch))
        ),
        "{result:?}"
    );
}

#[wasm_bindgen_test]
async fn expired_id_token_is_rejected_even_with_a_good_signature() {
    let signer = TestSigner::generate().await;
    let token = IdToken::new(signer.sign(&id_claims("n-1", -3600)).await);
    let (issuer, client_id) = local_tenant();
    let result = verify_id_token(&token, &signer.keys, expected(&issuer, &client_id, "n-1")).await;
    assert!(
        matches!(
            result,
            Err(IdTokenError::Claims(IdTokenClaimsError::Expired))
        ),
        "{result:?}"
    );
}

// The tenant is UNREACHABLE: had a token request been sent, the error would be `Network`.
#[wasm_bindgen_test]
async fn callback_with_mismatched_state_stores_nothing_and_sends_no_token_request() {
    clear_storage();
    pending_transaction("expected-state", "nonce-1", true, "/ping");
    let config = config(UNREACHABLE, UNREACHABLE);
    let result = complete_login(&config, "?code=abc&state=attacker-state", "", now_ms()).await;
    assert!(
        matches!(result, Err(AuthError::StateMismatch)),
        "{result:?}"
    );
    assert!(!session_keys_present());
    assert!(!transaction_present());
}

#[wasm_bindgen_test]
async fn callback_without_state_stores_nothing_and_sends_no_token_request() {
    clear_storage();
    pending_transaction("expected-state", "nonce-1", true, "/ping");
    let config = config(UNREACHABLE, UNREACHABLE);
    let result = complete_login(&config, "?code=abc", "", now_ms()).await;
    assert!(
        matches!(result, Err(AuthError::StateMismatch)),
        "{result:?}"
    );
    assert!(!session_keys_present());
}

#[wasm_bindgen_test]
async fn callback_without_a_pending_login_is_rejected() {
    clear_storage();
    let config = config(UNREACHABLE, UNREACHABLE);
    let result = complete_login(&config, "?code=abc&state=s", "", now_ms()).await;
    assert!(
        matches!(result, Err(AuthError::NoTransaction)),
        "{result:?}"
    );
    assert!(!session_keys_present());
}

#[wasm_bindgen_test]
async fn callback_with_a_tenant_error_reports_it_and_spends_the_transaction() {
    clear_storage();
    pending_transaction("s", "nonce-1", true, "/ping");
    let config = config(UNREACHABLE, UNREACHABLE);
    let result = complete_login(
        &config,
        "?error=access_denied&error_description=%3Cb%3Eno%3C%2Fb%3E&state=s",
        "",
        now_ms(),
    )
    .await;
    assert!(
        matches!(&result, Err(AuthError::Authorization { error, description: Some(text) })
            if error == "access_denied" && text == "<b>no</b>"),
        "{result:?}"
    );
    assert!(!transaction_present());
}

// A crafted `?error=...&error_description=...` link must not put its words on the page: an
// error response counts only when it carries this tab's state (RFC 6749 section 4.1.2.1).
#[wasm_bindgen_test]
async fn callback_with_a_tenant_error_and_a_forged_state_is_rejected() {
    clear_storage();
    pending_transaction("s", "nonce-1", true, "/ping");
    let config = config(UNREACHABLE, UNREACHABLE);
    let result = complete_login(
        &config,
        "?error=access_denied&error_description=Call%20+1%20555%200100&state=forged",
        "",
        now_ms(),
    )
    .await;
    assert!(
        matches!(result, Err(AuthError::StateMismatch)),
        "{result:?}"
    );
    let result = complete_login(&config, "?error=access_denied", "", now_ms()).await;
    assert!(
        matches!(result, Err(AuthError::NoTransaction)),
        "{result:?}"
    );
    assert!(!session_keys_present());
}

#[wasm_bindgen_test]
async fn callback_with_matching_state_spends_the_transaction_before_the_exchange() {
    clear_storage();
    pending_transaction("s", "nonce-1", true, "/ping");
    let config = config(UNREACHABLE, UNREACHABLE);
    let result = complete_login(&config, "?code=abc&state=s", "", now_ms()).await;
    // The exchange was attempted (and failed: nothing listens), with the transaction gone.
    assert!(
        matches!(
            result,
            Err(AuthError::TokenEndpoint(TokenEndpointError::Network(_)))
        ),
        "{result:?}"
    );
    assert!(!transaction_present());
    assert!(!session_keys_present());
}

#[wasm_bindgen_test]
async fn implicit_callback_signed_by_the_tenant_key_completes_the_login() {
    clear_storage();
    let signer = TestSigner::generate().await;
    let issuer = signer.tenant();
    pending_transaction("s", "nonce-1", false, "/ping");
    let (fragment, access_token, _) = signer.implicit_callback(&issuer, "s", "nonce-1").await;
    let config = config_for_tenant(issuer, "token id_token");
    let completed = complete_login(&config, "", &fragment, now_ms())
        .await
        .unwrap();
    assert_eq!(completed.return_to, "/ping");
    assert_eq!(completed.session.access_token().secret(), access_token);
    assert!(!transaction_present());
    assert!(session_keys_present());
}

#[wasm_bindgen_test]
async fn implicit_callback_whose_access_token_was_swapped_is_rejected_and_stores_nothing() {
    clear_storage();
    let signer = TestSigner::generate().await;
    let issuer = signer.tenant();
    pending_transaction("s", "nonce-1", false, "/ping");
    let (fragment, access_token, _) = signer.implicit_callback(&issuer, "s", "nonce-1").await;
    // Another token of the same shape in place of the one the ID token's at_hash binds.
    let swapped = fragment.replace(&access_token, &access_token_expiring_in(7000));
    assert_ne!(swapped, fragment);
    let config = config_for_tenant(issuer, "token id_token");
    let result = complete_login(&config, "", &swapped, now_ms()).await;
    assert!(
        matches!(
            result,
            Err(AuthError::IdToken(IdTokenError::Claims(
                IdTokenClaimsError::AccessTokenHash
            )))
        ),
        "{result:?}"
    );
    assert!(!session_keys_present());
}

#[wasm_bindgen_test]
async fn callback_from_a_tenant_without_keys_fails_with_a_jwks_error_and_stores_nothing() {
    clear_storage();
    let signer = TestSigner::generate().await;
    let issuer = keyless_echo_tenant(None);
    pending_transaction("s", "nonce-1", false, "/ping");
    let (fragment, _, _) = signer.implicit_callback(&issuer, "s", "nonce-1").await;
    let config = config_for_tenant(issuer, "token id_token");
    let result = complete_login(&config, "", &fragment, now_ms()).await;
    assert!(matches!(result, Err(AuthError::Jwks(_))), "{result:?}");
    assert!(!session_keys_present());
}

fn new_service() -> AuthService {
    init_executor();
    AuthService::new(config(UNREACHABLE, UNREACHABLE))
}

#[wasm_bindgen_test]
fn live_session_is_restored() {
    logged_in();
    Owner::new().with(|| {
        let auth = new_service();
        assert!(auth.is_authenticated());
        assert!(auth.access_token().is_some());
    });
}

// The quickstart (and angular2-jwt's `tokenGetter`) write the tokens as they are and
// `expires_at` as a JSON number.
#[wasm_bindgen_test]
fn session_stored_raw_as_the_quickstart_writes_it_is_restored() {
    clear_storage();
    let access_token = access_token_expiring_in(600);
    let storage = LocalStorage::raw();
    storage.set_item(ACCESS_TOKEN_KEY, &access_token).unwrap();
    storage.set_item(ID_TOKEN_KEY, "eyJ.raw.id").unwrap();
    let expires_at_ms = now_ms() + 600_000;
    storage
        .set_item(EXPIRES_AT_KEY, &expires_at_ms.to_string())
        .unwrap();
    Owner::new().with(|| {
        let session = new_service()
            .session()
            .expect("the raw session is restored");
        assert_eq!(session.access_token().secret(), access_token);
        assert_eq!(session.id_token().secret(), "eyJ.raw.id");
        assert_eq!(session.expires_at_ms(), expires_at_ms);
    });
}

// Earlier versions of this library stored the values as JSON: quoted tokens, and the expiry
// as a number (or, from other writers, as a quoted string of digits).
#[wasm_bindgen_test]
fn session_stored_json_quoted_by_earlier_versions_is_restored() {
    let access_token = access_token_expiring_in(600);
    let expires_at_ms = now_ms() + 600_000;
    for expires_at in [expires_at_ms.to_string(), format!("\"{expires_at_ms}\"")] {
        clear_storage();
        LocalStorage::set(ACCESS_TOKEN_KEY, &access_token).unwrap();
        LocalStorage::set(ID_TOKEN_KEY, "eyJ.quoted.id").unwrap();
        LocalStorage::raw()
            .set_item(EXPIRES_AT_KEY, &expires_at)
            .unwrap();
        assert_eq!(
            stored(ACCESS_TOKEN_KEY),
            Some(format!("\"{access_token}\""))
        );
        Owner::new().with(|| {
            let session = new_service()
                .session()
                .expect("the quoted session is restored");
            assert_eq!(session.access_token().secret(), access_token);
            assert_eq!(session.id_token().secret(), "eyJ.quoted.id");
            assert_eq!(session.expires_at_ms(), expires_at_ms);
        });
    }
}

#[wasm_bindgen_test]
async fn a_completed_login_stores_raw_tokens_and_a_numeric_expiry() {
    clear_storage();
    let signer = TestSigner::generate().await;
    let issuer = signer.tenant();
    pending_transaction("s", "nonce-1", false, "/");
    let (fragment, access_token, id_token) =
        signer.implicit_callback(&issuer, "s", "nonce-1").await;
    let config = config_for_tenant(issuer, "token id_token");
    let completed = complete_login(&config, "", &fragment, now_ms())
        .await
        .unwrap();
    assert_eq!(stored(ACCESS_TOKEN_KEY), Some(access_token));
    assert_eq!(stored(ID_TOKEN_KEY), Some(id_token));
    let expires_at = stored(EXPIRES_AT_KEY).unwrap();
    assert!(
        expires_at.bytes().all(|byte| byte.is_ascii_digit()),
        "{expires_at}"
    );
    assert_eq!(
        serde_json::from_str::<u64>(&expires_at).unwrap(),
        completed.session.expires_at_ms()
    );
}

#[wasm_bindgen_test]
fn expired_session_without_refresh_tokens_is_logged_out_and_cleaned_at_once() {
    clear_storage();
    store_session(&access_token_expiring_in(-10), now_ms() - 10_000);
    let mut config = config(UNREACHABLE, UNREACHABLE);
    config.use_refresh_tokens = false;
    init_executor();
    Owner::new().with(|| {
        let auth = AuthService::new(config);
        assert!(!auth.is_authenticated());
        assert!(matches!(auth.state(), AuthState::Anonymous));
    });
    assert!(!session_keys_present());
}

// With refresh tokens, an expired session waits for the refresh token store: there is none
// here, so it ends as it would have without refresh tokens.
#[wasm_bindgen_test]
async fn expired_session_without_a_refresh_token_is_logged_out_and_cleaned() {
    clear_storage();
    clear_renewable_session().await.unwrap();
    store_session(&access_token_expiring_in(-10), now_ms() - 10_000);
    let owner = Owner::new();
    let auth = owner.with(new_service);
    assert!(owner.with(|| !auth.is_authenticated()));
    wait_until("the session to be forgotten", 3_000, || {
        owner.with(|| matches!(auth.state(), AuthState::Anonymous)) && !session_keys_present()
    })
    .await;
}

#[wasm_bindgen_test]
fn corrupt_sessions_are_logged_out_and_cleaned() {
    let corruptions: [&dyn Fn(); 4] = [
        &|| {
            LocalStorage::raw()
                .set_item(EXPIRES_AT_KEY, "not a number")
                .unwrap()
        },
        &|| {
            LocalStorage::raw()
                .set_item(ID_TOKEN_KEY, "{unterminated")
                .unwrap()
        },
        &|| {
            LocalStorage::raw()
                .set_item(ACCESS_TOKEN_KEY, "\"unterminated")
                .unwrap()
        },
        &|| LocalStorage::delete(ID_TOKEN_KEY),
    ];
    for corrupt in corruptions {
        logged_in();
        corrupt();
        Owner::new().with(|| assert!(!new_service().is_authenticated()));
        assert!(!session_keys_present());
    }
}

#[wasm_bindgen_test]
async fn session_ends_by_itself_at_expiry() {
    clear_storage();
    store_session(&access_token_expiring_in(600), now_ms() + 400);
    let owner = Owner::new();
    let auth = owner.with(new_service);
    assert!(owner.with(|| auth.is_authenticated()));
    // No refresh token can renew it, so at expiry it ends as it would have without one.
    wait_until("the session to expire", 3_000, || {
        owner.with(|| matches!(auth.state(), AuthState::Anonymous)) && !session_keys_present()
    })
    .await;
}

#[wasm_bindgen_test]
async fn logout_in_another_tab_logs_this_one_out() {
    logged_in();
    let owner = Owner::new();
    let auth = owner.with(new_service);
    assert!(owner.with(|| auth.is_authenticated()));
    // What the browser delivers here when another tab clears the keys.
    LocalStorage::clear();
    storage_event_from_another_tab(Some(ACCESS_TOKEN_KEY));
    assert!(owner.with(|| !auth.is_authenticated()));
}

#[wasm_bindgen_test]
async fn login_in_another_tab_logs_this_one_in_once_every_key_is_written() {
    clear_storage();
    let owner = Owner::new();
    let auth = owner.with(new_service);
    assert!(owner.with(|| !auth.is_authenticated()));
    // The other tab writes the keys one by one; a partial session is not a login yet.
    LocalStorage::raw()
        .set_item(ACCESS_TOKEN_KEY, &access_token_expiring_in(600))
        .unwrap();
    storage_event_from_another_tab(Some(ACCESS_TOKEN_KEY));
    assert!(owner.with(|| !auth.is_authenticated()));
    store_session(&access_token_expiring_in(600), now_ms() + 600_000);
    storage_event_from_another_tab(Some(EXPIRES_AT_KEY));
    assert!(owner.with(|| auth.is_authenticated()));
    // The partial state seen in between was not cleaned up under the other tab's feet.
    assert!(session_keys_present());
}
