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
//! - `/renewal/<id>/<lifetime>/...`: a stand-in tenant that renews sessions, the only state the
//!   server keeps (at most [`MAX_RENEWAL_TENANTS`], the oldest forgotten first). Its issuer is
//!   `http://<host>/renewal/<id>/<lifetime>/`; each test picks a fresh `<id>`. Its refresh tokens
//!   are `rt-<id>-<generation>`, starting at `rt-<id>-0`: `oauth/token` (the `refresh_token`
//!   grant) spends the current one for an unsigned JWT-shaped access token living `<lifetime>`
//!   seconds and the next refresh token; a rotated-away token revokes the family, and a revoked
//!   family answers `invalid_grant`. `oauth/revoke` (RFC 7009) revokes the family. `api` answers
//!   200 to the last access token issued and 401 `invalid_token` to anything else;
//!   `api-always-401` refuses every token. `stats` reports what was asked (`token_requests`,
//!   `revocations`, `api_calls`, `generation`, `revoked`). `POST unreachable?requests=<n>` makes
//!   the next `<n>` token requests end without an answer, as with the network down.
//!   `authorize` and `v2/logout` answer 204 No Content, like `/tenant/`'s, except a silent
//!   `authorize` (`prompt=none&response_mode=web_message`), which answers like Auth0: a page,
//!   frameable only by the redirect URI's origin, that posts `{type: "authorization_response",
//!   response}` to that origin. What it posts is set by `POST silent?answer=<answer>`: `code`
//!   (the default: a code for this state, with `iss`), `never` (no message), `forged` (only
//!   messages a client must ignore: another state, another type, malformed ones) or any other
//!   word, posted as the `error`. The code is exchanged at `oauth/token` (the
//!   `authorization_code` grant, its redirect URI checked, its `code_verifier` recorded) for an
//!   access token and the ID token the test posted to `id_token` (its body, raw), waiting at
//!   most five seconds for it, since only the test can sign it with the nonce, which `stats`
//!   reports with the code's challenge and verifier. `jwks` is what was posted to `keys`
//!   (`{"keys":[]}` before);
//! - `/slow/<ms>/<route>`: `<route>` after `<ms>` milliseconds (at most five seconds; preflights
//!   are not delayed), for answers that arrive late. A path rather than a query, so it can sit
//!   in front of a tenant's issuer, below which the client derives every endpoint.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Largest request body the echo server reads.
const MAX_BODY: usize = 64 * 1024;
/// Longest wait of a `/slow/<ms>/` route.
const MAX_DELAY: Duration = Duration::from_secs(5);
/// How many renewal tenants are remembered at once.
const MAX_RENEWAL_TENANTS: usize = 256;
/// Longest access token lifetime of a renewal tenant, in seconds.
const MAX_LIFETIME_SECS: u64 = 86_400;
/// The status that makes the server close the connection without answering.
const NO_ANSWER: u16 = 0;
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
    if status == NO_ANSWER {
        return Ok(());
    }
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
    if let Some(rest) = path.strip_prefix("/renewal/") {
        if request.method == "POST"
            && rest.ends_with("/oauth/token")
            && parse_query(&request.body)
                .get("grant_type")
                .map(String::as_str)
                == Some("authorization_code")
        {
            await_posted_id_token(rest.split('/').next().unwrap_or_default());
        }
        let host = request
            .headers
            .get("host")
            .map_or("127.0.0.1", String::as_str);
        let issuer_path = &full_path[..full_path.len() - rest.len()];
        return renewal_tenant(&format!("http://{host}{issuer_path}"), rest, query, request);
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

/// One renewal tenant's state.
#[derive(Default)]
struct RenewalTenant {
    /// Insertion order, to forget the oldest first.
    created: u64,
    generation: u64,
    revoked: bool,
    token_requests: u64,
    revocations: u64,
    api_calls: u64,
    unreachable_for: u64,
    access_token: Option<String>,
    /// What a silent `authorize` posts.
    silent_answer: SilentAnswer,
    authorize_requests: u64,
    code_exchanges: u64,
    /// The code a silent `authorize` issued and not yet exchanged.
    pending_code: Option<PendingCode>,
    /// The ID token the next code exchange returns, posted by the test.
    id_token: Option<String>,
    /// The JWKS document `jwks` serves, posted by the test.
    keys: Option<String>,
    /// The last exchange's `code_verifier`, to compare with the challenge.
    code_verifier: Option<String>,
    code_challenge: Option<String>,
}

/// What a renewal tenant's silent `authorize` posts to the client's window.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum SilentAnswer {
    /// A code for the request's state.
    #[default]
    Code,
    /// Nothing at all, as from a tenant that never answers.
    Never,
    /// Only messages that the client must ignore.
    Forged,
    /// This error, e.g. `login_required`.
    Error(String),
}

