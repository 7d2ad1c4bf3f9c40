//! The provider's discovery document (OpenID Connect Discovery 1.0): fetched from
//! `<issuer>.well-known/openid-configuration` once per page load, then checked against the
//! configuration before anything in it is used: the `issuer` byte for byte (section 4.3),
//! every endpoint `https` (plain `http` only on loopback hosts), and the members the configured
//! flow needs present and supporting what this library sends.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use oidc_protocol::{HttpUrl, ProviderMetadata, ResponseType};
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::browser::{REQUEST_TIMEOUT, abort_after};
use crate::config::{AuthConfig, LogoutMode, ProviderKind};

/// How many providers' documents a page keeps: an app talks to one; tests to a few.
const CACHED_DOCUMENTS: usize = 8;

/// Why the provider's discovery document cannot be used. Each variant names what to fix; the
/// sentences for a person are written by the components
/// ([`provider_problem_sentence`](crate::components::provider_problem_sentence)).
#[derive(Clone, Debug, thiserror::Error)]
pub enum ProviderError {
    /// The document could not be fetched (network, CORS, or no answer in time).
    #[error("could not fetch {url}")]
    Network {
        /// The discovery URL.
        url: String,
        /// What failed.
        #[source]
        source: Arc<gloo_net::Error>,
    },
    /// The provider answered with another status than 200.
    #[error("{url} answered with status {status}")]
    Status {
        /// The discovery URL.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The answer is not JSON, or a member has the wrong JSON type.
    #[error("{url} is not a discovery document")]
    Malformed {
        /// The discovery URL.
        url: String,
        /// What failed.
        #[source]
        source: Arc<serde_json::Error>,
    },
    /// The document names another issuer than the configured one (Discovery 4.3: they MUST be
    /// identical).
    #[error("the discovery document names issuer {found}, not {expected}")]
    IssuerMismatch {
        /// The `issuer` the document names.
        found: String,
        /// The issuer the configuration names.
        expected: String,
    },
    /// An endpoint is not an `https` URL (plain `http` only on loopback hosts) without a
    /// fragment.
    #[error("the discovery document's {member} is not an acceptable url")]
    UnacceptableEndpoint {
        /// The member, e.g. `token_endpoint`.
        member: &'static str,
        /// Its value.
        url: String,
    },
    /// A member the configured flow needs is absent: `authorization_endpoint` and `jwks_uri`
    /// always, `token_endpoint` for the code flow, `end_session_endpoint` for `"logout":
    /// "oidc"`.
    #[error("the discovery document has no {0}")]
    Missing(&'static str),
    /// The provider does not support something this library needs: the configured
    /// `response_type`, PKCE's `S256` or `RS256` ID tokens.
    #[error("the provider does not list {value} in {member}")]
    Unsupported {
        /// The member that lists what is supported.
        member: &'static str,
        /// What this library needs from it.
        value: &'static str,
    },
}

/// The members Discovery 3 requires that the document's type cannot do without, read when the
/// document does not parse, to name the one that is missing.
#[derive(Deserialize)]
struct RequiredMembers {
    issuer: Option<IgnoredAny>,
    authorization_endpoint: Option<IgnoredAny>,
    jwks_uri: Option<IgnoredAny>,
}

/// Reads the text of a discovery document fetched from `url`.
///
/// # Errors
/// [`ProviderError::Missing`] naming `issuer`, `authorization_endpoint` or `jwks_uri` when one
/// is absent, [`ProviderError::Malformed`] for anything else that does not parse.
pub fn read_metadata(text: &str, url: &str) -> Result<ProviderMetadata, ProviderError> {
    serde_json::from_str::<ProviderMetadata>(text).map_err(|source| {
        let missing = serde_json::from_str::<RequiredMembers>(text)
            .ok()
            .and_then(|members| match members {
                RequiredMembers { issuer: None, .. } => Some("issuer"),
                RequiredMembers {
                    authorization_endpoint: None,
                    ..
                } => Some("authorization_endpoint"),
                RequiredMembers { jwks_uri: None, .. } => Some("jwks_uri"),
                _ => None,
            });
        match missing {
            Some(member) => ProviderError::Missing(member),
            None => ProviderError::Malformed {
                url: url.to_owned(),
                source: Arc::new(source),
            },
        }
    })
}

/// An endpoint the browser may send tokens and codes to: `https`, or `http` on a loopback host,
/// and no fragment (RFC 6749 section 3.1 allows a query, which is kept).
fn is_acceptable_endpoint(url: &str) -> bool {
    HttpUrl::parse(url).is_ok_and(|url| url.require_secure_or_loopback().is_ok())
        && !url.contains('#')
}

/// Whether `listed` (from `response_types_supported`) is `response_type`: the same words in
/// any order (OAuth 2.0 Multiple Response Types section 3).
fn same_response_type(listed: &str, response_type: ResponseType) -> bool {
    let mut listed: Vec<&str> = listed.split(' ').filter(|word| !word.is_empty()).collect();
    let mut wanted: Vec<&str> = response_type.as_str().split(' ').collect();
    listed.sort_unstable();
    wanted.sort_unstable();
    listed == wanted
}

/// Checks that `metadata` belongs to the configured provider and offers what the configured
/// flow needs. A list the document leaves out (or empty) is not held against it: Discovery
/// defaults apply, and a provider that cannot do something will say so when asked.
///
/// # Errors
/// The first [`ProviderError`] found, in this order: issuer, endpoints, missing members,
/// unsupported values.
pub fn check_metadata(
    metadata: &ProviderMetadata,
    config: &AuthConfig,
) -> Result<(), ProviderError> {
    if metadata.issuer != config.issuer_identifier() {
        return Err(ProviderError::IssuerMismatch {
            found: metadata.issuer.clone(),
            expected: config.issuer_identifier().to_owned(),
        });
    }
    let endpoints = [
        (
            "authorization_endpoint",
            Some(&metadata.authorization_endpoint),
        ),
        ("token_endpoint", metadata.token_endpoint.as_ref()),
        ("userinfo_endpoint", metadata.userinfo_endpoint.as_ref()),
        ("jwks_uri", Some(&metadata.jwks_uri)),
        (
            "end_session_endpoint",
            metadata.end_session_endpoint.as_ref(),
        ),
        ("revocation_endpoint", metadata.revocation_endpoint.as_ref()),
    ];
    for (member, url) in endpoints {
        if let Some(url) = url.filter(|url| !is_acceptable_endpoint(url)) {
            return Err(ProviderError::UnacceptableEndpoint {
                member,
                url: url.clone(),
            });
        }
    }
    let code_flow = config.response_type == ResponseType::Code;
    let discovered = matches!(config.provider, ProviderKind::Discovered { .. });
    if discovered && code_flow && metadata.token_endpoint.is_none() {
        return Err(ProviderError::Missing("token_endpoint"));
    }
    if config.logout == Some(LogoutMode::Oidc) && metadata.end_session_endpoint.is_none() {
        return Err(ProviderError::Missing("end_session_endpoint"));
    }
    let response_types = &metadata.response_types_supported;
    if !response_types.is_empty()
        && !response_types
            .iter()
            .any(|listed| same_response_type(listed, config.response_type))
    {
        return Err(ProviderError::Unsupported {
            member: "response_types_supported",
            value: config.response_type.as_str(),
        });
    }
    let methods = &metadata.code_challenge_methods_supported;
    if code_flow && !methods.is_empty() && !methods.iter().any(|method| method == "S256") {
        return Err(ProviderError::Unsupported {
            member: "code_challenge_methods_supported",
            value: "S256",
        });
    }
    let algorithms = &metadata.id_token_signing_alg_values_supported;
    if !algorithms.is_empty() && !algorithms.iter().any(|alg| alg == "RS256") {
        return Err(ProviderError::Unsupported {
            member: "id_token_signing_alg_values_supported",
            value: "RS256",
        });
    }
    Ok(())
}

thread_local! {
    /// The documents read on this page, by discovery URL, newest last.
    static DOCUMENTS: RefCell<Vec<(String, Rc<ProviderMetadata>)>> = const { RefCell::new(Vec::new()) };
}

fn cached(url: &str) -> Option<Rc<ProviderMetadata>> {
    DOCUMENTS.with_borrow(|documents| {
        documents
            .iter()
            .find(|(cached_url, _)| cached_url == url)
            .map(|(_, metadata)| Rc::clone(metadata))
    })
}

fn remember(url: String, metadata: Rc<ProviderMetadata>) {
    DOCUMENTS.with_borrow_mut(|documents| {
        documents.retain(|(cached_url, _)| *cached_url != url);
        if documents.len() >= CACHED_DOCUMENTS {
            documents.remove(0);
        }
        documents.push((url, metadata));
    });
}

/// What [`discover`] returns: a boxed future, so that the fetch, the cache and the checks
/// exist once in the download rather than inside every caller's future.
pub type Discovery<'a> =
    Pin<Box<dyn Future<Output = Result<Rc<ProviderMetadata>, ProviderError>> + 'a>>;

/// The configured provider's discovery document, checked against `config`
/// ([`check_metadata`]). Fetched once per page load: later calls use the document read first
/// (a failed fetch is tried again next time).
///
/// # Errors
/// [`ProviderError`] saying why the document could not be fetched or used.
pub fn discover(config: &AuthConfig) -> Discovery<'_> {
    Box::pin(discover_unboxed(config))
}

async fn discover_unboxed(config: &AuthConfig) -> Result<Rc<ProviderMetadata>, ProviderError> {
    let url = config.issuer.discovery_url();
    let metadata = match cached(&url) {
        Some(metadata) => metadata,
        None => {
            let metadata = Rc::new(fetch(&url).await?);
            remember(url, Rc::clone(&metadata));
            metadata
        }
    };
    check_metadata(&metadata, config)?;
    Ok(metadata)
}

async fn fetch(url: &str) -> Result<ProviderMetadata, ProviderError> {
    let network = |source| ProviderError::Network {
        url: url.to_owned(),
        source: Arc::new(source),
    };
    let signal = abort_after(REQUEST_TIMEOUT);
    let response = gloo_net::http::Request::get(url)
        .abort_signal(signal.as_ref())
        .send()
        .await
        .map_err(network)?;
    if response.status() != 200 {
        return Err(ProviderError::Status {
            url: url.to_owned(),
            status: response.status(),
        });
    }
    let text = response.text().await.map_err(network)?;
    read_metadata(&text, url)
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://login.example.com/.well-known/openid-configuration";

    fn config(extra: &str) -> AuthConfig {
        AuthConfig::from_json(&format!(
            r#"{{"issuer":"https://login.example.com","clientId":"c","audience":"https://api.example.com"{extra}}}"#
        ))
        .unwrap()
    }

    fn document(overrides: serde_json::Value) -> ProviderMetadata {
        let mut base = serde_json::json!({
            "issuer": "https://login.example.com",
            "authorization_endpoint": "https://login.example.com/oauth2/authorize",
            "token_endpoint": "https://login.example.com/oauth2/token",
            "userinfo_endpoint": "https://login.example.com/oauth2/userinfo",
            "jwks_uri": "https://login.example.com/oauth2/keys",
            "end_session_endpoint": "https://login.example.com/oauth2/logout",
            "response_types_supported": ["code", "id_token token"],
            "code_challenge_methods_supported": ["plain", "S256"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "subject_types_supported": ["public"],
        });
        for (name, value) in overrides.as_object().into_iter().flatten() {
            if value.is_null() {
                base.as_object_mut().unwrap().remove(name);
            } else {
                base[name] = value.clone();
            }
        }
        read_metadata(&base.to_string(), URL).unwrap()
    }

    #[test]
    fn a_complete_document_for_the_configured_issuer_is_accepted() {
        assert!(check_metadata(&document(serde_json::json!({})), &config("")).is_ok());
        // Lists the document leaves out do not count against it.
        let sparse = document(serde_json::json!({
            "response_types_supported": [], "code_challenge_methods_supported": null,
            "id_token_signing_alg_values_supported": [], "end_session_endpoint": null,
            "userinfo_endpoint": null,
        }));
        assert!(check_metadata(&sparse, &config("")).is_ok());
    }

    #[test]
    fn an_issuer_that_differs_in_any_byte_is_refused_and_both_are_named() {
        for found in [
            "https://login.example.com/",
            "https://Login.example.com",
            "https://login.example.com/other",
            "http://login.example.com",
        ] {
            let error =
                check_metadata(&document(serde_json::json!({"issuer": found})), &config(""));
            assert!(
                matches!(
                    &error,
                    Err(ProviderError::IssuerMismatch { found: named, expected })
                        if named == found && expected == "https://login.example.com"
                ),
                "{found}: {error:?}"
            );
        }
    }

    #[test]
    fn endpoints_must_be_https_or_loopback_http_without_a_fragment() {
        for (member, url) in [
            (
                "authorization_endpoint",
                "http://login.example.com/authorize",
            ),
            ("token_endpoint", "ftp://login.example.com/token"),
            ("userinfo_endpoint", "https://login.example.com/me#profile"),
            ("jwks_uri", "/keys"),
            ("end_session_endpoint", "http://login.example.com/logout"),
            ("revocation_endpoint", "http://10.0.0.1/revoke"),
        ] {
            let metadata = document(serde_json::json!({ member: url }));
            assert!(
                matches!(
                    check_metadata(&metadata, &config("")),
                    Err(ProviderError::UnacceptableEndpoint { member: named, url: value })
                        if named == member && value == url
                ),
                "{member} {url}"
            );
        }
        let local = document(serde_json::json!({
            "token_endpoint": "http://localhost:4000/token",
            "authorization_endpoint": "https://login.example.com/authorize?p=signin",
        }));
        assert!(check_metadata(&local, &config("")).is_ok());
    }

    #[test]
    fn the_code_flow_needs_a_token_endpoint_and_oidc_logout_an_end_session_endpoint() {
        let no_token = document(serde_json::json!({"token_endpoint": null}));
        assert!(matches!(
            check_metadata(&no_token, &config("")),
            Err(ProviderError::Missing("token_endpoint"))
        ));
        assert!(check_metadata(&no_token, &config(r#","responseType":"token id_token""#)).is_ok());
        let no_logout = document(serde_json::json!({"end_session_endpoint": null}));
        assert!(check_metadata(&no_logout, &config("")).is_ok());
        assert!(check_metadata(&no_logout, &config(r#","logout":"local""#)).is_ok());
        assert!(matches!(
            check_metadata(&no_logout, &config(r#","logout":"oidc""#)),
            Err(ProviderError::Missing("end_session_endpoint"))
        ));
    }

    #[test]
    fn an_auth0_domain_needs_no_token_endpoint_in_its_document() {
        let config = AuthConfig::from_json(
            r#"{"domain":"login.example.com","clientId":"c","audience":"a"}"#,
        )
        .unwrap();
        let metadata = document(serde_json::json!({
            "issuer": "https://login.example.com/", "token_endpoint": null,
        }));
        assert!(check_metadata(&metadata, &config).is_ok());
    }

    #[test]
    fn a_provider_without_the_response_type_s256_or_rs256_is_refused_naming_the_list() {
        for (overrides, member, value) in [
            (
                serde_json::json!({"response_types_supported": ["id_token", "code id_token"]}),
                "response_types_supported",
                "code",
            ),
            (
                serde_json::json!({"code_challenge_methods_supported": ["plain"]}),
                "code_challenge_methods_supported",
                "S256",
            ),
            (
                serde_json::json!({"id_token_signing_alg_values_supported": ["ES256"]}),
                "id_token_signing_alg_values_supported",
                "RS256",
            ),
        ] {
            assert!(
                matches!(
                    check_metadata(&document(overrides.clone()), &config("")),
                    Err(ProviderError::Unsupported { member: named, value: needed })
                        if named == member && needed == value
                ),
                "{overrides}"
            );
        }
        // Response types are sets of words: the implicit flow's may be listed in either order.
        let implicit = config(r#","responseType":"token id_token""#);
        assert!(check_metadata(&document(serde_json::json!({})), &implicit).is_ok());
    }

    #[test]
    fn a_document_without_a_required_member_names_it() {
        for member in ["issuer", "authorization_endpoint", "jwks_uri"] {
            let mut text = serde_json::json!({
                "issuer": "https://login.example.com",
                "authorization_endpoint": "https://login.example.com/authorize",
                "jwks_uri": "https://login.example.com/keys",
            });
            text.as_object_mut().unwrap().remove(member);
            assert!(
                matches!(read_metadata(&text.to_string(), URL), Err(ProviderError::Missing(named)) if named == member),
                "{member}"
            );
        }
        for text in [
            "<html>",
            "[]",
            r#"{"issuer":1,"authorization_endpoint":"a","jwks_uri":"b"}"#,
        ] {
            assert!(
                matches!(read_metadata(text, URL), Err(ProviderError::Malformed { url, .. }) if url == URL),
                "{text}"
            );
        }
    }
}
