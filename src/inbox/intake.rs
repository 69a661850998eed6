//! SQLite's intake: acknowledgements that never wait for a handler's transaction.
//!
//! SQLite has one write lock per database file. A transactional handler holds it from its first
//! write to its commit (for as long as the handler runs, if it writes first), and an
//! acknowledgement written to the same file would queue behind it: a 2 s handler made a 2 s
//! acknowledgement, and a 503 past [`InboxOptions::unavailable_after`](super::InboxOptions).
//! So on SQLite the writer stores each batch in a second file beside the inbox's,
//! `<file>.intake` (WAL, `synchronous=FULL`: acknowledged still means on disk), whose only
//! writers are the acknowledgements and a mover. The mover then carries the rows into
//! `webhook_inbox` in its own transactions, waiting for the handlers' lock as long as it takes,
//! off the acknowledgement path; a row is deleted from the intake only after the main file has
//! committed it (a crash in between moves it again, and the unique keys make that a no-op).
//!
//! A copy is a duplicate if the intake holds its key (the intake's own unique keys) or the
//! inbox does (read first, from a read-only connection: a WAL reader never waits for a writer).
//! A copy that races the mover (read before the original's move commits, inserted after its
//! intake row is deleted) is answered as new, and the mover's `ON CONFLICT DO NOTHING` drops
//! it: never a second row.
//!
//! Checkpoints: the intake's connections never checkpoint on commit (`wal_autocheckpoint=0`);
//! the mover runs a passive checkpoint (which never blocks a writer) at most once a second.

use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Row, Sqlite};
use tokio::sync::{Mutex, Notify, watch};

use super::{InboxOptions, NewDelivery, bump, now_ms};

/// The intake of one SQLite inbox. See the [module docs](self). (Public in a private module:
/// the sealed backend trait names it.)
pub struct Intake {
    /// The intake file: the writer's connection and the mover's.
    pool: Pool<Sqlite>,
    /// The inbox's file, read-only: is a key there already?
    reader: Pool<Sqlite>,
    /// The inbox's file, for the mover's transactions.
    main: Pool<Sqlite>,
    /// The writer's connection, kept across batches; closed after an error.
    connection: Mutex<Option<PoolConnection<Sqlite>>>,
    /// Rows were stored: the mover has work.
    stored: Notify,
    /// How long a statement may take before the writer gives its batch up.
    give_up: Duration,
}

/// The most rows one move carries.
const MOVE_BATCH: i64 = 256;

const CREATE: &str = "CREATE TABLE IF NOT EXISTS webhook_intake (\
    id INTEGER PRIMARY KEY AUTOINCREMENT, \
    dedup_key TEXT NOT NULL UNIQUE, signature_key TEXT UNIQUE, \
    scheme TEXT NOT NULL, tenant TEXT, delivery_id TEXT NOT NULL, event_type TEXT, \
    headers TEXT NOT NULL, body BLOB NOT NULL, received_at INTEGER NOT NULL, traceparent TEXT, \
    signed_at INTEGER)";

