//! The durable inbox: answer the sender as soon as a verified delivery is stored, run the
//! handler from workers, never lose what was acknowledged.
//!
//! Both specs ask receivers to answer 200 fast and process asynchronously (PALO: "< 5 s", and
//! it gives up at 10 s). In inbox mode the layer (or the middleware) verifies a delivery as
//! always (signature, freshness, id binding), then **inserts it in one statement whose unique
//! key is the dedup key** and answers 2xx **only once that insert is durable** (SQLite in WAL
//! mode with `synchronous=FULL`; a Postgres commit). A duplicate is answered 2xx at once
//! without a second row; a database that cannot be reached is answered 503 with
//! `Retry-After`, nothing acknowledged. Concurrent inserts are grouped into one commit (up to
//! 64 rows: those that arrived while the previous commit was being synced), which is what
//! makes a synced commit per delivery affordable.
//!
//! [Workers](Worker) then claim rows (`FOR UPDATE SKIP LOCKED` on Postgres, an `UPDATE …
//! RETURNING` on SQLite), each under a lease whose token fences a stale worker; the lease is
//! renewed while the handler runs, and a crashed worker's rows are claimed again once it runs
//! out. A handler that fails is retried with exponential backoff and jitter; after
//! `max_attempts` the row is **dead**, kept with its last error, for a re-drive.
//!
//! # What is exactly once, and what is not
//!
//! - **Storage and dedup: exactly once.** One row per dedup key (scheme, tenant, id), whatever
//!   the copies, replicas or crashes; 2xx only after the row is durable. For a scheme whose id
//!   is not signed (GitHub's `X-GitHub-Delivery`, Shopify's, Twilio's, Linear's, PayPal's,
//!   Dropbox's) the signature's key is a second unique key, as inline mode claims it in the
//!   replay store: a captured delivery re-sent under fresh id headers is a duplicate.
//! - **Effects in the inbox's database: exactly once**, with the transactional handler
//!   ([`WorkerBuilder::transactional`]): it receives the transaction in which the row is marked done,
//!   so its writes and the done-mark commit or roll back together, and a worker whose lease was
//!   taken over cannot commit (its done-mark matches no row, the transaction is rolled back).
//! - **Everything else (an e-mail, an HTTP call, a write to another database): at least once.**
//!   A crash after the effect and before the commit runs the handler again. Make those effects
//!   idempotent, keyed by [`InboxDelivery::id`].
//!
//! # Poison deliveries, faults, and SQLite
//!
//! A handler's panic is caught and counts as a failed attempt (its message is the row's last
//! error); an attempt whose worker died (its lease ran out) counts too, through the same
//! backoff: every delivery ends, handled or dead. Lock conflicts a handler meets and the inbox's
//! own database faults are retried without counting an attempt, their first
//! `max_attempts - 1` times (then they count too, so a done-mark that can never commit ends
//! dead). A connection that a fault left broken is closed, never reused, so the inbox heals by
//! itself once the cause is gone.
//!
//! On SQLite, acknowledgements are stored in an intake file beside the inbox's
//! (`<file>.intake`) and moved into `webhook_inbox` off the acknowledgement path, so that a
//! transactional handler holding the file's write lock never holds a sender
//! ([`InboxOptions::sqlite_intake`]). See the guide
//! [running the inbox in production](crate::guides).
//!
//! Rows marked done are kept for [`InboxOptions::retention`] (7 days by default, longer than
//! any built-in provider's retry horizon: Stripe retries for 3 days) so that late copies stay
//! duplicates; workers delete older ones by themselves ([`InboxOptions::purge_every`]).
//!
//! ```no_run
//! # #[cfg(feature = "inbox-sqlite")]
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use webhook_guard::inbox::{Inbox, InboxDelivery};
//! use webhook_guard::event::AuditTrailEvent;
//! use webhook_guard::{Guard, Scheme, Secret, Verifier};
//!
//! let inbox = Inbox::<sqlx::Sqlite>::connect("sqlite://webhooks.db").await?;
//! let secret = Secret::new("whsec_abc123def456")?;
//! // Inbox mode: the layer stores and answers; no handler runs inline.
//! let guard = Guard::new(Verifier::new(Scheme::audit_trail(), [secret])).inbox(inbox.clone());
//! # let _ = guard;
//!
//! // Workers run the handler, its writes in the transaction that marks the delivery done.
//! let worker = inbox
//!     .worker()
//!     .concurrency(8)
//!     .transactional(|delivery: InboxDelivery, mut tx: sqlx::Transaction<'static, sqlx::Sqlite>| async move {
//!         let event: AuditTrailEvent = delivery.parse()?;
//!         sqlx::query("INSERT INTO audit_log (id, kind) VALUES ($1, $2)")
//!             .bind(event.id())
//!             .bind(event.event_type())
//!             .execute(&mut *tx)
//!             .await?;
//!         Ok(tx)
//!     });
//! // ... on shutdown:
//! worker.shutdown().await;
//! # Ok(())
//! # }
//! ```

// With the `inbox` feature alone there is no database to run the statements on.
#![cfg_attr(
    not(any(feature = "inbox-sqlite", feature = "inbox-postgres")),
    allow(dead_code)
)]

