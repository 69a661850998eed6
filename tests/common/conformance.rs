//! The behavioural cases every adapter (and every store) must pass, written once.
//!
//! A case is a list of steps against a fresh receiver: requests with the status they must get,
//! and, at the end, how many times the handler ran per delivery id. `run_table::<A>(store)`
//! runs every case against adapter `A`; a case added here runs on all of them.
//!
//! The table holds in both modes (tests/modes.rs runs it in inbox mode, on SQLite and
//! PostgreSQL): a step whose answer differs by design says so with [`Step::SendByMode`].

use std::sync::Arc;
use std::time::Duration;

use webhook_guard::replay::ReplayStore;
use webhook_guard::testing::{audit_trail_sample_with_id, palo_sample_with_id};
use webhook_guard::time::{Clock, SystemClock, format_rfc3339};
use webhook_guard::{Scheme, Secret, Signer};

use super::{Adapter, AppConfig, OTHER_SECRET, RunningApp};

/// The body limit of the receivers under test.
pub const BODY_LIMIT: usize = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    AuditTrail,
    Palo,
}

/// One request, described by how it departs from a valid delivery.
#[derive(Clone, Debug)]
pub struct Req {
    pub provider: Provider,
    pub id: String,
    pub event_type: String,
    pub timestamp_offset: i64,
    pub tamper: bool,
    pub wrong_secret: bool,
    pub oversized: bool,
    pub not_json: bool,
    pub without_id: bool,
    pub without_signature: bool,
    pub id_header: Option<String>,
}

impl Req {
    pub fn audit(id: &str) -> Self {
        Self {
            provider: Provider::AuditTrail,
            id: id.to_owned(),
            event_type: "event.created".to_owned(),
            timestamp_offset: 0,
            tamper: false,
            wrong_secret: false,
            oversized: false,
            not_json: false,
            without_id: false,
            without_signature: false,
            id_header: None,
        }
    }

    pub fn palo(id: &str) -> Self {
        Self {
            provider: Provider::Palo,
            event_type: "ticket.created".to_owned(),
            ..Self::audit(id)
        }
    }

    pub fn tampered(mut self) -> Self {
        self.tamper = true;
        self
    }
    pub fn wrong_secret(mut self) -> Self {
        self.wrong_secret = true;
        self
    }
    pub fn at(mut self, offset_secs: i64) -> Self {
        self.timestamp_offset = offset_secs;
        self
    }
    pub fn oversized(mut self) -> Self {
        self.oversized = true;
        self
    }
    pub fn not_json(mut self) -> Self {
        self.not_json = true;
        self
    }
    pub fn without_id(mut self) -> Self {
        self.without_id = true;
        self
    }
    pub fn without_signature(mut self) -> Self {
        self.without_signature = true;
        self
    }
    pub fn event_type(mut self, event_type: &str) -> Self {
        self.event_type = event_type.to_owned();
        self
    }
    /// Sends the id header `id` while the signed body keeps the original id.
    pub fn id_header(mut self, id: &str) -> Self {
        self.id_header = Some(id.to_owned());
        self
    }

    pub fn path(&self) -> &'static str {
        match self.provider {
            Provider::AuditTrail => "/webhooks/audit-trail",
            Provider::Palo => "/webhooks/palo",
        }
    }

    /// The headers and body to send, signed now (plus the offset).
    pub fn build(&self) -> (Vec<(String, String)>, Vec<u8>) {
        let now = SystemClock.now_unix() + self.timestamp_offset;
        let (scheme, secret, sample) = match self.provider {
            Provider::AuditTrail => (
                Scheme::audit_trail(),
                super::audit_trail_secret(),
                audit_trail_sample_with_id(&self.event_type, &self.id)
                    .unwrap_or_else(|| unknown_audit_trail(&self.event_type, &self.id)),
            ),
            Provider::Palo => {
                let body = palo_sample_with_id(&self.event_type, &self.id).expect("PALO sample");
                let mut value: serde_json::Value = serde_json::from_str(&body).unwrap();
                value["timestamp"] = format_rfc3339(now).into();
                (Scheme::palo(), super::palo_secret(), value.to_string())
            }
        };
        let mut body = sample.into_bytes();
        if self.oversized {
            // Still valid JSON, just too large.
            let pad = "x".repeat(BODY_LIMIT);
            let mut value: serde_json::Value = serde_json::from_slice(&body).unwrap();
            value["padding"] = pad.into();
            body = value.to_string().into_bytes();
        }
        if self.not_json {
            body = format!("id={}&type=event.created", self.id).into_bytes();
        }
        let secret = if self.wrong_secret {
            Secret::new(OTHER_SECRET).unwrap()
        } else {
            secret
        };
        let mut headers = Signer::new(scheme, secret).headers(&body, now, &self.id);
        if self.tamper {
            // Same length, one byte changed, after signing.
            let last = body.len() - 2;
            body[last] = if body[last] == b'1' { b'2' } else { b'1' };
        }
        headers.retain(|(name, _)| {
            !(self.without_id && name.ends_with("delivery-id")
                || self.without_signature && name.ends_with("signature"))
        });
        if let Some(other) = &self.id_header {
            for (name, value) in &mut headers {
                if name.ends_with("delivery-id") {
                    *value = other.clone();
                }
            }
        }
        headers.push(("content-type".into(), "application/json".into()));
        (headers, body)
    }
}

