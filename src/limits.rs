//! What a client without the secret can make the receiver hold: body bytes in flight, and time.
//!
//! A webhook endpoint is public, and the signature can only be checked once the whole body is
//! in memory. So, before a body byte is read:
//!
//! - the head is checked ([`Verifier::check_head`](crate::Verifier::check_head)): no
//!   well-formed signature header, no fresh timestamp, no id, or a security header sent twice,
//!   and nothing of the body is read;
//! - the body's bytes are counted against one [`BodyBudget`] shared by every request of the
//!   process (64 MiB by default): a body that would take the total past it is refused with 503
//!   and `Retry-After` ([`Rejection::Overloaded`](crate::Rejection::Overloaded)), on its `Content-Length` before it is read,
//!   or at the chunk that passes it. A share of it (1/8, 8 MiB by default) is kept for small
//!   bodies (64 KiB or less): larger ones stop short of it (see below);
//! - the body must arrive in time ([`BodyTimeouts`]): by a total deadline (30 s) and at a
//!   minimum rate (after a 5 s grace, 1 KiB/s on average), or it is refused with 408
//!   ([`Rejection::BodyTimeout`](crate::Rejection::BodyTimeout)) and its bytes are dropped.
//!
//! So whatever clients send, body memory stays under the budget (plus what the HTTP server
//! buffers itself), and a slow client holds its share for seconds, not forever. What the server
//! does before the request reaches the adapter (reading the head, idle keep-alive connections,
//! the number of connections) is configured on the server: see `docs/SECURITY.md`.
//!
//! # Why a reserve for small bodies
//!
//! A bound on memory is also something to fill. Well-formed, fresh signature headers are
//! public knowledge, so a client without the secret can open connections that announce
//! (or trickle) bodies of the size limit and hold the budget with them for up to the total
//! deadline: 300 such connections of 1 MiB fill 64 MiB, and without a reserve every signed
//! delivery would get 503 meanwhile. Most webhooks are a few KiB, so the budget keeps a
//! [`reserve`](BodyBudget::reserve) that only small bodies may use: a body that announces,
//! or grows to, more than [`small_bodies_up_to`](BodyBudget::small_bodies_up_to) bytes
//! (64 KiB) is refused once the total would enter the last 1/8 of the budget (8 MiB of 64),
//! while a small body may use all of it. A chunked body starts small: the rule applies at the
//! chunk that takes it past the threshold, which then needs room outside the reserve for all
//! its bytes.
//!
//! What it does not do: the reserve is first come, first served among small bodies, so a
//! client that opens `reserve / threshold` connections of small bodies (128 by default, each
//! held at most 30 s) can still fill it. Lowering the threshold raises that number (8 KiB: 1,024
//! connections). The core sees no peer address (adapters hand it the headers and the body), so
//! a share per source address belongs in front of the receiver (a proxy or a firewall), with
//! the server's bound on connections (see `docs/SECURITY.md`). Whatever gets 503 is retried by
//! its sender: delayed, not lost.
//!
//! ```
//! use std::time::Duration;
//! use webhook_guard::limits::{BodyBudget, BodyTimeouts};
//! use webhook_guard::{Guard, Scheme, Secret, Verifier};
//!
//! let secret = Secret::new("whsec_abc123def456").unwrap();
//! // One budget for the two routes (the default budget is already shared process-wide).
//! let budget = BodyBudget::new(256 * 1024 * 1024);
//! let guard = |scheme: Scheme| {
//!     Guard::new(Verifier::new(scheme, [secret.clone()]))
//!         .body_budget(budget.clone())
//!         .body_timeouts(BodyTimeouts::default().total(Duration::from_secs(10)))
//! };
//! let (audit_trail, github) = (guard(Scheme::audit_trail()), guard(Scheme::github()));
//! assert_eq!(audit_trail.limits().budget().capacity(), 256 * 1024 * 1024);
//! assert_eq!(github.limits().timeouts().total_deadline(), Duration::from_secs(10));
//! ```

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The default [`BodyBudget`]: 64 MiB of bodies being read at once, across the process.
///
/// ```
/// use webhook_guard::limits::{BodyBudget, DEFAULT_BODY_BUDGET};
///
/// assert_eq!(BodyBudget::global().capacity(), DEFAULT_BODY_BUDGET);
/// assert_eq!(DEFAULT_BODY_BUDGET, 64 * 1024 * 1024);
/// ```
pub const DEFAULT_BODY_BUDGET: usize = 64 * 1024 * 1024;

