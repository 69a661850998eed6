use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, RETRY_AFTER};
use actix_web::{HttpResponse, ResponseError};

use crate::{HandshakeResponse, Rejection};

/// The response to a handshake the layer answers itself (never shaped by a
/// [`RejectionResponse`]: the provider expects exactly this).
pub(crate) fn handshake(answer: HandshakeResponse) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response.insert_header((CONTENT_TYPE, answer.content_type));
    if answer.nosniff {
        response.insert_header((actix_web::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    }
    for (name, value) in &answer.headers {
        // actix-web 4 re-exports the same `http` types only in part: go through bytes.
        if let (Ok(name), Ok(value)) = (
            actix_web::http::header::HeaderName::from_bytes(name.as_str().as_bytes()),
            actix_web::http::header::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            response.insert_header((name, value));
        }
    }
    response.body(answer.body)
}

/// The core's status, a `text/plain` reason and `Retry-After` where it applies, so a handler
/// may also return a [`Rejection`] as its error.
///
/// ```
/// use std::time::Duration;
/// use actix_web::ResponseError;
/// use webhook_guard::Rejection;
///
/// let busy = Rejection::InFlight { retry_after: Duration::from_secs(10) };
/// let response = busy.error_response();
/// assert_eq!(response.status(), 409);
/// assert_eq!(response.headers().get("retry-after").unwrap(), "10");
/// ```
impl ResponseError for Rejection {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((CONTENT_TYPE, "text/plain; charset=utf-8"));
        if let Some(secs) = self.retry_after_secs() {
            response.insert_header((RETRY_AFTER, secs));
        }
        response.body(self.reason())
    }
}

/// Turns a [`Rejection`] into the response the sender gets.
///
/// The default, [`PlainText`], answers with the rejection's status, a short `text/plain`
/// reason and `Retry-After` where it applies (the [`ResponseError`] impl of [`Rejection`]).
/// Any `Fn(&Rejection) -> HttpResponse` closure is a `RejectionResponse` too:
///
/// ```
/// use actix_web::HttpResponse;
/// use actix_web::http::StatusCode;
/// use webhook_guard::actix::WebhookMiddleware;
/// use webhook_guard::{Rejection, Scheme, Secret, Verifier};
///
/// let middleware = WebhookMiddleware::new(Verifier::new(Scheme::audit_trail(), [Secret::new("s").unwrap()]))
///     .on_rejection(|rejection: &Rejection| {
///         let status = StatusCode::from_u16(rejection.status()).unwrap();
///         HttpResponse::build(status)
///             .content_type("application/json")
///             .body(format!(r#"{{"error":"{}"}}"#, rejection.code()))
///     });
/// # let _ = middleware;
/// ```
pub trait RejectionResponse: Clone + 'static {
    /// The response for `rejection`.
    fn response(&self, rejection: &Rejection) -> HttpResponse;
}

/// The default rejection response: status, `text/plain` reason, `Retry-After`.
///
/// ```
/// use webhook_guard::actix::{PlainText, RejectionResponse};
/// use webhook_guard::Rejection;
///
/// let response = PlainText.response(&Rejection::InvalidSignature);
/// assert_eq!(response.status(), 401);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct PlainText;

impl RejectionResponse for PlainText {
    fn response(&self, rejection: &Rejection) -> HttpResponse {
        rejection.error_response()
    }
}

impl<F> RejectionResponse for F
where
    F: Fn(&Rejection) -> HttpResponse + Clone + 'static,
{
    fn response(&self, rejection: &Rejection) -> HttpResponse {
        self(rejection)
    }
}

/// Answers with `response` and closes the connection, holding `unread` (the request's payload,
/// or what owns it) until the answer is sent, so actix-web does not read the rest of the body.
///
/// actix-web's HTTP/1 dispatcher decides when an answer ends whether the connection closes: it
/// closes when the request's payload is unfinished and still held, but when the payload was
/// dropped and the body is chunked it keeps the connection and reads the rest of the body to
/// throw it away, without a deadline. The middleware does this for every request it refuses
/// before reading the whole body; do the same where actix-web answers without it, such as an
/// app's `default_service` (the example receiver's answers 404 this way):
///
/// ```
/// use actix_web::dev::{ServiceRequest, ServiceResponse};
/// use actix_web::{App, HttpMessage, HttpResponse};
/// use webhook_guard::actix::close_unread;
///
/// async fn no_route(mut request: ServiceRequest) -> Result<ServiceResponse, actix_web::Error> {
///     let unread = request.take_payload();
///     let response = close_unread(HttpResponse::NotFound().finish(), unread);
///     Ok(request.into_response(response))
/// }
///
/// let app = App::new().default_service(actix_web::dev::fn_service(no_route));
/// # let _ = app;
/// ```
pub fn close_unread<T: Unpin + 'static>(response: HttpResponse, unread: T) -> HttpResponse {
    let mut response = response;
    response
        .head_mut()
        .set_connection_type(actix_web::http::ConnectionType::Close);
    response.map_body(|_, body| {
        actix_web::body::BoxBody::new(HoldingUnread {
            body,
            _unread: unread,
        })
    })
}

/// An answer's body that holds the request's unread payload until it is sent (see
/// [`close_unread`]).
struct HoldingUnread<T> {
    body: actix_web::body::BoxBody,
    _unread: T,
}

impl<T: Unpin> actix_web::body::MessageBody for HoldingUnread<T> {
    type Error = <actix_web::body::BoxBody as actix_web::body::MessageBody>::Error;

    fn size(&self) -> actix_web::body::BodySize {
        self.body.size()
    }

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<bytes::Bytes, Self::Error>>> {
        // The payload is never polled: only held.
        std::pin::Pin::new(&mut self.get_mut().body).poll_next(cx)
    }
}
