//! The two databases behind one trait: the same statements, generated once for each by
//! `backend!`, differing only where the dialects do (the table's DDL, `FOR UPDATE SKIP
//! LOCKED`, how a write transaction begins, and Postgres's `NOTIFY`).
// With the `inbox` feature alone there is no database: the macro and its imports go unused.
#![cfg_attr(
    not(any(feature = "inbox-sqlite", feature = "inbox-postgres")),
    allow(unused)
)]

use sqlx::{Pool, Row, Transaction};

#[cfg(feature = "inbox-sqlite")]
use super::write::insert_each;
use super::write::usable;
use sealed::Claimed;

use super::{
    Attempt, DeadRow, Filter, InboxOptions, NewDelivery, RowDetail, RowSummary, State, Stats,
};

pub(crate) mod sealed {
    use std::future::Future;

    use sqlx::{Pool, Transaction};

    use crate::inbox::{
        Attempt, DeadRow, Filter, InboxOptions, NewDelivery, RowDetail, RowSummary, State, Stats,
    };

    /// A claimed row: what a worker runs.
    #[derive(Debug)]
    pub struct Claimed {
        pub row_id: i64,
        pub scheme: String,
        pub tenant: Option<String>,
        pub delivery_id: String,
        pub event_type: Option<String>,
        pub headers: String,
        pub body: Vec<u8>,
        pub received_at: i64,
        pub attempts: i64,
        pub traceparent: Option<String>,
        pub postponed: i64,
    }

    /// The statements, one implementation per database (see `backend!`).
    pub trait Sealed: sqlx::Database {
        fn connect(
            url: &str,
            options: &InboxOptions,
        ) -> impl Future<Output = Result<Pool<Self>, sqlx::Error>> + Send;

        /// SQLite's intake beside the inbox's file (see `intake`), or `None`.
        fn open_intake(
            pool: &Pool<Self>,
            url: &str,
            options: &InboxOptions,
            wake: std::sync::Arc<tokio::sync::watch::Sender<u64>>,
        ) -> impl Future<Output = Result<Option<std::sync::Arc<super::super::Intake>>, sqlx::Error>> + Send;

        /// Inserts the rows in one transaction on `conn` (the writer's own); for each, whether
        /// it was new (not a duplicate).
        fn insert_batch(
            conn: &mut Self::Connection,
            rows: &[NewDelivery],
            now_ms: i64,
        ) -> impl Future<Output = Result<Vec<bool>, sqlx::Error>> + Send;

        fn claim(
            pool: &Pool<Self>,
            limit: i64,
            token: i64,
            lease_until_ms: i64,
            now_ms: i64,
        ) -> impl Future<Output = Result<Vec<Claimed>, sqlx::Error>> + Send;

        /// Marks the row done inside `tx`; false when the lease was lost (the token fenced).
        fn complete(
            tx: &mut Transaction<'static, Self>,
            row_id: i64,
            token: i64,
            now_ms: i64,
        ) -> impl Future<Output = Result<bool, sqlx::Error>> + Send;

        /// Schedules a retry at `run_at_ms`, or marks the row dead after `max_attempts`.
        fn fail(
            pool: &Pool<Self>,
            row_id: i64,
            token: i64,
            run_at_ms: i64,
            error: &str,
            max_attempts: i64,
        ) -> impl Future<Output = Result<Option<State>, sqlx::Error>> + Send;

        fn renew(
            pool: &Pool<Self>,
            row_id: i64,
            token: i64,
            lease_until_ms: i64,
        ) -> impl Future<Output = Result<bool, sqlx::Error>> + Send;

