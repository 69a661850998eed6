//! The one place where a delivery's outcomes are logged (and, with the `metrics` feature,
//! counted): every adapter goes through it, so none holds a logging rule of its own.

use std::sync::Arc;
#[cfg(feature = "metrics")]
use std::time::Instant;

use tracing::Span;
use tracing::field::Empty;

use crate::{Delivery, Rejection};

/// What happened to a delivery, in the order it can happen.
pub(super) enum Outcome<'a> {
    /// Verified and claimed: the handler runs.
    Accepted,
    /// Answered without the handler (a rejection, a duplicate or a handshake).
    Refused(&'a Rejection),
    /// The handler answered 2xx.
    Handled(u16),
    /// The handler answered something else.
    HandlerFailed(u16),
    /// The admission was dropped before the handler answered.
    Cancelled,
}

impl Outcome<'_> {
    /// The `outcome` field of logs and metrics.
    fn name(&self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Refused(Rejection::Answered(_)) => "handshake",
            Self::Refused(rejection) if rejection.is_duplicate() => "duplicate",
            Self::Refused(_) => "rejected",
            Self::Handled(_) => "handled",
            Self::HandlerFailed(_) => "handler_failed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// One delivery's span, and when it started (for the latency histogram).
pub(super) struct Telemetry {
    span: Span,
    scheme: Arc<str>,
    #[cfg(feature = "metrics")]
    started: Instant,
}

impl Telemetry {
    pub(super) fn new(scheme: &Arc<str>) -> Self {
        Self {
            span: tracing::info_span!(
                "webhook",
                scheme = &**scheme,
                delivery_id = Empty,
                key_id = Empty,
                outcome = Empty
            ),
            scheme: Arc::clone(scheme),
            #[cfg(feature = "metrics")]
            started: Instant::now(),
        }
    }

    pub(super) fn span(&self) -> &Span {
        &self.span
    }

    /// The delivery verified: its id is now a fact worth logging (before, it is only the
    /// sender's word).
    pub(super) fn verified(&self, delivery: &Delivery) {
        self.span.record("delivery_id", delivery.id());
        if let Some(key_id) = delivery.key_id() {
            self.span.record("key_id", key_id);
        }
        #[cfg(feature = "metrics")]
        metrics::counter!(
            crate::metrics::KEY_MATCHES,
            "scheme" => metrics::SharedString::from(Arc::clone(&self.scheme)),
            "key" => delivery.key_id.as_ref().map_or_else(
                || metrics::SharedString::const_str(""),
                |id| metrics::SharedString::from(Arc::clone(id)),
            )
        )
        .increment(1);
    }

    /// Logs (and counts) one outcome. `delivery` is given only once it verified.
    pub(super) fn record(&self, outcome: Outcome<'_>, delivery: Option<&Delivery>) {
        let scheme = &*self.scheme;
        let name = outcome.name();
        let delivery_id = delivery.map(Delivery::id);
        let span = &self.span;
        match &outcome {
            Outcome::Accepted => tracing::info!(
                parent: span,
                scheme,
                delivery_id,
                event_type = delivery.and_then(Delivery::event_type),
                outcome = name,
                "webhook accepted"
            ),
            Outcome::Refused(rejection @ Rejection::Answered(_)) => tracing::info!(
                parent: span,
                scheme,
                delivery_id,
                outcome = name,
                reason = rejection.code(),
                "webhook handshake answered"
            ),
            Outcome::Refused(rejection) if rejection.is_duplicate() => tracing::info!(
                parent: span,
                scheme,
                delivery_id,
                outcome = name,
                reason = rejection.code(),
                "webhook duplicate"
            ),
            Outcome::Refused(rejection) => tracing::warn!(
                parent: span,
                scheme,
                delivery_id,
                outcome = name,
                reason = rejection.code(),
                status = rejection.status(),
                "webhook rejected"
            ),
            Outcome::Handled(status) => {
                tracing::info!(parent: span, scheme, outcome = name, status, "webhook handled")
            }
            Outcome::HandlerFailed(status) => tracing::warn!(
                parent: span,
                scheme,
                outcome = name,
                status,
                "webhook handler failed; the delivery stays retryable"
            ),
            Outcome::Cancelled => tracing::warn!(
                parent: span,
                scheme,
                outcome = name,
                "webhook cancelled before the handler answered; the delivery stays retryable"
            ),
        }
        if !matches!(outcome, Outcome::Accepted) {
            span.record("outcome", name);
        }
        #[cfg(feature = "metrics")]
        self.count(&outcome, name);
    }

    #[cfg(feature = "metrics")]
    fn count(&self, outcome: &Outcome<'_>, name: &'static str) {
        let reason = match outcome {
            Outcome::Refused(rejection) => rejection.code(),
            _ => "",
        };
        let scheme = metrics::SharedString::from(Arc::clone(&self.scheme));
        metrics::counter!(
            crate::metrics::DELIVERIES,
            "scheme" => scheme.clone(),
            "outcome" => name,
            "reason" => reason
        )
        .increment(1);
        if !matches!(outcome, Outcome::Accepted) {
            metrics::histogram!(
                crate::metrics::DURATION,
                "scheme" => scheme,
                "outcome" => name
            )
            .record(self.started.elapsed());
        }
    }
}
