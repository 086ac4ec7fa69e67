//! What the dashboard read (and what the page made of it), kept under the version of the figures it was read at
//! (see `services::analytics::Version`): a view repeated before anything changed costs one small query instead of
//! summing thousands of rollup rows. After a fold the dashboard brings an entry forward with the deltas folded
//! since (see `services::analytics::dashboard`).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// Entries kept at most; beyond, the cache starts again (views are few: a full cache means many custom ranges).
const CAPACITY: usize = 64;

/// Each value with the version it is valid for.
type Entries<K, G, V> = HashMap<K, (G, Arc<V>)>;

/// Values by key, each valid for one version `G` (a later version is a greater one).
pub struct VersionCache<K, V, G = i64> {
    entries: Mutex<Option<Entries<K, G, V>>>,
}

impl<K: Hash + Eq, V, G: Copy + Ord> VersionCache<K, V, G> {
    pub const fn new() -> Self {
        VersionCache { entries: Mutex::new(None) }
    }

    /// The value kept for `key` if it is valid for `generation`.
    pub fn get(&self, key: &K, generation: G) -> Option<Arc<V>> {
        self.latest(key).filter(|(g, _)| *g == generation).map(|(_, value)| value)
    }

    /// The value kept for `key` with the version it is valid for, however old.
    pub fn latest(&self, key: &K) -> Option<(G, Arc<V>)> {
        let entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.as_ref()?.get(key).map(|(g, value)| (*g, value.clone()))
    }

    /// Keeps `value` for `key` unless a newer version's is kept already (requests finish in any order).
    pub fn put(&self, key: K, generation: G, value: Arc<V>) {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let entries = entries.get_or_insert_with(HashMap::new);
        if entries.get(&key).is_some_and(|(kept, _)| *kept > generation) {
            return;
        }
        if entries.len() >= CAPACITY && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, (generation, value));
    }
}

impl<K: Hash + Eq, V, G: Copy + Ord> Default for VersionCache<K, V, G> {
    fn default() -> Self {
        Self::new()
    }
}

/// One turn per key: the first request to need a value computes it while the others with the same key wait for
/// their turn and then find it made.
pub struct Turns<K> {
    gates: Mutex<Option<HashMap<K, Arc<tokio::sync::Mutex<()>>>>>,
}

impl<K: Hash + Eq + Clone> Turns<K> {
    pub const fn new() -> Self {
        Turns { gates: Mutex::new(None) }
    }

    /// The gate of `key`: lock it for the turn.
    pub fn gate(&self, key: &K) -> Arc<tokio::sync::Mutex<()>> {
        let mut gates = self.gates.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let gates = gates.get_or_insert_with(HashMap::new);
        if gates.len() >= CAPACITY {
            // Gates nobody holds or waits at.
            gates.retain(|_, gate| Arc::strong_count(gate) > 1);
        }
        gates.entry(key.clone()).or_default().clone()
    }
}

impl<K: Hash + Eq + Clone> Default for Turns<K> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_serves_its_own_generation_and_is_not_replaced_by_an_older_one() {
        let cache: VersionCache<&str, u32> = VersionCache::new();
        cache.put("view", 5, Arc::new(50));
        assert_eq!(cache.get(&"view", 5).as_deref(), Some(&50));
        assert_eq!(cache.get(&"view", 6), None, "a newer generation needs the figures brought forward");
        assert_eq!(cache.latest(&"view").map(|(g, v)| (g, *v)), Some((5, 50)));
        cache.put("view", 4, Arc::new(40));
        assert_eq!(cache.latest(&"view").map(|(g, v)| (g, *v)), Some((5, 50)), "a slower, older read lost");
        cache.put("view", 6, Arc::new(60));
        assert_eq!(cache.get(&"view", 6).as_deref(), Some(&60));
    }

    #[tokio::test]
    async fn requests_for_one_key_take_turns_and_other_keys_do_not_wait() {
        let turns: Turns<&str> = Turns::new();
        let gate = turns.gate(&"view");
        let _turn = gate.lock().await;
        assert!(turns.gate(&"view").try_lock().is_err(), "the same view waits for the turn");
        assert!(turns.gate(&"other").try_lock().is_ok(), "another view does not");
    }
}
