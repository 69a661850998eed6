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
//! `AUDIT_TRAIL_SECRET`, `PALO_SECRET`, `STANDARD_WEBHOOKS_SECRET`, `GITHUB_WEBHOOK_SECRET`,
//! `STRIPE_WEBHOOK_SECRET` and `SLACK_SIGNING_SECRET`, with documented demo defaults (in
//! `examples/common/mod.rs`) when unset.
//!
//! Routes: `POST /webhooks/audit-trail`, `/webhooks/palo`, `/webhooks/standard`,
//! `/webhooks/github`, `/webhooks/stripe`, `/webhooks/slack`.
//!
//! Each delivery that reaches a handler prints exactly one JSON line on stdout:
//! `{"provider":"audit-trail","id":"<delivery or event id>","type":"<event type>"}` (the
//! provider is the scheme's name: `audit-trail`, `palo`, `standard-webhooks`, `github`,
//! `stripe`, `slack`; a delivery without a type prints `""`).
//! Logs go to stderr. This output is a contract: keep it stable.

mod common;

use actix_web::{App, HttpResponse, HttpServer, web};
use common::print_handled;
use webhook_guard::Delivery;
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

/// Standard Webhooks, GitHub, Stripe and Slack: the verified delivery, untyped.
async fn delivery(delivery: Delivery) -> HttpResponse {
    HttpResponse::Ok().body(common::handle_delivery(&delivery))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    common::init_logs();
    // Built once, outside the server's closure: every worker shares the same replay store.
    let guards = common::guards().await;
    let audit_trail_webhooks = WebhookMiddleware::from_guard(guards.audit_trail);
    let palo_webhooks = WebhookMiddleware::from_guard(guards.palo);
    let untyped = [
        ("/webhooks/standard", guards.standard_webhooks),
        ("/webhooks/github", guards.github),
        ("/webhooks/stripe", guards.stripe),
        ("/webhooks/slack", guards.slack),
    ]
    .map(|(path, guard)| (path, WebhookMiddleware::from_guard(guard)));

    let addr = common::listen_addr();
    let listener = std::net::TcpListener::bind(addr)
        .unwrap_or_else(|e| panic!("cannot listen on {addr}: {e}"));
    eprintln!("listening on http://{addr}");
    eprintln!("routes: POST {}", common::ROUTES.join(", POST "));
    HttpServer::new(move || {
        let app = App::new()
            .service(
                web::resource("/webhooks/audit-trail")
                    .wrap(audit_trail_webhooks.clone())
                    .route(web::post().to(audit_trail)),
            )
            .service(
                web::resource("/webhooks/palo")
                    .wrap(palo_webhooks.clone())
                    .route(web::post().to(palo)),
            );
        untyped.iter().fold(app, |app, (path, webhooks)| {
            app.service(
                web::resource(*path)
                    .wrap(webhooks.clone())
                    .route(web::post().to(delivery)),
            )
        })
    })
    .listen(listener)?
    .run()
    .await
}