/// A code issued by a silent `authorize`.
struct PendingCode {
    code: String,
    redirect_uri: String,
    nonce: String,
}

/// Largest body kept as a renewal tenant's posted ID token or keys.
const MAX_POSTED: usize = 16 * 1024;

fn renewal_tenants() -> &'static Mutex<BTreeMap<String, RenewalTenant>> {
    static TENANTS: OnceLock<Mutex<BTreeMap<String, RenewalTenant>>> = OnceLock::new();
    TENANTS.get_or_init(|| Mutex::new(BTreeMap::new()))
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// The renewal tenant `<id>/<lifetime>/<endpoint>` at `issuer_prefix` (its path up to `<id>`).
fn renewal_tenant(issuer_prefix: &str, rest: &str, query: &str, request: &Request) -> Response {
    let mut parts = rest.splitn(3, '/');
    let (Some(id), Some(lifetime), Some(endpoint)) = (parts.next(), parts.next(), parts.next())
    else {
        return not_found();
    };
    let Some(lifetime) = lifetime
        .parse::<u64>()
        .ok()
        .filter(|lifetime| (1..=MAX_LIFETIME_SECS).contains(lifetime))
    else {
        return not_found();
    };
    let valid_id = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_');
    if !valid_id {
        return not_found();
    }
    let issuer = format!("{issuer_prefix}{id}/{lifetime}/");
    let mut tenants = renewal_tenants()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if !tenants.contains_key(id) && tenants.len() >= MAX_RENEWAL_TENANTS {
        let oldest = tenants
            .iter()
            .min_by_key(|(_, tenant)| tenant.created)
            .map(|(id, _)| id.clone());
        if let Some(oldest) = oldest {
            tenants.remove(&oldest);
        }
    }
    let created = tenants
        .values()
        .map(|tenant| tenant.created + 1)
        .max()
        .unwrap_or(0);
    let tenant = tenants
        .entry(id.to_owned())
        .or_insert_with(|| RenewalTenant {
            created,
            ..RenewalTenant::default()
        });
    let json = |status: u16, body: String| (status, "application/json", body, Vec::new());
    match (request.method.as_str(), endpoint) {
        ("GET", ".well-known/openid-configuration") => {
            let endpoint = |name: &str| json_string(&format!("{issuer}{name}"));
            json(
                200,
                format!(
                    "{{\"issuer\":{},\"authorization_endpoint\":{},\"token_endpoint\":{},\
                     \"revocation_endpoint\":{},\"jwks_uri\":{},\
                     \"response_types_supported\":[\"code\"],\
                     \"response_modes_supported\":[\"query\",\"web_message\"],\
                     \"subject_types_supported\":[\"public\"],\
                     \"id_token_signing_alg_values_supported\":[\"RS256\"]}}",
                    json_string(&issuer),
                    endpoint("authorize"),
                    endpoint("oauth/token"),
                    endpoint("oauth/revoke"),
                    endpoint("jwks"),
                ),
            )
        }
        ("GET", "jwks") => json(
            200,
            tenant
                .keys
                .clone()
                .unwrap_or_else(|| "{\"keys\":[]}".to_owned()),
        ),
        ("POST", "keys") if request.body.len() <= MAX_POSTED => {
            tenant.keys = Some(request.body.clone());
            (204, "text/plain", String::new(), Vec::new())
        }
        ("POST", "id_token") if request.body.len() <= MAX_POSTED => {
            tenant.id_token = Some(request.body.clone());
            (204, "text/plain", String::new(), Vec::new())
        }
        ("POST", "silent") => {
            tenant.silent_answer = match parse_query(query).get("answer").map(String::as_str) {
                None | Some("code") => SilentAnswer::Code,
                Some("never") => SilentAnswer::Never,
                Some("forged") => SilentAnswer::Forged,
                Some(error) => SilentAnswer::Error(error.to_owned()),
            };
            (204, "text/plain", String::new(), Vec::new())
        }
        ("GET", "authorize") if is_silent(query) => {
            tenant.authorize_requests += 1;
            silent_authorize(tenant, &issuer, id, query)
        }
        ("POST", "oauth/token")
            if parse_query(&request.body)
                .get("grant_type")
                .map(String::as_str)
                == Some("authorization_code") =>
        {
            tenant.token_requests += 1;
            tenant.code_exchanges += 1;
            if tenant.unreachable_for > 0 {
                tenant.unreachable_for -= 1;
                return (NO_ANSWER, "text/plain", String::new(), Vec::new());
            }
            exchange_code(tenant, &issuer, lifetime, &parse_query(&request.body))
        }
        ("POST", "oauth/token") => {
            tenant.token_requests += 1;
            if tenant.unreachable_for > 0 {
                tenant.unreachable_for -= 1;
                return (NO_ANSWER, "text/plain", String::new(), Vec::new());
            }
            let form = parse_query(&request.body);
            let refused = |description: &str| {
                json(
                    400,
                    format!(
                        "{{\"error\":\"invalid_grant\",\"error_description\":{}}}",
                        json_string(description)
                    ),
                )
            };
            if form.get("grant_type").map(String::as_str) != Some("refresh_token") {
                return json(400, "{\"error\":\"unsupported_grant_type\"}".to_owned());
            }
            let presented = form
                .get("refresh_token")
                .and_then(|token| token.strip_prefix(&format!("rt-{id}-")))
                .and_then(|generation| generation.parse::<u64>().ok());
            match presented {
                _ if tenant.revoked => refused("Unknown or invalid refresh token"),
                Some(generation) if generation == tenant.generation => {
                    tenant.generation += 1;
                    let now = now_secs();
                    let access_token = unsigned_jwt(&format!(
                        "{{\"iss\":{},\"sub\":\"auth0|reader\",\
                         \"aud\":[\"https://quickstarts/api\",{}],\
                         \"scope\":\"openid profile read:messages offline_access\",\
                         \"iat\":{now},\"exp\":{},\"generation\":{}}}",
                        json_string(&issuer),
                        json_string(&format!("{issuer}userinfo")),
                        now + lifetime,
                        tenant.generation
                    ));
                    tenant.access_token = Some(access_token.clone());
                    json(
                        200,
                        format!(
                            "{{\"access_token\":{},\"token_type\":\"Bearer\",\
                             \"refresh_token\":{},\"expires_in\":{lifetime},\
                             \"scope\":\"openid profile read:messages offline_access\"}}",
                            json_string(&access_token),
                            json_string(&format!("rt-{id}-{}", tenant.generation)),
                        ),
                    )
                }
                Some(generation) if generation < tenant.generation => {
                    tenant.revoked = true;
                    refused("Unknown or invalid refresh token: reuse detected")
                }
                _ => refused("Unknown or invalid refresh token"),
            }
        }
        ("POST", "oauth/revoke") => {
            tenant.revocations += 1;
            let form = parse_query(&request.body);
            let ours = form
                .get("token")
                .is_some_and(|token| token.starts_with(&format!("rt-{id}-")));
            if ours {
                tenant.revoked = true;
            }
            (200, "text/plain", String::new(), Vec::new())
        }
        ("POST", "unreachable") => {
            tenant.unreachable_for = parse_query(query)
                .get("requests")
                .and_then(|requests| requests.parse().ok())
                .unwrap_or(1);
            (204, "text/plain", String::new(), Vec::new())
        }
        ("GET", "api" | "api-always-401") => {
            tenant.api_calls += 1;
            let presented = request
                .headers
                .get("authorization")
                .and_then(|value| value.strip_prefix("Bearer "));
            if endpoint == "api"
                && presented.is_some()
                && presented == tenant.access_token.as_deref()
            {
                return json(200, "{\"message\":\"renewed token accepted\"}".to_owned());
            }
            (
                401,
                "application/json",
                "{\"error\":\"invalid_token\"}".to_owned(),
                vec![(
                    "WWW-Authenticate",
                    "Bearer error=\"invalid_token\"".to_owned(),
                )],
            )
        }
        ("GET", "stats") => json(
            200,
            format!(
                "{{\"token_requests\":{},\"revocations\":{},\"api_calls\":{},\
                 \"generation\":{},\"revoked\":{},\"authorize_requests\":{},\
                 \"code_exchanges\":{},\"nonce\":{},\"code_challenge\":{},\
                 \"code_verifier\":{}}}",
                tenant.token_requests,
                tenant.revocations,
                tenant.api_calls,
                tenant.generation,
                tenant.revoked,
                tenant.authorize_requests,
                tenant.code_exchanges,
                json_or_null(tenant.pending_code.as_ref().map(|code| code.nonce.as_str())),
                json_or_null(tenant.code_challenge.as_deref()),
                json_or_null(tenant.code_verifier.as_deref()),
            ),
        ),
        ("GET", "authorize" | "v2/logout") => (204, "text/plain", String::new(), Vec::new()),
        _ => not_found(),
    }
}

