//! URLs the browser is sent to: the authorization request (OIDC Core 3.1.2.1, RFC 7636
//! section 4.3, RFC 8707 section 2) and the logouts, Auth0's `/v2/logout` and RP-Initiated
//! Logout 1.0.

use oidc_protocol::form::encode_pairs;
use oidc_protocol::{IdToken, PkceChallenge, ResponseType};

use crate::config::AuthConfig;
use crate::transaction::Transaction;

/// `endpoint` with `pairs` added to its query: an endpoint may carry a query of its own, which
/// is kept (RFC 6749 section 3.1).
pub fn with_query(endpoint: &str, pairs: &[(&str, &str)]) -> String {
    let separator = match endpoint.split_once('?') {
        None => "?",
        Some((_, "")) => "",
        Some((_, query)) if query.ends_with('&') => "",
        Some(_) => "&",
    };
    format!("{endpoint}{separator}{}", encode_pairs(pairs))
}

/// The URL at `authorization_endpoint` that starts `transaction`. Besides Auth0's `audience`,
/// it names the API as RFC 8707's `resource` where [`AuthConfig::resource`] says so, and asks
/// for consent with `offline_access` where [`AuthConfig::prompts_for_consent`] says so.
pub fn authorize_url(
    config: &AuthConfig,
    authorization_endpoint: &str,
    transaction: &Transaction,
) -> String {
    build_authorize_url(config, authorization_endpoint, transaction, false)
}

/// The URL of a silent renewal at `authorization_endpoint`: the login's request (same client,
/// audience, scope and redirect URI, `transaction`'s fresh state, nonce and PKCE challenge)
/// with `prompt=none`, so the provider answers from its session or with an error and never
/// shows a page (OIDC Core 3.1.2.1), and `response_mode=web_message`, so the answer is posted
/// to this window rather than sent to the redirect URI.
pub fn silent_authorize_url(
    config: &AuthConfig,
    authorization_endpoint: &str,
    transaction: &Transaction,
) -> String {
    build_authorize_url(config, authorization_endpoint, transaction, true)
}

fn build_authorize_url(
    config: &AuthConfig,
    authorization_endpoint: &str,
    transaction: &Transaction,
    silent: bool,
) -> String {
    let challenge = transaction
        .code_verifier
        .as_ref()
        .map(|verifier| verifier.challenge());
    let scope = config.requested_scope();
    let mut pairs = vec![
        ("response_type", config.response_type.as_str()),
        ("client_id", config.client_id.as_str()),
        ("redirect_uri", transaction.redirect_uri.as_str()),
        ("audience", config.audience.as_str()),
        ("scope", scope.as_str()),
        ("state", transaction.state.as_str()),
        ("nonce", transaction.nonce.as_str()),
    ];
    if let Some(resource) = config.resource() {
        pairs.push(("resource", resource));
    }
    if silent {
        pairs.push(("prompt", "none"));
        pairs.push(("response_mode", "web_message"));
    } else if config.prompts_for_consent() {
        pairs.push(("prompt", "consent"));
    }
    if let (ResponseType::Code, Some(challenge)) = (config.response_type, &challenge) {
        pairs.push(("code_challenge", challenge.as_str()));
        pairs.push(("code_challenge_method", PkceChallenge::METHOD));
    }
    if config.response_type.is_implicit() {
        // Tokens in a fragment never reach a server log or a Referer header.
        pairs.push(("response_mode", "fragment"));
    }
    with_query(authorization_endpoint, &pairs)
}

/// Auth0's logout URL (`/v2/logout`), which ends the tenant session and comes back to
/// `return_to`.
pub fn auth0_logout_url(config: &AuthConfig, return_to: &str) -> String {
    with_query(
        &config.issuer.endpoint("v2/logout"),
        &[
            ("client_id", config.client_id.as_str()),
            ("returnTo", return_to),
        ],
    )
}

