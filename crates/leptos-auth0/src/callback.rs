//! The callback: what the tenant sent back, checked against this tab's transaction, then
//! turned into a session (RFC 6749 sections 4.1.2 and 4.2.2, OIDC Core 3.1.2.5 and 3.2.2.5).

use oidc_protocol::form::decode_pairs;
use oidc_protocol::{
    AccessToken, AuthorizationCode, IdToken, RefreshToken, ResponseType, UnverifiedJwt,
    check_access_token_hash, response_issuer_acceptable,
};

use crate::browser;
use crate::config::AuthConfig;
use crate::discovery::discover;
use crate::endpoints::Endpoints;
use crate::error::AuthError;
use crate::id_token::{ExpectedIdToken, verify_id_token};
use crate::jwks::fetch_keys;
use crate::lock::with_lock;
use crate::refresh_store::{RenewableSession, clear_renewable_session, save_renewable_session};
use crate::renewal::RENEWAL_LOCK;
use crate::session::Session;
use crate::storage;
use crate::token_endpoint::exchange_code;

/// What the tenant put in the callback URL. `Debug` prints no code or token.
#[derive(Debug, PartialEq, Eq)]
pub enum CallbackResponse {
    /// Authorization code flow: a code to exchange.
    Code {
        /// The authorization code.
        code: AuthorizationCode,
        /// The returned state, if any.
        state: Option<String>,
    },
    /// Implicit flow: tokens in the fragment.
    Tokens {
        /// The access token.
        access_token: AccessToken,
        /// The ID token.
        id_token: IdToken,
        /// Lifetime of the access token in seconds.
        expires_in: Option<u64>,
        /// The returned state, if any.
        state: Option<String>,
    },
    /// The tenant refused (RFC 6749 section 4.1.2.1).
    Error {
        /// The error code, e.g. `access_denied`.
        error: String,
        /// The human-readable description, if sent.
        description: Option<String>,
    },
    /// Nothing recognisable.
    Empty,
}

/// The parameters of the query and then the fragment; a name's first non-empty value wins.
fn callback_params(search: &str, hash: &str) -> impl Fn(&str) -> Option<String> {
    let mut params = decode_pairs(search.trim_start_matches('?'));
    params.extend(decode_pairs(hash.trim_start_matches('#')));
    move |name: &str| {
        params
            .iter()
            .find(|(key, value)| key == name && !value.is_empty())
            .map(|(_, value)| value.clone())
    }
}

/// Reads `location.search` and `location.hash` (with or without their `?`/`#`).
pub fn parse_callback(search: &str, hash: &str) -> CallbackResponse {
    let get = callback_params(search, hash);
    let state = get("state");
    if let Some(error) = get("error") {
        return CallbackResponse::Error {
            error,
            description: get("error_description"),
        };
    }
    if let (Some(access_token), Some(id_token)) = (get("access_token"), get("id_token")) {
        return CallbackResponse::Tokens {
            access_token: AccessToken::new(access_token),
            id_token: IdToken::new(id_token),
            expires_in: get("expires_in").and_then(|value| value.parse().ok()),
            state,
        };
    }
    if let Some(code) = get("code") {
        return CallbackResponse::Code {
            code: AuthorizationCode::new(code),
            state,
        };
    }
    CallbackResponse::Empty
}

/// When the session ends: `expires_in` after the tokens arrived (RFC 6749 section 5.1), but
/// never after the access token's own `exp`, from which `AuthHttp` refuses to send it anyway.
pub(crate) fn session_expiry(
    received_ms: u64,
    expires_in: Option<u64>,
    access_token: &AccessToken,
) -> u64 {
    let exp_ms = UnverifiedJwt::parse(access_token.secret())
        .ok()
        .and_then(|jwt| jwt.expires_at())
        .map(|exp| exp.saturating_mul(1000));
    let expires_in_ms = expires_in.map(|expires_in| Session::expiry_from(received_ms, expires_in));
    match (expires_in_ms, exp_ms) {
        (Some(expires_in_ms), Some(exp_ms)) => expires_in_ms.min(exp_ms),
        (Some(expires_at_ms), None) | (None, Some(expires_at_ms)) => expires_at_ms,
        (None, None) => received_ms,
    }
}