mod backend;
#[cfg(feature = "inbox-sqlite")]
mod intake;
mod telemetry;
mod worker;
mod write;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde::Serialize;
use sqlx::Pool;
use sqlx::pool::PoolConnection;
use tokio::sync::{mpsc, oneshot, watch};

pub use backend::Backend;
#[cfg(feature = "inbox-sqlite")]
use intake::Intake;

/// Without SQLite there is no intake: a type with no value, so `Option<Arc<Intake>>` is `None`.
#[cfg(not(feature = "inbox-sqlite"))]
mod no_intake {
    use super::NewDelivery;

    /// Named by the sealed backend trait, never constructed.
    pub enum Intake {}

    impl Intake {
        pub(crate) async fn write(
            &self,
            _: &[NewDelivery],
            _: &[(String, usize)],
            _: i64,
        ) -> Result<Vec<bool>, sqlx::Error> {
            match *self {}
        }

        pub(crate) async fn waiting(&self) -> Result<(u64, Option<i64>), sqlx::Error> {
            match *self {}
        }

        pub(crate) async fn flush(&self) -> Result<u64, sqlx::Error> {
            match *self {}
        }
    }
}
#[cfg(not(feature = "inbox-sqlite"))]
use no_intake::Intake;
pub use worker::{HandlerError, Worker, WorkerBuilder};

use crate::{Delivery, HeaderLookup, Scheme};

/// The inbox's settings.
///
/// ```
/// use std::time::Duration;
/// use webhook_guard::inbox::{InboxOptions, RetryPolicy};
///
/// let options = InboxOptions {
///     retry: RetryPolicy { max_attempts: 5, ..RetryPolicy::default() },
///     retention: Duration::from_secs(14 * 24 * 3600),
///     ..InboxOptions::default()
/// };
/// assert_eq!(options.batch_rows, 64);
/// ```
#[derive(Debug, Clone)]
pub struct InboxOptions {
    /// The most rows grouped into one commit (default 64).
    pub batch_rows: usize,
    /// How long the writer lingers for more inserts before a commit (default none). Without a
    /// linger a commit takes every insert that arrived while the previous one was being
    /// synced, so batches grow with the load by themselves and a lone delivery is not kept
    /// waiting; a linger trades acknowledgement latency for fewer, larger commits.
    pub batch_wait: Duration,
    /// How long a claimed row stays a worker's without renewal (default 30 s): a crashed
    /// worker's rows are claimed again after at most this long (and one poll).
    pub lease: Duration,
    /// How often workers look for work when nothing woke them (default 1 s).
    pub poll_interval: Duration,
    /// Retries of a failing handler.
    pub retry: RetryPolicy,
    /// How long done rows are kept, so late copies stay duplicates (default 7 days).
    pub retention: Duration,
    /// How often workers delete done rows past the retention, in small batches (default every
    /// 10 minutes; `None`: never by themselves, call [`Inbox::purge`]).
    pub purge_every: Option<Duration>,
    /// Connections in the pool (default 16). The writer keeps one; each running handler holds
    /// one for its transaction: make it more than the workers' concurrency, so that claims and
    /// lease renewals do not wait for handlers.
    pub max_connections: u32,
    /// An insert that cannot be stored within this time is answered 503 (default 4 s, so
    /// that a sender sees the 503 within 5 s); the writer gives up its batch after this long
    /// too, and starts the next on a fresh connection. It also bounds the workers' own
    /// statements (claims, renewals, done-marks), and opening a connection.
    pub unavailable_after: Duration,
    /// SQLite only: store acknowledgements in an intake file beside the inbox's
    /// (`<file>.intake`), moved into the inbox's table off the acknowledgement path, so that an
    /// acknowledgement never waits for a transactional handler's write lock (default on). See
    /// the [module docs](self), "SQLite".
    pub sqlite_intake: bool,
    /// PostgreSQL's `statement_timeout` for the inbox's connections, your transactional
    /// handlers' included (default 30 s): a statement stuck on a lock or a dead peer ends.
    pub statement_timeout: Duration,
    /// PostgreSQL's `idle_in_transaction_session_timeout` (default 60 s): a session whose
    /// client vanished mid-transaction (a crashed worker, a dropped network path) gives its
    /// locks back instead of holding them until TCP notices.
    pub idle_in_transaction_timeout: Duration,
    /// How often workers refresh the gauges of rows by state and of the oldest pending
    /// delivery's age (feature `metrics`, see [`crate::metrics`]; default every 5 s; `None`:
    /// never). Each refresh counts the table's rows by state: on a table of millions of
    /// done rows, refresh less often (or from one replica only).
    pub gauges_every: Option<Duration>,
}

impl Default for InboxOptions {
    fn default() -> Self {
        Self {
            batch_rows: 64,
            batch_wait: Duration::ZERO,
            lease: Duration::from_secs(30),
            poll_interval: Duration::from_secs(1),
            retry: RetryPolicy::default(),
            retention: Duration::from_secs(7 * 24 * 3600),
            purge_every: Some(Duration::from_secs(600)),
            max_connections: 16,
            unavailable_after: Duration::from_secs(4),
            sqlite_intake: true,
            statement_timeout: Duration::from_secs(30),
            idle_in_transaction_timeout: Duration::from_secs(60),
            gauges_every: Some(Duration::from_secs(5)),
        }
    }
}