fn unknown_audit_trail(event_type: &str, id: &str) -> String {
    serde_json::json!({
        "id": id,
        "type": event_type,
        "timestamp": "2025-01-15T10:30:00Z",
        "tenantId": "tenant-001",
        "data": { "something": "new" }
    })
    .to_string()
}

/// What a response must be.
#[derive(Clone, Copy, Debug)]
pub enum Expect {
    Status(u16),
    /// A status with a `Retry-After` header.
    RetryLater(u16),
    /// Anything but 2xx (including a dropped connection).
    NotSuccess,
}

/// Where a receiver's verified deliveries go, which decides a few answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The handler runs in the request; a replay store deduplicates.
    Inline,
    /// The route stores the delivery (`enqueue`) and answers once it is durable; a worker
    /// runs the handler later, retrying it when it fails.
    Inbox,
}

#[derive(Clone, Debug)]
pub enum Step {
    Send(Req, Expect),
    /// Sends `req`, whose answer differs by mode by design (`why`).
    SendByMode {
        req: Req,
        inline: Expect,
        inbox: Expect,
        why: &'static str,
    },
    /// Sends in the background; its answer is checked by `AwaitBackground`.
    SendInBackground(Req),
    /// Waits until the `slow_` handler of this id has started.
    AwaitEntered(&'static str),
    /// Lets the `slow_` handler of this id finish.
    Release(&'static str),
    AwaitBackground(Expect),
}

pub struct Case {
    pub name: &'static str,
    pub steps: Vec<Step>,
    /// Successful handler runs per id at the end.
    pub runs: Vec<(&'static str, u32)>,
    /// Ids the handler must have seen as an unknown event type.
    pub unknown: Vec<&'static str>,
}

fn case(name: &'static str, steps: Vec<Step>, runs: Vec<(&'static str, u32)>) -> Case {
    Case {
        name,
        steps,
        runs,
        unknown: Vec::new(),
    }
}

use Expect::{NotSuccess, RetryLater, Status};
use Step::{AwaitBackground, AwaitEntered, Release, Send, SendByMode, SendInBackground};

/// The inbox acknowledges a delivery once it is stored, before any attempt: its answer says
/// nothing of the handler, which the worker retries (the runs at the end are the same).
const ACK_BEFORE_THE_HANDLER: &str =
    "inbox mode acknowledges once stored; the worker runs and retries the handler";

/// The table.
pub fn cases() -> Vec<Case> {
    vec![
        case(
            "valid",
            vec![Send(Req::audit("whd_valid"), Status(200))],
            vec![("whd_valid", 1)],
        ),
        case(
            "valid palo",
            vec![Send(Req::palo("evt_valid"), Status(200))],
            vec![("evt_valid", 1)],
        ),
        case(
            "tampered body",
            vec![Send(Req::audit("whd_t").tampered(), Status(401))],
            vec![("whd_t", 0)],
        ),
        case(
            "tampered palo body",
            vec![Send(Req::palo("evt_t").tampered(), Status(401))],
            vec![("evt_t", 0)],
        ),
        case(
            "wrong secret",
            vec![Send(Req::audit("whd_w").wrong_secret(), Status(401))],
            vec![("whd_w", 0)],
        ),
        case(
            "missing signature",
            vec![Send(Req::audit("whd_m").without_signature(), Status(401))],
            vec![("whd_m", 0)],
        ),
        case(
            "stale",
            vec![Send(Req::audit("whd_s").at(-301 - 5), Status(400))],
            vec![("whd_s", 0)],
        ),
        case(
            "stale palo",
            vec![Send(Req::palo("evt_s").at(-24 * 3600 - 30), Status(400))],
            vec![("evt_s", 0)],
        ),
        case(
            "palo last retry 8h35m late",
            vec![Send(
                Req::palo("evt_late").at(-(8 * 3600 + 35 * 60)),
                Status(200),
            )],
            vec![("evt_late", 1)],
        ),
        case(
            "future",
            vec![Send(Req::audit("whd_f").at(61 + 5), Status(400))],
            vec![("whd_f", 0)],
        ),
        case(
            "duplicate of a done delivery",
            vec![
                Send(Req::audit("whd_d"), Status(200)),
                Send(Req::audit("whd_d"), Status(200)),
                Send(Req::audit("whd_d").at(-10), Status(200)),
            ],
            vec![("whd_d", 1)],
        ),
        case(
            "duplicate in flight",
            vec![
                SendInBackground(Req::audit("slow_1")),
                AwaitEntered("slow_1"),
                SendByMode {
                    req: Req::audit("slow_1"),
                    inline: RetryLater(409),
                    inbox: Status(200),
                    why: "a copy of a stored delivery is a duplicate, whatever its state",
                },
                Release("slow_1"),
                AwaitBackground(Status(200)),
                Send(Req::audit("slow_1"), Status(200)),
            ],
            vec![("slow_1", 1)],
        ),
        case(
            "oversized",
            vec![Send(Req::audit("whd_o").oversized(), Status(413))],
            vec![("whd_o", 0)],
        ),
        case(
            "not JSON",
            vec![Send(Req::audit("whd_n").not_json(), Status(400))],
            vec![("whd_n", 0)],
        ),
        case(
            "missing id",
            vec![Send(Req::audit("whd_i").without_id(), Status(400))],
            vec![("whd_i", 0)],
        ),
        Case {
            name: "unknown type",
            steps: vec![Send(
                Req::audit("whd_u").event_type("thing.invented"),
                Status(200),
            )],
            runs: vec![("whd_u", 1)],
            unknown: vec!["whd_u"],
        },
        case(
            "handler failure then retry",
            vec![
                SendByMode {
                    req: Req::audit("fail_1"),
                    inline: Status(500),
                    inbox: Status(200),
                    why: ACK_BEFORE_THE_HANDLER,
                },
                Send(Req::audit("fail_1").at(-1), Status(200)),
                Send(Req::audit("fail_1"), Status(200)),
            ],
            vec![("fail_1", 1)],
        ),
        case(
            "handler panic then retry",
            vec![
                SendByMode {
                    req: Req::audit("panic_1"),
                    inline: NotSuccess,
                    inbox: Status(200),
                    why: ACK_BEFORE_THE_HANDLER,
                },
                Send(Req::audit("panic_1").at(-1), Status(200)),
            ],
            vec![("panic_1", 1)],
        ),
        case(
            "replay under a rewritten id",
            vec![
                Send(Req::audit("whd_r"), Status(200)),
                Send(Req::audit("whd_r").id_header("whd_rewritten"), Status(400)),
            ],
            vec![("whd_r", 1), ("whd_rewritten", 0)],
        ),
    ]
}

/// Sends one request; `None` when the connection failed (a handler panic may close it).
pub async fn send(
    client: &reqwest::Client,
    base_url: &str,
    req: &Req,
) -> Option<(u16, bool, String)> {
    let (headers, body) = req.build();
    let mut request = client.post(format!("{base_url}{}", req.path())).body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = match request.timeout(Duration::from_secs(10)).send().await {
        Ok(response) => response,
        Err(error) => {
            // Say why: a caller that expects an answer then panics with this on stderr.
            eprintln!("{base_url}{}: no answer: {error:?}", req.path());
            return None;
        }
    };
    let status = response.status().as_u16();
    let retry_after = response.headers().contains_key("retry-after");
    let text = response.text().await.unwrap_or_default();
    Some((status, retry_after, text))
}

fn check(
    case: &str,
    step: usize,
    expect: Expect,
    got: Option<(u16, bool, String)>,
) -> Result<(), String> {
    let ok = match (expect, &got) {
        (Status(s), Some((status, _, _))) => *status == s,
        (RetryLater(s), Some((status, retry_after, _))) => *status == s && *retry_after,
        (NotSuccess, Some((status, _, _))) => !(200..300).contains(status),
        (NotSuccess, None) => true,
        (_, None) => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "case {case:?}, step {step}: expected {expect:?}, got {got:?}"
        ))
    }
}

