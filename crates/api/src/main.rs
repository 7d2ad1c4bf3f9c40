//! The `api` binary: configuration from the environment (and `.env`), logging, serving.

use std::io::IsTerminal;
use std::process::ExitCode;

use api::serve::{ConnectionStats, serve};
use api::{Config, app, logging};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    // Before the subscriber is built, so that RUST_LOG may come from .env as well.
    if let Err(error) = dotenvy::dotenv()
        && !error.not_found()
    {
        eprintln!("api: cannot read .env: {error}");
        return ExitCode::from(2);
    }

    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Kept until main returns: dropping it writes out the lines still buffered.
    let _log = match logging::init(filter, std::io::stdout(), std::io::stdout().is_terminal()) {
        Ok(guard) => guard,
        Err(error) => {
            eprintln!("api: cannot set up logging: {}", with_causes(&error));
            return ExitCode::FAILURE;
        }
    };
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("api: configuration error: {}", with_causes(&error));
            return ExitCode::from(2);
        }
    };

    tracing::debug!(
        allowed_origins = ?config.allowed_origins(),
        clock_leeway = ?config.clock_leeway(),
        permission_source = ?config.permission_source(),
        "configuration read"
    );
    let shutdown = shutdown_signal();
    let address = config.listen_addr();
    let listener = match tokio::net::TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("api: cannot listen on {address}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let limits = config.serve_limits();
    tracing::info!(
        issuer = config.issuer().as_str(),
        audience = config.audience().as_str(),
        header_read_timeout = ?limits.header_read_timeout,
        max_connections = limits.max_connections,
        "api listening on http://{address}"
    );
    let served = serve(
        listener,
        app(config),
        limits,
        ConnectionStats::new(),
        shutdown,
    );
    if let Err(error) = served.await {
        eprintln!("api: server error: {error}");
        return ExitCode::FAILURE;
    }
    tracing::info!("api stopped");
    ExitCode::SUCCESS
}

/// The error's message followed by its causes', so a refused setting says what is wrong with it.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        message.push_str(": ");
        message.push_str(&error.to_string());
        cause = error.source();
    }
    message
}

/// A future that resolves on SIGINT (Ctrl-C) or SIGTERM, so in-flight requests can finish.
/// The handlers are installed when this is called, not when the future is first polled: the
/// binary calls it before it binds its port, so a signal sent as soon as the port answers
/// still shuts it down gracefully rather than killing it.
#[cfg(unix)]
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{Signal, SignalKind, signal};

    let install = |kind: SignalKind, name: &'static str| {
        signal(kind)
            .inspect_err(|error| tracing::error!(error = %error, "cannot listen for {name}"))
            .ok()
    };
    async fn received(signal: Option<Signal>) {
        match signal {
            Some(mut signal) => {
                signal.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    }
    let interrupt = install(SignalKind::interrupt(), "sigint");
    let terminate = install(SignalKind::terminate(), "sigterm");
    async move {
        tokio::select! {
            () = received(interrupt) => {}
            () = received(terminate) => {}
        }
        tracing::info!("shutting down");
    }
}

/// A future that resolves on Ctrl-C, so in-flight requests can finish.
#[cfg(not(unix))]
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %error, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
        tracing::info!("shutting down");
    }
}