/// Whether an `authorize` query asks for a silent answer by web message, as auth0-spa-js's
/// `getTokenSilently` does.
fn is_silent(query: &str) -> bool {
    let params = parse_query(query);
    params.get("prompt").map(String::as_str) == Some("none")
        && params.get("response_mode").map(String::as_str) == Some("web_message")
}

/// The origin (`scheme://host[:port]`) of an absolute URL.
fn origin_of(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let origin = &url[..scheme.len() + 3 + authority_end];
    let valid = matches!(scheme, "http" | "https")
        && authority_end > 0
        && origin
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b":/.-[]".contains(&byte));
    valid.then_some(origin)
}

/// A renewal tenant's answer to a silent `authorize`, per its [`SilentAnswer`].
fn silent_authorize(tenant: &mut RenewalTenant, issuer: &str, id: &str, query: &str) -> Response {
    let params = parse_query(query);
    let param = |name: &str| params.get(name).map_or("", String::as_str);
    let Some(origin) = origin_of(param("redirect_uri")) else {
        return (400, "text/plain", "no redirect_uri".to_owned(), Vec::new());
    };
    let state = json_string(param("state"));
    let issuer = json_string(issuer);
    let message = |fields: String| {
        format!("{{\"type\":\"authorization_response\",\"response\":{{{fields}}}}}")
    };
    let messages = match &tenant.silent_answer {
        SilentAnswer::Code => {
            let code = format!("code-{id}-{}", tenant.authorize_requests);
            tenant.code_challenge = Some(param("code_challenge").to_owned());
            tenant.pending_code = Some(PendingCode {
                code: code.clone(),
                redirect_uri: param("redirect_uri").to_owned(),
                nonce: param("nonce").to_owned(),
            });
            vec![message(format!(
                "\"code\":{},\"state\":{state},\"iss\":{issuer}",
                json_string(&code)
            ))]
        }
        SilentAnswer::Never => Vec::new(),
        SilentAnswer::Forged => vec![
            message(format!(
                "\"code\":\"forged-other-state\",\"state\":{},\"iss\":{issuer}",
                json_string(&format!("not-{}", param("state")))
            )),
            format!(
                "{{\"type\":\"token_response\",\"response\":{{\"code\":\"forged-other-type\",\"state\":{state}}}}}"
            ),
            message(format!("\"code\":42,\"state\":{state}")),
            message(format!("\"state\":{state}")),
            "{\"type\":\"authorization_response\"}".to_owned(),
            "\"authorization_response\"".to_owned(),
            "null".to_owned(),
        ],
        SilentAnswer::Error(error) => vec![message(format!(
            "\"error\":{},\"error_description\":\"Login required\",\"state\":{state},\"iss\":{issuer}",
            json_string(error)
        ))],
    };
    // `<` escaped, so no text in the messages can end the script element.
    let messages = format!("[{}]", messages.join(",")).replace('<', "\\u003c");
    let body = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Authorization response</title></head><body><script>\
         {messages}.forEach(function (message) {{ window.parent.postMessage(message, {}); }});\
         </script></body></html>\n",
        json_string(origin)
    );
    (
        200,
        "text/html; charset=utf-8",
        body,
        vec![
            (
                "Content-Security-Policy",
                format!("frame-ancestors {origin}"),
            ),
            // The test runner's page is cross-origin isolated (`Cross-Origin-Embedder-Policy:
            // require-corp`), which loads a cross-origin frame only if it opts in like this.
            ("Cross-Origin-Embedder-Policy", "require-corp".to_owned()),
            ("Cross-Origin-Resource-Policy", "cross-origin".to_owned()),
        ],
    )
}

