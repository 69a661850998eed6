//! The tower layer and axum extractors.
//!
//! [`WebhookLayer`] wraps any tower service taking `http::Request<B>` (an axum route, a
//! `Router`, a hyper service) around one [`Guard`](crate::Guard), the configuration every
//! adapter shares. Per request it hands the head and body to
//! [`Guard::admit_request`](crate::Guard::admit_request) and calls the inner service with the
//! same bytes and the verified [`Delivery`](crate::Delivery) in the request extensions; the
//! inner service's status then [finishes](crate::Admission::finish) the admission (2xx
//! completes the claim, anything else releases it, so the sender's retry gets through; a
//! dropped response future or a panicking handler releases it too). All it adds of its own
//! is the rejection response ([`RejectionResponse`]).
//!
//! The layer bounds how long a body may take ([`BodyTimeouts`](crate::limits::BodyTimeouts)) with
//! Tokio's timer: run it on a Tokio runtime with the time driver enabled, as `axum::serve`,
//! `#[tokio::main]` and `Builder::enable_all` give (a runtime built without it panics on the
//! first request).
//!
//! Handlers take the typed event with [`Verified<T>`] and the metadata with
//! [`Delivery`](crate::Delivery) (both extract from the extensions, so the body is still
//! there for `Bytes`, `String` or `Json`).
//!
//! ```
//! use axum::{routing::post, Router};
//! use webhook_guard::axum::{Verified, WebhookLayer};
//! use webhook_guard::event::audit_trail::AuditTrailEvent;
//! use webhook_guard::{Delivery, Scheme, Verifier};
//!
//! async fn audit_trail(delivery: Delivery, Verified(event): Verified<AuditTrailEvent>) -> &'static str {
//!     println!("{} {}", delivery.id(), event.event_type());
//!     "OK"
//! }
//!
//! let secret = Scheme::audit_trail().secret("whsec_abc123def456").unwrap();
//! let app: Router = Router::new()
//!     .route("/webhooks/audit-trail", post(audit_trail))
//!     .layer(WebhookLayer::new(Verifier::new(Scheme::audit_trail(), [secret])));
//! ```

mod extract;
mod future;
#[cfg(feature = "inbox")]
mod inbox;
mod layer;
mod response;
mod service;

pub use extract::{LayerMissing, Verified, VerifiedRejection};
pub use future::ResponseFuture;
#[cfg(feature = "inbox")]
#[cfg_attr(docsrs, doc(cfg(feature = "inbox")))]
pub use inbox::enqueue;
pub use layer::WebhookLayer;
pub use response::{PlainText, RejectionResponse};
pub use service::WebhookService;
