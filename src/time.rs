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

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

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
    // YYYY-MM-DDTHH:MM:SS is 19 bytes; then an optional fraction, then Z or ±HH:MM. The `time`
    // crate takes any byte between date and time: only `T`, `t` and a space are one.
    if !(20..=64).contains(&raw.len()) || !b"Tt ".contains(&raw[10]) {
        return None;
    }
    // A leap second (`:60`) is read as the second before it wherever it falls (senders' clocks
    // disagree on where leap seconds go); `time` takes one only at the end of a UTC month.
    let mut copy = [0u8; 64];
    let text = &mut copy[..raw.len()];
    text.copy_from_slice(raw);
    if text.get(17..19) == Some(b"60") {
        text[17..19].copy_from_slice(b"59");
    }
    let text = std::str::from_utf8(text).ok()?;
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

/// Formats Unix seconds as an RFC 3339 UTC date-time (`2025-01-15T10:30:00Z`), for signers and
/// sample events. Outside the years 0000 to 9999, which RFC 3339 cannot write, the nearest
/// instant it can is written.
///
/// ```
/// use webhook_guard::time::{format_rfc3339, parse_rfc3339};
///
/// assert_eq!(format_rfc3339(1_736_937_000), "2025-01-15T10:30:00Z");
/// assert_eq!(parse_rfc3339(format_rfc3339(-86_401).as_bytes()), Some(-86_401));
/// ```
pub fn format_rfc3339(unix: i64) -> String {
    // RFC 3339 writes the years 0000 to 9999 only.
    const FIRST: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
    const LAST: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    OffsetDateTime::from_unix_timestamp(unix.clamp(FIRST, LAST))
        .ok()
        .and_then(|time| time.format(&Rfc3339).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the hand-written reader this replaced accepted, kept on top of the `time` crate:
    /// `T`, `t` or a space between date and time and nothing else, a leap second anywhere
    /// (read as the second before it), any number of fraction digits, `Z`, `z` or ±HH:MM.
    #[test]
    fn rfc3339_reads_as_before() {
        let read = |text: &str| parse_rfc3339(text.as_bytes());
        assert_eq!(read("2026-02-19T10:30:00Z"), Some(1_771_497_000));
        assert_eq!(read("2026-02-19t10:30:00z"), Some(1_771_497_000));
        assert_eq!(read("2026-02-19 10:30:00Z"), Some(1_771_497_000));
        assert_eq!(read("2026-02-19T10:30:60Z"), Some(1_771_497_059));
        assert_eq!(read("2024-02-29T23:59:60z"), Some(1_709_251_199));
        assert_eq!(
            read("2026-02-19T12:30:00.123456789012+02:00"),
            Some(1_771_497_000)
        );
        assert_eq!(read("1969-12-31T23:59:59.5Z"), Some(-1));
        for refused in [
            "2026-02-19X10:30:00Z",
            "2026-02-19T10:30:00",
            "2026-02-19T10:30:00.Z",
            "2026-02-19T10:30:61Z",
            "2026-02-29T10:30:00Z",
            "2026-02-19T24:00:00Z",
            "2026-02-19T10:30:00+24:00",
            "2026-02-19T10:30:00+02:60",
            "2026-02-19T10:30:00Z ",
            "+026-02-19T10:30:00Z",
            // The hand-written reader took `-2` for an offset's two digits.
            "2026-02-19T10:30:00+-2:00",
            "2026-02-19T10:30:00+02:-5",
        ] {
            assert_eq!(read(refused), None, "{refused}");
        }
        assert_eq!(parse_rfc3339(&[b'2'; 65]), None);
    }

    #[test]
    fn rfc3339_writes_utc_seconds_within_its_years() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(format_rfc3339(i64::MAX), "9999-12-31T23:59:59Z");
        assert_eq!(format_rfc3339(i64::MIN), "0000-01-01T00:00:00Z");
    }
}