/// Runs one case against a fresh receiver in `mode`; `settle` returns once the handler has
/// run for everything acknowledged (at once inline; an inbox waits for its workers).
pub async fn run_case(
    case: &Case,
    app: &RunningApp,
    mode: Mode,
    settle: impl AsyncFn() -> Result<(), String>,
) -> Result<(), String> {
    let client = reqwest::Client::new();
    let mut background: Vec<tokio::task::JoinHandle<Option<(u16, bool, String)>>> = Vec::new();
    for (i, step) in case.steps.iter().enumerate() {
        match step {
            Send(req, expect) => check(
                case.name,
                i,
                *expect,
                send(&client, &app.base_url, req).await,
            )?,
            SendByMode {
                req,
                inline,
                inbox,
                why,
            } => {
                let expect = match mode {
                    Mode::Inline => *inline,
                    Mode::Inbox => *inbox,
                };
                check(
                    case.name,
                    i,
                    expect,
                    send(&client, &app.base_url, req).await,
                )
                .map_err(|e| format!("{e} ({mode:?} mode: {why})"))?
            }
            SendInBackground(req) => {
                let (client, base, req) = (client.clone(), app.base_url.clone(), req.clone());
                background.push(tokio::spawn(
                    async move { send(&client, &base, &req).await },
                ));
            }
            AwaitEntered(id) => {
                tokio::time::timeout(Duration::from_secs(10), app.state.entered(id))
                    .await
                    .map_err(|_| format!("case {:?}: handler of {id} never started", case.name))?
            }
            Release(id) => app.state.release(id),
            AwaitBackground(expect) => {
                let handle = background.remove(0);
                check(
                    case.name,
                    i,
                    *expect,
                    handle.await.map_err(|e| e.to_string())?,
                )?;
            }
        }
    }
    settle()
        .await
        .map_err(|e| format!("case {:?}: {e}", case.name))?;
    for (id, runs) in &case.runs {
        let got = app.state.runs(id);
        if got != *runs {
            return Err(format!(
                "case {:?}: handler ran {got} times for {id}, expected {runs}",
                case.name
            ));
        }
    }
    for id in &case.unknown {
        if !app.state.saw_unknown(id) {
            return Err(format!(
                "case {:?}: handler did not see {id} as an unknown type",
                case.name
            ));
        }
    }
    Ok(())
}