        /// Records an attempt that ended (`webhook_inbox_attempts`) inside `tx`: the handled
        /// one commits with its done-mark.
        fn record_in(
            tx: &mut Transaction<'static, Self>,
            attempt: &Attempt,
        ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;

        /// Records an attempt that ended, on its own (a failure, a postponement, a rescue).
        fn record(
            pool: &Pool<Self>,
            attempt: &Attempt,
        ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;

        /// Gives a held row back without counting the attempt, to run at `run_at_ms` (graceful
        /// shutdown; a conflict or a database fault that is not the handler's), adding
        /// `postponed` (0 or 1) to the row's count of attempts given back uncounted.
        fn release(
            pool: &Pool<Self>,
            row_id: i64,
            token: i64,
            run_at_ms: i64,
            postponed: i64,
        ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;

        /// Relays the database's notifications of new rows (other replicas' inserts) to this
        /// process's workers, until dropped. Returns at once where there are none (SQLite).
        fn listen(
            pool: Pool<Self>,
            wake: std::sync::Arc<tokio::sync::watch::Sender<u64>>,
        ) -> impl Future<Output = ()> + Send + 'static;

        /// Up to `limit` rows whose lease ran out (a crashed worker's): `(row id, lease token,
        /// attempts, scheme)`.
        fn expired(
            pool: &Pool<Self>,
            now_ms: i64,
            limit: i64,
        ) -> impl Future<Output = Result<Vec<(i64, i64, i64, String)>, sqlx::Error>> + Send;

        /// Counts an expired lease as a failed attempt: the row is retried at `run_at_ms`, or
        /// dead after `max_attempts`. Fenced by the token and the lease's end, so a worker that
        /// renewed in the meantime keeps its row.
        fn rescue(
            pool: &Pool<Self>,
            row_id: i64,
            token: i64,
            now_ms: i64,
            run_at_ms: i64,
            error: &str,
            max_attempts: i64,
        ) -> impl Future<Output = Result<Option<State>, sqlx::Error>> + Send;

        fn stats(
            pool: &Pool<Self>,
            now_ms: i64,
        ) -> impl Future<Output = Result<Stats, sqlx::Error>> + Send;

        fn dead(
            pool: &Pool<Self>,
            limit: i64,
        ) -> impl Future<Output = Result<Vec<DeadRow>, sqlx::Error>> + Send;

        fn redrive(
            pool: &Pool<Self>,
            row_id: Option<i64>,
            now_ms: i64,
        ) -> impl Future<Output = Result<u64, sqlx::Error>> + Send;

        /// Deletes at most `limit` done rows handled before `done_before_ms`.
        fn purge(
            pool: &Pool<Self>,
            done_before_ms: i64,
            limit: i64,
        ) -> impl Future<Output = Result<u64, sqlx::Error>> + Send;

        fn list(
            pool: &Pool<Self>,
            filter: &Filter,
        ) -> impl Future<Output = Result<Vec<RowSummary>, sqlx::Error>> + Send;

        fn show(
            pool: &Pool<Self>,
            row_id: i64,
        ) -> impl Future<Output = Result<Option<RowDetail>, sqlx::Error>> + Send;

        /// Makes the rows matching `filter` (whose state the caller checked) pending now.
        fn redrive_where(
            pool: &Pool<Self>,
            filter: &Filter,
            now_ms: i64,
        ) -> impl Future<Output = Result<u64, sqlx::Error>> + Send;
    }
}

/// A database the inbox runs on: [`sqlx::Sqlite`] (feature `inbox-sqlite`) or
/// [`sqlx::Postgres`] (feature `inbox-postgres`). Sealed: the statements are the crate's.
pub trait Backend: sealed::Sealed {}

/// The columns of a [`RowSummary`], in its order.
const SUMMARY_COLUMNS: &str = "id, scheme, tenant, delivery_id, event_type, state, attempts, last_error, received_at, run_at, done_at";

fn summary<R: Row>(row: &R) -> Result<RowSummary, sqlx::Error>
where
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    Ok(RowSummary {
        row_id: row.try_get(0)?,
        scheme: row.try_get(1)?,
        tenant: row.try_get(2)?,
        delivery_id: row.try_get(3)?,
        event_type: row.try_get(4)?,
        state: State::parse(&row.try_get::<String, _>(5)?),
        attempts: row.try_get(6)?,
        last_error: row.try_get(7)?,
        received_at_ms: row.try_get(8)?,
        run_at_ms: row.try_get(9)?,
        done_at_ms: row.try_get(10)?,
    })
}

/// The columns a claim returns, in [`Claimed`]'s order.
const CLAIMED_COLUMNS: &str = "id, scheme, tenant, delivery_id, event_type, headers, body, received_at, attempts, traceparent, COALESCE(postponed, 0)";

fn claimed<R: Row>(row: &R) -> Result<Claimed, sqlx::Error>
where
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Vec<u8>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    Ok(Claimed {
        row_id: row.try_get(0)?,
        scheme: row.try_get(1)?,
        tenant: row.try_get(2)?,
        delivery_id: row.try_get(3)?,
        event_type: row.try_get(4)?,
        headers: row.try_get(5)?,
        body: row.try_get(6)?,
        received_at: row.try_get(7)?,
        attempts: row.try_get(8)?,
        traceparent: row.try_get(9)?,
        postponed: row.try_get(10)?,
    })
}

/// The `WHERE` conditions of a [`Filter`], only those it sets (so that each can use its index),
/// with parameters `$1`, `$2`, … in the order [`bind_filter!`] binds them; and the number of the
/// next parameter.
fn filter_conditions(filter: &Filter, contains: &str) -> (String, usize) {
    let mut conditions = vec!["TRUE".to_owned()];
    let mut next = 1;
    for (set, column) in [
        (filter.state.is_some(), "state ="),
        (filter.scheme.is_some(), "scheme ="),
        (filter.delivery_id.is_some(), "delivery_id ="),
        (filter.before.is_some(), "id <"),
    ] {
        if set {
            conditions.push(format!("{column} ${next}"));
            next += 1;
        }
    }
    if filter.body_contains.is_some() {
        // Bodies are read: only the newest rows, by the primary key's range.
        conditions.push(format!(
            "id > (SELECT COALESCE(MAX(id), 0) - {} FROM webhook_inbox)",
            super::TEXT_SEARCH_ROWS
        ));
        conditions.push(contains.replace("{}", &format!("${next}")));
        next += 1;
    }
    (conditions.join(" AND "), next)
}

/// Binds the parameters of [`filter_conditions`], in its order.
macro_rules! bind_filter {
    ($query:expr, $filter:expr) => {{
        let mut query = $query;
        if let Some(state) = $filter.state_text() {
            query = query.bind(state);
        }
        if let Some(scheme) = $filter.scheme.as_deref() {
            query = query.bind(scheme);
        }
        if let Some(id) = $filter.delivery_id.as_deref() {
            query = query.bind(id);
        }
        if let Some(before) = $filter.before {
            query = query.bind(before);
        }
        if let Some(text) = $filter.body_contains.as_deref() {
            query = query.bind(text.as_bytes());
        }
        query
    }};
}

/// Binds an [`Attempt`]'s columns in [`RECORD_ATTEMPT`]'s order.
macro_rules! bind_attempt {
    ($query:expr, $attempt:expr) => {
        $query
            .bind($attempt.row_id)
            .bind($attempt.attempt)
            .bind($attempt.started_at_ms)
            .bind($attempt.finished_at_ms)
            .bind(&$attempt.outcome)
            .bind(&$attempt.error)
    };
}

/// One implementation of [`Backend`] for a database, from its dialect's few differences.
macro_rules! backend {
    (
        $db:ty,
        create: [$($create:expr),+ $(,)?],
        begin_write: $begin:expr,
        lock_ready: $lock:expr,
        after_insert: $notify:expr,
        listen: |$lpool:ident, $lwake:ident| $listen:expr,
        ddl_lock: $ddl_lock:expr,
        columns: $columns:expr,
        contains: $contains:expr,
        insert: $insert:path,
        intake: |$ipool:ident, $iurl:ident, $ioptions:ident, $iwake:ident| $intake:expr,
        connect: |$url:ident, $options:ident| $connect:expr $(,)?
    ) => {
        impl Backend for $db {}

        impl sealed::Sealed for $db {
            async fn connect($url: &str, $options: &InboxOptions) -> Result<Pool<Self>, sqlx::Error> {
                let pool: Pool<Self> = $connect;
                // In one transaction, behind the dialect's lock: replicas starting together
                // would otherwise race on `CREATE TABLE IF NOT EXISTS` (Postgres fails one with
                // a unique violation on its catalog).
                let mut tx = pool.begin_with($begin).await?;
                if let Some(lock) = $ddl_lock {
                    sqlx::query(lock).execute(&mut *tx).await?;
                }
                for statement in [$($create),+] {
                    sqlx::query(statement).execute(&mut *tx).await?;
                }
                // Columns added since the table's first version, for a table made by an older
                // version of this crate (SQLite has no `ADD COLUMN IF NOT EXISTS`).
                let present: Vec<String> = sqlx::query_scalar($columns).fetch_all(&mut *tx).await?;
                for (column, kind) in ADDED_COLUMNS {
                    if !present.iter().any(|name| name == column) {
                        let sql = format!("ALTER TABLE webhook_inbox ADD COLUMN {column} {kind}");
                        sqlx::query(&sql).execute(&mut *tx).await?;
                    }
                }
                for statement in ADDED_INDEXES.into_iter().chain(ATTEMPTS_INDEXES) {
                    sqlx::query(statement).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(pool)
            }

            async fn open_intake(
                $ipool: &Pool<Self>,
                $iurl: &str,
                $ioptions: &InboxOptions,
                $iwake: std::sync::Arc<tokio::sync::watch::Sender<u64>>,
            ) -> Result<Option<std::sync::Arc<super::Intake>>, sqlx::Error> {
                $intake
            }

            async fn insert_batch(
                conn: &mut Self::Connection,
                rows: &[NewDelivery],
                now_ms: i64,
            ) -> Result<Vec<bool>, sqlx::Error> {
                let mut tx = sqlx::Connection::begin_with(conn, $begin).await?;
                // In dedup-key order: two replicas inserting overlapping batches (copies of the
                // same deliveries) then take the unique index's locks in the same order, and
                // wait for each other instead of deadlocking (Postgres would abort one batch
                // after `deadlock_timeout`, answering 503 to all its rows).
                let order = super::dedup_order(rows);
                let inserted = $insert(&mut tx, rows, &order, now_ms).await?;
                if let Some(notify) = $notify {
                    if inserted.iter().any(|&new| new) {
                        sqlx::query(notify).execute(&mut *tx).await?;
                    }
                }
                tx.commit().await?;
                Ok(inserted)
            }

            async fn claim(
                pool: &Pool<Self>,
                limit: i64,
                token: i64,
                lease_until_ms: i64,
                now_ms: i64,
            ) -> Result<Vec<Claimed>, sqlx::Error> {
                let sql = format!(
                    "UPDATE webhook_inbox SET state = 'running', attempts = attempts + 1, lease_token = $1, lease_until = $2 \
                     WHERE id IN (SELECT id FROM webhook_inbox WHERE state = 'pending' AND run_at <= $3 ORDER BY run_at, id LIMIT $4 {}) \
                     RETURNING {CLAIMED_COLUMNS}",
                    $lock
                );
                let rows = sqlx::query(&sql)
                    .bind(token)
                    .bind(lease_until_ms)
                    .bind(now_ms)
                    .bind(limit)
                    .fetch_all(pool)
                    .await?;
                rows.iter().map(claimed).collect()
            }

            async fn complete(
                tx: &mut Transaction<'static, Self>,
                row_id: i64,
                token: i64,
                now_ms: i64,
            ) -> Result<bool, sqlx::Error> {
                let done = sqlx::query(
                    "UPDATE webhook_inbox SET state = 'done', done_at = $1, lease_token = NULL, lease_until = NULL, last_error = NULL \
                     WHERE id = $2 AND lease_token = $3 AND state = 'running'",
                )
                .bind(now_ms)
                .bind(row_id)
                .bind(token)
                .execute(&mut **tx)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn fail(
                pool: &Pool<Self>,
                row_id: i64,
                token: i64,
                run_at_ms: i64,
                error: &str,
                max_attempts: i64,
            ) -> Result<Option<State>, sqlx::Error> {
                let row = sqlx::query(
                    "UPDATE webhook_inbox SET state = CASE WHEN attempts >= $1 THEN 'dead' ELSE 'pending' END, \
                     run_at = $2, last_error = $3, lease_token = NULL, lease_until = NULL \
                     WHERE id = $4 AND lease_token = $5 AND state = 'running' RETURNING state",
                )
                .bind(max_attempts)
                .bind(run_at_ms)
                .bind(error)
                .bind(row_id)
                .bind(token)
                .fetch_optional(pool)
                .await?;
                row.map(|row| Ok(State::parse(&row.try_get::<String, _>(0)?)))
                    .transpose()
            }

            async fn renew(
                pool: &Pool<Self>,
                row_id: i64,
                token: i64,
                lease_until_ms: i64,
            ) -> Result<bool, sqlx::Error> {
                let done = sqlx::query(
                    "UPDATE webhook_inbox SET lease_until = $1 WHERE id = $2 AND lease_token = $3 AND state = 'running'",
                )
                .bind(lease_until_ms)
                .bind(row_id)
                .bind(token)
                .execute(pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn record_in(
                tx: &mut Transaction<'static, Self>,
                attempt: &Attempt,
            ) -> Result<(), sqlx::Error> {
                bind_attempt!(sqlx::query(RECORD_ATTEMPT), attempt)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            async fn record(pool: &Pool<Self>, attempt: &Attempt) -> Result<(), sqlx::Error> {
                bind_attempt!(sqlx::query(RECORD_ATTEMPT), attempt)
                    .execute(pool)
                    .await?;
                Ok(())
            }

            async fn release(
                pool: &Pool<Self>,
                row_id: i64,
                token: i64,
                run_at_ms: i64,
                postponed: i64,
            ) -> Result<(), sqlx::Error> {
                sqlx::query(
                    "UPDATE webhook_inbox SET state = 'pending', attempts = attempts - 1, lease_token = NULL, lease_until = NULL, run_at = $3, \
                     postponed = COALESCE(postponed, 0) + $4 \
                     WHERE id = $1 AND lease_token = $2 AND state = 'running'",
                )
                .bind(row_id)
                .bind(token)
                .bind(run_at_ms)
                .bind(postponed)
                .execute(pool)
                .await?;
                Ok(())
            }

            async fn listen(
                $lpool: Pool<Self>,
                $lwake: std::sync::Arc<tokio::sync::watch::Sender<u64>>,
            ) {
                $listen
            }

            async fn expired(
                pool: &Pool<Self>,
                now_ms: i64,
                limit: i64,
            ) -> Result<Vec<(i64, i64, i64, String)>, sqlx::Error> {
                let rows = sqlx::query(
                    "SELECT id, lease_token, attempts, scheme FROM webhook_inbox \
                     WHERE state = 'running' AND lease_until < $1 ORDER BY lease_until LIMIT $2",
                )
                .bind(now_ms)
                .bind(limit)
                .fetch_all(pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        let token: Option<i64> = row.try_get(1)?;
                        Ok((row.try_get(0)?, token.unwrap_or_default(), row.try_get(2)?, row.try_get(3)?))
                    })
                    .collect()
            }

            async fn rescue(
                pool: &Pool<Self>,
                row_id: i64,
                token: i64,
                now_ms: i64,
                run_at_ms: i64,
                error: &str,
                max_attempts: i64,
            ) -> Result<Option<State>, sqlx::Error> {
                let row = sqlx::query(
                    "UPDATE webhook_inbox SET state = CASE WHEN attempts >= $1 THEN 'dead' ELSE 'pending' END, \
                     run_at = $2, last_error = $3, lease_token = NULL, lease_until = NULL \
                     WHERE id = $4 AND lease_token = $5 AND state = 'running' AND lease_until < $6 RETURNING state",
                )
                .bind(max_attempts)
                .bind(run_at_ms)
                .bind(error)
                .bind(row_id)
                .bind(token)
                .bind(now_ms)
                .fetch_optional(pool)
                .await?;
                row.map(|row| Ok(State::parse(&row.try_get::<String, _>(0)?)))
                    .transpose()
            }

            async fn stats(pool: &Pool<Self>, now_ms: i64) -> Result<Stats, sqlx::Error> {
                let mut stats = Stats::default();
                let rows = sqlx::query("SELECT state, COUNT(*) FROM webhook_inbox GROUP BY state")
                    .fetch_all(pool)
                    .await?;
                for row in rows {
                    let count: i64 = row.try_get(1)?;
                    let count = u64::try_from(count).unwrap_or(0);
                    match State::parse(&row.try_get::<String, _>(0)?) {
                        State::Pending => stats.pending = count,
                        State::Running => stats.running = count,
                        State::Done => stats.done = count,
                        State::Dead => stats.dead = count,
                    }
                }
                let oldest: Option<i64> = sqlx::query(
                    "SELECT MIN(received_at) FROM webhook_inbox WHERE state IN ('pending', 'running')",
                )
                .fetch_one(pool)
                .await?
                .try_get(0)?;
                stats.oldest_pending_ms = oldest.map(|at| now_ms.saturating_sub(at).max(0));
                Ok(stats)
            }

            async fn dead(pool: &Pool<Self>, limit: i64) -> Result<Vec<DeadRow>, sqlx::Error> {
                let rows = sqlx::query(
                    "SELECT id, scheme, tenant, delivery_id, event_type, attempts, last_error, received_at \
                     FROM webhook_inbox WHERE state = 'dead' ORDER BY id LIMIT $1",
                )
                .bind(limit)
                .fetch_all(pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(DeadRow {
                            row_id: row.try_get(0)?,
                            scheme: row.try_get(1)?,
                            tenant: row.try_get(2)?,
                            delivery_id: row.try_get(3)?,
                            event_type: row.try_get(4)?,
                            attempts: row.try_get(5)?,
                            last_error: row.try_get(6)?,
                            received_at_ms: row.try_get(7)?,
                        })
                    })
                    .collect()
            }

            async fn redrive(
                pool: &Pool<Self>,
                row_id: Option<i64>,
                now_ms: i64,
            ) -> Result<u64, sqlx::Error> {
                let done = sqlx::query(
                    "UPDATE webhook_inbox SET state = 'pending', attempts = 0, postponed = 0, run_at = $1, last_error = NULL \
                     WHERE state = 'dead' AND ($2 IS NULL OR id = $2)",
                )
                .bind(now_ms)
                .bind(row_id)
                .execute(pool)
                .await?;
                Ok(done.rows_affected())
            }

            async fn purge(pool: &Pool<Self>, done_before_ms: i64, limit: i64) -> Result<u64, sqlx::Error> {
                // The attempts' history as far back as the retention (a dead row's older
                // attempts go too; the row keeps its count and last error).
                sqlx::query(
                    "DELETE FROM webhook_inbox_attempts WHERE id IN \
                     (SELECT id FROM webhook_inbox_attempts WHERE finished_at < $1 ORDER BY id LIMIT $2)",
                )
                .bind(done_before_ms)
                .bind(limit)
                .execute(pool)
                .await?;
                let done = sqlx::query(
                    "DELETE FROM webhook_inbox WHERE id IN \
                     (SELECT id FROM webhook_inbox WHERE state = 'done' AND done_at < $1 ORDER BY done_at LIMIT $2)",
                )
                .bind(done_before_ms)
                .bind(limit)
                .execute(pool)
                .await?;
                Ok(done.rows_affected())
            }

            async fn list(pool: &Pool<Self>, filter: &Filter) -> Result<Vec<RowSummary>, sqlx::Error> {
                let (conditions, next) = filter_conditions(filter, $contains);
                let sql = format!(
                    "SELECT {SUMMARY_COLUMNS} FROM webhook_inbox WHERE {conditions} ORDER BY id DESC LIMIT ${next}"
                );
                let rows = bind_filter!(sqlx::query(&sql), filter)
                    .bind(i64::from(filter.limit))
                    .fetch_all(pool)
                    .await?;
                rows.iter().map(summary).collect()
            }

            async fn show(pool: &Pool<Self>, row_id: i64) -> Result<Option<RowDetail>, sqlx::Error> {
                let sql = format!(
                    "SELECT {SUMMARY_COLUMNS}, headers, body, traceparent, signed_at FROM webhook_inbox WHERE id = $1"
                );
                let Some(row) = sqlx::query(&sql).bind(row_id).fetch_optional(pool).await? else {
                    return Ok(None);
                };
                let headers: String = row.try_get(11)?;
                let body: Vec<u8> = row.try_get(12)?;
                let attempts = sqlx::query(
                    "SELECT attempt, started_at, finished_at, outcome, error FROM webhook_inbox_attempts \
                     WHERE row_id = $1 ORDER BY id",
                )
                .bind(row_id)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|attempt| {
                    Ok(Attempt {
                        row_id,
                        attempt: attempt.try_get(0)?,
                        started_at_ms: attempt.try_get(1)?,
                        finished_at_ms: attempt.try_get(2)?,
                        outcome: attempt.try_get(3)?,
                        error: attempt.try_get(4)?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
                Ok(Some(RowDetail {
                    summary: summary(&row)?,
                    headers: serde_json::from_str(&headers).unwrap_or_default(),
                    body: body.into(),
                    traceparent: row.try_get(13)?,
                    attempts,
                    signed_at: row.try_get(14)?,
                }))
            }

            async fn redrive_where(
                pool: &Pool<Self>,
                filter: &Filter,
                now_ms: i64,
            ) -> Result<u64, sqlx::Error> {
                let (conditions, next) = filter_conditions(filter, $contains);
                let sql = format!(
                    "UPDATE webhook_inbox SET state = 'pending', attempts = 0, postponed = 0, run_at = ${}, last_error = NULL \
                     WHERE id IN (SELECT id FROM webhook_inbox WHERE {conditions} ORDER BY id DESC LIMIT ${next}) \
                     AND state IN ('dead', 'pending')",
                    next + 1
                );
                let done = bind_filter!(sqlx::query(&sql), filter)
                    .bind(i64::from(filter.limit))
                    .bind(now_ms)
                    .execute(pool)
                    .await?;
                Ok(done.rows_affected())
            }
        }
    };
}

/// The rows of a batch in one statement (arrays through `UNNEST`, in `order`): a round trip
/// per row to a server was most of a batch's time (about 1,400 acknowledged/s on the bench
/// machine). For each row, whether it was new; of copies in one batch, the first is.
#[cfg(feature = "inbox-postgres")]
async fn insert_unnest(
    tx: &mut Transaction<'_, sqlx::Postgres>,
    rows: &[NewDelivery],
    order: &[(String, usize)],
    now_ms: i64,
) -> Result<Vec<bool>, sqlx::Error> {
    let mut keys = Vec::with_capacity(rows.len());
    let mut schemes = Vec::with_capacity(rows.len());
    let mut tenants = Vec::with_capacity(rows.len());
    let mut ids = Vec::with_capacity(rows.len());
    let mut types = Vec::with_capacity(rows.len());
    let mut headers = Vec::with_capacity(rows.len());
    let mut bodies = Vec::with_capacity(rows.len());
    let mut signatures = Vec::with_capacity(rows.len());
    let mut traceparents = Vec::with_capacity(rows.len());
    let mut signed = Vec::with_capacity(rows.len());
    for (key, index) in order {
        let row = &rows[*index];
        keys.push(key.as_str());
        schemes.push(row.scheme.as_str());
        tenants.push(row.tenant.as_deref());
        ids.push(row.delivery_id.as_str());
        types.push(row.event_type.as_deref());
        headers.push(row.headers.as_str());
        bodies.push(row.body.as_ref());
        signatures.push(row.signature_key.as_deref());
        traceparents.push(row.traceparent.as_deref());
        signed.push(row.signed_at);
    }
    let new: Vec<String> = sqlx::query_scalar(
        "INSERT INTO webhook_inbox (dedup_key, scheme, tenant, delivery_id, event_type, headers, body, received_at, state, attempts, run_at, signature_key, traceparent, signed_at) \
         SELECT k, s, t, d, e, h, b, $8, 'pending', 0, $8, g, p, a \
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bytea[], $9::text[], $10::text[], $11::bigint[]) AS r(k, s, t, d, e, h, b, g, p, a) \
         ON CONFLICT DO NOTHING RETURNING dedup_key",
    )
    .bind(&keys)
    .bind(&schemes)
    .bind(&tenants)
    .bind(&ids)
    .bind(&types)
    .bind(&headers)
    .bind(&bodies)
    .bind(now_ms)
    .bind(&signatures)
    .bind(&traceparents)
    .bind(&signed)
    .fetch_all(&mut **tx)
    .await?;
    let mut new: std::collections::HashSet<String> = new.into_iter().collect();
    Ok(rows
        .iter()
        .map(|row| new.remove(&row.dedup_key()))
        .collect())
}

/// Columns added after the table's first version: `(name, type)`, the same in both dialects.
const ADDED_COLUMNS: [(&str, &str); 4] = [
    ("signature_key", "TEXT"),
    ("traceparent", "TEXT"),
    ("signed_at", "BIGINT"),
    // Attempts given back uncounted (conflicts, the database's own faults), since the row was
    // stored or re-driven.
    ("postponed", "BIGINT"),
];

/// Indexes added after the table's first version. The signature's key is the second unique key
/// of a row: a delivery of a scheme whose id is not signed is a duplicate when either key is
/// known (NULLs, for schemes whose id is signed, never conflict). The others serve operators
/// (`list` by delivery id, the console's per-minute chart by receipt time, dead rows newest
/// first and counted by provider); the dead rows' index is partial, so an acknowledgement never
/// writes it. Its `id` comes first: a listing of dead rows reads it in order, with no sort.
const ADDED_INDEXES: [&str; 5] = [
    "CREATE UNIQUE INDEX IF NOT EXISTS webhook_inbox_signature ON webhook_inbox (signature_key)",
    "CREATE INDEX IF NOT EXISTS webhook_inbox_delivery ON webhook_inbox (delivery_id)",
    "CREATE INDEX IF NOT EXISTS webhook_inbox_received ON webhook_inbox (received_at)",
    "CREATE INDEX IF NOT EXISTS webhook_inbox_dead ON webhook_inbox (id, scheme) WHERE state = 'dead'",
    // The rows that may need an operator, by state and scheme (the console's overview counts
    // them from this index alone): pending, running and dead; never the done bulk.
    "CREATE INDEX IF NOT EXISTS webhook_inbox_open ON webhook_inbox (state, scheme) WHERE state <> 'done'",
];

/// One attempt's record.
const RECORD_ATTEMPT: &str = "INSERT INTO webhook_inbox_attempts (row_id, attempt, started_at, finished_at, outcome, error) \
     VALUES ($1, $2, $3, $4, $5, $6)";

/// The attempts' history: what each attempt of a row did (the console's delivery page and its
/// chart of failures per minute).
const ATTEMPTS_INDEXES: [&str; 2] = [
    "CREATE INDEX IF NOT EXISTS webhook_inbox_attempts_row ON webhook_inbox_attempts (row_id)",
    "CREATE INDEX IF NOT EXISTS webhook_inbox_attempts_finished ON webhook_inbox_attempts (finished_at)",
];

/// The indexes both databases share: the unique dedup key is the table's own constraint; these
/// find ready rows and expired leases without reading done ones.
const READY_INDEX: &str = "CREATE INDEX IF NOT EXISTS webhook_inbox_ready ON webhook_inbox (run_at, id) WHERE state = 'pending'";
const LEASE_INDEX: &str = "CREATE INDEX IF NOT EXISTS webhook_inbox_leases ON webhook_inbox (lease_until) WHERE state = 'running'";
const DONE_INDEX: &str =
    "CREATE INDEX IF NOT EXISTS webhook_inbox_done ON webhook_inbox (done_at) WHERE state = 'done'";

#[cfg(feature = "inbox-sqlite")]
backend!(
    sqlx::Sqlite,
    create: [
        "CREATE TABLE IF NOT EXISTS webhook_inbox (\
            id INTEGER PRIMARY KEY AUTOINCREMENT, \
            dedup_key TEXT NOT NULL UNIQUE, \
            scheme TEXT NOT NULL, tenant TEXT, delivery_id TEXT NOT NULL, event_type TEXT, \
            headers TEXT NOT NULL, body BLOB NOT NULL, received_at INTEGER NOT NULL, \
            state TEXT NOT NULL, attempts INTEGER NOT NULL, run_at INTEGER NOT NULL, \
            lease_token INTEGER, lease_until INTEGER, last_error TEXT, done_at INTEGER)",
        "CREATE TABLE IF NOT EXISTS webhook_inbox_attempts (\
            id INTEGER PRIMARY KEY AUTOINCREMENT, row_id INTEGER NOT NULL, attempt INTEGER NOT NULL, \
            started_at INTEGER NOT NULL, finished_at INTEGER NOT NULL, outcome TEXT NOT NULL, error TEXT)",
        READY_INDEX,
        LEASE_INDEX,
        DONE_INDEX,
    ],
    // One writer at a time: take the write lock at BEGIN, so a transaction never has to
    // upgrade a read lock (which fails at once with SQLITE_BUSY instead of waiting).
    begin_write: "BEGIN IMMEDIATE",
    lock_ready: "",
    after_insert: None::<&str>,
    // One process writes a SQLite file: its own inserts wake its workers directly.
    listen: |_pool, _wake| {},
    // BEGIN IMMEDIATE already serialises the DDL.
    ddl_lock: None::<&str>,
    columns: "SELECT name FROM pragma_table_info('webhook_inbox')",
    // A body holds the bytes searched for (both blobs: compared byte for byte).
    contains: "instr(body, {}) > 0",
    // In-process statements are cheap: one INSERT per row.
    insert: insert_each,
    intake: |pool, url, options, wake| super::intake::Intake::open(pool, url, options, wake).await,
    connect: |url, options| {
        use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
        let connect: SqliteConnectOptions = url.parse()?;
        SqlitePoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.unavailable_after)
            .after_release(|connection, _| Box::pin(async move { Ok(usable(connection)) }))
            .connect_with(
                connect
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // Acknowledged means durable: every commit is fsynced before it returns.
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(std::time::Duration::from_secs(5)),
            )
            .await?
    },
);

#[cfg(feature = "inbox-postgres")]
backend!(
    sqlx::Postgres,
    create: [
        "CREATE TABLE IF NOT EXISTS webhook_inbox (\
            id BIGSERIAL PRIMARY KEY, \
            dedup_key TEXT NOT NULL UNIQUE, \
            scheme TEXT NOT NULL, tenant TEXT, delivery_id TEXT NOT NULL, event_type TEXT, \
            headers TEXT NOT NULL, body BYTEA NOT NULL, received_at BIGINT NOT NULL, \
            state TEXT NOT NULL, attempts BIGINT NOT NULL, run_at BIGINT NOT NULL, \
            lease_token BIGINT, lease_until BIGINT, last_error TEXT, done_at BIGINT)",
        "CREATE TABLE IF NOT EXISTS webhook_inbox_attempts (\
            id BIGSERIAL PRIMARY KEY, row_id BIGINT NOT NULL, attempt BIGINT NOT NULL, \
            started_at BIGINT NOT NULL, finished_at BIGINT NOT NULL, outcome TEXT NOT NULL, error TEXT)",
        READY_INDEX,
        LEASE_INDEX,
        DONE_INDEX,
    ],
    begin_write: "BEGIN",
    // Replicas claim side by side: each skips the rows another is claiming.
    lock_ready: "FOR UPDATE SKIP LOCKED",
    after_insert: Some("NOTIFY webhook_inbox"),
    listen: |pool, wake| loop {
        // Polling covers the time without a listener (the database down, a reconnect).
        match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(mut listener) => match listener.listen("webhook_inbox").await {
                Ok(()) => {
                    while listener.recv().await.is_ok() {
                        wake.send_modify(|n| *n = n.wrapping_add(1));
                    }
                }
                Err(error) => tracing::debug!(%error, "inbox: LISTEN failed"),
            },
            Err(error) => tracing::debug!(%error, "inbox: no listener connection"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    },
    // A transaction-scoped advisory lock (an arbitrary constant key: "webhook_inbox").
    ddl_lock: Some("SELECT pg_advisory_xact_lock(7746916524862648434)"),
    columns: "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'webhook_inbox' AND table_schema = current_schema()",
    contains: "position({} in body) > 0",
    insert: insert_unnest,
    // Row locks: an insert never waits for a handler's transaction.
    intake: |_pool, _url, _options, _wake| Ok(None),
    connect: |url, options| {
        let millis = |duration: std::time::Duration| duration.as_millis().to_string();
        let connect: sqlx::postgres::PgConnectOptions = url.parse()?;
        let connect = connect.options([
            ("statement_timeout", millis(options.statement_timeout)),
            (
                "idle_in_transaction_session_timeout",
                millis(options.idle_in_transaction_timeout),
            ),
        ]);
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.unavailable_after)
            .after_release(|connection, _| Box::pin(async move { Ok(usable(connection)) }))
            .connect_with(connect)
            .await?
    },
);
