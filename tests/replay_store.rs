//! The in-memory replay store (`MemoryStore`, on moka): the claim → complete/release cycle, its
//! tokens and leases, atomicity under concurrent claims, and what happens at capacity.
//!
//! The store counts liveness in whole seconds since it was built; the tests that depend on time
//! sleep past a lease (1.5 s) rather than mock the clock, and check their own timing so that a
//! slow machine makes them retry, never pass or fail by accident.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use webhook_guard::replay::{Claim, ClaimToken, MemoryStore, ReplayKey, ReplayStore, StoreError};

const HOUR: Duration = Duration::from_secs(3600);

/// A key borrows its id: the test's ids live as long as the test binary (a few thousand).
fn key(n: u64) -> ReplayKey<'static> {
    ReplayKey::new("audit-trail", Some("tenant-001"), format!("whd_{n}").leak())
}

fn claim(store: &MemoryStore, key: ReplayKey, window: Duration) -> Result<Claim, StoreError> {
    futures::executor::block_on(store.claim(key, window))
}

#[track_caller]
fn fresh(store: &MemoryStore, key: ReplayKey, window: Duration) -> ClaimToken {
    match claim(store, key, window) {
        Ok(Claim::Fresh(token)) => token,
        other => panic!("expected Fresh for {key:?}, got {other:?}"),
    }
}

#[track_caller]
fn assert_in_flight(store: &MemoryStore, key: ReplayKey) {
    let got = claim(store, key, HOUR);
    assert!(
        matches!(got, Ok(Claim::InFlight { .. })),
        "expected InFlight for {key:?}, got {got:?}"
    );
}

#[track_caller]
fn assert_done(store: &MemoryStore, key: ReplayKey) {
    let got = claim(store, key, HOUR);
    assert!(
        matches!(got, Ok(Claim::Done)),
        "expected Done for {key:?}, got {got:?}"
    );
}

fn complete(store: &MemoryStore, token: &ClaimToken) {
    futures::executor::block_on(store.complete(token)).expect("complete");
}

fn release(store: &MemoryStore, token: &ClaimToken) {
    futures::executor::block_on(store.release(token)).expect("release");
}

#[test]
fn fresh_then_in_flight_then_done() {
    let store = MemoryStore::new();
    let k = key(1);
    let token = fresh(&store, k, HOUR);
    assert_in_flight(&store, k);
    assert_in_flight(&store, k);
    // Another key is independent.
    let other = fresh(&store, key(2), HOUR);
    assert_ne!(other.token(), token.token());
    complete(&store, &token);
    assert_done(&store, k);
    assert_done(&store, k);
    assert_in_flight(&store, key(2));
    // A late release of the completed token does not forget the key.
    release(&store, &token);
    assert_done(&store, k);
    // Nor does completing it twice change anything.
    complete(&store, &token);
    assert_done(&store, k);
}

#[test]
fn release_makes_the_key_fresh_again() {
    let store = MemoryStore::new();
    let k = key(10);
    let first = fresh(&store, k, HOUR);
    release(&store, &first);
    let second = fresh(&store, k, HOUR);
    assert_ne!(
        first.token(),
        second.token(),
        "each claim has its own token"
    );
    assert_in_flight(&store, k);
    // release_detached (from a destructor) does the same.
    store.release_detached(second);
    let third = fresh(&store, k, HOUR);
    complete(&store, &third);
    assert_done(&store, k);
}

#[test]
fn a_token_for_another_key_changes_nothing() {
    let store = MemoryStore::new();
    let a = fresh(&store, key(20), HOUR);
    let b = fresh(&store, key(21), HOUR);
    // A token with b's number but a's key, and the reverse: neither matches the stored claim.
    let forged = ClaimToken::new(a.key(), b.token());
    release(&store, &forged);
    complete(&store, &forged);
    assert_in_flight(&store, key(20));
    let forged = ClaimToken::new(b.key(), a.token());
    complete(&store, &forged);
    assert_in_flight(&store, key(21));
}

#[test]
fn lease_expiry_frees_the_key_and_a_stale_token_cannot_touch_the_new_claim() {
    let lease = Duration::from_millis(1500);
    let store = MemoryStore::builder().lease(lease).build();
    assert_eq!(store.lease(), lease);
    let k = key(30);
    let started = Instant::now();
    let stale = fresh(&store, k, HOUR);
    assert_in_flight(&store, k);
    std::thread::sleep(lease + Duration::from_millis(200));
    // The first claimant crashed: its lease ran out, the retry gets the key.
    let current = fresh(&store, k, HOUR);
    assert!(started.elapsed() >= lease);
    assert_ne!(stale.token(), current.token());
    // The crashed claimant comes back: neither its release nor its completion touches the claim.
    release(&store, &stale);
    assert_in_flight(&store, k);
    complete(&store, &stale);
    assert_in_flight(&store, k);
    store.release_detached(stale);
    assert_in_flight(&store, k);
    // The current claimant's outcome counts.
    complete(&store, &current);
    assert_done(&store, k);
    // A done key does not expire with the lease.
    std::thread::sleep(lease + Duration::from_millis(200));
    assert_done(&store, k);
}

