//! The only module that touches browser storage: key names, availability and (de)serialisation.
//!
//! The session lives in localStorage under the quickstart's keys, shared by the tabs of this
//! origin; the login transaction lives in sessionStorage, private to the tab that started it.
//! Values are stored as JSON, as gloo-storage writes them. A browser may block either storage
//! (`window.localStorage` throws a `SecurityError` or is null), so every function gets the
//! storage first: reads then find nothing, writes fail with [`StorageError::Unavailable`].
//! web-sys is used directly rather than gloo-storage, which panics on blocked storage and
//! costs more in the download.

use std::sync::Arc;

use serde::Serialize;
use wasm_bindgen::JsValue;
use web_sys::{Storage, Window};

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
    /// The storage threw on the write (e.g. `QuotaExceededError`); the JavaScript exception
    /// is not a Rust error, so it is not kept.
    #[error("browser storage refused the write")]
    Refused,
    /// The value could not be serialised to JSON.
    #[error("value could not be serialised")]
    Encode(#[source] Arc<serde_json::Error>),
}

/// The storage a getter of `window` (e.g. `Window::local_storage`) yields, unless it throws or
/// returns null.
fn storage(
    get_storage: impl FnOnce(&Window) -> Result<Option<Storage>, JsValue>,
) -> Option<Storage> {
    web_sys::window().and_then(|window| get_storage(&window).ok().flatten())
}

/// Whether a storage getter of `window` (e.g. `Window::local_storage`) yields a storage
/// rather than throwing or returning null.
pub fn is_available(get_storage: impl FnOnce(&Window) -> Result<Option<Storage>, JsValue>) -> bool {
    storage(get_storage).is_some()
}

fn local() -> Option<Storage> {
    storage(Window::local_storage)
}

fn session() -> Option<Storage> {
    storage(Window::session_storage)
}

/// Whether localStorage (the session) can be used.
pub fn local_storage_available() -> bool {
    local().is_some()
}

/// Whether sessionStorage (the login transaction) can be used.
pub fn session_storage_available() -> bool {
    session().is_some()
}

/// Writes `value` as JSON under `key`.
fn write(storage: &Storage, key: &str, value: &impl Serialize) -> Result<(), StorageError> {
    let json =
        serde_json::to_string(value).map_err(|error| StorageError::Encode(Arc::new(error)))?;
    storage
        .set_item(key, &json)
        .map_err(|_| StorageError::Refused)
}

/// A key's value: `Ok(None)` when absent, `Ok(Some(None))` when it is not a JSON string.
fn read_string(storage: &Storage, key: &str) -> Result<Option<Option<String>>, JsValue> {
    Ok(storage
        .get_item(key)?
        .map(|json| serde_json::from_str::<String>(&json).ok()))
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

/// Reads the session keys; blocked storage holds none.
pub fn load_session() -> StoredSession {
    let Some(storage) = local() else {
        return StoredSession::Empty;
    };
    let access_token = read_string(&storage, ACCESS_TOKEN_KEY);
    let id_token = read_string(&storage, ID_TOKEN_KEY);
    // A JSON number as this app writes it, or a string of digits as other clients write it.
    let expires_at = storage.get_item(EXPIRES_AT_KEY);
    match (access_token, id_token, expires_at) {
        (Ok(None), Ok(None), Ok(None)) => StoredSession::Empty,
        (Ok(Some(Some(access_token))), Ok(Some(Some(id_token))), Ok(Some(expires_at))) => {
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
    let storage = local().ok_or(StorageError::Unavailable)?;
    let result = write(&storage, ACCESS_TOKEN_KEY, &access_token.secret())
        .and_then(|()| write(&storage, ID_TOKEN_KEY, &id_token.secret()))
        .and_then(|()| write(&storage, EXPIRES_AT_KEY, &expires_at_ms));
    if result.is_err() {
        clear_session();
    }
    result
}

/// Removes the session keys (nothing to remove when localStorage is blocked).
pub fn clear_session() {
    if let Some(storage) = local() {
        for key in [ACCESS_TOKEN_KEY, ID_TOKEN_KEY, EXPIRES_AT_KEY] {
            // Removing never throws once the storage object exists.
            let _ = storage.remove_item(key);
        }
    }
}

/// Stores the pending login transaction for this tab.
///
/// # Errors
/// [`StorageError::Unavailable`] when sessionStorage is blocked, [`StorageError::Refused`]
/// when it refuses the write.
pub fn save_transaction(transaction: &Transaction) -> Result<(), StorageError> {
    let storage = session().ok_or(StorageError::Unavailable)?;
    write(&storage, TRANSACTION_KEY, transaction)
}

/// Removes and returns the pending transaction; an unreadable one, or blocked
/// sessionStorage, counts as none.
pub fn take_transaction() -> Option<Transaction> {
    let storage = session()?;
    let transaction = storage
        .get_item(TRANSACTION_KEY)
        .ok()
        .flatten()
        .and_then(|json| serde_json::from_str(&json).ok());
    let _ = storage.remove_item(TRANSACTION_KEY);
    transaction
}

/// Removes the pending transaction, if any.
pub fn clear_transaction() {
    if let Some(storage) = session() {
        let _ = storage.remove_item(TRANSACTION_KEY);
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
