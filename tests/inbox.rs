//! The durable inbox (`webhook_guard::inbox`) on both databases: a SQLite file in a temp dir,
//! and a real PostgreSQL cluster (`tests/common/postgres_server.rs`). Every case is written
//! once (`inbox_cases!`) and instantiated for each database.
//!
//! What is proved: one row per dedup key; the transactional handler's writes commit with the
//! done-mark and roll back with its error; a worker whose lease was taken over cannot commit;
//! retries with backoff, then dead with the last error, and re-drives; purge keeps what it
//! must; stats; graceful shutdown finishes or gives back; a crashed worker's rows are claimed
//! again within the lease and a poll; and over HTTP (both adapters): 200 once durable, a
//! duplicate 200 without a second row, 503 + Retry-After when the database is unavailable.

mod common;
#[path = "common/postgres_server.rs"]
mod postgres_server;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use postgres_server::PostgresServer;
use webhook_guard::inbox::{
    Enqueued, HandlerError, Inbox, InboxDelivery, InboxOptions, NewDelivery, RetryPolicy, Worker,
};
use webhook_guard::testing::audit_trail_sample_with_id;
use webhook_guard::{Scheme, Secret, Signer, Verifier};

const SECRET: &str = common::AUDIT_TRAIL_SECRET;

/// A signed Audit Trail delivery with id `id`: its headers and body.
fn signed(id: &str) -> (Vec<(String, String)>, Bytes) {
    let body = audit_trail_sample_with_id("event.created", id).expect("a sample");
    let signer = Signer::new(Scheme::audit_trail(), secret());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    (signer.headers(body.as_bytes(), now, id), Bytes::from(body))
}

fn secret() -> Secret {
    Scheme::audit_trail().secret(SECRET).unwrap()
}

/// The row a verified delivery `id` makes.
fn row(id: &str) -> NewDelivery {
    let (headers, body) = signed(id);
    let verifier = Verifier::new(Scheme::audit_trail(), [secret()]);
    let delivery = verifier.verify(&headers, body).expect("verifies");
    NewDelivery::new(verifier.scheme(), &delivery, &headers)
}

/// Short timings, so that leases run out and retries come within a test's patience.
fn options() -> InboxOptions {
    InboxOptions {
        poll_interval: Duration::from_millis(50),
        lease: Duration::from_secs(30),
        retry: RetryPolicy {
            max_attempts: 3,
            base: Duration::from_millis(40),
            cap: Duration::from_millis(400),
        },
        ..InboxOptions::default()
    }
}

