//! What the dashboard read from the rollups, kept per filter under the rollups' generation: a view repeated
//! before the next fold costs one small query (the generation and the pending deltas) instead of summing
//! thousands of rollup rows. A fold bumps the generation, which makes every entry of that database old.

use super::DashboardData;
use crate::domain::analytics::DashboardFilter;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

/// Entries kept at most; beyond, the cache starts again (filters are few; a full cache means many custom ranges).
const CAPACITY: usize = 512;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// The database's name: one process may serve several (the tests do).
    pub database: String,
    pub filter: DashboardFilter,
    /// Cause names are read in the page's language.
    pub zh: bool,
}

type Entries = HashMap<Key, (i64, Arc<DashboardData>)>;

static ENTRIES: LazyLock<Mutex<Entries>> = LazyLock::new(Mutex::default);

pub fn get(key: &Key, generation: i64) -> Option<Arc<DashboardData>> {
    let entries = ENTRIES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    entries.get(key).filter(|(g, _)| *g == generation).map(|(_, data)| data.clone())
}

pub fn put(key: Key, generation: i64, data: Arc<DashboardData>) {
    let mut entries = ENTRIES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if entries.len() >= CAPACITY {
        entries.clear();
    }
    entries.insert(key, (generation, data));
}