/// The default threshold of a small body: 64 KiB. See [`BodyBudget::small_bodies_up_to`].
///
/// ```
/// use webhook_guard::limits::{BodyBudget, DEFAULT_SMALL_BODY};
///
/// assert_eq!(BodyBudget::new(1 << 20).small_body_max(), DEFAULT_SMALL_BODY);
/// assert_eq!(DEFAULT_SMALL_BODY, 64 * 1024);
/// ```
pub const DEFAULT_SMALL_BODY: usize = 64 * 1024;

/// A number of body bytes that may be held at once by the requests being read, shared by
/// every guard that holds a clone.
///
/// Each request takes from it before reading its body (the `Content-Length` when announced)
/// and as its chunks arrive; the share goes back when the request is verified or refused, or
/// its client goes away. A request that would take the total past the capacity is refused
/// with 503 and `Retry-After` ([`Rejection::Overloaded`](crate::Rejection::Overloaded)): the sender retries later, nothing is
/// lost. By default every guard shares [`BodyBudget::global`].
///
/// The last [`reserved`](Self::reserved) bytes (1/8 of the capacity by default) are kept
/// for small bodies, of at most [`small_body_max`](Self::small_body_max) bytes (64 KiB by
/// default): a flood of large bodies cannot take what a few-KiB delivery needs. See the
/// [module docs](self) for why, and for what it does not cover.
///
/// ```
/// use webhook_guard::limits::BodyBudget;
///
/// let budget = BodyBudget::new(1024);
/// let first = budget.try_take(600).unwrap();
/// assert!(budget.try_take(600).is_none()); // 1,200 > 1,024
/// assert_eq!(budget.in_use(), 600);
/// drop(first);
/// assert_eq!(budget.in_use(), 0);
/// assert!(budget.try_take(600).is_some());
/// ```
#[derive(Clone)]
pub struct BodyBudget {
    inner: Arc<BudgetInner>,
}

struct BudgetInner {
    capacity: usize,
    /// At most `capacity`.
    reserve: usize,
    small_body: usize,
    in_use: AtomicUsize,
}

impl fmt::Debug for BodyBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BodyBudget")
            .field("capacity", &self.capacity())
            .field("reserved", &self.reserved())
            .field("small_body_max", &self.small_body_max())
            .field("in_use", &self.in_use())
            .finish()
    }
}

impl BodyBudget {
    /// A budget of `capacity` bytes, for the guards given a clone of it, with 1/8 of it
    /// reserved for bodies of at most [`DEFAULT_SMALL_BODY`] (64 KiB).
    ///
    /// ```
    /// use webhook_guard::limits::BodyBudget;
    ///
    /// let budget = BodyBudget::new(64 * 1024 * 1024);
    /// assert_eq!(budget.reserved(), 8 * 1024 * 1024);
    /// assert_eq!(budget.small_body_max(), 64 * 1024);
    /// ```
    pub fn new(capacity: usize) -> Self {
        Self::with(capacity, capacity / 8, DEFAULT_SMALL_BODY)
    }

    fn with(capacity: usize, reserve: usize, small_body: usize) -> Self {
        Self {
            inner: Arc::new(BudgetInner {
                capacity,
                reserve: reserve.min(capacity),
                small_body,
                in_use: AtomicUsize::new(0),
            }),
        }
    }

    /// Keeps the last `bytes` of the capacity for small bodies (default 1/8 of it; at most
    /// the capacity, and 0 turns the reserve off): a body of more than
    /// [`small_body_max`](Self::small_body_max) bytes is refused when it would take the total
    /// past `capacity - bytes`.
    ///
    /// Set it where the budget is made, before cloning it: it returns a new budget, which
    /// shares nothing with `self` or its clones.
    ///
    /// ```
    /// use webhook_guard::limits::BodyBudget;
    ///
    /// let budget = BodyBudget::new(1000).reserve(300).small_bodies_up_to(100);
    /// let large = budget.try_take(700).unwrap(); // up to 1,000 - 300 for large bodies
    /// assert!(budget.try_take(101).is_none()); // a large one: the rest is reserved
    /// let small = budget.try_take(100).unwrap(); // a small one may use the reserve
    /// assert_eq!(budget.in_use(), 800);
    /// # drop((large, small));
    /// ```
    pub fn reserve(self, bytes: usize) -> Self {
        Self::with(self.capacity(), bytes, self.small_body_max())
    }

