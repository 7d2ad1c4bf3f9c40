//! The issuer's signing keys: fetched on demand, cached by `kid`, refreshed on rotation.
//!
//! Rules (as jwks-rsa, the quickstart's key source): an unknown `kid` triggers at most one
//! fetch, and fetches are at least `refetch_interval` apart; concurrent misses wait for the
//! same fetch; a fetch that fails or yields no usable key never replaces the keys in hand.
//! Keys older than `max_age` are refetched before use (jwks-rsa's `cacheMaxAge`), so a key
//! the issuer withdraws stops verifying; if that fetch fails, the old keys stay in use, but
//! only until `trust_limit` after the last successful fetch. Past it they are not used at all
//! (503), so whoever can block the issuer cannot keep a withdrawn key alive, and the keys a
//! lookup hands out say until when they may be relied on, so that the verified-token cache
//! forgets what they verified by then too.
//! A fetch runs in its own task, so a request that goes away (client disconnect, request
//! timeout) cannot abandon it half-way and leave every other request answering 503.
//!
//! Which keys of a JWKS may verify is oidc-protocol's [`rs256_verification_keys`]: RSA keys for
//! signatures and RS256 with a `kid`, a 2048 to 8192-bit modulus and no private members; a
//! `kid` listed twice is dropped.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use oidc_protocol::{
    DiscoveryError, HttpUrl, Issuer, JwksError, KeyRejection, ProviderMetadata,
    rs256_verification_keys,
};
use reqwest::header::ACCEPT;

use crate::config::JwksSettings;
use crate::metrics::Counters;
use crate::rs256::Rs256Key;

/// Verification keys by `kid`, decoded and checked once per JWKS fetch, not per request.
type KeySet = HashMap<String, Arc<Rs256Key>>;

/// Why keys could not be fetched.
#[derive(Debug, thiserror::Error)]
pub(crate) enum JwksFetchError {
    /// Connecting, sending or reading failed (including the timeout).
    #[error("jwks request failed")]
    Request(#[from] reqwest::Error),
    /// The server answered with a non-success status.
    #[error("jwks request answered {0}")]
    Status(reqwest::StatusCode),
    /// The body is larger than the configured bound.
    #[error("jwks response exceeds {0} bytes")]
    TooLarge(usize),
    /// The body is not a usable JWKS.
    #[error("jwks document rejected")]
    Document(#[from] JwksError),
    /// No HTTP client with the required timeouts and redirect policy could be built.
    #[error("no http client for jwks requests")]
    NoClient,
}

/// Why no key could be found for a `kid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum KeyLookupError {
    /// The issuer's current JWKS does not have this `kid`.
    #[error("unknown key id")]
    UnknownKeyId,
    /// The key is not cached, or past the trust limit, and the last fetch failed.
    #[error("signing keys unavailable")]
    Unavailable,
}

/// Whether a validator's signing keys can verify a token now: what a readiness check reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyStatus {
    /// No JWKS fetch has succeeded yet.
    NeverFetched,
    /// Keys from a successful fetch within the trust limit ([`JwksSettings::trust_limit`]),
    /// possibly past `max_age` while refetches fail.
    Usable,
    /// The last successful fetch is older than the trust limit: tokens that need a key are
    /// answered 503 until a fetch succeeds.
    Expired,
}

impl KeyStatus {
    /// `never_fetched`, `usable` or `expired`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::NeverFetched => "never_fetched",
            KeyStatus::Usable => "usable",
            KeyStatus::Expired => "expired",
        }
    }
}

struct RefreshState {
    last_attempt: Option<Instant>,
    last_failed: bool,
    jwks_url: Option<String>,
}

impl RefreshState {
    fn outcome(&self) -> KeyLookupError {
        if self.last_failed {
            KeyLookupError::Unavailable
        } else {
            KeyLookupError::UnknownKeyId
        }
    }

    fn is_rate_limited(&self, settings: &JwksSettings) -> bool {
        self.last_attempt
            .is_some_and(|last| last.elapsed() < settings.refetch_interval)
    }
}

/// A verification key and until when it may be relied on.
#[derive(Clone)]
pub(crate) struct TrustedKey {
    pub(crate) key: Arc<Rs256Key>,
    /// The end of the trust limit of the fetch it came from; `None` when that is too far ahead
    /// for the clock to represent.
    pub(crate) trusted_until: Option<Instant>,
}

/// The key set of the last successful fetch.
struct CachedKeys {
    keys: KeySet,
    /// `None` until the first successful fetch (the set is then empty).
    fetched_at: Option<Instant>,
}

