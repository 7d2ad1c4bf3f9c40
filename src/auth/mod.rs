//! Authentication: the service, its protocol pieces (PKCE, transaction, ID token, authorize
//! URLs, callback) and the secrets they handle.

mod authorize;
mod base64url;
mod browser;
mod callback;
mod error;
mod id_token;
mod identifiers;
mod jwks;
mod jwt;
mod pkce;
mod random;
mod secrets;
mod service;
mod session;
mod signature;
mod storage;
mod transaction;
mod urlencoded;

pub use authorize::{authorize_url, logout_url, token_url, userinfo_url};
pub use base64url::Base64Error;
pub use browser::{current_origin, now_ms};
pub use callback::{CallbackResponse, CompletedLogin, complete_login, parse_callback};
pub use error::AuthError;
pub use id_token::{
    Audiences, CLOCK_LEEWAY_SECS, ExpectedClaims, IdTokenClaims, IdTokenError,
    check_access_token_hash, check_claims, verify as verify_id_token,
};
pub use identifiers::{Audience, ClientId, Issuer, Scope};
pub use jwks::{Jwk, Jwks, JwksError};
pub use jwt::{JwtError, JwtHeader, UnverifiedJwt};
pub use pkce::{PkceChallenge, PkceVerifier};
pub use random::{RANDOM_BYTES, RandomError, random_urlsafe};
pub use secrets::{AccessToken, IdToken};
pub use service::{AuthService, AuthState, use_auth};
pub use session::Session;
pub use signature::{SignatureError, verify_rs256};
pub use storage::{
    ACCESS_TOKEN_KEY, EXPIRES_AT_KEY, ID_TOKEN_KEY, StorageError, TRANSACTION_KEY, is_available,
    local_storage_available, save_transaction, session_storage_available,
};
pub use transaction::{Transaction, safe_return_path};
pub use urlencoded::{decode_pairs, encode_component, encode_pairs};
