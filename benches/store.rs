//! The replay store: `MemoryStore` claims against moka's default policy doing the naive
//! `entry().or_insert_with`, with 1 and 2 threads; the cost of the extra signature claim of a
//! scheme whose id is not signed; (with `WEBHOOK_GUARD_MEMORY=1`) bytes per key; and (with
//! `WEBHOOK_GUARD_INSTRUCTIONS=<variant>`, under callgrind) instructions per operation.
//!
//! `cargo bench --bench store`
//! `WEBHOOK_GUARD_MEMORY=1 cargo bench --bench store` (memory only, no criterion run)
//! `bench/store_instructions.sh` (instructions per key derivation and per claim + complete)
//!
//! A store remembers every fresh key for its replay window plus the lease, so at benchmark
//! rates (millions of fresh keys a second) any store fills up with live keys within seconds
//! and starts answering `Full`. The fresh-key benchmarks therefore replace the store (outside
//! the timed part) every `CHUNK` keys: what is timed is a store holding 0..`CHUNK` keys.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::Criterion;
use http::{HeaderMap, HeaderName, HeaderValue};
use moka::sync::Cache;
use webhook_guard::replay::{
    Claim, CompactStore, KeyHasher, MemoryStore, ReplayKey, ReplayStore, StoreFuture,
};
use webhook_guard::testing::audit_trail_sample_with_id;
use webhook_guard::time::FixedClock;
use webhook_guard::{Guard, Scheme, Secret, Signer, Verifier};

/// Keys per store before it is replaced (untimed); per thread in the 2-thread runs.
const CHUNK: u64 = 200_000;
const AT_SECRET: &str = "whsec_abc123def456";
const GH_SECRET: &str = "gh-webhook-secret";
const NOW: i64 = 1_705_312_200;

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
        .configure_from_args()
}

/// Distinct, well-spread keys (an odd multiplier is a bijection on `u128`), like the keyed
/// hashes the in-memory stores make of a `ReplayKey`: for the bare data structures.
fn key(i: u64) -> u128 {
    u128::from(i).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835) | 1
}

/// Delivery id number `i` as the Audit Trail writes ids (`whd_` + 24 hex digits), built on the
/// stack: the stores are given a real `ReplayKey`, and formatting a `String` would cost more
/// than some of what is measured.
struct Id([u8; 28]);

fn id(i: u64) -> Id {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut buf = *b"whd_000000000000000000000000";
    for (n, digit) in buf[12..].iter_mut().enumerate() {
        *digit = HEX[((i >> (60 - 4 * n)) & 0xf) as usize];
    }
    Id(buf)
}

impl Id {
    fn key(&self) -> ReplayKey<'_> {
        let id = std::str::from_utf8(&self.0).expect("hex digits");
        ReplayKey::new("audit-trail", Some("tenant-001"), id)
    }
}

/// The tiny executor: `MemoryStore` answers at once.
fn ready<T>(future: StoreFuture<'_, T>) -> T {
    match future {
        StoreFuture::Ready(Some(value)) => value,
        other => futures::executor::block_on(other),
    }
}

fn window() -> Duration {
    Scheme::audit_trail().freshness().replay_window()
}

fn claim_complete(store: &impl ReplayStore, i: u64, window: Duration) {
    match ready(store.claim(id(i).key(), window)) {
        Ok(Claim::Fresh(token)) => ready(store.complete(&token)).unwrap(),
        other => panic!("expected a fresh claim, got {other:?}"),
    }
}

/// The naive dedup: one moka insert per delivery, keyed like the stores (a `KeyHasher`).
fn naive_insert((cache, hasher): &(Cache<u128, ()>, KeyHasher), i: u64) {
    let entry = cache.entry(hasher.hash(&id(i).key())).or_insert_with(|| ());
    assert!(entry.is_fresh());
}

fn naive_cache() -> (Cache<u128, ()>, KeyHasher) {
    // moka's default eviction policy is TinyLFU.
    let cache = Cache::builder()
        .max_capacity(1_100_000)
        .time_to_live(Duration::from_secs(24 * 3600))
        .build();
    (cache, KeyHasher::new())
}

