//! The Audit Trail spec's Express receiver, ported to axum with webhook-guard, section by
//! section (`audit-trail-webhooks.md`, "Verification (Node.js)" and "Best Practices").
//!
//! ```text
//! PORT=3000 AUDIT_TRAIL_SECRET=whsec_abc123def456 cargo run --example express_port
//! cargo run --example send -- audit-trail alert.triggered
//! ```
//!
//! | Express block in the spec | here |
//! |---|---|
//! | `verifyWebhookSignature` (HMAC of `${timestamp}.${JSON.stringify(payload)}`, `timingSafeEqual`) | `WebhookLayer::new(Scheme::audit_trail(), ..)`: HMAC of the *raw* body, constant-time, no throw on a length mismatch |
//! | `if (!verify...) return res.status(401)` | the layer answers 401 before the handler runs |
//! | 3. Validation du timestamp: `if (now - timestamp > MAX_AGE) return 400` | the scheme's freshness window (5 min old, 1 min ahead), 400 |
//! | 2. Idempotence: `processedDeliveries` `Set` | the layer's replay store: bounded, expiring, marked done only after a 2xx |
//! | 1. Répondre rapidement: `res.status(200)` then `processWebhook(...)` | `enqueue`: answers as soon as the job is queued |
//! | 4. File d'attente: `webhookQueue.add(req.body)`, `webhookQueue.process(...)` | a bounded `mpsc` channel and one worker task |
//!
//! What differs, on purpose:
//! - The queue is bounded. When it is full the handler answers **503**, which releases the
//!   replay claim, so Audit Trail retries later (+1 min, +5 min, ...): nothing acknowledged is
//!   ever dropped for lack of room, where Bull (or an unbounded array) would grow until the
//!   process dies.
//! - On Ctrl-C the server stops taking deliveries and the worker drains every queued job before
//!   the process exits, so a delivery acknowledged with 200 is processed. (A crash still loses
//!   the jobs in memory: for that, queue into durable storage, as Bull does with Redis.)

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use tokio::sync::mpsc;
use webhook_guard::axum::{Verified, WebhookLayer};
use webhook_guard::event::AuditTrailEvent;
use webhook_guard::{Delivery, Scheme};

/// How many acknowledged deliveries may wait for the worker.
const QUEUE_CAPACITY: usize = 1024;

/// `processWebhook(payload)`: the slow part, run by the worker.
async fn process_webhook(event: AuditTrailEvent) {
    tokio::time::sleep(Duration::from_millis(10)).await;
    println!(
        "{}",
        serde_json::json!({ "provider": "audit-trail", "id": event.id(), "type": event.event_type() })
    );
}

/// `app.post('/webhooks/audit-trail', ...)`: by the time this runs, the layer has verified the
/// signature (401 otherwise), checked the timestamp (400) and claimed the delivery id (a
/// duplicate got 200 `already processed` or 409).
async fn enqueue(
    State(queue): State<mpsc::Sender<AuditTrailEvent>>,
    delivery: Delivery,
    Verified(event): Verified<AuditTrailEvent>,
) -> (StatusCode, &'static str) {
    // `webhookQueue.add(req.body); res.status(200).send('OK')`, but bounded.
    match queue.try_send(event) {
        Ok(()) => (StatusCode::OK, "OK"),
        Err(_) => {
            eprintln!(
                "queue full: refusing {} with 503, the sender will retry",
                delivery.id()
            );
            (StatusCode::SERVICE_UNAVAILABLE, "busy, retry later")
        }
    }
}

#[tokio::main]
async fn main() {
    let secret_text = std::env::var("AUDIT_TRAIL_SECRET").unwrap_or_else(|_| {
        eprintln!("AUDIT_TRAIL_SECRET is not set: using the demo secret \"whsec_abc123def456\"");
        "whsec_abc123def456".to_owned()
    });
    let scheme = Scheme::audit_trail();
    let secret = scheme.secret(secret_text).expect("AUDIT_TRAIL_SECRET");

    // `webhookQueue.process(async (job) => processWebhook(job.data))`
    let (queue, mut jobs) = mpsc::channel::<AuditTrailEvent>(QUEUE_CAPACITY);
    let worker = tokio::spawn(async move {
        while let Some(event) = jobs.recv().await {
            process_webhook(event).await;
        }
    });

    let app = Router::new()
        .route("/webhooks/audit-trail", post(enqueue))
        .layer(WebhookLayer::new(scheme, [secret]))
        .with_state(queue);

    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
    eprintln!("listening on http://{addr}/webhooks/audit-trail");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .expect("server error");
    // The router (and with it the last queue sender) is gone: the worker drains and stops.
    eprintln!("draining the queue");
    let _ = worker.await;
}
