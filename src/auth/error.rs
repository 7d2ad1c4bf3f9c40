//! `AuthError`: why a login could not be completed.

use std::sync::Arc;

use super::id_token::IdTokenError;
use super::random::RandomError;
use super::storage::StorageError;

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
    /// The token endpoint refused the exchange.
    #[error("token endpoint error {error}")]
    TokenEndpoint {
        /// The OAuth 2.0 error code.
        error: String,
        /// The tenant's description.
        description: Option<String>,
    },
    /// The token endpoint failed without an OAuth error body.
    #[error("token endpoint answered with status {0}")]
    TokenEndpointStatus(u16),
    /// The tenant could not be reached.
    #[error("network error")]
    Network(#[source] Arc<gloo_net::Error>),
    /// The token response was not the expected JSON.
    #[error("unexpected token response")]
    Decode(#[source] Arc<gloo_net::Error>),
    /// The ID token failed verification.
    #[error("id token rejected")]
    IdToken(#[from] IdTokenError),
}
