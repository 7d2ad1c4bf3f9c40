//! One holder at a time across every tab of the origin: the Web Locks API
//! (`navigator.locks.request`), or, where a browser lacks it, a lease in IndexedDB that expires,
//! so a tab that dies holding it blocks the others for at most [`LEASE_DURATION`].
//!
//! web-sys offers `LockManager` only behind `--cfg web_sys_unstable_apis`, so it is called here
//! through `js_sys::Reflect`, and the build needs no unstable flag.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::browser::now_ms;
use crate::indexed_db::{self, IndexedDbError, Update};
use crate::random::random_urlsafe;

/// How long a lease lasts: longer than anything done while holding it (a renewal's requests
/// each give up after [`crate::browser::REQUEST_TIMEOUT`]).
pub const LEASE_DURATION: Duration = Duration::from_secs(60);
/// How long a tab waits for a lease before giving up, so it can retry later.
pub const LEASE_PATIENCE: Duration = Duration::from_secs(75);

/// Which mechanism provides the lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockKind {
    /// `navigator.locks`: the browser queues the holders and frees the lock of a closed tab.
    WebLocks,
    /// A lease in IndexedDB, taken with a compare-and-set and expiring by itself.
    Lease,
}

/// Why the lock was not taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LockError {
    /// `navigator.locks` refused the request.
    #[error("the lock request was refused")]
    Refused,
    /// The lease store failed.
    #[error("the lease could not be taken")]
    Lease(#[from] IndexedDbError),
    /// Another holder kept the lease for longer than [`LEASE_PATIENCE`].
    #[error("the lock was not free in time")]
    Timeout,
}

/// `navigator.locks`, when this browser has it (it needs a secure context).
fn lock_manager() -> Option<JsValue> {
    let navigator = web_sys::window()?.navigator();
    let locks = Reflect::get(&navigator, &JsValue::from_str("locks")).ok()?;
    (!locks.is_undefined() && !locks.is_null()).then_some(locks)
}

/// The mechanism [`with_lock`] uses in this browser.
pub fn lock_kind() -> LockKind {
    if lock_manager().is_some() {
        LockKind::WebLocks
    } else {
        LockKind::Lease
    }
}

/// A body to run under the lock, boxed, so the locking code exists once in the download.
type Body<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// `body` as a [`Body`], and where its result is left.
fn boxed<'a, T: 'a>(body: impl Future<Output = T> + 'a) -> (Body<'a>, Rc<Cell<Option<T>>>) {
    let result = Rc::new(Cell::new(None));
    let slot = Rc::clone(&result);
    (Box::pin(async move { slot.set(Some(body.await)) }), result)
}

/// Runs `body` while holding the lock `name`, waiting for it first. The lock is released when
/// `body` finishes, or when the returned future is dropped.
///
/// # Errors
/// [`LockError`] when the lock could not be taken; `body` did not run then.
pub async fn with_lock<T>(name: &str, body: impl Future<Output = T>) -> Result<T, LockError> {
    let (body, result) = boxed(body);
    match lock_manager() {
        Some(locks) => with_web_lock(&locks, name, body).await?,
        None => hold_lease(name, LEASE_DURATION, body).await?,
    }
    result.take().ok_or(LockError::Refused)
}

/// Settles a promise when dropped.
struct Settle(Function);

impl Drop for Settle {
    fn drop(&mut self) {
        let _ = self.0.call0(&JsValue::NULL);
    }
}

fn deferred() -> Option<(Promise, Function)> {
    let mut resolve = None;
    // The executor runs synchronously inside the constructor.
    let promise = Promise::new(&mut |resolve_with, _| resolve = Some(resolve_with));
    Some((promise, resolve?))
}

/// `navigator.locks.request(name, callback)`: the callback runs once the lock is granted, and
/// the lock is held until the promise it returns settles.
async fn with_web_lock(locks: &JsValue, name: &str, body: Body<'_>) -> Result<(), LockError> {
    let request: Function = Reflect::get(locks, &JsValue::from_str("request"))
        .ok()
        .and_then(|request| request.dyn_into().ok())
        .ok_or(LockError::Refused)?;
    let (granted, grant) = deferred().ok_or(LockError::Refused)?;
    let (held, release) = deferred().ok_or(LockError::Refused)?;
    // Created before waiting, so that a caller who gives up before the grant leaves behind an
    // already settled promise, and the lock is let go as soon as it is granted.
    let release = Settle(release);
    let on_granted = Closure::once_into_js(move |_lock: JsValue| -> JsValue {
        let _ = grant.call0(&JsValue::NULL);
        held.into()
    });
    let requested = request
        .call2(locks, &JsValue::from_str(name), &on_granted)
        .map_err(|_| LockError::Refused)?;
    // A refused request (e.g. a name starting with "-") rejects without granting.
    JsFuture::from(Promise::race(&js_sys::Array::of2(
        &granted,
        &Promise::resolve(&requested),
    )))
    .await
    .map_err(|_| LockError::Refused)?;
    body.await;
    drop(release);
    Ok(())
}

