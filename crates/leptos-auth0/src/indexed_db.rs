//! The only module that touches IndexedDB: this library's database with one object store of
//! text values under text keys, opened for each operation and closed after it.
//!
//! IndexedDB holds what the tabs of an origin must agree on under the renewal lock, because its
//! reads are coherent across tabs: a transaction sees every transaction committed before it. In
//! Chromium a tab reading localStorage right after the lock changed hands got the previous
//! holder's stale value 30 times in 100; IndexedDB, 0 in 100.
//!
//! Every failure (no `indexedDB`, as with site data blocked or in some private modes; an open
//! that fails or is blocked; a request that fails) is an [`IndexedDbError`], never a panic. A
//! connection lives for one operation, so a test or another tab deleting the database is never
//! blocked by this one.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStore, IdbOpenDbRequest, IdbRequest, IdbTransactionMode};

/// The name of this library's database.
pub const DATABASE_NAME: &str = "leptos-auth0";
const STORE_NAME: &str = "records";
const VERSION: u32 = 1;

/// Why IndexedDB did not answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IndexedDbError {
    /// The browser offers no IndexedDB here (site data blocked, some private modes) or
    /// refused to open the database.
    #[error("indexeddb is unavailable")]
    Unavailable,
    /// Another tab holds the database open at an older version.
    #[error("the database is blocked by another tab")]
    Blocked,
    /// A transaction failed or was aborted (e.g. the disk is full).
    #[error("an indexeddb transaction failed")]
    Failed,
}

/// What [`update`] does with the value it found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Update {
    /// Leave it as it is.
    Keep,
    /// Store this value instead.
    Put(String),
    /// Remove it.
    Delete,
}

/// A promise and the functions that settle it.
fn deferred() -> Result<(Promise, Function, Function), IndexedDbError> {
    let mut settle = None;
    // The executor runs synchronously inside the constructor.
    let promise = Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
    let (resolve, reject) = settle.ok_or(IndexedDbError::Failed)?;
    Ok((promise, resolve, reject))
}

/// Waits for `target`'s `on<done>` event, failing on any of `failures`' events with the error
/// paired with it. The handlers are removed afterwards, so a late event finds none.
async fn until(
    target: &JsValue,
    done: &str,
    failures: &[(&str, IndexedDbError)],
) -> Result<(), IndexedDbError> {
    let (promise, resolve, reject) = deferred()?;
    let on_done = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
        let _ = resolve.call0(&JsValue::NULL);
    });
    let set = |name: &str, handler: &JsValue| {
        Reflect::set(target, &JsValue::from_str(name), handler).is_ok()
    };
    let mut handlers = Vec::new();
    let mut registered = set(done, on_done.as_ref());
    for (index, (name, _)) in failures.iter().enumerate() {
        let reject = reject.clone();
        let handler = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
            let _ = reject.call1(&JsValue::NULL, &JsValue::from(index as u32));
        });
        registered &= set(name, handler.as_ref());
        handlers.push(handler);
    }
    let outcome = if registered {
        JsFuture::from(promise).await
    } else {
        Err(JsValue::NULL)
    };
    for name in std::iter::once(done).chain(failures.iter().map(|(name, _)| *name)) {
        set(name, &JsValue::NULL);
    }
    drop((on_done, handlers));
    outcome.map(|_| ()).map_err(|index| {
        index
            .as_f64()
            .and_then(|index| failures.get(index as usize))
            .map_or(IndexedDbError::Failed, |(_, error)| *error)
    })
}

/// Opens the database, creating its object store the first time.
async fn open() -> Result<IdbDatabase, IndexedDbError> {
    let factory = web_sys::window()
        .and_then(|window| window.indexed_db().ok().flatten())
        .ok_or(IndexedDbError::Unavailable)?;
    let request: IdbOpenDbRequest = factory
        .open_with_u32(DATABASE_NAME, VERSION)
        .map_err(|_| IndexedDbError::Unavailable)?;
    let upgrade_target = request.clone();
    let on_upgrade = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
        let created = upgrade_target
            .result()
            .ok()
            .and_then(|database| database.dyn_into::<IdbDatabase>().ok())
            .filter(|database| !database.object_store_names().contains(STORE_NAME))
            .map(|database| database.create_object_store(STORE_NAME));
        if let Some(Err(_)) = created {
            // The open request then fails with the upgrade transaction's abort.
            if let Some(transaction) = upgrade_target.transaction() {
                let _ = transaction.abort();
            }
        }
    });
    let _ = Reflect::set(&request, &"onupgradeneeded".into(), on_upgrade.as_ref());
    let opened = until(
        &request,
        "onsuccess",
        &[
            ("onerror", IndexedDbError::Unavailable),
            ("onblocked", IndexedDbError::Blocked),
        ],
    )
    .await;
    let _ = Reflect::set(&request, &"onupgradeneeded".into(), &JsValue::NULL);
    drop(on_upgrade);
    opened?;
    request
        .result()
        .ok()
        .and_then(|database| database.dyn_into::<IdbDatabase>().ok())
        .ok_or(IndexedDbError::Failed)
}

