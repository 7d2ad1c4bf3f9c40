//! A map whose entries expire, with a fixed capacity. Entries are indexed by expiry as well as
//! by key, so pruning visits only what has expired, soonest first, and a full map evicts the
//! entry closest to expiry (the oldest one, where entries share a lifetime). No operation scans
//! the live entries except [`ExpiringMap::remove_where`], which logout alone uses.

use std::collections::{BTreeMap, HashMap};

/// An entry and its place in the expiry index.
struct Slot<V> {
    value: V,
    expires_at: u64,
    sequence: u64,
}

/// Entries keyed by an opaque string, each with an expiry in seconds since the epoch, at most
/// `capacity` of them. An entry whose expiry is at or before `now` is treated as absent.
pub struct ExpiringMap<V> {
    entries: HashMap<String, Slot<V>>,
    /// `(expires_at, sequence)` to key; the sequence breaks ties in insertion order.
    by_expiry: BTreeMap<(u64, u64), String>,
    next_sequence: u64,
    capacity: usize,
}

impl<V> ExpiringMap<V> {
    /// An empty map holding at most `capacity` entries (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: HashMap::new(),
            by_expiry: BTreeMap::new(),
            next_sequence: 0,
            capacity: capacity.max(1),
        }
    }

    /// How many entries are stored, expired ones not yet pruned included.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes every entry that has expired at `now`, soonest first.
    pub fn prune(&mut self, now: u64) {
        while let Some(entry) = self.by_expiry.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let key = entry.remove();
            self.entries.remove(&key);
        }
    }

    /// Stores `value` under `key` until `expires_at`, replacing what `key` held. Expired entries
    /// are pruned first; if the map is still full, the entries closest to expiry make room.
    pub fn insert(&mut self, key: String, value: V, expires_at: u64, now: u64) {
        self.remove(&key);
        self.prune(now);
        while self.entries.len() >= self.capacity {
            let Some((_, evicted)) = self.by_expiry.pop_first() else {
                break;
            };
            self.entries.remove(&evicted);
        }
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        self.by_expiry.insert((expires_at, sequence), key.clone());
        self.entries.insert(
            key,
            Slot {
                value,
                expires_at,
                sequence,
            },
        );
    }

    /// The live entry under `key`.
    pub fn get(&self, key: &str, now: u64) -> Option<&V> {
        self.entries
            .get(key)
            .filter(|slot| slot.expires_at > now)
            .map(|slot| &slot.value)
    }

    /// The live entry under `key`, to change in place.
    pub fn get_mut(&mut self, key: &str, now: u64) -> Option<&mut V> {
        self.entries
            .get_mut(key)
            .filter(|slot| slot.expires_at > now)
            .map(|slot| &mut slot.value)
    }

    /// Moves the expiry of the entry under `key`, if there is one.
    pub fn set_expiry(&mut self, key: &str, expires_at: u64) {
        let Some(slot) = self.entries.get_mut(key) else {
            return;
        };
        if let Some(indexed) = self.by_expiry.remove(&(slot.expires_at, slot.sequence)) {
            self.by_expiry.insert((expires_at, slot.sequence), indexed);
        }
        slot.expires_at = expires_at;
    }

    /// Removes the entry under `key`, live or expired, with its expiry.
    pub fn remove_with_expiry(&mut self, key: &str) -> Option<(V, u64)> {
        let slot = self.entries.remove(key)?;
        self.by_expiry.remove(&(slot.expires_at, slot.sequence));
        Some((slot.value, slot.expires_at))
    }

    /// Removes the entry under `key`, live or expired.
    pub fn remove(&mut self, key: &str) -> Option<V> {
        self.remove_with_expiry(key).map(|(value, _)| value)
    }

    /// Removes every entry for which `doomed` is true and returns how many went. This visits
    /// every entry: it serves rare requests such as logout, never a per-request insert.
    pub fn remove_where(&mut self, mut doomed: impl FnMut(&V) -> bool) -> usize {
        let keys: Vec<String> = self
            .entries
            .iter()
            .filter(|(_, slot)| doomed(&slot.value))
            .map(|(key, _)| key.clone())
            .collect();
        for key in &keys {
            self.remove(key);
        }
        keys.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_absent_from_its_expiry_on() {
        let mut map = ExpiringMap::new(4);
        map.insert("a".to_owned(), 1, 100, 0);
        assert_eq!(map.get("a", 99), Some(&1));
        assert_eq!(map.get("a", 100), None);
        assert_eq!(map.get_mut("a", 100), None);
    }

    #[test]
    fn inserting_prunes_what_has_expired_and_keeps_the_rest() {
        let mut map = ExpiringMap::new(10);
        map.insert("early".to_owned(), 1, 10, 0);
        map.insert("late".to_owned(), 2, 1000, 0);
        map.insert("new".to_owned(), 3, 2000, 500);
        assert_eq!(map.len(), 2);
        assert_eq!(map.get("late", 500), Some(&2));
        assert_eq!(map.get("early", 5), None, "pruned, not merely hidden");
    }

    #[test]
    fn a_full_map_evicts_the_entry_closest_to_expiry() {
        let mut map = ExpiringMap::new(3);
        map.insert("second".to_owned(), 2, 200, 0);
        map.insert("first".to_owned(), 1, 100, 0);
        map.insert("third".to_owned(), 3, 300, 0);
        map.insert("fourth".to_owned(), 4, 400, 0);
        assert_eq!(map.len(), 3);
        assert_eq!(map.get("first", 0), None);
        for key in ["second", "third", "fourth"] {
            assert!(map.get(key, 0).is_some(), "{key}");
        }
    }

    #[test]
    fn entries_sharing_an_expiry_are_evicted_oldest_first() {
        let mut map = ExpiringMap::new(2);
        for key in ["a", "b", "c"] {
            map.insert(key.to_owned(), (), 100, 0);
        }
        assert_eq!(map.get("a", 0), None);
        assert!(map.get("b", 0).is_some() && map.get("c", 0).is_some());
    }

    #[test]
    fn replacing_a_key_does_not_leave_a_stale_index_entry() {
        let mut map = ExpiringMap::new(2);
        map.insert("a".to_owned(), 1, 100, 0);
        map.insert("a".to_owned(), 2, 500, 0);
        map.insert("b".to_owned(), 3, 600, 0);
        map.prune(200);
        assert_eq!(map.get("a", 200), Some(&2));
        assert_eq!(map.len(), 2);
    }

    #[test]
    fn a_moved_expiry_is_what_pruning_follows() {
        let mut map = ExpiringMap::new(4);
        map.insert("a".to_owned(), 1, 100, 0);
        map.set_expiry("a", 1000);
        map.prune(500);
        assert_eq!(map.get("a", 500), Some(&1));
        map.set_expiry("a", 600);
        map.prune(700);
        assert!(map.is_empty());
    }

    #[test]
    fn remove_where_removes_exactly_the_matching_entries() {
        let mut map = ExpiringMap::new(8);
        for (key, value) in [("a", 1), ("b", 2), ("c", 1)] {
            map.insert(key.to_owned(), value, 100, 0);
        }
        assert_eq!(map.remove_where(|value| *value == 1), 2);
        assert_eq!(map.len(), 1);
        assert_eq!(map.get("b", 0), Some(&2));
        map.prune(1000);
        assert!(map.is_empty(), "the index holds nothing removed");
    }
}
