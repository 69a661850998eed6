//! One key's state and its transitions, shared by the in-memory stores.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::marker::PhantomData;
use std::time::Duration;

use super::{
    Claim, ClaimToken, DEFAULT_CAPACITY, DEFAULT_LEASE, DEFAULT_RETENTION, ReplayKey, ReplayStore,
    StoreError, StoreFuture,
};

/// Configures an in-memory store, [`MemoryStore`](crate::replay::MemoryStore) (as
/// [`MemoryStoreBuilder`](crate::replay::MemoryStoreBuilder)) or
/// [`CompactStore`](crate::replay::CompactStore) (as
/// [`CompactStoreBuilder`](crate::replay::CompactStoreBuilder)): both take the same settings.
///
/// ```
/// use std::time::Duration;
/// use webhook_guard::replay::CompactStore;
///
/// let store = CompactStore::builder()
///     .capacity(32_000)
///     .retention(Duration::from_secs(12 * 3600))
///     .lease(Duration::from_secs(30))
///     .build();
/// assert_eq!(store.capacity(), 32_000);
/// ```
#[must_use]
pub struct StoreBuilder<S> {
    pub(super) capacity: u64,
    pub(super) retention: Duration,
    pub(super) lease: Duration,
    pub(super) preallocate: bool,
    store: PhantomData<fn() -> S>,
}

impl<S> StoreBuilder<S> {
    /// The defaults: 1,000,000 keys, 24 h retention, 60 s lease.
    pub(super) fn new() -> Self {
        Self {
            capacity: DEFAULT_CAPACITY,
            retention: DEFAULT_RETENTION,
            lease: DEFAULT_LEASE,
            preallocate: false,
            store: PhantomData,
        }
    }

    /// The most keys held (default 1,000,000). See the sizing rule on
    /// [`MemoryStore`](crate::replay::MemoryStore).
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

    /// Sizes the store's table for its whole [`capacity`](Self::capacity) when it is built
    /// (default off), so it never grows while it fills.
    ///
    /// A table grows on the thread of the claim that fills it, and moving a few hundred
    /// thousand keys holds that request for milliseconds: under load, the stores' p99 outliers
    /// (BENCHMARKS.md, section 9: a moka store's p99 fell from 5.1 to 1.1 ms). Preallocated,
    /// the table has the size it would reach at full capacity anyway, from the start:
    /// `MemoryStore` writes its bucket array at once (16 MiB for the default 1,000,000 keys),
    /// `CompactStore` reserves its tables and queues, whose pages are written as keys arrive
    /// (keys spread over the whole table: count on its full size soon). Worth it for a store
    /// that will fill; one that stays mostly empty would hold that memory for nothing.
    ///
    /// ```
    /// use webhook_guard::replay::MemoryStore;
    ///
    /// let store = MemoryStore::builder().capacity(100_000).preallocate(true).build();
    /// assert_eq!(store.capacity(), 100_000);
    /// ```
    pub fn preallocate(mut self, preallocate: bool) -> Self {
        self.preallocate = preallocate;
        self
    }
}

impl<S> Clone for StoreBuilder<S> {
    fn clone(&self) -> Self {
        Self {
            store: PhantomData,
            ..*self
        }
    }
}

impl<S> fmt::Debug for StoreBuilder<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreBuilder")
            .field("capacity", &self.capacity)
            .field("retention", &self.retention)
            .field("lease", &self.lease)
            .field("preallocate", &self.preallocate)
            .finish()
    }
}

/// An in-memory store: every step is answered at once, so the [`ReplayStore`] futures are
/// always ready and a detached release is a plain release.
pub(super) trait InMemory: Send + Sync + std::fmt::Debug + 'static {
    fn claim_now(&self, key: ReplayKey<'_>, window: Duration) -> Result<Claim, StoreError>;
    fn finish_now(&self, claim: &ClaimToken, success: bool);
    fn lease_time(&self) -> Duration;
}

