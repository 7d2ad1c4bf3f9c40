//! The signed-in session: tokens and their expiry, restored from storage at start-up.

use oidc_protocol::{AccessToken, IdToken, IdTokenClaims, UnverifiedJwt};

use crate::storage::{self, StorageError, StoredSession};

/// What localStorage holds, read at start-up.
#[derive(Debug)]
pub(crate) enum Restored {
    /// A session that has not expired.
    Live(Session),
    /// A session whose access token has expired: a refresh token may renew it.
    Expired,
    /// No session, or an unreadable one (removed).
    None,
}

/// Tokens of a signed-in user and when they stop being usable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    access_token: AccessToken,
    id_token: IdToken,
    expires_at_ms: u64,
}

impl Session {
    /// A session expiring at `expires_at_ms` (milliseconds since the epoch).
    pub fn new(access_token: AccessToken, id_token: IdToken, expires_at_ms: u64) -> Self {
        Self {
            access_token,
            id_token,
            expires_at_ms,
        }
    }

    /// The access token for the API.
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// The ID token.
    pub fn id_token(&self) -> &IdToken {
        &self.id_token
    }

    /// Expiry in milliseconds since the epoch.
    pub fn expires_at_ms(&self) -> u64 {
        self.expires_at_ms
    }

    /// The user's id (`sub`) from the ID token, which was verified before it was stored.
    pub fn subject(&self) -> Option<String> {
        self.id_token_claims().map(|claims| claims.sub)
    }

    /// The ID token's claims, the profile claims among them (OIDC Core 5.4), read from the
    /// token verified before it was stored; `None` if it cannot be read.
    pub fn id_token_claims(&self) -> Option<IdTokenClaims> {
        UnverifiedJwt::parse(self.id_token.secret())
            .ok()?
            .claims::<IdTokenClaims>()
            .ok()
    }

    /// The ID token's claims as the JSON text the provider signed, to show them as received.
    pub fn id_token_claims_json(&self) -> Option<String> {
        UnverifiedJwt::parse(self.id_token.secret())
            .ok()
            .map(|jwt| jwt.payload_json().to_owned())
    }

    /// Whether the session is over at `now_ms`.
    pub fn is_expired_at(&self, now_ms: u64) -> bool {
        now_ms >= self.expires_at_ms
    }

    /// Expiry computed from the token endpoint's `expires_in` (seconds).
    pub fn expiry_from(now_ms: u64, expires_in_secs: u64) -> u64 {
        now_ms.saturating_add(expires_in_secs.saturating_mul(1000))
    }

    /// Stores the session under the quickstart's keys.
    ///
    /// # Errors
    /// [`StorageError`] when localStorage is blocked or refuses; nothing is left behind then.
    pub(crate) fn save(&self) -> Result<(), StorageError> {
        storage::save_session(&self.access_token, &self.id_token, self.expires_at_ms)
    }

    /// Restores a live session from storage. Expired, partial or corrupt entries are removed
    /// and mean "logged out".
    pub(crate) fn restore(now_ms: u64) -> Option<Self> {
        Self::load(now_ms, true)
    }

    /// Restores the session at start-up. A partial or corrupt entry is removed; an expired one
    /// is kept if `renewable`, for a refresh token to renew, and removed otherwise.
    pub(crate) fn restore_at_start(now_ms: u64, renewable: bool) -> Restored {
        match storage::load_session() {
            StoredSession::Present {
                access_token,
                id_token,
                expires_at_ms,
            } => {
                let session = Self::new(access_token, id_token, expires_at_ms);
                if !session.is_expired_at(now_ms) {
                    return Restored::Live(session);
                }
                if renewable {
                    return Restored::Expired;
                }
                storage::clear_session();
                Restored::None
            }
            StoredSession::Corrupt => {
                storage::clear_session();
                Restored::None
            }
            StoredSession::Empty => Restored::None,
        }
    }

    /// Reads a live session from storage without cleaning anything up: another tab may be in
    /// the middle of writing it.
    pub(crate) fn peek(now_ms: u64) -> Option<Self> {
        Self::load(now_ms, false)
    }

    fn load(now_ms: u64, clean_up: bool) -> Option<Self> {
        let live = match storage::load_session() {
            StoredSession::Empty => return None,
            StoredSession::Present {
                access_token,
                id_token,
                expires_at_ms,
            } => Some(Self::new(access_token, id_token, expires_at_ms))
                .filter(|session| !session.is_expired_at(now_ms)),
            StoredSession::Corrupt => None,
        };
        if live.is_none() && clean_up {
            storage::clear_session();
        }
        live
    }

    /// Removes the stored session.
    pub(crate) fn clear_stored() {
        storage::clear_session();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_is_expired_from_its_expiry_instant_on() {
        let session = Session::new(AccessToken::new("a"), IdToken::new("i"), 1_000);
        assert!(!session.is_expired_at(999));
        assert!(session.is_expired_at(1_000));
    }

    #[test]
    fn expiry_is_now_plus_expires_in_milliseconds() {
        assert_eq!(Session::expiry_from(1_000, 86_400), 86_401_000);
        assert_eq!(Session::expiry_from(u64::MAX, 1), u64::MAX);
    }

    #[test]
    fn the_subject_is_read_from_the_id_token() {
        let id_token = format!(
            "{}.{}.{}",
            oidc_protocol::base64url::encode(r#"{"alg":"RS256"}"#),
            oidc_protocol::base64url::encode(
                r#"{"iss":"https://t/","sub":"auth0|reader","aud":"c","exp":2,"iat":1}"#
            ),
            oidc_protocol::base64url::encode("sig")
        );
        let session = Session::new(AccessToken::new("a"), IdToken::new(id_token), 1);
        assert_eq!(session.subject().as_deref(), Some("auth0|reader"));
        let opaque = Session::new(AccessToken::new("a"), IdToken::new("opaque"), 1);
        assert_eq!(opaque.subject(), None);
    }

    #[test]
    fn debug_output_of_session_hides_tokens() {
        let session = Session::new(AccessToken::new("secret-a"), IdToken::new("secret-i"), 1);
        let debug = format!("{session:?}");
        assert!(!debug.contains("secret"), "{debug}");
    }
}
