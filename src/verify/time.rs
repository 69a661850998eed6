//! Clocks and the timestamp formats senders use.
//!
//! The parsers and [`format_rfc3339`] are public on purpose: they are exactly the syntax the
//! verifier accepts, so a sender, a test or a tool (the `webhook-guard` CLI) reads and writes
//! a timestamp the way verification will.
//!
//! ```
//! use webhook_guard::time::{parse_rfc3339, parse_unix_seconds};
//!
//! assert_eq!(parse_unix_seconds(b"1705312200"), Some(1_705_312_200));
//! assert_eq!(parse_rfc3339(b"2025-01-15T10:30:00Z"), Some(1_736_937_000));
//! assert_eq!(parse_unix_seconds(b"yesterday"), None);
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

/// Where "now" comes from, so tests can pin it.
///
/// ```
/// use webhook_guard::time::{Clock, FixedClock, SystemClock};
///
/// assert_eq!(FixedClock(1_705_312_200).now_unix(), 1_705_312_200);
/// assert!(SystemClock.now_unix() > 1_700_000_000);
/// ```
pub trait Clock: Send + Sync + 'static {
    /// Seconds since the Unix epoch.
    fn now_unix(&self) -> i64;
}

/// The system's wall clock: the default of [`Verifier`](crate::Verifier) and
/// [`Guard`](crate::Guard).
///
/// ```
/// use std::time::{SystemTime, UNIX_EPOCH};
/// use webhook_guard::time::{Clock, SystemClock};
///
/// let expected = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
/// assert!((SystemClock.now_unix() - expected).abs() <= 1);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
        }
    }
}

/// A clock stopped at a given Unix second, for tests.
///
/// Pin a verifier's clock to check a recorded delivery, whose timestamp is long past:
///
/// ```
/// use webhook_guard::time::FixedClock;
/// use webhook_guard::{Scheme, Secret, Signer, Verifier};
///
/// let secret = Secret::new("whsec_abc123def456").unwrap();
/// let body = br#"{"id":"whd_1","type":"event.created","tenantId":"t1","data":{}}"#;
/// let headers = Signer::new(Scheme::audit_trail(), secret.clone()).headers(body, 1_705_312_200, "whd_1");
/// let verifier = Verifier::new(Scheme::audit_trail(), [secret]).clock(FixedClock(1_705_312_260));
/// assert_eq!(verifier.now(), 1_705_312_260);
/// assert!(verifier.verify(&headers, body.to_vec().into()).is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now_unix(&self) -> i64 {
        self.0
    }
}

/// The longest decimal we read: `i64::MAX` has 19 digits, and anything longer is not a
/// timestamp a sender would write.
const MAX_DIGITS: usize = 19;

/// Parses a Unix timestamp in milliseconds into whole seconds (rounded down), with the same
/// syntax as [`parse_unix_seconds`].
///
/// ```
/// use webhook_guard::time::parse_unix_millis;
///
/// assert_eq!(parse_unix_millis(b"1705312200999"), Some(1_705_312_200));
/// assert_eq!(parse_unix_millis(b"-1"), Some(-1));
/// assert_eq!(parse_unix_millis(b"1.5"), None);
/// ```
pub fn parse_unix_millis(raw: &[u8]) -> Option<i64> {
    parse_unix_seconds(raw).map(|ms| ms.div_euclid(1000))
}

/// Parses a Unix timestamp in whole seconds: optional `-`, then 1 to 19 ASCII digits.
///
/// Refuses everything else (`1e9`, `+5`, ` 5`, `1.5`, 40 digits, overflow), never panics.
///
/// ```
/// use webhook_guard::time::parse_unix_seconds;
///
/// assert_eq!(parse_unix_seconds(b"-1"), Some(-1));
/// assert_eq!(parse_unix_seconds(b"1e9"), None);
/// assert_eq!(parse_unix_seconds(b"9223372036854775807"), Some(i64::MAX));
/// assert_eq!(parse_unix_seconds(b"9223372036854775808"), None);
/// ```
pub fn parse_unix_seconds(raw: &[u8]) -> Option<i64> {
    let (negative, digits) = match raw.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, raw),
    };
    if digits.is_empty() || digits.len() > MAX_DIGITS {
        return None;
    }
    let mut value: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        let digit = i64::from(b - b'0');
        value = value.checked_mul(10)?;
        value = if negative {
            value.checked_sub(digit)?
        } else {
            value.checked_add(digit)?
        };
    }
    Some(value)
}

/// Parses an RFC 3339 date-time (`2026-02-19T10:30:00Z`, `2026-02-19T10:30:00.123+02:00`) into
/// Unix seconds (fractions are dropped, offsets applied).
///
/// ```
/// use webhook_guard::time::parse_rfc3339;
///
/// assert_eq!(parse_rfc3339(b"1970-01-01T00:00:00Z"), Some(0));
/// assert_eq!(parse_rfc3339(b"1970-01-01T02:00:00.5+02:00"), Some(0));
/// assert_eq!(parse_rfc3339(b"2026-02-30T00:00:00Z"), None);
/// ```
pub fn parse_rfc3339(raw: &[u8]) -> Option<i64> {
    // YYYY-MM-DDTHH:MM:SS is 19 bytes; then optional fraction, then Z or ±HH:MM.
    if raw.len() < 20 || raw.len() > 64 {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = raw.get(range)?;
        if part.iter().all(u8::is_ascii_digit) {
            parse_unix_seconds(part)
        } else {
            None
        }
    };
    let sep = |i: usize, expected: &[u8]| raw.get(i).is_some_and(|b| expected.contains(b));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &raw[19..];
    if let Some((b'.', fraction)) = rest.split_first() {
        let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let offset = match rest {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hh = parse_unix_seconds(&[*h1, *h2])?;
            let mm = parse_unix_seconds(&[*m1, *m2])?;
            if hh > 23 || mm > 59 {
                return None;
            }
            let offset = hh * 3600 + mm * 60;
            if *sign == b'+' { offset } else { -offset }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second.min(59) - offset)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Formats Unix seconds as an RFC 3339 UTC date-time (`2025-01-15T10:30:00Z`), for signers and
/// sample events.
///
/// ```
/// use webhook_guard::time::{format_rfc3339, parse_rfc3339};
///
/// assert_eq!(format_rfc3339(1_736_937_000), "2025-01-15T10:30:00Z");
/// assert_eq!(parse_rfc3339(format_rfc3339(-86_401).as_bytes()), Some(-86_401));
/// ```
pub fn format_rfc3339(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Inverse of days_from_civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}
