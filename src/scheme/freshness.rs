//! The timestamp freshness window: plain data a scheme carries; checking a timestamp against
//! it is `verify`'s (`verify/freshness.rs`).
//!
//! ```
//! use std::time::Duration;
//! use webhook_guard::{Freshness, Rejection};
//!
//! let window = Freshness::new(Duration::from_secs(300), Duration::from_secs(60));
//! let now = 1_705_312_200;
//! assert_eq!(window.check(now - 300, now), Ok(()));
//! assert_eq!(window.check(now - 301, now), Err(Rejection::StaleTimestamp));
//! assert_eq!(window.check(now + 61, now), Err(Rejection::FutureTimestamp));
//! ```

use std::time::Duration;

/// How old, and how far ahead of our clock, a signed timestamp may be.
///
/// A timestamp `ts` passes at time `now` when `now - max_age <= ts <= now + max_future`: both
/// edges are inclusive, in whole seconds. The arithmetic is done in `i128`, so no timestamp
/// (`i64::MIN`, `i64::MAX`) and no window (up to `u64::MAX` seconds) can overflow.
///
/// ```
/// use std::time::Duration;
/// use webhook_guard::Freshness;
///
/// let window = Freshness::new(Duration::from_secs(300), Duration::from_secs(60));
/// assert!(window.check(i64::MIN, 0).is_err());
/// assert!(window.check(i64::MAX, 0).is_err());
/// assert_eq!(window.replay_window(), Duration::from_secs(360));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    max_age: Duration,
    max_future: Duration,
}

impl Freshness {
    /// A window accepting timestamps up to `max_age` old and `max_future` ahead.
    ///
    /// It is `const`, so a window can be a constant next to the scheme that uses it:
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_guard::Freshness;
    ///
    /// const WINDOW: Freshness = Freshness::new(Duration::from_secs(300), Duration::ZERO);
    /// // No tolerance ahead: a timestamp one second in our future is refused.
    /// assert!(WINDOW.check(1_705_312_201, 1_705_312_200).is_err());
    /// assert!(WINDOW.check(1_705_312_200, 1_705_312_200).is_ok());
    /// ```
    pub const fn new(max_age: Duration, max_future: Duration) -> Self {
        Self {
            max_age,
            max_future,
        }
    }

    /// The oldest a timestamp may be.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_guard::Scheme;
    ///
    /// // Audit Trail deliveries may be five minutes old.
    /// let window = Scheme::audit_trail().freshness();
    /// assert_eq!(window.max_age(), Duration::from_secs(300));
    /// ```
    pub const fn max_age(&self) -> Duration {
        self.max_age
    }

    /// How far ahead of our clock a timestamp may be (the senders' clock skew).
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_guard::Freshness;
    ///
    /// let window = Freshness::new(Duration::from_secs(300), Duration::from_secs(60));
    /// assert_eq!(window.max_future(), Duration::from_secs(60));
    /// assert!(window.check(1_060, 1_000).is_ok()); // 60 s ahead: inside the skew
    /// assert!(window.check(1_061, 1_000).is_err());
    /// ```
    pub const fn max_future(&self) -> Duration {
        self.max_future
    }

    /// How long one signed request keeps passing the check: `max_age + max_future`. A copy of a
    /// delivery can be replayed only during this time, so the replay store must remember an id
    /// at least this long.
    pub fn replay_window(&self) -> Duration {
        self.max_age.saturating_add(self.max_future)
    }
}
