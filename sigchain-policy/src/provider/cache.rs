//! A bounded map whose entries expire, sans-IO: the caller says what time it is.
//!
//! Every entry lives for the same time to live, so the oldest insertion is also the first to
//! expire: entries are kept in insertion order, expired ones are dropped from the front, and
//! when the map is full the oldest entry makes room for the new one.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::time::{Duration, Instant};

/// Values by key, each for `ttl` after it was inserted, at most `max_entries` of them.
#[derive(Debug)]
pub(crate) struct TtlCache<K, V> {
    ttl: Duration,
    max_entries: usize,
    entries: HashMap<K, Entry<V>>,
    /// Insertion number → key; the first is the oldest.
    order: BTreeMap<u64, K>,
    next: u64,
}

#[derive(Debug)]
struct Entry<V> {
    value: V,
    inserted: Instant,
    number: u64,
}

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    /// An empty cache; a zero `ttl` or `max_entries` keeps nothing.
    pub(crate) fn new(ttl: Duration, max_entries: usize) -> Self {
        TtlCache {
            ttl,
            max_entries,
            entries: HashMap::new(),
            order: BTreeMap::new(),
            next: 0,
        }
    }

    /// The value for `key` if it is still fresh at `now`; an expired one is dropped.
    pub(crate) fn get(&mut self, key: &K, now: Instant) -> Option<V> {
        let fresh = self
            .entries
            .get(key)
            .map(|entry| self.is_fresh(entry, now))?;
        if fresh {
            return self.entries.get(key).map(|entry| entry.value.clone());
        }
        self.remove(key);
        None
    }

    /// Keep `value` for `key` from `now` on (replacing what was there), first dropping expired
    /// entries and, if the cache is still full, the oldest ones.
    pub(crate) fn insert(&mut self, key: K, value: V, now: Instant) {
        if self.ttl.is_zero() || self.max_entries == 0 {
            return;
        }
        self.remove(&key);
        self.expire(now);
        while self.entries.len() >= self.max_entries {
            match self.order.pop_first() {
                Some((_, oldest)) => {
                    self.entries.remove(&oldest);
                }
                None => break,
            }
        }
        let number = self.next;
        self.next = self.next.wrapping_add(1);
        self.order.insert(number, key.clone());
        self.entries.insert(
            key,
            Entry {
                value,
                inserted: now,
                number,
            },
        );
    }

    /// How many entries are held (expired ones not yet dropped included).
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    fn is_fresh(&self, entry: &Entry<V>, now: Instant) -> bool {
        now.saturating_duration_since(entry.inserted) < self.ttl
    }

    fn remove(&mut self, key: &K) {
        if let Some(entry) = self.entries.remove(key) {
            self.order.remove(&entry.number);
        }
    }

    /// Drop expired entries from the front (the oldest insertions).
    fn expire(&mut self, now: Instant) {
        while let Some((&number, key)) = self.order.first_key_value() {
            let expired = self
                .entries
                .get(key)
                .is_none_or(|entry| !self.is_fresh(entry, now));
            if !expired {
                break;
            }
            if let Some(key) = self.order.remove(&number) {
                self.entries.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(60);

    #[test]
    fn entries_expire_after_the_ttl() {
        let start = Instant::now();
        let mut cache = TtlCache::new(TTL, 10);
        cache.insert("a", 1, start);
        assert_eq!(
            cache.get(&"a", start + TTL - Duration::from_millis(1)),
            Some(1)
        );
        assert_eq!(cache.get(&"a", start + TTL), None);
        assert_eq!(cache.len(), 0, "an expired entry is dropped when asked for");
    }

    #[test]
    fn a_full_cache_evicts_the_oldest_insertion() {
        let start = Instant::now();
        let mut cache = TtlCache::new(TTL, 3);
        for (i, key) in ["a", "b", "c"].into_iter().enumerate() {
            cache.insert(key, i, start + Duration::from_secs(i as u64));
        }
        // Reading does not make an entry younger: "a" is still the oldest.
        assert_eq!(cache.get(&"a", start), Some(0));
        cache.insert("d", 3, start + Duration::from_secs(3));
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.get(&"a", start + Duration::from_secs(3)), None);
        assert_eq!(cache.get(&"b", start + Duration::from_secs(3)), Some(1));
        // Re-inserting a key makes it the youngest.
        cache.insert("b", 10, start + Duration::from_secs(4));
        cache.insert("e", 4, start + Duration::from_secs(5));
        assert_eq!(cache.get(&"c", start + Duration::from_secs(5)), None);
        assert_eq!(cache.get(&"b", start + Duration::from_secs(5)), Some(10));
        assert_eq!(cache.len(), 3);
    }

    #[test]
    fn expired_entries_make_room_before_fresh_ones_are_evicted() {
        let start = Instant::now();
        let mut cache = TtlCache::new(TTL, 2);
        cache.insert("old", 0, start);
        cache.insert("young", 1, start + TTL / 2);
        cache.insert("new", 2, start + TTL);
        assert_eq!(cache.get(&"young", start + TTL), Some(1));
        assert_eq!(cache.get(&"new", start + TTL), Some(2));
    }

    #[test]
    fn a_zero_ttl_or_size_keeps_nothing() {
        let now = Instant::now();
        let mut no_time = TtlCache::new(Duration::ZERO, 10);
        no_time.insert("a", 1, now);
        assert_eq!(no_time.get(&"a", now), None);
        let mut no_room = TtlCache::new(TTL, 0);
        no_room.insert("a", 1, now);
        assert_eq!(no_room.len(), 0);
    }
}
