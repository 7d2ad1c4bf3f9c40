//! The `dev-tenant` binary: reads the command line and configuration, loads or creates the
//! signing keys, and serves the tenant on loopback, or prints an access token signed with them.

mod cli;

use std::net::SocketAddr;
use std::process::ExitCode;

use std::path::Path;

use dev_tenant::direct_token::{DirectTokenError, Subject, mint_direct};
use dev_tenant::serve::{self, ServeLimits};
use dev_tenant::{AppOptions, ConfigError, SigningKeys, TenantConfig, app_with};
use oidc_protocol::Scope;
use tracing_subscriber::EnvFilter;

use crate::cli::{Command, Environment, ServeOptions, TokenOptions, TokenSubject, USAGE};

/// The exit status of a command line that does not fit the tenant.
const USAGE_ERROR: u8 = 2;

#[tokio::main]
async fn main() -> ExitCode {
    // Logs go to stderr, so that `token` prints nothing but the token on stdout.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match cli::parse(&args, &Environment::from_process()) {
        Ok(command) => command,
        Err(error) => {
            eprintln!("dev-tenant: {error}\n\n{USAGE}");
            return ExitCode::from(USAGE_ERROR);
        }
    };
    match command {
        Command::Help => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Command::RotateKeys { data_dir } => match SigningKeys::rotate(&data_dir) {
            Ok(keys) => {
                println!(
                    "new signing key {} in {}; published keys: {}",
                    keys.signing_kid(),
                    data_dir.display(),
                    keys.kids().join(", ")
                );
                ExitCode::SUCCESS
            }
            Err(error) => fail(&error),
        },
        Command::Serve(options) => serve(options).await,
        Command::Token(options) => token(&options),
    }
}

fn load_config(path: Option<&Path>) -> Result<TenantConfig, ConfigError> {
    match path {
        Some(path) => TenantConfig::from_file(path),
        None => Ok(TenantConfig::default()),
    }
}

/// `dev-tenant token`: the access token alone on stdout, notes and errors on stderr.
fn token(options: &TokenOptions) -> ExitCode {
    let config = match load_config(options.config.as_deref()) {
        Ok(config) => config.on_port(options.port),
        Err(error) => return fail(&error),
    };
    let keys = match SigningKeys::load_existing(&options.data_dir) {
        Ok(keys) => keys,
        Err(error) => return fail(&error),
    };
    let subject = match &options.subject {
        TokenSubject::User(email) => Subject::User(email),
        TokenSubject::Client(client_id) => Subject::Client(client_id),
    };
    let scope = options.scope.as_deref().map(Scope::new);
    let minted = mint_direct(
        &config,
        &keys,
        subject,
        options.audience.as_deref(),
        scope.as_ref(),
        dev_tenant::clock::now(),
    );
    match minted {
        Ok(token) => {
            if !token.dropped.is_empty() {
                eprintln!(
                    "dev-tenant: left out scopes the user does not hold: {}",
                    token.dropped.join(" ")
                );
            }
            println!("{}", token.access_token.secret());
            ExitCode::SUCCESS
        }
        Err(error @ DirectTokenError::Signing(_)) => fail(&error),
        Err(error) => {
            report(&error);
            ExitCode::from(USAGE_ERROR)
        }
    }
}

async fn serve(options: ServeOptions) -> ExitCode {
    let config = match load_config(options.config.as_deref()) {
        Ok(config) => config.on_port(options.port),
        Err(error) => return fail(&error),
    };
    let issuer_port = url::Url::parse(&config.issuer)
        .ok()
        .and_then(|issuer| issuer.port_or_known_default());
    if issuer_port != Some(options.port) {
        tracing::warn!(
            issuer = %config.issuer,
            port = options.port,
            "the issuer names another port than the one served; clients will look for the tenant there"
        );
    }
    let keys = match SigningKeys::load_or_generate(&options.data_dir) {
        Ok(keys) => keys,
        Err(error) => return fail(&error),
    };
    let address = SocketAddr::new(options.host, options.port);
    let listener = match tokio::net::TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(error) => return fail(&error),
    };
    tracing::info!(
        "dev tenant listening on {} (development only)",
        config.issuer
    );
    let options = AppOptions {
        served_port: Some(options.port),
        ..AppOptions::default()
    };
    let served = serve::serve(
        listener,
        app_with(config, keys, options),
        ServeLimits::default(),
        async {
            // If the signal handler cannot be installed the server simply runs until killed.
            let _ = tokio::signal::ctrl_c().await;
        },
    )
    .await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

/// Prints an error with its causes and returns a failing exit code.
fn fail(error: &dyn std::error::Error) -> ExitCode {
    report(error);
    ExitCode::FAILURE
}

/// Prints an error with its causes on stderr.
fn report(error: &dyn std::error::Error) {
    let mut message = format!("dev-tenant: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    eprintln!("{message}");
}