/// Runs `iters` operations on `threads` threads in chunks of at most `CHUNK` per thread, with a
/// new store per chunk (built untimed); returns the wall time divided by the thread count, so
/// criterion's time per iteration is the time per operation of the whole process.
fn chunked<S: Sync>(
    iters: u64,
    threads: u64,
    make: impl Fn() -> S,
    op: impl Fn(&S, u64) + Sync,
) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(CHUNK);
        let store = make();
        let start = Instant::now();
        if threads == 1 {
            for i in 0..n {
                op(&store, i);
            }
        } else {
            thread::scope(|s| {
                for t in 0..threads {
                    let (store, op) = (&store, &op);
                    s.spawn(move || {
                        for i in 0..n {
                            op(store, t * CHUNK + i);
                        }
                    });
                }
            });
        }
        total += start.elapsed();
        drop(store);
        left -= n;
    }
    total / u32::try_from(threads).unwrap()
}

fn store_ops(c: &mut Criterion) {
    let window = window();
    let mut group = c.benchmark_group("store/fresh");
    for threads in [1u64, 2] {
        group.bench_function(format!("memory_store_claim_complete/{threads}t"), |b| {
            b.iter_custom(|iters| {
                chunked(iters, threads, MemoryStore::new, |s, k| {
                    claim_complete(s, k, window)
                })
            })
        });
        group.bench_function(format!("moka_tinylfu_entry_or_insert/{threads}t"), |b| {
            b.iter_custom(|iters| chunked(iters, threads, naive_cache, naive_insert))
        });
    }
    group.finish();

    // A done key: the copy of a handled delivery.
    const DONE_KEYS: u64 = 1024;
    let store = MemoryStore::new();
    let cache = naive_cache();
    for i in 0..DONE_KEYS {
        claim_complete(&store, i, window);
        naive_insert(&cache, i);
    }
    let claim_done = |i: u64| {
        let claim = ready(store.claim(id(i % DONE_KEYS).key(), window));
        assert!(matches!(claim, Ok(Claim::Done)));
    };
    let naive_done = |i: u64| {
        assert!(
            !cache
                .0
                .entry(cache.1.hash(&id(i % DONE_KEYS).key()))
                .or_insert_with(|| ())
                .is_fresh()
        );
    };
    let mut group = c.benchmark_group("store/done");
    for threads in [1u64, 2] {
        group.bench_function(format!("memory_store_claim/{threads}t"), |b| {
            b.iter_custom(|iters| per_thread(iters, threads, &claim_done))
        });
        group.bench_function(format!("moka_tinylfu_entry_or_insert/{threads}t"), |b| {
            b.iter_custom(|iters| per_thread(iters, threads, &naive_done))
        });
    }
    group.finish();
}

/// `iters` calls of `op` on each of `threads` threads; wall time divided by the thread count.
fn per_thread(iters: u64, threads: u64, op: &(impl Fn(u64) + Sync)) -> Duration {
    let start = Instant::now();
    if threads == 1 {
        for i in 0..iters {
            op(i);
        }
    } else {
        thread::scope(|s| {
            for t in 0..threads {
                s.spawn(move || {
                    for i in 0..iters {
                        op(t * 7 + i);
                    }
                });
            }
        });
    }
    start.elapsed() / u32::try_from(threads).unwrap()
}

/// The built-in GitHub scheme: its delivery id is not signed, so the signature is claimed too.
fn github() -> Scheme {
    Scheme::github()
}

fn header_map(headers: &[(String, String)]) -> HeaderMap {
    headers
        .iter()
        .map(|(n, v)| {
            (
                HeaderName::from_bytes(n.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            )
        })
        .collect()
}

/// A fresh signed delivery: the Audit Trail sample with a unique id (the same body for both
/// schemes, so that only the scheme differs).
fn delivery(signer: &Signer, i: u64) -> (HeaderMap, Bytes) {
    let id = format!("whd_{i:024x}");
    let body = audit_trail_sample_with_id("event.created", &id).unwrap();
    let headers = signer.headers(body.as_bytes(), NOW, &id);
    (header_map(&headers), Bytes::from(body))
}

/// A scheme under test: name, constructor, secret.
type SchemeCase = (&'static str, fn() -> Scheme, &'static str);

/// `Guard::admit` of a fresh delivery then `finish(true)`: Audit Trail (one claim, signed id)
/// against `Scheme::github()` (id not signed: a second claim on the signature).
fn guard_admit(c: &mut Criterion) {
    let schemes: [SchemeCase; 2] = [
        ("audit-trail", Scheme::audit_trail, AT_SECRET),
        ("github-like-unsigned-id", github, GH_SECRET),
    ];
    let mut group = c.benchmark_group("guard");
    for (name, scheme, secret) in schemes {
        let secret = Secret::new(secret).unwrap();
        let signer = Signer::new(scheme(), secret.clone());
        let verifier = Verifier::new(scheme(), [secret]).clock(FixedClock(NOW + 30));
        let (headers, body) = delivery(&signer, u64::MAX);
        group.bench_function(format!("verify_only/{name}"), |b| {
            b.iter(|| {
                verifier
                    .verify_at(black_box(&headers), body.clone(), NOW + 30)
                    .unwrap()
            })
        });
        let mut next = 0u64;
        group.bench_function(format!("admit_finish/{name}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                let mut left = iters;
                while left > 0 {
                    let n = left.min(CHUNK / 4);
                    let guard = Guard::new(verifier.clone()).store(MemoryStore::new());
                    let pool: Vec<_> = (next..next + n).map(|i| delivery(&signer, i)).collect();
                    next += n;
                    let start = Instant::now();
                    for (headers, body) in pool.iter() {
                        let admitted = futures::executor::block_on(guard.admit(
                            headers,
                            "/webhooks",
                            body.clone(),
                        ))
                        .unwrap();
                        futures::executor::block_on(admitted.into_admission().finish(200));
                    }
                    total += start.elapsed();
                    left -= n;
                }
                total
            })
        });
    }
    group.finish();
}

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap();
    kib * 1024
}

