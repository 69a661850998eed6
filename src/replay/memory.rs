//! The in-memory replay store, on a moka cache.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use moka::Expiry;
use moka::notification::RemovalCause;
use moka::ops::compute::Op;
use moka::policy::EvictionPolicy;
use moka::sync::Cache;

use super::{
    Claim, ClaimToken, DEFAULT_CAPACITY, DEFAULT_LEASE, DEFAULT_RETENTION, ReplayKey, ReplayStore,
    StoreError, StoreFuture,
};

/// The default in-memory replay store: one process, no server.
///
/// A moka cache of fixed-size keys ([`ReplayKey`], 16 bytes) with:
///
/// - **a capacity** (default 1,000,000 keys), so a sender with valid signatures cannot grow it
///   without bound;
/// - **an LRU policy, not moka's default TinyLFU**: TinyLFU has an admission filter that, once
///   the cache is full, drops a never-seen key right after inserting it. Every dedup key is
///   never-seen, so under TinyLFU a full store would forget the claim it just answered `Fresh`
///   for, and the next copy of that delivery would run the handler again. LRU admits every
///   key, and since a key is written when claimed and when completed (and otherwise only
///   looked at without being promoted), its order is the order of the claims;
/// - **no silent eviction of a live key**: a key is *live* while a copy of its delivery could
///   still pass the freshness check (the scheme's replay window, plus the lease). The store
///   counts live keys; when all `capacity` slots hold live keys, a new claim is refused with
///   [`StoreError::Full`] (the receiver answers 503 with `Retry-After`, the sender retries
///   later, nothing is lost) and counted in [`refused_full`](Self::refused_full). Keys past
///   their window are evicted oldest first to make room: from then on a copy of their delivery
///   is stopped by the freshness check alone, and only a *late retry* of a handled delivery
///   (one the sender signs anew, after its window) could run the handler a second time;
/// - **expiry by time to live**: an in-flight claim lives for its lease (default 60 s), a done
///   key for the retention (default 24 h, or the scheme's window if longer); a duplicate never
///   extends either.
///
/// # Sizing
///
/// Keep `capacity ≥ peak deliveries per second × retention in seconds` to keep every key for
/// the whole retention (idempotence against late retries), and at the very least
/// `capacity ≥ peak deliveries per second × (replay window + lease)` to never answer 503.
/// Example: Audit Trail at a peak of 200 deliveries/s, window 6 min + lease 1 min = 420 s:
/// 84,000 live keys at most, far below the default 1,000,000, which also keeps every key for
/// the 24 h retention up to an average of 11.5 deliveries/s. A moka entry costs about
/// 300–350 bytes: 1,000,000 keys take about 350 MB.
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
    cache: Cache<u128, Slot>,
    live: Arc<Mutex<LiveKeys>>,
    capacity: u64,
    retention: Duration,
    lease: Duration,
    epoch: Instant,
    next_token: AtomicU64,
    refused_full: AtomicU64,
    evicted_live: Arc<AtomicU64>,
}

#[derive(Clone, Copy, Debug)]
struct Slot {
    state: SlotState,
    /// Second (since the store's epoch) until which the key is live.
    live_until: u64,
    /// How long a done key is kept.
    keep_for: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SlotState {
    InFlight { token: u64 },
    Done,
}

struct SlotExpiry {
    lease: Duration,
}

impl Expiry<u128, Slot> for SlotExpiry {
    fn expire_after_create(&self, _: &u128, slot: &Slot, _: Instant) -> Option<Duration> {
        Some(self.time_to_live(slot))
    }

    fn expire_after_update(
        &self,
        _: &u128,
        slot: &Slot,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(self.time_to_live(slot))
    }
}

impl SlotExpiry {
    fn time_to_live(&self, slot: &Slot) -> Duration {
        match slot.state {
            SlotState::InFlight { .. } => self.lease,
            SlotState::Done => slot.keep_for,
        }
    }
}

/// Counts live keys by the second their liveness ends, so the count can be kept exact in O(1)
/// amortised per claim: seconds that have passed are dropped from the front.
#[derive(Default)]
struct LiveKeys {
    /// The second `ending[0]` stands for.
    first_second: u64,
    ending: VecDeque<u32>,
    total: u64,
}

impl LiveKeys {
    fn advance(&mut self, now: u64) {
        while self.first_second <= now {
            match self.ending.pop_front() {
                Some(count) => self.total -= u64::from(count),
                None => {
                    self.first_second = now + 1;
                    return;
                }
            }
            self.first_second += 1;
        }
    }

