#![cfg(feature = "redis")]
//! The Redis replay store against a real `redis-server` (one per test, on its own port): the
//! claim / complete / release contract, token ownership, the lease, concurrent claims from two
//! replicas, and the Guard over Redis when Redis dies, hangs and comes back.

#[path = "common/examples.rs"]
mod examples;
#[path = "common/redis_server.rs"]
mod redis_server;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use redis_server::RedisServer;
use tokio::sync::{Barrier, Semaphore};
use webhook_guard::replay::{
    Claim, ClaimToken, RedisStore, RedisStoreBuilder, ReplayKey, ReplayStore, StoreError,
};
use webhook_guard::{Guard, Rejection, Scheme, Secret, Signer, StoreFailure, Verifier};

const WINDOW: Duration = Duration::from_secs(360);
const SECRET: &str = "whsec_abc123def456";

/// A store with a generous timeout, for the tests that are not about timeouts: on a loaded
/// machine a step may take longer than the default 200 ms.
async fn connect(server: &RedisServer) -> RedisStore {
    builder(server)
        .connect()
        .await
        .expect("connect to the test Redis")
}

fn builder(server: &RedisServer) -> RedisStoreBuilder {
    RedisStore::builder(server.url()).timeout(Duration::from_secs(5))
}

async fn raw(server: &RedisServer) -> redis::aio::MultiplexedConnection {
    redis::Client::open(server.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

fn key(id: &str) -> ReplayKey<'_> {
    ReplayKey::new("audit-trail", Some("tenant-001"), id)
}

async fn fresh(store: &RedisStore, key: ReplayKey<'_>) -> ClaimToken {
    match store.claim(key, WINDOW).await {
        Ok(Claim::Fresh(token)) => token,
        other => panic!("expected a fresh claim of {key:?}, got {other:?}"),
    }
}

async fn assert_in_flight(store: &RedisStore, key: ReplayKey<'_>) {
    let claim = store.claim(key, WINDOW).await;
    assert!(
        matches!(claim, Ok(Claim::InFlight { .. })),
        "expected in flight, got {claim:?}"
    );
}

async fn assert_done(store: &RedisStore, key: ReplayKey<'_>) {
    let claim = store.claim(key, WINDOW).await;
    assert!(
        matches!(claim, Ok(Claim::Done)),
        "expected done, got {claim:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// The store's contract.

#[tokio::test]
async fn claim_complete_release_and_claim_again() {
    let server = RedisServer::start();
    let store = connect(&server).await;

    // Fresh → in flight → done, and done stays done.
    let handled = key("whd_handled");
    let token = fresh(&store, handled).await;
    // Replicas share keys: the claim is under the key's digest, the same in every process.
    assert_eq!(token.key(), handled.digest());
    assert_in_flight(&store, handled).await;
    store.complete(&token).await.unwrap();
    assert_done(&store, handled).await;
    assert_done(&store, handled).await;

    // Released → fresh again, with a new token.
    let failed = key("whd_failed");
    let first = fresh(&store, failed).await;
    assert_in_flight(&store, failed).await;
    store.release(&first).await.unwrap();
    let second = fresh(&store, failed).await;
    assert_ne!(first.token(), second.token());
    store.release(&second).await.unwrap();
    let third = fresh(&store, failed).await;
    store.complete(&third).await.unwrap();
    assert_done(&store, failed).await;

    assert_eq!(store.lease(), webhook_guard::replay::DEFAULT_LEASE);
}

#[tokio::test]
async fn keys_are_prefixed_hex_with_a_lease_then_the_retention() {
    let server = RedisServer::start();
    let store = builder(&server)
        .prefix("billing:")
        .lease(Duration::from_secs(30))
        .retention(Duration::from_secs(10))
        .connect()
        .await
        .unwrap();
    let mut redis = raw(&server).await;
    let key = key("whd_layout");
    let name = store.redis_key(key);
    assert_eq!(name, format!("billing:{:032x}", key.digest()));
    assert_eq!(name.len(), "billing:".len() + 32);
    // A fixed name: what another replica, or the previous version, wrote for this delivery.
    assert_eq!(
        store.redis_key(ReplayKey::new(
            "audit-trail",
            Some("tenant-001"),
            "whd_abc123"
        )),
        "billing:888b6c8fbe6d7488f82a5d46339f4e3f"
    );

    let token = fresh(&store, key).await;
    let value: String = redis::cmd("GET")
        .arg(&name)
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(
        value.starts_with(&format!("i:{:016x}:", token.token())),
        "{value}"
    );
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&name)
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(
        (29_000..=30_000).contains(&ttl),
        "in-flight ttl {ttl} ms, lease 30 s"
    );

    // Done: kept for max(retention 10 s, window 360 s).
    store.complete(&token).await.unwrap();
    let value: String = redis::cmd("GET")
        .arg(&name)
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(value, "d");
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&name)
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(
        (359_000..=360_000).contains(&ttl),
        "done ttl {ttl} ms, window 360 s"
    );

    // A scheme without a timestamp (unbounded window) keeps keys for the retention.
    let unbounded = ReplayKey::new("custom", None, "whd_unbounded");
    let Ok(Claim::Fresh(token)) = store.claim(unbounded, Duration::MAX).await else {
        panic!()
    };
    store.complete(&token).await.unwrap();
    let ttl: i64 = redis::cmd("PTTL")
        .arg(store.redis_key(unbounded))
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(
        (9_000..=10_000).contains(&ttl),
        "done ttl {ttl} ms, retention 10 s"
    );

    // Nothing else was written.
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(keys.iter().all(|k| k.starts_with("billing:")), "{keys:?}");
}

#[tokio::test]
async fn a_late_claimant_keeps_its_key_against_the_first_one() {
    let server = RedisServer::start();
    let store = builder(&server)
        .lease(Duration::from_millis(300))
        .connect()
        .await
        .unwrap();
    let key = key("whd_slow");

    let slow = fresh(&store, key).await;
    tokio::time::sleep(Duration::from_millis(450)).await;
    // The lease ran out: the retry gets the key.
    let retry = fresh(&store, key).await;
    assert_ne!(slow.token(), retry.token());

    // The slow first attempt finally fails, then "succeeds": neither touches the retry's key.
    store.release(&slow).await.unwrap();
    assert_in_flight(&store, key).await;
    store.complete(&slow).await.unwrap();
    assert_in_flight(&store, key).await;

    store.complete(&retry).await.unwrap();
    assert_done(&store, key).await;
    // ...and a late release cannot undo the done key either.
    store.release(&slow).await.unwrap();
    store.release(&retry).await.unwrap();
    assert_done(&store, key).await;
}

#[tokio::test]
async fn an_unfinished_claim_expires_after_its_lease() {
    let server = RedisServer::start();
    let store = builder(&server)
        .lease(Duration::from_millis(300))
        .connect()
        .await
        .unwrap();
    let crashed = key("whd_crashed");

    let _never_finished = fresh(&store, crashed).await;
    assert_in_flight(&store, crashed).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_in_flight(&store, crashed).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let retry = fresh(&store, crashed).await;
    store.complete(&retry).await.unwrap();
    assert_done(&store, crashed).await;

    // A success reported after the lease ran out, with nobody holding the key, is remembered.
    let late = key("whd_late");
    let token = fresh(&store, late).await;
    tokio::time::sleep(Duration::from_millis(450)).await;
    store.complete(&token).await.unwrap();
    assert_done(&store, late).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_from_two_replicas_yield_exactly_one_fresh() {
    let server = RedisServer::start();
    let replicas = [connect(&server).await, connect(&server).await];
    for round in 0..20 {
        // Moved into the spawned tasks: an id that lives as long as the test binary.
        let key = key(format!("whd_race_{round}").leak());
        let barrier = Arc::new(Barrier::new(64));
        let tasks: Vec<_> = (0..64)
            .map(|task| {
                let store = replicas[task % 2].clone();
                let barrier = Arc::clone(&barrier);
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.claim(key, WINDOW).await
                })
            })
            .collect();
        let (mut fresh, mut in_flight) = (0, 0);
        for task in tasks {
            match task.await.unwrap() {
                Ok(Claim::Fresh(_)) => fresh += 1,
                Ok(Claim::InFlight { .. }) => in_flight += 1,
                other => panic!("round {round}: unexpected {other:?}"),
            }
        }
        assert_eq!((fresh, in_flight), (1, 63), "round {round}");
    }
}

