use std::cell::RefCell;
use std::fmt;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::HttpMessage;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, forward_ready};
use bytes::Bytes;
use futures_core::Stream;
use futures_core::future::LocalBoxFuture;

use super::{PlainText, RejectionResponse};
use crate::{Guard, Rejection};

/// The service [`WebhookMiddleware`](super::WebhookMiddleware) builds around a resource.
///
/// Its future reads and admits the delivery, calls the inner service with the same bytes as
/// the payload and the verified [`Delivery`](crate::Delivery) in the extensions, then records
/// the outcome in the replay store before answering. It owns the replay claim: dropping it at
/// any point, or a panic in the handler, releases the claim.
///
/// ```
/// use actix_web::{test, web, App, HttpResponse};
/// use webhook_guard::actix::WebhookMiddleware;
/// use webhook_guard::{Scheme, Secret, Verifier};
///
/// # actix_web::rt::System::new().block_on(async {
/// let secret = Secret::new("whsec_abc123def456").unwrap();
/// let app = test::init_service(App::new().service(
///     web::resource("/hook")
///         .wrap(WebhookMiddleware::new(Verifier::new(Scheme::audit_trail(), [secret])))
///         .route(web::post().to(|| async { HttpResponse::Ok().finish() })),
/// ))
/// .await;
/// // An unsigned request never reaches the handler.
/// let request = test::TestRequest::post().uri("/hook").set_payload("{}").to_request();
/// let response = test::call_service(&app, request).await;
/// assert_eq!(response.status(), 401);
/// # });
/// ```
pub struct WebhookService<S, R = PlainText> {
    service: Rc<S>,
    guard: Guard,
    on_rejection: R,
}

impl<S, R> WebhookService<S, R> {
    pub(crate) fn new(service: Rc<S>, guard: Guard, on_rejection: R) -> Self {
        Self {
            service,
            guard,
            on_rejection,
        }
    }

    /// The guard the service runs.
    ///
    /// ```
    /// # use actix_web::{test, web, App, HttpResponse};
    /// # use actix_web::dev::Transform;
    /// # use webhook_guard::actix::WebhookMiddleware;
    /// # use webhook_guard::{Scheme, Verifier};
    /// # actix_web::rt::System::new().block_on(async {
    /// let secret = Scheme::audit_trail().secret("whsec_abc123def456").unwrap();
    /// let inner = test::ok_service();
    /// let service = WebhookMiddleware::new(Verifier::new(Scheme::audit_trail(), [secret])).new_transform(inner).await.unwrap();
    /// assert_eq!(service.guard().verifier().scheme().name(), "audit-trail");
    /// # });
    /// ```
    pub fn guard(&self) -> &Guard {
        &self.guard
    }
}

impl<S, R> fmt::Debug for WebhookService<S, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookService")
            .field("guard", &self.guard)
            .finish_non_exhaustive()
    }
}

impl<S, B, R> Service<ServiceRequest> for WebhookService<S, R>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
    R: RejectionResponse,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, mut request: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let guard = self.guard.clone();
        let on_rejection = self.on_rejection.clone();
        Box::pin(async move {
            // The raw payload, not the `Bytes` extractor: that one applies the app's payload
            // limit and decompression, and the signature covers the bytes as sent.
            let payload = Rc::new(RefCell::new(request.take_payload()));
            let target = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
            let admitted = match guard
                .admit_request(
                    // The method goes with the headers, for the schemes that sign or answer it.
                    &crate::WithMethod::new(request.method().as_str(), request.headers()),
                    target,
                    PayloadBody(Rc::clone(&payload)),
                )
                .await
            {
                Ok(admitted) => admitted,
                Err(refused) => {
                    let body_unread = refused.body_unread();
                    let mut response = match refused.into_rejection() {
                        Rejection::Answered(answer) => super::response::handshake(answer),
                        rejection => on_rejection.response(&rejection),
                    };
                    if body_unread {
                        // Close the connection after the answer. actix-web reads and discards
                        // the rest of a *chunked* body whose payload was dropped, for as long as
                        // the client sends it (measured: an unsigned chunked body still open
                        // after 30 s), but closes when the payload is still held: so the
                        // answer holds it until it is sent.
                        response = super::close_unread(response, payload);
                    }
                    return Ok(request.into_response(response).map_into_right_body());
                }
            };
            // Read to its end (the bytes become the request's payload again): nothing to hold.
            drop(payload);
            // The admission lives in this future from here on: dropped with it (client gone,
            // handler panic), it releases the delivery for the sender's retry.
            let (delivery, admission) = admitted.into_parts();
            request.set_payload(Payload::from(delivery.body().clone()));
            request.extensions_mut().insert(delivery);
            // For `Verified<T>`, which applies the guard's policy to a body that does not parse.
            request.extensions_mut().insert(guard);
            let result = service.call(request).await;
            let status = match &result {
                Ok(response) => response.status().as_u16(),
                // An error is never a success, whatever status it renders with.
                Err(error) => match error.as_response_error().status_code().as_u16() {
                    200..=299 => 500,
                    status => status,
                },
            };
            admission.finish(status).await;
            result.map(ServiceResponse::map_into_left_body)
        })
    }
}

/// actix-web's payload as an [`http_body::Body`], the one body type the guard reads. Shared,
/// so that a refused request's unread payload outlives the guard's read (see
/// [`HoldingUnread`]).
struct PayloadBody(Rc<RefCell<Payload>>);

impl http_body::Body for PayloadBody {
    type Data = Bytes;
    type Error = actix_web::error::PayloadError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut *self.0.borrow_mut())
            .poll_next(cx)
            .map(|chunk| chunk.map(|chunk| chunk.map(http_body::Frame::data)))
    }
}
