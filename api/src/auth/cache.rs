//! What [`authenticate`](super::authenticate) asks the database — the member behind a subject,
//! the partner behind a partner token, whether a token id was revoked — kept in memory, so a
//! request whose answers are known runs no SQL at all.
//!
//! Correctness rests on invalidation, not on expiry:
//! - Any committed change to `team_members`, `partners` or `revoked_tokens` clears the whole
//!   cache: at once in the process that made it (the write transaction marks itself, and its
//!   commit calls [`AuthCache::invalidate`]), and within a second in every other process (the
//!   database announces the change — PostgreSQL `NOTIFY`, SQLite a polled counter — see
//!   `store/auth_changes.rs`). Changes are rare; clearing everything keeps the rule simple.
//! - An answer read from the database is kept only if no invalidation happened since the read
//!   began (a [`Ticket`] holds the generation it started in), so a read racing a change can
//!   never put the old answer back after the change cleared it.
//! - While a process cannot hear changes (its listener is connecting or reconnecting), the
//!   cache is not used at all: every request asks the database, as if there were no cache.
//! - Entries also expire ([`POSITIVE_TTL`], shorter [`NEGATIVE_TTL`] for unknown subjects and
//!   partners) as a safety net for a silently dead listener; and each map is a bounded LRU, so a
//!   stream of distinct tokens keeps memory flat.

use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use lru::LruCache;
use rapport_domain::ids::{PartnerId, TeamMemberId};
use rapport_domain::role::Role;

/// How long a found member or partner, or a revocation answer, is trusted without a change
/// being announced.
pub const POSITIVE_TTL: Duration = Duration::from_secs(10);

/// How long "no such member / partner" is trusted: a member created in another process is
/// announced like any change, so this only bounds a missed announcement.
pub const NEGATIVE_TTL: Duration = Duration::from_secs(2);

/// Entries per map (subjects, partners, token ids).
pub const CAPACITY: usize = 10_000;

/// What authentication needs of a team member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberFacts {
    /// The member.
    pub id: TeamMemberId,
    /// Their current role.
    pub role: Role,
    /// Whether they may still sign in.
    pub active: bool,
}

/// What authentication needs of a partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartnerFacts {
    /// The partner.
    pub id: PartnerId,
    /// Whether its tokens are still honoured.
    pub active: bool,
}

/// The team member a provider user is linked to, with the member's own subject (the actor
/// of their changes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedMember {
    /// What authentication needs of the member.
    pub facts: MemberFacts,
    /// The member's subject in Rapport.
    pub subject: String,
}

/// The generation a database read started in; an answer is kept only if it is still current.
/// `None` when the cache was not trusted at the start.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(Option<u64>);

#[derive(Debug)]
struct Entry<T> {
    value: T,
    expires: Instant,
}

#[derive(Debug)]
struct Maps {
    generation: u64,
    members: LruCache<String, Entry<Option<MemberFacts>>>,
    partners: LruCache<PartnerId, Entry<Option<PartnerFacts>>>,
    revoked: LruCache<String, Entry<Option<DateTime<Utc>>>>,
    links: LruCache<String, Entry<Option<LinkedMember>>>,
}

impl Maps {
    fn clear(&mut self) {
        self.members.clear();
        self.partners.clear();
        self.revoked.clear();
        self.links.clear();
    }
}

/// The per-process authentication cache. Shared by every clone of the store.
#[derive(Debug)]
pub struct AuthCache {
    generation: AtomicU64,
    live: AtomicBool,
    maps: Mutex<Maps>,
    positive_ttl: Duration,
    negative_ttl: Duration,
}

impl Default for AuthCache {
    fn default() -> Self {
        Self::new(CAPACITY, POSITIVE_TTL, NEGATIVE_TTL)
    }
}

impl AuthCache {
    /// An empty cache, not yet trusted (see [`AuthCache::set_live`]).
    pub fn new(capacity: usize, positive_ttl: Duration, negative_ttl: Duration) -> Self {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        Self {
            generation: AtomicU64::new(0),
            live: AtomicBool::new(false),
            maps: Mutex::new(Maps {
                generation: 0,
                members: LruCache::new(capacity),
                partners: LruCache::new(capacity),
                revoked: LruCache::new(capacity),
                links: LruCache::new(capacity),
            }),
            positive_ttl,
            negative_ttl,
        }
    }

