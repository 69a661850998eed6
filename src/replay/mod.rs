//! The replay store: runs each delivery's handler once, and keeps a failed one retryable.
//!
//! Deduplication has three steps, so that a delivery whose handler failed is not remembered as
//! handled:
//!
//! 1. [`claim`](ReplayStore::claim) the delivery's key: [`Claim::Fresh`] for exactly one caller
//!    (atomically, even under concurrent copies), [`Claim::InFlight`] while that caller runs
//!    the handler, [`Claim::Done`] once it succeeded;
//! 2. [`complete`](ReplayStore::complete) after the handler answered 2xx: the key is kept as
//!    done for the retention time;
//! 3. [`release`](ReplayStore::release) after it failed (or panicked, or the client went away):
//!    the key is forgotten, so the sender's retry runs the handler.
//!
//! An in-flight claim holds a *lease* (default 60 s): a receiver that crashes mid-delivery
//! never calls `release`, and without a lease the key would block the sender's retries for the
//! whole retention time. When the lease runs out the key is free again; a `complete` or
//! `release` that arrives later, after another claimant took the key, changes nothing (each
//! claim carries its own token).
//!
//! A claim names the delivery by its [`ReplayKey`] (scheme, tenant, id), and each store turns
//! that into a 128-bit key of its own: the in-memory stores with a keyed hash under a random key
//! ([`KeyHasher`]), the Redis store with SHA-256 ([`ReplayKey::digest`]), the same in every
//! process that shares it. Either way the memory per key does not depend on what a sender puts
//! in its ids.
//!
//! ```
//! # #[cfg(feature = "moka")] {
//! use std::time::Duration;
//! use webhook_guard::replay::{Claim, MemoryStore, ReplayKey, ReplayStore};
//!
//! # futures_executor(async {
//! let store = MemoryStore::new();
//! let key = ReplayKey::new("audit-trail", Some("tenant-001"), "whd_abc123");
//! let window = Duration::from_secs(360);
//! let Ok(Claim::Fresh(token)) = store.claim(key, window).await else { panic!() };
//! assert!(matches!(store.claim(key, window).await, Ok(Claim::InFlight { .. })));
//! store.complete(&token).await.unwrap();
//! assert!(matches!(store.claim(key, window).await, Ok(Claim::Done)));
//! # });
//! # fn futures_executor(f: impl std::future::Future<Output = ()>) {
//! #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
//! # }
//! # }
//! ```

mod compact;
mod key;
mod sealed {
    /// A value only this crate can make or name: it keeps
    /// [`ReplayStore::settle_now`](super::ReplayStore::settle_now) the crate's own.
    #[derive(Debug, Clone, Copy)]
    #[allow(unreachable_pub)]
    pub struct Internal(pub(crate) ());
}
#[cfg(feature = "moka")]
mod memory;
mod slot;

pub use compact::{CompactStore, CompactStoreBuilder};
pub use key::{KeyHasher, ReplayKey};
pub(crate) use sealed::Internal;
pub use slot::StoreBuilder;

#[cfg(feature = "moka")]
#[cfg_attr(docsrs, doc(cfg(feature = "moka")))]
pub use memory::{MemoryStore, MemoryStoreBuilder};

#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use self::redis::{RedisStore, RedisStoreBuilder};

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// The default time a done key is remembered: 24 hours.
///
/// It must outlive both the freshness window (so that a copy of a delivery is either too old
/// to pass the timestamp check or still remembered) and the senders' whole retry schedule (so
/// that a late retry of a handled delivery is answered "already processed" instead of running
/// the handler again): Audit Trail retries for about 2 h 36 min, PALO for about 8 h 35 min, and
/// PALO's freshness window is 24 h. A store also keeps each key at least for the window the
/// claim names, so a longer custom window is never undercut.
///
/// ```
/// use webhook_guard::Scheme;
/// use webhook_guard::replay::DEFAULT_RETENTION;
///
/// // PALO's window (24 h old, 1 min ahead) is longer than the default retention: its keys
/// // are then kept for the window instead.
/// let window = Scheme::palo().freshness().replay_window();
/// assert!(window > DEFAULT_RETENTION);
/// assert!(Scheme::audit_trail().freshness().replay_window() < DEFAULT_RETENTION);
/// ```
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(24 * 3600);

