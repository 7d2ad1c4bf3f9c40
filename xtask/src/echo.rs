//! A tiny HTTP echo server for the SPA's browser tests: it answers what it was sent, so a test can
//! see which headers a request carried to which origin. Loopback only, alive while the tests run.
//!
//! Routes (CORS for any origin: `Origin` and `Access-Control-Request-Headers` are reflected):
//! - `/echo...`: 200 JSON `{"method","path","authorization","headers","body"}`;
//! - `/status/<code>`: that status, JSON `{"error","error_description","scope"}` from the query, and
//!   `WWW-Authenticate` from the query's `www_authenticate`;
//! - `/not-json`: 200 `text/plain`;
//! - `/redirect?to=<url>`: 302 to that URL (to see what follows a redirect to another origin);
//! - `/tenant/<keys>/...`: a stand-in tenant whose issuer is `http://<host>/tenant/<keys>/` and
//!   whose JWKS is `<keys>`, the hex of a JWKS document, so a test signs ID tokens with a key of
//!   its own and the server keeps no state: `.well-known/openid-configuration` (discovery),
//!   `jwks` (the decoded document), `userinfo` (a fixed profile, no token checked), and
//!   `authorize` and `v2/logout`, which answer 204 No Content so that a browser sent there stays
//!   on its page;
//! - `/slow/<ms>/<route>`: `<route>` after `<ms>` milliseconds (at most five seconds; preflights
//!   are not delayed), for answers that arrive late. A path rather than a query, so it can sit
//!   in front of a tenant's issuer, below which the client derives every endpoint.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// Largest request body the echo server reads.
const MAX_BODY: usize = 64 * 1024;
/// Longest wait of a `/slow/<ms>/` route.
const MAX_DELAY: Duration = Duration::from_secs(5);
/// What the stand-in tenant's `/userinfo` answers.
const PROFILE: &str = r#"{"sub":"auth0|echo","nickname":"echo-nickname","name":"echo@example.com","email":"echo@example.com"}"#;

/// Starts the server on `127.0.0.1:0` in a background thread and returns its base URL.
///
/// # Errors
/// The socket cannot be bound.
pub fn start() -> Result<String, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|error| format!("echo server: cannot bind: {error}"))?;
    let port = listener
        .local_addr()
        .map_err(|error| format!("echo server: no local address: {error}"))?
        .port();
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            std::thread::spawn(move || {
                let _ = serve(stream);
            });
        }
    });
    Ok(format!("http://127.0.0.1:{port}"))
}

struct Request {
    method: String,
    target: String,
    headers: BTreeMap<String, String>,
    body: String,
}

fn serve(stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let Some(request) = read_request(&mut reader)? else {
        return Ok(());
    };
    if request.method != "OPTIONS" {
        std::thread::sleep(split_delay(&request.target).0);
    }
    let (status, content_type, body, extra) = respond(&request);
    let mut out = stream;
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    let origin = request
        .headers
        .get("origin")
        .cloned()
        .unwrap_or_else(|| "*".to_owned());
    head.push_str(&format!(
        "Access-Control-Allow-Origin: {origin}\r\nVary: Origin\r\n"
    ));
    head.push_str("Access-Control-Expose-Headers: WWW-Authenticate\r\n");
    if request.method == "OPTIONS" {
        let requested = request
            .headers
            .get("access-control-request-headers")
            .cloned()
            .unwrap_or_default();
        head.push_str("Access-Control-Allow-Methods: GET, POST, PUT, PATCH, DELETE\r\n");
        head.push_str(&format!("Access-Control-Allow-Headers: {requested}\r\n"));
    }
    for (name, value) in extra {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    out.write_all(head.as_bytes())?;
    out.write_all(body.as_bytes())?;
    out.flush()
}

fn read_request(reader: &mut impl BufRead) -> std::io::Result<Option<Request>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Ok(None);
    };
    let (method, target) = (method.to_owned(), target.to_owned());
    let mut headers = BTreeMap::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let length = headers
        .get("content-length")
        .and_then(|value| value.parse::<usize>().ok())
        .unwrap_or(0)
        .min(MAX_BODY);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Some(Request {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }))
}

type Response = (u16, &'static str, String, Vec<(&'static str, String)>);

/// `/slow/<ms>/<route>`: how long to wait (at most [`MAX_DELAY`]) and the route to answer
/// then; any other target is answered at once.
fn split_delay(target: &str) -> (Duration, &str) {
    let Some((millis, rest)) = target
        .strip_prefix("/slow/")
        .and_then(|rest| rest.split_once('/'))
    else {
        return (Duration::ZERO, target);
    };
    match millis.parse::<u64>() {
        Ok(millis) => (
            Duration::from_millis(millis).min(MAX_DELAY),
            &target[target.len() - rest.len() - 1..],
        ),
        Err(_) => (Duration::ZERO, target),
    }
}

