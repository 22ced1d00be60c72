//! Whether and when a failed sync run is tried again within the same invocation. Every step a
//! run committed is kept with its key, so a retry resumes where the failure left off.
//!
//! Retried: network errors, timeouts, HTTP 5xx, in-band 110/111 and 503s without a stated
//! delay — after a jittered exponential backoff (1 s, 2 s, 4 s ± 25 %) — and throttling whose
//! stated `Retry-After` is at most [`MAX_INLINE_WAIT`]. A longer stated delay is never cut
//! short: the run stops (exit 75) and the store remembers until when to wait.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::SyncError;
use crate::http::HttpError;

/// Retries after the first attempt.
pub const MAX_RETRIES: u32 = 3;
/// The longest stated delay waited out within a run.
pub const MAX_INLINE_WAIT: Duration = Duration::from_secs(60);

/// `first · 2^n`, at most `cap`, ± 25 % (the jitter spreads clients that failed together).
/// The one backoff of the project: retries of a sync run and of `easync watch` use it.
pub fn exponential(first: Duration, n: u32, cap: Duration) -> Duration {
    let base = first
        .saturating_mul(2u32.saturating_pow(n.min(20)))
        .min(cap);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let jitter = f64::from(nanos % 1000) / 1000.0 * 0.5 - 0.25;
    base.mul_f64(1.0 + jitter)
}

fn backoff(attempt: u32) -> Duration {
    exponential(Duration::from_secs(1), attempt, Duration::from_secs(64))
}

/// How long to wait before retry number `attempt` (0-based) after `err`; `None`: do not retry.
pub fn delay(err: &SyncError, attempt: u32) -> Option<Duration> {
    if attempt >= MAX_RETRIES {
        return None;
    }
    let SyncError::Http(e) = err else {
        // Status 5/16 that persisted through the run's own retries, for one folder or all.
        return err.is_temporary().then(|| backoff(attempt));
    };
    match e {
        HttpError::RetryAfter {
            delay,
            stated: true,
            ..
        } => (*delay <= MAX_INLINE_WAIT).then_some(*delay),
        e if e.is_temporary() => Some(backoff(attempt)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttled(secs: u64, stated: bool) -> SyncError {
        SyncError::Http(HttpError::RetryAfter {
            delay: Duration::from_secs(secs),
            reason: "test".into(),
            stated,
        })
    }

    #[test]
    fn short_stated_delays_are_waited_long_ones_are_not() {
        assert_eq!(delay(&throttled(5, true), 0), Some(Duration::from_secs(5)));
        assert_eq!(delay(&throttled(600, true), 0), None);
        let unstated = delay(&throttled(300, false), 2).unwrap();
        assert!(
            (3.0..=5.0).contains(&unstated.as_secs_f64()),
            "{unstated:?}"
        );
        assert_eq!(
            delay(&throttled(5, true), MAX_RETRIES),
            None,
            "at most three retries"
        );
    }

    #[test]
    fn only_temporary_errors_are_retried() {
        let auth = SyncError::Http(HttpError::Unauthorized {
            command: "Sync",
            bearer: false,
        });
        assert_eq!(delay(&auth, 0), None);
        assert_eq!(delay(&SyncError::HierarchyChanged, 0), None);
        let d = delay(
            &SyncError::Http(HttpError::Status {
                command: "Sync",
                status: 502,
                hint: String::new(),
            }),
            0,
        );
        assert!(
            d.is_some_and(|d| d >= Duration::from_millis(750) && d <= Duration::from_millis(1250))
        );
    }
}
