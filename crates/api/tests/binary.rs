//! The `api` binary: refuses bad configuration loudly, stops cleanly on SIGTERM.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// An empty working directory, so no stray `.env` is read.
fn empty_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("api-binary-test-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn api(dir: &PathBuf) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_api"));
    command.current_dir(dir).env_clear().env("RUST_LOG", "info");
    command
}

#[test]
fn missing_issuer_stops_start_up_with_a_message_naming_it() {
    let output = api(&empty_dir("no-issuer"))
        .env("AUTH0_AUDIENCE", "https://quickstarts/api")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("AUTH0_DOMAIN") && stderr.contains("ISSUER_BASE_URL"),
        "{stderr}"
    );
}

#[test]
fn missing_audience_named_in_dot_env_stops_start_up() {
    let dir = empty_dir("dot-env");
    std::fs::write(dir.join(".env"), "AUTH0_DOMAIN=http://localhost:3002\n").unwrap();
    let output = api(&dir).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("AUTH0_AUDIENCE"), "{stderr}");
}

#[test]
fn invalid_setting_stops_start_up_with_a_message_saying_what_is_wrong() {
    let output = api(&empty_dir("bad-settings"))
        .env("AUTH0_DOMAIN", "http://tenant.example.com")
        .env("AUTH0_AUDIENCE", "https://quickstarts/api")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("AUTH0_DOMAIN")
            && stderr.contains("http is only allowed for loopback hosts"),
        "{stderr}"
    );

    let output = api(&empty_dir("bad-source"))
        .env("AUTH0_DOMAIN", "http://localhost:3002")
        .env("AUTH0_AUDIENCE", "https://quickstarts/api")
        .env("PERMISSIONS_SOURCE", "roles")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("PERMISSIONS_SOURCE"), "{stderr}");
}

#[cfg(unix)]
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[cfg(unix)]
fn wait_until_listening(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "api never started listening");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(unix)]
fn terminate(child: &std::process::Child) {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
}

#[cfg(unix)]
#[test]
fn log_filter_named_in_dot_env_is_honoured() {
    let dir = empty_dir("dot-env-log");
    let port = free_port();
    std::fs::write(
        dir.join(".env"),
        format!(
            "AUTH0_DOMAIN=http://localhost:3002\nAUTH0_AUDIENCE=https://quickstarts/api\nPORT={port}\nRUST_LOG=api=debug\n"
        ),
    )
    .unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_api"));
    let child = command
        .current_dir(&dir)
        .env_clear()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until_listening(port);
    terminate(&child);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The default filter is info; only the .env one shows the debug line.
    assert!(stdout.contains("configuration read"), "{stdout}");
    assert!(stdout.contains("api listening"), "{stdout}");
}

/// The exit status of `child`, which must exit within 30 s (it is killed otherwise).
#[cfg(unix)]
fn exit_status(child: &mut std::process::Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("api did not exit within 30 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(unix)]
#[test]
fn sigterm_shuts_down_gracefully_even_with_an_idle_connection_open() {
    let port = free_port();
    let mut child = api(&empty_dir("sigterm-idle"))
        .env("AUTH0_DOMAIN", "http://localhost:3002")
        .env("AUTH0_AUDIENCE", "https://quickstarts/api")
        .env("PORT", port.to_string())
        // Far longer than the bound below: only shutdown can close the idle connection.
        .env("HEADER_READ_TIMEOUT_SECONDS", "300")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until_listening(port);
    let idle = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    terminate(&child);
    assert_eq!(exit_status(&mut child).code(), Some(0));
    drop(idle);
}

/// The status line and body of `GET path` on 127.0.0.1:`port`, read to the end.
#[cfg(unix)]
fn get(port: u16, path: &str) -> (String, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head.lines().next().unwrap_or_default().to_owned();
    (status, body.to_owned())
}

#[cfg(unix)]
#[test]
fn metrics_are_served_on_their_own_listener_only() {
    let port = free_port();
    let metrics_port = free_port();
    let mut child = api(&empty_dir("metrics"))
        .env("AUTH0_DOMAIN", "http://localhost:3002")
        .env("AUTH0_AUDIENCE", "https://quickstarts/api")
        .env("PORT", port.to_string())
        .env("METRICS_ADDR", format!("127.0.0.1:{metrics_port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until_listening(port);
    wait_until_listening(metrics_port);
    let (status, _) = get(port, "/api/public");
    assert!(status.contains(" 200 "), "{status}");
    let (status, body) = get(metrics_port, "/metrics");
    assert!(status.contains(" 200 "), "{status}");
    assert!(
        body.contains("api_http_requests_total{route=\"/api/public\",status=\"200\"} 1"),
        "{body}"
    );
    assert!(body.contains("api_connections_max 512"), "{body}");
    let (status, _) = get(port, "/metrics");
    assert!(status.contains(" 404 "), "{status}");
    terminate(&child);
    assert_eq!(exit_status(&mut child).code(), Some(0));
}

#[cfg(unix)]
#[test]
fn sigterm_shuts_down_gracefully() {
    let port = free_port();
    let mut child = api(&empty_dir("sigterm"))
        .env("AUTH0_DOMAIN", "http://localhost:3002")
        .env("AUTH0_AUDIENCE", "https://quickstarts/api")
        .env("PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until_listening(port);
    terminate(&child);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}
