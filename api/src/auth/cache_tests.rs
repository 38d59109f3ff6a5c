use super::*;

fn member(id: i64) -> Option<MemberFacts> {
    Some(MemberFacts {
        id: TeamMemberId::new(id),
        role: Role::Admin,
        active: true,
    })
}

fn revoked_at() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("a time")
}

fn live() -> AuthCache {
    let cache = AuthCache::default();
    cache.set_live(true);
    cache
}

#[test]
fn an_answer_kept_under_a_current_ticket_is_answered() {
    let cache = live();
    let ticket = cache.ticket();
    cache.keep_member(ticket, "s", member(1));
    cache.keep_revoked(ticket, "t", None);
    assert_eq!(cache.member("s"), Some(member(1)));
    assert_eq!(cache.revoked("t"), Some(None));
    assert_eq!(cache.member("other"), None);
}

#[test]
fn an_invalidation_forgets_every_answer() {
    let cache = live();
    let ticket = cache.ticket();
    cache.keep_member(ticket, "s", member(1));
    cache.keep_partner(
        ticket,
        PartnerId::new(3),
        Some(PartnerFacts {
            id: PartnerId::new(3),
            active: true,
        }),
    );
    cache.keep_revoked(ticket, "t", None);
    cache.invalidate();
    assert_eq!(cache.member("s"), None);
    assert_eq!(cache.partner(PartnerId::new(3)), None);
    assert_eq!(cache.revoked("t"), None);
}

#[test]
fn an_answer_read_before_an_invalidation_is_not_kept() {
    let cache = live();
    // The read starts, a change is announced while it runs, then its (old) answer arrives.
    let ticket = cache.ticket();
    cache.invalidate();
    cache.keep_revoked(ticket, "t", None);
    assert_eq!(cache.revoked("t"), None);
    // A read started after the change is kept.
    let ticket = cache.ticket();
    cache.keep_revoked(ticket, "t", Some(revoked_at()));
    assert_eq!(cache.revoked("t"), Some(Some(revoked_at())));
}

#[test]
fn a_cache_that_cannot_hear_changes_answers_nothing_and_keeps_nothing() {
    let cache = AuthCache::default();
    let ticket = cache.ticket();
    cache.keep_member(ticket, "s", member(1));
    assert_eq!(cache.member("s"), None);

    let cache = live();
    let ticket = cache.ticket();
    cache.keep_member(ticket, "s", member(1));
    cache.set_live(false);
    assert_eq!(cache.member("s"), None);
    // Back to live: what was kept before going deaf is gone.
    cache.set_live(true);
    assert_eq!(cache.member("s"), None);
    // A ticket from before going deaf is refused.
    cache.keep_member(ticket, "s", member(1));
    assert_eq!(cache.member("s"), None);
}

#[test]
fn unknown_subjects_expire_sooner_than_known_ones() {
    let cache = AuthCache::new(10, Duration::from_secs(60), Duration::ZERO);
    cache.set_live(true);
    let ticket = cache.ticket();
    cache.keep_member(ticket, "known", member(1));
    cache.keep_member(ticket, "unknown", None);
    assert_eq!(cache.member("known"), Some(member(1)));
    assert_eq!(
        cache.member("unknown"),
        None,
        "a negative answer has expired"
    );
}

#[test]
fn every_answer_expires_after_its_ttl() {
    let cache = AuthCache::new(10, Duration::ZERO, Duration::ZERO);
    cache.set_live(true);
    let ticket = cache.ticket();
    cache.keep_member(ticket, "s", member(1));
    cache.keep_revoked(ticket, "t", None);
    assert_eq!(cache.member("s"), None);
    assert_eq!(cache.revoked("t"), None);
}

#[test]
fn the_cache_holds_at_most_its_capacity_and_drops_the_least_recent() {
    let cache = AuthCache::new(3, Duration::from_secs(60), Duration::from_secs(60));
    cache.set_live(true);
    let ticket = cache.ticket();
    for i in 0..1_000 {
        cache.keep_revoked(ticket, &format!("sprayed-{i}"), None);
    }
    let kept = (0..1_000)
        .filter(|i| cache.revoked(&format!("sprayed-{i}")).is_some())
        .count();
    assert_eq!(kept, 3);
    assert_eq!(cache.revoked("sprayed-999"), Some(None));
    assert_eq!(cache.revoked("sprayed-0"), None);
}