/// A finished login.
#[derive(Debug)]
pub struct CompletedLogin {
    /// The new session, already stored.
    pub session: Session,
    /// The same-origin path to go to.
    pub return_to: String,
}

/// Completes the login from the callback URL's `search` and `hash`.
///
/// The transaction is taken out of storage first, so a callback URL works once. Nothing is
/// requested and nothing is stored unless the state matches, and, when the response names its
/// issuer (RFC 9207), the issuer too. For an `issuer`, its discovery document is read then
/// (once per page load), and its promise to name the issuer in every response held to. The code
/// is exchanged at the token endpoint, and the ID token's signature and claims are verified
/// before the session is stored.
/// `now_ms` is the clock for the ID token's `exp` and `iat`; the session's expiry is measured
/// when the tokens have arrived.
///
/// # Errors
/// [`AuthError`] saying which step failed.
pub async fn complete_login(
    config: &AuthConfig,
    search: &str,
    hash: &str,
    now_ms: u64,
) -> Result<CompletedLogin, AuthError> {
    let response = parse_callback(search, hash);
    let transaction = storage::take_transaction();
    if response == CallbackResponse::Empty {
        return Err(AuthError::NoResponse);
    }
    // Errors too must come back with this tab's state (RFC 6749 section 4.1.2.1): otherwise a
    // crafted link could put any words on this page as if the tenant had said them.
    let transaction = transaction.ok_or(AuthError::NoTransaction)?;
    let params = callback_params(search, hash);
    if params("state").as_deref() != Some(transaction.state.as_str()) {
        return Err(AuthError::StateMismatch);
    }
    // RFC 9207 section 2.4: an `iss` must be the issuer the request went to, byte for byte.
    // Whether the provider promised to name itself is known only after discovery, below; a
    // wrong name is refused before anything is fetched.
    let issuer = params("iss");
    if !response_issuer_acceptable(issuer.as_deref(), config.issuer_identifier(), false) {
        return Err(AuthError::ResponseIssuer { found: issuer });
    }
    if let CallbackResponse::Error { error, description } = response {
        return Err(AuthError::Authorization { error, description });
    }
    // A `domain`'s endpoints are known, and its discovery document is read for the keys once
    // the tokens are in, as before; an `issuer`'s document is read now, for the token endpoint.
    let endpoints = match Endpoints::known(config) {
        Some(known) => known,
        None => {
            let metadata = discover(config).await?;
            // From a provider that says it names itself in every response, one that does not
            // is not its response.
            let promised = metadata.authorization_response_iss_parameter_supported == Some(true);
            if !response_issuer_acceptable(issuer.as_deref(), config.issuer_identifier(), promised)
            {
                return Err(AuthError::ResponseIssuer { found: None });
            }
            Endpoints::discovered(&metadata)
        }
    };

    let (access_token, id_token, expires_in, refresh_token) = match (response, config.response_type)
    {
        (CallbackResponse::Code { code, .. }, ResponseType::Code) => {
            let verifier = transaction
                .code_verifier
                .ok_or(AuthError::UnexpectedResponse)?;
            let token_endpoint = endpoints.token()?;
            let tokens = exchange_code(
                config,
                token_endpoint,
                code.secret(),
                verifier,
                &transaction.redirect_uri,
            )
            .await?;
            let id_token = tokens.id_token.ok_or(AuthError::UnexpectedResponse)?;
            (
                tokens.access_token,
                id_token,
                tokens.expires_in,
                tokens.refresh_token,
            )
        }
        (
            CallbackResponse::Tokens {
                access_token,
                id_token,
                expires_in,
                ..
            },
            ResponseType::TokenIdToken,
        ) => (access_token, id_token, expires_in, None),
        _ => return Err(AuthError::UnexpectedResponse),
    };

    let keys = fetch_keys(config).await.map_err(AuthError::Jwks)?;
    let expected = ExpectedIdToken {
        issuer: config.issuer_identifier(),
        client_id: &config.client_id,
        nonce: &transaction.nonce,
        now_secs: now_ms / 1000,
    };
    let claims = verify_id_token(&id_token, &keys, expected).await?;
    if config.response_type == ResponseType::TokenIdToken {
        check_access_token_hash(&claims, &access_token)
            .map_err(crate::id_token::IdTokenError::from)?;
    }

    // Measured from now, after the exchange, rather than from when the callback was read.
    let expires_at_ms = session_expiry(browser::now_ms(), expires_in, &access_token);
    let session = Session::new(access_token, id_token, expires_at_ms);
    if config.renews_with_refresh_tokens() {
        keep_refresh_token(config, &session, refresh_token).await;
    }
    session.save()?;
    storage::clear_session_ended_mark();
    Ok(CompletedLogin {
        session,
        return_to: transaction.return_to,
    })
}

