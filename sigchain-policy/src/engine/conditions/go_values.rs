//! Go's spellings of values, where Kyverno's answers depend on them: `time.ParseDuration` and
//! `Duration.String()`, `fmt.Sprint` and `encoding/json` of a `float64`, JSON encoding of a
//! value (HTML-escaped, sorted keys), and Kubernetes quantities (`resource.ParseQuantity`).
//!
//! Conditions compare what these produce (`time_since` yields `"167h59m0s"`, an `AnyIn`
//! compares `fmt.Sprint` of numbers), so a different spelling would change decisions.

use serde_json::Value;

const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// A Go `time.Duration`: signed nanoseconds, at most ±292 years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct GoDuration(pub i64);

impl GoDuration {
    /// From seconds, as Go's `time.Duration(seconds * float64(time.Second))` (saturating,
    /// where Go's conversion is undefined).
    pub(crate) fn from_seconds_f64(seconds: f64) -> GoDuration {
        GoDuration((seconds * 1e9) as i64)
    }

    /// Seconds, as `Duration.Seconds()`.
    pub(crate) fn seconds(self) -> f64 {
        let whole = self.0 / 1_000_000_000;
        let frac = self.0 % 1_000_000_000;
        whole as f64 + frac as f64 / 1e9
    }

    /// `time.ParseDuration`: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, or `"0"`.
    pub(crate) fn parse(text: &str) -> Result<GoDuration, String> {
        let invalid = || format!("time: invalid duration \"{text}\"");
        let mut s = text;
        let mut negative = false;
        if let Some(rest) = s.strip_prefix('-') {
            negative = true;
            s = rest;
        } else if let Some(rest) = s.strip_prefix('+') {
            s = rest;
        }
        if s == "0" {
            return Ok(GoDuration(0));
        }
        if s.is_empty() {
            return Err(invalid());
        }
        let mut total: u128 = 0;
        while !s.is_empty() {
            let first = s.as_bytes()[0];
            if !(first == b'.' || first.is_ascii_digit()) {
                return Err(invalid());
            }
            let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
            let int_digits = &s[..int_len];
            s = &s[int_len..];
            let mut frac_digits = "";
            if let Some(rest) = s.strip_prefix('.') {
                let frac_len = rest.bytes().take_while(u8::is_ascii_digit).count();
                frac_digits = &rest[..frac_len];
                s = &rest[frac_len..];
                if int_digits.is_empty() && frac_digits.is_empty() {
                    return Err(invalid());
                }
            } else if int_digits.is_empty() {
                return Err(invalid());
            }
            let unit_len = s
                .char_indices()
                .find(|(_, c)| *c == '.' || c.is_ascii_digit())
                .map_or(s.len(), |(i, _)| i);
            let unit = &s[..unit_len];
            s = &s[unit_len..];
            let scale: u128 = match unit {
                "" => return Err(format!("time: missing unit in duration \"{text}\"")),
                "ns" => 1,
                "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
                "ms" => 1_000_000,
                "s" => 1_000_000_000,
                "m" => 60 * 1_000_000_000,
                "h" => 3600 * 1_000_000_000,
                _ => {
                    return Err(format!(
                        "time: unknown unit \"{unit}\" in duration \"{text}\""
                    ))
                }
            };
            let whole: u128 = if int_digits.is_empty() {
                0
            } else if int_digits.len() > 20 {
                return Err(invalid());
            } else {
                int_digits.parse().map_err(|_| invalid())?
            };
            // Go keeps fraction digits while they fit; 18 is past any unit's precision.
            let kept = &frac_digits[..frac_digits.len().min(18)];
            let frac_part: u128 = if kept.is_empty() {
                0
            } else {
                let numerator: u128 = kept.parse().map_err(|_| invalid())?;
                numerator * scale / 10u128.pow(kept.len() as u32)
            };
            total = whole
                .checked_mul(scale)
                .and_then(|v| v.checked_add(frac_part))
                .and_then(|v| total.checked_add(v))
                .ok_or_else(invalid)?;
            if total > 1u128 << 63 {
                return Err(invalid());
            }
        }
        if negative {
            Ok(GoDuration((-(total as i128)) as i64))
        } else if total > i64::MAX as u128 {
            Err(invalid())
        } else {
            Ok(GoDuration(total as i64))
        }
    }
}

