//! Renewing the session with rotating refresh tokens: when (a margin before the access token
//! expires, at most a quarter of its lifetime), how long to wait after a failure, and the
//! renewal itself, done by one tab at a time under the cross-tab lock. Where no refresh token
//! can renew the session, and [`AuthConfig::renews_silently`] allows it, the same tab renews it
//! silently instead, under the same lock (see [`crate::silent`]).
//!
//! The tab holding the lock first reads the renewable session from IndexedDB, where reads after
//! the lock changed hands are current. If another tab renewed since this one decided to, its
//! tokens are used and nothing is sent; otherwise the refresh token is spent and its successor
//! written before the lock is let go, so no tab ever sends a rotated-away token, which would
//! make the tenant revoke the whole family (RFC 9700 section 4.14.2).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use oidc_protocol::{AccessToken, IdToken, UnverifiedJwt, VerificationKeys};
use serde::Deserialize;

use crate::browser::now_ms;
use crate::callback::session_expiry;
use crate::config::AuthConfig;
use crate::discovery::ProviderError;
use crate::endpoints::Endpoints;
use crate::id_token::{IdTokenError, id_token_key_id, verify_refreshed_id_token};
use crate::indexed_db::IndexedDbError;
use crate::jwks::{JwksFetchError, fetch_keys};
use crate::lock::{LockError, with_lock};
use crate::refresh_store::{
    RefreshStoreError, RenewableSession, clear_renewable_session, load_renewable_session,
    save_renewable_session,
};
use crate::session::Session;
use crate::silent::{SilentRenewalError, renew_silently};
use crate::storage::{self, StorageError};
use crate::token_endpoint::{TokenEndpointError, refresh_tokens};

/// The name of the cross-tab lock that renewals take.
pub const RENEWAL_LOCK: &str = "leptos-auth0-renewal";
/// The wait before the first retry after a renewal failed for want of the network.
pub const FIRST_RETRY: Duration = Duration::from_secs(2);
/// The longest wait between retries.
pub const LONGEST_RETRY: Duration = Duration::from_secs(300);

/// How long before expiry a session is renewed, in milliseconds: `renew_before_secs`, but at
/// most a quarter of the token's lifetime, so a short-lived token is not renewed on every use
/// (with 15-second tokens a fixed minute would be always due).
pub fn renewal_margin_ms(lifetime_ms: Option<u64>, renew_before_secs: u64) -> u64 {
    let configured = renew_before_secs.saturating_mul(1000);
    lifetime_ms.map_or(configured, |lifetime| configured.min(lifetime / 4))
}

#[derive(Deserialize)]
struct Lifetime {
    iat: Option<u64>,
    exp: Option<u64>,
}

/// The lifetime of a JWT access token, from its `iat` to its `exp`, in milliseconds.
pub fn access_token_lifetime_ms(access_token: &AccessToken) -> Option<u64> {
    let claims: Lifetime = UnverifiedJwt::parse(access_token.secret())
        .ok()?
        .claims()
        .ok()?;
    let lifetime_secs = claims.exp?.checked_sub(claims.iat?)?;
    Some(lifetime_secs.saturating_mul(1000))
}

/// When `session` is due for renewal, in milliseconds since the epoch.
pub fn renew_at_ms(session: &Session, renew_before_secs: u64) -> u64 {
    let lifetime = access_token_lifetime_ms(session.access_token());
    session
        .expires_at_ms()
        .saturating_sub(renewal_margin_ms(lifetime, renew_before_secs))
}

/// The wait before retry number `attempt` (0 for the first): doubling from [`FIRST_RETRY`] up to
/// [`LONGEST_RETRY`], then spread between half and all of it by `jitter` (from 0 to 1), so
/// that tabs and users who failed together do not all come back at once.
pub fn retry_delay(attempt: u32, jitter: f64) -> Duration {
    let doubled = FIRST_RETRY.saturating_mul(1u32 << attempt.min(16));
    let ceiling_ms = doubled.min(LONGEST_RETRY).as_millis() as u64;
    // Whole thousandths, so no float-to-duration conversion (and its panics) is compiled in.
    let thousandths = 500 + (jitter.clamp(0.0, 1.0) * 500.0) as u64;
    Duration::from_millis(ceiling_ms * thousandths / 1000)
}

/// Why a renewal was asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RenewalReason {
    /// The session is due (its timer fired, or it had expired at start-up).
    Due,
    /// The API answered 401 `invalid_token` to this access token.
    Rejected(AccessToken),
}

