//! Every path of the API measured in one interleaved run (`cargo xtask bench api`).
//!
//! Serves the app as the binary does (`api::serve`, with its header-read timeout and connection
//! cap, and the production layers, metrics and logging, the log written to `/dev/null`), bare
//! axum handlers without any middleware on `axum::serve` (one answering as `/api/public` does,
//! one doing a single ring verification of the bearer token and nothing else), and a local
//! JWKS, all on 127.0.0.1:0, on a server runtime of its own. A lean HTTP/1.1 client on another
//! thread keeps `CONNECTIONS` keep-alive connections busy, path after path, in rounds whose order rotates so that no path
//! always runs on a warmer or quieter machine. Each path sends a bounded number of requests per
//! round and stops at `TIME_CAP` whatever the machine.
//!
//! For each path it prints requests/s, p50, p99 and the CPU time per request of the server
//! threads (runtime and log writer) and of the client, from Linux schedstat. A tight loop of
//! raw RS256 verifications on one core, with ring (the server's backend), takes its turn in
//! every round like a path; jsonwebtoken's `rust_crypto` backend is timed once for comparison.
//! Then it prints the ratios the API is held to, from the rates and from the CPU times, and the
//! token paths against the bare verifying handler: with the load generator on the same cores,
//! that handler is the most any server verifying with ring reaches here. After the raw loop of
//! each round, the validator alone checks first-seen and forged tokens in a loop on the same
//! thread, without HTTP: what the token check adds to the signature check.

#[path = "../../axum-bearer-auth/tests/support/mod.rs"]
mod support;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use api::routes::PUBLIC_MESSAGE;
use api::serve::{ConnectionStats, ServeLimits, serve};
use api::{Config, app};
use oidc_protocol::base64url;
use serde_json::Value;
use support::{AUDIENCE, JwksServer, TestKey, primary_key, rs256_header, valid_claims};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tracing_subscriber::EnvFilter;

/// Concurrent keep-alive connections, to each server.
const CONNECTIONS: usize = 50;
/// Measured rounds; each runs every path once.
const ROUNDS: usize = 12;
/// Requests per path per round.
const REQUESTS: usize = 10_000;
/// Requests per round with tokens never seen before: each needs a freshly signed token.
const FIRST_SEEN_REQUESTS: usize = 2_000;
/// Requests per path before measuring (connections, JWKS fetch, caches).
const WARM_UP_REQUESTS: usize = 500;
/// Distinct tokens the "repeating" paths cycle through, as many users would.
const REPEATING_TOKENS: usize = 200;
/// No path runs longer than this in one round, whatever the machine.
const TIME_CAP: Duration = Duration::from_secs(20);
/// Verifications of the raw ring loop per round, which runs between the paths like one of them.
const RAW_VERIFIES: usize = 1_500;
/// Tokens checked by the validator alone, without HTTP, per kind and round, right after the raw
/// loop of the round.
const TOKEN_CHECKS: usize = 250;
/// Verifications of the raw rust_crypto loop, run once for comparison.
const RUST_CRYPTO_VERIFIES: usize = 300;
/// Server threads are told apart from the client's by these names.
const SERVER_THREAD: &str = "bench-server";
const LOG_THREAD: &str = api::logging::WRITER_THREAD;
/// The peer API's bad-signature figure (axum 0.7 + jwt-authorizer 0.15, ring, measured with
/// wrk on this machine): the rate to beat.
const PEER_BAD_SIGNATURE_RATE: f64 = 11_400.0;

/// A path under load: prebuilt requests, taken in turn, and the status each must answer.
struct Target {
    name: &'static str,
    bare: bool,
    requests: Arc<Vec<Vec<u8>>>,
    /// Each request is sent at most once (tokens never seen before).
    once: bool,
    next: Arc<AtomicUsize>,
    expected_status: u16,
}

