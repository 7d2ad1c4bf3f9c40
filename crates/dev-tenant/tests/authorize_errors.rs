//! `/authorize` refusals: an untrusted client or redirect URI gets an error page and never a
//! redirect; everything else goes back to the registered redirect URI (RFC 6749 4.1.2.1).

mod harness;

use axum::http::StatusCode;
use harness::*;

fn assert_error_page(reply: &Reply, explanation: &str) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(
        reply.header("location").is_none(),
        "never redirect to an untrusted URI"
    );
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        reply.body.contains("Invalid authorization request"),
        "{}",
        reply.body
    );
    assert!(reply.body.contains(explanation), "{}", reply.body);
}

#[tokio::test]
async fn every_redirect_uri_near_miss_is_refused_without_a_redirect() {
    let router = tenant();
    let near_misses = [
        "http://localhost:3000/call",
        "http://localhost:3000/callback/evil",
        "http://localhost:3000/callbackx",
        "http://LOCALHOST:3000/callback",
        "http://localhost:3001/callback",
        "http://localhost/callback",
        "http://localhost:3000/callback/",
        "https://localhost:3000/callback",
        "http://localhost:3000/callback?next=/",
        "http://localhost:3000/callback#x",
        "http://127.0.0.1:3000/callback",
        "http://localhost:3000/Callback",
        "http://localhost:3000//callback",
        "http://localhost:3000/callback%20",
    ];
    for redirect_uri in near_misses {
        let reply = get(
            &router,
            &authorize_uri(&[("redirect_uri", redirect_uri)]),
            None,
        )
        .await;
        assert_error_page(&reply, "not one of this client");
    }
}

#[tokio::test]
async fn unknown_client_gets_an_error_page() {
    let reply = get(
        &tenant(),
        &authorize_uri(&[("client_id", "someone-else")]),
        None,
    )
    .await;
    assert_error_page(&reply, "client_id is not registered");
}

#[tokio::test]
async fn missing_client_id_and_missing_redirect_uri_get_error_pages() {
    let router = tenant();
    assert_error_page(
        &get(&router, &authorize_uri(&[("client_id", "")]), None).await,
        "no client_id",
    );
    assert_error_page(
        &get(&router, &authorize_uri(&[("redirect_uri", "")]), None).await,
        "no redirect_uri",
    );
}

#[tokio::test]
async fn a_second_redirect_uri_gets_an_error_page() {
    let uri = format!(
        "{}&redirect_uri=https%3A%2F%2Fevil.example%2F",
        authorize_uri(&[])
    );
    assert_error_page(&get(&tenant(), &uri, None).await, "more than once");
}

async fn redirected_error(extra: &[(&str, &str)]) -> (String, String, Option<String>) {
    let reply = get(&tenant(), &authorize_uri(extra), None).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    let location = reply.location();
    assert!(location.as_str().starts_with(CALLBACK), "{location}");
    let mut returned = params(&location, false);
    assert!(!returned.contains_key("code"));
    (
        returned.remove("error").expect("error"),
        returned.remove("error_description").unwrap_or_default(),
        returned.remove("state"),
    )
}

#[tokio::test]
async fn missing_pkce_is_redirected_as_invalid_request() {
    let (error, description, state) =
        redirected_error(&[("code_challenge", ""), ("code_challenge_method", "")]).await;
    assert_eq!(error, "invalid_request");
    assert!(description.contains("code_challenge"), "{description}");
    assert_eq!(state.as_deref(), Some("st/8+=?&z"));
}

#[tokio::test]
async fn plain_pkce_is_refused() {
    let (error, description, _) = redirected_error(&[("code_challenge_method", "plain")]).await;
    assert_eq!(error, "invalid_request");
    assert!(description.contains("S256"), "{description}");
}

#[tokio::test]
async fn pkce_without_a_method_is_refused_because_it_defaults_to_plain() {
    let (error, description, _) = redirected_error(&[("code_challenge_method", "")]).await;
    assert_eq!(error, "invalid_request");
    assert!(description.contains("S256"), "{description}");
}

#[tokio::test]
async fn unsupported_response_type_is_redirected() {
    let (error, _, _) = redirected_error(&[("response_type", "token")]).await;
    assert_eq!(error, "unsupported_response_type");
}

#[tokio::test]
async fn response_type_values_are_separated_by_single_spaces() {
    for response_type in ["code ", " code", "token  id_token", "id_token token "] {
        let (error, description, _) = redirected_error(&[("response_type", response_type)]).await;
        assert_eq!(error, "unsupported_response_type", "{response_type:?}");
        assert!(description.contains(response_type), "{description}");
    }
}

