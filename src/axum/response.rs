use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};

use crate::{HandshakeResponse, Rejection};

/// The response to a handshake the layer answers itself (never shaped by a
/// [`RejectionResponse`]: the provider expects exactly this).
pub(crate) fn handshake<B: From<Bytes>>(answer: HandshakeResponse) -> Response<B> {
    let mut response = Response::new(B::from(answer.body));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(answer.content_type),
    );
    if answer.nosniff {
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
    }
    response
}

/// Turns a [`Rejection`] into the response the sender gets.
///
/// The default, [`PlainText`], answers with the rejection's status, a short `text/plain`
/// reason and `Retry-After` where it applies. Any `Fn(&Rejection) -> Response<B>` closure is a
/// `RejectionResponse` too:
///
/// ```
/// use axum::body::Body;
/// use http::Response;
/// use webhook_guard::axum::WebhookLayer;
/// use webhook_guard::{Rejection, Scheme, Secret};
///
/// let layer = WebhookLayer::new(Scheme::audit_trail(), [Secret::new("s").unwrap()])
///     .on_rejection(|rejection: &Rejection| {
///         let json = format!(r#"{{"error":"{}"}}"#, rejection.code());
///         Response::builder()
///             .status(rejection.status())
///             .header("content-type", "application/json")
///             .body(Body::from(json))
///             .unwrap()
///     });
/// # let _ = layer;
/// ```
pub trait RejectionResponse<B>: Clone + Send + Sync + 'static {
    /// The response for `rejection`.
    fn response(&self, rejection: &Rejection) -> Response<B>;
}

/// The default rejection response: status, `text/plain` reason, `Retry-After`.
///
/// ```
/// use std::time::Duration;
/// use axum::body::Body;
/// use http::Response;
/// use webhook_guard::Rejection;
/// use webhook_guard::axum::{PlainText, RejectionResponse};
///
/// let busy = Rejection::InFlight { retry_after: Duration::from_secs(10) };
/// let response: Response<Body> = PlainText.response(&busy);
/// assert_eq!(response.status(), 409);
/// assert_eq!(response.headers()["retry-after"], "10");
/// assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct PlainText;

impl<B: From<Bytes>> RejectionResponse<B> for PlainText {
    fn response(&self, rejection: &Rejection) -> Response<B> {
        let mut response =
            Response::new(B::from(Bytes::from_static(rejection.reason().as_bytes())));
        *response.status_mut() =
            StatusCode::from_u16(rejection.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        if let Some(secs) = rejection.retry_after_secs() {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl<F, B> RejectionResponse<B> for F
where
    F: Fn(&Rejection) -> Response<B> + Clone + Send + Sync + 'static,
{
    fn response(&self, rejection: &Rejection) -> Response<B> {
        self(rejection)
    }
}
