//! Drives the tenant in-process: one signing key per test binary, requests through
//! `tower::ServiceExt::oneshot`, and the browser steps of a login (authorize, login page, form
//! post) spelled out so each test can stop or deviate at any step.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use dev_tenant::clock::Clock;
use dev_tenant::{AppOptions, SigningKeys, TenantConfig, app, app_with};
use http_body_util::BodyExt;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use oidc_protocol::ResponseType;
use serde::de::DeserializeOwned;
use tower::ServiceExt;
use url::Url;

pub const ISSUER: &str = "http://localhost:3002/";
pub const CLIENT_ID: &str = "local-spa-client";
pub const CALLBACK: &str = "http://localhost:3000/callback";
pub const AUDIENCE: &str = "https://quickstarts/api";
pub const SPA_ORIGIN: &str = "http://localhost:3000";
/// RFC 7636 Appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// RSA generation is the slow part; every tenant in this binary shares one key.
pub fn keys() -> SigningKeys {
    static KEYS: OnceLock<SigningKeys> = OnceLock::new();
    KEYS.get_or_init(|| SigningKeys::generate().expect("generate a signing key"))
        .clone()
}

pub fn tenant() -> Router {
    app(TenantConfig::default(), keys())
}

pub fn tenant_with(config: TenantConfig) -> Router {
    app(config, keys())
}

/// The built-in configuration with the default client opted into the implicit flow.
pub fn implicit_config() -> TenantConfig {
    let mut config = TenantConfig::default();
    config.clients[0].response_types = vec![
        ResponseType::Code,
        ResponseType::IdToken,
        ResponseType::TokenIdToken,
    ];
    config
}

/// A tenant whose default client may use the implicit flow.
pub fn implicit_tenant() -> Router {
    tenant_with(implicit_config())
}

/// A tenant whose time is `clock`, which the test moves forward.
pub fn tenant_with_clock(config: TenantConfig, clock: &Clock) -> Router {
    app_with(
        config,
        keys(),
        AppOptions {
            clock: clock.clone(),
            ..AppOptions::default()
        },
    )
}

/// A response with its body read.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    pub fn location(&self) -> Url {
        let location = self.header(LOCATION.as_str()).expect("a Location header");
        Url::parse(location)
            .or_else(|_| Url::parse(ISSUER).and_then(|base| base.join(location)))
            .expect("a URL")
    }

    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("JSON body expected ({error}): {}", self.body))
    }

    /// The value a `Set-Cookie` header gives cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookie(name).map(|line| {
            line.split(';')
                .next()
                .unwrap_or_default()
                .split_once('=')
                .unwrap_or_default()
                .1
                .to_owned()
        })
    }

    /// The whole `Set-Cookie` line of the first cookie whose name starts with `prefix`.
    pub fn set_cookie_with_prefix(&self, prefix: &str) -> Option<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find(|line| line.starts_with(prefix))
            .map(str::to_owned)
    }

    /// The whole `Set-Cookie` line for cookie `name`.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find(|line| line.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }
}

/// The `Host` a browser sends to the built-in tenant.
pub const HOST: &str = "localhost:3002";

/// Sends `request` as a browser would, with `Host` set to [`HOST`] unless it names one.
pub async fn send(router: &Router, mut request: Request<Body>) -> Reply {
    if !request.headers().contains_key(axum::http::header::HOST) {
        request.headers_mut().insert(
            axum::http::header::HOST,
            axum::http::HeaderValue::from_static(HOST),
        );
    }
    send_as_is(router, request).await
}

