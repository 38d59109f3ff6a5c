use std::sync::atomic::Ordering;

use super::*;
use crate::auth::idp::Fetched;
use crate::auth::idp::tests::{KID_A, KID_B, Script, TestClock, key_a, key_b};

const POLICY: CachePolicy = CachePolicy {
    default_ttl: Duration::from_secs(300),
    refresh_interval: Duration::from_secs(30),
    stale_for: Duration::from_secs(600),
};

fn remote(script: &Script, clock: &TestClock) -> (RemoteJwks, Arc<std::sync::atomic::AtomicU64>) {
    let (source, fetches) = script.source();
    let remote = RemoteJwks::new(
        Box::new(source),
        "https://idp.example.test/certs",
        vec![JwtAlgorithm::ES256, JwtAlgorithm::RS256],
        POLICY,
        clock.clock(),
    );
    (remote, fetches)
}

async fn lookup(remote: &RemoteJwks, kid: &str) -> Result<(), AuthRejection> {
    remote.key(kid, JwtAlgorithm::ES256).await.map(|_| ())
}

#[tokio::test]
async fn keys_are_fetched_once_and_served_from_memory_while_fresh() {
    let (script, clock) = (Script::new(), TestClock::new());
    script.serve(&[key_a()]);
    let (remote, fetches) = remote(&script, &clock);
    assert!(remote.prime().await);
    for _ in 0..10 {
        lookup(&remote, KID_A).await.expect("known kid");
        clock.advance(Duration::from_secs(29));
    }
    // 290 s of the 300 s default lifetime: still the first fetch.
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    clock.advance(Duration::from_secs(11));
    lookup(&remote, KID_A).await.expect("refetched");
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_key_rotated_in_at_the_provider_is_fetched_on_first_use_and_a_removed_one_is_refused() {
    let (script, clock) = (Script::new(), TestClock::new());
    script.serve(&[key_a()]);
    let (remote, fetches) = remote(&script, &clock);
    assert!(remote.prime().await);
    clock.advance(Duration::from_secs(31));
    // The provider rotates: B in, A out.
    script.serve(&[key_b()]);
    lookup(&remote, KID_B)
        .await
        .expect("new kid fetched on first use");
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
    assert_eq!(remote.kids(), vec![KID_B.to_owned()]);
    assert_eq!(
        lookup(&remote, KID_A).await,
        Err(AuthRejection::UnknownKeyId)
    );
}

#[tokio::test]
async fn a_flood_of_unknown_kids_fetches_at_most_once_per_refresh_interval() {
    let (script, clock) = (Script::new(), TestClock::new());
    script.serve(&[key_a()]);
    let (remote, fetches) = remote(&script, &clock);
    assert!(remote.prime().await);
    clock.advance(Duration::from_secs(31));
    for n in 0..500 {
        let kid = format!("forged-{n}");
        assert_eq!(
            lookup(&remote, &kid).await,
            Err(AuthRejection::UnknownKeyId)
        );
    }
    // One fetch at start, one for the first unknown kid, none for the other 499.
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
    clock.advance(Duration::from_secs(30));
    let _ = lookup(&remote, "forged-again").await;
    assert_eq!(fetches.load(Ordering::SeqCst), 3);
    lookup(&remote, KID_A)
        .await
        .expect("the real key still works");
}

#[tokio::test]
async fn concurrent_unknown_kids_share_one_fetch() {
    let (script, clock) = (Script::new(), TestClock::new());
    script.serve(&[key_a(), key_b()]);
    let (remote, fetches) = remote(&script, &clock);
    let remote = Arc::new(remote);
    let lookups: Vec<_> = (0..50)
        .map(|n| {
            let remote = remote.clone();
            tokio::spawn(async move {
                let kid = if n % 2 == 0 { KID_A } else { KID_B };
                lookup(&remote, kid).await
            })
        })
        .collect();
    for handle in lookups {
        handle.await.expect("lookup task").expect("both kids known");
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn while_the_provider_is_down_the_last_good_keys_serve_until_the_stale_bound() {
    let (script, clock) = (Script::new(), TestClock::new());
    script.serve(&[key_a()]);
    let (remote, fetches) = remote(&script, &clock);
    assert!(remote.prime().await);
    script.fail();
    // Expired (300 s), inside the stale bound (600 s more): the refresh fails, the key serves.
    clock.advance(Duration::from_secs(301));
    lookup(&remote, KID_A).await.expect("stale key serves");
    assert_eq!(fetches.load(Ordering::SeqCst), 2, "the refresh was tried");
    clock.advance(Duration::from_secs(590));
    lookup(&remote, KID_A)
        .await
        .expect("stale key still serves at 891 s");
    // Past 300 + 600 s: refused.
    clock.advance(Duration::from_secs(10));
    assert_eq!(
        lookup(&remote, KID_A).await,
        Err(AuthRejection::KeysUnavailable)
    );
    // The provider is back: the next allowed fetch restores sign-in.
    script.serve(&[key_a()]);
    clock.advance(Duration::from_secs(30));
    lookup(&remote, KID_A).await.expect("fresh again");
}

#[tokio::test]
async fn a_provider_down_at_start_refuses_until_it_answers() {
    let (script, clock) = (Script::new(), TestClock::new());
    script.fail();
    let (remote, fetches) = remote(&script, &clock);
    assert!(!remote.prime().await);
    assert_eq!(
        lookup(&remote, KID_A).await,
        Err(AuthRejection::KeysUnavailable)
    );
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        1,
        "rate-limited after the start"
    );
    script.serve(&[key_a()]);
    clock.advance(Duration::from_secs(30));
    lookup(&remote, KID_A)
        .await
        .expect("fetched once the provider answers");
}

#[tokio::test]
async fn a_bad_document_keeps_the_last_good_keys() {
    let (script, clock) = (Script::new(), TestClock::new());
    script.serve(&[key_a()]);
    let (remote, _) = remote(&script, &clock);
    assert!(remote.prime().await);
    let oct = serde_json::json!({"kty": "oct", "kid": "hmac", "alg": "HS256", "k": "c2VjcmV0"});
    for bad in [
        crate::auth::idp::tests::jwks(&[key_b(), oct]),
        crate::auth::idp::tests::jwks(&[key_b(), key_b()]),
        b"<html>login</html>".to_vec(),
        crate::auth::idp::tests::jwks(&[]),
    ] {
        script.set(Ok(Fetched {
            body: bad,
            max_age: None,
        }));
        clock.advance(Duration::from_secs(301));
        lookup(&remote, KID_A).await.expect("last good key serves");
        assert_eq!(remote.kids(), vec![KID_A.to_owned()]);
        // Back inside the lifetime of the first fetch for the next round.
        script.serve(&[key_a()]);
        clock.advance(Duration::from_secs(30));
        lookup(&remote, KID_A).await.expect("fresh again");
    }
}

#[tokio::test]
async fn max_age_is_honoured_within_its_bounds() {
    for (max_age, expected_ttl) in [
        (Some(120), 120),
        (Some(0), MIN_MAX_AGE.as_secs()),
        (Some(10_000_000), MAX_MAX_AGE.as_secs()),
        (None, POLICY.default_ttl.as_secs()),
    ] {
        let (script, clock) = (Script::new(), TestClock::new());
        script.set(Ok(Fetched {
            body: crate::auth::idp::tests::jwks(&[key_a()]),
            max_age: max_age.map(Duration::from_secs),
        }));
        let (remote, fetches) = remote(&script, &clock);
        assert!(remote.prime().await);
        clock.advance(Duration::from_secs(expected_ttl - 1));
        lookup(&remote, KID_A).await.expect("fresh");
        assert_eq!(
            fetches.load(Ordering::SeqCst),
            1,
            "{max_age:?}: fresh until the ttl"
        );
        clock.advance(Duration::from_secs(1));
        lookup(&remote, KID_A).await.expect("refetched");
        assert_eq!(
            fetches.load(Ordering::SeqCst),
            2,
            "{max_age:?}: refetched at the ttl"
        );
    }
}

#[tokio::test]
async fn a_kid_used_with_another_alg_than_its_key_is_refused() {
    let (script, clock) = (Script::new(), TestClock::new());
    script.serve(&[key_a()]);
    let (remote, _) = remote(&script, &clock);
    assert!(remote.prime().await);
    assert!(matches!(
        remote.key(KID_A, JwtAlgorithm::RS256).await,
        Err(AuthRejection::KeyAlgorithmMismatch)
    ));
}