/// The default lease of an in-flight claim: 60 seconds, longer than the senders' own request
/// timeouts (PALO gives up after 10 s), so a live attempt is never overtaken by its retry.
///
/// ```
/// # #[cfg(feature = "moka")] {
/// use webhook_guard::replay::{DEFAULT_LEASE, MemoryStore, ReplayStore};
///
/// assert_eq!(MemoryStore::new().lease(), DEFAULT_LEASE);
/// assert_eq!(DEFAULT_LEASE.as_secs(), 60);
/// # }
/// ```
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

/// The default capacity of the in-memory store: 1,000,000 keys.
///
/// See the sizing rule on `MemoryStore` (feature `moka`) before changing it.
///
/// ```
/// # #[cfg(feature = "moka")] {
/// use webhook_guard::replay::{DEFAULT_CAPACITY, MemoryStore};
///
/// assert_eq!(MemoryStore::new().capacity(), DEFAULT_CAPACITY);
/// # }
/// ```
pub const DEFAULT_CAPACITY: u64 = 1_000_000;

/// What a claim found.
///
/// The [`Guard`](crate::Guard) turns each answer into what the sender gets: `Fresh` runs the
/// handler, `InFlight` is a 409 with `Retry-After`, `Done` a 200 `already processed`.
///
/// ```
/// # #[cfg(feature = "moka")] {
/// use std::time::Duration;
/// use webhook_guard::replay::{Claim, MemoryStore, ReplayKey, ReplayStore};
///
/// # futures::executor::block_on(async {
/// let store = MemoryStore::new();
/// let key = ReplayKey::new("palo", Some("org-1"), "evt_1");
/// let window = Duration::from_secs(360);
/// let Ok(Claim::Fresh(token)) = store.claim(key, window).await else { panic!("a new key is fresh") };
/// // The handler failed: releasing keeps the delivery retryable.
/// store.release(&token).await.unwrap();
/// assert!(matches!(store.claim(key, window).await, Ok(Claim::Fresh(_))));
/// # });
/// # }
/// ```
#[derive(Debug)]
#[must_use]
pub enum Claim {
    /// First claim: run the handler, then [`complete`](ReplayStore::complete) or
    /// [`release`](ReplayStore::release) with the token.
    Fresh(ClaimToken),
    /// Another attempt holds the claim right now. The guard answers 409 with a `Retry-After`
    /// no later than the end of its lease, so the sender does not come back to a key that is
    /// held by nothing (a claim of a replica that crashed, or one that reached the store after
    /// its caller gave up).
    InFlight {
        /// How long the holder's lease still runs, when the store knows it.
        lease_left: Option<Duration>,
    },
    /// The delivery was handled successfully.
    Done,
}

/// Proof of one claim: the store's 128-bit key for the delivery and a token unique to this
/// claimant.
///
/// The token is what keeps a slow attempt from undoing a later one: once its lease ran out and
/// another attempt took the key, its `complete` or `release` changes nothing.
///
/// ```
/// # #[cfg(feature = "moka")] {
/// use std::time::Duration;
/// use webhook_guard::replay::{Claim, MemoryStore, ReplayKey, ReplayStore};
///
/// # futures::executor::block_on(async {
/// // A zero lease: every in-flight claim has run out by the next call.
/// let store = MemoryStore::builder().lease(Duration::ZERO).build();
/// let key = ReplayKey::new("palo", None, "evt_1");
/// let window = Duration::from_secs(360);
/// let Ok(Claim::Fresh(slow)) = store.claim(key, window).await else { panic!() };
/// let Ok(Claim::Fresh(retry)) = store.claim(key, window).await else { panic!() };
/// assert_eq!(slow.key(), retry.key());
/// assert_ne!(slow.token(), retry.token());
/// store.complete(&slow).await.unwrap(); // no longer the slow attempt's claim: ignored
/// assert!(!matches!(store.claim(key, window).await, Ok(Claim::Done)));
/// # });
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ClaimToken {
    key: u128,
    token: u64,
}

