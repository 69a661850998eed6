//! The example receiver: an axum server verifying Audit Trail, PALO, Standard Webhooks,
//! GitHub, Stripe and Slack webhooks.
//!
//! ```text
//! cargo run --example receiver
//! ```
//!
//! Listens on `127.0.0.1:$PORT` (default 3000) with the embedded in-memory replay store, or a
//! shared Redis store when `REDIS_URL` is set (needs `--features redis`). Secrets come from
//! `AUDIT_TRAIL_SECRET`, `PALO_SECRET`, `STANDARD_WEBHOOKS_SECRET`, `GITHUB_WEBHOOK_SECRET`,
//! `STRIPE_WEBHOOK_SECRET`, `SLACK_SIGNING_SECRET` and `PALO_TEST_SECRET` (else
//! `PALO_SECRET`), with documented demo defaults (in `examples/common/mod.rs`) when unset.
//! Verified deliveries that a handler's own type cannot take go to the dead-letter sink in
//! `$DEAD_LETTER_DIR` (default `./dead-letters`); see the `dead_letters` example.
//!
//! Routes: `POST /webhooks/audit-trail`, `/webhooks/palo`, `/webhooks/standard`,
//! `/webhooks/github`, `/webhooks/stripe`, `/webhooks/slack`, and `/webhook-test` (PALO test
//! deliveries, logged on stderr only). `GET /metrics` serves what the guard and, with
//! `INBOX_URL`, the inbox record, in Prometheus's text format (see `webhook_guard::metrics`).
//! With `ADMIN_TOKEN` set, the operator's console is at `/admin` (user `admin`, password the
//! token, or `Authorization: Bearer`): the dead letters, and the inbox in inbox mode.
//!
//! Each delivery that reaches a handler prints exactly one JSON line on stdout:
//! `{"provider":"audit-trail","id":"<delivery or event id>","type":"<event type>"}` (the
//! provider is the scheme's name: `audit-trail`, `palo`, `standard-webhooks`, `github`,
//! `stripe`, `slack`; a delivery without a type prints `""`). An Audit Trail or PALO event
//! of a known type whose fields do not fit the model reaches the handler too, and its line
//! ends with `"typed":false`. Duplicates, rejections, dead letters and `/webhook-test`
//! deliveries print nothing on stdout. Logs go to stderr. This output is a contract: keep it
//! stable.

mod common;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{MethodRouter, any, get, post};
use common::inbox::AnyInbox;
use webhook_guard::Delivery;
use webhook_guard::axum::{Verified, WebhookLayer, enqueue};
use webhook_guard::event::{AuditTrailEvent, PaloEvent};

async fn audit_trail(Verified(event): Verified<AuditTrailEvent>) -> (StatusCode, &'static str) {
    common::inline("audit-trail", event.id(), || {
        common::handle_audit_trail(&event)
    })
    .await
}

async fn palo(Verified(event): Verified<PaloEvent>) -> (StatusCode, &'static str) {
    common::inline("palo", event.id(), || common::handle_palo(&event)).await
}

/// PALO test deliveries: logged only.
async fn palo_test(delivery: Delivery) -> &'static str {
    common::handle_palo_test(&delivery);
    "OK"
}

/// Every other provider: the verified delivery, untyped.
async fn delivery(delivery: Delivery) -> (StatusCode, &'static str) {
    common::inline(delivery.scheme(), delivery.id(), || {
        common::handle_delivery(&delivery)
    })
    .await
}

#[tokio::main]
async fn main() {
    common::init_logs();
    let metrics = common::prometheus::install();
    let inbox = match common::inbox::url() {
        Some(url) => Some(AnyInbox::connect(&url).await),
        None => None,
    };
    let guards = common::guards(inbox.as_ref()).await;
    let providers = common::providers::routes(&guards.audit_trail, inbox.as_ref());
    let workers = inbox.as_ref().map(AnyInbox::start_workers);
    // Inline, each route runs its handler; in inbox mode, each stores and answers.
    let route = |inline: MethodRouter| {
        if inbox.is_some() {
            post(enqueue)
        } else {
            inline
        }
    };
    let app = Router::new()
        .route(
            "/metrics",
            get(move || async move {
                let content_type = [(http::header::CONTENT_TYPE, common::prometheus::CONTENT_TYPE)];
                (content_type, metrics.render())
            }),
        )
        .route(
            "/webhooks/audit-trail",
            route(post(audit_trail)).layer(WebhookLayer::new(guards.audit_trail)),
        )
        .route(
            "/webhooks/palo",
            route(post(palo)).layer(WebhookLayer::new(guards.palo)),
        )
        .route(
            "/webhooks/standard",
            route(post(delivery)).layer(WebhookLayer::new(guards.standard_webhooks)),
        )
        .route(
            "/webhooks/github",
            route(post(delivery)).layer(WebhookLayer::new(guards.github)),
        )
        .route(
            "/webhooks/stripe",
            route(post(delivery)).layer(WebhookLayer::new(guards.stripe)),
        )
        .route(
            "/webhooks/slack",
            route(post(delivery)).layer(WebhookLayer::new(guards.slack)),
        )
        .route(
            "/webhook-test",
            route(post(palo_test)).layer(WebhookLayer::new(guards.palo_test)),
        );
    let paths: Vec<_> = providers.iter().map(|p| p.path.clone()).collect();
    let app = providers.into_iter().fold(app, |app, p| {
        let handler = match (inbox.is_some(), p.any_method) {
            (true, true) => any(enqueue),
            (true, false) => post(enqueue),
            (false, true) => any(delivery),
            (false, false) => post(delivery),
        };
        app.route(&p.path, handler.layer(WebhookLayer::new(p.guard)))
    });
    let app = match common::admin::console(inbox.as_ref()) {
        Some(console) => app.nest(common::admin::PATH, console.router()),
        None => app,
    };

    let addr = common::listen_addr();
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .unwrap_or_else(|e| panic!("cannot listen on {addr}: {e}"));
    eprintln!("listening on http://{addr}");
    eprintln!("routes: POST {}", common::ROUTES.join(", POST "));
    eprintln!("provider routes: POST {}", paths.join(", POST "));
    common::serve::axum(listener, app)
        .await
        .expect("server error");
    // Stopped accepting: let attempts in progress finish, give the rest back uncounted.
    if let Some(workers) = workers {
        workers.shutdown().await;
        eprintln!("inbox workers stopped");
    }
}
