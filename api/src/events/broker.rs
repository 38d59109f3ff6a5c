//! The broker: one per process, it follows the published event stream (polling
//! [`Store::published_after`] from [`Store::last_published_seq`]) and fans every event out
//! to the open subscriptions of this process through bounded channels. A subscriber whose
//! channel is full is dropped (its feed ends with [`FeedEnded::TooSlow`]) rather than
//! buffered without limit. The follower runs only while someone subscribes, and stops after
//! a short idle grace period.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, mpsc};

use super::Event;
use crate::store::{Store, StoreError};

/// Most events read from the outbox at once.
const BATCH: u64 = 500;
/// The pause between two slices of a burst, for subscribers to drain their buffers.
const SLICE_PAUSE: Duration = Duration::from_millis(2);
/// How long the follower keeps going with no subscriber before it stops.
const IDLE_STOP: Duration = Duration::from_secs(30);

/// Follows the published stream for this process's subscriptions. Cheap to clone.
#[derive(Clone)]
pub struct Broker {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broker")
            .field("live", &self.live())
            .finish_non_exhaustive()
    }
}

struct Inner {
    store: Store,
    buffer: usize,
    poll: Duration,
    state: Mutex<State>,
    next_id: AtomicU64,
    /// Subscriptions that are listening (see [`Broker::live`]).
    live: AtomicUsize,
}

#[derive(Default)]
struct State {
    subscribers: HashMap<u64, Subscriber>,
    running: bool,
}

struct Subscriber {
    tx: mpsc::Sender<Arc<Event>>,
    slow: Arc<AtomicBool>,
}

/// Why a feed ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FeedEnded {
    /// The subscriber did not keep up: its buffer filled and it was dropped.
    #[error("too slow: the subscriber did not keep up with the event stream and was dropped")]
    TooSlow,
    /// The broker stopped.
    #[error("the event stream stopped")]
    Stopped,
}

/// One subscriber's view of the stream: every event published after [`Broker::subscribe`]
/// returned, in publication order.
#[derive(Debug)]
pub struct Feed {
    rx: mpsc::Receiver<Arc<Event>>,
    slow: Arc<AtomicBool>,
}

impl Feed {
    /// The next event.
    ///
    /// # Errors
    /// The feed ended: the subscriber was too slow, or the broker stopped.
    pub async fn next(&mut self) -> Result<Arc<Event>, FeedEnded> {
        match self.rx.recv().await {
            Some(event) => Ok(event),
            None if self.slow.load(Ordering::Acquire) => Err(FeedEnded::TooSlow),
            None => Err(FeedEnded::Stopped),
        }
    }
}

/// Counts one listening subscription while it lives (for `/metrics` and for tests that wait
/// until a subscription is listening before they make a change).
pub struct LiveGuard {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for LiveGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveGuard").finish_non_exhaustive()
    }
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        self.inner.live.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Broker {
    /// A broker over `store`, with `buffer` events per subscriber, looking at the outbox
    /// every `poll` while someone subscribes.
    pub fn new(store: Store, buffer: usize, poll: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                buffer: buffer.max(1),
                poll,
                state: Mutex::new(State::default()),
                next_id: AtomicU64::new(1),
                live: AtomicUsize::new(0),
            }),
        }
    }

    /// The database the broker follows.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Subscriptions of this process that are listening now.
    pub fn live(&self) -> usize {
        self.inner.live.load(Ordering::Acquire)
    }

    /// Marks one subscription as listening until the guard is dropped.
    pub fn live_guard(&self) -> LiveGuard {
        self.inner.live.fetch_add(1, Ordering::AcqRel);
        LiveGuard {
            inner: self.inner.clone(),
        }
    }

    /// A new feed of every event published from now on. Starts the follower when it is not
    /// running (it first reads where the stream stands, so no event published after this
    /// returns is missed).
    ///
    /// # Errors
    /// The database could not be read to start the follower.
    pub async fn subscribe(&self) -> Result<Feed, StoreError> {
        let mut state = self.inner.state.lock().await;
        if !state.running {
            let cursor = self.inner.store.last_published_seq().await?;
            state.running = true;
            tokio::spawn(follow(self.inner.clone(), cursor));
        }
        let (tx, rx) = mpsc::channel(self.inner.buffer);
        let slow = Arc::new(AtomicBool::new(false));
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        state.subscribers.insert(
            id,
            Subscriber {
                tx,
                slow: slow.clone(),
            },
        );
        Ok(Feed { rx, slow })
    }
}

/// The follower: reads what was published after `cursor` and hands it to every subscriber.
async fn follow(inner: Arc<Inner>, mut cursor: i64) {
    let mut idle_since = Instant::now();
    // Never read more than half a subscriber's buffer at once: a burst bigger than the buffer
    // is handed over in slices, with a pause between them in which subscribers drain, so only
    // a subscriber that really falls behind is dropped, not every one at the first burst.
    let limit = BATCH.min((inner.buffer as u64 / 2).max(1));
    loop {
        let batch = match inner.store.published_after(cursor, limit).await {
            Ok(batch) => batch,
            Err(err) => {
                tracing::warn!(error = %err, "the subscription broker could not read the outbox; retrying");
                Vec::new()
            }
        };
        let full = batch.len() as u64 >= limit;
        let mut state = inner.state.lock().await;
        state.subscribers.retain(|_, s| !s.tx.is_closed());
        for event in batch {
            cursor = cursor.max(event.seq);
            let event = Arc::new(event);
            state
                .subscribers
                .retain(|_, s| match s.tx.try_send(event.clone()) {
                    Ok(()) => true,
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        s.slow.store(true, Ordering::Release);
                        tracing::info!("a subscriber fell behind the event stream and was dropped");
                        false
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => false,
                });
        }
        if state.subscribers.is_empty() {
            if idle_since.elapsed() >= IDLE_STOP {
                state.running = false;
                return;
            }
        } else {
            idle_since = Instant::now();
        }
        drop(state);
        if full {
            tokio::time::sleep(SLICE_PAUSE).await;
        } else {
            tokio::time::sleep(inner.poll).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_buffer_ends_the_feed_as_too_slow() {
        let (tx, rx) = mpsc::channel(1);
        let slow = Arc::new(AtomicBool::new(true));
        drop(tx);
        let mut feed = Feed { rx, slow };
        assert_eq!(feed.next().await, Err(FeedEnded::TooSlow));
    }
}
