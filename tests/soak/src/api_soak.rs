//! The API part: the API served as its binary serves it, against the test issuer, under a
//! fixed token mix on keep-alive connections at full speed, while the issuer publishes a new
//! key, stops, publishes another while down, and comes back; slow clients hold connections
//! throughout. Every answer is judged by [`crate::oracle`].

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::http::header::{AUTHORIZATION, HOST, RETRY_AFTER, WWW_AUTHENTICATE};
use hyper::http::{HeaderValue, Request, Uri};
use oidc_protocol::BearerChallenge;
use tokio::task::JoinSet;

use api::serve::{ConnectionStats, ServeLimits, serve};

use crate::connection::Connection;
use crate::error::SoakError;
use crate::issuer::TestIssuer;
use crate::keys::SigningKey;
use crate::memory::{self, Resident};
use crate::oracle::{self, Micros, Mistake, Observed, Rules};
use crate::runtime::Runtimes;
use crate::server::{self, RunningServer};
use crate::settings::Settings;
use crate::slow_clients::{SlowClientSummary, SlowClients};
use crate::tally::{Examples, Tally, body_excerpt};
use crate::timeline::Timeline;
use crate::tokens::{TokenClass, TokenPools};

/// The audience the API is configured with and the tokens are for.
const AUDIENCE: &str = "https://quickstarts/api";
/// Keep-alive connections of the load generator.
const CONNECTIONS: usize = 32;
/// Connections held open by slow clients.
const SLOW_CLIENTS: usize = 32;
/// Keys the issuer publishes during the run: one at start, one rotated in while it is up,
/// one while it is down.
const ISSUER_KEYS: usize = 3;
/// A pause after a connection cannot be opened, so that a refusing server is not spun on.
const RECONNECT_PAUSE: Duration = Duration::from_millis(10);

/// When the issuer changes, as fractions of the run.
#[derive(Debug, Clone, Copy)]
struct Schedule {
    rotate: Duration,
    stop: Duration,
    rotate_while_down: Duration,
    restart: Duration,
}

impl Schedule {
    fn for_duration(duration: Duration) -> Self {
        Self {
            rotate: duration.mul_f64(0.15),
            stop: duration.mul_f64(0.35),
            rotate_while_down: duration.mul_f64(0.45),
            restart: duration.mul_f64(0.55),
        }
    }
}

/// The refetch interval the API runs with: its default (10 s) for runs of a minute or more,
/// a sixth of the run for shorter ones, so that a short run still sees the API refetch after
/// the issuer returns.
fn refetch_interval(default: Duration, run: Duration) -> Duration {
    default.min(run / 6)
}

/// What one load connection counted.
#[derive(Default)]
struct WorkerTally {
    classes: [Tally; TokenClass::ALL.len()],
    examples: Examples,
    failed_connects: u64,
}

/// What happened to the issuer, for the report.
#[derive(Debug, Clone, Copy, Default)]
struct Events {
    rotated: Option<Micros>,
    stopped: Option<Micros>,
    rotated_while_down: Option<Micros>,
    restarted: Option<Micros>,
}

/// The figures of the API part.
pub struct ApiReport {
    duration: Duration,
    refetch_interval: Duration,
    window: Duration,
    classes: [Tally; TokenClass::ALL.len()],
    examples: Examples,
    failed_connects: u64,
    /// Load connections whose task panicked: their answers are lost, so each counts as wrong.
    failed_workers: u64,
    events: Events,
    /// First 200 for the key rotated in while the issuer was up, after its publication.
    recovery_after_rotation: Option<Duration>,
    /// First 200 for the key rotated in while the issuer was down, after the restart.
    recovery_after_restart: Option<Duration>,
    jwks_fetches: u64,
    discovery_fetches: u64,
    slow_clients: SlowClientSummary,
    limits: ServeLimits,
    /// Connections the API accepted, and closed for sending no complete head in time.
    connections_accepted: u64,
    connections_timed_out: u64,
    resident_start: Resident,
    resident_end: Resident,
    peak_is_own: bool,
}

impl ApiReport {
    /// Requests sent, all classes.
    pub fn requests(&self) -> u64 {
        self.classes.iter().map(|tally| tally.requests).sum()
    }

    /// Wrong answers (no answer and failed connections included).
    pub fn wrong(&self) -> u64 {
        self.classes.iter().map(|tally| tally.wrong).sum::<u64>()
            + self.failed_connects
            + self.failed_workers
    }

    /// Requests sent of one class.
    pub fn requests_of(&self, class: TokenClass) -> u64 {
        self.classes[class.index()].requests
    }

    /// The first wrong answers, one line each.
    pub fn examples(&self) -> &[String] {
        self.examples.lines()
    }

