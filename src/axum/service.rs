use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use tower_service::Service;

use super::future::AdmitFuture;
use super::{PlainText, RejectionResponse, ResponseFuture};
use crate::Guard;

/// The service [`WebhookLayer`](super::WebhookLayer) builds around an inner service.
///
/// ```
/// use std::convert::Infallible;
/// use http::{Request, Response};
/// use http_body_util::Full;
/// use bytes::Bytes;
/// use tower::{ServiceBuilder, ServiceExt};
/// use webhook_guard::axum::WebhookLayer;
/// use webhook_guard::{Scheme, Secret, Verifier};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let secret = Secret::new("whsec_abc123def456").unwrap();
/// let service = ServiceBuilder::new()
///     .layer(WebhookLayer::new(Verifier::new(Scheme::audit_trail(), [secret])))
///     .service_fn(|_req: Request<Full<Bytes>>| async { Ok::<_, Infallible>(Response::new(Full::<Bytes>::default())) });
/// // An unsigned request never reaches the inner service.
/// let response = service.oneshot(Request::new(Full::new(Bytes::from_static(b"{}")))).await.unwrap();
/// assert_eq!(response.status(), 401);
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct WebhookService<S, R = PlainText> {
    inner: S,
    guard: Guard,
    on_rejection: R,
}

impl<S, R> WebhookService<S, R> {
    pub(crate) fn new(inner: S, guard: Guard, on_rejection: R) -> Self {
        Self {
            inner,
            guard,
            on_rejection,
        }
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S, R, B, ResBody> Service<Request<B>> for WebhookService<S, R>
where
    S: Service<Request<B>, Response = Response<ResBody>> + Clone + Send + 'static,
    B: Body + From<Bytes> + Send + 'static,
    B::Data: Send,
    ResBody: From<Bytes>,
    R: RejectionResponse<ResBody>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S, B, R>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The ready service goes into the future; a fresh clone stays for the next call.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let guard = self.guard.clone();
        let (parts, body) = request.into_parts();
        let admit: AdmitFuture = Box::pin(async move {
            let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
            // The method goes with the headers, for the schemes that sign or answer it.
            let head = crate::WithMethod::new(parts.method.as_str(), &parts.headers);
            let admitted = guard.admit_request(&head, target, body).await?;
            Ok((parts, admitted))
        });
        ResponseFuture::new(admit, inner, self.on_rejection.clone(), self.guard.clone())
    }
}
