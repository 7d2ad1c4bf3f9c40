//! The only module that touches browser storage: key names, availability and (de)serialisation.
//!
//! The session lives in localStorage under the quickstart's keys, shared by the tabs of this
//! origin; the login transaction lives in sessionStorage, private to the tab that started it.
//! A browser may block either (`window.localStorage` throws a `SecurityError` or is null), and
//! gloo-storage panics then, so every function checks availability first: reads find nothing,
//! writes fail with [`StorageError::Unavailable`].

use std::sync::Arc;

use gloo_storage::{LocalStorage, SessionStorage, Storage};
use wasm_bindgen::JsValue;

use super::secrets::{AccessToken, IdToken};
use super::transaction::Transaction;

/// localStorage key of the access token.
pub const ACCESS_TOKEN_KEY: &str = "access_token";
/// localStorage key of the ID token.
pub const ID_TOKEN_KEY: &str = "id_token";
/// localStorage key of the session expiry, milliseconds since the epoch.
pub const EXPIRES_AT_KEY: &str = "expires_at";
/// sessionStorage key of the pending login transaction.
pub const TRANSACTION_KEY: &str = "auth_transaction";

/// Why browser storage did not keep a value.
#[derive(Clone, Debug, thiserror::Error)]
pub enum StorageError {
    /// The browser blocks this storage (disabled, or `window.localStorage` throws or is null).
    #[error("browser storage is unavailable")]
    Unavailable,
    /// The storage refused the write (e.g. its quota is used up).
    #[error("browser storage refused the write")]
    Refused(#[source] Arc<gloo_storage::errors::StorageError>),
}

impl From<gloo_storage::errors::StorageError> for StorageError {
    fn from(error: gloo_storage::errors::StorageError) -> Self {
        Self::Refused(Arc::new(error))
    }
}

/// Whether a storage getter of `window` (e.g. `Window::local_storage`) yields a storage
/// rather than throwing or returning null.
pub fn is_available(
    get_storage: impl FnOnce(&web_sys::Window) -> Result<Option<web_sys::Storage>, JsValue>,
) -> bool {
    web_sys::window().is_some_and(|window| matches!(get_storage(&window), Ok(Some(_))))
}

/// Whether localStorage (the session) can be used.
pub fn local_storage_available() -> bool {
    is_available(web_sys::Window::local_storage)
}

/// Whether sessionStorage (the login transaction) can be used.
pub fn session_storage_available() -> bool {
    is_available(web_sys::Window::session_storage)
}

/// What localStorage holds about the session.
#[derive(Debug)]
pub enum StoredSession {
    /// No session keys at all.
    Empty,
    /// All three keys, readable.
    Present {
        /// The access token.
        access_token: AccessToken,
        /// The ID token.
        id_token: IdToken,
        /// Expiry in milliseconds since the epoch.
        expires_at_ms: u64,
    },
    /// Some keys missing or unreadable.
    Corrupt,
}

/// Whether a `storage` event for `key` concerns the session (`None` means storage was cleared).
pub fn is_session_key(key: Option<&str>) -> bool {
    key.is_none_or(|key| [ACCESS_TOKEN_KEY, ID_TOKEN_KEY, EXPIRES_AT_KEY].contains(&key))
}

fn read<T: serde::de::DeserializeOwned>(
    key: &str,
) -> Result<Option<T>, gloo_storage::errors::StorageError> {
    match LocalStorage::get(key) {
        Ok(value) => Ok(Some(value)),
        Err(gloo_storage::errors::StorageError::KeyNotFound(_)) => Ok(None),
        Err(error) => Err(error),
    }
}

/// Reads the session keys; blocked storage holds none.
pub fn load_session() -> StoredSession {
    if !local_storage_available() {
        return StoredSession::Empty;
    }
    let access_token = read::<String>(ACCESS_TOKEN_KEY);
    let id_token = read::<String>(ID_TOKEN_KEY);
    // A JSON number as this app writes it, or a string of digits as other clients write it.
    let expires_at = LocalStorage::raw().get_item(EXPIRES_AT_KEY);
    match (access_token, id_token, expires_at) {
        (Ok(None), Ok(None), Ok(None)) => StoredSession::Empty,
        (Ok(Some(access_token)), Ok(Some(id_token)), Ok(Some(expires_at))) => {
            let expires_at_ms = parse_expires_at(&expires_at);
            match expires_at_ms {
                Some(expires_at_ms) if !access_token.is_empty() && !id_token.is_empty() => {
                    StoredSession::Present {
                        access_token: AccessToken::new(access_token),
                        id_token: IdToken::new(id_token),
                        expires_at_ms,
                    }
                }
                _ => StoredSession::Corrupt,
            }
        }
        _ => StoredSession::Corrupt,
    }
}

/// `1700000000000` or `"1700000000000"`: whole milliseconds, nothing else.
fn parse_expires_at(text: &str) -> Option<u64> {
    let digits = text.trim();
    let digits = digits
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(digits);
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Writes the session keys.
///
/// # Errors
/// [`StorageError::Unavailable`] when localStorage is blocked, [`StorageError::Refused`] when
/// it refuses a write (nothing is left behind then).
pub fn save_session(
    access_token: &AccessToken,
    id_token: &IdToken,
    expires_at_ms: u64,
) -> Result<(), StorageError> {
    if !local_storage_available() {
        return Err(StorageError::Unavailable);
    }
    let result = LocalStorage::set(ACCESS_TOKEN_KEY, access_token.secret())
        .and_then(|()| LocalStorage::set(ID_TOKEN_KEY, id_token.secret()))
        .and_then(|()| LocalStorage::set(EXPIRES_AT_KEY, expires_at_ms));
    if result.is_err() {
        clear_session();
    }
    Ok(result?)
}

/// Removes the session keys (nothing to remove when localStorage is blocked).
pub fn clear_session() {
    if local_storage_available() {
        for key in [ACCESS_TOKEN_KEY, ID_TOKEN_KEY, EXPIRES_AT_KEY] {
            LocalStorage::delete(key);
        }
    }
}

/// Stores the pending login transaction for this tab.
///
/// # Errors
/// [`StorageError::Unavailable`] when sessionStorage is blocked, [`StorageError::Refused`]
/// when it refuses the write.
pub fn save_transaction(transaction: &Transaction) -> Result<(), StorageError> {
    if !session_storage_available() {
        return Err(StorageError::Unavailable);
    }
    Ok(SessionStorage::set(TRANSACTION_KEY, transaction)?)
}

/// Removes and returns the pending transaction; an unreadable one, or blocked
/// sessionStorage, counts as none.
pub fn take_transaction() -> Option<Transaction> {
    if !session_storage_available() {
        return None;
    }
    let transaction = SessionStorage::get(TRANSACTION_KEY).ok();
    SessionStorage::delete(TRANSACTION_KEY);
    transaction
}

/// Removes the pending transaction, if any.
pub fn clear_transaction() {
    if session_storage_available() {
        SessionStorage::delete(TRANSACTION_KEY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_is_read_as_a_number_or_a_string_of_digits() {
        assert_eq!(parse_expires_at("1700000000000"), Some(1_700_000_000_000));
        assert_eq!(
            parse_expires_at("\"1700000000000\""),
            Some(1_700_000_000_000)
        );
        for corrupt in ["", "abc", "-1", "1.5", "1e3", "\"\"", "null", "\"12"] {
            assert_eq!(parse_expires_at(corrupt), None, "{corrupt:?}");
        }
    }
}
