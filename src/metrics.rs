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
//! | [`KEY_MATCHES`] `webhook_guard_key_matches_total` | counter | `scheme`, `key` |
//! | [`INBOX_DELIVERIES`] `webhook_inbox_deliveries_total` | counter | `scheme`, `outcome` |
//! | [`INBOX_ACK_DURATION`] `webhook_inbox_ack_duration_seconds` | histogram | `scheme` |
//! | [`INBOX_HANDLER_DURATION`] `webhook_inbox_handler_duration_seconds` | histogram | `scheme`, `outcome` |
//! | [`INBOX_ROWS`] `webhook_inbox_rows` | gauge | `state` |
//! | [`INBOX_OLDEST_PENDING`] `webhook_inbox_oldest_pending_seconds` | gauge | none |
//!
//! `outcome` is the one of the logs (see [`Guard`](crate::Guard)): `accepted` when the handler is
//! about to run, then exactly one of `handled`, `handler_failed` or `cancelled`; or, instead
//! of all these, one of `rejected`, `duplicate` or `handshake`. `reason` is the
//! [`Rejection::code`](crate::Rejection::code) of a refusal, empty otherwise. The histogram
//! measures from the first look at the request to its last outcome (the handler included).
//!
//! # Inbox mode
//!
//! With [`crate::inbox`] (feature `inbox` and a database) the inbox records too:
//!
//! - `webhook_inbox_deliveries_total`, `outcome` one of: `acknowledged` (a new row is
//!   durable: the sender got 2xx), `duplicate` (the row was there: 2xx, no second row),
//!   `unavailable` (not stored in time: 503, nothing acknowledged); then, per attempt,
//!   `handled` (the done-mark committed), `retried` (the handler failed or panicked; it runs
//!   again after its backoff), `dead` (it failed its last attempt), `postponed` (a lock
//!   conflict or the inbox's own database fault: given back uncounted). An attempt whose
//!   worker died is counted when its lease runs out, as `retried` or `dead` with an empty
//!   `scheme`.
//! - `webhook_inbox_ack_duration_seconds`: from [`Inbox::enqueue`](crate::inbox::Inbox::enqueue)
//!   until the row is durable (`acknowledged` and `duplicate`): what the sender waits for,
//!   beyond verification.
//! - `webhook_inbox_handler_duration_seconds`: one attempt, from its start to its done-mark's
//!   commit (or its failure), `outcome` as above (`handled`, `retried`, `dead`, `postponed`).
//! - `webhook_inbox_rows{state}` (`pending`, `running`, `done`, `dead`) and
//!   `webhook_inbox_oldest_pending_seconds` (the oldest row not yet done; 0 when none):
//!   gauges the running workers refresh every
//!   [`InboxOptions::gauges_every`](crate::inbox::InboxOptions::gauges_every) (5 s by default).
//!   Alert on a pending age that keeps growing (workers stopped or too few) and on dead rows.
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

/// The counter of verified deliveries by the key that verified them:
/// `webhook_guard_key_matches_total`, labels `scheme`, `key` (the key's id,
/// [`Delivery::key_id`](crate::Delivery::key_id); empty for a key without one). Counted once
/// per verified request (duplicates and handshakes included: they prove the key is in use).
/// When an old key's count stops growing, it can be removed.
///
/// ```
/// use metrics_util::debugging::{DebugValue, DebuggingRecorder};
/// use webhook_guard::{Guard, Scheme, Secret, Signer, Verifier};
///
/// let recorder = DebuggingRecorder::new();
/// let snapshotter = recorder.snapshotter();
/// let old = Secret::new("old-secret").unwrap().with_id("2026-q3");
/// let new = Secret::new("new-secret").unwrap().with_id("2026-q4");
/// let guard = Guard::new(Verifier::new(Scheme::github(), [new, old.clone()]));
/// let headers = Signer::new(Scheme::github(), old).headers(b"{}", 0, "d-1");
/// metrics::with_local_recorder(&recorder, || {
///     futures::executor::block_on(async {
///         let admitted = guard.admit(&headers, "/", "{}".into()).await.unwrap();
///         admitted.into_admission().finish(200).await;
///     })
/// });
/// let matched: Vec<_> = snapshotter.snapshot().into_vec().into_iter().filter_map(|(key, _, _, value)| {
///     let key = key.key();
///     let label = key.labels().find(|l| l.key() == "key")?.value().to_owned();
///     (key.name() == webhook_guard::metrics::KEY_MATCHES).then_some((label, value))
/// }).collect();
/// assert_eq!(matched, [("2026-q3".to_owned(), DebugValue::Counter(1))]);
/// ```
pub const KEY_MATCHES: &str = "webhook_guard_key_matches_total";

/// The counter of inbox outcomes: `webhook_inbox_deliveries_total`, labels `scheme`,
/// `outcome` (`acknowledged`, `duplicate`, `unavailable`, `handled`, `retried`, `dead`,
/// `postponed`). See the [module docs](self#inbox-mode).
pub const INBOX_DELIVERIES: &str = "webhook_inbox_deliveries_total";

/// The histogram of time from an insert into the inbox until its row is durable, in seconds:
/// `webhook_inbox_ack_duration_seconds`, label `scheme`. See the [module docs](self#inbox-mode).
pub const INBOX_ACK_DURATION: &str = "webhook_inbox_ack_duration_seconds";

/// The histogram of one worker's attempt, in seconds: `webhook_inbox_handler_duration_seconds`,
/// labels `scheme`, `outcome`. See the [module docs](self#inbox-mode).
pub const INBOX_HANDLER_DURATION: &str = "webhook_inbox_handler_duration_seconds";

/// The gauge of the inbox's rows: `webhook_inbox_rows`, label `state` (`pending`, `running`,
/// `done`, `dead`). See the [module docs](self#inbox-mode).
pub const INBOX_ROWS: &str = "webhook_inbox_rows";

/// The gauge of the oldest row not yet done, its age in seconds (0 when none):
/// `webhook_inbox_oldest_pending_seconds`. See the [module docs](self#inbox-mode).
pub const INBOX_OLDEST_PENDING: &str = "webhook_inbox_oldest_pending_seconds";
