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

use std::net::SocketAddr;

use axum::Router;
use axum::routing::post;
use webhook_guard::axum::{Verified, WebhookLayer};
use webhook_guard::event::{AuditTrailEvent, PaloEvent};
use webhook_guard::{Guard, Scheme, Verifier};

/// Demo secrets, used when the environment sets none. Never use them in production.
const DEMO_AUDIT_TRAIL_SECRET: &str = "whsec_abc123def456";
const DEMO_PALO_SECRET: &str = "demo_palo_secret_32_chars_min___";

/// One line of the stdout contract, fields in this order.
#[derive(serde::Serialize)]
struct Handled<'a> {
    provider: &'a str,
    id: &'a str,
    #[serde(rename = "type")]
    event_type: &'a str,
}

fn print_handled(provider: &str, id: &str, event_type: &str) {
    let line = Handled {
        provider,
        id,
        event_type,
    };
    // One `println!` per line: stdout is locked for the whole line, so lines never interleave.
    println!(
        "{}",
        serde_json::to_string(&line).expect("strings serialise")
    );
}

async fn audit_trail(Verified(event): Verified<AuditTrailEvent>) -> &'static str {
    print_handled("audit-trail", event.id(), event.event_type());
    "OK"
}

async fn palo(Verified(event): Verified<PaloEvent>) -> &'static str {
    print_handled("palo", event.id(), event.event_type());
    "OK"
}

fn secret_from_env(scheme: &Scheme, var: &str, demo: &str) -> webhook_guard::Secret {
    let value = std::env::var(var).ok().filter(|v| !v.is_empty());
    if value.is_none() {
        eprintln!("{var} is not set: using the demo secret {demo:?}");
    }
    scheme
        .secret(value.as_deref().unwrap_or(demo))
        .unwrap_or_else(|e| panic!("{var}: {e}"))
}

async fn guard_for(scheme: Scheme, var: &str, demo: &str) -> Guard {
    let secret = secret_from_env(&scheme, var, demo);
    let guard = Guard::new(Verifier::new(scheme, [secret]));
    with_store(guard).await
}

#[cfg(feature = "redis")]
async fn with_store(guard: Guard) -> Guard {
    match std::env::var("REDIS_URL") {
        Ok(url) if !url.is_empty() => {
            let store = webhook_guard::replay::RedisStore::builder(url.as_str())
                .connect()
                .await
                .unwrap_or_else(|e| panic!("REDIS_URL: {e}"));
            eprintln!("replay store: Redis at {url}");
            guard.store(store)
        }
        _ => {
            eprintln!("replay store: in memory (set REDIS_URL to share one between replicas)");
            guard
        }
    }
}

#[cfg(not(feature = "redis"))]
async fn with_store(guard: Guard) -> Guard {
    if std::env::var("REDIS_URL").is_ok_and(|v| !v.is_empty()) {
        panic!("REDIS_URL is set but this build has no Redis support: run with --features redis");
    }
    eprintln!("replay store: in memory");
    guard
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();

    let audit_guard = guard_for(
        Scheme::audit_trail(),
        "AUDIT_TRAIL_SECRET",
        DEMO_AUDIT_TRAIL_SECRET,
    )
    .await;
    let palo_guard = guard_for(Scheme::palo(), "PALO_SECRET", DEMO_PALO_SECRET).await;
    let app = Router::new()
        .route(
            "/webhooks/audit-trail",
            post(audit_trail).layer(WebhookLayer::from_guard(audit_guard)),
        )
        .route(
            "/webhooks/palo",
            post(palo).layer(WebhookLayer::from_guard(palo_guard)),
        );

    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .unwrap_or_else(|e| panic!("cannot listen on {addr}: {e}"));
    eprintln!(
        "listening on http://{}",
        listener.local_addr().map_or(addr, |a| a)
    );
    eprintln!("routes: POST /webhooks/audit-trail, POST /webhooks/palo");
    axum::serve(listener, app).await.expect("server error");
}
