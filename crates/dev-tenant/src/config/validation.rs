//! The rules a configuration must satisfy before the tenant serves it; a refusal names the
//! offending field, e.g. `clients[0].callback_urls[1]: http URL must be loopback`.

use oidc_protocol::http_url::{HttpUrl, UrlError};
use oidc_protocol::scope::is_scope_token;
use oidc_protocol::{Issuer, IssuerError, is_loopback_host};
use url::Url;

use super::{
    ClientConfig, ConfigError, GrantType, MAX_CLIENT_SECRET_CHARS, MIN_CLIENT_SECRET_CHARS,
    TenantConfig,
};

/// The longest access or ID token lifetime, Auth0's limit: 30 days.
const MAX_TOKEN_LIFETIME_SECONDS: u64 = 30 * 24 * 3600;
/// The longest authorization code lifetime RFC 6749 4.1.2 recommends: ten minutes.
const MAX_CODE_LIFETIME_SECONDS: u64 = 600;
/// The longest login session, Auth0's limit: a year.
const MAX_SESSION_LIFETIME_SECONDS: u64 = 365 * 24 * 3600;
/// The longest refresh-token lifetime, absolute or idle: a year, like sessions.
const MAX_REFRESH_TOKEN_LIFETIME_SECONDS: u64 = 365 * 24 * 3600;

fn invalid(field: impl Into<String>, reason: &'static str) -> ConfigError {
    ConfigError::InvalidField {
        field: field.into(),
        reason,
    }
}

impl TenantConfig {
    /// Checks every field; the error names the first offending one.
    ///
    /// # Errors
    /// [`ConfigError::InvalidField`] naming the field, e.g.
    /// `clients[0].callback_urls[1]: http URL must be loopback`.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.validate_issuer()?;
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
            (
                "refresh_token_absolute_lifetime_seconds",
                self.refresh_token_absolute_lifetime,
                MAX_REFRESH_TOKEN_LIFETIME_SECONDS,
            ),
            (
                "refresh_token_idle_lifetime_seconds",
                self.refresh_token_idle_lifetime,
                MAX_REFRESH_TOKEN_LIFETIME_SECONDS,
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
        // Like Auth0: an idle lifetime beyond the absolute one would never apply, and a reuse
        // interval as long as the idle lifetime would make every rotated token reusable.
        if self.refresh_token_idle_lifetime > self.refresh_token_absolute_lifetime {
            return Err(invalid(
                "refresh_token_idle_lifetime_seconds",
                "must not be longer than refresh_token_absolute_lifetime_seconds",
            ));
        }
        if self.refresh_token_reuse_interval >= self.refresh_token_idle_lifetime {
            return Err(invalid(
                "refresh_token_reuse_interval_seconds",
                "must be shorter than refresh_token_idle_lifetime_seconds",
            ));
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
            if client.response_types.is_empty() {
                return Err(invalid(
                    format!("{field}.response_types"),
                    "must not be empty",
                ));
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
            self.validate_client_authentication(&field, client)?;
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
                self.check_api_scopes(&format!("{field}.permissions"), audience, scopes)?;
            }
        }
        Ok(())
    }

