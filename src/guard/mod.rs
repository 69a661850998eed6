//! Admission: verification, the replay claim, body limits and telemetry. See [`Guard`].

mod admission;
mod body;
mod outcome;
mod resolver;
#[cfg(any(feature = "axum", feature = "actix"))]
pub(crate) mod verified;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use admission::{Admission, Admitted, Finish, Refused};
pub use resolver::{ResolveError, ResolveFuture, SecretQuery, SecretResolver};

use crate::dead_letter::{Unparsed, UnparsedPolicy};
use crate::limits::{BodyBudget, BodyLimits, BodyTimeouts};
use crate::replay::ReplayStore;
use crate::{Delivery, HeaderLookup, Rejection, Verifier};

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
/// assert!(!admitted.into_admission().is_claimed());
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
/// use webhook_guard::RetryAfter;
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
/// first.into_admission().finish(200).await;
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

/// Verification plus admission (each delivery runs its handler to success at most once while
/// its replay key is kept; see the README's "What once means"): the one configuration value
/// every adapter runs. Cheap to clone.
///
/// Admission: verify, choose the secrets, claim the replay store. What every adapter runs.
///
/// An adapter makes one call per request, [`Guard::admit_request`], with the head and the
/// body as its framework hands them over. The guard checks the head before reading a byte,
/// reads the body within its limits, verifies it and claims the replay store, then answers
/// with an [`Admitted`] delivery (run the handler) or a [`Refused`] request (send its
/// rejection). The [`Admission`] of an admitted delivery is finished with the handler's HTTP
/// status ([`Admission::finish`]): 2xx completes the claims, anything else releases them; if it
/// is dropped unfinished (the response future was dropped, the handler panicked) it releases
/// them too, so the sender's retry gets through. Logs, metrics and the rule "2xx means done"
/// live here, once: the axum and actix-web adapters, and the plain hyper service of
/// `examples/hyper_receiver.rs`, only translate requests and responses.
///
/// [`Guard::admit`] is the same for a body already in hand (a queue consumer, a test).
///
/// ## Logs
///
/// Every outcome is one `tracing` event (target `webhook_guard::guard`) with stable fields:
///
/// | field | value |
/// |---|---|
/// | `scheme` | the scheme's name (`audit-trail`, `palo`, ...) |
/// | `outcome` | `accepted`, `duplicate`, `rejected`, `handshake` (at admission); `handled`, `handler_failed`, `cancelled` (after) |
/// | `reason` | the [`Rejection::code`] for `duplicate` and `rejected` (`invalid_signature`, `stale_timestamp`, `already_processed`, ...) |
/// | `status` | the HTTP status answered (`rejected`, `handled`, `handler_failed`) |
/// | `delivery_id` | the delivery id, only once the delivery verified (an unverified id is the sender's word) |
/// | `event_type` | the event type (`accepted`) |
///
/// `accepted`, `duplicate` and `handled` are at INFO, the others at WARN. No event carries a
/// signature, a secret or the body. The events of one delivery share a span, `webhook`, with
/// the fields `scheme`, `delivery_id` (once verified) and `outcome` (the last one, recorded
/// when it is known). With the `metrics` feature the same outcomes are counted through the
/// [`metrics`](https://docs.rs/metrics) facade: see [`crate::metrics`].
///
/// ```
/// use webhook_guard::{Guard, Rejection, Scheme, Secret, Signer, Verifier};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let secret = Secret::new("whsec_abc123def456").unwrap();
/// let guard = Guard::new(Verifier::new(Scheme::audit_trail(), [secret.clone()]));
/// let body = r#"{"id":"whd_abc123","type":"event.created","tenantId":"t1","data":{}}"#;
/// let now = guard.verifier().now();
/// let headers = Signer::new(Scheme::audit_trail(), secret).headers(body.as_bytes(), now, "whd_abc123");
///
/// let admitted = guard.admit(&headers, "/webhooks/audit-trail", body.into()).await.unwrap();
/// // ... run the handler, then:
/// admitted.into_admission().finish(200).await;
///
/// let again = guard.admit(&headers, "/webhooks/audit-trail", body.into()).await;
/// assert_eq!(again.unwrap_err(), Rejection::AlreadyProcessed);
/// # });
/// ```
///
/// # A guard by hand
///
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
/// attempt.into_admission().finish(500).await; // the handler answered 500
/// let retry = guard.admit(&headers, "/webhooks/github", "{}".into()).await.unwrap();
/// retry.into_admission().finish(200).await; // 200 this time
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
    /// The scheme's name and metric keys, shared by every delivery's span and metrics (no copy
    /// per request).
    meters: Arc<outcome::Meters>,
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
                meters: Arc::new(outcome::Meters::new(verifier.scheme().name())),
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

    fn telemetry(&self) -> outcome::Telemetry {
        outcome::Telemetry::new(&self.inner.meters)
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
    /// handler's type; the adapters' extractors turn the outcome into their response. The
    /// future borrows nothing (the sink's store runs on the blocking pool).
    pub(crate) fn unparsed<H: HeaderLookup + ?Sized>(
        &self,
        delivery: &Delivery,
        headers: &H,
        error: serde_json::Error,
    ) -> impl Future<Output = Unparsed> + Send + 'static {
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
    /// use http_body_util::Full;
    /// use webhook_guard::limits::BodyBudget;
    /// use webhook_guard::{Guard, Rejection, Scheme, Secret, Signer, Verifier};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let secret = Secret::new("s").unwrap();
    /// let budget = BodyBudget::new(1024);
    /// let guard = Guard::new(Verifier::new(Scheme::github(), [secret.clone()]))
    ///     .body_budget(budget.clone());
    /// let mut headers = Signer::new(Scheme::github(), secret).headers(b"{}", 0, "d-1");
    /// headers.push(("content-length".into(), "2".into()));
    /// let body = || Full::new(bytes::Bytes::from_static(b"{}"));
    ///
    /// let others = budget.try_take(1023).unwrap(); // bodies of other requests, still arriving
    /// let refused = guard.admit_request(&headers, "/", body()).await.unwrap_err();
    /// assert!(matches!(refused.rejection(), Rejection::Overloaded { .. }));
    /// drop(others); // verified, refused, or their clients went away
    /// assert!(guard.admit_request(&headers, "/", body()).await.is_ok());
    /// # });
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
        self.with(|inner| {
            inner.meters = Arc::new(outcome::Meters::new(verifier.scheme().name()));
            inner.verifier = verifier;
        })
    }

    /// The verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.inner.verifier
    }

    /// The replay store, if any.
    pub fn replay_store(&self) -> Option<&Arc<dyn ReplayStore>> {
        self.inner.store.as_ref()
    }
}

impl From<Verifier> for Guard {
    /// A guard around `verifier`, with the defaults of [`Guard::new`]: what the adapters'
    /// constructors take, so a layer can be built from a verifier alone.
    ///
    /// ```
    /// use webhook_guard::{Guard, Scheme, Secret, Verifier};
    ///
    /// let secret = Secret::new("whsec_abc123def456").unwrap();
    /// let guard = Guard::from(Verifier::new(Scheme::audit_trail(), [secret]));
    /// assert_eq!(guard.verifier().scheme().name(), "audit-trail");
    /// ```
    fn from(verifier: Verifier) -> Self {
        Self::new(verifier)
    }
}
