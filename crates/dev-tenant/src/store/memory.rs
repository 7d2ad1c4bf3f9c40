//! The tenant's mutable state behind one lock per store. Every consume happens under its lock,
//! so a code or refresh token can be redeemed once even under parallel requests. Every method
//! takes the time from the caller, so lifetimes are tested without waiting.

use std::sync::{Mutex, MutexGuard, PoisonError};

use oidc_protocol::Scope;

use crate::authorize::AuthorizeRequest;
use crate::grant::Grant;
use crate::opaque::random_token;

use super::expiring::ExpiringMap;
use super::limits::{REDEEMED_CODE_MEMORY_SECONDS, StoreLimits, StoreSizes};
use super::records::{CodeRecord, LoginTransaction, Session};
use super::refresh::{RefreshFamilies, RefreshPolicy, RefreshRefusal};

/// A code that was redeemed: the refresh-token family it yielded, and whether it was replayed.
#[derive(Debug, Default)]
struct RedeemedCode {
    family: Option<String>,
    replayed: bool,
}

/// All mutable state of the tenant. Its `Debug` prints sizes only: the keys are secrets.
pub struct Store {
    limits: StoreLimits,
    transactions: Mutex<ExpiringMap<LoginTransaction>>,
    sessions: Mutex<ExpiringMap<Session>>,
    codes: Mutex<ExpiringMap<CodeRecord>>,
    redeemed_codes: Mutex<ExpiringMap<RedeemedCode>>,
    refresh_tokens: Mutex<RefreshFamilies>,
}

/// A poisoned lock only means another request panicked; the stores stay consistent because
/// no update leaves them half-done at a point where a panic could occur.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("sizes", &self.sizes())
            .field("limits", &self.limits)
            .finish()
    }
}

impl Default for Store {
    fn default() -> Self {
        Self::new(StoreLimits::default(), RefreshPolicy::default())
    }
}

impl Store {
    /// Empty stores capped at `limits`, with refresh-token families living by `refresh`.
    pub fn new(limits: StoreLimits, refresh: RefreshPolicy) -> Self {
        Self {
            limits,
            transactions: Mutex::new(ExpiringMap::new(limits.login_transactions)),
            sessions: Mutex::new(ExpiringMap::new(limits.sessions)),
            codes: Mutex::new(ExpiringMap::new(limits.codes)),
            redeemed_codes: Mutex::new(ExpiringMap::new(limits.redeemed_codes)),
            refresh_tokens: Mutex::new(RefreshFamilies::new(limits.refresh_families, refresh)),
        }
    }

    /// The caps of the stores.
    pub fn limits(&self) -> StoreLimits {
        self.limits
    }

    /// How many entries each store holds.
    pub fn sizes(&self) -> StoreSizes {
        StoreSizes {
            login_transactions: lock(&self.transactions).len(),
            sessions: lock(&self.sessions).len(),
            codes: lock(&self.codes).len(),
            redeemed_codes: lock(&self.redeemed_codes).len(),
            refresh_families: lock(&self.refresh_tokens).len(),
        }
    }

    /// Starts a login transaction that lives `lifetime` seconds from `now`; returns its id.
    pub fn begin_login(
        &self,
        request: AuthorizeRequest,
        lifetime: u64,
        now: u64,
    ) -> (String, LoginTransaction) {
        let id = random_token();
        let transaction = LoginTransaction {
            request,
            csrf_token: random_token(),
            expires_at: now.saturating_add(lifetime),
        };
        lock(&self.transactions).insert(
            id.clone(),
            transaction.clone(),
            transaction.expires_at,
            now,
        );
        (id, transaction)
    }

    /// The pending transaction `id`, if it has not expired.
    pub fn login(&self, id: &str, now: u64) -> Option<LoginTransaction> {
        lock(&self.transactions).get(id, now).cloned()
    }

    /// Removes the transaction `id` once the login succeeded.
    pub fn finish_login(&self, id: &str, now: u64) -> Option<LoginTransaction> {
        lock(&self.transactions)
            .remove(id)
            .filter(|pending| pending.expires_at > now)
    }

    /// Creates a session that lives `lifetime` seconds from `now`; returns its cookie value.
    pub fn create_session(&self, email: &str, lifetime: u64, now: u64) -> (String, Session) {
        let id = random_token();
        let session = Session {
            email: email.to_owned(),
            auth_time: now,
            sid: random_token(),
            logout_token: random_token(),
            expires_at: now.saturating_add(lifetime),
        };
        lock(&self.sessions).insert(id.clone(), session.clone(), session.expires_at, now);
        (id, session)
    }

