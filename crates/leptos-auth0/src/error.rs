//! `AuthError`: why a login could not start or complete.

use std::sync::Arc;

use crate::discovery::ProviderError;
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
    /// The response's `iss` is not the configured issuer, or is absent from a provider whose
    /// discovery document says it sends one (RFC 9207 section 2.4): the response may come from
    /// another provider (a mix-up attack).
    #[error("authorization response from another issuer")]
    ResponseIssuer {
        /// The `iss` the response carries; `None` when it carries none.
        found: Option<String>,
    },
    /// The provider's discovery document could not be fetched or used.
    #[error("the provider's discovery document is not usable")]
    Provider(#[from] ProviderError),
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