impl CachedKeys {
    /// The key for `kid` with the trust limit of this set, whatever its age.
    fn trusted(&self, kid: &str, settings: &JwksSettings) -> Option<TrustedKey> {
        let fetched_at = self.fetched_at?;
        Some(TrustedKey {
            key: Arc::clone(self.keys.get(kid)?),
            trusted_until: fetched_at.checked_add(settings.trust_limit),
        })
    }
}

/// How far keys fetched at some instant are along their life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyAge {
    /// Younger than `max_age` (and the trust limit): used as they are.
    Fresh,
    /// Past `max_age` but within the trust limit: refetched before use, used if that fails.
    Stale,
    /// Past the trust limit: never used.
    Untrusted,
}

fn key_age(fetched_at: Instant, now: Instant, settings: &JwksSettings) -> KeyAge {
    let age = now.saturating_duration_since(fetched_at);
    if age >= settings.trust_limit {
        KeyAge::Untrusted
    } else if age >= settings.max_age {
        KeyAge::Stale
    } else {
        KeyAge::Fresh
    }
}

/// A cache lookup: a key by its age, or none.
enum Cached {
    Fresh(TrustedKey),
    Stale(TrustedKey),
    Untrusted,
    Missing,
}

/// The cached key set of one issuer.
pub(crate) struct JwksCache {
    shared: Arc<KeySource>,
}

/// What the fetch task and the requests share.
struct KeySource {
    issuer: Issuer,
    settings: JwksSettings,
    /// `None` when the client could not be built: keys are then unavailable (503), rather than
    /// fetched by a client without timeouts that follows redirects.
    client: Option<reqwest::Client>,
    keys: RwLock<Arc<CachedKeys>>,
    /// Bumped after every completed fetch, so a waiter can tell that it shared one.
    fetches_completed: AtomicU64,
    refresh: tokio::sync::Mutex<RefreshState>,
    counters: Arc<Counters>,
}

impl JwksCache {
    /// An empty cache; nothing is fetched until a key is first needed. Fetches are counted in
    /// `counters`.
    pub(crate) fn new(issuer: Issuer, settings: JwksSettings, counters: Arc<Counters>) -> Self {
        let client = reqwest::Client::builder()
            .timeout(settings.fetch_timeout)
            .connect_timeout(settings.fetch_timeout)
            // The JWKS location is fixed by the issuer; following redirects would let anyone
            // who can answer that URL point us elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!(
                env!("CARGO_PKG_NAME"),
                "/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .inspect_err(
                |error| tracing::error!(error = %error, "cannot build the jwks http client"),
            )
            .ok();
        let shared = Arc::new(KeySource {
            issuer,
            settings,
            client,
            keys: RwLock::new(Arc::new(CachedKeys {
                keys: KeySet::new(),
                fetched_at: None,
            })),
            fetches_completed: AtomicU64::new(0),
            refresh: tokio::sync::Mutex::new(RefreshState {
                last_attempt: None,
                last_failed: false,
                jwks_url: None,
            }),
            counters,
        });
        Self { shared }
    }

    /// The verification key for `kid`, fetching the JWKS when it is not cached or stale.
    ///
    /// # Errors
    /// [`KeyLookupError::UnknownKeyId`] when the issuer does not list the key,
    /// [`KeyLookupError::Unavailable`] when it is not cached (or past the trust limit) and the
    /// issuer cannot be reached.
    pub(crate) async fn key(&self, kid: &str) -> Result<TrustedKey, KeyLookupError> {
        let stale = match self.shared.cached(kid) {
            Cached::Fresh(key) => return Ok(key),
            Cached::Stale(key) => Some(key),
            Cached::Untrusted | Cached::Missing => None,
        };
        if let Some(key) = &stale
            && self.shared.refresh.try_lock().is_err()
        {
            // A fetch is already under way: rather than queue every request behind an issuer
            // that may be slow to answer, use the key in hand this once.
            return Ok(key.clone());
        }
        let fetches_before = self.shared.fetches_completed.load(Ordering::Acquire);
        let shared = Arc::clone(&self.shared);
        let kid = kid.to_owned();
        // Dropping the handle (this request is cancelled) detaches the task; it still finishes
        // the fetch and stores the keys for everyone else.
        tokio::spawn(async move { shared.refreshed_key(&kid, fetches_before).await })
            .await
            .unwrap_or_else(|_| stale.ok_or(KeyLookupError::Unavailable))
    }

    /// Whether the keys in hand could verify a token now; never fetches.
    pub(crate) fn status(&self) -> KeyStatus {
        self.shared.status(Instant::now())
    }

    /// Time since the last successful fetch; `None` before the first.
    pub(crate) fn age(&self) -> Option<Duration> {
        self.shared.current().fetched_at.map(|at| at.elapsed())
    }

    /// As [`JwksCache::status`], after one fetch when the keys are not usable (never fetched,
    /// or past the trust limit) and no fetch was attempted within the refetch interval.
    pub(crate) async fn checked_status(&self) -> KeyStatus {
        if self.status() == KeyStatus::Usable {
            return KeyStatus::Usable;
        }
        let shared = Arc::clone(&self.shared);
        // In a task of its own for the reason given in `key`; a failed task is a failed fetch.
        let _ = tokio::spawn(async move { shared.refresh_unusable().await }).await;
        self.status()
    }
}

