//! The `/authorize` request (RFC 6749 4.1.1 and 4.2.1, OIDC Core 3.1.2.1 and 3.2.2.1): parsing,
//! validation in the order the RFC requires, and encoding the answer's parameters into the
//! redirect URI. Issuing and delivering that answer is [`crate::authorization_response`]'s job.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use oidc_protocol::{Audience, ClientId, PkceChallenge, PkceError, ResponseType, Scope};
use url::Url;

use crate::config::TenantConfig;

/// The longest value `/authorize` accepts for a parameter it reads (`state`, `nonce`, `scope`,
/// `login_hint` and the rest): a pending login stores them, so their size is bounded.
pub const MAX_PARAMETER_BYTES: usize = 2048;
/// The longest query `/authorize` accepts, names and values together, read or ignored.
pub const MAX_QUERY_BYTES: usize = 8192;

/// The parameters [`AuthorizeRequest::parse`] reads; the others are ignored.
const READ_PARAMETERS: [&str; 13] = [
    "client_id",
    "redirect_uri",
    "response_type",
    "response_mode",
    "state",
    "scope",
    "audience",
    "nonce",
    "prompt",
    "max_age",
    "login_hint",
    "code_challenge",
    "code_challenge_method",
];

/// Where the response parameters go (OAuth 2.0 Multiple Response Type Encoding Practices).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseMode {
    /// In the query string, the default for `code`.
    Query,
    /// In the fragment, the default (and only safe choice) for implicit responses.
    Fragment,
    /// Auth0's `web_message`: an HTML page posts the parameters to the window that opened it
    /// (a popup's opener, or the parent of auth0-spa-js's silent-authentication iframe), at the
    /// redirect URI's origin, which must be one of the client's registered web origins.
    WebMessage,
}

/// The `prompt` parameter (OIDC Core 3.1.2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prompt {
    /// Use the session if there is one, else show the login page.
    Default,
    /// Never show a page: use the session or fail with `login_required`.
    None,
    /// Always show the login page.
    Login,
}

/// A validated authorization request.
#[derive(Clone, Debug)]
pub struct AuthorizeRequest {
    /// Where and how to answer.
    pub target: RedirectTarget,
    /// The registered client.
    pub client_id: ClientId,
    /// The flow.
    pub response_type: ResponseType,
    /// Requested scopes, before narrowing to what the user holds.
    pub scope: Scope,
    /// The registered API the access token is for.
    pub audience: Option<Audience>,
    /// `nonce`, echoed into the ID token.
    pub nonce: Option<String>,
    /// PKCE challenge, present exactly for the code flow.
    pub challenge: Option<PkceChallenge>,
    /// `prompt`.
    pub prompt: Prompt,
    /// `login_hint`, used to prefill the email field.
    pub login_hint: Option<String>,
    /// `max_age` in seconds: an older session must log in again (OIDC Core 3.1.2.1).
    pub max_age: Option<u64>,
}

/// The validated redirect URI with the response mode, `state` to echo and the issuer to name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedirectTarget {
    /// Registered redirect URI, byte-exact as sent.
    pub redirect_uri: String,
    /// Query or fragment.
    pub mode: ResponseMode,
    /// `state`, echoed byte-exact.
    pub state: Option<String>,
    /// The `iss` every authorization response carries, so that a client talking to several
    /// servers can tell which one answered (RFC 9207 section 2).
    pub issuer: String,
}

