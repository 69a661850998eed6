//! Counters of what the guard decided, for users to scrape (feature `metrics`, off by default).
//!
//! No metrics library is pulled in: the counters are atomics, read with
//! [`Metrics::snapshot`] or rendered in the Prometheus text format with
//! [`Metrics::render_prometheus`], so they plug into whatever exporter the app already has.
//!
//! ```
//! use webhook_guard::{Guard, Scheme, Secret, Verifier};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let guard = Guard::new(Verifier::new(Scheme::audit_trail(), [Secret::new("s").unwrap()]));
//! let _ = guard.admit(&[] as &[(&str, &str)], "/webhooks/audit-trail", "{}".into()).await;
//! let counts = guard.metrics().snapshot();
//! assert_eq!(counts.rejected("missing_signature"), 1);
//! assert!(guard.metrics().render_prometheus().contains(
//!     r#"webhook_guard_rejected_total{scheme="audit-trail",reason="missing_signature"} 1"#
//! ));
//! # });
//! ```

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::Rejection;

/// Every rejection code, in a fixed order (the index of a counter).
const CODES: &[&str] = &[
    "body_too_large",
    "body_read",
    "missing_signature",
    "malformed_signature",
    "invalid_signature",
    "unknown_signer",
    "missing_timestamp",
    "malformed_timestamp",
    "stale_timestamp",
    "future_timestamp",
    "malformed_body",
    "missing_id",
    "malformed_id",
    "id_mismatch",
    "already_processed",
    "in_flight",
    "store_full",
    "unavailable",
    "body_timeout",
    "overloaded",
    "repeated_header",
];

/// The counters of one [`Guard`](crate::Guard). Cheap to share.
///
/// `accepted` counts admissions; `handled` and `handler_failed` count what the handler then
/// answered (the adapters report it through [`Guard::log_handled`](crate::Guard::log_handled)),
/// so `accepted - handled - handler_failed` counts handlers still running or never answered
/// (cancelled).
///
/// ```
/// use webhook_guard::{Guard, Scheme, Secret, Signer, Verifier};
///
/// # futures::executor::block_on(async {
/// let secret = Secret::new("It's a Secret to Everybody").unwrap();
/// let guard = Guard::new(Verifier::new(Scheme::github(), [secret.clone()]));
/// let headers = Signer::new(Scheme::github(), secret).headers(b"{}", 0, "d-1");
///
/// let admitted = guard.admit(&headers, "/", "{}".into()).await.unwrap();
/// guard.log_handled(200);
/// admitted.into_claim().finish(true).await;
/// let _duplicate = guard.admit(&headers, "/", "{}".into()).await.unwrap_err();
///
/// let counts = guard.metrics().snapshot();
/// assert_eq!((counts.accepted, counts.handled, counts.handler_failed), (1, 1, 0));
/// assert_eq!(counts.rejected("already_processed"), 1);
/// # });
/// ```
#[derive(Debug)]
pub struct Metrics {
    scheme: Arc<str>,
    accepted: AtomicU64,
    handled: AtomicU64,
    handler_failed: AtomicU64,
    rejected: [AtomicU64; CODES.len()],
}