#[tokio::test]
async fn out_of_memory_refuses_new_claims_as_full() {
    let server = RedisServer::start();
    let store = connect(&server).await;
    let mut redis = raw(&server).await;
    let _: () = redis::cmd("SET")
        .arg("filler")
        .arg(vec![b'x'; 2 << 20])
        .query_async(&mut redis)
        .await
        .unwrap();
    let _: () = redis::cmd("CONFIG")
        .arg(&["SET", "maxmemory-policy", "noeviction"])
        .query_async(&mut redis)
        .await
        .unwrap();
    let _: () = redis::cmd("CONFIG")
        .arg(&["SET", "maxmemory", "1mb"])
        .query_async(&mut redis)
        .await
        .unwrap();

    let claim = store.claim(key("whd_oom"), WINDOW).await;
    assert!(matches!(claim, Err(StoreError::Full)), "{claim:?}");

    let _: () = redis::cmd("CONFIG")
        .arg(&["SET", "maxmemory", "0"])
        .query_async(&mut redis)
        .await
        .unwrap();
    fresh(&store, key("whd_oom")).await;
}

#[tokio::test]
async fn connect_fails_when_no_server_listens() {
    let mut server = RedisServer::start();
    let url = format!("redis://:hunter2@127.0.0.1:{}/", server.port());
    server.kill();
    let builder = RedisStore::builder(&url);
    assert!(!format!("{builder:?}").contains("hunter2"), "{builder:?}");
    let started = Instant::now();
    let result = builder.connect().await;
    println!(
        "connect to a dead port failed after {:?}",
        started.elapsed()
    );
    assert!(
        matches!(result, Err(StoreError::Unavailable(_))),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(15));
    assert!(!result.unwrap_err().to_string().contains("hunter2"));

    let invalid = RedisStore::builder("http://:hunter2@127.0.0.1/")
        .connect()
        .await;
    let Err(StoreError::Unavailable(why)) = invalid else {
        panic!("{invalid:?}")
    };
    println!("invalid URL: {why}");
    assert!(!why.contains("hunter2"), "{why}");
}