impl KeySource {
    fn current(&self) -> Arc<CachedKeys> {
        Arc::clone(&self.keys.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn cached(&self, kid: &str) -> Cached {
        let cached = self.current();
        let (Some(fetched_at), Some(key)) =
            (cached.fetched_at, cached.trusted(kid, &self.settings))
        else {
            return Cached::Missing;
        };
        match key_age(fetched_at, Instant::now(), &self.settings) {
            KeyAge::Fresh => Cached::Fresh(key),
            KeyAge::Stale => Cached::Stale(key),
            KeyAge::Untrusted => Cached::Untrusted,
        }
    }

    fn status(&self, now: Instant) -> KeyStatus {
        match self.current().fetched_at {
            None => KeyStatus::NeverFetched,
            Some(at) if key_age(at, now, &self.settings) == KeyAge::Untrusted => KeyStatus::Expired,
            Some(_) => KeyStatus::Usable,
        }
    }

    /// The key in hand for `kid` without a fetch: a stale key is still better than none
    /// (never a 503 for it), but a key past the trust limit is never used.
    fn in_hand(&self, kid: &str, state: &RefreshState) -> Result<TrustedKey, KeyLookupError> {
        match self.cached(kid) {
            Cached::Fresh(key) | Cached::Stale(key) => Ok(key),
            Cached::Untrusted => Err(KeyLookupError::Unavailable),
            Cached::Missing => Err(state.outcome()),
        }
    }

    /// The key for `kid` after at most one fetch, shared with the requests that missed while
    /// `fetches_completed` was still `fetches_before`.
    async fn refreshed_key(
        &self,
        kid: &str,
        fetches_before: u64,
    ) -> Result<TrustedKey, KeyLookupError> {
        let mut state = self.refresh.lock().await;
        if let Cached::Fresh(key) = self.cached(kid) {
            return Ok(key);
        }
        if self.fetches_completed.load(Ordering::Acquire) != fetches_before {
            // Someone fetched while this request waited: that was this request's one fetch.
            return self.in_hand(kid, &state);
        }
        if state.is_rate_limited(&self.settings) {
            return self.in_hand(kid, &state);
        }
        match self.fetch_and_store(&mut state).await {
            // Straight from the set just fetched, which is trusted whatever its age by now.
            Some(keys) => keys
                .trusted(kid, &self.settings)
                .ok_or(KeyLookupError::UnknownKeyId),
            None => self.in_hand(kid, &state),
        }
    }

    /// One fetch for a readiness check, unless the keys are usable or a fetch was attempted
    /// within the refetch interval.
    async fn refresh_unusable(&self) {
        let mut state = self.refresh.lock().await;
        if self.status(Instant::now()) == KeyStatus::Usable || state.is_rate_limited(&self.settings)
        {
            return;
        }
        self.fetch_and_store(&mut state).await;
    }

    /// Fetches the JWKS and, when it has usable keys, makes them the cached set, which it
    /// returns; `None` when the fetch failed and the keys in hand stay.
    async fn fetch_and_store(&self, state: &mut RefreshState) -> Option<Arc<CachedKeys>> {
        state.last_attempt = Some(Instant::now());
        // Counted as failed until it succeeds, so a fetch abandoned half-way (the runtime shut
        // down) leaves the waiters answering 503 rather than "unknown key".
        state.last_failed = true;
        let fetched = match self.fetch(state).await {
            Ok(keys) => {
                tracing::info!(keys = keys.len(), "jwks refreshed");
                let cached = Arc::new(CachedKeys {
                    keys,
                    fetched_at: Some(Instant::now()),
                });
                *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::clone(&cached);
                state.last_failed = false;
                Some(cached)
            }
            Err(error) => {
                tracing::warn!(error = %error, cause = ?std::error::Error::source(&error), "jwks fetch failed; keeping the cached keys");
                None
            }
        };
        self.counters.count_jwks_fetch(fetched.is_some());
        self.fetches_completed.fetch_add(1, Ordering::Release);
        fetched
    }

    async fn fetch(&self, state: &mut RefreshState) -> Result<KeySet, JwksFetchError> {
        let jwks_url = match &state.jwks_url {
            Some(url) => url.clone(),
            None => {
                let (url, settled) = self.discover().await;
                if settled {
                    state.jwks_url = Some(url.clone());
                }
                url
            }
        };
        let body = self.get_bounded(&jwks_url).await?;
        Ok(key_set(&body)?)
    }

    /// The JWKS URL: the provider metadata's `jwks_uri` when its `issuer` matches ours exactly
    /// (OpenID Connect Discovery 1.0 section 4.3), otherwise `<issuer>.well-known/jwks.json`.
    /// The second value says whether the answer is final or discovery should be tried again at
    /// the next fetch (the issuer was unreachable, overloaded or answered garbage).
    async fn discover(&self) -> (String, bool) {
        let fallback = self.issuer.default_jwks_url();
        match self.get_bounded(&self.issuer.discovery_url()).await {
            Ok(body) => match serde_json::from_slice::<ProviderMetadata>(&body) {
                Ok(metadata) => match metadata.check_issuer(&self.issuer) {
                    Ok(()) if is_acceptable_jwks_url(&metadata.jwks_uri) => {
                        (metadata.jwks_uri, true)
                    }
                    Ok(()) => {
                        tracing::warn!(
                            "discovery jwks_uri is not an acceptable url; using the default location"
                        );
                        (fallback, true)
                    }
                    Err(DiscoveryError::IssuerMismatch { found }) => {
                        tracing::warn!(
                            found = ?found,
                            "discovery document names another issuer; using the default jwks location"
                        );
                        (fallback, true)
                    }
                },
                // A maintenance page, a truncated answer or a document without the members
                // Discovery 1.0 section 3 requires says nothing lasting.
                Err(_) => (fallback, false),
            },
            // Only "there is no such document" is final; a 5xx or 429 is asked again next time.
            Err(JwksFetchError::Status(status))
                if status == reqwest::StatusCode::NOT_FOUND
                    || status == reqwest::StatusCode::GONE =>
            {
                (fallback, true)
            }
            Err(_) => (fallback, false),
        }
    }

    async fn get_bounded(&self, url: &str) -> Result<Vec<u8>, JwksFetchError> {
        let max = self.settings.max_bytes;
        let client = self.client.as_ref().ok_or(JwksFetchError::NoClient)?;
        let mut response = client
            .get(url)
            .header(ACCEPT, "application/json")
            .send()
            .await?;
        if !response.status().is_success() {
            return Err(JwksFetchError::Status(response.status()));
        }
        if response
            .content_length()
            .is_some_and(|length| length > max as u64)
        {
            return Err(JwksFetchError::TooLarge(max));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > max {
                return Err(JwksFetchError::TooLarge(max));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// The verification keys of a JWKS document. Skipped keys are logged with their `kid`, as a
/// warning when the issuer is likely misconfigured: a published private key (anyone can forge
/// tokens with it), a weak or oversized modulus, an ambiguous `kid`.
///
/// # Errors
/// [`JwksError`] when the document is broken or has no usable key, so that the caller keeps the
/// keys it already has.
fn key_set(document: &[u8]) -> Result<KeySet, JwksError> {
    let found = rs256_verification_keys(document)?;
    for (kid, reason) in &found.skipped {
        match reason {
            KeyRejection::PrivateKeyMaterial
            | KeyRejection::ModulusSize
            | KeyRejection::DuplicateKeyId => {
                tracing::warn!(kid = ?kid, reason = %reason, "ignoring a jwks key");
            }
            _ => tracing::debug!(kid = ?kid, reason = %reason, "ignoring a jwks key"),
        }
    }
    Ok(found
        .keys
        .iter()
        .map(|key| {
            let verification_key = Rs256Key::new(key.modulus(), key.exponent());
            (key.kid().to_owned(), Arc::new(verification_key))
        })
        .collect())
}

/// An `https` URL, or plain `http` to a loopback host, written in canonical form (lowercase
/// host, no default port) and without user information.
fn is_acceptable_jwks_url(url: &str) -> bool {
    HttpUrl::parse(url)
        .and_then(HttpUrl::require_secure_or_loopback)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use oidc_protocol::base64url;
    use serde_json::{Value, json};

    fn modulus(bits: usize) -> String {
        let mut bytes = vec![0xff_u8; bits / 8];
        bytes[0] = 0x80 | 0x01;
        base64url::encode(bytes)
    }

    fn rsa_key(kid: &str) -> Value {
        json!({"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": modulus(2048), "e": "AQAB"})
    }

    fn parse(value: Value) -> Result<KeySet, JwksError> {
        key_set(value.to_string().as_bytes())
    }

    #[test]
    fn only_keys_fit_for_rs256_verification_are_kept() {
        let mut encryption = rsa_key("enc");
        encryption["use"] = json!("enc");
        let mut other_alg = rsa_key("ps");
        other_alg["alg"] = json!("PS256");
        let mut small = rsa_key("small");
        small["n"] = json!(modulus(1024));
        let mut no_kid = rsa_key("x");
        no_kid.as_object_mut().map(|key| key.remove("kid"));
        let mut wrong_type = rsa_key("typed");
        wrong_type["alg"] = json!(256);
        let mut even_exponent = rsa_key("even");
        even_exponent["e"] = json!("AQAA");
        let mut private = rsa_key("private");
        private["d"] = json!("AQAB");
        // Read as a JWK, so every member it defines must have its JSON type.
        let mut odd_operations = rsa_key("ops");
        odd_operations["key_ops"] = json!(["verify", 1]);
        let mut odd_thumbprint = rsa_key("x5t");
        odd_thumbprint["x5t"] = json!(5);
        let ec = json!({"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"});
        let keys = parse(json!({"keys": [
            encryption, other_alg, small, no_kid, wrong_type, even_exponent, private,
            odd_operations, odd_thumbprint, ec,
            rsa_key("good"), rsa_key("dup"), rsa_key("dup"),
        ]}));
        assert_eq!(
            keys.map(|keys| keys.into_keys().collect::<Vec<_>>()),
            Ok(vec!["good".to_owned()])
        );
    }

    fn settings(max_age: u64, trust_limit: u64) -> JwksSettings {
        JwksSettings {
            max_age: Duration::from_secs(max_age),
            trust_limit: Duration::from_secs(trust_limit),
            ..JwksSettings::default()
        }
    }

    #[test]
    fn keys_are_fresh_then_stale_then_untrusted_at_the_trust_limit() {
        let settings = settings(600, 86_400);
        let fetched_at = Instant::now();
        let at = |seconds| {
            key_age(
                fetched_at,
                fetched_at + Duration::from_secs(seconds),
                &settings,
            )
        };
        assert_eq!(at(0), KeyAge::Fresh);
        assert_eq!(at(599), KeyAge::Fresh);
        assert_eq!(at(600), KeyAge::Stale);
        assert_eq!(at(86_399), KeyAge::Stale);
        assert_eq!(at(86_400), KeyAge::Untrusted);
        assert_eq!(at(10 * 86_400), KeyAge::Untrusted);
    }

    #[test]
    fn a_trust_limit_below_max_age_makes_keys_untrusted_without_a_stale_phase() {
        let settings = settings(600, 60);
        let fetched_at = Instant::now();
        let at = |seconds| {
            key_age(
                fetched_at,
                fetched_at + Duration::from_secs(seconds),
                &settings,
            )
        };
        assert_eq!(at(59), KeyAge::Fresh);
        assert_eq!(at(60), KeyAge::Untrusted);
    }

    #[test]
    fn a_trusted_key_carries_the_end_of_its_sets_trust_limit() {
        let settings = settings(600, 3_600);
        let fetched_at = Instant::now();
        let document = json!({"keys": [rsa_key("k1")]});
        let cached = CachedKeys {
            keys: parse(document).unwrap(),
            fetched_at: Some(fetched_at),
        };
        let key = cached.trusted("k1", &settings).unwrap();
        assert_eq!(
            key.trusted_until,
            Some(fetched_at + Duration::from_secs(3_600))
        );
        assert!(cached.trusted("k2", &settings).is_none());
        let unfetched = CachedKeys {
            keys: cached.keys.clone(),
            fetched_at: None,
        };
        assert!(unfetched.trusted("k1", &settings).is_none());
    }

    #[test]
    fn modulus_size_ignores_leading_zero_bytes() {
        let mut padded = vec![0_u8; 4];
        padded.extend(vec![0x01_u8; 2048 / 8]);
        let mut key = rsa_key("padded");
        key["n"] = json!(base64url::encode(padded));
        assert_eq!(
            parse(json!({"keys": [key]})).err(),
            Some(JwksError::NoUsableKeys)
        );
    }
}
