use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::rc::Rc;

use actix_web::HttpMessage;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, forward_ready};
use futures_core::Stream;
use futures_core::future::LocalBoxFuture;

use super::{PlainText, RejectionResponse};
use crate::{Admitted, Guard, Rejection};

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
/// use webhook_guard::{Scheme, Secret};
///
/// # actix_web::rt::System::new().block_on(async {
/// let secret = Secret::new("whsec_abc123def456").unwrap();
/// let app = test::init_service(App::new().service(
///     web::resource("/hook")
///         .wrap(WebhookMiddleware::new(Scheme::audit_trail(), [secret]))
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
    /// # use webhook_guard::Scheme;
    /// # actix_web::rt::System::new().block_on(async {
    /// let secret = Scheme::audit_trail().secret("whsec_abc123def456").unwrap();
    /// let inner = test::ok_service();
    /// let service = WebhookMiddleware::new(Scheme::audit_trail(), [secret]).new_transform(inner).await.unwrap();
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
            let admitted = match read_and_admit(&guard, &mut request).await {
                Ok(admitted) => admitted,
                Err((Rejection::Answered(answer), _)) => {
                    let response = super::response::handshake(answer);
                    return Ok(request.into_response(response).map_into_right_body());
                }
                Err((rejection, unread)) => {
                    let mut response = on_rejection.response(&rejection);
                    if unread {
                        // The body was not read to its end: close the connection after the
                        // answer. Left open, actix-web would read and discard the rest of the
                        // body, buffering up to hundreds of KiB per connection meanwhile
                        // (measured: +60 MiB for 300 clients pushing 1 MiB each).
                        response
                            .head_mut()
                            .set_connection_type(actix_web::http::ConnectionType::Close);
                    }
                    return Ok(request.into_response(response).map_into_right_body());
                }
            };
            // The claim lives in this future from here on: dropped with it (client gone,
            // handler panic), it releases the delivery for the sender's retry.
            let (delivery, claim) = admitted.into_parts();
            request.extensions_mut().insert(delivery);
            // For `Verified<T>`, which applies the guard's policy to a body that does not parse.
            request.extensions_mut().insert(guard.clone());
            let result = service.call(request).await;
            let status = match &result {
                Ok(response) => response.status(),
                Err(error) => error.as_response_error().status_code(),
            };
            guard.log_handled(status.as_u16());
            claim.finish(result.is_ok() && status.is_success()).await;
            result.map(ServiceResponse::map_into_left_body)
        })
    }
}

/// Reads the raw payload up to the limit, puts the same bytes back for the handler's
/// extractors, and admits the delivery. A rejection says whether the body was left unread.
async fn read_and_admit(
    guard: &Guard,
    request: &mut ServiceRequest,
) -> Result<Admitted, (Rejection, bool)> {
    let unread = |rejection: Rejection| (guard.reject_unread(rejection), true);
    // The head before the body: a request refused here never has a body byte buffered.
    guard.check_head(request.headers()).map_err(unread)?;
    let mut body = guard.body_buffer(request.headers()).map_err(unread)?;
    // The raw payload, not the `Bytes` extractor: that one applies the app's payload limit and
    // decompression, and the signature covers the bytes as sent.
    let mut payload = request.take_payload();
    loop {
        let next = poll_fn(|cx| Pin::new(&mut payload).poll_next(cx));
        let Ok(chunk) = actix_web::rt::time::timeout(body.time_left(), next).await else {
            return Err(unread(Rejection::BodyTimeout));
        };
        let Some(chunk) = chunk else { break };
        let chunk = chunk.map_err(|_| unread(Rejection::BodyRead))?;
        // Past the limit (or the budget) the rest of the payload is dropped unread.
        body.push(chunk).map_err(unread)?;
    }
    let (bytes, permit) = body.finish_with_permit();
    request.set_payload(Payload::from(bytes.clone()));
    let target = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let admitted = guard.admit(request.headers(), target, bytes).await;
    // Verified or refused: the bytes no longer count against the budget of bodies being read.
    drop(permit);
    admitted.map_err(|rejection| (rejection, false))
}
