//! Sentences for a person about a login that failed, shown by the callback and the guards.

use oidc_protocol::IdTokenClaimsError;

use crate::config::CONFIG_PATH;
use crate::discovery::ProviderError;
use crate::error::AuthError;
use crate::id_token::IdTokenError;
use crate::jwks::JwksFetchError;
use crate::storage::StorageError;
use crate::token_endpoint::TokenEndpointError;

/// " (description)" when the tenant sent one.
fn in_parentheses(description: Option<&str>) -> String {
    description
        .map(|text| format!(" ({text})"))
        .unwrap_or_default()
}

/// What a person is told when the tenant ended the session (its refresh token was revoked,
/// expired or reused), beside a Log In button.
pub const SESSION_ENDED_SENTENCE: &str = "Your session has ended. Please log in again.";

/// What a person (the app's developer, most often) is told about a provider whose discovery
/// document cannot be used: what is wrong and what to fix, ending with a full stop.
pub fn provider_problem_sentence(error: &ProviderError) -> String {
    let file = CONFIG_PATH.trim_start_matches('/');
    match error {
        ProviderError::Network { url, .. } => format!(
            "The login service's discovery document at {url} could not be loaded. Is the issuer in {file} right, and does the provider allow this origin (CORS)?"
        ),
        ProviderError::Status { url, status } => format!(
            "The login service answered {url} with HTTP status {status}. Is the issuer in {file} right?"
        ),
        ProviderError::Malformed { url, .. } => format!(
            "{url} is not an OpenID Connect discovery document. Is the issuer in {file} right?"
        ),
        ProviderError::IssuerMismatch { found, expected } => format!(
            "The provider's discovery document names issuer {found}, but {file} says {expected}. They must be identical: if {found} is the provider you mean, set \"issuer\" to exactly that."
        ),
        ProviderError::UnacceptableEndpoint { member, url } => format!(
            "The provider's discovery document names {url} as its {member}, which is not an https address (plain http only on localhost), so this app will not use it."
        ),
        ProviderError::Missing("end_session_endpoint") => format!(
            "The provider's discovery document has no end_session_endpoint, which \"logout\": \"oidc\" in {file} needs. Set \"logout\" to \"local\" to log out of this app only."
        ),
        ProviderError::Missing(member) => {
            format!("The provider's discovery document has no {member}, which this app needs.")
        }
        ProviderError::Unsupported { member, value } => format!(
            "The provider does not support {value} (its discovery document's {member} lacks it), which this app needs."
        ),
    }
}

