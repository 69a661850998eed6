//! The in-memory replay store, on a moka cache.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use moka::Expiry;
use moka::notification::RemovalCause;
use moka::ops::compute::Op;
use moka::sync::Cache;

use super::slot::{ClaimTimes, Found, InMemory, SlotState, StoreBuilder, millis};
use super::{Claim, ClaimToken, ReplayKey, StoreError};

/// The default in-memory replay store: one process, no server.
///
/// A moka cache of fixed-size keys ([`ReplayKey`], 16 bytes) where each key's state lives in
/// its slot, so a delivery costs **one** cache insert (the claim); completing, releasing and
/// re-claiming after a failure only change the slot.
///
/// - **A capacity** (default 1,000,000 keys), so a sender with valid signatures cannot grow it
///   without bound.
/// - **No silent eviction, and no TinyLFU.** moka's default policy has an admission filter that,
///   once the cache is full, drops a never-seen key right after inserting it; every dedup key is
///   never-seen, so a full cache would forget the claim it just answered `Fresh` for, and the
///   next copy of that delivery would run the handler again. This store gives moka no size bound
///   at all and makes room itself, in claim order, oldest first, and only by evicting keys that
///   are past their replay window.
/// - **A key is live** while a copy of its delivery could still pass the freshness check: the
///   scheme's replay window (plus the lease) from its latest claim. When the store is full and
///   its oldest key is still live, a new claim is refused with [`StoreError::Full`] (the
///   receiver answers 503 with `Retry-After`, the sender retries later, nothing is lost) and
///   counted in [`refused_full`](Self::refused_full). A key evicted past its window is from then
///   on protected by the freshness check alone: only a *late retry* of a handled delivery (one
///   the sender signs anew, after its window) could run the handler a second time.
/// - **Leases.** An in-flight claim holds its key for its lease (default 60 s). A receiver that
///   crashed mid-delivery never releases it; once the lease has run out, the next claim takes
///   the key over, with a new token, so the crashed attempt's late `complete` or `release`
///   changes nothing.
/// - **Expiry by time to live** from the first claim: the retention (default 24 h, or the
///   scheme's window if longer). A duplicate never extends it.
///
/// # Sizing
///
/// Keep `capacity ≥ peak deliveries per second × retention in seconds` to keep every key for
/// the whole retention (idempotence against late retries), and at the very least
/// `capacity ≥ peak deliveries per second × (replay window + lease)` to never answer 503.
/// Example: Audit Trail at a peak of 200 deliveries/s, window 6 min + lease 1 min = 420 s:
/// 84,000 live keys at most, far below the default 1,000,000, which also keeps every key for
/// the 24 h retention up to an average of 11.5 deliveries/s. An entry costs about 450 bytes
/// (see BENCHMARKS.md): 1,000,000 keys take about 450 MB.
///
/// ```
/// use std::time::Duration;
/// use webhook_guard::replay::MemoryStore;
///
/// let store = MemoryStore::builder()
///     .capacity(100_000)
///     .retention(Duration::from_secs(24 * 3600))
///     .lease(Duration::from_secs(30))
///     .build();
/// assert_eq!(store.capacity(), 100_000);
/// ```
#[derive(Clone)]
pub struct MemoryStore {
    inner: Arc<Inner>,
}

struct Inner {
    cache: Cache<u128, Arc<Slot>>,
    /// Every key inserted, in claim order: where room is made from.
    ledger: Mutex<Ledger>,
    /// Keys in the cache (decremented by the removal listener, which must not lock the ledger).
    entries: Arc<AtomicU64>,
    capacity: u64,
    retention: Duration,
    lease: Duration,
    epoch: Instant,
    next_token: AtomicU64,
    refused_full: AtomicU64,
    evicted: AtomicU64,
    evicted_live: AtomicU64,
}

/// One key's state. The cache holds it behind an `Arc`; it is never replaced while present.
struct Slot {
    /// Unique per inserted slot, so a stale ledger entry never removes a newer slot of its key.
    id: u64,
    /// How long the cache keeps it (from insertion).
    keep_for: Duration,
    state: Mutex<SlotState>,
}

struct Ledger {
    order: VecDeque<LedgerEntry>,
    /// Claims between making room and inserting.
    reserved: u64,
}

#[derive(Clone, Copy)]
struct LedgerEntry {
    key: u128,
    slot: u64,
    live_until: u64,
    expires_at: u64,
}

struct SlotExpiry;

