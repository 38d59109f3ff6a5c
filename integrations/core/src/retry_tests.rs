use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;

fn policy() -> RetryPolicy {
    RetryPolicy {
        base: Duration::from_secs(1),
        cap: Duration::from_secs(60),
        max_attempts: 5,
        max_retry_after: Duration::from_secs(600),
    }
}

#[test]
fn the_ceiling_doubles_from_the_base_until_the_cap() {
    let p = policy();
    let secs: Vec<u64> = (1..=8).map(|n| p.ceiling(n).as_secs()).collect();
    assert_eq!(secs, [1, 2, 4, 8, 16, 32, 60, 60]);
}

#[test]
fn the_ceiling_does_not_overflow_after_very_many_failures() {
    let p = policy();
    assert_eq!(p.ceiling(u32::MAX), Duration::from_secs(60));
    let huge = RetryPolicy {
        cap: Duration::MAX,
        ..p
    };
    assert!(huge.ceiling(200) > Duration::from_secs(1 << 60));
}

#[test]
fn full_jitter_stays_within_zero_and_the_ceiling_and_uses_the_whole_window() {
    let p = policy();
    let mut rng = StdRng::seed_from_u64(7);
    for failures in 1..=10 {
        let ceiling = p.ceiling(failures);
        let delays: Vec<Duration> = (0..500)
            .map(|_| p.next_delay(failures, None, &mut rng))
            .collect();
        assert!(delays.iter().all(|d| *d <= ceiling), "failures {failures}");
        let low = delays.iter().filter(|d| **d < ceiling / 4).count();
        let high = delays.iter().filter(|d| **d > ceiling * 3 / 4).count();
        assert!(
            low > 50 && high > 50,
            "failures {failures}: {low} low, {high} high"
        );
    }
}

#[test]
fn full_jitter_never_exceeds_the_cap() {
    let p = policy();
    let mut rng = StdRng::seed_from_u64(1);
    let max = (0..2_000)
        .map(|_| p.next_delay(30, None, &mut rng))
        .max()
        .unwrap_or_default();
    assert!(max <= p.cap);
    assert!(max > p.cap / 2);
}

#[test]
fn retry_after_is_a_floor_under_the_jittered_delay() {
    let p = policy();
    let mut rng = StdRng::seed_from_u64(3);
    for _ in 0..200 {
        let d = p.next_delay(1, Some(Duration::from_secs(30)), &mut rng);
        assert_eq!(
            d,
            Duration::from_secs(30),
            "ceiling is 1 s, so Retry-After wins"
        );
    }
    let later = p.next_delay(20, Some(Duration::from_secs(1)), &mut rng);
    assert!(later >= Duration::from_secs(1) && later <= p.cap);
}

#[test]
fn retry_after_beyond_the_cap_is_honoured_up_to_max_retry_after() {
    let p = policy();
    let mut rng = StdRng::seed_from_u64(3);
    let asked = p.next_delay(1, Some(Duration::from_secs(300)), &mut rng);
    assert_eq!(asked, Duration::from_secs(300));
    let bogus = p.next_delay(1, Some(Duration::from_secs(86_400 * 365)), &mut rng);
    assert_eq!(bogus, Duration::from_secs(600));
}

#[test]
fn a_retryable_failure_is_retried_until_max_attempts_then_dead_lettered() {
    let p = policy();
    let mut rng = StdRng::seed_from_u64(9);
    let err = SyncError::retryable("HTTP 503 without a body");
    for attempts in 1..p.max_attempts {
        assert!(
            matches!(
                p.decide(attempts, &err, &mut rng),
                RetryDecision::RetryAfter(_)
            ),
            "attempt {attempts}"
        );
    }
    assert_eq!(
        p.decide(p.max_attempts, &err, &mut rng),
        RetryDecision::DeadLetter("gave up after 5 attempts; last: HTTP 503 without a body".into())
    );
}

#[test]
fn a_permanent_failure_is_dead_lettered_on_the_first_attempt() {
    let mut rng = StdRng::seed_from_u64(9);
    let err = SyncError::permanent("HTTP 400: Member In Compliance State");
    assert_eq!(
        policy().decide(1, &err, &mut rng),
        RetryDecision::DeadLetter("HTTP 400: Member In Compliance State".into())
    );
}

#[test]
fn an_unauthorized_failure_pauses_the_provider() {
    let mut rng = StdRng::seed_from_u64(9);
    let err = SyncError::unauthorized("HTTP 401: API Key Invalid");
    assert_eq!(
        policy().decide(1, &err, &mut rng),
        RetryDecision::PauseProvider("HTTP 401: API Key Invalid".into())
    );
}