    /// A client with a secret is a machine-to-machine client: it uses the client-credentials
    /// grant only and never a browser, so it has no URLs to be sent back to. A client without
    /// one is public and cannot use that grant, which would let anyone who reads its client id
    /// (every SPA publishes it) get tokens.
    fn validate_client_authentication(
        &self,
        field: &str,
        client: &ClientConfig,
    ) -> Result<(), ConfigError> {
        if client.grant_types.is_empty() {
            return Err(invalid(format!("{field}.grant_types"), "must not be empty"));
        }
        if let Some(secret) = &client.client_secret {
            let secret_field = format!("{field}.client_secret");
            let length = secret.secret().chars().count();
            if length < MIN_CLIENT_SECRET_CHARS {
                return Err(invalid(secret_field, "must be at least 32 characters long"));
            }
            if length > MAX_CLIENT_SECRET_CHARS {
                return Err(invalid(secret_field, "must be at most 512 characters long"));
            }
            // Unreserved characters (RFC 3986 2.3) read the same form-urlencoded, as
            // client_secret_basic carries them, so `curl -u id:secret` works as it is.
            let unreserved = secret
                .secret()
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || b"-._~".contains(&byte));
            if !unreserved {
                return Err(invalid(
                    secret_field,
                    "must consist of letters, digits and - . _ ~ only",
                ));
            }
            if client.grant_types != [GrantType::ClientCredentials] {
                return Err(invalid(
                    format!("{field}.grant_types"),
                    "must be [\"client_credentials\"] for a client with a client_secret",
                ));
            }
            for (name, urls) in [
                ("callback_urls", &client.callback_urls),
                ("logout_urls", &client.logout_urls),
                ("web_origins", &client.web_origins),
            ] {
                if !urls.is_empty() {
                    return Err(invalid(
                        format!("{field}.{name}"),
                        "must be empty for a client with a client_secret, which never uses a browser",
                    ));
                }
            }
        } else if let Some(position) = client
            .grant_types
            .iter()
            .position(|grant_type| *grant_type == GrantType::ClientCredentials)
        {
            return Err(invalid(
                format!("{field}.grant_types[{position}]"),
                "needs a client_secret: a public client cannot use client_credentials",
            ));
        }
        if !client.client_grants.is_empty() && !client.allows_grant(GrantType::ClientCredentials) {
            return Err(invalid(
                format!("{field}.client_grants"),
                "are for a client that uses client_credentials",
            ));
        }
        for (audience, scopes) in &client.client_grants {
            self.check_api_scopes(&format!("{field}.client_grants"), audience, scopes)?;
        }
        Ok(())
    }

    /// `scopes`, held or granted for the API `audience` (under `field`), must be scopes that
    /// API defines.
    fn check_api_scopes(
        &self,
        field: &str,
        audience: &oidc_protocol::Audience,
        scopes: &[String],
    ) -> Result<(), ConfigError> {
        let audience_field = format!("{field}.\"{audience}\"");
        let Some(api) = self.apis.iter().find(|api| &api.identifier == audience) else {
            return Err(invalid(
                audience_field,
                "names an API that is not configured",
            ));
        };
        for (scope_index, scope) in scopes.iter().enumerate() {
            if !api.scopes.contains(scope) {
                return Err(invalid(
                    format!("{audience_field}[{scope_index}]"),
                    "is not a scope of that API",
                ));
            }
        }
        Ok(())
    }

    /// The issuer is what every token carries in `iss` and clients compare byte for byte, so it
    /// must be an [`Issuer`] exactly as written: no trailing `/` added, nothing trimmed.
    fn validate_issuer(&self) -> Result<(), ConfigError> {
        let issuer = Issuer::parse(&self.issuer)
            .map_err(|IssuerError::Url(error)| invalid("issuer", url_reason(error)))?;
        if !self.issuer.ends_with('/') {
            return Err(invalid("issuer", "must end with a slash"));
        }
        if issuer.as_str() != self.issuer {
            return Err(invalid("issuer", "must not have surrounding spaces"));
        }
        // Every endpoint is served at the root, so the issuer cannot carry a path.
        if HttpUrl::parse(&self.issuer).map(|url| url.path()) != Ok("/") {
            return Err(invalid("issuer", "must have no path"));
        }
        Ok(())
    }
}