    /// The largest body, in bytes, that may use the reserve (default [`DEFAULT_SMALL_BODY`],
    /// 64 KiB). A body counts as large as soon as it announces (`Content-Length`) or has
    /// received more, and from then on all its bytes must fit outside the reserve.
    ///
    /// Like [`reserve`](Self::reserve), it returns a new budget: set it before cloning.
    ///
    /// ```
    /// use webhook_guard::limits::BodyBudget;
    ///
    /// let budget = BodyBudget::new(64 * 1024 * 1024).small_bodies_up_to(16 * 1024);
    /// assert_eq!(budget.small_body_max(), 16 * 1024);
    /// assert_eq!(budget.reserved(), 8 * 1024 * 1024);
    /// ```
    pub fn small_bodies_up_to(self, bytes: usize) -> Self {
        Self::with(self.capacity(), self.reserved(), bytes)
    }

    /// The process-wide budget every guard uses unless given another
    /// ([`DEFAULT_BODY_BUDGET`], 64 MiB, 8 MiB of it reserved for bodies of at most 64 KiB):
    /// one budget for all routes, so adding a route does not add memory an attacker can fill.
    pub fn global() -> Self {
        static GLOBAL: OnceLock<BodyBudget> = OnceLock::new();
        GLOBAL
            .get_or_init(|| BodyBudget::new(DEFAULT_BODY_BUDGET))
            .clone()
    }

    /// The capacity in bytes.
    pub fn capacity(&self) -> usize {
        self.inner.capacity
    }

    /// The bytes kept for small bodies: large ones may take the budget only up to
    /// `capacity - reserved`. See [`reserve`](Self::reserve).
    pub fn reserved(&self) -> usize {
        self.inner.reserve
    }

    /// The largest body that may use the reserve. See
    /// [`small_bodies_up_to`](Self::small_bodies_up_to).
    pub fn small_body_max(&self) -> usize {
        self.inner.small_body
    }

    /// The bytes taken right now.
    pub fn in_use(&self) -> usize {
        self.inner.in_use.load(Ordering::Relaxed)
    }

    /// Takes `bytes`, or `None` if that would pass the capacity (or, for more than
    /// [`small_body_max`](Self::small_body_max) bytes, enter the reserve). The bytes go back
    /// when the permit is dropped.
    pub fn try_take(&self, bytes: usize) -> Option<BudgetPermit> {
        let mut permit = BudgetPermit {
            budget: self.clone(),
            held: 0,
        };
        permit.grow(bytes).then_some(permit)
    }
}

/// A share of a [`BodyBudget`], given back when dropped.
///
/// ```
/// use webhook_guard::limits::BodyBudget;
///
/// let budget = BodyBudget::new(100).reserve(0);
/// let mut permit = budget.try_take(10).unwrap();
/// assert!(permit.grow(90));
/// assert!(!permit.grow(1));
/// assert_eq!(permit.held(), 100);
/// drop(permit);
/// assert_eq!(budget.in_use(), 0);
/// ```
#[must_use = "the share goes back as soon as the permit is dropped"]
pub struct BudgetPermit {
    budget: BodyBudget,
    held: usize,
}

impl fmt::Debug for BudgetPermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BudgetPermit")
            .field("held", &self.held)
            .finish()
    }
}