impl Target {
    fn new(
        name: &'static str,
        bare: bool,
        requests: Vec<Vec<u8>>,
        once: bool,
        status: u16,
    ) -> Self {
        Self {
            name,
            bare,
            requests: Arc::new(requests),
            once,
            next: Arc::new(AtomicUsize::new(0)),
            expected_status: status,
        }
    }
}

fn request(path: &str, token: Option<&str>) -> Vec<u8> {
    let mut request = format!("GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n");
    if let Some(token) = token {
        request.push_str(&format!("authorization: Bearer {token}\r\n"));
    }
    request.push_str("\r\n");
    request.into_bytes()
}

/// One keep-alive HTTP/1.1 connection: writes a request, reads the whole response.
struct Connection {
    address: SocketAddr,
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Connection {
    async fn open(address: SocketAddr) -> std::io::Result<Self> {
        let stream = TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            address,
            stream,
            buffer: Vec::with_capacity(4096),
        })
    }

    /// The status of the answer to `request`, body read and discarded.
    async fn exchange(&mut self, request: &[u8]) -> std::io::Result<u16> {
        self.stream.write_all(request).await?;
        self.buffer.clear();
        let (head_length, status, body_length) = loop {
            if let Some(head) = parse_head(&self.buffer)? {
                break head;
            }
            self.read_more().await?;
        };
        while self.buffer.len() < head_length + body_length {
            self.read_more().await?;
        }
        Ok(status)
    }

    async fn read_more(&mut self) -> std::io::Result<()> {
        self.buffer.reserve(4096);
        if self.stream.read_buf(&mut self.buffer).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }

    async fn reopen(&mut self) -> std::io::Result<()> {
        *self = Self::open(self.address).await?;
        Ok(())
    }
}

/// Head length, status and `content-length` once the head is complete.
fn parse_head(buffer: &[u8]) -> std::io::Result<Option<(usize, u16, usize)>> {
    let invalid = || std::io::Error::from(std::io::ErrorKind::InvalidData);
    let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = std::str::from_utf8(&buffer[..end]).map_err(|_| invalid())?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(invalid)?;
    let length = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .ok_or_else(invalid)?;
    Ok(Some((end + 4, status, length)))
}

/// CPU time so far of the server's threads and of all the others (client, main), from Linux
/// schedstat; `None` where the OS does not tell.
fn cpu_times() -> Option<(Duration, Duration)> {
    let mut server = Duration::ZERO;
    let mut other = Duration::ZERO;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let path = task.ok()?.path();
        let Ok(schedstat) = std::fs::read_to_string(path.join("schedstat")) else {
            continue;
        };
        let name = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        let nanoseconds: u64 = schedstat.split_whitespace().next()?.parse().ok()?;
        let time = Duration::from_nanos(nanoseconds);
        let name = name.trim_end();
        if name.starts_with(SERVER_THREAD) || name == LOG_THREAD {
            server += time;
        } else {
            other += time;
        }
    }
    Some((server, other))
}

#[derive(Default)]
struct Sample {
    completed: usize,
    failed: usize,
    elapsed: Duration,
    server_cpu: Option<Duration>,
    client_cpu: Option<Duration>,
    latencies: Vec<Duration>,
}

impl Sample {
    fn absorb(&mut self, other: Sample) {
        self.completed += other.completed;
        self.failed += other.failed;
        self.elapsed += other.elapsed;
        let add = |mine: Option<Duration>, theirs: Option<Duration>| {
            Some(mine.unwrap_or_default() + theirs?)
        };
        self.server_cpu = add(self.server_cpu, other.server_cpu);
        self.client_cpu = add(self.client_cpu, other.client_cpu);
        self.latencies.extend(other.latencies);
    }

    fn rate(&self) -> f64 {
        self.completed as f64 / self.elapsed.as_secs_f64()
    }

