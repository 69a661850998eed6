//! Issue 24: every built-in scheme (the table of tests/common/provider_table.rs) in both modes,
//! inline (the default in-memory replay store) and inbox (`Guard::inbox`, the routes answered
//! by the adapters' `enqueue`, a worker running the handler) on SQLite and on PostgreSQL, each
//! on both adapters (axum's `oneshot` on a `Router`, actix-web's test service).
//!
//! For each scheme: a valid delivery is answered 200 and handled once; the same bytes again,
//! and a retry signed anew, are answered 200 and not handled again; **the same signed delivery
//! re-sent under fresh values of each unsigned id header** (GitHub's `X-GitHub-Delivery`,
//! Shopify's, Linear's, Twilio's) is answered 200 and not handled again, in every mode; an id
//! header bound to the signed body and rewritten is a 400; one flipped bit in the body is a
//! 401; a stale delivery is a 400; a second valid delivery is handled (so the counts above can
//! fail). In inbox mode the runs are counted once the inbox has no pending or running row, and
//! the inbox then holds exactly the two handled rows.
//!
//! The one answer that differs by design: inline mode answers a copy `200 already processed`
//! (the replay store knows the delivery was handled); inbox mode answers a copy `200 OK`, as a
//! new delivery, since the acknowledgement only says the delivery is stored (it may not be
//! handled yet). Both stop the sender's retries; neither runs the handler again.

#[path = "common/postgres_server.rs"]
mod postgres_server;
#[path = "common/provider_table.rs"]
mod provider_table;

use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use postgres_server::PostgresServer;
use provider_table::{
    AppDyn, Provider, Runs, Timestamp, actix_app, axum_app, delivery_id, now, providers,
    replace_header, run_key, total,
};
use webhook_guard::Guard;
use webhook_guard::inbox::{Backend, Inbox, InboxDelivery, InboxOptions, Stats, Worker};

/// Where verified deliveries go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Inline,
    Sqlite,
    Postgres,
}

impl Mode {
    /// The answer to a copy of a delivery already taken (see the module docs).
    fn copy_answer(self) -> (u16, &'static [u8]) {
        match self {
            Self::Inline => (200, b"already processed"),
            Self::Sqlite | Self::Postgres => (200, b"OK"),
        }
    }
}

/// What one mode's cases share: the PostgreSQL cluster (one per run of the mode, a database
/// per case) or the directory of the SQLite files (a file per case).
struct Backing {
    mode: Mode,
    postgres: Option<PostgresServer>,
    dir: TempDir,
}

/// One case's inbox, erased over its database, with the worker that counts runs.
struct InboxCase {
    stats: Box<dyn Fn() -> Pin<Box<dyn Future<Output = Stats> + Send>> + Send + Sync>,
    close: Pin<Box<dyn Future<Output = ()> + Send>>,
}

/// Short polls: a worker that missed its wake-up still comes within a case's patience.
fn options() -> InboxOptions {
    InboxOptions {
        poll_interval: Duration::from_millis(20),
        max_connections: 4,
        ..InboxOptions::default()
    }
}

/// Connects an inbox at `url`, attaches it to `guard`, and starts a worker counting its runs
/// in `runs`.
async fn inbox_case<DB: Backend>(url: &str, guard: Guard, runs: &Runs) -> (Guard, InboxCase) {
    let inbox = Inbox::<DB>::connect_with(url, options())
        .await
        .unwrap_or_else(|e| panic!("inbox at {url}: {e}"));
    let guard = guard.inbox(inbox.clone());
    let counted = Arc::clone(runs);
    let worker: Worker = inbox
        .worker()
        .concurrency(2)
        .run(move |delivery: InboxDelivery| {
            let runs = Arc::clone(&counted);
            async move {
                *runs
                    .lock()
                    .unwrap()
                    .entry(run_key(delivery.scheme(), delivery.id()))
                    .or_default() += 1;
                Ok(())
            }
        });
    let for_stats = inbox.clone();
    let stats = Box::new(move || {
        let inbox = for_stats.clone();
        Box::pin(async move { inbox.stats().await.expect("stats") })
            as Pin<Box<dyn Future<Output = Stats> + Send>>
    });
    let close = Box::pin(async move {
        worker.shutdown().await;
        // Each case has its own database: give its connections back now, not at the end.
        inbox.pool().close().await;
    });
    (guard, InboxCase { stats, close })
}