impl BudgetPermit {
    /// Takes `more` bytes, or nothing (answering `false`) if that would pass the capacity, or
    /// enter the reserve once the permit holds more than the small-body threshold: a body
    /// that grows large (a chunked one starts at 0) must then fit outside the reserve.
    ///
    /// ```
    /// use webhook_guard::limits::BodyBudget;
    ///
    /// let budget = BodyBudget::new(1000).reserve(300).small_bodies_up_to(100);
    /// let others = budget.try_take(650).unwrap();
    /// let mut chunked = budget.try_take(0).unwrap();
    /// assert!(chunked.grow(100)); // small: 750 of 1,000
    /// assert!(!chunked.grow(1)); // large now: 751 > 700
    /// drop(others);
    /// assert!(chunked.grow(1)); // 101 <= 700
    /// ```
    pub fn grow(&mut self, more: usize) -> bool {
        let inner = &self.budget.inner;
        let Some(held) = self.held.checked_add(more) else {
            return false;
        };
        let limit = if held > inner.small_body {
            inner.capacity - inner.reserve
        } else {
            inner.capacity
        };
        let taken = inner
            .in_use
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |in_use| {
                in_use.checked_add(more).filter(|&total| total <= limit)
            })
            .is_ok();
        if taken {
            self.held = held;
        }
        taken
    }

    /// The bytes this permit holds.
    pub fn held(&self) -> usize {
        self.held
    }
}

impl Drop for BudgetPermit {
    fn drop(&mut self) {
        self.budget
            .inner
            .in_use
            .fetch_sub(self.held, Ordering::AcqRel);
    }
}

/// How long a body may take to arrive: a total deadline, and a minimum average rate after a
/// grace period. Past either, the request is refused with 408 ([`Rejection::BodyTimeout`](crate::Rejection::BodyTimeout)).
///
/// The rate rule: after `t` seconds, at least `(t - grace) × min_rate` bytes must have
/// arrived. So a client sending 1 byte per second is cut after the grace (5 s by default),
/// while an honest 1 MiB body needs about 35 KiB/s to beat the 30 s deadline.
///
/// ```
/// use std::time::Duration;
/// use webhook_guard::limits::BodyTimeouts;
///
/// let timeouts = BodyTimeouts::default();
/// assert_eq!(timeouts.total_deadline(), Duration::from_secs(30));
/// // Nothing received: the grace alone.
/// assert_eq!(timeouts.allowed(0), Duration::from_secs(5));
/// // 10 KiB received at 1 KiB/s earns 10 more seconds.
/// assert_eq!(timeouts.allowed(10 * 1024), Duration::from_secs(15));
/// // Never past the total deadline.
/// assert_eq!(timeouts.allowed(usize::MAX), Duration::from_secs(30));
/// let one_byte_per_second = timeouts.min_rate(1, Duration::ZERO).total(Duration::MAX);
/// assert_eq!(one_byte_per_second.allowed(1536), Duration::from_secs(1536));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct BodyTimeouts {
    total: Duration,
    grace: Duration,
    min_rate: u64,
}

impl Default for BodyTimeouts {
    /// 30 s in all, and 1 KiB/s on average after a 5 s grace.
    fn default() -> Self {
        Self {
            total: Duration::from_secs(30),
            grace: Duration::from_secs(5),
            min_rate: 1024,
        }
    }
}

impl BodyTimeouts {
    /// The most a whole body may take (default 30 s, the order of the senders' own request
    /// timeouts: past it the sender has given up anyway).
    pub fn total(mut self, total: Duration) -> Self {
        self.total = total;
        self
    }

    /// The minimum average rate in bytes per second, counted after `grace` (default 1 KiB/s
    /// after 5 s). A rate of 0 turns the rule off (the total deadline still holds).
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_guard::limits::BodyTimeouts;
    ///
    /// let strict = BodyTimeouts::default().min_rate(64 * 1024, Duration::from_secs(1));
    /// assert_eq!(strict.allowed(64 * 1024), Duration::from_secs(2));
    /// ```
    pub fn min_rate(mut self, bytes_per_second: u64, grace: Duration) -> Self {
        self.min_rate = bytes_per_second;
        self.grace = grace;
        self
    }

    /// The total deadline.
    pub fn total_deadline(&self) -> Duration {
        self.total
    }

    /// How long, from the start of the body, a body that has delivered `received` bytes may
    /// still take in all.
    pub fn allowed(&self, received: usize) -> Duration {
        if self.min_rate == 0 {
            return self.total;
        }
        // Whole numbers only: no float can overflow a `Duration` here, whatever the body size.
        let (received, rate) = (received as u64, self.min_rate);
        let nanos = u128::from(received % rate) * 1_000_000_000 / u128::from(rate);
        let earned =
            Duration::from_secs(received / rate).saturating_add(Duration::from_nanos(nanos as u64));
        self.grace.saturating_add(earned).min(self.total)
    }
}