/// A sentence for a person about a failed login, ending with a full stop.
pub fn login_failure_sentence(error: &AuthError) -> String {
    match error {
        AuthError::Provider(problem) => provider_problem_sentence(problem),
        AuthError::ResponseIssuer { found: Some(found) } => format!(
            "The login response comes from {found}, not from the configured login service, so it was ignored."
        ),
        AuthError::ResponseIssuer { found: None } => "The login response does not say which login service sent it, though the configured one always does, so it was ignored.".to_owned(),

        AuthError::Authorization { error, description } => format!(
            "The login service refused the login: {}{}.",
            error,
            in_parentheses(description.as_deref())
        ),
        AuthError::NoResponse => "This address carries no login response.".to_owned(),
        AuthError::NoTransaction => {
            "No login was started in this tab, or it was already completed. Please log in again."
                .to_owned()
        }
        AuthError::StateMismatch => "The login response does not belong to the login started in this tab (state mismatch), so it was ignored.".to_owned(),
        AuthError::UnexpectedResponse => {
            "The login response does not match the configured response type.".to_owned()
        }
        AuthError::TokenEndpoint(TokenEndpointError::Refused(refusal)) => format!(
            "The tokens could not be obtained: {}{}.",
            refusal.error,
            in_parentheses(refusal.error_description.as_deref())
        ),
        AuthError::TokenEndpoint(TokenEndpointError::Status(status)) => {
            format!("The tokens could not be obtained (HTTP status {status}).")
        }
        AuthError::TokenEndpoint(TokenEndpointError::Network(_)) => {
            "The login service could not be reached.".to_owned()
        }
        AuthError::TokenEndpoint(TokenEndpointError::Decode(_)) => {
            "The login service sent an unexpected answer.".to_owned()
        }
        AuthError::TokenEndpoint(TokenEndpointError::NotBearer) => {
            "The login service issued a kind of access token this app cannot use.".to_owned()
        }
        AuthError::Jwks(fetch) => match &**fetch {
            JwksFetchError::Provider(problem) => provider_problem_sentence(problem),
            _ => "The login service's signing keys could not be loaded, so the login could not be checked."
                .to_owned(),
        },
        AuthError::IdToken(IdTokenError::Claims(IdTokenClaimsError::Nonce)) => {
            "The ID token was not issued for this login (nonce mismatch).".to_owned()
        }
        AuthError::IdToken(IdTokenError::Claims(IdTokenClaimsError::Issuer { found })) => {
            format!("The ID token was issued by {found}, not by the configured login service.")
        }
        AuthError::IdToken(IdTokenError::Claims(error)) => {
            format!("The ID token was rejected: {error}.")
        }
        AuthError::IdToken(IdTokenError::Signature(_) | IdTokenError::UnknownKey) => {
            "The ID token's signature could not be verified.".to_owned()
        }
        AuthError::IdToken(IdTokenError::Changed(_)) => {
            "The renewed ID token is about another login.".to_owned()
        }
        AuthError::IdToken(IdTokenError::Malformed(_)) => {
            "The ID token is malformed or not signed with RS256.".to_owned()
        }
        AuthError::Random(_) => "This browser cannot create secure random values.".to_owned(),
        AuthError::Storage(StorageError::Unavailable) => {
            "This browser blocks storage, so you cannot stay logged in.".to_owned()
        }
        AuthError::Storage(StorageError::Refused) => {
            "This browser refused to store the login.".to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oidc_protocol::OAuthErrorResponse;

    #[test]
    fn tenant_refusals_carry_their_code_and_description() {
        let sentence = login_failure_sentence(&AuthError::Authorization {
            error: "access_denied".into(),
            description: Some("User said no".into()),
        });
        assert_eq!(
            sentence,
            "The login service refused the login: access_denied (User said no)."
        );
        let sentence = login_failure_sentence(&AuthError::TokenEndpoint(
            TokenEndpointError::Refused(OAuthErrorResponse {
                error: "invalid_grant".into(),
                error_description: None,
            }),
        ));
        assert_eq!(sentence, "The tokens could not be obtained: invalid_grant.");
    }

    #[test]
    fn an_issuer_mismatch_names_both_issuers_and_the_file_to_fix() {
        let sentence =
            login_failure_sentence(&AuthError::Provider(ProviderError::IssuerMismatch {
                found: "https://login.example.com/".into(),
                expected: "https://login.example.com".into(),
            }));
        assert_eq!(
            sentence,
            "The provider's discovery document names issuer https://login.example.com/, but auth_config.json says https://login.example.com. They must be identical: if https://login.example.com/ is the provider you mean, set \"issuer\" to exactly that."
        );
    }

    #[test]
    fn a_missing_end_session_endpoint_says_how_to_log_out_locally_instead() {
        let sentence = provider_problem_sentence(&ProviderError::Missing("end_session_endpoint"));
        assert!(
            sentence.ends_with("Set \"logout\" to \"local\" to log out of this app only."),
            "{sentence}"
        );
        let sentence = provider_problem_sentence(&ProviderError::Missing("token_endpoint"));
        assert_eq!(
            sentence,
            "The provider's discovery document has no token_endpoint, which this app needs."
        );
    }

    #[test]
    fn blocked_storage_and_nonce_mismatch_have_their_own_sentences() {
        assert!(
            login_failure_sentence(&AuthError::Storage(StorageError::Unavailable))
                .contains("blocks storage")
        );
        assert!(
            login_failure_sentence(&AuthError::IdToken(IdTokenError::Claims(
                IdTokenClaimsError::Nonce
            )))
            .contains("nonce mismatch")
        );
    }
}
