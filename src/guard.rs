//! Admission: verify, choose the secrets, claim the replay store. What both adapters run.
//!
//! [`Guard::admit`] takes the request head and the raw body and answers with an [`Admitted`]
//! delivery (the handler may run) or a [`Rejection`] (the response to send instead). An
//! admitted delivery holds its replay claims in a [`ClaimGuard`]: the adapter calls
//! [`ClaimGuard::finish`] with the handler's outcome, and if it never does (the response future
//! was dropped, the handler panicked) the guard releases the claims when it is dropped, so the
//! sender's retry gets through.
//!
//! # Logs
//!
//! Every outcome is one `tracing` event (target `webhook_guard::guard`) with stable fields:
//!
//! | field | value |
//! |---|---|
//! | `scheme` | the scheme's name (`audit-trail`, `palo`, ...) |
//! | `outcome` | `accepted`, `duplicate`, `rejected` (at admission); `handled`, `handler_failed` (after the handler) |
//! | `reason` | the [`Rejection::code`] for `duplicate` and `rejected` (`invalid_signature`, `stale_timestamp`, `already_processed`, ...) |
//! | `status` | the HTTP status answered (`rejected`, `handled`, `handler_failed`) |
//! | `delivery_id` | the delivery id, only once the delivery verified (an unverified id is the sender's word) |
//! | `event_type` | the event type (`accepted`) |
//!
//! `accepted`, `duplicate` and `handled` are at INFO, the others at WARN. No event carries a
//! signature, a secret or the body. With the `metrics` feature the same outcomes are counted
//! (see `Guard::metrics`).
//!
//! ```
//! use webhook_guard::{Guard, Rejection, Scheme, Secret, Signer, Verifier};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let secret = Secret::new("whsec_abc123def456").unwrap();
//! let guard = Guard::new(Verifier::new(Scheme::audit_trail(), [secret.clone()]));
//! let body = r#"{"id":"whd_abc123","type":"event.created","tenantId":"t1","data":{}}"#;
//! let now = guard.verifier().now();
//! let headers = Signer::new(Scheme::audit_trail(), secret).headers(body.as_bytes(), now, "whd_abc123");
//!
//! let admitted = guard.admit(&headers, "/webhooks/audit-trail", body.into()).await.unwrap();
//! // ... run the handler, then:
//! admitted.into_claim().finish(true).await;
//!
//! let again = guard.admit(&headers, "/webhooks/audit-trail", body.into()).await;
//! assert_eq!(again.unwrap_err(), Rejection::AlreadyProcessed);
//! # });
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};

use crate::dead_letter::{Unparsed, UnparsedPolicy};
use crate::limits::{BodyBudget, BodyLimits, BodyTimeouts, BudgetPermit};
use crate::replay::{Claim, ClaimToken, ReplayStore, StoreError};
use crate::signature::SecretSet;
use crate::{Delivery, HeaderLookup, Rejection, Verifier};

/// What a [`SecretResolver`] is asked: which secrets verify this request?
///
/// The path is where per-tenant receivers usually say who is sending; an unknown one is a
/// 401 ([`Rejection::UnknownSigner`]) without a signature ever being checked.
///
/// ```
/// use webhook_guard::signature::SecretSet;
/// use webhook_guard::{Guard, Rejection, ResolveError, Scheme, Secret, SecretQuery, Signer, Verifier};
///
/// # futures::executor::block_on(async {
/// let secret = Secret::new("secret-one").unwrap();
/// let known = SecretSet::new([secret.clone()]);
/// let guard = Guard::new(Verifier::new(Scheme::audit_trail(), [])).secret_resolver(move |q: SecretQuery| {
///     assert_eq!(&*q.scheme, "audit-trail");
///     let secrets = q.path.ends_with("/tenant-001").then(|| known.clone());
///     async move { Ok::<_, ResolveError>(secrets) }
/// });
/// let body = r#"{"id":"whd_1","type":"event.created","tenantId":"tenant-001","data":{}}"#;
/// let headers = Signer::new(Scheme::audit_trail(), secret).headers(body.as_bytes(), guard.verifier().now(), "whd_1");
/// let unknown = guard.admit(&headers, "/webhooks/audit-trail/tenant-002", body.into()).await;
/// assert_eq!(unknown.unwrap_err(), Rejection::UnknownSigner);
/// let admitted = guard.admit(&headers, "/webhooks/audit-trail/tenant-001", body.into()).await.unwrap();
/// admitted.into_claim().finish(true).await;
/// # });
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SecretQuery {
    /// The scheme's name.
    pub scheme: Arc<str>,
    /// The request path (for instance `/webhooks/audit-trail/tenant-001`).
    pub path: String,
}

/// A secret lookup that failed (a database down, ...): the delivery is answered 503 with
/// `Retry-After`, never accepted unverified.
///
/// ```
/// use std::time::Duration;
/// use webhook_guard::{Guard, Rejection, ResolveError, Scheme, Secret, SecretQuery, Signer, Verifier};
///
/// # futures::executor::block_on(async {
/// let guard = Guard::new(Verifier::new(Scheme::github(), [])).secret_resolver(|_: SecretQuery| async {
///     Err(ResolveError("tenants database: connection refused".into()))
/// });
/// let secret = Secret::new("It's a Secret to Everybody").unwrap();
/// let headers = Signer::new(Scheme::github(), secret).headers(b"{}", 0, "d-1");
/// let rejection = guard.admit(&headers, "/webhooks/github", "{}".into()).await.unwrap_err();
/// assert_eq!(rejection, Rejection::Unavailable { retry_after: Duration::from_secs(5) });
/// assert_eq!(rejection.status(), 503);
/// // The cause goes to the log (a WARN event), not to the sender.
/// assert!(!rejection.reason().contains("database"));
/// # });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveError(pub String);

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "secret lookup failed: {}", self.0)
    }
}

impl std::error::Error for ResolveError {}

