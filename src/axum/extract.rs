use std::fmt;

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;
use serde::de::DeserializeOwned;

use crate::Delivery;

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
/// use webhook_guard::Scheme;
///
/// async fn palo(Verified(event): Verified<PaloEvent>) -> &'static str {
///     println!("{}", event.event_type());
///     "OK"
/// }
/// let scheme = Scheme::palo();
/// let secret = scheme.secret("votre_secret_hmac_32_chars_min__").unwrap();
/// let app: Router = Router::new().route("/webhooks/palo", post(palo)).layer(WebhookLayer::new(scheme, [secret]));
/// ```
#[derive(Debug, Clone)]
pub struct Verified<T>(pub T);

/// Why [`Verified`] or [`Delivery`] could not be extracted.
///
/// An authentic delivery whose body is not a `T` is answered 400, and its claim is released
/// (the answer is not 2xx), so a fixed handler can still take the sender's retry:
///
/// ```
/// use axum::{body::Body, http::Request, routing::post, Router};
/// use serde::Deserialize;
/// use tower::ServiceExt;
/// use webhook_guard::axum::{Verified, WebhookLayer};
/// use webhook_guard::{Scheme, Secret, Signer};
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
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let secret = Secret::new("It's a Secret to Everybody").unwrap();
/// let app = Router::new()
///     .route("/hook", post(handle))
///     .layer(WebhookLayer::new(Scheme::github(), [secret.clone()]));
/// let body = r#"{"ticket":"T-1"}"#; // signed, but not an order
/// let mut request = Request::post("/hook");
/// for (name, value) in Signer::new(Scheme::github(), secret).headers(body.as_bytes(), 0, "d-1") {
///     request = request.header(name, value);
/// }
/// let response = app.oneshot(request.body(Body::from(body)).unwrap()).await.unwrap();
/// assert_eq!(response.status(), 400);
/// # });
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum VerifiedRejection {
    /// The route has no [`WebhookLayer`](super::WebhookLayer) (500).
    LayerMissing(LayerMissing),
    /// The verified body does not match `T` (400).
    InvalidEvent(serde_json::Error),
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
        }
    }
}

impl std::error::Error for VerifiedRejection {}

impl IntoResponse for VerifiedRejection {
    fn into_response(self) -> Response {
        match self {
            Self::LayerMissing(missing) => missing.into_response(),
            Self::InvalidEvent(error) => {
                tracing::warn!(%error, "verified delivery does not match the handler's event type");
                (
                    StatusCode::BAD_REQUEST,
                    "event does not match the expected type",
                )
                    .into_response()
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

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Verified<T> {
    type Rejection = VerifiedRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let delivery = parts
            .extensions
            .get::<Delivery>()
            .ok_or(VerifiedRejection::LayerMissing(LayerMissing))?;
        delivery
            .parse()
            .map(Verified)
            .map_err(VerifiedRejection::InvalidEvent)
    }
}
