//! SQLite: the journals this process read last, each checked against the file at every read
//! by reading only what was appended since.
//!
//! A case's page and each step of a form rebuild the case from its journal, and a journal
//! only grows (triggers refuse to update or delete an event; `seq` starts at 1 without gaps).
//! So a journal read before need not be decoded again: the next read asks for the events from
//! the last one kept onwards, decodes only the new ones, and checks that the last kept event is
//! still there, at the same time (a file replaced by an older copy shows as a missing or
//! different event: everything is read again). Another process writing the file (`guichet
//! worker`, a command) is seen at once, as with no cache: the check is a read of the file.
//! Decoding every event at every step made the form-step benchmark slower the longer a draft
//! was filled. PostgreSQL keeps journals its own way ([`crate::cache`]), since there each read is
//! a round trip.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use guichet_domain::Event;
use lru::LruCache;

/// Journals kept, the least recently read forgotten first.
const CAPACITY: usize = 2048;

#[derive(Debug)]
pub(crate) struct Journals {
    kept: Mutex<LruCache<String, Arc<Vec<Event>>>>,
}

impl Journals {
    pub(crate) fn new() -> Self {
        Journals {
            kept: Mutex::new(LruCache::new(
                NonZeroUsize::new(CAPACITY).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }

    pub(crate) fn get(&self, reference: &str) -> Option<Arc<Vec<Event>>> {
        self.kept.lock().ok()?.get(reference).cloned()
    }

    /// Keeps `events` as the journal of `reference`, unless a longer one is kept already (a
    /// read that finished later but started earlier).
    pub(crate) fn put(&self, reference: &str, events: Arc<Vec<Event>>) {
        if events.is_empty() {
            return;
        }
        if let Ok(mut kept) = self.kept.lock() {
            let longer = kept.peek(reference).is_some_and(|k| k.len() > events.len());
            if !longer {
                kept.put(reference.to_owned(), events);
            }
        }
    }
}