    fn per_request(&self, cpu: Option<Duration>) -> f64 {
        match cpu {
            Some(cpu) if self.completed > 0 => cpu.as_secs_f64() * 1e6 / self.completed as f64,
            _ => f64::NAN,
        }
    }

    /// Needs `latencies` sorted.
    fn percentile(&self, fraction: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let index = ((self.latencies.len() as f64 - 1.0) * fraction).round() as usize;
        self.latencies[index].as_secs_f64() * 1e6
    }
}

/// Sends up to `count` requests of `target` over every connection, stopping at `TIME_CAP`.
async fn drive(
    connections: Vec<Connection>,
    target: &Target,
    count: usize,
) -> (Vec<Connection>, Sample) {
    let remaining = Arc::new(AtomicUsize::new(count));
    let cpu_before = cpu_times();
    let started = Instant::now();
    let deadline = started + TIME_CAP;
    let workers: Vec<_> = connections
        .into_iter()
        .map(|mut connection| {
            let remaining = Arc::clone(&remaining);
            let requests = Arc::clone(&target.requests);
            let next = Arc::clone(&target.next);
            let once = target.once;
            let expected = target.expected_status;
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut failed = 0;
                let take = || {
                    remaining.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                        left.checked_sub(1)
                    })
                };
                while Instant::now() < deadline && take().is_ok() {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if once && index >= requests.len() {
                        break;
                    }
                    let sent = Instant::now();
                    match connection.exchange(&requests[index % requests.len()]).await {
                        Ok(status) if status == expected => latencies.push(sent.elapsed()),
                        Ok(_) => failed += 1,
                        Err(_) => {
                            failed += 1;
                            if connection.reopen().await.is_err() {
                                break;
                            }
                        }
                    }
                }
                (connection, latencies, failed)
            })
        })
        .collect();
    let mut connections = Vec::with_capacity(CONNECTIONS);
    let mut sample = Sample::default();
    for worker in workers {
        let (connection, latencies, failed) = worker.await.expect("load worker");
        connections.push(connection);
        sample.completed += latencies.len();
        sample.failed += failed;
        sample.latencies.extend(latencies);
    }
    sample.elapsed = started.elapsed();
    if let (Some(after), Some(before)) = (cpu_times(), cpu_before) {
        sample.server_cpu = Some(after.0.saturating_sub(before.0));
        sample.client_cpu = Some(after.1.saturating_sub(before.1));
    }
    (connections, sample)
}

/// A compact RS256 token for `claims`, signed with ring (several times faster than the rsa
/// crate, which matters when minting thousands).
fn sign_with_ring(key: &ring::signature::RsaKeyPair, kid: &str, claims: &Value) -> String {
    let message = format!(
        "{}.{}",
        base64url::encode(rs256_header(kid).to_string()),
        base64url::encode(claims.to_string())
    );
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        message.as_bytes(),
        &mut signature,
    )
    .expect("rs256 signing");
    format!("{message}.{}", base64url::encode(signature))
}

/// `count` distinct valid tokens, one subject each, signed on every core.
fn mint(key: &TestKey, issuer: &str, first: usize, count: usize) -> Vec<String> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let per_thread = count.div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|thread| {
                scope.spawn(move || {
                    let pair = ring::signature::RsaKeyPair::from_der(&key.pkcs1_der)
                        .expect("ring key pair");
                    let start = first + thread * per_thread;
                    let end = (start + per_thread).min(first + count);
                    (start..end)
                        .map(|index| {
                            let mut claims = valid_claims(issuer);
                            claims["sub"] = Value::from(format!("auth0|user-{index}"));
                            sign_with_ring(&pair, key.kid, &claims)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().expect("minting thread"))
            .collect()
    })
}

/// The same token with one signature byte changed: well-formed, right `kid`, forged.
fn forged(token: &str) -> String {
    let (message, signature) = token.rsplit_once('.').expect("compact jws");
    let mut signature = base64url::decode(signature).expect("base64url signature");
    signature[10] ^= 0x55;
    format!("{message}.{}", base64url::encode(signature))
}

/// CPU time this thread has used so far (Linux schedstat).
fn thread_cpu() -> Option<Duration> {
    let schedstat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanoseconds = schedstat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanoseconds))
}

