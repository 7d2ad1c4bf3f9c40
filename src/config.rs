//! `AuthConfig`: the runtime configuration in `/auth_config.json`, fetched and validated once.

use std::sync::Arc;

use serde::Deserialize;

use crate::auth::{Audience, ClientId, Issuer, Scope};

/// Where the app fetches its configuration from.
pub const CONFIG_PATH: &str = "/auth_config.json";
/// Scope asked for when the file names none.
pub const DEFAULT_SCOPE: &str = "openid profile read:messages";
/// API base URL used when the file names none.
pub const DEFAULT_API_URL: &str = "http://localhost:3001";

/// Which OAuth 2.0 flow `login()` starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseType {
    /// Authorization code with PKCE (the default and the recommended flow).
    Code,
    /// The legacy implicit flow: tokens come back in the URL fragment.
    TokenIdToken,
}

impl ResponseType {
    /// The `response_type` parameter value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::TokenIdToken => "token id_token",
        }
    }
}

/// The validated configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct AuthConfig {
    /// The tenant's base URL, scheme included, no trailing slash (`https://tenant.auth0.com`).
    pub domain: String,
    /// The issuer expected in tokens: `domain` plus `/`, as Auth0 issues it.
    pub issuer: Issuer,
    /// This SPA's client id.
    pub client_id: ClientId,
    /// The API identifier.
    pub audience: Audience,
    /// The scopes asked for.
    pub scope: Scope,
    /// The API base URL, no trailing slash.
    pub api_url: String,
    /// Explicit `redirect_uri`; `None` means `<origin>/callback`.
    pub redirect_uri: Option<String>,
    /// Which flow to use.
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
    #[error("could not fetch {CONFIG_PATH}")]
    Fetch(#[source] Arc<gloo_net::Error>),
    /// The server answered with an error status.
    #[error("{CONFIG_PATH} answered with status {0}")]
    Status(u16),
    /// The file is not a JSON object.
    #[error("{CONFIG_PATH} is not valid JSON")]
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
    match value.map(|value| value.trim().to_owned()) {
        Some(value) if !value.is_empty() => Ok(value),
        _ => Err(ConfigError::Field {
            field,
            problem: FieldProblem::Missing,
        }),
    }
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

/// Splits `scheme://authority[/...]`, returning the scheme and authority.
fn split_origin(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(index) => rest.split_at(index),
        None => (rest, ""),
    };
    let valid_authority = !authority.is_empty()
        && authority
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    ((scheme == "http" || scheme == "https") && valid_authority)
        .then_some((scheme, authority, path))
}

fn is_loopback(authority: &str) -> bool {
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => authority,
    };
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

/// `domain` is a bare host (`tenant.auth0.com`, meaning https) or an origin; plain http only
/// for loopback development tenants, since tokens would otherwise cross the network in clear.
fn normalize_domain(domain: &str) -> Result<String, ConfigError> {
    const EXPECTED: &str = "a host name like tenant.auth0.com, or http://localhost:PORT";
    let domain = domain.trim_end_matches('/');
    let url = if domain.contains("://") {
        domain.to_owned()
    } else {
        format!("https://{domain}")
    };
    let (scheme, authority, path) = split_origin(&url).ok_or(invalid("domain", EXPECTED))?;
    if !path.is_empty() || (scheme == "http" && !is_loopback(authority)) {
        return Err(invalid("domain", EXPECTED));
    }
    Ok(url)
}

impl AuthConfig {
    /// Parses and validates the text of `auth_config.json`.
    ///
    /// # Errors
    /// [`ConfigError::Json`] for a file that is not a JSON object, [`ConfigError::Field`] naming
    /// the first field to fix.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let raw: RawAuthConfig =
            serde_json::from_str(text).map_err(|error| ConfigError::Json(Arc::new(error)))?;
        let domain = normalize_domain(&required(raw.domain, "domain")?)?;
        let client_id = required(raw.client_id, "clientId")?;
        let audience = required(raw.audience, "audience")?;
        let scope = optional(raw.scope).unwrap_or_else(|| DEFAULT_SCOPE.to_owned());
        let scope = Scope::new(scope);
        if !scope.contains("openid") {
            return Err(invalid("scope", "a list that includes openid"));
        }
        let api_url = optional(raw.api_url).unwrap_or_else(|| DEFAULT_API_URL.to_owned());
        let api_url = api_url.trim_end_matches('/').to_owned();
        if split_origin(&api_url).is_none() {
            return Err(invalid(
                "apiUrl",
                "an http(s) URL like http://localhost:3001",
            ));
        }
        let redirect_uri = optional(raw.redirect_uri);
        if redirect_uri
            .as_deref()
            .is_some_and(|uri| split_origin(uri).is_none())
        {
            return Err(invalid("redirectUri", "an absolute http(s) URL"));
        }
        let response_type = match optional(raw.response_type).as_deref() {
            None | Some("code") => ResponseType::Code,
            Some("token id_token") => ResponseType::TokenIdToken,
            Some(_) => return Err(invalid("responseType", "\"code\" or \"token id_token\"")),
        };
        Ok(Self {
            issuer: Issuer::new(format!("{domain}/")),
            domain,
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
        let response = gloo_net::http::Request::get(CONFIG_PATH)
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
        assert_eq!(config.domain, "http://localhost:3002");
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
        assert_eq!(config.domain, "https://tenant.eu.auth0.com");
        assert_eq!(config.issuer.as_str(), "https://tenant.eu.auth0.com/");
        assert_eq!(config.scope.as_str(), DEFAULT_SCOPE);
        assert_eq!(config.api_url, DEFAULT_API_URL);
        assert_eq!(config.response_type, ResponseType::TokenIdToken);
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
        ] {
            assert_eq!(field_error(&text).0, field, "{text}");
        }
    }

    #[test]
    fn shipped_configuration_asks_for_the_email_the_profile_shows() {
        let config = AuthConfig::from_json(include_str!("../auth_config.json")).unwrap();
        for scope in ["openid", "profile", "email", "read:messages"] {
            assert!(config.scope.contains(scope), "{scope}");
        }
        assert_eq!(DEFAULT_SCOPE, "openid profile read:messages");
    }

    #[test]
    fn non_json_is_its_own_error() {
        assert!(matches!(
            AuthConfig::from_json("<html>"),
            Err(ConfigError::Json(_))
        ));
    }
}
