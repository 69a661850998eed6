//! The in-memory replay store, on a moka cache.

use std::collections::VecDeque;
use std::fmt;
use std::hash::BuildHasherDefault;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use moka::sync::Cache;

use super::slot::{
    ClaimTimes, Found, InFlight, InMemory, KeyBits, KeyMap, Phase, StoreBuilder, Word, millis,
};
use super::{Claim, ClaimToken, KeyHasher, ReplayKey, StoreError};

/// Shards of the in-flight table, so that two threads rarely wait on the same lock.
const SHARDS: usize = 16;

/// The default in-memory replay store: one process, no server.
///
/// A moka cache of fixed-size keys (a keyed 128-bit hash of the [`ReplayKey`], see
/// [`KeyHasher`]) where each key's state lives in an 8-byte slot, so a delivery costs **one**
/// cache insert (the claim); completing, releasing and re-claiming after a failure only change
/// the slot.
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
///   scheme's window if longer). A duplicate never extends it. Keys leave in claim order, as
///   claims pass by (no timer per entry); one claimed before a key with a longer retention
///   (another scheme's, with a longer window) may stay until that one goes.
///
/// # Sizing
///
/// Keep `capacity ≥ peak deliveries per second × retention in seconds` to keep every key for
/// the whole retention (idempotence against late retries), and at the very least
/// `capacity ≥ peak deliveries per second × (replay window + lease)` to never answer 503.
/// Example: Audit Trail at a peak of 200 deliveries/s, window 6 min + lease 1 min = 420 s:
/// 84,000 live keys at most, far below the default 1,000,000, which also keeps every key for
/// the 24 h retention up to an average of 11.5 deliveries/s. An entry costs about 380 bytes
/// (see BENCHMARKS.md): 1,000,000 keys take about 380 MB; [`CompactStore`](super::CompactStore)
/// keeps the same contract in about 100.
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
    hasher: KeyHasher,
    /// Hashed by [`KeyBits`]: the keys are keyed hashes already, so moka's own SipHash of
    /// each one (three per claim) would buy nothing.
    cache: Cache<u128, Arc<Slot>, BuildHasherDefault<KeyBits>>,
    /// Every key inserted, in claim order: where room is made and expired keys leave from.
    /// A key leaves the cache only when it leaves this queue, so the two hold the same keys.
    ledger: Mutex<Ledger>,
    /// The running claims, by key, each with its key's slot (so finishing one looks nothing
    /// up in moka). A slot's word changes only under its key's shard lock.
    in_flight: Box<[Mutex<Running>]>,
    /// Second (since the epoch) at which the ledger's front key expires: a claim looks at the
    /// ledger for expired keys only from then on, not on every call.
    next_expiry: AtomicU64,
    capacity: u64,
    retention: Duration,
    lease: Duration,
    epoch: Instant,
    next_token: AtomicU64,
    refused_full: AtomicU64,
    evicted: AtomicU64,
    evicted_live: AtomicU64,
    /// Writes to the cache since the housekeeper was last woken.
    writes: AtomicU64,
    /// The thread that applies moka's pending writes (see [`Housekeeper`]); `None` if it could
    /// not be started (moka then applies them inline, as it always can).
    housekeeper: Option<std::thread::Thread>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The housekeeper holds a `Weak`: woken, it finds the store gone and ends.
        if let Some(thread) = &self.housekeeper {
            thread.unpark();
        }
    }
}

/// moka queues each write and applies the queue (its "pending tasks") inline, in whichever
/// call finds 64 of them waiting: one request in 64 paid for the others' bookkeeping. A thread
/// per store applies them instead, woken every [`WAKE_EVERY`] writes, before the queue
/// reaches moka's mark: the requests' threads rarely pay it (moka still applies them inline
/// if the thread falls behind, so nothing waits on it).
struct Housekeeper;

/// Writes between two wake-ups of the housekeeper: half of moka's inline mark (64).
const WAKE_EVERY: u64 = 32;

impl Housekeeper {
    /// Starts the thread for the store behind `inner`; `None` if the system refuses a thread.
    fn start(inner: std::sync::Weak<Inner>) -> Option<std::thread::Thread> {
        std::thread::Builder::new()
            .name("webhook-guard-moka".into())
            .spawn(move || {
                loop {
                    std::thread::park();
                    let Some(inner) = inner.upgrade() else { return };
                    inner.cache.run_pending_tasks();
                }
            })
            .ok()
            .map(|handle| handle.thread().clone())
    }
}

/// One shard of the running claims: each key's token, lease and slot.
type Running = KeyMap<InFlight<Arc<Slot>>>;