impl Intake {
    /// Opens (creating when missing) the intake beside the inbox's file `url`, and starts its
    /// mover, which bumps `wake` when rows became claimable. `None` for an in-memory database
    /// (nothing to keep apart) or when [`InboxOptions::sqlite_intake`] is off (an intake left
    /// by an earlier run is then emptied into the table first: its rows were acknowledged).
    pub(crate) async fn open(
        main: &Pool<Sqlite>,
        url: &str,
        options: &InboxOptions,
        wake: Arc<watch::Sender<u64>>,
    ) -> Result<Option<Arc<Self>>, sqlx::Error> {
        let connect: SqliteConnectOptions = url.parse()?;
        let file = connect.get_filename().to_owned();
        let in_memory = file.as_os_str().is_empty()
            || file.as_os_str() == ":memory:"
            || url.contains("mode=memory");
        if in_memory {
            return Ok(None);
        }
        let mut intake_file = file.clone().into_os_string();
        intake_file.push(".intake");
        // Turned off, an intake left by an earlier run is still emptied into the table first:
        // what it holds was acknowledged.
        let leftover = std::path::Path::new(&intake_file).exists();
        if !options.sqlite_intake && !leftover {
            return Ok(None);
        }
        let durable = |connect: SqliteConnectOptions| {
            connect
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(options.unavailable_after)
        };
        let pool = SqlitePoolOptions::new()
            .max_connections(3)
            .acquire_timeout(options.unavailable_after)
            .after_release(|connection, _| {
                Box::pin(async move { Ok(super::write::usable(connection)) })
            })
            .connect_with(
                durable(connect.clone().filename(PathBuf::from(intake_file)))
                    .create_if_missing(true)
                    // Checkpoints run in the mover, never inside an acknowledgement's commit.
                    .pragma("wal_autocheckpoint", "0"),
            )
            .await?;
        sqlx::query(CREATE).execute(&pool).await?;
        // An intake made before `signed_at` was kept.
        let columns: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info('webhook_intake')")
                .fetch_all(&pool)
                .await?;
        if !columns.iter().any(|name| name == "signed_at") {
            sqlx::query("ALTER TABLE webhook_intake ADD COLUMN signed_at INTEGER")
                .execute(&pool)
                .await?;
        }
        let reader = SqlitePoolOptions::new()
            .max_connections(2)
            .acquire_timeout(options.unavailable_after)
            .connect_with(durable(connect.filename(&file)).read_only(true))
            .await?;
        let intake = Arc::new(Self {
            pool,
            reader,
            main: main.clone(),
            connection: Mutex::new(None),
            stored: Notify::new(),
            give_up: options.unavailable_after,
        });
        if !options.sqlite_intake {
            let moved = intake.flush().await?;
            if moved > 0 {
                tracing::info!(
                    rows = moved,
                    "inbox: rows left in the intake moved into the table"
                );
            }
            return Ok(None);
        }
        tokio::spawn(move_rows(Arc::downgrade(&intake), wake));
        Ok(Some(intake))
    }

    /// Stores a batch durably in the intake; for each row, whether it was new.
    pub(crate) async fn write(
        &self,
        rows: &[NewDelivery],
        order: &[(String, usize)],
        now_ms: i64,
    ) -> Result<Vec<bool>, sqlx::Error> {
        let mut slot = self.connection.lock().await;
        let written = tokio::time::timeout(self.give_up, async {
            let known = self.known(rows).await?;
            let connection = match &mut *slot {
                Some(connection) => connection,
                empty => empty.insert(self.pool.acquire().await?),
            };
            let mut tx = sqlx::Connection::begin_with(&mut **connection, "BEGIN IMMEDIATE").await?;
            let mut inserted = vec![false; rows.len()];
            for (key, index) in order {
                if known[*index] {
                    continue;
                }
                let row = &rows[*index];
                let done = sqlx::query(
                    "INSERT INTO webhook_intake (dedup_key, signature_key, scheme, tenant, delivery_id, event_type, headers, body, received_at, traceparent, signed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING",
                )
                .bind(key)
                .bind(&row.signature_key)
                .bind(&row.scheme)
                .bind(&row.tenant)
                .bind(&row.delivery_id)
                .bind(&row.event_type)
                .bind(&row.headers)
                .bind(row.body.as_ref())
                .bind(now_ms)
                .bind(&row.traceparent)
                .bind(row.signed_at)
                .execute(&mut *tx)
                .await?;
                inserted[*index] = done.rows_affected() == 1;
            }
            tx.commit().await?;
            Ok(inserted)
        })
        .await
        .unwrap_or(Err(sqlx::Error::PoolTimedOut));
        match &written {
            Ok(inserted) if inserted.iter().any(|&new| new) => self.stored.notify_one(),
            Ok(_) => {}
            Err(_) => {
                // Possibly stuck in its transaction or on a full disk: never reused.
                if let Some(mut broken) = slot.take() {
                    broken.close_on_drop();
                }
            }
        }
        written
    }

    /// For each row, whether the inbox's table holds its id's or its signature's key already.
    async fn known(&self, rows: &[NewDelivery]) -> Result<Vec<bool>, sqlx::Error> {
        let mut reader = self.reader.acquire().await?;
        let mut known = Vec::with_capacity(rows.len());
        for row in rows {
            let found = sqlx::query(
                "SELECT 1 FROM webhook_inbox WHERE dedup_key = $1 \
                 UNION ALL SELECT 1 FROM webhook_inbox WHERE signature_key = $2 LIMIT 1",
            )
            .bind(row.dedup_key())
            .bind(&row.signature_key)
            .fetch_optional(&mut *reader)
            .await?;
            known.push(found.is_some());
        }
        Ok(known)
    }