/// Sends `request` without adding anything.
pub async fn send_as_is(router: &Router, request: Request<Body>) -> Reply {
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("the router never fails");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub async fn get(router: &Router, uri: &str, cookie: Option<&str>) -> Reply {
    let mut request = Request::builder().method(Method::GET).uri(uri);
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    send(router, request.body(Body::empty()).expect("request")).await
}

pub async fn post_form(
    router: &Router,
    uri: &str,
    form: &[(&str, &str)],
    cookie: Option<&str>,
) -> Reply {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    send(router, request.body(Body::from(body)).expect("request")).await
}

/// `/authorize?...` for the default client with PKCE, plus `extra` parameters.
pub fn authorize_uri(extra: &[(&str, &str)]) -> String {
    let mut params = vec![
        ("client_id", CLIENT_ID),
        ("redirect_uri", CALLBACK),
        ("response_type", "code"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
        ("scope", "openid profile email read:messages"),
        ("audience", AUDIENCE),
        ("state", "st/8+=?&z"),
        ("nonce", "n-0S6_WzA2Mj"),
    ];
    for (name, value) in extra {
        params.retain(|(existing, _)| existing != name);
        if !value.is_empty() {
            params.push((name, value));
        }
    }
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    format!("/authorize?{query}")
}

/// Query (or, with `fragment`, fragment) parameters of a URL.
pub fn params(url: &Url, fragment: bool) -> HashMap<String, String> {
    let source = if fragment {
        url.fragment().unwrap_or_default()
    } else {
        url.query().unwrap_or_default()
    };
    url::form_urlencoded::parse(source.as_bytes())
        .into_owned()
        .collect()
}

/// The login page a browser lands on, with what it needs to post the form.
pub struct LoginPage {
    pub reply: Reply,
    /// The `/authorize` redirect that led to the page.
    pub redirect: Reply,
    pub transaction: String,
    pub csrf: String,
    /// `name=value` of the transaction's CSRF cookie, ready for a `Cookie` header.
    pub csrf_cookie: String,
}

/// Follows `/authorize` to the login page, as a browser does: with the CSRF cookie the
/// redirect set.
pub async fn open_login(router: &Router, authorize: &str, cookie: Option<&str>) -> LoginPage {
    let redirect = get(router, authorize, cookie).await;
    assert_eq!(
        redirect.status,
        StatusCode::FOUND,
        "authorize should redirect to the login page: {}",
        redirect.body
    );
    let location = redirect.location();
    assert_eq!(location.path(), "/u/login");
    let csrf_cookie = redirect
        .set_cookie_with_prefix("dev_tenant_csrf_")
        .map(|line| line.split(';').next().unwrap_or_default().to_owned())
        .expect("the redirect to the login page sets the CSRF cookie");
    let page = get(
        router,
        &format!(
            "{}?{}",
            location.path(),
            location.query().unwrap_or_default()
        ),
        Some(&csrf_cookie),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let transaction = hidden_value(&page.body, "state");
    let csrf = hidden_value(&page.body, "csrf");
    LoginPage {
        reply: page,
        redirect,
        transaction,
        csrf,
        csrf_cookie,
    }
}

fn hidden_value(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("hidden field {name} in {html}"))
        + marker.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Posts credentials on a login page with its CSRF token and cookie.
pub async fn submit_login(router: &Router, page: &LoginPage, email: &str, password: &str) -> Reply {
    let cookie = page.csrf_cookie.clone();
    post_form(
        router,
        "/u/login",
        &[
            ("state", &page.transaction),
            ("csrf", &page.csrf),
            ("username", email),
            ("password", password),
        ],
        Some(&cookie),
    )
    .await
}

/// Presses a login page's one-click button for `email`: the pick form, with the page's CSRF
/// token and cookie.
pub async fn submit_pick(router: &Router, page: &LoginPage, email: &str) -> Reply {
    let cookie = page.csrf_cookie.clone();
    post_form(
        router,
        "/u/login",
        &[
            ("state", &page.transaction),
            ("csrf", &page.csrf),
            ("pick", email),
        ],
        Some(&cookie),
    )
    .await
}

/// Logs in through `authorize` and returns the redirect to the client and the session cookie.
pub async fn log_in(router: &Router, authorize: &str, email: &str) -> (Url, String) {
    let page = open_login(router, authorize, None).await;
    let reply = submit_login(router, &page, email, "password123").await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    let session = reply
        .cookie("dev_tenant_session")
        .expect("a session cookie");
    (reply.location(), format!("dev_tenant_session={session}"))
}

/// Logs in with the code flow and returns the authorization code.
pub async fn code_for(router: &Router, email: &str, extra: &[(&str, &str)]) -> String {
    let (location, _) = log_in(router, &authorize_uri(extra), email).await;
    params(&location, false).remove("code").expect("a code")
}

pub async fn redeem(router: &Router, code: &str, verifier: &str) -> Reply {
    post_form(
        router,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", code),
            ("code_verifier", verifier),
            ("redirect_uri", CALLBACK),
        ],
        None,
    )
    .await
}

pub async fn refresh(router: &Router, refresh_token: &str) -> Reply {
    post_form(
        router,
        "/oauth/token",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("refresh_token", refresh_token),
        ],
        None,
    )
    .await
}

/// Verifies `token` the way a relying party would: key from the served JWKS by `kid`, RS256,
/// issuer, audience, expiry.
pub async fn verify<T: DeserializeOwned>(router: &Router, token: &str, audience: &str) -> T {
    let jwks = get(router, "/.well-known/jwks.json", None).await;
    let published = oidc_protocol::rs256_verification_keys(jwks.body.as_bytes())
        .expect("the served JWKS has RS256 verification keys");
    assert_eq!(published.skipped, [], "every served key is usable");
    let header = jsonwebtoken::decode_header(token).expect("a JWT header");
    assert_eq!(header.alg, Algorithm::RS256);
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    let kid = header.kid.expect("a kid");
    let jwk = published.find(&kid).expect("the kid is published");
    let key = DecodingKey::from_rsa_components(&jwk.modulus_base64url(), &jwk.exponent_base64url())
        .expect("an RSA key");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub", "iat"]);
    jsonwebtoken::decode::<T>(token, &key, &validation)
        .expect("the token verifies")
        .claims
}
