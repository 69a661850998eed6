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
//! Keys ([`ReplayKey`]) are 128-bit digests of the scheme, the tenant and the id, so the memory
//! per key does not depend on what a sender puts in its ids.
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
//! assert!(matches!(store.claim(key, window).await, Ok(Claim::InFlight)));
//! store.complete(&token).await.unwrap();
//! assert!(matches!(store.claim(key, window).await, Ok(Claim::Done)));
//! # });
//! # fn futures_executor(f: impl std::future::Future<Output = ()>) {
//! #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
//! # }
//! # }
//! ```

#[cfg(feature = "moka")]
mod memory;

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

use sha2::{Digest as _, Sha256};

/// The default time a done key is remembered: 24 hours.
///
/// It must outlive both the freshness window (so that a copy of a delivery is either too old
/// to pass the timestamp check or still remembered) and the senders' whole retry schedule (so
/// that a late retry of a handled delivery is answered "already processed" instead of running
/// the handler again): Audit Trail retries for about 2 h 36 min, PALO for about 8 h 35 min, and
/// PALO's freshness window is 24 h. A store also keeps each key at least for the window the
/// claim names, so a longer custom window is never undercut.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(24 * 3600);

/// The default lease of an in-flight claim: 60 seconds, longer than the senders' own request
/// timeouts (PALO gives up after 10 s), so a live attempt is never overtaken by its retry.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

/// The default capacity of the in-memory store: 1,000,000 keys.
pub const DEFAULT_CAPACITY: u64 = 1_000_000;

/// A fixed-size key: the first 128 bits of SHA-256 over the scheme, the tenant and the id.
///
/// ```
/// use webhook_guard::replay::ReplayKey;
///
/// let a = ReplayKey::new("audit-trail", Some("tenant-001"), "whd_abc123");
/// assert_eq!(a, ReplayKey::new("audit-trail", Some("tenant-001"), "whd_abc123"));
/// assert_ne!(a, ReplayKey::new("audit-trail", Some("tenant-002"), "whd_abc123"));
/// assert_ne!(a, ReplayKey::new("palo", Some("tenant-001"), "whd_abc123"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReplayKey(u128);

impl ReplayKey {
    /// The key of delivery `id` of `scheme` for `tenant`.
    pub fn new(scheme: &str, tenant: Option<&str>, id: &str) -> Self {
        Self::digest(
            &[
                b"id",
                scheme.as_bytes(),
                tenant.unwrap_or("").as_bytes(),
                id.as_bytes(),
            ],
            tenant.is_some(),
        )
    }

    /// The key of a signature (the MAC of the signed content), for schemes whose id is not
    /// signed.
    pub fn signature(scheme: &str, tenant: Option<&str>, mac: &[u8]) -> Self {
        Self::digest(
            &[
                b"sig",
                scheme.as_bytes(),
                tenant.unwrap_or("").as_bytes(),
                mac,
            ],
            tenant.is_some(),
        )
    }

    fn digest(parts: &[&[u8]], has_tenant: bool) -> Self {
        let mut hasher = Sha256::new();
        for part in parts {
            // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
        hasher.update([u8::from(has_tenant)]);
        let digest = hasher.finalize();
        let mut first = [0u8; 16];
        first.copy_from_slice(&digest[..16]);
        Self(u128::from_le_bytes(first))
    }

    /// The key as a number.
    pub fn as_u128(&self) -> u128 {
        self.0
    }

    /// Rebuilds a key from [`as_u128`](Self::as_u128).
    pub fn from_u128(value: u128) -> Self {
        Self(value)
    }
}

impl fmt::Debug for ReplayKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReplayKey({:032x})", self.0)
    }
}

/// What a claim found.
#[derive(Debug)]
#[must_use]
pub enum Claim {
    /// First claim: run the handler, then [`complete`](ReplayStore::complete) or
    /// [`release`](ReplayStore::release) with the token.
    Fresh(ClaimToken),
    /// Another attempt holds the claim right now.
    InFlight,
    /// The delivery was handled successfully.
    Done,
}

/// Proof of one claim: its key and a token unique to this claimant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimToken {
    key: ReplayKey,
    token: u64,
}

impl ClaimToken {
    /// A token for `key`; stores draw `token` so that no two live claims share it.
    pub fn new(key: ReplayKey, token: u64) -> Self {
        Self { key, token }
    }

    /// The claimed key.
    pub fn key(&self) -> ReplayKey {
        self.key
    }

    /// The claimant's token.
    pub fn token(&self) -> u64 {
        self.token
    }
}

/// A store could not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// Taking the claim would forget a key that can still be replayed: refuse it, the sender
    /// retries later.
    Full,
    /// The store could not be reached (or timed out).
    Unavailable(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full => f.write_str("replay store full of live keys"),
            Self::Unavailable(why) => write!(f, "replay store unavailable: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// The future of a store step: ready at once for an in-memory store (no allocation), boxed for
/// a store that does I/O.
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
pub trait ReplayStore: Send + Sync + fmt::Debug + 'static {
    /// Claims `key`. `window` is the scheme's replay window (how long a copy of this delivery
    /// passes the freshness check): the store must remember the key at least that long, and
    /// must never silently forget it within that time (answer [`StoreError::Full`] instead).
    fn claim(&self, key: ReplayKey, window: Duration)
    -> StoreFuture<'_, Result<Claim, StoreError>>;

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

    /// The in-flight lease.
    fn lease(&self) -> Duration {
        DEFAULT_LEASE
    }
}
