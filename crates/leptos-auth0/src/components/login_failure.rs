//! Sentences for a person about a login that failed, shown by the callback and the guards.

use oidc_protocol::IdTokenClaimsError;

use crate::error::AuthError;
use crate::id_token::IdTokenError;
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

/// A sentence for a person about a failed login, ending with a full stop.
pub fn login_failure_sentence(error: &AuthError) -> String {
    match error {
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
        AuthError::Jwks(_) => {
            "The login service's signing keys could not be loaded, so the login could not be checked."
                .to_owned()
        }
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