    /// Time from the issuer's restart to the first 200 for the key it gained while down.
    pub fn recovery_after_restart(&self) -> Option<Duration> {
        self.recovery_after_restart
    }
}

/// Runs the API part for `settings.duration`.
///
/// # Errors
/// [`SoakError`] when a server cannot be set up or the issuer cannot restart.
pub fn run(settings: &Settings) -> Result<ApiReport, SoakError> {
    let runtimes = Runtimes::new()?;
    let result = run_on(&runtimes, settings);
    runtimes.shut_down();
    result
}

/// The issuer's keys and a foreign one that signs what no published key signed.
fn generate_keys() -> Result<(Vec<SigningKey>, SigningKey), SoakError> {
    // Key generation is the slow part of setting up; one thread per key.
    let generate = |kid: String| move || SigningKey::generate(&kid);
    let (keys, foreign) = std::thread::scope(|scope| {
        let issuer_keys: Vec<_> = (1..=ISSUER_KEYS)
            .map(|number| scope.spawn(generate(format!("soak-key-{number}"))))
            .collect();
        let foreign = scope.spawn(generate("soak-foreign".to_owned()));
        let join = |handle: std::thread::ScopedJoinHandle<'_, _>| {
            handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        };
        let keys: Vec<Result<SigningKey, _>> = issuer_keys.into_iter().map(join).collect();
        (keys, join(foreign))
    });
    Ok((keys.into_iter().collect::<Result<_, _>>()?, foreign?))
}

fn run_on(runtimes: &Runtimes, settings: &Settings) -> Result<ApiReport, SoakError> {
    let (keys, foreign) = generate_keys()?;
    let mut issuer = TestIssuer::start(runtimes.server.handle().clone(), &keys[0])?;
    let issuer_url = issuer.url();
    let defaults = api::Config::new(&issuer_url, AUDIENCE)?;
    let interval = refetch_interval(
        defaults.bearer_auth().jwks().refetch_interval,
        settings.duration,
    );
    let config = defaults.with_jwks_refetch_interval(interval);
    let rules = Rules {
        refetch_interval: interval,
        fetch_timeout: config.bearer_auth().jwks().fetch_timeout,
    };
    let tokens = Arc::new(TokenPools::mint(&issuer_url, AUDIENCE, &keys, &foreign)?);

    let listener = server::bind_loopback().map_err(SoakError::Bind)?;
    let limits = config.serve_limits();
    let app = api::app(config);
    let connections = ConnectionStats::new();
    let served = connections.clone();
    // As the api binary serves it (crates/api/src/main.rs): header-read deadline, connection
    // cap, bounded head buffer.
    let api = RunningServer::spawn(
        runtimes.server.handle(),
        listener,
        |listener, shutdown| async move {
            let _ = serve(listener, app, limits, served, shutdown).await;
        },
    )
    .map_err(SoakError::Bind)?;
    let address = api.address;

    let peak_is_own = memory::reset_peak();
    let resident_start = memory::resident();
    let timeline = Arc::new(Timeline::new(ISSUER_KEYS));
    let started = timeline.started();
    let deadline = started + settings.duration;
    let schedule = Schedule::for_duration(settings.duration);

    let (workers, failed_workers, slow_clients, events) = runtimes.client.block_on(async {
        let host = HeaderValue::from_str(&address.to_string())
            .unwrap_or(HeaderValue::from_static("127.0.0.1"));
        let slow = SlowClients::start(
            address,
            format!("GET /api/private HTTP/1.1\r\nHost: {address}\r\n"),
            SLOW_CLIENTS,
            deadline,
        );
        let mut workers = JoinSet::new();
        for worker in 0..CONNECTIONS {
            workers.spawn(load(
                worker,
                address,
                host.clone(),
                Arc::clone(&tokens),
                Arc::clone(&timeline),
                rules,
                deadline,
            ));
        }
        let events = drive_issuer(&mut issuer, &keys, &timeline, started, schedule).await;
        let mut tallies = Vec::with_capacity(CONNECTIONS);
        let mut failed_workers = 0;
        while let Some(tally) = workers.join_next().await {
            match tally {
                Ok(tally) => tallies.push(tally),
                Err(_) => failed_workers += 1,
            }
        }
        let slow_clients = slow.finish().await;
        issuer.stop().await;
        api.stop().await;
        (tallies, failed_workers, slow_clients, events)
    });
    let events = events?;
    let resident_end = memory::resident();

    let mut classes: [Tally; TokenClass::ALL.len()] = Default::default();
    let mut examples = Examples::default();
    let mut failed_connects = 0;
    for worker in &workers {
        for (total, tally) in classes.iter_mut().zip(&worker.classes) {
            total.merge(tally);
        }
        examples.merge(&worker.examples);
        failed_connects += worker.failed_connects;
    }
    let since = |from: Option<Micros>, to: Option<Micros>| match (from, to) {
        (Some(from), Some(to)) => Some(Timeline::offset(to.saturating_sub(from))),
        _ => None,
    };
    let (jwks_fetches, discovery_fetches) = issuer.fetches();
    Ok(ApiReport {
        duration: settings.duration,
        refetch_interval: interval,
        window: Duration::from_micros(rules.window()),
        classes,
        examples,
        failed_connects,
        failed_workers,
        events,
        recovery_after_rotation: since(timeline.published_at(1), timeline.first_accepted(1)),
        recovery_after_restart: since(events.restarted, timeline.first_accepted(2)),
        jwks_fetches,
        discovery_fetches,
        slow_clients,
        limits,
        connections_accepted: connections.accepted(),
        connections_timed_out: connections.timed_out(),
        resident_start,
        resident_end,
        peak_is_own,
    })
}

