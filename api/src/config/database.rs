//! Settings of the database pools and migrations.

use serde::{Deserialize, Serialize};

/// Database pools and migrations.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// Reader connections on SQLite; all connections on PostgreSQL. Defaults to
    /// [`default_pool_size`] of this machine's cores.
    pub pool_size: u32,
    /// How long a SQLite writer waits for the lock.
    pub busy_timeout_ms: u64,
    /// Apply pending migrations when the server starts.
    pub migrate_on_start: bool,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Self {
            pool_size: default_pool_size(cores),
            busy_timeout_ms: 5_000,
            migrate_on_start: true,
        }
    }
}

/// The pool size for a machine with `cores` cores: eight connections a core, at least 8 and
/// at most 64. A request spends most of its time waiting on a statement's round trip, not
/// computing, so the pool has to be several times the core count before the cores are busy:
/// on 2 cores a pool of 24 served the list page about 40% faster than a pool of 4 (measured
/// for issue 13; `bench/peer/run.sh --pool-sizes` repeats the sweep). The ceiling keeps a big machine within PostgreSQL's
/// default `max_connections` of 100 with room for a worker and an operator.
pub fn default_pool_size(cores: usize) -> u32 {
    let size = cores.saturating_mul(8).clamp(8, 64);
    u32::try_from(size).unwrap_or(64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_grows_with_the_cores_within_bounds() {
        assert_eq!(default_pool_size(0), 8);
        assert_eq!(default_pool_size(1), 8);
        assert_eq!(default_pool_size(2), 16);
        assert_eq!(default_pool_size(4), 32);
        assert_eq!(default_pool_size(8), 64);
        assert_eq!(default_pool_size(512), 64);
    }

    #[test]
    fn the_default_follows_this_machine() {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        assert_eq!(
            DatabaseSettings::default().pool_size,
            default_pool_size(cores)
        );
    }
}