    /// The live session for a cookie value.
    pub fn session(&self, id: &str, now: u64) -> Option<Session> {
        lock(&self.sessions).get(id, now).cloned()
    }

    /// Ends a session and revokes the refresh-token families started in it; returns the
    /// session, if there was one.
    pub fn end_session(&self, id: &str) -> Option<Session> {
        let session = lock(&self.sessions).remove(id)?;
        let revoked = lock(&self.refresh_tokens).revoke_session(&session.sid);
        if revoked > 0 {
            tracing::debug!(revoked, "logout revoked the session's refresh tokens");
        }
        Some(session)
    }

    /// Stores a new authorization code and returns it.
    pub fn issue_code(&self, record: CodeRecord, now: u64) -> String {
        let code = random_token();
        let expires_at = record.expires_at;
        lock(&self.codes).insert(code.clone(), record, expires_at, now);
        code
    }

    /// Removes and returns the code's record; a code can be consumed once (RFC 6749 4.1.2).
    /// Expired codes are consumed too, and reported as absent. Presenting an already redeemed
    /// code revokes the refresh tokens it yielded, as RFC 6749 4.1.2 recommends.
    pub fn consume_code(&self, code: &str, now: u64) -> Option<CodeRecord> {
        // The redeemed-code lock is taken before the code is removed, so a parallel replay
        // cannot slip between the removal and the bookkeeping and go unnoticed: it waits, then
        // finds the code redeemed. Lock order: redeemed codes, then codes (nothing takes them
        // the other way round).
        let mut redeemed = lock(&self.redeemed_codes);
        let removed = lock(&self.codes).remove_with_expiry(code);
        match removed {
            Some((record, expires_at)) => {
                redeemed.insert(
                    code.to_owned(),
                    RedeemedCode::default(),
                    now.saturating_add(REDEEMED_CODE_MEMORY_SECONDS),
                    now,
                );
                (expires_at > now).then_some(record)
            }
            None => {
                let entry = redeemed.get_mut(code, now)?;
                entry.replayed = true;
                let family = entry.family.clone();
                drop(redeemed);
                if let Some(family) = family {
                    tracing::warn!("authorization code replayed; its refresh tokens are revoked");
                    lock(&self.refresh_tokens).revoke_family(&family);
                }
                None
            }
        }
    }

    /// Starts a refresh-token family, remembering that `code` yielded it. If the code was
    /// replayed meanwhile, the family is born revoked.
    pub fn issue_refresh_token(&self, grant: Grant, code: Option<&str>, now: u64) -> String {
        let (family, token) = lock(&self.refresh_tokens).issue(grant, now);
        let replayed = code.is_some_and(|code| {
            let mut redeemed = lock(&self.redeemed_codes);
            let Some(entry) = redeemed.get_mut(code, now) else {
                return false;
            };
            entry.family = Some(family.clone());
            entry.replayed
        });
        if replayed {
            lock(&self.refresh_tokens).revoke_family(&family);
        }
        token
    }

    /// Exchanges a refresh token; see [`RefreshFamilies::rotate`].
    ///
    /// # Errors
    /// See [`RefreshRefusal`].
    pub fn rotate_refresh_token(
        &self,
        token: &str,
        client_id: &str,
        requested: Option<&Scope>,
        now: u64,
    ) -> Result<(Grant, String), RefreshRefusal> {
        lock(&self.refresh_tokens).rotate(token, client_id, requested, now)
    }