/// Publishes, stops, publishes and restarts on schedule.
async fn drive_issuer(
    issuer: &mut TestIssuer,
    keys: &[SigningKey],
    timeline: &Timeline,
    started: Instant,
    schedule: Schedule,
) -> Result<Events, SoakError> {
    let at = |offset: Duration| tokio::time::sleep_until((started + offset).into());
    let mut events = Events::default();
    at(schedule.rotate).await;
    issuer.publish(&keys[1]);
    timeline.publish_next();
    events.rotated = timeline.published_at(1);
    at(schedule.stop).await;
    timeline.issuer_down();
    events.stopped = Some(timeline.now());
    issuer.stop().await;
    at(schedule.rotate_while_down).await;
    issuer.publish(&keys[2]);
    timeline.publish_next();
    events.rotated_while_down = timeline.published_at(2);
    at(schedule.restart).await;
    issuer.restart().await?;
    events.restarted = Some(timeline.issuer_up());
    Ok(events)
}

/// One keep-alive connection sending the mix until the deadline, judging every answer.
async fn load(
    worker: usize,
    address: SocketAddr,
    host: HeaderValue,
    tokens: Arc<TokenPools>,
    timeline: Arc<Timeline>,
    rules: Rules,
    deadline: Instant,
) -> WorkerTally {
    let mut tally = WorkerTally::default();
    let mut connection: Option<Connection> = None;
    // Workers start at different places in the mix, so that the classes interleave.
    let mut sequence = worker as u64 * 7;
    while Instant::now() < deadline {
        let mut open = match connection.take() {
            Some(open) => open,
            None => match Connection::open(address).await {
                Ok(open) => open,
                Err(error) => {
                    tally.failed_connects += 1;
                    let at = timeline.now();
                    tally
                        .examples
                        .add(|| format!("{:>8.3} s  connection: {error}", seconds(at)));
                    tokio::time::sleep(RECONNECT_PAUSE).await;
                    continue;
                }
            },
        };
        let credential = tokens.pick(sequence, timeline.published_count());
        let path = if sequence % 4 == 3 {
            "/api/private-scoped"
        } else {
            "/api/private"
        };
        sequence += 1;
        let mut request = Request::new(Full::new(Bytes::new()));
        *request.uri_mut() = Uri::from_static(path);
        request.headers_mut().insert(HOST, host.clone());
        if let Some(authorization) = credential.authorization {
            request.headers_mut().insert(AUTHORIZATION, authorization);
        }
        let class = credential.class;
        let sent = timeline.now();
        let clock = Instant::now();
        let result = open.send(request).await;
        let latency = clock.elapsed();
        let received = timeline.now();
        let class_tally = &mut tally.classes[class.index()];
        match result {
            Ok(answer) => {
                let status = answer.status.as_u16();
                if status == 200
                    && class == TokenClass::Valid
                    && let Some(key) = credential.key
                {
                    timeline.accepted(key, received);
                }
                let facts = timeline.facts(credential.key, sent, received, &rules);
                let observed = Observed {
                    status,
                    retry_after: answer.headers.contains_key(RETRY_AFTER),
                    challenge: answer
                        .header(WWW_AUTHENTICATE.as_str())
                        .and_then(BearerChallenge::parse),
                };
                let verdict = oracle::judge(class, facts, &observed);
                class_tally.answered(status, latency, verdict.is_err());
                if let Err(mistake) = verdict {
                    tally.examples.add(|| {
                        example(
                            sent,
                            class,
                            credential.key,
                            Some(status),
                            mistake,
                            &answer.body,
                        )
                    });
                }
                connection = Some(open);
            }
            Err(error) => {
                class_tally.unanswered();
                tally.examples.add(|| {
                    format!(
                        "{}: {error}",
                        example(sent, class, credential.key, None, Mistake::NoAnswer, &[])
                    )
                });
            }
        }
    }
    tally
}

