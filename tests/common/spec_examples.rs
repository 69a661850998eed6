//! Issue 15's table: every JSON delivery example of both specs, and variants of each that a
//! sender could plausibly send (a field removed, a field added, a string sent as a number).
//! Each must be answered 2xx and handled exactly once, on the typed route (the provider's event
//! enum) and on the strict route (a user's own type, whose misfits become dead letters), and a
//! re-signed retry must not be handled again.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use webhook_guard::replay::ReplayStore;
use webhook_guard::time::{Clock, SystemClock, format_rfc3339};
use webhook_guard::{Scheme, Signer};

use super::{Adapter, AppConfig, RunningApp};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spec {
    AuditTrail,
    Palo,
}

/// One delivery example of a spec, its elisions written as JSON: `{ ... }` as `{}`, `{ "id":
/// "event-1", ... }` as `{"id":"event-1"}`, `"..."` kept as the string it is.
pub struct Example {
    pub spec: Spec,
    pub name: &'static str,
    pub body: Value,
}

/// The delivery examples of `audit-trail-webhooks.md` ("Structure", `event.created`,
/// `alert.triggered`) and `palo-webhooks.md` ("Structure du payload" and the four event types,
/// whose `data` the spec shows alone: wrapped in the envelope the spec says all share). The
/// webhook-creation requests and the delivery-log response are not deliveries.
pub fn examples() -> Vec<Example> {
    let palo = |name, event_type: &str, data: Value| Example {
        spec: Spec::Palo,
        name,
        body: json!({
            "event_id": "evt_01HX...",
            "event_type": event_type,
            "timestamp": "2026-02-19T10:30:00Z",
            "organization_id": "org_...",
            "data": data
        }),
    };
    vec![
        Example {
            spec: Spec::AuditTrail,
            name: "audit-trail structure",
            body: json!({
                "id": "whd_abc123",
                "type": "event.created",
                "timestamp": "2025-01-15T10:30:00Z",
                "tenantId": "tenant-001",
                "data": {
                    "event": {
                        "id": "550e8400-e29b-41d4-a716-446655440000",
                        "timestamp": "2025-01-15T10:30:00Z",
                        "actor": { "id": "user-123", "type": "USER", "name": "John Doe" },
                        "action": { "type": "CREATE", "description": "Created document" },
                        "resource": { "id": "doc-456", "type": "DOCUMENT", "name": "Q4 Report" }
                    }
                }
            }),
        },
        Example {
            spec: Spec::AuditTrail,
            name: "audit-trail event.created",
            body: json!({
                "id": "whd_abc123",
                "type": "event.created",
                "timestamp": "2025-01-15T10:30:00Z",
                "tenantId": "tenant-001",
                "data": { "event": {} }
            }),
        },
        Example {
            spec: Spec::AuditTrail,
            name: "audit-trail alert.triggered",
            body: json!({
                "id": "whd_def456",
                "type": "alert.triggered",
                "timestamp": "2025-01-15T10:30:00Z",
                "tenantId": "tenant-001",
                "data": {
                    "alert": {
                        "id": "550e8400-...",
                        "ruleName": "Failed Login Detection",
                        "severity": "HIGH",
                        "title": "Multiple failed logins detected",
                        "description": "5 failed login attempts from user-123"
                    },
                    "triggeringEvents": [ { "id": "event-1" }, { "id": "event-2" } ]
                }
            }),
        },
        palo("palo structure", "ticket.created", json!({})),
        palo(
            "palo ticket.created",
            "ticket.created",
            json!({"ticket_id": "TKT-00512", "title": "...", "priority": "p3", "project_id": "...", "created_by": "user_id"}),
        ),
        palo(
            "palo ticket.status_changed",
            "ticket.status_changed",
            json!({"ticket_id": "TKT-00512", "old_status": "open", "new_status": "in_progress", "changed_by": "user_id"}),
        ),
        palo(
            "palo ticket.resolved",
            "ticket.resolved",
            json!({"ticket_id": "TKT-00512", "resolved_by": "user_id", "resolution_time_hours": 2.5}),
        ),
        palo(
            "palo system.incident",
            "system.incident",
            json!({"incident_id": "INC-001", "severity": "critical", "affected_services": ["api", "ui"], "status": "investigating"}),
        ),
    ]
}

/// A path into a JSON value: object keys and array indexes.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

fn at<'a>(value: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path.iter().fold(value, |v, step| match step {
        Step::Key(k) => &mut v[k.as_str()],
        Step::Index(i) => &mut v[*i],
    })
}

/// Every object (its path) and every field (its parent's path and key) and string leaf under
/// `value`, depth first.
fn walk(
    value: &Value,
    path: &mut Vec<Step>,
    objects: &mut Vec<Vec<Step>>,
    fields: &mut Vec<(Vec<Step>, String)>,
    strings: &mut Vec<Vec<Step>>,
) {
    match value {
        Value::Object(map) => {
            objects.push(path.clone());
            for (key, child) in map {
                fields.push((path.clone(), key.clone()));
                path.push(Step::Key(key.clone()));
                walk(child, path, objects, fields, strings);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                path.push(Step::Index(i));
                walk(child, path, objects, fields, strings);
                path.pop();
            }
        }
        Value::String(_) => strings.push(path.clone()),
        _ => {}
    }
}

/// One body to send, and what was done to the example.
pub struct Variant {
    pub spec: Spec,
    pub label: String,
    pub body: Value,
}