/// Why the request cannot be answered by redirecting: the client or redirect URI is not
/// trustworthy (RFC 6749 4.1.2.1), so the user sees an error page instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UntrustedRedirect {
    /// No `client_id`.
    #[error("missing client_id")]
    MissingClientId,
    /// `client_id` is not registered.
    #[error("unknown client_id")]
    UnknownClient,
    /// No `redirect_uri`.
    #[error("missing redirect_uri")]
    MissingRedirectUri,
    /// `redirect_uri` is not byte-exact one of the client's callback URLs.
    #[error("unregistered redirect_uri")]
    UnregisteredRedirectUri,
    /// `client_id` or `redirect_uri` appears more than once.
    #[error("repeated client_id or redirect_uri")]
    RepeatedParameter,
    /// `response_mode=web_message`, but the redirect URI's origin is not one of the client's
    /// web origins, so there is no window the response may be posted to.
    #[error("redirect_uri origin is not a registered web origin")]
    UnregisteredWebOrigin,
    /// The query is longer than [`MAX_QUERY_BYTES`], or `client_id` or `redirect_uri` longer
    /// than [`MAX_PARAMETER_BYTES`].
    #[error("authorization request too long")]
    Oversized,
}

/// Why the request was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizeRejection {
    /// Show an error page; never redirect.
    #[error("untrusted authorization request")]
    Untrusted(#[source] UntrustedRedirect),
    /// Redirect back with `error` and `error_description` (RFC 6749 4.1.2.1).
    #[error("{error}: {description}")]
    Redirect {
        /// Where to send the error.
        target: RedirectTarget,
        /// The RFC 6749 error code.
        error: &'static str,
        /// Human-readable detail for the developer.
        description: String,
    },
}