impl Expiry<u128, Arc<Slot>> for SlotExpiry {
    fn expire_after_create(&self, _: &u128, slot: &Arc<Slot>, _: Instant) -> Option<Duration> {
        Some(slot.keep_for)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every update under these locks is a single step: the data stays consistent even if a
    // holder panicked.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Slot {
    fn state(&self) -> SlotState {
        *lock(&self.state)
    }
}

impl MemoryStore {
    /// A store with the defaults: 1,000,000 keys, 24 h retention, 60 s lease.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// Configures a store.
    pub fn builder() -> MemoryStoreBuilder {
        StoreBuilder::new()
    }

    /// The most keys the store holds.
    pub fn capacity(&self) -> u64 {
        self.inner.capacity
    }

    /// How many keys the store holds now (after pending maintenance).
    pub fn entry_count(&self) -> u64 {
        self.inner.cache.run_pending_tasks();
        self.inner.cache.entry_count()
    }

    /// How many keys are live (inside their replay window) now. Walks every key: for tests and
    /// diagnostics, not for a request path.
    pub fn live_count(&self) -> u64 {
        let now = self.now();
        let ledger = lock(&self.inner.ledger);
        let mut live = std::collections::HashSet::new();
        for entry in &ledger.order {
            if let Some(slot) = self.inner.cache.get(&entry.key)
                && slot.id == entry.slot
                && slot.state().is_live(now)
            {
                live.insert(entry.key);
            }
        }
        live.len() as u64
    }

    /// How many claims were refused because the oldest key was still live.
    pub fn refused_full(&self) -> u64 {
        self.inner.refused_full.load(Ordering::Relaxed)
    }

    /// How many keys past their window were evicted to make room.
    pub fn evicted(&self) -> u64 {
        self.inner.evicted.load(Ordering::Relaxed)
    }

    /// How many keys were evicted while still live. Room is only ever made from keys past their
    /// window, so this stays 0; it is counted (and logged at error) so that a breach could not
    /// go unnoticed.
    pub fn evicted_live(&self) -> u64 {
        self.inner.evicted_live.load(Ordering::Relaxed)
    }

    /// Milliseconds since the store's epoch.
    fn now(&self) -> u64 {
        millis(self.inner.epoch.elapsed())
    }

    fn claim_now(&self, key: ReplayKey, window: Duration) -> Result<Claim, StoreError> {
        let inner = &*self.inner;
        let times = ClaimTimes::new(self.now(), window, inner.retention, inner.lease);
        let next_token = || inner.next_token.fetch_add(1, Ordering::Relaxed);
        let raw_key = key.as_u128();
        // Two rounds at most: a concurrent claim may insert the key between our miss and ours.
        for _ in 0..2 {
            if let Some(slot) = inner.cache.get(&raw_key) {
                return Ok(match lock(&slot.state).claim(&times, next_token) {
                    Found::Fresh(token) => Claim::Fresh(ClaimToken::new(key, token)),
                    Found::InFlight(left) => Claim::InFlight {
                        lease_left: Some(Duration::from_millis(left)),
                    },
                    Found::Done => Claim::Done,
                });
            }
            self.make_room(times.now)?;
            let token = next_token();
            let slot = Arc::new(Slot {
                id: token,
                keep_for: times.keep_for,
                state: Mutex::new(SlotState::claimed(token, &times)),
            });
            let mut inserted = false;
            inner
                .cache
                .entry(raw_key)
                .and_compute_with(|existing| match existing {
                    Some(_) => Op::Nop,
                    None => {
                        inserted = true;
                        Op::Put(Arc::clone(&slot))
                    }
                });
            let mut ledger = lock(&inner.ledger);
            ledger.reserved -= 1;
            if inserted {
                inner.entries.fetch_add(1, Ordering::Relaxed);
                ledger.order.push_back(LedgerEntry {
                    key: raw_key,
                    slot: token,
                    live_until: times.live_until,
                    expires_at: times.now.saturating_add(millis(times.keep_for)),
                });
                return Ok(Claim::Fresh(ClaimToken::new(key, token)));
            }
        }
        // Inserted and removed again under our feet twice: answer as busy.
        Ok(Claim::InFlight { lease_left: None })
    }

