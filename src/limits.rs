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
//!   or at the chunk that passes it;
//! - the body must arrive in time ([`BodyTimeouts`]): by a total deadline (30 s) and at a
//!   minimum rate (after a 5 s grace, 1 KiB/s on average), or it is refused with 408
//!   ([`Rejection::BodyTimeout`](crate::Rejection::BodyTimeout)) and its bytes are dropped.
//!
//! So whatever clients send, body memory stays under the budget (plus what the HTTP server
//! buffers itself), and a slow client holds its share for seconds, not forever. What the server
//! does before the request reaches the adapter (reading the head, idle keep-alive connections,
//! the number of connections) is configured on the server: see `docs/SECURITY.md`.
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

/// A number of body bytes that may be held at once by the requests being read, shared by
/// every guard that holds a clone.
///
/// Each request takes from it before reading its body (the `Content-Length` when announced)
/// and as its chunks arrive; the share goes back when the request is verified or refused, or
/// its client goes away. A request that would take the total past the capacity is refused
/// with 503 and `Retry-After` ([`Rejection::Overloaded`](crate::Rejection::Overloaded)): the sender retries later, nothing is
/// lost. By default every guard shares [`BodyBudget::global`].
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
    in_use: AtomicUsize,
}

impl fmt::Debug for BodyBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BodyBudget")
            .field("capacity", &self.capacity())
            .field("in_use", &self.in_use())
            .finish()
    }
}

impl BodyBudget {
    /// A budget of `capacity` bytes, for the guards given a clone of it.
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Arc::new(BudgetInner {
                capacity,
                in_use: AtomicUsize::new(0),
            }),
        }
    }

    /// The process-wide budget every guard uses unless given another
    /// ([`DEFAULT_BODY_BUDGET`], 64 MiB): one budget for all routes, so adding a route does
    /// not add memory an attacker can fill.
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

    /// The bytes taken right now.
    pub fn in_use(&self) -> usize {
        self.inner.in_use.load(Ordering::Relaxed)
    }

    /// Takes `bytes`, or `None` if that would pass the capacity. The bytes go back when the
    /// permit is dropped.
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
/// let budget = BodyBudget::new(100);
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
    /// Takes `more` bytes, or nothing (answering `false`) if that would pass the capacity.
    pub fn grow(&mut self, more: usize) -> bool {
        let inner = &self.budget.inner;
        let taken = inner
            .in_use
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |in_use| {
                in_use
                    .checked_add(more)
                    .filter(|&total| total <= inner.capacity)
            })
            .is_ok();
        if taken {
            self.held += more;
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
pub(crate) fn check_body_size(len: u64, limit: usize) -> Result<(), crate::Rejection> {
    if len > limit as u64 {
        return Err(crate::Rejection::BodyTooLarge { limit });
    }
    Ok(())
}