/// Exponential backoff with jitter: attempt `n` (from 1) that fails is retried after
/// `base × 2^(n-1)`, at most `cap`, ±25 %; after `max_attempts` the row is dead.
///
/// ```
/// use std::time::Duration;
/// use webhook_guard::inbox::RetryPolicy;
///
/// let policy = RetryPolicy::default();
/// let third = policy.delay(3);
/// assert!(third >= Duration::from_secs(3) && third <= Duration::from_secs(5), "{third:?}");
/// assert!(policy.delay(40) <= policy.cap + policy.cap / 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts before the row is dead (default 8).
    pub max_attempts: u32,
    /// The first retry's delay (default 1 s).
    pub base: Duration,
    /// The longest delay (default 1 h).
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base: Duration::from_secs(1),
            cap: Duration::from_secs(3600),
        }
    }
}

impl RetryPolicy {
    /// The delay before retrying after failed attempt `attempt` (from 1).
    pub fn delay(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(30);
        let delay = self.base.saturating_mul(1 << exponent).min(self.cap);
        // ±25 %, so that deliveries that failed together do not retry together.
        let jitter = (random_u64() % 501) as f64 / 1000.0 + 0.75;
        delay.mul_f64(jitter)
    }
}

/// A row's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Waiting for a worker (new, or to be retried).
    Pending,
    /// Claimed by a worker.
    Running,
    /// Handled.
    Done,
    /// Failed `max_attempts` times: kept with its last error, for a re-drive.
    Dead,
}

impl std::str::FromStr for State {
    type Err = InboxError;

    /// Reads `pending`, `running`, `done` or `dead`.
    fn from_str(text: &str) -> Result<Self, InboxError> {
        match text {
            "pending" => Ok(Self::Pending),
            "running" => Ok(Self::Running),
            "done" => Ok(Self::Done),
            "dead" => Ok(Self::Dead),
            _ => Err(InboxError::Invalid(
                "a state is pending, running, done or dead",
            )),
        }
    }
}

impl State {
    /// The state as stored and shown: `pending`, `running`, `done`, `dead`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Done => "done",
            Self::Dead => "dead",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "running" => Self::Running,
            "done" => Self::Done,
            "dead" => Self::Dead,
            _ => Self::Pending,
        }
    }
}

/// Rows by state, and how long the oldest delivery not yet done has waited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Stats {
    /// Rows waiting for a worker.
    pub pending: u64,
    /// Rows claimed by a worker.
    pub running: u64,
    /// Rows handled (kept for the retention).
    pub done: u64,
    /// Rows that failed every attempt.
    pub dead: u64,
    /// Milliseconds since the oldest pending or running row was received.
    pub oldest_pending_ms: Option<i64>,
}

/// A dead row, as listed for an operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DeadRow {
    /// The row's id, to re-drive it.
    pub row_id: i64,
    /// The scheme's name.
    pub scheme: String,
    /// The tenant, if any.
    pub tenant: Option<String>,
    /// The delivery's dedup id.
    pub delivery_id: String,
    /// The event type, if any.
    pub event_type: Option<String>,
    /// Attempts made.
    pub attempts: i64,
    /// The last attempt's error.
    pub last_error: Option<String>,
    /// When it was received (Unix milliseconds).
    pub received_at_ms: i64,
}

/// Which rows to list or re-drive: every condition given must hold; newest first.
///
/// ```
/// use webhook_guard::inbox::{Filter, State};
///
/// let stuck = Filter::default().state(State::Dead).scheme("github").limit(20);
/// assert_eq!(stuck.limit, 20);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Filter {
    /// Rows in this state only.
    pub state: Option<State>,
    /// Rows of this scheme (the provider's route name) only.
    pub scheme: Option<String>,
    /// Rows of this delivery id only.
    pub delivery_id: Option<String>,
    /// Rows whose body contains these bytes only, among the newest [`TEXT_SEARCH_ROWS`] rows
    /// (a search reads bodies: bounded, so that it stays fast on a large table).
    pub body_contains: Option<String>,
    /// Rows older than this row id only: the next page after a listing's last row.
    pub before: Option<i64>,
    /// At most this many rows (default 100).
    pub limit: u32,
}

impl Default for Filter {
    fn default() -> Self {
        Self {
            state: None,
            scheme: None,
            delivery_id: None,
            body_contains: None,
            before: None,
            limit: 100,
        }
    }
}

impl Filter {
    /// Rows in `state` only.
    #[must_use]
    pub fn state(mut self, state: State) -> Self {
        self.state = Some(state);
        self
    }

    /// Rows of `scheme` only.
    #[must_use]
    pub fn scheme(mut self, scheme: impl Into<String>) -> Self {
        self.scheme = Some(scheme.into());
        self
    }

    /// Rows of delivery `id` only.
    #[must_use]
    pub fn delivery_id(mut self, id: impl Into<String>) -> Self {
        self.delivery_id = Some(id.into());
        self
    }

    /// Rows whose body contains `text` only, among the newest [`TEXT_SEARCH_ROWS`] rows.
    #[must_use]
    pub fn body_contains(mut self, text: impl Into<String>) -> Self {
        self.body_contains = Some(text.into()).filter(|text| !text.is_empty());
        self
    }