    fn add(&mut self, live_until: u64, now: u64) {
        self.advance(now);
        if live_until <= now {
            return;
        }
        let index = usize::try_from(live_until - self.first_second).unwrap_or(usize::MAX);
        if self.ending.len() <= index {
            self.ending.resize(index + 1, 0);
        }
        self.ending[index] += 1;
        self.total += 1;
    }

    fn remove(&mut self, live_until: u64, now: u64) {
        self.advance(now);
        if live_until <= now {
            return;
        }
        if let Some(count) = usize::try_from(live_until - self.first_second)
            .ok()
            .and_then(|i| self.ending.get_mut(i))
            .filter(|c| **c > 0)
        {
            *count -= 1;
            self.total -= 1;
        }
    }
}

/// Whole seconds, rounded up: `now` is rounded down, so liveness must round a fractional
/// lease (or window) up, or a claim made late in a second would stop counting as live before
/// its lease ends.
fn ceil_secs(duration: Duration) -> u64 {
    duration
        .as_secs()
        .saturating_add(u64::from(duration.subsec_nanos() > 0))
}

fn lock(live: &Mutex<LiveKeys>) -> MutexGuard<'_, LiveKeys> {
    // The counters stay consistent even if a holder panicked: every update is a single step.
    live.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl MemoryStore {
    /// A store with the defaults: 1,000,000 keys, 24 h retention, 60 s lease.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// Configures a store.
    pub fn builder() -> MemoryStoreBuilder {
        MemoryStoreBuilder {
            capacity: DEFAULT_CAPACITY,
            retention: DEFAULT_RETENTION,
            lease: DEFAULT_LEASE,
        }
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

    /// How many keys are live (inside their replay window) now.
    pub fn live_count(&self) -> u64 {
        let now = self.now();
        let mut live = lock(&self.inner.live);
        live.advance(now);
        live.total
    }

    /// How many claims were refused because every slot held a live key.
    pub fn refused_full(&self) -> u64 {
        self.inner.refused_full.load(Ordering::Relaxed)
    }

    /// How many live keys were evicted for lack of room. The admission rule exists so that this
    /// stays 0; it is counted (and logged at error) so that a breach could not go unnoticed.
    pub fn evicted_live(&self) -> u64 {
        self.inner.evicted_live.load(Ordering::Relaxed)
    }

    fn now(&self) -> u64 {
        self.inner.epoch.elapsed().as_secs()
    }

    fn claim_now(&self, key: ReplayKey, window: Duration) -> Result<Claim, StoreError> {
        let inner = &*self.inner;
        let now = self.now();
        // A scheme without a timestamp has an unbounded window: its keys are live for as long
        // as they are kept.
        let keep_for = if window == Duration::MAX {
            inner.retention
        } else {
            inner.retention.max(window)
        };
        let live_for = window.min(keep_for).saturating_add(inner.lease);
        let live_until = now.saturating_add(ceil_secs(live_for).saturating_add(1));
        let mut outcome = Err(StoreError::Full);
        inner
            .cache
            .entry(key.as_u128())
            .and_compute_with(|existing| match existing {
                Some(entry) => {
                    outcome = Ok(match entry.value().state {
                        SlotState::Done => Claim::Done,
                        SlotState::InFlight { .. } => Claim::InFlight,
                    });
                    Op::Nop
                }
                None => {
                    let mut live = lock(&inner.live);
                    live.advance(now);
                    if live.total >= inner.capacity {
                        return Op::Nop;
                    }
                    live.add(live_until, now);
                    let token = inner.next_token.fetch_add(1, Ordering::Relaxed);
                    outcome = Ok(Claim::Fresh(ClaimToken::new(key, token)));
                    Op::Put(Slot {
                        state: SlotState::InFlight { token },
                        live_until,
                        keep_for,
                    })
                }
            });
        if outcome.is_err() {
            inner.refused_full.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                capacity = inner.capacity,
                "replay store full of live keys: refusing a new delivery (503), the sender will retry"
            );
        }
        outcome
    }

    fn finish_now(&self, claim: &ClaimToken, success: bool) {
        let inner = &*self.inner;
        let now = self.now();
        inner
            .cache
            .entry(claim.key().as_u128())
            .and_compute_with(|existing| match existing {
                Some(entry) => {
                    let slot = *entry.value();
                    if slot.state
                        != (SlotState::InFlight {
                            token: claim.token(),
                        })
                    {
                        Op::Nop
                    } else if success {
                        // The listener un-counts the slot this replaces: count the done slot.
                        lock(&inner.live).add(slot.live_until, now);
                        Op::Put(Slot {
                            state: SlotState::Done,
                            ..slot
                        })
                    } else {
                        Op::Remove
                    }
                }
                // The lease ran out and nobody claimed the key since: a success is still worth
                // remembering (it saves a second run of the handler), a failure has nothing to undo.
                None if success => {
                    let keep_for = inner.retention;
                    let live_until = now.saturating_add(ceil_secs(inner.lease).saturating_add(1));
                    lock(&inner.live).add(live_until, now);
                    Op::Put(Slot {
                        state: SlotState::Done,
                        live_until,
                        keep_for,
                    })
                }
                None => Op::Nop,
            });
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

impl ReplayStore for MemoryStore {
    fn claim(
        &self,
        key: ReplayKey,
        window: Duration,
    ) -> StoreFuture<'_, Result<Claim, StoreError>> {
        StoreFuture::ready(self.claim_now(key, window))
    }

    fn complete(&self, claim: &ClaimToken) -> StoreFuture<'_, Result<(), StoreError>> {
        self.finish_now(claim, true);
        StoreFuture::ready(Ok(()))
    }

    fn release(&self, claim: &ClaimToken) -> StoreFuture<'_, Result<(), StoreError>> {
        self.finish_now(claim, false);
        StoreFuture::ready(Ok(()))
    }