impl AuthorizeRequest {
    /// Validates the query parameters of `/authorize`. Unknown parameters (such as
    /// auth0-spa-js's `auth0Client`) are ignored, as RFC 6749 3.1 requires.
    ///
    /// # Errors
    /// [`AuthorizeRejection::Untrusted`] first for client or redirect URI problems, then
    /// [`AuthorizeRejection::Redirect`] for everything else.
    pub fn parse(
        config: &TenantConfig,
        pairs: Vec<(String, String)>,
    ) -> Result<Self, AuthorizeRejection> {
        let query_bytes: usize = pairs
            .iter()
            .map(|(name, value)| name.len() + value.len())
            .sum();
        if query_bytes > MAX_QUERY_BYTES {
            return Err(AuthorizeRejection::Untrusted(UntrustedRedirect::Oversized));
        }
        let mut params: HashMap<String, String> = HashMap::new();
        let mut repeated: Vec<String> = Vec::new();
        for (name, value) in pairs {
            match params.entry(name) {
                Entry::Occupied(entry) => repeated.push(entry.key().clone()),
                Entry::Vacant(entry) => {
                    entry.insert(value);
                }
            }
        }
        let param = |name: &str| {
            params
                .get(name)
                .map(String::as_str)
                .filter(|value| !value.is_empty())
        };
        let oversized = |name: &str| {
            params
                .get(name)
                .is_some_and(|value| value.len() > MAX_PARAMETER_BYTES)
        };
        if oversized("client_id") || oversized("redirect_uri") {
            return Err(AuthorizeRejection::Untrusted(UntrustedRedirect::Oversized));
        }
        if repeated
            .iter()
            .any(|name| name == "client_id" || name == "redirect_uri")
        {
            return Err(AuthorizeRejection::Untrusted(
                UntrustedRedirect::RepeatedParameter,
            ));
        }
        let client_id = param("client_id").ok_or(AuthorizeRejection::Untrusted(
            UntrustedRedirect::MissingClientId,
        ))?;
        let client = config
            .client(client_id)
            .ok_or(AuthorizeRejection::Untrusted(
                UntrustedRedirect::UnknownClient,
            ))?;
        let redirect_uri = param("redirect_uri").ok_or(AuthorizeRejection::Untrusted(
            UntrustedRedirect::MissingRedirectUri,
        ))?;
        if !client
            .callback_urls
            .iter()
            .any(|registered| registered == redirect_uri)
        {
            return Err(AuthorizeRejection::Untrusted(
                UntrustedRedirect::UnregisteredRedirectUri,
            ));
        }
        let web_message = param("response_mode") == Some("web_message");
        if web_message {
            let origin = origin_of(redirect_uri);
            if !origin.is_some_and(|origin| client.web_origins.contains(&origin)) {
                return Err(AuthorizeRejection::Untrusted(
                    UntrustedRedirect::UnregisteredWebOrigin,
                ));
            }
        }

        // The values this tenant implements: `code` (with PKCE), `id_token` and
        // `token id_token`, in either order, separated by single spaces.
        let response_type = param("response_type").and_then(ResponseType::parse);
        let default_mode = match response_type {
            _ if web_message => ResponseMode::WebMessage,
            Some(response_type) if response_type.is_implicit() => ResponseMode::Fragment,
            Some(_) | None => ResponseMode::Query,
        };
        let mut target = RedirectTarget {
            redirect_uri: redirect_uri.to_owned(),
            mode: default_mode,
            // A state too long to accept is not echoed either.
            state: params.get("state").filter(|_| !oversized("state")).cloned(),
            issuer: config.issuer.clone(),
        };
        let refuse = |target: &RedirectTarget, error: &'static str, description: String| {
            Err(AuthorizeRejection::Redirect {
                target: target.clone(),
                error,
                description,
            })
        };
        if let Some(name) = repeated.first() {
            return refuse(
                &target,
                "invalid_request",
                format!("parameter {name} is repeated"),
            );
        }
        if let Some(name) = READ_PARAMETERS.iter().find(|name| oversized(name)) {
            return refuse(
                &target,
                "invalid_request",
                format!("{name} is longer than {MAX_PARAMETER_BYTES} bytes"),
            );
        }
        let Some(response_type) = response_type else {
            return match param("response_type") {
                None => refuse(
                    &target,
                    "invalid_request",
                    "response_type is required".to_owned(),
                ),
                Some(other) => refuse(
                    &target,
                    "unsupported_response_type",
                    format!("unsupported response_type: {other}"),
                ),
            };
        };
        // RFC 9700 2.1.2: the implicit flow only for clients registered for it.
        if !client.response_types.contains(&response_type) {
            return refuse(
                &target,
                "unauthorized_client",
                format!(
                    "response_type {} is not allowed for this client",
                    response_type.as_str()
                ),
            );
        }
        match param("response_mode") {
            None | Some("web_message") => {}
            Some("query") if response_type == ResponseType::Code => {
                target.mode = ResponseMode::Query
            }
            Some("fragment") => target.mode = ResponseMode::Fragment,
            Some(other) => {
                return refuse(
                    &target,
                    "invalid_request",
                    format!("unsupported response_mode: {other}"),
                );
            }
        }
        let prompt = match param("prompt") {
            None => Prompt::Default,
            Some(value) => {
                let values: Vec<&str> = value.split(' ').filter(|part| !part.is_empty()).collect();
                if values.contains(&"none") && values.len() > 1 {
                    return refuse(
                        &target,
                        "invalid_request",
                        "prompt=none cannot be combined".to_owned(),
                    );
                }
                if values.contains(&"none") {
                    Prompt::None
                } else if values.contains(&"login") {
                    Prompt::Login
                } else {
                    Prompt::Default
                }
            }
        };
        let audience = param("audience").map(Audience::from);
        if let Some(audience) = &audience
            && config.api(audience.as_str()).is_none()
        {
            return refuse(
                &target,
                "access_denied",
                format!("Service not found: {audience}"),
            );
        }
        let max_age = match param("max_age").map(str::parse::<u64>) {
            None => None,
            Some(Ok(seconds)) => Some(seconds),
            Some(Err(_)) => {
                return refuse(
                    &target,
                    "invalid_request",
                    "max_age must be a number of seconds".to_owned(),
                );
            }
        };
        let scope = Scope::new(param("scope").unwrap_or_default());
        let nonce = param("nonce").map(str::to_owned);
        let challenge = if response_type == ResponseType::Code {
            let method = params.get("code_challenge_method").map(String::as_str);
            match PkceChallenge::from_request(param("code_challenge"), method) {
                Ok(challenge) => Some(challenge),
                Err(error) => {
                    return refuse(
                        &target,
                        "invalid_request",
                        pkce_description(error).to_owned(),
                    );
                }
            }
        } else {
            if nonce.is_none() {
                return refuse(
                    &target,
                    "invalid_request",
                    "nonce is required for implicit responses".to_owned(),
                );
            }
            None
        };
        if response_type.is_implicit() && !scope.contains("openid") {
            return refuse(
                &target,
                "invalid_scope",
                "implicit responses require the openid scope".to_owned(),
            );
        }
        Ok(Self {
            target,
            client_id: ClientId::from(client_id),
            response_type,
            scope,
            audience,
            nonce,
            challenge,
            prompt,
            login_hint: param("login_hint").map(str::to_owned),
            max_age,
        })
    }
}

