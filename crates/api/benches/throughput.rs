//! Throughput of `/api/public` against `/api/private` in one run (`cargo bench -p api`).
//!
//! Serves the app and a local JWKS on 127.0.0.1:0, mints one valid token, then drives the same
//! bounded load (fixed request count, time cap, keep-alive connections) at each endpoint in
//! alternating rounds and prints requests/s, p50 and p99, and the private/public ratio.
//! The goal is a ratio >= 0.9.

#[path = "../../axum-bearer-auth/tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use api::{Config, app};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use support::{AUDIENCE, JwksServer, primary_key, rs256_header, sign, valid_claims};
use tower::ServiceExt;

/// Concurrent keep-alive connections.
const CONNECTIONS: usize = 32;
/// Measured rounds; each runs both endpoints, in alternating order.
const ROUNDS: usize = 16;
/// Requests per endpoint per round.
const REQUESTS: usize = 1_500;
/// Requests per endpoint before measuring (connections, caches, JWKS fetch).
const WARM_UP_REQUESTS: usize = 500;
/// Requests per endpoint through the router alone, before and after warming up.
const IN_PROCESS_WARM_UP: u32 = 1_000;
const IN_PROCESS_REQUESTS: u32 = 20_000;
/// No round runs longer than this, whatever the machine.
const TIME_CAP: Duration = Duration::from_secs(20);

struct Round {
    completed: usize,
    failed: usize,
    elapsed: Duration,
    /// CPU time the whole process (server and client) spent, when the OS tells.
    cpu: Option<Duration>,
    latencies: Vec<Duration>,
}

impl Round {
    fn empty() -> Self {
        Self {
            completed: 0,
            failed: 0,
            elapsed: Duration::ZERO,
            cpu: Some(Duration::ZERO),
            latencies: Vec::new(),
        }
    }

    fn absorb(&mut self, other: Round) {
        self.completed += other.completed;
        self.failed += other.failed;
        self.elapsed += other.elapsed;
        self.cpu = self.cpu.zip(other.cpu).map(|(mine, theirs)| mine + theirs);
        self.latencies.extend(other.latencies);
    }

    fn cpu_per_request(&self) -> Option<Duration> {
        let completed = u32::try_from(self.completed)
            .ok()
            .filter(|completed| *completed > 0)?;
        self.cpu.map(|cpu| cpu / completed)
    }

    fn requests_per_second(&self) -> f64 {
        self.completed as f64 / self.elapsed.as_secs_f64()
    }

    /// Needs `latencies` sorted.
    fn percentile(&self, fraction: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let index = ((self.latencies.len() as f64 - 1.0) * fraction).round() as usize;
        self.latencies[index]
    }
}

/// Sends `requests` GETs over `CONNECTIONS` concurrent workers, stopping early at `TIME_CAP`.
async fn drive(
    client: &reqwest::Client,
    url: &str,
    authorization: Option<&HeaderValue>,
    requests: usize,
) -> Round {
    let started = Instant::now();
    let cpu_before = process_cpu_time();
    let deadline = started + TIME_CAP;
    let remaining = Arc::new(AtomicUsize::new(requests));
    let mut workers = Vec::new();
    for _ in 0..CONNECTIONS {
        let client = client.clone();
        let url = url.to_owned();
        let authorization = authorization.cloned();
        let remaining = remaining.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failed = 0;
            let take = || {
                remaining.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                    left.checked_sub(1)
                })
            };
            while Instant::now() < deadline && take().is_ok() {
                let sent = Instant::now();
                let mut request = client.get(&url);
                if let Some(value) = &authorization {
                    request = request.header(AUTHORIZATION, value.clone());
                }
                let answered = match request.send().await {
                    Ok(response) if response.status().is_success() => {
                        response.bytes().await.is_ok()
                    }
                    _ => false,
                };
                if answered {
                    latencies.push(sent.elapsed());
                } else {
                    failed += 1;
                }
            }
            (latencies, failed)
        }));
    }
    let mut round = Round::empty();
    for worker in workers {
        let (latencies, failed) = worker.await.expect("load worker");
        round.completed += latencies.len();
        round.failed += failed;
        round.latencies.extend(latencies);
    }
    round.elapsed = started.elapsed();
    round.cpu = process_cpu_time()
        .zip(cpu_before)
        .map(|(after, before)| after.saturating_sub(before));
    round
}

/// CPU time of all this process's threads, in nanoseconds precision (Linux schedstat). Unlike
/// wall-clock rates it barely moves when other programs load the machine.
fn process_cpu_time() -> Option<Duration> {
    let mut total = Duration::ZERO;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let schedstat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        let nanoseconds: u64 = schedstat.split_whitespace().next()?.parse().ok()?;
        total += Duration::from_nanos(nanoseconds);
    }
    Some(total)
}

