//! The inbox's promise under crashes, with the example receivers as real processes: every
//! delivery ever answered 2xx has **exactly one** `receiver_effects` row at the end (none lost,
//! none doubled); a delivery never acknowledged has 0 or 1.
//!
//! - SQLite, one receiver (axum): 10,000 deliveries × 3 shuffled concurrent copies over HTTP,
//!   handlers that take 5 ms, while the receiver is `kill -9`ed and restarted 4 times.
//! - Postgres, two replicas sharing the database (one axum, one actix-web), the same load,
//!   each replica killed and restarted in turn (6 kills).
//! - Postgres killed (SIGKILL) then paused (SIGSTOP, 3 s) under load: the answers meanwhile
//!   are 503, every 2xx'd delivery has its row, and the receiver recovers by itself.
//!
//! `DELIVERIES` sets the number of deliveries (default 10,000, the size).

mod common;
#[path = "common/postgres_server.rs"]
mod postgres_server;
#[path = "common/receiver_process.rs"]
mod receiver_process;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use postgres_server::PostgresServer;
use receiver_process::{Receiver, TempDir, signed};
use sqlx::Row as _;

const SECRET: &str = common::AUDIT_TRAIL_SECRET;
/// Requests in flight at once, like a provider's delivery workers.
const CONCURRENCY: usize = 48;

/// One scenario at a time: each loads both cores.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn deliveries() -> usize {
    std::env::var("DELIVERIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000)
}

/// Where the senders send: the receivers up now (a load balancer's view).
type Targets = Arc<RwLock<Vec<String>>>;

/// What the senders saw.
#[derive(Default)]
struct Answers {
    /// Deliveries sent at least once.
    attempted: Mutex<HashSet<String>>,
    acked: Mutex<HashSet<String>>,
    ok: AtomicU64,
    unavailable: AtomicU64,
    other: AtomicU64,
    failed: AtomicU64,
}

