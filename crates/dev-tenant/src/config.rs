//! The tenant's configuration: clients, APIs, users and lifetimes, with the built-in development
//! defaults, loading from a TOML or JSON file, and validation that names the offending field.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use url::{Host, Url};

use crate::identifiers::{Audience, ClientId};

/// The issuer of the built-in defaults (trailing slash, byte-exact).
pub const DEFAULT_ISSUER: &str = "http://localhost:3002/";
/// The client id of the built-in default client (the SPA).
pub const DEFAULT_CLIENT_ID: &str = "local-spa-client";
/// The identifier (audience) of the built-in default API.
pub const DEFAULT_AUDIENCE: &str = "https://quickstarts/api";
/// The scope of the built-in default API.
pub const DEFAULT_API_SCOPE: &str = "read:messages";
/// The password of every built-in development user.
pub const DEFAULT_PASSWORD: &str = "password123";
/// The longest access or ID token lifetime, Auth0's limit: 30 days.
const MAX_TOKEN_LIFETIME_SECONDS: u64 = 30 * 24 * 3600;
/// The longest authorization code lifetime RFC 6749 4.1.2 recommends: ten minutes.
const MAX_CODE_LIFETIME_SECONDS: u64 = 600;
/// The longest login session, Auth0's limit: a year.
const MAX_SESSION_LIFETIME_SECONDS: u64 = 365 * 24 * 3600;
const DEFAULT_SPA_ORIGIN: &str = "http://localhost:3000";
const DEFAULT_UPDATED_AT: &str = "2026-01-01T00:00:00.000Z";

/// Everything the tenant serves. `Default` gives the built-in development tenant.
#[derive(Clone, Debug)]
pub struct TenantConfig {
    /// The issuer URL, with trailing slash; compared byte-exact everywhere.
    pub issuer: String,
    /// Registered applications.
    pub clients: Vec<ClientConfig>,
    /// Registered APIs (audiences).
    pub apis: Vec<ApiConfig>,
    /// Users who can log in.
    pub users: Vec<UserConfig>,
    /// Lifetime of access tokens.
    pub access_token_lifetime: Duration,
    /// Lifetime of ID tokens.
    pub id_token_lifetime: Duration,
    /// Lifetime of authorization codes (RFC 6749 4.1.2 recommends at most ten minutes).
    pub code_lifetime: Duration,
    /// Lifetime of the login session cookie and of a pending login transaction.
    pub session_lifetime: Duration,
}

/// A registered public client (an SPA).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    /// The `client_id`.
    pub client_id: ClientId,
    /// A display name shown on the login page.
    #[serde(default)]
    pub name: String,
    /// Allowed `redirect_uri` values, matched byte-exact.
    #[serde(default)]
    pub callback_urls: Vec<String>,
    /// Allowed `returnTo` / `post_logout_redirect_uri` values, matched byte-exact.
    #[serde(default)]
    pub logout_urls: Vec<String>,
    /// Origins allowed by CORS on the token, userinfo, discovery and JWKS endpoints.
    #[serde(default)]
    pub web_origins: Vec<String>,
}

/// A registered API, the `audience` of access tokens.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ApiConfig {
    /// The API identifier, used as `aud`.
    pub identifier: Audience,
    /// The scopes (permissions) the API defines.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// A user who can log in, with their profile and API permissions.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// The login email.
    pub email: String,
    /// The password, in clear: this is a development tenant and the login page lists it.
    pub password: String,
    /// The `sub` claim; derived from the email when absent.
    #[serde(default)]
    pub user_id: Option<String>,
    /// The `name` claim; the email when absent.
    #[serde(default)]
    pub name: Option<String>,
    /// The `nickname` claim; the local part of the email when absent.
    #[serde(default)]
    pub nickname: Option<String>,
    /// The `picture` claim; the tenant's own SVG avatar when absent.
    #[serde(default)]
    pub picture: Option<String>,
    /// The `email_verified` claim.
    #[serde(default = "default_true")]
    pub email_verified: bool,
    /// Scopes the user holds, by API identifier.
    #[serde(default)]
    pub permissions: BTreeMap<Audience, Vec<String>>,
}