impl Backing {
    fn new(mode: Mode) -> Self {
        Self {
            mode,
            postgres: (mode == Mode::Postgres).then(PostgresServer::start),
            dir: TempDir::new(),
        }
    }

    /// The guard of `provider` in this mode (and its inbox, in inbox mode).
    async fn guard(
        &self,
        provider: &Provider,
        case: &str,
        runs: &Runs,
    ) -> (Guard, Option<InboxCase>) {
        let guard = provider.guard();
        let name = case.to_owned();
        match self.mode {
            Mode::Inline => (guard, None),
            Mode::Sqlite => {
                let url = format!("sqlite://{}", self.dir.0.join(name + ".db").display());
                let (guard, inbox) = inbox_case::<sqlx::Sqlite>(&url, guard, runs).await;
                (guard, Some(inbox))
            }
            Mode::Postgres => {
                let server = self.postgres.as_ref().expect("a cluster in Postgres mode");
                let url = server.create_database(&name);
                let (guard, inbox) = inbox_case::<sqlx::Postgres>(&url, guard, runs).await;
                (guard, Some(inbox))
            }
        }
    }
}

/// Waits until the inbox has no pending or running row (the worker is done with everything
/// acknowledged so far); nothing to wait for inline, where the handler ran in the request.
async fn settle(inbox: Option<&InboxCase>, what: &str) -> Option<Stats> {
    let inbox = inbox?;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let stats = (inbox.stats)().await;
        if stats.pending == 0 && stats.running == 0 {
            return Some(stats);
        }
        assert!(
            Instant::now() < deadline,
            "{what}: rows still waiting after 15 s: {stats:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The cases of one provider against one app in one mode.
async fn check_provider(
    provider: &Provider,
    app: &dyn AppDyn,
    runs: &Runs,
    mode: Mode,
    inbox: Option<&InboxCase>,
    what: &str,
) {
    let copy = mode.copy_answer();
    let send = async |headers: &provider_table::Headers, body: &str| {
        let answer = app.send_dyn("POST", "/hook", headers, body).await;
        (answer.status, answer.body)
    };
    let ts = now();
    let n = 2_000;
    let id = delivery_id(n);
    let body = (provider.body)(n, ts);
    let headers = provider.headers(&body, ts, &id);

    // Valid: 200, handled once.
    let (status, answer) = send(&headers, &body).await;
    assert_eq!(status, 200, "{what}: valid delivery: {answer:?}");
    settle(inbox, what).await;
    assert_eq!(total(runs), 1, "{what}: a valid delivery is handled once");

    // The same bytes again, and a retry signed anew: taken, not handled again.
    let (status, answer) = send(&headers, &body).await;
    assert_eq!((status, &answer[..]), copy, "{what}: the same bytes again");
    let resigned = provider.headers(&body, ts + 1, &id);
    let (status, answer) = send(&resigned, &body).await;
    assert_eq!((status, &answer[..]), copy, "{what}: a retry signed anew");

    // The replay hole of issue 24: the captured delivery under fresh unsigned ids.
    for header in provider.unsigned_id_headers {
        for fresh in ["fresh-1", "fresh-2", "fresh-3"] {
            let rewritten = replace_header(&headers, header, &format!("{fresh}-{header}"));
            let (status, answer) = send(&rewritten, &body).await;
            assert_eq!(
                (status, &answer[..]),
                copy,
                "{what}: the capture re-sent with {header}: {fresh}"
            );
        }
    }
    // An id header bound to the signed body: a rewrite is refused, in every mode.
    if let Some(header) = provider.bound_id_header {
        let rewritten = replace_header(&headers, header, "rewritten-id");
        let (status, answer) = send(&rewritten, &body).await;
        assert_eq!(status, 400, "{what}: {header} rewritten: {answer:?}");
    }
    settle(inbox, what).await;
    assert_eq!(
        total(runs),
        1,
        "{what}: no copy, retry or replay under fresh ids is handled again: {:?}",
        runs.lock().unwrap()
    );

    // One flipped bit in the body: 401, not handled.
    let n2 = n + 1;
    let ts2 = now();
    let body2 = (provider.body)(n2, ts2);
    let headers2 = provider.headers(&body2, ts2, &delivery_id(n2));
    let mut flipped = body2.clone().into_bytes();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 1;
    let flipped = String::from_utf8(flipped).unwrap();
    let (status, answer) = send(&headers2, &flipped).await;
    assert_eq!(status, 401, "{what}: flipped body: {answer:?}");

    // Stale, where the scheme has a window: 400, not handled.
    if !matches!(provider.timestamp, Timestamp::None) {
        let n3 = n + 2;
        let old = now() - provider.max_age - 10;
        let body3 = (provider.body)(n3, old);
        let headers3 = provider.headers(&body3, old, &delivery_id(n3));
        let (status, answer) = send(&headers3, &body3).await;
        assert_eq!(status, 400, "{what}: stale: {answer:?}");
    }
    settle(inbox, what).await;
    assert_eq!(total(runs), 1, "{what}: nothing refused was handled");

    // A second delivery is handled: the route counts what it should.
    let (status, answer) = send(&headers2, &body2).await;
    assert_eq!(status, 200, "{what}: second delivery: {answer:?}");
    if let Some(stats) = settle(inbox, what).await {
        assert_eq!(
            (stats.done, stats.dead),
            (2, 0),
            "{what}: the inbox holds the two deliveries, nothing else: {stats:?}"
        );
    }
    let runs = runs.lock().unwrap();
    assert_eq!(runs.len(), 2, "{what}: two deliveries: {runs:?}");
    assert!(runs.values().all(|&n| n == 1), "{what}: {runs:?}");
    let scheme = provider.scheme.name();
    assert!(
        runs.keys().all(|key| key.starts_with(&run_key(scheme, ""))),
        "{what}: {runs:?}"
    );
}

/// Every provider on one adapter in `backing`'s mode; `app` builds the adapter's routes:
/// counting inline, or storing into the guard's inbox.
async fn every_provider(
    backing: &Backing,
    adapter: &str,
    app: impl AsyncFn(Guard, Runs, bool) -> Box<dyn AppDyn>,
) {
    let started = Instant::now();
    for (row, provider) in providers().into_iter().enumerate() {
        let runs = Runs::default();
        // Two rows share a scheme name (Standard Webhooks v1 and v1a): the table's row names
        // the case's database.
        let case = format!(
            "{adapter}_{row}_{}",
            provider.scheme.name().replace('-', "_")
        );
        let (guard, inbox) = backing.guard(&provider, &case, &runs).await;
        let routes = app(guard, Arc::clone(&runs), inbox.is_some()).await;
        let what = format!("{} [{:?}, {adapter}]", provider.scheme.name(), backing.mode);
        check_provider(
            &provider,
            routes.as_ref(),
            &runs,
            backing.mode,
            inbox.as_ref(),
            &what,
        )
        .await;
        if let Some(inbox) = inbox {
            inbox.close.await;
        }
        eprintln!("{what}: ok");
    }
    eprintln!(
        "[{:?}, {adapter}] every provider in {:?}",
        backing.mode,
        started.elapsed()
    );
}

/// Runs the table in `mode` on both adapters side by side, each on its own runtime (actix-web's
/// test service runs on its own `System`), sharing one cluster or directory; fails if either
/// failed (their panics are printed above).
fn run_mode(mode: Mode) {
    let backing = Backing::new(mode);
    let backing = &backing;
    std::thread::scope(|scope| {
        let axum = scope.spawn(move || {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap()
                .block_on(every_provider(
                    backing,
                    "axum",
                    async |guard, runs, inbox| {
                        if inbox {
                            Box::new(axum_app::enqueue_app(guard)) as Box<dyn AppDyn>
                        } else {
                            Box::new(axum_app::app(guard, runs))
                        }
                    },
                ));
        });
        let actix = scope.spawn(move || {
            actix_web::rt::System::new().block_on(every_provider(
                backing,
                "actix",
                async |guard, runs, inbox| {
                    if inbox {
                        Box::new(actix_app::enqueue_app(guard).await) as Box<dyn AppDyn>
                    } else {
                        Box::new(actix_app::app(guard, runs).await)
                    }
                },
            ));
        });
        let failed: Vec<&str> = [("axum", axum.join()), ("actix", actix.join())]
            .into_iter()
            .filter_map(|(adapter, result)| result.is_err().then_some(adapter))
            .collect();
        assert!(
            failed.is_empty(),
            "{mode:?}: failed on {failed:?} (see the panics above)"
        );
    });
}

#[test]
fn every_scheme_inline() {
    run_mode(Mode::Inline);
}

#[test]
fn every_scheme_in_the_inbox_on_sqlite() {
    run_mode(Mode::Sqlite);
}

#[test]
fn every_scheme_in_the_inbox_on_postgres() {
    run_mode(Mode::Postgres);
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "webhook-guard-modes-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
