//! What the forwarding tests share: an upstream that deduplicates by `Idempotency-Key` (as the
//! guide asks of an upstream), signed Audit Trail deliveries, a sender that retries until
//! acknowledged, and `serve`'s configuration.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use webhook_guard::testing::audit_trail_sample_with_id;
use webhook_guard::{Scheme, Signer};

pub const SECRET_VAR: &str = "WG_SERVE_TEST_SECRET";
pub const SECRET: &str = "whsec_serve_test_secret";

/// One delivery the upstream handled.
pub struct Handled {
    /// `Webhook-Guard-Id`.
    pub id: String,
    pub body: Vec<u8>,
}

/// The upstream: what it handled (once per `Idempotency-Key`) and what it saw.
#[derive(Default)]
pub struct Upstream {
    /// Requests seen, every forward counted.
    pub requests: AtomicU64,
    /// Answer 500 to the first this many requests.
    pub fail_first: AtomicU64,
    /// Answer 500 to everything while set.
    pub failing: std::sync::atomic::AtomicBool,
    /// After the failures, this many requests stall longer than the forwarder's timeout
    /// before they take effect.
    pub stall: AtomicU64,
    /// What the upstream handled, by Idempotency-Key (each once: it deduplicates).
    pub handled: Mutex<HashMap<String, Handled>>,
    /// Forwards that arrived again after being handled (deduplicated by the upstream).
    pub duplicates: AtomicU64,
}

pub async fn upstream_handler(
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
pub const STALL: Duration = Duration::from_millis(1500);

/// The upstream served on `addr` (port 0: a free one) until `stop` is sent.
pub struct RunningUpstream {
    pub addr: SocketAddr,
    pub stop: tokio::sync::oneshot::Sender<()>,
    pub task: tokio::task::JoinHandle<()>,
}

pub async fn serve_upstream(upstream: Arc<Upstream>, addr: SocketAddr) -> RunningUpstream {
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
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wg-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A configuration in `dir`: one Audit Trail route forwarding to `upstream`, the inbox on
/// `inbox` (default: a SQLite file in `dir`).
pub fn write_config(
    dir: &Path,
    port: u16,
    upstream: SocketAddr,
    forwarder: &str,
    inbox: Option<&str>,
) -> PathBuf {
    let config = dir.join("webhook-guard.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{port}\"\ninbox = \"{}\"\n\n[forwarder]\n{forwarder}\n\n\
             [[route]]\npath = \"/webhooks/audit-trail\"\nprovider = \"audit-trail\"\n\
             secrets = [\"env:{SECRET_VAR}\"]\nforward = \"http://{upstream}/hooks/audit\"\n",
            inbox.map_or_else(
                || format!("sqlite://{}", dir.join("inbox.db").display()),
                str::to_owned
            )
        ),
    )
    .unwrap();
    config
}

/// `webhook-guard serve --config CONFIG` with the test's secret.
pub fn start_serve(config: &Path, port: u16) -> Child {
    super::start_serve(config, port, &[(SECRET_VAR, SECRET)])
}

/// Delivery `n`: its id, body and signed headers (signed now).
pub fn delivery(run: &str, n: usize) -> (String, String, Vec<(String, String)>) {
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
pub async fn send_until_acknowledged(
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
