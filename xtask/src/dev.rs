//! `cargo xtask dev`: the dev tenant, the API and `trunk serve`, started together and stopped together.

use crate::process::{self, ChildGuard};
use crate::tools::{self, Needs};
use crate::workspace::{self, API_PORT, AUDIENCE, SPA_PORT, TENANT_ISSUER, TENANT_PORT};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Set by Ctrl-C (SIGINT) or SIGTERM; the loops below notice it, and dropping the guards stops
/// every child, also when only this process was signalled.
static STOP: AtomicBool = AtomicBool::new(false);

fn stopping() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// Builds and starts everything, waits until the servers answer, then serves the SPA until Ctrl-C.
///
/// # Errors
/// A port is busy, a build fails, or a server does not come up.
pub fn run() -> Result<(), String> {
    for (port, what) in [
        (TENANT_PORT, "the dev tenant"),
        (API_PORT, "the API"),
        (SPA_PORT, "the SPA"),
    ] {
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_err() {
            return Err(format!(
                "port {port} (for {what}) is busy. Stop whatever uses it (`ss -ltnp 'sport = :{port}'` \
                 names the process; an earlier `cargo xtask dev` perhaps) and run again."
            ));
        }
    }
    ctrlc::set_handler(|| STOP.store(true, Ordering::SeqCst))
        .map_err(|error| format!("cannot handle Ctrl-C: {error}"))?;
    let toolchain = tools::ensure(Needs {
        browser: false,
        brotli: false,
    })?;
    process::run(
        toolchain
            .command("cargo")
            .args(["build", "-p", "dev-tenant", "-p", "api"]),
    )?;
    let bin = workspace::target_dir().join("debug");

    let mut tenant = ChildGuard::spawn(
        "dev tenant",
        toolchain.command(bin.join("dev-tenant")).args([
            "serve",
            "--data-dir",
            ".dev-tenant",
            "--port",
            &TENANT_PORT.to_string(),
        ]),
    )?;
    let mut api = ChildGuard::spawn(
        "API",
        toolchain
            .command(bin.join("api"))
            // Both spellings of the issuer, so a `.env` naming a real tenant (which never
            // overrides the environment) cannot disagree with the dev tenant.
            .env("ISSUER_BASE_URL", TENANT_ISSUER)
            .env("AUTH0_DOMAIN", TENANT_ISSUER.trim_end_matches('/'))
            .env("AUTH0_AUDIENCE", AUDIENCE)
            .env("PORT", API_PORT.to_string())
            .env("ALLOWED_ORIGINS", format!("http://localhost:{SPA_PORT}")),
    )?;
    for (child, port, path) in [
        (
            &mut tenant,
            TENANT_PORT,
            "/.well-known/openid-configuration",
        ),
        (&mut api, API_PORT, "/healthz"),
    ] {
        let up = process::wait_until(Duration::from_secs(60), || {
            stopping() || child.exited().is_some() || answers_ok(port, path)
        });
        if stopping() {
            return Ok(());
        }
        if let Some(status) = child.exited() {
            return Err(format!(
                "{} exited at start-up ({status}); its log is above",
                child.name()
            ));
        }
        if !up {
            return Err(format!(
                "{} did not answer on port {port} within 60 s",
                child.name()
            ));
        }
    }

    println!(
        "\n  The app:        http://localhost:{SPA_PORT}  (building now; trunk says when it is ready)\
         \n  The API:        http://localhost:{API_PORT}/api/public\
         \n  The dev tenant: {TENANT_ISSUER}  (development only)\
         \n  Sign in as reader@example.com / password123 (holds read:messages)\
         \n          or guest@example.com / password123 (holds no permission)\
         \n  Ctrl-C stops everything.\n"
    );
    let mut trunk = ChildGuard::spawn(
        "trunk serve",
        toolchain
            .command("trunk")
            .args(["serve", "--offline", "--port", &SPA_PORT.to_string()]),
    )?;
    loop {
        if stopping() {
            println!("\nxtask: stopping the dev tenant, the API and trunk");
            return Ok(());
        }
        for child in [&mut tenant, &mut api] {
            if let Some(status) = child.exited() {
                return Err(format!(
                    "{} stopped ({status}); stopping the rest",
                    child.name()
                ));
            }
        }
        if let Some(status) = trunk.exited() {
            return if status.success() {
                Ok(())
            } else {
                Err(format!("trunk serve stopped ({status})"))
            };
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Whether `GET path` on 127.0.0.1:port answers 200.
fn answers_ok(port: u16, path: &str) -> bool {
    let Ok(mut stream) =
        TcpStream::connect_timeout(&(Ipv4Addr::LOCALHOST, port).into(), Duration::from_secs(1))
    else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}
