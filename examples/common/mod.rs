//! What the two example receivers (`receiver` on axum, `actix_receiver` on actix-web) and the
//! `dead_letters` tool share: the environment, the demo secrets, the store choice, the
//! dead-letter sink, the handlers and the stdout contract.
#![allow(dead_code)]

pub mod admin;
pub mod inbox;
pub mod prometheus;
pub mod serve;

pub mod providers;

use std::net::SocketAddr;
use std::path::PathBuf;

use webhook_guard::dead_letter::{JsonLinesSink, UnparsedPolicy};
use webhook_guard::event::{AuditTrailEvent, PaloEvent};
use webhook_guard::{Delivery, Guard, Scheme, Secret, Verifier};

/// Demo secrets, used when the environment sets none (one source with the `webhook-guard`
/// command). Never use them in production.
pub use webhook_guard::testing::demo::{
    DEMO_AUDIT_TRAIL_SECRET, DEMO_GITHUB_SECRET, DEMO_PALO_SECRET, DEMO_SLACK_SECRET,
    DEMO_STANDARD_WEBHOOKS_SECRET, DEMO_STRIPE_SECRET,
};

/// One line of the stdout contract, fields in this order.
#[derive(serde::Serialize)]
struct Handled<'a> {
    provider: &'a str,
    id: &'a str,
    #[serde(rename = "type")]
    event_type: &'a str,
    /// Written only as `false`: a known type whose fields did not fit its model.
    #[serde(skip_serializing_if = "is_true")]
    typed: bool,
}

fn is_true(typed: &bool) -> bool {
    *typed
}

/// Prints the contract's line for a handled delivery:
/// `{"provider":"audit-trail","id":"<delivery or event id>","type":"<event type>"}`.
pub fn print_handled(provider: &str, id: &str, event_type: &str) {
    print_line(provider, id, event_type, true);
}

/// The contract's line for an event the handler received as `Unparsed` (its type is known but
/// its fields did not fit): the same fields, then `"typed":false`.
pub fn print_unparsed(provider: &str, id: &str, event_type: &str) {
    print_line(provider, id, event_type, false);
}

fn print_line(provider: &str, id: &str, event_type: &str, typed: bool) {
    let line = Handled {
        provider,
        id,
        event_type,
        typed,
    };
    // One `println!` per line: stdout is locked for the whole line, so lines never interleave.
    println!(
        "{}",
        serde_json::to_string(&line).expect("strings serialise")
    );
}

/// The `/webhooks/audit-trail` handler's work, shared with the `dead_letters` tool's re-drive.
pub fn handle_audit_trail(event: &AuditTrailEvent) {
    match event {
        AuditTrailEvent::Unparsed(unparsed) => {
            tracing::warn!(
                id = unparsed.id(),
                error = unparsed.error(),
                "Audit Trail event did not fit its model"
            );
            print_unparsed("audit-trail", unparsed.id(), unparsed.event_type());
        }
        event => print_handled("audit-trail", event.id(), event.event_type()),
    }
}

/// The `/webhooks/palo` handler's work, shared with the `dead_letters` tool's re-drive.
pub fn handle_palo(event: &PaloEvent) {
    match event {
        PaloEvent::Unparsed(unparsed) => {
            tracing::warn!(
                id = unparsed.id(),
                error = unparsed.error(),
                "PALO event did not fit its model"
            );
            print_unparsed("palo", unparsed.id(), unparsed.event_type());
        }
        event => print_handled("palo", event.id(), event.event_type()),
    }
}

/// The `/webhook-test` handler: PALO test deliveries are only logged (stderr), never printed
/// on stdout nor acted on, as PALO's spec recommends a separate test endpoint.
pub fn handle_palo_test(delivery: &Delivery) {
    tracing::info!(
        provider = delivery.scheme(),
        id = delivery.id(),
        event_type = delivery.event_type(),
        "PALO test delivery received"
    );
}

/// Whether a stored delivery parses as its route's typed event (`audit-trail`, `palo`), without
/// printing: an inbox attempt checks this inside its transaction, and prints after the commit.
pub fn check_stored(scheme: &str, body: &[u8]) -> Result<(), serde_json::Error> {
    match scheme {
        "audit-trail" => serde_json::from_slice::<AuditTrailEvent>(body).map(drop),
        "palo" => serde_json::from_slice::<PaloEvent>(body).map(drop),
        _ => Ok(()),
    }
}

/// Runs a stored delivery (a dead letter, an inbox row) through its route's handler: the typed
/// events for `audit-trail` and `palo`, a log line for `palo-test`, the untyped line for the
/// others.
pub fn handle_stored(
    scheme: &str,
    id: &str,
    event_type: Option<&str>,
    body: &[u8],
) -> Result<(), serde_json::Error> {
    match scheme {
        "audit-trail" => handle_audit_trail(&serde_json::from_slice(body)?),
        "palo" => handle_palo(&serde_json::from_slice(body)?),
        "palo-test" => tracing::info!(id, "PALO test delivery handled"),
        scheme => print_handled(scheme, id, event_type.unwrap_or_default()),
    }
    Ok(())
}

