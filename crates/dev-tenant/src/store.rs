//! In-memory server state: pending logins, sessions, authorization codes and refresh-token
//! families. Each map sits behind its own lock and every consume happens under that lock, so a
//! code or refresh token can be redeemed once even under parallel requests.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use oidc_protocol::{PkceChallenge, Scope};

use crate::authorize::AuthorizeRequest;
use crate::clock::now;
use crate::grant::Grant;
use crate::opaque::random_token;

/// How long a login page stays usable: long enough to find the password, short enough that
/// abandoned logins and their CSRF cookies go away.
pub const LOGIN_LIFETIME_SECONDS: u64 = 30 * 60;

/// A login in progress: the `/authorize` request waiting for credentials, and its CSRF token.
#[derive(Clone)]
pub struct LoginTransaction {
    /// The validated authorization request.
    pub request: AuthorizeRequest,
    /// The CSRF token the form must post back and the CSRF cookie must carry.
    pub csrf_token: String,
    /// Expiry, seconds since the epoch.
    pub expires_at: u64,
}

/// A logged-in browser.
#[derive(Clone, Debug)]
pub struct Session {
    /// The user's email.
    pub email: String,
    /// When the user authenticated.
    pub auth_time: u64,
    /// Public session id for the `sid` claim.
    pub sid: String,
    /// Expiry, seconds since the epoch.
    pub expires_at: u64,
}

/// An issued authorization code's binding (RFC 6749 4.1.3, RFC 7636 4.6).
#[derive(Clone, Debug)]
pub struct CodeRecord {
    /// What was authorized.
    pub grant: Grant,
    /// The `redirect_uri` the code was sent to; the token request must repeat it.
    pub redirect_uri: String,
    /// The PKCE challenge the verifier must satisfy.
    pub challenge: PkceChallenge,
    /// Expiry, seconds since the epoch.
    pub expires_at: u64,
}

/// Why a refresh token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RefreshRefusal {
    /// Unknown, expired or revoked.
    #[error("unknown refresh token")]
    Unknown,
    /// Already used: the whole family is now revoked (RFC 6819 5.2.2.3).
    #[error("refresh token reused")]
    Reused,
    /// Issued to another client.
    #[error("refresh token issued to another client")]
    WrongClient,
}

#[derive(Clone, Debug)]
struct RefreshRecord {
    family: String,
    grant: Grant,
    used: bool,
}

impl std::fmt::Debug for LoginTransaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginTransaction")
            .field("request", &self.request)
            .field("csrf_token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// All mutable state of the tenant. Its `Debug` prints counts only: the map keys are secrets.
#[derive(Default)]
pub struct Store {
    transactions: Mutex<HashMap<String, LoginTransaction>>,
    sessions: Mutex<HashMap<String, Session>>,
    codes: Mutex<HashMap<String, CodeRecord>>,
    redeemed_codes: Mutex<HashMap<String, RedeemedCode>>,
    refresh_tokens: Mutex<HashMap<String, RefreshRecord>>,
}

/// How long a redeemed code is remembered, so that a replay can still revoke what it yielded.
const REDEEMED_CODE_MEMORY_SECONDS: u64 = 10 * 60;

/// A code that was redeemed: the refresh-token family it yielded, and whether it was replayed.
#[derive(Debug, Default)]
struct RedeemedCode {
    family: Option<String>,
    replayed: bool,
    forget_at: u64,
}

/// A poisoned lock only means another request panicked; the maps stay consistent because every
/// update is a single insert or remove.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("transactions", &lock(&self.transactions).len())
            .field("sessions", &lock(&self.sessions).len())
            .field("codes", &lock(&self.codes).len())
            .field("refresh_tokens", &lock(&self.refresh_tokens).len())
            .finish()
    }
}

impl Store {
    /// Starts a login transaction and returns its id.
    pub fn begin_login(
        &self,
        request: AuthorizeRequest,
        lifetime: u64,
    ) -> (String, LoginTransaction) {
        let id = random_token();
        let transaction = LoginTransaction {
            request,
            csrf_token: random_token(),
            expires_at: now() + lifetime,
        };
        let mut transactions = lock(&self.transactions);
        let current = now();
        transactions.retain(|_, pending| pending.expires_at > current);
        transactions.insert(id.clone(), transaction.clone());
        (id, transaction)
    }

    /// The pending transaction `id`, if it has not expired.
    pub fn login(&self, id: &str) -> Option<LoginTransaction> {
        lock(&self.transactions)
            .get(id)
            .filter(|pending| pending.expires_at > now())
            .cloned()
    }

    /// Removes the transaction `id` once the login succeeded.
    pub fn finish_login(&self, id: &str) -> Option<LoginTransaction> {
        lock(&self.transactions)
            .remove(id)
            .filter(|pending| pending.expires_at > now())
    }

