//! The most recently used answers, at most a given number: query vectors ([`crate::semantic`])
//! and whole result lists ([`crate::SearchIndex::search`]). People ask the same few things
//! again and again (« carte d’identité », « acte de naissance »): a repeated query costs a
//! lookup, a new one the whole search.

use std::collections::HashMap;

#[derive(Debug)]
pub(crate) struct Recent<V> {
    entries: HashMap<String, (V, u64)>,
    clock: u64,
    capacity: usize,
}

impl<V: Clone> Recent<V> {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            entries: HashMap::new(),
            clock: 0,
            capacity,
        }
    }

    pub(crate) fn get(&mut self, key: &str) -> Option<V> {
        self.clock += 1;
        let clock = self.clock;
        self.entries.get_mut(key).map(|(v, used)| {
            *used = clock;
            v.clone()
        })
    }

    /// Keeps `value` for `key`, forgetting the least recently used entry when full.
    pub(crate) fn put(&mut self, key: &str, value: V) {
        if self.capacity == 0 {
            return;
        }
        if self.entries.len() >= self.capacity && !self.entries.contains_key(key) {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                self.entries.remove(&k);
            }
        }
        self.clock += 1;
        self.entries.insert(key.to_owned(), (value, self.clock));
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
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