    /// Forgets every answer, and refuses answers read before this call.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut maps) = self.maps.lock() {
            maps.clear();
        }
    }

    /// Whether this process hears every change (its listener is connected). While it does
    /// not, the cache answers nothing and keeps nothing.
    pub fn set_live(&self, live: bool) {
        if live {
            // Whatever was missed while deaf is forgotten before answers are trusted again.
            self.invalidate();
            self.live.store(true, Ordering::SeqCst);
        } else {
            self.live.store(false, Ordering::SeqCst);
            self.invalidate();
        }
    }

    /// Whether the cache is in use.
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::SeqCst)
    }

    /// Taken before reading the database, handed back with the answer.
    pub fn ticket(&self) -> Ticket {
        if self.is_live() {
            Ticket(Some(self.generation.load(Ordering::SeqCst)))
        } else {
            Ticket(None)
        }
    }

    /// The cached member for `subject`: `Some(None)` is a cached "no such member".
    pub fn member(&self, subject: &str) -> Option<Option<MemberFacts>> {
        self.read(|maps| maps.members.get(subject).and_then(fresh))
    }

    /// Keeps the member read for `subject` under `ticket`.
    pub fn keep_member(&self, ticket: Ticket, subject: &str, facts: Option<MemberFacts>) {
        let ttl = self.ttl(facts.is_some());
        self.write(ticket, |maps| {
            maps.members.put(subject.to_owned(), entry(facts, ttl));
        });
    }

    /// The cached partner `id`: `Some(None)` is a cached "no such partner".
    pub fn partner(&self, id: PartnerId) -> Option<Option<PartnerFacts>> {
        self.read(|maps| maps.partners.get(&id).and_then(fresh))
    }

    /// Keeps the partner read for `id` under `ticket`.
    pub fn keep_partner(&self, ticket: Ticket, id: PartnerId, facts: Option<PartnerFacts>) {
        let ttl = self.ttl(facts.is_some());
        self.write(ticket, |maps| {
            maps.partners.put(id, entry(facts, ttl));
        });
    }

    /// When `token_id`'s revocation takes effect, if known: `Some(None)` is a cached "not
    /// revoked". The time is kept, not a yes/no, so a revocation that takes effect later (a
    /// rotation's grace end) is refused from that time on although its answer was cached
    /// before it.
    pub fn revoked(&self, token_id: &str) -> Option<Option<DateTime<Utc>>> {
        self.read(|maps| maps.revoked.get(token_id).and_then(fresh))
    }

    /// Keeps the revocation answer read for `token_id` under `ticket`.
    pub fn keep_revoked(&self, ticket: Ticket, token_id: &str, revoked: Option<DateTime<Utc>>) {
        let ttl = self.positive_ttl;
        self.write(ticket, |maps| {
            maps.revoked.put(token_id.to_owned(), entry(revoked, ttl));
        });
    }

    /// The cached member of the provider user `provider_subject`: `Some(None)` is a cached
    /// "not linked".
    pub fn linked(&self, provider_subject: &str) -> Option<Option<LinkedMember>> {
        self.read(|maps| maps.links.get(provider_subject).and_then(fresh))
    }

    /// Keeps the member read for the provider user `provider_subject` under `ticket`.
    pub fn keep_linked(
        &self,
        ticket: Ticket,
        provider_subject: &str,
        linked: Option<LinkedMember>,
    ) {
        let ttl = self.ttl(linked.is_some());
        self.write(ticket, |maps| {
            maps.links
                .put(provider_subject.to_owned(), entry(linked, ttl));
        });
    }

    fn ttl(&self, found: bool) -> Duration {
        if found {
            self.positive_ttl
        } else {
            self.negative_ttl
        }
    }

    fn read<T>(&self, get: impl FnOnce(&mut Maps) -> Option<T>) -> Option<T> {
        if !self.is_live() {
            return None;
        }
        let mut maps = self.maps.lock().ok()?;
        let current = self.generation.load(Ordering::SeqCst);
        if maps.generation != current {
            maps.clear();
            maps.generation = current;
            return None;
        }
        get(&mut maps)
    }

    fn write(&self, ticket: Ticket, put: impl FnOnce(&mut Maps)) {
        let Ticket(Some(started)) = ticket else {
            return;
        };
        let Ok(mut maps) = self.maps.lock() else {
            return;
        };
        // Checked under the lock: an invalidation either happened before (the answer is
        // dropped here) or waits for the lock and clears the answer after.
        if !self.is_live() || self.generation.load(Ordering::SeqCst) != started {
            return;
        }
        if maps.generation != started {
            maps.clear();
            maps.generation = started;
        }
        put(&mut maps);
    }
}

fn entry<T>(value: T, ttl: Duration) -> Entry<T> {
    Entry {
        value,
        expires: Instant::now() + ttl,
    }
}

fn fresh<T: Clone>(entry: &Entry<T>) -> Option<T> {
    (Instant::now() < entry.expires).then(|| entry.value.clone())
}

#[cfg(test)]
#[path = "cache_tests.rs"]
mod tests;