/// The future a [`SecretResolver`] returns.
///
/// A closure needs none of it (see [`SecretResolver`]); a type implementing the trait by hand
/// boxes its future:
///
/// ```
/// use webhook_guard::signature::SecretSet;
/// use webhook_guard::guard::ResolveFuture;
/// use webhook_guard::{Secret, SecretQuery, SecretResolver};
/// # use webhook_guard::{Guard, Scheme, Verifier};
///
/// /// One secret set for every request.
/// struct Fixed(SecretSet);
///
/// impl SecretResolver for Fixed {
///     fn resolve(&self, _query: SecretQuery) -> ResolveFuture {
///         let secrets = self.0.clone(); // an `Arc` clone
///         Box::pin(async move { Ok(Some(secrets)) })
///     }
/// }
///
/// let fixed = Fixed(SecretSet::new([Secret::new("s").unwrap()]));
/// # let _ = Guard::new(Verifier::new(Scheme::github(), [])).secret_resolver(fixed);
/// ```
pub type ResolveFuture =
    Pin<Box<dyn Future<Output = Result<Option<SecretSet>, ResolveError>> + Send>>;

/// Chooses the secrets per request, so one app receives from many tenants.
///
/// `Ok(None)` means "no such sender" (401); `Err` means the lookup failed (503). Any
/// `Fn(SecretQuery) -> impl Future` closure is a resolver:
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::Arc;
/// use webhook_guard::signature::SecretSet;
/// use webhook_guard::{Guard, ResolveError, Scheme, Secret, SecretQuery, Verifier};
///
/// let tenants: Arc<HashMap<String, SecretSet>> = Arc::new(HashMap::from([
///     ("tenant-001".to_string(), SecretSet::new([Secret::new("secret-one").unwrap()])),
/// ]));
/// let guard = Guard::new(Verifier::new(Scheme::audit_trail(), [])).secret_resolver(move |q: SecretQuery| {
///     let tenants = Arc::clone(&tenants);
///     async move {
///         let tenant = q.path.rsplit('/').next().unwrap_or_default();
///         Ok::<_, ResolveError>(tenants.get(tenant).cloned())
///     }
/// });
/// # let _ = guard;
/// ```
pub trait SecretResolver: Send + Sync + 'static {
    /// The secrets for this request.
    fn resolve(&self, query: SecretQuery) -> ResolveFuture;
}

impl<F, Fut> SecretResolver for F
where
    F: Fn(SecretQuery) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<SecretSet>, ResolveError>> + Send + 'static,
{
    fn resolve(&self, query: SecretQuery) -> ResolveFuture {
        Box::pin(self(query))
    }
}

/// What to do when the replay store cannot be reached.
///
/// ```
/// use std::time::Duration;
/// use webhook_guard::replay::{Claim, ClaimToken, ReplayKey, ReplayStore, StoreError, StoreFuture};
/// use webhook_guard::{Guard, Rejection, Scheme, Secret, Signer, StoreFailure, Verifier};
///
/// /// A store whose server is down.
/// #[derive(Debug)]
/// struct Down;
///
/// impl ReplayStore for Down {
///     fn claim(&self, _: ReplayKey, _: Duration) -> StoreFuture<'_, Result<Claim, StoreError>> {
///         StoreFuture::ready(Err(StoreError::Unavailable("connection refused".into())))
///     }
///     fn complete(&self, _: &ClaimToken) -> StoreFuture<'_, Result<(), StoreError>> {
///         StoreFuture::ready(Ok(()))
///     }
///     fn release(&self, _: &ClaimToken) -> StoreFuture<'_, Result<(), StoreError>> {
///         StoreFuture::ready(Ok(()))
///     }
///     fn release_detached(&self, _: ClaimToken) {}
/// }
///
/// # futures::executor::block_on(async {
/// let secret = Secret::new("It's a Secret to Everybody").unwrap();
/// let headers = Signer::new(Scheme::github(), secret.clone()).headers(b"{}", 0, "d-1");
/// let guard = Guard::new(Verifier::new(Scheme::github(), [secret])).store(Down);
///
/// // Fail closed (the default): 503, the handler does not run, the sender retries later.
/// let closed = guard.admit(&headers, "/", "{}".into()).await.unwrap_err();
/// assert_eq!(closed.status(), 503);
///
/// // Fail open: the handler runs, but nothing stops a duplicate from running it again.
/// let open = guard.on_store_failure(StoreFailure::FailOpen);
/// let admitted = open.admit(&headers, "/", "{}".into()).await.unwrap();
/// assert!(!admitted.into_claim().is_claimed());
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StoreFailure {
    /// Answer 503 with `Retry-After` and do not run the handler: the sender retries later and
    /// nothing is lost or run twice (the default).
    #[default]
    FailClosed,
    /// Run the handler without deduplication, logging a warning: a duplicate may run twice
    /// while the store is down.
    FailOpen,
}

/// The `Retry-After` values the guard answers with.
///
/// ```
/// use std::time::Duration;
/// use webhook_guard::guard::RetryAfter;
/// use webhook_guard::{Guard, Rejection, Scheme, Secret, Signer, Verifier};
///
/// # futures::executor::block_on(async {
/// let secret = Secret::new("It's a Secret to Everybody").unwrap();
/// // Our handlers take up to a minute: ask the sender to wait that long for a copy in flight.
/// let guard = Guard::new(Verifier::new(Scheme::github(), [secret.clone()]))
///     .retry_after(RetryAfter { in_flight: Duration::from_secs(60), ..RetryAfter::default() });
/// let headers = Signer::new(Scheme::github(), secret).headers(b"{}", 0, "d-1");
///
/// let first = guard.admit(&headers, "/", "{}".into()).await.unwrap(); // still running
/// let copy = guard.admit(&headers, "/", "{}".into()).await.unwrap_err();
/// assert_eq!(copy, Rejection::InFlight { retry_after: Duration::from_secs(60) });
/// assert_eq!(copy.retry_after_secs(), Some(60));
/// first.into_claim().finish(true).await;
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter {
    /// For a duplicate of a delivery still in flight (409). Default 10 s.
    pub in_flight: Duration,
    /// For a store full of live keys (503). Default 60 s.
    pub store_full: Duration,
    /// For a store or secret lookup that cannot be reached (503). Default 5 s.
    pub unavailable: Duration,
}