/// `count` raw verifications on this thread: the time and CPU time they took.
fn raw_round(count: usize, verify: &mut impl FnMut() -> bool) -> Sample {
    let started = Instant::now();
    let cpu_before = thread_cpu();
    for _ in 0..count {
        assert!(verify(), "raw verification failed");
    }
    Sample {
        completed: count,
        elapsed: started.elapsed(),
        client_cpu: thread_cpu()
            .zip(cpu_before)
            .map(|(after, before)| after.saturating_sub(before)),
        server_cpu: Some(Duration::ZERO),
        ..Sample::default()
    }
}

/// A `/dev/null` that counts the lines written to it, so the run shows the log was on.
struct CountingNull {
    file: std::fs::File,
    lines: Arc<AtomicU64>,
    bytes: Arc<AtomicU64>,
}

impl Write for CountingNull {
    fn write(&mut self, buffer: &[u8]) -> std::io::Result<usize> {
        let written = self.file.write(buffer)?;
        let lines = buffer[..written]
            .iter()
            .filter(|byte| **byte == b'\n')
            .count();
        self.lines.fetch_add(lines as u64, Ordering::Relaxed);
        self.bytes.fetch_add(written as u64, Ordering::Relaxed);
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// The answer of `/api/public`, served without any layer.
async fn bare_public() -> axum::Json<Value> {
    axum::Json(serde_json::json!({ "message": PUBLIC_MESSAGE }))
}

/// The least a server can do for a bearer token: one ring verification of its signature, with
/// no other check, no layer and no cache. The rate the real paths can be held to on a machine
/// whose cores the load generator shares: what HTTP and the client cost beside the RSA check.
async fn bare_verify(
    axum::extract::State(key): axum::extract::State<
        Arc<ring::signature::RsaPublicKeyComponents<Vec<u8>>>,
    >,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let verified = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .and_then(|token| token.rsplit_once('.'))
        .and_then(|(message, signature)| Some((message, base64url::decode(signature).ok()?)))
        .is_some_and(|(message, signature)| {
            key.verify(
                &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                message.as_bytes(),
                &signature,
            )
            .is_ok()
        });
    if verified {
        axum::Json(serde_json::json!({ "message": PUBLIC_MESSAGE })).into_response()
    } else {
        axum::http::StatusCode::UNAUTHORIZED.into_response()
    }
}

fn report(name: &str, sample: &Sample) {
    println!(
        "{name:<40} {:>7} {:>6} {:>9.0} {:>8.0} {:>8.0} {:>10.1} {:>10.1}",
        sample.completed,
        sample.failed,
        sample.rate(),
        sample.percentile(0.50),
        sample.percentile(0.99),
        sample.per_request(sample.server_cpu),
        sample.per_request(sample.client_cpu),
    );
}

/// The median of the per-round ratios.
fn median(rounds: &mut [f64]) -> f64 {
    rounds.sort_by(f64::total_cmp);
    rounds.get(rounds.len() / 2).copied().unwrap_or(f64::NAN)
}

fn ratio_line(name: &str, overall: f64, rounds: &mut [f64], goal: f64) {
    let median = median(rounds);
    let verdict = if overall >= goal { "met" } else { "MISSED" };
    println!(
        "{name:<52} {overall:>6.2}x  (median of rounds {median:.2}x)  goal >= {goal:.1}x  {verdict}"
    );
}

/// A ratio without a goal, to read the others by.
fn context_line(name: &str, overall: f64, rounds: &mut [f64]) {
    let median = median(rounds);
    println!("{name:<52} {overall:>6.2}x  (median of rounds {median:.2}x)");
}

fn main() {
    let lines = Arc::new(AtomicU64::new(0));
    let bytes = Arc::new(AtomicU64::new(0));
    let null = CountingNull {
        file: std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .expect("/dev/null"),
        lines: Arc::clone(&lines),
        bytes: Arc::clone(&bytes),
    };
    let log_guard = api::logging::init(EnvFilter::new("info"), null, false).expect("logging");

    // The issuer's public key, for the bare verifying handler and the raw loops.
    let (modulus, exponent) = primary_key().public_components();
    let verifying_key = Arc::new(ring::signature::RsaPublicKeyComponents {
        n: modulus,
        e: exponent,
    });

    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_name(SERVER_THREAD)
        .enable_all()
        .build()
        .expect("server runtime");
    let (jwks, app_address, bare_address) = server_runtime.block_on(async {
        let jwks = JwksServer::start(&[primary_key()]).await;
        let config = Config::new(&jwks.issuer, AUDIENCE).expect("config");
        let app_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let bare_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let app_address = app_listener.local_addr().expect("local address");
        let bare_address = bare_listener.local_addr().expect("local address");
        tokio::spawn(serve(
            app_listener,
            app(config),
            ServeLimits::default(),
            ConnectionStats::new(),
            std::future::pending(),
        ));
        let bare = axum::Router::new()
            .route("/api/public", axum::routing::get(bare_public))
            .route("/api/private", axum::routing::get(bare_verify))
            .with_state(Arc::clone(&verifying_key));
        tokio::spawn(async move { axum::serve(bare_listener, bare).await });
        (jwks, app_address, bare_address)
    });

    let key = primary_key();
    let first_seen_count = WARM_UP_REQUESTS + ROUNDS * FIRST_SEEN_REQUESTS;
    let minting = Instant::now();
    let repeating = mint(key, &jwks.issuer, 0, REPEATING_TOKENS);
    let first_seen = mint(key, &jwks.issuer, REPEATING_TOKENS, first_seen_count);
    let checked = mint(
        key,
        &jwks.issuer,
        REPEATING_TOKENS + first_seen_count,
        ROUNDS * TOKEN_CHECKS,
    );
    println!(
        "minted {} tokens in {:.1} s",
        repeating.len() + first_seen.len() + checked.len(),
        minting.elapsed().as_secs_f64()
    );
    let bad_signature = forged(&repeating[0]);

    let public_request = request("/api/public", None);
    let for_each = |path: &str, tokens: &[String]| -> Vec<Vec<u8>> {
        tokens
            .iter()
            .map(|token| request(path, Some(token)))
            .collect()
    };
    let targets = [
        Target::new(
            "bare axum handler, no middleware",
            true,
            vec![public_request.clone()],
            false,
            200,
        ),
        // The first-seen tokens, in turn: request for request the bytes the first-seen path
        // sends, and a handler without a cache verifies every one.
        Target::new(
            "bare axum handler + ring verify",
            true,
            for_each("/api/private", &first_seen),
            false,
            200,
        ),
        Target::new(
            "bare axum + ring verify, bad signature",
            true,
            vec![request("/api/private", Some(&bad_signature))],
            false,
            401,
        ),
        Target::new("/api/public", false, vec![public_request], false, 200),
        Target::new(
            "/api/private, repeating tokens",
            false,
            for_each("/api/private", &repeating),
            false,
            200,
        ),
        Target::new(
            "/api/private, first-seen tokens",
            false,
            for_each("/api/private", &first_seen),
            true,
            200,
        ),
        Target::new(
            "/api/private, bad signature",
            false,
            vec![request("/api/private", Some(&bad_signature))],
            false,
            401,
        ),
        Target::new(
            "/api/private, no token",
            false,
            vec![request("/api/private", None)],
            false,
            401,
        ),
        Target::new(
            "/api/private-scoped, repeating tokens",
            false,
            for_each("/api/private-scoped", &repeating),
            false,
            200,
        ),
    ];
    let [
        bare,
        bare_verified,
        bare_forged,
        public,
        repeated,
        fresh,
        forged_target,
        anonymous,
        scoped,
    ] = &targets;

    let (message, encoded_signature) = repeating[0].rsplit_once('.').expect("compact jws");
    let signature = base64url::decode(encoded_signature).expect("signature");
    let mut ring_verify = || {
        verifying_key
            .verify(
                &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                message.as_bytes(),
                &signature,
            )
            .is_ok()
    };
    let decoding =
        jsonwebtoken::DecodingKey::from_rsa_raw_components(&verifying_key.n, &verifying_key.e);
    let mut rust_crypto_verify = || {
        jsonwebtoken::crypto::verify(
            encoded_signature,
            message.as_bytes(),
            &decoding,
            jsonwebtoken::Algorithm::RS256,
        )
        .unwrap_or(false)
    };
    raw_round(50, &mut ring_verify);

    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let (samples, raw_samples, checks) = client.block_on(async {
        let open = |address| async move {
            let mut connections = Vec::with_capacity(CONNECTIONS);
            for _ in 0..CONNECTIONS {
                connections.push(Connection::open(address).await.expect("connect"));
            }
            connections
        };
        let mut app_connections = open(app_address).await;
        let mut bare_connections = open(bare_address).await;
        for target in &targets {
            let pool = if target.bare {
                &mut bare_connections
            } else {
                &mut app_connections
            };
            let (back, warm) = drive(std::mem::take(pool), target, WARM_UP_REQUESTS).await;
            *pool = back;
            assert_eq!(warm.failed, 0, "warm-up of {} failed", target.name);
        }

        // The token check alone, without HTTP, on this thread: a validator of its own, so that
        // none of the tokens it checks is remembered yet.
        let validator = axum_bearer_auth::BearerAuth::new(
            axum_bearer_auth::BearerAuthConfig::new(
                oidc_protocol::Issuer::parse(&jwks.issuer).expect("issuer"),
                oidc_protocol::Audience::new(AUDIENCE),
            )
            .expect("bearer auth config"),
        );
        validator.verify(&repeating[0]).await.expect("keys fetched");
        let forged_checks = vec![bad_signature.clone(); TOKEN_CHECKS];
        // CPU time and count of the checks, first-seen tokens then forged ones.
        let mut checks = [(Duration::ZERO, 0_usize); 2];

        let mut samples: Vec<Vec<Sample>> = targets.iter().map(|_| Vec::new()).collect();
        let mut raw_samples = Vec::new();
        for round in 0..ROUNDS {
            // The raw loop takes its turn among the paths, so that it meets the same machine,
            // and the token checks follow it.
            for offset in 0..=targets.len() {
                let index = (round + offset) % (targets.len() + 1);
                let Some(target) = targets.get(index) else {
                    raw_samples.push(raw_round(RAW_VERIFIES, &mut ring_verify));
                    let fresh = &checked[round * TOKEN_CHECKS..(round + 1) * TOKEN_CHECKS];
                    for (kind, (tokens, valid)) in [(fresh, true), (&forged_checks[..], false)]
                        .into_iter()
                        .enumerate()
                    {
                        let before = thread_cpu();
                        for token in tokens {
                            let verdict = validator.verify(token).await.is_ok();
                            assert_eq!(verdict, valid, "token check");
                        }
                        if let Some(cpu) = thread_cpu().zip(before).map(|(a, b)| a - b) {
                            checks[kind].0 += cpu;
                            checks[kind].1 += tokens.len();
                        }
                    }
                    continue;
                };
                let count = if target.once {
                    FIRST_SEEN_REQUESTS
                } else {
                    REQUESTS
                };
                let pool = if target.bare {
                    &mut bare_connections
                } else {
                    &mut app_connections
                };
                let (back, sample) = drive(std::mem::take(pool), target, count).await;
                *pool = back;
                samples[index].push(sample);
            }
        }
        let checks = [("first-seen", checks[0]), ("bad signature", checks[1])]
            .map(|(name, (cpu, count))| (name, cpu.as_secs_f64() * 1e6 / count.max(1) as f64));
        (samples, raw_samples, checks)
    });

    let mut raw_total = Sample::default();
    for round in &raw_samples {
        raw_total.absorb(Sample {
            completed: round.completed,
            elapsed: round.elapsed,
            client_cpu: round.client_cpu,
            server_cpu: round.server_cpu,
            ..Sample::default()
        });
    }
    let ring_rate = raw_total.rate();
    let ring_cpu_micros = raw_total.per_request(raw_total.client_cpu);
    let rust_crypto = raw_round(RUST_CRYPTO_VERIFIES, &mut rust_crypto_verify);
    let rust_crypto_rate = rust_crypto.rate();
    let rust_crypto_cpu_micros = rust_crypto.per_request(rust_crypto.client_cpu);

    println!(
        "\n{CONNECTIONS} keep-alive connections, {ROUNDS} rounds in rotating order; \
         {REQUESTS} requests per path per round ({FIRST_SEEN_REQUESTS} first-seen)"
    );
    println!(
        "{:<40} {:>7} {:>6} {:>9} {:>8} {:>8} {:>10} {:>10}",
        "path", "ok", "failed", "req/s", "p50 µs", "p99 µs", "server µs", "client µs"
    );
    let mut totals = Vec::new();
    for (target, rounds) in targets.iter().zip(&samples) {
        let mut total = Sample::default();
        for round in rounds {
            total.absorb(Sample {
                completed: round.completed,
                failed: round.failed,
                elapsed: round.elapsed,
                server_cpu: round.server_cpu,
                client_cpu: round.client_cpu,
                latencies: round.latencies.clone(),
            });
        }
        total.latencies.sort_unstable();
        report(target.name, &total);
        totals.push(total);
    }
    println!(
        "{:<40} {:>24.0} verifies/s, {ring_cpu_micros:.1} µs of CPU each",
        "raw RS256 verify, ring, 1 core", ring_rate
    );
    println!(
        "{:<40} {:>24.0} verifies/s, {rust_crypto_cpu_micros:.1} µs of CPU each",
        "raw RS256 verify, rust_crypto, 1 core", rust_crypto_rate
    );
    for (name, micros) in &checks {
        println!(
            "{:<40} {:>24.1} µs of CPU each, {:.1} µs beyond the raw verify",
            format!("token check alone, {name}"),
            micros,
            micros - ring_cpu_micros
        );
    }
    println!(
        "access log: {} lines, {} bytes written, {} dropped",
        lines.load(Ordering::Relaxed),
        bytes.load(Ordering::Relaxed),
        log_guard.dropped_lines()
    );

    let index_of = |wanted: &Target| {
        targets
            .iter()
            .position(|target| std::ptr::eq(target, wanted))
            .expect("target")
    };
    let rate_of = |target: &Target| totals[index_of(target)].rate();
    /// Against another path, the raw ring loop of the same round, or a fixed rate.
    enum Versus<'a> {
        Path(&'a Target),
        RawVerify,
        Rate(f64),
    }
    let round_ratios = |numerator: &Target, denominator: Versus<'_>| {
        let mine = &samples[index_of(numerator)];
        let theirs = match denominator {
            Versus::Path(target) => samples[index_of(target)].iter().map(Sample::rate).collect(),
            Versus::RawVerify => raw_samples.iter().map(Sample::rate).collect(),
            Versus::Rate(rate) => vec![rate; mine.len()],
        };
        mine.iter()
            .zip(theirs)
            .map(|(mine, theirs): (&Sample, f64)| mine.rate() / theirs)
            .collect::<Vec<_>>()
    };
    println!("\nratios (wall-clock rates of this run)");
    ratio_line(
        "public / bare axum handler",
        rate_of(public) / rate_of(bare),
        &mut round_ratios(public, Versus::Path(bare)),
        0.9,
    );
    ratio_line(
        "private, repeating tokens / public",
        rate_of(repeated) / rate_of(public),
        &mut round_ratios(repeated, Versus::Path(public)),
        0.9,
    );
    ratio_line(
        "private, first-seen tokens / raw ring verify",
        rate_of(fresh) / ring_rate,
        &mut round_ratios(fresh, Versus::RawVerify),
        1.0,
    );
    ratio_line(
        "private, bad signature / raw ring verify",
        rate_of(forged_target) / ring_rate,
        &mut round_ratios(forged_target, Versus::RawVerify),
        1.0,
    );
    ratio_line(
        "private, bad signature / peer (11,400 req/s)",
        rate_of(forged_target) / PEER_BAD_SIGNATURE_RATE,
        &mut round_ratios(forged_target, Versus::Rate(PEER_BAD_SIGNATURE_RATE)),
        1.0,
    );
    println!(
        "\nthe same paths against a bare axum handler that does one ring verification and \
         nothing else"
    );
    context_line(
        "bare axum + ring verify / raw ring verify",
        rate_of(bare_verified) / ring_rate,
        &mut round_ratios(bare_verified, Versus::RawVerify),
    );
    context_line(
        "private, first-seen tokens / bare axum + verify",
        rate_of(fresh) / rate_of(bare_verified),
        &mut round_ratios(fresh, Versus::Path(bare_verified)),
    );
    context_line(
        "private, bad signature / bare axum + verify",
        rate_of(forged_target) / rate_of(bare_forged),
        &mut round_ratios(forged_target, Versus::Path(bare_forged)),
    );

    // Rates swing with whatever else runs on the machine; CPU time per request barely does.
    // These are the rates the CPU times imply for an otherwise idle machine.
    let cores = std::thread::available_parallelism().map_or(1.0, |cores| cores.get() as f64);
    let cpu_of = |target: &Target| {
        let total = &totals[index_of(target)];
        total.per_request(total.server_cpu) + total.per_request(total.client_cpu)
    };
    let implied = |target: &Target| cores * 1e6 / cpu_of(target);
    let ring_implied = 1e6 / ring_cpu_micros;
    println!(
        "\nratios by CPU time per request (server + client, {cores} cores; raw verify on 1 core)"
    );
    let cpu_line = |name: &str, ratio: f64, goal: f64| {
        let verdict = if ratio >= goal { "met" } else { "MISSED" };
        println!("{name:<52} {ratio:>6.2}x  goal >= {goal:.1}x  {verdict}");
    };
    cpu_line(
        "public / bare axum handler",
        implied(public) / implied(bare),
        0.9,
    );
    cpu_line(
        "private, repeating tokens / public",
        implied(repeated) / implied(public),
        0.9,
    );
    cpu_line(
        "private, first-seen tokens / raw ring verify",
        implied(fresh) / ring_implied,
        1.0,
    );
    cpu_line(
        "private, bad signature / raw ring verify",
        implied(forged_target) / ring_implied,
        1.0,
    );
    cpu_line(
        "private, bad signature / peer (11,400 req/s)",
        implied(forged_target) / PEER_BAD_SIGNATURE_RATE,
        1.0,
    );
    println!(
        "\n(no token: {:.0} req/s, private-scoped: {:.0} req/s, raw ring / rust_crypto: {:.1}x)",
        rate_of(anonymous),
        rate_of(scoped),
        ring_rate / rust_crypto_rate
    );

    let failed: usize = totals.iter().map(|total| total.failed).sum();
    drop(log_guard);
    server_runtime.shutdown_timeout(Duration::from_secs(1));
    assert_eq!(failed, 0, "some requests got another answer than expected");
}
