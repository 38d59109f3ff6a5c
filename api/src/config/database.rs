//! Settings of the database pools and migrations.

use serde::{Deserialize, Serialize};

/// Database pools and migrations.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// Reader connections on SQLite; all connections on PostgreSQL. `0` (the default): sized
    /// from this machine's cores for the database in use ([`DatabaseSettings::pool_size_for`]).
    pub pool_size: u32,
    /// How long a SQLite writer waits for the lock.
    pub busy_timeout_ms: u64,
    /// Apply pending migrations when the server starts.
    pub migrate_on_start: bool,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            pool_size: 0,
            busy_timeout_ms: 5_000,
            migrate_on_start: true,
        }
    }
}

impl DatabaseSettings {
    /// The pool size in force: the configured one, or the default for `sqlite` (reader
    /// connections) or PostgreSQL on this machine's cores.
    pub fn pool_size_for(&self, sqlite: bool) -> u32 {
        if self.pool_size > 0 {
            return self.pool_size;
        }
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        if sqlite {
            default_sqlite_readers(cores)
        } else {
            default_pool_size(cores)
        }
    }
}

/// The PostgreSQL pool size for a machine with `cores` cores: eight connections a core, at
/// least 8 and at most 64. A request spends most of its time waiting on a statement's round
/// trip, not computing, so the pool has to be several times the core count before the cores
/// are busy: on 2 cores a pool of 24 served the list page about 40% faster than a pool of 4
/// (measured for issue 13; `bench/peer/run.sh --pool-sizes` repeats the sweep). The ceiling
/// keeps a big machine within PostgreSQL's default `max_connections` of 100 with room for a
/// worker and an operator.
pub fn default_pool_size(cores: usize) -> u32 {
    let size = cores.saturating_mul(8).clamp(8, 64);
    u32::try_from(size).unwrap_or(64)
}

/// The SQLite reader connections for a machine with `cores` cores: two a core, at least 2 and
/// at most 16. A SQLite read runs in the process, on the connection's own thread, without a
/// network round trip to wait for, so readers beyond the cores only add threads competing
/// for them; and each reader keeps its own page cache, parsed schema and prepared statements
/// (about 1 MB once used). See the README ("Database defaults that fit the machine").
pub fn default_sqlite_readers(cores: usize) -> u32 {
    let size = cores.saturating_mul(2).clamp(2, 16);
    u32::try_from(size).unwrap_or(16)
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
    fn sqlite_gets_two_readers_a_core_within_bounds() {
        assert_eq!(default_sqlite_readers(0), 2);
        assert_eq!(default_sqlite_readers(1), 2);
        assert_eq!(default_sqlite_readers(2), 4);
        assert_eq!(default_sqlite_readers(4), 8);
        assert_eq!(default_sqlite_readers(64), 16);
    }

    #[test]
    fn the_default_follows_this_machine_and_the_database() {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let settings = DatabaseSettings::default();
        assert_eq!(settings.pool_size_for(false), default_pool_size(cores));
        assert_eq!(settings.pool_size_for(true), default_sqlite_readers(cores));
    }

    #[test]
    fn a_configured_pool_size_wins_on_both_databases() {
        let settings = DatabaseSettings {
            pool_size: 3,
            ..DatabaseSettings::default()
        };
        assert_eq!(settings.pool_size_for(false), 3);
        assert_eq!(settings.pool_size_for(true), 3);
    }
}
