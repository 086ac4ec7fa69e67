//! What the dashboard read from the rollups (and what the page made of it), kept under the rollups' generation:
//! a view repeated before the next fold costs one small query (the generation and whether deltas wait) instead
//! of summing thousands of rollup rows. A fold bumps the generation, which makes every entry of that database old.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// Entries kept at most; beyond, the cache starts again (filters are few; a full cache means many custom ranges).
const CAPACITY: usize = 512;

/// Each value with the generation it is valid for.
type Entries<K, V> = HashMap<K, (i64, Arc<V>)>;

/// Values by key, each valid for one generation.
pub struct GenerationCache<K, V> {
    entries: Mutex<Option<Entries<K, V>>>,
}

impl<K: Hash + Eq, V> GenerationCache<K, V> {
    pub const fn new() -> Self {
        GenerationCache { entries: Mutex::new(None) }
    }

    pub fn get(&self, key: &K, generation: i64) -> Option<Arc<V>> {
        let entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.as_ref()?.get(key).filter(|(g, _)| *g == generation).map(|(_, value)| value.clone())
    }

    pub fn put(&self, key: K, generation: i64, value: Arc<V>) {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let entries = entries.get_or_insert_with(HashMap::new);
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(key, (generation, value));
    }
}

impl<K: Hash + Eq, V> Default for GenerationCache<K, V> {
    fn default() -> Self {
        Self::new()
    }
}
