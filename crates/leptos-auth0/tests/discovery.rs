//! Browser tests of a provider named by `issuer`: its endpoints read from its discovery
//! document (the echo server's stand-in tenants serve one), the document's problems failing the
//! login with what to fix, RFC 9207's `iss` in the callback, and a renewal and a logout at the
//! endpoints the document names, staying on the page where it has no end-session endpoint.
#![cfg(target_arch = "wasm32")]

mod support;

use leptos::prelude::*;
use leptos_auth0::components::{LoginLogoutButton, login_failure_sentence};
use leptos_auth0::{
    AuthError, AuthProvider, AuthService, AuthState, ProviderError, ProviderKind, Session,
    complete_login, discover, use_auth,
};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn new_service(config: leptos_auth0::AuthConfig) -> AuthService {
    init_executor();
    AuthService::new(config)
}

/// Starts a login and waits until it has left for the provider (a transaction is stored) or
/// failed; returns the failure.
async fn log_in(owner: &Owner, auth: AuthService) -> Option<AuthError> {
    owner.with(|| auth.login());
    wait_until("the login to start or fail", 10_000, || {
        transaction_present() || owner.with(|| matches!(auth.state(), AuthState::Failed(_)))
    })
    .await;
    owner.with(|| match auth.state() {
        AuthState::Failed(error) => Some(error),
        _ => None,
    })
}

#[wasm_bindgen_test]
async fn an_issuer_login_starts_at_the_authorization_endpoint_of_its_discovery_document() {
    clear_storage();
    let issuer = keyless_echo_tenant(None);
    let config = config_for_issuer(issuer.as_str(), "code", "");
    assert!(matches!(config.provider, ProviderKind::Discovered { .. }));
    let owner = Owner::new();
    let auth = owner.with(|| new_service(config));
    // The stand-in tenant's `authorize` answers 204, so the browser stays on this page.
    let failure = log_in(&owner, auth).await;
    assert!(failure.is_none(), "{failure:?}");
    assert!(transaction_present());
    drop(owner);
    clear_storage();
}

#[wasm_bindgen_test]
async fn a_document_naming_the_issuer_with_another_spelling_fails_the_login_naming_both() {
    clear_storage();
    // The document names `.../tenant/none/`; the configuration leaves out the final `/`.
    let written = keyless_echo_tenant(None)
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    let owner = Owner::new();
    let auth = owner.with(|| new_service(config_for_issuer(&written, "code", "")));
    let failure = log_in(&owner, auth).await;
    let Some(AuthError::Provider(ProviderError::IssuerMismatch { found, expected })) = &failure
    else {
        panic!("expected an issuer mismatch, got {failure:?}");
    };
    assert_eq!(found, &format!("{written}/"));
    assert_eq!(expected, &written);
    let sentence = login_failure_sentence(failure.as_ref().unwrap());
    assert!(
        sentence.starts_with(&format!(
            "The provider's discovery document names issuer {written}/, but auth_config.json says {written}."
        )),
        "{sentence}"
    );
    assert!(!transaction_present(), "no login left for the provider");
    drop(owner);
}

#[wasm_bindgen_test]
async fn an_unreachable_missing_or_foreign_document_fails_the_login_saying_which() {
    clear_storage();
    let echo = echo_url();
    for issuer in [
        format!("{UNREACHABLE}/"),
        format!("{echo}/status/404/"),
        format!("{echo}/echo/"),
    ] {
        let owner = Owner::new();
        let auth = owner.with(|| new_service(config_for_issuer(&issuer, "code", "")));
        let failure = log_in(&owner, auth).await;
        let discovery_url = format!("{issuer}.well-known/openid-configuration");
        match &failure {
            Some(AuthError::Provider(ProviderError::Network { url, .. })) => {
                assert!(issuer.starts_with(UNREACHABLE), "{issuer}");
                assert_eq!(url, &discovery_url);
            }
            Some(AuthError::Provider(ProviderError::Status { url, status })) => {
                assert!(issuer.contains("/status/"), "{issuer}");
                assert_eq!((url, *status), (&discovery_url, 404));
            }
            // The echo route answers with the request it got: JSON, but no issuer.
            Some(AuthError::Provider(ProviderError::Missing("issuer"))) => {
                assert!(issuer.ends_with("/echo/"), "{issuer}");
            }
            other => panic!("{issuer}: unexpected {other:?}"),
        }
        assert!(!transaction_present());
        drop(owner);
    }
}

