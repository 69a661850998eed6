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
    meters: Arc<Meters>,
    #[cfg(feature = "metrics")]
    started: Instant,
}

/// What every delivery of one guard is counted under, built once per guard: the scheme's name,
/// and (with `metrics`) the keys of the outcomes that carry no reason, so counting an accepted
/// and handled delivery builds, hashes and allocates no key (the `metrics` macros build a
/// labelled key, a vector, on every call).
pub(super) struct Meters {
    scheme: Arc<str>,
    #[cfg(feature = "metrics")]
    keys: PlainKeys,
}

#[cfg(feature = "metrics")]
struct PlainKeys {
    /// `webhook_guard_deliveries_total` for accepted, handled, handler_failed, cancelled.
    deliveries: [metrics::Key; 4],
    /// `webhook_guard_delivery_duration_seconds` for the same outcomes (accepted unused).
    durations: [metrics::Key; 4],
    /// `webhook_guard_key_matches_total` for a delivery verified by a key without an id.
    unnamed_key: metrics::Key,
}

#[cfg(feature = "metrics")]
const PLAIN_OUTCOMES: [&str; 4] = ["accepted", "handled", "handler_failed", "cancelled"];

#[cfg(feature = "metrics")]
static METADATA: metrics::Metadata<'static> =
    metrics::Metadata::new(module_path!(), metrics::Level::INFO, Some(module_path!()));

impl Meters {
    pub(super) fn new(scheme: &str) -> Self {
        let scheme: Arc<str> = Arc::from(scheme);
        #[cfg(feature = "metrics")]
        let keys = {
            let label = || metrics::SharedString::from(Arc::clone(&scheme));
            let key = |name: &'static str, outcome: &'static str, reason: bool| {
                let mut labels = vec![
                    metrics::Label::new("scheme", label()),
                    metrics::Label::from_static_parts("outcome", outcome),
                ];
                if reason {
                    labels.push(metrics::Label::from_static_parts("reason", ""));
                }
                metrics::Key::from_parts(name, labels)
            };
            PlainKeys {
                deliveries: PLAIN_OUTCOMES
                    .map(|outcome| key(crate::metrics::DELIVERIES, outcome, true)),
                durations: PLAIN_OUTCOMES
                    .map(|outcome| key(crate::metrics::DURATION, outcome, false)),
                unnamed_key: metrics::Key::from_parts(
                    crate::metrics::KEY_MATCHES,
                    vec![
                        metrics::Label::new("scheme", label()),
                        metrics::Label::from_static_parts("key", ""),
                    ],
                ),
            }
        };
        Self {
            scheme,
            #[cfg(feature = "metrics")]
            keys,
        }
    }

    pub(super) fn scheme(&self) -> &Arc<str> {
        &self.scheme
    }
}

impl Telemetry {
    pub(super) fn new(meters: &Arc<Meters>) -> Self {
        Self {
            span: tracing::info_span!(
                "webhook",
                scheme = &*meters.scheme,
                delivery_id = Empty,
                key_id = Empty,
                outcome = Empty
            ),
            meters: Arc::clone(meters),
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
        match &delivery.key_id {
            None => metrics::with_recorder(|recorder| {
                recorder.register_counter(&self.meters.keys.unnamed_key, &METADATA)
            })
            .increment(1),
            Some(id) => metrics::counter!(
                crate::metrics::KEY_MATCHES,
                "scheme" => metrics::SharedString::from(Arc::clone(&self.meters.scheme)),
                "key" => metrics::SharedString::from(Arc::clone(id))
            )
            .increment(1),
        }
    }

    /// Logs (and counts) one outcome. `delivery` is given only once it verified.
    pub(super) fn record(&self, outcome: Outcome<'_>, delivery: Option<&Delivery>) {
        let scheme = &*self.meters.scheme;
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
        // An outcome without a reason has its keys built with the guard, found by its name.
        if let Some(index) = PLAIN_OUTCOMES.iter().position(|plain| *plain == name) {
            let keys = &self.meters.keys;
            metrics::with_recorder(|recorder| {
                recorder
                    .register_counter(&keys.deliveries[index], &METADATA)
                    .increment(1);
                if !matches!(outcome, Outcome::Accepted) {
                    recorder
                        .register_histogram(&keys.durations[index], &METADATA)
                        .record(self.started.elapsed());
                }
            });
            return;
        }
        let scheme = metrics::SharedString::from(Arc::clone(&self.meters.scheme));
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

#[cfg(all(test, feature = "metrics"))]
mod tests {
    use super::*;

    /// The keys built once per guard are the ones the `metrics` macros build per call, label
    /// for label, so an exporter sees one series either way.
    #[test]
    fn keys_built_once_are_the_macros_keys() {
        let meters = Meters::new("audit-trail");
        let labels = |pairs: &[(&'static str, &'static str)]| {
            pairs
                .iter()
                .map(|&(key, value)| metrics::Label::new(key, value))
                .collect::<Vec<_>>()
        };
        for (index, outcome) in PLAIN_OUTCOMES.into_iter().enumerate() {
            let expected = metrics::Key::from_parts(
                crate::metrics::DELIVERIES,
                labels(&[
                    ("scheme", "audit-trail"),
                    ("outcome", outcome),
                    ("reason", ""),
                ]),
            );
            assert_eq!(meters.keys.deliveries[index], expected);
            let expected = metrics::Key::from_parts(
                crate::metrics::DURATION,
                labels(&[("scheme", "audit-trail"), ("outcome", outcome)]),
            );
            assert_eq!(meters.keys.durations[index], expected);
        }
        let expected = metrics::Key::from_parts(
            crate::metrics::KEY_MATCHES,
            labels(&[("scheme", "audit-trail"), ("key", "")]),
        );
        assert_eq!(meters.keys.unnamed_key, expected);
        assert_eq!(&**meters.scheme(), "audit-trail");
    }
}