impl<T: InMemory> ReplayStore for T {
    fn claim(
        &self,
        key: ReplayKey<'_>,
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

    fn settle_now(
        &self,
        claim: &ClaimToken,
        handled: bool,
        _: super::Internal,
    ) -> Option<Result<(), StoreError>> {
        self.finish_now(claim, handled);
        Some(Ok(()))
    }

    fn lease(&self) -> Duration {
        self.lease_time()
    }
}

/// A map keyed by a store's 128-bit keys: they are keyed hashes already (see
/// [`KeyHasher`](super::KeyHasher)), uniform and unknown to senders, so their low 64 bits are
/// the table's hash as they are.
pub(super) type KeyMap<V> = HashMap<u128, V, BuildHasherDefault<KeyBits>>;

/// The hasher of [`KeyMap`]: passes a key's low 64 bits through.
#[derive(Default)]
pub(super) struct KeyBits(u64);

impl Hasher for KeyBits {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u128` keys are hashed here (`write_u128`); anything else still hashes.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u128(&mut self, n: u128) {
        self.0 = n as u64;
    }
}

/// What a store keeps for every key, in 8 bytes: its phase, until when a copy of the delivery
/// can still pass the freshness check (`live_until`), and whether a later claim made the key
/// younger than its place in the claim order says (`requeue`).
///
/// An in-flight key's token and lease end are not here: they live in an [`InFlight`] entry of
/// a side table while the claim runs (a few keys at a time: one per running handler), so the
/// millions of done keys do not carry them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct Word(u64);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    InFlight = 0,
    Done = 1,
    Released = 2,
    /// Taken out of the store (a `MemoryStore` slot someone may still hold): look again.
    Removed = 3,
}

/// A running claim: its token, when its lease ends (milliseconds since the store's epoch), and
/// what the store needs to finish it without looking the key up again (`MemoryStore`: the
/// key's slot; `CompactStore`: nothing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct InFlight<H = ()> {
    pub(super) token: u64,
    pub(super) lease_until: u64,
    pub(super) handle: H,
}

const LIVE_BITS: u32 = 61;
const LIVE_MASK: u64 = (1 << LIVE_BITS) - 1;
const REQUEUE: u64 = 1 << LIVE_BITS;

/// What a claim of a present key found.
pub(super) enum Found {
    /// Taken over (released, or its lease ran out): the new claimant's token.
    Fresh(u64),
    /// Held by another claimant, whose lease ends in this many milliseconds.
    InFlight(u64),
    Done,
}

/// The times one claim sets, in milliseconds since the store's epoch.
#[derive(Clone, Copy, Debug)]
pub(super) struct ClaimTimes {
    pub(super) now: u64,
    pub(super) live_until: u64,
    pub(super) lease_until: u64,
    /// How long the key is kept from its first claim.
    pub(super) keep_for: Duration,
}

pub(super) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl ClaimTimes {
    /// A key is kept for the retention, or the window if longer; it is live for the window
    /// (bounded by what is kept) plus the lease. A scheme without a timestamp has an unbounded
    /// window: its keys are live for as long as they are kept.
    pub(super) fn new(now: u64, window: Duration, retention: Duration, lease: Duration) -> Self {
        let keep_for = if window == Duration::MAX {
            retention
        } else {
            retention.max(window)
        };
        Self {
            now,
            // 2^61 ms is 73 million years: the clamp only tames `Duration::MAX` settings.
            live_until: now
                .saturating_add(millis(window.min(keep_for).saturating_add(lease)))
                .min(LIVE_MASK),
            lease_until: now.saturating_add(millis(lease)),
            keep_for,
        }
    }

    /// When a key first claimed now leaves the store.
    pub(super) fn expires_at(&self) -> u64 {
        self.now.saturating_add(millis(self.keep_for))
    }
}

impl Word {
    /// A key just claimed: in flight (its token and lease go in the side table).
    pub(super) fn claimed(times: &ClaimTimes) -> Self {
        Self(times.live_until)
    }

    #[cfg_attr(not(feature = "moka"), allow(dead_code))] // `MemoryStore`'s atomic slots
    pub(super) fn from_bits(bits: u64) -> Self {
        Self(bits)
    }

    #[cfg_attr(not(feature = "moka"), allow(dead_code))] // `MemoryStore`'s atomic slots
    pub(super) fn bits(self) -> u64 {
        self.0
    }

    pub(super) fn phase(self) -> Phase {
        match self.0 >> 62 {
            0 => Phase::InFlight,
            1 => Phase::Done,
            2 => Phase::Released,
            _ => Phase::Removed,
        }
    }

    fn set_phase(&mut self, phase: Phase) {
        self.0 = (self.0 & !(3 << 62)) | ((phase as u64) << 62);
    }

    /// Millisecond (since the store's epoch) until which the key is live.
    pub(super) fn live_until(self) -> u64 {
        self.0 & LIVE_MASK
    }

    pub(super) fn is_live(self, now: u64) -> bool {
        self.live_until() > now
    }

    /// True if a claim since the key was queued made it live for longer: it belongs behind
    /// the keys claimed before that claim, not at its old place.
    pub(super) fn requeue(self) -> bool {
        self.0 & REQUEUE != 0
    }

    /// Clears [`requeue`](Self::requeue): the key was moved to the back of the claim order.
    pub(super) fn requeued(mut self) -> Self {
        self.0 &= !REQUEUE;
        self
    }

    /// Marks the key taken out of the store.
    #[cfg_attr(not(feature = "moka"), allow(dead_code))] // `MemoryStore`'s atomic slots
    pub(super) fn removed(mut self) -> Self {
        self.set_phase(Phase::Removed);
        self
    }

    /// A claim of the present key `key`, whose running claim (if any) is in `in_flight`.
    pub(super) fn claim<H>(
        &mut self,
        in_flight: &mut KeyMap<InFlight<H>>,
        key: u128,
        times: &ClaimTimes,
        next_token: impl FnOnce() -> u64,
        handle: impl FnOnce() -> H,
    ) -> Found {
        match self.phase() {
            Phase::Done => return Found::Done,
            Phase::InFlight => {
                if let Some(held) = in_flight.get(&key)
                    && times.now < held.lease_until
                {
                    return Found::InFlight(held.lease_until - times.now);
                }
            }
            Phase::Released | Phase::Removed => {}
        }
        // Released after a failure, or a lease that ran out (the claimant crashed): this
        // attempt takes the key over, with its own token, and a copy of it can be replayed for
        // a whole window from now.
        let token = next_token();
        in_flight.insert(
            key,
            InFlight {
                token,
                lease_until: times.lease_until,
                handle: handle(),
            },
        );
        let live_until = self.live_until().max(times.live_until);
        let requeue = if live_until > self.live_until() {
            REQUEUE
        } else {
            self.0 & REQUEUE
        };
        self.0 = live_until | requeue;
        self.set_phase(Phase::InFlight);
        Found::Fresh(token)
    }

    /// Records the handler's outcome, if the claim of `key` is still `token`'s.
    pub(super) fn finish<H>(
        &mut self,
        in_flight: &mut KeyMap<InFlight<H>>,
        key: u128,
        token: u64,
        success: bool,
    ) {
        if self.phase() == Phase::InFlight
            && in_flight.get(&key).is_some_and(|held| held.token == token)
        {
            in_flight.remove(&key);
            self.set_phase(if success {
                Phase::Done
            } else {
                Phase::Released
            });
        }
    }
}

impl fmt::Debug for Word {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Word")
            .field("phase", &self.phase())
            .field("live_until", &self.live_until())
            .field("requeue", &self.requeue())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(now: u64) -> ClaimTimes {
        ClaimTimes::new(
            now,
            Duration::from_secs(10),
            Duration::from_secs(100),
            Duration::from_secs(1),
        )
    }

    /// Key 7 claimed at `now` with token 1, as a store records a first claim.
    fn claimed_at(now: u64) -> (Word, KeyMap<InFlight>) {
        let first = times(now);
        let running = InFlight {
            token: 1,
            lease_until: first.lease_until,
            handle: (),
        };
        (Word::claimed(&first), KeyMap::from_iter([(7, running)]))
    }

    #[test]
    fn a_word_goes_through_a_claims_phases() {
        let (mut word, mut in_flight) = claimed_at(1000);
        assert_eq!(word.phase(), Phase::InFlight);
        assert_eq!(word.live_until(), 1000 + 11_000);
        assert!(!word.requeue());

        // Inside the lease: held. A stale token changes nothing.
        assert!(matches!(
            word.claim(&mut in_flight, 7, &times(1500), || 2, || ()),
            Found::InFlight(500)
        ));
        word.finish(&mut in_flight, 7, 99, true);
        assert_eq!(word.phase(), Phase::InFlight);

        // Released: the next claim takes it over, later, so it is requeued.
        word.finish(&mut in_flight, 7, 1, false);
        assert_eq!(word.phase(), Phase::Released);
        assert!(in_flight.is_empty());
        assert!(matches!(
            word.claim(&mut in_flight, 7, &times(5000), || 3, || ()),
            Found::Fresh(3)
        ));
        assert_eq!(
            (word.phase(), word.live_until(), word.requeue()),
            (Phase::InFlight, 16_000, true)
        );
        let word = {
            let mut w = word.requeued();
            w.finish(&mut in_flight, 7, 3, true);
            w
        };
        assert_eq!(
            (word.phase(), word.live_until(), word.requeue()),
            (Phase::Done, 16_000, false)
        );
        assert!(in_flight.is_empty());
        assert!(matches!(
            word.clone()
                .claim(&mut in_flight, 7, &times(6000), || 4, || ()),
            Found::Done
        ));
        assert_eq!(word.removed().phase(), Phase::Removed);
        assert_eq!(Word::from_bits(word.bits()), word);
    }

    #[test]
    fn a_lease_that_ran_out_is_taken_over() {
        let (mut word, mut in_flight) = claimed_at(0);
        assert!(matches!(
            word.claim(&mut in_flight, 7, &times(1000), || 2, || ()),
            Found::Fresh(2)
        ));
        // The crashed claimant's late completion is ignored; the new one's counts.
        word.finish(&mut in_flight, 7, 1, true);
        assert_eq!(word.phase(), Phase::InFlight);
        word.finish(&mut in_flight, 7, 2, true);
        assert_eq!(word.phase(), Phase::Done);
    }

    #[test]
    fn unbounded_settings_stay_inside_the_word() {
        let t = ClaimTimes::new(5, Duration::MAX, Duration::MAX, Duration::MAX);
        assert_eq!(t.live_until, LIVE_MASK);
        let word = Word::claimed(&t);
        assert_eq!(
            (word.phase(), word.live_until(), word.requeue()),
            (Phase::InFlight, LIVE_MASK, false)
        );
        assert_eq!(t.expires_at(), u64::MAX);
    }
}

#[cfg(test)]
mod settle_tests {
    use crate::replay::{Claim, CompactStore, Internal, ReplayKey, ReplayStore};
    use std::time::Duration;

    /// The in-memory stores settle at once (the guard's path without a boxed future): a
    /// claim completed that way is `Done`, one released that way is `Fresh` again.
    #[test]
    fn an_in_memory_store_settles_at_once() {
        futures::executor::block_on(async {
            let store = CompactStore::new();
            let window = Duration::from_secs(60);
            let done = ReplayKey::new("acme", None, "evt_done");
            let Ok(Claim::Fresh(token)) = store.claim(done, window).await else {
                panic!("a first claim is fresh")
            };
            assert_eq!(store.settle_now(&token, true, Internal(())), Some(Ok(())));
            assert!(matches!(store.claim(done, window).await, Ok(Claim::Done)));

            let failed = ReplayKey::new("acme", None, "evt_failed");
            let Ok(Claim::Fresh(token)) = store.claim(failed, window).await else {
                panic!("a first claim is fresh")
            };
            assert_eq!(store.settle_now(&token, false, Internal(())), Some(Ok(())));
            assert!(matches!(
                store.claim(failed, window).await,
                Ok(Claim::Fresh(_))
            ));
        });
    }
}