fn pkce_description(error: PkceError) -> &'static str {
    match error {
        PkceError::MissingChallenge => "code_challenge is required (PKCE)",
        PkceError::UnsupportedMethod => "code_challenge_method must be S256",
        PkceError::MalformedChallenge => "code_challenge must be a base64url SHA-256 digest",
        // Only the token endpoint reads verifiers; `from_request` never reports this one.
        PkceError::MalformedVerifier => "code_verifier is malformed",
    }
}

/// The origin a `web_message` response is posted to: the redirect URI's.
fn origin_of(redirect_uri: &str) -> Option<String> {
    let origin = Url::parse(redirect_uri).ok()?.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

impl RedirectTarget {
    /// The origin a `web_message` response is posted to, which [`AuthorizeRequest::parse`]
    /// checked against the client's web origins.
    pub fn web_message_origin(&self) -> Option<String> {
        origin_of(&self.redirect_uri)
    }

    /// `params` followed by `state` and `iss`: every field of the response.
    fn all_fields<'a>(&'a self, params: &'a [(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let state = self.state.as_deref().map(|state| ("state", state));
        params
            .iter()
            .copied()
            .chain(state)
            .chain([("iss", self.issuer.as_str())])
            .collect()
    }

    /// `params` followed by `state` and `iss`, the fields of a `web_message` response.
    pub fn response_fields(&self, params: &[(&str, &str)]) -> Vec<(String, String)> {
        self.all_fields(params)
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect()
    }

    /// The redirect URI with `params`, `state` and `iss` added to the query or fragment (the
    /// query for `web_message`, which is delivered by a page rather than a redirect).
    pub fn url_with(&self, params: &[(&str, &str)]) -> String {
        let Ok(mut url) = Url::parse(&self.redirect_uri) else {
            // Registered callback URLs were validated as absolute URLs at start-up.
            return self.redirect_uri.clone();
        };
        let all = self.all_fields(params);
        match self.mode {
            ResponseMode::Query | ResponseMode::WebMessage => {
                url.query_pairs_mut().extend_pairs(all);
            }
            ResponseMode::Fragment => {
                let fragment = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(all)
                    .finish();
                url.set_fragment(Some(&fragment));
            }
        }
        url.into()
    }

    /// The redirect URI carrying an RFC 6749 4.1.2.1 error.
    pub fn error_url(&self, error: &str, description: &str) -> String {
        self.url_with(&[("error", error), ("error_description", description)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn pairs(query: &str) -> Vec<(String, String)> {
        url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect()
    }

    fn parse(query: &str) -> Result<AuthorizeRequest, AuthorizeRejection> {
        AuthorizeRequest::parse(&TenantConfig::default(), pairs(query))
    }

    fn base() -> String {
        format!(
            "client_id=local-spa-client&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback&response_type=code&code_challenge={CHALLENGE}&code_challenge_method=S256&state=a%20b"
        )
    }

    #[test]
    fn code_request_with_pkce_is_accepted_and_unknown_parameters_ignored() {
        let request = parse(&format!(
            "{}&auth0Client=eyJ9&scope=openid%20profile",
            base()
        ))
        .expect("valid");
        assert_eq!(request.response_type, ResponseType::Code);
        assert_eq!(request.target.state.as_deref(), Some("a b"));
        assert_eq!(
            request.scope.tokens().collect::<Vec<_>>(),
            ["openid", "profile"]
        );
    }

    #[test]
    fn repeated_redirect_uri_is_untrusted() {
        let query = format!(
            "{}&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback",
            base()
        );
        assert_eq!(
            parse(&query).err(),
            Some(AuthorizeRejection::Untrusted(
                UntrustedRedirect::RepeatedParameter
            ))
        );
    }

    #[test]
    fn unknown_audience_is_redirected_as_access_denied() {
        let Err(AuthorizeRejection::Redirect { error, .. }) =
            parse(&format!("{}&audience=https%3A%2F%2Fother", base()))
        else {
            panic!("expected a redirect");
        };
        assert_eq!(error, "access_denied");
    }

    #[test]
    fn query_url_keeps_state_byte_exact() {
        let target = RedirectTarget {
            redirect_uri: "http://localhost:3000/callback".to_owned(),
            mode: ResponseMode::Query,
            state: Some("x+y/=&z".to_owned()),
            issuer: "http://localhost:3002/".to_owned(),
        };
        let url = Url::parse(&target.url_with(&[("code", "abc")])).expect("url");
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            [
                ("code".to_owned(), "abc".to_owned()),
                ("state".to_owned(), "x+y/=&z".to_owned()),
                ("iss".to_owned(), "http://localhost:3002/".to_owned())
            ]
        );
    }

    #[test]
    fn fragment_url_puts_parameters_after_the_hash() {
        let target = RedirectTarget {
            redirect_uri: "http://localhost:3000/callback".to_owned(),
            mode: ResponseMode::Fragment,
            state: None,
            issuer: "http://localhost:3002/".to_owned(),
        };
        assert_eq!(
            target.url_with(&[("id_token", "t")]),
            "http://localhost:3000/callback#id_token=t&iss=http%3A%2F%2Flocalhost%3A3002%2F"
        );
    }

    #[test]
    fn a_parameter_over_the_limit_is_refused_and_a_long_state_is_not_echoed() {
        let long = "a".repeat(MAX_PARAMETER_BYTES + 1);
        for name in ["state", "nonce", "scope", "login_hint"] {
            let Err(AuthorizeRejection::Redirect {
                target,
                error,
                description,
            }) = parse(&format!(
                "{}&{name}={long}",
                base().replace("&state=a%20b", "")
            ))
            else {
                panic!("{name}: expected a redirect");
            };
            assert_eq!(error, "invalid_request", "{name}");
            assert_eq!(description, format!("{name} is longer than 2048 bytes"));
            if name == "state" {
                assert_eq!(target.state, None);
            }
        }
        let at_the_limit = "a".repeat(MAX_PARAMETER_BYTES);
        assert!(parse(&format!("{}&nonce={at_the_limit}", base())).is_ok());
    }

    #[test]
    fn a_query_over_the_limit_is_untrusted() {
        let padding = "p".repeat(MAX_QUERY_BYTES);
        assert_eq!(
            parse(&format!("{}&auth0Client={padding}", base())).err(),
            Some(AuthorizeRejection::Untrusted(UntrustedRedirect::Oversized))
        );
    }

    #[test]
    fn the_implicit_flow_is_refused_to_a_client_registered_for_code_only() {
        let mut config = TenantConfig::default();
        config.clients[0].response_types = vec![ResponseType::Code];
        let Err(AuthorizeRejection::Redirect { target, error, .. }) = AuthorizeRequest::parse(
            &config,
            pairs(&format!(
                "{}&response_type=token%20id_token&nonce=n&scope=openid",
                base().replace("&response_type=code", "")
            )),
        ) else {
            panic!("expected a redirect");
        };
        assert_eq!(error, "unauthorized_client");
        assert_eq!(target.mode, ResponseMode::Fragment);
    }
}