/// Runs `operation` on the object store in a transaction of `mode` and waits until the
/// transaction has committed (for writes, until the data is durable as the browser sees it).
/// Not generic, so that it exists once in the download: `operation` leaves its results in
/// what it captures.
async fn in_transaction(
    mode: IdbTransactionMode,
    operation: &mut dyn FnMut(&IdbObjectStore) -> Result<(), JsValue>,
) -> Result<(), IndexedDbError> {
    let database = open().await?;
    let outcome = async {
        let transaction = database
            .transaction_with_str_and_mode(STORE_NAME, mode)
            .map_err(|_| IndexedDbError::Failed)?;
        let store = transaction
            .object_store(STORE_NAME)
            .map_err(|_| IndexedDbError::Failed)?;
        operation(&store).map_err(|_| IndexedDbError::Failed)?;
        until(
            &transaction,
            "oncomplete",
            &[
                ("onerror", IndexedDbError::Failed),
                ("onabort", IndexedDbError::Failed),
            ],
        )
        .await
    }
    .await;
    database.close();
    outcome
}

/// The text stored under `key`, if any. A value that is not text counts as none.
///
/// # Errors
/// [`IndexedDbError`] when the database cannot be read.
pub(crate) async fn get(key: &str) -> Result<Option<String>, IndexedDbError> {
    let mut request = None;
    in_transaction(IdbTransactionMode::Readonly, &mut |store| {
        request = Some(store.get(&JsValue::from_str(key))?);
        Ok(())
    })
    .await?;
    // The transaction completed, so its only request has succeeded.
    Ok(request
        .and_then(|request: IdbRequest| request.result().ok())
        .and_then(|value| value.as_string()))
}

/// Stores `value` under `key`.
///
/// # Errors
/// [`IndexedDbError`] when the write did not commit.
pub(crate) async fn put(key: &str, value: &str) -> Result<(), IndexedDbError> {
    in_transaction(IdbTransactionMode::Readwrite, &mut |store| {
        store
            .put_with_key(&JsValue::from_str(value), &JsValue::from_str(key))
            .map(drop)
    })
    .await
}

/// Removes whatever is stored under `key`.
///
/// # Errors
/// [`IndexedDbError`] when the removal did not commit.
pub(crate) async fn delete(key: &str) -> Result<(), IndexedDbError> {
    in_transaction(IdbTransactionMode::Readwrite, &mut |store| {
        store.delete(&JsValue::from_str(key)).map(drop)
    })
    .await
}

/// Reads `key` and, in the same read-write transaction, applies what `decide` makes of the
/// value found, so no other tab's transaction can come in between: a compare-and-set. Returns
/// whether the value was changed.
///
/// # Errors
/// [`IndexedDbError`] when the transaction did not commit; nothing was changed then.
pub(crate) async fn update(
    key: &str,
    decide: impl FnOnce(Option<String>) -> Update + 'static,
) -> Result<bool, IndexedDbError> {
    let changed = Rc::new(Cell::new(false));
    let changed_in_callback = Rc::clone(&changed);
    let key = JsValue::from_str(key);
    let mut decide = Some(decide);
    let mut pending = None;
    // The decision and the write happen inside the read's success callback, while the
    // transaction is still active: after an await it may already have committed.
    let outcome = in_transaction(IdbTransactionMode::Readwrite, &mut |store| {
        let read = store.get(&key)?;
        let (store, read_result, key) = (store.clone(), read.clone(), key.clone());
        let decide = decide.take();
        let changed = Rc::clone(&changed_in_callback);
        let on_read = Closure::once(move |_: JsValue| {
            let found = read_result
                .result()
                .ok()
                .and_then(|value| value.as_string());
            let written = match decide.map(|decide| decide(found)) {
                None | Some(Update::Keep) => return,
                Some(Update::Put(value)) => store.put_with_key(&JsValue::from_str(&value), &key),
                Some(Update::Delete) => store.delete(&key),
            };
            changed.set(written.is_ok());
        });
        read.set_onsuccess(Some(on_read.as_ref().unchecked_ref()));
        pending = Some((read, on_read));
        Ok(())
    })
    .await;
    if let Some((read, on_read)) = pending {
        read.set_onsuccess(None);
        drop(on_read);
    }
    outcome?;
    Ok(changed.get())
}
