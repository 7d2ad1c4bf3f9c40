//! `AuthConfig`: who the provider is (an Auth0 `domain`, or the `issuer` of any OpenID
//! Connect provider), who this app is, which API it calls, how it logs out; read from an
//! `auth_config.json` served beside the app (so one build serves any provider) or built in code.

use std::sync::Arc;
use std::time::Duration;

use oidc_protocol::{Audience, ClientId, HttpUrl, Issuer, ResponseType, Scope};
use serde::Deserialize;

/// Where [`AuthConfig::load`] fetches the configuration from by default.
pub const CONFIG_PATH: &str = "/auth_config.json";
/// Scope asked for when none is configured: the quickstart's.
pub const DEFAULT_SCOPE: &str = "openid profile read:messages";
/// API base URL used when none is configured: the quickstart's local API.
pub const DEFAULT_API_URL: &str = "http://localhost:3001";
/// How long before the access token expires it is renewed, when not configured, in seconds.
pub const DEFAULT_RENEW_BEFORE_SECS: u64 = 60;
/// The largest `renewBeforeSeconds` accepted: a day.
pub const MAX_RENEW_BEFORE_SECS: u64 = 86_400;

/// Whether an expiring session may be renewed silently, with `prompt=none` in a hidden frame,
/// when no refresh token can renew it (see [`AuthConfig::renews_silently`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SilentRenewal {
    /// Only when the tenant is same-site with the app: a browser that blocks third-party
    /// cookies sends the tenant's session cookie to a frame only then.
    #[default]
    SameSiteOnly,
    /// Always (`"useSilentRenewalFallback": true`), e.g. where third-party cookies are allowed.
    Always,
    /// Never (`"useSilentRenewalFallback": false`).
    Never,
}

/// How the provider's endpoints are found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProviderKind {
    /// `domain`: Auth0 (or the dev tenant). Its endpoints are Auth0's paths below the issuer
    /// (`authorize`, `oauth/token`, `userinfo`, `oauth/revoke`, `v2/logout`), known without a
    /// request; its discovery document is read for the signing keys (and, for `"logout":
    /// "oidc"`, the end-session endpoint).
    Auth0,
    /// `issuer` (or `authority`): any OpenID Connect provider, every endpoint read from its
    /// discovery document (OpenID Connect Discovery 1.0).
    Discovered {
        /// The issuer exactly as written, compared byte for byte with the document's `issuer`
        /// (Discovery 4.3) and every ID token's `iss` (OIDC Core 3.1.3.7 step 2).
        identifier: String,
    },
}

/// How [`AuthService::logout`](crate::AuthService::logout) ends the provider's session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogoutMode {
    /// `"auth0"`: Auth0's `/v2/logout?client_id=...&returnTo=...`, which the dev tenant serves
    /// too.
    Auth0,
    /// `"oidc"`: OpenID Connect RP-Initiated Logout 1.0 at the discovery document's
    /// `end_session_endpoint`, with `id_token_hint`, `client_id` and
    /// `post_logout_redirect_uri`.
    Oidc,
    /// `"local"`: only this app forgets the session (and revokes its refresh token); the
    /// provider's session stays, so the next login may not ask for a password.
    Local,
}

impl LogoutMode {
    /// The value as written in `auth_config.json`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Auth0 => "auth0",
            Self::Oidc => "oidc",
            Self::Local => "local",
        }
    }
}

/// The validated configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct AuthConfig {
    /// The issuer in oidc-protocol's form, ending in `/` (`https://tenant.auth0.com/`): Auth0's
    /// endpoints hang below it and the discovery document is found from it. For an `issuer`
    /// written without the trailing `/`, [`AuthConfig::issuer_identifier`] is the one compared
    /// with `iss`.
    pub issuer: Issuer,
    /// How the provider's endpoints are found.
    pub provider: ProviderKind,
    /// How the logout ends the provider's session; `None` decides by the provider (see
    /// [`AuthConfig::logout_mode`]).
    pub logout: Option<LogoutMode>,
    /// This app's client id.
    pub client_id: ClientId,
    /// The API identifier asked for, which becomes the access token's `aud`.
    pub audience: Audience,
    /// The scopes asked for; always includes `openid`.
    pub scope: Scope,
    /// The API base URL, no trailing slash: the only origin that receives the access token.
    pub api_url: String,
    /// Explicit `redirect_uri`; `None` means `<origin>/callback`.
    pub redirect_uri: Option<String>,
    /// Which flow `login()` starts: [`ResponseType::Code`] (with PKCE) or the legacy
    /// [`ResponseType::TokenIdToken`].
    pub response_type: ResponseType,
    /// Whether the login asks for `offline_access` and the session is renewed with rotating
    /// refresh tokens before the access token expires (code flow only).
    pub use_refresh_tokens: bool,
    /// How long before the access token's expiry it is renewed, in seconds; for short-lived
    /// tokens at most a quarter of their lifetime (see [`crate::renewal_margin_ms`]).
    pub renew_before_secs: u64,
    /// Whether silent `prompt=none` renewal may be used where refresh tokens cannot renew.
    pub silent_renewal: SilentRenewal,
    /// How long a silent renewal waits for the tenant's answer in its hidden frame before it
    /// gives up (and retries later): [`SILENT_RENEWAL_TIMEOUT`](crate::SILENT_RENEWAL_TIMEOUT)
    /// unless set in code, and never longer than that, since the renewal holds the cross-tab
    /// lock while it waits.
    pub silent_renewal_timeout: Duration,
}

