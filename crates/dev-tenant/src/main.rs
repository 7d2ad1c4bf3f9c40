//! The `dev-tenant` binary: reads the command line and configuration, loads or creates the
//! signing keys, and serves the tenant on loopback.

mod cli;

use std::net::SocketAddr;
use std::process::ExitCode;

use dev_tenant::config::DEFAULT_ISSUER;
use dev_tenant::serve::{self, ServeLimits};
use dev_tenant::{AppOptions, SigningKeys, TenantConfig, app_with};
use tracing_subscriber::EnvFilter;

use crate::cli::{Command, Environment, ServeOptions, USAGE};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match cli::parse(&args, &Environment::from_process()) {
        Ok(command) => command,
        Err(error) => {
            eprintln!("dev-tenant: {error}\n\n{USAGE}");
            return ExitCode::from(2);
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
    }
}

async fn serve(options: ServeOptions) -> ExitCode {
    let config = match &options.config {
        Some(path) => TenantConfig::from_file(path),
        None => Ok(TenantConfig::default()),
    };
    let mut config = match config {
        Ok(config) => config,
        Err(error) => return fail(&error),
    };
    // The default issuer follows the port, so `--port 4000` alone still yields a coherent tenant.
    if config.issuer == DEFAULT_ISSUER && options.port != cli::DEFAULT_PORT {
        config.issuer = format!("http://localhost:{}/", options.port);
    }
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
    let mut message = format!("dev-tenant: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    eprintln!("{message}");
    ExitCode::FAILURE
}
