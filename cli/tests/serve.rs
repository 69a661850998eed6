//! `webhook-guard serve` as a real process in front of an upstream (a small axum app here that
//! deduplicates by `Idempotency-Key`, as the guide asks of an upstream):
//!
//! - 1,000 signed deliveries, each sent 3 times, with the upstream answering 500 to its first
//!   100 requests, stalling the next 20 past the forwarder's timeout and restarting once, and
//!   the forwarder `kill -9`ed twice mid-run and restarted: every delivery
//!   acknowledged is handled by the upstream, each exactly once, with its original body and
//!   the guard's headers; the inbox ends with nothing pending and nothing dead.
//! - An upstream that keeps failing: the deliveries end dead, `webhook-guard inbox list` shows
//!   them, `inbox redrive --all` sends them again once the upstream is back.

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use webhook_guard::testing::audit_trail_sample_with_id;
use webhook_guard::{Scheme, Signer};

const SECRET_VAR: &str = "WG_SERVE_TEST_SECRET";
const SECRET: &str = "whsec_serve_test_secret";

/// One delivery the upstream handled.
struct Handled {
    /// `Webhook-Guard-Id`.
    id: String,
    body: Vec<u8>,
}

/// The upstream: what it handled (once per `Idempotency-Key`) and what it saw.
#[derive(Default)]
struct Upstream {
    /// Requests seen, every forward counted.
    requests: AtomicU64,
    /// Answer 500 to the first this many requests.
    fail_first: AtomicU64,
    /// Answer 500 to everything while set.
    failing: std::sync::atomic::AtomicBool,
    /// After the failures, this many requests stall longer than the forwarder's timeout
    /// before they take effect.
    stall: AtomicU64,
    /// What the upstream handled, by Idempotency-Key (each once: it deduplicates).
    handled: Mutex<HashMap<String, Handled>>,
    /// Forwards that arrived again after being handled (deduplicated by the upstream).
    duplicates: AtomicU64,
}

async fn upstream_handler(
    State(upstream): State<Arc<Upstream>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let n = upstream.requests.fetch_add(1, Ordering::SeqCst) + 1;
    let fail_first = upstream.fail_first.load(Ordering::SeqCst);
    if n <= fail_first || upstream.failing.load(Ordering::SeqCst) {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    if n <= fail_first + upstream.stall.load(Ordering::SeqCst) {
        // The forwarder gives up first; whether this request then takes effect or is dropped
        // with its connection, the forward is retried.
        tokio::time::sleep(STALL).await;
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (Some(key), Some(id), Some(scheme)) = (
        header("idempotency-key"),
        header("webhook-guard-id"),
        header("webhook-guard-scheme"),
    ) else {
        return StatusCode::BAD_REQUEST;
    };
    assert_eq!(scheme, "audit-trail");
    // The original signed headers come along.
    assert!(header("x-audit-trail-signature").is_some());
    let mut handled = upstream.handled.lock().unwrap();
    match handled.get_mut(&key) {
        Some(entry) => {
            // Deduplicated: the effect is not applied again.
            upstream.duplicates.fetch_add(1, Ordering::SeqCst);
            assert_eq!(entry.id, id);
        }
        None => {
            handled.insert(
                key,
                Handled {
                    id,
                    body: body.to_vec(),
                },
            );
        }
    }
    StatusCode::OK
}

/// Longer than the crash test's forward timeout (`timeout_ms = 1000`).
const STALL: Duration = Duration::from_millis(1500);

/// The upstream served on `addr` (port 0: a free one) until `stop` is sent.
struct RunningUpstream {
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

async fn serve_upstream(upstream: Arc<Upstream>, addr: SocketAddr) -> RunningUpstream {
    let app = axum::Router::new()
        .route("/hooks/audit", axum::routing::post(upstream_handler))
        .with_state(upstream);
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
    });
    RunningUpstream { addr, stop, task }
}

/// A scratch directory of this test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wg-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_config(dir: &Path, port: u16, upstream: SocketAddr, forwarder: &str) -> PathBuf {
    let config = dir.join("webhook-guard.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{port}\"\ninbox = \"sqlite://{}\"\n\n[forwarder]\n{forwarder}\n\n\
             [[route]]\npath = \"/webhooks/audit-trail\"\nprovider = \"audit-trail\"\n\
             secrets = [\"env:{SECRET_VAR}\"]\nforward = \"http://{upstream}/hooks/audit\"\n",
            dir.join("inbox.db").display()
        ),
    )
    .unwrap();
    config
}

/// `webhook-guard serve --config CONFIG` with the test's secret.
fn start_serve(config: &Path, port: u16) -> Child {
    common::start_serve(config, port, &[(SECRET_VAR, SECRET)])
}