impl Default for RetryAfter {
    fn default() -> Self {
        Self {
            in_flight: Duration::from_secs(10),
            store_full: Duration::from_secs(60),
            unavailable: Duration::from_secs(5),
        }
    }
}

/// Verification plus exactly-once admission. Cheap to clone. See the [module docs](self).
///
/// The adapters (`axum::WebhookLayer`, `actix::WebhookMiddleware`) drive a guard for you;
/// call it directly to receive webhooks in another framework, or from a queue consumer. A
/// handler that fails leaves the delivery retryable:
///
/// ```
/// use webhook_guard::{Guard, Rejection, Scheme, Secret, Signer, Verifier};
///
/// # futures::executor::block_on(async {
/// let secret = Secret::new("It's a Secret to Everybody").unwrap();
/// let guard = Guard::new(Verifier::new(Scheme::github(), [secret.clone()]));
/// let headers = Signer::new(Scheme::github(), secret).headers(b"{}", 0, "d-1");
///
/// let attempt = guard.admit(&headers, "/webhooks/github", "{}".into()).await.unwrap();
/// attempt.into_claim().finish(false).await; // the handler answered 500
/// let retry = guard.admit(&headers, "/webhooks/github", "{}".into()).await.unwrap();
/// retry.into_claim().finish(true).await; // 200 this time
/// let copy = guard.admit(&headers, "/webhooks/github", "{}".into()).await;
/// assert_eq!(copy.unwrap_err(), Rejection::AlreadyProcessed);
/// # });
/// ```
#[derive(Clone)]
pub struct Guard {
    inner: Arc<GuardInner>,
}

#[derive(Clone)]
struct GuardInner {
    #[cfg(feature = "metrics")]
    metrics: Arc<crate::metrics::Metrics>,
    verifier: Verifier,
    resolver: Option<Arc<dyn SecretResolver>>,
    store: Option<Arc<dyn ReplayStore>>,
    store_failure: StoreFailure,
    retry_after: RetryAfter,
    on_unparsed: UnparsedPolicy,
    #[cfg(feature = "inbox")]
    inbox: Option<Arc<dyn crate::inbox::Enqueue>>,
    limits: BodyLimits,
}

impl fmt::Debug for Guard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard")
            .field("verifier", &self.inner.verifier)
            .field("store", &self.inner.store)
            .field("store_failure", &self.inner.store_failure)
            .field("on_unparsed", &self.inner.on_unparsed)
            .finish_non_exhaustive()
    }
}

impl Guard {
    /// A guard around `verifier`, deduplicating with a fresh
    /// [`MemoryStore`](crate::replay::MemoryStore) (with the `moka` feature; without it, call
    /// [`store`](Self::store), or deliveries are not deduplicated).
    pub fn new(verifier: Verifier) -> Self {
        #[cfg(feature = "moka")]
        let store: Option<Arc<dyn ReplayStore>> = Some(Arc::new(crate::replay::MemoryStore::new()));
        #[cfg(not(feature = "moka"))]
        let store: Option<Arc<dyn ReplayStore>> = None;
        Self {
            inner: Arc::new(GuardInner {
                #[cfg(feature = "metrics")]
                metrics: Arc::new(crate::metrics::Metrics::new(verifier.scheme().name())),
                verifier,
                resolver: None,
                store,
                store_failure: StoreFailure::default(),
                retry_after: RetryAfter::default(),
                on_unparsed: UnparsedPolicy::default(),
                #[cfg(feature = "inbox")]
                inbox: None,
                limits: BodyLimits::default(),
            }),
        }
    }

    fn with(mut self, change: impl FnOnce(&mut GuardInner)) -> Self {
        change(Arc::make_mut(&mut self.inner));
        self
    }

    /// Deduplicates with `store`: a `RedisStore` for several replicas (feature `redis`), a
    /// `MemoryStore` with other settings, or your own [`ReplayStore`], whose docs show one.
    #[must_use]
    pub fn store(self, store: impl ReplayStore) -> Self {
        self.shared_store(Arc::new(store))
    }

    /// Deduplicates with a store shared with other guards.
    ///
    /// Keys carry the scheme's name, so guards of different schemes never mistake each other's
    /// deliveries, while two guards of one scheme (two routes, or a tenant route and a default
    /// route) see each other's:
    ///
    /// ```
    /// use std::sync::Arc;
    /// use webhook_guard::replay::{MemoryStore, ReplayStore};
    /// use webhook_guard::{Guard, Scheme, Secret, Verifier};
    ///
    /// let store: Arc<dyn ReplayStore> = Arc::new(MemoryStore::new());
    /// let secret = Secret::new("s").unwrap();
    /// let github = Guard::new(Verifier::new(Scheme::github(), [secret.clone()]))
    ///     .shared_store(Arc::clone(&store));
    /// let stripe = Guard::new(Verifier::new(Scheme::stripe(), [secret])).shared_store(Arc::clone(&store));
    /// assert!(Arc::ptr_eq(github.replay_store().unwrap(), stripe.replay_store().unwrap()));
    /// ```
    #[must_use]
    pub fn shared_store(self, store: Arc<dyn ReplayStore>) -> Self {
        self.with(|inner| inner.store = Some(store))
    }

    /// Chooses secrets per request instead of the verifier's fixed set. See the example on
    /// [`SecretQuery`].
    #[must_use]
    pub fn secret_resolver(self, resolver: impl SecretResolver) -> Self {
        let resolver: Arc<dyn SecretResolver> = Arc::new(resolver);
        self.with(|inner| inner.resolver = Some(resolver))
    }