/// The example itself; then, inside `data` (the envelope is what verification and routing
/// read, and stays), each field removed, each string replaced by a number; and an extra
/// field added at every level, the envelope's included.
pub fn variants(example: &Example) -> Vec<Variant> {
    let mut out = vec![Variant {
        spec: example.spec,
        label: format!("{}: as in the spec", example.name),
        body: example.body.clone(),
    }];
    let (mut objects, mut fields, mut strings) = (Vec::new(), Vec::new(), Vec::new());
    walk(
        &example.body,
        &mut Vec::new(),
        &mut objects,
        &mut fields,
        &mut strings,
    );
    let in_data = |path: &[Step]| matches!(path.first(), Some(Step::Key(k)) if k == "data");
    for (parent, key) in fields.iter().filter(|(parent, _)| in_data(parent)) {
        let mut body = example.body.clone();
        at(&mut body, parent)
            .as_object_mut()
            .expect("a parent is an object")
            .remove(key);
        out.push(Variant {
            spec: example.spec,
            label: format!("{}: without {parent:?}.{key}", example.name),
            body,
        });
    }
    for object in &objects {
        let mut body = example.body.clone();
        at(&mut body, object)
            .as_object_mut()
            .expect("an object")
            .insert("x_added_by_sender".into(), json!({"nested": [1, "two"]}));
        out.push(Variant {
            spec: example.spec,
            label: format!("{}: a field added at {object:?}", example.name),
            body,
        });
    }
    for path in strings.iter().filter(|path| in_data(path)) {
        let mut body = example.body.clone();
        *at(&mut body, path) = json!(42);
        out.push(Variant {
            spec: example.spec,
            label: format!("{}: {path:?} sent as a number", example.name),
            body,
        });
    }
    out
}

impl Variant {
    /// The body with envelope id `id` (and, for PALO, the event time `now`, which it signs and
    /// is checked for freshness), signed at `now`.
    fn signed(&self, id: &str, now: i64) -> (Vec<(String, String)>, Vec<u8>) {
        let mut body = self.body.clone();
        let (scheme, secret) = match self.spec {
            Spec::AuditTrail => {
                body["id"] = json!(id);
                (Scheme::audit_trail(), super::audit_trail_secret())
            }
            Spec::Palo => {
                body["event_id"] = json!(id);
                body["timestamp"] = json!(format_rfc3339(now));
                (Scheme::palo(), super::palo_secret())
            }
        };
        let body = body.to_string().into_bytes();
        let mut headers = Signer::new(scheme, secret).headers(&body, now, id);
        headers.push(("content-type".into(), "application/json".into()));
        (headers, body)
    }

    fn paths(&self) -> [&'static str; 2] {
        match self.spec {
            Spec::AuditTrail => ["/webhooks/audit-trail", "/strict/audit-trail"],
            Spec::Palo => ["/webhooks/palo", "/strict/palo"],
        }
    }
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    (headers, body): (Vec<(String, String)>, Vec<u8>),
) -> Result<u16, String> {
    let mut request = client.post(url).body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = request
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    Ok(response.status().as_u16())
}

/// What the table found, for the test's log.
#[derive(Debug, Default)]
pub struct Outcome {
    pub variants: usize,
    pub requests: usize,
    pub strict_dead_letters: usize,
    pub strict_handled: usize,
}

/// Sends every variant of every example to both routes of `app`, then a copy re-signed 2 s
/// later; checks 2xx everywhere and exactly one handling per delivery (a handler run, or on the
/// strict route a dead letter). Panics with every failure listed.
pub async fn run_against(app: &RunningApp, config: &AppConfig) -> Outcome {
    let client = reqwest::Client::new();
    let mut failures = Vec::new();
    let mut outcome = Outcome::default();
    let mut n = 0;
    for example in examples() {
        for variant in variants(&example) {
            outcome.variants += 1;
            for (route, path) in variant.paths().into_iter().enumerate() {
                n += 1;
                let id = format!("spec_{n}");
                let now = SystemClock.now_unix();
                let url = format!("{}{path}", app.base_url);
                // The first attempt, then the sender's retry, signed anew.
                for (attempt, at) in [now, now + 2].into_iter().enumerate() {
                    outcome.requests += 1;
                    match post(&client, &url, variant.signed(&id, at)).await {
                        Ok(status) if (200..300).contains(&status) => {}
                        other => failures.push(format!(
                            "{} on {path}, attempt {}: {other:?}",
                            variant.label,
                            attempt + 1
                        )),
                    }
                }
                let runs = app.state.runs(&id) as usize;
                let dead = config.dead_letters.count(&id);
                if runs + dead != 1 || (route == 0 && dead != 0) {
                    failures.push(format!(
                        "{} on {path}: handled {runs} times, dead-lettered {dead} times",
                        variant.label
                    ));
                }
                if route == 1 {
                    outcome.strict_dead_letters += dead;
                    outcome.strict_handled += runs;
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} deliveries failed:\n{}",
        failures.len(),
        outcome.requests / 2,
        failures.join("\n")
    );
    outcome
}

/// The table on a fresh receiver of adapter `A` with a store from `store`.
pub async fn run_table<A: Adapter>(store: Arc<dyn ReplayStore>) {
    let config = AppConfig::new(store);
    let app = A::spawn(config.clone()).await;
    let outcome = run_against(&app, &config).await;
    // Both outcomes of the strict route happen: the table is not trivially one-sided.
    assert!(
        outcome.strict_dead_letters > 0 && outcome.strict_handled > 0,
        "{outcome:?}"
    );
    let per_spec: BTreeMap<_, _> = examples()
        .iter()
        .map(|e| (e.name, variants(e).len()))
        .collect();
    eprintln!(
        "[{}] spec examples: {outcome:?}, variants per example {per_spec:?}",
        A::NAME
    );
}
