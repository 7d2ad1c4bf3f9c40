//! URLs of the tenant: the authorization request (OIDC Core 3.1.2.1, RFC 7636 section 4.3),
//! the UserInfo endpoint and the logout endpoint.

use oidc_protocol::form::encode_pairs;
use oidc_protocol::{PkceChallenge, ResponseType};

use crate::config::AuthConfig;
use crate::transaction::Transaction;

/// The `/authorize` URL that starts `transaction`.
pub fn authorize_url(config: &AuthConfig, transaction: &Transaction) -> String {
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
    if let (ResponseType::Code, Some(challenge)) = (config.response_type, &challenge) {
        pairs.push(("code_challenge", challenge.as_str()));
        pairs.push(("code_challenge_method", PkceChallenge::METHOD));
    }
    if config.response_type.is_implicit() {
        // Tokens in a fragment never reach a server log or a Referer header.
        pairs.push(("response_mode", "fragment"));
    }
    format!(
        "{}?{}",
        config.issuer.endpoint("authorize"),
        encode_pairs(&pairs)
    )
}

/// The UserInfo endpoint (OIDC Core 5.3).
pub fn userinfo_url(config: &AuthConfig) -> String {
    config.issuer.endpoint("userinfo")
}

/// The tenant's logout URL (Auth0's `/v2/logout`), which ends the tenant session and comes
/// back to `return_to`.
pub fn logout_url(config: &AuthConfig, return_to: &str) -> String {
    format!(
        "{}?{}",
        config.issuer.endpoint("v2/logout"),
        encode_pairs(&[
            ("client_id", config.client_id.as_str()),
            ("returnTo", return_to)
        ])
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use oidc_protocol::PkceVerifier;
    use oidc_protocol::form::decode_pairs;

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
        let url = authorize_url(&config("code"), &transaction(true));
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
        let url = authorize_url(&config("token id_token"), &transaction(false));
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
        let params = params(&authorize_url(&config, &transaction(true)));
        assert_eq!(
            param(&params, "scope"),
            Some("openid profile read:messages")
        );
    }

    #[test]
    fn logout_and_userinfo_urls_hang_below_the_tenant() {
        assert_eq!(
            logout_url(&config("code"), "http://localhost:3000"),
            "http://localhost:3002/v2/logout?client_id=local-spa-client&returnTo=http%3A%2F%2Flocalhost%3A3000"
        );
        assert_eq!(
            userinfo_url(&config("code")),
            "http://localhost:3002/userinfo"
        );
    }
}
