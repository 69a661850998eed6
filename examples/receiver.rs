//! The example receiver: an axum server verifying Audit Trail and PALO webhooks.
//!
//! ```text
//! cargo run --example receiver
//! ```
//!
//! Listens on `127.0.0.1:$PORT` (default 3000) with the embedded in-memory replay store, or a
//! shared Redis store when `REDIS_URL` is set (needs `--features redis`). Secrets come from
//! `AUDIT_TRAIL_SECRET` and `PALO_SECRET`, with documented demo defaults when unset.
//!
//! Each delivery that reaches a handler prints exactly one JSON line on stdout:
//! `{"provider":"audit-trail","id":"<delivery or event id>","type":"<event type>"}`.
//! Logs go to stderr. This output is a contract: keep it stable.

mod common;

use axum::Router;
use axum::routing::post;
use common::print_handled;
use webhook_guard::axum::{Verified, WebhookLayer};
use webhook_guard::event::{AuditTrailEvent, PaloEvent};

async fn audit_trail(Verified(event): Verified<AuditTrailEvent>) -> &'static str {
    print_handled("audit-trail", event.id(), event.event_type());
    "OK"
}

async fn palo(Verified(event): Verified<PaloEvent>) -> &'static str {
    print_handled("palo", event.id(), event.event_type());
    "OK"
}

#[tokio::main]
async fn main() {
    common::init_logs();
    let (audit_guard, palo_guard) = common::guards().await;
    let app = Router::new()
        .route(
            "/webhooks/audit-trail",
            post(audit_trail).layer(WebhookLayer::from_guard(audit_guard)),
        )
        .route(
            "/webhooks/palo",
            post(palo).layer(WebhookLayer::from_guard(palo_guard)),
        );

    let addr = common::listen_addr();
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .unwrap_or_else(|e| panic!("cannot listen on {addr}: {e}"));
    eprintln!("listening on http://{addr}");
    eprintln!("routes: POST /webhooks/audit-trail, POST /webhooks/palo");
    axum::serve(listener, app).await.expect("server error");
}