    /// Rows older than row `row_id` only (paging).
    #[must_use]
    pub fn before(mut self, row_id: i64) -> Self {
        self.before = Some(row_id);
        self
    }

    /// At most `limit` rows.
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit;
        self
    }

    fn state_text(&self) -> Option<&'static str> {
        self.state.map(State::as_str)
    }
}

/// A row, as listed for an operator (its body and headers with [`Inbox::show`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RowSummary {
    /// The row's id.
    pub row_id: i64,
    /// The scheme's name.
    pub scheme: String,
    /// The tenant, if any.
    pub tenant: Option<String>,
    /// The delivery's dedup id.
    pub delivery_id: String,
    /// The event type, if any.
    pub event_type: Option<String>,
    /// Its state.
    pub state: State,
    /// Attempts made (counted ones: a postponed or given-back attempt is not).
    pub attempts: i64,
    /// The last failed attempt's error.
    pub last_error: Option<String>,
    /// When it was received (Unix milliseconds).
    pub received_at_ms: i64,
    /// When it is due to run (pending), or last ran (Unix milliseconds).
    pub run_at_ms: i64,
    /// When it was handled (Unix milliseconds).
    pub done_at_ms: Option<i64>,
}

/// One row in full: its summary, the headers kept with it, the body, the trace context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RowDetail {
    /// What a listing shows.
    #[serde(flatten)]
    pub summary: RowSummary,
    /// The headers the scheme reads, as received (never a secret: those are not headers).
    pub headers: Vec<(String, String)>,
    /// The raw body, as received and verified (lossy UTF-8 when serialised).
    #[serde(serialize_with = "lossy_text")]
    pub body: Bytes,
    /// The request's W3C `traceparent`, if it carried one.
    pub traceparent: Option<String>,
    /// What each attempt did, oldest first (kept as long as the retention).
    pub attempts: Vec<Attempt>,
    /// The signed timestamp (Unix seconds), where the scheme signs one.
    pub signed_at: Option<i64>,
}

impl RowDetail {
    /// How far the sender's signed time was from the reception, in milliseconds: positive when
    /// the delivery was signed before it arrived (the usual case, by the network's delay and
    /// the sender's retries), negative when the sender's clock runs ahead.
    pub fn skew_ms(&self) -> Option<i64> {
        self.signed_at.map(|at| {
            self.summary
                .received_at_ms
                .saturating_sub(at.saturating_mul(1000))
        })
    }
}

/// One attempt of a row, as recorded when it ended.
///
/// `outcome` is `handled`, `retried` (failed; another attempt is scheduled), `dead` (failed its
/// last attempt), or `postponed` (not the handler's doing: a lock conflict or a database fault;
/// not counted). An attempt whose worker died is recorded when its lease is rescued, as
/// `retried` or `dead`, with the error saying so.
///
/// ```
/// use webhook_guard::inbox::Attempt;
///
/// let attempt = Attempt::new(7, 1, 1_000, 1_250, "retried", Some("timeout".into()));
/// assert_eq!(attempt.duration_ms(), 250);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Attempt {
    /// The row's id.
    pub row_id: i64,
    /// The attempt's number, from 1 (a postponed attempt keeps the number it ran with).
    pub attempt: i64,
    /// When it started (Unix milliseconds).
    pub started_at_ms: i64,
    /// When it ended (Unix milliseconds).
    pub finished_at_ms: i64,
    /// How it ended: `handled`, `retried`, `dead` or `postponed`.
    pub outcome: String,
    /// Its error, if it failed.
    pub error: Option<String>,
}

impl Attempt {
    /// An attempt's record.
    pub fn new(
        row_id: i64,
        attempt: i64,
        started_at_ms: i64,
        finished_at_ms: i64,
        outcome: impl Into<String>,
        error: Option<String>,
    ) -> Self {
        Self {
            row_id,
            attempt,
            started_at_ms,
            finished_at_ms,
            outcome: outcome.into(),
            error,
        }
    }

    /// How long it ran, in milliseconds.
    pub fn duration_ms(&self) -> i64 {
        self.finished_at_ms.saturating_sub(self.started_at_ms)
    }
}

fn lossy_text<S: serde::Serializer>(body: &Bytes, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&String::from_utf8_lossy(body))
}

/// A verified delivery to store: built from a [`Delivery`] by the adapters' inbox handlers.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    scheme: String,
    tenant: Option<String>,
    delivery_id: String,
    event_type: Option<String>,
    /// The headers that matter, as a JSON array of `[name, value]` pairs.
    headers: String,
    body: Bytes,
    /// For a scheme whose id is not signed: the signature's key, a second unique key, so that
    /// a captured delivery re-sent under a fresh id header is still a duplicate (inline mode
    /// claims the same key in the replay store).
    signature_key: Option<String>,
    /// The request's W3C `traceparent`, kept so that each attempt can be traced back to it.
    traceparent: Option<String>,
    /// The signed timestamp (Unix seconds), where the scheme signs one: with the reception
    /// time, the sender's clock skew.
    signed_at: Option<i64>,
    /// When it was received, if earlier than its insert (a row carried over from SQLite's
    /// intake keeps its own time).
    #[cfg_attr(not(feature = "inbox-sqlite"), allow(dead_code))]
    received_at_ms: Option<i64>,
}