    /// Reserves room for one insert, evicting keys past their window oldest first; `Full` when
    /// the oldest key is still live.
    fn make_room(&self, now: u64) -> Result<(), StoreError> {
        let inner = &*self.inner;
        let mut ledger = lock(&inner.ledger);
        let mut housekept = false;
        while inner.entries.load(Ordering::Relaxed) + ledger.reserved >= inner.capacity {
            let Some(front) = ledger.order.front().copied() else {
                // Removals not yet seen by the listener: let the cache catch up, once.
                if housekept {
                    return Err(self.refuse());
                }
                inner.cache.run_pending_tasks();
                housekept = true;
                continue;
            };
            if front.expires_at <= now {
                ledger.order.pop_front();
                self.remove_slot(front.key, front.slot, now);
                continue;
            }
            match inner.cache.get(&front.key) {
                Some(slot) if slot.id == front.slot => {
                    let state = slot.state();
                    if state.live_until > now {
                        if state.live_until != front.live_until {
                            // Claimed again since (a retry): it is as young as that claim.
                            ledger.order.pop_front();
                            ledger.order.push_back(LedgerEntry {
                                live_until: state.live_until,
                                ..front
                            });
                            continue;
                        }
                        return Err(self.refuse());
                    }
                    ledger.order.pop_front();
                    if self.remove_slot(front.key, front.slot, now) {
                        inner.evicted.fetch_add(1, Ordering::Relaxed);
                    }
                }
                // Gone already, or a newer slot of the same key (which has its own entry).
                _ => {
                    ledger.order.pop_front();
                }
            }
        }
        ledger.reserved += 1;
        Ok(())
    }

    fn refuse(&self) -> StoreError {
        self.inner.refused_full.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(
            capacity = self.inner.capacity,
            "replay store full of live keys: refusing a new delivery (503), the sender will retry"
        );
        StoreError::Full
    }

    /// Removes `key` if it still holds slot `id`; true if it did.
    fn remove_slot(&self, key: u128, id: u64, now: u64) -> bool {
        let mut removed = false;
        self.inner
            .cache
            .entry(key)
            .and_compute_with(|existing| match existing {
                Some(entry) if entry.value().id == id => {
                    if entry.value().state().live_until > now {
                        self.inner.evicted_live.fetch_add(1, Ordering::Relaxed);
                        tracing::error!("replay store evicted a key inside its replay window");
                    }
                    removed = true;
                    Op::Remove
                }
                _ => Op::Nop,
            });
        removed
    }

    fn finish_now(&self, claim: &ClaimToken, success: bool) {
        // Gone (kept past its retention): nothing to record.
        if let Some(slot) = self.inner.cache.get(&claim.key().as_u128()) {
            lock(&slot.state).finish(claim.token(), success);
        }
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("capacity", &self.inner.capacity)
            .field("retention", &self.inner.retention)
            .field("lease", &self.inner.lease)
            .finish_non_exhaustive()
    }
}

impl InMemory for MemoryStore {
    fn claim_now(&self, key: ReplayKey, window: Duration) -> Result<Claim, StoreError> {
        MemoryStore::claim_now(self, key, window)
    }

    fn finish_now(&self, claim: &ClaimToken, success: bool) {
        MemoryStore::finish_now(self, claim, success)
    }