#[test]
fn a_completion_after_the_lease_ran_out_is_still_remembered_a_release_is_not() {
    let lease = Duration::from_millis(1500);
    let store = MemoryStore::builder().lease(lease).build();
    let (done, failed) = (key(40), key(41));
    let done_token = fresh(&store, done, HOUR);
    let failed_token = fresh(&store, failed, HOUR);
    std::thread::sleep(lease + Duration::from_millis(200));
    // Nobody claimed the keys since: the success is recorded, the failure leaves the key free.
    complete(&store, &done_token);
    release(&store, &failed_token);
    assert_done(&store, done);
    let again = fresh(&store, failed, HOUR);
    assert_ne!(again.token(), failed_token.token());
}

#[test]
fn a_claim_is_live_for_its_whole_lease_even_a_fractional_one() {
    // Window 0 and a 1.5 s lease: the key is live (it must not be forgotten to make room) until
    // its lease ends. The store counts in whole seconds; a claim made late in a second must not
    // lose the fraction of its lease. Capacity 1 makes "live" observable: a second key is
    // refused while the first claim's lease runs.
    let lease = Duration::from_millis(1500);
    let mut conclusive = false;
    for _attempt in 0..3 {
        let built = Instant::now();
        let store = MemoryStore::builder().capacity(1).lease(lease).build();
        // Claim 0.8 s into the store's first second: the lease ends at about 2.3 s.
        std::thread::sleep(Duration::from_millis(800).saturating_sub(built.elapsed()));
        let claimed_from = Instant::now();
        let _first = fresh(&store, key(50), Duration::ZERO);
        // Check at about 2.1 s, after the second the claim was made in plus 2 whole seconds.
        std::thread::sleep(Duration::from_millis(2100).saturating_sub(built.elapsed()));
        let live = store.live_count();
        let second = claim(&store, key(51), Duration::ZERO);
        if claimed_from.elapsed() >= lease {
            // Too slow to tell (the lease really ended): try again.
            continue;
        }
        conclusive = true;
        assert_eq!(live, 1, "the claim is still inside its lease");
        assert!(
            matches!(second, Err(StoreError::Full)),
            "a live claim was given up: {second:?}"
        );
        assert_eq!(store.refused_full(), 1);
        assert_in_flight(&store, key(50));
        assert_eq!(store.evicted_live(), 0);
        break;
    }
    assert!(
        conclusive,
        "the machine was too slow three times in a row to time a 1.5 s lease"
    );
}

