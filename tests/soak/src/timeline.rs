//! What happened to the issuer during the run (keys published, outages) and what the load
//! generator saw (the first 200 for each key), shared by the schedule and every worker, so
//! each answer can be judged against the state it was sent in.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, Instant};

use crate::oracle::{self, KeyFacts, Micros, Outage, Rules};

/// Not yet happened.
const NEVER: u64 = u64::MAX;

/// The run's events, in microseconds since its start.
pub struct Timeline {
    start: Instant,
    published_at: Vec<AtomicU64>,
    published_count: AtomicUsize,
    first_accepted: Vec<AtomicU64>,
    outages: RwLock<Vec<Outage>>,
}

fn recorded(value: &AtomicU64) -> Option<Micros> {
    match value.load(Ordering::Acquire) {
        NEVER => None,
        at => Some(at),
    }
}

impl Timeline {
    /// A run starting now with `keys` issuer keys, the first of them published.
    pub fn new(keys: usize) -> Self {
        let timeline = Self {
            start: Instant::now(),
            published_at: (0..keys).map(|_| AtomicU64::new(NEVER)).collect(),
            published_count: AtomicUsize::new(0),
            first_accepted: (0..keys).map(|_| AtomicU64::new(NEVER)).collect(),
            outages: RwLock::new(Vec::new()),
        };
        timeline.publish_next();
        timeline
    }

    /// When the run started.
    pub fn started(&self) -> Instant {
        self.start
    }

    /// Microseconds since the start.
    pub fn now(&self) -> Micros {
        u64::try_from(self.start.elapsed().as_micros()).unwrap_or(NEVER - 1)
    }

    /// A timestamp as a duration since the start.
    pub fn offset(at: Micros) -> Duration {
        Duration::from_micros(at)
    }

    /// Records that the next key is published (call after the issuer serves it); returns its
    /// index.
    pub fn publish_next(&self) -> usize {
        let index = self.published_count.load(Ordering::Acquire);
        if let Some(slot) = self.published_at.get(index) {
            slot.store(self.now(), Ordering::Release);
            self.published_count.store(index + 1, Ordering::Release);
        }
        index
    }

    /// How many keys are published.
    pub fn published_count(&self) -> usize {
        self.published_count.load(Ordering::Acquire)
    }

    /// When key `index` was published.
    pub fn published_at(&self, index: usize) -> Option<Micros> {
        self.published_at.get(index).and_then(recorded)
    }

    /// Records the start of an outage (call before stopping the issuer).
    pub fn issuer_down(&self) {
        let now = self.now();
        self.outages
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Outage {
                down: now,
                up: None,
            });
    }

    /// Records the end of the outage (call once the issuer serves again); returns when.
    pub fn issuer_up(&self) -> Micros {
        let now = self.now();
        let mut outages = self.outages.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(outage) = outages.last_mut().filter(|outage| outage.up.is_none()) {
            outage.up = Some(now);
        }
        now
    }

    /// Every outage so far.
    pub fn outages(&self) -> Vec<Outage> {
        self.outages
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Records a 200 for a token of key `index` received at `at`.
    pub fn accepted(&self, index: usize, at: Micros) {
        if let Some(slot) = self.first_accepted.get(index) {
            slot.fetch_min(at, Ordering::AcqRel);
        }
    }

    /// When a token of key `index` was first answered 200.
    pub fn first_accepted(&self, index: usize) -> Option<Micros> {
        self.first_accepted.get(index).and_then(recorded)
    }

    /// The facts [`oracle::judge`] needs for a request naming `key`, sent at `sent` and
    /// answered at `received`.
    pub fn facts(
        &self,
        key: Option<usize>,
        sent: Micros,
        received: Micros,
        rules: &Rules,
    ) -> KeyFacts {
        let outages = self.outages.read().unwrap_or_else(PoisonError::into_inner);
        oracle::key_facts(
            key.and_then(|index| self.published_at(index)),
            key.and_then(|index| self.first_accepted(index)),
            &outages,
            sent,
            received,
            rules.window(),
        )
    }
}
