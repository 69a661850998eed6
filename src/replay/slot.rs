//! One key's state and its transitions, shared by the in-memory stores.

use std::fmt;
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
    store: PhantomData<fn() -> S>,
}

impl<S> StoreBuilder<S> {
    /// The defaults: 1,000,000 keys, 24 h retention, 60 s lease.
    pub(super) fn new() -> Self {
        Self {
            capacity: DEFAULT_CAPACITY,
            retention: DEFAULT_RETENTION,
            lease: DEFAULT_LEASE,
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
            .finish()
    }
}

/// An in-memory store: every step is answered at once, so the [`ReplayStore`] futures are
/// always ready and a detached release is a plain release.
pub(super) trait InMemory: Send + Sync + std::fmt::Debug + 'static {
    fn claim_now(&self, key: ReplayKey, window: Duration) -> Result<Claim, StoreError>;
    fn finish_now(&self, claim: &ClaimToken, success: bool);
    fn lease_time(&self) -> Duration;
}

impl<T: InMemory> ReplayStore for T {
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

    fn settle_now(&self, claim: &ClaimToken, handled: bool) -> Option<Result<(), StoreError>> {
        self.finish_now(claim, handled);
        Some(Ok(()))
    }

    fn lease(&self) -> Duration {
        self.lease_time()
    }
}

/// What a store keeps per key: its phase, and until when a copy of the delivery can still pass
/// the freshness check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct SlotState {
    pub(super) phase: Phase,
    /// Millisecond (since the store's epoch) until which the key is live.
    pub(super) live_until: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    InFlight { token: u64, lease_until: u64 },
    Done,
    Released,
}

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
            live_until: now.saturating_add(millis(window.min(keep_for).saturating_add(lease))),
            lease_until: now.saturating_add(millis(lease)),
            keep_for,
        }
    }
}

impl SlotState {
    /// The state of a key just claimed with `token`.
    pub(super) fn claimed(token: u64, times: &ClaimTimes) -> Self {
        Self {
            phase: Phase::InFlight {
                token,
                lease_until: times.lease_until,
            },
            live_until: times.live_until,
        }
    }

    /// A claim of a present key.
    pub(super) fn claim(&mut self, times: &ClaimTimes, next_token: impl FnOnce() -> u64) -> Found {
        match self.phase {
            Phase::Done => Found::Done,
            Phase::InFlight { lease_until, .. } if times.now < lease_until => {
                Found::InFlight(lease_until - times.now)
            }
            // Released after a failure, or a lease that ran out (the claimant crashed): this
            // attempt takes the key over, with its own token, and a copy of it can be replayed
            // for a whole window from now.
            Phase::InFlight { .. } | Phase::Released => {
                let token = next_token();
                self.phase = Phase::InFlight {
                    token,
                    lease_until: times.lease_until,
                };
                self.live_until = self.live_until.max(times.live_until);
                Found::Fresh(token)
            }
        }
    }

    /// Records the handler's outcome, if the claim is still `token`'s.
    pub(super) fn finish(&mut self, token: u64, success: bool) {
        if matches!(self.phase, Phase::InFlight { token: t, .. } if t == token) {
            self.phase = if success {
                Phase::Done
            } else {
                Phase::Released
            };
        }
    }

    pub(super) fn is_live(&self, now: u64) -> bool {
        self.live_until > now
    }
}
