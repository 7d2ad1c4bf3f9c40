//! `AuthConfig`: who the tenant is, who this app is, which API it calls; read from an
//! `auth_config.json` served beside the app (so one build serves any tenant) or built in code.

use std::sync::Arc;

use oidc_protocol::{Audience, ClientId, HttpUrl, Issuer, ResponseType, Scope};
use serde::Deserialize;

/// Where [`AuthConfig::load`] fetches the configuration from by default.
pub const CONFIG_PATH: &str = "/auth_config.json";
/// Scope asked for when none is configured: the quickstart's.
pub const DEFAULT_SCOPE: &str = "openid profile read:messages";
/// API base URL used when none is configured: the quickstart's local API.
pub const DEFAULT_API_URL: &str = "http://localhost:3001";

/// The validated configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct AuthConfig {
    /// The tenant's issuer (`https://tenant.auth0.com/`), compared byte for byte with `iss`.
    pub issuer: Issuer,
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
    /// One field is missing or invalid.
    #[error("field `{field}` is {}", match problem { FieldProblem::Missing => "missing", FieldProblem::Invalid(_) => "invalid" })]
    Field {
        /// The JSON field name, as written in the file.
        field: &'static str,
        /// What is wrong with it.
        problem: FieldProblem,
    },
}

/// The file as written: Auth0's quickstart names (`domain`, `clientId`, ...).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAuthConfig {
    domain: Option<String>,
    client_id: Option<String>,
    audience: Option<String>,
    scope: Option<String>,
    api_url: Option<String>,
    redirect_uri: Option<String>,
    response_type: Option<String>,
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
        let issuer = parse_domain(&required(raw.domain, "domain")?)?;
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
        Ok(Self {
            issuer,
            client_id: ClientId::new(client_id),
            audience: Audience::new(audience),
            scope,
            api_url,
            redirect_uri,
            response_type,
        })
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

    /// The tenant's URL without the trailing `/` (`https://tenant.auth0.com`).
    pub fn domain_url(&self) -> &str {
        self.issuer.base_url()
    }
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
        assert_eq!(
            field_error(r#"{"clientId":"c","audience":"a"}"#).0,
            "domain"
        );
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
    fn non_json_is_its_own_error() {
        assert!(matches!(
            AuthConfig::from_json("<html>"),
            Err(ConfigError::Json(_))
        ));
    }
}
