//! The `api` binary: configuration from the environment (and `.env`), logging, serving.

use std::io::IsTerminal;
use std::process::ExitCode;

use api::serve::{ConnectionStats, ServeLimits, serve};
use api::{Api, Config, logging};
use tokio::sync::watch;
use tracing_subscriber::EnvFilter;

/// The most connections the metrics listener serves at once: a scraper or two, and a person.
const METRICS_MAX_CONNECTIONS: usize = 8;

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
    // Before binding, so that a signal sent as soon as a port answers is handled.
    let shutdown = shutdown_signal();
    let address = config.listen_addr();
    let listener = match tokio::net::TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("api: cannot listen on {address}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let metrics_listener = match config.metrics_addr() {
        None => None,
        Some(metrics_address) => match tokio::net::TcpListener::bind(metrics_address).await {
            Ok(listener) => Some((metrics_address, listener)),
            Err(error) => {
                eprintln!("api: cannot listen on {metrics_address} for metrics: {error}");
                return ExitCode::FAILURE;
            }
        },
    };
    let limits = config.serve_limits();
    tracing::info!(
        issuer = config.issuer().as_str(),
        audience = config.audience().as_str(),
        header_read_timeout = ?limits.header_read_timeout,
        max_connections = limits.max_connections,
        "api listening on http://{address}"
    );
    let api = Api::new(config);

    // One signal stops both listeners.
    let (stop, stopping) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop.send(true);
    });
    let stopped = |mut stopping: watch::Receiver<bool>| async move {
        let _ = stopping.wait_for(|stop| *stop).await;
    };
    let metrics_served = async {
        let Some((metrics_address, listener)) = metrics_listener else {
            return Ok(());
        };
        tracing::info!("metrics on http://{metrics_address}/metrics");
        let limits = ServeLimits {
            max_connections: METRICS_MAX_CONNECTIONS,
            ..limits
        };
        serve(
            listener,
            api.metrics,
            limits,
            ConnectionStats::new(),
            stopped(stopping.clone()),
        )
        .await
    };
    let api_served = serve(
        listener,
        api.router,
        limits,
        api.connections,
        stopped(stopping.clone()),
    );
    let (api_served, metrics_served) = tokio::join!(api_served, metrics_served);
    if let Err(error) = api_served.and(metrics_served) {
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