/// Delivery `n`: its id, body and signed headers (signed now).
fn delivery(run: &str, n: usize) -> (String, String, Vec<(String, String)>) {
    let id = format!("whd_{run}_{n}");
    let body = audit_trail_sample_with_id("event.created", &id).unwrap();
    let scheme = Scheme::audit_trail();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let headers = Signer::new(scheme.clone(), scheme.secret(SECRET).unwrap()).headers(
        body.as_bytes(),
        now,
        &id,
    );
    (id, body, headers)
}

/// POSTs until the answer is 200 (a provider retries a refused or failed delivery).
async fn send_until_acknowledged(
    client: &reqwest::Client,
    url: &str,
    body: &str,
    headers: &[(String, String)],
) {
    let started = Instant::now();
    loop {
        let mut request = client
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_owned());
        for (name, value) in headers {
            request = request.header(name, value);
        }
        match request.send().await {
            Ok(response) if response.status() == 200 => return,
            Ok(response) => assert!(
                response.status() == 503 || response.status() == 409,
                "unexpected answer {}",
                response.status()
            ),
            Err(_) => {} // the forwarder is down: try again
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "never acknowledged"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn count() -> usize {
    std::env::var("WG_SERVE_DELIVERIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn serve_forwards_each_delivery_once_across_failures_and_two_kill_9() {
    let deliveries = count();
    let copies = 3;
    let upstream = Arc::new(Upstream::default());
    upstream.fail_first.store(100, Ordering::SeqCst);
    upstream.stall.store(20, Ordering::SeqCst);
    let mut running =
        serve_upstream(Arc::clone(&upstream), SocketAddr::from(([127, 0, 0, 1], 0))).await;
    let upstream_addr = running.addr;
    let dir = scratch("crash");
    let port = common::free_port();
    let config = write_config(
        &dir,
        port,
        upstream_addr,
        "concurrency = 8\nmax_attempts = 1000\nretry_base_ms = 20\nretry_cap_ms = 300\nlease_ms = 1500\ntimeout_ms = 1000",
    );
    let serve = Arc::new(Mutex::new(start_serve(&config, port)));
    let url = format!("http://127.0.0.1:{port}/webhooks/audit-trail");
    let run = format!("{}", std::process::id());
    let all: Vec<_> = (0..deliveries).map(|n| delivery(&run, n)).collect();
    // Every copy of every delivery, the copies spread over the run.
    let queue: Arc<Vec<usize>> = Arc::new((0..copies).flat_map(|_| 0..deliveries).collect());
    let next = Arc::new(AtomicUsize::new(0));
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let all = Arc::new(all);
    let client = reqwest::Client::new();
    let mut senders = Vec::new();
    for _ in 0..16 {
        let (queue, next, acknowledged, all, client, url) = (
            Arc::clone(&queue),
            Arc::clone(&next),
            Arc::clone(&acknowledged),
            Arc::clone(&all),
            client.clone(),
            url.clone(),
        );
        senders.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(&n) = queue.get(i) else { break };
                let (_, body, headers) = &all[n];
                send_until_acknowledged(&client, &url, body, headers).await;
                acknowledged.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    // kill -9 at a third and at two thirds of the sends, each time started again.
    let total = deliveries * copies;
    for kill in 1..=2 {
        while acknowledged.load(Ordering::SeqCst) < total * kill / 3 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        {
            let mut child = serve.lock().unwrap();
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            *child = start_serve(&config, port);
        }
        if kill == 1 {
            // The upstream restarts too: down for half a second, then back on its address.
            let _ = running.stop.send(());
            let _ = running.task.await;
            tokio::time::sleep(Duration::from_millis(500)).await;
            running = serve_upstream(Arc::clone(&upstream), upstream_addr).await;
        }
    }
    for sender in senders {
        sender.await.unwrap();
    }
    assert_eq!(acknowledged.load(Ordering::SeqCst), total);

    // Every acknowledged delivery reaches the upstream, once.
    let started = Instant::now();
    while upstream.handled.lock().unwrap().len() < deliveries {
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "handled {} of {deliveries}",
            upstream.handled.lock().unwrap().len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    {
        let handled = upstream.handled.lock().unwrap();
        assert_eq!(handled.len(), deliveries);
        let by_id: HashMap<&str, &Handled> = handled
            .values()
            .map(|entry| (entry.id.as_str(), entry))
            .collect();
        assert_eq!(by_id.len(), deliveries, "two keys for one delivery id");
        for (id, body, _) in all.iter() {
            let entry = by_id
                .get(id.as_str())
                .unwrap_or_else(|| panic!("{id} was lost"));
            assert_eq!(
                entry.body,
                body.as_bytes(),
                "{id}: the body changed on the way"
            );
        }
    }
    // The inbox agrees: all done, nothing pending, nothing dead.
    let db = format!("sqlite://{}", dir.join("inbox.db").display());
    let started = Instant::now();
    let stats = loop {
        let output = common::cli(&["inbox", "--url", &db, "stats"]);
        assert!(output.status.success(), "{output:?}");
        let stats: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        if stats["pending"] == 0 && stats["running"] == 0 {
            break stats;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{stats}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(stats["done"], deliveries as u64, "{stats}");
    assert_eq!(stats["dead"], 0, "{stats}");
    eprintln!(
        "{deliveries} deliveries x {copies}: upstream saw {} requests ({} answered 500 first, {} \
         stalled past the timeout, {} duplicates deduplicated by Idempotency-Key)",
        upstream.requests.load(Ordering::SeqCst),
        upstream.fail_first.load(Ordering::SeqCst),
        upstream.stall.load(Ordering::SeqCst),
        upstream.duplicates.load(Ordering::SeqCst)
    );
    let mut child = serve.lock().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_an_upstream_keeps_refusing_die_and_are_redriven() {
    let upstream = Arc::new(Upstream::default());
    upstream.failing.store(true, Ordering::SeqCst);
    // Served until the end of the test (dropping it stops the server).
    let running =
        serve_upstream(Arc::clone(&upstream), SocketAddr::from(([127, 0, 0, 1], 0))).await;
    let upstream_addr = running.addr;
    let dir = scratch("dead");
    let port = common::free_port();
    let config = write_config(
        &dir,
        port,
        upstream_addr,
        "max_attempts = 2\nretry_base_ms = 10\nretry_cap_ms = 20",
    );
    let mut serve = start_serve(&config, port);
    let url = format!("http://127.0.0.1:{port}/webhooks/audit-trail");
    let client = reqwest::Client::new();
    let run = format!("dead{}", std::process::id());
    for n in 0..3 {
        let (_, body, headers) = delivery(&run, n);
        send_until_acknowledged(&client, &url, &body, &headers).await;
    }
    let db = format!("sqlite://{}", dir.join("inbox.db").display());
    let started = Instant::now();
    let dead = loop {
        let output = common::cli(&["inbox", "--url", &db, "list", "--state", "dead"]);
        assert!(output.status.success(), "{output:?}");
        let rows: Vec<serde_json::Value> = common::stdout(&output)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        if rows.len() == 3 {
            break rows;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{rows:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(dead.iter().all(|row| row["attempts"] == 2), "{dead:?}");
    assert!(
        dead[0]["last_error"].as_str().unwrap().contains("500"),
        "{dead:?}"
    );
    let shown = common::cli(&[
        "inbox",
        "--url",
        &db,
        "show",
        &dead[0]["row_id"].to_string(),
    ]);
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    let id = dead[0]["delivery_id"].as_str().unwrap();
    assert_eq!(shown["delivery_id"], id, "{shown}");
    // The row in full: the body as received.
    assert!(shown["body"].as_str().unwrap().contains(id), "{shown}");
    let other = common::cli(&["inbox", "--url", &db, "list", "--provider", "github"]);
    assert_eq!(common::stdout(&other), "");
    assert!(upstream.handled.lock().unwrap().is_empty());

    // The upstream is back: a re-drive sends them again.
    upstream.failing.store(false, Ordering::SeqCst);
    let first = dead[0]["row_id"].to_string();
    let redriven = common::cli(&["inbox", "--url", &db, "redrive", &first]);
    assert_eq!(common::stdout(&redriven).trim(), r#"{"redriven":1}"#);
    let redriven = common::cli(&[
        "inbox",
        "--url",
        &db,
        "redrive",
        "--state",
        "dead",
        "--provider",
        "audit-trail",
    ]);
    assert_eq!(common::stdout(&redriven).trim(), r#"{"redriven":2}"#);
    let started = Instant::now();
    while upstream.handled.lock().unwrap().len() < 3 {
        // The serving process polls for work (another process re-drove the rows).
        assert!(started.elapsed() < Duration::from_secs(30));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let started = Instant::now();
    loop {
        let done = common::cli(&["inbox", "--url", &db, "list", "--state", "done"]);
        if common::stdout(&done).lines().count() == 3 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Nothing is dead any more: --all finds nothing to re-drive.
    let none = common::cli(&["inbox", "--url", &db, "redrive", "--all"]);
    assert_eq!(common::stdout(&none).trim(), r#"{"redriven":0}"#);
    let _ = serve.kill();
    let _ = serve.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