impl ClaimToken {
    /// A token for the store's key `key` (what the store made of the [`ReplayKey`] it was
    /// given); stores draw `token` so that no two live claims share it.
    pub fn new(key: u128, token: u64) -> Self {
        Self { key, token }
    }

    /// The store's key of the claimed delivery.
    pub fn key(&self) -> u128 {
        self.key
    }

    /// The claimant's token.
    pub fn token(&self) -> u64 {
        self.token
    }
}

impl fmt::Debug for ClaimToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClaimToken")
            .field("key", &format_args!("{:032x}", self.key))
            .field("token", &self.token)
            .finish()
    }
}

/// A store could not answer, or refuses to start.
///
/// The [`Guard`](crate::Guard) answers `Full` with a 503 and `Retry-After`
/// ([`Rejection::StoreFull`](crate::Rejection::StoreFull)), and `Unavailable` the same way
/// ([`Rejection::Unavailable`](crate::Rejection::Unavailable)) unless it fails open
/// ([`StoreFailure::FailOpen`](crate::StoreFailure::FailOpen): the handler runs without
/// deduplication). `Misconfigured` comes from building a store (for instance
/// `RedisStoreBuilder::connect` on a Redis that evicts keys), never from a claim. The texts are for logs and start-up messages: never put a
/// URL or a password in them.
///
/// ```
/// use webhook_guard::replay::StoreError;
///
/// assert_eq!(StoreError::Full.to_string(), "replay store full of live keys");
/// let down = StoreError::Unavailable("connection refused".into());
/// assert_eq!(down.to_string(), "replay store unavailable: connection refused");
/// let evicting = StoreError::Misconfigured("Redis maxmemory-policy is allkeys-lru".into());
/// assert_eq!(
///     evicting.to_string(),
///     "replay store misconfigured: Redis maxmemory-policy is allkeys-lru"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// Taking the claim would forget a key that can still be replayed: refuse it, the sender
    /// retries later.
    Full,
    /// The store could not be reached (or timed out).
    Unavailable(String),
    /// The store's backend is set up so that it could forget a key that can still be replayed
    /// (a Redis whose `maxmemory-policy` evicts keys): refused at start-up, with what to
    /// change.
    Misconfigured(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full => f.write_str("replay store full of live keys"),
            Self::Unavailable(why) => write!(f, "replay store unavailable: {why}"),
            Self::Misconfigured(why) => write!(f, "replay store misconfigured: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// The future of a store step: ready at once for an in-memory store (no allocation), boxed for
/// a store that does I/O.
///
/// ```
/// use webhook_guard::replay::StoreFuture;
///
/// # futures::executor::block_on(async {
/// assert_eq!(StoreFuture::ready(1).await, 1);
/// assert_eq!(StoreFuture::pending(async { 2 }).await, 2);
/// # });
/// ```
#[must_use = "futures do nothing unless polled"]
pub enum StoreFuture<'a, T> {
    /// The answer, already known.
    Ready(Option<T>),
    /// The answer, on its way.
    Pending(Pin<Box<dyn Future<Output = T> + Send + 'a>>),
}

impl<'a, T> StoreFuture<'a, T> {
    /// An answer already known.
    pub fn ready(value: T) -> Self {
        Self::Ready(Some(value))
    }

    /// An answer on its way.
    pub fn pending(future: impl Future<Output = T> + Send + 'a) -> Self {
        Self::Pending(Box::pin(future))
    }
}

impl<T> Unpin for StoreFuture<'_, T> {}

impl<T> Future for StoreFuture<'_, T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match self.get_mut() {
            Self::Ready(value) => {
                Poll::Ready(value.take().expect("StoreFuture polled after completion"))
            }
            Self::Pending(future) => future.as_mut().poll(cx),
        }
    }
}

