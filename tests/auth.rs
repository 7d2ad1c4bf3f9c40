//! Browser tests of the protocol pieces: PKCE, authorize URL, ID token verification with
//! WebCrypto, the callback's state checks, and the stored session's lifecycle.
#![cfg(target_arch = "wasm32")]

mod support;

use gloo_storage::{LocalStorage, SessionStorage, Storage};
use leptos::prelude::*;
use spa::auth::{
    AuthError, AuthService, AuthState, ClientId, EXPIRES_AT_KEY, ExpectedClaims, ID_TOKEN_KEY,
    IdToken, IdTokenError, Issuer, PkceVerifier, SignatureError, TRANSACTION_KEY, Transaction,
    authorize_url, complete_login, decode_pairs, random_urlsafe, save_transaction, verify_id_token,
};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn pkce_s256_matches_rfc7636_appendix_b() {
    let verifier = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
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
    let url = authorize_url(&config, &transaction);
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
    assert_eq!(param("scope"), "openid profile read:messages");
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
    let now = (now_ms() / 1000) as i64;
    serde_json::json!({
        "iss": "http://localhost:3002/", "sub": "auth0|reader", "aud": "local-spa-client",
        "nonce": nonce, "iat": now, "exp": now + exp_offset,
    })
}

fn expected<'a>(issuer: &'a Issuer, client_id: &'a ClientId, nonce: &'a str) -> ExpectedClaims<'a> {
    ExpectedClaims {
        issuer,
        client_id,
        nonce,
        now_secs: (now_ms() / 1000) as i64,
    }
}

#[wasm_bindgen_test]
async fn id_token_signed_by_the_tenant_key_is_accepted() {
    let signer = TestSigner::generate().await;
    let token = IdToken::new(signer.sign(&id_claims("n-1", 600)).await);
    let (issuer, client_id) = (
        Issuer::new("http://localhost:3002/"),
        ClientId::new("local-spa-client"),
    );
    let claims = verify_id_token(&token, &signer.jwks, expected(&issuer, &client_id, "n-1")).await;
    assert_eq!(claims.unwrap().sub, "auth0|reader");
}

#[wasm_bindgen_test]
async fn id_token_with_another_nonce_is_rejected() {
    let signer = TestSigner::generate().await;
    let token = IdToken::new(signer.sign(&id_claims("n-other", 600)).await);
    let (issuer, client_id) = (
        Issuer::new("http://localhost:3002/"),
        ClientId::new("local-spa-client"),
    );
    let result = verify_id_token(&token, &signer.jwks, expected(&issuer, &client_id, "n-1")).await;
    assert!(matches!(result, Err(IdTokenError::Nonce)), "{result:?}");
}

#[wasm_bindgen_test]
async fn id_token_with_tampered_claims_or_foreign_key_is_rejected() {
    let signer = TestSigner::generate().await;
    let other = TestSigner::generate().await;
    let (issuer, client_id) = (
        Issuer::new("http://localhost:3002/"),
        ClientId::new("local-spa-client"),
    );

    let signed = signer.sign(&id_claims("n-1", 600)).await;
    let mut parts: Vec<String> = signed.split('.').map(str::to_owned).collect();
    parts[1] = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        id_claims("n-1", 600)
            .to_string()
            .replace("auth0|reader", "auth0|admin"),
    );
    let tampered = IdToken::new(parts.join("."));
    let result = verify_id_token(
        &tampered,
        &signer.jwks,
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

    let foreign = IdToken::new(other.sign(&id_claims("n-1", 600)).await);
    let result =
        verify_id_token(&foreign, &signer.jwks, expected(&issuer, &client_id, "n-1")).await;
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
    let (issuer, client_id) = (
        Issuer::new("http://localhost:3002/"),
        ClientId::new("local-spa-client"),
    );
    let result = verify_id_token(&token, &signer.jwks, expected(&issuer, &client_id, "n-1")).await;
    assert!(matches!(result, Err(IdTokenError::Expired)), "{result:?}");
}

fn pending_transaction(state: &str) {
    let transaction = Transaction {
        state: state.to_owned(),
        nonce: "nonce-1".to_owned(),
        code_verifier: Some(PkceVerifier::new("verifier-1")),
        return_to: "/ping".to_owned(),
        redirect_uri: "http://localhost:3000/callback".to_owned(),
    };
    save_transaction(&transaction).unwrap();
}

// The tenant is UNREACHABLE: had a token request been sent, the error would be `Network`.
#[wasm_bindgen_test]
async fn callback_with_mismatched_state_stores_nothing_and_sends_no_token_request() {
    clear_storage();
    pending_transaction("expected-state");
    let config = config(UNREACHABLE, UNREACHABLE);
    let result = complete_login(&config, "?code=abc&state=attacker-state", "", now_ms()).await;
    assert!(
        matches!(result, Err(AuthError::StateMismatch)),
        "{result:?}"
    );
    assert!(!session_keys_present());
    assert!(
        SessionStorage::raw()
            .get_item(TRANSACTION_KEY)
            .unwrap()
            .is_none()
    );
}