#[tokio::test]
async fn unregistered_audience_is_access_denied() {
    let (error, description, _) = redirected_error(&[("audience", "https://other/api")]).await;
    assert_eq!(error, "access_denied");
    assert_eq!(description, "Service not found: https://other/api");
}

#[tokio::test]
async fn unknown_parameters_such_as_auth0_client_are_ignored() {
    let reply = get(
        &tenant(),
        &authorize_uri(&[
            ("auth0Client", "eyJuYW1lIjoiYXV0aDAtc3BhLWpzIn0="),
            ("foo", "bar"),
        ]),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(reply.location().path(), "/u/login");
}

#[tokio::test]
async fn authorize_error_without_state_has_no_state() {
    let (error, _, state) = redirected_error(&[("state", ""), ("response_type", "")]).await;
    assert_eq!(error, "invalid_request");
    assert_eq!(state, None);
}

#[tokio::test]
async fn state_needing_percent_encoding_comes_back_byte_exact_in_query_and_fragment() {
    let router = implicit_tenant();
    let state = "a b+c/d?e=f&g#h%25i%j é\"<>'";
    let query = get(
        &router,
        &authorize_uri(&[("prompt", "none"), ("state", state)]),
        None,
    )
    .await;
    let returned = params(&query.location(), false);
    assert_eq!(returned.get("state").map(String::as_str), Some(state));
    assert_eq!(
        returned.get("error").map(String::as_str),
        Some("login_required")
    );
    let fragment = get(
        &router,
        &authorize_uri(&[
            ("response_type", "token id_token"),
            ("scope", "openid"),
            ("prompt", "none"),
            ("state", state),
        ]),
        None,
    )
    .await;
    let location = fragment.location();
    assert_eq!(location.query(), None, "implicit errors go in the fragment");
    let returned = params(&location, true);
    assert_eq!(returned.get("state").map(String::as_str), Some(state));
    assert_eq!(
        returned.get("error").map(String::as_str),
        Some("login_required")
    );
}

#[tokio::test]
async fn the_built_in_client_is_refused_the_implicit_flow_in_the_fragment() {
    for response_type in ["token id_token", "id_token"] {
        let reply = get(
            &tenant(),
            &authorize_uri(&[
                ("response_type", response_type),
                ("code_challenge", ""),
                ("code_challenge_method", ""),
            ]),
            None,
        )
        .await;
        assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
        let location = reply.location();
        assert_eq!(location.query(), None, "{response_type}");
        let returned = params(&location, true);
        assert_eq!(
            returned.get("error").map(String::as_str),
            Some("unauthorized_client"),
            "{response_type}"
        );
        assert!(!returned.contains_key("access_token"));
        assert!(!returned.contains_key("id_token"));
    }
}

#[tokio::test]
async fn every_authorization_error_names_the_issuer_as_rfc_9207_requires() {
    let reply = get(&tenant(), &authorize_uri(&[("prompt", "none")]), None).await;
    let returned = params(&reply.location(), false);
    assert_eq!(returned.get("iss").map(String::as_str), Some(ISSUER));
    let reply = get(
        &implicit_tenant(),
        &authorize_uri(&[("response_type", "token id_token"), ("nonce", "")]),
        None,
    )
    .await;
    let returned = params(&reply.location(), true);
    assert_eq!(
        returned.get("error").map(String::as_str),
        Some("invalid_request")
    );
    assert_eq!(returned.get("iss").map(String::as_str), Some(ISSUER));
}

#[tokio::test]
async fn a_state_nonce_scope_or_login_hint_over_2_kib_is_refused_by_redirect() {
    let long = "x".repeat(2049);
    for name in ["state", "nonce", "scope", "login_hint"] {
        let (error, description, state) = redirected_error(&[(name, &long)]).await;
        assert_eq!(error, "invalid_request", "{name}");
        assert_eq!(description, format!("{name} is longer than 2048 bytes"));
        if name == "state" {
            assert_eq!(state, None, "an oversized state is not echoed");
        } else {
            assert_eq!(state.as_deref(), Some("st/8+=?&z"), "{name}");
        }
    }
    let at_the_limit = "x".repeat(2048);
    let reply = get(&tenant(), &authorize_uri(&[("state", &at_the_limit)]), None).await;
    assert_eq!(
        reply.location().path(),
        "/u/login",
        "2048 bytes are accepted"
    );
}

#[tokio::test]
async fn a_query_over_8_kib_gets_an_error_page() {
    let padding = "p".repeat(8 * 1024);
    let reply = get(
        &tenant(),
        &authorize_uri(&[("auth0Client", &padding)]),
        None,
    )
    .await;
    assert_error_page(&reply, "too long");
    assert!(reply.set_cookie_with_prefix("dev_tenant_csrf_").is_none());
}
