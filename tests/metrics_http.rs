//! `GET /metrics` on the example receivers (`receiver` on axum, `actix_receiver` on
//! actix-web), run as real processes: what operators scrape (issue 24, item 5a).
//!
//! - Inbox mode (SQLite, handlers slowed to 300 ms so that work queues): 200 signed
//!   deliveries sent at once are each acknowledged; while the workers drain them the pending
//!   gauge `webhook_inbox_rows{state="pending"}` rises above 0 and the oldest pending age
//!   `webhook_inbox_oldest_pending_seconds` is shown above 0; then both fall back to 0 and
//!   `webhook_inbox_deliveries_total{outcome="handled"}` reaches 200.
//! - Inline mode: the guard's `webhook_guard_deliveries_total{outcome="handled"}` counts the
//!   deliveries handled.
//!
//! Each test ends within 60 s.

#[path = "common/example_process.rs"]
mod example_process;
#[path = "common/examples.rs"]
mod examples;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use example_process::Receiver;
use webhook_guard::testing::audit_trail_sample_with_id;
use webhook_guard::time::{Clock, SystemClock};
use webhook_guard::{Scheme, Secret, Signer};

/// The receivers' demo Audit Trail secret (`examples/common/mod.rs`).
const DEMO_AUDIT_TRAIL_SECRET: &str = "whsec_abc123def456";
const DELIVERIES: usize = 200;
const PATIENCE: Duration = Duration::from_secs(60);

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "webhook-guard-metrics-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn path(&self, file: &str) -> String {
        self.0.join(file).display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Posts a signed Audit Trail delivery `id`; its status.
async fn send(client: &reqwest::Client, addr: SocketAddr, id: &str) -> u16 {
    let body = audit_trail_sample_with_id("event.created", id).expect("a sample");
    let secret = Secret::new(DEMO_AUDIT_TRAIL_SECRET).unwrap();
    let headers = Signer::new(Scheme::audit_trail(), secret).headers(
        body.as_bytes(),
        SystemClock.now_unix(),
        id,
    );
    let mut request = client
        .post(format!("http://{addr}/webhooks/audit-trail"))
        .header("content-type", "application/json")
        .body(body);
    for (name, value) in &headers {
        request = request.header(name, value);
    }
    request
        .send()
        .await
        .map_or(0, |answer| answer.status().as_u16())
}

/// One scrape of `GET /metrics`.
struct Scrape(String);

impl Scrape {
    async fn of(client: &reqwest::Client, addr: SocketAddr) -> Self {
        let answer = client
            .get(format!("http://{addr}/metrics"))
            .send()
            .await
            .expect("/metrics answers");
        assert_eq!(answer.status(), 200, "/metrics");
        let content_type = answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            content_type.starts_with("text/plain; version=0.0.4"),
            "{content_type}"
        );
        Self(answer.text().await.expect("a body"))
    }

    /// The sample of `name` whose labels include `labels` (the sum, if several match).
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let mut found = None;
        for line in self.0.lines().filter(|line| !line.starts_with('#')) {
            let Some((series, value)) = line.rsplit_once(' ') else {
                continue;
            };
            let (series_name, series_labels) = match series.split_once('{') {
                Some((series_name, rest)) => (series_name, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            let wanted = series_name == name
                && labels.iter().all(|(key, value)| {
                    series_labels
                        .split(',')
                        .any(|pair| pair == format!("{key}=\"{value}\""))
                });
            if wanted {
                let value: f64 = value.parse().expect("a number");
                *found.get_or_insert(0.0) += value;
            }
        }
        found
    }

    fn rows(&self, state: &str) -> Option<f64> {
        self.value(webhook_guard::metrics::INBOX_ROWS, &[("state", state)])
    }

    fn oldest_pending(&self) -> Option<f64> {
        self.value(webhook_guard::metrics::INBOX_OLDEST_PENDING, &[])
    }

    fn inbox(&self, outcome: &str) -> Option<f64> {
        let labels = [("scheme", "audit-trail"), ("outcome", outcome)];
        self.value(webhook_guard::metrics::INBOX_DELIVERIES, &labels)
    }
}

