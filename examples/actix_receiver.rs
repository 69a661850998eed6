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

use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, HttpServer, web};
use common::inbox::AnyInbox;
use webhook_guard::Delivery;
use webhook_guard::actix::{Verified, WebhookMiddleware, enqueue};
use webhook_guard::event::{AuditTrailEvent, PaloEvent};

/// The answer for an inline handler's status (`http` 1.x) on actix-web (`http` 0.2).
fn answer((status, body): (http::StatusCode, &'static str)) -> HttpResponse {
    let status = StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status).body(body)
}

async fn audit_trail(Verified(event): Verified<AuditTrailEvent>) -> HttpResponse {
    let status = common::inline("audit-trail", event.id(), || {
        common::handle_audit_trail(&event)
    })
    .await;
    answer(status)
}

async fn palo(Verified(event): Verified<PaloEvent>) -> HttpResponse {
    let status = common::inline("palo", event.id(), || common::handle_palo(&event)).await;
    answer(status)
}

/// PALO test deliveries: logged only.
async fn palo_test(delivery: Delivery) -> HttpResponse {
    common::handle_palo_test(&delivery);
    HttpResponse::Ok().body("OK")
}

/// Every other provider: the verified delivery, untyped.
async fn delivery(delivery: Delivery) -> HttpResponse {
    let status = common::inline(delivery.scheme(), delivery.id(), || {
        common::handle_delivery(&delivery)
    })
    .await;
    answer(status)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    common::init_logs();
    let metrics = common::prometheus::install();
    let inbox = match common::inbox::url() {
        Some(url) => Some(AnyInbox::connect(&url).await),
        None => None,
    };
    // Built once, outside the server's closure: every worker shares the same replay store.
    let guards = common::guards(inbox.as_ref()).await;
    let providers: Vec<_> = common::providers::routes(&guards.audit_trail, inbox.as_ref())
        .into_iter()
        .map(|p| (p.path, WebhookMiddleware::new(p.guard), p.any_method))
        .collect();
    let workers = inbox.as_ref().map(AnyInbox::start_workers);
    let inboxed = inbox.is_some();
    let console = common::admin::console(inbox.as_ref());
    let audit_trail_webhooks = WebhookMiddleware::new(guards.audit_trail);
    let palo_webhooks = WebhookMiddleware::new(guards.palo);
    let palo_test_webhooks = WebhookMiddleware::new(guards.palo_test);
    let untyped = [
        ("/webhooks/standard", guards.standard_webhooks),
        ("/webhooks/github", guards.github),
        ("/webhooks/stripe", guards.stripe),
        ("/webhooks/slack", guards.slack),
    ]
    .map(|(path, guard)| (path, WebhookMiddleware::new(guard)));

    let addr = common::listen_addr();
    let listener = std::net::TcpListener::bind(addr)
        .unwrap_or_else(|e| panic!("cannot listen on {addr}: {e}"));
    eprintln!("listening on http://{addr}");
    eprintln!("routes: POST {}", common::ROUTES.join(", POST "));
    let paths: Vec<_> = providers.iter().map(|p| p.0.clone()).collect();
    eprintln!("provider routes: POST {}", paths.join(", POST "));
    let server = common::serve::actix(HttpServer::new(move || {
        // Inline, each route runs its handler; in inbox mode, each stores and answers.
        let route = |inline: actix_web::Route| {
            if inboxed {
                web::post().to(enqueue)
            } else {
                inline
            }
        };
        // A path with no route: 404, as actix-web answers, without reading a body that
        // never ends (`examples/common/serve.rs`).
        let metrics = metrics.clone();
        let app = App::new()
            .default_service(actix_web::dev::fn_service(common::serve::actix_no_route))
            .route(
                "/metrics",
                web::get().to(move || {
                    let text = metrics.render();
                    async move {
                        HttpResponse::Ok()
                            .content_type(common::prometheus::CONTENT_TYPE)
                            .body(text)
                    }
                }),
            )
            .service(
                web::resource("/webhooks/audit-trail")
                    .wrap(audit_trail_webhooks.clone())
                    .route(route(web::post().to(audit_trail))),
            )
            .service(
                web::resource("/webhooks/palo")
                    .wrap(palo_webhooks.clone())
                    .route(route(web::post().to(palo))),
            )
            .service(
                web::resource("/webhook-test")
                    .wrap(palo_test_webhooks.clone())
                    .route(route(web::post().to(palo_test))),
            );
        let app = match &console {
            Some(console) => app.service(console.actix_scope(common::admin::PATH)),
            None => app,
        };
        let app = untyped.iter().fold(app, |app, (path, webhooks)| {
            app.service(
                web::resource(*path)
                    .wrap(webhooks.clone())
                    .route(route(web::post().to(delivery))),
            )
        });
        providers
            .iter()
            .fold(app, |app, (path, webhooks, any_method)| {
                // Dropbox's challenge comes as a GET: its route takes any method.
                let method = || {
                    if *any_method {
                        web::route()
                    } else {
                        web::post()
                    }
                };
                let handler = if inboxed {
                    method().to(enqueue)
                } else {
                    method().to(delivery)
                };
                app.service(
                    web::resource(path.as_str())
                        .wrap(webhooks.clone())
                        .route(handler),
                )
            })
    }))
    .listen(listener)?
    // actix-web's own signal handling stops at once on Ctrl-C (SIGINT forces the stop, the
    // requests in progress are dropped): this listens instead, and stops gracefully on both.
    .disable_signals()
    .shutdown_timeout(common::serve::SHUTDOWN_GRACE.as_secs())
    .run();
    let handle = server.handle();
    actix_web::rt::spawn(async move {
        common::serve::shutdown_signal().await;
        // Stop accepting, let requests in progress finish within the grace.
        handle.stop(true).await;
    });
    server.await?;
    // Then attempts in progress finish, and the rest are given back uncounted.
    if let Some(workers) = workers {
        workers.shutdown().await;
        eprintln!("inbox workers stopped");
    }
    Ok(())
}