const DONE: u64 = 1_000_000;
const IN_FLIGHT: u64 = 100_000;

/// One variant, in its own process so that no other variant's freed memory is reused.
fn memory_variant(variant: &str) {
    let keys = DONE + IN_FLIGHT;
    let before = rss_bytes();
    let (after, held) = match variant {
        "memory-store" => {
            let store = MemoryStore::builder().capacity(1_100_000).build();
            let window = window();
            for i in 0..DONE {
                claim_complete(&store, i, window);
            }
            for i in DONE..keys {
                let claim = ready(store.claim(id(i).key(), window));
                assert!(matches!(claim, Ok(Claim::Fresh(_))), "{claim:?}");
            }
            let held = store.entry_count();
            assert_eq!(store.refused_full(), 0);
            let after = rss_bytes();
            black_box(&store);
            (after, held)
        }
        "compact-store" => {
            // Capacity is split over 16 shards: leave the shards room for their spread.
            let store = CompactStore::builder().capacity(1_200_000).build();
            let window = window();
            for i in 0..keys {
                let claim = ready(store.claim(id(i).key(), window));
                let Ok(Claim::Fresh(token)) = claim else {
                    panic!("{claim:?}")
                };
                if i < DONE {
                    ready(store.complete(&token)).unwrap();
                }
            }
            assert_eq!(store.refused_full(), 0);
            let held = store.len() as u64;
            let after = rss_bytes();
            black_box(&store);
            (after, held)
        }
        "moka-tinylfu" => {
            let cache = naive_cache();
            for i in 0..keys {
                naive_insert(&cache, i);
            }
            cache.0.run_pending_tasks();
            let held = cache.0.entry_count();
            let after = rss_bytes();
            black_box(&cache);
            (after, held)
        }
        // What moka itself costs in `MemoryStore`'s configuration (no size bound, no expiry):
        // `moka-plain` shares one value, `moka-arc` allocates a 16-byte `Arc` per entry, and the
        // `-expiry` ones add moka's per-entry expiry (a timer node per entry).
        "moka-plain" | "moka-expiry" | "moka-arc" | "moka-arc-expiry" => {
            struct OneHour;
            impl<V> moka::Expiry<u128, V> for OneHour {
                fn expire_after_create(&self, _: &u128, _: &V, _: Instant) -> Option<Duration> {
                    Some(Duration::from_secs(3600))
                }
            }
            let mut builder = Cache::builder().initial_capacity(1 << 16);
            if variant.ends_with("expiry") {
                builder = builder.expire_after(OneHour);
            }
            let cache: Cache<u128, std::sync::Arc<[u64; 2]>> = builder.build();
            let shared = std::sync::Arc::new([0u64; 2]);
            for i in 0..keys {
                let value = if variant.starts_with("moka-arc") {
                    std::sync::Arc::new([i; 2])
                } else {
                    shared.clone()
                };
                cache.entry(key(i)).or_insert_with(|| value);
            }
            cache.run_pending_tasks();
            let held = cache.entry_count();
            let after = rss_bytes();
            black_box(&cache);
            (after, held)
        }
        "mutex-hashmap" => {
            // Key plus a packed state/expiry word: the shape of a two-map store.
            let map: Mutex<HashMap<u128, u64>> = Mutex::new(HashMap::with_capacity(1_100_000));
            for i in 0..keys {
                map.lock().unwrap().entry(key(i)).or_insert(i);
            }
            let held = map.lock().unwrap().len() as u64;
            let after = rss_bytes();
            black_box(&map);
            (after, held)
        }
        other => panic!("unknown variant {other}"),
    };
    let grown = after.saturating_sub(before);
    eprintln!(
        "memory {variant:>14}: {held} keys held ({DONE} done + {IN_FLIGHT} in flight inserted), RSS +{:.1} MiB, {:.0} B/key",
        grown as f64 / (1024.0 * 1024.0),
        grown as f64 / keys as f64
    );
}

