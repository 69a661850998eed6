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
//!
//! In inbox mode the conformance table (tests/common/conformance.rs, run inline by
//! tests/conformance.rs) runs too, over loopback HTTP on both adapters, with its answers for
//! inbox mode where they differ by design (`Step::SendByMode`: the acknowledgement comes
//! before the handler, which the worker retries).
//!
//! One PostgreSQL cluster per test (a database per case), one SQLite file per case.

mod common;
#[path = "common/postgres_server.rs"]
mod postgres_server;
#[path = "common/provider_table.rs"]
mod provider_table;

use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{AppConfig, HandlerState, RunningApp, conformance};
use postgres_server::PostgresServer;
use provider_table::{
    AppDyn, Provider, Runs, Timestamp, actix_app, axum_app, delivery_id, now, providers,
    replace_header, run_key, total,
};
use webhook_guard::Guard;
use webhook_guard::event::{AuditTrailEvent, PaloEvent};
use webhook_guard::inbox::{
    Backend, HandlerError, Inbox, InboxDelivery, InboxOptions, RetryPolicy, Stats, Worker,
};

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

/// A worker's handler, its future boxed so that one case type serves both databases.
type Handler = Arc<
    dyn Fn(InboxDelivery) -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send>>
        + Send
        + Sync,
>;

/// One case's inbox, erased over its database, with its running worker.
struct InboxCase {
    attach: Box<dyn Fn(Guard) -> Guard + Send + Sync>,
    stats: Box<dyn Fn() -> Pin<Box<dyn Future<Output = Stats> + Send>> + Send + Sync>,
    close: Pin<Box<dyn Future<Output = ()> + Send>>,
}

/// Short polls, so that a worker that missed its wake-up still comes within a case's patience;
/// a short lease and quick retries, so that the conformance table's failing and panicking
/// handlers are retried within it (a panicked attempt's row waits for its lease).
fn options() -> InboxOptions {
    InboxOptions {
        poll_interval: Duration::from_millis(20),
        lease: Duration::from_secs(1),
        retry: RetryPolicy {
            max_attempts: 3,
            base: Duration::from_millis(40),
            cap: Duration::from_millis(400),
        },
        max_connections: 4,
        ..InboxOptions::default()
    }
}

/// Connects an inbox at `url` and starts a worker running `handler`.
async fn open_inbox<DB: Backend>(url: &str, handler: Handler) -> InboxCase {
    let inbox = Inbox::<DB>::connect_with(url, options())
        .await
        .unwrap_or_else(|e| panic!("inbox at {url}: {e}"));
    let worker: Worker = inbox
        .worker()
        .concurrency(4)
        .run(move |delivery: InboxDelivery| handler(delivery));
    let for_guards = inbox.clone();
    let for_stats = inbox.clone();
    InboxCase {
        attach: Box::new(move |guard: Guard| guard.inbox(for_guards.clone())),
        stats: Box::new(move || {
            let inbox = for_stats.clone();
            Box::pin(async move { inbox.stats().await.expect("stats") })
        }),
        // Not `pool().close()`: it waits for every checked-out connection, and the inbox's
        // writer keeps one for as long as any handle of the inbox lives (the guard's, this
        // case's). Once the worker is stopped and every handle dropped, the writer ends and
        // the pool's connections close with it.
        close: Box::pin(async move {
            worker.shutdown().await;
            drop(inbox);
        }),
    }
}

/// A handler that counts its runs in `runs` (per scheme and id).
fn counting(runs: &Runs) -> Handler {
    let runs = Arc::clone(runs);
    Arc::new(move |delivery: InboxDelivery| {
        *runs
            .lock()
            .unwrap()
            .entry(run_key(delivery.scheme(), delivery.id()))
            .or_default() += 1;
        Box::pin(async { Ok(()) })
    })
}

impl Backing {
    fn new(mode: Mode) -> Self {
        Self {
            mode,
            postgres: (mode == Mode::Postgres).then(PostgresServer::start),
            dir: TempDir::new(),
        }
    }