/// The handlers' test knobs, read once: `HANDLER_DELAY_MS` (each attempt sleeps this long
/// before its effect), `HANDLER_FAIL_FIRST` (each delivery's first N attempts fail) and
/// `HANDLER_PANIC_FIRST` (each delivery's first N attempts panic).
#[derive(Debug, Clone, Copy)]
pub struct Knobs {
    pub delay: std::time::Duration,
    pub fail_first: u32,
    pub panic_first: u32,
}

pub fn knobs() -> Knobs {
    static KNOBS: std::sync::OnceLock<Knobs> = std::sync::OnceLock::new();
    *KNOBS.get_or_init(|| {
        let number = |var: &str| {
            std::env::var(var)
                .ok()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        Knobs {
            delay: std::time::Duration::from_millis(number("HANDLER_DELAY_MS")),
            fail_first: u32::try_from(number("HANDLER_FAIL_FIRST")).unwrap_or(u32::MAX),
            panic_first: u32::try_from(number("HANDLER_PANIC_FIRST")).unwrap_or(u32::MAX),
        }
    })
}

impl Knobs {
    /// Waits the delay, then panics if attempt `attempt` (from 1) of a delivery must panic,
    /// or answers whether it must fail.
    pub async fn attempt(&self, attempt: u32) -> Result<(), String> {
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        if attempt <= self.panic_first {
            panic!("HANDLER_PANIC_FIRST: attempt {attempt} panics");
        }
        if attempt <= self.fail_first {
            return Err(format!("HANDLER_FAIL_FIRST: attempt {attempt} fails"));
        }
        Ok(())
    }
}

/// Inline mode: runs `work` for attempt n of `(provider, id)` after the knobs; the answer
/// (`200 OK`, or `500` for an attempt the knobs fail: the sender retries).
pub async fn inline(
    provider: &str,
    id: &str,
    work: impl FnOnce(),
) -> (http::StatusCode, &'static str) {
    static ATTEMPTS: std::sync::Mutex<Option<std::collections::HashMap<String, u32>>> =
        std::sync::Mutex::new(None);
    let attempt = {
        let mut attempts = ATTEMPTS.lock().unwrap_or_else(|e| e.into_inner());
        let n = attempts
            .get_or_insert_with(Default::default)
            .entry(format!("{provider}\0{id}"))
            .or_default();
        *n += 1;
        *n
    };
    // A panicking attempt answers 500, as a failing one: the claim is released and the
    // sender's retry runs it again.
    let attempted =
        futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(knobs().attempt(attempt)))
            .await
            .unwrap_or_else(|_| Err(format!("attempt {attempt} panicked")));
    match attempted {
        Ok(()) => {
            work();
            (http::StatusCode::OK, "OK")
        }
        Err(error) => {
            tracing::warn!(provider, id, error, "handler fails this attempt");
            (http::StatusCode::INTERNAL_SERVER_ERROR, "handler failed")
        }
    }
}