#[wasm_bindgen_test]
async fn oidc_logout_at_a_provider_without_an_end_session_endpoint_is_refused_at_discovery() {
    clear_storage();
    let issuer = keyless_echo_tenant(None);
    let config = config_for_issuer(issuer.as_str(), "code", r#","logout":"oidc""#);
    let result = discover(&config).await;
    assert!(
        matches!(result, Err(ProviderError::Missing("end_session_endpoint"))),
        "{result:?}"
    );
    let local = config_for_issuer(issuer.as_str(), "code", r#","logout":"local""#);
    assert!(discover(&local).await.is_ok());
}

#[wasm_bindgen_test]
async fn an_issuer_login_completes_with_an_id_token_whose_iss_is_the_issuer() {
    clear_storage();
    let signer = TestSigner::generate().await;
    let issuer = signer.tenant();
    pending_transaction("s", "nonce-1", false, "/ping");
    let (fragment, access_token, _) = signer.implicit_callback(&issuer, "s", "nonce-1").await;
    let config = config_for_issuer(issuer.as_str(), "token id_token", "");
    // RFC 9207's `iss`, as a provider that sends it would.
    let with_iss = format!(
        "{fragment}&{}",
        leptos_auth0::protocol::form::encode_pairs(&[("iss", issuer.as_str())])
    );
    let completed = complete_login(&config, "", &with_iss, now_ms())
        .await
        .unwrap();
    assert_eq!(completed.session.access_token().secret(), access_token);
    assert!(session_keys_present());
    clear_storage();
}

#[wasm_bindgen_test]
async fn a_response_naming_another_issuer_is_refused_before_any_request() {
    clear_storage();
    pending_transaction("s", "nonce-1", true, "/ping");
    // Nothing listens at this tenant: a request would fail as a network error instead.
    let config = config(UNREACHABLE, UNREACHABLE);
    let result = complete_login(
        &config,
        "?code=abc&state=s&iss=https%3A%2F%2Fattacker.example%2F",
        "",
        now_ms(),
    )
    .await;
    assert!(
        matches!(
            &result,
            Err(AuthError::ResponseIssuer { found: Some(found) }) if found == "https://attacker.example/"
        ),
        "{result:?}"
    );
    assert!(!transaction_present());
    assert!(!session_keys_present());
}

#[wasm_bindgen_test]
async fn an_issuer_session_renews_and_revokes_at_the_documents_endpoints_and_logs_out_here_only() {
    clear_storage();
    leptos_auth0::clear_renewable_session().await.unwrap();
    let tenant = RenewalTenant::new(600);
    let config = tenant.issuer_config();
    // Due now, and live for 30 s more.
    let due = access_token_aged(570, 600);
    store_renewable_session(&config, &due, now_ms() + 30_000, tenant.refresh_token(0)).await;
    let (service, set_service) = signal(None::<AuthService>);
    let mounted = mount(move || {
        view! {
            <AuthProvider config=config>
                {set_service.set(Some(use_auth()));}
                <LoginLogoutButton/>
            </AuthProvider>
        }
    });
    let root = &mounted.root;
    wait_until("the renewal", 10_000, || {
        stored(leptos_auth0::ACCESS_TOKEN_KEY).is_some_and(|token| token != due)
    })
    .await;
    assert_eq!(tenant.stats().await.token_requests, 1);
    leptos::task::tick().await;
    button(root, "Log Out").unwrap().click();
    leptos::task::tick().await;
    assert!(!session_keys_present());
    let started = now_ms();
    while tenant.stats().await.revocations == 0 {
        assert!(now_ms() - started < 5_000, "no revocation");
        gloo_timers::future::sleep(std::time::Duration::from_millis(20)).await;
    }
    // The tenant has no end-session endpoint, so the logout stays here: the page is still
    // this one, logged out, and follows a login in another tab again.
    assert!(button(root, "Log In").is_some());
    let auth = service.get_untracked().unwrap();
    let other_tab = access_token_aged(0, 600);
    wait_until("this tab to follow the others again", 5_000, || {
        store_session(&other_tab, now_ms() + 600_000);
        storage_event_from_another_tab(Some(leptos_auth0::ACCESS_TOKEN_KEY));
        auth.session()
            .as_ref()
            .map(Session::access_token)
            .is_some_and(|token| token.secret() == other_tab)
    })
    .await;
    drop(mounted);
    clear_storage();
    leptos_auth0::clear_renewable_session().await.unwrap();
}
