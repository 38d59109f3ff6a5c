//! The automatic persisted-query store: documents by SHA-256, bounded by count and by bytes,
//! least recently used out first (the `lru` crate keeps the order).

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use lru::LruCache;

/// Registered documents, bounded.
#[derive(Debug)]
pub struct ApqStore {
    inner: Mutex<Inner>,
    max_bytes: usize,
}

#[derive(Debug)]
struct Inner {
    docs: LruCache<String, Arc<str>>,
    bytes: usize,
}

impl ApqStore {
    /// A store of at most `max_entries` documents and `max_bytes` bytes of text.
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        let cap = NonZeroUsize::new(max_entries).unwrap_or(NonZeroUsize::MIN);
        Self {
            inner: Mutex::new(Inner {
                docs: LruCache::new(cap),
                bytes: 0,
            }),
            max_bytes,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves a consistent cache: keep serving it.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The document stored under `sha256`, marked as recently used.
    pub fn get(&self, sha256: &str) -> Option<Arc<str>> {
        self.lock().docs.get(sha256).cloned()
    }

    /// Stores `text` under `sha256`, dropping the least recently used documents while the
    /// store holds too many or too many bytes. A text larger than the byte bound is not kept.
    pub fn insert(&self, sha256: String, text: Arc<str>) {
        if text.len() > self.max_bytes {
            return;
        }
        let mut inner = self.lock();
        let added = text.len();
        if let Some((_, old)) = inner.docs.push(sha256, text) {
            inner.bytes = inner.bytes.saturating_sub(old.len());
        }
        inner.bytes += added;
        while inner.bytes > self.max_bytes {
            match inner.docs.pop_lru() {
                Some((_, old)) => inner.bytes = inner.bytes.saturating_sub(old.len()),
                None => break,
            }
        }
    }

    /// How many documents and bytes the store holds.
    #[cfg(test)]
    pub fn usage(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.docs.len(), inner.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(n: usize, len: usize) -> (String, Arc<str>) {
        (format!("h{n}"), "x".repeat(len).into())
    }

    #[test]
    fn the_least_recently_used_document_goes_first_when_the_count_is_full() {
        let store = ApqStore::new(2, 1_000);
        for n in 0..2 {
            let (h, t) = doc(n, 10);
            store.insert(h, t);
        }
        assert!(store.get("h0").is_some(), "h0 is now the most recent");
        let (h, t) = doc(2, 10);
        store.insert(h, t);
        assert!(store.get("h1").is_none(), "h1 was least recently used");
        assert!(store.get("h0").is_some() && store.get("h2").is_some());
        assert_eq!(store.usage(), (2, 20));
    }

    #[test]
    fn the_byte_bound_holds_whatever_the_count() {
        let store = ApqStore::new(100, 250);
        for n in 0..10 {
            let (h, t) = doc(n, 100);
            store.insert(h, t);
        }
        assert_eq!(store.usage(), (2, 200));
        assert!(store.get("h9").is_some() && store.get("h8").is_some());
        let (h, t) = doc(99, 251);
        store.insert(h, t);
        assert!(store.get("h99").is_none(), "too large to keep");
        // Storing the same hash again does not count its bytes twice.
        let (h, t) = doc(9, 100);
        store.insert(h, t);
        assert_eq!(store.usage(), (2, 200));
    }
}
