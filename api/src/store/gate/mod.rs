//! Every connection the store takes from a pool passes a gate first: a semaphore with as many
//! permits as the pool has connections, one permit held for as long as the connection it
//! stands for (one statement, or a whole transaction).
//!
//! Why: sqlx counts no waiters and times an acquire only for a log line past a threshold, with
//! nothing in it to say which pool it was. The gate is where the store sees that every
//! connection of a pool was out: how many acquires wait now, and how long each waited. It lets
//! through exactly as many holders as the pool has connections, so it never holds back a
//! connection the pool could give, and a caller that waits here would have waited in sqlx.

mod held;
mod pool;
mod slot;

pub(crate) use held::HeldTx;
pub(crate) use pool::GatedPool;
pub(crate) use slot::{ObserverCell, PoolGate, Slot};
