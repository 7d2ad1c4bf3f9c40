//! The end-to-end harness: the dev tenant, the API and the built SPA served in-process on loopback
//! ports, and headless Chromium driven over WebDriver.
//!
//! Every URL is `http://localhost:<ephemeral port>`, so a running `cargo xtask dev` is no obstacle,
//! and the SPA is pointed at the servers by the `auth_config.json` served here, exactly as a
//! deployment points one build at another tenant.

use axum::Router;
use axum::extract::Request;
use axum::http::header::{CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use fantoccini::{Client, ClientBuilder, Locator};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::process::{Child, Command};
use tower_http::services::{ServeDir, ServeFile};

/// What can go wrong in a story: a message that says which step and what was seen.
pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// How long a condition is waited for before the story fails.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// The API identifier the story asks for.
pub const AUDIENCE: &str = "https://quickstarts/api";

/// What the servers were asked, counted as the answers go out.
#[derive(Debug, Default)]
pub struct Traffic {
    /// API answers with status 401.
    pub api_unauthorized: AtomicU64,
    /// API answers with status 200.
    pub api_ok: AtomicU64,
    /// `POST /oauth/token` requests to the tenant.
    pub token_requests: AtomicU64,
    /// `POST /oauth/revoke` requests to the tenant.
    pub revocations: AtomicU64,
    /// Silent `GET /authorize?...prompt=none...` requests to the tenant.
    pub silent_authorizations: AtomicU64,
    /// Content-Security-Policy violations the browser reported for the SPA's pages.
    pub csp_violations: AtomicU64,
    /// What the first [`MAX_KEPT_REPORTS`] of those reports said (directive and blocked URI).
    pub csp_reports: Mutex<Vec<String>>,
}

/// How many CSP reports [`Traffic::csp_reports`] keeps; the rest are only counted.
pub const MAX_KEPT_REPORTS: usize = 16;

/// The largest CSP report body read; a larger one is counted and not parsed.
const MAX_REPORT_BYTES: usize = 16 * 1024;

impl Traffic {
    /// A count as it stands.
    pub fn read(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::SeqCst)
    }

    /// The CSP reports kept so far, for a failure message.
    pub fn csp_reports(&self) -> Vec<String> {
        self.csp_reports
            .lock()
            .map(|reports| reports.clone())
            .unwrap_or_default()
    }

    /// Fails when the browser has reported any Content-Security-Policy violation: the app did
    /// something its shipped policy refuses, so it would break where the policy is deployed.
    ///
    /// # Errors
    /// A violation was reported; the message lists what the reports said.
    pub fn expect_no_csp_violations(&self, during: &str) -> Result<(), Failure> {
        self.expect_only_csp_violations(|_| false, during)
    }

    /// Fails when the browser has reported a Content-Security-Policy violation that `expected`
    /// does not accept (it is given the report's "directive refused blocked-uri" text), or more
    /// than [`MAX_KEPT_REPORTS`] of them.
    ///
    /// # Errors
    /// An unexpected violation was reported; the message lists what the reports said.
    pub fn expect_only_csp_violations(
        &self,
        expected: impl Fn(&str) -> bool,
        during: &str,
    ) -> Result<(), Failure> {
        let count = Self::read(&self.csp_violations);
        let reports = self.csp_reports();
        let all_kept = usize::try_from(count).is_ok_and(|count| count <= reports.len());
        if all_kept && reports.iter().all(|report| expected(report)) {
            return Ok(());
        }
        Err(
            format!("{count} Content-Security-Policy violation(s) during {during}: {reports:?}")
                .into(),
        )
    }

    /// Counts one CSP report and keeps what it says while fewer than [`MAX_KEPT_REPORTS`] are.
    fn record_csp_report(&self, body: &[u8]) {
        self.csp_violations.fetch_add(1, Ordering::SeqCst);
        let report: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let report = &report["csp-report"];
        let said = format!(
            "{} refused {}",
            report["violated-directive"].as_str().unwrap_or("?"),
            report["blocked-uri"].as_str().unwrap_or("?")
        );
        if let Ok(mut reports) = self.csp_reports.lock()
            && reports.len() < MAX_KEPT_REPORTS
        {
            reports.push(said);
        }
    }
}

