//! Acknowledged means stored: a receiver killed (SIGKILL) right after it answered 200 for a
//! dead letter still has the letter after a restart, and the `dead_letters` example re-drives
//! it through the handler exactly once, even when the restarted receiver (whose in-memory store
//! forgot the delivery) dead-letters the sender's retry a second time.
//!
//! A test without the libtest harness (`harness = false`): run with `WG_DEAD_LETTER_CHILD=<dir>`
//! it is the receiver, a separate process the test can kill; run plainly it is the test.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::Router;
use axum::routing::post;
use common::StrictPalo;
use serde_json::json;
use webhook_guard::axum::{Verified, WebhookLayer};
use webhook_guard::dead_letter::{JsonLinesSink, UnparsedPolicy};
use webhook_guard::time::{Clock, SystemClock, format_rfc3339};
use webhook_guard::{Guard, Scheme, Signer, Verifier};

const CHILD: &str = "WG_DEAD_LETTER_CHILD";

fn main() {
    match std::env::var(CHILD) {
        Ok(dir) => serve(Path::new(&dir)),
        Err(_) => {
            test();
            println!("test dead_letter_crash ... ok");
        }
    }
}

/// The receiver: a strict PALO route whose misfits go to a `JsonLinesSink` in `dir`. Prints
/// its port, then one line per delivery its handler takes.
fn serve(dir: &Path) {
    async fn handle(Verified(event): Verified<StrictPalo>) -> &'static str {
        println!("handled {}", event.event_id);
        "OK"
    }
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let guard = Guard::new(Verifier::new(Scheme::palo(), [common::palo_secret()]))
            .on_unparsed(UnparsedPolicy::dead_letter(JsonLinesSink::new(dir)));
        let app = Router::new().route("/palo", post(handle).layer(WebhookLayer::new(guard)));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        println!("port {}", listener.local_addr().expect("addr").port());
        axum::serve(listener, app).await.expect("serve");
    });
}

struct Receiver {
    child: Child,
    url: String,
}

impl Receiver {
    fn start(dir: &Path) -> Self {
        let mut child = Command::new(std::env::current_exe().expect("this test's executable"))
            .env(CHILD, dir)
            .stdout(Stdio::piped())
            .spawn()
            .expect("the receiver starts");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().expect("piped"))
            .read_line(&mut line)
            .expect("the receiver prints its port");
        let port = line.trim().strip_prefix("port ").expect("a port line");
        Self {
            child,
            url: format!("http://127.0.0.1:{port}/palo"),
        }
    }

    /// SIGKILL: no destructor, no flush, no graceful anything.
    fn kill(mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("reaped");
    }
}

/// A PALO delivery that verifies but does not fit `StrictPalo` (a field it does not know).
fn misfit(id: &str) -> (Vec<(String, String)>, Vec<u8>) {
    let now = SystemClock.now_unix();
    let body = json!({
        "event_id": id,
        "event_type": "ticket.created",
        "timestamp": format_rfc3339(now),
        "organization_id": "org_1",
        "data": {"ticket_id": "TKT-1"},
        "schema_version": 2
    })
    .to_string()
    .into_bytes();
    let headers = Signer::new(Scheme::palo(), common::palo_secret()).headers(&body, now, id);
    (headers, body)
}

fn send(url: &str, (headers, body): &(Vec<(String, String)>, Vec<u8>)) -> u16 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let mut request = reqwest::Client::new().post(url).body(body.clone());
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = request
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .expect("an answer");
        response.status().as_u16()
    })
}

/// Runs the `dead_letters` example on `dir`; its stdout lines.
fn dead_letters(tool: &Path, dir: &Path, command: &str) -> Vec<String> {
    let output = Command::new(tool)
        .arg(command)
        .env("DEAD_LETTER_DIR", dir)
        .output()
        .expect("dead_letters runs");
    assert!(
        output.status.success(),
        "dead_letters {command}: {output:?}"
    );
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .map(str::to_owned)
        .collect()
}

fn test() {
    let dir = std::env::temp_dir().join(format!("wg-dead-letter-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let tool = common::examples::build_example("dead_letters");
    let delivery = misfit("evt_crash_1");

    let receiver = Receiver::start(&dir);
    assert_eq!(
        send(&receiver.url, &delivery),
        200,
        "a misfit is acknowledged"
    );
    receiver.kill();
    let sink = JsonLinesSink::new(&dir);
    let stored = sink.pending().expect("the sink reads back");
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0].id, "evt_crash_1");
    assert!(
        stored[0]
            .headers
            .iter()
            .any(|(name, _)| name == "x-palo-signature")
    );
    assert!(
        stored[0].error.contains("unknown field `schema_version`"),
        "{}",
        stored[0].error
    );

    // Restarted, with an empty in-memory store: the record is still there, and the sender's
    // retry is dead-lettered again (the store forgot it) without a second re-drive later.
    let receiver = Receiver::start(&dir);
    assert_eq!(sink.pending().expect("read").len(), 1);
    assert_eq!(send(&receiver.url, &delivery), 200);
    assert_eq!(
        sink.all().expect("read").len(),
        2,
        "the retry was stored too"
    );
    receiver.kill();

    let listed = dead_letters(&tool, &dir, "list");
    assert_eq!(listed.len(), 1, "one pending per delivery: {listed:?}");
    let redriven = dead_letters(&tool, &dir, "redrive");
    assert_eq!(redriven.len(), 1, "{redriven:?}");
    let line: serde_json::Value = serde_json::from_str(&redriven[0]).expect("a JSON line");
    assert_eq!(line["id"], "evt_crash_1");
    assert_eq!(line["provider"], "palo");
    assert!(
        dead_letters(&tool, &dir, "redrive").is_empty(),
        "re-driven once only"
    );
    assert!(dead_letters(&tool, &dir, "list").is_empty());
    std::fs::remove_dir_all(&dir).expect("clean up");
}