    /// Creates a session and returns its cookie value.
    pub fn create_session(&self, email: &str, lifetime: u64) -> (String, Session) {
        let id = random_token();
        let current = now();
        let session = Session {
            email: email.to_owned(),
            auth_time: current,
            sid: random_token(),
            expires_at: current + lifetime,
        };
        let mut sessions = lock(&self.sessions);
        sessions.retain(|_, existing| existing.expires_at > current);
        sessions.insert(id.clone(), session.clone());
        (id, session)
    }

    /// The live session for a cookie value.
    pub fn session(&self, id: &str) -> Option<Session> {
        lock(&self.sessions)
            .get(id)
            .filter(|session| session.expires_at > now())
            .cloned()
    }

    /// Ends a session.
    pub fn end_session(&self, id: &str) {
        lock(&self.sessions).remove(id);
    }

    /// Stores a new authorization code and returns it.
    pub fn issue_code(&self, record: CodeRecord) -> String {
        let code = random_token();
        let mut codes = lock(&self.codes);
        let current = now();
        codes.retain(|_, pending| pending.expires_at > current);
        codes.insert(code.clone(), record);
        code
    }

    /// Removes and returns the code's record; a code can be consumed once (RFC 6749 4.1.2).
    /// Expired codes are consumed too, and reported as absent. Presenting an already redeemed
    /// code revokes the refresh tokens it yielded, as RFC 6749 4.1.2 recommends.
    pub fn consume_code(&self, code: &str) -> Option<CodeRecord> {
        // The redeemed-code lock is taken before the code is removed, so a parallel replay
        // cannot slip between the removal and the bookkeeping and go unnoticed: it waits, then
        // finds the code redeemed. Lock order: redeemed codes, then codes (nothing takes them
        // the other way round).
        let mut redeemed = lock(&self.redeemed_codes);
        let removed = lock(&self.codes).remove(code);
        let current = now();
        redeemed.retain(|_, entry| entry.forget_at > current);
        match removed {
            Some(record) => {
                let forget_at = current + REDEEMED_CODE_MEMORY_SECONDS;
                redeemed.insert(
                    code.to_owned(),
                    RedeemedCode {
                        forget_at,
                        ..RedeemedCode::default()
                    },
                );
                (record.expires_at > current).then_some(record)
            }
            None => {
                let entry = redeemed.get_mut(code)?;
                entry.replayed = true;
                let family = entry.family.clone();
                drop(redeemed);
                if let Some(family) = family {
                    tracing::warn!("authorization code replayed; its refresh tokens are revoked");
                    self.revoke_family(&family);
                }
                None
            }
        }
    }

    /// Issues a refresh token in a new family, remembering that `code` yielded it. If the code
    /// was replayed meanwhile, the family is born revoked.
    pub fn issue_refresh_token(&self, grant: Grant, code: Option<&str>) -> String {
        let token = random_token();
        let family = random_token();
        let record = RefreshRecord {
            family: family.clone(),
            grant,
            used: false,
        };
        lock(&self.refresh_tokens).insert(token.clone(), record);
        let replayed = code.is_some_and(|code| {
            let mut redeemed = lock(&self.redeemed_codes);
            let Some(entry) = redeemed.get_mut(code) else {
                return false;
            };
            entry.family = Some(family.clone());
            entry.replayed
        });
        if replayed {
            self.revoke_family(&family);
        }
        token
    }

    fn revoke_family(&self, family: &str) {
        lock(&self.refresh_tokens).retain(|_, record| record.family != family);
    }

