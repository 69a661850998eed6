//! The receivers' inbox mode (`INBOX_URL` set): every route stores and answers, and workers
//! run the handlers, each recording its effect in `receiver_effects` in the same transaction
//! as the done-mark.

use std::time::Duration;

use webhook_guard::Guard;
use webhook_guard::inbox::{HandlerError, Inbox, InboxDelivery, InboxOptions, RetryPolicy, Worker};

/// The effect table: one row per handled delivery, written with the done-mark.
const EFFECTS: &str = "CREATE TABLE IF NOT EXISTS receiver_effects \
    (provider TEXT NOT NULL, delivery_id TEXT NOT NULL, event_type TEXT, attempt BIGINT NOT NULL)";

/// Handlers run at the same time by each receiver.
const WORKERS: usize = 32;

/// An inbox on whichever database `INBOX_URL` names.
#[derive(Clone)]
pub enum AnyInbox {
    Sqlite(Inbox<sqlx::Sqlite>),
    Postgres(Inbox<sqlx::Postgres>),
}

/// Runs the same code for either database, with `$inbox` bound to the concrete inbox.
macro_rules! each {
    ($any:expr, $inbox:ident => $body:expr) => {
        match $any {
            AnyInbox::Sqlite($inbox) => $body,
            AnyInbox::Postgres($inbox) => $body,
        }
    };
}

/// `$INBOX_URL`, if set: `sqlite://PATH` (created when missing) or `postgres://…`.
pub fn url() -> Option<String> {
    std::env::var("INBOX_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

/// `HANDLER_WRITE_FIRST=1`: the effect row is written before the knobs' delay, not after it.
fn write_first() -> bool {
    std::env::var("HANDLER_WRITE_FIRST").is_ok_and(|v| v == "1")
}

fn options() -> InboxOptions {
    let number = |var: &str| std::env::var(var).ok().and_then(|v| v.parse::<u64>().ok());
    let mut retry = RetryPolicy::default();
    if let Some(max) = number("INBOX_MAX_ATTEMPTS") {
        retry.max_attempts = u32::try_from(max).unwrap_or(u32::MAX).max(1);
    }
    if let Some(base) = number("INBOX_RETRY_BASE_MS") {
        retry.base = Duration::from_millis(base);
    }
    let defaults = InboxOptions::default();
    InboxOptions {
        retry,
        lease: number("INBOX_LEASE_MS").map_or(defaults.lease, Duration::from_millis),
        // `INBOX_SQLITE_INTAKE=0`: acknowledgements written to the inbox's file itself (to
        // compare; they then wait for handlers holding its write lock).
        sqlite_intake: std::env::var("INBOX_SQLITE_INTAKE").map_or(true, |v| v != "0"),
        retention: number("INBOX_RETENTION_HOURS").map_or(defaults.retention, |hours| {
            Duration::from_secs(hours.saturating_mul(3600))
        }),
        // How often the workers refresh the row gauges of `GET /metrics`.
        gauges_every: number("INBOX_GAUGES_MS").map_or(defaults.gauges_every, |ms| {
            Some(Duration::from_millis(ms.max(10)))
        }),
        // A connection for each worker's transaction (they last as long as the handler), and
        // some for claims, lease renewals, the listener and the writer.
        max_connections: WORKERS as u32 + 8,
        ..defaults
    }
}

impl AnyInbox {
    /// Connects to `url` and creates the effect table; panics with the reason if it cannot.
    pub async fn connect(url: &str) -> Self {
        let options = options();
        let inbox = if url.starts_with("sqlite:") {
            Self::Sqlite(
                Inbox::connect_with(url, options)
                    .await
                    .unwrap_or_else(|e| panic!("INBOX_URL: {e}")),
            )
        } else {
            Self::Postgres(
                Inbox::connect_with(url, options)
                    .await
                    .unwrap_or_else(|e| panic!("INBOX_URL: {e}")),
            )
        };
        let created = match &inbox {
            AnyInbox::Sqlite(inbox) => sqlx::query(EFFECTS).execute(inbox.pool()).await.map(drop),
            // Replicas start together: behind a lock, else Postgres fails one of two concurrent
            // `CREATE TABLE IF NOT EXISTS` (a unique violation in its catalog).
            AnyInbox::Postgres(inbox) => {
                async {
                    let mut tx = inbox.pool().begin().await?;
                    sqlx::query("SELECT pg_advisory_xact_lock(7746916524862648435)")
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(EFFECTS).execute(&mut *tx).await?;
                    tx.commit().await
                }
                .await
            }
        };
        created.unwrap_or_else(|e| panic!("receiver_effects: {e}"));
        eprintln!("inbox mode: deliveries are stored, then handled by workers");
        inbox
    }

    /// `guard` in inbox mode.
    pub fn guard(&self, guard: Guard) -> Guard {
        each!(self, inbox => guard.inbox(inbox.clone()))
    }

    /// Starts the workers: the knobs, then the effect row in the transaction that marks the
    /// delivery done; the stdout line once that transaction has committed (a rolled-back
    /// attempt prints nothing).
    pub fn start_workers(&self) -> Worker {
        each!(self, inbox => inbox
        .worker()
        .concurrency(WORKERS)
        .on_done(|delivery: &InboxDelivery| {
            if let Err(error) = super::handle_stored(delivery.scheme(), delivery.id(), delivery.event_type(), delivery.body()) {
                tracing::error!(%error, id = delivery.id(), "a handled delivery no longer parses");
            }
        })
        .transactional(|delivery: InboxDelivery, mut tx| async move {
            let effect = sqlx::query("INSERT INTO receiver_effects (provider, delivery_id, event_type, attempt) VALUES ($1, $2, $3, $4)")
                .bind(delivery.scheme())
                .bind(delivery.id())
                .bind(delivery.event_type())
                .bind(i64::from(delivery.attempt()));
            if write_first() {
                // The transaction holds the database's write lock (SQLite) from here to its
                // commit, through the knobs' delay.
                effect.execute(&mut *tx).await?;
                super::knobs().attempt(delivery.attempt()).await?;
            } else {
                super::knobs().attempt(delivery.attempt()).await?;
                effect.execute(&mut *tx).await?;
            }
            super::check_stored(delivery.scheme(), delivery.body()).map_err(HandlerError::from)?;
            Ok(tx)
        }))
    }
}