fn default_true() -> bool {
    true
}

impl std::fmt::Debug for UserConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserConfig")
            .field("email", &self.email)
            .field("password", &"[redacted]")
            .field("permissions", &self.permissions)
            .finish_non_exhaustive()
    }
}

/// The profile of a user as it appears in tokens and at `/userinfo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// `sub`.
    pub user_id: String,
    /// `name`.
    pub name: String,
    /// `nickname`.
    pub nickname: String,
    /// `picture`.
    pub picture: String,
    /// `email`.
    pub email: String,
    /// `email_verified`.
    pub email_verified: bool,
    /// `updated_at`.
    pub updated_at: String,
}

impl UserConfig {
    /// A user with the default profile derived from the email.
    pub fn new(email: &str, password: &str) -> Self {
        Self {
            email: email.to_owned(),
            password: password.to_owned(),
            user_id: None,
            name: None,
            nickname: None,
            picture: None,
            email_verified: true,
            permissions: BTreeMap::new(),
        }
    }

    /// The user's profile claims, filling in defaults relative to `issuer`.
    pub fn profile(&self, issuer: &str) -> Profile {
        let nickname = self
            .nickname
            .clone()
            .unwrap_or_else(|| self.email.split('@').next().unwrap_or_default().to_owned());
        let user_id = self.user_id.clone().unwrap_or_else(|| {
            let digest = Sha256::digest(self.email.to_lowercase().as_bytes());
            let hex: String = digest[..12]
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect();
            format!("auth0|{hex}")
        });
        Profile {
            user_id,
            name: self.name.clone().unwrap_or_else(|| self.email.clone()),
            picture: self
                .picture
                .clone()
                .unwrap_or_else(|| format!("{issuer}avatars/{nickname}.svg")),
            nickname,
            email: self.email.clone(),
            email_verified: self.email_verified,
            updated_at: DEFAULT_UPDATED_AT.to_owned(),
        }
    }

