//! The axum test receiver.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use webhook_guard::Delivery;
use webhook_guard::axum::{Verified, WebhookLayer};
use webhook_guard::event::{AuditTrailEvent, PaloEvent};

use super::{Adapter, AppConfig, HandlerState, RunningApp, StrictAuditTrail, StrictPalo};

async fn audit_trail(
    State(state): State<Arc<HandlerState>>,
    delivery: Delivery,
    Verified(event): Verified<AuditTrailEvent>,
) -> StatusCode {
    assert_eq!(delivery.id(), event.id());
    StatusCode::from_u16(state.handle(delivery.id(), event.is_unknown()).await).unwrap()
}

async fn palo(
    State(state): State<Arc<HandlerState>>,
    Verified(event): Verified<PaloEvent>,
) -> StatusCode {
    StatusCode::from_u16(state.handle(event.id(), event.is_unknown()).await).unwrap()
}

async fn strict_audit_trail(
    State(state): State<Arc<HandlerState>>,
    Verified(event): Verified<StrictAuditTrail>,
) -> StatusCode {
    StatusCode::from_u16(state.handle(&event.id, false).await).unwrap()
}

async fn strict_palo(
    State(state): State<Arc<HandlerState>>,
    Verified(event): Verified<StrictPalo>,
) -> StatusCode {
    StatusCode::from_u16(state.handle(&event.event_id, false).await).unwrap()
}

/// The test routes, each behind its own layer.
pub fn router(config: &AppConfig) -> Router {
    let (audit_guard, palo_guard) = config.guards();
    let (strict_audit_guard, strict_palo_guard) = config.strict_guards();
    Router::new()
        .route(
            "/strict/audit-trail",
            post(strict_audit_trail).layer(WebhookLayer::new(strict_audit_guard)),
        )
        .route(
            "/strict/palo",
            post(strict_palo).layer(WebhookLayer::new(strict_palo_guard)),
        )
        .route(
            "/webhooks/audit-trail",
            post(audit_trail).layer(WebhookLayer::new(audit_guard)),
        )
        .route(
            "/webhooks/palo",
            post(palo).layer(WebhookLayer::new(palo_guard)),
        )
        .with_state(Arc::clone(&config.state))
}

/// Serves `router` on 127.0.0.1:0; the server stops when the returned handle is dropped.
pub async fn serve(router: Router) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    (format!("http://{addr}"), server)
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub struct Axum;

impl Adapter for Axum {
    const NAME: &'static str = "axum";

    async fn spawn(config: AppConfig) -> RunningApp {
        let (base_url, server) = serve(router(&config)).await;
        RunningApp {
            base_url,
            state: config.state,
            stop: Box::new(AbortOnDrop(server)),
        }
    }
}
