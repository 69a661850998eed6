//! The example receiver on actix-web: the same routes, environment and output as `receiver`
//! (the axum one).
//!
//! ```text
//! cargo run --example actix_receiver
//! cargo run --example send -- audit-trail event.created --port 3000
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

use actix_web::{App, HttpResponse, HttpServer, web};
use common::print_handled;
use webhook_guard::actix::{Verified, WebhookMiddleware};
use webhook_guard::event::{AuditTrailEvent, PaloEvent};

async fn audit_trail(Verified(event): Verified<AuditTrailEvent>) -> HttpResponse {
    print_handled("audit-trail", event.id(), event.event_type());
    HttpResponse::Ok().body("OK")
}

async fn palo(Verified(event): Verified<PaloEvent>) -> HttpResponse {
    print_handled("palo", event.id(), event.event_type());
    HttpResponse::Ok().body("OK")
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    common::init_logs();
    // Built once, outside the server's closure: every worker shares the same replay store.
    let (audit_guard, palo_guard) = common::guards().await;
    let audit_trail_webhooks = WebhookMiddleware::from_guard(audit_guard);
    let palo_webhooks = WebhookMiddleware::from_guard(palo_guard);

    let addr = common::listen_addr();
    let listener = std::net::TcpListener::bind(addr)
        .unwrap_or_else(|e| panic!("cannot listen on {addr}: {e}"));
    eprintln!("listening on http://{addr}");
    eprintln!("routes: POST /webhooks/audit-trail, POST /webhooks/palo");
    HttpServer::new(move || {
        App::new()
            .service(
                web::resource("/webhooks/audit-trail")
                    .wrap(audit_trail_webhooks.clone())
                    .route(web::post().to(audit_trail)),
            )
            .service(
                web::resource("/webhooks/palo")
                    .wrap(palo_webhooks.clone())
                    .route(web::post().to(palo)),
            )
    })
    .listen(listener)?
    .run()
    .await
}