    /// Case `name`'s inbox (its own SQLite file or PostgreSQL database), with a worker
    /// running `handler`; none inline.
    async fn open(&self, name: &str, handler: Handler) -> Option<InboxCase> {
        match self.mode {
            Mode::Inline => None,
            Mode::Sqlite => {
                let url = format!(
                    "sqlite://{}",
                    self.dir.0.join(format!("{name}.db")).display()
                );
                Some(open_inbox::<sqlx::Sqlite>(&url, handler).await)
            }
            Mode::Postgres => {
                let server = self.postgres.as_ref().expect("a cluster in Postgres mode");
                let url = server.create_database(name);
                Some(open_inbox::<sqlx::Postgres>(&url, handler).await)
            }
        }
    }

    /// The guard of `provider` in this mode: inline, or storing into case `name`'s inbox
    /// whose worker counts runs in `runs`.
    async fn guard(
        &self,
        provider: &Provider,
        name: &str,
        runs: &Runs,
    ) -> (Guard, Option<InboxCase>) {
        match self.open(name, counting(runs)).await {
            Some(inbox) => ((inbox.attach)(provider.guard()), Some(inbox)),
            None => (provider.guard(), None),
        }
    }
}

/// Waits until the inbox has no pending or running row: the worker is done with everything
/// acknowledged so far (a failed attempt's row is pending until its retry).
async fn settle(inbox: &InboxCase) -> Result<Stats, String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let stats = (inbox.stats)().await;
        if stats.pending == 0 && stats.running == 0 {
            return Ok(stats);
        }
        if Instant::now() >= deadline {
            return Err(format!("rows still waiting after 15 s: {stats:?}"));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// [`settle`] for the provider table: nothing to wait for inline, where the handler ran in
/// the request.
async fn settled(inbox: Option<&InboxCase>, what: &str) -> Option<Stats> {
    Some(
        settle(inbox?)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}")),
    )
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
    settled(inbox, what).await;
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
    settled(inbox, what).await;
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
    settled(inbox, what).await;
    assert_eq!(total(runs), 1, "{what}: nothing refused was handled");

    // A second delivery is handled: the route counts what it should.
    let (status, answer) = send(&headers2, &body2).await;
    assert_eq!(status, 200, "{what}: second delivery: {answer:?}");
    if let Some(stats) = settled(inbox, what).await {
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
        // The routes hold the guard, and the guard a handle of the inbox.
        drop(routes);
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

/// The conformance table's handler in inbox mode: the inline routes' behaviour
/// (`HandlerState::handle`, keyed by the event's id) run by the worker; an answer other than
/// 200 is a failed attempt, which the worker retries.
fn conformance_handler(state: &Arc<HandlerState>) -> Handler {
    let state = Arc::clone(state);
    Arc::new(move |delivery: InboxDelivery| {
        let state = Arc::clone(&state);
        Box::pin(async move {
            let (id, unknown) = match delivery.scheme() {
                "audit-trail" => {
                    let event: AuditTrailEvent = delivery.parse()?;
                    (event.id().to_owned(), event.is_unknown())
                }
                "palo" => {
                    let event: PaloEvent = delivery.parse()?;
                    (event.id().to_owned(), event.is_unknown())
                }
                other => return Err(format!("no route for scheme {other}").into()),
            };
            if id != delivery.id() {
                return Err(format!("row of {} holds event {id}", delivery.id()).into());
            }
            match state.handle(&id, unknown).await {
                200 => Ok(()),
                status => Err(format!("the handler answered {status}").into()),
            }
        })
    })
}

/// A task aborted when dropped (the axum server of one case).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The conformance table's receiver in inbox mode, over HTTP on loopback: its two routes
/// (`/webhooks/audit-trail`, `/webhooks/palo`) store into the inbox through the adapter's
/// `enqueue`, behind the same guards as inline (`AppConfig::guards`, the inbox attached).
async fn serve_inbox(
    adapter: &str,
    config: &AppConfig,
    attach: &(dyn Fn(Guard) -> Guard + Send + Sync),
) -> RunningApp {
    let (audit, palo) = config.guards();
    let (audit, palo) = (attach(audit), attach(palo));
    match adapter {
        "axum" => {
            use axum::routing::post;
            use webhook_guard::axum::{WebhookLayer, enqueue};
            let router = axum::Router::new()
                .route(
                    "/webhooks/audit-trail",
                    post(enqueue).layer(WebhookLayer::new(audit)),
                )
                .route(
                    "/webhooks/palo",
                    post(enqueue).layer(WebhookLayer::new(palo)),
                );
            let (base_url, server) = common::axum_app::serve(router).await;
            RunningApp {
                base_url,
                state: Arc::clone(&config.state),
                stop: Box::new(AbortOnDrop(server)),
            }
        }
        "actix" => {
            use actix_web::web;
            use webhook_guard::actix::{WebhookMiddleware, enqueue};
            let (audit, palo) = (WebhookMiddleware::new(audit), WebhookMiddleware::new(palo));
            let routes = move |cfg: &mut web::ServiceConfig| {
                cfg.service(
                    web::resource("/webhooks/audit-trail")
                        .wrap(audit.clone())
                        .route(web::post().to(enqueue)),
                )
                .service(
                    web::resource("/webhooks/palo")
                        .wrap(palo.clone())
                        .route(web::post().to(enqueue)),
                );
            };
            let server =
                common::actix_app::serve(common::actix_app::Options::default(), routes).await;
            RunningApp {
                base_url: server.base_url.clone(),
                state: Arc::clone(&config.state),
                stop: Box::new(server),
            }
        }
        other => unreachable!("no adapter {other}"),
    }
}

/// The conformance table (tests/common/conformance.rs, which tests/conformance.rs runs inline)
/// in inbox mode on one adapter, each case with its own inbox; the failures, if any.
async fn conformance_in_the_inbox(backing: &Backing, adapter: &str) -> Vec<String> {
    let started = Instant::now();
    let mut failures = Vec::new();
    let cases = conformance::cases();
    for (row, case) in cases.iter().enumerate() {
        let config = AppConfig::in_memory();
        let name = format!("conformance_{adapter}_{row}");
        let inbox = backing
            .open(&name, conformance_handler(&config.state))
            .await
            .expect("an inbox mode");
        let app = serve_inbox(adapter, &config, inbox.attach.as_ref()).await;
        let result = conformance::run_case(case, &app, conformance::Mode::Inbox, async || {
            settle(&inbox).await.map(drop)
        })
        .await;
        drop(app);
        inbox.close.await;
        match result {
            Ok(()) => eprintln!(
                "conformance [{:?}, {adapter}] {}: ok",
                backing.mode, case.name
            ),
            Err(e) => failures.push(format!("[{:?}, {adapter}] {e}", backing.mode)),
        }
    }
    eprintln!(
        "conformance [{:?}, {adapter}]: {} of {} cases in {:?}",
        backing.mode,
        cases.len() - failures.len(),
        cases.len(),
        started.elapsed()
    );
    failures
}

/// Runs the provider table in `mode` on both adapters side by side, each on its own runtime
/// (actix-web's test service runs on its own `System`), and in inbox mode the conformance
/// table too, sharing one cluster or directory; fails if any failed (the provider table's
/// panics are printed above, the conformance table's failures listed).
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
        let conformance = scope.spawn(move || {
            if mode == Mode::Inline {
                return Vec::new();
            }
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap()
                .block_on(async {
                    let (axum, actix) = tokio::join!(
                        conformance_in_the_inbox(backing, "axum"),
                        conformance_in_the_inbox(backing, "actix")
                    );
                    [axum, actix].concat()
                })
        });
        let failed: Vec<&str> = [("axum", axum.join()), ("actix", actix.join())]
            .into_iter()
            .filter_map(|(adapter, result)| result.is_err().then_some(adapter))
            .collect();
        let conformance = conformance.join().expect("the conformance runner ran");
        let mut problems = Vec::new();
        if !failed.is_empty() {
            problems.push(format!(
                "the provider table failed on {failed:?} (see the panics above)"
            ));
        }
        problems.extend(conformance);
        assert!(problems.is_empty(), "{mode:?}:\n{}", problems.join("\n"));
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
