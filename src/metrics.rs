//! Counters and a latency histogram of what the guard decided, through the
//! [`metrics`](https://docs.rs/metrics) facade (feature `metrics`, off by default).
//!
//! The guard records; the application installs the recorder it already uses
//! (`metrics-exporter-prometheus`, an OpenTelemetry bridge, ...). Without one, recording costs
//! next to nothing.
//!
//! | metric | kind | labels |
//! |---|---|---|
//! | [`DELIVERIES`] `webhook_guard_deliveries_total` | counter | `scheme`, `outcome`, `reason` |
//! | [`DURATION`] `webhook_guard_delivery_duration_seconds` | histogram | `scheme`, `outcome` |
//!
//! `outcome` is the one of the logs (see [`Guard`](crate::Guard)): `accepted` when the handler is
//! about to run, then exactly one of `handled`, `handler_failed` or `cancelled`; or, instead
//! of all these, one of `rejected`, `duplicate` or `handshake`. `reason` is the
//! [`Rejection::code`](crate::Rejection::code) of a refusal, empty otherwise. The histogram
//! measures from the first look at the request to its last outcome (the handler included).
//!
//! ```
//! use metrics_util::debugging::DebuggingRecorder;
//! use webhook_guard::{Guard, Scheme, Secret, Signer, Verifier};
//!
//! let recorder = DebuggingRecorder::new();
//! let snapshotter = recorder.snapshotter();
//! let secret = Secret::new("It's a Secret to Everybody").unwrap();
//! let guard = Guard::new(Verifier::new(Scheme::github(), [secret.clone()]));
//! let headers = Signer::new(Scheme::github(), secret).headers(b"{}", 0, "d-1");
//!
//! metrics::with_local_recorder(&recorder, || {
//!     futures::executor::block_on(async {
//!         let admitted = guard.admit(&headers, "/", "{}".into()).await.unwrap();
//!         admitted.into_admission().finish(200).await;
//!         let _duplicate = guard.admit(&headers, "/", "{}".into()).await.unwrap_err();
//!     })
//! });
//!
//! let counted = |outcome: &str| {
//!     snapshotter.snapshot().into_vec().into_iter().find_map(|(key, _, _, value)| {
//!         let labels: Vec<_> = key.key().labels().map(|l| (l.key().to_owned(), l.value().to_owned())).collect();
//!         let wanted = key.key().name() == webhook_guard::metrics::DELIVERIES
//!             && labels.contains(&("outcome".to_owned(), outcome.to_owned()));
//!         match (wanted, value) {
//!             (true, metrics_util::debugging::DebugValue::Counter(n)) => Some(n),
//!             _ => None,
//!         }
//!     })
//! };
//! assert_eq!(counted("accepted"), Some(1));
//! assert_eq!(counted("handled"), Some(1));
//! assert_eq!(counted("duplicate"), Some(1));
//! ```

/// The counter of outcomes: `webhook_guard_deliveries_total`, labels `scheme`, `outcome`,
/// `reason`. See the [module docs](self).
pub const DELIVERIES: &str = "webhook_guard_deliveries_total";

/// The histogram of time from the request to its last outcome, in seconds:
/// `webhook_guard_delivery_duration_seconds`, labels `scheme`, `outcome`. See the
/// [module docs](self).
pub const DURATION: &str = "webhook_guard_delivery_duration_seconds";