/// Runs the whole table against adapter `A`, each case on a fresh receiver with a store from
/// `store`. Panics with every failing case listed.
pub async fn run_table<A: Adapter>(store: impl Fn() -> Arc<dyn ReplayStore>) {
    run_table_with::<A>(async || store()).await;
}

/// [`run_table`] with a store that takes an `await` to build (a Redis connection).
pub async fn run_table_with<A: Adapter>(store: impl AsyncFn() -> Arc<dyn ReplayStore>) {
    let mut failures = Vec::new();
    let cases = cases();
    for case in &cases {
        let app = A::spawn(AppConfig::new(store().await)).await;
        match run_case(case, &app, Mode::Inline, async || Ok(())).await {
            Ok(()) => eprintln!("[{}] {}: ok", A::NAME, case.name),
            Err(e) => failures.push(e),
        }
    }
    assert!(
        failures.is_empty(),
        "[{}] {} of {} cases failed:\n{}",
        A::NAME,
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Issue 12 over real HTTP: a receiver whose store holds `capacity` keys gets more unique valid
/// deliveries than that, then every one of them again. The handler must run at most once per
/// delivery, and every answer must be 200, 409 or 503 (full: retry later), never a second run.
pub async fn overfill_the_store<A: Adapter>(capacity: u64, deliveries: usize) {
    let store = webhook_guard::replay::MemoryStore::builder()
        .capacity(capacity)
        .build();
    let app = A::spawn(AppConfig::new(Arc::new(store.clone()))).await;
    let client = reqwest::Client::new();
    let ids: Vec<String> = (0..deliveries).map(|i| format!("whd_fill_{i}")).collect();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for round in 0..2 {
        for id in &ids {
            let (status, _, _) = send(&client, &app.base_url, &Req::audit(id))
                .await
                .unwrap_or_else(|| panic!("[{}] no answer for {id} in round {round}", A::NAME));
            assert!(
                matches!(status, 200 | 409 | 503),
                "[{}] {id}: {status}",
                A::NAME
            );
            *statuses.entry(status).or_default() += 1;
        }
    }
    for id in &ids {
        assert!(
            app.state.runs(id) <= 1,
            "[{}] {id} ran {} times",
            A::NAME,
            app.state.runs(id)
        );
    }
    let handled = app.state.total_runs();
    assert_eq!(
        handled,
        capacity.min(deliveries as u64),
        "[{}] {statuses:?}",
        A::NAME
    );
    assert!(
        store.refused_full() > 0,
        "[{}] the store never said it was full",
        A::NAME
    );
    assert_eq!(
        store.evicted_live(),
        0,
        "[{}] a live key was evicted",
        A::NAME
    );
    eprintln!(
        "[{}] overfilled store: {statuses:?}, {handled} handled",
        A::NAME
    );
}