    /// Rotates a refresh token: marks it used and issues its successor in the same family.
    /// Presenting a used token revokes every token of its family (RFC 6819 5.2.2.3).
    /// `requested` narrows the returned grant to the scopes it shares with the original: Auth0
    /// answers a refresh asking for more with what was granted, and auth0-spa-js always sends
    /// its configured scope. The successor keeps the original grant.
    ///
    /// # Errors
    /// See [`RefreshRefusal`]; apart from reuse, a refused request leaves the token usable.
    pub fn rotate_refresh_token(
        &self,
        token: &str,
        client_id: &str,
        requested: Option<&Scope>,
    ) -> Result<(Grant, String), RefreshRefusal> {
        let mut tokens = lock(&self.refresh_tokens);
        let record = tokens.get_mut(token).ok_or(RefreshRefusal::Unknown)?;
        if record.grant.client_id != client_id {
            return Err(RefreshRefusal::WrongClient);
        }
        if record.used {
            let family = record.family.clone();
            tokens.retain(|_, other| other.family != family);
            return Err(RefreshRefusal::Reused);
        }
        let mut narrowed = record.grant.clone();
        if let Some(requested) = requested {
            narrowed.scope = Scope::from_tokens(
                record
                    .grant
                    .scope
                    .tokens()
                    .filter(|scope| requested.contains(scope)),
            );
        }
        record.used = true;
        let successor_record = RefreshRecord {
            family: record.family.clone(),
            grant: record.grant.clone(),
            used: false,
        };
        let successor = random_token();
        tokens.insert(successor.clone(), successor_record);
        Ok((narrowed, successor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TenantConfig;

    fn grant() -> Grant {
        Grant {
            email: "reader@example.com".to_owned(),
            client_id: "local-spa-client".into(),
            audience: None,
            scope: Scope::new("openid offline_access"),
            nonce: None,
            auth_time: 0,
            sid: "sid".to_owned(),
        }
    }

    fn code_record(expires_at: u64) -> CodeRecord {
        let request = crate::authorize::AuthorizeRequest::parse(
            &TenantConfig::default(),
            vec![
                ("client_id".to_owned(), "local-spa-client".to_owned()),
                (
                    "redirect_uri".to_owned(),
                    "http://localhost:3000/callback".to_owned(),
                ),
                ("response_type".to_owned(), "code".to_owned()),
                (
                    "code_challenge".to_owned(),
                    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".to_owned(),
                ),
                ("code_challenge_method".to_owned(), "S256".to_owned()),
            ],
        )
        .expect("valid request");
        CodeRecord {
            grant: grant(),
            redirect_uri: request.target.redirect_uri,
            challenge: request.challenge.expect("challenge"),
            expires_at,
        }
    }

    #[test]
    fn a_code_is_consumed_once() {
        let store = Store::default();
        let code = store.issue_code(code_record(now() + 60));
        assert!(store.consume_code(&code).is_some());
        assert!(store.consume_code(&code).is_none());
    }

    #[test]
    fn replaying_a_code_revokes_the_refresh_tokens_it_yielded() {
        let store = Store::default();
        let code = store.issue_code(code_record(now() + 60));
        assert!(store.consume_code(&code).is_some());
        let refresh_token = store.issue_refresh_token(grant(), Some(&code));
        assert!(store.consume_code(&code).is_none());
        assert_eq!(
            store
                .rotate_refresh_token(&refresh_token, "local-spa-client", None)
                .err(),
            Some(RefreshRefusal::Unknown)
        );
    }

    #[test]
    fn a_replay_before_the_refresh_token_is_issued_still_revokes_it() {
        let store = Store::default();
        let code = store.issue_code(code_record(now() + 60));
        assert!(store.consume_code(&code).is_some());
        assert!(store.consume_code(&code).is_none());
        let refresh_token = store.issue_refresh_token(grant(), Some(&code));
        assert_eq!(
            store
                .rotate_refresh_token(&refresh_token, "local-spa-client", None)
                .err(),
            Some(RefreshRefusal::Unknown)
        );
    }

    #[test]
    fn an_expired_code_is_not_returned() {
        let store = Store::default();
        let code = store.issue_code(code_record(now()));
        assert!(store.consume_code(&code).is_none());
    }

    #[test]
    fn reusing_a_refresh_token_revokes_its_family_only() {
        let store = Store::default();
        let first = store.issue_refresh_token(grant(), None);
        let other_family = store.issue_refresh_token(grant(), None);
        let (_, second) = store
            .rotate_refresh_token(&first, "local-spa-client", None)
            .expect("rotates");
        assert_eq!(
            store
                .rotate_refresh_token(&first, "local-spa-client", None)
                .err(),
            Some(RefreshRefusal::Reused)
        );
        assert_eq!(
            store
                .rotate_refresh_token(&second, "local-spa-client", None)
                .err(),
            Some(RefreshRefusal::Unknown)
        );
        assert!(
            store
                .rotate_refresh_token(&other_family, "local-spa-client", None)
                .is_ok()
        );
    }

    #[test]
    fn a_refresh_token_is_bound_to_its_client() {
        let store = Store::default();
        let token = store.issue_refresh_token(grant(), None);
        assert_eq!(
            store.rotate_refresh_token(&token, "other", None).err(),
            Some(RefreshRefusal::WrongClient)
        );
        assert!(
            store
                .rotate_refresh_token(&token, "local-spa-client", None)
                .is_ok()
        );
    }

    #[test]
    fn a_refresh_returns_the_granted_part_of_the_requested_scope() {
        let store = Store::default();
        let token = store.issue_refresh_token(grant(), None);
        let requested = Scope::new("openid email");
        let (narrowed, successor) = store
            .rotate_refresh_token(&token, "local-spa-client", Some(&requested))
            .expect("narrows");
        assert_eq!(narrowed.scope.as_str(), "openid");
        let (next, _) = store
            .rotate_refresh_token(&successor, "local-spa-client", None)
            .expect("the successor keeps the original grant");
        assert_eq!(next.scope.as_str(), "openid offline_access");
    }

    #[test]
    fn debug_prints_no_secrets() {
        let store = Store::default();
        let code = store.issue_code(code_record(now() + 60));
        let printed = format!("{store:?}");
        assert!(!printed.contains(&code), "{printed}");
        assert!(printed.contains("codes: 1"), "{printed}");
    }
}
