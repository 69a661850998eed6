use bytes::Bytes;
use http::Response;

use crate::Rejection;

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
/// use webhook_guard::{Rejection, Scheme, Secret, Verifier};
///
/// let layer = WebhookLayer::new(Verifier::new(Scheme::audit_trail(), [Secret::new("s").unwrap()]))
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
        rejection.to_http_response()
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
