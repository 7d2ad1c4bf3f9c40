//! `AuthError`: why a login could not start or complete.

use std::sync::Arc;

use crate::id_token::IdTokenError;
use crate::random::RandomError;
use crate::storage::StorageError;
use crate::token_endpoint::TokenEndpointError;

/// Why a login did not start or did not complete.
#[derive(Clone, Debug, thiserror::Error)]
pub enum AuthError {
    /// No CSPRNG for state, nonce and verifier.
    #[error("no random source")]
    Random(#[from] RandomError),
    /// Browser storage refused to keep the transaction or session.
    #[error("browser storage failed")]
    Storage(#[from] StorageError),
    /// The tenant answered the authorization request with an error.
    #[error("authorization error {error}")]
    Authorization {
        /// The OAuth 2.0 error code.
        error: String,
        /// The tenant's description.
        description: Option<String>,
    },
    /// The callback URL carries neither a code, tokens nor an error.
    #[error("no authorization response in the callback")]
    NoResponse,
    /// This tab has no pending login (expired, used already, or started elsewhere).
    #[error("no login transaction in this tab")]
    NoTransaction,
    /// The returned state is missing or differs from the stored one (CSRF defence).
    #[error("state mismatch")]
    StateMismatch,
    /// A code came back where tokens were expected, or the other way round.
    #[error("response does not match the configured response type")]
    UnexpectedResponse,
    /// The token endpoint refused or failed the exchange.
    #[error("token request failed")]
    TokenEndpoint(#[from] TokenEndpointError),
    /// The signing keys could not be fetched.
    #[error("could not fetch the signing keys")]
    Jwks(#[source] Arc<crate::jwks::JwksFetchError>),
    /// The ID token failed verification.
    #[error("id token rejected")]
    IdToken(#[from] IdTokenError),
}