impl Metrics {
    pub(crate) fn new(scheme: &str) -> Self {
        Self {
            scheme: Arc::from(scheme),
            accepted: AtomicU64::new(0),
            handled: AtomicU64::new(0),
            handler_failed: AtomicU64::new(0),
            rejected: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }

    pub(crate) fn record_accepted(&self) {
        self.accepted.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn record_handled(&self, success: bool) {
        let counter = if success {
            &self.handled
        } else {
            &self.handler_failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn record_rejected(&self, rejection: &Rejection) {
        if let Some(i) = CODES.iter().position(|c| *c == rejection.code()) {
            self.rejected[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The counts now.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            accepted: self.accepted.load(Ordering::Relaxed),
            handled: self.handled.load(Ordering::Relaxed),
            handler_failed: self.handler_failed.load(Ordering::Relaxed),
            rejected: CODES
                .iter()
                .zip(&self.rejected)
                .map(|(code, n)| (*code, n.load(Ordering::Relaxed)))
                .collect(),
        }
    }

    /// The counters in the Prometheus text exposition format: `webhook_guard_accepted_total`,
    /// `webhook_guard_handled_total`, `webhook_guard_handler_failed_total` and
    /// `webhook_guard_rejected_total{reason=...}` (duplicates are the reasons
    /// `already_processed` and `in_flight`), each labelled with the scheme.
    pub fn render_prometheus(&self) -> String {
        let s = self.snapshot();
        let scheme = &self.scheme;
        let mut out = String::new();
        for (name, help, value) in [
            (
                "accepted",
                "Deliveries verified and admitted to the handler.",
                s.accepted,
            ),
            (
                "handled",
                "Admitted deliveries the handler answered with 2xx.",
                s.handled,
            ),
            (
                "handler_failed",
                "Admitted deliveries the handler did not answer with 2xx.",
                s.handler_failed,
            ),
        ] {
            let _ = writeln!(out, "# HELP webhook_guard_{name}_total {help}");
            let _ = writeln!(out, "# TYPE webhook_guard_{name}_total counter");
            let _ = writeln!(
                out,
                "webhook_guard_{name}_total{{scheme=\"{scheme}\"}} {value}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP webhook_guard_rejected_total Deliveries answered without running the handler, by reason."
        );
        let _ = writeln!(out, "# TYPE webhook_guard_rejected_total counter");
        for (reason, value) in &s.rejected {
            let _ = writeln!(
                out,
                "webhook_guard_rejected_total{{scheme=\"{scheme}\",reason=\"{reason}\"}} {value}"
            );
        }
        out
    }
}

/// The counts at one moment.
///
/// Every rejection code is listed, at 0 until it happens, so a scraper sees each series from
/// the start.
///
/// ```
/// use webhook_guard::{Guard, Scheme, Secret, Verifier};
///
/// # futures::executor::block_on(async {
/// let guard = Guard::new(Verifier::new(Scheme::github(), [Secret::new("s").unwrap()]));
/// let forged: &[(&str, &str)] = &[("X-Hub-Signature-256", "sha256=00")];
/// let _ = guard.admit(forged, "/", "{}".into()).await;
///
/// let counts = guard.metrics().snapshot();
/// assert_eq!(counts.rejected("malformed_signature"), 1); // not 64 hex digits
/// assert_eq!(counts.rejected("invalid_signature"), 0);
/// assert_eq!(counts.rejected.iter().map(|(_, n)| n).sum::<u64>(), 1);
/// assert_eq!(counts.accepted, 0);
/// # });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Verified and admitted.
    pub accepted: u64,
    /// Handler answered 2xx.
    pub handled: u64,
    /// Handler answered anything else.
    pub handler_failed: u64,
    /// Rejections by [`Rejection::code`].
    pub rejected: Vec<(&'static str, u64)>,
}

impl Snapshot {
    /// The count of rejections with this [`Rejection::code`].
    pub fn rejected(&self, code: &str) -> u64 {
        self.rejected
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(0, |(_, n)| *n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rejection_code_has_a_counter() {
        let all = [
            Rejection::BodyTooLarge { limit: 1 },
            Rejection::BodyRead,
            Rejection::MissingSignature,
            Rejection::MalformedSignature,
            Rejection::InvalidSignature,
            Rejection::UnknownSigner,
            Rejection::MissingTimestamp,
            Rejection::MalformedTimestamp,
            Rejection::StaleTimestamp,
            Rejection::FutureTimestamp,
            Rejection::MalformedBody,
            Rejection::MissingId,
            Rejection::MalformedId,
            Rejection::IdMismatch,
            Rejection::AlreadyProcessed,
            Rejection::InFlight {
                retry_after: std::time::Duration::ZERO,
            },
            Rejection::StoreFull {
                retry_after: std::time::Duration::ZERO,
            },
            Rejection::Unavailable {
                retry_after: std::time::Duration::ZERO,
            },
            Rejection::BodyTimeout,
            Rejection::Overloaded {
                retry_after: std::time::Duration::ZERO,
            },
            Rejection::RepeatedHeader,
        ];
        assert_eq!(all.len(), CODES.len());
        let metrics = Metrics::new("x");
        for rejection in &all {
            metrics.record_rejected(rejection);
        }
        let snapshot = metrics.snapshot();
        for rejection in &all {
            assert_eq!(
                snapshot.rejected(rejection.code()),
                1,
                "{}",
                rejection.code()
            );
        }
    }
}
