//! `dev-tenant token`, run as the binary: it prints only an access token on stdout, signed with
//! the keys of the data directory, so that it verifies against the JWKS of the tenant serving
//! from there, and shaped like the tokens `/oauth/token` issues; errors go to stderr with exit
//! status 2 for a command line that does not fit the tenant.

mod harness;

use std::net::TcpListener as StdTcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use dev_tenant::{SigningKeys, TenantConfig, app};
use harness::{AUDIENCE, CLIENT_ID, ISSUER, get};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const BINARY: &str = env!("CARGO_BIN_EXE_dev-tenant");

/// A fresh private data directory under the system temp dir, removed on drop.
struct DataDir(PathBuf);

impl DataDir {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("dev-tenant-token-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create the data dir");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        }
        Self(path)
    }

    /// The directory with signing keys in it, as a first `serve` leaves it.
    fn with_keys(name: &str) -> (Self, SigningKeys) {
        let dir = Self::new(name);
        let keys = SigningKeys::load_or_generate(&dir.0).expect("keys");
        (dir, keys)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("a UTF-8 temp path")
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the binary with `args`, without the environment variables it reads.
fn run(args: &[&str]) -> Output {
    Command::new(BINARY)
        .args(args)
        .env_remove("DEV_TENANT_CONFIG")
        .env_remove("DEV_TENANT_DATA_DIR")
        .env_remove("PORT")
        .env_remove("RUST_LOG")
        .output()
        .expect("run dev-tenant")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The token a successful run printed: exactly one line, a compact JWS.
fn printed_token(output: &Output) -> String {
    assert!(output.status.success(), "{}", stderr(output));
    let printed = stdout(output);
    let token = printed
        .strip_suffix('\n')
        .unwrap_or_else(|| panic!("one line ending in a newline: {printed:?}"));
    assert!(!token.contains('\n'), "nothing but the token: {printed:?}");
    assert_eq!(token.split('.').count(), 3, "a JWS: {token}");
    token.to_owned()
}

/// Verifies `token` against the JWKS a tenant with `keys` serves, for `audience` and `issuer`.
async fn verified(keys: SigningKeys, token: &str, issuer: &str, audience: &str) -> Value {
    let router = app(TenantConfig::default(), keys);
    let jwks = get(&router, "/.well-known/jwks.json", None).await;
    verify_with_jwks(&jwks.body, token, issuer, audience)
}

fn verify_with_jwks(jwks: &str, token: &str, issuer: &str, audience: &str) -> Value {
    let published =
        oidc_protocol::rs256_verification_keys(jwks.as_bytes()).expect("RS256 keys in the JWKS");
    let kid = jsonwebtoken::decode_header(token)
        .expect("a JWT header")
        .kid
        .expect("a kid");
    let jwk = published.find(&kid).expect("the signing key is published");
    let key = DecodingKey::from_rsa_components(&jwk.modulus_base64url(), &jwk.exponent_base64url())
        .expect("an RSA key");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub", "iat"]);
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .expect("the token verifies")
        .claims
}

fn write_config(dir: &DataDir, text: &str) -> String {
    let path = dir.0.join("tenant.toml");
    std::fs::write(&path, text).expect("write the config");
    path.to_str().expect("UTF-8").to_owned()
}

#[tokio::test]
async fn a_user_token_verifies_against_the_tenants_jwks_and_carries_what_the_user_holds() {
    let (dir, keys) = DataDir::with_keys("user");
    let output = run(&[
        "token",
        "--user",
        "reader@example.com",
        "--data-dir",
        dir.path(),
    ]);
    let token = printed_token(&output);
    assert_eq!(stderr(&output), "", "nothing to note");
    let claims = verified(keys, &token, ISSUER, AUDIENCE).await;
    let config = TenantConfig::default();
    let reader = config.user("reader@example.com").expect("reader");
    assert_eq!(claims["sub"], reader.profile(ISSUER).user_id.as_str());
    assert_eq!(
        claims["aud"], AUDIENCE,
        "the API alone: no openid was asked for"
    );
    assert_eq!(claims["scope"], "read:messages");
    assert_eq!(claims["permissions"], json!(["read:messages"]));
    assert_eq!(claims["azp"], CLIENT_ID, "as if through the browser client");
    assert_eq!(claims["iss"], ISSUER);
    assert_eq!(
        claims["exp"]
            .as_u64()
            .zip(claims["iat"].as_u64())
            .map(|(exp, iat)| exp - iat),
        Some(3600)
    );
}

#[tokio::test]
async fn a_client_token_is_the_one_client_credentials_gives() {
    let (dir, keys) = DataDir::with_keys("client");
    let output = run(&[
        "token",
        "--client",
        "local-m2m-client",
        "--data-dir",
        dir.path(),
    ]);
    let claims = verified(keys, &printed_token(&output), ISSUER, AUDIENCE).await;
    assert_eq!(claims["sub"], "local-m2m-client@clients");
    assert_eq!(claims["azp"], "local-m2m-client");
    assert_eq!(claims["gty"], "client-credentials");
    assert_eq!(claims["scope"], "read:messages");
    assert_eq!(claims["permissions"], json!(["read:messages"]));
}

#[tokio::test]
async fn scope_narrows_a_user_token_with_a_note_and_a_client_token_strictly() {
    let (dir, keys) = DataDir::with_keys("scope");
    let config = write_config(
        &dir,
        r#"
        [[clients]]
        client_id = "local-spa-client"
        callback_urls = ["http://localhost:3000/callback"]
        [[clients]]
        client_id = "worker"
        client_secret = "worker-secret-0123456789abcdefghijklmnop"
        grant_types = ["client_credentials"]
        client_grants = { "https://quickstarts/api" = ["read:messages", "write:messages"] }
        [[apis]]
        identifier = "https://quickstarts/api"
        scopes = ["read:messages", "write:messages"]
        [[users]]
        email = "writer@example.com"
        password = "password123"
        permissions = { "https://quickstarts/api" = ["read:messages", "write:messages"] }
        [[users]]
        email = "guest@example.com"
        password = "password123"
        "#,
    );
    let writer = run(&[
        "token",
        "--user",
        "writer@example.com",
        "--scope",
        "write:messages",
        "--config",
        &config,
        "--data-dir",
        dir.path(),
    ]);
    let claims = verified(keys.clone(), &printed_token(&writer), ISSUER, AUDIENCE).await;
    assert_eq!(claims["scope"], "write:messages");
    assert!(
        claims.get("permissions").is_none(),
        "the file's API leaves the toggle off"
    );

    let guest = run(&[
        "token",
        "--user",
        "guest@example.com",
        "--scope",
        "read:messages",
        "--config",
        &config,
        "--data-dir",
        dir.path(),
    ]);
    let claims = verified(keys.clone(), &printed_token(&guest), ISSUER, AUDIENCE).await;
    assert_eq!(claims["scope"], "");
    assert!(
        stderr(&guest).contains("left out scopes the user does not hold: read:messages"),
        "{}",
        stderr(&guest)
    );

    let worker = run(&[
        "token",
        "--client",
        "worker",
        "--scope",
        "read:messages",
        "--config",
        &config,
        "--data-dir",
        dir.path(),
    ]);
    let claims = verified(keys, &printed_token(&worker), ISSUER, AUDIENCE).await;
    assert_eq!(claims["scope"], "read:messages");
    assert_eq!(claims["sub"], "worker@clients");

    let refused = run(&[
        "token",
        "--client",
        "worker",
        "--scope",
        "delete:messages",
        "--config",
        &config,
        "--data-dir",
        dir.path(),
    ]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert_eq!(stdout(&refused), "");
    assert!(
        stderr(&refused).contains("not granted"),
        "{}",
        stderr(&refused)
    );
}

#[tokio::test]
async fn the_built_in_issuer_follows_the_port_as_it_does_for_serve() {
    let (dir, keys) = DataDir::with_keys("port");
    let output = run(&[
        "token",
        "--client",
        "local-m2m-client",
        "--port",
        "4100",
        "--data-dir",
        dir.path(),
    ]);
    let claims = verified(
        keys,
        &printed_token(&output),
        "http://localhost:4100/",
        AUDIENCE,
    )
    .await;
    assert_eq!(claims["iss"], "http://localhost:4100/");
}

#[test]
fn a_command_line_that_does_not_fit_the_tenant_exits_2_with_nothing_on_stdout() {
    let (dir, _keys) = DataDir::with_keys("usage");
    for (args, says) in [
        (vec!["token"], "exactly one of --user EMAIL and --client ID"),
        (
            vec![
                "token",
                "--user",
                "reader@example.com",
                "--client",
                "local-m2m-client",
            ],
            "exactly one of",
        ),
        (
            vec![
                "token",
                "--user",
                "reader@example.com",
                "--host",
                "127.0.0.1",
            ],
            "--host is not an option of token",
        ),
        (
            vec!["token", "--user", "nobody@example.com"],
            "no user nobody@example.com",
        ),
        (
            vec!["token", "--client", "no-such-client"],
            "no client no-such-client",
        ),
        (
            vec!["token", "--client", "local-spa-client"],
            "not a machine-to-machine client",
        ),
        (
            vec![
                "token",
                "--user",
                "reader@example.com",
                "--audience",
                "https://elsewhere.example",
            ],
            "not a configured API",
        ),
        (
            vec!["token", "--client", "local-m2m-client", "--scope", "openid"],
            "not granted",
        ),
    ] {
        let mut args = args;
        args.extend(["--data-dir", dir.path()]);
        let output = run(&args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_eq!(stdout(&output), "", "{args:?}");
        assert!(
            stderr(&output).contains(says),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn without_keys_in_the_data_dir_nothing_is_made_up() {
    let dir = DataDir::new("no-keys");
    let output = run(&[
        "token",
        "--user",
        "reader@example.com",
        "--data-dir",
        dir.path(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    assert!(
        stderr(&output).contains("no signing keys in"),
        "{}",
        stderr(&output)
    );
    assert!(
        std::fs::read_dir(&dir.0).expect("read").next().is_none(),
        "no key was generated"
    );
    let missing = dir.0.join("not-there");
    let output = run(&[
        "token",
        "--user",
        "reader@example.com",
        "--data-dir",
        missing.to_str().expect("UTF-8"),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(!Path::new(&missing).exists());
}

/// A `dev-tenant serve` child, killed on drop.
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `GET path` on loopback `port`, the whole answer as text; `None` while nothing listens.
async fn http_get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.ok()?;
    Some(String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test]
async fn a_token_printed_while_the_tenant_serves_verifies_against_the_jwks_it_serves() {
    let dir = DataDir::new("served");
    // A port nothing listens on, for the child to bind.
    let port = StdTcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let port_text = port.to_string();
    let _served = Served(
        Command::new(BINARY)
            .args(["serve", "--data-dir", dir.path(), "--port", &port_text])
            .env_remove("DEV_TENANT_CONFIG")
            .env("RUST_LOG", "off")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dev-tenant serve"),
    );
    // The first start generates the key, which takes a while in a debug build: wait for the
    // JWKS, a bounded number of times.
    let mut jwks = None;
    for _ in 0..600 {
        if let Some(answer) = http_get(port, "/.well-known/jwks.json")
            .await
            .filter(|answer| answer.starts_with("HTTP/1.1 200"))
        {
            jwks = Some(answer);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let jwks = jwks.expect("the tenant serves its JWKS within a minute");
    let body = jwks.split("\r\n\r\n").nth(1).expect("a body");
    let issuer = format!("http://localhost:{port}/");
    let output = run(&[
        "token",
        "--user",
        "reader@example.com",
        "--data-dir",
        dir.path(),
        "--port",
        &port_text,
    ]);
    let claims = verify_with_jwks(body, &printed_token(&output), &issuer, AUDIENCE);
    assert_eq!(claims["iss"], issuer.as_str());
    assert_eq!(claims["scope"], "read:messages");
}
