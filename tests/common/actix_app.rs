//! The actix-web test receiver.
//!
//! actix-web's server is `!Send`: it runs on its own thread with its own `System`, and the
//! handle it returns stops it when dropped.

use std::sync::Arc;

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, HttpServer, web};
use webhook_guard::Delivery;
use webhook_guard::actix::{Verified, WebhookMiddleware};
use webhook_guard::event::{AuditTrailEvent, PaloEvent};

use super::{Adapter, AppConfig, HandlerState, RunningApp, StrictAuditTrail, StrictPalo};

fn status(code: u16) -> HttpResponse {
    HttpResponse::new(StatusCode::from_u16(code).unwrap())
}

pub async fn audit_trail(
    state: web::Data<HandlerState>,
    delivery: Delivery,
    Verified(event): Verified<AuditTrailEvent>,
) -> HttpResponse {
    assert_eq!(delivery.id(), event.id());
    status(state.handle(delivery.id(), event.is_unknown()).await)
}

pub async fn palo(
    state: web::Data<HandlerState>,
    Verified(event): Verified<PaloEvent>,
) -> HttpResponse {
    status(state.handle(event.id(), event.is_unknown()).await)
}

pub async fn strict_audit_trail(
    state: web::Data<HandlerState>,
    Verified(event): Verified<StrictAuditTrail>,
) -> HttpResponse {
    status(state.handle(&event.id, false).await)
}

pub async fn strict_palo(
    state: web::Data<HandlerState>,
    Verified(event): Verified<StrictPalo>,
) -> HttpResponse {
    status(state.handle(&event.event_id, false).await)
}

/// The test routes, each behind its own middleware; the guards (and their store) are built
/// once and shared by every worker.
pub fn routes(config: &AppConfig) -> impl Fn(&mut web::ServiceConfig) + Clone + Send + 'static {
    let (audit_guard, palo_guard) = config.guards();
    let (strict_audit_guard, strict_palo_guard) = config.strict_guards();
    let state = web::Data::from(Arc::clone(&config.state));
    move |cfg| {
        cfg.app_data(state.clone())
            .service(
                web::resource("/strict/audit-trail")
                    .wrap(WebhookMiddleware::new(strict_audit_guard.clone()))
                    .route(web::post().to(strict_audit_trail)),
            )
            .service(
                web::resource("/strict/palo")
                    .wrap(WebhookMiddleware::new(strict_palo_guard.clone()))
                    .route(web::post().to(strict_palo)),
            )
            .service(
                web::resource("/webhooks/audit-trail")
                    .wrap(WebhookMiddleware::new(audit_guard.clone()))
                    .route(web::post().to(audit_trail)),
            )
            .service(
                web::resource("/webhooks/palo")
                    .wrap(WebhookMiddleware::new(palo_guard.clone()))
                    .route(web::post().to(palo)),
            );
    }
}

/// A running actix-web server; dropping it stops the server.
pub struct Server {
    pub base_url: String,
    handle: ServerHandle,
}

impl Drop for Server {
    fn drop(&mut self) {
        // The stop command is sent by the call itself; the future only waits for completion,
        // which the server's own thread drives.
        drop(self.handle.stop(false));
    }
}

/// How to run the test server.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub workers: usize,
    /// actix-web's `h1_allow_half_closed` (default `true`): with `false`, a client EOF aborts
    /// the connection and drops the handler's future.
    pub h1_allow_half_closed: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            workers: 1,
            h1_allow_half_closed: true,
        }
    }
}

/// Serves the routes `configure` registers on 127.0.0.1:0, on a thread of its own.
pub async fn serve<F>(options: Options, configure: F) -> Server
where
    F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let server = HttpServer::new(move || App::new().configure(configure.clone()))
                .workers(options.workers)
                .h1_allow_half_closed(options.h1_allow_half_closed)
                .disable_signals()
                .shutdown_timeout(1)
                .listen(listener)
                .unwrap()
                .run();
            let _ = tx.send((format!("http://{addr}"), server.handle()));
            server.await.unwrap();
        });
    });
    let (base_url, handle) = rx.await.expect("the actix server thread started");
    Server { base_url, handle }
}

pub struct Actix;

impl Adapter for Actix {
    const NAME: &'static str = "actix";

    async fn spawn(config: AppConfig) -> RunningApp {
        let server = serve(Options::default(), routes(&config)).await;
        RunningApp {
            base_url: server.base_url.clone(),
            state: config.state,
            stop: Box::new(server),
        }
    }
}
