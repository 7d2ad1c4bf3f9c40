//! Why a soak part could not run at all (as opposed to running and finding wrong answers).

/// A failure to set a part up or to drive its issuer.
#[derive(Debug, thiserror::Error)]
pub enum SoakError {
    /// A tokio runtime could not be built.
    #[error("cannot start a runtime")]
    Runtime(#[source] std::io::Error),
    /// A loopback port could not be bound for a server under test.
    #[error("cannot bind a loopback port")]
    Bind(#[source] std::io::Error),
    /// Keys or tokens could not be made.
    #[error("cannot prepare signing keys and tokens")]
    Keys(#[from] crate::keys::KeyError),
    /// The test issuer could not start or restart.
    #[error("the test issuer failed")]
    Issuer(#[from] crate::issuer::IssuerError),
    /// The API refused its configuration.
    #[error("the api refused its configuration")]
    ApiConfig(#[from] api::ConfigError),
    /// The dev tenant refused its configuration.
    #[error("the dev tenant refused its configuration")]
    TenantConfig(#[from] dev_tenant::ConfigError),
    /// The dev tenant's issuer is not a URL.
    #[error("the dev tenant's issuer is not a url")]
    TenantIssuer(#[from] url::ParseError),
    /// The dev tenant could not make its signing key.
    #[error("the dev tenant cannot make a signing key")]
    TenantKeys(#[from] dev_tenant::KeyError),
}
