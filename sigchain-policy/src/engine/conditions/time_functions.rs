//! Kyverno's time functions (`pkg/engine/jmespath/time.go`): `time_since`, `time_now`,
//! `time_now_utc`, `time_add`, `time_parse`, `time_utc`, `time_diff`, `time_before`,
//! `time_after`, `time_between`, `time_truncate`, `time_to_cron`.
//!
//! Times are RFC 3339 (Go's `time.RFC3339` layout), durations Go's (`168h0m0s`). "Now" is the
//! evaluation's clock (the request's), never the system's; `time_now` answers in UTC where
//! Kyverno answers in the pod's local zone (UTC in its images). A layout other than RFC 3339
//! (Go reference-time layouts such as `Jan 2, 2006`) is refused with an error, so a condition
//! using one fails closed.

use chrono::{DateTime, FixedOffset, SecondsFormat, TimeZone, Utc};
use jmespath::functions::ArgumentType;
use jmespath::{Context, JmespathError};

use super::functions::{bool_out, fail, generic, now, str_arg, string_out, Handler};
use super::go_values::GoDuration;

/// Go's `time.Parse(time.RFC3339, s)`.
fn parse_rfc3339(
    ctx: &Context<'_>,
    name: &str,
    s: &str,
) -> Result<DateTime<FixedOffset>, JmespathError> {
    DateTime::parse_from_rfc3339(s).map_err(|e| {
        fail(
            ctx,
            generic(name, format!("parsing time \"{s}\" as RFC 3339: {e}")),
        )
    })
}

