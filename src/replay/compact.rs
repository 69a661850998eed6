//! The compact in-memory replay store: plain hash maps, no cache library.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::slot::{ClaimTimes, Found, InFlight, InMemory, KeyMap, StoreBuilder, Word, millis};
use super::{Claim, ClaimToken, KeyHasher, ReplayKey, StoreError};

/// Shards, so that two threads rarely wait on the same lock.
const SHARDS: usize = 16;

/// An in-memory replay store on sharded plain hash maps: about 100 bytes per key and a few
/// hundred nanoseconds per step, for receivers whose volume makes the default
/// [`MemoryStore`](crate::replay::MemoryStore) (a moka cache, about 380 bytes per key) too
/// heavy. Same contract and guarantees as `MemoryStore`:
///
/// - one atomic claim per key (`Fresh` for exactly one caller), `complete`, `release`, leases
///   with a token per claim, and a retry taking over a released or expired claim;
/// - a capacity that is never exceeded, and **no silent eviction of a live key**: room is made
///   oldest claim first, only from keys past their replay window; when the oldest key of a shard
///   is still live the claim is refused with [`StoreError::Full`] (503 + `Retry-After`);
/// - keys kept for the retention (default 24 h, or the scheme's window if longer) from their
///   first claim, then dropped as new claims pass by (no background task, no timer).
///
/// Keys are spread over 16 shards by their (uniformly distributed) keyed hash, each with a
/// sixteenth of the capacity, so "full" is decided per shard: with the capacity sized by the
/// rule on `MemoryStore`, a shard fills up only when the whole store nearly does.
///
/// ```
/// use std::time::Duration;
/// use webhook_guard::replay::{Claim, CompactStore, ReplayKey, ReplayStore};
///
/// # futures::executor::block_on(async {
/// let store = CompactStore::builder().capacity(100_000).build();
/// let key = ReplayKey::new("audit-trail", Some("tenant-001"), "whd_abc123");
/// let window = Duration::from_secs(360);
/// let Ok(Claim::Fresh(token)) = store.claim(key, window).await else { panic!() };
/// assert!(matches!(store.claim(key, window).await, Ok(Claim::InFlight { .. })));
/// store.complete(&token).await.unwrap();
/// assert!(matches!(store.claim(key, window).await, Ok(Claim::Done)));
/// assert_eq!(store.len(), 1);
/// # });
/// ```
pub struct CompactStore {
    hasher: KeyHasher,
    shards: Box<[Mutex<Shard>]>,
    shard_capacity: usize,
    capacity: u64,
    retention: Duration,
    lease: Duration,
    epoch: Instant,
    next_token: AtomicU64,
    refused_full: AtomicU64,
    evicted: AtomicU64,
}

struct Shard {
    keys: KeyMap<Entry>,
    /// Every key held, once, in claim order: where expiry and room come from. A key leaves
    /// `keys` only when it leaves the front of `order`, so the two always hold the same keys.
    order: VecDeque<u128>,
    /// The running claims of this shard's keys (one per handler running now).
    in_flight: KeyMap<InFlight>,
}

/// 16 bytes, so that a key with its entry takes 32 in the table.
struct Entry {
    expires_at: u64,
    word: Word,
}

impl Shard {
    /// A shard with room for `keys` keys before its table or queue grows.
    fn with_room(keys: usize) -> Self {
        Self {
            keys: KeyMap::with_capacity_and_hasher(keys, Default::default()),
            order: VecDeque::with_capacity(keys),
            in_flight: KeyMap::default(),
        }
    }

    /// Drops the keys past their retention, oldest first.
    fn expire(&mut self, now: u64) {
        while let Some(&key) = self.order.front() {
            if self
                .keys
                .get(&key)
                .is_some_and(|entry| entry.expires_at > now)
            {
                return;
            }
            self.keys.remove(&key);
            self.in_flight.remove(&key);
            self.order.pop_front();
        }
    }

    /// Makes room for one key: evicts the oldest keys past their window; false when the oldest
    /// is still live.
    fn make_room(&mut self, capacity: usize, now: u64, evicted: &AtomicU64) -> bool {
        while self.keys.len() >= capacity {
            let Some(&key) = self.order.front() else {
                return false;
            };
            if let Some(entry) = self.keys.get_mut(&key) {
                if entry.word.is_live(now) {
                    if !entry.word.requeue() {
                        return false;
                    }
                    // Claimed again since (a retry): as young as that claim.
                    entry.word = entry.word.requeued();
                    self.order.rotate_left(1);
                    continue;
                }
                self.keys.remove(&key);
                self.in_flight.remove(&key);
                evicted.fetch_add(1, Ordering::Relaxed);
            }
            self.order.pop_front();
        }
        true
    }
}

