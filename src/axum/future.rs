use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::request::Parts;
use http::{Request, Response};
use pin_project_lite::pin_project;
use tower_service::Service;

use super::RejectionResponse;
use crate::guard::{Admission, Admitted, Finish, Refused};
use crate::{Guard, Rejection};

/// The one boxed future of a request: reading and admitting it (an `async fn` of the guard,
/// whose type cannot be named).
pub(super) type AdmitFuture =
    Pin<Box<dyn Future<Output = Result<(Parts, Admitted), Refused>> + Send>>;

pin_project! {
    /// The response future of [`WebhookService`](super::WebhookService): reads and admits the
    /// delivery, calls the inner service, then records the outcome in the replay store before
    /// answering.
    ///
    /// Dropping it at any point (client gone, a timeout layer) releases the replay claim, so
    /// the sender's retry is admitted.
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use std::time::Duration;
    /// use axum::body::Body;
    /// use http::{Request, Response};
    /// use tower::{Layer, Service, ServiceExt, service_fn};
    /// use webhook_guard::axum::{ResponseFuture, WebhookLayer};
    /// use webhook_guard::{Scheme, Secret, Signer, Verifier};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let secret = Secret::new("It's a Secret to Everybody").unwrap();
    /// let layer = WebhookLayer::new(Verifier::new(Scheme::github(), [secret.clone()]));
    /// let headers = Signer::new(Scheme::github(), secret).headers(b"{}", 0, "d-1");
    /// let request = || {
    ///     let mut request = Request::post("/hook");
    ///     for (name, value) in &headers {
    ///         request = request.header(name, value);
    ///     }
    ///     request.body(Body::from("{}")).unwrap()
    /// };
    ///
    /// // A handler that hangs: the timeout drops the future, and the claim with it.
    /// let mut hangs = layer.layer(service_fn(|_: Request<Body>| {
    ///     std::future::pending::<Result<Response<Body>, Infallible>>()
    /// }));
    /// let future: ResponseFuture<_, _, _> = hangs.ready().await.unwrap().call(request());
    /// assert!(tokio::time::timeout(Duration::from_millis(10), future).await.is_err());
    ///
    /// // So the sender's retry runs the handler, instead of a 409 "in flight".
    /// let answers = layer.layer(service_fn(|_: Request<Body>| async {
    ///     Ok::<_, Infallible>(Response::new(Body::empty()))
    /// }));
    /// assert_eq!(answers.oneshot(request()).await.unwrap().status(), 200);
    /// # });
    /// ```
    pub struct ResponseFuture<S, B, R>
    where
        S: Service<Request<B>>,
    {
        #[pin]
        state: State<S::Future, S::Response>,
        inner: Option<S>,
        on_rejection: R,
        guard: Guard,
        admission: Option<Admission>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F, T> {
        Admitting { admit: AdmitFuture },
        Calling { #[pin] call: F },
        Finishing { finish: Finish, response: Option<T> },
    }
}

impl<S, B, R> ResponseFuture<S, B, R>
where
    S: Service<Request<B>>,
{
    pub(crate) fn new(admit: AdmitFuture, inner: S, on_rejection: R, guard: Guard) -> Self {
        Self {
            state: State::Admitting { admit },
            inner: Some(inner),
            on_rejection,
            guard,
            admission: None,
        }
    }
}

impl<S, B, R> fmt::Debug for ResponseFuture<S, B, R>
where
    S: Service<Request<B>>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<S, B, R, ResBody> Future for ResponseFuture<S, B, R>
where
    S: Service<Request<B>, Response = Response<ResBody>>,
    B: From<Bytes>,
    ResBody: From<Bytes>,
    R: RejectionResponse<ResBody>,
{
    type Output = Result<Response<ResBody>, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            match this.state.as_mut().project() {
                StateProj::Admitting { admit } => match ready!(admit.as_mut().poll(cx)) {
                    Err(refused) => {
                        return Poll::Ready(Ok(match refused.rejection() {
                            // A handshake's answer is the protocol's, not a rejection to shape.
                            answer @ Rejection::Answered(_) => answer.to_http_response(),
                            rejection => this.on_rejection.response(rejection),
                        }));
                    }
                    Ok((parts, admitted)) => {
                        let (delivery, admission) = admitted.into_parts();
                        *this.admission = Some(admission);
                        let body = B::from(delivery.body().clone());
                        let mut request = Request::from_parts(parts, body);
                        request.extensions_mut().insert(delivery);
                        // For `Verified<T>`, which applies the guard's policy to a body that
                        // does not parse.
                        request.extensions_mut().insert(this.guard.clone());
                        let Some(mut inner) = this.inner.take() else {
                            unreachable!("the inner service is called once")
                        };
                        let call = inner.call(request);
                        this.state.set(State::Calling { call });
                    }
                },
                StateProj::Calling { call } => {
                    // A panicking handler: release the claim before the panic goes on and the
                    // server drops the connection, so the sender's immediate retry finds the
                    // delivery free (a field of this future would only be dropped later).
                    let polled = std::panic::catch_unwind(AssertUnwindSafe(|| call.poll(cx)));
                    let polled = polled.unwrap_or_else(|panic| {
                        drop(this.admission.take());
                        std::panic::resume_unwind(panic)
                    });
                    let response = match ready!(polled) {
                        Ok(response) => response,
                        // The admission is dropped with the future: released.
                        Err(error) => return Poll::Ready(Err(error)),
                    };
                    let Some(admission) = this.admission.take() else {
                        return Poll::Ready(Ok(response));
                    };
                    let finish = admission.finish(response.status().as_u16());
                    this.state.set(State::Finishing {
                        finish,
                        response: Some(response),
                    });
                }
                StateProj::Finishing { finish, response } => {
                    ready!(Pin::new(finish).poll(cx));
                    let Some(response) = response.take() else {
                        unreachable!("the response is returned once")
                    };
                    return Poll::Ready(Ok(response));
                }
            }
        }
    }
}