/// The reason a configuration error gives for a URL refused by oidc-protocol's rules.
fn url_reason(error: UrlError) -> &'static str {
    match error {
        UrlError::Scheme => "must be an http or https URL",
        UrlError::UserInfo => "must not have user information",
        UrlError::Host => "must have a lowercase host name or an IP address",
        UrlError::Port => "must have a valid port, and not the default one written out",
        UrlError::Characters => "must not contain spaces or non-ASCII characters",
        UrlError::QueryOrFragment => "must not have a query or fragment",
        UrlError::Path => "must have no path",
        UrlError::InsecureHttp => "http URL must be loopback",
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
            let loopback = url.host_str().is_some_and(is_loopback_host);
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
    use std::error::Error;
    use std::path::Path;

    use super::*;

    fn field_of(error: ConfigError) -> (String, &'static str) {
        match error {
            ConfigError::InvalidField { field, reason } => (field, reason),
            other => panic!("expected an invalid field, got {other:?}"),
        }
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
    fn http_callbacks_are_accepted_on_loopback_hosts_only() {
        let with_callback = |url: &str| {
            let mut config = TenantConfig::default();
            config.clients[0].callback_urls = vec![url.to_owned()];
            config.validate()
        };
        for url in [
            "http://localhost:3000/callback",
            "http://127.0.0.2:3000/callback",
            "http://[::1]:3000/callback",
        ] {
            assert!(with_callback(url).is_ok(), "{url}");
        }
        for url in [
            "http://localhost.:3000/callback",
            "http://localhost.example/callback",
            "http://0.0.0.0:3000/callback",
        ] {
            let error = with_callback(url).expect_err(url);
            assert_eq!(field_of(error).1, "http URL must be loopback", "{url}");
        }
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
    fn issuer_must_be_written_as_tokens_carry_it() {
        for (issuer, reason) in [
            (
                "http://LOCALHOST:3002/",
                "must have a lowercase host name or an IP address",
            ),
            (
                "http://localhost:80/",
                "must have a valid port, and not the default one written out",
            ),
            (
                "http://user@localhost:3002/",
                "must not have user information",
            ),
            (
                " http://localhost:3002/",
                "must not have surrounding spaces",
            ),
            (
                "http://localhost:3002/?x=1",
                "must not have a query or fragment",
            ),
            (
                "http://localhost:3002/#x",
                "must not have a query or fragment",
            ),
            ("http://localhost:3002/tenant/", "must have no path"),
            ("http://example.com/", "http URL must be loopback"),
            ("ftp://localhost/", "must be an http or https URL"),
        ] {
            let config = TenantConfig {
                issuer: issuer.to_owned(),
                ..TenantConfig::default()
            };
            let error = config.validate().expect_err(issuer);
            assert_eq!(field_of(error), ("issuer".to_owned(), reason), "{issuer:?}");
        }
        for issuer in [
            "https://tenant.example/",
            "http://127.0.0.1:4000/",
            "http://[::1]:3002/",
        ] {
            let config = TenantConfig {
                issuer: issuer.to_owned(),
                ..TenantConfig::default()
            };
            assert!(config.validate().is_ok(), "{issuer}");
        }
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
    fn zero_lifetimes_are_refused_naming_the_field() {
        for field in [
            "access_token_lifetime_seconds",
            "code_lifetime_seconds",
            "session_lifetime_seconds",
            "refresh_token_absolute_lifetime_seconds",
            "refresh_token_idle_lifetime_seconds",
        ] {
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
            "refresh_token_absolute_lifetime_seconds",
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
    fn refresh_token_lifetimes_are_read_from_the_file_and_must_nest() {
        let config = TenantConfig::parse_toml(
            "refresh_token_absolute_lifetime_seconds = 600\nrefresh_token_idle_lifetime_seconds = 300\nrefresh_token_reuse_interval_seconds = 5",
            Path::new("test.toml"),
        )
        .expect("valid");
        assert_eq!(config.refresh_token_absolute_lifetime.as_secs(), 600);
        assert_eq!(config.refresh_token_idle_lifetime.as_secs(), 300);
        assert_eq!(config.refresh_token_reuse_interval.as_secs(), 5);
        let error = TenantConfig::parse_toml(
            "refresh_token_absolute_lifetime_seconds = 600",
            Path::new("test.toml"),
        )
        .expect_err("the default idle lifetime is longer");
        assert_eq!(
            field_of(error),
            (
                "refresh_token_idle_lifetime_seconds".to_owned(),
                "must not be longer than refresh_token_absolute_lifetime_seconds"
            )
        );
        let error = TenantConfig::parse_toml(
            "refresh_token_reuse_interval_seconds = 1296000",
            Path::new("test.toml"),
        )
        .expect_err("as long as the idle lifetime");
        assert_eq!(field_of(error).0, "refresh_token_reuse_interval_seconds");
    }

    #[test]
    fn clients_use_the_code_flow_unless_the_file_opts_into_the_implicit_one() {
        use oidc_protocol::ResponseType;
        let config = TenantConfig::parse_toml(
            "[[clients]]\nclient_id = \"a\"\n[[clients]]\nclient_id = \"b\"\nresponse_types = [\"code\", \"token id_token\"]",
            Path::new("test.toml"),
        )
        .expect("valid");
        assert_eq!(config.clients[0].response_types, [ResponseType::Code]);
        assert_eq!(
            config.clients[1].response_types,
            [ResponseType::Code, ResponseType::TokenIdToken]
        );
        assert_eq!(
            TenantConfig::default().clients[0].response_types,
            [ResponseType::Code],
            "the built-in client too"
        );
        let unknown = TenantConfig::parse_toml(
            "[[clients]]\nclient_id = \"a\"\nresponse_types = [\"token\"]",
            Path::new("test.toml"),
        )
        .expect_err("refused");
        assert!(
            unknown
                .source()
                .is_some_and(|source| source.to_string().contains("unsupported response type")),
            "{unknown:?}"
        );
        let empty = TenantConfig::parse_toml(
            "[[clients]]\nclient_id = \"a\"\nresponse_types = []",
            Path::new("test.toml"),
        )
        .expect_err("refused");
        assert_eq!(
            field_of(empty),
            ("clients[0].response_types".to_owned(), "must not be empty")
        );
    }

    /// The built-in configuration with its M2M client (clients[1]) changed by `change`.
    fn with_machine(change: impl FnOnce(&mut ClientConfig)) -> Result<(), ConfigError> {
        let mut config = TenantConfig::default();
        change(&mut config.clients[1]);
        config.validate()
    }

    #[test]
    fn a_client_secret_must_be_long_and_of_unreserved_characters() {
        use crate::config::ClientSecret;
        for (secret, reason) in [
            ("too-short", "must be at least 32 characters long"),
            (
                &"x".repeat(MAX_CLIENT_SECRET_CHARS + 1),
                "must be at most 512 characters long",
            ),
            (
                "a secret with spaces in it, long enough",
                "must consist of letters, digits and - . _ ~ only",
            ),
            (
                "a+secret%with/characters=that+encode",
                "must consist of letters, digits and - . _ ~ only",
            ),
        ] {
            let error =
                with_machine(|client| client.client_secret = Some(ClientSecret::new(secret)))
                    .expect_err(secret);
            assert_eq!(
                field_of(error),
                ("clients[1].client_secret".to_owned(), reason)
            );
        }
        let long_enough = "A".repeat(MIN_CLIENT_SECRET_CHARS);
        assert!(
            with_machine(|client| client.client_secret = Some(ClientSecret::new(&long_enough)))
                .is_ok()
        );
    }

    #[test]
    fn a_client_with_a_secret_uses_client_credentials_only_and_no_browser() {
        let error = with_machine(|client| {
            client.grant_types = vec![GrantType::ClientCredentials, GrantType::AuthorizationCode];
        })
        .expect_err("refused");
        assert_eq!(field_of(error).0, "clients[1].grant_types");
        let error = with_machine(|client| {
            client.callback_urls = vec!["http://localhost:3000/callback".to_owned()];
        })
        .expect_err("refused");
        assert_eq!(
            field_of(error),
            (
                "clients[1].callback_urls".to_owned(),
                "must be empty for a client with a client_secret, which never uses a browser"
            )
        );
        let error = with_machine(|client| {
            client.web_origins = vec!["http://localhost:3000".to_owned()];
        })
        .expect_err("refused");
        assert_eq!(field_of(error).0, "clients[1].web_origins");
    }

    #[test]
    fn a_public_client_cannot_use_client_credentials_or_have_client_grants() {
        let error = TenantConfig::parse_toml(
            "[[clients]]\nclient_id = \"spa\"\ngrant_types = [\"authorization_code\", \"client_credentials\"]",
            Path::new("test.toml"),
        )
        .expect_err("refused");
        assert_eq!(
            field_of(error),
            (
                "clients[0].grant_types[1]".to_owned(),
                "needs a client_secret: a public client cannot use client_credentials"
            )
        );
        let error = with_machine(|client| {
            client.client_secret = None;
            client.grant_types = vec![GrantType::AuthorizationCode];
        })
        .expect_err("refused");
        assert_eq!(
            field_of(error),
            (
                "clients[1].client_grants".to_owned(),
                "are for a client that uses client_credentials"
            )
        );
        let error = with_machine(|client| client.grant_types.clear()).expect_err("refused");
        assert_eq!(
            field_of(error),
            ("clients[1].grant_types".to_owned(), "must not be empty")
        );
    }

    #[test]
    fn client_grants_name_configured_apis_and_their_scopes() {
        use oidc_protocol::Audience;
        let error = with_machine(|client| {
            client
                .client_grants
                .insert(Audience::from("https://nowhere.example"), Vec::new());
        })
        .expect_err("refused");
        assert_eq!(
            field_of(error),
            (
                "clients[1].client_grants.\"https://nowhere.example\"".to_owned(),
                "names an API that is not configured"
            )
        );
        let error = with_machine(|client| {
            client.client_grants.insert(
                Audience::from("https://quickstarts/api"),
                vec!["read:messages".to_owned(), "write:all".to_owned()],
            );
        })
        .expect_err("refused");
        assert_eq!(
            field_of(error),
            (
                "clients[1].client_grants.\"https://quickstarts/api\"[1]".to_owned(),
                "is not a scope of that API"
            )
        );
    }

    #[test]
    fn a_machine_to_machine_client_reads_from_a_file() {
        let config = TenantConfig::parse_toml(
            r#"
            [[clients]]
            client_id = "spa"
            [[clients]]
            client_id = "worker"
            client_secret = "worker-secret-0123456789abcdefghijklmnop"
            grant_types = ["client_credentials"]
            client_grants = { "https://quickstarts/api" = ["read:messages"] }
            "#,
            Path::new("test.toml"),
        )
        .expect("valid");
        let worker = config.client("worker").expect("worker");
        assert!(worker.is_confidential());
        assert_eq!(worker.grant_types, [GrantType::ClientCredentials]);
        let spa = config.client("spa").expect("spa");
        assert_eq!(
            spa.grant_types,
            [GrantType::AuthorizationCode, GrantType::RefreshToken],
            "a client that names no grant types gets those of a browser application"
        );
    }
}