    /// What to do when the store cannot be reached (default: fail closed, 503). See the
    /// example on [`StoreFailure`].
    #[must_use]
    pub fn on_store_failure(self, policy: StoreFailure) -> Self {
        self.with(|inner| inner.store_failure = policy)
    }

    /// What the adapters do with a verified delivery whose body does not parse as the
    /// handler's `Verified<T>` (default: store it as a dead letter in `./dead-letters`, answer
    /// 200). See [`UnparsedPolicy`].
    #[must_use]
    pub fn on_unparsed(self, policy: UnparsedPolicy) -> Self {
        self.with(|inner| inner.on_unparsed = policy)
    }

    /// The policy for verified deliveries that do not parse as the handler's type.
    pub fn unparsed_policy(&self) -> &UnparsedPolicy {
        &self.inner.on_unparsed
    }

    #[cfg_attr(not(any(feature = "axum", feature = "actix")), allow(dead_code))]
    /// Applies the [`UnparsedPolicy`] to a verified `delivery` that did not parse as the
    /// handler's type; the adapters' extractors turn the outcome into their response.
    pub(crate) fn unparsed<H: HeaderLookup + ?Sized>(
        &self,
        delivery: &Delivery,
        headers: &H,
        error: serde_json::Error,
    ) -> Unparsed {
        let scheme = self.inner.verifier.scheme();
        self.inner
            .on_unparsed
            .apply(scheme, delivery, headers, error)
    }

    /// Inbox mode: verified deliveries are stored in `inbox` and answered 2xx once durable,
    /// by the adapters' `enqueue` handlers (`webhook_guard::axum::enqueue`,
    /// `webhook_guard::actix::enqueue`); workers run your handler later. The inbox's unique key
    /// deduplicates, so the guard claims no replay store. See [`crate::inbox`].
    #[cfg(feature = "inbox")]
    #[cfg_attr(docsrs, doc(cfg(feature = "inbox")))]
    #[must_use]
    pub fn inbox<DB: crate::inbox::Backend>(self, inbox: crate::inbox::Inbox<DB>) -> Self {
        let inbox: Arc<dyn crate::inbox::Enqueue> = Arc::new(inbox);
        self.with(|inner| {
            inner.inbox = Some(inbox);
            inner.store = None;
        })
    }

    /// Stores a verified delivery in the guard's inbox: `Ok` once durable (new or duplicate),
    /// 503 when the database fails, 500 without an inbox (a server bug).
    #[cfg(all(feature = "inbox", any(feature = "axum", feature = "actix")))]
    pub(crate) async fn enqueue<H: HeaderLookup + ?Sized>(
        &self,
        delivery: &Delivery,
        headers: &H,
    ) -> Result<crate::inbox::Enqueued, Option<Rejection>> {
        let inner = &*self.inner;
        let Some(inbox) = &inner.inbox else {
            tracing::error!("webhook-guard: enqueue without an inbox; add Guard::inbox");
            return Err(None);
        };
        let row = crate::inbox::NewDelivery::new(inner.verifier.scheme(), delivery, headers);
        inbox.enqueue(row).await.map_err(|error| {
            tracing::warn!(
                scheme = inner.verifier.scheme().name(),
                delivery_id = delivery.id(),
                %error,
                "inbox unavailable: answering 503, nothing acknowledged"
            );
            Some(self.unavailable())
        })
    }

    /// The `Retry-After` of a 503 for a store, secret lookup or dead-letter sink that failed.
    pub(crate) fn unavailable(&self) -> Rejection {
        Rejection::Unavailable {
            retry_after: self.inner.retry_after.unavailable,
        }
    }

    /// The `Retry-After` values. See the example on [`RetryAfter`].
    #[must_use]
    pub fn retry_after(self, retry_after: RetryAfter) -> Self {
        self.with(|inner| inner.retry_after = retry_after)
    }

    /// The largest body accepted (default 1 MiB): a larger one is refused with 413, on its
    /// `Content-Length` before anything is read, or at the first chunk past the limit.
    ///
    /// ```
    /// use webhook_guard::{Guard, Scheme, Secret, Verifier};
    ///
    /// let guard = Guard::new(Verifier::new(Scheme::audit_trail(), [Secret::new("s").unwrap()]))
    ///     .body_limit(64 * 1024);
    /// assert_eq!(guard.verifier().limit(), 64 * 1024);
    /// ```
    #[must_use]
    pub fn body_limit(self, limit: usize) -> Self {
        let verifier = self.inner.verifier.clone().body_limit(limit);
        self.with_verifier(verifier)
    }

    /// The budget of body bytes being read at once, shared with every guard holding a clone
    /// (default [`BodyBudget::global`], 64 MiB for the whole process). A request that would
    /// pass it gets 503 with `Retry-After` (the `unavailable` value of [`RetryAfter`]) before
    /// its body is read. See [`limits`](crate::limits).
    ///
    /// ```
    /// use webhook_guard::limits::BodyBudget;
    /// use webhook_guard::{Guard, Rejection, Scheme, Secret, Verifier};
    ///
    /// let budget = BodyBudget::new(1024);
    /// let guard = Guard::new(Verifier::new(Scheme::github(), [Secret::new("s").unwrap()]))
    ///     .body_budget(budget.clone());
    /// let announced: &[(&str, &str)] = &[("content-length", "1000")];
    /// let reading = guard.body_buffer(announced).unwrap(); // 1,000 of 1,024 bytes taken
    /// assert_eq!(budget.in_use(), 1000);
    /// assert_eq!(guard.body_buffer(announced).unwrap_err().status(), 503);
    /// drop(reading); // verified, refused, or the client went away
    /// assert!(guard.body_buffer(announced).is_ok());
    /// ```
    #[must_use]
    pub fn body_budget(self, budget: BodyBudget) -> Self {
        self.with(|inner| inner.limits.budget = budget)
    }