/// The Content-Security-Policy the README gives for deploying the app, for a tenant at
/// `tenant_origin` and an API at `api_origin` (scheme, host and port, no path).
///
/// Scripts only from the app's own origin (no inline script: Trunk's loader is the external
/// `boot.js`), WebAssembly compilation allowed, connections only to the app's origin (its files
/// and `auth_config.json`), the tenant and the API, frames only from the tenant (silent
/// renewal), images from the app and the tenant (the profile picture), nothing embeds the app.
pub fn content_security_policy(tenant_origin: &str, api_origin: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' {tenant_origin}; connect-src 'self' {tenant_origin} {api_origin}; \
         frame-src {tenant_origin}; object-src 'none'; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'"
    )
}

/// The path of the SPA server's CSP report endpoint.
pub const CSP_REPORT_PATH: &str = "/csp-report";

/// The three servers, running until the process ends.
pub struct Stack {
    /// The SPA's origin, e.g. `http://localhost:40123`.
    pub spa_origin: String,
    /// The API's base URL.
    pub api_url: String,
    /// The dev tenant's issuer, with its trailing slash.
    pub issuer: String,
    /// What the API and the tenant were asked.
    pub traffic: Arc<Traffic>,
}

impl Stack {
    /// Starts tenant, API and a static server for `dist` on ephemeral loopback ports.
    ///
    /// # Errors
    /// `dist` has no `index.html`, a port cannot be bound, or a server cannot be configured.
    pub async fn start(dist: &Path) -> Result<Self, Failure> {
        Self::start_with(dist, None).await
    }

    /// [`Stack::start`], with the tenant's access tokens living `access_token_lifetime` when
    /// given (an hour otherwise).
    ///
    /// # Errors
    /// As [`Stack::start`].
    pub async fn start_with(
        dist: &Path,
        access_token_lifetime: Option<Duration>,
    ) -> Result<Self, Failure> {
        Self::start_configured(dist, access_token_lifetime, serde_json::Map::new()).await
    }

