use std::fmt;

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;
use serde::de::DeserializeOwned;

use super::RejectionResponse;
use crate::guard::verified::{self, NotTyped};
use crate::{Delivery, Guard, Rejection};

/// The delivery's body parsed as `T`: a typed event such as
/// [`AuditTrailEvent`](crate::event::audit_trail::AuditTrailEvent), or any `Deserialize` type.
///
/// Extracted from the verified delivery the layer put in the request extensions, so it never
/// sees an unverified body and leaves the body in place for other extractors.
///
/// ```
/// use axum::{routing::post, Router};
/// use webhook_guard::axum::{Verified, WebhookLayer};
/// use webhook_guard::event::palo::PaloEvent;
/// use webhook_guard::{Scheme, Verifier};
///
/// async fn palo(Verified(event): Verified<PaloEvent>) -> &'static str {
///     println!("{}", event.event_type());
///     "OK"
/// }
/// let scheme = Scheme::palo();
/// let secret = scheme.secret("votre_secret_hmac_32_chars_min__").unwrap();
/// let app: Router = Router::new().route("/webhooks/palo", post(palo)).layer(WebhookLayer::new(Verifier::new(scheme, [secret])));
/// ```
#[derive(Debug, Clone)]
pub struct Verified<T>(pub T);

/// Why [`Verified`] or [`Delivery`] could not be extracted, and what is answered instead.
///
/// An authentic delivery whose body is not a `T` is handled by the guard's
/// [`UnparsedPolicy`](crate::dead_letter::UnparsedPolicy), the same as on actix-web: by default
/// it is stored as a dead letter and answered 200 (marked done, the handler does not run);
/// with [`UnparsedPolicy::Reject`](crate::dead_letter::UnparsedPolicy::Reject) it is answered
/// 400 and its claim released, so a fixed handler can take the sender's retry:
///
/// ```
/// use axum::{body::Body, http::Request, routing::post, Router};
/// use serde::Deserialize;
/// use tower::ServiceExt;
/// use webhook_guard::axum::{Verified, WebhookLayer};
/// use webhook_guard::dead_letter::{JsonLinesSink, UnparsedPolicy};
/// use webhook_guard::{Guard, Scheme, Secret, Signer, Verifier};
///
/// #[derive(Deserialize)]
/// struct Order {
///     order_id: u64,
/// }
///
/// async fn handle(Verified(order): Verified<Order>) -> String {
///     order.order_id.to_string()
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let secret = Secret::new("It's a Secret to Everybody").unwrap();
/// let dir = std::env::temp_dir().join(format!("wg-doc-axum-unparsed-{}", std::process::id()));
/// let guard = Guard::new(Verifier::new(Scheme::github(), [secret.clone()]));
/// let body = r#"{"ticket":"T-1"}"#; // signed, but not an order
/// let request = |id: &str| {
///     let mut request = Request::post("/hook");
///     for (name, value) in Signer::new(Scheme::github(), secret.clone()).headers(body.as_bytes(), 0, id) {
///         request = request.header(name, value);
///     }
///     request.body(Body::from(body)).unwrap()
/// };
///
/// // The default: a dead letter, answered 200.
/// let sink = UnparsedPolicy::dead_letter(JsonLinesSink::new(&dir));
/// let app = Router::new().route("/hook", post(handle)).layer(WebhookLayer::new(guard.clone().on_unparsed(sink)));
/// assert_eq!(app.oneshot(request("d-1")).await.unwrap().status(), 200);
/// assert_eq!(JsonLinesSink::new(&dir).pending().unwrap()[0].id, "d-1");
///
/// // Opt in to rejecting: 400, and the sender retries (a guard with a store of its own: GitHub
/// // deduplicates on the signature too, and this body was signed above already).
/// let guard = Guard::new(Verifier::new(Scheme::github(), [secret.clone()])).on_unparsed(UnparsedPolicy::Reject);
/// let app = Router::new().route("/hook", post(handle)).layer(WebhookLayer::new(guard));
/// assert_eq!(app.oneshot(request("d-2")).await.unwrap().status(), 400);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # });
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum VerifiedRejection {
    /// The route has no [`WebhookLayer`](super::WebhookLayer) (500).
    LayerMissing(LayerMissing),
    /// The verified body does not match `T`, and the policy rejects it (400).
    InvalidEvent(serde_json::Error),
    /// The verified body does not match `T`: it was stored as a dead letter (200, done).
    DeadLettered,
    /// The verified body does not match `T`, and the dead-letter sink failed (503 with
    /// `Retry-After`: the delivery stays retryable).
    DeadLetterFailed(Rejection),
}

/// The extractor ran on a route without the layer: a server bug, answered 500.
///
/// ```
/// use axum::{body::Body, http::Request, routing::post, Router};
/// use tower::ServiceExt;
/// use webhook_guard::Delivery;
/// use webhook_guard::axum::LayerMissing;
///
/// async fn handle(delivery: Delivery) -> String {
///     delivery.id().to_owned()
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let app: Router = Router::new().route("/hook", post(handle)); // no `.layer(WebhookLayer::..)`
/// let response = app.oneshot(Request::post("/hook").body(Body::from("{}")).unwrap()).await.unwrap();
/// assert_eq!(response.status(), 500);
/// assert!(LayerMissing.to_string().contains("add WebhookLayer"));
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct LayerMissing;

const LAYER_MISSING: &str =
    "webhook-guard: no verified delivery on this request; add WebhookLayer to this route";

impl fmt::Display for LayerMissing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(LAYER_MISSING)
    }
}

impl std::error::Error for LayerMissing {}

impl IntoResponse for LayerMissing {
    fn into_response(self) -> Response {
        tracing::error!("{LAYER_MISSING}");
        (StatusCode::INTERNAL_SERVER_ERROR, LAYER_MISSING).into_response()
    }
}

impl fmt::Display for VerifiedRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LayerMissing(missing) => missing.fmt(f),
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

impl IntoResponse for VerifiedRejection {
    fn into_response(self) -> Response {
        match self {
            Self::LayerMissing(missing) => missing.into_response(),
            // The guard logged the delivery's outcome when it applied the policy.
            Self::InvalidEvent(_) => (
                StatusCode::BAD_REQUEST,
                "event does not match the expected type",
            )
                .into_response(),
            Self::DeadLettered => (StatusCode::OK, "OK").into_response(),
            Self::DeadLetterFailed(rejection) => {
                RejectionResponse::<axum::body::Body>::response(&super::PlainText, &rejection)
            }
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Delivery {
    type Rejection = LayerMissing;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Delivery>()
            .cloned()
            .ok_or(LayerMissing)
    }
}

impl<S: Send + Sync, T: DeserializeOwned + 'static> FromRequestParts<S> for Verified<T> {
    type Rejection = VerifiedRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let delivery = parts
            .extensions
            .get_mut::<Delivery>()
            .ok_or(VerifiedRejection::LayerMissing(LayerMissing))?;
        let error = match verified::typed::<T>(delivery) {
            Ok(event) => return Ok(Verified(event)),
            Err(error) => error,
        };
        let extensions = &parts.extensions;
        let delivery = extensions
            .get::<Delivery>()
            .ok_or(VerifiedRejection::LayerMissing(LayerMissing))?;
        let guard = extensions.get::<Guard>();
        Err(verified::not_typed(guard, delivery, &parts.headers, error)
            .await
            .into())
    }
}