/// The lease as stored: `<owner>:<expiry in ms>`.
fn lease_text(owner: &str, expires_at_ms: u64) -> String {
    format!("{owner}:{expires_at_ms}")
}

/// The expiry of a stored lease; unreadable text counts as expired.
fn lease_expiry(text: &str) -> u64 {
    text.rsplit_once(':')
        .and_then(|(_, expiry)| expiry.parse().ok())
        .unwrap_or(0)
}

/// What a tab wanting a lease for `duration_ms` does with the one it found at `now_ms`.
fn take_lease(found: Option<&str>, owner: &str, now_ms: u64, duration_ms: u64) -> Update {
    match found {
        Some(text) if lease_expiry(text) > now_ms => Update::Keep,
        _ => Update::Put(lease_text(owner, now_ms.saturating_add(duration_ms))),
    }
}

/// What the holder does when it is done: remove its own lease, never another's.
fn give_back_lease(found: Option<&str>, owner: &str) -> Update {
    match found {
        Some(text)
            if text
                .rsplit_once(':')
                .is_some_and(|(holder, _)| holder == owner) =>
        {
            Update::Delete
        }
        _ => Update::Keep,
    }
}

fn lease_key(name: &str) -> String {
    format!("lease:{name}")
}

/// Gives the lease back when dropped, so a caller who gives up mid-way frees it too.
struct Lease {
    key: String,
    owner: String,
}

impl Drop for Lease {
    fn drop(&mut self) {
        let key = std::mem::take(&mut self.key);
        let owner = std::mem::take(&mut self.owner);
        wasm_bindgen_futures::spawn_local(async move {
            // A lease that cannot be given back expires by itself.
            let _ =
                indexed_db::update(&key, move |found| give_back_lease(found.as_deref(), &owner))
                    .await;
        });
    }
}

/// Runs `body` holding the lease `name` in IndexedDB for at most `duration`, the fallback of
/// [`with_lock`] where the browser has no Web Locks. While another holder's lease is live this
/// polls every 50 to 150 ms, for at most [`LEASE_PATIENCE`]. `body` must finish within
/// `duration`: after it, another tab may take the lease.
///
/// # Errors
/// [`LockError::Lease`] when IndexedDB fails, [`LockError::Timeout`] when the lease stayed
/// taken; `body` did not run then.
pub async fn with_lease<T>(
    name: &str,
    duration: Duration,
    body: impl Future<Output = T>,
) -> Result<T, LockError> {
    let (body, result) = boxed(body);
    hold_lease(name, duration, body).await?;
    result.take().ok_or(LockError::Refused)
}

async fn hold_lease(name: &str, duration: Duration, body: Body<'_>) -> Result<(), LockError> {
    let key = lease_key(name);
    let owner = random_urlsafe().map_err(|_| LockError::Refused)?;
    let duration_ms = duration.as_millis() as u64;
    let started = now_ms();
    loop {
        let wanted = owner.clone();
        let now = now_ms();
        let taken = indexed_db::update(&key, move |found| {
            take_lease(found.as_deref(), &wanted, now, duration_ms)
        })
        .await?;
        if taken {
            break;
        }
        if now_ms().saturating_sub(started) > LEASE_PATIENCE.as_millis() as u64 {
            return Err(LockError::Timeout);
        }
        // Spread out, so waiting tabs do not poll in step.
        let pause = 50 + (js_sys::Math::random() * 100.0) as u64;
        sleep(Duration::from_millis(pause)).await;
    }
    let lease = Lease { key, owner };
    body.await;
    drop(lease);
    Ok(())
}

/// Resolves after `duration`.
async fn sleep(duration: Duration) {
    let Some((promise, resolve)) = deferred() else {
        return;
    };
    leptos::prelude::set_timeout(
        move || {
            let _ = resolve.call0(&JsValue::NULL);
        },
        duration,
    );
    let _ = JsFuture::from(promise).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_free_or_expired_lease_is_taken_and_a_live_one_is_not() {
        let taken = |found: Option<&str>| take_lease(found, "me", 1_000, 60_000);
        assert_eq!(taken(None), Update::Put("me:61000".to_owned()));
        assert_eq!(taken(Some("other:999")), Update::Put("me:61000".to_owned()));
        assert_eq!(
            taken(Some("other:1000")),
            Update::Put("me:61000".to_owned())
        );
        assert_eq!(taken(Some("garbage")), Update::Put("me:61000".to_owned()));
        assert_eq!(taken(Some("other:1001")), Update::Keep);
    }

    #[test]
    fn a_holder_gives_back_only_its_own_lease() {
        assert_eq!(give_back_lease(Some("me:5"), "me"), Update::Delete);
        assert_eq!(give_back_lease(Some("other:5"), "me"), Update::Keep);
        assert_eq!(give_back_lease(Some("me-too:5"), "me"), Update::Keep);
        assert_eq!(give_back_lease(None, "me"), Update::Keep);
    }
}