    /// Rows acknowledged and not yet moved, and the oldest one's reception time.
    pub(crate) async fn waiting(&self) -> Result<(u64, Option<i64>), sqlx::Error> {
        let row = sqlx::query("SELECT COUNT(*), MIN(received_at) FROM webhook_intake")
            .fetch_one(&self.pool)
            .await?;
        let count: i64 = row.try_get(0)?;
        Ok((u64::try_from(count).unwrap_or(0), row.try_get(1)?))
    }

    /// Moves every row waiting now into the inbox's table; returns how many it moved.
    pub(crate) async fn flush(&self) -> Result<u64, sqlx::Error> {
        let mut total = 0;
        loop {
            let moved = self.move_batch().await?;
            total += moved;
            if moved < MOVE_BATCH as u64 {
                return Ok(total);
            }
        }
    }

    /// Carries up to [`MOVE_BATCH`] rows into `webhook_inbox`, then deletes them here.
    async fn move_batch(&self) -> Result<u64, sqlx::Error> {
        let found = sqlx::query(
            "SELECT id, signature_key, scheme, tenant, delivery_id, event_type, headers, body, received_at, traceparent, signed_at \
             FROM webhook_intake ORDER BY id LIMIT $1",
        )
        .bind(MOVE_BATCH)
        .fetch_all(&self.pool)
        .await?;
        let Some(last) = found.last() else {
            return Ok(0);
        };
        let last: i64 = last.try_get(0)?;
        let rows = found
            .iter()
            .map(|row| {
                Ok(NewDelivery {
                    signature_key: row.try_get(1)?,
                    scheme: row.try_get(2)?,
                    tenant: row.try_get(3)?,
                    delivery_id: row.try_get(4)?,
                    event_type: row.try_get(5)?,
                    headers: row.try_get(6)?,
                    body: row.try_get::<Vec<u8>, _>(7)?.into(),
                    received_at_ms: Some(row.try_get(8)?),
                    traceparent: row.try_get(9)?,
                    signed_at: row.try_get(10)?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let mut order: Vec<(String, usize)> = rows
            .iter()
            .enumerate()
            .map(|(i, row)| (row.dedup_key(), i))
            .collect();
        order.sort_unstable();
        // Waits for a handler's transaction as long as the busy timeout allows: this is the
        // one place that does, and no acknowledgement waits for it.
        let mut tx = self.main.begin_with("BEGIN IMMEDIATE").await?;
        super::write::insert_each(&mut tx, &rows, &order, now_ms()).await?;
        tx.commit().await?;
        sqlx::query("DELETE FROM webhook_intake WHERE id <= $1")
            .bind(last)
            .execute(&self.pool)
            .await?;
        Ok(rows.len() as u64)
    }
}

/// The mover: carries rows as soon as they are stored (and every quarter second, for rows
/// left by a previous run), wakes the workers, and checkpoints the intake now and then. Ends
/// when the inbox is dropped.
async fn move_rows(intake: Weak<Intake>, wake: Arc<watch::Sender<u64>>) {
    let mut last_checkpoint = tokio::time::Instant::now();
    let mut moved_since_checkpoint = false;
    loop {
        let Some(this) = intake.upgrade() else { return };
        let stored = this.stored.notified();
        tokio::pin!(stored);
        // Registered before looking: a store while moving is not missed.
        stored.as_mut().enable();
        let pause = match this.flush().await {
            Ok(0) => Duration::from_millis(250),
            Ok(_) => {
                moved_since_checkpoint = true;
                bump(&wake);
                Duration::from_millis(250)
            }
            Err(error) => {
                tracing::warn!(%error, "inbox intake: move failed; retrying");
                Duration::from_millis(100)
            }
        };
        if moved_since_checkpoint && last_checkpoint.elapsed() >= Duration::from_secs(1) {
            last_checkpoint = tokio::time::Instant::now();
            moved_since_checkpoint = false;
            if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&this.pool)
                .await
            {
                tracing::debug!(%error, "inbox intake: checkpoint failed");
            }
        }
        tokio::select! {
            () = stored => {}
            () = tokio::time::sleep(pause) => {}
        }
    }
}