    /// [`Stack::start_with`], with `settings` added to the SPA's `auth_config.json` (say
    /// `"useRefreshTokens": false`).
    ///
    /// # Errors
    /// As [`Stack::start`].
    pub async fn start_configured(
        dist: &Path,
        access_token_lifetime: Option<Duration>,
        settings: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Self, Failure> {
        check_dist(dist)?;
        let tenant_listener = TcpListener::bind("127.0.0.1:0").await?;
        let api_listener = TcpListener::bind("127.0.0.1:0").await?;
        let spa_listener = TcpListener::bind("127.0.0.1:0").await?;
        let issuer = format!("http://localhost:{}/", tenant_listener.local_addr()?.port());
        let api_url = format!("http://localhost:{}", api_listener.local_addr()?.port());
        let spa_origin = format!("http://localhost:{}", spa_listener.local_addr()?.port());

        let mut tenant_config = dev_tenant::TenantConfig::for_local(&issuer, &spa_origin)?;
        if let Some(lifetime) = access_token_lifetime {
            tenant_config.access_token_lifetime = lifetime;
        }
        let keys = dev_tenant::SigningKeys::generate()?;
        let traffic = Arc::new(Traffic::default());
        let counted = Arc::clone(&traffic);
        serve(
            tenant_listener,
            dev_tenant::app(tenant_config, keys).layer(middleware::from_fn(
                move |request: Request, next: Next| {
                    let traffic = Arc::clone(&counted);
                    async move {
                        let silent = request.uri().path() == "/authorize"
                            && request
                                .uri()
                                .query()
                                .is_some_and(|query| query.contains("prompt=none"));
                        if silent {
                            traffic.silent_authorizations.fetch_add(1, Ordering::SeqCst);
                        }
                        if request.method() == Method::POST {
                            match request.uri().path() {
                                "/oauth/token" => {
                                    traffic.token_requests.fetch_add(1, Ordering::SeqCst)
                                }
                                "/oauth/revoke" => {
                                    traffic.revocations.fetch_add(1, Ordering::SeqCst)
                                }
                                _ => 0,
                            };
                        }
                        next.run(request).await
                    }
                },
            )),
        );

        serve_api(api_listener, &issuer, &spa_origin, &traffic)?;
        let mut auth_config = serde_json::json!({
            "domain": issuer.trim_end_matches('/'),
            "clientId": "local-spa-client",
            "audience": AUDIENCE,
            "scope": "openid profile email read:messages",
            "apiUrl": api_url,
        });
        if let Some(fields) = auth_config.as_object_mut() {
            fields.extend(settings);
        }
        serve_spa(
            spa_listener,
            dist,
            auth_config,
            &content_security_policy(&origin_of(&issuer)?, &api_url),
            &traffic,
        )?;
        Ok(Self {
            spa_origin,
            api_url,
            issuer,
            traffic,
        })
    }
}

/// Serves the API for `issuer`'s tokens on `listener`, open to `spa_origin`, counting its
/// answers in `traffic`.
fn serve_api(
    listener: TcpListener,
    issuer: &str,
    spa_origin: &str,
    traffic: &Arc<Traffic>,
) -> Result<(), Failure> {
    let api_config =
        api::Config::new(issuer, AUDIENCE)?.with_allowed_origins(vec![spa_origin.to_owned()]);
    let counted = Arc::clone(traffic);
    serve(
        listener,
        api::app(api_config).layer(middleware::from_fn(move |request: Request, next: Next| {
            let traffic = Arc::clone(&counted);
            async move {
                let response: Response = next.run(request).await;
                match response.status() {
                    StatusCode::UNAUTHORIZED => {
                        traffic.api_unauthorized.fetch_add(1, Ordering::SeqCst)
                    }
                    StatusCode::OK => traffic.api_ok.fetch_add(1, Ordering::SeqCst),
                    _ => 0,
                };
                response
            }
        })),
    );
    Ok(())
}

/// Serves the built app in `dist` on `listener`, with `auth_config` as its
/// `/auth_config.json` and `index.html` for every other path, as a deployment would, every
/// answer under `policy` (the README's headers) with its violations reported to
/// [`CSP_REPORT_PATH`] and counted in `traffic`.
fn serve_spa(
    listener: TcpListener,
    dist: &Path,
    auth_config: serde_json::Value,
    policy: &str,
    traffic: &Arc<Traffic>,
) -> Result<(), Failure> {
    let policy = HeaderValue::from_str(&format!("{policy}; report-uri {CSP_REPORT_PATH}"))?;
    let counted = Arc::clone(traffic);
    let spa = Router::new()
        .route(
            "/auth_config.json",
            get(move || async move { axum::Json(auth_config) }),
        )
        .route(
            CSP_REPORT_PATH,
            post(move |body: axum::body::Body| {
                let traffic = Arc::clone(&counted);
                async move {
                    // Counted before it is read, so a report too large to parse still counts.
                    let body = axum::body::to_bytes(body, MAX_REPORT_BYTES)
                        .await
                        .unwrap_or_default();
                    traffic.record_csp_report(&body);
                    StatusCode::NO_CONTENT
                }
            }),
        )
        .fallback_service(ServeDir::new(dist).fallback(ServeFile::new(dist.join("index.html"))))
        .layer(middleware::map_response(move |mut response: Response| {
            let policy = policy.clone();
            async move {
                let headers = response.headers_mut();
                headers.insert(CONTENT_SECURITY_POLICY, policy);
                headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
                headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
                response
            }
        }));
    serve(listener, spa);
    Ok(())
}

/// The origin (scheme, host and port) of `url`, e.g. of an issuer with a path.
///
/// # Errors
/// `url` is not an absolute http(s) URL.
pub fn origin_of(url: &str) -> Result<String, Failure> {
    Ok(oidc_protocol::HttpUrl::parse(url)?.origin().to_string())
}

/// Fails unless `dist` holds a built app.
fn check_dist(dist: &Path) -> Result<(), Failure> {
    if dist.join("index.html").is_file() {
        return Ok(());
    }
    Err(format!(
        "{} has no index.html: build the app first (`cargo xtask test` does it, or `trunk build --release`)",
        dist.display()
    )
    .into())
}

/// panva's oidc-provider, OpenID Certified, configured by `tests/oidc-provider/server.js` and
/// run by node on a free loopback port; the process is killed when this is dropped.
pub struct OidcProvider {
    /// Its issuer, `http://localhost:<port>/oidc/`.
    pub issuer: String,
    // Held so that the provider is killed when this is dropped.
    _process: Child,
}

impl OidcProvider {
    /// Starts the provider from the harness in `E2E_OIDC_PROVIDER` (by default
    /// `tests/oidc-provider`, where `cargo xtask test` installs it with `npm ci`) for a client
    /// at `spa_origin` whose API is [`AUDIENCE`], with access tokens living
    /// `access_token_lifetime`, and waits (at most [`PATIENCE`]) until it listens.
    ///
    /// # Errors
    /// The harness is not installed, node cannot be started, or the provider does not name its
    /// issuer in time.
    pub async fn start(spa_origin: &str, access_token_lifetime: Duration) -> Result<Self, Failure> {
        use tokio::io::AsyncBufReadExt as _;

        let harness = PathBuf::from(env_or(
            "E2E_OIDC_PROVIDER",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../oidc-provider"),
        ));
        if !harness
            .join("node_modules/oidc-provider/package.json")
            .is_file()
        {
            return Err(format!(
                "{} has no node_modules/oidc-provider: install it with `npm ci --prefix {}` (`cargo xtask test` does it)",
                harness.display(),
                harness.display()
            )
            .into());
        }
        let mut process = Command::new(env_or("NODE", "node"))
            .arg("server.js")
            .args([
                "--port",
                "0",
                "--spa-origin",
                spa_origin,
                "--audience",
                AUDIENCE,
            ])
            .arg("--access-token-ttl")
            .arg(access_token_lifetime.as_secs().to_string())
            .current_dir(&harness)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|error| format!("cannot start node in {}: {error}", harness.display()))?;
        let stdout = process.stdout.take().ok_or("node has no stdout")?;
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let first_line = tokio::time::timeout(PATIENCE, lines.next_line())
            .await
            .map_err(|_| format!("oidc-provider said nothing within {PATIENCE:?}"))??
            .ok_or("oidc-provider exited before it listened")?;
        let started: serde_json::Value = serde_json::from_str(&first_line)
            .map_err(|error| format!("oidc-provider said {first_line:?}: {error}"))?;
        let issuer = started["issuer"]
            .as_str()
            .ok_or_else(|| format!("oidc-provider said {first_line:?}, without its issuer"))?
            .to_owned();
        Ok(Self {
            issuer,
            _process: process,
        })
    }
}