    /// Revokes the family of a refresh token; see [`RefreshFamilies::revoke`].
    ///
    /// # Errors
    /// [`RefreshRefusal::WrongClient`] when the token belongs to another client.
    pub fn revoke_refresh_token(
        &self,
        token: &str,
        client_id: &str,
        now: u64,
    ) -> Result<bool, RefreshRefusal> {
        lock(&self.refresh_tokens).revoke(token, client_id, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TenantConfig;

    const NOW: u64 = 1_000_000;

    fn grant(sid: &str) -> Grant {
        Grant {
            email: "reader@example.com".to_owned(),
            client_id: "local-spa-client".into(),
            audience: None,
            scope: Scope::new("openid offline_access"),
            nonce: None,
            auth_time: 0,
            sid: sid.to_owned(),
        }
    }

    fn authorize_request() -> AuthorizeRequest {
        AuthorizeRequest::parse(
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
        .expect("valid request")
    }

    fn code_record(expires_at: u64) -> CodeRecord {
        let request = authorize_request();
        CodeRecord {
            grant: grant("sid"),
            redirect_uri: request.target.redirect_uri,
            challenge: request.challenge.expect("challenge"),
            expires_at,
        }
    }

    fn refresh(store: &Store, token: &str) -> Result<String, RefreshRefusal> {
        store
            .rotate_refresh_token(token, "local-spa-client", None, NOW)
            .map(|(_, successor)| successor)
    }

    #[test]
    fn a_code_is_consumed_once() {
        let store = Store::default();
        let code = store.issue_code(code_record(NOW + 60), NOW);
        assert!(store.consume_code(&code, NOW).is_some());
        assert!(store.consume_code(&code, NOW).is_none());
    }

    #[test]
    fn replaying_a_code_revokes_the_refresh_tokens_it_yielded() {
        let store = Store::default();
        let code = store.issue_code(code_record(NOW + 60), NOW);
        assert!(store.consume_code(&code, NOW).is_some());
        let refresh_token = store.issue_refresh_token(grant("sid"), Some(&code), NOW);
        assert!(store.consume_code(&code, NOW).is_none());
        assert_eq!(
            refresh(&store, &refresh_token),
            Err(RefreshRefusal::Unknown)
        );
    }

    #[test]
    fn a_replay_before_the_refresh_token_is_issued_still_revokes_it() {
        let store = Store::default();
        let code = store.issue_code(code_record(NOW + 60), NOW);
        assert!(store.consume_code(&code, NOW).is_some());
        assert!(store.consume_code(&code, NOW).is_none());
        let refresh_token = store.issue_refresh_token(grant("sid"), Some(&code), NOW);
        assert_eq!(
            refresh(&store, &refresh_token),
            Err(RefreshRefusal::Unknown)
        );
    }

    #[test]
    fn an_expired_code_is_not_returned() {
        let store = Store::default();
        let code = store.issue_code(code_record(NOW), NOW);
        assert!(store.consume_code(&code, NOW).is_none());
    }

    #[test]
    fn ending_a_session_revokes_its_refresh_tokens_only() {
        let store = Store::default();
        let (cookie, session) = store.create_session("reader@example.com", 3600, NOW);
        let (_, other) = store.create_session("reader@example.com", 3600, NOW);
        let mine = store.issue_refresh_token(grant(&session.sid), None, NOW);
        let theirs = store.issue_refresh_token(grant(&other.sid), None, NOW);
        assert!(store.end_session(&cookie).is_some());
        assert!(store.session(&cookie, NOW).is_none());
        assert_eq!(refresh(&store, &mine), Err(RefreshRefusal::Unknown));
        assert!(refresh(&store, &theirs).is_ok());
    }

    #[test]
    fn every_store_stays_within_its_cap() {
        let limits = StoreLimits {
            login_transactions: 3,
            sessions: 3,
            codes: 3,
            redeemed_codes: 3,
            refresh_families: 3,
        };
        let store = Store::new(limits, RefreshPolicy::default());
        let mut last_login = String::new();
        let mut last_session = String::new();
        for _ in 0..10 {
            last_login = store.begin_login(authorize_request(), 60, NOW).0;
            last_session = store.create_session("reader@example.com", 60, NOW).0;
            let code = store.issue_code(code_record(NOW + 60), NOW);
            store.consume_code(&code, NOW);
            store.issue_code(code_record(NOW + 60), NOW);
            store.issue_refresh_token(grant("sid"), None, NOW);
        }
        let sizes = store.sizes();
        assert_eq!(
            sizes,
            StoreSizes {
                login_transactions: 3,
                sessions: 3,
                codes: 3,
                redeemed_codes: 3,
                refresh_families: 3,
            }
        );
        assert!(sizes.within(&limits));
        assert!(
            store.login(&last_login, NOW).is_some(),
            "the newest survive"
        );
        assert!(store.session(&last_session, NOW).is_some());
    }

    #[test]
    fn expired_logins_are_pruned_when_new_ones_begin() {
        let store = Store::default();
        for _ in 0..5 {
            store.begin_login(authorize_request(), 60, NOW);
        }
        store.begin_login(authorize_request(), 60, NOW + 60);
        assert_eq!(store.sizes().login_transactions, 1);
    }

    #[test]
    fn debug_prints_no_secrets() {
        let store = Store::default();
        let code = store.issue_code(code_record(NOW + 60), NOW);
        let (cookie, session) = store.create_session("reader@example.com", 60, NOW);
        let printed = format!("{store:?}");
        assert!(!printed.contains(&code), "{printed}");
        assert!(printed.contains("codes: 1"), "{printed}");
        let printed = format!("{session:?}");
        assert!(!printed.contains(&session.logout_token), "{printed}");
        assert!(!printed.contains(&cookie), "{printed}");
    }
}