fn lock(shard: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    // Every update under the lock leaves the shard consistent, even if a holder panicked.
    shard
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl CompactStore {
    /// A store with the defaults: 1,000,000 keys, 24 h retention, 60 s lease.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// Configures a store.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_guard::replay::CompactStore;
    ///
    /// let store = CompactStore::builder().capacity(16_000).lease(Duration::from_secs(30)).build();
    /// assert_eq!(store.capacity(), 16_000);
    /// ```
    pub fn builder() -> CompactStoreBuilder {
        StoreBuilder::new()
    }

    /// The most keys held (rounded up to a multiple of the 16 shards).
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// How many keys are held now (expired ones may linger until a claim passes by).
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(s).keys.len()).sum()
    }

    /// True when no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many claims were refused because a shard's oldest key was still live.
    pub fn refused_full(&self) -> u64 {
        self.refused_full.load(Ordering::Relaxed)
    }

    /// How many keys past their window were evicted to make room.
    pub fn evicted(&self) -> u64 {
        self.evicted.load(Ordering::Relaxed)
    }

    fn now(&self) -> u64 {
        millis(self.epoch.elapsed())
    }

    fn shard(&self, key: u128) -> &Mutex<Shard> {
        // The key's top bits pick the shard, its low bits hash inside it.
        &self.shards[(key >> 124) as usize % SHARDS]
    }

    fn claim_now(&self, key: ReplayKey<'_>, window: Duration) -> Result<Claim, StoreError> {
        let raw = self.hasher.hash(&key);
        let times = ClaimTimes::new(self.now(), window, self.retention, self.lease);
        let next_token = || self.next_token.fetch_add(1, Ordering::Relaxed);
        let mut guard = lock(self.shard(raw));
        let shard = &mut *guard;
        shard.expire(times.now);
        if let Some(entry) = shard.keys.get_mut(&raw) {
            let found = entry
                .word
                .claim(&mut shard.in_flight, raw, &times, next_token, || ());
            return Ok(match found {
                Found::Fresh(token) => Claim::Fresh(ClaimToken::new(raw, token)),
                Found::InFlight(left) => Claim::InFlight {
                    lease_left: Some(Duration::from_millis(left)),
                },
                Found::Done => Claim::Done,
            });
        }
        if !shard.make_room(self.shard_capacity, times.now, &self.evicted) {
            drop(guard);
            self.refused_full.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                capacity = self.capacity,
                "replay store full of live keys: refusing a new delivery (503), the sender will retry"
            );
            return Err(StoreError::Full);
        }
        let token = next_token();
        shard.keys.insert(
            raw,
            Entry {
                expires_at: times.expires_at(),
                word: Word::claimed(&times),
            },
        );
        shard.in_flight.insert(
            raw,
            InFlight {
                token,
                lease_until: times.lease_until,
                handle: (),
            },
        );
        shard.order.push_back(raw);
        Ok(Claim::Fresh(ClaimToken::new(raw, token)))
    }

    fn finish_now(&self, claim: &ClaimToken, success: bool) {
        let raw = claim.key();
        let mut guard = lock(self.shard(raw));
        let shard = &mut *guard;
        if let Some(entry) = shard.keys.get_mut(&raw) {
            entry
                .word
                .finish(&mut shard.in_flight, raw, claim.token(), success);
        }
    }
}

impl Default for CompactStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for CompactStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompactStore")
            .field("capacity", &self.capacity)
            .field("retention", &self.retention)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

impl InMemory for CompactStore {
    fn claim_now(&self, key: ReplayKey<'_>, window: Duration) -> Result<Claim, StoreError> {
        CompactStore::claim_now(self, key, window)
    }

    fn finish_now(&self, claim: &ClaimToken, success: bool) {
        CompactStore::finish_now(self, claim, success)
    }

    fn lease_time(&self) -> Duration {
        self.lease
    }
}

/// Configures a [`CompactStore`]: the settings of [`StoreBuilder`], with 16 shards sharing the
/// capacity (rounded up to a multiple of 16). See [`CompactStore::builder`].
pub type CompactStoreBuilder = StoreBuilder<CompactStore>;

impl StoreBuilder<CompactStore> {
    /// Builds the store.
    pub fn build(self) -> CompactStore {
        let shard_capacity =
            usize::try_from(self.capacity.div_ceil(SHARDS as u64)).unwrap_or(usize::MAX);
        let reserved = if self.preallocate { shard_capacity } else { 0 };
        CompactStore {
            hasher: KeyHasher::new(),
            shards: (0..SHARDS)
                .map(|_| Mutex::new(Shard::with_room(reserved)))
                .collect(),
            shard_capacity,
            capacity: shard_capacity as u64 * SHARDS as u64,
            retention: self.retention,
            lease: self.lease,
            epoch: Instant::now(),
            next_token: AtomicU64::new(1),
            refused_full: AtomicU64::new(0),
            evicted: AtomicU64::new(0),
        }
    }
}