fn respond(request: &Request) -> Response {
    let full_path = request
        .target
        .split_once('?')
        .map_or(request.target.as_str(), |(path, _)| path);
    let (_, target) = split_delay(&request.target);
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if request.method == "OPTIONS" {
        return (204, "text/plain", String::new(), Vec::new());
    }
    if let Some(rest) = path.strip_prefix("/tenant/")
        && let Some((keys, endpoint)) = rest.split_once('/')
    {
        // Everything before the endpoint, `/slow/<ms>/` included: the issuer's path.
        let issuer_path = &full_path[..full_path.len() - endpoint.len()];
        let host = request
            .headers
            .get("host")
            .map_or("127.0.0.1", String::as_str);
        return tenant(&format!("http://{host}{issuer_path}"), keys, endpoint);
    }
    if path.starts_with("/echo") {
        let body = format!(
            "{{\"method\":{},\"path\":{},\"authorization\":{},\"headers\":{{{}}},\"body\":{}}}",
            json_string(&request.method),
            json_string(&request.target),
            request
                .headers
                .get("authorization")
                .map_or("null".to_owned(), |value| json_string(value)),
            request
                .headers
                .iter()
                .map(|(name, value)| format!("{}:{}", json_string(name), json_string(value)))
                .collect::<Vec<_>>()
                .join(","),
            json_string(&request.body),
        );
        return (200, "application/json", body, Vec::new());
    }
    if let Some(code) = path
        .strip_prefix("/status/")
        .and_then(|code| code.parse::<u16>().ok())
    {
        let params = parse_query(query);
        let mut fields = Vec::new();
        for key in ["error", "error_description", "scope"] {
            if let Some(value) = params.get(key) {
                fields.push(format!("{}:{}", json_string(key), json_string(value)));
            }
        }
        let mut extra = Vec::new();
        if let Some(value) = params.get("www_authenticate") {
            extra.push(("WWW-Authenticate", value.clone()));
        }
        return (
            code,
            "application/json",
            format!("{{{}}}", fields.join(",")),
            extra,
        );
    }
    if path == "/redirect"
        && let Some(target) = parse_query(query).get("to")
    {
        return (
            302,
            "text/plain",
            String::new(),
            vec![("Location", target.clone())],
        );
    }
    if path == "/not-json" {
        return (200, "text/plain", "this is not json".to_owned(), Vec::new());
    }
    not_found()
}

/// The stand-in tenant at `issuer`, whose JWKS is the document `keys` is the hex of.
fn tenant(issuer: &str, keys: &str, endpoint: &str) -> Response {
    match endpoint {
        ".well-known/openid-configuration" => {
            let endpoint = |name: &str| json_string(&format!("{issuer}{name}"));
            let body = format!(
                "{{\"issuer\":{},\"authorization_endpoint\":{},\"token_endpoint\":{},\
                 \"userinfo_endpoint\":{},\"jwks_uri\":{},\
                 \"response_types_supported\":[\"code\",\"token id_token\"],\
                 \"subject_types_supported\":[\"public\"],\
                 \"id_token_signing_alg_values_supported\":[\"RS256\"]}}",
                json_string(issuer),
                endpoint("authorize"),
                endpoint("oauth/token"),
                endpoint("userinfo"),
                endpoint("jwks"),
            );
            (200, "application/json", body, Vec::new())
        }
        "jwks" => match hex_decode(keys) {
            Some(document) => (200, "application/json", document, Vec::new()),
            None => not_found(),
        },
        "userinfo" => (200, "application/json", PROFILE.to_owned(), Vec::new()),
        "authorize" | "v2/logout" => (204, "text/plain", String::new(), Vec::new()),
        _ => not_found(),
    }
}

/// The text whose UTF-8 bytes `hex` spells, two lowercase or uppercase digits a byte.
fn hex_decode(hex: &str) -> Option<String> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|index| {
            hex.get(index..index + 2)
                .filter(|pair| pair.bytes().all(|byte| byte.is_ascii_hexdigit()))
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok()
}

fn not_found() -> Response {
    (
        404,
        "application/json",
        "{\"error\":\"not_found\"}".to_owned(),
        Vec::new(),
    )
}