/// The API and the built SPA served in-process, and oidc-provider in its node process, on
/// loopback ports; the SPA names the provider by `issuer` in its `auth_config.json`.
pub struct ProviderStack {
    /// The SPA's origin, e.g. `http://localhost:40123`.
    pub spa_origin: String,
    /// The API's base URL.
    pub api_url: String,
    /// What the API was asked.
    pub traffic: Arc<Traffic>,
    /// The provider.
    pub provider: OidcProvider,
}

impl ProviderStack {
    /// Starts the provider (access tokens living `access_token_lifetime`), the API for its
    /// issuer and a static server for `dist`.
    ///
    /// # Errors
    /// As [`Stack::start`] and [`OidcProvider::start`].
    pub async fn start(dist: &Path, access_token_lifetime: Duration) -> Result<Self, Failure> {
        check_dist(dist)?;
        let api_listener = TcpListener::bind("127.0.0.1:0").await?;
        let spa_listener = TcpListener::bind("127.0.0.1:0").await?;
        let api_url = format!("http://localhost:{}", api_listener.local_addr()?.port());
        let spa_origin = format!("http://localhost:{}", spa_listener.local_addr()?.port());
        let provider = OidcProvider::start(&spa_origin, access_token_lifetime).await?;
        let traffic = Arc::new(Traffic::default());
        serve_api(api_listener, &provider.issuer, &spa_origin, &traffic)?;
        let policy = content_security_policy(&origin_of(&provider.issuer)?, &api_url);
        serve_spa(
            spa_listener,
            dist,
            serde_json::json!({
                "issuer": provider.issuer,
                "clientId": "local-spa-client",
                "audience": AUDIENCE,
                "scope": "openid profile email read:messages",
                "apiUrl": api_url,
            }),
            &policy,
            &traffic,
        )?;
        Ok(Self {
            spa_origin,
            api_url,
            traffic,
            provider,
        })
    }
}

fn serve(listener: TcpListener, app: Router) {
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            eprintln!("e2e: a server stopped: {error}");
        }
    });
}

