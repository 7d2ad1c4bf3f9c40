//! The renewable session in IndexedDB: the refresh token and the tokens it last yielded, the
//! one copy that every tab reads under the renewal lock.
//!
//! localStorage keeps the quickstart's three keys as before, for the page and its other code;
//! this record is what a tab holding the lock trusts, since a localStorage read right after the
//! lock changed hands may still show the previous holder's tokens (see [`crate::indexed_db`]).
//! Replaying a rotated refresh token makes the tenant revoke the whole family, so the refresh
//! token is never kept anywhere a stale read could find it.
//!
//! The record is JSON text, and names the issuer and client it belongs to: one written for
//! another configuration of the same origin counts as none. A record that cannot be read counts
//! as corrupt, which means "log in again".

use oidc_protocol::bearer::is_b64token;
use oidc_protocol::{AccessToken, IdToken, RefreshToken};
use serde::{Deserialize, Serialize};

use crate::config::AuthConfig;
use crate::indexed_db::{self, IndexedDbError};
use crate::session::Session;

/// The key of the record in this library's database.
const RECORD_KEY: &str = "renewable_session";

/// A session together with the refresh token that renews it. `Debug` prints no token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenewableSession {
    /// The tokens in use and their expiry.
    pub session: Session,
    /// The refresh token: spent by the next renewal, which yields its successor.
    pub refresh_token: RefreshToken,
}

/// Why the refresh token could not be read or kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RefreshStoreError {
    /// IndexedDB failed or is unavailable.
    #[error("the refresh token store failed")]
    Database(#[from] IndexedDbError),
    /// The stored record is not one this library wrote.
    #[error("the stored refresh token is unreadable")]
    Corrupt,
}

/// The record as stored.
#[derive(Serialize, Deserialize)]
struct Record {
    issuer: String,
    client_id: String,
    refresh_token: RefreshToken,
    access_token: AccessToken,
    id_token: IdToken,
    expires_at: u64,
}

/// A refresh token is sent in a form body; anything but printable ASCII (RFC 6749 appendix A.17:
/// `1*VSCHAR`) is unreadable.
fn is_refresh_token(token: &str) -> bool {
    !token.is_empty() && token.bytes().all(|byte| (0x20..=0x7e).contains(&byte))
}

/// Reads the record's text: `Ok(None)` when it belongs to another issuer or client.
fn parse(text: &str, config: &AuthConfig) -> Result<Option<RenewableSession>, RefreshStoreError> {
    let record: Record = serde_json::from_str(text).map_err(|_| RefreshStoreError::Corrupt)?;
    if record.issuer != config.issuer.as_str() || record.client_id != config.client_id.as_str() {
        return Ok(None);
    }
    let readable = is_refresh_token(record.refresh_token.secret())
        && is_b64token(record.access_token.secret())
        && is_b64token(record.id_token.secret());
    if !readable {
        return Err(RefreshStoreError::Corrupt);
    }
    Ok(Some(RenewableSession {
        session: Session::new(record.access_token, record.id_token, record.expires_at),
        refresh_token: record.refresh_token,
    }))
}

fn render(renewable: &RenewableSession, config: &AuthConfig) -> Result<String, RefreshStoreError> {
    let session = &renewable.session;
    serde_json::to_string(&Record {
        issuer: config.issuer.as_str().to_owned(),
        client_id: config.client_id.as_str().to_owned(),
        refresh_token: renewable.refresh_token.clone(),
        access_token: session.access_token().clone(),
        id_token: session.id_token().clone(),
        expires_at: session.expires_at_ms(),
    })
    .map_err(|_| RefreshStoreError::Corrupt)
}

/// The stored renewable session for `config`'s issuer and client, if any.
///
/// # Errors
/// [`RefreshStoreError::Database`] when IndexedDB cannot be read, [`RefreshStoreError::Corrupt`]
/// when the record is unreadable.
pub async fn load_renewable_session(
    config: &AuthConfig,
) -> Result<Option<RenewableSession>, RefreshStoreError> {
    match indexed_db::get(RECORD_KEY).await? {
        Some(text) => parse(&text, config),
        None => Ok(None),
    }
}

/// Stores `renewable` for `config`'s issuer and client, replacing any earlier record.
///
/// # Errors
/// [`RefreshStoreError::Database`] when the write did not commit.
pub async fn save_renewable_session(
    renewable: &RenewableSession,
    config: &AuthConfig,
) -> Result<(), RefreshStoreError> {
    let text = render(renewable, config)?;
    indexed_db::put(RECORD_KEY, &text).await?;
    Ok(())
}

/// Removes the stored renewable session, whoever it belongs to.
///
/// # Errors
/// [`RefreshStoreError::Database`] when the removal did not commit.
pub async fn clear_renewable_session() -> Result<(), RefreshStoreError> {
    indexed_db::delete(RECORD_KEY).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(domain: &str) -> AuthConfig {
        AuthConfig::new(domain, "client-1", "https://api").unwrap()
    }

    fn renewable() -> RenewableSession {
        RenewableSession {
            session: Session::new(AccessToken::new("eyJ.a.b"), IdToken::new("eyJ.i.d"), 42_000),
            refresh_token: RefreshToken::new("v1.secret-refresh"),
        }
    }

    #[test]
    fn a_record_reads_back_as_it_was_written() {
        let config = config("tenant.example.com");
        let text = render(&renewable(), &config).unwrap();
        assert_eq!(parse(&text, &config).unwrap(), Some(renewable()));
    }

    #[test]
    fn a_record_of_another_tenant_or_client_counts_as_none() {
        let text = render(&renewable(), &config("tenant.example.com")).unwrap();
        assert_eq!(parse(&text, &config("other.example.com")).unwrap(), None);
        let mut other_client = config("tenant.example.com");
        other_client.client_id = oidc_protocol::ClientId::new("client-2");
        assert_eq!(parse(&text, &other_client).unwrap(), None);
    }

    #[test]
    fn unreadable_records_are_corrupt() {
        let config = config("tenant.example.com");
        let good = render(&renewable(), &config).unwrap();
        for corrupt in [
            "".to_owned(),
            "{".to_owned(),
            "null".to_owned(),
            good.replace("42000", "\"soon\""),
            good.replace("v1.secret-refresh", ""),
            good.replace("v1.secret-refresh", "line\\nbreak"),
            good.replace("eyJ.a.b", "a b"),
            good.replace(",\"id_token\":\"eyJ.i.d\"", ""),
        ] {
            assert_eq!(
                parse(&corrupt, &config),
                Err(RefreshStoreError::Corrupt),
                "{corrupt}"
            );
        }
    }

    #[test]
    fn debug_output_of_a_renewable_session_hides_its_tokens() {
        let debug = format!("{:?}", renewable());
        assert!(
            !debug.contains("secret") && !debug.contains("eyJ"),
            "{debug}"
        );
    }
}