/// Stores the login's refresh token with its session in IndexedDB, under the renewal lock so
/// that no renewal of an earlier login in another tab writes over it; without one, removes an
/// earlier login's. A browser that cannot keep it renews nothing: the session then lasts as
/// long as its access token.
async fn keep_refresh_token(
    config: &AuthConfig,
    session: &Session,
    refresh_token: Option<RefreshToken>,
) {
    let _ = with_lock(RENEWAL_LOCK, async {
        match refresh_token {
            Some(refresh_token) => {
                let renewable = RenewableSession {
                    session: session.clone(),
                    refresh_token,
                };
                save_renewable_session(&renewable, config).await
            }
            None => clear_renewable_session().await,
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use oidc_protocol::base64url;

    fn jwt(claims: &serde_json::Value) -> String {
        format!(
            "{}.{}.{}",
            base64url::encode(r#"{"alg":"RS256","kid":"k"}"#),
            base64url::encode(claims.to_string()),
            base64url::encode(b"signature")
        )
    }

    #[test]
    fn code_and_state_are_read_from_the_query() {
        assert_eq!(
            parse_callback("?code=abc&state=s%201", ""),
            CallbackResponse::Code {
                code: AuthorizationCode::new("abc"),
                state: Some("s 1".into())
            }
        );
    }

    #[test]
    fn implicit_tokens_are_read_from_the_fragment() {
        assert_eq!(
            parse_callback(
                "",
                "#access_token=at&id_token=it&token_type=Bearer&expires_in=7200&state=s"
            ),
            CallbackResponse::Tokens {
                access_token: AccessToken::new("at"),
                id_token: IdToken::new("it"),
                expires_in: Some(7200),
                state: Some("s".into()),
            }
        );
    }

    #[test]
    fn tenant_errors_win_over_everything_else() {
        assert_eq!(
            parse_callback(
                "?error=access_denied&error_description=User%20said%20no&code=x",
                ""
            ),
            CallbackResponse::Error {
                error: "access_denied".into(),
                description: Some("User said no".into())
            }
        );
    }

    #[test]
    fn debug_output_hides_the_code_and_tokens() {
        let code = parse_callback("?code=secret-code&state=s", "");
        let tokens = parse_callback("", "#access_token=secret-at&id_token=secret-it&state=s");
        for response in [code, tokens] {
            let debug = format!("{response:?}");
            assert!(!debug.contains("secret"), "{debug}");
        }
    }

    #[test]
    fn session_ends_at_the_access_token_exp_even_if_expires_in_runs_longer() {
        let access_token = AccessToken::new(jwt(&serde_json::json!({"exp": 1_000})));
        // The tenant rounded its clock down; the tokens arrived 300 ms into the next second.
        assert_eq!(session_expiry(900_300, Some(100), &access_token), 1_000_000);
        assert_eq!(session_expiry(900_300, Some(50), &access_token), 950_300);
        assert_eq!(session_expiry(900_300, None, &access_token), 1_000_000);
        let opaque = AccessToken::new("opaque");
        assert_eq!(session_expiry(900_300, Some(100), &opaque), 1_000_300);
        assert_eq!(session_expiry(900_300, None, &opaque), 900_300);
    }

    #[test]
    fn a_bare_callback_is_empty() {
        assert_eq!(parse_callback("", ""), CallbackResponse::Empty);
        assert_eq!(parse_callback("?state=only", ""), CallbackResponse::Empty);
    }
}