/// One key's state: 8 bytes behind the cache's `Arc` (a 32-byte allocation), never replaced
/// while the key is present.
struct Slot {
    word: AtomicU64,
}

struct Ledger {
    order: VecDeque<LedgerEntry>,
    /// Claims between making room and inserting.
    reserved: u64,
}

/// 20 bytes a key: the key as four words (no 16-byte alignment to pad to), and the second it
/// expires at (rounded up: a key is kept at least its retention).
#[derive(Clone, Copy)]
struct LedgerEntry {
    key: [u32; 4],
    expires_s: u32,
}

impl LedgerEntry {
    fn new(key: u128, expires_at: u64) -> Self {
        Self {
            key: [
                key as u32,
                (key >> 32) as u32,
                (key >> 64) as u32,
                (key >> 96) as u32,
            ],
            expires_s: u32::try_from(expires_at.div_ceil(1000)).unwrap_or(u32::MAX),
        }
    }

    fn key(self) -> u128 {
        self.key
            .iter()
            .rev()
            .fold(0, |key, &part| (key << 32) | u128::from(part))
    }

    fn expired(self, now: u64) -> bool {
        u64::from(self.expires_s) * 1000 <= now
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
    fn word(&self) -> Word {
        Word::from_bits(self.word.load(Ordering::Relaxed))
    }

    fn set(&self, word: Word) {
        self.word.store(word.bits(), Ordering::Relaxed);
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
        let live = ledger
            .order
            .iter()
            .filter(|entry| {
                self.inner
                    .cache
                    .get(&entry.key())
                    .is_some_and(|slot| slot.word().is_live(now))
            })
            .count();
        live as u64
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

    /// Counts a write to the cache, and wakes the housekeeper every [`WAKE_EVERY`].
    fn wrote(&self) {
        let inner = &*self.inner;
        if let Some(thread) = &inner.housekeeper
            && inner.writes.fetch_add(1, Ordering::Relaxed) % WAKE_EVERY == WAKE_EVERY - 1
        {
            thread.unpark();
        }
    }

    fn in_flight(&self, key: u128) -> MutexGuard<'_, Running> {
        // The key's top bits pick the shard (its low bits hash inside it).
        lock(&self.inner.in_flight[(key >> 124) as usize % SHARDS])
    }

    fn claim_now(&self, key: ReplayKey<'_>, window: Duration) -> Result<Claim, StoreError> {
        let inner = &*self.inner;
        let raw = inner.hasher.hash(&key);
        let times = ClaimTimes::new(self.now(), window, inner.retention, inner.lease);
        if times.now >= inner.next_expiry.load(Ordering::Relaxed) * 1000 {
            self.expire(&mut lock(&inner.ledger), times.now);
        }
        let next_token = || inner.next_token.fetch_add(1, Ordering::Relaxed);
        // Two rounds at most: a concurrent claim may insert the key between our miss and ours,
        // or the key may be taken out between our read and our lock.
        for _ in 0..2 {
            // A new key (the common case) is a miss: `contains_key` answers it without the read
            // that `get` records for moka's bookkeeping.
            if let Some(slot) = inner
                .cache
                .contains_key(&raw)
                .then(|| inner.cache.get(&raw))
                .flatten()
            {
                let mut in_flight = self.in_flight(raw);
                let mut word = slot.word();
                if word.phase() == Phase::Removed {
                    continue;
                }
                let found = word.claim(&mut in_flight, raw, &times, next_token, || {
                    Arc::clone(&slot)
                });
                slot.set(word);
                return Ok(match found {
                    Found::Fresh(token) => Claim::Fresh(ClaimToken::new(raw, token)),
                    Found::InFlight(left) => Claim::InFlight {
                        lease_left: Some(Duration::from_millis(left)),
                    },
                    Found::Done => Claim::Done,
                });
            }
            self.make_room(times.now)?;
            let token = next_token();
            let slot = Arc::new(Slot {
                word: AtomicU64::new(Word::claimed(&times).bits()),
            });
            let inserted = {
                // The claim's token is in the table before another claim can see the slot.
                // Every insert happens under this lock, and moka evicts nothing by itself: a
                // look then an insert is atomic here, and cheaper than moka's `and_compute_with`
                // (which registers a waiter per call).
                let mut in_flight = self.in_flight(raw);
                let absent = !inner.cache.contains_key(&raw);
                if absent {
                    inner.cache.insert(raw, Arc::clone(&slot));
                    self.wrote();
                    let in_flight_entry = InFlight {
                        token,
                        lease_until: times.lease_until,
                        handle: Arc::clone(&slot),
                    };
                    in_flight.insert(raw, in_flight_entry);
                }
                absent
            };
            // Not under the in-flight lock: removals take the ledger's lock, then that one.
            let mut ledger = lock(&inner.ledger);
            ledger.reserved -= 1;
            if inserted {
                ledger
                    .order
                    .push_back(LedgerEntry::new(raw, times.expires_at()));
                if ledger.order.len() == 1 {
                    self.note_front(&ledger);
                }
                return Ok(Claim::Fresh(ClaimToken::new(raw, token)));
            }
        }
        // Inserted and removed again under our feet twice: answer as busy.
        Ok(Claim::InFlight { lease_left: None })
    }

    /// Takes out the keys past their retention, oldest claim first.
    fn expire(&self, ledger: &mut Ledger, now: u64) {
        while let Some(front) = ledger.order.front().copied() {
            if !front.expired(now) {
                break;
            }
            ledger.order.pop_front();
            // Past its retention: it goes even if a late re-claim made it live again (a
            // duplicate never extends the retention), and that is no breach to count.
            self.remove(front.key(), None);
        }
        self.note_front(ledger);
    }

    /// Reserves room for one insert, evicting keys past their window oldest first; `Full` when
    /// the oldest key is still live.
    fn make_room(&self, now: u64) -> Result<(), StoreError> {
        let inner = &*self.inner;
        let mut ledger = lock(&inner.ledger);
        self.expire(&mut ledger, now);
        while ledger.order.len() as u64 + ledger.reserved >= inner.capacity {
            let Some(front) = ledger.order.front().copied() else {
                // Every place is reserved by claims about to insert.
                return Err(self.refuse());
            };
            let key = front.key();
            if let Some(slot) = inner.cache.get(&key) {
                let _words = self.in_flight(key);
                let word = slot.word();
                if word.is_live(now) {
                    if !word.requeue() {
                        return Err(self.refuse());
                    }
                    // Claimed again since (a retry): it is as young as that claim.
                    slot.set(word.requeued());
                    ledger.order.rotate_left(1);
                    continue;
                }
            }
            ledger.order.pop_front();
            if self.remove(key, Some(now)) {
                inner.evicted.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.note_front(&ledger);
        ledger.reserved += 1;
        Ok(())
    }

    /// Records when the ledger's (new) front key expires.
    fn note_front(&self, ledger: &Ledger) {
        let next = ledger
            .order
            .front()
            .map_or(u64::MAX / 1000, |front| u64::from(front.expires_s));
        self.inner.next_expiry.store(next, Ordering::Relaxed);
    }

    fn refuse(&self) -> StoreError {
        self.inner.refused_full.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(
            capacity = self.inner.capacity,
            "replay store full of live keys: refusing a new delivery (503), the sender will retry"
        );
        StoreError::Full
    }

    /// Takes `key` out (its ledger entry is gone already); true if it was there. A claim that
    /// holds its slot already sees it removed and looks again. `evicting_at`: to make room, at
    /// that time, when a live key must never go.
    fn remove(&self, key: u128, evicting_at: Option<u64>) -> bool {
        let removed = self.inner.cache.remove(&key);
        self.wrote();
        let Some(slot) = removed else {
            return false;
        };
        let mut in_flight = self.in_flight(key);
        let word = slot.word();
        if evicting_at.is_some_and(|now| word.is_live(now)) && word.phase() != Phase::Removed {
            self.inner.evicted_live.fetch_add(1, Ordering::Relaxed);
            tracing::error!("replay store evicted a key inside its replay window");
        }
        slot.set(word.removed());
        in_flight.remove(&key);
        true
    }

    fn finish_now(&self, claim: &ClaimToken, success: bool) {
        let key = claim.key();
        let mut in_flight = self.in_flight(key);
        // Only a claim still running under this token has anything to record; its entry holds
        // the key's slot. Without one (taken over after its lease, or the key removed), nothing.
        let Some(slot) = in_flight
            .get(&key)
            .filter(|held| held.token == claim.token())
            .map(|held| Arc::clone(&held.handle))
        else {
            return;
        };
        let mut word = slot.word();
        word.finish(&mut in_flight, key, claim.token(), success);
        slot.set(word);
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
    fn claim_now(&self, key: ReplayKey<'_>, window: Duration) -> Result<Claim, StoreError> {
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
    /// What moka is asked to reserve. Its table is twice that, rounded up to a power of two,
    /// and grows past 70 % full: three quarters of the capacity is the table a full store
    /// reaches anyway, and never grows below it.
    fn initial_table(&self) -> usize {
        let keys = if self.preallocate {
            self.capacity / 4 * 3
        } else {
            self.capacity.min(1 << 16)
        };
        usize::try_from(keys).unwrap_or(usize::MAX / 4)
    }

    /// Builds the store.
    pub fn build(self) -> MemoryStore {
        // No size bound and no expiry for moka: room is made by the store itself, from keys
        // past their window only, and expired keys leave in claim order (see the type's docs).
        // Either moka feature would cost memory per entry (a timer node, a frequency sketch).
        let cache = Cache::builder()
            .initial_capacity(self.initial_table())
            .build_with_hasher(BuildHasherDefault::default());
        MemoryStore {
            inner: Arc::new_cyclic(|weak| Inner {
                hasher: KeyHasher::new(),
                cache,
                ledger: Mutex::new(Ledger {
                    order: VecDeque::new(),
                    reserved: 0,
                }),
                in_flight: (0..SHARDS).map(|_| Mutex::default()).collect(),
                next_expiry: AtomicU64::new(u64::MAX / 1000),
                capacity: self.capacity,
                retention: self.retention,
                lease: self.lease,
                epoch: Instant::now(),
                next_token: AtomicU64::new(1),
                refused_full: AtomicU64::new(0),
                evicted: AtomicU64::new(0),
                evicted_live: AtomicU64::new(0),
                writes: AtomicU64::new(0),
                housekeeper: Housekeeper::start(weak.clone()),
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
    fn a_ledger_entry_gives_its_key_back_and_rounds_its_expiry_up() {
        for key in [0, 1, u128::MAX, 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210] {
            assert_eq!(super::LedgerEntry::new(key, 0).key(), key);
        }
        let entry = super::LedgerEntry::new(7, 1_001);
        assert!(!entry.expired(1_999));
        assert!(entry.expired(2_000));
        // Unbounded retention: not within a century of uptime (u32 seconds: 136 years).
        let century_ms = 100 * 365 * 86_400_000;
        assert!(!super::LedgerEntry::new(7, u64::MAX).expired(century_ms));
    }

    #[test]
    fn a_key_past_its_retention_is_forgotten_when_claims_pass_by() {
        // No moka timer: the ledger lets keys go, oldest first, once their (whole) second of
        // expiry has passed and a claim comes by.
        let store = super::MemoryStore::builder()
            .retention(std::time::Duration::from_millis(200))
            .build();
        let window = std::time::Duration::ZERO;
        let key = super::ReplayKey::new("palo", None, "evt_1");
        let Ok(super::Claim::Fresh(token)) = store.claim_now(key, window) else {
            panic!("first claim")
        };
        store.finish_now(&token, true);
        assert!(matches!(
            store.claim_now(key, window),
            Ok(super::Claim::Done)
        ));
        // Kept at least its retention (rounded up to the second), then gone.
        std::thread::sleep(std::time::Duration::from_millis(1300));
        let Ok(super::Claim::Fresh(again)) = store.claim_now(key, window) else {
            panic!("expired key claimed again")
        };
        assert_ne!(again.token(), token.token());
        assert_eq!(store.entry_count(), 1);
        assert_eq!(store.evicted_live(), 0);
    }

    #[test]
    fn a_full_store_admits_a_new_key_by_evicting_one_past_its_window() {
        // A full store (capacity 1, the only key past its window) admits the next key and
        // evicts the old one: under TinyLFU the new key would be the one refused.
        let store = super::MemoryStore::builder()
            .capacity(1)
            .lease(std::time::Duration::ZERO)
            .build();
        let first = super::ReplayKey::new("palo", None, "evt_1");
        let second = super::ReplayKey::new("palo", None, "evt_2");
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

    #[test]
    fn the_housekeeper_applies_moka_s_pending_writes_off_the_request_thread() {
        let store = super::MemoryStore::builder().capacity(1000).build();
        let window = std::time::Duration::from_secs(60);
        // Fewer writes than moka's inline mark (64): no claim applies them itself.
        for i in 0..super::WAKE_EVERY {
            let id = format!("evt_{i}");
            let claim = store.claim_now(super::ReplayKey::new("palo", None, &id), window);
            assert!(matches!(claim, Ok(super::Claim::Fresh(_))));
        }
        // moka counts an entry only once its write is applied: the housekeeper's doing, as
        // nothing here calls `run_pending_tasks` (`entry_count()` of the store would).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while store.inner.cache.entry_count() < super::WAKE_EVERY {
            assert!(
                std::time::Instant::now() < deadline,
                "pending writes not applied: {}",
                store.inner.cache.entry_count()
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert!(store.inner.housekeeper.is_some());
    }
}