    /// How long a body may take to arrive (default: 30 s in all, 1 KiB/s on average after
    /// 5 s); past it the request gets 408. See [`BodyTimeouts`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_guard::limits::BodyTimeouts;
    /// use webhook_guard::{Guard, Scheme, Secret, Verifier};
    ///
    /// let guard = Guard::new(Verifier::new(Scheme::github(), [Secret::new("s").unwrap()]))
    ///     .body_timeouts(BodyTimeouts::default().total(Duration::from_secs(10)));
    /// assert_eq!(guard.limits().timeouts().total_deadline(), Duration::from_secs(10));
    /// ```
    #[must_use]
    pub fn body_timeouts(self, timeouts: BodyTimeouts) -> Self {
        self.with(|inner| inner.limits.timeouts = timeouts)
    }

    /// The body budget and timeouts. See [`limits`](crate::limits).
    pub fn limits(&self) -> &BodyLimits {
        &self.inner.limits
    }

    /// Checks the request head before the body is read: see
    /// [`Verifier::check_head`]. The adapters call it first, then
    /// [`body_buffer`](Self::body_buffer); [`admit`](Self::admit) runs it again.
    ///
    /// ```
    /// use webhook_guard::{Guard, Rejection, Scheme, Secret, Verifier};
    ///
    /// let guard = Guard::new(Verifier::new(Scheme::github(), [Secret::new("s").unwrap()]));
    /// let unsigned: &[(&str, &str)] = &[("content-length", "1048576")];
    /// assert_eq!(guard.check_head(unsigned), Err(Rejection::MissingSignature));
    /// ```
    pub fn check_head<H>(&self, headers: &H) -> Result<(), Rejection>
    where
        H: HeaderLookup + ?Sized,
    {
        let verifier = &self.inner.verifier;
        verifier.check_head(headers, verifier.now())
    }

    /// Replaces the verifier (to change its body limit or clock), keeping the store, the
    /// resolver and the policies.
    ///
    /// ```
    /// use webhook_guard::time::FixedClock;
    /// use webhook_guard::{Guard, Scheme, Secret, Verifier};
    ///
    /// let verifier = Verifier::new(Scheme::audit_trail(), [Secret::new("s").unwrap()]);
    /// let guard = Guard::new(verifier.clone());
    /// let pinned = guard.with_verifier(verifier.clock(FixedClock(1_705_312_200)));
    /// assert_eq!(pinned.verifier().now(), 1_705_312_200);
    /// ```
    #[must_use]
    pub fn with_verifier(self, verifier: Verifier) -> Self {
        self.with(|inner| inner.verifier = verifier)
    }

    /// Starts reading a request body for [`admit`](Self::admit), with the verifier's limit,
    /// the guard's [`BodyBudget`] and [`BodyTimeouts`].
    ///
    /// Refused at once when `Content-Length` announces more than the limit (413) or more than
    /// the budget has left (503), before anything is read. See [`BodyBuffer`].
    ///
    /// ```
    /// use webhook_guard::{Guard, Rejection, Scheme, Secret, Verifier};
    ///
    /// let secret = Secret::new("whsec_abc123def456").unwrap();
    /// let guard = Guard::new(Verifier::new(Scheme::audit_trail(), [secret]).body_limit(16));
    /// let announced: &[(&str, &str)] = &[("Content-Length", "17")];
    /// assert_eq!(guard.body_buffer(announced).unwrap_err(), Rejection::BodyTooLarge { limit: 16 });
    /// ```
    pub fn body_buffer<H>(&self, headers: &H) -> Result<BodyBuffer, Rejection>
    where
        H: HeaderLookup + ?Sized,
    {
        let inner = &*self.inner;
        let overloaded = Rejection::Overloaded {
            retry_after: inner.retry_after.unavailable,
        };
        BodyBuffer::new(
            inner.verifier.limit(),
            headers.header("content-length"),
            &inner.limits,
            overloaded,
        )
    }

    /// Logs a rejection decided before the body could be verified (an oversized or unreadable
    /// body) the way [`admit`](Self::admit) logs its own, and returns it.
    ///
    /// For adapters: a receiver that reads the body itself (with
    /// [`body_buffer`](Self::body_buffer)) calls it when reading fails, so every rejection is
    /// logged (and counted) alike.
    pub fn reject_unread(&self, rejection: Rejection) -> Rejection {
        self.log_outcome(Err((&rejection, None)));
        rejection
    }

    /// Logs the handler's answer to an admitted delivery (`handled` for 2xx, `handler_failed`
    /// otherwise). For adapters: call it next to [`ClaimGuard::finish`], whose `success` is
    /// the same 2xx test.
    pub fn log_handled(&self, status: u16) {
        #[cfg(feature = "metrics")]
        self.inner
            .metrics
            .record_handled((200..300).contains(&status));
        let scheme = self.inner.verifier.scheme().name();
        if (200..300).contains(&status) {
            tracing::info!(scheme, outcome = "handled", status, "webhook handled");
        } else {
            tracing::warn!(
                scheme,
                outcome = "handler_failed",
                status,
                "webhook handler failed; the delivery stays retryable"
            );
        }
    }

    /// Logs one admission outcome. `delivery_id` is given only once the delivery verified: an
    /// id from an unverified request is the sender's word, not a fact worth logging.
    fn log_outcome(&self, result: Result<&Admitted, (&Rejection, Option<&str>)>) {
        #[cfg(feature = "metrics")]
        match result {
            Ok(_) => self.inner.metrics.record_accepted(),
            Err((rejection, _)) => self.inner.metrics.record_rejected(rejection),
        }
        let scheme = self.inner.verifier.scheme().name();
        match result {
            Ok(admitted) => tracing::info!(
                scheme,
                delivery_id = admitted.delivery.id(),
                event_type = admitted.delivery.event_type(),
                outcome = "accepted",
                "webhook accepted"
            ),
            Err((rejection @ Rejection::Answered(_), delivery_id)) => tracing::info!(
                scheme,
                delivery_id,
                outcome = "handshake",
                reason = rejection.code(),
                "webhook handshake answered"
            ),
            Err((rejection, delivery_id)) if rejection.is_duplicate() => {
                tracing::info!(
                    scheme,
                    delivery_id,
                    outcome = "duplicate",
                    reason = rejection.code(),
                    "webhook duplicate"
                )
            }
            Err((rejection, delivery_id)) => tracing::warn!(
                scheme,
                delivery_id,
                outcome = "rejected",
                reason = rejection.code(),
                status = rejection.status(),
                "webhook rejected"
            ),
        }
    }

