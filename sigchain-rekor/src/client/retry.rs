//! When to try again, as pure functions: the backoff schedule and the `Retry-After` header.
//!
//! Neither reads a clock or a random source; the transport passes both in, so the schedule is
//! tested without time.

use std::time::{Duration, SystemTime};

/// Exponential backoff with full jitter between attempts.
///
/// The delay before retry `n` (0 for the first retry) is drawn uniformly from
/// `[0, min(max, initial * 2^n))`: "full jitter" spreads clients that failed together over
/// the whole window instead of letting them return in lockstep (the AWS Architecture Blog's
/// "Exponential Backoff And Jitter" compares the variants; full jitter does the least work).
///
/// ```
/// use std::time::Duration;
/// use sigchain_rekor::client::Backoff;
///
/// let backoff = Backoff { initial: Duration::from_millis(100), max: Duration::from_secs(1) };
/// // `jitter` is a draw from [0, 1): 0.5 picks the middle of the window.
/// assert_eq!(backoff.delay(0, 0.5), Duration::from_millis(50));
/// assert_eq!(backoff.delay(2, 0.5), Duration::from_millis(200));
/// assert_eq!(backoff.delay(30, 0.5), Duration::from_millis(500)); // capped at `max`
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The window before the first retry.
    pub initial: Duration,
    /// The largest window, however many retries came before.
    pub max: Duration,
}

impl Backoff {
    /// The defaults: windows of 500 ms, 1 s, 2 s, ... up to 10 s.
    pub const DEFAULT: Backoff = Backoff {
        initial: Duration::from_millis(500),
        max: Duration::from_secs(10),
    };

    /// The window before retry `retry` (0 for the first retry): `min(max, initial * 2^retry)`.
    pub fn window(&self, retry: u32) -> Duration {
        // Past 2^31 the product is over any sane `max`; saturating keeps it a cap, not a panic.
        let factor = 1u32.checked_shl(retry).unwrap_or(u32::MAX);
        self.initial
            .checked_mul(factor)
            .unwrap_or(Duration::MAX)
            .min(self.max)
    }

    /// The delay before retry `retry`: `jitter` (a draw from `[0, 1)`, e.g. `fastrand::f64()`)
    /// times [`Backoff::window`]. A `jitter` outside `[0, 1]` (or NaN) is clamped, so the
    /// result never exceeds the window.
    pub fn delay(&self, retry: u32, jitter: f64) -> Duration {
        let jitter = if jitter.is_nan() {
            0.0
        } else {
            jitter.clamp(0.0, 1.0)
        };
        self.window(retry).mul_f64(jitter)
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::DEFAULT
    }
}

/// How long a `Retry-After` header value asks to wait, seen at `now`.
///
/// RFC 9110 §10.2.3 allows `delay-seconds` (`120`) or an HTTP-date
/// (`Sun, 06 Nov 1994 08:49:37 GMT`; the two obsolete date forms of §5.6.7 are accepted too,
/// as the RFC asks of recipients). A date already past means "now" (zero). A value that is
/// neither gives `None`, and the caller falls back to its own backoff: a malformed header
/// must not stop retries nor make them wait.
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use sigchain_rekor::client::parse_retry_after;
///
/// let now = UNIX_EPOCH + Duration::from_secs(784_111_717); // Sun, 06 Nov 1994 08:48:37 GMT
/// assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
/// assert_eq!(
///     parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
///     Some(Duration::from_secs(60))
/// );
/// assert_eq!(parse_retry_after("soon", now), None);
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // All digits but too long for u64: a wait longer than any cap, not a parse error,
        // so that the caller's cap (not a fallback backoff) decides.
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    const BACKOFF: Backoff = Backoff {
        initial: Duration::from_millis(100),
        max: Duration::from_secs(5),
    };

    #[test]
    fn windows_double_until_the_cap() {
        let windows: Vec<u64> = (0..8)
            .map(|n| BACKOFF.window(n).as_millis() as u64)
            .collect();
        assert_eq!(windows, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    }

    #[test]
    fn huge_retry_numbers_saturate_at_the_cap() {
        for retry in [31, 32, 63, u32::MAX] {
            assert_eq!(BACKOFF.window(retry), BACKOFF.max, "retry {retry}");
        }
        let unbounded = Backoff {
            initial: Duration::from_secs(u64::MAX / 2),
            max: Duration::MAX,
        };
        assert_eq!(unbounded.window(5), Duration::MAX);
    }

    #[test]
    fn full_jitter_spans_zero_to_the_window() {
        assert_eq!(BACKOFF.delay(3, 0.0), Duration::ZERO);
        assert_eq!(BACKOFF.delay(3, 0.25), Duration::from_millis(200));
        assert_eq!(BACKOFF.delay(3, 1.0), Duration::from_millis(800));
    }

    #[test]
    fn jitter_out_of_range_is_clamped() {
        assert_eq!(BACKOFF.delay(0, -3.0), Duration::ZERO);
        assert_eq!(BACKOFF.delay(0, f64::NAN), Duration::ZERO);
        assert_eq!(BACKOFF.delay(0, 7.0), Duration::from_millis(100));
        assert_eq!(BACKOFF.delay(0, f64::INFINITY), Duration::from_millis(100));
    }

    #[test]
    fn zero_initial_never_waits() {
        let none = Backoff {
            initial: Duration::ZERO,
            max: Duration::from_secs(1),
        };
        assert_eq!(none.delay(10, 0.99), Duration::ZERO);
    }

    /// Sun, 06 Nov 1994 08:49:37 GMT, the RFC's example date.
    fn rfc_example() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(784_111_777)
    }

    #[test]
    fn delay_seconds() {
        let now = rfc_example();
        for (value, seconds) in [("0", 0), ("120", 120), (" 7 ", 7), ("007", 7)] {
            assert_eq!(
                parse_retry_after(value, now),
                Some(Duration::from_secs(seconds)),
                "{value:?}"
            );
        }
    }

    #[test]
    fn delay_seconds_past_u64_mean_forever() {
        let value = "99999999999999999999999999";
        assert_eq!(
            parse_retry_after(value, rfc_example()),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    #[test]
    fn http_dates_in_all_three_forms() {
        let now = rfc_example() - Duration::from_secs(90);
        for value in [
            "Sun, 06 Nov 1994 08:49:37 GMT",  // IMF-fixdate
            "Sunday, 06-Nov-94 08:49:37 GMT", // obsolete RFC 850
            "Sun Nov  6 08:49:37 1994",       // obsolete asctime
        ] {
            assert_eq!(
                parse_retry_after(value, now),
                Some(Duration::from_secs(90)),
                "{value:?}"
            );
        }
    }

    #[test]
    fn a_past_date_means_now() {
        let now = rfc_example() + Duration::from_secs(3600);
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn malformed_values_are_ignored() {
        for value in [
            "",
            " ",
            "-1",
            "1.5",
            "+3",
            "120s",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "tomorrow",
        ] {
            assert_eq!(parse_retry_after(value, rfc_example()), None, "{value:?}");
        }
    }
}