impl NewDelivery {
    /// The row for a verified `delivery`, with the headers `scheme` reads.
    pub fn new<H: HeaderLookup + ?Sized>(
        scheme: &Scheme,
        delivery: &Delivery,
        headers: &H,
    ) -> Self {
        let traceparent = headers
            .header("traceparent")
            .and_then(|value| std::str::from_utf8(value).ok())
            .filter(|value| is_traceparent(value))
            .map(str::to_owned);
        let headers = scheme.kept_headers(headers);
        // PostgreSQL's text holds no NUL; a signed body could put one in a type or tenant (the
        // body itself is kept intact, as bytes; ids with control characters never verify).
        let text = |value: &str| value.replace('\0', "\u{FFFD}");
        // The replay store's own key for it (SHA-256, the same in every process and replica).
        let (_, signature) = delivery.replay_keys();
        Self {
            scheme: delivery.scheme().to_owned(),
            tenant: delivery.tenant().map(text),
            delivery_id: delivery.id().to_owned(),
            event_type: delivery.event_type().map(text),
            headers: serde_json::to_string(&headers).unwrap_or_else(|_| "[]".into()),
            body: delivery.body().clone(),
            signature_key: signature.map(|key| format!("{:032x}", key.digest())),
            traceparent,
            signed_at: delivery.timestamp(),
            received_at_ms: None,
        }
    }

    /// The unique key: the replay store's (scheme, tenant, id), each part prefixed by its
    /// length so that no two triples share a key (and no byte PostgreSQL's text refuses).
    fn dedup_key(&self) -> String {
        dedup_key(&self.scheme, self.tenant.as_deref(), &self.delivery_id)
    }
}

/// The unique key of (scheme, tenant, id): each part but the last prefixed by its length.
fn dedup_key(scheme: &str, tenant: Option<&str>, id: &str) -> String {
    let tenant = tenant.unwrap_or_default();
    format!("{}:{scheme}{}:{tenant}{id}", scheme.len(), tenant.len())
}

/// A W3C trace context `traceparent`: `version-traceid-parentid-flags`, lower-case hex, 55
/// characters for version `00`. Anything else (a client may send any bytes) is not kept.
fn is_traceparent(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    let hex = |part: &str, len: usize| {
        part.len() == len && part.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    parts.len() >= 4
        && value.len() <= 128
        && hex(parts[0], 2)
        && parts[0] != "ff"
        && hex(parts[1], 32)
        && parts[1] != "0".repeat(32)
        && hex(parts[2], 16)
        && parts[2] != "0".repeat(16)
        && hex(parts[3], 2)
}

/// A delivery as a worker's handler receives it.
///
/// ```
/// # fn doc(delivery: webhook_guard::inbox::InboxDelivery) -> Result<(), serde_json::Error> {
/// use webhook_guard::event::PaloEvent;
///
/// let event: PaloEvent = delivery.parse()?; // the same typed events as inline mode
/// println!("{} {} (attempt {})", delivery.scheme(), event.id(), delivery.attempt());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct InboxDelivery {
    row_id: i64,
    scheme: String,
    tenant: Option<String>,
    id: String,
    event_type: Option<String>,
    headers: Vec<(String, String)>,
    body: Bytes,
    received_at_ms: i64,
    attempt: u32,
    traceparent: Option<String>,
    /// Attempts given back uncounted (conflicts, faults) before this one.
    postponed: u32,
}

impl InboxDelivery {
    fn from_claimed(row: backend::sealed::Claimed) -> Self {
        Self {
            row_id: row.row_id,
            scheme: row.scheme,
            tenant: row.tenant,
            id: row.delivery_id,
            event_type: row.event_type,
            headers: serde_json::from_str(&row.headers).unwrap_or_default(),
            body: Bytes::from(row.body),
            received_at_ms: row.received_at,
            attempt: u32::try_from(row.attempts).unwrap_or(u32::MAX),
            traceparent: row.traceparent,
            postponed: u32::try_from(row.postponed).unwrap_or(u32::MAX),
        }
    }

    /// The row's unique key, the replay store's (scheme, tenant, id): the same for every copy
    /// of the delivery, whatever its row or attempt. Send it as an `Idempotency-Key` to an
    /// upstream that deduplicates (the handler's effects outside the inbox's database are at
    /// least once).
    ///
    /// ```
    /// # fn doc(delivery: webhook_guard::inbox::InboxDelivery) {
    /// let key = delivery.dedup_key();
    /// assert!(key.ends_with(delivery.id()));
    /// # }
    /// ```
    pub fn dedup_key(&self) -> String {
        dedup_key(&self.scheme, self.tenant.as_deref(), &self.id)
    }

    /// The W3C `traceparent` the delivery arrived with, if it carried a valid one: the trace
    /// each attempt belongs to (its span records it as `traceparent`; an OpenTelemetry
    /// bridge can link the attempt's span to it).
    pub fn traceparent(&self) -> Option<&str> {
        self.traceparent.as_deref()
    }

    /// The row's id in the inbox table.
    pub fn row_id(&self) -> i64 {
        self.row_id
    }

