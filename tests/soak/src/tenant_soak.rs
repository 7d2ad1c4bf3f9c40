//! The dev tenant part: the tenant served as its binary serves it (header-read and body
//! deadlines, a connection cap), users logging in, exchanging codes and refreshing at full
//! speed, anonymous `/authorize` floods filling its bounded login store, and slow clients
//! holding connections; its store sizes are watched throughout.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dev_tenant::serve::ServeLimits;
use dev_tenant::store::{StoreLimits, StoreSizes};
use dev_tenant::{AppOptions, SigningKeys, TenantConfig};
use hyper::http::HeaderValue;
use tokio::task::JoinSet;
use url::Url;

use crate::error::SoakError;
use crate::memory::{self, Resident};
use crate::runtime::Runtimes;
use crate::server::{self, RunningServer};
use crate::settings::Settings;
use crate::slow_clients::{SlowClientSummary, SlowClients};
use crate::tally::{Examples, Tally};
use crate::tenant_flow::{self, Recorder, Step, Target};

/// Connections of users logging in and refreshing.
const USERS: usize = 8;
/// Connections flooding `/authorize`.
const FLOODS: usize = 4;
/// Connections held open by slow clients; with the others, well under the tenant's cap.
const SLOW_CLIENTS: usize = 16;
/// How often the store sizes are read.
const SIZE_SAMPLE_INTERVAL: Duration = Duration::from_millis(100);
/// Where the registered app would live; its callback is only read from redirects.
const SPA_ORIGIN: &str = "http://localhost:3000";

/// The figures of the tenant part.
pub struct TenantReport {
    duration: Duration,
    steps: Vec<Tally>,
    examples: Examples,
    logins: u64,
    lost_to_eviction: u64,
    largest: StoreSizes,
    at_end: StoreSizes,
    limits: StoreLimits,
    over_cap_samples: u64,
    /// Connections whose task panicked: their answers are lost, so each counts as wrong.
    failed_workers: u64,
    slow_clients: SlowClientSummary,
    resident_start: Resident,
    resident_end: Resident,
    peak_is_own: bool,
}

impl TenantReport {
    /// Requests sent, all steps.
    pub fn requests(&self) -> u64 {
        self.steps.iter().map(|tally| tally.requests).sum()
    }

    /// Wrong answers, plus store samples over a cap.
    pub fn wrong(&self) -> u64 {
        self.steps.iter().map(|tally| tally.wrong).sum::<u64>()
            + self.over_cap_samples
            + self.failed_workers
    }

    /// Requests of one step.
    pub fn requests_of(&self, step: Step) -> u64 {
        self.steps[step.index()].requests
    }

    /// The first wrong answers, one line each.
    pub fn examples(&self) -> &[String] {
        self.examples.lines()
    }
}

/// Runs the tenant part for `settings.duration`.
///
/// # Errors
/// [`SoakError`] when the tenant cannot be set up.
pub fn run(settings: &Settings) -> Result<TenantReport, SoakError> {
    let runtimes = Runtimes::new()?;
    let result = run_on(&runtimes, settings);
    runtimes.shut_down();
    result
}

fn largest(mut largest: StoreSizes, sizes: StoreSizes) -> StoreSizes {
    largest.login_transactions = largest.login_transactions.max(sizes.login_transactions);
    largest.sessions = largest.sessions.max(sizes.sessions);
    largest.codes = largest.codes.max(sizes.codes);
    largest.redeemed_codes = largest.redeemed_codes.max(sizes.redeemed_codes);
    largest.refresh_families = largest.refresh_families.max(sizes.refresh_families);
    largest
}