    /// The guard's counters (feature `metrics`).
    #[cfg(feature = "metrics")]
    #[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
    pub fn metrics(&self) -> &crate::metrics::Metrics {
        &self.inner.metrics
    }

    /// The verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.inner.verifier
    }

    /// The replay store, if any.
    pub fn replay_store(&self) -> Option<&Arc<dyn ReplayStore>> {
        self.inner.store.as_ref()
    }

    /// Verifies and claims a delivery. Every outcome is logged with `tracing` (fields `scheme`,
    /// `delivery_id` once verified, `outcome`, `reason`), never with the signature or secret.
    ///
    /// `target` is the request's path and query as received: its path is passed to the
    /// [`SecretResolver`], if any, and the whole of it is signed by the schemes that sign the
    /// URL ([`Verifier::public_url`]). On `Ok`, run the handler and
    /// [`finish`](ClaimGuard::finish) the claim with its outcome; see the [module docs](self)
    /// and the example on [`Guard`].
    ///
    /// A handshake ([`crate::handshake`]) is answered with [`Rejection::Answered`]: send its
    /// response, run no handler; nothing was claimed.
    pub async fn admit<H>(
        &self,
        headers: &H,
        target: &str,
        body: Bytes,
    ) -> Result<Admitted, Rejection>
    where
        H: HeaderLookup + Sync + ?Sized,
    {
        let mut delivery = match self.verify_request(headers, target, body).await {
            Ok(delivery) => delivery,
            Err(rejection) => {
                self.log_outcome(Err((&rejection, None)));
                return Err(rejection);
            }
        };
        // A verified handshake is answered, never claimed: it is no delivery to deduplicate.
        if let Some(answer) = delivery.handshake.take() {
            let rejection = Rejection::Answered(answer);
            self.log_outcome(Err((&rejection, Some(delivery.id()))));
            return Err(rejection);
        }
        match self.claim(delivery).await {
            Ok(admitted) => {
                self.log_outcome(Ok(&admitted));
                Ok(admitted)
            }
            Err((rejection, delivery)) => {
                self.log_outcome(Err((&rejection, Some(delivery.id()))));
                Err(rejection)
            }
        }
    }

    /// Chooses the secrets and verifies.
    async fn verify_request<H>(
        &self,
        headers: &H,
        target: &str,
        body: Bytes,
    ) -> Result<Delivery, Rejection>
    where
        H: HeaderLookup + Sync + ?Sized,
    {
        let inner = &*self.inner;
        let verifier = &inner.verifier;
        let now = verifier.now();
        let path = target.split_once('?').map_or(target, |(path, _)| path);
        // The head first, even when the adapter already checked it: a direct caller gets the
        // same answers (a repeated header, a stale timestamp) before any secret lookup.
        verifier.check_head(headers, now)?;
        match &inner.resolver {
            None => verifier.verify_target(headers, target, body, verifier.secrets(), now),
            Some(resolver) => {
                // The size limit comes first, before any lookup.
                if body.len() > verifier.limit() {
                    return Err(Rejection::BodyTooLarge {
                        limit: verifier.limit(),
                    });
                }
                let query = SecretQuery {
                    scheme: Arc::from(verifier.scheme().name()),
                    path: path.to_owned(),
                };
                let secrets = match resolver.resolve(query).await {
                    Ok(Some(secrets)) => secrets,
                    Ok(None) => return Err(Rejection::UnknownSigner),
                    Err(error) => {
                        tracing::warn!(scheme = verifier.scheme().name(), %error, "secret lookup failed");
                        return Err(self.unavailable());
                    }
                };
                verifier.verify_target(headers, target, body, &secrets, now)
            }
        }
    }

    /// Claims a verified delivery's replay keys. On refusal the delivery comes back, for the log.
    async fn claim(&self, delivery: Delivery) -> Result<Admitted, (Rejection, Delivery)> {
        let inner = &*self.inner;
        let verifier = &inner.verifier;
        let Some(store) = &inner.store else {
            return Ok(Admitted {
                delivery,
                claim: ClaimGuard::none(),
            });
        };
        let window = verifier.scheme().freshness().replay_window();
        let (id_key, signature_key) = delivery.replay_keys();
        let mut claim = ClaimGuard {
            store: Some(Arc::clone(store)),
            tokens: [None, None],
        };
        for (slot, key) in [Some(id_key), signature_key].into_iter().enumerate() {
            let Some(key) = key else { continue };
            match store.claim(key, window).await {
                Ok(Claim::Fresh(token)) => claim.tokens[slot] = Some(token),
                Ok(Claim::InFlight { lease_left }) => {
                    claim.finish(false).await;
                    // Never later than the holder's lease: past it the key is free, and a
                    // holder that is gone (crashed, or a claim that landed after its caller
                    // gave up) must not keep the sender away longer. Rounded up, so the retry
                    // does not come a moment before the lease ends.
                    let retry_after = match lease_left {
                        Some(left) => inner
                            .retry_after
                            .in_flight
                            .min(Duration::from_secs(left.as_millis().div_ceil(1000) as u64)),
                        None => inner.retry_after.in_flight,
                    };
                    let rejection = Rejection::InFlight { retry_after };
                    return Err((rejection, delivery));
                }
                Ok(Claim::Done) => {
                    claim.finish(false).await;
                    return Err((Rejection::AlreadyProcessed, delivery));
                }
                Err(StoreError::Full) => {
                    claim.finish(false).await;
                    let rejection = Rejection::StoreFull {
                        retry_after: inner.retry_after.store_full,
                    };
                    return Err((rejection, delivery));
                }
                Err(error) => {
                    claim.finish(false).await;
                    if inner.store_failure == StoreFailure::FailOpen {
                        tracing::warn!(
                            scheme = verifier.scheme().name(),
                            delivery_id = delivery.id(),
                            %error,
                            "replay store unavailable: accepting without deduplication (fail open)"
                        );
                        return Ok(Admitted {
                            delivery,
                            claim: ClaimGuard::none(),
                        });
                    }
                    tracing::warn!(scheme = verifier.scheme().name(), %error, "replay store unavailable");
                    return Err((self.unavailable(), delivery));
                }
            }
        }
        Ok(Admitted { delivery, claim })
    }
}