    fn release_detached(&self, claim: ClaimToken) {
        self.finish_now(&claim, false);
    }

    fn lease(&self) -> Duration {
        self.inner.lease
    }
}

/// Configures a [`MemoryStore`].
#[derive(Debug, Clone)]
#[must_use]
pub struct MemoryStoreBuilder {
    capacity: u64,
    retention: Duration,
    lease: Duration,
}

impl MemoryStoreBuilder {
    /// The most keys held (default 1,000,000). See the sizing rule on [`MemoryStore`].
    pub fn capacity(mut self, capacity: u64) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// How long a done key is kept (default 24 h; never less than the claim's window).
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// How long an in-flight claim holds its key without `complete` or `release` (default 60 s).
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Builds the store.
    pub fn build(self) -> MemoryStore {
        let live = Arc::new(Mutex::new(LiveKeys::default()));
        let evicted_live = Arc::new(AtomicU64::new(0));
        let epoch = Instant::now();
        let listener = {
            let live = Arc::clone(&live);
            let evicted_live = Arc::clone(&evicted_live);
            move |_key: Arc<u128>, slot: Slot, cause: RemovalCause| {
                // A replaced slot is un-counted too: moka reports an entry whose own expiry
                // (an in-flight lease) has passed, but that housekeeping has not removed yet, as
                // `Replaced` when a new claim or a late completion overwrites it. The one place
                // that replaces a slot still counted for the same key (completing a claim)
                // counts its done slot first.
                let now = epoch.elapsed().as_secs();
                if cause == RemovalCause::Size && slot.live_until > now {
                    evicted_live.fetch_add(1, Ordering::Relaxed);
                    tracing::error!("replay store evicted a key inside its replay window");
                }
                lock(&live).remove(slot.live_until, now);
            }
        };
        let cache = Cache::builder()
            .max_capacity(self.capacity)
            .eviction_policy(EvictionPolicy::lru())
            .expire_after(SlotExpiry { lease: self.lease })
            .eviction_listener(listener)
            .build();
        MemoryStore {
            inner: Arc::new(Inner {
                cache,
                live,
                capacity: self.capacity,
                retention: self.retention,
                lease: self.lease,
                epoch,
                next_token: AtomicU64::new(1),
                refused_full: AtomicU64::new(0),
                evicted_live,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    //! Why the store sets `EvictionPolicy::lru()`: the same dedup scenario against a plain moka
    //! cache with its default policy (TinyLFU). The integration test
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

        // The policy the store uses: every recent key is remembered.
        let lru: Cache<u128, ()> = Cache::builder()
            .max_capacity(CAPACITY)
            .eviction_policy(moka::policy::EvictionPolicy::lru())
            .build();
        assert_eq!(recent_keys_fresh_again(&lru), 0);
    }

    #[test]
    fn the_store_is_built_with_lru() {
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
