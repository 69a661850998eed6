//! The actix-web middleware and extractors.
//!
//! [`WebhookMiddleware`] wraps an actix-web resource, scope or app: it reads the raw payload up
//! to the limit, verifies it, claims the delivery in the replay store, and calls the inner
//! service with the same bytes put back as the payload and the verified
//! [`Delivery`](crate::Delivery) in the request extensions. After the handler answers, a 2xx
//! completes the claim and anything else (or an error from the service) releases it, so the
//! sender's retry gets through; a dropped response future or a panicking handler releases it
//! too. It runs the same [`Guard`](crate::Guard) as the axum layer, so both answer alike.
//!
//! Handlers take the typed event with [`Verified<T>`] and the metadata with
//! [`Delivery`](crate::Delivery) (both extract from the extensions, so the payload is still
//! there for `web::Bytes`, `String` or `web::Json`). A [`Rejection`](crate::Rejection) is an
//! actix-web `ResponseError`, and [`WebhookMiddleware::on_rejection`] shapes the answers.
//!
//! Build the middleware once, outside the `HttpServer::new` closure, and clone it in, so that
//! every worker shares one replay store.
//!
//! # Clients that go away
//!
//! The claim is owned by the middleware's future, so it is released whenever actix-web drops
//! that future. By default actix-web allows half-closed HTTP/1 connections and does *not*
//! drop a handler whose client disconnected: the handler runs to its end and keeps the claim
//! meanwhile (the sender's retries get 409 with `Retry-After`), then its status completes or
//! releases it as usual, so the delivery is still handled once. A handler that never ends holds
//! the claim until the store's lease expires. With
//! `HttpServer::h1_allow_half_closed(false)`, actix-web drops the handler as soon as the client
//! is gone, and the claim is released at once for the retry.
//!
//! ```no_run
//! use actix_web::{web, App, HttpResponse, HttpServer};
//! use webhook_guard::actix::{Verified, WebhookMiddleware};
//! use webhook_guard::event::audit_trail::AuditTrailEvent;
//! use webhook_guard::{Delivery, Scheme, Verifier};
//!
//! async fn audit_trail(delivery: Delivery, Verified(event): Verified<AuditTrailEvent>) -> HttpResponse {
//!     println!("{} {}", delivery.id(), event.event_type());
//!     HttpResponse::Ok().body("OK")
//! }
//!
//! # fn main() -> std::io::Result<()> {
//! # actix_web::rt::System::new().block_on(async {
//! let secret = Scheme::audit_trail().secret("whsec_abc123def456").unwrap();
//! let webhooks = WebhookMiddleware::new(Verifier::new(Scheme::audit_trail(), [secret]));
//! HttpServer::new(move || {
//!     App::new().service(
//!         web::resource("/webhooks/audit-trail")
//!             .wrap(webhooks.clone())
//!             .route(web::post().to(audit_trail)),
//!     )
//! })
//! .bind(("127.0.0.1", 3000))?
//! .run()
//! .await
//! # })
//! # }
//! ```

mod extract;
mod headers;
#[cfg(feature = "inbox")]
mod inbox;
mod middleware;
mod response;
mod service;

pub use extract::{MiddlewareMissing, Verified, VerifiedRejection};
#[cfg(feature = "inbox")]
#[cfg_attr(docsrs, doc(cfg(feature = "inbox")))]
pub use inbox::enqueue;
pub use middleware::WebhookMiddleware;
pub use response::{PlainText, RejectionResponse, close_unread};
pub use service::WebhookService;