/// Sends `ids` (copies included, in this order) with `CONCURRENCY` requests in flight, each to
/// one of the targets up at that moment; a copy that fails is not retried (the next copy is
/// the provider's retry). Once `stop` is set, the rest is not sent.
async fn send_all(
    ids: Vec<String>,
    targets: Targets,
    answers: Arc<Answers>,
    stop: Option<Arc<AtomicBool>>,
) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .unwrap();
    let turn = AtomicUsize::new(0);
    futures::stream::iter(ids)
        .for_each_concurrent(CONCURRENCY, |id| {
            let (client, targets, answers) = (&client, &targets, &answers);
            let stopped = stop
                .as_ref()
                .is_some_and(|stop| stop.load(Ordering::Relaxed));
            let url = {
                let targets = targets.read().unwrap();
                targets[turn.fetch_add(1, Ordering::Relaxed) % targets.len()].clone()
            };
            async move {
                if stopped {
                    return;
                }
                answers.attempted.lock().unwrap().insert(id.clone());
                let (headers, body) = signed(&id);
                let mut request = client.post(url).body(body);
                for (name, value) in &headers {
                    request = request.header(name, value);
                }
                match request.send().await {
                    Ok(response) if response.status().is_success() => {
                        answers.ok.fetch_add(1, Ordering::Relaxed);
                        answers.acked.lock().unwrap().insert(id);
                    }
                    Ok(response) if response.status() == 503 => {
                        assert!(
                            response.headers().contains_key("retry-after"),
                            "503 without Retry-After"
                        );
                        answers.unavailable.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(response) => {
                        let status = response.status();
                        let body = response.text().await.unwrap_or_default();
                        eprintln!("unexpected answer for {id}: {status} {body}");
                        answers.other.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => {
                        answers.failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        })
        .await;
}

/// `n` ids × `copies`, shuffled (a fixed-seed xorshift: the same order every run).
fn shuffled(prefix: &str, n: usize, copies: usize) -> Vec<String> {
    let mut ids: Vec<String> = (0..n)
        .flat_map(|i| std::iter::repeat_n(format!("{prefix}_{i:06}"), copies))
        .collect();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in (1..ids.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ids.swap(i, (state % (i as u64 + 1)) as usize);
    }
    ids
}

/// Reads the database's verdict: effect rows per delivery, rows not done, dead rows.
struct Verdict {
    effects: HashMap<String, i64>,
    unfinished: i64,
    dead: i64,
    /// Each row's delivery id, with its state and attempts.
    rows: HashMap<String, (String, i64)>,
    /// Effects of a second or later attempt (a kill interrupted the first).
    retried: i64,
}

async fn verdict(url: &str) -> Verdict {
    let effects_sql = "SELECT delivery_id, COUNT(*) FROM receiver_effects GROUP BY delivery_id";
    let states_sql = "SELECT \
        COALESCE(SUM(CASE WHEN state IN ('pending', 'running') THEN 1 ELSE 0 END), 0), \
        COALESCE(SUM(CASE WHEN state = 'dead' THEN 1 ELSE 0 END), 0) FROM webhook_inbox";
    let rows_sql = "SELECT delivery_id, state, attempts FROM webhook_inbox";
    let retried_sql = "SELECT COUNT(*) FROM receiver_effects WHERE attempt > 1";
    macro_rules! read {
        ($pool:expr) => {{
            let pool = $pool;
            // States first: once every row is done, the effects read after are all there
            // (each commits with its done-mark); read the other way round, a commit in between
            // looks like a done row without its effect.
            let states = sqlx::query(states_sql).fetch_one(&pool).await.unwrap();
            let rows = sqlx::query(rows_sql)
                .fetch_all(&pool)
                .await
                .unwrap()
                .iter()
                .map(|row| {
                    let state = (row.get::<String, _>(1), row.get::<i64, _>(2));
                    (row.get::<String, _>(0), state)
                })
                .collect();
            let effects = sqlx::query(effects_sql)
                .fetch_all(&pool)
                .await
                .unwrap()
                .iter()
                .map(|row| (row.get::<String, _>(0), row.get::<i64, _>(1)))
                .collect();
            let retried = sqlx::query(retried_sql)
                .fetch_one(&pool)
                .await
                .unwrap()
                .get(0);
            pool.close().await;
            Verdict {
                effects,
                unfinished: states.get(0),
                dead: states.get(1),
                rows,
                retried,
            }
        }};
    }
    if url.starts_with("sqlite:") {
        read!(sqlx::SqlitePool::connect(url).await.unwrap())
    } else {
        read!(sqlx::PgPool::connect(url).await.unwrap())
    }
}

/// Waits until no row is pending or running (the workers drained), then checks the promise.
async fn drain_and_check(url: &str, answers: &Answers, limit: Duration) -> Verdict {
    let deadline = Instant::now() + limit;
    let verdict = loop {
        let verdict = verdict(url).await;
        if verdict.unfinished == 0 {
            break verdict;
        }
        assert!(
            Instant::now() < deadline,
            "{} rows still not done after {limit:?}",
            verdict.unfinished
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let acked = answers.acked.lock().unwrap();
    let lost: Vec<(&String, Option<&(String, i64)>)> = acked
        .iter()
        .filter(|id| !verdict.effects.contains_key(*id))
        .map(|id| (id, verdict.rows.get(id)))
        .collect();
    let doubled: Vec<(&String, &i64)> = verdict.effects.iter().filter(|(_, n)| **n != 1).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged deliveries have no effect, e.g. (id, row) {:?}",
        lost.len(),
        &lost[..lost.len().min(5)]
    );
    assert!(
        doubled.is_empty(),
        "{} deliveries have more than one effect, e.g. {:?}",
        doubled.len(),
        &doubled[..doubled.len().min(5)]
    );
    assert_eq!(verdict.dead, 0, "no handler fails: nothing may be dead");
    verdict
}

fn report(
    name: &str,
    n: usize,
    answers: &Answers,
    verdict: &Verdict,
    kills: usize,
    took: Duration,
) {
    eprintln!(
        "{name}: {n} deliveries, {kills} kills, {took:.1?}: {} answers 2xx ({} deliveries acknowledged), \
         {} 503, {} other, {} failed connections; {} effects, each exactly once ({} of a second \
         or later attempt)",
        answers.ok.load(Ordering::Relaxed),
        answers.acked.lock().unwrap().len(),
        answers.unavailable.load(Ordering::Relaxed),
        answers.other.load(Ordering::Relaxed),
        answers.failed.load(Ordering::Relaxed),
        verdict.effects.len(),
        verdict.retried,
    );
    assert_eq!(
        answers.other.load(Ordering::Relaxed),
        0,
        "unexpected answers"
    );
}

/// The receivers' common environment: a short lease (a killed process's rows come back
/// quickly), handlers that take time, no failures.
fn environment(url: &str, dir: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("INBOX_URL", url.to_owned()),
        ("AUDIT_TRAIL_SECRET", SECRET.to_owned()),
        (
            "DEAD_LETTER_DIR",
            dir.join("dead-letters").display().to_string(),
        ),
        ("HANDLER_DELAY_MS", "5".to_owned()),
        ("HANDLER_FAIL_FIRST", "0".to_owned()),
        ("INBOX_LEASE_MS", "2000".to_owned()),
        ("INBOX_MAX_ATTEMPTS", "1000".to_owned()),
    ]
}

/// Kills receiver `victims[k % len]` every `every` while the load runs, `kills` times,
/// restarting it at once on a new port; the senders switch to the live ones.
async fn kill_loop(
    receivers: Arc<Mutex<Vec<Receiver>>>,
    targets: Targets,
    kills: usize,
    every: Duration,
) {
    for k in 0..kills {
        tokio::time::sleep(every).await;
        let receivers = Arc::clone(&receivers);
        let targets = Arc::clone(&targets);
        tokio::task::spawn_blocking(move || {
            let mut receivers = receivers.lock().unwrap();
            let count = receivers.len();
            let victim = &mut receivers[k % count];
            let old = victim.url();
            victim.kill();
            {
                let mut targets = targets.write().unwrap();
                if targets.len() > 1 {
                    targets.retain(|url| *url != old);
                }
            }
            victim.spawn();
            let mut targets = targets.write().unwrap();
            targets.retain(|url| *url != old);
            targets.push(victim.url());
        })
        .await
        .unwrap();
    }
}

async fn crash_run(name: &str, url: String, examples: &[&'static str], kills: usize, dir: &Path) {
    let n = deliveries();
    let env = environment(&url, dir);
    let receivers: Vec<Receiver> = examples
        .iter()
        .map(|example| Receiver::start(example, &env, dir))
        .collect();
    let targets: Targets = Arc::new(RwLock::new(receivers.iter().map(Receiver::url).collect()));
    let receivers = Arc::new(Mutex::new(receivers));
    let answers = Arc::new(Answers::default());
    let started = Instant::now();
    // Kills spread over the load's expected span (measured at ~1,000 requests/s on 2 cores).
    let every = Duration::from_millis((3 * n as u64).max(4000) / (kills as u64 + 1));
    let killer = tokio::spawn(kill_loop(
        Arc::clone(&receivers),
        Arc::clone(&targets),
        kills,
        every,
    ));
    send_all(shuffled(name, n, 3), targets, Arc::clone(&answers), None).await;
    killer.await.unwrap();
    let verdict = drain_and_check(&url, &answers, Duration::from_secs(120)).await;
    report(name, n, &answers, &verdict, kills, started.elapsed());
    // The load got through, kills notwithstanding: most deliveries were acknowledged.
    let acked = answers.acked.lock().unwrap().len();
    assert!(acked * 10 >= n * 9, "only {acked} of {n} acknowledged");
    for receiver in receivers.lock().unwrap().iter_mut() {
        assert!(receiver.running(), "{} died by itself", receiver.example);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_receiver_killed_and_restarted_loses_and_doubles_nothing() {
    let _serial = SERIAL.lock().await;
    let dir = TempDir::new();
    let url = format!("sqlite://{}", dir.0.join("inbox.db").display());
    crash_run("sqlite", url, &["receiver"], 4, &dir.0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_replicas_killed_and_restarted_lose_and_double_nothing() {
    let _serial = SERIAL.lock().await;
    let dir = TempDir::new();
    let server = PostgresServer::start();
    let url = server.create_database("crash");
    crash_run("postgres", url, &["receiver", "actix_receiver"], 6, &dir.0).await;
}

/// Postgres killed, restarted, then paused 3 s, under load: 503s meanwhile, never a 2xx
/// without a durable row, and the receiver recovers by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_killed_or_paused_under_load_503_then_recovers_by_itself() {
    let _serial = SERIAL.lock().await;
    let dir = TempDir::new();
    let mut server = PostgresServer::start();
    let url = server.create_database("outage");
    let n = deliveries() * 2;
    let mut receiver = Receiver::start("receiver", &environment(&url, &dir.0), &dir.0);
    let pid = receiver.pid();
    let targets: Targets = Arc::new(RwLock::new(vec![receiver.url()]));
    let answers = Arc::new(Answers::default());
    // The load runs until a second after the database is back from its pause.
    let stop = Arc::new(AtomicBool::new(false));
    let load = tokio::spawn(send_all(
        shuffled("outage", n, 1),
        Arc::clone(&targets),
        Arc::clone(&answers),
        Some(Arc::clone(&stop)),
    ));
    let stopping = Arc::clone(&stop);
    let outage = tokio::task::spawn_blocking(move || {
        std::thread::sleep(Duration::from_secs(2));
        server.kill();
        std::thread::sleep(Duration::from_secs(2));
        server.restart();
        std::thread::sleep(Duration::from_secs(3));
        server.pause();
        std::thread::sleep(Duration::from_secs(3));
        server.resume();
        std::thread::sleep(Duration::from_secs(1));
        stopping.store(true, Ordering::Relaxed);
        server
    });
    let server = outage.await.unwrap();
    load.await.unwrap();
    assert!(
        answers.unavailable.load(Ordering::Relaxed) > 0,
        "no 503 while the database was down"
    );
    // Recovered by itself: the deliveries not acknowledged are sent again (the provider's
    // retry) to the same process, and every one is acknowledged now.
    let acked: HashSet<String> = answers.acked.lock().unwrap().clone();
    let attempted: HashSet<String> = answers.attempted.lock().unwrap().clone();
    let retry: Vec<String> = attempted.difference(&acked).cloned().collect();
    let retried = Arc::new(Answers::default());
    send_all(
        retry.clone(),
        Arc::clone(&targets),
        Arc::clone(&retried),
        None,
    )
    .await;
    assert_eq!(
        retried.acked.lock().unwrap().len(),
        retry.len(),
        "after the outage every retry is acknowledged"
    );
    assert!(
        receiver.running() && receiver.pid() == pid,
        "the receiver was not restarted"
    );
    answers
        .acked
        .lock()
        .unwrap()
        .extend(retried.acked.lock().unwrap().iter().cloned());
    let verdict = drain_and_check(&url, &answers, Duration::from_secs(120)).await;
    // Every 2xx had its durable row: the row is there after the crash, and so is its effect.
    let acked = answers.acked.lock().unwrap();
    assert_eq!(acked.len(), attempted.len());
    assert!(acked.iter().all(|id| verdict.rows.contains_key(id)));
    drop(acked);
    report(
        "postgres outage (SIGKILL, restart, 3 s SIGSTOP)",
        n,
        &answers,
        &verdict,
        0,
        Duration::default(),
    );
    receiver.kill();
    drop(server);
}