/// Derives the key the in-memory stores claim, for ids `from..to`: what every delivery pays
/// before its claim.
#[inline(never)]
fn key_derivation(hasher: &KeyHasher, from: u64, to: u64) {
    for i in from..to {
        black_box(hasher.hash(&id(i).key()));
    }
}

/// The same with SHA-256 (the Redis store's key, and every store's before).
#[inline(never)]
fn key_digest(from: u64, to: u64) {
    for i in from..to {
        black_box(id(i).key().digest());
    }
}

/// Builds the ids alone: what the two above spend apart from the key.
#[inline(never)]
fn key_ids(from: u64, to: u64) {
    for i in from..to {
        black_box(id(i).key());
    }
}

/// Claims then completes ids `from..to`: what a fresh delivery costs the store, key included.
#[inline(never)]
fn claim_complete_ids(store: &dyn ReplayStore, from: u64, to: u64, window: Duration) {
    for i in from..to {
        match ready(store.claim(id(i).key(), window)) {
            Ok(Claim::Fresh(token)) => ready(store.complete(&token)).unwrap(),
            other => panic!("expected a fresh claim, got {other:?}"),
        }
    }
}

// What callgrind counts (`--toggle-collect=*measured_*`): the second half of each run, after
// the first half warmed up the same code and store without being counted.
#[inline(never)]
fn measured_key_derivation(hasher: &KeyHasher, from: u64, to: u64) {
    key_derivation(hasher, from, to)
}

#[inline(never)]
fn measured_key_digest(from: u64, to: u64) {
    key_digest(from, to)
}

#[inline(never)]
fn measured_key_ids(from: u64, to: u64) {
    key_ids(from, to)
}

#[inline(never)]
fn measured_claim_complete(store: &dyn ReplayStore, from: u64, to: u64, window: Duration) {
    claim_complete_ids(store, from, to, window)
}

/// `WEBHOOK_GUARD_INSTRUCTIONS=<variant>`: instructions per operation, counted by callgrind in
/// the `measured_*` function alone (`--toggle-collect`), after a warm-up of as many keys, so
/// divide callgrind's total by 100,000.
/// Variants: `key`, `memory-store`, `compact-store`. See BENCHMARKS.md for the command.
fn instructions_variant(variant: &str) {
    const N: u64 = 100_000;
    let window = window();
    match variant {
        "key" => {
            let hasher = KeyHasher::new();
            key_derivation(&hasher, 0, N);
            measured_key_derivation(&hasher, N, 2 * N);
        }
        "digest" => {
            key_digest(0, N);
            measured_key_digest(N, 2 * N);
        }
        "ids" => {
            key_ids(0, N);
            measured_key_ids(N, 2 * N);
        }
        "memory-store" | "compact-store" => {
            let store: Box<dyn ReplayStore> = if variant == "memory-store" {
                Box::new(MemoryStore::new())
            } else {
                Box::new(CompactStore::new())
            };
            claim_complete_ids(&*store, 0, N, window);
            measured_claim_complete(&*store, N, 2 * N, window);
        }
        other => panic!("unknown variant {other}"),
    }
    eprintln!("instructions {variant}: {N} operations measured");
}

fn main() {
    if let Ok(variant) = std::env::var("WEBHOOK_GUARD_INSTRUCTIONS") {
        return instructions_variant(&variant);
    }
    match std::env::var("WEBHOOK_GUARD_MEMORY").as_deref() {
        Ok("1") => {
            let exe = std::env::current_exe().unwrap();
            for variant in [
                "memory-store",
                "compact-store",
                "moka-tinylfu",
                "moka-plain",
                "moka-expiry",
                "moka-arc",
                "moka-arc-expiry",
                "mutex-hashmap",
            ] {
                let status = std::process::Command::new(&exe)
                    .env("WEBHOOK_GUARD_MEMORY", variant)
                    .status()
                    .unwrap();
                assert!(status.success(), "{variant}: {status}");
            }
        }
        Ok(variant) if !variant.is_empty() && variant != "0" => memory_variant(variant),
        _ => {
            let mut c = config();
            store_ops(&mut c);
            guard_admit(&mut c);
            c.final_summary();
        }
    }
}