/// A delivery the handler may run, with its replay claims.
///
/// ```
/// use webhook_guard::{Guard, Scheme, Secret, Signer, Verifier};
///
/// # futures::executor::block_on(async {
/// let secret = Secret::new("It's a Secret to Everybody").unwrap();
/// let guard = Guard::new(Verifier::new(Scheme::github(), [secret.clone()]));
/// let mut headers = Signer::new(Scheme::github(), secret).headers(b"{}", 0, "d-1");
/// headers.push(("X-GitHub-Event".into(), "ping".into()));
///
/// let admitted = guard.admit(&headers, "/webhooks/github", "{}".into()).await.unwrap();
/// assert_eq!(admitted.delivery().event_type(), Some("ping"));
/// let (delivery, claim) = admitted.into_parts();
/// let ok = delivery.body() == "{}"; // the handler's work
/// claim.finish(ok).await;
/// # });
/// ```
#[derive(Debug)]
pub struct Admitted {
    delivery: Delivery,
    claim: ClaimGuard,
}

impl Admitted {
    /// The verified delivery.
    pub fn delivery(&self) -> &Delivery {
        &self.delivery
    }

    /// Splits into the delivery and its claims.
    pub fn into_parts(self) -> (Delivery, ClaimGuard) {
        (self.delivery, self.claim)
    }

    /// The claims alone.
    pub fn into_claim(self) -> ClaimGuard {
        self.claim
    }
}

/// The replay claims of one admitted delivery. Released on drop unless
/// [`finish`](Self::finish)ed, so a handler that panics or a request that is cancelled leaves
/// the delivery retryable.
///
/// ```
/// use webhook_guard::{ClaimGuard, Guard, Scheme, Secret, Signer, Verifier};
///
/// # futures::executor::block_on(async {
/// let secret = Secret::new("It's a Secret to Everybody").unwrap();
/// let guard = Guard::new(Verifier::new(Scheme::github(), [secret.clone()]));
/// let headers = Signer::new(Scheme::github(), secret).headers(b"{}", 0, "d-1");
///
/// let claim = guard.admit(&headers, "/", "{}".into()).await.unwrap().into_claim();
/// assert!(claim.is_claimed());
/// drop(claim); // as if the handler panicked
/// let retry = guard.admit(&headers, "/", "{}".into()).await.unwrap();
/// retry.into_claim().finish(true).await;
///
/// assert!(!ClaimGuard::none().is_claimed());
/// # });
/// ```
#[must_use = "dropping the guard releases the claim: call finish with the handler's outcome"]
pub struct ClaimGuard {
    store: Option<Arc<dyn ReplayStore>>,
    tokens: [Option<ClaimToken>; 2],
}

impl fmt::Debug for ClaimGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClaimGuard")
            .field("tokens", &self.tokens)
            .finish()
    }
}

impl ClaimGuard {
    /// A guard holding no claim (no store, or a store that failed open).
    pub fn none() -> Self {
        Self {
            store: None,
            tokens: [None, None],
        }
    }

    /// Completes the claims (`success`: the handler answered 2xx) or releases them (anything
    /// else), so a failed delivery stays retryable. Store errors are logged: a completion that
    /// did not reach the store leaves the claim to expire with its lease.
    pub async fn finish(mut self, success: bool) {
        let Some(store) = self.store.take() else {
            return;
        };
        for token in self.tokens.iter_mut().filter_map(Option::take) {
            let result = if success {
                store.complete(&token).await
            } else {
                store.release(&token).await
            };
            if let Err(error) = result {
                tracing::warn!(%error, success, "replay store did not record the handler's outcome; the claim will expire with its lease");
            }
        }
    }

    /// True when the guard holds at least one claim.
    pub fn is_claimed(&self) -> bool {
        self.tokens.iter().any(Option::is_some)
    }
}

impl Drop for ClaimGuard {
    fn drop(&mut self) {
        if let Some(store) = &self.store {
            for token in self.tokens.iter_mut().filter_map(Option::take) {
                tracing::debug!(key = ?token.key(), "releasing an unfinished claim");
                store.release_detached(token);
            }
        }
    }
}

