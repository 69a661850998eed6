//! The Audit Trail spec's Express receiver, ported to axum with webhook-guard, section by
//! section (`audit-trail-webhooks.md`, "Verification (Node.js)" and "Best Practices"), on the
//! durable inbox: it answers at once, like the spec's sample, and loses nothing it answered.
//!
//! ```text
//! PORT=3000 AUDIT_TRAIL_SECRET=whsec_abc123def456 cargo run --example express_port
//! cargo run --example send -- audit-trail alert.triggered
//! ```
//!
//! | Express block in the spec | here |
//! |---|---|
//! | `verifyWebhookSignature` (HMAC of `${timestamp}.${JSON.stringify(payload)}`, `timingSafeEqual`) | `WebhookLayer` with `Scheme::audit_trail()`: HMAC of the *raw* body, constant-time, no throw on a length mismatch |
//! | `if (!verify...) return res.status(401)` | the layer answers 401 before anything is stored |
//! | 3. Validation du timestamp: `if (now - timestamp > MAX_AGE) return 400` | the scheme's freshness window (5 min old, 1 min ahead), 400 |
//! | 2. Idempotence: `processedDeliveries` `Set` | the inbox's unique key on the signed delivery id: a copy is answered 200 without a second row |
//! | 1. Répondre rapidement: `res.status(200)` then `processWebhook(...)` | `enqueue` answers 200 as soon as the row is durable (SQLite, `synchronous=FULL`) |
//! | 4. File d'attente: `webhookQueue.add(req.body)`, `webhookQueue.process(...)` | the inbox table and its workers: retries with backoff, dead after 8 attempts, kept for a re-drive |
//!
//! What differs, on purpose: the spec's sample answers 200 and then processes in memory, so a
//! crash after the answer loses the event (and Bull's queue lives in Redis, another system to
//! run). Here the answer comes only after the delivery is on disk, so a crash at any point
//! loses nothing that was answered 200: a restarted process runs what was pending, and the
//! rows of a worker that died mid-handler are claimed again when its lease runs out. `INBOX_URL`
//! (default `sqlite://express-port.db`) chooses the file.

use std::net::SocketAddr;

use axum::Router;
use axum::routing::post;
use webhook_guard::axum::{WebhookLayer, enqueue};
use webhook_guard::event::AuditTrailEvent;
use webhook_guard::inbox::{HandlerError, Inbox, InboxDelivery};
use webhook_guard::{Guard, Scheme, Verifier};

/// `processWebhook(payload)`: the slow part, run by the workers.
async fn process_webhook(delivery: InboxDelivery) -> Result<(), HandlerError> {
    let event: AuditTrailEvent = delivery.parse()?;
    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    println!(
        "{}",
        serde_json::json!({ "provider": "audit-trail", "id": event.id(), "type": event.event_type() })
    );
    Ok(())
}

#[tokio::main]
async fn main() {
    let secret_text = std::env::var("AUDIT_TRAIL_SECRET").unwrap_or_else(|_| {
        eprintln!("AUDIT_TRAIL_SECRET is not set: using the demo secret \"whsec_abc123def456\"");
        "whsec_abc123def456".to_owned()
    });
    let scheme = Scheme::audit_trail();
    let secret = scheme.secret(secret_text).expect("AUDIT_TRAIL_SECRET");
    let url = std::env::var("INBOX_URL").unwrap_or_else(|_| "sqlite://express-port.db".into());
    let inbox = Inbox::<sqlx::Sqlite>::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));

    // `webhookQueue.process(async (job) => processWebhook(job.data))`
    let worker = inbox.worker().concurrency(8).run(process_webhook);

    // `app.post('/webhooks/audit-trail', ...)`: verify, then store and answer.
    let guard = Guard::new(Verifier::new(scheme, [secret])).inbox(inbox);
    let app = Router::new()
        .route("/webhooks/audit-trail", post(enqueue))
        .layer(WebhookLayer::new(guard));

    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
    eprintln!("listening on http://{addr}/webhooks/audit-trail (inbox: {url})");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .expect("server error");
    // Handlers still running finish (or give their rows back for the next start).
    eprintln!("stopping the workers");
    worker.shutdown().await;
}
