use tower_layer::Layer;

use super::{PlainText, WebhookService};
use crate::guard::{RetryAfter, StoreFailure};
use crate::replay::ReplayStore;
use crate::{Guard, Scheme, Secret, SecretResolver, Verifier};

/// Verifies, deduplicates and admits webhook deliveries in front of a tower service.
///
/// Built from a scheme and its secrets, with an in-memory replay store by default; each
/// builder method returns a new layer. See the [module docs](super) for what the service does.
///
/// ```
/// use std::time::Duration;
/// use webhook_guard::axum::WebhookLayer;
/// use webhook_guard::replay::MemoryStore;
/// use webhook_guard::Scheme;
///
/// let scheme = Scheme::palo();
/// let secret = scheme.secret("votre_secret_hmac_32_chars_min__").unwrap();
/// let layer = WebhookLayer::new(scheme, [secret])
///     .body_limit(256 * 1024)
///     .store(MemoryStore::builder().capacity(100_000).build());
/// # let _ = layer;
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct WebhookLayer<R = PlainText> {
    guard: Guard,
    on_rejection: R,
}

impl WebhookLayer {
    /// A layer for `scheme`, accepting any of `secrets`. See the example on [`WebhookLayer`].
    pub fn new(scheme: Scheme, secrets: impl IntoIterator<Item = Secret>) -> Self {
        Self::from_guard(Guard::new(Verifier::new(scheme, secrets)))
    }

    /// A layer around a configured [`Guard`] (shared with other adapters or tests).
    ///
    /// ```
    /// use webhook_guard::axum::WebhookLayer;
    /// use webhook_guard::{Guard, Scheme, Verifier};
    ///
    /// let secret = Scheme::audit_trail().secret("whsec_abc123def456").unwrap();
    /// let guard = Guard::new(Verifier::new(Scheme::audit_trail(), [secret]));
    /// // Two routes, one replay store: a delivery sent to both runs one handler.
    /// let (a, b) = (WebhookLayer::from_guard(guard.clone()), WebhookLayer::from_guard(guard));
    /// assert!(std::sync::Arc::ptr_eq(a.guard().replay_store().unwrap(), b.guard().replay_store().unwrap()));
    /// ```
    pub fn from_guard(guard: Guard) -> Self {
        Self {
            guard,
            on_rejection: PlainText,
        }
    }
}

impl<R> WebhookLayer<R> {
    fn map_guard(mut self, change: impl FnOnce(Guard) -> Guard) -> Self {
        self.guard = change(self.guard);
        self
    }

    /// The largest body accepted (default 1 MiB); larger ones get 413 without being read.
    ///
    /// ```
    /// # use webhook_guard::axum::WebhookLayer;
    /// # use webhook_guard::Scheme;
    /// # let secret = Scheme::audit_trail().secret("whsec_abc123def456").unwrap();
    /// let layer = WebhookLayer::new(Scheme::audit_trail(), [secret]).body_limit(64 * 1024);
    /// assert_eq!(layer.guard().verifier().limit(), 64 * 1024);
    /// ```
    pub fn body_limit(self, limit: usize) -> Self {
        self.map_guard(|guard| guard.body_limit(limit))
    }

    /// Deduplicates with `store` instead of a fresh in-memory store. See the example on
    /// [`WebhookLayer`], and [`ReplayStore`] to write your own.
    pub fn store(self, store: impl ReplayStore) -> Self {
        self.map_guard(|guard| guard.store(store))
    }

    /// Chooses secrets per request (multi-tenant receivers). See the example on
    /// [`SecretQuery`](crate::SecretQuery).
    pub fn secret_resolver(self, resolver: impl SecretResolver) -> Self {
        self.map_guard(|guard| guard.secret_resolver(resolver))
    }

    /// What to do when the replay store cannot be reached (default: 503). See the example on
    /// [`StoreFailure`].
    pub fn on_store_failure(self, policy: StoreFailure) -> Self {
        self.map_guard(|guard| guard.on_store_failure(policy))
    }

    /// The `Retry-After` values. See the example on [`RetryAfter`].
    pub fn retry_after(self, retry_after: RetryAfter) -> Self {
        self.map_guard(|guard| guard.retry_after(retry_after))
    }

    /// Shapes rejection responses (default [`PlainText`]). See the example on
    /// [`RejectionResponse`](super::RejectionResponse).
    pub fn on_rejection<R2>(self, on_rejection: R2) -> WebhookLayer<R2> {
        WebhookLayer {
            guard: self.guard,
            on_rejection,
        }
    }

    /// The guard the layer runs.
    pub fn guard(&self) -> &Guard {
        &self.guard
    }
}

impl<S, R: Clone> Layer<S> for WebhookLayer<R> {
    type Service = WebhookService<S, R>;

    fn layer(&self, inner: S) -> Self::Service {
        WebhookService::new(inner, self.guard.clone(), self.on_rejection.clone())
    }
}