impl std::fmt::Display for GoDuration {
    /// `Duration.String()`: `72h3m0.5s`, `1.5ms`, `0s`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let negative = self.0 < 0;
        let mut u = self.0.unsigned_abs();
        let sign = if negative { "-" } else { "" };
        if u == 0 {
            return f.write_str("0s");
        }
        if u < NANOS_PER_SECOND as u64 {
            let (unit, precision) = match u {
                u if u < 1_000 => ("ns", 0),
                u if u < 1_000_000 => ("\u{b5}s", 3),
                _ => ("ms", 6),
            };
            let (int, frac) = split_fraction(u, precision);
            return write!(f, "{sign}{int}{frac}{unit}");
        }
        let (seconds, frac) = split_fraction(u, 9);
        u = seconds;
        let secs = u % 60;
        u /= 60;
        if u == 0 {
            return write!(f, "{sign}{secs}{frac}s");
        }
        let minutes = u % 60;
        let hours = u / 60;
        if hours == 0 {
            write!(f, "{sign}{minutes}m{secs}{frac}s")
        } else {
            write!(f, "{sign}{hours}h{minutes}m{secs}{frac}s")
        }
    }
}

/// `value / 10^precision` and its fraction as `.ddd` without trailing zeros (Go's `fmtFrac`).
fn split_fraction(value: u64, precision: u32) -> (u64, String) {
    let divisor = 10u64.pow(precision);
    let frac = value % divisor;
    if frac == 0 {
        return (value / divisor, String::new());
    }
    let digits = format!("{frac:0width$}", width = precision as usize);
    (
        value / divisor,
        format!(".{}", digits.trim_end_matches('0')),
    )
}

/// The shortest decimal digits and exponent of `value` (`d.ddd × 10^exp`).
fn shortest_digits(value: f64) -> (String, i32) {
    // Rust's `{:e}` is the shortest representation that round-trips, as Go's.
    let text = format!("{:e}", value.abs());
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    (mantissa.replace('.', ""), exp.parse().unwrap_or(0))
}

fn layout_exponent(negative: bool, digits: &str, exp: i32, min_exp_digits: usize) -> String {
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&digits[..1]);
    if digits.len() > 1 {
        out.push('.');
        out.push_str(&digits[1..]);
    }
    out.push('e');
    out.push(if exp < 0 { '-' } else { '+' });
    out.push_str(&format!(
        "{:0width$}",
        exp.unsigned_abs(),
        width = min_exp_digits
    ));
    out
}

fn layout_plain(negative: bool, digits: &str, exp: i32) -> String {
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(digits);
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            out.push_str(digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
    out
}

/// `fmt.Sprint(f)` for a `float64` (`%v`: shortest digits, exponent form below 1e-4 and from
/// 1e6 up: `1e+06`, `1.5`, `100000`).
pub(crate) fn go_sprint_float(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    if value == 0.0 {
        return if value.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    let (digits, exp) = shortest_digits(value);
    if !(-4..6).contains(&exp) {
        layout_exponent(value < 0.0, &digits, exp, 2)
    } else {
        layout_plain(value < 0.0, &digits, exp)
    }
}

/// `encoding/json` of a `float64`: plain form from 1e-6 to below 1e21, else `1e+21`, `1e-7`.
pub(crate) fn go_json_float(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return "0".to_owned();
    }
    let (digits, exp) = shortest_digits(value);
    let abs = value.abs();
    if !(1e-6..1e21).contains(&abs) {
        layout_exponent(value < 0.0, &digits, exp, 1)
    } else {
        layout_plain(value < 0.0, &digits, exp)
    }
}

/// `strconv.FormatFloat(f, 'f', -1, 32)` (how Kyverno's string functions take a number).
pub(crate) fn go_format_float32(value: f64) -> String {
    format!("{}", value as f32)
}

/// `fmt.Sprint(v)` of a JSON value as Kyverno's `In` operators spell set members.
pub(crate) fn go_sprint(value: &Value) -> String {
    match value {
        Value::Null => "<nil>".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => go_sprint_float(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(go_sprint).collect();
            format!("[{}]", inner.join(" "))
        }
        Value::Object(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}:{}", go_sprint(v)))
                .collect();
            format!("map[{}]", inner.join(" "))
        }
    }
}

/// `json.Marshal(v)` as Go writes it: sorted keys, numbers as [`go_json_float`], `<`, `>`, `&`
/// and U+2028/U+2029 escaped.
pub(crate) fn go_json(value: &Value) -> String {
    let mut out = String::new();
    write_go_json(value, &mut out);
    out
}

fn write_go_json(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&go_json_float(n.as_f64().unwrap_or(0.0))),
        Value::String(s) => write_go_json_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_json_string(key, out);
                out.push(':');
                write_go_json(&map[key], out);
            }
            out.push('}');
        }
    }
}

