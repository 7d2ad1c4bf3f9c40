//! `AuthHttp`: JSON requests over gloo-net that carry the access token only where it belongs.
//!
//! The successor of angular2-jwt's `AuthHttp`: a configurable token getter, header name, scheme
//! prefix and global headers, plus an allow-list of origins (exact scheme, host and port) that
//! may see the token. Bearer errors are read per RFC 6750 section 3.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use gloo_net::http::{Method, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use oidc_protocol::{AccessToken, BearerChallenge, BearerErrorBody, UnverifiedJwt};

use crate::browser::now_ms;

/// Why a request failed or was not sent.
#[derive(Clone, Debug, thiserror::Error)]
pub enum AuthHttpError {
    /// The request needs a token and there is none; it was not sent.
    #[error("not authenticated")]
    NotAuthenticated,
    /// The token has expired; it was not sent.
    #[error("access token expired")]
    TokenExpired,
    /// The token is not a JWT; it was not sent.
    #[error("access token is not a jwt")]
    NotAJwt,
    /// The URL could not be parsed.
    #[error("invalid url {0}")]
    InvalidUrl(String),
    /// The browser refused to build the request (e.g. a header name or value is invalid).
    #[error("the browser refused to build the request")]
    InvalidRequest,
    /// The JSON body could not be serialised.
    #[error("request body could not be serialised")]
    Encode(#[source] Arc<serde_json::Error>),
    /// 401: the server did not accept the token (RFC 6750 section 3.1 `error`).
    #[error("unauthorized ({})", error.as_deref().unwrap_or("no error code"))]
    Unauthorized {
        /// The bearer error code, e.g. `invalid_token`.
        error: Option<String>,
        /// The server's description.
        description: Option<String>,
    },
    /// 403: the token lacks a permission (usually `insufficient_scope`).
    #[error("forbidden ({})", error.as_deref().unwrap_or("no error code"))]
    Forbidden {
        /// The bearer error code, e.g. `insufficient_scope`.
        error: Option<String>,
        /// The scope the resource requires, when the server names it.
        scope: Option<String>,
        /// The server's description.
        description: Option<String>,
    },
    /// Another non-success status.
    #[error("unexpected status {0}")]
    Status(u16),
    /// The server could not be reached (down, CORS refusal, offline).
    #[error("network error")]
    Network(#[source] Arc<gloo_net::Error>),
    /// The response body is not the expected JSON.
    #[error("response is not the expected json")]
    Decode(#[source] Arc<gloo_net::Error>),
    /// A request carrying the token was answered with a redirect, which was not followed: a
    /// custom token header would follow it to any origin (browsers strip only `Authorization`).
    #[error("redirect refused for a request carrying the token")]
    Redirected,
}

type TokenGetter = Rc<dyn Fn() -> Option<AccessToken>>;

/// What a renewer returns: the token to use now, if there is one.
pub type RenewedToken = Pin<Box<dyn Future<Output = Option<AccessToken>>>>;

type Renewer = Rc<dyn Fn(Option<AccessToken>) -> RenewedToken>;

/// How [`AuthHttp`] finds and attaches the token.
#[derive(Clone)]
pub struct AuthHttpConfig {
    token_getter: TokenGetter,
    header_name: String,
    scheme_prefix: String,
    global_headers: Vec<(String, String)>,
    allowed_origins: Vec<String>,
    renewer: Option<Renewer>,
}

impl AuthHttpConfig {
    /// Bearer tokens from `token_getter` in `Authorization`, allowed for `api_url`'s origin only.
    pub fn new(api_url: &str, token_getter: impl Fn() -> Option<AccessToken> + 'static) -> Self {
        Self {
            token_getter: Rc::new(token_getter),
            header_name: "Authorization".to_owned(),
            scheme_prefix: "Bearer ".to_owned(),
            global_headers: Vec::new(),
            allowed_origins: origin_of(api_url).into_iter().collect(),
            renewer: None,
        }
    }

    /// Renews the token where it is not usable: `renew(None)` before a request when the token
    /// getter has none that is live, and `renew(Some(rejected))` once when the API answers 401
    /// `invalid_token` (RFC 6750 section 3.1) to a request that carried `rejected`, which is
    /// then sent once more with the token returned, if it is another. Never more than once per
    /// request, so a token the API keeps refusing cannot cause a loop.
    /// [`AuthService::http`](crate::AuthService::http) sets this to its renewal.
    #[must_use]
    pub fn renew_with(
        mut self,
        renew: impl Fn(Option<AccessToken>) -> RenewedToken + 'static,
    ) -> Self {
        self.renewer = Some(Rc::new(renew));
        self
    }

    /// Sends the token in another header.
    #[must_use]
    pub fn header_name(mut self, header_name: impl Into<String>) -> Self {
        self.header_name = header_name.into();
        self
    }

    /// Puts another prefix before the token (`"Bearer "` by default; may be empty).
    #[must_use]
    pub fn scheme_prefix(mut self, scheme_prefix: impl Into<String>) -> Self {
        self.scheme_prefix = scheme_prefix.into();
        self
    }

    /// Adds a header to every request. A header named like the token header or
    /// `Authorization` is never sent: only the token getter decides what credential goes out,
    /// and only to allowed origins.
    #[must_use]
    pub fn global_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.global_headers.push((name.into(), value.into()));
        self
    }

    /// Allows one more origin to receive the token.
    #[must_use]
    pub fn allow_origin(mut self, url: &str) -> Self {
        self.allowed_origins.extend(origin_of(url));
        self
    }

    /// The origins that receive the token.
    pub fn allowed_origins(&self) -> &[String] {
        &self.allowed_origins
    }
}

/// Per-call options.
#[derive(Clone, Debug, Default)]
pub struct RequestOptions {
    allow_anonymous: bool,
    extra_origins: Vec<String>,
}

impl RequestOptions {
    /// Sends the request without a token when there is no usable one, instead of failing.
    #[must_use]
    pub fn allow_anonymous(mut self) -> Self {
        self.allow_anonymous = true;
        self
    }

    /// Lets this one call send the token to `url`'s origin too.
    #[must_use]
    pub fn allow_origin(mut self, url: &str) -> Self {
        self.extra_origins.extend(origin_of(url));
        self
    }
}

/// The origin (`scheme://host[:port]`) of `url`, resolved against the page; `None` when it
/// cannot be parsed or has an opaque origin.
pub fn origin_of(url: &str) -> Option<String> {
    let base = web_sys::window()
        .and_then(|window| window.location().href().ok())
        .unwrap_or_default();
    let parsed = if base.is_empty() {
        web_sys::Url::new(url)
    } else {
        web_sys::Url::new_with_base(url, &base)
    };
    let origin = parsed.ok()?.origin();
    (origin != "null" && !origin.is_empty()).then_some(origin)
}

/// Whether the token may go to `url`: its origin equals an allowed origin exactly.
pub fn is_allowed_origin(url: &str, allowed_origins: &[String]) -> bool {
    origin_of(url).is_some_and(|origin| allowed_origins.contains(&origin))
}

/// Checks that a token exists, is a JWT and has not expired at `now_ms` (by its `exp`).
///
/// # Errors
/// [`AuthHttpError::NotAuthenticated`], [`AuthHttpError::NotAJwt`] or
/// [`AuthHttpError::TokenExpired`].
pub fn check_token(token: Option<&AccessToken>, now_ms: u64) -> Result<(), AuthHttpError> {
    let token = token.ok_or(AuthHttpError::NotAuthenticated)?;
    let jwt = UnverifiedJwt::parse(token.secret()).map_err(|_| AuthHttpError::NotAJwt)?;
    let expired = jwt
        .expires_at()
        .is_some_and(|exp| exp.saturating_mul(1000) <= now_ms);
    if expired {
        Err(AuthHttpError::TokenExpired)
    } else {
        Ok(())
    }
}

/// Maps a failed status to an error, preferring `WWW-Authenticate` over the JSON body.
pub fn status_error(
    status: u16,
    www_authenticate: Option<&str>,
    body: BearerErrorBody,
) -> AuthHttpError {
    let challenge = www_authenticate
        .and_then(BearerChallenge::parse)
        .unwrap_or_default();
    let error = challenge.error.or(body.error);
    let description = challenge.error_description.or(body.error_description);
    match status {
        401 => AuthHttpError::Unauthorized { error, description },
        403 => AuthHttpError::Forbidden {
            error,
            scope: challenge.scope.or(body.scope),
            description,
        },
        other => AuthHttpError::Status(other),
    }
}

/// JSON requests with the access token attached where allowed.
#[derive(Clone)]
pub struct AuthHttp {
    config: Rc<AuthHttpConfig>,
}

impl AuthHttp {
    /// A client with this configuration.
    pub fn new(config: AuthHttpConfig) -> Self {
        Self {
            config: Rc::new(config),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &AuthHttpConfig {
        &self.config
    }

    /// `GET url`, decoding a JSON answer.
    ///
    /// # Errors
    /// [`AuthHttpError`]; see [`AuthHttp::request`].
    pub async fn get<T: DeserializeOwned>(&self, url: &str) -> Result<T, AuthHttpError> {
        self.request(Method::GET, url, None::<&()>, &RequestOptions::default())
            .await
    }

    /// `GET url` with per-call options.
    ///
    /// # Errors
    /// [`AuthHttpError`]; see [`AuthHttp::request`].
    pub async fn get_with<T: DeserializeOwned>(
        &self,
        url: &str,
        options: &RequestOptions,
    ) -> Result<T, AuthHttpError> {
        self.request(Method::GET, url, None::<&()>, options).await
    }

    /// `POST url` with a JSON body, decoding a JSON answer.
    ///
    /// # Errors
    /// [`AuthHttpError`]; see [`AuthHttp::request`].
    pub async fn post_json<B: Serialize, T: DeserializeOwned>(
        &self,
        url: &str,
        body: &B,
    ) -> Result<T, AuthHttpError> {
        self.request(Method::POST, url, Some(body), &RequestOptions::default())
            .await
    }

    /// `PUT url` with a JSON body, decoding a JSON answer.
    ///
    /// # Errors
    /// [`AuthHttpError`]; see [`AuthHttp::request`].
    pub async fn put_json<B: Serialize, T: DeserializeOwned>(
        &self,
        url: &str,
        body: &B,
    ) -> Result<T, AuthHttpError> {
        self.request(Method::PUT, url, Some(body), &RequestOptions::default())
            .await
    }

    /// `DELETE url`, decoding a JSON answer.
    ///
    /// # Errors
    /// [`AuthHttpError`]; see [`AuthHttp::request`].
    pub async fn delete<T: DeserializeOwned>(&self, url: &str) -> Result<T, AuthHttpError> {
        self.request(Method::DELETE, url, None::<&()>, &RequestOptions::default())
            .await
    }

    /// Whether a request to `url` with `options` would carry the token.
    pub fn would_attach_token(&self, url: &str, options: &RequestOptions) -> bool {
        is_allowed_origin(url, &self.config.allowed_origins)
            || is_allowed_origin(url, &options.extra_origins)
    }

    /// Sends a request. To an allowed origin the token is attached; if it is missing, expired
    /// or not a JWT the request is not sent, unless `options` allow anonymous access. Other
    /// origins never see the token: a request carrying it does not follow redirects, while
    /// one without it does. With a renewer ([`AuthHttpConfig::renew_with`]), a token that is
    /// not usable is renewed first, and a 401 `invalid_token` answer is followed by one
    /// renewal and one more attempt with the renewed token.
    ///
    /// # Errors
    /// Token problems ([`AuthHttpError::NotAuthenticated`], [`AuthHttpError::TokenExpired`],
    /// [`AuthHttpError::NotAJwt`]), [`AuthHttpError::Unauthorized`] (401),
    /// [`AuthHttpError::Forbidden`] (403), [`AuthHttpError::Status`], [`AuthHttpError::Network`],
    /// [`AuthHttpError::Redirected`] (a request carrying the token is never redirected) and
    /// [`AuthHttpError::Decode`].
    pub async fn request<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        url: &str,
        body: Option<&B>,
        options: &RequestOptions,
    ) -> Result<T, AuthHttpError> {
        let body = body
            .map(serde_json::to_string)
            .transpose()
            .map_err(|error| AuthHttpError::Encode(Arc::new(error)))?;
        let response = self.send(method, url, body, options).await?;
        response
            .json()
            .await
            .map_err(|error| AuthHttpError::Decode(Arc::new(error)))
    }

    /// `GET url` with per-call options, returning the body as text (to show it as received).
    ///
    /// # Errors
    /// As [`AuthHttp::request`], with [`AuthHttpError::Decode`] for a body that is not text.
    pub async fn get_text_with(
        &self,
        url: &str,
        options: &RequestOptions,
    ) -> Result<String, AuthHttpError> {
        let response = self.send(Method::GET, url, None, options).await?;
        response
            .text()
            .await
            .map_err(|error| AuthHttpError::Decode(Arc::new(error)))
    }

    /// Finds the token, sends the request (not generic, so it exists once in the download),
    /// and sends it once more after a renewal when the API rejects the token.
    async fn send(
        &self,
        method: Method,
        url: &str,
        json_body: Option<String>,
        options: &RequestOptions,
    ) -> Result<Response, AuthHttpError> {
        if origin_of(url).is_none() {
            return Err(AuthHttpError::InvalidUrl(url.to_owned()));
        }
        let mut token = None;
        if self.would_attach_token(url, options) {
            let mut found = (self.config.token_getter)();
            if let Some(renew) = &self.config.renewer
                && check_token(found.as_ref(), now_ms()).is_err()
            {
                found = renew(None).await.or(found);
            }
            match check_token(found.as_ref(), now_ms()) {
                Ok(()) => token = found,
                Err(_) if options.allow_anonymous => {}
                Err(error) => return Err(error),
            }
        }
        let json_body = json_body.as_deref();
        let answer = self
            .send_once(method.as_str(), url, json_body, token.as_ref())
            .await;
        let rejected = matches!(
            &answer,
            Err(AuthHttpError::Unauthorized { error: Some(code), .. }) if code == "invalid_token"
        );
        if let (true, Some(sent), Some(renew)) = (rejected, token, &self.config.renewer) {
            let renewed = renew(Some(sent.clone()))
                .await
                .filter(|renewed| *renewed != sent && check_token(Some(renewed), now_ms()).is_ok());
            if let Some(renewed) = renewed {
                return self
                    .send_once(method.as_str(), url, json_body, Some(&renewed))
                    .await;
            }
        }
        answer
    }

    /// Builds and sends the request with `token` attached, and maps error statuses.
    async fn send_once(
        &self,
        method: &str,
        url: &str,
        json_body: Option<&str>,
        token: Option<&AccessToken>,
    ) -> Result<Response, AuthHttpError> {
        let headers = web_sys::Headers::new().map_err(|_| AuthHttpError::InvalidRequest)?;
        let set_header = |name: &str, value: &str| {
            headers
                .set(name, value)
                .map_err(|_| AuthHttpError::InvalidRequest)
        };
        for (name, value) in &self.config.global_headers {
            // The token header is set below, and only for allowed origins; a global header of
            // that name (or `Authorization`) would carry a credential to every origin.
            let carries_credential = name.eq_ignore_ascii_case(&self.config.header_name)
                || name.eq_ignore_ascii_case("authorization");
            if !carries_credential {
                set_header(name, value)?;
            }
        }
        // Built with web-sys directly: gloo-net's builder appends a stray `&` to URLs that
        // already carry a query.
        let init = web_sys::RequestInit::new();
        if let Some(token) = token {
            let value = format!("{}{}", self.config.scheme_prefix, token.secret());
            set_header(&self.config.header_name, &value)?;
            // A redirect is not followed with the token: browsers drop only `Authorization` on
            // a redirect to another origin, not a custom token header. "manual" rather than
            // "error", because its answer (an opaque redirect) tells a refused redirect apart
            // from a network failure.
            init.set_redirect(web_sys::RequestRedirect::Manual);
        }
        init.set_method(method);
        if let Some(json) = json_body {
            set_header("Content-Type", "application/json")?;
            init.set_body(&wasm_bindgen::JsValue::from_str(json));
        }
        init.set_headers(&headers);
        let request = web_sys::Request::new_with_str_and_init(url, &init)
            .map_err(|_| AuthHttpError::InvalidRequest)?;
        let response = gloo_net::http::Request::from(request)
            .send()
            .await
            .map_err(|error| AuthHttpError::Network(Arc::new(error)))?;
        if response.type_() == web_sys::ResponseType::Opaqueredirect {
            return Err(AuthHttpError::Redirected);
        }
        if response.ok() {
            return Ok(response);
        }
        let www_authenticate = response.headers().get("WWW-Authenticate");
        let body = response.json::<BearerErrorBody>().await.unwrap_or_default();
        Err(status_error(
            response.status(),
            www_authenticate.as_deref(),
            body,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oidc_protocol::base64url;

    fn jwt_with_exp(exp: u64) -> AccessToken {
        AccessToken::new(format!(
            "{}.{}.{}",
            base64url::encode(r#"{"alg":"RS256"}"#),
            base64url::encode(format!(r#"{{"exp":{exp}}}"#)),
            base64url::encode("sig")
        ))
    }

    #[test]
    fn a_live_jwt_is_usable() {
        assert!(check_token(Some(&jwt_with_exp(2_000)), 1_999_999).is_ok());
    }

    #[test]
    fn missing_expired_and_opaque_tokens_are_refused() {
        assert!(matches!(
            check_token(None, 0),
            Err(AuthHttpError::NotAuthenticated)
        ));
        assert!(matches!(
            check_token(Some(&jwt_with_exp(2_000)), 2_000_000),
            Err(AuthHttpError::TokenExpired)
        ));
        assert!(matches!(
            check_token(Some(&AccessToken::new("opaque-token")), 0),
            Err(AuthHttpError::NotAJwt)
        ));
    }

    #[test]
    fn status_401_carries_the_bearer_error_from_the_header_first() {
        let body = BearerErrorBody {
            error: Some("from_body".into()),
            ..Default::default()
        };
        let error = status_error(401, Some(r#"Bearer error="invalid_token""#), body);
        assert!(
            matches!(error, AuthHttpError::Unauthorized { error: Some(e), .. } if e == "invalid_token")
        );
    }

    #[test]
    fn status_403_falls_back_to_the_json_body_for_scope() {
        let body = BearerErrorBody {
            error: Some("insufficient_scope".into()),
            scope: Some("read:messages".into()),
            ..Default::default()
        };
        let error = status_error(403, None, body);
        assert!(matches!(
            error,
            AuthHttpError::Forbidden { error: Some(e), scope: Some(s), .. }
                if e == "insufficient_scope" && s == "read:messages"
        ));
    }

    #[test]
    fn other_statuses_keep_their_code() {
        assert!(matches!(
            status_error(500, None, BearerErrorBody::default()),
            AuthHttpError::Status(500)
        ));
    }
}