/// The `authorization_code` grant at a renewal tenant: the silent `authorize`'s code, once,
/// for the redirect URI it was issued to, yields an access token and the posted ID token.
fn exchange_code(
    tenant: &mut RenewalTenant,
    issuer: &str,
    lifetime: u64,
    form: &BTreeMap<String, String>,
) -> Response {
    let field = |name: &str| form.get(name).map_or("", String::as_str);
    let refused = |description: &str| {
        (
            400,
            "application/json",
            format!(
                "{{\"error\":\"invalid_grant\",\"error_description\":{}}}",
                json_string(description)
            ),
            Vec::new(),
        )
    };
    let Some(pending) = tenant.pending_code.take() else {
        return refused("no code was issued");
    };
    if field("code") != pending.code || field("redirect_uri") != pending.redirect_uri {
        return refused("unknown code or another redirect_uri");
    }
    tenant.code_verifier = Some(field("code_verifier").to_owned());
    let Some(id_token) = tenant.id_token.take() else {
        return refused("the test posted no id token");
    };
    let now = now_secs();
    let access_token = unsigned_jwt(&format!(
        "{{\"iss\":{},\"sub\":\"auth0|reader\",\"aud\":[\"https://quickstarts/api\"],\
         \"scope\":\"openid profile read:messages\",\"iat\":{now},\"exp\":{},\
         \"silent\":{}}}",
        json_string(issuer),
        now + lifetime,
        tenant.code_exchanges
    ));
    tenant.access_token = Some(access_token.clone());
    (
        200,
        "application/json",
        format!(
            "{{\"access_token\":{},\"token_type\":\"Bearer\",\"id_token\":{},\
             \"expires_in\":{lifetime},\"scope\":\"openid profile read:messages\"}}",
            json_string(&access_token),
            json_string(&id_token)
        ),
        Vec::new(),
    )
}

