//! The only module that touches browser storage: key names, availability, and the stored
//! formats.
//!
//! The session lives in localStorage under the quickstart's keys, shared by the tabs of this
//! origin, in the quickstart's own format: `access_token` and `id_token` as the raw token
//! strings, `expires_at` as a JSON number of milliseconds. So other code on the origin that
//! reads them as the quickstart did (angular2-jwt's `tokenGetter`, a legacy page) keeps working.
//! Reads also accept JSON-quoted tokens, as earlier versions of this library wrote them, and
//! `expires_at` as a string of digits. The login transaction lives in sessionStorage, private to
//! the tab that started it, as JSON. When the tenant refuses to renew the session, the time is
//! written under [`SESSION_ENDED_KEY`] before the keys are removed, so the other tabs can say
//! that the session ended. The refresh token is not here but in IndexedDB
//! ([`crate::refresh_store`]).
//!
//! Storage goes through gloo-storage, whose accessors panic when the browser blocks storage
//! (`window.localStorage` throws a `SecurityError` or is null). So availability is checked first,
//! every time: with storage blocked, reads find nothing and writes fail with
//! [`StorageError::Unavailable`], and nothing panics.

use gloo_storage::{LocalStorage, SessionStorage, Storage};
use oidc_protocol::bearer::is_b64token;
use oidc_protocol::{AccessToken, IdToken};
use web_sys::Window;

use crate::transaction::Transaction;

/// localStorage key of the access token.
pub const ACCESS_TOKEN_KEY: &str = "access_token";
/// localStorage key of the ID token.
pub const ID_TOKEN_KEY: &str = "id_token";
/// localStorage key of the session expiry, milliseconds since the epoch.
pub const EXPIRES_AT_KEY: &str = "expires_at";
/// sessionStorage key of the pending login transaction.
pub const TRANSACTION_KEY: &str = "auth_transaction";
/// localStorage key written when the tenant refused to renew the session, so that every tab
/// says the session ended rather than merely showing the user logged out.
pub const SESSION_ENDED_KEY: &str = "auth_session_ended";

/// Why browser storage did not keep a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// The browser blocks this storage (disabled, or `window.localStorage` throws or is null).
    #[error("browser storage is unavailable")]
    Unavailable,
    /// The storage refused the write (e.g. `QuotaExceededError`); the JavaScript exception is
    /// not a Rust error, so it is not kept.
    #[error("browser storage refused the write")]
    Refused,
}

/// Whether a storage getter of `window` (e.g. `Window::local_storage`) yields a storage rather
/// than throwing or returning null.
pub fn is_available(
    get_storage: impl FnOnce(&Window) -> Result<Option<web_sys::Storage>, wasm_bindgen::JsValue>,
) -> bool {
    web_sys::window().is_some_and(|window| matches!(get_storage(&window), Ok(Some(_))))
}

/// Whether localStorage (the session) can be used.
pub fn local_storage_available() -> bool {
    is_available(Window::local_storage)
}

/// Whether sessionStorage (the login transaction) can be used.
pub fn session_storage_available() -> bool {
    is_available(Window::session_storage)
}

/// What localStorage holds about the session.
#[derive(Debug)]
pub(crate) enum StoredSession {
    /// No session keys at all.
    Empty,
    /// All three keys, readable.
    Present {
        access_token: AccessToken,
        id_token: IdToken,
        expires_at_ms: u64,
    },
    /// Some keys missing or unreadable.
    Corrupt,
}

/// Whether a `storage` event for `key` concerns the session (`None` means storage was cleared).
pub(crate) fn is_session_key(key: Option<&str>) -> bool {
    key.is_none_or(|key| [ACCESS_TOKEN_KEY, ID_TOKEN_KEY, EXPIRES_AT_KEY].contains(&key))
}

/// Records, for the other tabs, that the tenant ended the session now. The value changes every
/// time (the clock), since a `storage` event fires only for a change.
pub(crate) fn mark_session_ended(now_ms: u64) {
    if local_storage_available() {
        let _ = LocalStorage::raw().set_item(SESSION_ENDED_KEY, &now_ms.to_string());
    }
}

