//! OpenID Provider metadata (OpenID Connect Discovery 1.0 section 3, RFC 8414 section 2):
//! served by issuers at `<issuer>.well-known/openid-configuration`, read by clients and APIs.

use serde::{Deserialize, Serialize};

use crate::identifiers::Issuer;

/// Why a metadata document cannot be used for an issuer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscoveryError {
    /// The document names another issuer (Discovery 1.0 section 4.3: it MUST be identical).
    #[error("discovery document names issuer {found}")]
    IssuerMismatch {
        /// The `issuer` the document names.
        found: String,
    },
}

/// The provider metadata this project reads and serves. Optional members are omitted when
/// absent; unknown members are ignored when reading.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderMetadata {
    /// The issuer identifier, identical to the `iss` of its tokens.
    pub issuer: String,
    /// `/authorize`.
    pub authorization_endpoint: String,
    /// The token endpoint; absent for implicit-only providers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint: Option<String>,
    /// The UserInfo endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo_endpoint: Option<String>,
    /// The JWKS.
    pub jwks_uri: String,
    /// RP-Initiated Logout 1.0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_session_endpoint: Option<String>,
    /// RFC 7009 token revocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
    /// Supported scopes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes_supported: Vec<String>,
    /// Supported `response_type` values.
    #[serde(default)]
    pub response_types_supported: Vec<String>,
    /// Supported `response_mode` values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_modes_supported: Vec<String>,
    /// Supported grant types.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grant_types_supported: Vec<String>,
    /// Supported PKCE methods (RFC 8414 section 2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub code_challenge_methods_supported: Vec<String>,
    /// Supported subject types.
    #[serde(default)]
    pub subject_types_supported: Vec<String>,
    /// ID token signing algorithms.
    #[serde(default)]
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// Token endpoint client authentication methods.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// Claims the provider may supply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims_supported: Vec<String>,
    /// Whether `request_uri` is supported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_uri_parameter_supported: Option<bool>,
    /// Whether `request` is supported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_parameter_supported: Option<bool>,
    /// Whether authorization responses carry `iss` (RFC 9207 section 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_response_iss_parameter_supported: Option<bool>,
}

impl ProviderMetadata {
    /// Checks that the document belongs to `issuer`, byte for byte.
    ///
    /// # Errors
    /// [`DiscoveryError::IssuerMismatch`].
    pub fn check_issuer(&self, issuer: &Issuer) -> Result<(), DiscoveryError> {
        if self.issuer == issuer.as_str() {
            Ok(())
        } else {
            Err(DiscoveryError::IssuerMismatch {
                found: self.issuer.clone(),
            })
        }
    }
}

/// RFC 9207 section 2.4: whether an authorization response naming `found` as its issuer (its
/// `iss` parameter, if any) may come from `expected`. A named issuer must be `expected` byte for
/// byte; a response that names none is acceptable only from an issuer that did not promise to
/// name itself in every response (`promised`: its metadata's
/// `authorization_response_iss_parameter_supported`).
pub fn response_issuer_acceptable(found: Option<&str>, expected: &str, promised: bool) -> bool {
    match found {
        Some(found) => found == expected,
        None => !promised,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_names_its_issuer_exactly_or_not_at_all_where_it_did_not_promise_to() {
        let expected = "https://t.example/";
        assert!(response_issuer_acceptable(Some(expected), expected, true));
        assert!(response_issuer_acceptable(Some(expected), expected, false));
        assert!(response_issuer_acceptable(None, expected, false));
        assert!(!response_issuer_acceptable(None, expected, true));
        for other in [
            "https://t.example",
            "https://T.example/",
            "https://evil.example/",
        ] {
            assert!(
                !response_issuer_acceptable(Some(other), expected, false),
                "{other}"
            );
        }
    }

    #[test]
    fn a_minimal_document_is_read_and_its_issuer_checked() {
        let document: ProviderMetadata = serde_json::from_str(
            r#"{"issuer":"https://t.auth0.com/","authorization_endpoint":"https://t.auth0.com/authorize",
               "jwks_uri":"https://t.auth0.com/.well-known/jwks.json","unknown":1}"#,
        )
        .unwrap();
        assert_eq!(document.token_endpoint, None);
        let issuer = Issuer::parse("https://t.auth0.com/").unwrap();
        assert_eq!(document.check_issuer(&issuer), Ok(()));
        let other = Issuer::parse("https://t.auth0.com/other/").unwrap();
        assert_eq!(
            document.check_issuer(&other),
            Err(DiscoveryError::IssuerMismatch {
                found: "https://t.auth0.com/".into()
            })
        );
    }

    #[test]
    fn absent_optional_members_are_omitted_when_served() {
        let document = ProviderMetadata {
            issuer: "http://localhost:3002/".into(),
            authorization_endpoint: "http://localhost:3002/authorize".into(),
            jwks_uri: "http://localhost:3002/.well-known/jwks.json".into(),
            ..ProviderMetadata::default()
        };
        let json = serde_json::to_value(&document).unwrap();
        assert!(json.get("revocation_endpoint").is_none());
        assert!(json.get("scopes_supported").is_none());
        assert_eq!(json["response_types_supported"], serde_json::json!([]));
    }

    #[test]
    fn a_document_without_required_members_is_refused() {
        assert!(serde_json::from_str::<ProviderMetadata>(r#"{"issuer":"https://t/"}"#).is_err());
    }
}