fn parse_query(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' if index + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(byte) => {
                        out.push(byte);
                        index += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            control if (control as u32) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", control as u32))
            }
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_decoded() {
        let params = parse_query(
            "www_authenticate=Bearer%20error%3D%22invalid_token%22&scope=read%3Amessages&x=%zz",
        );
        assert_eq!(params["www_authenticate"], "Bearer error=\"invalid_token\"");
        assert_eq!(params["scope"], "read:messages");
        assert_eq!(params["x"], "%zz");
    }

    #[test]
    fn redirect_points_where_it_is_told() {
        let request = Request {
            method: "GET".to_owned(),
            target: "/redirect?to=http%3A%2F%2Flocalhost%3A1%2Fecho".to_owned(),
            headers: BTreeMap::new(),
            body: String::new(),
        };
        let (status, _, _, extra) = respond(&request);
        assert_eq!(status, 302);
        assert_eq!(
            extra,
            vec![("Location", "http://localhost:1/echo".to_owned())]
        );
    }

    fn get(target: &str) -> Request {
        Request {
            method: "GET".to_owned(),
            target: target.to_owned(),
            headers: BTreeMap::from([("host".to_owned(), "127.0.0.1:4000".to_owned())]),
            body: String::new(),
        }
    }

    #[test]
    fn slow_routes_wait_at_most_five_seconds_and_answer_the_route_behind_them() {
        assert_eq!(
            split_delay("/slow/250/echo/x?y=1"),
            (Duration::from_millis(250), "/echo/x?y=1")
        );
        assert_eq!(split_delay("/slow/99999999/echo"), (MAX_DELAY, "/echo"));
        for target in ["/echo/slow/1/x", "/slow/soon/echo", "/slow/250"] {
            assert_eq!(split_delay(target), (Duration::ZERO, target), "{target}");
        }
        let (status, _, body, _) = respond(&get("/slow/0/echo/x"));
        assert_eq!(status, 200);
        assert!(body.contains("\"path\":\"/slow/0/echo/x\""), "{body}");
    }

    #[test]
    fn tenant_discovery_names_the_issuer_the_request_was_made_to() {
        for (target, issuer) in [
            (
                "/tenant/7b7d/.well-known/openid-configuration",
                "http://127.0.0.1:4000/tenant/7b7d/",
            ),
            (
                "/slow/10/tenant/none/.well-known/openid-configuration",
                "http://127.0.0.1:4000/slow/10/tenant/none/",
            ),
        ] {
            let (status, content_type, body, _) = respond(&get(target));
            assert_eq!((status, content_type), (200, "application/json"));
            assert!(body.contains(&format!("\"issuer\":\"{issuer}\"")), "{body}");
            assert!(
                body.contains(&format!("\"jwks_uri\":\"{issuer}jwks\"")),
                "{body}"
            );
        }
    }

    #[test]
    fn tenant_jwks_is_the_document_its_path_spells_in_hex() {
        let (status, _, body, _) = respond(&get("/tenant/7b226b657973223a5b5d7d/jwks"));
        assert_eq!((status, body.as_str()), (200, r#"{"keys":[]}"#));
        for keys in ["none", "7b7", "+f7d", "ff"] {
            let (status, _, _, _) = respond(&get(&format!("/tenant/{keys}/jwks")));
            assert_eq!(status, 404, "{keys}");
        }
    }

    #[test]
    fn tenant_login_and_logout_pages_answer_no_content_and_userinfo_a_profile() {
        for target in [
            "/tenant/none/authorize?client_id=c&state=s",
            "/tenant/none/v2/logout?returnTo=x",
        ] {
            let (status, _, body, _) = respond(&get(target));
            assert_eq!((status, body.as_str()), (204, ""), "{target}");
        }
        let (status, _, body, _) = respond(&get("/tenant/none/userinfo"));
        assert_eq!((status, body.as_str()), (200, PROFILE));
        let (status, _, _, _) = respond(&get("/tenant/none/oauth/token"));
        assert_eq!(status, 404);
    }

    #[test]
    fn json_strings_escape_quotes_and_controls() {
        assert_eq!(json_string("a\"b\\c\n\u{1}"), "\"a\\\"b\\\\c\\n\\u0001\"");
    }

    #[test]
    fn echo_reports_the_authorization_header_it_received() {
        let request = Request {
            method: "GET".to_owned(),
            target: "/echo/x?y=1".to_owned(),
            headers: BTreeMap::from([("authorization".to_owned(), "Bearer abc".to_owned())]),
            body: String::new(),
        };
        let (status, _, body, _) = respond(&request);
        assert_eq!(status, 200);
        assert!(body.contains("\"authorization\":\"Bearer abc\""), "{body}");
        assert!(body.contains("\"path\":\"/echo/x?y=1\""), "{body}");
    }
}