/// What is wrong with one field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldProblem {
    /// Required and absent or empty.
    Missing,
    /// Present but not a valid value; the text says what is expected.
    Invalid(&'static str),
}

/// Why the app has no usable configuration.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be fetched.
    #[error("could not fetch the configuration")]
    Fetch(#[source] Arc<gloo_net::Error>),
    /// The server answered with an error status.
    #[error("the configuration answered with status {0}")]
    Status(u16),
    /// The file is not a JSON object.
    #[error("the configuration is not valid json")]
    Json(#[source] Arc<serde_json::Error>),
    /// None of `domain`, `issuer` and `authority` is given.
    #[error("no provider: neither `domain` nor `issuer` is set")]
    NoProvider,
    /// More than one of `domain`, `issuer` and `authority` is given.
    #[error("fields `{first}` and `{second}` both name the provider")]
    ConflictingProviders {
        /// The first of the two fields, as written in the file.
        first: &'static str,
        /// The second of the two fields.
        second: &'static str,
    },
    /// One field is missing or invalid.
    #[error("field `{field}` is {}", match problem { FieldProblem::Missing => "missing", FieldProblem::Invalid(_) => "invalid" })]
    Field {
        /// The JSON field name, as written in the file.
        field: &'static str,
        /// What is wrong with it.
        problem: FieldProblem,
    },
}

/// The file as written: Auth0's quickstart names (`domain`, `clientId`, ...), plus `issuer`
/// (`authority`, as oidc-client-ts calls it) and `logout`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAuthConfig {
    domain: Option<String>,
    issuer: Option<String>,
    authority: Option<String>,
    logout: Option<String>,
    client_id: Option<String>,
    audience: Option<String>,
    scope: Option<String>,
    api_url: Option<String>,
    redirect_uri: Option<String>,
    response_type: Option<String>,
    use_refresh_tokens: Option<JsonScalar>,
    renew_before_seconds: Option<JsonScalar>,
    use_silent_renewal_fallback: Option<JsonScalar>,
}

/// A JSON value read only as far as a boolean or a whole number, so that a value of the wrong
/// type names its field rather than failing the whole file, without building a JSON tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum JsonScalar {
    Bool(bool),
    Whole(u64),
    Other,
}