/// Whether the tab holding the lock must spend the refresh token, given the stored session:
/// not when another tab renewed since this one decided to.
pub fn needs_request(
    stored: &Session,
    reason: &RenewalReason,
    now_ms: u64,
    renew_before_secs: u64,
) -> bool {
    match reason {
        RenewalReason::Due => now_ms >= renew_at_ms(stored, renew_before_secs),
        RenewalReason::Rejected(rejected) => {
            stored.access_token() == rejected || stored.is_expired_at(now_ms)
        }
    }
}

/// A successful renewal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Renewal {
    /// This tab spent the refresh token; here is the new session.
    Renewed(Session),
    /// Another tab had renewed already; its session, and nothing was sent.
    Adopted(Session),
}

impl Renewal {
    /// The session to use now.
    pub fn session(&self) -> &Session {
        match self {
            Self::Renewed(session) | Self::Adopted(session) => session,
        }
    }
}

/// Why a renewal did not yield a session.
#[derive(Clone, Debug, thiserror::Error)]
pub enum RenewalError {
    /// Nothing can renew the session: there is no refresh token (refresh tokens are off, none
    /// was granted, it was removed, or this browser has no IndexedDB), and silent renewal is
    /// not allowed, or the provider does not answer by web message.
    #[error("no refresh token")]
    NoRefreshToken,
    /// The silent renewal in a hidden frame failed.
    #[error("the silent renewal failed")]
    Silent(#[from] SilentRenewalError),
    /// The refresh token store failed or holds something unreadable.
    #[error("the refresh token store failed")]
    Store(#[from] RefreshStoreError),
    /// The cross-tab lock could not be taken.
    #[error("the renewal lock could not be taken")]
    Lock(#[from] LockError),
    /// The token endpoint refused or could not be reached.
    #[error("the token request failed")]
    TokenEndpoint(#[from] TokenEndpointError),
    /// The provider's discovery document, which names the token endpoint, could not be
    /// fetched or used.
    #[error("the provider's discovery document is not usable")]
    Provider(#[from] ProviderError),
    /// The signing keys for a renewed ID token could not be fetched.
    #[error("could not fetch the signing keys")]
    Jwks(#[source] Arc<JwksFetchError>),
    /// A renewed ID token was refused.
    #[error("the renewed id token was rejected")]
    IdToken(#[from] IdTokenError),
    /// localStorage refused the renewed session.
    #[error("browser storage failed")]
    Storage(#[from] StorageError),
}

impl RenewalError {
    /// Whether the session is over (log in again), rather than worth retrying later: the tenant
    /// refused the refresh token (`invalid_grant`: revoked, expired or reused) or the client,
    /// or nothing could renew it. The network, a tenant error status, a busy lock, a failing
    /// database or a discovery document that cannot be used (until its provider fixes it) are
    /// worth retrying.
    pub fn ends_session(&self) -> bool {
        match self {
            Self::NoRefreshToken
            | Self::IdToken(_)
            | Self::Storage(_)
            | Self::Store(RefreshStoreError::Corrupt)
            | Self::Store(RefreshStoreError::Database(IndexedDbError::Unavailable))
            | Self::TokenEndpoint(TokenEndpointError::Refused(_))
            | Self::TokenEndpoint(TokenEndpointError::NotBearer) => true,
            Self::Silent(silent) => silent.ends_session(),
            Self::TokenEndpoint(TokenEndpointError::Status(status)) => {
                (400..500).contains(status) && *status != 408 && *status != 429
            }
            Self::Store(RefreshStoreError::Database(_))
            | Self::Lock(_)
            | Self::Jwks(_)
            | Self::Provider(_)
            | Self::TokenEndpoint(TokenEndpointError::Network(_))
            | Self::TokenEndpoint(TokenEndpointError::Decode(_)) => false,
        }
    }
}

/// The tenant's signing keys once fetched by this tab, for ID tokens that come back from a
/// refresh.
pub(crate) type KeyCache = Rc<RefCell<Option<VerificationKeys>>>;

/// Renews the session under the cross-tab lock (see the module documentation). A refusal that
/// ends the session also removes it from both stores, and marks it ended for the other tabs,
/// before the lock is let go. Without a refresh token it renews silently where
/// [`AuthConfig::renews_silently`] allows; where nothing can renew it, nothing is removed, and
/// the session lasts until its access token expires.
///
/// # Errors
/// [`RenewalError`]; [`RenewalError::ends_session`] tells whether to log out or retry.
pub async fn renew_session(
    config: &AuthConfig,
    reason: &RenewalReason,
    keys: &KeyCache,
) -> Result<Renewal, RenewalError> {
    with_lock(RENEWAL_LOCK, renew_holding_lock(config, reason, keys)).await?
}

async fn renew_holding_lock(
    config: &AuthConfig,
    reason: &RenewalReason,
    keys: &KeyCache,
) -> Result<Renewal, RenewalError> {
    let outcome = if config.renews_with_refresh_tokens() {
        renew_from_store(config, reason, keys).await
    } else {
        Err(RenewalError::NoRefreshToken)
    };
    let outcome = match outcome {
        Err(RenewalError::NoRefreshToken)
            if config.renews_silently(&crate::browser::current_origin()) =>
        {
            renew_silently(config, reason, keys).await
        }
        outcome => outcome,
    };
    let ended = outcome
        .as_ref()
        .is_err_and(|error| error.ends_session() && !matches!(error, RenewalError::NoRefreshToken));
    if ended {
        // Still under the lock, so no other tab can spend the refused token or write after
        // this removal. A failure to remove leaves a refresh token the tenant refuses anyway.
        let _ = clear_renewable_session().await;
        // The mark first: the other tabs then read the removal that follows as "the session
        // ended", not as a logout.
        storage::mark_session_ended(now_ms());
        storage::clear_session();
    }
    outcome
}

async fn renew_from_store(
    config: &AuthConfig,
    reason: &RenewalReason,
    keys: &KeyCache,
) -> Result<Renewal, RenewalError> {
    let stored = match load_renewable_session(config).await {
        Ok(Some(stored)) => stored,
        // Without IndexedDB no refresh token could have been kept.
        Ok(None) | Err(RefreshStoreError::Database(IndexedDbError::Unavailable)) => {
            return Err(RenewalError::NoRefreshToken);
        }
        Err(error) => return Err(error.into()),
    };
    if !needs_request(&stored.session, reason, now_ms(), config.renew_before_secs) {
        // Another tab renewed since this one decided to. Its localStorage copy is written
        // again, which changes nothing unless this tab's view of it was behind.
        stored.session.save()?;
        return Ok(Renewal::Adopted(stored.session));
    }
    let endpoints = Endpoints::of(config).await?;
    let tokens = refresh_tokens(config, endpoints.token()?, &stored.refresh_token).await?;
    let previous_id_token = stored.session.id_token();
    let id_token = match tokens.id_token {
        // OIDC Core 12.2: without a new ID token the login's stays.
        None => previous_id_token.clone(),
        Some(renewed) => {
            check_renewed_id_token(config, &renewed, previous_id_token, keys).await?;
            renewed
        }
    };
    let expires_at_ms = session_expiry(now_ms(), tokens.expires_in, &tokens.access_token);
    let renewable = RenewableSession {
        session: Session::new(tokens.access_token, id_token, expires_at_ms),
        // Without rotation the tenant sends no successor, and the token stays valid.
        refresh_token: tokens.refresh_token.unwrap_or(stored.refresh_token),
    };
    // The successor is durable before the lock is let go, so the next holder reads it.
    save_renewable_session(&renewable, config).await?;
    renewable.session.save()?;
    Ok(Renewal::Renewed(renewable.session))
}

/// Verifies a renewed ID token with the cached keys (see [`keys_for`]).
async fn check_renewed_id_token(
    config: &AuthConfig,
    renewed: &IdToken,
    previous: &IdToken,
    keys: &KeyCache,
) -> Result<(), RenewalError> {
    let usable = keys_for(config, renewed, keys).await?;
    verify_refreshed_id_token(
        renewed,
        previous,
        &usable,
        config.issuer_identifier(),
        &config.client_id,
        now_ms() / 1000,
    )
    .await?;
    Ok(())
}

/// The keys to verify `id_token` with: the cached ones, or freshly fetched ones (then cached)
/// when none are cached or none has the token's `kid` (the tenant rotated its keys).
pub(crate) async fn keys_for(
    config: &AuthConfig,
    id_token: &IdToken,
    keys: &KeyCache,
) -> Result<VerificationKeys, RenewalError> {
    let kid = id_token_key_id(id_token)?;
    let cached = keys
        .borrow()
        .as_ref()
        .filter(|cached| cached.find(&kid).is_some())
        .cloned();
    match cached {
        Some(cached) => Ok(cached),
        None => {
            let fetched = fetch_keys(config).await.map_err(RenewalError::Jwks)?;
            *keys.borrow_mut() = Some(fetched.clone());
            Ok(fetched)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oidc_protocol::base64url;

    fn jwt(claims: &str) -> AccessToken {
        AccessToken::new(format!(
            "{}.{}.{}",
            base64url::encode(r#"{"alg":"RS256"}"#),
            base64url::encode(claims),
            base64url::encode("sig")
        ))
    }

    fn session(iat: u64, exp: u64) -> Session {
        Session::new(
            jwt(&format!(r#"{{"iat":{iat},"exp":{exp}}}"#)),
            IdToken::new("eyJ.i.d"),
            exp * 1000,
        )
    }

    #[test]
    fn an_hour_long_token_is_renewed_the_configured_minute_before_expiry() {
        let hour = session(1_000, 4_600);
        assert_eq!(renew_at_ms(&hour, 60), 4_540_000);
        assert_eq!(renew_at_ms(&hour, 0), 4_600_000);
    }

    #[test]
    fn a_short_lived_token_is_renewed_a_quarter_of_its_lifetime_before_expiry() {
        // With a fixed 60 s margin a 15 s token would be due from the moment it arrives.
        assert_eq!(renew_at_ms(&session(1_000, 1_015), 60), 1_011_250);
        assert_eq!(renewal_margin_ms(Some(4_000), 60), 1_000);
        assert_eq!(renewal_margin_ms(Some(3_600_000), 60), 60_000);
    }

    #[test]
    fn a_token_without_a_lifetime_gets_the_configured_margin() {
        assert_eq!(renewal_margin_ms(None, 60), 60_000);
        let opaque = Session::new(AccessToken::new("opaque"), IdToken::new("i"), 100_000);
        assert_eq!(renew_at_ms(&opaque, 60), 40_000);
        let backwards = session(2_000, 1_000);
        assert_eq!(access_token_lifetime_ms(backwards.access_token()), None);
        assert_eq!(access_token_lifetime_ms(&jwt(r#"{"exp":5}"#)), None);
    }

    #[test]
    fn retries_double_from_two_seconds_up_to_five_minutes_spread_by_jitter() {
        assert_eq!(retry_delay(0, 1.0), Duration::from_secs(2));
        assert_eq!(retry_delay(0, 0.0), Duration::from_secs(1));
        assert_eq!(retry_delay(3, 1.0), Duration::from_secs(16));
        assert_eq!(retry_delay(8, 1.0), LONGEST_RETRY);
        assert_eq!(retry_delay(u32::MAX, 0.0), LONGEST_RETRY / 2);
        assert_eq!(retry_delay(1, 7.0), Duration::from_secs(4));
    }

    #[test]
    fn a_due_renewal_sends_nothing_when_another_tab_renewed_first() {
        let renewed_elsewhere = session(1_000, 4_600);
        assert!(!needs_request(
            &renewed_elsewhere,
            &RenewalReason::Due,
            2_000_000,
            60
        ));
        assert!(needs_request(
            &renewed_elsewhere,
            &RenewalReason::Due,
            4_540_000,
            60
        ));
    }

    #[test]
    fn a_rejected_token_is_renewed_unless_the_store_already_holds_another_live_one() {
        let stored = session(1_000, 4_600);
        let rejected = RenewalReason::Rejected(stored.access_token().clone());
        assert!(needs_request(&stored, &rejected, 2_000_000, 60));
        let other = RenewalReason::Rejected(AccessToken::new("eyJ.other.token"));
        assert!(!needs_request(&stored, &other, 2_000_000, 60));
        assert!(needs_request(&stored, &other, 4_600_000, 60));
    }

    #[test]
    fn refusals_end_the_session_and_unreachable_tenants_do_not() {
        use oidc_protocol::OAuthErrorResponse;
        let refused =
            RenewalError::TokenEndpoint(TokenEndpointError::Refused(OAuthErrorResponse {
                error: "invalid_grant".into(),
                error_description: None,
            }));
        assert!(refused.ends_session());
        assert!(RenewalError::NoRefreshToken.ends_session());
        assert!(RenewalError::TokenEndpoint(TokenEndpointError::Status(400)).ends_session());
        for transient in [
            RenewalError::TokenEndpoint(TokenEndpointError::Status(503)),
            RenewalError::TokenEndpoint(TokenEndpointError::Status(429)),
            RenewalError::Lock(LockError::Timeout),
            RenewalError::Store(RefreshStoreError::Database(IndexedDbError::Failed)),
        ] {
            assert!(!transient.ends_session(), "{transient:?}");
        }
    }
}
