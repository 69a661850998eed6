use tower_layer::Layer;

use super::{PlainText, WebhookService};
use crate::Guard;

/// Verifies, deduplicates and admits webhook deliveries in front of a tower service.
///
/// Built from the one configuration value, a [`Guard`] (or a [`Verifier`](crate::Verifier),
/// which becomes a guard with the defaults: an in-memory replay store). The layer adds only
/// what is tower's: the rejection response ([`on_rejection`](Self::on_rejection)). See the
/// [module docs](super) for what the service does.
///
/// ```
/// use webhook_guard::axum::WebhookLayer;
/// use webhook_guard::replay::MemoryStore;
/// use webhook_guard::{Guard, Scheme, Verifier};
///
/// let scheme = Scheme::palo();
/// let secret = scheme.secret("votre_secret_hmac_32_chars_min__").unwrap();
/// let guard = Guard::new(Verifier::new(scheme, [secret]))
///     .body_limit(256 * 1024)
///     .store(MemoryStore::builder().capacity(100_000).build());
/// // Two routes, one guard: a delivery sent to both runs one handler.
/// let (a, b) = (WebhookLayer::new(guard.clone()), WebhookLayer::new(guard));
/// assert!(std::sync::Arc::ptr_eq(a.guard().replay_store().unwrap(), b.guard().replay_store().unwrap()));
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct WebhookLayer<R = PlainText> {
    guard: Guard,
    on_rejection: R,
}

impl WebhookLayer {
    /// A layer running `guard`. See the example on [`WebhookLayer`].
    pub fn new(guard: impl Into<Guard>) -> Self {
        Self {
            guard: guard.into(),
            on_rejection: PlainText,
        }
    }
}

impl<R> WebhookLayer<R> {
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