/// A request body being read for [`Guard::admit`], refused as soon as it is larger than the
/// limit. Every adapter reads through it, so they all agree on when a body is too large.
///
/// Made by [`Guard::body_buffer`], which refuses a body whose `Content-Length` announces more
/// than the limit (or than the [`BodyBudget`] has left) before anything is read;
/// [`push`](Self::push) refuses the chunk that passes the limit (or the budget), so the adapter
/// stops reading there and never holds the rest. The adapter bounds each wait for a chunk by
/// [`time_left`](Self::time_left). A body read as one
/// chunk is kept as that chunk (no copy); several chunks are gathered into one buffer, sized
/// from `Content-Length` when it is honest.
///
/// ```
/// use bytes::Bytes;
/// use webhook_guard::{Guard, Rejection, Scheme, Secret, Verifier};
///
/// let secret = Secret::new("whsec_abc123def456").unwrap();
/// let guard = Guard::new(Verifier::new(Scheme::audit_trail(), [secret]).body_limit(8));
/// let no_length: &[(&str, &str)] = &[];
///
/// let mut body = guard.body_buffer(no_length).unwrap();
/// body.push(Bytes::from_static(b"{\"a\":")).unwrap();
/// body.push(Bytes::from_static(b"1}")).unwrap();
/// assert_eq!(body.finish(), "{\"a\":1}");
///
/// let mut body = guard.body_buffer(no_length).unwrap();
/// body.push(Bytes::from_static(b"{\"a\":")).unwrap();
/// assert_eq!(body.push(Bytes::from_static(b"123}")), Err(Rejection::BodyTooLarge { limit: 8 }));
/// ```
#[derive(Debug)]
pub struct BodyBuffer {
    limit: usize,
    announced: Option<usize>,
    total: usize,
    first: Option<Bytes>,
    gathered: BytesMut,
    permit: BudgetPermit,
    overloaded: Rejection,
    timeouts: BodyTimeouts,
    started: Instant,
}

impl BodyBuffer {
    fn new(
        limit: usize,
        content_length: Option<&[u8]>,
        limits: &BodyLimits,
        overloaded: Rejection,
    ) -> Result<Self, Rejection> {
        let announced = content_length
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(|v| v.parse::<u64>().ok());
        if announced.is_some_and(|len| len > limit as u64) {
            return Err(Rejection::BodyTooLarge { limit });
        }
        // At most the limit, so a `usize` holds it.
        let announced = announced.map(|len| len as usize);
        // The announced length is taken at once: that much is allocated as soon as a second
        // chunk arrives, and a client that announces a body and sends none still holds it.
        let Some(permit) = limits.budget.try_take(announced.unwrap_or(0)) else {
            return Err(overloaded);
        };
        Ok(Self {
            limit,
            announced,
            total: 0,
            first: None,
            gathered: BytesMut::new(),
            permit,
            overloaded,
            timeouts: limits.timeouts,
            started: Instant::now(),
        })
    }

    /// How much longer the body may take: the time the [`BodyTimeouts`] allow for the bytes
    /// received so far, minus the time spent. At zero, stop reading and refuse it with
    /// [`Rejection::BodyTimeout`] (408).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use webhook_guard::{Guard, Scheme, Secret, Verifier};
    /// # let guard = Guard::new(Verifier::new(Scheme::audit_trail(), [Secret::new("s").unwrap()]));
    /// let body = guard.body_buffer(&[] as &[(&str, &str)]).unwrap();
    /// // Nothing received yet: the grace of the minimum rate (5 s by default).
    /// assert!(body.time_left() <= Duration::from_secs(5));
    /// ```
    pub fn time_left(&self) -> Duration {
        self.timeouts
            .allowed(self.total)
            .saturating_sub(self.started.elapsed())
    }

    /// The whole body, and the share of the [`BodyBudget`] it holds: keep the permit until the
    /// body is verified, so the bytes count until they can be dropped.
    ///
    /// ```
    /// # use bytes::Bytes;
    /// # use webhook_guard::{Guard, Scheme, Secret, Verifier};
    /// # let guard = Guard::new(Verifier::new(Scheme::audit_trail(), [Secret::new("s").unwrap()]));
    /// let mut body = guard.body_buffer(&[] as &[(&str, &str)]).unwrap();
    /// body.push(Bytes::from_static(b"{}")).unwrap();
    /// let (bytes, permit) = body.finish_with_permit();
    /// assert_eq!((bytes.len(), permit.held()), (2, 2));
    /// ```
    pub fn finish_with_permit(mut self) -> (Bytes, BudgetPermit) {
        let bytes = match self.first.take() {
            Some(only) => only,
            None => std::mem::take(&mut self.gathered).freeze(),
        };
        (bytes, self.permit)
    }

    /// Adds the next chunk; `Err(BodyTooLarge)` once the body is past the limit (stop reading).
    ///
    /// ```
    /// # use bytes::Bytes;
    /// # use webhook_guard::{Guard, Scheme, Secret, Verifier};
    /// # let guard = Guard::new(Verifier::new(Scheme::audit_trail(), [Secret::new("s").unwrap()]));
    /// let mut body = guard.body_buffer(&[] as &[(&str, &str)]).unwrap();
    /// body.push(Bytes::from_static(b"{}")).unwrap();
    /// assert_eq!(body.finish(), "{}");
    /// ```
    pub fn push(&mut self, chunk: Bytes) -> Result<(), Rejection> {
        let len = chunk.len();
        self.total = self.total.saturating_add(len);
        if self.total > self.limit {
            return Err(Rejection::BodyTooLarge { limit: self.limit });
        }
        // A body longer than announced (none announced: chunked) takes the rest as it comes.
        let held = self.permit.held();
        if self.total > held && !self.permit.grow(self.total - held) {
            return Err(self.overloaded.clone());
        }
        if len == 0 {
            return Ok(());
        }
        match self.first.take() {
            None if self.gathered.is_empty() => self.first = Some(chunk),
            Some(first) => {
                let expected = self.announced.unwrap_or(0).max(self.total);
                self.gathered.reserve(expected);
                self.gathered.put(first);
                self.gathered.put(chunk);
            }
            None => self.gathered.put(chunk),
        }
        Ok(())
    }

    /// The whole body, in one buffer.
    ///
    /// ```
    /// # use bytes::Bytes;
    /// # use webhook_guard::{Guard, Scheme, Secret, Verifier};
    /// # let guard = Guard::new(Verifier::new(Scheme::audit_trail(), [Secret::new("s").unwrap()]));
    /// let body = guard.body_buffer(&[] as &[(&str, &str)]).unwrap();
    /// assert!(body.finish().is_empty());
    /// ```
    pub fn finish(self) -> Bytes {
        self.finish_with_permit().0
    }
}
