use std::time::Duration;

use tokio::task::JoinSet;

use super::*;

fn two_per_second() -> Rate {
    Rate::per_second(NonZeroU32::new(2).expect("non-zero"))
}

async fn start_times(limiter: &RateLimiter, tasks: usize) -> Vec<Duration> {
    let origin = Instant::now();
    let mut set = JoinSet::new();
    for _ in 0..tasks {
        let limiter = limiter.clone();
        set.spawn(async move {
            limiter.acquire().await;
            Instant::now() - origin
        });
    }
    let mut times = Vec::with_capacity(tasks);
    while let Some(done) = set.join_next().await {
        times.push(done.expect("task finished"));
    }
    times.sort();
    times
}

/// The most starts inside any window of `width` beginning at a start.
fn busiest_window(times: &[Duration], width: Duration) -> usize {
    times
        .iter()
        .map(|&from| {
            times
                .iter()
                .filter(|&&t| t >= from && t < from + width)
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test(start_paused = true)]
async fn requests_from_many_tasks_stay_under_the_rate_on_paused_time() {
    let limiter = RateLimiter::new(two_per_second());
    let times = start_times(&limiter, 21).await;
    assert_eq!(busiest_window(&times, Duration::from_secs(1)), 2);
    assert_eq!(times.first(), Some(&Duration::ZERO));
    assert_eq!(times.last(), Some(&Duration::from_secs(10)));
}

#[tokio::test(start_paused = true)]
async fn a_quiet_limiter_lets_the_first_request_through_at_once() {
    let limiter = RateLimiter::new(two_per_second());
    limiter.acquire().await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let before = Instant::now();
    limiter.acquire().await;
    assert_eq!(Instant::now(), before, "no debt is kept from the idle time");
    let before = Instant::now();
    limiter.acquire().await;
    assert_eq!(Instant::now() - before, Duration::from_millis(500));
}

#[tokio::test(start_paused = true)]
async fn a_burst_allowance_lets_that_many_through_then_holds_the_rate() {
    let rate = two_per_second().with_burst(NonZeroU32::new(3).expect("non-zero"));
    let limiter = RateLimiter::new(rate);
    let times = start_times(&limiter, 7).await;
    let ms: Vec<u128> = times.iter().map(Duration::as_millis).collect();
    assert_eq!(ms, [0, 0, 0, 500, 1_000, 1_500, 2_000]);
}

#[test]
fn a_rate_over_no_time_is_refused() {
    assert_eq!(Rate::new(NonZeroU32::MIN, Duration::ZERO), None);
    let rate = Rate::new(
        NonZeroU32::new(10).expect("non-zero"),
        Duration::from_secs(2),
    );
    assert_eq!(rate.map(|r| r.interval()), Some(Duration::from_millis(200)));
}