/// Headless Chromium under a chromedriver that dies with this value.
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    // Held so that chromedriver is killed when the browser is dropped.
    _chromedriver: Child,
    screenshots: PathBuf,
    shots_taken: u32,
}

impl Browser {
    /// Starts chromedriver on a free loopback port and opens a headless Chromium session.
    ///
    /// `CHROMEDRIVER` and `CHROMIUM` name the binaries (Debian's paths by default); screenshots go
    /// to `E2E_SCREENSHOTS` (default `target/e2e-screenshots`).
    ///
    /// # Errors
    /// chromedriver cannot be started or no session opens within [`PATIENCE`].
    pub async fn start() -> Result<Self, Failure> {
        let chromedriver_path = env_or("CHROMEDRIVER", "/usr/bin/chromedriver");
        let chromium_path = env_or("CHROMIUM", "/usr/bin/chromium");
        let screenshots = PathBuf::from(env_or("E2E_SCREENSHOTS", "target/e2e-screenshots"));
        std::fs::create_dir_all(&screenshots)?;

        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
            probe.local_addr()?.port()
        };
        let chromedriver = Command::new(&chromedriver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|error| format!("cannot start {chromedriver_path}: {error}"))?;

        let capabilities: serde_json::Map<String, serde_json::Value> = serde_json::from_value(
            serde_json::json!({
                "goog:chromeOptions": {
                    "binary": chromium_path,
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-background-networking", "--disable-component-update", "--no-first-run",
                        "--window-size=1280,900"
                    ]
                }
            }),
        )?;
        let webdriver = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            let attempt =
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(capabilities.clone())
                    .connect(&webdriver)
                    .await;
            match attempt {
                Ok(client) => break client,
                Err(error) if started.elapsed() > PATIENCE => {
                    return Err(format!("no WebDriver session after {PATIENCE:?}: {error}").into());
                }
                // chromedriver takes a moment to listen; this polls for that condition.
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        Ok(Self {
            client,
            _chromedriver: chromedriver,
            screenshots,
            shots_taken: 0,
        })
    }

    /// Saves a numbered PNG of what the page shows now.
    ///
    /// # Errors
    /// The screenshot cannot be taken or written.
    pub async fn screenshot(&mut self, name: &str) -> Result<(), Failure> {
        self.shots_taken += 1;
        let png = self.client.screenshot().await?;
        let path = self
            .screenshots
            .join(format!("{:02}-{name}.png", self.shots_taken));
        std::fs::write(&path, png)?;
        println!("e2e: screenshot {}", path.display());
        Ok(())
    }

    /// Waits until an element matching the XPath exists, and returns it.
    ///
    /// # Errors
    /// None appears within [`PATIENCE`]; the message names `what` and the page's visible text.
    pub async fn wait_for(
        &self,
        what: &str,
        xpath: &str,
    ) -> Result<fantoccini::elements::Element, Failure> {
        match self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::XPath(xpath))
            .await
        {
            Ok(element) => Ok(element),
            Err(error) => Err(format!(
                "waited {PATIENCE:?} for {what} ({xpath}): {error}\npage at {}: {}",
                self.client
                    .current_url()
                    .await
                    .map(|url| url.to_string())
                    .unwrap_or_default(),
                self.visible_text().await
            )
            .into()),
        }
    }

    /// Waits until `check` holds, polling the page every 100 ms for at most [`PATIENCE`].
    ///
    /// # Errors
    /// It does not hold in time, or `check` fails.
    pub async fn wait_until<F, Fut>(&self, what: &str, mut check: F) -> Result<(), Failure>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<bool, Failure>>,
    {
        let started = Instant::now();
        loop {
            if check().await? {
                return Ok(());
            }
            if started.elapsed() > PATIENCE {
                return Err(format!(
                    "waited {PATIENCE:?} for {what}\npage: {}",
                    self.visible_text().await
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks the button whose visible text is exactly `label`, once it exists.
    ///
    /// # Errors
    /// No such button appears in time, or the click fails.
    pub async fn click_button(&self, label: &str) -> Result<(), Failure> {
        let button = self
            .wait_for(&format!("the {label:?} button"), &button(label))
            .await?;
        button.click().await?;
        Ok(())
    }

    /// Clicks the link whose visible text is exactly `label`, once it exists.
    ///
    /// # Errors
    /// No such link appears in time, or the click fails.
    pub async fn click_link(&self, label: &str) -> Result<(), Failure> {
        let link = self
            .wait_for(&format!("the {label:?} link"), &link(label))
            .await?;
        link.click().await?;
        Ok(())
    }

    /// Types into the field labelled `label` (found through the label's `for` attribute).
    ///
    /// # Errors
    /// No such label or field appears in time, or typing fails.
    pub async fn fill(&self, label: &str, text: &str) -> Result<(), Failure> {
        let label_element = self
            .wait_for(
                &format!("the label {label:?}"),
                &format!("//label[normalize-space(.)={}]", literal(label)),
            )
            .await?;
        let id = label_element
            .attr("for")
            .await?
            .ok_or_else(|| format!("label {label:?} names no field"))?;
        let field = self.client.find(Locator::Id(&id)).await?;
        field.clear().await?;
        field.send_keys(text).await?;
        Ok(())
    }

    /// The value stored under `key` in the page's localStorage, unwrapped from JSON if it is a JSON string.
    ///
    /// # Errors
    /// The script cannot run.
    pub async fn local_storage(&self, key: &str) -> Result<Option<String>, Failure> {
        let value = self
            .client
            .execute(
                "return window.localStorage.getItem(arguments[0]);",
                vec![serde_json::json!(key)],
            )
            .await?;
        Ok(value
            .as_str()
            .map(|raw| match serde_json::from_str::<serde_json::Value>(raw) {
                Ok(serde_json::Value::String(inner)) => inner,
                Ok(serde_json::Value::Number(number)) => number.to_string(),
                _ => raw.to_owned(),
            }))
    }

    /// The refresh token the app keeps in IndexedDB, if any.
    ///
    /// # Errors
    /// The script cannot run.
    pub async fn stored_refresh_token(&self) -> Result<Option<String>, Failure> {
        let value = self
            .client
            .execute(
                r#"return new Promise((resolve) => {
                    const open = indexedDB.open("leptos-auth0");
                    open.onerror = () => resolve(null);
                    open.onsuccess = () => {
                        const database = open.result;
                        if (!database.objectStoreNames.contains("records")) {
                            database.close();
                            return resolve(null);
                        }
                        const read = database.transaction("records").objectStore("records")
                            .get("renewable_session");
                        read.onerror = () => { database.close(); resolve(null); };
                        read.onsuccess = () => {
                            database.close();
                            resolve(read.result ? JSON.parse(read.result).refresh_token : null);
                        };
                    };
                });"#,
                Vec::new(),
            )
            .await?;
        Ok(value.as_str().map(str::to_owned))
    }

    /// Spends `refresh_token` at `token_endpoint` from the page, as the app would, and returns
    /// the status and body of the answer.
    ///
    /// # Errors
    /// The script cannot run or the request fails.
    pub async fn refresh_at(
        &self,
        token_endpoint: &str,
        refresh_token: &str,
    ) -> Result<(u64, String), Failure> {
        let value = self
            .client
            .execute(
                r#"const [url, token] = arguments;
                return fetch(url, {
                    method: "POST",
                    headers: {"Content-Type": "application/x-www-form-urlencoded"},
                    body: new URLSearchParams({
                        grant_type: "refresh_token", client_id: "local-spa-client",
                        refresh_token: token,
                    }),
                }).then(async (answer) => [answer.status, await answer.text()]);"#,
                vec![
                    serde_json::json!(token_endpoint),
                    serde_json::json!(refresh_token),
                ],
            )
            .await?;
        let status = value[0].as_u64().ok_or("no status")?;
        Ok((status, value[1].as_str().unwrap_or_default().to_owned()))
    }

    /// The member `member` of `issuer`'s discovery document, read from the page as the app
    /// reads it.
    ///
    /// # Errors
    /// The script cannot run, or the document has no such string member.
    pub async fn discovered(&self, issuer: &str, member: &str) -> Result<String, Failure> {
        let value = self
            .client
            .execute(
                r#"const [url, member] = arguments;
                return fetch(url).then((answer) => answer.json()).then((document) => document[member]);"#,
                vec![
                    serde_json::json!(format!("{issuer}.well-known/openid-configuration")),
                    serde_json::json!(member),
                ],
            )
            .await?;
        value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("{issuer}'s discovery document has no {member}: {value}").into())
    }

    /// The page's visible text, for failure messages.
    pub async fn visible_text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Ends the WebDriver session, which closes Chromium.
    ///
    /// # Errors
    /// The session cannot be closed.
    pub async fn close(self) -> Result<(), Failure> {
        self.client.close().await?;
        Ok(())
    }
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// An XPath string literal for `text`, quoted so that quotes inside it survive.
pub fn literal(text: &str) -> String {
    if !text.contains('"') {
        format!("\"{text}\"")
    } else if !text.contains('\'') {
        format!("'{text}'")
    } else {
        let parts: Vec<String> = text.split('"').map(|part| format!("\"{part}\"")).collect();
        format!("concat({})", parts.join(", '\"', "))
    }
}

/// XPath of a button whose visible text is exactly `label`.
pub fn button(label: &str) -> String {
    format!("//button[normalize-space(.)={}]", literal(label))
}

/// XPath of a link whose visible text is exactly `label`.
pub fn link(label: &str) -> String {
    format!("//a[normalize-space(.)={}]", literal(label))
}

/// XPath of an element whose whole visible text is exactly `text`.
pub fn exact_text(text: &str) -> String {
    format!("//body//*[normalize-space(.)={}]", literal(text))
}

/// The claims of a JWT, decoded without verification (the API verifies; the story only reads).
///
/// # Errors
/// The token is not three base64url parts with a JSON payload.
pub fn jwt_claims(token: &str) -> Result<serde_json::Value, Failure> {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).ok_or("the token is not a JWT")?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload)?;
    Ok(serde_json::from_slice(&bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xpath_literals_survive_both_kinds_of_quote() {
        assert_eq!(literal("You don't"), "\"You don't\"");
        assert_eq!(literal("say \"hi\""), "'say \"hi\"'");
        assert_eq!(
            literal("it's \"x\""),
            "concat(\"it's \", '\"', \"x\", '\"', \"\")"
        );
    }

    #[test]
    fn jwt_claims_are_read_from_the_middle_part() {
        let token = "e30.eyJzY29wZSI6InJlYWQ6bWVzc2FnZXMifQ.sig";
        assert_eq!(
            jwt_claims(token).ok(),
            Some(serde_json::json!({"scope": "read:messages"}))
        );
        assert!(jwt_claims("not-a-jwt").is_err());
    }

    /// The policy the end-to-end test serves is, word for word, the one the README tells a
    /// deployment to send, so what the stories prove holds for what people deploy.
    #[test]
    fn the_served_policy_is_the_one_the_readme_gives() {
        let readme = include_str!("../../../README.md");
        let policy =
            content_security_policy("https://YOUR_TENANT.auth0.com", "https://api.example.com");
        let line = format!("  Content-Security-Policy: {policy}\n");
        assert!(
            readme.contains(&line),
            "README.md's Deploying section lacks the served policy:\n{line}"
        );
    }

    /// Trunk's development server sends the same policy, widened only by `https:` sources.
    #[test]
    fn trunk_serve_sends_the_deployed_policy_with_the_local_origins_and_https() {
        let trunk: toml::Table = include_str!("../../../Trunk.toml").parse().unwrap();
        let served = trunk["serve"]["headers"]["Content-Security-Policy"]
            .as_str()
            .unwrap_or_default();
        let tenant = "http://localhost:3002";
        let deployed = content_security_policy(tenant, "http://localhost:3001");
        let widened = deployed
            .replace(&format!("{tenant};"), &format!("{tenant} https:;"))
            .replace("3001;", "3001 https:;");
        assert_eq!(served, widened);
        assert_eq!(
            trunk["serve"]["headers"]["Referrer-Policy"].as_str(),
            Some("no-referrer")
        );
    }

    #[test]
    fn the_origin_of_an_issuer_drops_its_path() {
        assert_eq!(
            origin_of("http://localhost:4000/oidc/").unwrap(),
            "http://localhost:4000"
        );
        assert_eq!(
            origin_of("https://t.auth0.com/").unwrap(),
            "https://t.auth0.com"
        );
        assert!(origin_of("ftp://t.example/").is_err());
    }
}
