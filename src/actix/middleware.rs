use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};

use super::{PlainText, RejectionResponse, WebhookService};
use crate::guard::{RetryAfter, StoreFailure};
use crate::replay::ReplayStore;
use crate::{Guard, Scheme, Secret, SecretResolver, Verifier};

/// Verifies, deduplicates and admits webhook deliveries in front of an actix-web resource,
/// scope or app (`.wrap(...)`).
///
/// Built from a scheme and its secrets, with an in-memory replay store by default; each
/// builder method returns a new middleware. See the [module docs](super) for what it does.
///
/// Build it once, outside the `HttpServer::new` closure, and clone it in: every worker then
/// shares one replay store. A middleware built inside the closure gets a store per worker,
/// and a duplicate that lands on another worker is not caught.
///
/// ```
/// use webhook_guard::actix::WebhookMiddleware;
/// use webhook_guard::replay::MemoryStore;
/// use webhook_guard::Scheme;
///
/// let scheme = Scheme::palo();
/// let secret = scheme.secret("votre_secret_hmac_32_chars_min__").unwrap();
/// let middleware = WebhookMiddleware::new(scheme, [secret])
///     .body_limit(256 * 1024)
///     .store(MemoryStore::builder().capacity(100_000).build());
/// # let _ = middleware;
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct WebhookMiddleware<R = PlainText> {
    guard: Guard,
    on_rejection: R,
}

impl WebhookMiddleware {
    /// A middleware for `scheme`, accepting any of `secrets`.
    ///
    /// ```
    /// use webhook_guard::actix::WebhookMiddleware;
    /// use webhook_guard::Scheme;
    ///
    /// let secret = Scheme::audit_trail().secret("whsec_abc123def456").unwrap();
    /// let middleware = WebhookMiddleware::new(Scheme::audit_trail(), [secret]);
    /// # let _ = middleware;
    /// ```
    pub fn new(scheme: Scheme, secrets: impl IntoIterator<Item = Secret>) -> Self {
        Self::from_guard(Guard::new(Verifier::new(scheme, secrets)))
    }

    /// A middleware around a configured [`Guard`] (shared with other adapters or tests).
    ///
    /// ```
    /// use webhook_guard::actix::WebhookMiddleware;
    /// use webhook_guard::{Guard, Scheme, Verifier};
    ///
    /// let secret = Scheme::audit_trail().secret("whsec_abc123def456").unwrap();
    /// let guard = Guard::new(Verifier::new(Scheme::audit_trail(), [secret]));
    /// let middleware = WebhookMiddleware::from_guard(guard);
    /// # let _ = middleware;
    /// ```
    pub fn from_guard(guard: Guard) -> Self {
        Self {
            guard,
            on_rejection: PlainText,
        }
    }
}

impl<R> WebhookMiddleware<R> {
    fn map_guard(mut self, change: impl FnOnce(Guard) -> Guard) -> Self {
        self.guard = change(self.guard);
        self
    }

    /// The largest body accepted (default 1 MiB); larger ones get 413 without being read.
    ///
    /// Handlers that also extract `web::Bytes` or `web::Json` apply actix-web's own limits
    /// (`PayloadConfig`, `JsonConfig`) to the same bytes: raise those too past their defaults.
    ///
    /// ```
    /// # use webhook_guard::actix::WebhookMiddleware;
    /// # use webhook_guard::Scheme;
    /// # let secret = Scheme::audit_trail().secret("whsec_abc123def456").unwrap();
    /// let middleware = WebhookMiddleware::new(Scheme::audit_trail(), [secret]).body_limit(64 * 1024);
    /// assert_eq!(middleware.guard().verifier().limit(), 64 * 1024);
    /// ```
    pub fn body_limit(self, limit: usize) -> Self {
        self.map_guard(|guard| guard.body_limit(limit))
    }

    /// Deduplicates with `store` instead of a fresh in-memory store.
    ///
    /// ```
    /// # use webhook_guard::actix::WebhookMiddleware;
    /// # use webhook_guard::Scheme;
    /// use std::time::Duration;
    /// use webhook_guard::replay::MemoryStore;
    ///
    /// # let secret = Scheme::audit_trail().secret("whsec_abc123def456").unwrap();
    /// let store = MemoryStore::builder().retention(Duration::from_secs(3600)).build();
    /// let middleware = WebhookMiddleware::new(Scheme::audit_trail(), [secret]).store(store);
    /// # let _ = middleware;
    /// ```
    pub fn store(self, store: impl ReplayStore) -> Self {
        self.map_guard(|guard| guard.store(store))
    }