#[wasm_bindgen_test]
async fn callback_without_state_stores_nothing_and_sends_no_token_request() {
    clear_storage();
    pending_transaction("expected-state");
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
    pending_transaction("s");
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
    assert!(
        SessionStorage::raw()
            .get_item(TRANSACTION_KEY)
            .unwrap()
            .is_none()
    );
}

// A crafted `?error=...&error_description=...` link must not put its words on the page: an
// error response counts only when it carries this tab's state (RFC 6749 section 4.1.2.1).
#[wasm_bindgen_test]
async fn callback_with_a_tenant_error_and_a_forged_state_is_rejected() {
    clear_storage();
    pending_transaction("s");
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
    pending_transaction("s");
    let config = config(UNREACHABLE, UNREACHABLE);
    let result = complete_login(&config, "?code=abc&state=s", "", now_ms()).await;
    // The exchange was attempted (and failed: nothing listens), with the transaction gone.
    assert!(matches!(result, Err(AuthError::Network(_))), "{result:?}");
    assert!(
        SessionStorage::raw()
            .get_item(TRANSACTION_KEY)
            .unwrap()
            .is_none()
    );
    assert!(!session_keys_present());
}

fn new_service() -> AuthService {
    init_executor();
    AuthService::new(config(UNREACHABLE, UNREACHABLE))
}

#[wasm_bindgen_test]
fn live_session_is_restored() {
    clear_storage();
    store_session(&access_token_expiring_in(600), now_ms() + 600_000);
    let owner = Owner::new();
    owner.with(|| {
        let auth = new_service();
        assert!(auth.is_authenticated());
        assert!(auth.access_token().is_some());
    });
}

#[wasm_bindgen_test]
fn expired_session_is_logged_out_and_cleaned() {
    clear_storage();
    store_session(&access_token_expiring_in(-10), now_ms() - 10_000);
    Owner::new().with(|| {
        let auth = new_service();
        assert!(!auth.is_authenticated());
        assert!(matches!(auth.state(), AuthState::Anonymous));
    });
    assert!(!session_keys_present());
}

#[wasm_bindgen_test]
fn corrupt_sessions_are_logged_out_and_cleaned() {
    let corruptions: [&dyn Fn(); 3] = [
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
        &|| LocalStorage::delete(ID_TOKEN_KEY),
    ];
    for corrupt in corruptions {
        clear_storage();
        store_session(&access_token_expiring_in(600), now_ms() + 600_000);
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
    wait_until("the session to expire", 3_000, || {
        owner.with(|| !auth.is_authenticated())
    })
    .await;
    assert!(!session_keys_present());
}

#[wasm_bindgen_test]
async fn logout_in_another_tab_logs_this_one_out() {
    clear_storage();
    store_session(&access_token_expiring_in(600), now_ms() + 600_000);
    let owner = Owner::new();
    let auth = owner.with(new_service);
    assert!(owner.with(|| auth.is_authenticated()));
    // What the browser delivers here when another tab clears the keys.
    LocalStorage::clear();
    let init = web_sys::StorageEventInit::new();
    init.set_key(Some(spa::auth::ACCESS_TOKEN_KEY));
    let event = web_sys::StorageEvent::new_with_event_init_dict("storage", &init).unwrap();
    web_sys::window().unwrap().dispatch_event(&event).unwrap();
    assert!(owner.with(|| !auth.is_authenticated()));
}

#[wasm_bindgen_test]
async fn login_in_another_tab_logs_this_one_in_once_every_key_is_written() {
    clear_storage();
    let owner = Owner::new();
    let auth = owner.with(new_service);
    assert!(owner.with(|| !auth.is_authenticated()));
    let dispatch = |key: &str| {
        let init = web_sys::StorageEventInit::new();
        init.set_key(Some(key));
        let event = web_sys::StorageEvent::new_with_event_init_dict("storage", &init).unwrap();
        web_sys::window().unwrap().dispatch_event(&event).unwrap();
    };
    // The other tab writes the keys one by one; a partial session is not a login yet.
    LocalStorage::set(spa::auth::ACCESS_TOKEN_KEY, access_token_expiring_in(600)).unwrap();
    dispatch(spa::auth::ACCESS_TOKEN_KEY);
    assert!(owner.with(|| !auth.is_authenticated()));
    store_session(&access_token_expiring_in(600), now_ms() + 600_000);
    dispatch(EXPIRES_AT_KEY);
    assert!(owner.with(|| auth.is_authenticated()));
    // The partial state seen in between was not cleaned up under the other tab's feet.
    assert!(session_keys_present());
}
