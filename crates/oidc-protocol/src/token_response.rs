//! Token endpoint answers: the successful response (RFC 6749 section 5.1, OIDC Core 3.1.3.3)
//! and the error response (RFC 6749 section 5.2), which the authorization endpoint's error
//! redirect shares (section 4.1.2.1).

use serde::{Deserialize, Serialize};

use crate::scope::Scope;
use crate::secrets::{AccessToken, IdToken, RefreshToken};

/// A successful token response. `Debug` prints no token (the secrets redact themselves).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: AccessToken,
    /// The token type; `Bearer` for everything this project issues or accepts.
    pub token_type: String,
    /// The ID token, when `openid` was granted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<IdToken>,
    /// A refresh token, when `offline_access` was granted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<RefreshToken>,
    /// Access token lifetime in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    /// The granted scope, when it differs from the requested one (section 5.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
}

impl TokenResponse {
    /// Whether `token_type` is `Bearer`, compared case-insensitively (RFC 6749 section 7.1).
    pub fn is_bearer(&self) -> bool {
        self.token_type.eq_ignore_ascii_case("bearer")
    }
}

/// An OAuth 2.0 error response: `{"error", "error_description"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthErrorResponse {
    /// The error code, e.g. `invalid_grant`.
    pub error: String,
    /// A human-readable explanation for developers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_response_reads_back_without_printing_its_tokens() {
        let response: TokenResponse = serde_json::from_str(
            r#"{"access_token":"secret-a","id_token":"secret-i","refresh_token":"secret-r",
               "token_type":"bearer","expires_in":86400,"scope":"openid"}"#,
        )
        .unwrap();
        assert!(response.is_bearer());
        assert_eq!(response.expires_in, Some(86_400));
        let debug = format!("{response:?}");
        assert!(!debug.contains("secret"), "{debug}");
    }

    #[test]
    fn other_token_types_are_not_bearer() {
        let response: TokenResponse =
            serde_json::from_str(r#"{"access_token":"a","token_type":"DPoP"}"#).unwrap();
        assert!(!response.is_bearer());
        assert!(serde_json::from_str::<TokenResponse>(r#"{"access_token":"a"}"#).is_err());
    }

    #[test]
    fn error_responses_omit_an_absent_description() {
        let error = OAuthErrorResponse {
            error: "invalid_grant".into(),
            error_description: None,
        };
        assert_eq!(
            serde_json::to_string(&error).unwrap(),
            r#"{"error":"invalid_grant"}"#
        );
    }
}