/// The body limits of a guard: the per-request size limit lives on the
/// [`Verifier`](crate::Verifier), these are the rest.
///
/// ```
/// use webhook_guard::limits::{BodyTimeouts, DEFAULT_BODY_BUDGET};
/// use webhook_guard::{Guard, Scheme, Secret, Verifier};
///
/// let guard = Guard::new(Verifier::new(Scheme::github(), [Secret::new("s").unwrap()]));
/// assert_eq!(guard.limits().budget().capacity(), DEFAULT_BODY_BUDGET);
/// assert_eq!(guard.limits().timeouts(), BodyTimeouts::default());
/// ```
#[derive(Debug, Clone)]
pub struct BodyLimits {
    pub(crate) budget: BodyBudget,
    pub(crate) timeouts: BodyTimeouts,
}

impl Default for BodyLimits {
    fn default() -> Self {
        Self {
            budget: BodyBudget::global(),
            timeouts: BodyTimeouts::default(),
        }
    }
}

impl BodyLimits {
    /// The budget of bytes in flight.
    pub fn budget(&self) -> &BodyBudget {
        &self.budget
    }

    /// The body timeouts.
    pub fn timeouts(&self) -> BodyTimeouts {
        self.timeouts
    }
}

/// The default body limit: 1 MiB.
///
/// A larger body is refused before its signature is checked (413); raise or lower it with
/// [`Verifier::body_limit`](crate::Verifier::body_limit).
///
/// ```
/// use webhook_guard::limits::DEFAULT_BODY_LIMIT;
/// use webhook_guard::{Rejection, Scheme, Secret, Verifier};
///
/// let verifier = Verifier::new(Scheme::github(), [Secret::new("s").unwrap()]);
/// assert_eq!(verifier.limit(), DEFAULT_BODY_LIMIT);
/// let big = vec![b' '; DEFAULT_BODY_LIMIT + 1];
/// let headers: &[(&str, &str)] = &[("x-hub-signature-256", "sha256=00")];
/// let err = verifier.verify(headers, big.into()).unwrap_err();
/// assert_eq!(err, Rejection::BodyTooLarge { limit: DEFAULT_BODY_LIMIT });
/// assert_eq!(err.status(), 413);
/// ```
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// The longest id accepted, in bytes. Ids are hashed into fixed-size keys, so this bounds only
/// what the handler and the logs see.
///
/// ```
/// use webhook_guard::limits::MAX_ID_LEN;
/// use webhook_guard::{Rejection, Scheme, Secret, Signer, Verifier};
///
/// let secret = Secret::new("It's a Secret to Everybody").unwrap();
/// let signer = Signer::new(Scheme::github(), secret.clone());
/// let verifier = Verifier::new(Scheme::github(), [secret]);
/// let verify = |id: &str| verifier.verify_at(&signer.headers(b"{}", 0, id), "{}".into(), 0);
/// assert!(verify(&"a".repeat(MAX_ID_LEN)).is_ok());
/// assert_eq!(verify(&"a".repeat(MAX_ID_LEN + 1)).unwrap_err(), Rejection::MalformedId);
/// ```
pub const MAX_ID_LEN: usize = 256;