    fn lease_time(&self) -> Duration {
        self.inner.lease
    }
}

/// Configures a [`MemoryStore`].
///
/// The capacity is a hard bound: when the store is full and its oldest key is still inside its
/// replay window, a new delivery is refused ([`StoreError::Full`], a 503 the sender retries)
/// rather than a live key forgotten.
///
/// ```
/// use std::time::Duration;
/// use webhook_guard::replay::{Claim, MemoryStore, ReplayKey, ReplayStore, StoreError};
///
/// # futures::executor::block_on(async {
/// let store = MemoryStore::builder().capacity(1).lease(Duration::from_secs(30)).build();
/// let window = Duration::from_secs(360);
/// let first = store.claim(ReplayKey::new("palo", None, "evt_1"), window).await;
/// assert!(matches!(first, Ok(Claim::Fresh(_))));
/// let second = store.claim(ReplayKey::new("palo", None, "evt_2"), window).await;
/// assert!(matches!(second, Err(StoreError::Full)));
/// assert_eq!(store.refused_full(), 1);
/// # });
/// ```
pub type MemoryStoreBuilder = StoreBuilder<MemoryStore>;

impl StoreBuilder<MemoryStore> {
    /// Builds the store.
    pub fn build(self) -> MemoryStore {
        let entries = Arc::new(AtomicU64::new(0));
        let listener = {
            let entries = Arc::clone(&entries);
            move |_key: Arc<u128>, _slot: Arc<Slot>, cause: RemovalCause| {
                if cause != RemovalCause::Replaced {
                    entries.fetch_sub(1, Ordering::Relaxed);
                }
            }
        };
        // No size bound for moka: room is made by the store itself, from keys past their window
        // only (see the type's docs).
        let cache = Cache::builder()
            .initial_capacity(usize::try_from(self.capacity.min(1 << 16)).unwrap_or(1 << 16))
            .expire_after(SlotExpiry)
            .eviction_listener(listener)
            .build();
        MemoryStore {
            inner: Arc::new(Inner {
                cache,
                ledger: Mutex::new(Ledger {
                    order: VecDeque::new(),
                    reserved: 0,
                }),
                entries,
                capacity: self.capacity,
                retention: self.retention,
                lease: self.lease,
                epoch: Instant::now(),
                next_token: AtomicU64::new(1),
                refused_full: AtomicU64::new(0),
                evicted: AtomicU64::new(0),
                evicted_live: AtomicU64::new(0),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    //! Why the store does not let moka evict by size: the same dedup scenario against a plain
    //! moka cache with its default policy (TinyLFU), which forgets recent keys, and with LRU,
    //! which does not (the store goes further and never evicts a live key). The integration test
    //! `tests/replay_store.rs::past_their_window_the_oldest_keys_are_evicted_and_recent_ones_remembered`
    //! runs it against `MemoryStore`, where every recent key is remembered.

    use moka::sync::Cache;

    const CAPACITY: u64 = 1000;
    const KEYS: u128 = 5000;

    /// Claims `KEYS` never-seen keys in a naive dedup store (`or_insert_with`: fresh means "run
    /// the handler"), then asks again for the most recent `CAPACITY` of them: how many are
    /// answered fresh a second time, i.e. how many deliveries would run twice.
    fn recent_keys_fresh_again(cache: &Cache<u128, ()>) -> usize {
        for key in 0..KEYS {
            assert!(
                cache.entry(key).or_insert_with(|| ()).is_fresh(),
                "key {key} is new"
            );
            // Let the cache apply its policy after every insert, as a busy one would.
            cache.run_pending_tasks();
        }
        assert!(cache.entry_count() <= CAPACITY);
        (KEYS - u128::from(CAPACITY)..KEYS)
            .filter(|&key| cache.entry(key).or_insert_with(|| ()).is_fresh())
            .count()
    }

    #[test]
    fn tiny_lfu_forgets_recent_dedup_keys_lru_does_not() {
        // moka's default policy: once full, its admission filter refuses a never-seen key right
        // after inserting it (the candidate is no more frequent than the victim). Every dedup
        // key is never-seen, so recent deliveries are forgotten at once.
        let tiny_lfu: Cache<u128, ()> = Cache::builder().max_capacity(CAPACITY).build();
        let forgotten = recent_keys_fresh_again(&tiny_lfu);
        assert!(
            forgotten >= 500,
            "TinyLFU was expected to forget most of the recent keys, it forgot {forgotten}"
        );

        // LRU admits every key: every recent one is remembered.
        let lru: Cache<u128, ()> = Cache::builder()
            .max_capacity(CAPACITY)
            .eviction_policy(moka::policy::EvictionPolicy::lru())
            .build();
        assert_eq!(recent_keys_fresh_again(&lru), 0);
    }

    #[test]
    fn a_full_store_admits_a_new_key_by_evicting_one_past_its_window() {
        // A full store (capacity 1, the only key past its window) admits the next key and
        // evicts the old one: under TinyLFU the new key would be the one refused.
        let store = super::MemoryStore::builder()
            .capacity(1)
            .lease(std::time::Duration::ZERO)
            .build();
        let first = super::ReplayKey::from_u128(1);
        let second = super::ReplayKey::from_u128(2);
        let window = std::time::Duration::ZERO;
        let Ok(super::Claim::Fresh(token)) = store.claim_now(first, window) else {
            panic!("first claim")
        };
        store.finish_now(&token, true);
        // Wait for the first key's second to pass.
        while store.live_count() > 0 {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let Ok(super::Claim::Fresh(token)) = store.claim_now(second, window) else {
            panic!("second claim")
        };
        store.finish_now(&token, true);
        assert_eq!(store.entry_count(), 1);
        assert!(matches!(
            store.claim_now(second, window),
            Ok(super::Claim::Done)
        ));
        assert_eq!(store.evicted_live(), 0);
    }
}