    /// Chooses secrets per request (multi-tenant receivers).
    ///
    /// ```
    /// # use webhook_guard::actix::WebhookMiddleware;
    /// use webhook_guard::signature::SecretSet;
    /// use webhook_guard::{ResolveError, Scheme, SecretQuery};
    ///
    /// let middleware = WebhookMiddleware::new(Scheme::audit_trail(), []).secret_resolver(|q: SecretQuery| async move {
    ///     let secret = Scheme::audit_trail().secret("whsec_abc123def456").unwrap();
    ///     let known = q.path.ends_with("/tenant-001");
    ///     Ok::<_, ResolveError>(known.then(|| SecretSet::new([secret])))
    /// });
    /// # let _ = middleware;
    /// ```
    pub fn secret_resolver(self, resolver: impl SecretResolver) -> Self {
        self.map_guard(|guard| guard.secret_resolver(resolver))
    }

    /// What to do when the replay store cannot be reached (default: 503).
    ///
    /// ```
    /// # use webhook_guard::actix::WebhookMiddleware;
    /// # use webhook_guard::Scheme;
    /// use webhook_guard::StoreFailure;
    ///
    /// # let secret = Scheme::audit_trail().secret("whsec_abc123def456").unwrap();
    /// let middleware = WebhookMiddleware::new(Scheme::audit_trail(), [secret]).on_store_failure(StoreFailure::FailOpen);
    /// # let _ = middleware;
    /// ```
    pub fn on_store_failure(self, policy: StoreFailure) -> Self {
        self.map_guard(|guard| guard.on_store_failure(policy))
    }

    /// The `Retry-After` values.
    ///
    /// ```
    /// # use webhook_guard::actix::WebhookMiddleware;
    /// # use webhook_guard::Scheme;
    /// use std::time::Duration;
    /// use webhook_guard::guard::RetryAfter;
    ///
    /// # let secret = Scheme::audit_trail().secret("whsec_abc123def456").unwrap();
    /// let retry_after = RetryAfter { in_flight: Duration::from_secs(30), ..RetryAfter::default() };
    /// let middleware = WebhookMiddleware::new(Scheme::audit_trail(), [secret]).retry_after(retry_after);
    /// # let _ = middleware;
    /// ```
    pub fn retry_after(self, retry_after: RetryAfter) -> Self {
        self.map_guard(|guard| guard.retry_after(retry_after))
    }

    /// Shapes rejection responses (default [`PlainText`]); see [`RejectionResponse`].
    ///
    /// ```
    /// # use webhook_guard::actix::WebhookMiddleware;
    /// # use webhook_guard::Scheme;
    /// use actix_web::HttpResponse;
    /// use webhook_guard::Rejection;
    ///
    /// # let secret = Scheme::audit_trail().secret("whsec_abc123def456").unwrap();
    /// let middleware = WebhookMiddleware::new(Scheme::audit_trail(), [secret])
    ///     .on_rejection(|rejection: &Rejection| HttpResponse::Unauthorized().body(rejection.code()));
    /// # let _ = middleware;
    /// ```
    pub fn on_rejection<R2>(self, on_rejection: R2) -> WebhookMiddleware<R2> {
        WebhookMiddleware {
            guard: self.guard,
            on_rejection,
        }
    }

    /// The guard the middleware runs.
    ///
    /// ```
    /// # use webhook_guard::actix::WebhookMiddleware;
    /// # use webhook_guard::Scheme;
    /// # let secret = Scheme::audit_trail().secret("whsec_abc123def456").unwrap();
    /// let middleware = WebhookMiddleware::new(Scheme::audit_trail(), [secret]);
    /// assert_eq!(middleware.guard().verifier().scheme().name(), "audit-trail");
    /// ```
    pub fn guard(&self) -> &Guard {
        &self.guard
    }
}

impl<S, B, R> Transform<S, ServiceRequest> for WebhookMiddleware<R>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
    R: RejectionResponse,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = WebhookService<S, R>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(WebhookService::new(
            Rc::new(service),
            self.guard.clone(),
            self.on_rejection.clone(),
        )))
    }
}