#[tokio::test]
async fn debug_shows_the_settings_not_the_url() {
    let server = RedisServer::start();
    let store = builder(&server).prefix("billing:").connect().await.unwrap();
    let debug = format!("{store:?}");
    assert!(
        debug.contains("billing:") && !debug.contains("redis://"),
        "{debug}"
    );
    assert_eq!(store.prefix(), "billing:");
    assert_eq!(store.timeout(), Duration::from_secs(5));
    assert_eq!(store.retention(), webhook_guard::replay::DEFAULT_RETENTION);
}

#[tokio::test]
async fn a_hung_redis_times_out_then_answers_again() {
    let server = RedisServer::start();
    let store = RedisStore::builder(server.url())
        .timeout(Duration::from_millis(200))
        .connect()
        .await
        .unwrap();
    fresh(&store, key("whd_before")).await;

    server.pause();
    let mut slowest = Duration::ZERO;
    for attempt in 0..3 {
        let started = Instant::now();
        let claim = store
            .claim(key(&format!("whd_hung_{attempt}")), WINDOW)
            .await;
        let took = started.elapsed();
        assert!(
            matches!(claim, Err(StoreError::Unavailable(_))),
            "{claim:?}"
        );
        assert!(
            took >= Duration::from_millis(190) && took < Duration::from_secs(1),
            "took {took:?}"
        );
        slowest = slowest.max(took);
    }
    println!("hung Redis: claims answered Unavailable after at most {slowest:?} (timeout 200 ms)");

    server.resume();
    let started = Instant::now();
    let token = loop {
        match store.claim(key("whd_after"), WINDOW).await {
            Ok(Claim::Fresh(token)) => break token,
            Err(StoreError::Unavailable(_)) if started.elapsed() < Duration::from_secs(5) => {}
            other => panic!("{other:?}"),
        }
    };
    println!(
        "hung Redis: answering again {:?} after it resumed",
        started.elapsed()
    );
    store.complete(&token).await.unwrap();
    assert_done(&store, key("whd_after")).await;
    // A claim that timed out reached Redis when it woke, and was released right behind it:
    // the key is free, not held for the lease.
    let again = store.claim(key("whd_hung_0"), WINDOW).await;
    assert!(matches!(again, Ok(Claim::Fresh(_))), "{again:?}");
}

