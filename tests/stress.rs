//! Exactly-once under stress, over real HTTP: 10,000 distinct deliveries, each sent 3 times,
//! all 30,000 copies concurrently (64 in flight) in shuffled order, with the handler failing
//! the first attempt of a random 10% of them. The client retries every copy that got anything
//! but 2xx, as a sender does, until it gets 200 (handled, or `already processed`).
//!
//! At the end every delivery ran the handler successfully exactly once, and no answer was a
//! 5xx other than the documented ones: 500 from the failing handler (once per failing
//! delivery, on its first attempt) and 503 from the store.
//!
//! Run for the in-memory store on axum and on actix, and for the Redis store (feature `redis`).
//! The tests of this file run one at a time (they share the machine's cores); each prints its
//! figures (`cargo test --test stress -- --nocapture`).

mod common;
#[cfg(feature = "redis")]
#[path = "common/redis_server.rs"]
mod redis_server;

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::actix_app::Actix;
use common::axum_app::Axum;
use common::conformance::{Req, send};
use common::{Adapter, AppConfig};
use webhook_guard::replay::{MemoryStore, ReplayStore};

const DELIVERIES: usize = 10_000;
const COPIES: usize = 3;
const IN_FLIGHT: usize = 64;
/// Per test, on 2 cores in a debug build.
const TIME_BOUND: Duration = Duration::from_secs(60);

/// One stress test at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// xorshift64*: a reproducible shuffle and choice of failing ids without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[derive(Default)]
struct Figures {
    requests: u64,
    statuses: BTreeMap<u16, u64>,
    /// Ids that got a 500, with how many.
    errors: BTreeMap<String, u32>,
    unexpected: Vec<String>,
}

/// Counts one answer; true when the copy must be sent again.
fn record(figures: &Mutex<Figures>, id: &str, answer: Option<(u16, bool, String)>) -> bool {
    let mut f = figures.lock().unwrap();
    f.requests += 1;
    let Some((status, retry_after, text)) = answer else {
        f.unexpected.push(format!("{id}: no answer"));
        return false;
    };
    *f.statuses.entry(status).or_default() += 1;
    match status {
        200 => false,
        409 | 503 if retry_after => true,
        500 if id.starts_with("fail_") => {
            *f.errors.entry(id.to_owned()).or_default() += 1;
            true
        }
        _ => {
            f.unexpected.push(format!("{id}: {status} {text:?}"));
            false
        }
    }
}

async fn stress<A: Adapter>(label: &str, store: Arc<dyn ReplayStore>) -> AppConfig {
    let _one = ONE_AT_A_TIME.lock().await;
    let config = AppConfig::new(store);
    let app = A::spawn(config.clone()).await;

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let ids: Vec<String> = (0..DELIVERIES)
        .map(|i| {
            // The handler fails the first attempt of `fail_` ids.
            if rng.below(10) == 0 {
                format!("fail_stress_{i}")
            } else {
                format!("whd_stress_{i}")
            }
        })
        .collect();
    let failing = ids.iter().filter(|id| id.starts_with("fail_")).count();
    let mut copies: Vec<usize> = (0..DELIVERIES * COPIES).map(|i| i % DELIVERIES).collect();
    for i in (1..copies.len()).rev() {
        copies.swap(i, rng.below(i + 1));
    }

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(IN_FLIGHT)
        .build()
        .unwrap();
    let permits = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let figures = Arc::new(Mutex::new(Figures::default()));
    let ids = Arc::new(ids);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for index in copies {
        let permit = Arc::clone(&permits).acquire_owned().await.unwrap();
        let (client, base_url) = (client.clone(), app.base_url.clone());
        let (ids, figures) = (Arc::clone(&ids), Arc::clone(&figures));
        tasks.spawn(async move {
            let _permit = permit;
            let id = &ids[index];
            // Each attempt is signed anew (a fresh timestamp), as a sender's retry is.
            loop {
                let answer = send(&client, &base_url, &Req::audit(id)).await;
                if !record(&figures, id, answer) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        });
        // Reap finished copies as we go, so the set stays small.
        while tasks.try_join_next().is_some() {}
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let elapsed = started.elapsed();

    let f = figures.lock().unwrap();
    eprintln!(
        "[{label}] {DELIVERIES} deliveries × {COPIES} copies ({failing} failing once), \
         {IN_FLIGHT} in flight: {} requests in {elapsed:.1?} ({:.0} req/s), statuses {:?}",
        f.requests,
        f.requests as f64 / elapsed.as_secs_f64(),
        f.statuses
    );
    assert!(
        f.unexpected.is_empty(),
        "[{label}] {:?}",
        &f.unexpected[..f.unexpected.len().min(20)]
    );
    let not_once: Vec<_> = ids
        .iter()
        .filter(|id| config.state.runs(id) != 1)
        .map(|id| (id.clone(), config.state.runs(id)))
        .collect();
    assert!(
        not_once.is_empty(),
        "[{label}] not handled exactly once: {not_once:?}"
    );
    assert_eq!(config.state.total_runs(), DELIVERIES as u64);
    // A 500 only from the failing handler, and only on the first attempt of a failing id.
    let failing_ids: HashSet<&String> = ids.iter().filter(|id| id.starts_with("fail_")).collect();
    for (id, n) in &f.errors {
        assert!(
            failing_ids.contains(id) && *n == 1,
            "[{label}] {id}: {n} × 500"
        );
    }
    assert_eq!(
        f.errors.len(),
        failing,
        "[{label}] every failing id failed once"
    );
    for status in f.statuses.keys() {
        assert!(
            matches!(status, 200 | 409 | 500 | 503),
            "[{label}] status {status}"
        );
    }
    assert!(
        elapsed < TIME_BOUND,
        "[{label}] took {elapsed:?}, over the {TIME_BOUND:?} bound"
    );
    drop(f);
    drop(app);
    config
}

/// The in-memory store ends with one done key per delivery, and nothing in flight.
fn assert_only_done_keys(label: &str, store: &MemoryStore) {
    assert_eq!(store.entry_count(), DELIVERIES as u64, "[{label}]");
    assert_eq!(store.refused_full(), 0, "[{label}]");
    assert_eq!(store.evicted_live(), 0, "[{label}]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_with_the_memory_store_handles_each_delivery_exactly_once() {
    let store = MemoryStore::new();
    stress::<Axum>("axum, memory", Arc::new(store.clone())).await;
    assert_only_done_keys("axum, memory", &store);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actix_with_the_memory_store_handles_each_delivery_exactly_once() {
    let store = MemoryStore::new();
    stress::<Actix>("actix, memory", Arc::new(store.clone())).await;
    assert_only_done_keys("actix, memory", &store);
}

#[cfg(feature = "redis")]
async fn redis_store(
    server: &redis_server::RedisServer,
) -> Arc<dyn webhook_guard::replay::ReplayStore> {
    let store = webhook_guard::replay::RedisStore::builder(server.url())
        .prefix("stress:")
        .connect()
        .await
        .expect("connect to the test redis-server");
    Arc::new(store)
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_with_the_redis_store_handles_each_delivery_exactly_once() {
    let server = redis_server::RedisServer::start();
    stress::<Axum>("axum, redis", redis_store(&server).await).await;
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actix_with_the_redis_store_handles_each_delivery_exactly_once() {
    let server = redis_server::RedisServer::start();
    stress::<Actix>("actix, redis", redis_store(&server).await).await;
}
