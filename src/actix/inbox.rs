use actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError};

use super::MiddlewareMissing;
use crate::{Delivery, Guard};

/// The handler of a route in inbox mode: stores the verified delivery in the guard's
/// [`Inbox`](crate::inbox::Inbox) and answers 200 once it is durable (a duplicate too, without
/// a second row), or 503 with `Retry-After` when the database fails: nothing is acknowledged
/// that is not stored. Workers run your handler later (see [`crate::inbox`]).
///
/// ```no_run
/// # #[cfg(feature = "inbox-sqlite")]
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use actix_web::{web, App};
/// use webhook_guard::actix::{enqueue, WebhookMiddleware};
/// use webhook_guard::inbox::Inbox;
/// use webhook_guard::{Guard, Scheme, Secret, Verifier};
///
/// let inbox = Inbox::<sqlx::Sqlite>::connect("sqlite://webhooks.db").await?;
/// let secret = Secret::new("whsec_abc123def456")?;
/// let guard = Guard::new(Verifier::new(Scheme::audit_trail(), [secret])).inbox(inbox);
/// let app = App::new().service(
///     web::resource("/webhooks/audit-trail")
///         .wrap(WebhookMiddleware::new(guard))
///         .route(web::post().to(enqueue)),
/// );
/// # let _ = app;
/// # Ok(())
/// # }
/// ```
pub async fn enqueue(request: HttpRequest) -> HttpResponse {
    let (delivery, guard) = {
        let extensions = request.extensions();
        match (extensions.get::<Delivery>(), extensions.get::<Guard>()) {
            (Some(delivery), Some(guard)) => (delivery.clone(), guard.clone()),
            _ => return MiddlewareMissing.error_response(),
        }
    };
    match guard.enqueue(&delivery, request.headers()).await {
        Ok(_) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("OK"),
        Err(Some(rejection)) => rejection.error_response(),
        Err(None) => HttpResponse::InternalServerError()
            .content_type("text/plain; charset=utf-8")
            .body("webhook-guard: this route's guard has no inbox; add Guard::inbox"),
    }
}
