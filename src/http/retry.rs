//! Throttling: HTTP 503 with `Retry-After` (seconds or an HTTP date) and `X-MS-ASThrottle`
//! (MS-ASHTTP 2.2.2.1.2), and in-band 110/111 (MS-ASCMD 2.2.2), as one typed error carrying
//! the delay. A stated delay is clamped to [`MAX_DELAY`]: it comes from the server and is added
//! to clocks (`Instant + Duration` panics on overflow) and stored in the account table.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

use super::HttpError;
use crate::proto::CommonStatus;

/// The delay used when the server gives none (what Z-Push sends by default).
pub const DEFAULT_DELAY: Duration = Duration::from_secs(300);

/// The longest wait easync accepts from a server (a day). Neither MS-ASHTTP nor RFC 9110 bounds
/// `Retry-After`; a longer value is a broken or hostile server, and waiting a day then asking
/// again is the useful reading of it.
pub const MAX_DELAY: Duration = Duration::from_secs(24 * 3600);

/// A server-stated delay, at most [`MAX_DELAY`].
pub fn clamp(delay: Duration) -> Duration {
    delay.min(MAX_DELAY)
}

/// The retry-after error of a 503 response.
pub fn from_headers(headers: &HeaderMap) -> HttpError {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let stated = header("Retry-After").and_then(|v| parse_retry_after(v, SystemTime::now()));
    let delay = stated.unwrap_or(DEFAULT_DELAY);
    let reason = match header("X-MS-ASThrottle") {
        Some(why) => format!(
            "HTTP 503, throttled: {}",
            crate::text::one_line(&why.chars().take(100).collect::<String>())
        ),
        None => "HTTP 503, service unavailable".to_string(),
    };
    HttpError::RetryAfter {
        delay,
        reason,
        stated: stated.is_some(),
    }
}

/// The retry-after error of an in-band 110/111 status.
pub fn in_band(status: CommonStatus) -> HttpError {
    HttpError::RetryAfter {
        delay: DEFAULT_DELAY,
        reason: format!("status {status}"),
        stated: false,
    }
}

/// `Retry-After: 120` or `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT` (RFC 9110 10.2.3),
/// clamped to [`MAX_DELAY`].
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    if let Ok(secs) = value.parse::<u64>() {
        return Some(clamp(Duration::from_secs(secs)));
    }
    let at = parse_http_date(value)?;
    let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(clamp(Duration::from_secs(at.saturating_sub(now))))
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) as seconds since the epoch.
fn parse_http_date(s: &str) -> Option<u64> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| m == month)? as i64 + 1;
    let (day, year): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let hms: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, sec] = hms.as_slice() else {
        return None;
    };
    // IMF-fixdate has a 4-digit year (RFC 9110 5.6.7); the bounds keep the arithmetic in range.
    let in_range = (1..=9999).contains(&year)
        && (1..=31).contains(&day)
        && (0..24).contains(h)
        && (0..60).contains(m)
        && (0..=60).contains(sec);
    if !in_range {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + h * 3600 + m * 60 + sec).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777 - 60); // a minute before
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(parse_retry_after("soon", now), None);
        let later = UNIX_EPOCH + Duration::from_secs(784_111_777 + 10);
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", later),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
    }

    #[test]
    fn huge_retry_after_is_clamped_to_a_day() {
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        for huge in [
            "18446744073709551615",
            "1000000000000",
            "Fri, 31 Dec 9999 23:59:59 GMT",
        ] {
            assert_eq!(parse_retry_after(huge, now), Some(MAX_DELAY), "{huge}");
        }
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 99999999999999999 08:49:37 GMT", now),
            None,
            "a year past 9999 is no IMF-fixdate (and no overflow)"
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 99:49:37 GMT", now),
            None
        );
    }
}
