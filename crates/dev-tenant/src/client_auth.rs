//! Client authentication at the token and revocation endpoints (RFC 6749 section 2.3): a public
//! client names itself with `client_id` (`none`); a confidential one proves its secret with
//! `client_secret_post` (in the body) or `client_secret_basic` (in the `Authorization`
//! header, section 2.3.1), and with exactly one of them.

use std::collections::HashMap;

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::config::{ClientConfig, TenantConfig};
use crate::token_request::TokenError;

/// The longest `Authorization` header value read for Basic credentials: far above any client
/// id and secret this tenant accepts, so that decoding costs nothing.
pub const MAX_BASIC_CREDENTIALS_BYTES: usize = 4096;

/// How a client authenticated (the names of RFC 7591 section 2, as discovery lists them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuthMethod {
    /// A public client: `client_id` only.
    None,
    /// `client_id` and `client_secret` in the body.
    ClientSecretPost,
    /// `Authorization: Basic` with the form-urlencoded id and secret.
    ClientSecretBasic,
}

impl ClientAuthMethod {
    /// Every method, as discovery's `token_endpoint_auth_methods_supported` lists them.
    pub const ALL: [Self; 3] = [Self::ClientSecretBasic, Self::ClientSecretPost, Self::None];

    /// The registered name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::ClientSecretPost => "client_secret_post",
            Self::ClientSecretBasic => "client_secret_basic",
        }
    }
}

/// A client that has authenticated as its registration requires.
#[derive(Clone, Copy, Debug)]
pub struct AuthenticatedClient<'config> {
    /// Its registration.
    pub client: &'config ClientConfig,
    /// How it authenticated.
    pub method: ClientAuthMethod,
}

/// Why `Authorization` header credentials could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BasicCredentialsError {
    /// Another scheme than `Basic`.
    #[error("unsupported authorization scheme")]
    UnsupportedScheme,
    /// Not `Basic <base64 of id:secret>` with a form-urlencoded id and secret, or too long.
    #[error("malformed basic credentials")]
    Malformed,
}

/// The client id and secret of an `Authorization: Basic` header value: base64 (RFC 7617
/// section 2) of `id:secret`, each form-urlencoded first (RFC 6749 section 2.3.1). The secret
/// is returned as it is, for [`crate::config::ClientSecret::verify`] only.
///
/// # Errors
/// [`BasicCredentialsError::UnsupportedScheme`] for another scheme,
/// [`BasicCredentialsError::Malformed`] for anything else that is not such a value.
pub fn basic_credentials(value: &[u8]) -> Result<(String, String), BasicCredentialsError> {
    if value.len() > MAX_BASIC_CREDENTIALS_BYTES {
        return Err(BasicCredentialsError::Malformed);
    }
    let value = std::str::from_utf8(value).map_err(|_| BasicCredentialsError::Malformed)?;
    let value = value.trim_matches([' ', '\t']);
    let (scheme, encoded) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(BasicCredentialsError::UnsupportedScheme);
    }
    let decoded = STANDARD
        .decode(encoded.trim_start_matches(' '))
        .map_err(|_| BasicCredentialsError::Malformed)?;
    let decoded = String::from_utf8(decoded).map_err(|_| BasicCredentialsError::Malformed)?;
    // The user-id of RFC 7617 cannot contain a colon; the password can.
    let (id, secret) = decoded
        .split_once(':')
        .ok_or(BasicCredentialsError::Malformed)?;
    let id = form_decode(id).ok_or(BasicCredentialsError::Malformed)?;
    let secret = form_decode(secret).ok_or(BasicCredentialsError::Malformed)?;
    if id.is_empty() {
        return Err(BasicCredentialsError::Malformed);
    }
    Ok((id, secret))
}

/// Decodes one `application/x-www-form-urlencoded` component: `+` is a space, `%XX` a byte.
/// Unlike a browser's lenient parsing, a broken escape or invalid UTF-8 is refused: these are
/// credentials, and a guess at what was meant is no use.
fn form_decode(component: &str) -> Option<String> {
    let bytes = component.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => decoded.push(b' '),
            b'%' => {
                let hex = bytes.get(index + 1..index + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                decoded.push(u8::from_str_radix(hex, 16).ok()?);
                index += 2;
            }
            byte => decoded.push(byte),
        }
        index += 1;
    }
    String::from_utf8(decoded).ok()
}

fn invalid_client(description: &'static str, basic_challenge: bool) -> TokenError {
    TokenError::InvalidClient {
        description,
        basic_challenge,
    }
}

