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