/// Forgets that a session ended (a new one begins).
pub(crate) fn clear_session_ended_mark() {
    if local_storage_available() {
        LocalStorage::delete(SESSION_ENDED_KEY);
    }
}

/// A token as stored: raw (the quickstart's format) or JSON-quoted (older versions of this
/// library). Anything that is not a bearer token's characters (RFC 6750 section 2.1) is
/// unreadable, so a corrupt entry can never be sent as a credential.
fn parse_token(stored: &str) -> Option<String> {
    let token = if stored.starts_with('"') {
        serde_json::from_str::<String>(stored).ok()?
    } else {
        stored.to_owned()
    };
    is_b64token(&token).then_some(token)
}

/// `1700000000000` or `"1700000000000"`: whole milliseconds, nothing else.
fn parse_expires_at(stored: &str) -> Option<u64> {
    let digits = stored.trim();
    let digits = digits
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(digits);
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Reads the session keys; blocked storage holds none.
pub(crate) fn load_session() -> StoredSession {
    if !local_storage_available() {
        return StoredSession::Empty;
    }
    let storage = LocalStorage::raw();
    let read = |key: &str| storage.get_item(key).ok().flatten();
    match (
        read(ACCESS_TOKEN_KEY),
        read(ID_TOKEN_KEY),
        read(EXPIRES_AT_KEY),
    ) {
        (None, None, None) => StoredSession::Empty,
        (Some(access_token), Some(id_token), Some(expires_at)) => {
            match (
                parse_token(&access_token),
                parse_token(&id_token),
                parse_expires_at(&expires_at),
            ) {
                (Some(access_token), Some(id_token), Some(expires_at_ms)) => {
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

/// Whether any of the session keys is stored (blocked storage holds none).
pub(crate) fn session_keys_stored() -> bool {
    !matches!(load_session(), StoredSession::Empty)
}

/// Writes the session keys in the quickstart's format.
///
/// # Errors
/// [`StorageError::Unavailable`] when localStorage is blocked, [`StorageError::Refused`] when
/// it refuses a write (nothing is left behind then).
pub(crate) fn save_session(
    access_token: &AccessToken,
    id_token: &IdToken,
    expires_at_ms: u64,
) -> Result<(), StorageError> {
    if !local_storage_available() {
        return Err(StorageError::Unavailable);
    }
    let storage = LocalStorage::raw();
    let written = storage
        .set_item(ACCESS_TOKEN_KEY, access_token.secret())
        .and_then(|()| storage.set_item(ID_TOKEN_KEY, id_token.secret()))
        .map_err(|_| StorageError::Refused)
        .and_then(|()| {
            LocalStorage::set(EXPIRES_AT_KEY, expires_at_ms).map_err(|_| StorageError::Refused)
        });
    if written.is_err() {
        clear_session();
    }
    written
}

/// Removes the session keys (nothing to remove when localStorage is blocked).
pub(crate) fn clear_session() {
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
    SessionStorage::set(TRANSACTION_KEY, transaction).map_err(|_| StorageError::Refused)
}

/// Removes and returns the pending transaction; an unreadable one, or blocked sessionStorage,
/// counts as none.
pub(crate) fn take_transaction() -> Option<Transaction> {
    if !session_storage_available() {
        return None;
    }
    let transaction = SessionStorage::get::<Transaction>(TRANSACTION_KEY).ok();
    SessionStorage::delete(TRANSACTION_KEY);
    transaction
}

/// Removes the pending transaction, if any.
pub(crate) fn clear_transaction() {
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

    #[test]
    fn tokens_are_read_raw_or_json_quoted() {
        assert_eq!(parse_token("eyJ.a.b").as_deref(), Some("eyJ.a.b"));
        assert_eq!(parse_token("\"eyJ.a.b\"").as_deref(), Some("eyJ.a.b"));
        for corrupt in [
            "",
            "\"\"",
            "\"eyJ",
            "\"a\\u0000",
            "a b",
            "\"a b\"",
            "{unterminated",
            "a=b",
        ] {
            assert_eq!(parse_token(corrupt), None, "{corrupt:?}");
        }
    }
}
