//! Shared test helpers: the handler every adapter runs, the secrets, and the conformance table.
#![allow(dead_code, unreachable_pub)]

pub mod actix_app;
pub mod axum_app;
pub mod conformance;
pub mod examples;
pub mod hyper_app;
pub mod spec_examples;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;
use webhook_guard::dead_letter::{DeadLetter, DeadLetterSink, UnparsedPolicy};
use webhook_guard::replay::{MemoryStore, ReplayStore};
use webhook_guard::{Guard, Scheme, Secret, Verifier};

pub const AUDIT_TRAIL_SECRET: &str = "whsec_test_audit_trail_secret";
pub const PALO_SECRET: &str = "test_palo_secret_at_least_32_chars!!";
pub const OTHER_SECRET: &str = "an_entirely_different_secret_of_40_chars";

pub fn audit_trail_secret() -> Secret {
    Scheme::audit_trail().secret(AUDIT_TRAIL_SECRET).unwrap()
}

pub fn palo_secret() -> Secret {
    Scheme::palo().secret(PALO_SECRET).unwrap()
}

/// What the test handler does, keyed by the delivery id's prefix:
/// - `slow_`: waits until the test releases it;
/// - `fail_`: answers 500 on its first attempt, 200 after;
/// - `panic_`: panics on its first attempt, 200 after;
/// - anything else: 200.
///
/// It counts attempts and successful runs per id, and which ids arrived as unknown event types.
#[derive(Default)]
pub struct HandlerState {
    attempts: Mutex<HashMap<String, u32>>,
    runs: Mutex<HashMap<String, u32>>,
    unknown: Mutex<Vec<String>>,
    gates: Mutex<HashMap<String, Arc<Gate>>>,
}

#[derive(Default)]
struct Gate {
    entered: Notify,
    release: Notify,
}

impl HandlerState {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    fn gate(&self, id: &str) -> Arc<Gate> {
        Arc::clone(self.gates.lock().unwrap().entry(id.to_owned()).or_default())
    }

    /// Runs the handler's behaviour for `id`; returns the status to answer.
    pub async fn handle(&self, id: &str, unknown_type: bool) -> u16 {
        let attempt = {
            let mut attempts = self.attempts.lock().unwrap();
            let n = attempts.entry(id.to_owned()).or_default();
            *n += 1;
            *n
        };
        if unknown_type {
            self.unknown.lock().unwrap().push(id.to_owned());
        }
        if id.starts_with("slow_") {
            let gate = self.gate(id);
            gate.entered.notify_one();
            gate.release.notified().await;
        }
        if id.starts_with("fail_") && attempt == 1 {
            return 500;
        }
        if id.starts_with("panic_") && attempt == 1 {
            panic!("test handler panics on the first attempt of {id}");
        }
        *self.runs.lock().unwrap().entry(id.to_owned()).or_default() += 1;
        200
    }

    /// Waits until a `slow_` handler for `id` has started.
    pub async fn entered(&self, id: &str) {
        self.gate(id).entered.notified().await;
    }

    /// Lets a waiting `slow_` handler for `id` finish.
    pub fn release(&self, id: &str) {
        self.gate(id).release.notify_one();
    }

    /// Successful runs of the handler for `id`.
    pub fn runs(&self, id: &str) -> u32 {
        self.runs.lock().unwrap().get(id).copied().unwrap_or(0)
    }

    /// All attempts of the handler for `id`.
    pub fn attempts(&self, id: &str) -> u32 {
        self.attempts.lock().unwrap().get(id).copied().unwrap_or(0)
    }

    /// Total successful runs.
    pub fn total_runs(&self) -> u64 {
        self.runs
            .lock()
            .unwrap()
            .values()
            .map(|&n| u64::from(n))
            .sum()
    }

    /// The most runs any single id had.
    pub fn max_runs(&self) -> u32 {
        self.runs
            .lock()
            .unwrap()
            .values()
            .copied()
            .max()
            .unwrap_or(0)
    }

    pub fn saw_unknown(&self, id: &str) -> bool {
        self.unknown.lock().unwrap().iter().any(|u| u == id)
    }
}

/// A dead-letter sink that keeps what it is given, for the tests to count.
#[derive(Default)]
pub struct RecordingSink {
    letters: Mutex<Vec<DeadLetter>>,
}

impl RecordingSink {
    /// Dead letters stored for `id`.
    pub fn count(&self, id: &str) -> usize {
        self.letters
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.id == id)
            .count()
    }

    pub fn letters(&self) -> Vec<DeadLetter> {
        self.letters.lock().unwrap().clone()
    }
}

impl DeadLetterSink for RecordingSink {
    fn store(&self, letter: &DeadLetter) -> std::io::Result<()> {
        self.letters.lock().unwrap().push(letter.clone());
        Ok(())
    }
}

/// The user's own types of the strict routes (`/strict/audit-trail`, `/strict/palo`), as a
/// user might write them: the envelope only, and no field the user did not expect.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrictAuditTrail {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub timestamp: String,
    #[serde(rename = "tenantId")]
    pub tenant_id: String,
    pub data: serde_json::Value,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrictPalo {
    pub event_id: String,
    pub event_type: String,
    pub timestamp: String,
    pub organization_id: String,
    pub data: serde_json::Value,
}

/// How to build a test receiver: the adapters turn this into a running server.
#[derive(Clone)]
pub struct AppConfig {
    pub store: Arc<dyn ReplayStore>,
    pub body_limit: usize,
    pub state: Arc<HandlerState>,
    /// Where the strict routes' dead letters go.
    pub dead_letters: Arc<RecordingSink>,
}

impl AppConfig {
    pub fn new(store: Arc<dyn ReplayStore>) -> Self {
        Self {
            store,
            body_limit: conformance::BODY_LIMIT,
            state: HandlerState::new(),
            dead_letters: Arc::default(),
        }
    }

    pub fn in_memory() -> Self {
        Self::new(Arc::new(MemoryStore::new()))
    }

    /// The guards of the two routes, sharing one store.
    pub fn guards(&self) -> (Guard, Guard) {
        let guard = |scheme: Scheme, secret: Secret| {
            Guard::new(Verifier::new(scheme, [secret]).body_limit(self.body_limit))
                .shared_store(Arc::clone(&self.store))
        };
        (
            guard(Scheme::audit_trail(), audit_trail_secret()),
            guard(Scheme::palo(), palo_secret()),
        )
    }

    /// The guards of the strict routes (user types, dead letters into `dead_letters`): the
    /// same wire formats under their own names, so their deliveries are deduplicated apart.
    pub fn strict_guards(&self) -> (Guard, Guard) {
        let sink = UnparsedPolicy::dead_letter(Arc::clone(&self.dead_letters));
        let guard = |scheme: Scheme, secret: Secret| {
            Guard::new(Verifier::new(scheme, [secret]).body_limit(self.body_limit))
                .shared_store(Arc::clone(&self.store))
                .on_unparsed(sink.clone())
        };
        (
            guard(
                Scheme::audit_trail().with_name("audit-trail-strict"),
                audit_trail_secret(),
            ),
            guard(Scheme::palo().with_name("palo-strict"), palo_secret()),
        )
    }
}

/// A receiver under test.
pub struct RunningApp {
    pub base_url: String,
    pub state: Arc<HandlerState>,
    /// Dropping it stops the server.
    pub stop: Box<dyn std::any::Any + Send>,
}

/// A way to start a receiver: one implementation per adapter.
pub trait Adapter {
    const NAME: &'static str;
    fn spawn(config: AppConfig) -> impl std::future::Future<Output = RunningApp> + Send;
}