/// Waits, at most [`MAX_DELAY`], until the test has posted the ID token for renewal tenant
/// `id`'s pending code, outside the lock so that the post can arrive.
fn await_posted_id_token(id: &str) {
    let started = std::time::Instant::now();
    while started.elapsed() < MAX_DELAY {
        let posted = renewal_tenants()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(id)
            .is_none_or(|tenant| tenant.id_token.is_some() || tenant.pending_code.is_none());
        if posted {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn json_or_null(text: Option<&str>) -> String {
    text.map_or_else(|| "null".to_owned(), json_string)
}

/// A JWT-shaped token with these claims and no valid signature.
fn unsigned_jwt(claims: &str) -> String {
    format!(
        "{}.{}.{}",
        base64url(br#"{"alg":"RS256","typ":"JWT","kid":"renewal"}"#),
        base64url(claims.as_bytes()),
        base64url(b"unsigned")
    )
}

/// Unpadded base64url (RFC 4648 section 5).
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let word = chunk.iter().enumerate().fold(0u32, |word, (index, byte)| {
            word | u32::from(*byte) << (16 - 8 * index)
        });
        for index in 0..=chunk.len() {
            out.push(char::from(
                ALPHABET[(word >> (18 - 6 * index) & 63) as usize],
            ));
        }
    }
    out
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

    fn post(target: &str, body: &str) -> Request {
        Request {
            method: "POST".to_owned(),
            body: body.to_owned(),
            ..get(target)
        }
    }

    fn stats(id: &str) -> String {
        respond(&get(&format!("/renewal/{id}/60/stats"))).2
    }

    #[test]
    fn base64url_matches_rfc4648_test_vectors() {
        for (input, encoded) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64url(input.as_bytes()), encoded, "{input}");
        }
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn renewal_tenant_rotates_refresh_tokens_and_revokes_the_family_on_reuse() {
        let id = "rotation_test";
        let refresh = |token: &str| {
            respond(&post(
                &format!("/renewal/{id}/60/oauth/token"),
                &format!("grant_type=refresh_token&client_id=c&refresh_token={token}"),
            ))
        };
        let (status, _, body, _) = refresh(&format!("rt-{id}-0"));
        assert_eq!(status, 200, "{body}");
        assert!(
            body.contains(&format!("\"refresh_token\":\"rt-{id}-1\"")),
            "{body}"
        );
        assert!(body.contains("\"expires_in\":60"), "{body}");
        let (status, _, body, _) = refresh(&format!("rt-{id}-0"));
        assert_eq!(status, 400);
        assert!(
            body.contains("invalid_grant") && body.contains("reuse"),
            "{body}"
        );
        // The family is gone: its newest token is refused too.
        let (status, _, _, _) = refresh(&format!("rt-{id}-1"));
        assert_eq!(status, 400);
        let stats = stats(id);
        assert!(stats.contains("\"token_requests\":3"), "{stats}");
        assert!(stats.contains("\"revoked\":true"), "{stats}");
    }

    #[test]
    fn renewal_tenant_api_accepts_only_the_last_access_token_issued() {
        let id = "api_test";
        let (_, _, body, _) = respond(&post(
            &format!("/renewal/{id}/60/oauth/token"),
            &format!("grant_type=refresh_token&refresh_token=rt-{id}-0"),
        ));
        let access_token = body
            .split("\"access_token\":\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_owned();
        let call = |token: &str| {
            let mut request = get(&format!("/renewal/{id}/60/api"));
            request
                .headers
                .insert("authorization".to_owned(), format!("Bearer {token}"));
            respond(&request)
        };
        assert_eq!(call(&access_token).0, 200);
        let (status, _, _, extra) = call("eyJ.stale.token");
        assert_eq!(status, 401);
        assert_eq!(
            extra,
            vec![(
                "WWW-Authenticate",
                "Bearer error=\"invalid_token\"".to_owned()
            )]
        );
        assert!(stats(id).contains("\"api_calls\":2"));
    }

    #[test]
    fn renewal_tenant_revocation_ends_the_family_and_unreachable_drops_token_requests() {
        let id = "revoke_test";
        let (status, _, _, _) = respond(&post(
            &format!("/renewal/{id}/60/oauth/revoke"),
            &format!("token=rt-{id}-0&client_id=c"),
        ));
        assert_eq!(status, 200);
        assert!(stats(id).contains("\"revoked\":true"));
        let (status, _, _, _) = respond(&post(
            &format!("/renewal/{id}/60/unreachable?requests=1"),
            "",
        ));
        assert_eq!(status, 204);
        let token = || {
            respond(&post(
                &format!("/renewal/{id}/60/oauth/token"),
                "grant_type=refresh_token&refresh_token=x",
            ))
            .0
        };
        assert_eq!(token(), NO_ANSWER);
        assert_eq!(token(), 400);
    }

    #[test]
    fn renewal_tenant_discovery_names_its_issuer_and_bad_paths_are_not_found() {
        let (status, _, body, _) =
            respond(&get("/renewal/disc/15/.well-known/openid-configuration"));
        assert_eq!(status, 200);
        assert!(
            body.contains("\"issuer\":\"http://127.0.0.1:4000/renewal/disc/15/\""),
            "{body}"
        );
        for target in [
            "/renewal/disc/0/stats",
            "/renewal/disc/x/stats",
            "/renewal/d%20c/15/stats",
            "/renewal/disc/15",
        ] {
            assert_eq!(respond(&get(target)).0, 404, "{target}");
        }
    }

    fn silent_authorize(id: &str, state: &str) -> Response {
        respond(&get(&format!(
            "/renewal/{id}/60/authorize?client_id=c&redirect_uri=http%3A%2F%2F127.0.0.1%3A8000%2Fcallback\
             &state={state}&nonce=n-1&code_challenge=ch-1&prompt=none&response_mode=web_message"
        )))
    }

    #[test]
    fn renewal_tenant_answers_a_silent_request_with_a_page_posting_a_code_to_the_client_only() {
        let id = "silent_code_test";
        let (status, content_type, body, extra) = silent_authorize(id, "st%3C1");
        assert_eq!((status, content_type), (200, "text/html; charset=utf-8"));
        assert_eq!(
            extra[0],
            (
                "Content-Security-Policy",
                "frame-ancestors http://127.0.0.1:8000".to_owned()
            )
        );
        assert!(
            body.contains(&format!(
                "\"code\":\"code-{id}-1\",\"state\":\"st\\u003c1\",\"iss\":\"http://127.0.0.1:4000/renewal/{id}/60/\""
            )),
            "{body}"
        );
        assert!(
            body.contains("postMessage(message, \"http://127.0.0.1:8000\")"),
            "{body}"
        );
        let stats = stats(id);
        assert!(stats.contains("\"authorize_requests\":1"), "{stats}");
        assert!(stats.contains("\"nonce\":\"n-1\""), "{stats}");
        // A login (not silent) still answers 204, as before.
        let (status, _, _, _) = respond(&get(&format!("/renewal/{id}/60/authorize?state=s")));
        assert_eq!(status, 204);
    }

    #[test]
    fn renewal_tenant_exchanges_its_code_once_for_the_posted_id_token() {
        let id = "silent_exchange_test";
        silent_authorize(id, "s");
        assert_eq!(
            respond(&post(&format!("/renewal/{id}/60/id_token"), "eyJ.id.token")).0,
            204
        );
        let exchange = |code: &str, redirect_uri: &str| {
            respond(&post(
                &format!("/renewal/{id}/60/oauth/token"),
                &format!(
                    "grant_type=authorization_code&code={code}&code_verifier=v-1&redirect_uri={redirect_uri}"
                ),
            ))
        };
        let (status, _, body, _) = exchange("wrong", "http%3A%2F%2F127.0.0.1%3A8000%2Fcallback");
        assert_eq!(status, 400, "{body}");
        // The wrong attempt used up the code, as a tenant may.
        silent_authorize(id, "s");
        let (status, _, body, _) = exchange(
            &format!("code-{id}-2"),
            "http%3A%2F%2F127.0.0.1%3A8000%2Fcallback",
        );
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("\"id_token\":\"eyJ.id.token\""), "{body}");
        assert!(body.contains("\"token_type\":\"Bearer\""), "{body}");
        let (status, _, _, _) = exchange(
            &format!("code-{id}-2"),
            "http%3A%2F%2F127.0.0.1%3A8000%2Fcallback",
        );
        assert_eq!(status, 400);
        let stats = stats(id);
        assert!(stats.contains("\"code_verifier\":\"v-1\""), "{stats}");
        assert!(stats.contains("\"code_challenge\":\"ch-1\""), "{stats}");
        assert!(stats.contains("\"code_exchanges\":3"), "{stats}");
    }

    #[test]
    fn renewal_tenant_silent_answers_are_errors_nothing_or_forgeries_when_told() {
        let id = "silent_answer_test";
        respond(&post(
            &format!("/renewal/{id}/60/silent?answer=login_required"),
            "",
        ));
        let (_, _, body, _) = silent_authorize(id, "s");
        assert!(body.contains("\"error\":\"login_required\""), "{body}");
        assert!(!body.contains("\"code\""), "{body}");
        respond(&post(&format!("/renewal/{id}/60/silent?answer=never"), ""));
        let (_, _, body, _) = silent_authorize(id, "s");
        assert!(body.contains("[].forEach"), "{body}");
        respond(&post(&format!("/renewal/{id}/60/silent?answer=forged"), ""));
        let (_, _, body, _) = silent_authorize(id, "s");
        assert!(body.contains("\"state\":\"not-s\""), "{body}");
        assert!(!stats(id).contains("\"nonce\":\"n-1\""));
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