#[test]
fn a_key_whose_lease_ran_out_is_counted_once_when_claimed_again() {
    // The crash-and-retry path: a claim's lease runs out, and the retry claims the key before
    // the cache's housekeeping (every 300 ms at most) has removed the expired entry. The store
    // must count the key once, not once per claim: the count decides when it is full.
    let lease = Duration::from_millis(1500);
    let mut conclusive = false;
    for _attempt in 0..3 {
        let store = MemoryStore::builder().lease(lease).build();
        let claimed_from = Instant::now();
        let _crashed = fresh(&store, key(60), HOUR);
        assert_eq!(store.live_count(), 1);
        // Housekeeping now (the key is not expired yet), so the next automatic run is due only
        // 300 ms later, after the lease has ended.
        std::thread::sleep(Duration::from_millis(1350).saturating_sub(claimed_from.elapsed()));
        let housekept_at = Instant::now();
        assert_eq!(store.entry_count(), 1);
        std::thread::sleep(Duration::from_millis(1560).saturating_sub(claimed_from.elapsed()));
        let retry = fresh(&store, key(60), HOUR);
        if housekept_at.elapsed() >= Duration::from_millis(290)
            || housekept_at.duration_since(claimed_from) >= lease
        {
            continue;
        }
        conclusive = true;
        assert_eq!(store.live_count(), 1, "the key is counted twice");
        complete(&store, &retry);
        assert_eq!(store.live_count(), 1);
        assert_done(&store, key(60));
        break;
    }
    assert!(
        conclusive,
        "the machine was too slow three times in a row to time a 1.5 s lease"
    );

    // Lease 0: the claim expires at once, so `complete` finds no entry and records the success
    // anew; the key is still one key.
    let store = MemoryStore::builder().lease(Duration::ZERO).build();
    for n in 0..10 {
        let token = fresh(&store, key(70 + n), HOUR);
        complete(&store, &token);
        assert_done(&store, key(70 + n));
    }
    assert_eq!(store.live_count(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_concurrent_claims_of_one_key_give_exactly_one_fresh() {
    for round in 0..5u64 {
        let store = Arc::new(MemoryStore::new());
        let barrier = Arc::new(tokio::sync::Barrier::new(64));
        let k = key(100 + round);
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let store = Arc::clone(&store);
                let barrier = Arc::clone(&barrier);
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.claim(k, HOUR).await
                })
            })
            .collect();
        let mut fresh_tokens = Vec::new();
        let mut in_flight = 0;
        for task in tasks {
            match task.await.expect("task") {
                Ok(Claim::Fresh(token)) => fresh_tokens.push(token),
                Ok(Claim::InFlight { .. }) => in_flight += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(
            fresh_tokens.len(),
            1,
            "round {round}: {} fresh claims",
            fresh_tokens.len()
        );
        assert_eq!(in_flight, 63);
        store.complete(&fresh_tokens[0]).await.unwrap();
        assert!(matches!(store.claim(k, HOUR).await, Ok(Claim::Done)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claims_after_a_release_give_exactly_one_fresh_again() {
    let store = Arc::new(MemoryStore::new());
    let k = key(200);
    let first = match store.claim(k, HOUR).await {
        Ok(Claim::Fresh(token)) => token,
        other => panic!("{other:?}"),
    };
    store.release(&first).await.unwrap();
    let barrier = Arc::new(tokio::sync::Barrier::new(64));
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                matches!(store.claim(k, HOUR).await, Ok(Claim::Fresh(_)))
            })
        })
        .collect();
    let mut fresh = 0;
    for task in tasks {
        fresh += usize::from(task.await.unwrap());
    }
    assert_eq!(fresh, 1);
}

/// Issue 12: a store of capacity 1,000 sent 5,000 fresh keys inside their window; sized as it
/// fills, or preallocated for its capacity (the same answers).
#[test]
fn at_capacity_no_claimed_key_is_ever_fresh_twice() {
    for preallocate in [false, true] {
        at_capacity_no_claimed_key_is_ever_fresh_twice_with(
            MemoryStore::builder()
                .capacity(1000)
                .preallocate(preallocate)
                .build(),
        );
    }
}

fn at_capacity_no_claimed_key_is_ever_fresh_twice_with(store: MemoryStore) {
    assert_eq!(store.capacity(), 1000);
    let keys: Vec<ReplayKey> = (0..5000).map(|n| key(1_000_000 + n)).collect();
    let mut fresh_once = HashSet::new();
    let mut refused = 0u64;
    let mut record =
        |k: ReplayKey<'static>,
         result: Result<Claim, StoreError>,
         fresh_once: &mut HashSet<ReplayKey<'static>>| match result {
            Ok(Claim::Fresh(token)) => {
                assert!(fresh_once.insert(k), "{k:?} answered Fresh a second time");
                Some(token)
            }
            Ok(Claim::InFlight { .. } | Claim::Done) => {
                assert!(
                    fresh_once.contains(&k),
                    "{k:?} is in flight or done but was never claimed"
                );
                None
            }
            Err(StoreError::Full) => {
                refused += 1;
                None
            }
            Err(other) => panic!("unexpected {other:?}"),
        };

    // First pass, interleaved: claim a new key, then re-claim an older one.
    for (i, &k) in keys.iter().enumerate() {
        if let Some(token) = record(k, claim(&store, k, HOUR), &mut fresh_once) {
            // Complete every other one, so both in-flight and done keys are held.
            if i % 2 == 0 {
                complete(&store, &token);
            }
        }
        let older = keys[i * 7 % (i + 1)];
        record(older, claim(&store, older, HOUR), &mut fresh_once);
    }
    assert_eq!(fresh_once.len(), 1000, "exactly the capacity was admitted");
    // The admitted keys are the first 1,000: no key was given up to make room for a later one.
    assert!(keys[..1000].iter().all(|k| fresh_once.contains(k)));

    // Second pass: every key again, in reverse order.
    for &k in keys.iter().rev() {
        record(k, claim(&store, k, HOUR), &mut fresh_once);
    }
    assert_eq!(fresh_once.len(), 1000);
    assert!(refused >= 2 * 4000, "{refused} refusals");
    assert_eq!(
        store.refused_full(),
        refused,
        "every Full answer is counted"
    );
    assert_eq!(store.evicted_live(), 0);
    assert_eq!(store.live_count(), 1000);
    assert!(store.entry_count() <= 1000);
    for (i, k) in keys[..1000].iter().enumerate() {
        if i % 2 == 0 {
            assert_done(&store, *k);
        } else {
            assert_in_flight(&store, *k);
        }
    }
}

