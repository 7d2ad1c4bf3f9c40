//! `Config::from_env`: the binary's configuration, read from the process environment.
//!
//! This binary holds a single test because it changes process-wide environment variables.

use api::{Config, ConfigError};
use axum_bearer_auth::PermissionSource;

const NAMES: [&str; 13] = [
    "AUTH0_DOMAIN",
    "ISSUER_BASE_URL",
    "AUTH0_AUDIENCE",
    "PORT",
    "HOST",
    "ALLOWED_ORIGINS",
    "CLOCK_LEEWAY_SECONDS",
    "PERMISSIONS_SOURCE",
    "VERIFIED_TOKEN_TTL_SECONDS",
    "JWKS_TRUST_LIMIT_SECONDS",
    "HEADER_READ_TIMEOUT_SECONDS",
    "MAX_CONNECTIONS",
    "METRICS_ADDR",
];

fn set(name: &str, value: &str) {
    // SAFETY: this is the only test in this binary, so no other thread reads the environment.
    unsafe { std::env::set_var(name, value) };
}

#[test]
fn from_env_names_what_is_missing_or_wrong_and_reads_the_rest() {
    for name in NAMES {
        // SAFETY: as in `set`.
        unsafe { std::env::remove_var(name) };
    }
    let error = Config::from_env().unwrap_err();
    assert_eq!(error, ConfigError::MissingIssuer);
    assert!(
        error.to_string().contains("AUTH0_DOMAIN") && error.to_string().contains("ISSUER_BASE_URL")
    );

    set("AUTH0_DOMAIN", "http://localhost:3002");
    let error = Config::from_env().unwrap_err();
    assert_eq!(error, ConfigError::MissingAudience);
    assert!(error.to_string().contains("AUTH0_AUDIENCE"));

    set("AUTH0_AUDIENCE", "https://quickstarts/api");
    set("PORT", "not-a-port");
    assert!(Config::from_env().unwrap_err().to_string().contains("PORT"));

    set("PORT", "4001");
    set(
        "ALLOWED_ORIGINS",
        "http://localhost:3000,http://127.0.0.1:8080",
    );
    set("CLOCK_LEEWAY_SECONDS", "10");
    let config = Config::from_env().unwrap();
    assert_eq!(config.issuer().as_str(), "http://localhost:3002/");
    assert_eq!(config.audience().as_str(), "https://quickstarts/api");
    assert_eq!(config.listen_addr(), "127.0.0.1:4001".parse().unwrap());
    assert_eq!(
        config.allowed_origins(),
        ["http://localhost:3000", "http://127.0.0.1:8080"]
    );
    assert_eq!(config.clock_leeway(), std::time::Duration::from_secs(10));
    assert_eq!(config.permission_source(), PermissionSource::Scope);

    set("PERMISSIONS_SOURCE", "sometimes");
    assert_eq!(
        Config::from_env().unwrap_err(),
        ConfigError::InvalidPermissionSource {
            value: "sometimes".to_owned()
        }
    );
    set("PERMISSIONS_SOURCE", "permissions");
    assert_eq!(
        Config::from_env().unwrap().permission_source(),
        PermissionSource::Permissions
    );

    set("VERIFIED_TOKEN_TTL_SECONDS", "0");
    assert_eq!(
        Config::from_env()
            .unwrap()
            .bearer_auth()
            .verified_token_ttl(),
        std::time::Duration::ZERO
    );

    set("MAX_CONNECTIONS", "64");
    set("HEADER_READ_TIMEOUT_SECONDS", "3");
    set("METRICS_ADDR", "127.0.0.1:9464");
    let config = Config::from_env().unwrap();
    assert_eq!(config.serve_limits().max_connections, 64);
    assert_eq!(
        config.serve_limits().header_read_timeout,
        std::time::Duration::from_secs(3)
    );
    assert_eq!(
        config.metrics_addr(),
        Some("127.0.0.1:9464".parse().unwrap())
    );
    set("METRICS_ADDR", "127.0.0.1:4001");
    assert!(matches!(
        Config::from_env(),
        Err(ConfigError::InvalidMetricsAddr { .. })
    ));
    set("METRICS_ADDR", "");

    set("AUTH0_DOMAIN", "http://evil.example");
    assert!(matches!(
        Config::from_env(),
        Err(ConfigError::InvalidIssuer { .. })
    ));
}