// ---------------------------------------------------------------------------------------------
// The Guard over Redis.

fn guard(store: RedisStore) -> Guard {
    Guard::new(Verifier::new(
        Scheme::audit_trail(),
        [Secret::new(SECRET).unwrap()],
    ))
    .store(store)
}

/// The headers and body of delivery `id`, signed now.
fn delivery(guard: &Guard, id: &str) -> (Vec<(String, String)>, Bytes) {
    let body =
        format!(r#"{{"id":"{id}","type":"event.created","tenantId":"tenant-001","data":{{}}}}"#);
    let signer = Signer::new(Scheme::audit_trail(), Secret::new(SECRET).unwrap());
    let headers = signer.headers(body.as_bytes(), guard.verifier().now(), id);
    (headers, Bytes::from(body))
}

async fn admit(
    guard: &Guard,
    delivery: &(Vec<(String, String)>, Bytes),
) -> Result<webhook_guard::Admitted, Rejection> {
    guard
        .admit(&delivery.0, "/webhooks/audit-trail", delivery.1.clone())
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_guards_sharing_redis_admit_each_delivery_exactly_once() {
    const DELIVERIES: usize = 100;
    const COPIES: usize = 200;
    let server = RedisServer::start();
    // Two replicas, each with its own connection. `connect` gives a generous timeout: a claim
    // that timed out under this load could still take its key (until the lease ends), and the
    // point here is exactly-once, not latency.
    let replicas = [guard(connect(&server).await), guard(connect(&server).await)];
    let deliveries: Arc<Vec<_>> = Arc::new(
        (0..DELIVERIES)
            .map(|n| delivery(&replicas[0], &format!("whd_{n:04}")))
            .collect(),
    );

    let started = Instant::now();
    let in_flight = Arc::new(Semaphore::new(256));
    let mut tasks = Vec::with_capacity(DELIVERIES * COPIES);
    for copy in 0..COPIES {
        for n in 0..DELIVERIES {
            let guard = replicas[(copy + n) % 2].clone();
            let deliveries = Arc::clone(&deliveries);
            let in_flight = Arc::clone(&in_flight);
            tasks.push(tokio::spawn(async move {
                let _permit = in_flight.acquire().await.unwrap();
                let outcome = match admit(&guard, &deliveries[n]).await {
                    Ok(admitted) => {
                        tokio::task::yield_now().await; // the handler
                        admitted.into_admission().finish(200).await;
                        "admitted"
                    }
                    Err(Rejection::AlreadyProcessed) => "already processed",
                    Err(Rejection::InFlight { .. }) => "in flight",
                    Err(other) => panic!("unexpected rejection {other:?}"),
                };
                (n, outcome)
            }));
        }
    }
    let mut admitted = vec![0; DELIVERIES];
    let mut outcomes: HashMap<&str, usize> = HashMap::new();
    for task in tasks {
        let (n, outcome) = task.await.unwrap();
        *outcomes.entry(outcome).or_default() += 1;
        if outcome == "admitted" {
            admitted[n] += 1;
        }
    }
    println!(
        "{} admits over two guards in {:?}: {outcomes:?}",
        DELIVERIES * COPIES,
        started.elapsed()
    );
    assert_eq!(admitted, vec![1; DELIVERIES]);
    // Every key ended done: one more copy of each, on either replica, is a duplicate.
    for (n, delivery) in deliveries.iter().enumerate() {
        let again = admit(&replicas[n % 2], delivery).await;
        assert!(
            matches!(again, Err(Rejection::AlreadyProcessed)),
            "delivery {n}: {again:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_redis_answers_503_without_hanging_then_recovers() {
    let mut server = RedisServer::start();
    let guard = guard(
        RedisStore::builder(server.url())
            .timeout(Duration::from_millis(200))
            .connect()
            .await
            .unwrap(),
    );
    let first = delivery(&guard, "whd_first");
    admit(&guard, &first)
        .await
        .unwrap()
        .into_admission()
        .finish(200)
        .await;

    server.kill();
    let during = delivery(&guard, "whd_during");
    let mut slowest = Duration::ZERO;
    for _ in 0..5 {
        let started = Instant::now();
        let rejection = admit(&guard, &during).await.unwrap_err();
        let took = started.elapsed();
        assert!(
            matches!(rejection, Rejection::Unavailable { .. }),
            "{rejection:?}"
        );
        assert_eq!(rejection.status(), 503);
        assert_eq!(rejection.retry_after(), Some(Duration::from_secs(5)));
        assert!(took < Duration::from_secs(1), "took {took:?}");
        slowest = slowest.max(took);
    }
    println!("dead Redis: 503 after at most {slowest:?} (timeout 200 ms)");

    // The same guard and store, no rebuild: admitted again once Redis is back.
    server.restart();
    let started = Instant::now();
    let admitted = loop {
        match admit(&guard, &during).await {
            Ok(admitted) => break admitted,
            Err(Rejection::Unavailable { .. }) if started.elapsed() < Duration::from_secs(10) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Err(other) => panic!("{other:?}"),
        }
    };
    let recovery = started.elapsed();
    println!("dead Redis: admitting again {recovery:?} after the restart");
    assert!(
        recovery < Duration::from_secs(5),
        "recovery took {recovery:?}"
    );
    admitted.into_admission().finish(200).await;
    assert_eq!(
        admit(&guard, &during).await.unwrap_err(),
        Rejection::AlreadyProcessed
    );
}

#[tokio::test]
async fn a_restarted_redis_is_used_again_on_the_first_request() {
    let mut server = RedisServer::start();
    let guard = guard(connect(&server).await);
    admit(&guard, &delivery(&guard, "whd_first"))
        .await
        .unwrap()
        .into_admission()
        .finish(200)
        .await;

    // Restarted between two requests: the first request after it finds the old connection
    // dropped and retries on a new one, instead of answering 503.
    server.restart();
    let started = Instant::now();
    let admitted = admit(&guard, &delivery(&guard, "whd_second")).await;
    println!(
        "restarted Redis: first request answered in {:?}",
        started.elapsed()
    );
    admitted.unwrap().into_admission().finish(200).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_open_admits_without_a_claim_when_redis_is_dead() {
    let mut server = RedisServer::start();
    let guard = guard(
        RedisStore::builder(server.url())
            .timeout(Duration::from_millis(200))
            .connect()
            .await
            .unwrap(),
    )
    .on_store_failure(StoreFailure::FailOpen);
    let delivery = delivery(&guard, "whd_open");
    let claimed = admit(&guard, &delivery).await.unwrap().into_admission();
    assert!(claimed.is_claimed());
    claimed.finish(500).await;

    server.kill();
    let started = Instant::now();
    let admitted = admit(&guard, &delivery).await.expect("fail open admits");
    let took = started.elapsed();
    println!("dead Redis, fail open: admitted without a claim after {took:?}");
    assert!(took < Duration::from_secs(1), "took {took:?}");
    let claim = admitted.into_admission();
    assert!(!claim.is_claimed());
    claim.finish(200).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_claim_is_released_in_the_background() {
    let server = RedisServer::start();
    let guard = guard(connect(&server).await);
    let delivery = delivery(&guard, "whd_cancelled");
    let admitted = admit(&guard, &delivery).await.unwrap();
    assert!(matches!(
        admit(&guard, &delivery).await,
        Err(Rejection::InFlight { .. })
    ));

    drop(admitted); // the request was cancelled: released by a spawned task
    let started = Instant::now();
    loop {
        match admit(&guard, &delivery).await {
            Ok(admitted) => {
                admitted.into_admission().finish(200).await;
                break;
            }
            Err(Rejection::InFlight { .. }) if started.elapsed() < Duration::from_secs(2) => {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            Err(other) => panic!("still {other:?} after {:?}", started.elapsed()),
        }
    }
    assert_eq!(
        admit(&guard, &delivery).await.unwrap_err(),
        Rejection::AlreadyProcessed
    );
}

// ---------------------------------------------------------------------------------------------
// Start-up checks and stalls (issue 17).

/// A Redis that wants a password, reached without one (or with a wrong one), fails at
/// `connect`, saying why; with the password it connects.
#[tokio::test]
async fn a_missing_or_wrong_password_fails_at_start_up() {
    let server = RedisServer::start_with(&["--requirepass", "hunter2"]);
    let without = RedisStore::builder(server.url()).connect().await;
    let Err(StoreError::Unavailable(why)) = &without else {
        panic!("connected without the password: {without:?}");
    };
    assert!(why.contains("NOAUTH"), "{why}");
    let wrong = format!("redis://:wrong@127.0.0.1:{}/", server.port());
    let Err(StoreError::Unavailable(why)) = RedisStore::builder(wrong).connect().await else {
        panic!("connected with a wrong password");
    };
    assert!(!why.contains("wrong@"), "the URL leaked: {why}");
    let right = format!("redis://:hunter2@127.0.0.1:{}/", server.port());
    let store = RedisStore::builder(right)
        .connect()
        .await
        .expect("connects");
    fresh(&store, key("whd_auth")).await;
}

/// A key in flight is reported with the lease it has left, and the guard's `Retry-After` is
/// never later than that.
#[tokio::test]
async fn in_flight_reports_the_lease_left() {
    let server = RedisServer::start();
    let store = builder(&server)
        .lease(Duration::from_secs(3))
        .connect()
        .await
        .unwrap();
    let _first = fresh(&store, key("whd_lease")).await;
    let Ok(Claim::InFlight {
        lease_left: Some(left),
    }) = store.claim(key("whd_lease"), WINDOW).await
    else {
        panic!("expected in flight with its lease");
    };
    assert!(
        left <= Duration::from_secs(3) && left > Duration::from_secs(1),
        "{left:?}"
    );

    let secret = Secret::new(SECRET).unwrap();
    let guard = Guard::new(Verifier::new(Scheme::github(), [secret.clone()])).store(store);
    let headers = Signer::new(Scheme::github(), secret).headers(b"{}", 0, "d-lease");
    let admitted = guard
        .admit(&headers, "/", Bytes::from_static(b"{}"))
        .await
        .unwrap();
    let copy = guard
        .admit(&headers, "/", Bytes::from_static(b"{}"))
        .await
        .unwrap_err();
    // The default in-flight Retry-After is 10 s; the lease (3 s) ends sooner.
    assert_eq!(
        copy,
        Rejection::InFlight {
            retry_after: Duration::from_secs(3)
        }
    );
    admitted.into_admission().finish(200).await;
}

/// Claims that time out on our side while Redis is frozen are released behind themselves:
/// once Redis is back the key is free at once, not held for the lease.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_that_timed_out_during_a_stall_does_not_hold_the_key() {
    let server = RedisServer::start();
    let store = RedisStore::builder(server.url())
        .timeout(Duration::from_millis(200))
        .connect()
        .await
        .unwrap();
    server.pause();
    let claim = store.claim(key("whd_stalled"), WINDOW).await;
    assert!(
        matches!(claim, Err(StoreError::Unavailable(_))),
        "{claim:?}"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    server.resume();
    let resumed = Instant::now();
    loop {
        match store.claim(key("whd_stalled"), WINDOW).await {
            Ok(Claim::Fresh(_)) => break,
            other => assert!(
                resumed.elapsed() < Duration::from_secs(3),
                "still {other:?} {:?} after Redis resumed (the lease is 60 s)",
                resumed.elapsed()
            ),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// A Redis that evicts keys forgets deliveries (issue 24): refused at start-up.

fn assert_refused_for(result: Result<RedisStore, StoreError>, policy: &str) {
    let Err(StoreError::Misconfigured(why)) = &result else {
        panic!("connected to a Redis with maxmemory-policy {policy}: {result:?}");
    };
    for needed in [
        format!("maxmemory-policy is {policy}"),
        "a retried delivery could run twice".to_owned(),
        "`maxmemory-policy noeviction`".to_owned(),
        "allow_eviction(true)".to_owned(),
    ] {
        assert!(why.contains(&needed), "{needed:?} missing from: {why}");
    }
}

/// `allkeys-*` evicts any key, `volatile-*` any key with a time to live: every key of the store.
#[tokio::test]
async fn connect_refuses_a_redis_that_evicts_keys() {
    for policy in ["allkeys-lru", "volatile-ttl", "allkeys-random"] {
        let server = RedisServer::start_evicting(policy);
        assert_refused_for(builder(&server).connect().await, policy);
    }
    // RESP3 answers CONFIG GET with a map and INFO with a verbatim string: read all the same.
    let server = RedisServer::start_evicting("volatile-lfu");
    let resp3 = format!("redis://127.0.0.1:{}/?protocol=resp3", server.port());
    let store = RedisStore::builder(resp3).timeout(Duration::from_secs(5));
    assert_refused_for(store.connect().await, "volatile-lfu");
}

#[tokio::test]
async fn allow_eviction_connects_to_a_redis_that_evicts_keys() {
    // Room enough for the test's keys: at 1 MB, Redis (whose own overhead is about that)
    // refuses writes it cannot evict for (`OOM`).
    let server =
        RedisServer::start_with(&["--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"]);
    let store = builder(&server)
        .allow_eviction(true)
        .connect()
        .await
        .expect("the opt-out connects");
    let token = fresh(&store, key("whd_evicting")).await;
    store.complete(&token).await.unwrap();
    assert_done(&store, key("whd_evicting")).await;
    assert!(
        format!("{:?}", builder(&server).allow_eviction(true)).contains("allow_eviction: true")
    );
}

#[tokio::test]
async fn a_redis_with_noeviction_and_a_memory_limit_connects() {
    let server =
        RedisServer::start_with(&["--maxmemory", "1mb", "--maxmemory-policy", "noeviction"]);
    let store = connect(&server).await;
    fresh(&store, key("whd_noeviction")).await;
}

/// Managed Redis services often disable `CONFIG` (renamed, or denied by an ACL): the policy is
/// read from `INFO memory` instead, and an evicting one is refused all the same.
#[tokio::test]
async fn without_config_the_policy_is_read_from_info() {
    let renamed = RedisServer::start_with(&[
        "--maxmemory",
        "1mb",
        "--maxmemory-policy",
        "volatile-lru",
        "--rename-command",
        "CONFIG",
        "",
    ]);
    assert_refused_for(builder(&renamed).connect().await, "volatile-lru");

    // A user whose ACL denies CONFIG (NOPERM) but allows INFO.
    let acl = RedisServer::start_with(&[
        "--maxmemory",
        "1mb",
        "--maxmemory-policy",
        "allkeys-lfu",
        "--user",
        "webhooks",
        "on",
        ">secret-pw",
        "~*",
        "+@all",
        "-config",
    ]);
    let url = format!("redis://webhooks:secret-pw@127.0.0.1:{}/", acl.port());
    let mut probe = redis::Client::open(url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let denied: redis::RedisResult<Vec<String>> = redis::cmd("CONFIG")
        .arg(&["GET", "maxmemory-policy"])
        .query_async(&mut probe)
        .await;
    assert!(denied.is_err(), "the ACL should deny CONFIG: {denied:?}");
    let result = RedisStore::builder(url)
        .timeout(Duration::from_secs(5))
        .connect()
        .await;
    assert_refused_for(result, "allkeys-lfu");
}

/// With neither `CONFIG` nor `INFO`, the policy cannot be known: the store connects (and logs
/// a warning), as documented, rather than refusing every such Redis.
#[tokio::test]
async fn a_redis_that_answers_neither_config_nor_info_connects() {
    let server = RedisServer::start_with(&[
        "--maxmemory-policy",
        "allkeys-lru",
        "--rename-command",
        "CONFIG",
        "",
        "--rename-command",
        "INFO",
        "",
    ]);
    let store = connect(&server).await;
    fresh(&store, key("whd_unknown_policy")).await;
}

/// The example receivers refuse to start on an evicting Redis: a message on stderr that says
/// why and what to set, a non-zero exit, no panic.
#[test]
fn the_example_receivers_refuse_an_evicting_redis() {
    let server = RedisServer::start_evicting("allkeys-lru");
    for example in ["receiver", "actix_receiver"] {
        let binary = examples::build_example(example);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .unwrap()
            .port();
        let mut child = std::process::Command::new(binary)
            .env("REDIS_URL", server.url())
            .env("PORT", port.to_string())
            .env_remove("INBOX_URL")
            .env(
                "DEAD_LETTER_DIR",
                std::env::temp_dir().join("wg-evicting-dead-letters"),
            )
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if started.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                panic!("{example} started on an evicting Redis");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{example}: {stderr}");
        assert!(
            stderr.contains("maxmemory-policy is allkeys-lru")
                && stderr.contains("maxmemory-policy noeviction"),
            "{example}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{example}: {stderr}");
    }
}