fn write_go_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A Kubernetes quantity (`resource.ParseQuantity`) as a number: `1Gi`, `500m`, `2e3`, `5`.
/// Values are compared as `f64`, exact for every quantity a policy writes in practice.
pub(crate) fn parse_quantity(text: &str) -> Option<f64> {
    let s = text.trim_start_matches(['+', '-']);
    if s.len() + 1 < text.len() || s.is_empty() {
        return None;
    }
    let negative = text.starts_with('-');
    let number_len = s
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.')
        .count();
    let number = &s[..number_len];
    if number.is_empty() || number == "." || number.matches('.').count() > 1 {
        return None;
    }
    let suffix = &s[number_len..];
    let multiplier = match suffix {
        "" => 1.0,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        exp if exp.starts_with(['e', 'E']) => {
            let digits = &exp[1..];
            let unsigned = digits.trim_start_matches(['+', '-']);
            if unsigned.is_empty()
                || digits.len() > unsigned.len() + 1
                || !unsigned.bytes().all(|b| b.is_ascii_digit())
                || unsigned.len() > 4
            {
                return None;
            }
            10f64.powi(digits.parse::<i32>().ok()?)
        }
        _ => return None,
    };
    let value: f64 = number.parse().ok()?;
    let value = value * multiplier;
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_as_go() {
        let d = |s: &str| GoDuration::parse(s).map(|d| d.0);
        assert_eq!(d("168h"), Ok(168 * 3600 * 1_000_000_000));
        assert_eq!(d("1h30m"), Ok(5400 * 1_000_000_000));
        assert_eq!(d("1.5s"), Ok(1_500_000_000));
        assert_eq!(d(".5s"), Ok(500_000_000));
        assert_eq!(d("-2m"), Ok(-120 * 1_000_000_000));
        assert_eq!(d("0"), Ok(0));
        assert_eq!(d("1\u{b5}s"), Ok(1000));
        assert_eq!(d("3us"), Ok(3000));
        assert!(d("").is_err());
        assert!(d("10").unwrap_err().contains("missing unit"));
        assert!(d("1d").unwrap_err().contains("unknown unit \"d\""));
        assert!(d("h").is_err());
        assert!(d(".s").is_err());
        assert!(d("3000000h").is_err(), "overflow");
        assert!(d("1h 2m").is_err());
    }

    #[test]
    fn durations_print_as_go() {
        let s = |n: i64| GoDuration(n).to_string();
        assert_eq!(s(0), "0s");
        assert_eq!(s(1), "1ns");
        assert_eq!(s(1_500), "1.5\u{b5}s");
        assert_eq!(s(1_200_000), "1.2ms");
        assert_eq!(s(1_500_000_000), "1.5s");
        assert_eq!(s(180 * 1_000_000_000), "3m0s");
        assert_eq!(s(3600 * 1_000_000_000), "1h0m0s");
        assert_eq!(s(-(3661 * 1_000_000_000 + 500_000_000)), "-1h1m1.5s");
        assert_eq!(s(i64::MIN), "-2562047h47m16.854775808s");
    }

    #[test]
    fn floats_print_as_go() {
        assert_eq!(go_sprint_float(5.0), "5");
        assert_eq!(go_sprint_float(1.5), "1.5");
        assert_eq!(go_sprint_float(100000.0), "100000");
        assert_eq!(go_sprint_float(1e6), "1e+06");
        assert_eq!(go_sprint_float(1234567.0), "1.234567e+06");
        assert_eq!(go_sprint_float(0.0001), "0.0001");
        assert_eq!(go_sprint_float(0.00001), "1e-05");
        assert_eq!(go_sprint_float(-2.25), "-2.25");
        assert_eq!(go_json_float(5.0), "5");
        assert_eq!(go_json_float(1e20), "100000000000000000000");
        assert_eq!(go_json_float(1e21), "1e+21");
        assert_eq!(go_json_float(1e-7), "1e-7");
        assert_eq!(go_json_float(0.5), "0.5");
        assert_eq!(go_format_float32(3.0), "3");
        assert_eq!(go_format_float32(0.1), "0.1");
    }

    #[test]
    fn values_print_as_go() {
        let v: Value = serde_json::json!({"b": [1, "<x>"], "a": null});
        assert_eq!(go_json(&v), r#"{"a":null,"b":[1,"\u003cx\u003e"]}"#);
        assert_eq!(go_sprint(&serde_json::json!([1, "a", true])), "[1 a true]");
        assert_eq!(go_sprint(&Value::Null), "<nil>");
    }

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("1Gi"), Some(1024f64.powi(3)));
        assert_eq!(parse_quantity("500m"), Some(0.5));
        assert_eq!(parse_quantity("2e3"), Some(2000.0));
        assert_eq!(parse_quantity("5"), Some(5.0));
        assert_eq!(parse_quantity("-1.5k"), Some(-1500.0));
        assert_eq!(parse_quantity("1h"), None);
        assert_eq!(parse_quantity("abc"), None);
        assert_eq!(parse_quantity(""), None);
        assert_eq!(parse_quantity("1.2.3"), None);
        assert_eq!(parse_quantity("+-1"), None);
    }
}