/// Mean time per request through the router alone (no sockets, no client), after `warm_up`.
async fn in_process_cost(
    router: &axum::Router,
    url: &str,
    authorization: Option<&HeaderValue>,
) -> Duration {
    let one = || async {
        let mut request = axum::http::Request::get(url);
        if let Some(value) = authorization {
            request = request.header(AUTHORIZATION, value.clone());
        }
        let request = request.body(axum::body::Body::empty()).expect("request");
        let response = router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible router");
        assert!(
            response.status().is_success(),
            "{url} answered {}",
            response.status()
        );
        axum::body::to_bytes(response.into_body(), 64 * 1024)
            .await
            .expect("body");
    };
    for _ in 0..IN_PROCESS_WARM_UP {
        one().await;
    }
    let started = Instant::now();
    for _ in 0..IN_PROCESS_REQUESTS {
        one().await;
    }
    started.elapsed() / IN_PROCESS_REQUESTS
}

fn report(name: &str, round: &Round) {
    println!(
        "{name:<13} {:>6} ok {:>3} failed {:>8.0} req/s  p50 {:>6.0} µs  p99 {:>6.0} µs  cpu {:>5.1} µs/request",
        round.completed,
        round.failed,
        round.requests_per_second(),
        round.percentile(0.50).as_secs_f64() * 1e6,
        round.percentile(0.99).as_secs_f64() * 1e6,
        round
            .cpu_per_request()
            .map_or(f64::NAN, |cpu| cpu.as_secs_f64() * 1e6),
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let jwks = JwksServer::start(&[primary_key()]).await;
        let config = Config::new(&jwks.issuer, AUDIENCE).expect("config");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        let address = listener.local_addr().expect("local address");
        let server = tokio::spawn(async move { axum::serve(listener, app(config)).await });

        let token = sign(&rs256_header(primary_key().kid), &valid_claims(&jwks.issuer), primary_key());
        // Built once, so the client does not re-validate the header on every request.
        let bearer = HeaderValue::from_str(&format!("Bearer {token}")).expect("header value");
        let client = reqwest::Client::builder().pool_max_idle_per_host(CONNECTIONS).build().expect("http client");
        let public_url = format!("http://{address}/api/public");
        let private_url = format!("http://{address}/api/private");

        let warm_public = drive(&client, &public_url, None, WARM_UP_REQUESTS).await;
        let warm_private = drive(&client, &private_url, Some(&bearer), WARM_UP_REQUESTS).await;
        assert_eq!(warm_public.failed + warm_private.failed, 0, "warm-up requests failed");

        println!("{CONNECTIONS} keep-alive connections; {ROUNDS} alternating rounds of {REQUESTS} requests per endpoint");
        let mut public = Round::empty();
        let mut private = Round::empty();
        let mut round_ratios = Vec::new();
        for round in 0..ROUNDS {
            // Alternate the order so neither endpoint always runs on a warmer or quieter machine.
            let (public_round, private_round) = if round % 2 == 0 {
                let public_round = drive(&client, &public_url, None, REQUESTS).await;
                (public_round, drive(&client, &private_url, Some(&bearer), REQUESTS).await)
            } else {
                let private_round = drive(&client, &private_url, Some(&bearer), REQUESTS).await;
                (drive(&client, &public_url, None, REQUESTS).await, private_round)
            };
            round_ratios.push(private_round.requests_per_second() / public_round.requests_per_second());
            public.absorb(public_round);
            private.absorb(private_round);
        }
        public.latencies.sort_unstable();
        private.latencies.sort_unstable();
        report("/api/public", &public);
        report("/api/private", &private);
        round_ratios.sort_by(f64::total_cmp);
        println!(
            "ratio private/public: {:.3} overall, {:.3} median of rounds (goal >= 0.9)",
            private.requests_per_second() / public.requests_per_second(),
            round_ratios[round_ratios.len() / 2],
        );
        if let (Some(public_cpu), Some(private_cpu)) = (public.cpu_per_request(), private.cpu_per_request()) {
            // Throughput when the CPU is the bottleneck, free of other programs' load.
            println!(
                "ratio private/public by cpu per request: {:.3}",
                public_cpu.as_secs_f64() / private_cpu.as_secs_f64()
            );
        }

        // The same comparison without sockets or client: what validating a token itself costs.
        let router = app(Config::new(&jwks.issuer, AUDIENCE).expect("config"));
        let public_cost = in_process_cost(&router, "/api/public", None).await;
        let private_cost = in_process_cost(&router, "/api/private", Some(&bearer)).await;
        println!(
            "in-process (router only): /api/public {:.1} µs/request, /api/private {:.1} µs/request",
            public_cost.as_secs_f64() * 1e6,
            private_cost.as_secs_f64() * 1e6,
        );
        server.abort();
    });
}
