//! The most recently used answers, at most a given number: query vectors ([`crate::semantic`])
//! and whole result lists ([`crate::SearchIndex::search`]). People ask the same few things
//! again and again (« carte d’identité », « acte de naissance »): a repeated query costs a
//! lookup, a new one the whole search.

use std::num::NonZeroUsize;

use lru::LruCache;

/// The `lru` crate's map (also guichet-store's row cache), keyed by text, and keeping nothing
/// when made with no room.
#[derive(Debug)]
pub(crate) struct Recent<V> {
    entries: Option<LruCache<String, V>>,
}

impl<V: Clone> Recent<V> {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            entries: NonZeroUsize::new(capacity).map(LruCache::new),
        }
    }

    pub(crate) fn get(&mut self, key: &str) -> Option<V> {
        self.entries.as_mut()?.get(key).cloned()
    }

    /// Keeps `value` for `key`, forgetting the least recently used entry when full.
    pub(crate) fn put(&mut self, key: &str, value: V) {
        if let Some(entries) = self.entries.as_mut() {
            entries.put(key.to_owned(), value);
        }
    }

    pub(crate) fn clear(&mut self) {
        if let Some(entries) = self.entries.as_mut() {
            entries.clear();
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.as_ref().map_or(0, LruCache::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_is_forgotten_first() {
        let mut c = Recent::new(2);
        c.put("a", 1);
        c.put("b", 2);
        assert_eq!(c.get("a"), Some(1));
        c.put("c", 3);
        assert_eq!(c.get("b"), None, "b was the least recently used");
        assert_eq!(c.get("a"), Some(1));
        assert_eq!(c.get("c"), Some(3));
        c.put("c", 4);
        assert_eq!(c.len(), 2);
        assert_eq!(c.get("c"), Some(4));
        c.clear();
        assert_eq!(c.get("a"), None);
    }

    #[test]
    fn a_cache_of_no_entries_keeps_nothing() {
        let mut c = Recent::new(0);
        c.put("a", 1);
        assert_eq!(c.get("a"), None);
    }
}