    /// The scopes this user holds for the API `audience`.
    pub fn scopes_for(&self, audience: &str) -> &[String] {
        self.permissions
            .get(audience)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The `permissions` claim for an access token to `audience`: `None` without an API.
    pub fn permissions_claim(&self, audience: Option<&Audience>) -> Option<Vec<String>> {
        audience.map(|audience| self.scopes_for(audience.as_str()).to_vec())
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A field has a value the tenant refuses.
    #[error("{field}: {reason}")]
    InvalidField {
        /// Path of the field, e.g. `clients[0].callback_urls[1]`.
        field: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The file could not be read.
    #[error("cannot read config file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML for this schema.
    #[error("invalid TOML in {path}")]
    Toml {
        /// The file.
        path: PathBuf,
        /// The parse error.
        #[source]
        source: toml::de::Error,
    },
    /// The file is not valid JSON for this schema.
    #[error("invalid JSON in {path}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// The file name ends in neither `.toml` nor `.json`.
    #[error("config file {path} must end in .toml or .json")]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
}

fn invalid(field: impl Into<String>, reason: &'static str) -> ConfigError {
    ConfigError::InvalidField {
        field: field.into(),
        reason,
    }
}

/// The on-disk shape: every field optional, defaults filled from the built-in tenant.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    issuer: Option<String>,
    access_token_lifetime_seconds: Option<u64>,
    id_token_lifetime_seconds: Option<u64>,
    code_lifetime_seconds: Option<u64>,
    session_lifetime_seconds: Option<u64>,
    clients: Option<Vec<ClientConfig>>,
    apis: Option<Vec<ApiConfig>>,
    users: Option<Vec<UserConfig>>,
}

impl Default for TenantConfig {
    fn default() -> Self {
        let mut reader = UserConfig::new("reader@example.com", DEFAULT_PASSWORD);
        reader.permissions.insert(
            Audience::from(DEFAULT_AUDIENCE),
            vec![DEFAULT_API_SCOPE.to_owned()],
        );
        Self {
            issuer: DEFAULT_ISSUER.to_owned(),
            clients: vec![ClientConfig {
                client_id: ClientId::from(DEFAULT_CLIENT_ID),
                name: "Local SPA".to_owned(),
                callback_urls: vec![format!("{DEFAULT_SPA_ORIGIN}/callback")],
                logout_urls: vec![DEFAULT_SPA_ORIGIN.to_owned()],
                web_origins: vec![DEFAULT_SPA_ORIGIN.to_owned()],
            }],
            apis: vec![ApiConfig {
                identifier: Audience::from(DEFAULT_AUDIENCE),
                scopes: vec![DEFAULT_API_SCOPE.to_owned()],
            }],
            users: vec![
                reader,
                UserConfig::new("guest@example.com", DEFAULT_PASSWORD),
            ],
            access_token_lifetime: Duration::from_secs(3600),
            id_token_lifetime: Duration::from_secs(36000),
            code_lifetime: Duration::from_secs(60),
            session_lifetime: Duration::from_secs(8 * 3600),
        }
    }
}

impl TenantConfig {
    /// Defaults, but issuer = `issuer` and the default client's callback URL
    /// `<spa_origin>/callback`, logout URL and web origin `<spa_origin>`.
    ///
    /// # Errors
    /// [`ConfigError::InvalidField`] when either URL is refused by [`TenantConfig::validate`].
    pub fn for_local(issuer: &str, spa_origin: &str) -> Result<Self, ConfigError> {
        let spa_origin = spa_origin.trim_end_matches('/');
        let mut config = Self {
            issuer: issuer.to_owned(),
            ..Self::default()
        };
        let client = &mut config.clients[0];
        client.callback_urls = vec![format!("{spa_origin}/callback")];
        client.logout_urls = vec![spa_origin.to_owned()];
        client.web_origins = vec![spa_origin.to_owned()];
        config.validate()?;
        Ok(config)
    }

    /// Reads a TOML (`.toml`) or JSON (`.json`) file; fields it omits keep their defaults.
    ///
    /// # Errors
    /// Unreadable file, parse error, or a field refused by [`TenantConfig::validate`].
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let extension = path.extension().and_then(|extension| extension.to_str());
        match extension {
            Some("toml") => Self::parse_toml(&text, path),
            Some("json") => Self::parse_json(&text, path),
            _ => Err(ConfigError::UnknownFormat {
                path: path.to_owned(),
            }),
        }
    }

    /// Parses and validates TOML; `path` names the source in errors.
    fn parse_toml(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let file: ConfigFile = toml::from_str(text).map_err(|source| ConfigError::Toml {
            path: path.to_owned(),
            source,
        })?;
        Self::from_config_file(file)
    }

    /// Parses and validates JSON; `path` names the source in errors.
    fn parse_json(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let file: ConfigFile = serde_json::from_str(text).map_err(|source| ConfigError::Json {
            path: path.to_owned(),
            source,
        })?;
        Self::from_config_file(file)
    }

    fn from_config_file(file: ConfigFile) -> Result<Self, ConfigError> {
        let defaults = Self::default();
        let seconds =
            |value: Option<u64>, default: Duration| value.map_or(default, Duration::from_secs);
        let config = Self {
            issuer: file.issuer.unwrap_or(defaults.issuer),
            clients: file.clients.unwrap_or(defaults.clients),
            apis: file.apis.unwrap_or(defaults.apis),
            users: file.users.unwrap_or(defaults.users),
            access_token_lifetime: seconds(
                file.access_token_lifetime_seconds,
                defaults.access_token_lifetime,
            ),
            id_token_lifetime: seconds(file.id_token_lifetime_seconds, defaults.id_token_lifetime),
            code_lifetime: seconds(file.code_lifetime_seconds, defaults.code_lifetime),
            session_lifetime: seconds(file.session_lifetime_seconds, defaults.session_lifetime),
        };
        config.validate()?;
        Ok(config)
    }

    /// Checks every field; the error names the first offending one.
    ///
    /// # Errors
    /// [`ConfigError::InvalidField`] naming the field, e.g.
    /// `clients[0].callback_urls[1]: http URL must be loopback`.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let issuer = check_url("issuer", &self.issuer)?;
        if !self.issuer.ends_with('/') {
            return Err(invalid("issuer", "must end with a slash"));
        }
        if issuer.query().is_some() {
            return Err(invalid("issuer", "must not have a query"));
        }
        if issuer.path() != "/" {
            // Every endpoint is served at the root, so the issuer cannot carry a path.
            return Err(invalid("issuer", "must have no path"));
        }
        // A zero lifetime makes every code, session or token dead on arrival, and a huge one
        // overflows `now + lifetime`. The upper bounds are Auth0's (30 days for tokens, a year
        // for sessions) and RFC 6749 4.1.2's ten minutes for codes.
        let lifetimes = [
            (
                "access_token_lifetime_seconds",
                self.access_token_lifetime,
                MAX_TOKEN_LIFETIME_SECONDS,
            ),
            (
                "id_token_lifetime_seconds",
                self.id_token_lifetime,
                MAX_TOKEN_LIFETIME_SECONDS,
            ),
            (
                "code_lifetime_seconds",
                self.code_lifetime,
                MAX_CODE_LIFETIME_SECONDS,
            ),
            (
                "session_lifetime_seconds",
                self.session_lifetime,
                MAX_SESSION_LIFETIME_SECONDS,
            ),
        ];
        for (field, lifetime, maximum) in lifetimes {
            if lifetime.is_zero() {
                return Err(invalid(field, "must be positive"));
            }
            if lifetime.as_secs() > maximum {
                return Err(invalid(field, "is longer than allowed"));
            }
        }
        if self.clients.is_empty() {
            return Err(invalid("clients", "must not be empty"));
        }
        for (index, client) in self.clients.iter().enumerate() {
            let field = format!("clients[{index}]");
            if client.client_id.as_str().trim().is_empty() {
                return Err(invalid(format!("{field}.client_id"), "must not be empty"));
            }
            if self.clients[..index]
                .iter()
                .any(|other| other.client_id == client.client_id)
            {
                return Err(invalid(format!("{field}.client_id"), "is a duplicate"));
            }
            for (url_index, url) in client.callback_urls.iter().enumerate() {
                check_url(&format!("{field}.callback_urls[{url_index}]"), url)?;
            }
            for (url_index, url) in client.logout_urls.iter().enumerate() {
                check_url(&format!("{field}.logout_urls[{url_index}]"), url)?;
            }
            for (origin_index, origin) in client.web_origins.iter().enumerate() {
                let origin_field = format!("{field}.web_origins[{origin_index}]");
                let parsed = check_url(&origin_field, origin)?;
                if parsed.origin().ascii_serialization() != *origin {
                    return Err(invalid(
                        origin_field,
                        "must be an origin: scheme, host and port only",
                    ));
                }
            }
        }
        for (index, api) in self.apis.iter().enumerate() {
            let field = format!("apis[{index}]");
            if api.identifier.as_str().trim().is_empty() {
                return Err(invalid(format!("{field}.identifier"), "must not be empty"));
            }
            if self.apis[..index]
                .iter()
                .any(|other| other.identifier == api.identifier)
            {
                return Err(invalid(format!("{field}.identifier"), "is a duplicate"));
            }
            for (scope_index, scope) in api.scopes.iter().enumerate() {
                if !is_scope_token(scope) {
                    return Err(invalid(
                        format!("{field}.scopes[{scope_index}]"),
                        "must be a non-empty scope without spaces",
                    ));
                }
            }
        }
        for (index, user) in self.users.iter().enumerate() {
            let field = format!("users[{index}]");
            let (local, domain) = user.email.split_once('@').unwrap_or_default();
            if local.is_empty() || domain.is_empty() {
                return Err(invalid(
                    format!("{field}.email"),
                    "must be an email address",
                ));
            }
            if self.users[..index]
                .iter()
                .any(|other| other.email.eq_ignore_ascii_case(&user.email))
            {
                return Err(invalid(format!("{field}.email"), "is a duplicate"));
            }
            if user.password.is_empty() {
                return Err(invalid(format!("{field}.password"), "must not be empty"));
            }
            if user.nickname.as_ref().is_some_and(String::is_empty) {
                return Err(invalid(format!("{field}.nickname"), "must not be empty"));
            }
            for (audience, scopes) in &user.permissions {
                let permission_field = format!("{field}.permissions.\"{audience}\"");
                let Some(api) = self.apis.iter().find(|api| &api.identifier == audience) else {
                    return Err(invalid(
                        permission_field,
                        "names an API that is not configured",
                    ));
                };
                for (scope_index, scope) in scopes.iter().enumerate() {
                    if !api.scopes.contains(scope) {
                        return Err(invalid(
                            format!("{permission_field}[{scope_index}]"),
                            "is not a scope of that API",
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The registered client with this id.
    pub fn client(&self, client_id: &str) -> Option<&ClientConfig> {
        self.clients
            .iter()
            .find(|client| client.client_id == client_id)
    }

    /// The registered API with this identifier.
    pub fn api(&self, identifier: &str) -> Option<&ApiConfig> {
        self.apis.iter().find(|api| api.identifier == identifier)
    }

    /// The user with this email (case-insensitive, as email addresses are in practice).
    pub fn user(&self, email: &str) -> Option<&UserConfig> {
        self.users
            .iter()
            .find(|user| user.email.eq_ignore_ascii_case(email.trim()))
    }

    /// Every web origin of every client, for CORS.
    pub fn web_origins(&self) -> Vec<String> {
        let mut origins: Vec<String> = self
            .clients
            .iter()
            .flat_map(|client| client.web_origins.iter().cloned())
            .collect();
        origins.sort();
        origins.dedup();
        origins
    }
}

fn is_scope_token(scope: &str) -> bool {
    !scope.is_empty()
        && scope
            .chars()
            .all(|character| character.is_ascii_graphic() && character != '"' && character != '\\')
}

/// Whether `host` is loopback: `localhost`, `127.0.0.0/8` or `::1`.
pub fn is_loopback_host(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(domain) => domain.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(address) => address.is_loopback(),
        Host::Ipv6(address) => address.is_loopback(),
    }
}

fn check_url(field: &str, value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value).map_err(|_| invalid(field, "must be an absolute URL"))?;
    if url.fragment().is_some() {
        return Err(invalid(field, "must not have a fragment"));
    }
    match url.scheme() {
        "https" => {}
        "http" => {
            let loopback = url.host().as_ref().is_some_and(is_loopback_host);
            if !loopback {
                return Err(invalid(field, "http URL must be loopback"));
            }
        }
        _ => return Err(invalid(field, "must be an http or https URL")),
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(error: ConfigError) -> (String, &'static str) {
        match error {
            ConfigError::InvalidField { field, reason } => (field, reason),
            other => panic!("expected an invalid field, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_valid_and_match_what_the_spa_and_api_expect() {
        let config = TenantConfig::default();
        config.validate().expect("defaults validate");
        assert_eq!(config.issuer, "http://localhost:3002/");
        let client = config.client("local-spa-client").expect("default client");
        assert_eq!(client.callback_urls, ["http://localhost:3000/callback"]);
        assert_eq!(
            config
                .user("reader@example.com")
                .map(|user| user.scopes_for(DEFAULT_AUDIENCE).len()),
            Some(1)
        );
        assert_eq!(
            config
                .user("guest@example.com")
                .map(|user| user.scopes_for(DEFAULT_AUDIENCE).len()),
            Some(0)
        );
    }

    #[test]
    fn default_profile_uses_local_part_and_own_avatar() {
        let config = TenantConfig::default();
        let profile = config.users[0].profile(&config.issuer);
        assert_eq!(profile.nickname, "reader");
        assert_eq!(profile.name, "reader@example.com");
        assert_eq!(profile.picture, "http://localhost:3002/avatars/reader.svg");
        assert!(profile.user_id.starts_with("auth0|"));
        assert_eq!(
            profile.user_id,
            config.users[0].profile(&config.issuer).user_id
        );
    }

    #[test]
    fn non_loopback_http_callback_is_refused_naming_the_field() {
        let error = TenantConfig::parse_toml(
            r#"
            [[clients]]
            client_id = "app"
            callback_urls = ["http://localhost:3000/callback", "http://example.com/callback"]
            "#,
            Path::new("test.toml"),
        )
        .expect_err("refused");
        assert_eq!(
            error.to_string(),
            "clients[0].callback_urls[1]: http URL must be loopback"
        );
    }

    #[test]
    fn issuer_without_trailing_slash_is_refused() {
        let error = TenantConfig::for_local("http://localhost:3002", "http://localhost:3000")
            .expect_err("refused");
        assert_eq!(
            field_of(error),
            ("issuer".to_owned(), "must end with a slash")
        );
    }

    #[test]
    fn permission_for_unknown_scope_is_refused() {
        let error = TenantConfig::parse_json(r#"{"users":[{"email":"a@b.c","password":"x","permissions":{"https://quickstarts/api":["write:all"]}}]}"#, Path::new("test.json"))
        .expect_err("refused");
        assert_eq!(
            field_of(error),
            (
                "users[0].permissions.\"https://quickstarts/api\"[0]".to_owned(),
                "is not a scope of that API"
            )
        );
    }

    #[test]
    fn web_origin_with_a_path_is_refused() {
        let error = TenantConfig::parse_json(
            r#"{"clients":[{"client_id":"a","web_origins":["http://localhost:3000/app"]}]}"#,
            Path::new("test.json"),
        )
        .expect_err("refused");
        assert_eq!(field_of(error).0, "clients[0].web_origins[0]");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let error =
            TenantConfig::parse_toml("isuer = \"http://localhost:3002/\"", Path::new("test.toml"))
                .expect_err("refused");
        assert!(matches!(error, ConfigError::Toml { .. }), "{error:?}");
    }

    #[test]
    fn zero_code_and_session_lifetimes_are_refused_naming_the_field() {
        for field in ["code_lifetime_seconds", "session_lifetime_seconds"] {
            let error = TenantConfig::parse_toml(&format!("{field} = 0"), Path::new("test.toml"))
                .expect_err("refused");
            assert_eq!(field_of(error), (field.to_owned(), "must be positive"));
        }
    }

    #[test]
    fn lifetimes_that_would_overflow_the_clock_are_refused_naming_the_field() {
        for field in [
            "access_token_lifetime_seconds",
            "id_token_lifetime_seconds",
            "code_lifetime_seconds",
            "session_lifetime_seconds",
        ] {
            let error = TenantConfig::parse_toml(
                &format!("{field} = {}", i64::MAX),
                Path::new("test.toml"),
            )
            .expect_err("refused");
            assert_eq!(
                field_of(error),
                (field.to_owned(), "is longer than allowed")
            );
        }
    }

    #[test]
    fn file_values_override_defaults() {
        let config = TenantConfig::parse_toml(
            "code_lifetime_seconds = 5\nissuer = \"http://127.0.0.1:4000/\"",
            Path::new("test.toml"),
        )
        .expect("valid");
        assert_eq!(config.code_lifetime, Duration::from_secs(5));
        assert_eq!(config.issuer, "http://127.0.0.1:4000/");
        assert_eq!(config.clients, TenantConfig::default().clients);
    }
}
