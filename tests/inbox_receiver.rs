//! The example receivers' poison, panic and shutdown behaviour, as real processes (issue 24):
//!
//! - a delivery whose handler always panics is dead after exactly `INBOX_MAX_ATTEMPTS`
//!   attempts (its panic as `last_error`), nothing printed, no effect, and the receiver keeps
//!   answering and claiming (SQLite on axum, PostgreSQL on actix-web);
//! - a handler that panics (or fails) once runs each delivery once, on attempt 2: one effect
//!   row and one stdout line per delivery; so does a first attempt whose handler ran to the
//!   end but whose done-mark failed (a trigger): a rolled-back attempt prints nothing;
//! - a receiver `kill -9`ed during every attempt: each attempt counts, the row is dead after
//!   the maximum, nothing handled;
//! - inline mode: a panicking attempt answers 500, the retry 200, one stdout line;
//! - SIGTERM or Ctrl-C, inline: new connections refused, the request in progress answered;
//! - SIGTERM (axum and actix-web), inbox mode: an attempt that ends within the grace finishes (row done,
//!   effect and line there) and the process exits 0; one that cannot is given back uncounted
//!   (pending, attempts 0) and the process exits at the grace's end.

mod common;
#[path = "common/postgres_server.rs"]
mod postgres_server;
#[path = "common/receiver_process.rs"]
mod receiver_process;

use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

use postgres_server::PostgresServer;
use receiver_process::{Receiver, TempDir, signed};
use sqlx::Row as _;

/// How long the receivers let attempts finish after SIGTERM (`examples/common/serve.rs`).
const GRACE: Duration = Duration::from_secs(10);

/// One `webhook_inbox` row, as the test reads it.
#[derive(Debug, Clone)]
struct InboxRow {
    state: String,
    attempts: i64,
    last_error: Option<String>,
}

/// The receiver's database, read by the test.
enum Db {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Db {
    async fn connect(url: &str) -> Self {
        if url.starts_with("sqlite:") {
            Self::Sqlite(sqlx::SqlitePool::connect(url).await.unwrap())
        } else {
            Self::Postgres(sqlx::PgPool::connect(url).await.unwrap())
        }
    }

    /// Every row, by delivery id.
    async fn rows(&self) -> BTreeMap<String, InboxRow> {
        let sql = "SELECT delivery_id, state, attempts, last_error FROM webhook_inbox";
        macro_rules! read {
            ($pool:expr) => {
                sqlx::query(sql)
                    .fetch_all($pool)
                    .await
                    .unwrap()
                    .iter()
                    .map(|row| {
                        let inbox_row = InboxRow {
                            state: row.get(1),
                            attempts: row.get(2),
                            last_error: row.get(3),
                        };
                        (row.get::<String, _>(0), inbox_row)
                    })
                    .collect()
            };
        }
        match self {
            Self::Sqlite(pool) => read!(pool),
            Self::Postgres(pool) => read!(pool),
        }
    }

    /// Makes each row's first done-mark fail (a trigger), as a commit that fails would: the
    /// attempt's handler has run, its transaction rolls back, and the row is retried. (A row
    /// never postponed still has the `run_at` it was stored with, its reception time.)
    async fn fail_first_done_mark(&self) {
        match self {
            Self::Sqlite(pool) => {
                sqlx::query(
                    "CREATE TRIGGER fail_first_done BEFORE UPDATE ON webhook_inbox \
                     WHEN NEW.state = 'done' AND OLD.run_at = OLD.received_at \
                     BEGIN SELECT RAISE(ABORT, 'test: the first done-mark fails'); END",
                )
                .execute(pool)
                .await
                .unwrap();
            }
            Self::Postgres(pool) => {
                for sql in [
                    "CREATE FUNCTION fail_first_done() RETURNS trigger LANGUAGE plpgsql AS \
                     $$ BEGIN RAISE EXCEPTION 'test: the first done-mark fails'; END $$",
                    "CREATE TRIGGER fail_first_done BEFORE UPDATE ON webhook_inbox FOR EACH ROW \
                     WHEN (NEW.state = 'done' AND OLD.run_at = OLD.received_at) EXECUTE FUNCTION fail_first_done()",
                ] {
                    sqlx::query(sql).execute(pool).await.unwrap();
                }
            }
        }
    }