/// Waits until `check` holds, or panics with `what` after `limit`.
async fn eventually<F, Fut>(limit: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(Instant::now() < deadline, "not within {limit:?}: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "webhook-guard-inbox-{}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A database for one test: the server (or file) lives as long as this value.
enum Database {
    Sqlite(TempDir),
    Postgres(PostgresServer),
}

impl Database {
    fn sqlite() -> Self {
        Self::Sqlite(TempDir::new())
    }

    fn postgres() -> Self {
        let server = PostgresServer::start();
        server.create_database("inbox");
        Self::Postgres(server)
    }

    fn url(&self) -> String {
        match self {
            Self::Sqlite(dir) => format!("sqlite://{}", dir.0.join("inbox.db").display()),
            Self::Postgres(server) => server.url("inbox"),
        }
    }

    fn server(&mut self) -> &mut PostgresServer {
        match self {
            Self::Postgres(server) => server,
            Self::Sqlite(_) => panic!("not Postgres"),
        }
    }
}

/// The effect table the transactional handlers write to.
const EFFECTS: &str =
    "CREATE TABLE IF NOT EXISTS effects (delivery_id TEXT NOT NULL, attempt BIGINT NOT NULL)";

/// The cases, once for each database: `$db` is the sqlx database, `$database` builds a
/// [`Database`].
macro_rules! inbox_cases {
    ($db:ty, $database:expr) => {
        use super::*;

        type Db = $db;

        async fn connect(database: &Database, options: InboxOptions) -> Inbox<Db> {
            let inbox = Inbox::<Db>::connect_with(&database.url(), options)
                .await
                .expect("connects");
            sqlx::query(EFFECTS).execute(inbox.pool()).await.unwrap();
            inbox
        }

        /// A transactional worker that records `(id, attempt)` in `effects`, then fails when
        /// `fails(delivery)` says so (after its write: the rollback must undo it).
        fn recording(
            inbox: &Inbox<Db>,
            fails: impl Fn(&InboxDelivery) -> Option<String> + Send + Sync + 'static,
        ) -> Worker {
            inbox.worker().concurrency(4).transactional(
                move |delivery: InboxDelivery, mut tx: sqlx::Transaction<'static, Db>| {
                    let failure = fails(&delivery);
                    async move {
                        sqlx::query("INSERT INTO effects (delivery_id, attempt) VALUES ($1, $2)")
                            .bind(delivery.id().to_owned())
                            .bind(i64::from(delivery.attempt()))
                            .execute(&mut *tx)
                            .await?;
                        match failure {
                            Some(error) => Err(HandlerError::from(error)),
                            None => Ok(tx),
                        }
                    }
                },
            )
        }

        /// Counts rows of `table` matching `filter` (SQL that both dialects read alike).
        async fn count(inbox: &Inbox<Db>, table: &str, filter: &str) -> i64 {
            // Every acknowledged row in the table first (SQLite's intake moves them within
            // milliseconds by itself; a count right after an acknowledgement must not race it).
            inbox.flush().await.unwrap();
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE {filter}");
            let row = sqlx::query(&sql).fetch_one(inbox.pool()).await.unwrap();
            sqlx::Row::get::<i64, _>(&row, 0)
        }

        async fn state(inbox: &Inbox<Db>, id: &str) -> (String, i64) {
            inbox.flush().await.unwrap();
            let row =
                sqlx::query("SELECT state, attempts FROM webhook_inbox WHERE delivery_id = $1")
                    .bind(id)
                    .fetch_one(inbox.pool())
                    .await
                    .unwrap();
            (sqlx::Row::get(&row, 0), sqlx::Row::get(&row, 1))
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn enqueue_new_then_duplicate_one_row() {
            let database = $database;
            let inbox = connect(&database, options()).await;
            assert_eq!(inbox.enqueue(row("evt_a")).await.unwrap(), Enqueued::New);
            assert_eq!(
                inbox.enqueue(row("evt_a")).await.unwrap(),
                Enqueued::Duplicate
            );
            // Three concurrent copies (likely in one group commit): one new, one row.
            let copies =
                futures::future::join_all((0..3).map(|_| inbox.enqueue(row("evt_b")))).await;
            let new = copies
                .iter()
                .filter(|c| matches!(c, Ok(Enqueued::New)))
                .count();
            assert!(copies.iter().all(Result::is_ok), "{copies:?}");
            assert_eq!(new, 1, "{copies:?}");
            assert_eq!(
                count(&inbox, "webhook_inbox", "delivery_id = 'evt_a'").await,
                1
            );
            assert_eq!(
                count(&inbox, "webhook_inbox", "delivery_id = 'evt_b'").await,
                1
            );
            let stats = inbox.stats().await.unwrap();
            assert_eq!(stats.pending, 2, "{stats:?}");
        }

        /// The replay hole of issue 24: a scheme whose id header is not signed (GitHub's
        /// `X-GitHub-Delivery`) re-sent with the same signed body under fresh ids is one row,
        /// as inline mode claims the signature too; a new body under a known id is one too.
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_capture_resent_under_fresh_unsigned_ids_is_one_row() {
            let database = $database;
            let inbox = connect(&database, options()).await;
            let secret = Secret::new("github-secret").unwrap();
            let verifier = Verifier::new(Scheme::github(), [secret.clone()]);
            let signer = Signer::new(Scheme::github(), secret);
            let github = |body: &str, delivery: &str| {
                let headers = signer.headers(body.as_bytes(), 0, delivery);
                let verified = verifier
                    .verify(&headers, Bytes::from(body.to_owned()))
                    .expect("verifies");
                NewDelivery::new(verifier.scheme(), &verified, &headers)
            };
            let body = r#"{"action":"opened","number":1}"#;
            assert_eq!(inbox.enqueue(github(body, "d-1")).await.unwrap(), Enqueued::New);
            for fresh in ["d-2", "d-3", "d-4"] {
                assert_eq!(
                    inbox.enqueue(github(body, fresh)).await.unwrap(),
                    Enqueued::Duplicate,
                    "the capture re-sent as {fresh}"
                );
            }
            // Copies in one group commit, each under its own fresh id: one row at most.
            let other = r#"{"action":"closed","number":2}"#;
            let copies = futures::future::join_all(
                ["c-1", "c-2", "c-3"].map(|id| inbox.enqueue(github(other, id))),
            )
            .await;
            let new = copies.iter().filter(|c| matches!(c, Ok(Enqueued::New))).count();
            assert_eq!(new, 1, "{copies:?}");
            // The id's key still holds on its own: another body under a known id is a copy.
            assert_eq!(
                inbox.enqueue(github(r#"{"n":3}"#, "d-1")).await.unwrap(),
                Enqueued::Duplicate
            );
            assert_eq!(count(&inbox, "webhook_inbox", "scheme = 'github'").await, 2);
        }

        /// A table made by an earlier version (without the signature's key and the trace
        /// context) gains the columns at connect, and keeps its rows.
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_table_of_an_earlier_version_is_migrated() {
            let database = $database;
            {
                let sqlite = database.url().starts_with("sqlite");
                let url = if sqlite { format!("{}?mode=rwc", database.url()) } else { database.url() };
                let pool = sqlx::Pool::<Db>::connect(&url).await.unwrap();
                let blob = if sqlite { "BLOB" } else { "BYTEA" };
                sqlx::query(&format!(
                    "CREATE TABLE webhook_inbox (id BIGINT PRIMARY KEY, dedup_key TEXT NOT NULL UNIQUE, \
                     scheme TEXT NOT NULL, tenant TEXT, delivery_id TEXT NOT NULL, event_type TEXT, \
                     headers TEXT NOT NULL, body {blob} NOT NULL, received_at BIGINT NOT NULL, \
                     state TEXT NOT NULL, attempts BIGINT NOT NULL, run_at BIGINT NOT NULL, \
                     lease_token BIGINT, lease_until BIGINT, last_error TEXT, done_at BIGINT)"
                ))
                .execute(&pool)
                .await
                .unwrap();
                sqlx::query(
                    "INSERT INTO webhook_inbox (id, dedup_key, scheme, delivery_id, headers, body, received_at, state, attempts, run_at) \
                     VALUES (1, 'old', 'github', 'old', '[]', $1, 0, 'done', 1, 0)",
                )
                .bind(b"{}".as_slice())
                .execute(&pool)
                .await
                .unwrap();
                pool.close().await;
            }
            let inbox = connect(&database, options()).await;
            assert_eq!(count(&inbox, "webhook_inbox", "signature_key IS NULL AND traceparent IS NULL").await, 1);
            // And a second connect finds the columns there.
            drop(inbox);
            let inbox = connect(&database, options()).await;
            assert_eq!(inbox.stats().await.unwrap().done, 1);
        }

        /// An operator lists by state, scheme and id (newest first, paged), shows one row in
        /// full, and re-drives by filter: dead rows of one scheme only, never a done one.
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn list_show_and_redrive_by_filter() {
            use webhook_guard::inbox::{Filter, State};
            let database = $database;
            let mut options = options();
            options.retry.max_attempts = 1;
            let inbox = connect(&database, options).await;
            for id in ["evt_l1", "evt_l2", "evt_l3", "evt_ok"] {
                inbox.enqueue(row(id)).await.unwrap();
            }
            let github = {
                let secret = Secret::new("github-secret").unwrap();
                let verifier = Verifier::new(Scheme::github(), [secret.clone()]);
                let mut headers = Signer::new(Scheme::github(), secret).headers(b"{\"n\":1}", 0, "gh-1");
                headers.push(("traceparent".into(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into()));
                let verified = verifier.verify(&headers, Bytes::from_static(b"{\"n\":1}")).unwrap();
                NewDelivery::new(verifier.scheme(), &verified, &headers)
            };
            inbox.enqueue(github).await.unwrap();
            let worker = recording(&inbox, |d| (d.id() != "evt_ok").then(|| "refused".to_owned()));
            eventually(Duration::from_secs(20), "four dead, one done", || async {
                let stats = inbox.stats().await.unwrap();
                stats.dead == 4 && stats.done == 1
            })
            .await;
            worker.shutdown().await;

            let dead = inbox.list(&Filter::default().state(State::Dead)).await.unwrap();
            let ids: Vec<&str> = dead.iter().map(|r| r.delivery_id.as_str()).collect();
            assert_eq!(ids, ["gh-1", "evt_l3", "evt_l2", "evt_l1"], "newest first");
            let page = inbox
                .list(&Filter::default().state(State::Dead).limit(2).before(dead[1].row_id))
                .await
                .unwrap();
            let ids: Vec<&str> = page.iter().map(|r| r.delivery_id.as_str()).collect();
            assert_eq!(ids, ["evt_l2", "evt_l1"], "the next page");
            let by_id = inbox.list(&Filter::default().delivery_id("evt_ok")).await.unwrap();
            assert_eq!((by_id.len(), by_id[0].state), (1, State::Done));
            assert!(by_id[0].done_at_ms.is_some());
            let audit = inbox.list(&Filter::default().scheme("audit-trail")).await.unwrap();
            assert_eq!(audit.len(), 4);
            // Text in the body (GitHub's is `{"n":1}`; the Audit Trail samples carry their id).
            let found = inbox.list(&Filter::default().body_contains("\"n\":1")).await.unwrap();
            assert_eq!(found.iter().map(|r| r.delivery_id.as_str()).collect::<Vec<_>>(), ["gh-1"]);
            let found = inbox.list(&Filter::default().body_contains("evt_l2")).await.unwrap();
            assert_eq!(found.iter().map(|r| r.delivery_id.as_str()).collect::<Vec<_>>(), ["evt_l2"]);
            assert!(inbox.list(&Filter::default().body_contains("no such text")).await.unwrap().is_empty());
            let dead_with_text = Filter::default().state(State::Dead).body_contains("evt_l");
            assert_eq!(inbox.list(&dead_with_text).await.unwrap().len(), 3);

            let shown = inbox.show(dead[0].row_id).await.unwrap().expect("the row");
            assert_eq!(&shown.body[..], b"{\"n\":1}");
            assert_eq!(shown.summary.last_error.as_deref(), Some("refused"));
            assert_eq!(
                shown.traceparent.as_deref(),
                Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
            );
            assert!(shown.headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("x-hub-signature-256")));
            assert!(inbox.show(i64::MAX).await.unwrap().is_none());
            // The verification's facts: GitHub signs no time; the Audit Trail does, and its
            // skew is the time from signing to reception (signed a moment ago here).
            assert_eq!((shown.signed_at, shown.skew_ms()), (None, None));
            let audit_row = inbox.show(dead[1].row_id).await.unwrap().unwrap();
            let skew = audit_row.skew_ms().expect("the Audit Trail signs its time");
            assert!((-1_000..60_000).contains(&skew), "{skew} ms");

            // Done rows are never re-driven; dead rows of one scheme only.
            assert!(inbox.redrive_where(&Filter::default().state(State::Done)).await.is_err());
            let redriven = inbox
                .redrive_where(&Filter::default().scheme("audit-trail"))
                .await
                .unwrap();
            assert_eq!(redriven, 3);
            let stats = inbox.stats().await.unwrap();
            assert_eq!((stats.pending, stats.dead, stats.done), (3, 1, 1), "{stats:?}");
            let rest = inbox.list(&Filter::default().state(State::Dead)).await.unwrap();
            assert_eq!(rest[0].delivery_id, "gh-1");
            assert_eq!(state(&inbox, "evt_l1").await, ("pending".to_owned(), 0));
        }

        /// Retention runs by itself: the workers delete done rows past it, in batches, and
        /// keep dead ones.
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn retention_runs_by_itself() {
            let database = $database;
            let mut options = options();
            options.retry.max_attempts = 1;
            options.retention = Duration::from_millis(300);
            options.purge_every = Some(Duration::from_millis(200));
            let inbox = connect(&database, options).await;
            for n in 0..(webhook_guard::inbox::PURGE_BATCH + 20) {
                inbox.enqueue(row(&format!("evt_keep_{n}"))).await.unwrap();
            }
            inbox.enqueue(row("evt_dead_kept")).await.unwrap();
            let worker = recording(&inbox, |d| (d.id() == "evt_dead_kept").then(|| "no".to_owned()));
            eventually(Duration::from_secs(30), "done rows purged, the dead one kept", || async {
                let stats = inbox.stats().await.unwrap();
                stats.done == 0 && stats.dead == 1 && stats.pending == 0 && stats.running == 0
            })
            .await;
            worker.shutdown().await;
            assert_eq!(count(&inbox, "webhook_inbox", "1 = 1").await, 1);
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn transactional_writes_commit_with_the_done_mark_or_roll_back() {
            let database = $database;
            let mut options = options();
            options.retry.max_attempts = 2;
            let inbox = connect(&database, options).await;
            inbox.enqueue(row("evt_ok")).await.unwrap();
            inbox.enqueue(row("evt_fail")).await.unwrap();
            let worker = recording(&inbox, |d| {
                (d.id() == "evt_fail").then(|| format!("refused attempt {}", d.attempt()))
            });
            eventually(Duration::from_secs(20), "one done, one dead", || async {
                let stats = inbox.stats().await.unwrap();
                stats.done == 1 && stats.dead == 1
            })
            .await;
            worker.shutdown().await;
            assert_eq!(count(&inbox, "effects", "delivery_id = 'evt_ok'").await, 1);
            // Two failed attempts, each wrote then failed: nothing of theirs landed.
            assert_eq!(
                count(&inbox, "effects", "delivery_id = 'evt_fail'").await,
                0
            );
            assert_eq!(state(&inbox, "evt_ok").await, ("done".to_owned(), 1));
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_worker_whose_lease_was_taken_over_cannot_commit() {
            let database = $database;
            let mut options = options();
            options.lease = Duration::from_millis(400);
            let url = database.url();
            let inbox = connect(&database, options.clone()).await;
            inbox.enqueue(row("evt_fenced")).await.unwrap();

            // Worker A, in its own runtime (a process of its own, in effect), stalls its thread
            // on the first attempt: no lease renewal can run, the lease runs out.
            let (entered, a_entered) = std::sync::mpsc::channel();
            let a_options = options.clone();
            let a = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async move {
                    let inbox = Inbox::<Db>::connect_with(&url, a_options).await.unwrap();
                    let done = Arc::new(tokio::sync::Notify::new());
                    let finished = Arc::clone(&done);
                    let worker = inbox.worker().concurrency(1).transactional(
                        move |delivery: InboxDelivery, mut tx: sqlx::Transaction<'static, Db>| {
                            let (entered, finished) = (entered.clone(), Arc::clone(&finished));
                            async move {
                                assert_eq!(delivery.attempt(), 1, "A runs only the first attempt");
                                entered.send(()).unwrap();
                                std::thread::sleep(Duration::from_millis(2500));
                                sqlx::query(
                                    "INSERT INTO effects (delivery_id, attempt) VALUES ($1, $2)",
                                )
                                .bind(delivery.id().to_owned())
                                .bind(i64::from(delivery.attempt()))
                                .execute(&mut *tx)
                                .await?;
                                finished.notify_one();
                                Ok(tx)
                            }
                        },
                    );
                    done.notified().await;
                    // Its commit attempt (fenced) happens right after the handler returns.
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    worker.shutdown().await;
                });
            });
            a_entered
                .recv_timeout(Duration::from_secs(10))
                .expect("worker A claimed the row");
            // Worker B takes the row over once A's lease ran out, and handles it.
            let b = recording(&inbox, |_| None);
            eventually(Duration::from_secs(10), "B handled the row", || async {
                count(&inbox, "effects", "attempt = 2").await == 1
            })
            .await;
            a.join().expect("worker A ran");
            b.shutdown().await;
            assert_eq!(
                count(&inbox, "effects", "delivery_id = 'evt_fenced'").await,
                1,
                "the fenced worker's write must not land"
            );
            assert_eq!(count(&inbox, "effects", "attempt = 1").await, 0);
            assert_eq!(state(&inbox, "evt_fenced").await, ("done".to_owned(), 2));
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn retries_with_backoff_then_dead_then_redrive() {
            let database = $database;
            let inbox = connect(&database, options()).await;
            inbox.enqueue(row("evt_dead_1")).await.unwrap();
            inbox.enqueue(row("evt_dead_2")).await.unwrap();
            inbox.enqueue(row("evt_dead_3")).await.unwrap();
            let healed = Arc::new(AtomicBool::new(false));
            let times = Arc::new(std::sync::Mutex::new(Vec::<(String, Instant)>::new()));
            let (flag, log) = (Arc::clone(&healed), Arc::clone(&times));
            let worker = recording(&inbox, move |d| {
                log.lock()
                    .unwrap()
                    .push((d.id().to_owned(), Instant::now()));
                (!flag.load(Ordering::SeqCst)).then(|| format!("boom {}", d.attempt()))
            });
            eventually(Duration::from_secs(20), "three dead rows", || async {
                inbox.stats().await.unwrap().dead == 3
            })
            .await;
            let dead = inbox.dead(10).await.unwrap();
            assert_eq!(dead.len(), 3);
            for row in &dead {
                assert_eq!(row.attempts, 3, "{row:?}");
                assert_eq!(row.last_error.as_deref(), Some("boom 3"), "{row:?}");
            }
            // Backoff: 40 ms then 80 ms, each ±25 %.
            {
                let times = times.lock().unwrap();
                let one: Vec<Instant> = times
                    .iter()
                    .filter(|(id, _)| id == "evt_dead_1")
                    .map(|(_, at)| *at)
                    .collect();
                assert_eq!(one.len(), 3);
                assert!(
                    one[1] - one[0] >= Duration::from_millis(30),
                    "{:?}",
                    one[1] - one[0]
                );
                assert!(
                    one[2] - one[1] >= Duration::from_millis(60),
                    "{:?}",
                    one[2] - one[1]
                );
            }
            assert_eq!(count(&inbox, "effects", "1 = 1").await, 0);

            healed.store(true, Ordering::SeqCst);
            let first = dead[0].row_id;
            assert_eq!(inbox.redrive(Some(first)).await.unwrap(), 1);
            eventually(
                Duration::from_secs(10),
                "the re-driven row done",
                || async { inbox.stats().await.unwrap().done == 1 },
            )
            .await;
            assert_eq!(inbox.stats().await.unwrap().dead, 2);
            assert_eq!(inbox.redrive(None).await.unwrap(), 2);
            eventually(Duration::from_secs(10), "every row done", || async {
                let stats = inbox.stats().await.unwrap();
                stats.done == 3 && stats.dead == 0
            })
            .await;
            worker.shutdown().await;
            // A re-drive starts the count again: the successful attempt is number 1.
            assert_eq!(count(&inbox, "effects", "attempt = 1").await, 3);
            assert_eq!(inbox.redrive(None).await.unwrap(), 0);
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn purge_removes_done_rows_past_retention_only() {
            let database = $database;
            let mut options = options();
            options.retry.max_attempts = 1;
            let inbox = connect(&database, options).await;
            for id in ["evt_old", "evt_new", "evt_old_dead"] {
                inbox.enqueue(row(id)).await.unwrap();
            }
            let worker = recording(&inbox, |d| (d.id() == "evt_old_dead").then(|| "no".into()));
            eventually(Duration::from_secs(10), "two done, one dead", || async {
                let stats = inbox.stats().await.unwrap();
                stats.done == 2 && stats.dead == 1
            })
            .await;
            worker.shutdown().await;
            // Age two rows past the retention (7 days): one done, one dead.
            let eight_days = 8 * 24 * 3600 * 1000_i64;
            sqlx::query(
                "UPDATE webhook_inbox SET done_at = done_at - $1, received_at = received_at - $1 \
                 WHERE delivery_id IN ('evt_old', 'evt_old_dead')",
            )
            .bind(eight_days)
            .execute(inbox.pool())
            .await
            .unwrap();
            assert_eq!(inbox.purge().await.unwrap(), 1);
            assert_eq!(
                count(&inbox, "webhook_inbox", "delivery_id = 'evt_old'").await,
                0
            );
            assert_eq!(
                count(&inbox, "webhook_inbox", "delivery_id = 'evt_new'").await,
                1
            );
            assert_eq!(
                count(&inbox, "webhook_inbox", "delivery_id = 'evt_old_dead'").await,
                1
            );
            assert_eq!(inbox.purge().await.unwrap(), 0);
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn stats_count_by_state_and_the_oldest_age() {
            let database = $database;
            let inbox = connect(&database, options()).await;
            let empty = inbox.stats().await.unwrap();
            assert_eq!(
                (empty.pending, empty.done, empty.oldest_pending_ms),
                (0, 0, None)
            );
            inbox.enqueue(row("evt_s1")).await.unwrap();
            inbox.enqueue(row("evt_s2")).await.unwrap();
            tokio::time::sleep(Duration::from_millis(200)).await;
            let stats = inbox.stats().await.unwrap();
            assert_eq!(
                (stats.pending, stats.running, stats.done, stats.dead),
                (2, 0, 0, 0)
            );
            let age = stats.oldest_pending_ms.expect("an oldest pending row");
            assert!((200..60_000).contains(&age), "{age}");
            let worker = recording(&inbox, |_| None);
            eventually(Duration::from_secs(10), "both done", || async {
                inbox.stats().await.unwrap().done == 2
            })
            .await;
            worker.shutdown().await;
            let stats = inbox.stats().await.unwrap();
            assert_eq!(
                (stats.pending, stats.running, stats.oldest_pending_ms),
                (0, 0, None)
            );
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn graceful_shutdown_finishes_within_the_grace() {
            let database = $database;
            let inbox = connect(&database, options()).await;
            inbox.enqueue(row("evt_finish")).await.unwrap();
            let started = Arc::new(tokio::sync::Notify::new());
            let signal = Arc::clone(&started);
            let worker = inbox
                .worker()
                .shutdown_grace(Duration::from_secs(10))
                .transactional(
                    move |delivery: InboxDelivery, mut tx: sqlx::Transaction<'static, Db>| {
                        let signal = Arc::clone(&signal);
                        async move {
                            signal.notify_one();
                            tokio::time::sleep(Duration::from_millis(500)).await;
                            sqlx::query(
                                "INSERT INTO effects (delivery_id, attempt) VALUES ($1, 1)",
                            )
                            .bind(delivery.id().to_owned())
                            .execute(&mut *tx)
                            .await?;
                            Ok(tx)
                        }
                    },
                );
            started.notified().await;
            worker.shutdown().await;
            assert_eq!(state(&inbox, "evt_finish").await, ("done".to_owned(), 1));
            assert_eq!(count(&inbox, "effects", "1 = 1").await, 1);
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn graceful_shutdown_gives_back_what_it_cannot_finish_uncounted() {
            let database = $database;
            let inbox = connect(&database, options()).await;
            inbox.enqueue(row("evt_release")).await.unwrap();
            let started = Arc::new(tokio::sync::Notify::new());
            let signal = Arc::clone(&started);
            let worker = inbox
                .worker()
                .shutdown_grace(Duration::from_millis(200))
                .transactional(
                    move |delivery: InboxDelivery, mut tx: sqlx::Transaction<'static, Db>| {
                        let signal = Arc::clone(&signal);
                        async move {
                            sqlx::query(
                                "INSERT INTO effects (delivery_id, attempt) VALUES ($1, 1)",
                            )
                            .bind(delivery.id().to_owned())
                            .execute(&mut *tx)
                            .await?;
                            signal.notify_one();
                            tokio::time::sleep(Duration::from_secs(60)).await;
                            Ok(tx)
                        }
                    },
                );
            started.notified().await;
            assert_eq!(
                state(&inbox, "evt_release").await,
                ("running".to_owned(), 1)
            );
            let stopping = Instant::now();
            worker.shutdown().await;
            assert!(
                stopping.elapsed() < Duration::from_secs(5),
                "{:?}",
                stopping.elapsed()
            );
            // Given back, its attempt not counted, its write rolled back.
            assert_eq!(
                state(&inbox, "evt_release").await,
                ("pending".to_owned(), 0)
            );
            assert_eq!(count(&inbox, "effects", "1 = 1").await, 0);
            // And the next worker runs it as attempt 1.
            let worker = recording(&inbox, |_| None);
            eventually(
                Duration::from_secs(10),
                "handled after the restart",
                || async { count(&inbox, "effects", "attempt = 1").await == 1 },
            )
            .await;
            worker.shutdown().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_crashed_workers_rows_are_claimed_again_after_the_lease() {
            let database = $database;
            let mut options = options();
            options.lease = Duration::from_millis(600);
            options.poll_interval = Duration::from_millis(100);
            let url = database.url();
            let inbox = connect(&database, options.clone()).await;
            for id in ["evt_crash_1", "evt_crash_2"] {
                inbox.enqueue(row(id)).await.unwrap();
            }
            // A worker in a runtime of its own claims both rows, then its "process" dies: the
            // runtime is dropped mid-handler, nothing given back, no more renewals.
            let (claimed, a_claimed) = std::sync::mpsc::channel();
            let a_options = options.clone();
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            runtime.spawn(async move {
                let inbox = Inbox::<Db>::connect_with(&url, a_options).await.unwrap();
                let worker = inbox.worker().concurrency(2).run(move |_delivery| {
                    let claimed = claimed.clone();
                    async move {
                        claimed.send(()).unwrap();
                        std::future::pending::<()>().await;
                        Ok(())
                    }
                });
                std::mem::forget(worker);
            });
            for _ in 0..2 {
                a_claimed
                    .recv_timeout(Duration::from_secs(10))
                    .expect("claimed");
            }
            runtime.shutdown_background();
            let crashed = Instant::now();
            assert_eq!(inbox.stats().await.unwrap().running, 2);
            let worker = recording(&inbox, |_| None);
            eventually(Duration::from_secs(10), "both rows handled", || async {
                count(&inbox, "effects", "1 = 1").await == 2
            })
            .await;
            let waited = crashed.elapsed();
            worker.shutdown().await;
            // Within the lease, a rescue (every lease / 4) and a poll, with slack for a busy CI.
            assert!(
                waited < Duration::from_millis(600 + 150 + 100 + 1500),
                "{waited:?}"
            );
            assert_eq!(count(&inbox, "effects", "attempt = 2").await, 2);
        }

        /// A handler that panics is one failed attempt, its message kept: a delivery that
        /// panics every time ends dead after the maximum; one that panics once is handled on
        /// its second attempt; the worker keeps serving throughout.
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_panicking_handler_is_a_failed_attempt() {
            let database = $database;
            let inbox = connect(&database, options()).await;
            inbox.enqueue(row("evt_panic_always")).await.unwrap();
            inbox.enqueue(row("evt_panic_once")).await.unwrap();
            let worker = inbox.worker().concurrency(2).transactional(
                |delivery: InboxDelivery, mut tx: sqlx::Transaction<'static, Db>| async move {
                    sqlx::query("INSERT INTO effects (delivery_id, attempt) VALUES ($1, $2)")
                        .bind(delivery.id().to_owned())
                        .bind(i64::from(delivery.attempt()))
                        .execute(&mut *tx)
                        .await?;
                    if delivery.id() == "evt_panic_always" || delivery.attempt() == 1 {
                        panic!("boom on attempt {}", delivery.attempt());
                    }
                    Ok(tx)
                },
            );
            eventually(Duration::from_secs(20), "one done, one dead", || async {
                let stats = inbox.stats().await.unwrap();
                stats.done == 1 && stats.dead == 1
            })
            .await;
            // Still serving after the panics.
            inbox.enqueue(row("evt_after_panics")).await.unwrap();
            eventually(Duration::from_secs(10), "a later delivery handled", || async {
                inbox.stats().await.unwrap().done == 2
            })
            .await;
            worker.shutdown().await;
            assert_eq!(state(&inbox, "evt_panic_once").await, ("done".to_owned(), 2));
            assert_eq!(state(&inbox, "evt_panic_always").await, ("dead".to_owned(), 3));
            let dead = inbox.dead(10).await.unwrap();
            assert_eq!(
                dead[0].last_error.as_deref(),
                Some("handler panicked: boom on attempt 3")
            );
            // Every attempt is in the row's history, with its outcome and error.
            let history = |id: &'static str| {
                let inbox = inbox.clone();
                async move {
                    let filter = webhook_guard::inbox::Filter::default().delivery_id(id);
                    let row = inbox.list(&filter).await.unwrap().remove(0);
                    let detail = inbox.show(row.row_id).await.unwrap().unwrap();
                    detail
                        .attempts
                        .iter()
                        .map(|a| (a.attempt, a.outcome.clone(), a.error.clone()))
                        .collect::<Vec<_>>()
                }
            };
            let boom = |n: i64| Some(format!("handler panicked: boom on attempt {n}"));
            assert_eq!(
                history("evt_panic_always").await,
                [(1, "retried".to_owned(), boom(1)), (2, "retried".to_owned(), boom(2)), (3, "dead".to_owned(), boom(3))]
            );
            assert_eq!(
                history("evt_panic_once").await,
                [(1, "retried".to_owned(), boom(1)), (2, "handled".to_owned(), None)]
            );
            // The panicking attempts' writes rolled back; the good one's landed.
            assert_eq!(count(&inbox, "effects", "delivery_id = 'evt_panic_always'").await, 0);
            assert_eq!(count(&inbox, "effects", "delivery_id = 'evt_panic_once'").await, 1);
        }

        /// A done-mark that can never commit (here a trigger; in life, say, a deferred
        /// constraint the handler's writes break) is not the handler's error, so its first
        /// occurrences are given back uncounted; but from `max_attempts - 1` on they count, and
        /// the row ends dead instead of looping for ever.
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_done_mark_that_never_commits_ends_dead() {
            let database = $database;
            let mut options = options();
            options.retry.max_attempts = 2;
            let inbox = connect(&database, options).await;
            let triggers: &[&str] = if database.url().starts_with("sqlite") {
                &["CREATE TRIGGER never_done BEFORE UPDATE ON webhook_inbox WHEN NEW.state = 'done' \
                   BEGIN SELECT RAISE(ABORT, 'test: the done-mark never commits'); END"]
            } else {
                &[
                    "CREATE FUNCTION never_done() RETURNS trigger LANGUAGE plpgsql AS \
                     $$ BEGIN RAISE EXCEPTION 'test: the done-mark never commits'; END $$",
                    "CREATE TRIGGER never_done BEFORE UPDATE ON webhook_inbox FOR EACH ROW \
                     WHEN (NEW.state = 'done') EXECUTE FUNCTION never_done()",
                ]
            };
            for sql in triggers {
                sqlx::query(sql).execute(inbox.pool()).await.unwrap();
            }
            inbox.enqueue(row("evt_never_done")).await.unwrap();
            let worker = recording(&inbox, |_| None);
            eventually(Duration::from_secs(20), "the row is dead", || async {
                inbox.stats().await.unwrap().dead == 1
            })
            .await;
            worker.shutdown().await;
            assert_eq!(state(&inbox, "evt_never_done").await, ("dead".to_owned(), 2));
            let row = inbox
                .list(&webhook_guard::inbox::Filter::default().delivery_id("evt_never_done"))
                .await
                .unwrap()
                .remove(0);
            let outcomes: Vec<String> = inbox
                .show(row.row_id)
                .await
                .unwrap()
                .unwrap()
                .attempts
                .into_iter()
                .map(|a| a.outcome)
                .collect();
            assert_eq!(outcomes, ["postponed", "retried", "dead"]);
            let last_error = row.last_error.unwrap_or_default();
            assert!(last_error.contains("without the handler's fault"), "{last_error}");
            assert!(last_error.contains("the done-mark never commits"), "{last_error}");
            // Every attempt's writes rolled back with its done-mark.
            assert_eq!(count(&inbox, "effects", "1 = 1").await, 0);
        }

        /// A delivery whose every attempt kills its worker's process ends dead after the
        /// maximum, each lost attempt counted (rescue goes through the same backoff), instead of
        /// being claimed again for ever.
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_delivery_that_kills_its_worker_every_time_ends_dead() {
            let database = $database;
            let mut options = options();
            options.lease = Duration::from_millis(400);
            options.poll_interval = Duration::from_millis(50);
            options.retry.max_attempts = 2;
            let url = database.url();
            let inbox = connect(&database, options.clone()).await;
            inbox.enqueue(row("evt_killer")).await.unwrap();
            for crash in 1..=2 {
                let (claimed, a_claimed) = std::sync::mpsc::channel();
                let (a_url, a_options) = (url.clone(), options.clone());
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.spawn(async move {
                    let inbox = Inbox::<Db>::connect_with(&a_url, a_options).await.unwrap();
                    let worker = inbox.worker().concurrency(1).run(move |delivery| {
                        let claimed = claimed.clone();
                        async move {
                            claimed.send(delivery.attempt()).unwrap();
                            std::future::pending::<()>().await;
                            Ok(())
                        }
                    });
                    std::mem::forget(worker);
                });
                let attempt = a_claimed
                    .recv_timeout(Duration::from_secs(10))
                    .expect("claimed");
                assert_eq!(attempt, crash, "each lost attempt is counted");
                runtime.shutdown_background();
            }
            let worker = recording(&inbox, |_| None);
            eventually(Duration::from_secs(10), "the row is dead", || async {
                inbox.stats().await.unwrap().dead == 1
            })
            .await;
            worker.shutdown().await;
            assert_eq!(state(&inbox, "evt_killer").await, ("dead".to_owned(), 2));
            let row = inbox
                .list(&webhook_guard::inbox::Filter::default().delivery_id("evt_killer"))
                .await
                .unwrap()
                .remove(0);
            let outcomes: Vec<(i64, String)> = inbox
                .show(row.row_id)
                .await
                .unwrap()
                .unwrap()
                .attempts
                .into_iter()
                .map(|a| (a.attempt, a.outcome))
                .collect();
            assert_eq!(outcomes, [(1, "retried".to_owned()), (2, "dead".to_owned())]);
            let dead = inbox.dead(10).await.unwrap();
            assert_eq!(
                dead[0].last_error.as_deref(),
                Some("the worker stopped during attempt 2 (its lease ran out)")
            );
            assert_eq!(count(&inbox, "effects", "1 = 1").await, 0);
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn acknowledgements_do_not_wait_for_slow_handlers() {
            let database = $database;
            let mut options = options();
            // More workers than connections, each holding one for its 3 s handler.
            options.max_connections = 4;
            let inbox = connect(&database, options).await;
            for i in 0..8 {
                inbox.enqueue(row(&format!("evt_slow_{i}"))).await.unwrap();
            }
            let running = Arc::new(AtomicU32::new(0));
            let counter = Arc::clone(&running);
            let worker = inbox.worker().concurrency(8).run(move |_delivery| {
                let counter = Arc::clone(&counter);
                async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    Ok(())
                }
            });
            eventually(Duration::from_secs(10), "handlers running", || async {
                running.load(Ordering::SeqCst) >= 3
            })
            .await;
            let started = Instant::now();
            inbox.enqueue(row("evt_fast_ack")).await.unwrap();
            let took = started.elapsed();
            worker.shutdown().await;
            assert!(
                took < Duration::from_millis(1000),
                "the acknowledgement waited {took:?}"
            );
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn http_200_once_durable_duplicate_without_a_second_row_on_both_adapters() {
            let database = $database;
            let inbox = connect(&database, options()).await;
            let guard = webhook_guard::Guard::new(Verifier::new(Scheme::audit_trail(), [secret()]))
                .inbox(inbox.clone());
            let axum_url = http::serve_axum(guard.clone()).await;
            let actix = http::serve_actix(guard).await;
            let client = reqwest::Client::new();
            for (adapter, url) in [
                ("axum", axum_url.as_str()),
                ("actix", actix.base_url.as_str()),
            ] {
                let id = format!("evt_http_{adapter}");
                let (status, _) = http::post(&client, url, &id).await;
                assert_eq!(status, 200, "{adapter}");
                // Durable when answered: the row is there, seen from another connection.
                assert_eq!(
                    count(&inbox, "webhook_inbox", &format!("delivery_id = '{id}'")).await,
                    1
                );
                let (status, _) = http::post(&client, url, &id).await;
                assert_eq!(status, 200, "{adapter}: a duplicate is acknowledged");
                assert_eq!(
                    count(&inbox, "webhook_inbox", &format!("delivery_id = '{id}'")).await,
                    1
                );
                // A bad signature is still refused before anything is stored.
                let (headers, body) = signed("evt_forged");
                let response = client
                    .post(format!("{url}/hook"))
                    .headers(http::header_map(&headers))
                    .body(format!("{} ", String::from_utf8_lossy(&body)))
                    .send()
                    .await
                    .unwrap();
                assert!(
                    response.status().is_client_error(),
                    "{adapter}: {}",
                    response.status()
                );
            }
            assert_eq!(
                count(&inbox, "webhook_inbox", "delivery_id = 'evt_forged'").await,
                0
            );
            assert_eq!(inbox.stats().await.unwrap().pending, 2);
        }
    };
}

/// The receivers over HTTP: the adapters' `enqueue` handlers at `/hook`.
mod http {
    use super::*;

    pub async fn serve_axum(guard: webhook_guard::Guard) -> String {
        use axum::routing::post;
        let app = axum::Router::new().route(
            "/hook",
            post(webhook_guard::axum::enqueue).layer(webhook_guard::axum::WebhookLayer::new(guard)),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}")
    }

    pub async fn serve_actix(guard: webhook_guard::Guard) -> common::actix_app::Server {
        let middleware = webhook_guard::actix::WebhookMiddleware::new(guard);
        common::actix_app::serve(common::actix_app::Options::default(), move |cfg| {
            cfg.service(
                actix_web::web::resource("/hook")
                    .wrap(middleware.clone())
                    .route(actix_web::web::post().to(webhook_guard::actix::enqueue)),
            );
        })
        .await
    }

    pub fn header_map(headers: &[(String, String)]) -> reqwest::header::HeaderMap {
        headers
            .iter()
            .map(|(name, value)| {
                (
                    reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    reqwest::header::HeaderValue::from_str(value).unwrap(),
                )
            })
            .collect()
    }

    /// Posts delivery `id`; its status and `Retry-After`.
    pub async fn post(client: &reqwest::Client, base: &str, id: &str) -> (u16, Option<String>) {
        let (headers, body) = signed(id);
        let response = client
            .post(format!("{base}/hook"))
            .headers(header_map(&headers))
            .body(body)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .unwrap();
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        (response.status().as_u16(), retry_after)
    }
}

mod sqlite {
    inbox_cases!(sqlx::Sqlite, Database::sqlite());

    /// Issue 24: a transactional handler holding SQLite's write lock (here another
    /// connection, in a write transaction for longer than `unavailable_after`) never holds an
    /// acknowledgement: it is stored in the intake and answered 200 at once, and reaches the
    /// table once the lock is gone. The intake itself unavailable: 503 + Retry-After.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn acknowledgements_never_wait_for_the_handlers_write_lock() {
        let database = Database::sqlite();
        let mut options = options();
        options.unavailable_after = Duration::from_millis(500);
        let inbox = connect(&database, options).await;
        let guard = webhook_guard::Guard::new(Verifier::new(Scheme::audit_trail(), [secret()]))
            .inbox(inbox.clone());
        let axum_url = http::serve_axum(guard.clone()).await;
        let actix = http::serve_actix(guard).await;
        let client = reqwest::Client::new();
        let adapters = [
            ("axum", axum_url.as_str()),
            ("actix", actix.base_url.as_str()),
        ];

        // A "handler" holds the inbox file's write lock, as a transactional one does from its
        // first write to its commit.
        let mut handler = sqlx::SqliteConnection::connect(&database.url())
            .await
            .unwrap();
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut handler)
            .await
            .unwrap();
        sqlx::query("INSERT INTO effects (delivery_id, attempt) VALUES ('held', 1)")
            .execute(&mut handler)
            .await
            .unwrap();
        for (adapter, url) in adapters {
            let started = Instant::now();
            let (status, _) = http::post(&client, url, &format!("evt_held_{adapter}")).await;
            assert_eq!(
                status, 200,
                "{adapter}: acknowledged while the handler holds the lock"
            );
            assert!(
                started.elapsed() < Duration::from_millis(400),
                "{adapter}: {:?}",
                started.elapsed()
            );
            // A copy meanwhile is a duplicate, not a second row.
            assert_eq!(
                http::post(&client, url, &format!("evt_held_{adapter}"))
                    .await
                    .0,
                200
            );
        }
        assert_eq!(
            inbox.stats().await.unwrap().pending,
            2,
            "acknowledged, waiting in the intake"
        );
        sqlx::query("COMMIT").execute(&mut handler).await.unwrap();
        for (adapter, _) in adapters {
            let id = format!("evt_held_{adapter}");
            assert_eq!(
                count(&inbox, "webhook_inbox", &format!("delivery_id = '{id}'")).await,
                1
            );
        }

        // The intake file locked (it cannot store): 503 + Retry-After, then 200 once free.
        let intake = format!("{}.intake", database.url());
        let mut locker = sqlx::SqliteConnection::connect(&intake).await.unwrap();
        sqlx::query("BEGIN EXCLUSIVE")
            .execute(&mut locker)
            .await
            .unwrap();
        for (adapter, url) in adapters {
            let (status, retry_after) =
                http::post(&client, url, &format!("evt_locked_{adapter}")).await;
            assert_eq!(status, 503, "{adapter}");
            assert!(retry_after.is_some(), "{adapter}: 503 without Retry-After");
        }
        sqlx::query("ROLLBACK").execute(&mut locker).await.unwrap();
        // The answers were 503: the sender retries, and now it lands (the earlier insert may
        // have landed once the lock was gone: unacknowledged, 0 or 1 row, never 2).
        for (adapter, url) in adapters {
            let id = format!("evt_locked_{adapter}");
            assert_eq!(http::post(&client, url, &id).await.0, 200, "{adapter}");
            assert_eq!(
                count(&inbox, "webhook_inbox", &format!("delivery_id = '{id}'")).await,
                1
            );
        }
    }

    /// Rows acknowledged into the intake and not yet moved (the inbox's file was locked, then
    /// the process went away) reach the table at the next start, even with the intake turned
    /// off by then: acknowledged means kept.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_intake_left_behind_is_emptied_at_the_next_start_even_turned_off() {
        let database = Database::sqlite();
        let mut options = options();
        options.unavailable_after = Duration::from_millis(500);
        let inbox = connect(&database, options.clone()).await;
        let mut handler = sqlx::SqliteConnection::connect(&database.url())
            .await
            .unwrap();
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut handler)
            .await
            .unwrap();
        sqlx::query("INSERT INTO effects (delivery_id, attempt) VALUES ('held', 1)")
            .execute(&mut handler)
            .await
            .unwrap();
        for id in ["evt_left_1", "evt_left_2", "evt_left_3"] {
            assert_eq!(inbox.enqueue(row(id)).await.unwrap(), Enqueued::New);
        }
        drop(inbox);
        // The mover gives up with its inbox; the lock outlives it.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        sqlx::query("COMMIT").execute(&mut handler).await.unwrap();
        let rows_now = |pool| async move {
            let row = sqlx::query(
                "SELECT COUNT(*) FROM webhook_inbox WHERE delivery_id LIKE 'evt_left_%'",
            )
            .fetch_one(&pool)
            .await
            .unwrap();
            sqlx::Row::get::<i64, _>(&row, 0)
        };
        let pool = sqlx::SqlitePool::connect(&database.url()).await.unwrap();
        assert_eq!(rows_now(pool.clone()).await, 0, "still in the intake");
        options.sqlite_intake = false;
        let inbox = connect(&database, options).await;
        assert_eq!(rows_now(inbox.pool().clone()).await, 3, "moved at connect");
        assert_eq!(inbox.stats().await.unwrap().pending, 3);
    }

    /// A tmpfs mounted for one test (we are root in CI), grown or unmounted by the test.
    struct SmallDisk(PathBuf);

    impl SmallDisk {
        fn mount(kib: u32) -> Self {
            let dir = TempDir::new().0.with_extension("tmpfs");
            std::fs::create_dir_all(&dir).unwrap();
            let status = std::process::Command::new("mount")
                .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
                .arg(&dir)
                .status()
                .expect("mount runs");
            assert!(
                status.success(),
                "mounting a {kib} KiB tmpfs at {dir:?} failed (root needed)"
            );
            Self(dir)
        }

        fn grow(&self, kib: u32) {
            let status = std::process::Command::new("mount")
                .args(["-o", &format!("remount,size={kib}k")])
                .arg(&self.0)
                .status()
                .expect("mount runs");
            assert!(status.success(), "growing the tmpfs failed");
        }
    }

    impl Drop for SmallDisk {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount")
                .arg("-l")
                .arg(&self.0)
                .status();
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Issue 24: the SQLite file on a full disk. Deliveries are answered 503 + Retry-After
    /// within 5 s while it is full; once space returns, 2xx within 5 s without a restart (the
    /// writer's connection is not left stuck in its failed transaction); and every delivery
    /// ever acknowledged has its row.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_disk_gives_503_then_heals_by_itself() {
        let disk = SmallDisk::mount(1024);
        let url = format!("sqlite://{}", disk.0.join("inbox.db").display());
        // Default timings: what a receiver runs with.
        let inbox = Inbox::<sqlx::Sqlite>::connect(&url)
            .await
            .expect("connects");
        let guard = webhook_guard::Guard::new(Verifier::new(Scheme::audit_trail(), [secret()]))
            .inbox(inbox.clone());
        let base = http::serve_axum(guard).await;
        let client = reqwest::Client::new();
        let mut acknowledged = Vec::new();
        let mut refused = None;
        for n in 0..20_000 {
            let id = format!("evt_disk_{n}");
            let started = Instant::now();
            let (status, retry_after) = http::post(&client, &base, &id).await;
            match status {
                200 => acknowledged.push(id),
                503 => {
                    assert!(retry_after.is_some(), "503 without Retry-After");
                    assert!(
                        started.elapsed() < Duration::from_secs(5),
                        "{:?}",
                        started.elapsed()
                    );
                    refused = Some(n);
                    break;
                }
                other => panic!("unexpected {other} for {id}"),
            }
        }
        assert!(refused.is_some(), "the 1 MiB disk never filled");
        assert!(
            !acknowledged.is_empty(),
            "nothing was stored before the disk filled"
        );
        // Still full: still 503, within 5 s.
        let started = Instant::now();
        assert_eq!(
            http::post(&client, &base, "evt_disk_still_full").await.0,
            503
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        disk.grow(64 * 1024);
        let grown = Instant::now();
        loop {
            let (status, _) = http::post(&client, &base, "evt_disk_after").await;
            if status == 200 {
                break;
            }
            assert!(
                grown.elapsed() < Duration::from_secs(5),
                "still {status} {:?} after space returned",
                grown.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        acknowledged.push("evt_disk_after".to_owned());
        for id in &acknowledged {
            assert_eq!(
                count(&inbox, "webhook_inbox", &format!("delivery_id = '{id}'")).await,
                1,
                "{id} was acknowledged"
            );
        }
    }

    use sqlx::Connection as _;
}

mod postgres {
    inbox_cases!(sqlx::Postgres, Database::postgres());

    /// Issue 24: the backend stopped (SIGSTOP) for 30 s with the receiver's default timings:
    /// each delivery meanwhile is answered 503 + Retry-After within 5 s; after it resumes,
    /// 2xx within 5 s, without a restart; every acknowledged delivery has its row.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stopped_backend_gives_503_within_5s_then_heals_within_5s() {
        let mut database = Database::postgres();
        let inbox = Inbox::<sqlx::Postgres>::connect(&database.url())
            .await
            .expect("connects");
        let guard = webhook_guard::Guard::new(Verifier::new(Scheme::audit_trail(), [secret()]))
            .inbox(inbox.clone());
        let axum_url = http::serve_axum(guard.clone()).await;
        let actix = http::serve_actix(guard).await;
        let client = reqwest::Client::new();
        assert_eq!(
            http::post(&client, &axum_url, "evt_before_pause").await.0,
            200
        );
        database.server().pause();
        let paused = Instant::now();
        let mut n = 0;
        while paused.elapsed() < Duration::from_secs(30) {
            for (adapter, url) in [
                ("axum", axum_url.as_str()),
                ("actix", actix.base_url.as_str()),
            ] {
                n += 1;
                let started = Instant::now();
                let (status, retry_after) =
                    http::post(&client, url, &format!("evt_paused_{n}")).await;
                let took = started.elapsed();
                assert_eq!(
                    status,
                    503,
                    "{adapter}, {:?} into the pause",
                    paused.elapsed()
                );
                assert!(retry_after.is_some(), "{adapter}: 503 without Retry-After");
                assert!(
                    took < Duration::from_secs(5),
                    "{adapter}: 503 after {took:?}"
                );
            }
        }
        database.server().resume();
        let resumed = Instant::now();
        for (adapter, url) in [
            ("axum", axum_url.as_str()),
            ("actix", actix.base_url.as_str()),
        ] {
            let id = format!("evt_after_pause_{adapter}");
            loop {
                let (status, _) = http::post(&client, url, &id).await;
                if status == 200 {
                    break;
                }
                assert!(
                    resumed.elapsed() < Duration::from_secs(5),
                    "{adapter}: still {status} {:?} after the backend resumed",
                    resumed.elapsed()
                );
            }
        }
        assert!(
            resumed.elapsed() < Duration::from_secs(5),
            "{:?}",
            resumed.elapsed()
        );
        for id in [
            "evt_before_pause",
            "evt_after_pause_axum",
            "evt_after_pause_actix",
        ] {
            assert_eq!(
                count(&inbox, "webhook_inbox", &format!("delivery_id = '{id}'")).await,
                1,
                "{id}"
            );
        }
    }

    /// Postgres down (killed), then back: 503 + Retry-After meanwhile, 200 again after, with
    /// no restart of the receiver.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn http_503_with_retry_after_while_the_database_is_down() {
        let mut database = Database::postgres();
        let mut options = options();
        options.unavailable_after = Duration::from_millis(1500);
        let inbox = connect(&database, options).await;
        let guard = webhook_guard::Guard::new(Verifier::new(Scheme::audit_trail(), [secret()]))
            .inbox(inbox.clone());
        let axum_url = http::serve_axum(guard.clone()).await;
        let actix = http::serve_actix(guard).await;
        let client = reqwest::Client::new();
        assert_eq!(http::post(&client, &axum_url, "evt_before").await.0, 200);
        database.server().kill();
        for (adapter, url) in [
            ("axum", axum_url.as_str()),
            ("actix", actix.base_url.as_str()),
        ] {
            let (status, retry_after) =
                http::post(&client, url, &format!("evt_down_{adapter}")).await;
            assert_eq!(status, 503, "{adapter}");
            assert!(retry_after.is_some(), "{adapter}: 503 without Retry-After");
        }
        database.server().restart();
        for (adapter, url) in [
            ("axum", axum_url.as_str()),
            ("actix", actix.base_url.as_str()),
        ] {
            let id = format!("evt_down_{adapter}");
            let mut status = 0;
            let deadline = Instant::now() + Duration::from_secs(20);
            while status != 200 && Instant::now() < deadline {
                status = http::post(&client, url, &id).await.0;
            }
            assert_eq!(status, 200, "{adapter}: not back by itself");
            assert_eq!(
                count(&inbox, "webhook_inbox", &format!("delivery_id = '{id}'")).await,
                1
            );
        }
        assert_eq!(
            count(&inbox, "webhook_inbox", "delivery_id = 'evt_before'").await,
            1
        );
    }
}
