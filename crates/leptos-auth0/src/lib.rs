#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod authorize;
mod browser;
mod callback;
pub mod components;
mod config;
mod discovery;
mod endpoints;
mod error;
mod http;
mod id_token;
mod indexed_db;
mod jwks;
mod lock;
mod profile;
mod provider;
mod random;
mod refresh_store;
mod renewal;
mod revocation;
mod service;
mod session;
mod silent;
mod storage;
mod token_endpoint;
mod transaction;
mod webcrypto;

pub use authorize::{
    auth0_logout_url, authorize_url, end_session_url, silent_authorize_url, with_query,
};
pub use browser::{REQUEST_TIMEOUT, current_origin, current_path, now_ms};
pub use callback::{CallbackResponse, CompletedLogin, complete_login, parse_callback};
pub use config::{
    AuthConfig, CONFIG_PATH, ConfigError, DEFAULT_API_URL, DEFAULT_RENEW_BEFORE_SECS,
    DEFAULT_SCOPE, FieldProblem, LogoutMode, MAX_RENEW_BEFORE_SECS, ProviderKind, SilentRenewal,
    is_same_site,
};
pub use discovery::{Discovery, ProviderError, check_metadata, discover, read_metadata};
pub use endpoints::Endpoints;
pub use error::AuthError;
pub use http::{
    AuthHttp, AuthHttpConfig, AuthHttpError, RenewedToken, RequestOptions, check_token,
    is_allowed_origin, origin_of, status_error,
};
pub use id_token::{
    CLOCK_LEEWAY_SECS, ExpectedIdToken, IdTokenError, id_token_key_id, verify_id_token,
    verify_refreshed_id_token,
};
pub use indexed_db::{DATABASE_NAME, IndexedDbError};
pub use jwks::{JwksFetchError, fetch_keys};
pub use lock::{
    LEASE_DURATION, LEASE_PATIENCE, LockError, LockKind, lock_kind, with_lease, with_lock,
};
pub use profile::{IdTokenProfile, ProfileSource, profile_source, profile_source_for};
pub use provider::{AuthProvider, use_auth};
pub use random::{RANDOM_BYTES, RandomError, random_pkce_verifier, random_urlsafe};
pub use refresh_store::{
    RefreshStoreError, RenewableSession, clear_renewable_session, load_renewable_session,
    save_renewable_session,
};
pub use renewal::{
    FIRST_RETRY, LONGEST_RETRY, RENEWAL_LOCK, Renewal, RenewalError, RenewalReason,
    access_token_lifetime_ms, needs_request, renew_at_ms, renewal_margin_ms, retry_delay,
};
pub use revocation::{RevocationError, revoke_refresh_token};
pub use service::{AuthService, AuthState};
pub use session::Session;
pub use silent::{
    FrameResponse, INTERACTION_ERRORS, SILENT_RENEWAL_TIMEOUT, SilentRenewalError,
    authorize_in_frame, read_message,
};
pub use storage::{
    ACCESS_TOKEN_KEY, EXPIRES_AT_KEY, ID_TOKEN_KEY, SESSION_ENDED_KEY, StorageError,
    TRANSACTION_KEY, is_available, local_storage_available, save_transaction,
    session_storage_available,
};
pub use token_endpoint::{TokenEndpointError, exchange_code, refresh_tokens};
pub use transaction::{Transaction, safe_return_path};
pub use webcrypto::{SignatureError, verify_rs256};

/// The protocol types this library's API uses, so an app needs no second dependency.
pub use oidc_protocol as protocol;
