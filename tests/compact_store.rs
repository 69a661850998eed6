//! The compact store keeps the replay-store contract: the same checks as the moka store's, on
//! the sharded maps.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use futures::executor::block_on;
use webhook_guard::replay::{Claim, CompactStore, ReplayKey, ReplayStore, StoreError};

const HOUR: Duration = Duration::from_secs(3600);

/// A key borrows its id: the test's ids live as long as the test binary (a few thousand).
fn key(n: u64) -> ReplayKey<'static> {
    ReplayKey::new("test", None, n.to_string().leak())
}

fn claim(store: &CompactStore, key: ReplayKey, window: Duration) -> Result<Claim, StoreError> {
    block_on(store.claim(key, window))
}

#[test]
fn fresh_in_flight_done_and_a_released_key_is_fresh_again() {
    let store = CompactStore::new();
    let Ok(Claim::Fresh(first)) = claim(&store, key(1), HOUR) else {
        panic!("fresh")
    };
    assert!(matches!(
        claim(&store, key(1), HOUR),
        Ok(Claim::InFlight { .. })
    ));
    block_on(store.release(&first)).unwrap();
    let Ok(Claim::Fresh(retry)) = claim(&store, key(1), HOUR) else {
        panic!("fresh after release")
    };
    assert_ne!(retry.token(), first.token());
    // The first attempt's late outcome changes nothing.
    block_on(store.complete(&first)).unwrap();
    assert!(matches!(
        claim(&store, key(1), HOUR),
        Ok(Claim::InFlight { .. })
    ));
    block_on(store.complete(&retry)).unwrap();
    assert!(matches!(claim(&store, key(1), HOUR), Ok(Claim::Done)));
    assert_eq!(store.len(), 1);
}

#[test]
fn a_lease_that_runs_out_is_taken_over_by_the_retry() {
    let store = CompactStore::builder()
        .lease(Duration::from_millis(200))
        .build();
    let Ok(Claim::Fresh(crashed)) = claim(&store, key(2), HOUR) else {
        panic!()
    };
    assert!(matches!(
        claim(&store, key(2), HOUR),
        Ok(Claim::InFlight { .. })
    ));
    std::thread::sleep(Duration::from_millis(250));
    let Ok(Claim::Fresh(retry)) = claim(&store, key(2), HOUR) else {
        panic!("taken over")
    };
    block_on(store.release(&crashed)).unwrap();
    assert!(
        matches!(claim(&store, key(2), HOUR), Ok(Claim::InFlight { .. })),
        "the crashed attempt released the retry's claim"
    );
    block_on(store.complete(&retry)).unwrap();
    assert!(matches!(claim(&store, key(2), HOUR), Ok(Claim::Done)));
}

#[test]
fn sixty_four_threads_claiming_one_key_get_one_fresh() {
    for round in 0..20 {
        let store = Arc::new(CompactStore::new());
        let barrier = Arc::new(std::sync::Barrier::new(64));
        let fresh: usize = (0..64)
            .map(|_| {
                let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    matches!(claim(&store, key(round), HOUR), Ok(Claim::Fresh(_)))
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| usize::from(t.join().unwrap()))
            .sum();
        assert_eq!(fresh, 1, "round {round}");
    }
}

/// Issue 12: 5,000 fresh keys inside their window into a store of 1,000: the claims that
/// cannot be held are refused, and no claimed key is ever answered `Fresh` again.
#[test]
fn a_full_store_refuses_instead_of_forgetting_a_live_key() {
    // Sized as it fills, or preallocated for its capacity: the same answers.
    for preallocate in [false, true] {
        a_full_store_refuses_with(
            CompactStore::builder()
                .capacity(1000)
                .preallocate(preallocate)
                .build(),
        );
    }
}

fn a_full_store_refuses_with(store: CompactStore) {
    let mut claimed = HashSet::new();
    let mut refused = 0;
    for n in 0..5000 {
        match claim(&store, key(n), HOUR) {
            Ok(Claim::Fresh(token)) => {
                block_on(store.complete(&token)).unwrap();
                claimed.insert(n);
            }
            Err(StoreError::Full) => refused += 1,
            other => panic!("key {n}: {other:?}"),
        }
        // Interleaved re-claims of what was claimed so far.
        if n % 97 == 0 {
            for &c in claimed.iter().take(50) {
                assert!(
                    matches!(claim(&store, key(c), HOUR), Ok(Claim::Done)),
                    "key {c} forgotten"
                );
            }
        }
    }
    // Capacity is split over 16 shards (rounded up): each shard fills on its own.
    assert_eq!(store.capacity(), 1008);
    assert!(
        claimed.len() as u64 <= store.capacity() && claimed.len() >= 900,
        "{}",
        claimed.len()
    );
    assert_eq!(refused, 5000 - claimed.len());
    assert_eq!(store.refused_full(), refused as u64);
    assert_eq!(store.evicted(), 0);
    for &c in &claimed {
        assert!(
            matches!(claim(&store, key(c), HOUR), Ok(Claim::Done)),
            "key {c} forgotten"
        );
    }
    assert!(store.len() as u64 <= store.capacity());
}

/// Past their window, the oldest keys make room and the recent ones are all remembered.
#[test]
fn past_their_window_the_oldest_keys_are_evicted_and_recent_ones_remembered() {
    let store = CompactStore::builder()
        .capacity(1000)
        .lease(Duration::ZERO)
        .build();
    for n in 0..5000 {
        let Ok(Claim::Fresh(token)) = claim(&store, key(n), Duration::ZERO) else {
            panic!("key {n}")
        };
        block_on(store.complete(&token)).unwrap();
    }
    assert!(store.len() as u64 <= store.capacity());
    assert!(store.evicted() >= 4000 - 16, "{}", store.evicted());
    // The most recent keys of every shard are all still known.
    let recent_known = (4900..5000)
        .filter(|&n| matches!(claim(&store, key(n), Duration::ZERO), Ok(Claim::Done)))
        .count();
    assert_eq!(recent_known, 100);
    assert_eq!(store.refused_full(), 0);
}