fn format_rfc3339(t: &DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `time.Parse(layout, s)` for the layouts supported: RFC 3339 spelled as Go's reference time
/// (with or without fractional seconds).
fn parse_layout(
    ctx: &Context<'_>,
    name: &str,
    layout: &str,
    s: &str,
) -> Result<DateTime<FixedOffset>, JmespathError> {
    match layout {
        "" | "2006-01-02T15:04:05Z07:00" | "2006-01-02T15:04:05.999999999Z07:00" => {
            parse_rfc3339(ctx, name, s)
        }
        _ => Err(fail(
            ctx,
            generic(
                name,
                format!("time layout {layout:?} is not supported (RFC 3339 only)"),
            ),
        )),
    }
}

fn duration_between(
    ctx: &Context<'_>,
    name: &str,
    from: &DateTime<FixedOffset>,
    to: &DateTime<FixedOffset>,
) -> Result<String, JmespathError> {
    let nanos = (*to - *from)
        .num_nanoseconds()
        .ok_or_else(|| fail(ctx, generic(name, "duration out of range")))?;
    Ok(GoDuration(nanos).to_string())
}

fn go_duration(ctx: &Context<'_>, name: &str, s: &str) -> Result<GoDuration, JmespathError> {
    GoDuration::parse(s).map_err(|e| fail(ctx, generic(name, e)))
}

fn add_duration(
    ctx: &Context<'_>,
    name: &str,
    t: &DateTime<FixedOffset>,
    d: GoDuration,
) -> Result<DateTime<FixedOffset>, JmespathError> {
    t.checked_add_signed(chrono::TimeDelta::nanoseconds(d.0))
        .ok_or_else(|| fail(ctx, generic(name, "time out of range")))
}

/// Register the time functions with `add` (name, signature, body).
pub(super) fn register(add: &mut impl FnMut(&'static str, Vec<ArgumentType>, Handler)) {
    use ArgumentType as T;
    add(
        "time_since",
        vec![T::String, T::String, T::String],
        |n, a, c| {
            let layout = str_arg(a, 0);
            let start = parse_layout(c, n, layout, str_arg(a, 1))?;
            let end = match str_arg(a, 2) {
                "" => now().fixed_offset(),
                s => parse_layout(c, n, layout, s)?,
            };
            let since = duration_between(c, n, &start, &end)?;
            string_out(c, n, since)
        },
    );
    add("time_now", vec![], |n, _, c| {
        string_out(c, n, format_rfc3339(&now().fixed_offset()))
    });
    add("time_now_utc", vec![], |n, _, c| {
        string_out(c, n, format_rfc3339(&now().fixed_offset()))
    });
    add("time_add", vec![T::String, T::String], |n, a, c| {
        let t = parse_rfc3339(c, n, str_arg(a, 0))?;
        let d = go_duration(c, n, str_arg(a, 1))?;
        string_out(c, n, format_rfc3339(&add_duration(c, n, &t, d)?))
    });
    add("time_parse", vec![T::String, T::String], |n, a, c| {
        let (layout, s) = (str_arg(a, 0), str_arg(a, 1));
        if layout.parse::<i64>().is_ok() {
            let epoch: i64 = s.parse().map_err(|e| fail(c, generic(n, e)))?;
            let t = Utc
                .timestamp_opt(epoch, 0)
                .single()
                .ok_or_else(|| fail(c, generic(n, "time out of range")))?;
            return string_out(c, n, format_rfc3339(&t.fixed_offset()));
        }
        let t = parse_layout(c, n, layout, s)?;
        string_out(c, n, format_rfc3339(&t))
    });
    add("time_utc", vec![T::String], |n, a, c| {
        let t = parse_rfc3339(c, n, str_arg(a, 0))?;
        string_out(c, n, format_rfc3339(&t.with_timezone(&Utc).fixed_offset()))
    });
    add("time_diff", vec![T::String, T::String], |n, a, c| {
        let t1 = parse_rfc3339(c, n, str_arg(a, 0))?;
        let t2 = parse_rfc3339(c, n, str_arg(a, 1))?;
        let diff = duration_between(c, n, &t1, &t2)?;
        string_out(c, n, diff)
    });
    add("time_before", vec![T::String, T::String], |n, a, c| {
        bool_out(parse_rfc3339(c, n, str_arg(a, 0))? < parse_rfc3339(c, n, str_arg(a, 1))?)
    });
    add("time_after", vec![T::String, T::String], |n, a, c| {
        bool_out(parse_rfc3339(c, n, str_arg(a, 0))? > parse_rfc3339(c, n, str_arg(a, 1))?)
    });
    add(
        "time_between",
        vec![T::String, T::String, T::String],
        |n, a, c| {
            let t = parse_rfc3339(c, n, str_arg(a, 0))?;
            let start = parse_rfc3339(c, n, str_arg(a, 1))?;
            let end = parse_rfc3339(c, n, str_arg(a, 2))?;
            bool_out(t > start && t < end)
        },
    );
    add("time_truncate", vec![T::String, T::String], |n, a, c| {
        let t = parse_rfc3339(c, n, str_arg(a, 0))?;
        let d = go_duration(c, n, str_arg(a, 1))?;
        if d.0 <= 0 {
            return string_out(c, n, format_rfc3339(&t));
        }
        // Go truncates the absolute time (since year 1), which for durations dividing a day
        // is the same as truncating Unix time.
        let nanos = t.timestamp() as i128 * 1_000_000_000 + t.timestamp_subsec_nanos() as i128;
        let rem = nanos.rem_euclid(d.0 as i128);
        let back = add_duration(c, n, &t, GoDuration(-(rem as i64)))?;
        string_out(c, n, format_rfc3339(&back))
    });
    add("time_to_cron", vec![T::String], |n, a, c| {
        use chrono::{Datelike, Timelike};
        let t = parse_rfc3339(c, n, str_arg(a, 0))?;
        string_out(
            c,
            n,
            format!(
                "{} {} {} {} {}",
                t.minute(),
                t.hour(),
                t.day(),
                t.month(),
                t.weekday().num_days_from_sunday()
            ),
        )
    });
}

#[cfg(test)]
mod tests {
    use super::super::functions::tests::{err, ok};
    use serde_json::json;

    #[test]
    fn time_uses_the_request_clock() {
        assert_eq!(ok("time_now_utc()"), json!("2026-01-08T00:00:00Z"));
        assert_eq!(ok("time_now()"), json!("2026-01-08T00:00:00Z"));
        assert_eq!(
            ok("time_since('', '2026-01-01T00:00:00Z', '')"),
            json!("168h0m0s")
        );
        assert_eq!(
            ok("time_since('', '2026-01-01T00:00:00Z', '2026-01-01T00:01:30.5Z')"),
            json!("1m30.5s")
        );
        assert_eq!(
            ok("time_since('2006-01-02T15:04:05Z07:00', '2026-01-07T23:00:00+01:00', '')"),
            json!("2h0m0s")
        );
        assert!(err("time_since('Jan 2', 'x', '')").contains("not supported"));
        assert!(err("time_since('', 'yesterday', '')").contains("RFC 3339"));
        assert_eq!(
            ok("time_add('2026-01-01T00:00:00+02:00', '25h')"),
            json!("2026-01-02T01:00:00+02:00")
        );
        assert_eq!(
            ok("time_parse('1136214245', '1767830400')"),
            json!("2026-01-08T00:00:00Z")
        );
        assert_eq!(
            ok("time_utc('2026-01-01T02:00:00+02:00')"),
            json!("2026-01-01T00:00:00Z")
        );
        assert_eq!(
            ok("time_diff('2026-01-01T00:00:00Z', '2025-12-31T23:00:00Z')"),
            json!("-1h0m0s")
        );
        assert_eq!(
            ok("time_before('2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z')"),
            json!(true)
        );
        assert_eq!(
            ok("time_after('2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z')"),
            json!(false)
        );
        assert_eq!(
            ok("time_between('2026-01-02T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-03T00:00:00Z')"),
            json!(true)
        );
        assert_eq!(
            ok("time_between('2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-03T00:00:00Z')"),
            json!(false)
        );
        assert_eq!(
            ok("time_truncate('2026-01-08T13:45:10Z', '1h')"),
            json!("2026-01-08T13:00:00Z")
        );
        assert_eq!(
            ok("time_to_cron('2026-01-08T13:45:10Z')"),
            json!("45 13 8 1 4")
        );
    }
}