/// Handles a verified delivery of a provider without a typed event (Standard Webhooks,
/// GitHub, Stripe, Slack and the others): prints the contract's line with the scheme's name as
/// the provider (an absent type prints as `""`, e.g. Slack slash commands). Handshakes (Slack's
/// `url_verification`, Zoom's, Discord's PING) never get here: the layer answers them.
pub fn handle_delivery(delivery: &Delivery) {
    print_handled(
        delivery.scheme(),
        delivery.id(),
        delivery.event_type().unwrap_or_default(),
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

/// The example receivers' routes, in the order they are listed at start.
pub const ROUTES: [&str; 7] = [
    "/webhooks/audit-trail",
    "/webhooks/palo",
    "/webhooks/standard",
    "/webhooks/github",
    "/webhooks/stripe",
    "/webhooks/slack",
    "/webhook-test",
];

/// `$DEAD_LETTER_DIR`, default `./dead-letters`: where verified deliveries that a handler's
/// own type cannot take are kept (see `webhook_guard::dead_letter`).
pub fn dead_letter_dir() -> PathBuf {
    std::env::var_os("DEAD_LETTER_DIR")
        .filter(|dir| !dir.is_empty())
        .map_or_else(|| PathBuf::from("dead-letters"), PathBuf::from)
}

/// One guard per route, all sharing one replay store (in memory, or Redis when `REDIS_URL` is
/// set). Each key is scoped by the scheme's name, so the providers never collide.
pub struct Guards {
    /// `/webhooks/audit-trail`, secret `AUDIT_TRAIL_SECRET`.
    pub audit_trail: Guard,
    /// `/webhooks/palo`, secret `PALO_SECRET`.
    pub palo: Guard,
    /// `/webhooks/standard`, secret `STANDARD_WEBHOOKS_SECRET` (`whsec_<base64>`), and
    /// `STANDARD_WEBHOOKS_PUBLIC_KEY` (`whpk_<base64>`) for `v1a` signatures.
    pub standard_webhooks: Guard,
    /// `/webhooks/github`, secret `GITHUB_WEBHOOK_SECRET`.
    pub github: Guard,
    /// `/webhooks/stripe`, secret `STRIPE_WEBHOOK_SECRET` (`whsec_...`, used as written).
    pub stripe: Guard,
    /// `/webhooks/slack`, secret `SLACK_SIGNING_SECRET`.
    pub slack: Guard,
    /// `/webhook-test`, PALO test deliveries: secret `PALO_TEST_SECRET`, else `PALO_SECRET`.
    /// Scheme `palo-test`, so its deliveries are deduplicated apart from production's.
    pub palo_test: Guard,
}

/// Builds every route's guard from the environment: the one place the receivers read secrets
/// and the store choice from. With an inbox (`INBOX_URL`), every guard is in inbox mode.
pub async fn guards(inbox: Option<&inbox::AnyInbox>) -> Guards {
    let guard = |scheme: Scheme, var: &str, demo: &str| {
        let secret = secret_from_env(&scheme, var, demo);
        Guard::new(Verifier::new(scheme, [secret]))
    };
    let guards = Guards {
        audit_trail: guard(
            Scheme::audit_trail(),
            "AUDIT_TRAIL_SECRET",
            DEMO_AUDIT_TRAIL_SECRET,
        ),
        palo: guard(Scheme::palo(), "PALO_SECRET", DEMO_PALO_SECRET),
        standard_webhooks: providers::standard_webhooks(secret_from_env(
            &Scheme::standard_webhooks(),
            "STANDARD_WEBHOOKS_SECRET",
            DEMO_STANDARD_WEBHOOKS_SECRET,
        )),
        github: guard(
            Scheme::github(),
            "GITHUB_WEBHOOK_SECRET",
            DEMO_GITHUB_SECRET,
        ),
        stripe: guard(
            Scheme::stripe(),
            "STRIPE_WEBHOOK_SECRET",
            DEMO_STRIPE_SECRET,
        ),
        slack: guard(Scheme::slack(), "SLACK_SIGNING_SECRET", DEMO_SLACK_SECRET),
        palo_test: guard(
            Scheme::palo().with_name("palo-test"),
            if std::env::var("PALO_TEST_SECRET").is_ok_and(|v| !v.is_empty()) {
                "PALO_TEST_SECRET"
            } else {
                "PALO_SECRET"
            },
            DEMO_PALO_SECRET,
        ),
    };
    let store = match shared_store().await {
        Some(store) => store,
        None => guards
            .audit_trail
            .replay_store()
            .cloned()
            .expect("the default in-memory store"),
    };
    let dead_letters = dead_letter_dir();
    eprintln!("dead letters: {}", dead_letters.display());
    let dead_letters = UnparsedPolicy::dead_letter(JsonLinesSink::new(dead_letters));
    let shared = |guard: Guard| {
        let guard = guard
            .shared_store(store.clone())
            .on_unparsed(dead_letters.clone());
        match inbox {
            Some(inbox) => inbox.guard(guard),
            None => guard,
        }
    };
    Guards {
        audit_trail: shared(guards.audit_trail),
        palo: shared(guards.palo),
        standard_webhooks: shared(guards.standard_webhooks),
        github: shared(guards.github),
        stripe: shared(guards.stripe),
        slack: shared(guards.slack),
        palo_test: shared(guards.palo_test),
    }
}

/// Refuses to start: `message` on stderr, exit status 1.
fn exit_with(message: &str) -> ! {
    eprintln!("{message}");
    std::process::exit(1)
}

#[cfg(feature = "redis")]
async fn shared_store() -> Option<std::sync::Arc<dyn webhook_guard::replay::ReplayStore>> {
    match std::env::var("REDIS_URL") {
        Ok(url) if !url.is_empty() => {
            let store = webhook_guard::replay::RedisStore::builder(url.as_str())
                .connect()
                .await
                // A start-up refusal (an unreachable or evicting Redis) is a message for the
                // operator, not a panic with a backtrace.
                .unwrap_or_else(|e| exit_with(&format!("REDIS_URL: {e}")));
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
        exit_with(
            "REDIS_URL is set but this build has no Redis support: run with --features redis",
        );
    }
    eprintln!("replay store: in memory");
    None
}