    /// The scheme's name.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The tenant, if the scheme reads one.
    pub fn tenant(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// The dedup id (delivery or event id).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The event type, if the scheme reads one.
    pub fn event_type(&self) -> Option<&str> {
        self.event_type.as_deref()
    }

    /// The headers the scheme reads, as received.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The raw body, as received and verified.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// When the delivery was stored (Unix milliseconds).
    pub fn received_at_ms(&self) -> i64 {
        self.received_at_ms
    }

    /// This attempt's number, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Parses the body as `T` (a typed event, or your own type).
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}

/// Why the inbox could not store or read.
#[derive(Debug)]
#[non_exhaustive]
pub enum InboxError {
    /// The database failed or could not be reached.
    Database(sqlx::Error),
    /// The insert was not stored within [`InboxOptions::unavailable_after`].
    Timeout,
    /// The inbox's writer has stopped (the runtime is shutting down).
    Closed,
    /// An operation asked for something the inbox does not do (the reason says what).
    Invalid(&'static str),
}

impl fmt::Display for InboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Database(error) => write!(f, "inbox database: {error}"),
            Self::Timeout => f.write_str("inbox insert timed out"),
            Self::Closed => f.write_str("inbox writer stopped"),
            Self::Invalid(why) => write!(f, "invalid inbox request: {why}"),
        }
    }
}

impl std::error::Error for InboxError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Database(error) => Some(error),
            _ => None,
        }
    }
}

impl From<sqlx::Error> for InboxError {
    fn from(error: sqlx::Error) -> Self {
        Self::Database(error)
    }
}

/// What became of a stored delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// A new row: a worker will run it.
    New,
    /// The dedup key was there already: no second row.
    Duplicate,
}

type Reply = oneshot::Sender<Result<bool, Arc<sqlx::Error>>>;

/// A durable inbox on database `DB` ([`sqlx::Sqlite`] or [`sqlx::Postgres`]). Cheap to clone.
/// See the [module docs](self).
pub struct Inbox<DB: Backend> {
    inner: Arc<InboxInner<DB>>,
}

struct InboxInner<DB: Backend> {
    pool: Pool<DB>,
    options: InboxOptions,
    writer: mpsc::Sender<(NewDelivery, Reply)>,
    /// Bumped when rows became ready (inserted, re-driven, or another replica's NOTIFY): each
    /// worker watches it, so no wake-up is missed between its claim and its wait.
    wake: Arc<watch::Sender<u64>>,
    /// SQLite's intake, where acknowledgements are stored (see [`InboxOptions::sqlite_intake`]).
    intake: Option<Arc<Intake>>,
}

impl<DB: Backend> Clone for Inbox<DB> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<DB: Backend> fmt::Debug for Inbox<DB> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // No URL: it may hold a password.
        f.debug_struct("Inbox")
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

impl<DB: Backend> Inbox<DB> {
    /// Connects with the default [`InboxOptions`], creating the table when missing (and, for
    /// SQLite, the file). Needs a Tokio runtime: it starts the writer task.
    pub async fn connect(url: &str) -> Result<Self, InboxError> {
        Self::connect_with(url, InboxOptions::default()).await
    }

    /// Connects with `options`.
    pub async fn connect_with(url: &str, options: InboxOptions) -> Result<Self, InboxError> {
        let pool = DB::connect(url, &options).await?;
        let (writer, requests) = mpsc::channel(options.batch_rows.max(1) * 64);
        let wake = Arc::new(watch::Sender::new(0));
        let intake = DB::open_intake(&pool, url, &options, Arc::clone(&wake)).await?;
        tokio::spawn(write_batches::<DB>(
            pool.clone(),
            intake.clone(),
            requests,
            options.batch_rows.max(1),
            options.batch_wait,
            options.unavailable_after,
            Arc::clone(&wake),
        ));
        Ok(Self {
            inner: Arc::new(InboxInner {
                pool,
                options,
                writer,
                wake,
                intake,
            }),
        })
    }

    /// The connection pool (the database your transactional handlers write to).
    ///
    /// Do not [`close`](sqlx::Pool::close) it while the inbox lives: its writer keeps a
    /// connection for as long as an `Inbox` handle exists, and `close` waits for every
    /// connection to come back. To stop, shut the workers down and drop every handle.
    pub fn pool(&self) -> &Pool<DB> {
        &self.inner.pool
    }

    /// The settings.
    pub fn options(&self) -> &InboxOptions {
        &self.inner.options
    }

    /// Stores a verified delivery; returns once its row is durable (or was there already).
    pub async fn enqueue(&self, delivery: NewDelivery) -> Result<Enqueued, InboxError> {
        let ack = telemetry::Ack::start(&delivery.scheme);
        let (reply, answer) = oneshot::channel();
        let stored = async {
            self.inner
                .writer
                .send((delivery, reply))
                .await
                .map_err(|_| InboxError::Closed)?;
            match answer.await {
                Ok(Ok(true)) => Ok(Enqueued::New),
                Ok(Ok(false)) => Ok(Enqueued::Duplicate),
                Ok(Err(error)) => Err(InboxError::Database(shared_error(&error))),
                Err(_) => Err(InboxError::Closed),
            }
        };
        ack.finish(
            tokio::time::timeout(self.inner.options.unavailable_after, stored)
                .await
                .unwrap_or(Err(InboxError::Timeout)),
        )
    }