fn seconds(at: Micros) -> f64 {
    Timeline::offset(at).as_secs_f64()
}

fn example(
    sent: Micros,
    class: TokenClass,
    key: Option<usize>,
    status: Option<u16>,
    mistake: Mistake,
    body: &[u8],
) -> String {
    let key = key
        .map(|key| format!(" (key {})", key + 1))
        .unwrap_or_default();
    let status = status
        .map(|status| format!(" {status}"))
        .unwrap_or_default();
    format!(
        "{:>8.3} s  {}{key}{status}: {mistake}  {}",
        seconds(sent),
        class.name(),
        body_excerpt(body)
    )
}

fn at_or_dash(at: Option<Micros>) -> String {
    at.map_or_else(|| "-".to_owned(), |at| format!("{:.1} s", seconds(at)))
}

impl fmt::Display for ApiReport {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            formatter,
            "API soak: {} s, {CONNECTIONS} keep-alive connections at full speed, API refetch interval {:.1} s (a key must be known {:.1} s after the issuer is up with it)",
            self.duration.as_secs(),
            self.refetch_interval.as_secs_f64(),
            self.window.as_secs_f64(),
        )?;
        writeln!(
            formatter,
            "issuer: key 2 published at {}, stopped at {}, key 3 published at {} while down, restarted at {}; it served {} JWKS and {} discovery documents",
            at_or_dash(self.events.rotated),
            at_or_dash(self.events.stopped),
            at_or_dash(self.events.rotated_while_down),
            at_or_dash(self.events.restarted),
            self.jwks_fetches,
            self.discovery_fetches,
        )?;
        writeln!(
            formatter,
            "{:<14} {:>10} {:>10} {:>9} {:>8} {:>7} {:>7} {:>8} {:>8}",
            "class", "requests", "200", "401", "503", "other", "wrong", "p50 µs", "p99 µs"
        )?;
        let mut total = Tally::default();
        for class in TokenClass::ALL {
            let tally = &self.classes[class.index()];
            total.merge(tally);
            write_row(formatter, class.name(), tally)?;
        }
        write_row(formatter, "total", &total)?;
        let elapsed = self.duration.as_secs_f64().max(f64::EPSILON);
        writeln!(
            formatter,
            "throughput: {:.0} requests/s; connections that could not be opened: {}; load tasks that failed: {}",
            total.requests as f64 / elapsed,
            self.failed_connects,
            self.failed_workers
        )?;
        writeln!(
            formatter,
            "recovery: first 200 for key 2 {} after it was published; for key 3 {} after the issuer returned",
            duration_or_never(self.recovery_after_rotation),
            duration_or_never(self.recovery_after_restart),
        )?;
        writeln!(formatter, "slow clients: {}", self.slow_clients)?;
        writeln!(
            formatter,
            "API connections: {} accepted, {} closed for sending no complete head within {} s (cap {} at once)",
            self.connections_accepted,
            self.connections_timed_out,
            self.limits.header_read_timeout.as_secs_f64(),
            self.limits.max_connections,
        )?;
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

fn duration_or_never(duration: Option<Duration>) -> String {
    duration.map_or_else(
        || "never".to_owned(),
        |duration| format!("{:.2} s", duration.as_secs_f64()),
    )
}

fn write_row(formatter: &mut fmt::Formatter<'_>, name: &str, tally: &Tally) -> fmt::Result {
    writeln!(
        formatter,
        "{:<14} {:>10} {:>10} {:>9} {:>8} {:>7} {:>7} {:>8} {:>8}",
        name,
        tally.requests,
        tally.with_status(200),
        tally.with_status(401),
        tally.with_status(503),
        tally.with_other_status(&[200, 401, 503]) + tally.unanswered,
        tally.wrong,
        tally.latency.percentile(0.50).as_micros(),
        tally.latency.percentile(0.99).as_micros(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minute_keeps_the_default_refetch_interval_and_shorter_runs_scale_it() {
        let default = Duration::from_secs(10);
        assert_eq!(refetch_interval(default, Duration::from_secs(60)), default);
        assert_eq!(refetch_interval(default, Duration::from_secs(600)), default);
        assert_eq!(
            refetch_interval(default, Duration::from_secs(3)),
            Duration::from_millis(500)
        );
    }

    #[test]
    fn the_issuer_is_down_for_a_fifth_of_the_run_and_gains_a_key_meanwhile() {
        let schedule = Schedule::for_duration(Duration::from_secs(60));
        assert!(schedule.rotate < schedule.stop);
        assert!(schedule.stop < schedule.rotate_while_down);
        assert!(schedule.rotate_while_down < schedule.restart);
        assert_eq!(schedule.restart - schedule.stop, Duration::from_secs(12));
    }
}
