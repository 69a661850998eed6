use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::StatusCode;

use super::{LayerMissing, PlainText, RejectionResponse};
use crate::{Delivery, Guard};

/// The handler of a route in inbox mode: stores the verified delivery in the guard's
/// [`Inbox`](crate::inbox::Inbox) and answers 200 once it is durable (a duplicate too, without
/// a second row), or 503 with `Retry-After` when the database fails: nothing is acknowledged
/// that is not stored. Workers run your handler later (see [`crate::inbox`]).
///
/// ```no_run
/// # #[cfg(feature = "inbox-sqlite")]
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use axum::{routing::post, Router};
/// use webhook_guard::axum::{enqueue, WebhookLayer};
/// use webhook_guard::inbox::Inbox;
/// use webhook_guard::{Guard, Scheme, Secret, Verifier};
///
/// let inbox = Inbox::<sqlx::Sqlite>::connect("sqlite://webhooks.db").await?;
/// let secret = Secret::new("whsec_abc123def456")?;
/// let guard = Guard::new(Verifier::new(Scheme::audit_trail(), [secret])).inbox(inbox);
/// let app: Router = Router::new()
///     .route("/webhooks/audit-trail", post(enqueue))
///     .layer(WebhookLayer::new(guard));
/// # Ok(())
/// # }
/// ```
pub async fn enqueue(request: Request) -> Response {
    let extensions = request.extensions();
    let (Some(delivery), Some(guard)) = (extensions.get::<Delivery>(), extensions.get::<Guard>())
    else {
        return LayerMissing.into_response();
    };
    match guard.enqueue(delivery, request.headers()).await {
        Ok(_) => (StatusCode::OK, "OK").into_response(),
        Err(Some(rejection)) => {
            RejectionResponse::<axum::body::Body>::response(&PlainText, &rejection)
        }
        Err(None) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "webhook-guard: this route's guard has no inbox; add Guard::inbox",
        )
            .into_response(),
    }
}
