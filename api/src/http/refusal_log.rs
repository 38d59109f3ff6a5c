//! Log lines for refused requests (every 4xx: bad or missing tokens, limits, unknown routes)
//! are sampled: the first `log.refusal_lines` of each `log.refusal_window_secs` are written,
//! the rest are counted and reported in one summary line. A flood of refusals therefore writes
//! a bounded number of bytes per second, whatever its rate.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Why a request was refused, noted by the handler for the one log line of the request.
#[derive(Debug, Clone)]
pub struct RefusalReason(pub String);

/// What to do with the log line of one refused request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// Write the line.
    pub write: bool,
    /// Refusals not logged since the last summary, to report now (0: nothing to report).
    pub suppressed: u64,
}

#[derive(Debug)]
struct Window {
    started: Instant,
    written: u32,
    suppressed: u64,
}

/// The sampler of one server.
#[derive(Debug)]
pub struct RefusalLog {
    lines: u32,
    every: Duration,
    window: Mutex<Window>,
}

impl RefusalLog {
    /// Writes at most `lines` refusal lines per `every`.
    pub fn new(lines: u32, every: Duration) -> Self {
        Self {
            lines,
            every,
            window: Mutex::new(Window {
                started: Instant::now(),
                written: 0,
                suppressed: 0,
            }),
        }
    }

    /// Counts one refusal at `now`.
    pub fn refusal(&self, now: Instant) -> Verdict {
        let Ok(mut w) = self.window.lock() else {
            return Verdict {
                write: false,
                suppressed: 0,
            };
        };
        let mut suppressed = 0;
        if now.duration_since(w.started) >= self.every {
            suppressed = std::mem::take(&mut w.suppressed);
            w.started = now;
            w.written = 0;
        }
        if w.written < self.lines {
            w.written += 1;
            Verdict {
                write: true,
                suppressed,
            }
        } else {
            w.suppressed += 1;
            Verdict {
                write: false,
                suppressed,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_lines_of_a_window_are_written_and_the_rest_summed_up_in_the_next() {
        let log = RefusalLog::new(3, Duration::from_secs(10));
        let t0 = Instant::now();
        let written = (0..1_000)
            .filter(|_| log.refusal(t0 + Duration::from_millis(5)).write)
            .count();
        assert_eq!(written, 3);
        let next = log.refusal(t0 + Duration::from_secs(11));
        assert_eq!(
            next,
            Verdict {
                write: true,
                suppressed: 997
            }
        );
        assert_eq!(log.refusal(t0 + Duration::from_secs(12)).suppressed, 0);
    }
}
