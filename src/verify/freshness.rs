//! Checking a timestamp against a scheme's [`Freshness`] window (the window itself is data, in
//! `scheme/freshness.rs`).

use crate::Rejection;
use crate::scheme::freshness::Freshness;

impl Freshness {
    /// Checks `timestamp` (Unix seconds) against `now`.
    pub fn check(&self, timestamp: i64, now: i64) -> Result<(), Rejection> {
        let age = i128::from(now) - i128::from(timestamp);
        if age > i128::from(self.max_age().as_secs()) {
            Err(Rejection::StaleTimestamp)
        } else if -age > i128::from(self.max_future().as_secs()) {
            Err(Rejection::FutureTimestamp)
        } else {
            Ok(())
        }
    }
}