/// Why the store makes room itself, oldest claim first: once the keys' windows have passed, a
/// full store forgets the *oldest* keys, and every recently claimed key is still remembered. (The same
/// scenario against moka's default TinyLFU policy is in the unit tests of `replay::memory`:
/// there, recent keys are forgotten at once.)
#[test]
fn past_their_window_the_oldest_keys_are_evicted_and_recent_ones_remembered() {
    // Window 0 and lease 0: a key is no longer live once claimed.
    // Keys are completed at once, so they are kept as done for the retention (1 h) while no
    // longer live: the store holds more done keys than fit and must choose whom to forget.
    let store = MemoryStore::builder()
        .capacity(1000)
        .lease(Duration::ZERO)
        .retention(HOUR)
        .build();
    let keys: Vec<ReplayKey> = (0..5000).map(|n| key(2_000_000 + n)).collect();
    let started = Instant::now();
    for &k in &keys {
        // At most `capacity` keys are live within one second: wait for the next one when full.
        let token = loop {
            match claim(&store, k, Duration::ZERO) {
                Ok(Claim::Fresh(token)) => break token,
                Err(StoreError::Full) => {
                    assert!(
                        started.elapsed() < Duration::from_secs(30),
                        "the store stays full"
                    );
                    std::thread::sleep(Duration::from_millis(20));
                }
                other => panic!("{k:?} was never claimed, got {other:?}"),
            }
        };
        complete(&store, &token);
    }
    assert!(
        store.entry_count() <= 1000,
        "{} entries",
        store.entry_count()
    );
    assert_eq!(
        store.evicted_live(),
        0,
        "only keys past their window were evicted"
    );

    // The most recently claimed keys are all remembered as done.
    for &k in keys.iter().rev().take(900) {
        let got = claim(&store, k, Duration::ZERO);
        assert!(
            matches!(got, Ok(Claim::Done)),
            "recent key {k:?} forgotten: {got:?}"
        );
    }
    // The oldest ones made room: they are forgotten (and were past their window, so a copy
    // would have been refused as stale anyway). Wait for the last keys' second to end, so that
    // re-claiming them is not refused for lack of room.
    while store.live_count() > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "keys stay live"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let oldest_forgotten = keys[..1000]
        .iter()
        .filter(|&&k| matches!(claim(&store, k, Duration::ZERO), Ok(Claim::Fresh(_))))
        .count();
    assert!(
        oldest_forgotten >= 900,
        "only {oldest_forgotten} of the oldest 1,000 keys were evicted"
    );
}

#[test]
fn a_scheme_without_timestamp_keeps_its_keys_live_for_the_retention() {
    // Duration::MAX is the window of a scheme without a timestamp: the key stays live (it can
    // be replayed at any time) for as long as it is kept, so a full store refuses new keys.
    let store = MemoryStore::builder().capacity(2).retention(HOUR).build();
    let a = fresh(&store, key(300), Duration::MAX);
    complete(&store, &a);
    let _b = fresh(&store, key(301), Duration::MAX);
    assert!(matches!(
        claim(&store, key(302), Duration::MAX),
        Err(StoreError::Full)
    ));
    assert_eq!(store.live_count(), 2);
    assert_done(&store, key(300));
    assert_eq!(store.refused_full(), 1);
}

#[test]
fn replay_keys_are_scoped_by_scheme_tenant_and_id() {
    let store = MemoryStore::new();
    let keys = [
        ReplayKey::new("audit-trail", Some("tenant-001"), "whd_1"),
        ReplayKey::new("audit-trail", Some("tenant-002"), "whd_1"),
        ReplayKey::new("audit-trail", None, "whd_1"),
        ReplayKey::new("audit-trail", Some(""), "whd_1"),
        ReplayKey::new("palo", Some("tenant-001"), "whd_1"),
        ReplayKey::new("audit-trail", Some("tenant-00"), "1whd_1"),
        ReplayKey::signature("audit-trail", Some("tenant-001"), b"whd_1"),
    ];
    // Each is a key of its own in the store (all fresh, under distinct store keys)...
    let tokens: Vec<ClaimToken> = keys.iter().map(|&k| fresh(&store, k, HOUR)).collect();
    let store_keys: HashSet<u128> = tokens.iter().map(ClaimToken::key).collect();
    assert_eq!(store_keys.len(), keys.len());
    assert_eq!(store.entry_count(), keys.len() as u64);
    // ...and the same material, built anew, is the same key.
    assert_in_flight(
        &store,
        ReplayKey::new("audit-trail", Some("tenant-001"), &String::from("whd_1")),
    );
    release(&store, &tokens[0]);
    let again = fresh(
        &store,
        ReplayKey::new("audit-trail", Some("tenant-001"), "whd_1"),
        HOUR,
    );
    assert_eq!(again.key(), tokens[0].key());
    assert_eq!(store.entry_count(), keys.len() as u64);
}
