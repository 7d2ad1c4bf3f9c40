//! Loading the tenant from a TOML or JSON file: every field optional, omitted ones keep the
//! built-in defaults, and the result is validated.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use super::{ApiConfig, ClientConfig, ConfigError, TenantConfig, UserConfig};

/// The on-disk shape: every field optional, defaults filled from the built-in tenant.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    issuer: Option<String>,
    access_token_lifetime_seconds: Option<u64>,
    id_token_lifetime_seconds: Option<u64>,
    code_lifetime_seconds: Option<u64>,
    session_lifetime_seconds: Option<u64>,
    refresh_token_absolute_lifetime_seconds: Option<u64>,
    refresh_token_idle_lifetime_seconds: Option<u64>,
    refresh_token_reuse_interval_seconds: Option<u64>,
    clients: Option<Vec<ClientConfig>>,
    apis: Option<Vec<ApiConfig>>,
    users: Option<Vec<UserConfig>>,
}

impl TenantConfig {
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
    pub(super) fn parse_toml(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let file: ConfigFile = toml::from_str(text).map_err(|source| ConfigError::Toml {
            path: path.to_owned(),
            source,
        })?;
        Self::from_config_file(file)
    }

    /// Parses and validates JSON; `path` names the source in errors.
    pub(super) fn parse_json(text: &str, path: &Path) -> Result<Self, ConfigError> {
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
        let apis = file.apis.unwrap_or(defaults.apis);
        // The built-in clients keep their client grants only for APIs that are still there, so
        // a file that replaces the APIs need not replace the clients too.
        let clients = file.clients.unwrap_or_else(|| {
            let mut clients = defaults.clients;
            for client in &mut clients {
                client
                    .client_grants
                    .retain(|audience, _| apis.iter().any(|api| &api.identifier == audience));
            }
            clients
        });
        let config = Self {
            issuer: file.issuer.unwrap_or(defaults.issuer),
            clients,
            apis,
            users: file.users.unwrap_or(defaults.users),
            access_token_lifetime: seconds(
                file.access_token_lifetime_seconds,
                defaults.access_token_lifetime,
            ),
            id_token_lifetime: seconds(file.id_token_lifetime_seconds, defaults.id_token_lifetime),
            code_lifetime: seconds(file.code_lifetime_seconds, defaults.code_lifetime),
            session_lifetime: seconds(file.session_lifetime_seconds, defaults.session_lifetime),
            refresh_token_absolute_lifetime: seconds(
                file.refresh_token_absolute_lifetime_seconds,
                defaults.refresh_token_absolute_lifetime,
            ),
            refresh_token_idle_lifetime: seconds(
                file.refresh_token_idle_lifetime_seconds,
                defaults.refresh_token_idle_lifetime,
            ),
            refresh_token_reuse_interval: seconds(
                file.refresh_token_reuse_interval_seconds,
                defaults.refresh_token_reuse_interval,
            ),
        };
        config.validate()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_refused() {
        let error =
            TenantConfig::parse_toml("isuer = \"http://localhost:3002/\"", Path::new("test.toml"))
                .expect_err("refused");
        assert!(matches!(error, ConfigError::Toml { .. }), "{error:?}");
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

    #[test]
    fn an_api_declared_in_a_file_adds_no_permissions_to_tokens_unless_it_says_so() {
        let config = TenantConfig::parse_toml(
            r#"
            users = []
            [[apis]]
            identifier = "https://a.example"
            scopes = ["read:a"]
            [[apis]]
            identifier = "https://b.example"
            add_permissions_in_access_token = true
            "#,
            Path::new("test.toml"),
        )
        .expect("valid");
        let toggles: Vec<bool> = config
            .apis
            .iter()
            .map(|api| api.add_permissions_in_access_token)
            .collect();
        assert_eq!(toggles, [false, true]);
        assert!(
            TenantConfig::default().apis[0].add_permissions_in_access_token,
            "the built-in API keeps the quickstart's token shape"
        );
        let machine = config
            .client("local-m2m-client")
            .expect("the built-in M2M client");
        assert!(
            machine.client_grants.is_empty(),
            "its grant for the replaced API is gone"
        );
    }
}
