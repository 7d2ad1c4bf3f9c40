//! Browser tests of `AuthHttp` against the echo server: where the token goes, when requests
//! are refused before sending, and how errors are mapped.
#![cfg(target_arch = "wasm32")]

mod support;

use leptos_auth0::protocol::AccessToken;
use leptos_auth0::protocol::form::encode_component;
use leptos_auth0::{
    AuthHttp, AuthHttpConfig, AuthHttpError, RequestOptions, is_allowed_origin, origin_of,
};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[derive(serde::Deserialize, Debug)]
struct Echo {
    method: String,
    path: String,
    authorization: Option<String>,
    headers: std::collections::HashMap<String, String>,
    body: String,
}

fn http_with_token(token: Option<String>) -> AuthHttp {
    AuthHttp::new(AuthHttpConfig::new(echo_url(), move || {
        token.clone().map(AccessToken::new)
    }))
}

#[wasm_bindgen_test]
fn origin_predicate_compares_scheme_host_and_port_exactly() {
    let allowed = vec![origin_of("http://localhost:3001").unwrap()];
    assert!(is_allowed_origin(
        "http://localhost:3001/api/private",
        &allowed
    ));
    assert!(is_allowed_origin("http://LOCALHOST:3001/x?y#z", &allowed));
    for url in [
        "https://localhost:3001/api/private",
        "http://localhost:3002/api/private",
        "http://localhost/api/private",
        "http://127.0.0.1:3001/api/private",
        "http://localhost.evil.example:3001/",
        "http://localhost:3001.evil.example/",
        "http://evil.example/?http://localhost:3001",
        "http://localhost:3001@evil.example/",
        "//evil.example/",
        "javascript:alert(1)",
        "data:text/plain,hi",
    ] {
        assert!(!is_allowed_origin(url, &allowed), "{url}");
    }
    let default_port = vec![origin_of("https://api.example.com").unwrap()];
    assert!(is_allowed_origin(
        "https://api.example.com:443/x",
        &default_port
    ));
    assert!(!is_allowed_origin(
        "http://api.example.com/x",
        &default_port
    ));
}

#[wasm_bindgen_test]
async fn token_is_attached_for_the_allowed_origin() {
    let token = access_token_expiring_in(600);
    let echo: Echo = http_with_token(Some(token.clone()))
        .get(&format!("{}/echo/x?y=1", echo_url()))
        .await
        .unwrap();
    assert_eq!(echo.method, "GET");
    assert_eq!(echo.path, "/echo/x?y=1");
    assert_eq!(echo.authorization, Some(format!("Bearer {token}")));
}

#[wasm_bindgen_test]
async fn token_is_not_attached_for_a_look_alike_origin() {
    // Same server, but `localhost` is another origin than `127.0.0.1`.
    let echo: Echo = http_with_token(Some(access_token_expiring_in(600)))
        .get(&format!("{}/echo/other", echo_url_as_localhost()))
        .await
        .unwrap();
    assert_eq!(echo.authorization, None);
}

#[wasm_bindgen_test]
async fn a_call_can_allow_one_more_origin() {
    let other = echo_url_as_localhost();
    let options = RequestOptions::default().allow_origin(&other);
    let echo: Echo = http_with_token(Some(access_token_expiring_in(600)))
        .get_with(&format!("{other}/echo/userinfo"), &options)
        .await
        .unwrap();
    assert!(echo.authorization.is_some());
}

#[wasm_bindgen_test]
async fn expired_missing_and_opaque_tokens_are_refused_before_sending() {
    let url = format!("{}/echo/private", echo_url());
    let result = http_with_token(Some(access_token_expiring_in(-5)))
        .get::<Echo>(&url)
        .await;
    assert!(
        matches!(result, Err(AuthHttpError::TokenExpired)),
        "{result:?}"
    );
    let result = http_with_token(None).get::<Echo>(&url).await;
    assert!(
        matches!(result, Err(AuthHttpError::NotAuthenticated)),
        "{result:?}"
    );
    let result = http_with_token(Some("opaque".into()))
        .get::<Echo>(&url)
        .await;
    assert!(matches!(result, Err(AuthHttpError::NotAJwt)), "{result:?}");
}

