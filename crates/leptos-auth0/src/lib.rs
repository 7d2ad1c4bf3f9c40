#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod authorize;
mod browser;
mod callback;
pub mod components;
mod config;
mod error;
mod http;
mod id_token;
mod jwks;
mod provider;
mod random;
mod service;
mod session;
mod storage;
mod token_endpoint;
mod transaction;
mod webcrypto;

pub use authorize::{authorize_url, logout_url, userinfo_url};
pub use browser::{current_origin, current_path, now_ms};
pub use callback::{CallbackResponse, CompletedLogin, complete_login, parse_callback};
pub use config::{
    AuthConfig, CONFIG_PATH, ConfigError, DEFAULT_API_URL, DEFAULT_SCOPE, FieldProblem,
};
pub use error::AuthError;
pub use http::{
    AuthHttp, AuthHttpConfig, AuthHttpError, RequestOptions, check_token, is_allowed_origin,
    origin_of, status_error,
};
pub use id_token::{CLOCK_LEEWAY_SECS, ExpectedIdToken, IdTokenError, verify_id_token};
pub use jwks::{JwksFetchError, fetch_keys};
pub use provider::{AuthProvider, use_auth};
pub use random::{RANDOM_BYTES, RandomError, random_pkce_verifier, random_urlsafe};
pub use service::{AuthService, AuthState};
pub use session::Session;
pub use storage::{
    ACCESS_TOKEN_KEY, EXPIRES_AT_KEY, ID_TOKEN_KEY, StorageError, TRANSACTION_KEY, is_available,
    local_storage_available, save_transaction, session_storage_available,
};
pub use token_endpoint::{TokenEndpointError, exchange_code, token_url};
pub use transaction::{Transaction, safe_return_path};
pub use webcrypto::{SignatureError, verify_rs256};

/// The protocol types this library's API uses, so an app needs no second dependency.
pub use oidc_protocol as protocol;