/// Authenticates the client of a token or revocation request from its headers and
/// parameters. A public client must send `client_id` and no secret; a confidential one its
/// secret by exactly one method. Secrets are compared in constant time and never logged.
///
/// # Errors
/// `invalid_request` for a repeated `Authorization` header, both methods at once, a `client_id`
/// that differs from the Basic one, or no `client_id` at all; `invalid_client` for an unknown
/// client, a wrong, missing or unexpected secret, or another scheme than Basic, with a
/// `Basic` challenge whenever the `Authorization` header was used.
pub fn authenticate<'config>(
    config: &'config TenantConfig,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Result<AuthenticatedClient<'config>, TokenError> {
    let mut authorization = headers.get_all(AUTHORIZATION).iter();
    let header = authorization.next();
    if authorization.next().is_some() {
        return Err(TokenError::InvalidRequest(
            "The Authorization header is repeated",
        ));
    }
    let param_id = params.get("client_id").map(String::as_str);
    let posted_secret = params.get("client_secret").map(String::as_str);
    let Some(header) = header else {
        let client_id = param_id.ok_or(TokenError::InvalidRequest("client_id is required"))?;
        let client = config.client(client_id).ok_or(TokenError::UNKNOWN_CLIENT)?;
        return match (&client.client_secret, posted_secret) {
            (None, None) => Ok(AuthenticatedClient {
                client,
                method: ClientAuthMethod::None,
            }),
            (None, Some(_)) => Err(invalid_client(
                "This client is public and has no secret: send client_id alone",
                false,
            )),
            (Some(_), None) => Err(invalid_client(
                "This client must authenticate with its client_secret (client_secret_post or client_secret_basic)",
                false,
            )),
            (Some(secret), Some(presented)) => {
                if secret.verify(presented) {
                    Ok(AuthenticatedClient {
                        client,
                        method: ClientAuthMethod::ClientSecretPost,
                    })
                } else {
                    tracing::info!(client_id, "client authentication failed");
                    Err(invalid_client("Wrong client credentials", false))
                }
            }
        };
    };
    if posted_secret.is_some() {
        return Err(TokenError::InvalidRequest(
            "Use one client authentication method: client_secret_basic or client_secret_post, not both",
        ));
    }
    let (client_id, presented) =
        basic_credentials(header.as_bytes()).map_err(|error| match error {
            BasicCredentialsError::UnsupportedScheme => invalid_client(
                "Only the Basic scheme authenticates clients here (client_secret_basic)",
                true,
            ),
            BasicCredentialsError::Malformed => {
                invalid_client("The Basic credentials are malformed", true)
            }
        })?;
    if param_id.is_some_and(|param_id| param_id != client_id) {
        return Err(TokenError::InvalidRequest(
            "client_id differs from the client in the Authorization header",
        ));
    }
    let client = config
        .client(&client_id)
        .ok_or(invalid_client("Unknown client", true))?;
    let Some(secret) = &client.client_secret else {
        return Err(invalid_client(
            "This client is public and has no secret: send client_id alone",
            true,
        ));
    };
    if !secret.verify(&presented) {
        tracing::info!(client_id, "client authentication failed");
        return Err(invalid_client("Wrong client credentials", true));
    }
    Ok(AuthenticatedClient {
        client,
        method: ClientAuthMethod::ClientSecretBasic,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(id: &str, secret: &str) -> String {
        format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
    }

    #[test]
    fn the_rfc_6749_example_header_reads_as_its_id_and_secret() {
        // RFC 6749 section 2.3.1.
        assert_eq!(
            basic_credentials(b"Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3"),
            Ok(("s6BhdRkqt3".to_owned(), "7Fjfp0ZBr1KtDRbnfVdmIw".to_owned()))
        );
    }

    #[test]
    fn id_and_secret_are_form_urlencoded_inside_basic() {
        assert_eq!(
            basic_credentials(basic("a+b%25", "p%3Aw%2Bd+x").as_bytes()),
            Ok(("a b%".to_owned(), "p:w+d x".to_owned()))
        );
        // Only the first colon separates: the secret may contain more.
        assert_eq!(
            basic_credentials(basic("id", "a:b").as_bytes()),
            Ok(("id".to_owned(), "a:b".to_owned()))
        );
    }

    #[test]
    fn the_scheme_is_case_insensitive_and_others_are_unsupported() {
        let encoded = STANDARD.encode("id:secret");
        for scheme in ["Basic", "basic", "BASIC"] {
            assert!(basic_credentials(format!("{scheme} {encoded}").as_bytes()).is_ok());
        }
        assert_eq!(
            basic_credentials(b"Bearer abc.def.ghi"),
            Err(BasicCredentialsError::UnsupportedScheme)
        );
    }

    #[test]
    fn malformed_basic_credentials_are_refused() {
        let long = format!("Basic {}", "A".repeat(MAX_BASIC_CREDENTIALS_BYTES));
        for value in [
            "Basic".to_owned(),
            "Basic not-base64!".to_owned(),
            format!("Basic {}", STANDARD.encode("no-colon")),
            format!("Basic {}", STANDARD.encode(":secret")),
            basic("id", "bad%2"),
            basic("id", "bad%zz"),
            basic("id", "%ff"),
            long,
        ] {
            assert_eq!(
                basic_credentials(value.as_bytes()),
                Err(BasicCredentialsError::Malformed),
                "{value}"
            );
        }
    }

    #[test]
    fn discovery_names_of_the_methods_are_those_of_rfc_7591() {
        let names: Vec<&str> = ClientAuthMethod::ALL
            .iter()
            .map(|method| method.as_str())
            .collect();
        assert_eq!(names, ["client_secret_basic", "client_secret_post", "none"]);
    }
}
