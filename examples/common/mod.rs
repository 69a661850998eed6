//! What the two example receivers (`receiver` on axum, `actix_receiver` on actix-web) share:
//! the environment, the demo secrets, the store choice and the stdout contract.

use std::net::SocketAddr;

use webhook_guard::{Guard, Scheme, Secret, Verifier};

/// Demo secrets, used when the environment sets none. Never use them in production.
pub const DEMO_AUDIT_TRAIL_SECRET: &str = "whsec_abc123def456";
pub const DEMO_PALO_SECRET: &str = "demo_palo_secret_32_chars_min___";

/// One line of the stdout contract, fields in this order.
#[derive(serde::Serialize)]
struct Handled<'a> {
    provider: &'a str,
    id: &'a str,
    #[serde(rename = "type")]
    event_type: &'a str,
}

/// Prints the contract's line for a handled delivery:
/// `{"provider":"audit-trail","id":"<delivery or event id>","type":"<event type>"}`.
pub fn print_handled(provider: &str, id: &str, event_type: &str) {
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

/// Logs to stderr (stdout carries the contract), `RUST_LOG` or `info`.
pub fn init_logs() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
}

/// `127.0.0.1:$PORT`, default 3000.
pub fn listen_addr() -> SocketAddr {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn secret_from_env(scheme: &Scheme, var: &str, demo: &str) -> Secret {
    let value = std::env::var(var).ok().filter(|v| !v.is_empty());
    if value.is_none() {
        eprintln!("{var} is not set: using the demo secret {demo:?}");
    }
    scheme
        .secret(value.as_deref().unwrap_or(demo))
        .unwrap_or_else(|e| panic!("{var}: {e}"))
}

/// The guards of the two routes: Audit Trail (`AUDIT_TRAIL_SECRET`) and PALO (`PALO_SECRET`),
/// sharing one replay store (in memory, or Redis when `REDIS_URL` is set).
pub async fn guards() -> (Guard, Guard) {
    let audit_trail = Scheme::audit_trail();
    let palo = Scheme::palo();
    let audit_secret = secret_from_env(&audit_trail, "AUDIT_TRAIL_SECRET", DEMO_AUDIT_TRAIL_SECRET);
    let palo_secret = secret_from_env(&palo, "PALO_SECRET", DEMO_PALO_SECRET);
    let audit_guard = Guard::new(Verifier::new(audit_trail, [audit_secret]));
    let palo_guard = Guard::new(Verifier::new(palo, [palo_secret]));
    match shared_store().await {
        Some(store) => (
            audit_guard.shared_store(store.clone()),
            palo_guard.shared_store(store),
        ),
        None => {
            let store = audit_guard
                .replay_store()
                .cloned()
                .expect("the default in-memory store");
            (audit_guard, palo_guard.shared_store(store))
        }
    }
}

#[cfg(feature = "redis")]
async fn shared_store() -> Option<std::sync::Arc<dyn webhook_guard::replay::ReplayStore>> {
    match std::env::var("REDIS_URL") {
        Ok(url) if !url.is_empty() => {
            let store = webhook_guard::replay::RedisStore::builder(url.as_str())
                .connect()
                .await
                .unwrap_or_else(|e| panic!("REDIS_URL: {e}"));
            eprintln!("replay store: Redis");
            Some(std::sync::Arc::new(store))
        }
        _ => {
            eprintln!("replay store: in memory (set REDIS_URL to share one between replicas)");
            None
        }
    }
}

#[cfg(not(feature = "redis"))]
async fn shared_store() -> Option<std::sync::Arc<dyn webhook_guard::replay::ReplayStore>> {
    if std::env::var("REDIS_URL").is_ok_and(|v| !v.is_empty()) {
        panic!("REDIS_URL is set but this build has no Redis support: run with --features redis");
    }
    eprintln!("replay store: in memory");
    None
}