impl<'de> Deserialize<'de> for JsonScalar {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = JsonScalar;
            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("any JSON value")
            }
            fn visit_bool<E>(self, value: bool) -> Result<JsonScalar, E> {
                Ok(JsonScalar::Bool(value))
            }
            fn visit_u64<E>(self, value: u64) -> Result<JsonScalar, E> {
                Ok(JsonScalar::Whole(value))
            }
            fn visit_i64<E>(self, value: i64) -> Result<JsonScalar, E> {
                Ok(u64::try_from(value).map_or(JsonScalar::Other, JsonScalar::Whole))
            }
            fn visit_f64<E>(self, _: f64) -> Result<JsonScalar, E> {
                Ok(JsonScalar::Other)
            }
            fn visit_str<E>(self, _: &str) -> Result<JsonScalar, E> {
                Ok(JsonScalar::Other)
            }
            fn visit_unit<E>(self) -> Result<JsonScalar, E> {
                Ok(JsonScalar::Other)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<JsonScalar, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(JsonScalar::Other)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<JsonScalar, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(JsonScalar::Other)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// A boolean field: absent (or `null`) is `None`, anything but `true` or `false` is invalid.
fn optional_bool(
    value: Option<JsonScalar>,
    field: &'static str,
) -> Result<Option<bool>, ConfigError> {
    match value {
        None => Ok(None),
        Some(JsonScalar::Bool(value)) => Ok(Some(value)),
        Some(_) => Err(invalid(field, "true or false")),
    }
}

fn required(value: Option<String>, field: &'static str) -> Result<String, ConfigError> {
    optional(value).ok_or(ConfigError::Field {
        field,
        problem: FieldProblem::Missing,
    })
}

fn optional(value: Option<String>) -> Option<String> {
    value
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

fn invalid(field: &'static str, expected: &'static str) -> ConfigError {
    ConfigError::Field {
        field,
        problem: FieldProblem::Invalid(expected),
    }
}

/// `domain` is a bare host (`tenant.auth0.com`, meaning https) or an origin; plain http only
/// for loopback development tenants, since tokens would otherwise cross the network in clear.
fn parse_domain(domain: &str) -> Result<Issuer, ConfigError> {
    const EXPECTED: &str = "a host name like tenant.auth0.com, or http://localhost:PORT";
    let issuer = Issuer::from_domain(domain).map_err(|_| invalid("domain", EXPECTED))?;
    // A domain names a host, not a path below one.
    let has_path = HttpUrl::parse(issuer.as_str()).map_or(true, |url| url.path() != "/");
    if has_path {
        return Err(invalid("domain", EXPECTED));
    }
    Ok(issuer)
}

/// `issuer` (or `authority`) is an issuer URL, kept exactly as written (trimmed of surrounding
/// whitespace) for the byte-for-byte comparisons, and in oidc-protocol's form (with a trailing
/// `/`) for finding its discovery document: Discovery 4.1 removes a terminating `/` before
/// appending `/.well-known/openid-configuration`, so both spellings find the same document.
fn parse_issuer(text: &str, field: &'static str) -> Result<(Issuer, ProviderKind), ConfigError> {
    let issuer = Issuer::parse(text).map_err(|_| {
        invalid(
            field,
            "the provider's issuer URL, https (plain http only on localhost), without query or fragment",
        )
    })?;
    let identifier = text.to_owned();
    Ok((issuer, ProviderKind::Discovered { identifier }))
}

/// Exactly one of `domain`, `issuer` and `authority`.
fn parse_provider(raw: &RawAuthConfig) -> Result<(Issuer, ProviderKind), ConfigError> {
    let named: Vec<(&'static str, String)> = [
        ("domain", &raw.domain),
        ("issuer", &raw.issuer),
        ("authority", &raw.authority),
    ]
    .into_iter()
    .filter_map(|(field, value)| optional(value.clone()).map(|value| (field, value)))
    .collect();
    match named.as_slice() {
        [] => Err(ConfigError::NoProvider),
        [("domain", domain)] => Ok((parse_domain(domain)?, ProviderKind::Auth0)),
        [(field, issuer)] => parse_issuer(issuer, field),
        [(first, _), (second, _), ..] => Err(ConfigError::ConflictingProviders { first, second }),
    }
}

fn parse_logout(value: Option<String>) -> Result<Option<LogoutMode>, ConfigError> {
    match optional(value).as_deref() {
        None => Ok(None),
        Some("auth0") => Ok(Some(LogoutMode::Auth0)),
        Some("oidc") => Ok(Some(LogoutMode::Oidc)),
        Some("local") => Ok(Some(LogoutMode::Local)),
        Some(_) => Err(invalid("logout", "\"auth0\", \"oidc\" or \"local\"")),
    }
}

/// Whether `host` is Auth0's (`auth0.com` or below it), whose own logout is `/v2/logout`.
fn is_auth0_host(host: &str) -> bool {
    host == "auth0.com" || host.ends_with(".auth0.com")
}

/// An absolute URI without a fragment (RFC 8707 section 2), as a `resource` must be: a scheme
/// (RFC 3986 section 3.1) and a `:`, and more after it.
fn is_resource_indicator(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once(':') else {
        return false;
    };
    let mut scheme_bytes = scheme.bytes();
    scheme_bytes
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && scheme_bytes.all(|byte| byte.is_ascii_alphanumeric() || b"+-.".contains(&byte))
        && !rest.is_empty()
        && !value.contains('#')
        && value.bytes().all(|byte| byte.is_ascii_graphic())
}

/// An absolute `https` URL, or `http` on a loopback host: the bearer token or the
/// authorization response would otherwise cross the network in clear.
fn is_secure_url(url: &str) -> bool {
    HttpUrl::parse(url).is_ok_and(|url| url.require_secure_or_loopback().is_ok())
}

impl AuthConfig {
    /// A configuration for `domain` (a bare host or a URL), `client_id` and `audience`, with
    /// the default scope, API URL, redirect URI and the code flow.
    ///
    /// # Errors
    /// [`ConfigError::Field`] naming `domain`, `clientId` or `audience`.
    pub fn new(domain: &str, client_id: &str, audience: &str) -> Result<Self, ConfigError> {
        let text =
            serde_json::json!({"domain": domain, "clientId": client_id, "audience": audience});
        Self::from_json(&text.to_string())
    }

    /// The same configuration calling the API at `api_url`, the only origin `AuthHttp` sends the
    /// access token to.
    ///
    /// # Errors
    /// [`ConfigError::Field`] naming `apiUrl` unless it is an `https` URL (or `http` on a
    /// loopback host).
    pub fn with_api_url(mut self, api_url: &str) -> Result<Self, ConfigError> {
        let api_url = api_url.trim().trim_end_matches('/');
        if !is_secure_url(api_url) {
            return Err(invalid(
                "apiUrl",
                "an https URL, or http://localhost:PORT for a local API",
            ));
        }
        self.api_url = api_url.to_owned();
        Ok(self)
    }

    /// The same configuration asking for `scope`.
    ///
    /// # Errors
    /// [`ConfigError::Field`] naming `scope` unless it includes `openid`.
    pub fn with_scope(mut self, scope: &str) -> Result<Self, ConfigError> {
        let scope = Scope::new(scope.trim());
        if !scope.contains("openid") {
            return Err(invalid("scope", "a list that includes openid"));
        }
        self.scope = scope;
        Ok(self)
    }

    /// Parses and validates the text of `auth_config.json`.
    ///
    /// # Errors
    /// [`ConfigError::Json`] for a file that is not a JSON object, [`ConfigError::Field`] naming
    /// the first field to fix.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let raw: RawAuthConfig =
            serde_json::from_str(text).map_err(|error| ConfigError::Json(Arc::new(error)))?;
        let (issuer, provider) = parse_provider(&raw)?;
        let logout = parse_logout(raw.logout)?;
        let client_id = required(raw.client_id, "clientId")?;
        let audience = required(raw.audience, "audience")?;
        let scope = Scope::new(optional(raw.scope).unwrap_or_else(|| DEFAULT_SCOPE.to_owned()));
        if !scope.contains("openid") {
            return Err(invalid("scope", "a list that includes openid"));
        }
        let api_url = optional(raw.api_url).unwrap_or_else(|| DEFAULT_API_URL.to_owned());
        let api_url = api_url.trim_end_matches('/').to_owned();
        if !is_secure_url(&api_url) {
            return Err(invalid(
                "apiUrl",
                "an https URL, or http://localhost:PORT for a local API",
            ));
        }
        let redirect_uri = optional(raw.redirect_uri);
        if redirect_uri
            .as_deref()
            .is_some_and(|uri| !is_secure_url(uri))
        {
            return Err(invalid(
                "redirectUri",
                "an absolute https URL, or http://localhost:PORT/... for local development",
            ));
        }
        let response_type = match optional(raw.response_type).as_deref() {
            None => ResponseType::Code,
            Some(value) => match ResponseType::parse(value) {
                Some(response_type @ (ResponseType::Code | ResponseType::TokenIdToken)) => {
                    response_type
                }
                _ => return Err(invalid("responseType", "\"code\" or \"token id_token\"")),
            },
        };
        let use_refresh_tokens =
            optional_bool(raw.use_refresh_tokens, "useRefreshTokens")?.unwrap_or(true);
        let renew_before_secs = match raw.renew_before_seconds {
            None => DEFAULT_RENEW_BEFORE_SECS,
            Some(JsonScalar::Whole(seconds)) if seconds <= MAX_RENEW_BEFORE_SECS => seconds,
            Some(_) => {
                return Err(invalid(
                    "renewBeforeSeconds",
                    "a whole number of seconds from 0 to 86400",
                ));
            }
        };
        let silent_renewal =
            match optional_bool(raw.use_silent_renewal_fallback, "useSilentRenewalFallback")? {
                None => SilentRenewal::SameSiteOnly,
                Some(true) => SilentRenewal::Always,
                Some(false) => SilentRenewal::Never,
            };
        Ok(Self {
            issuer,
            provider,
            logout,
            client_id: ClientId::new(client_id),
            audience: Audience::new(audience),
            scope,
            api_url,
            redirect_uri,
            response_type,
            use_refresh_tokens,
            renew_before_secs,
            silent_renewal,
            silent_renewal_timeout: crate::silent::SILENT_RENEWAL_TIMEOUT,
        })
    }

    /// The issuer identifier every `iss` is compared with, byte for byte: an `issuer` exactly
    /// as written, or the `domain`'s issuer (`https://tenant.auth0.com/`).
    pub fn issuer_identifier(&self) -> &str {
        match &self.provider {
            ProviderKind::Auth0 => self.issuer.as_str(),
            ProviderKind::Discovered { identifier } => identifier,
        }
    }

    /// Whether the provider is Auth0's (a `domain`, or an `issuer` on `auth0.com`): the
    /// `audience` parameter names the API, and Auth0's own rules grant `offline_access`.
    pub fn is_auth0(&self) -> bool {
        self.provider == ProviderKind::Auth0
            || HttpUrl::parse(self.issuer.as_str()).is_ok_and(|url| is_auth0_host(url.host()))
    }

    /// The RFC 8707 `resource` the authorization, code and refresh requests send for the API:
    /// the `audience` of an `issuer` that is not Auth0's, when it is an absolute URI without a
    /// fragment (section 2). Auth0 names the API by `audience` alone, which is sent anyway
    /// (providers ignore parameters they do not know, RFC 6749 section 3.1).
    pub fn resource(&self) -> Option<&str> {
        let audience = self.audience.as_str();
        (!self.is_auth0() && is_resource_indicator(audience)).then_some(audience)
    }

    /// Whether the login sends `prompt=consent`: when it asks for `offline_access` from a
    /// provider that is not Auth0's. OIDC Core 11 makes the prompt a condition of offline
    /// access "unless other conditions ... are in place", and a provider that follows it
    /// (oidc-provider does) grants no refresh token without it; at Auth0 the API's "Allow
    /// Offline Access" is that other condition, so Auth0 logins stay without a consent page.
    pub fn prompts_for_consent(&self) -> bool {
        self.renews_with_refresh_tokens() && !self.is_auth0()
    }

    /// How the logout ends the provider's session: as configured (`logout`), else Auth0's
    /// `/v2/logout` for Auth0 (a `domain`, or an `issuer` on `auth0.com`), else RP-Initiated
    /// Logout when the provider has an `end_session_endpoint`, else only here.
    pub fn logout_mode(&self, end_session_endpoint: Option<&str>) -> LogoutMode {
        match self.logout {
            Some(mode) => mode,
            None if self.is_auth0() => LogoutMode::Auth0,
            None if end_session_endpoint.is_some() => LogoutMode::Oidc,
            None => LogoutMode::Local,
        }
    }

    /// Whether sessions are renewed with refresh tokens: configured so, and the code flow (the
    /// implicit flow's tokens come without one).
    pub fn renews_with_refresh_tokens(&self) -> bool {
        self.use_refresh_tokens && self.response_type == ResponseType::Code
    }

    /// The scopes the login asks for: the configured ones, plus `offline_access` when sessions
    /// are renewed with refresh tokens (OIDC Core 11).
    pub fn requested_scope(&self) -> Scope {
        if self.renews_with_refresh_tokens() {
            self.scope.with("offline_access")
        } else {
            self.scope.clone()
        }
    }

    /// Whether silent `prompt=none` renewal may be used for an app at `app_origin`: as
    /// configured, and by default only when the tenant is [same-site](is_same_site) with it.
    pub fn silent_renewal_allowed(&self, app_origin: &str) -> bool {
        match self.silent_renewal {
            SilentRenewal::Always => true,
            SilentRenewal::Never => false,
            SilentRenewal::SameSiteOnly => is_same_site(app_origin, self.issuer.as_str()),
        }
    }

    /// Whether a session that no refresh token can renew (`useRefreshTokens` is false, or none
    /// is stored) is renewed silently, with `prompt=none` and `response_mode=web_message` in a
    /// hidden frame: the code flow, and [`AuthConfig::silent_renewal_allowed`] for
    /// `app_origin`. The provider must support it too (Auth0, or `web_message` in its
    /// discovery document's `response_modes_supported`), which the renewal checks.
    pub fn renews_silently(&self, app_origin: &str) -> bool {
        self.response_type == ResponseType::Code && self.silent_renewal_allowed(app_origin)
    }

    /// Whether an app at `app_origin` renews sessions at all: with refresh tokens, or
    /// silently ([`AuthConfig::renews_silently`]). Otherwise a session ends when its access
    /// token expires.
    pub fn renews_sessions(&self, app_origin: &str) -> bool {
        self.renews_with_refresh_tokens() || self.renews_silently(app_origin)
    }

    /// The `redirect_uri` of an app at `app_origin`: configured, or `<app_origin>/callback`.
    pub fn redirect_uri_at(&self, app_origin: &str) -> String {
        self.redirect_uri
            .clone()
            .unwrap_or_else(|| format!("{app_origin}/callback"))
    }

    /// Fetches [`CONFIG_PATH`] from the app's own origin and validates it.
    ///
    /// # Errors
    /// [`ConfigError`] saying what to fix.
    pub async fn load() -> Result<Self, ConfigError> {
        Self::load_from(CONFIG_PATH).await
    }

    /// Fetches the configuration from `path` and validates it.
    ///
    /// # Errors
    /// [`ConfigError`] saying what to fix.
    pub async fn load_from(path: &str) -> Result<Self, ConfigError> {
        let response = gloo_net::http::Request::get(path)
            .send()
            .await
            .map_err(|error| ConfigError::Fetch(Arc::new(error)))?;
        if !response.ok() {
            return Err(ConfigError::Status(response.status()));
        }
        let text = response
            .text()
            .await
            .map_err(|error| ConfigError::Fetch(Arc::new(error)))?;
        Self::from_json(&text)
    }

    /// The issuer's URL without the trailing `/` (`https://tenant.auth0.com`).
    pub fn domain_url(&self) -> &str {
        self.issuer.base_url()
    }
}

/// Whether two URLs are same-site (HTML's schemeful same-site): the same scheme, and the same
/// host or hosts that end in the same two DNS labels (`app.example.com`, `login.example.com`).
/// Without the public suffix list, hosts under a two-label public suffix (`a.co.uk`,
/// `b.co.uk`) count as same-site too; IP addresses must be equal.
pub fn is_same_site(first: &str, second: &str) -> bool {
    let (Ok(first), Ok(second)) = (HttpUrl::parse(first), HttpUrl::parse(second)) else {
        return false;
    };
    if first.scheme() != second.scheme() {
        return false;
    }
    let (first, second) = (first.host(), second.host());
    if first == second {
        return true;
    }
    let is_ip =
        |host: &str| host.starts_with('[') || host.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    if is_ip(first) || is_ip(second) {
        return false;
    }
    let site = |host: &str| -> Option<String> {
        let labels: Vec<&str> = host.trim_end_matches('.').rsplit('.').take(2).collect();
        (labels.len() == 2).then(|| format!("{}.{}", labels[1], labels[0]))
    };
    site(first).is_some_and(|site_of_first| Some(site_of_first) == site(second))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCAL: &str = r#"{"domain":"http://localhost:3002","clientId":"local-spa-client",
        "audience":"https://quickstarts/api","scope":"openid profile read:messages",
        "apiUrl":"http://localhost:3001"}"#;

    fn field_error(text: &str) -> (&'static str, FieldProblem) {
        match AuthConfig::from_json(text) {
            Err(ConfigError::Field { field, problem }) => (field, problem),
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn local_defaults_are_accepted() {
        let config = AuthConfig::from_json(LOCAL).unwrap();
        assert_eq!(config.domain_url(), "http://localhost:3002");
        assert_eq!(config.issuer.as_str(), "http://localhost:3002/");
        assert_eq!(config.response_type, ResponseType::Code);
        assert_eq!(config.redirect_uri, None);
    }

    #[test]
    fn bare_host_means_https_and_optional_fields_have_defaults() {
        let config = AuthConfig::from_json(
            r#"{"domain":"tenant.eu.auth0.com/","clientId":"c","audience":"a","responseType":"token id_token"}"#,
        )
        .unwrap();
        assert_eq!(config.domain_url(), "https://tenant.eu.auth0.com");
        assert_eq!(config.issuer.as_str(), "https://tenant.eu.auth0.com/");
        assert_eq!(config.scope.as_str(), DEFAULT_SCOPE);
        assert_eq!(config.api_url, DEFAULT_API_URL);
        assert_eq!(config.response_type, ResponseType::TokenIdToken);
        assert_eq!(
            AuthConfig::new("tenant.eu.auth0.com", "c", "a")
                .unwrap()
                .response_type,
            ResponseType::Code
        );
    }

    #[test]
    fn missing_fields_are_named() {
        assert!(matches!(
            AuthConfig::from_json(r#"{"clientId":"c","audience":"a"}"#),
            Err(ConfigError::NoProvider)
        ));
        assert!(matches!(
            AuthConfig::from_json(r#"{"domain":" ","issuer":"","clientId":"c","audience":"a"}"#),
            Err(ConfigError::NoProvider)
        ));
        assert_eq!(
            field_error(r#"{"domain":"t.auth0.com","audience":"a"}"#).0,
            "clientId"
        );
        assert_eq!(
            field_error(r#"{"domain":"t.auth0.com","clientId":" ","audience":"a"}"#),
            ("clientId", FieldProblem::Missing)
        );
        assert_eq!(
            field_error(r#"{"domain":"t.auth0.com","clientId":"c"}"#).0,
            "audience"
        );
    }

    #[test]
    fn invalid_fields_are_named() {
        let base = r#""clientId":"c","audience":"a""#;
        for (text, field) in [
            (
                format!(r#"{{"domain":"http://tenant.example",{base}}}"#),
                "domain",
            ),
            (
                format!(r#"{{"domain":"https://t.auth0.com/path",{base}}}"#),
                "domain",
            ),
            (format!(r#"{{"domain":"t auth0",{base}}}"#), "domain"),
            (
                format!(r#"{{"domain":"t.auth0.com",{base},"scope":"profile"}}"#),
                "scope",
            ),
            (
                format!(r#"{{"domain":"t.auth0.com",{base},"apiUrl":"ftp://x"}}"#),
                "apiUrl",
            ),
            (
                format!(r#"{{"domain":"t.auth0.com",{base},"redirectUri":"/callback"}}"#),
                "redirectUri",
            ),
            (
                format!(r#"{{"domain":"t.auth0.com",{base},"responseType":"token"}}"#),
                "responseType",
            ),
            (
                format!(r#"{{"domain":"t.auth0.com",{base},"responseType":"id_token"}}"#),
                "responseType",
            ),
        ] {
            assert_eq!(field_error(&text).0, field, "{text}");
        }
    }

    #[test]
    fn plain_http_api_and_redirect_urls_are_only_for_loopback() {
        let base = r#""domain":"t.auth0.com","clientId":"c","audience":"a""#;
        for (extra, field) in [
            (r#""apiUrl":"http://api.example.com""#, "apiUrl"),
            (
                r#""redirectUri":"http://app.example.com/callback""#,
                "redirectUri",
            ),
        ] {
            assert_eq!(
                field_error(&format!("{{{base},{extra}}}")).0,
                field,
                "{extra}"
            );
        }
        for extra in [
            r#""apiUrl":"https://api.example.com""#,
            r#""apiUrl":"http://127.0.0.1:3001""#,
            r#""redirectUri":"https://app.example.com/callback""#,
            r#""redirectUri":"http://localhost:3000/callback""#,
        ] {
            assert!(
                AuthConfig::from_json(&format!("{{{base},{extra}}}")).is_ok(),
                "{extra}"
            );
        }
    }

    #[test]
    fn renewal_settings_default_to_refresh_tokens_a_minute_ahead_and_same_site_silent_renewal() {
        let config = AuthConfig::from_json(LOCAL).unwrap();
        assert!(config.use_refresh_tokens);
        assert!(config.renews_with_refresh_tokens());
        assert_eq!(config.renew_before_secs, DEFAULT_RENEW_BEFORE_SECS);
        assert_eq!(config.silent_renewal, SilentRenewal::SameSiteOnly);
        assert_eq!(
            config.requested_scope().as_str(),
            "openid profile read:messages offline_access"
        );
        // The scope as configured is kept apart from what the login asks for.
        assert_eq!(config.scope.as_str(), "openid profile read:messages");
    }

    #[test]
    fn renewal_settings_are_read_from_the_file() {
        let config = AuthConfig::from_json(
            r#"{"domain":"t.auth0.com","clientId":"c","audience":"a","useRefreshTokens":false,
                "renewBeforeSeconds":15,"useSilentRenewalFallback":true,
                "scope":"openid offline_access"}"#,
        )
        .unwrap();
        assert!(!config.renews_with_refresh_tokens());
        assert_eq!(config.renew_before_secs, 15);
        assert_eq!(config.silent_renewal, SilentRenewal::Always);
        assert_eq!(config.requested_scope().as_str(), "openid offline_access");
        let config = AuthConfig::from_json(
            r#"{"domain":"t.auth0.com","clientId":"c","audience":"a","useSilentRenewalFallback":false,
                "responseType":"token id_token"}"#,
        )
        .unwrap();
        assert_eq!(config.silent_renewal, SilentRenewal::Never);
        // The implicit flow gets no refresh token, so it does not ask for one.
        assert!(!config.renews_with_refresh_tokens());
        assert_eq!(config.requested_scope().as_str(), DEFAULT_SCOPE);
    }

    #[test]
    fn renewal_settings_of_the_wrong_type_or_range_are_named() {
        let base = r#""domain":"t.auth0.com","clientId":"c","audience":"a""#;
        for (extra, field) in [
            (r#""useRefreshTokens":"yes""#, "useRefreshTokens"),
            (r#""useRefreshTokens":1"#, "useRefreshTokens"),
            (r#""renewBeforeSeconds":-1"#, "renewBeforeSeconds"),
            (r#""renewBeforeSeconds":1.5"#, "renewBeforeSeconds"),
            (r#""renewBeforeSeconds":"60""#, "renewBeforeSeconds"),
            (r#""renewBeforeSeconds":86401"#, "renewBeforeSeconds"),
            (r#""renewBeforeSeconds":[60]"#, "renewBeforeSeconds"),
            (
                r#""useSilentRenewalFallback":{"a":[1]}"#,
                "useSilentRenewalFallback",
            ),
        ] {
            assert_eq!(
                field_error(&format!("{{{base},{extra}}}")),
                (
                    field,
                    match field {
                        "renewBeforeSeconds" => {
                            FieldProblem::Invalid("a whole number of seconds from 0 to 86400")
                        }
                        _ => FieldProblem::Invalid("true or false"),
                    }
                ),
                "{extra}"
            );
        }
        assert!(AuthConfig::from_json(&format!("{{{base},\"useRefreshTokens\":null}}")).is_ok());
    }

    #[test]
    fn silent_renewal_is_allowed_by_default_only_for_a_same_site_tenant() {
        let config = |domain: &str| {
            AuthConfig::from_json(&format!(
                r#"{{"domain":"{domain}","clientId":"c","audience":"a"}}"#
            ))
            .unwrap()
        };
        assert!(config("login.example.com").silent_renewal_allowed("https://app.example.com"));
        assert!(!config("tenant.auth0.com").silent_renewal_allowed("https://app.example.com"));
        assert!(config("http://localhost:3002").silent_renewal_allowed("http://localhost:3000"));
        let mut always = config("tenant.auth0.com");
        always.silent_renewal = SilentRenewal::Always;
        assert!(always.silent_renewal_allowed("https://app.example.com"));
        let mut never = config("login.example.com");
        never.silent_renewal = SilentRenewal::Never;
        assert!(!never.silent_renewal_allowed("https://app.example.com"));
    }

    #[test]
    fn silent_renewal_stands_in_for_refresh_tokens_only_in_the_code_flow_where_allowed() {
        let config = |extra: &str| {
            AuthConfig::from_json(&format!(
                r#"{{"domain":"http://localhost:3002","clientId":"c","audience":"a"{extra}}}"#
            ))
            .unwrap()
        };
        let app = "http://localhost:3000";
        let without_refresh = config(r#","useRefreshTokens":false"#);
        assert!(without_refresh.renews_silently(app));
        assert!(without_refresh.renews_sessions(app));
        assert!(!without_refresh.renews_sessions("http://127.0.0.1:3000"));
        let never = config(r#","useRefreshTokens":false,"useSilentRenewalFallback":false"#);
        assert!(!never.renews_silently(app));
        assert!(!never.renews_sessions(app));
        // The implicit flow has no code to exchange for the frame's answer.
        let implicit = config(r#","responseType":"token id_token""#);
        assert!(!implicit.renews_silently(app));
        assert!(!implicit.renews_sessions(app));
        assert!(config("").renews_sessions("https://elsewhere.example"));
        assert_eq!(
            without_refresh.silent_renewal_timeout,
            crate::SILENT_RENEWAL_TIMEOUT
        );
        assert_eq!(
            without_refresh.redirect_uri_at(app),
            "http://localhost:3000/callback"
        );
        let explicit = config(r#","redirectUri":"http://localhost:3000/auth/done""#);
        assert_eq!(
            explicit.redirect_uri_at(app),
            "http://localhost:3000/auth/done"
        );
    }

    #[test]
    fn same_site_means_same_scheme_and_the_same_last_two_labels() {
        for (first, second) in [
            ("https://app.example.com", "https://login.example.com/"),
            ("https://example.com", "https://a.b.example.com/"),
            ("http://localhost:3000", "http://localhost:3002/"),
            ("http://127.0.0.1:3000", "http://127.0.0.1:3002/"),
        ] {
            assert!(is_same_site(first, second), "{first} {second}");
        }
        for (first, second) in [
            ("https://app.example.com", "https://tenant.auth0.com/"),
            ("http://app.example.com", "https://login.example.com/"),
            ("http://127.0.0.1:3000", "http://localhost:3002/"),
            ("http://127.0.0.1:3000", "http://127.0.0.2:3002/"),
            ("https://example.com", "not a url"),
        ] {
            assert!(!is_same_site(first, second), "{first} {second}");
        }
    }

    #[test]
    fn a_domain_is_auth0_with_auth0_logout_and_no_resource_or_consent_prompt() {
        let config = AuthConfig::from_json(LOCAL).unwrap();
        assert_eq!(config.provider, ProviderKind::Auth0);
        assert_eq!(config.issuer_identifier(), "http://localhost:3002/");
        assert!(config.is_auth0());
        assert_eq!(config.resource(), None);
        assert!(!config.prompts_for_consent());
        assert_eq!(config.logout, None);
        assert_eq!(
            config.logout_mode(Some("http://localhost:3002/oidc/logout")),
            LogoutMode::Auth0
        );
    }

    #[test]
    fn an_issuer_is_kept_exactly_as_written_for_the_byte_for_byte_comparisons() {
        for (written, normalised) in [
            (
                "https://accounts.example.com",
                "https://accounts.example.com/",
            ),
            (
                "https://login.example.com/realms/shop",
                "https://login.example.com/realms/shop/",
            ),
            ("http://localhost:4000/oidc/", "http://localhost:4000/oidc/"),
        ] {
            for field in ["issuer", "authority"] {
                let config = AuthConfig::from_json(&format!(
                    r#"{{"{field}":" {written} ","clientId":"c","audience":"https://api.example.com"}}"#
                ))
                .unwrap();
                assert_eq!(config.issuer_identifier(), written, "{field}");
                assert_eq!(config.issuer.as_str(), normalised, "{field}");
                assert_eq!(
                    config.provider,
                    ProviderKind::Discovered {
                        identifier: written.to_owned()
                    }
                );
            }
        }
    }

    #[test]
    fn exactly_one_of_domain_issuer_and_authority_names_the_provider() {
        let base = r#""clientId":"c","audience":"a""#;
        for (fields, first, second) in [
            (
                r#""domain":"t.auth0.com","issuer":"https://t.auth0.com/""#,
                "domain",
                "issuer",
            ),
            (
                r#""issuer":"https://a.example.com","authority":"https://a.example.com""#,
                "issuer",
                "authority",
            ),
            (
                r#""domain":"t.auth0.com","authority":"https://b.example.com""#,
                "domain",
                "authority",
            ),
        ] {
            match AuthConfig::from_json(&format!("{{{fields},{base}}}")) {
                Err(ConfigError::ConflictingProviders {
                    first: found_first,
                    second: found_second,
                }) => {
                    assert_eq!((found_first, found_second), (first, second), "{fields}");
                }
                other => panic!("expected conflicting providers for {fields}, got {other:?}"),
            }
        }
    }

    #[test]
    fn invalid_issuers_are_named_by_their_field() {
        let base = r#""clientId":"c","audience":"a""#;
        for (field, value) in [
            ("issuer", "http://login.example.com/"),
            ("issuer", "login.example.com"),
            ("issuer", "https://login.example.com/?tenant=1"),
            ("authority", "https://login.example.com/#x"),
            ("authority", "https://login.example.com/a/../b"),
        ] {
            assert_eq!(
                field_error(&format!(r#"{{"{field}":"{value}",{base}}}"#)).0,
                field,
                "{value}"
            );
        }
    }

    #[test]
    fn an_issuer_that_is_not_auth0_gets_the_api_as_resource_and_asks_consent_for_offline_access() {
        let config = AuthConfig::from_json(
            r#"{"issuer":"http://localhost:4000/oidc/","clientId":"c","audience":"https://quickstarts/api"}"#,
        )
        .unwrap();
        assert!(!config.is_auth0());
        assert_eq!(config.resource(), Some("https://quickstarts/api"));
        assert!(config.prompts_for_consent());
        let mut no_refresh = config.clone();
        no_refresh.use_refresh_tokens = false;
        assert!(!no_refresh.prompts_for_consent());
        // RFC 8707 section 2: a resource is an absolute URI without a fragment.
        for audience in [
            "quickstart-api",
            "https://api.example.com/#v1",
            ":nothing",
            "1x:y",
        ] {
            let mut other = config.clone();
            other.audience = Audience::new(audience);
            assert_eq!(other.resource(), None, "{audience}");
        }
        let mut urn = config.clone();
        urn.audience = Audience::new("urn:example:api");
        assert_eq!(urn.resource(), Some("urn:example:api"));
    }

    #[test]
    fn an_issuer_on_auth0_is_treated_as_auth0() {
        let config = AuthConfig::from_json(
            r#"{"issuer":"https://tenant.eu.auth0.com/","clientId":"c","audience":"https://quickstarts/api"}"#,
        )
        .unwrap();
        assert!(config.is_auth0());
        assert_eq!(config.resource(), None);
        assert!(!config.prompts_for_consent());
        assert_eq!(
            config.logout_mode(Some("https://tenant.eu.auth0.com/oidc/logout")),
            LogoutMode::Auth0
        );
        let lookalike = AuthConfig::from_json(
            r#"{"issuer":"https://tenant-auth0.com/","clientId":"c","audience":"https://quickstarts/api"}"#,
        )
        .unwrap();
        assert!(!lookalike.is_auth0());
    }

    #[test]
    fn logout_follows_the_setting_else_the_provider() {
        let config = |extra: &str| {
            AuthConfig::from_json(&format!(
                r#"{{"issuer":"https://login.example.com","clientId":"c","audience":"a"{extra}}}"#
            ))
        };
        let automatic = config("").unwrap();
        assert_eq!(
            automatic.logout_mode(Some("https://login.example.com/logout")),
            LogoutMode::Oidc
        );
        assert_eq!(automatic.logout_mode(None), LogoutMode::Local);
        for (value, mode) in [
            ("auth0", LogoutMode::Auth0),
            ("oidc", LogoutMode::Oidc),
            ("local", LogoutMode::Local),
        ] {
            let configured = config(&format!(r#","logout":"{value}""#)).unwrap();
            assert_eq!(configured.logout, Some(mode));
            assert_eq!(configured.logout_mode(None), mode);
            assert_eq!(mode.as_str(), value);
        }
        assert!(matches!(
            config(r#","logout":"everywhere""#),
            Err(ConfigError::Field {
                field: "logout",
                ..
            })
        ));
    }

    #[test]
    fn non_json_is_its_own_error() {
        assert!(matches!(
            AuthConfig::from_json("<html>"),
            Err(ConfigError::Json(_))
        ));
    }
}
