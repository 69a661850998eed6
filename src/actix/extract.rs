use std::fmt;
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use futures_core::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::guard::verified::{self, NotTyped};
use crate::{Delivery, Guard, Rejection};

/// The delivery's body parsed as `T`: a typed event such as
/// [`AuditTrailEvent`](crate::event::audit_trail::AuditTrailEvent), or any `Deserialize` type.
///
/// Extracted from the verified delivery the middleware put in the request extensions, so it
/// never sees an unverified body and leaves the payload in place for `web::Bytes` or
/// `web::Json`.
///
/// ```
/// use actix_web::{web, App, HttpResponse};
/// use webhook_guard::actix::{Verified, WebhookMiddleware};
/// use webhook_guard::event::palo::PaloEvent;
/// use webhook_guard::{Scheme, Verifier};
///
/// async fn palo(Verified(event): Verified<PaloEvent>) -> HttpResponse {
///     println!("{}", event.event_type());
///     HttpResponse::Ok().body("OK")
/// }
/// let scheme = Scheme::palo();
/// let secret = scheme.secret("votre_secret_hmac_32_chars_min__").unwrap();
/// let middleware = WebhookMiddleware::new(Verifier::new(scheme, [secret]));
/// let app = App::new().service(
///     web::resource("/webhooks/palo").wrap(middleware).route(web::post().to(palo)),
/// );
/// # let _ = app;
/// ```
#[derive(Debug, Clone)]
pub struct Verified<T>(pub T);

/// Why [`Verified`] or [`Delivery`] could not be extracted, and what is answered instead.
///
/// An authentic delivery whose body is not a `T` is handled by the guard's
/// [`UnparsedPolicy`](crate::dead_letter::UnparsedPolicy), the same as on axum: by default it
/// is stored as a dead letter and answered 200 (marked done, the handler does not run); with
/// [`UnparsedPolicy::Reject`](crate::dead_letter::UnparsedPolicy::Reject) it is answered 400 and
/// its claim released, so a fixed handler can take the sender's retry.
///
/// ```
/// use actix_web::ResponseError;
/// use webhook_guard::actix::{MiddlewareMissing, VerifiedRejection};
///
/// let rejection = VerifiedRejection::MiddlewareMissing(MiddlewareMissing);
/// assert_eq!(rejection.status_code(), 500);
/// assert_eq!(VerifiedRejection::DeadLettered.status_code(), 200);
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum VerifiedRejection {
    /// The route has no [`WebhookMiddleware`](super::WebhookMiddleware) (500).
    MiddlewareMissing(MiddlewareMissing),
    /// The verified body does not match `T`, and the policy rejects it (400).
    InvalidEvent(serde_json::Error),
    /// The verified body does not match `T`: it was stored as a dead letter (200, done).
    DeadLettered,
    /// The verified body does not match `T`, and the dead-letter sink failed (503 with
    /// `Retry-After`: the delivery stays retryable).
    DeadLetterFailed(Rejection),
}

/// The extractor ran on a route without the middleware: a server bug, answered 500.
///
/// ```
/// use actix_web::ResponseError;
/// use webhook_guard::actix::MiddlewareMissing;
///
/// assert_eq!(MiddlewareMissing.status_code(), 500);
/// assert!(MiddlewareMissing.to_string().contains("WebhookMiddleware"));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct MiddlewareMissing;

const MIDDLEWARE_MISSING: &str =
    "webhook-guard: no verified delivery on this request; wrap this route in WebhookMiddleware";

impl fmt::Display for MiddlewareMissing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MIDDLEWARE_MISSING)
    }
}

impl std::error::Error for MiddlewareMissing {}

impl ResponseError for MiddlewareMissing {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    fn error_response(&self) -> HttpResponse {
        tracing::error!("{MIDDLEWARE_MISSING}");
        HttpResponse::InternalServerError()
            .content_type("text/plain; charset=utf-8")
            .body(MIDDLEWARE_MISSING)
    }
}

impl fmt::Display for VerifiedRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MiddlewareMissing(missing) => missing.fmt(f),
            Self::InvalidEvent(error) => {
                write!(f, "event does not match the expected type: {error}")
            }
            Self::DeadLettered => f.write_str("event stored as a dead letter"),
            Self::DeadLetterFailed(rejection) => write!(f, "dead-letter sink failed: {rejection}"),
        }
    }
}

impl std::error::Error for VerifiedRejection {}

impl From<NotTyped> for VerifiedRejection {
    fn from(not_typed: NotTyped) -> Self {
        match not_typed {
            NotTyped::InvalidEvent(error) => Self::InvalidEvent(error),
            NotTyped::DeadLettered => Self::DeadLettered,
            NotTyped::DeadLetterFailed(rejection) => Self::DeadLetterFailed(rejection),
        }
    }
}

impl ResponseError for VerifiedRejection {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::MiddlewareMissing(missing) => missing.status_code(),
            Self::InvalidEvent(_) => StatusCode::BAD_REQUEST,
            Self::DeadLettered => StatusCode::OK,
            Self::DeadLetterFailed(rejection) => rejection.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::MiddlewareMissing(missing) => missing.error_response(),
            // The guard logged the delivery's outcome when it applied the policy.
            Self::InvalidEvent(_) => HttpResponse::BadRequest()
                .content_type("text/plain; charset=utf-8")
                .body("event does not match the expected type"),
            Self::DeadLettered => HttpResponse::Ok()
                .content_type("text/plain; charset=utf-8")
                .body("OK"),
            Self::DeadLetterFailed(rejection) => rejection.error_response(),
        }
    }
}

/// The verified delivery's metadata (id, type, tenant, raw body), from the request extensions.
impl FromRequest for Delivery {
    type Error = MiddlewareMissing;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<Delivery>()
                .cloned()
                .ok_or(MiddlewareMissing),
        )
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Verified<T> {
    type Error = VerifiedRejection;
    // Boxed: a dead letter is stored on the blocking pool, so the answer may come later.
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let parsed = match req.extensions_mut().get_mut::<Delivery>() {
            Some(delivery) => verified::typed::<T>(delivery),
            None => {
                return Box::pin(ready(Err(VerifiedRejection::MiddlewareMissing(
                    MiddlewareMissing,
                ))));
            }
        };
        let error = match parsed {
            Ok(event) => return Box::pin(ready(Ok(Verified(event)))),
            Err(error) => error,
        };
        let extensions = req.extensions();
        let Some(delivery) = extensions.get::<Delivery>() else {
            return Box::pin(ready(Err(VerifiedRejection::MiddlewareMissing(
                MiddlewareMissing,
            ))));
        };
        let not_typed =
            verified::not_typed(extensions.get::<Guard>(), delivery, req.headers(), error);
        Box::pin(async move { Err(not_typed.await.into()) })
    }
}