#[wasm_bindgen_test]
async fn anonymous_calls_go_out_without_an_unusable_token() {
    let url = format!("{}/echo/public", echo_url());
    let options = RequestOptions::default().allow_anonymous();
    let echo: Echo = http_with_token(Some(access_token_expiring_in(-5)))
        .get_with(&url, &options)
        .await
        .unwrap();
    assert_eq!(echo.authorization, None);
}

#[wasm_bindgen_test]
async fn header_name_prefix_global_headers_and_json_body_are_configurable() {
    let token = access_token_expiring_in(600);
    let token_for_getter = token.clone();
    let http = AuthHttp::new(
        AuthHttpConfig::new(echo_url(), move || {
            Some(AccessToken::new(token_for_getter.clone()))
        })
        .header_name("X-Access-Token")
        .scheme_prefix("")
        .global_header("X-Client", "spa"),
    );
    let echo: Echo = http
        .post_json(
            &format!("{}/echo/messages", echo_url()),
            &serde_json::json!({"text": "hi"}),
        )
        .await
        .unwrap();
    assert_eq!(echo.method, "POST");
    assert_eq!(echo.authorization, None);
    assert_eq!(echo.headers.get("x-access-token"), Some(&token));
    assert_eq!(
        echo.headers.get("x-client").map(String::as_str),
        Some("spa")
    );
    assert_eq!(echo.body, r#"{"text":"hi"}"#);
}

#[wasm_bindgen_test]
async fn status_401_reads_the_bearer_error_from_www_authenticate() {
    let url = format!(
        "{}/status/401?error=from_body&www_authenticate=Bearer%20error%3D%22invalid_token%22%2C%20error_description%3D%22jwt%20expired%22",
        echo_url()
    );
    let result = http_with_token(Some(access_token_expiring_in(600)))
        .get::<Echo>(&url)
        .await;
    assert!(
        matches!(&result, Err(AuthHttpError::Unauthorized { error: Some(error), description: Some(description) })
            if error == "invalid_token" && description == "jwt expired"),
        "{result:?}"
    );
}

#[wasm_bindgen_test]
async fn status_403_falls_back_to_the_json_body_and_names_the_scope() {
    let url = format!(
        "{}/status/403?error=insufficient_scope&scope=read%3Amessages",
        echo_url()
    );
    let result = http_with_token(Some(access_token_expiring_in(600)))
        .get::<Echo>(&url)
        .await;
    assert!(
        matches!(&result, Err(AuthHttpError::Forbidden { error: Some(error), scope: Some(scope), .. })
            if error == "insufficient_scope" && scope == "read:messages"),
        "{result:?}"
    );
}

#[wasm_bindgen_test]
async fn other_statuses_network_failures_and_bad_json_have_their_own_variants() {
    let http = http_with_token(Some(access_token_expiring_in(600)));
    let result = http
        .get::<Echo>(&format!("{}/status/500", echo_url()))
        .await;
    assert!(
        matches!(result, Err(AuthHttpError::Status(500))),
        "{result:?}"
    );
    let result = http.get::<Echo>(&format!("{UNREACHABLE}/echo")).await;
    assert!(
        matches!(result, Err(AuthHttpError::Network(_))),
        "{result:?}"
    );
    let result = http.get::<Echo>(&format!("{}/not-json", echo_url())).await;
    assert!(
        matches!(result, Err(AuthHttpError::Decode(_))),
        "{result:?}"
    );
}

#[wasm_bindgen_test]
async fn global_headers_cannot_send_an_authorization_to_other_origins() {
    let token = access_token_expiring_in(600);
    let token_for_getter = token.clone();
    let http = AuthHttp::new(
        AuthHttpConfig::new(echo_url(), move || {
            Some(AccessToken::new(token_for_getter.clone()))
        })
        .global_header("authorization", "Bearer global-secret")
        .global_header("X-Client", "spa"),
    );
    let echo: Echo = http
        .get(&format!("{}/echo/elsewhere", echo_url_as_localhost()))
        .await
        .unwrap();
    assert_eq!(echo.authorization, None);
    assert_eq!(
        echo.headers.get("x-client").map(String::as_str),
        Some("spa")
    );
    let echo: Echo = http.get(&format!("{}/echo/api", echo_url())).await.unwrap();
    assert_eq!(echo.authorization, Some(format!("Bearer {token}")));
}

#[wasm_bindgen_test]
fn origin_predicate_refuses_more_look_alikes_and_normalises_like_the_browser() {
    let allowed = vec![origin_of("http://localhost:3001").unwrap()];
    assert!(is_allowed_origin("HTTP://LocalHost:3001/x", &allowed));
    assert!(is_allowed_origin(
        "http://localhost:3001/%2F%2Fevil",
        &allowed
    ));
    for url in [
        "http://localhost.evil/",
        "http://localhost.:3001/",
        "http://user@evil.example:3001/",
        "http://[::1]:3001/",
        "http://localhost:80/",
        "ws://localhost:3001/",
        "blob:http://evil.example/uuid",
    ] {
        assert!(!is_allowed_origin(url, &allowed), "{url}");
    }
    let ipv6 = vec![origin_of("http://[::1]:3001").unwrap()];
    assert!(is_allowed_origin("http://[0:0:0:0:0:0:0:1]:3001/x", &ipv6));
    assert!(!is_allowed_origin("http://localhost:3001/x", &ipv6));
    let default_port = vec![origin_of("http://localhost").unwrap()];
    assert!(is_allowed_origin("http://localhost:80/x", &default_port));
    assert!(!is_allowed_origin("http://localhost:8080/x", &default_port));
}

/// `<echo>/redirect?to=<the echo under its other name>/echo/landed`: a redirect to another origin.
fn redirect_to_other_origin() -> String {
    let target = format!("{}/echo/landed", echo_url_as_localhost());
    format!("{}/redirect?to={}", echo_url(), encode_component(&target))
}

fn http_with_custom_token_header(token: &str) -> AuthHttp {
    let token = token.to_owned();
    AuthHttp::new(
        AuthHttpConfig::new(echo_url(), move || Some(AccessToken::new(token.clone())))
            .header_name("X-Access-Token")
            .scheme_prefix(""),
    )
}

#[wasm_bindgen_test]
async fn a_plain_fetch_carries_a_custom_token_header_across_a_redirect() {
    // What AuthHttp guards against: the browser strips `Authorization` on a redirect to another
    // origin, but a custom header follows it.
    let headers = web_sys::Headers::new().unwrap();
    headers.set("X-Access-Token", "leaked").unwrap();
    let init = web_sys::RequestInit::new();
    init.set_headers(&headers);
    let request =
        web_sys::Request::new_with_str_and_init(&redirect_to_other_origin(), &init).unwrap();
    let response = gloo_net::http::Request::from(request).send().await.unwrap();
    let echo: Echo = response.json().await.unwrap();
    assert_eq!(echo.path, "/echo/landed");
    assert_eq!(
        echo.headers.get("x-access-token").map(String::as_str),
        Some("leaked")
    );
}

#[wasm_bindgen_test]
async fn a_request_carrying_the_token_does_not_follow_a_redirect_to_another_origin() {
    let http = http_with_custom_token_header(&access_token_expiring_in(600));
    let result = http.get::<Echo>(&redirect_to_other_origin()).await;
    assert!(
        matches!(result, Err(AuthHttpError::Redirected)),
        "{result:?}"
    );
    // The same client still reaches the API itself with the token.
    let echo: Echo = http.get(&format!("{}/echo/api", echo_url())).await.unwrap();
    assert!(echo.headers.contains_key("x-access-token"));
}

#[wasm_bindgen_test]
async fn a_request_without_the_token_still_follows_redirects() {
    let options = RequestOptions::default().allow_anonymous();
    let echo: Echo = http_with_token(None)
        .get_with(&redirect_to_other_origin(), &options)
        .await
        .unwrap();
    assert_eq!(echo.path, "/echo/landed");
    assert_eq!(echo.authorization, None);
    assert!(!echo.headers.contains_key("x-access-token"));
}