    /// Every effect row: (delivery id, attempt), sorted.
    async fn effects(&self) -> Vec<(String, i64)> {
        let sql = "SELECT delivery_id, attempt FROM receiver_effects ORDER BY delivery_id, attempt";
        macro_rules! read {
            ($pool:expr) => {
                sqlx::query(sql)
                    .fetch_all($pool)
                    .await
                    .unwrap()
                    .iter()
                    .map(|row| (row.get::<String, _>(0), row.get::<i64, _>(1)))
                    .collect()
            };
        }
        match self {
            Self::Sqlite(pool) => read!(pool),
            Self::Postgres(pool) => read!(pool),
        }
    }
}

/// Polls `check` every 50 ms until it gives a value; fails after `limit`, saying `what` and
/// showing the receiver's rows and log.
async fn wait_for<T, F, Fut>(
    what: &str,
    limit: Duration,
    db: Option<&Db>,
    receiver: &Receiver,
    mut check: F,
) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if Instant::now() >= deadline {
            let rows = match db {
                Some(db) => format!("{:?}", db.rows().await),
                None => String::new(),
            };
            panic!(
                "{what}: not within {limit:?}\nrows: {rows}\nlog:\n{}",
                receiver.log_text()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Sends the signed delivery `id` to `url`: the answer's status.
async fn send(client: &reqwest::Client, url: &str, id: &str) -> u16 {
    let (headers, body) = signed(id);
    let mut request = client.post(url).body(body);
    for (name, value) in &headers {
        request = request.header(name, value);
    }
    request.send().await.unwrap().status().as_u16()
}

/// Sends each of `ids` once; each must be acknowledged (2xx).
async fn send_acked(client: &reqwest::Client, receiver: &Receiver, ids: &[String]) {
    for id in ids {
        let status = send(client, &receiver.url(), id).await;
        assert!(
            (200..300).contains(&status),
            "{id} answered {status}\nlog:\n{}",
            receiver.log_text()
        );
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn ids(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}_{i:02}")).collect()
}

/// The ids of the receiver's stdout lines (the contract's JSON lines), in order.
fn printed(receiver: &Receiver) -> Vec<String> {
    receiver
        .stdout_lines()
        .iter()
        .map(|line| {
            let line: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("stdout line {line:?} is not JSON: {e}"));
            line["id"].as_str().expect("an id").to_owned()
        })
        .collect()
}

/// The receivers' environment: the test secret, the dead-letter directory, the inbox (if
/// `inbox` is set), a short retry base, then `knobs`.
fn environment(
    inbox: Option<&str>,
    dir: &Path,
    knobs: &[(&'static str, &str)],
) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("AUDIT_TRAIL_SECRET", common::AUDIT_TRAIL_SECRET.to_owned()),
        (
            "DEAD_LETTER_DIR",
            dir.join("dead-letters").display().to_string(),
        ),
        ("INBOX_RETRY_BASE_MS", "50".to_owned()),
    ];
    if let Some(url) = inbox {
        env.push(("INBOX_URL", url.to_owned()));
    }
    env.extend(knobs.iter().map(|(k, v)| (*k, (*v).to_owned())));
    env
}

fn sqlite_url(dir: &TempDir) -> String {
    format!("sqlite://{}", dir.0.join("inbox.db").display())
}

/// Lets a callback that follows a commit (the stdout line) run, so that a line printed when
/// none should be is seen.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// `INBOX_MAX_ATTEMPTS=3 HANDLER_PANIC_FIRST=100`: every delivery dead after exactly 3
/// attempts, its panic as `last_error`; no effect, no line; the receiver answers deliveries
/// sent after the panics began, and its workers still claim new rows.
async fn panicking_handler_deliveries_end_dead(example: &'static str, url: &str, dir: &TempDir) {
    let env = environment(
        Some(url),
        &dir.0,
        &[("INBOX_MAX_ATTEMPTS", "3"), ("HANDLER_PANIC_FIRST", "100")],
    );
    let mut receiver = Receiver::start_capturing(example, &env, &dir.0);
    let db = Db::connect(url).await;
    let client = client();
    let all = &ids("poison", 10);
    let (first, later) = all.split_at(5);
    send_acked(&client, &receiver, first).await;
    let db_ref = &db;
    wait_for(
        "a handler panicked",
        Duration::from_secs(20),
        Some(&db),
        &receiver,
        || async move {
            let rows = db_ref.rows().await;
            rows.values()
                .any(|row| {
                    row.last_error
                        .as_deref()
                        .is_some_and(|e| e.contains("panicked"))
                })
                .then_some(())
        },
    )
    .await;
    // Handlers have panicked: the receiver still answers.
    send_acked(&client, &receiver, later).await;
    let rows = wait_for(
        "every delivery dead",
        Duration::from_secs(30),
        Some(&db),
        &receiver,
        || async move {
            let rows = db_ref.rows().await;
            (rows.len() == all.len() && rows.values().all(|row| row.state == "dead"))
                .then_some(rows)
        },
    )
    .await;
    for (id, row) in &rows {
        assert_eq!(row.attempts, 3, "{id}: {row:?}");
        let error = row.last_error.as_deref().unwrap_or_default();
        assert!(
            error.starts_with("handler panicked") && error.contains("attempt 3 panics"),
            "{id}: last_error {error:?}"
        );
    }
    settle().await;
    assert_eq!(
        db.effects().await,
        [],
        "a panicking handler's effect committed"
    );
    assert_eq!(
        printed(&receiver),
        Vec::<String>::new(),
        "a line was printed"
    );
    // Still serving: a new delivery is acknowledged and claimed by a worker.
    assert!(receiver.running(), "the receiver died");
    let after = &ids("poison_after", 1);
    send_acked(&client, &receiver, after).await;
    wait_for(
        "the new delivery attempted",
        Duration::from_secs(10),
        Some(&db),
        &receiver,
        || async move {
            let rows = db_ref.rows().await;
            rows.get(&after[0])
                .is_some_and(|row| row.attempts >= 1)
                .then_some(())
        },
    )
    .await;
    assert!(receiver.running(), "the receiver died");
}

/// How each delivery's first attempt goes wrong.
#[derive(Debug, Clone, Copy)]
enum FirstAttempt {
    /// The handler panics (`HANDLER_PANIC_FIRST=1`).
    Panics,
    /// The handler fails (`HANDLER_FAIL_FIRST=1`).
    Fails,
    /// The handler runs to the end, then the done-mark fails (a trigger the test installs),
    /// as a failed commit would.
    DoneMarkFails,
}

/// Each delivery's first attempt goes wrong (`first`): each is handled once, on attempt 2 (a
/// failed done-mark: attempt 1 again, the postponed attempt uncounted),
/// with one effect row and exactly one stdout line (a rolled-back first attempt prints
/// nothing, even one whose handler ran to the end).
async fn handled_once_on_attempt_two(
    example: &'static str,
    url: &str,
    dir: &TempDir,
    first: FirstAttempt,
) {
    let (knobs, prefix): (&[_], _) = match first {
        FirstAttempt::Panics => (&[("HANDLER_PANIC_FIRST", "1")], "panics"),
        FirstAttempt::Fails => (&[("HANDLER_FAIL_FIRST", "1")], "fails"),
        FirstAttempt::DoneMarkFails => (&[], "done_mark_fails"),
    };
    let env = environment(Some(url), &dir.0, knobs);
    let receiver = Receiver::start_capturing(example, &env, &dir.0);
    let db = Db::connect(url).await;
    if let FirstAttempt::DoneMarkFails = first {
        db.fail_first_done_mark().await;
    }
    let client = client();
    let all = &ids(prefix, 10);
    send_acked(&client, &receiver, all).await;
    let db_ref = &db;
    let rows = wait_for(
        "every delivery done",
        Duration::from_secs(30),
        Some(&db),
        &receiver,
        || async move {
            let rows = db_ref.rows().await;
            (rows.len() == all.len() && rows.values().all(|row| row.state == "done"))
                .then_some(rows)
        },
    )
    .await;
    // A failed done-mark is the inbox's fault, not the handler's: that attempt is postponed
    // uncounted, and the one that lands is attempt 1 again.
    let landed = match first {
        FirstAttempt::DoneMarkFails => 1,
        FirstAttempt::Panics | FirstAttempt::Fails => 2,
    };
    assert!(rows.values().all(|row| row.attempts == landed), "{rows:?}");
    let expected: Vec<(String, i64)> = all.iter().map(|id| (id.clone(), landed)).collect();
    assert_eq!(db.effects().await, expected);
    let receiver_ref = &receiver;
    wait_for(
        "a line per delivery",
        Duration::from_secs(10),
        None,
        &receiver,
        || async move { (printed(receiver_ref).len() >= all.len()).then_some(()) },
    )
    .await;
    settle().await;
    let mut lines = printed(&receiver);
    lines.sort();
    assert_eq!(&lines, all, "exactly one line per delivery");
}

/// A receiver `kill -9`ed during every attempt (`INBOX_MAX_ATTEMPTS=2`): each attempt counts
/// when the restarted receiver rescues the row, and after the second the row is dead. Nothing
/// was handled.
async fn killed_during_every_attempt_ends_dead(example: &'static str, url: &str, dir: &TempDir) {
    let env = environment(
        Some(url),
        &dir.0,
        &[
            ("INBOX_MAX_ATTEMPTS", "2"),
            ("INBOX_LEASE_MS", "1200"),
            ("HANDLER_DELAY_MS", "60000"),
        ],
    );
    let mut receiver = Receiver::start_capturing(example, &env, &dir.0);
    let db = Db::connect(url).await;
    let all = ids("killed", 3);
    send_acked(&client(), &receiver, &all).await;
    let db_ref = &db;
    for attempt in 1..=2 {
        let all = &all;
        wait_for(
            &format!("every row running attempt {attempt}"),
            Duration::from_secs(20),
            Some(&db),
            &receiver,
            || async move {
                let rows = db_ref.rows().await;
                (rows.len() == all.len()
                    && rows
                        .values()
                        .all(|row| row.state == "running" && row.attempts == attempt))
                .then_some(())
            },
        )
        .await;
        receiver.kill();
        receiver.spawn();
    }
    let rows = wait_for(
        "every row dead",
        Duration::from_secs(20),
        Some(&db),
        &receiver,
        || async move {
            let rows = db_ref.rows().await;
            rows.values().all(|row| row.state == "dead").then_some(rows)
        },
    )
    .await;
    for (id, row) in &rows {
        assert_eq!(row.attempts, 2, "{id}: {row:?}");
        let error = row.last_error.as_deref().unwrap_or_default();
        assert!(
            error.contains("stopped during attempt 2"),
            "{id}: last_error {error:?}"
        );
    }
    settle().await;
    assert_eq!(db.effects().await, []);
    assert_eq!(printed(&receiver), Vec::<String>::new());
    assert!(receiver.running(), "the restarted receiver died");
}

/// SIGTERM while an attempt of 1.5 s runs: it finishes within the grace (row done, effect
/// row, one line) and the process exits 0.
async fn sigterm_lets_the_attempt_finish(example: &'static str, dir: &TempDir) {
    let url = sqlite_url(dir);
    let env = environment(Some(&url), &dir.0, &[("HANDLER_DELAY_MS", "1500")]);
    let mut receiver = Receiver::start_capturing(example, &env, &dir.0);
    let db = Db::connect(&url).await;
    let client = client();
    let id = ids("finish", 1);
    send_acked(&client, &receiver, &id).await;
    let db_ref = &db;
    wait_for(
        "the attempt running",
        Duration::from_secs(10),
        Some(&db),
        &receiver,
        || async move {
            let rows = db_ref.rows().await;
            rows.values()
                .any(|row| row.state == "running")
                .then_some(())
        },
    )
    .await;
    let stopping = Instant::now();
    receiver.terminate();
    let status = receiver.wait_exit(GRACE + Duration::from_secs(5));
    let took = stopping.elapsed();
    let status = status.unwrap_or_else(|| {
        panic!(
            "{example} still runs {took:?} after SIGTERM\n{}",
            receiver.log_text()
        )
    });
    assert!(status.success(), "{example} exited with {status}");
    let rows = db.rows().await;
    assert_eq!(rows[&id[0]].state, "done", "{rows:?}");
    assert_eq!(rows[&id[0]].attempts, 1, "{rows:?}");
    assert_eq!(db.effects().await, [(id[0].clone(), 1)]);
    assert_eq!(printed(&receiver), id, "exactly one line");
}

/// SIGTERM while an attempt of 30 s runs: the process waits the grace, then exits 0, and the
/// row is given back uncounted (pending, attempts 0), with no effect and no line.
async fn sigterm_gives_back_what_cannot_finish(example: &'static str, dir: &TempDir) {
    let url = sqlite_url(dir);
    let env = environment(Some(&url), &dir.0, &[("HANDLER_DELAY_MS", "30000")]);
    let mut receiver = Receiver::start_capturing(example, &env, &dir.0);
    let db = Db::connect(&url).await;
    let client = client();
    let id = ids("given_back", 1);
    send_acked(&client, &receiver, &id).await;
    let db_ref = &db;
    wait_for(
        "the attempt running",
        Duration::from_secs(10),
        Some(&db),
        &receiver,
        || async move {
            let rows = db_ref.rows().await;
            rows.values()
                .any(|row| row.state == "running" && row.attempts == 1)
                .then_some(())
        },
    )
    .await;
    let stopping = Instant::now();
    receiver.terminate();
    let status = receiver.wait_exit(GRACE + Duration::from_secs(6));
    let took = stopping.elapsed();
    let status = status.unwrap_or_else(|| {
        panic!(
            "{example} still runs {took:?} after SIGTERM\n{}",
            receiver.log_text()
        )
    });
    assert!(status.success(), "{example} exited with {status}");
    // The attempt had the grace to finish in before it was given back.
    assert!(
        took >= GRACE - Duration::from_millis(500),
        "{example} gave the attempt only {took:?}"
    );
    let rows = db.rows().await;
    assert_eq!(rows[&id[0]].state, "pending", "{rows:?}");
    assert_eq!(rows[&id[0]].attempts, 0, "given back uncounted: {rows:?}");
    assert_eq!(db.effects().await, []);
    assert_eq!(printed(&receiver), Vec::<String>::new());
}

/// Inline mode, `HANDLER_PANIC_FIRST=1`: the first send answers 500 (retryable), the retry
/// 200, and the delivery is printed once (a third copy is a duplicate).
async fn inline_panic_answers_500_then_200(example: &'static str) {
    let dir = TempDir::new();
    let env = environment(None, &dir.0, &[("HANDLER_PANIC_FIRST", "1")]);
    let receiver = Receiver::start_capturing(example, &env, &dir.0);
    let client = client();
    let id = "inline_panic";
    assert_eq!(send(&client, &receiver.url(), id).await, 500);
    settle().await;
    assert_eq!(printed(&receiver), Vec::<String>::new());
    assert_eq!(send(&client, &receiver.url(), id).await, 200);
    let receiver_ref = &receiver;
    wait_for(
        "the line",
        Duration::from_secs(10),
        None,
        &receiver,
        || async move { (!printed(receiver_ref).is_empty()).then_some(()) },
    )
    .await;
    let third = send(&client, &receiver.url(), id).await;
    assert!(
        (200..300).contains(&third),
        "the duplicate answered {third}"
    );
    settle().await;
    assert_eq!(printed(&receiver), [id], "exactly one line");
}

/// Inline mode, a request of 1.5 s in progress at `signal` (SIGTERM, or SIGINT as Ctrl-C):
/// new connections are refused at once, the request is answered 200 and printed, and the
/// process exits 0.
async fn signal_lets_the_request_in_progress_finish(example: &'static str, signal: libc::c_int) {
    let dir = TempDir::new();
    let env = environment(None, &dir.0, &[("HANDLER_DELAY_MS", "1500")]);
    let mut receiver = Receiver::start_capturing(example, &env, &dir.0);
    let (client, url) = (client(), receiver.url());
    let id = "in_progress";
    let request = tokio::spawn(async move { send(&client, &url, id).await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stopping = Instant::now();
    receiver.signal(signal);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", receiver.port())).is_err(),
        "{example} still accepts connections after signal {signal}"
    );
    assert_eq!(request.await.unwrap(), 200, "the request in progress");
    let status = receiver.wait_exit(GRACE).unwrap_or_else(|| {
        panic!(
            "{example} still runs {:?} after signal {signal}\n{}",
            stopping.elapsed(),
            receiver.log_text()
        )
    });
    assert!(status.success(), "{example} exited with {status}");
    assert_eq!(printed(&receiver), [id], "exactly one line");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_sigterm_answers_the_request_in_progress_and_refuses_new_connections() {
    signal_lets_the_request_in_progress_finish("receiver", libc::SIGTERM).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_ctrl_c_answers_the_request_in_progress_and_refuses_new_connections() {
    signal_lets_the_request_in_progress_finish("receiver", libc::SIGINT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actix_sigterm_answers_the_request_in_progress_and_refuses_new_connections() {
    signal_lets_the_request_in_progress_finish("actix_receiver", libc::SIGTERM).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actix_ctrl_c_answers_the_request_in_progress_and_refuses_new_connections() {
    signal_lets_the_request_in_progress_finish("actix_receiver", libc::SIGINT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_axum_handler_always_panics_every_delivery_dead_after_max_attempts() {
    let dir = TempDir::new();
    let url = sqlite_url(&dir);
    panicking_handler_deliveries_end_dead("receiver", &url, &dir).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_actix_handler_always_panics_every_delivery_dead_after_max_attempts() {
    let dir = TempDir::new();
    let server = PostgresServer::start();
    let url = server.create_database("poison");
    panicking_handler_deliveries_end_dead("actix_receiver", &url, &dir).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_axum_first_attempt_panics_each_delivery_handled_once_on_attempt_two() {
    let dir = TempDir::new();
    let url = sqlite_url(&dir);
    handled_once_on_attempt_two("receiver", &url, &dir, FirstAttempt::Panics).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_actix_first_attempt_panics_each_delivery_handled_once_on_attempt_two() {
    let dir = TempDir::new();
    let server = PostgresServer::start();
    let url = server.create_database("panic_once");
    handled_once_on_attempt_two("actix_receiver", &url, &dir, FirstAttempt::Panics).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_axum_failed_first_attempt_prints_nothing_handled_once_on_attempt_two() {
    let dir = TempDir::new();
    let url = sqlite_url(&dir);
    handled_once_on_attempt_two("receiver", &url, &dir, FirstAttempt::Fails).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_axum_done_mark_fails_after_the_handler_ran_prints_nothing() {
    let dir = TempDir::new();
    let url = sqlite_url(&dir);
    handled_once_on_attempt_two("receiver", &url, &dir, FirstAttempt::DoneMarkFails).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_actix_done_mark_fails_after_the_handler_ran_prints_nothing() {
    let dir = TempDir::new();
    let server = PostgresServer::start();
    let url = server.create_database("done_mark");
    handled_once_on_attempt_two("actix_receiver", &url, &dir, FirstAttempt::DoneMarkFails).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_axum_killed_during_every_attempt_dead_after_max_attempts() {
    let dir = TempDir::new();
    let url = sqlite_url(&dir);
    killed_during_every_attempt_ends_dead("receiver", &url, &dir).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_inline_panic_answers_500_then_200_once() {
    inline_panic_answers_500_then_200("receiver").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actix_inline_panic_answers_500_then_200_once() {
    inline_panic_answers_500_then_200("actix_receiver").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_sigterm_lets_a_running_attempt_finish() {
    sigterm_lets_the_attempt_finish("receiver", &TempDir::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actix_sigterm_lets_a_running_attempt_finish() {
    sigterm_lets_the_attempt_finish("actix_receiver", &TempDir::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_sigterm_gives_back_an_attempt_past_the_grace_uncounted() {
    sigterm_gives_back_what_cannot_finish("receiver", &TempDir::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actix_sigterm_gives_back_an_attempt_past_the_grace_uncounted() {
    sigterm_gives_back_what_cannot_finish("actix_receiver", &TempDir::new()).await;
}