fn run_on(runtimes: &Runtimes, settings: &Settings) -> Result<TenantReport, SoakError> {
    let listener = server::bind_loopback().map_err(SoakError::Bind)?;
    let port = listener.local_addr().map_err(SoakError::Bind)?.port();
    let issuer = format!("http://localhost:{port}/");
    let config = TenantConfig::for_local(&issuer, SPA_ORIGIN)?;
    let callback = format!("{SPA_ORIGIN}/callback");
    let keys = SigningKeys::generate()?;
    let (router, state) = dev_tenant::app_with_state(
        config,
        keys,
        AppOptions {
            served_port: Some(port),
            ..AppOptions::default()
        },
    );
    // As the dev-tenant binary serves it.
    let tenant = RunningServer::spawn(
        runtimes.server.handle(),
        listener,
        |listener, shutdown| async move {
            let _ =
                dev_tenant::serve::serve(listener, router, ServeLimits::default(), shutdown).await;
        },
    )
    .map_err(SoakError::Bind)?;
    let address = tenant.address;
    let issuer_url = Url::parse(&issuer)?;

    let peak_is_own = memory::reset_peak();
    let resident_start = memory::resident();
    let started = Instant::now();
    let deadline = started + settings.duration;
    let target = Target {
        address,
        host: HeaderValue::from_str(&format!("localhost:{port}"))
            .unwrap_or(HeaderValue::from_static("localhost")),
        issuer: issuer_url,
        callback,
        state: Arc::clone(&state),
        started,
    };
    let limits = state.store.limits();

    let (recorders, failed_workers, slow_clients, largest_sizes, over_cap_samples) =
        runtimes.client.block_on(async {
            let slow = SlowClients::start(
                address,
                format!("GET /authorize HTTP/1.1\r\nHost: localhost:{port}\r\n"),
                SLOW_CLIENTS,
                deadline,
            );
            let mut workers = JoinSet::new();
            for worker in 0..USERS {
                workers.spawn(tenant_flow::user(worker, target.clone(), deadline));
            }
            for worker in 0..FLOODS {
                workers.spawn(tenant_flow::flood(worker, target.clone(), deadline));
            }
            let mut largest_sizes = StoreSizes::default();
            let mut over_cap_samples = 0;
            let mut ticks = tokio::time::interval(SIZE_SAMPLE_INTERVAL);
            while Instant::now() < deadline {
                ticks.tick().await;
                let sizes = state.store.sizes();
                largest_sizes = largest(largest_sizes, sizes);
                over_cap_samples += u64::from(!sizes.within(&limits));
            }
            let mut recorders: Vec<Recorder> = Vec::with_capacity(USERS + FLOODS);
            let mut failed_workers = 0;
            while let Some(recorder) = workers.join_next().await {
                match recorder {
                    Ok(recorder) => recorders.push(recorder),
                    Err(_) => failed_workers += 1,
                }
            }
            let slow_clients = slow.finish().await;
            tenant.stop().await;
            (
                recorders,
                failed_workers,
                slow_clients,
                largest_sizes,
                over_cap_samples,
            )
        });
    let resident_end = memory::resident();

    let mut steps = vec![Tally::default(); Step::ALL.len()];
    let mut examples = Examples::default();
    let (mut logins, mut lost_to_eviction) = (0, 0);
    for recorder in &recorders {
        for (total, tally) in steps.iter_mut().zip(&recorder.steps) {
            total.merge(tally);
        }
        examples.merge(&recorder.examples);
        logins += recorder.logins;
        lost_to_eviction += recorder.lost_to_eviction;
    }
    let at_end = state.store.sizes();
    Ok(TenantReport {
        duration: settings.duration,
        steps,
        examples,
        logins,
        lost_to_eviction,
        largest: largest(largest_sizes, at_end),
        at_end,
        limits,
        over_cap_samples,
        failed_workers,
        slow_clients,
        resident_start,
        resident_end,
        peak_is_own,
    })
}

impl fmt::Display for TenantReport {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            formatter,
            "dev tenant soak: {} s, {USERS} user connections (login, code exchange, refreshes, then revoke, replay or leave), {FLOODS} anonymous /authorize floods",
            self.duration.as_secs()
        )?;
        writeln!(
            formatter,
            "{:<22} {:>9} {:>9} {:>9} {:>7} {:>9} {:>9}",
            "step", "requests", "2xx/3xx", "4xx", "wrong", "p50 µs", "p99 µs"
        )?;
        let mut total = Tally::default();
        for step in Step::ALL {
            let tally = &self.steps[step.index()];
            total.merge(tally);
            write_row(formatter, step.name(), tally)?;
        }
        write_row(formatter, "total", &total)?;
        writeln!(
            formatter,
            "throughput: {:.0} requests/s; logins completed {}, lost to eviction from a full store {}; connection tasks that failed: {}",
            total.requests as f64 / self.duration.as_secs_f64().max(f64::EPSILON),
            self.logins,
            self.lost_to_eviction,
            self.failed_workers
        )?;
        let sizes = |sizes: &StoreSizes| {
            format!(
                "logins {}, sessions {}, codes {}, redeemed codes {}, refresh families {}",
                sizes.login_transactions,
                sizes.sessions,
                sizes.codes,
                sizes.redeemed_codes,
                sizes.refresh_families
            )
        };
        writeln!(formatter, "stores, largest seen: {}", sizes(&self.largest))?;
        writeln!(formatter, "stores, at the end:   {}", sizes(&self.at_end))?;
        writeln!(
            formatter,
            "stores, caps:         logins {}, sessions {}, codes {}, redeemed codes {}, refresh families {} (samples over a cap: {})",
            self.limits.login_transactions,
            self.limits.sessions,
            self.limits.codes,
            self.limits.redeemed_codes,
            self.limits.refresh_families,
            self.over_cap_samples
        )?;
        writeln!(formatter, "slow clients: {}", self.slow_clients)?;
        writeln!(
            formatter,
            "memory (whole process): RSS {} at start, {} at end, peak {}{}",
            memory::format_kib(self.resident_start.current_kib),
            memory::format_kib(self.resident_end.current_kib),
            memory::format_kib(self.resident_end.peak_kib),
            if self.peak_is_own {
                ""
            } else {
                " (since process start)"
            },
        )?;
        writeln!(formatter, "wrong answers: {}", self.wrong())?;
        for line in self.examples() {
            writeln!(formatter, "  {line}")?;
        }
        Ok(())
    }
}

fn write_row(formatter: &mut fmt::Formatter<'_>, name: &str, tally: &Tally) -> fmt::Result {
    let client_errors: u64 = (400..500).map(|status| tally.with_status(status)).sum();
    let successes: u64 = (200..400).map(|status| tally.with_status(status)).sum();
    writeln!(
        formatter,
        "{:<22} {:>9} {:>9} {:>9} {:>7} {:>9} {:>9}",
        name,
        tally.requests,
        successes,
        client_errors,
        tally.wrong,
        tally.latency.percentile(0.50).as_micros(),
        tally.latency.percentile(0.99).as_micros(),
    )
}