    /// A builder of workers for this inbox.
    pub fn worker(&self) -> WorkerBuilder<DB> {
        WorkerBuilder::new(self.clone())
    }

    /// Rows by state and the oldest pending delivery's age.
    pub async fn stats(&self) -> Result<Stats, InboxError> {
        let now = now_ms();
        // The intake first: a row only ever moves from it to the table, so a row moving
        // between the two reads is counted (twice at worst, for a moment), never missed.
        let waiting = match &self.inner.intake {
            Some(intake) => Some(intake.waiting().await?),
            None => None,
        };
        let mut stats = DB::stats(&self.inner.pool, now).await?;
        if let Some((waiting, oldest)) = waiting {
            // Acknowledged and not yet moved: pending too.
            stats.pending += waiting;
            if let Some(oldest) = oldest {
                let age = now.saturating_sub(oldest).max(0);
                stats.oldest_pending_ms = Some(stats.oldest_pending_ms.map_or(age, |a| a.max(age)));
            }
        }
        Ok(stats)
    }

    /// Moves every delivery acknowledged so far into the inbox's table now (SQLite's intake:
    /// see [`InboxOptions::sqlite_intake`]; a mover does it by itself within milliseconds),
    /// waiting for the handlers' write lock if it must; returns how many it moved. Elsewhere a
    /// no-op: rows are inserted in the table itself.
    pub async fn flush(&self) -> Result<u64, InboxError> {
        match &self.inner.intake {
            Some(intake) => {
                let moved = intake.flush().await?;
                if moved > 0 {
                    self.wake();
                }
                Ok(moved)
            }
            None => Ok(0),
        }
    }

    /// Up to `limit` dead rows, oldest first.
    pub async fn dead(&self, limit: u32) -> Result<Vec<DeadRow>, InboxError> {
        Ok(DB::dead(&self.inner.pool, i64::from(limit)).await?)
    }

    /// Makes dead row `row_id` (or, with `None`, every dead row) pending again, its attempts
    /// reset; returns how many.
    pub async fn redrive(&self, row_id: Option<i64>) -> Result<u64, InboxError> {
        let count = DB::redrive(&self.inner.pool, row_id, now_ms()).await?;
        self.wake();
        Ok(count)
    }

    /// Deletes done rows older than the retention; returns how many.
    pub async fn purge(&self) -> Result<u64, InboxError> {
        self.purge_older_than(self.inner.options.retention).await
    }

    /// Deletes done rows handled more than `age` ago, in batches of at most
    /// [`PURGE_BATCH`] rows (short transactions: acknowledgements and workers are never held
    /// for long); returns how many. Dead, pending and running rows are kept.
    pub async fn purge_older_than(&self, age: Duration) -> Result<u64, InboxError> {
        let before = now_ms().saturating_sub(millis(age));
        let mut total = 0;
        loop {
            let deleted = DB::purge(&self.inner.pool, before, PURGE_BATCH).await?;
            total += deleted;
            if deleted < PURGE_BATCH as u64 {
                return Ok(total);
            }
            tokio::task::yield_now().await;
        }
    }

    /// Rows matching `filter`, newest first.
    ///
    /// ```no_run
    /// # #[cfg(feature = "inbox-sqlite")]
    /// # async fn demo(inbox: webhook_guard::inbox::Inbox<sqlx::Sqlite>) -> Result<(), webhook_guard::inbox::InboxError> {
    /// use webhook_guard::inbox::{Filter, State};
    ///
    /// for row in inbox.list(&Filter::default().state(State::Dead).scheme("github")).await? {
    ///     println!("{} {} {:?}", row.row_id, row.delivery_id, row.last_error);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list(&self, filter: &Filter) -> Result<Vec<RowSummary>, InboxError> {
        Ok(DB::list(&self.inner.pool, filter).await?)
    }

    /// Row `row_id` in full, if it exists.
    pub async fn show(&self, row_id: i64) -> Result<Option<RowDetail>, InboxError> {
        Ok(DB::show(&self.inner.pool, row_id).await?)
    }

    /// Makes every row matching `filter` pending again, now, its attempts reset; returns how
    /// many. Only dead rows (the default, when the filter names no state) or pending ones
    /// (run now, without waiting for their backoff): a done row is never run twice, and a
    /// running one belongs to its worker. `filter.limit` and `filter.before` bound it too.
    pub async fn redrive_where(&self, filter: &Filter) -> Result<u64, InboxError> {
        let mut filter = filter.clone();
        match filter.state {
            None => filter.state = Some(State::Dead),
            Some(State::Dead | State::Pending) => {}
            Some(State::Done | State::Running) => {
                return Err(InboxError::Invalid(
                    "only dead or pending rows are re-driven: a done row is never run twice",
                ));
            }
        }
        let count = DB::redrive_where(&self.inner.pool, &filter, now_ms()).await?;
        self.wake();
        Ok(count)
    }

    /// Tells this process's workers that rows are ready.
    fn wake(&self) {
        bump(&self.inner.wake);
    }

    /// The wake-up sender, for the Postgres listener that relays other replicas' inserts.
    fn inner_wake(&self) -> Arc<watch::Sender<u64>> {
        Arc::clone(&self.inner.wake)
    }

    /// A receiver of wake-ups, for one worker's claim loop.
    fn wake_ups(&self) -> watch::Receiver<u64> {
        self.inner.wake.subscribe()
    }
}