/// The one size rule, wherever a body's size is first known (announced, read so far, whole):
/// more than `limit` bytes is refused with 413.
pub(crate) fn check_body_size(len: u64, limit: usize) -> Result<(), crate::rejection::Rejection> {
    if len > limit as u64 {
        return Err(crate::rejection::Rejection::BodyTooLarge { limit });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIB: usize = 1024;

    /// A 64 KiB budget with the default rule scaled down: 8 KiB reserved for bodies of at
    /// most 1 KiB.
    fn budget() -> BodyBudget {
        BodyBudget::new(64 * KIB)
            .reserve(8 * KIB)
            .small_bodies_up_to(KIB)
    }

    #[test]
    fn the_defaults_reserve_an_eighth_for_bodies_of_64_kib() {
        let budget = BodyBudget::new(DEFAULT_BODY_BUDGET);
        assert_eq!(budget.reserved(), 8 * 1024 * KIB);
        assert_eq!(budget.small_body_max(), 64 * KIB);
        assert_eq!(BodyBudget::global().reserved(), 8 * 1024 * KIB);
        // 56 bodies of 1 MiB fit, the 57th does not; a 64 KiB body still does.
        let large: Vec<_> = (0..56)
            .map(|_| budget.try_take(1024 * KIB).unwrap())
            .collect();
        assert!(budget.try_take(1024 * KIB).is_none());
        assert!(budget.try_take(64 * KIB + 1).is_none());
        assert!(budget.try_take(64 * KIB).is_some());
        drop(large);
        assert_eq!(budget.in_use(), 0);
    }

    #[test]
    fn large_bodies_leave_the_reserve_to_small_ones() {
        let budget = budget();
        // Large bodies fill what is theirs: 56 KiB.
        let large: Vec<_> = (0..7).map(|_| budget.try_take(8 * KIB).unwrap()).collect();
        assert_eq!(budget.in_use(), 56 * KIB);
        // Not one byte more for a large body, however small the step past the threshold.
        assert!(budget.try_take(KIB + 1).is_none());
        // The reserve is all there for small bodies, up to the capacity and not past it.
        let small: Vec<_> = (0..8).map(|_| budget.try_take(KIB).unwrap()).collect();
        assert_eq!(budget.in_use(), 64 * KIB);
        assert!(budget.try_take(1).is_none());
        drop(small);
        // A large body is refused whatever small ones hold, and gets room once large ones go.
        assert!(budget.try_take(2 * KIB).is_none());
        drop(large);
        assert!(budget.try_take(56 * KIB).is_some());
        assert!(budget.try_take(56 * KIB + 1).is_none());
        assert_eq!(budget.in_use(), 0);
    }

    #[test]
    fn a_growing_permit_is_refused_once_it_is_large_and_the_large_share_is_full() {
        let budget = budget();
        let large = budget.try_take(56 * KIB).unwrap();
        // A chunked body starts at 0 and is small up to 1 KiB: it may use the reserve.
        let mut chunked = budget.try_take(0).unwrap();
        assert!(chunked.grow(512));
        assert!(chunked.grow(512));
        assert_eq!(budget.in_use(), 57 * KIB);
        // The next byte makes it large: all of its bytes would have to fit in 56 KiB.
        assert!(!chunked.grow(1));
        assert_eq!(chunked.held(), KIB, "a refused step takes nothing");
        assert_eq!(budget.in_use(), 57 * KIB);
        // Once the large share has room for all of it, it grows on.
        drop(large);
        assert!(chunked.grow(1));
        assert!(chunked.grow(55 * KIB - 1));
        assert_eq!(chunked.held(), 56 * KIB);
        assert!(!chunked.grow(1));
        // Small bodies still have the reserve meanwhile.
        assert!(budget.try_take(KIB).is_some());
        drop(chunked);
        assert_eq!(budget.in_use(), 0);
    }

    #[test]
    fn a_reserve_of_zero_is_one_pool_and_a_reserve_past_the_capacity_is_all_of_it() {
        let pool = budget().reserve(0);
        assert!(pool.try_take(64 * KIB).is_some());
        let all = budget().reserve(usize::MAX);
        assert_eq!(all.reserved(), 64 * KIB);
        assert!(all.try_take(KIB + 1).is_none());
        assert!(all.try_take(KIB).is_some());
    }

    #[test]
    fn a_step_that_overflows_is_refused_and_takes_nothing() {
        let budget = budget();
        let mut permit = budget.try_take(KIB).unwrap();
        assert!(!permit.grow(usize::MAX));
        assert_eq!((permit.held(), budget.in_use()), (KIB, KIB));
    }

    #[test]
    fn concurrent_large_takers_never_enter_the_reserve() {
        let budget = budget();
        let barrier = Arc::new(std::sync::Barrier::new(4));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (budget, barrier) = (budget.clone(), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    for _ in 0..200 {
                        // 4 × 10 × 3 KiB asked at once: far more than the 56 KiB of large ones.
                        let held: Vec<_> =
                            (0..10).filter_map(|_| budget.try_take(3 * KIB)).collect();
                        barrier.wait();
                        let in_use = budget.in_use();
                        assert!(in_use <= 56 * KIB, "{in_use}");
                        assert!(in_use > 53 * KIB, "{in_use}");
                        barrier.wait();
                        drop(held);
                        barrier.wait();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(budget.in_use(), 0);
    }
}