/// A replay store. See the [module docs](self) for the contract.
///
/// Implementations must make `claim` atomic per key: of any number of concurrent claims of a
/// key that is free, exactly one is `Fresh`.
///
/// A store of your own (a database table, a cache your app already runs) plugs in with
/// [`Guard::store`](crate::Guard::store). Here, a `HashMap` behind a mutex, taken once per
/// step so that each step is atomic:
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use std::sync::{Mutex, MutexGuard, PoisonError};
/// use std::time::{Duration, Instant};
/// use webhook_guard::replay::{
///     Claim, ClaimToken, DEFAULT_RETENTION, KeyHasher, ReplayKey, ReplayStore, StoreError,
///     StoreFuture,
/// };
///
/// #[derive(Debug)]
/// enum Entry {
///     InFlight { token: u64, lease_until: Instant, keep_for: Duration },
///     Done { until: Instant },
/// }
///
/// #[derive(Debug, Default)]
/// struct MapStore {
///     // One process owns the map: a keyed hash under a random key of its own (a store that
///     // several processes share would key by `ReplayKey::digest`, the same everywhere).
///     hasher: KeyHasher,
///     entries: Mutex<HashMap<u128, Entry>>,
///     next_token: AtomicU64,
/// }
///
/// impl MapStore {
///     fn entries(&self) -> MutexGuard<'_, HashMap<u128, Entry>> {
///         // `release_detached` runs in destructors, maybe while panicking: never panic here.
///         self.entries.lock().unwrap_or_else(PoisonError::into_inner)
///     }
///
///     /// Ends `claim` with `then` (`None`: forget the key), if it is still this claimant's.
///     fn finish(&self, claim: &ClaimToken, then: impl FnOnce(Duration) -> Option<Entry>) {
///         let mut entries = self.entries();
///         if let Some(Entry::InFlight { token, keep_for, .. }) = entries.get(&claim.key())
///             && *token == claim.token()
///         {
///             match then(*keep_for) {
///                 Some(entry) => entries.insert(claim.key(), entry),
///                 None => entries.remove(&claim.key()),
///             };
///         }
///     }
/// }
///
/// impl ReplayStore for MapStore {
///     fn claim(&self, key: ReplayKey<'_>, window: Duration) -> StoreFuture<'_, Result<Claim, StoreError>> {
///         let key = self.hasher.hash(&key);
///         let now = Instant::now();
///         let mut entries = self.entries();
///         let answer = match entries.get(&key) {
///             Some(Entry::Done { until }) if *until > now => Claim::Done,
///             Some(Entry::InFlight { lease_until, .. }) if *lease_until > now => {
///                 Claim::InFlight { lease_left: Some(*lease_until - now) }
///             }
///             // Free, expired, or a lease that ran out (the claimant crashed): take it over.
///             _ => {
///                 let token = self.next_token.fetch_add(1, Ordering::Relaxed);
///                 let (lease_until, keep_for) = (now + self.lease(), DEFAULT_RETENTION.max(window));
///                 entries.insert(key, Entry::InFlight { token, lease_until, keep_for });
///                 Claim::Fresh(ClaimToken::new(key, token))
///             }
///         };
///         // A real store also bounds its size, answering `StoreError::Full` rather than
///         // forgetting a key still inside its window, and purges expired entries.
///         StoreFuture::ready(Ok(answer))
///     }
///
///     fn complete(&self, claim: &ClaimToken) -> StoreFuture<'_, Result<(), StoreError>> {
///         self.finish(claim, |keep_for| Some(Entry::Done { until: Instant::now() + keep_for }));
///         StoreFuture::ready(Ok(()))
///     }
///
///     fn release(&self, claim: &ClaimToken) -> StoreFuture<'_, Result<(), StoreError>> {
///         self.finish(claim, |_| None);
///         StoreFuture::ready(Ok(()))
///     }
///
///     fn release_detached(&self, claim: ClaimToken) {
///         // No I/O here, so no need to spawn: release at once.
///         self.finish(&claim, |_| None);
///     }
/// }
///
/// # futures::executor::block_on(async {
/// let store = MapStore::default();
/// let key = ReplayKey::new("acme", None, "evt_1");
/// let window = Duration::from_secs(360);
/// let Ok(Claim::Fresh(first)) = store.claim(key, window).await else { panic!("a new key is fresh") };
/// assert!(matches!(store.claim(key, window).await, Ok(Claim::InFlight { .. })));
///
/// store.release(&first).await.unwrap(); // the handler failed: the retry runs it
/// let Ok(Claim::Fresh(retry)) = store.claim(key, window).await else { panic!("released") };
/// store.complete(&first).await.unwrap(); // a stale token changes nothing
/// assert!(matches!(store.claim(key, window).await, Ok(Claim::InFlight { .. })));
///
/// store.complete(&retry).await.unwrap();
/// assert!(matches!(store.claim(key, window).await, Ok(Claim::Done)));
///
/// // A claim dropped mid-handler (a panic, a cancelled request) is released from a destructor.
/// let other = ReplayKey::new("acme", None, "evt_2");
/// let Ok(Claim::Fresh(dropped)) = store.claim(other, window).await else { panic!() };
/// store.release_detached(dropped);
/// assert!(matches!(store.claim(other, window).await, Ok(Claim::Fresh(_))));
/// # });
///
/// // It plugs into a guard like the built-in stores.
/// use webhook_guard::{Guard, Scheme, Secret, Verifier};
/// let guard = Guard::new(Verifier::new(Scheme::audit_trail(), [Secret::new("s").unwrap()]))
///     .store(MapStore::default());
/// assert!(guard.replay_store().is_some());
/// ```
pub trait ReplayStore: Send + Sync + fmt::Debug + 'static {
    /// Claims `key`. `window` is the scheme's replay window (how long a copy of this delivery
    /// passes the freshness check): the store must remember the key at least that long, and
    /// must never silently forget it within that time (answer [`StoreError::Full`] instead).
    ///
    /// The store derives its own fixed-size key from `key` (and puts it in the
    /// [`ClaimToken`]): [`ReplayKey::digest`] where several processes share the store, a
    /// [`KeyHasher`] where one process owns it.
    fn claim(
        &self,
        key: ReplayKey<'_>,
        window: Duration,
    ) -> StoreFuture<'_, Result<Claim, StoreError>>;

    /// Marks the claim done (the handler succeeded), for the retention time. Does nothing if
    /// the claim is no longer this token's.
    fn complete(&self, claim: &ClaimToken) -> StoreFuture<'_, Result<(), StoreError>>;

    /// Forgets the claim (the handler failed), so a retry is `Fresh`. Does nothing if the claim
    /// is no longer this token's.
    fn release(&self, claim: &ClaimToken) -> StoreFuture<'_, Result<(), StoreError>>;

    /// Releases a claim from a destructor (the response future was dropped, the handler
    /// panicked): must not block. A store that does I/O spawns the release; if it cannot, the
    /// lease frees the key.
    fn release_detached(&self, claim: ClaimToken);

    /// Completes (`handled`) or releases the claim at once, for this crate's in-memory stores
    /// (which never wait), or `None` to be asked through [`complete`](Self::complete) and
    /// [`release`](Self::release): answering here spares the guard a boxed future per
    /// delivery. It is the crate's own: only this crate can name its last parameter, so it can
    /// neither be called nor overridden elsewhere, and a store of yours is asked through
    /// `complete` and `release` as always.
    fn settle_now(
        &self,
        claim: &ClaimToken,
        handled: bool,
        _: Internal,
    ) -> Option<Result<(), StoreError>> {
        let _ = (claim, handled);
        None
    }

    /// The in-flight lease.
    fn lease(&self) -> Duration {
        DEFAULT_LEASE
    }
}