async fn inbox_mode(example: &str) {
    let dir = TempDir::new(example);
    let url = format!("sqlite://{}", dir.path("inbox.db"));
    let dead_letters = dir.path("dead-letters");
    let receiver = Receiver::start(
        example,
        &[
            ("INBOX_URL", &url),
            ("HANDLER_DELAY_MS", "300"),
            ("INBOX_GAUGES_MS", "100"),
            ("DEAD_LETTER_DIR", &dead_letters),
        ],
    );
    let addr = receiver.addr;
    let client = reqwest::Client::new();
    tokio::time::timeout(PATIENCE, async {
        // Before any delivery: the gauges are there, nothing waits.
        let mut scrape = Scrape::of(&client, addr).await;
        while scrape.rows("pending").is_none() {
            tokio::time::sleep(Duration::from_millis(50)).await;
            scrape = Scrape::of(&client, addr).await;
        }
        assert_eq!(scrape.oldest_pending(), Some(0.0), "{}", scrape.0);

        let sending = tokio::spawn({
            let client = client.clone();
            async move {
                let sends = (0..DELIVERIES).map(|n| {
                    let client = client.clone();
                    tokio::spawn(async move { send(&client, addr, &format!("evt_m{n}")).await })
                });
                let mut statuses = Vec::new();
                for send in sends.collect::<Vec<_>>() {
                    statuses.push(send.await.unwrap());
                }
                statuses
            }
        });
        // While the workers drain: the peak of each gauge.
        let (mut peak_pending, mut peak_age) = (0.0f64, 0.0f64);
        loop {
            let scrape = Scrape::of(&client, addr).await;
            peak_pending = peak_pending.max(scrape.rows("pending").unwrap_or(0.0));
            peak_age = peak_age.max(scrape.oldest_pending().unwrap_or(0.0));
            let handled = scrape.inbox("handled").unwrap_or(0.0);
            let drained = scrape.rows("pending") == Some(0.0)
                && scrape.rows("running") == Some(0.0)
                && scrape.oldest_pending() == Some(0.0);
            if sending.is_finished() && handled >= DELIVERIES as f64 && drained {
                assert_eq!(handled, DELIVERIES as f64, "{}", scrape.0);
                assert_eq!(scrape.rows("done"), Some(DELIVERIES as f64), "{}", scrape.0);
                assert_eq!(
                    scrape.inbox("acknowledged"),
                    Some(DELIVERIES as f64),
                    "{}",
                    scrape.0
                );
                assert!(
                    scrape
                        .0
                        .contains(webhook_guard::metrics::INBOX_ACK_DURATION)
                        && scrape
                            .0
                            .contains(webhook_guard::metrics::INBOX_HANDLER_DURATION),
                    "the latency histograms: {}",
                    scrape.0
                );
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let statuses = sending.await.unwrap();
        assert!(statuses.iter().all(|&status| status == 200), "{statuses:?}");
        assert!(peak_pending > 0.0, "the pending gauge never rose");
        assert!(peak_age > 0.0, "the oldest pending age was never shown");
        eprintln!("{example}: peak pending {peak_pending}, peak oldest age {peak_age} s");
    })
    .await
    .unwrap_or_else(|_| panic!("{example}: not drained within {PATIENCE:?}"));
    // The workers printed one line per delivery, once each.
    let mut lines: Vec<String> = receiver.handled.try_iter().collect();
    lines.sort();
    lines.dedup();
    assert_eq!(lines.len(), DELIVERIES);
}

async fn inline_mode(example: &str) {
    let dir = TempDir::new(example);
    let dead_letters = dir.path("dead-letters");
    let receiver = Receiver::start(example, &[("DEAD_LETTER_DIR", &dead_letters)]);
    let addr = receiver.addr;
    let client = reqwest::Client::new();
    tokio::time::timeout(PATIENCE, async {
        for n in 0..3 {
            assert_eq!(send(&client, addr, &format!("evt_i{n}")).await, 200);
        }
        // A replay of the first: a duplicate, not handled again.
        assert_eq!(send(&client, addr, "evt_i0").await, 200);
        let scrape = Scrape::of(&client, addr).await;
        let outcome = |outcome: &str| {
            let labels = [("scheme", "audit-trail"), ("outcome", outcome)];
            scrape.value(webhook_guard::metrics::DELIVERIES, &labels)
        };
        assert_eq!(outcome("handled"), Some(3.0), "{}", scrape.0);
        assert_eq!(outcome("duplicate"), Some(1.0), "{}", scrape.0);
        assert!(
            scrape.0.contains(webhook_guard::metrics::DURATION),
            "{}",
            scrape.0
        );
        // No inbox, no inbox metrics.
        assert_eq!(scrape.rows("pending"), None, "{}", scrape.0);
    })
    .await
    .unwrap_or_else(|_| panic!("{example}: no answer within {PATIENCE:?}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_receiver_inbox_metrics_rise_and_drain() {
    inbox_mode("receiver").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actix_receiver_inbox_metrics_rise_and_drain() {
    inbox_mode("actix_receiver").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_receiver_inline_metrics() {
    inline_mode("receiver").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actix_receiver_inline_metrics() {
    inline_mode("actix_receiver").await;
}
