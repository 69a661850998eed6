use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};

use super::{PlainText, RejectionResponse, WebhookService};
use crate::Guard;

/// Verifies, deduplicates and admits webhook deliveries in front of an actix-web resource,
/// scope or app (`.wrap(...)`).
///
/// Built from the one configuration value, a [`Guard`] (or a [`Verifier`](crate::Verifier),
/// which becomes a guard with the defaults: an in-memory replay store). The middleware adds
/// only what is actix-web's: the rejection response ([`on_rejection`](Self::on_rejection)).
/// See the [module docs](super) for what it does.
///
/// Build it once, outside the `HttpServer::new` closure, and clone it in: every worker then
/// shares one replay store. A middleware built inside the closure gets a store per worker,
/// and a duplicate that lands on another worker is not caught.
///
/// ```
/// use webhook_guard::actix::WebhookMiddleware;
/// use webhook_guard::replay::MemoryStore;
/// use webhook_guard::{Guard, Scheme, Verifier};
///
/// let scheme = Scheme::palo();
/// let secret = scheme.secret("votre_secret_hmac_32_chars_min__").unwrap();
/// let guard = Guard::new(Verifier::new(scheme, [secret]))
///     .body_limit(256 * 1024)
///     .store(MemoryStore::builder().capacity(100_000).build());
/// let middleware = WebhookMiddleware::new(guard);
/// assert_eq!(middleware.guard().verifier().limit(), 256 * 1024);
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct WebhookMiddleware<R = PlainText> {
    guard: Guard,
    on_rejection: R,
}

impl WebhookMiddleware {
    /// A middleware running `guard`. See the example on [`WebhookMiddleware`].
    pub fn new(guard: impl Into<Guard>) -> Self {
        Self {
            guard: guard.into(),
            on_rejection: PlainText,
        }
    }
}

impl<R> WebhookMiddleware<R> {
    /// Shapes rejection responses (default [`PlainText`]). See the example on
    /// [`RejectionResponse`](super::RejectionResponse).
    pub fn on_rejection<R2>(self, on_rejection: R2) -> WebhookMiddleware<R2> {
        WebhookMiddleware {
            guard: self.guard,
            on_rejection,
        }
    }

    /// The guard the middleware runs.
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