/// How many of the newest rows a [`Filter::body_contains`] search reads.
pub const TEXT_SEARCH_ROWS: i64 = 100_000;

/// The most rows one purge statement deletes.
pub const PURGE_BATCH: i64 = 500;

/// An inbox of any database, as the [`Guard`](crate::Guard) holds it.
#[cfg_attr(not(any(feature = "axum", feature = "actix")), allow(dead_code))]
pub(crate) trait Enqueue: Send + Sync + 'static {
    fn enqueue(
        &self,
        row: NewDelivery,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Enqueued, InboxError>> + Send + '_>,
    >;
}

impl<DB: Backend> Enqueue for Inbox<DB> {
    fn enqueue(
        &self,
        row: NewDelivery,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Enqueued, InboxError>> + Send + '_>,
    > {
        Box::pin(Inbox::enqueue(self, row))
    }
}

/// The group commit: takes the first waiting insert, gathers more for up to `wait` or `max`
/// rows, commits them in one transaction, and answers each.
async fn write_batches<DB: Backend>(
    pool: Pool<DB>,
    intake: Option<Arc<Intake>>,
    mut requests: mpsc::Receiver<(NewDelivery, Reply)>,
    max: usize,
    wait: Duration,
    give_up: Duration,
    wake: Arc<watch::Sender<u64>>,
) {
    let mut rows = Vec::with_capacity(max);
    let mut replies = Vec::with_capacity(max);
    // The writer keeps a connection of its own: workers hold theirs for as long as their
    // handlers run (the done-mark's transaction), and with slow handlers they would otherwise
    // take every connection of the pool, and acknowledgements would wait for handlers. Dropped
    // after an error (it may be broken): the next batch takes a fresh one.
    let mut connection: Option<PoolConnection<DB>> = None;
    while let Some((row, reply)) = requests.recv().await {
        rows.push(row);
        replies.push(reply);
        let deadline = tokio::time::Instant::now() + wait;
        while rows.len() < max {
            match tokio::time::timeout_at(deadline, requests.recv()).await {
                Ok(Some((row, reply))) => {
                    rows.push(row);
                    replies.push(reply);
                }
                Ok(None) | Err(_) => break,
            }
        }
        // Answers dropped by callers that gave up (a timeout) are fine: the row is stored.
        let inserted = match &intake {
            // SQLite: the intake (it bounds and heals its own connection).
            Some(intake) => intake.write(&rows, &dedup_order(&rows), now_ms()).await,
            None => tokio::time::timeout(give_up, async {
                let connection = match &mut connection {
                    Some(connection) => connection,
                    empty => empty.insert(pool.acquire().await?),
                };
                DB::insert_batch(connection, &rows, now_ms()).await
            })
            .await
            .unwrap_or_else(|_| Err(sqlx::Error::PoolTimedOut)),
        };
        if inserted.is_err() {
            // A connection whose statement failed or hung may be stuck in its transaction (a
            // rollback that failed on a full disk) or on a dead socket: closed, never given
            // back to the pool, so the next batch starts on a fresh one.
            if let Some(mut broken) = connection.take() {
                broken.close_on_drop();
            }
        }
        match inserted {
            Ok(inserted) => {
                // Rows in the intake are not claimable yet: its mover wakes the workers.
                if intake.is_none() && inserted.iter().any(|&new| new) {
                    bump(&wake);
                }
                for (reply, new) in replies.drain(..).zip(inserted) {
                    let _ = reply.send(Ok(new));
                }
            }
            Err(error) => {
                tracing::warn!(%error, rows = rows.len(), "inbox insert failed: answering 503");
                let error = Arc::new(error);
                for reply in replies.drain(..) {
                    let _ = reply.send(Err(Arc::clone(&error)));
                }
            }
        }
        rows.clear();
    }
}

/// The rows' dedup keys with their index, in key order: two writers inserting overlapping
/// batches then take the unique index's locks in the same order (no deadlock).
fn dedup_order(rows: &[NewDelivery]) -> Vec<(String, usize)> {
    let mut order: Vec<(String, usize)> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| (row.dedup_key(), i))
        .collect();
    order.sort_unstable();
    order
}

fn bump(wake: &watch::Sender<u64>) {
    wake.send_modify(|n| *n = n.wrapping_add(1));
}

/// `sqlx::Error` is not `Clone`: each waiter of a failed batch gets the message.
fn shared_error(error: &sqlx::Error) -> sqlx::Error {
    sqlx::Error::Protocol(error.to_string())
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// A random number for lease tokens and jitter: unique enough to fence, not a secret.
fn random_u64() -> u64 {
    getrandom::u64().unwrap_or_else(|_| {
        // No randomness from the OS now: a counter and the clock through std's randomly keyed
        // hasher still give each token its own value.
        use std::hash::{BuildHasher, Hasher};
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        hasher.write_i64(now_ms());
        hasher.finish()
    })
}