/// An RP-Initiated Logout request (OpenID Connect RP-Initiated Logout 1.0 section 2) to
/// `end_session_endpoint`: `id_token_hint` (the session's ID token, which tells the provider
/// whose session to end and lets it trust the redirect), `client_id`, and
/// `post_logout_redirect_uri`, which must be registered with the provider byte for byte. No
/// `state`: the page it comes back to is the same whatever the logout was.
///
/// The request is a GET, so the hint is in the URL the provider receives. Section 2 allows a
/// form POST too, which would keep it out of the address bar, but a cross-site POST carries no
/// `SameSite=Lax` cookie, and without its session cookie the provider cannot end the session.
/// The ID token only says who logged in, to this client: no API here accepts it.
pub fn end_session_url(
    config: &AuthConfig,
    end_session_endpoint: &str,
    id_token: Option<&IdToken>,
    post_logout_redirect_uri: &str,
) -> String {
    let mut pairs = Vec::with_capacity(3);
    if let Some(id_token) = id_token {
        pairs.push(("id_token_hint", id_token.secret()));
    }
    pairs.push(("client_id", config.client_id.as_str()));
    pairs.push(("post_logout_redirect_uri", post_logout_redirect_uri));
    with_query(end_session_endpoint, &pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oidc_protocol::PkceVerifier;
    use oidc_protocol::form::decode_pairs;

    const AUTHORIZE: &str = "http://localhost:3002/authorize";

    fn config(response_type: &str) -> AuthConfig {
        AuthConfig::from_json(&format!(
            r#"{{"domain":"http://localhost:3002","clientId":"local-spa-client",
            "audience":"https://quickstarts/api","responseType":"{response_type}"}}"#
        ))
        .unwrap()
    }

    fn transaction(with_pkce: bool) -> Transaction {
        Transaction {
            state: "state-1".into(),
            nonce: "nonce-1".into(),
            code_verifier: with_pkce.then(|| {
                PkceVerifier::parse("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap()
            }),
            return_to: "/ping".into(),
            redirect_uri: "http://localhost:3000/callback".into(),
        }
    }

    fn params(url: &str) -> Vec<(String, String)> {
        decode_pairs(url.split_once('?').unwrap().1)
    }

    fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    #[test]
    fn code_flow_authorize_url_carries_every_parameter() {
        let url = authorize_url(&config("code"), AUTHORIZE, &transaction(true));
        assert!(url.starts_with("http://localhost:3002/authorize?"));
        let params = params(&url);
        assert_eq!(param(&params, "response_type"), Some("code"));
        assert_eq!(param(&params, "client_id"), Some("local-spa-client"));
        assert_eq!(
            param(&params, "redirect_uri"),
            Some("http://localhost:3000/callback")
        );
        assert_eq!(param(&params, "audience"), Some("https://quickstarts/api"));
        // Sessions are renewed with refresh tokens by default, so the login asks for one.
        assert_eq!(
            param(&params, "scope"),
            Some("openid profile read:messages offline_access")
        );
        assert_eq!(param(&params, "state"), Some("state-1"));
        assert_eq!(param(&params, "nonce"), Some("nonce-1"));
        assert_eq!(
            param(&params, "code_challenge"),
            Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        );
        assert_eq!(param(&params, "code_challenge_method"), Some("S256"));
        assert_eq!(param(&params, "response_mode"), None);
        assert!(
            !url.contains("dBjftJeZ4CVP"),
            "the verifier must never leave the tab"
        );
    }

    #[test]
    fn implicit_flow_authorize_url_has_no_pkce_and_asks_for_the_fragment() {
        let url = authorize_url(&config("token id_token"), AUTHORIZE, &transaction(false));
        let params = params(&url);
        assert_eq!(param(&params, "response_type"), Some("token id_token"));
        assert_eq!(param(&params, "code_challenge"), None);
        assert_eq!(param(&params, "nonce"), Some("nonce-1"));
        assert_eq!(param(&params, "response_mode"), Some("fragment"));
        // The implicit flow yields no refresh token, so it does not ask for one.
        assert_eq!(
            param(&params, "scope"),
            Some("openid profile read:messages")
        );
    }

    #[test]
    fn without_refresh_tokens_the_login_asks_for_the_configured_scope_only() {
        let mut config = config("code");
        config.use_refresh_tokens = false;
        let params = params(&authorize_url(&config, AUTHORIZE, &transaction(true)));
        assert_eq!(
            param(&params, "scope"),
            Some("openid profile read:messages")
        );
    }

    #[test]
    fn an_auth0_login_sends_no_resource_and_no_consent_prompt() {
        let params = params(&authorize_url(
            &config("code"),
            AUTHORIZE,
            &transaction(true),
        ));
        assert_eq!(param(&params, "resource"), None);
        assert_eq!(param(&params, "prompt"), None);
    }

    fn discovered() -> AuthConfig {
        AuthConfig::from_json(
            r#"{"issuer":"http://localhost:4000/oidc/","clientId":"local-spa-client",
            "audience":"https://quickstarts/api"}"#,
        )
        .unwrap()
    }

    #[test]
    fn a_login_at_another_provider_names_the_api_as_resource_and_asks_consent_for_offline_access() {
        let url = authorize_url(
            &discovered(),
            "http://localhost:4000/oidc/auth",
            &transaction(true),
        );
        assert!(url.starts_with("http://localhost:4000/oidc/auth?"), "{url}");
        let sent = params(&url);
        assert_eq!(param(&sent, "resource"), Some("https://quickstarts/api"));
        assert_eq!(param(&sent, "audience"), Some("https://quickstarts/api"));
        assert_eq!(param(&sent, "prompt"), Some("consent"));
        assert_eq!(
            param(&sent, "scope"),
            Some("openid profile read:messages offline_access")
        );
        let mut without_renewal = discovered();
        without_renewal.use_refresh_tokens = false;
        let params = params(&authorize_url(
            &without_renewal,
            "http://localhost:4000/oidc/auth",
            &transaction(true),
        ));
        assert_eq!(param(&params, "prompt"), None);
    }

    #[test]
    fn a_silent_renewal_repeats_the_login_request_with_prompt_none_and_web_message() {
        let config = config("code");
        let login = params(&authorize_url(&config, AUTHORIZE, &transaction(true)));
        let silent_url = silent_authorize_url(&config, AUTHORIZE, &transaction(true));
        let silent = params(&silent_url);
        for name in [
            "response_type",
            "client_id",
            "redirect_uri",
            "audience",
            "scope",
            "state",
            "nonce",
            "code_challenge",
            "code_challenge_method",
        ] {
            assert_eq!(param(&silent, name), param(&login, name), "{name}");
        }
        assert_eq!(param(&silent, "prompt"), Some("none"));
        assert_eq!(param(&silent, "response_mode"), Some("web_message"));
        assert!(!silent_url.contains("dBjftJeZ4CVP"));
        // At another provider the login's consent prompt gives way to `none`.
        let silent = params(&silent_authorize_url(
            &discovered(),
            "http://localhost:4000/oidc/auth",
            &transaction(true),
        ));
        assert_eq!(param(&silent, "prompt"), Some("none"));
        assert_eq!(
            silent.iter().filter(|(name, _)| name == "prompt").count(),
            1
        );
    }

    #[test]
    fn an_endpoint_keeps_its_own_query() {
        assert_eq!(
            with_query("https://a/authorize", &[("x", "1")]),
            "https://a/authorize?x=1"
        );
        assert_eq!(
            with_query("https://a/authorize?p=sign_in", &[("x", "1 2")]),
            "https://a/authorize?p=sign_in&x=1%202"
        );
        assert_eq!(
            with_query("https://a/authorize?", &[("x", "1")]),
            "https://a/authorize?x=1"
        );
        assert_eq!(
            with_query("https://a/authorize?p=1&", &[("x", "1")]),
            "https://a/authorize?p=1&x=1"
        );
    }

    #[test]
    fn auth0_logout_hangs_below_the_tenant() {
        assert_eq!(
            auth0_logout_url(&config("code"), "http://localhost:3000"),
            "http://localhost:3002/v2/logout?client_id=local-spa-client&returnTo=http%3A%2F%2Flocalhost%3A3000"
        );
    }

    #[test]
    fn rp_initiated_logout_carries_the_id_token_hint_client_and_registered_return_address() {
        let id_token = IdToken::new("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZWFkZXIifQ.c2ln");
        let url = end_session_url(
            &discovered(),
            "http://localhost:4000/oidc/session/end",
            Some(&id_token),
            "http://localhost:3000",
        );
        assert!(
            url.starts_with("http://localhost:4000/oidc/session/end?"),
            "{url}"
        );
        let params = params(&url);
        assert_eq!(param(&params, "id_token_hint"), Some(id_token.secret()));
        assert_eq!(param(&params, "client_id"), Some("local-spa-client"));
        assert_eq!(
            param(&params, "post_logout_redirect_uri"),
            Some("http://localhost:3000")
        );
        assert_eq!(param(&params, "state"), None);
        assert_eq!(params.len(), 3);
        // Without an ID token (it could not be read), client_id still names the client, so the
        // provider can check the return address is registered (section 3).
        let url = end_session_url(
            &discovered(),
            "https://login.example.com/logout?tenant=shop",
            None,
            "https://app.example.com",
        );
        assert_eq!(
            url,
            "https://login.example.com/logout?tenant=shop&client_id=local-spa-client&post_logout_redirect_uri=https%3A%2F%2Fapp.example.com"
        );
    }
}
