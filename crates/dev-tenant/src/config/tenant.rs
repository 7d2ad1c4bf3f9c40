//! The tenant as a whole: its issuer, registered clients, APIs and users, and lifetimes, with
//! the built-in development defaults and the lookups the endpoints use.

use std::time::Duration;

use oidc_protocol::{Audience, ClientId};

use super::client::{browser_grants, code_only};
use super::{ApiConfig, ClientConfig, ClientSecret, ConfigError, GrantType, UserConfig};

/// The issuer of the built-in defaults (trailing slash, byte-exact).
pub const DEFAULT_ISSUER: &str = "http://localhost:3002/";
/// The port of [`DEFAULT_ISSUER`], where the binary serves unless told otherwise.
pub const DEFAULT_PORT: u16 = 3002;
/// The client id of the built-in default client (the SPA).
pub const DEFAULT_CLIENT_ID: &str = "local-spa-client";
/// The client id of the built-in machine-to-machine client, for the client-credentials grant.
pub const DEFAULT_M2M_CLIENT_ID: &str = "local-m2m-client";
/// The secret of the built-in machine-to-machine client: a development value, published here
/// and in the README like the users' passwords.
pub const DEFAULT_M2M_CLIENT_SECRET: &str = "local-m2m-secret-for-development-only";
/// The identifier (audience) of the built-in default API.
pub const DEFAULT_AUDIENCE: &str = "https://quickstarts/api";
/// The scope of the built-in default API.
pub const DEFAULT_API_SCOPE: &str = "read:messages";
/// The password of every built-in development user.
pub const DEFAULT_PASSWORD: &str = "password123";
const DEFAULT_SPA_ORIGIN: &str = "http://localhost:3000";

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
    /// Lifetime of the login session cookie.
    pub session_lifetime: Duration,
    /// Absolute lifetime of a refresh-token family, counted from the login; rotation never
    /// extends it (Auth0's rotation default: 30 days).
    pub refresh_token_absolute_lifetime: Duration,
    /// Idle lifetime of a refresh-token family, counted from its last use (Auth0's rotation
    /// default: 15 days).
    pub refresh_token_idle_lifetime: Duration,
    /// How long after a rotation the rotated-away refresh token is still accepted without
    /// counting as reuse (Auth0's reuse interval, default 0: never).
    pub refresh_token_reuse_interval: Duration,
}

impl Default for TenantConfig {
    fn default() -> Self {
        let mut reader = UserConfig::new("reader@example.com", DEFAULT_PASSWORD);
        reader.permissions.insert(
            Audience::from(DEFAULT_AUDIENCE),
            vec![DEFAULT_API_SCOPE.to_owned()],
        );
        let machine = ClientConfig {
            client_id: ClientId::from(DEFAULT_M2M_CLIENT_ID),
            name: "Local M2M".to_owned(),
            callback_urls: Vec::new(),
            logout_urls: Vec::new(),
            web_origins: Vec::new(),
            response_types: code_only(),
            client_secret: Some(ClientSecret::new(DEFAULT_M2M_CLIENT_SECRET)),
            grant_types: vec![GrantType::ClientCredentials],
            client_grants: [(
                Audience::from(DEFAULT_AUDIENCE),
                vec![DEFAULT_API_SCOPE.to_owned()],
            )]
            .into(),
        };
        Self {
            issuer: DEFAULT_ISSUER.to_owned(),
            clients: vec![
                ClientConfig {
                    client_id: ClientId::from(DEFAULT_CLIENT_ID),
                    name: "Local SPA".to_owned(),
                    callback_urls: vec![format!("{DEFAULT_SPA_ORIGIN}/callback")],
                    logout_urls: vec![DEFAULT_SPA_ORIGIN.to_owned()],
                    web_origins: vec![DEFAULT_SPA_ORIGIN.to_owned()],
                    response_types: code_only(),
                    client_secret: None,
                    grant_types: browser_grants(),
                    client_grants: Default::default(),
                },
                machine,
            ],
            apis: vec![ApiConfig {
                identifier: Audience::from(DEFAULT_AUDIENCE),
                scopes: vec![DEFAULT_API_SCOPE.to_owned()],
                // The quickstart's access tokens carry `permissions`, so that the API can be run
                // with PERMISSIONS_SOURCE=permissions against the dev tenant too.
                add_permissions_in_access_token: true,
            }],
            users: vec![
                reader,
                UserConfig::new("guest@example.com", DEFAULT_PASSWORD),
            ],
            access_token_lifetime: Duration::from_secs(3600),
            id_token_lifetime: Duration::from_secs(36000),
            code_lifetime: Duration::from_secs(60),
            session_lifetime: Duration::from_secs(8 * 3600),
            refresh_token_absolute_lifetime: Duration::from_secs(30 * 24 * 3600),
            refresh_token_idle_lifetime: Duration::from_secs(15 * 24 * 3600),
            refresh_token_reuse_interval: Duration::ZERO,
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

    /// The configuration as served on `port`: the built-in issuer moves to
    /// `http://localhost:<port>/`, so that `--port 4000` alone still yields a coherent tenant;
    /// an issuer the configuration names stays as it is.
    pub fn on_port(mut self, port: u16) -> Self {
        if self.issuer == DEFAULT_ISSUER && port != DEFAULT_PORT {
            self.issuer = format!("http://localhost:{port}/");
        }
        self
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

    /// The `permissions` claim of `user`'s access token to `audience`: their permissions for
    /// that API when it has [`ApiConfig::add_permissions_in_access_token`] on, else none.
    pub fn user_permissions_claim(
        &self,
        user: &UserConfig,
        audience: Option<&Audience>,
    ) -> Option<Vec<String>> {
        let audience = audience?.as_str();
        self.api(audience)?
            .permissions_claim(user.scopes_for(audience))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_issuer_follows_the_port_and_a_configured_one_does_not() {
        assert_eq!(
            TenantConfig::default().on_port(4000).issuer,
            "http://localhost:4000/"
        );
        assert_eq!(
            TenantConfig::default().on_port(DEFAULT_PORT).issuer,
            DEFAULT_ISSUER
        );
        let configured = TenantConfig {
            issuer: "http://127.0.0.1:5000/".to_owned(),
            ..TenantConfig::default()
        };
        assert_eq!(configured.on_port(4000).issuer, "http://127.0.0.1:5000/");
    }

    #[test]
    fn defaults_are_valid_and_match_what_the_spa_and_api_expect() {
        let config = TenantConfig::default();
        config.validate().expect("defaults validate");
        assert_eq!(config.issuer, "http://localhost:3002/");
        let client = config.client("local-spa-client").expect("default client");
        assert_eq!(client.callback_urls, ["http://localhost:3000/callback"]);
        assert!(!client.is_confidential());
        let machine = config
            .client("local-m2m-client")
            .expect("default M2M client");
        assert!(machine.is_confidential() && machine.allows_grant(GrantType::ClientCredentials));
        assert_eq!(
            machine.granted_scopes(DEFAULT_AUDIENCE),
            Some(&["read:messages".to_owned()][..])
        );
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
}
