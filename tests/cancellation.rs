//! Cancellation and panics over real HTTP, on both adapters: a client that disconnects
//! mid-body or mid-handler, a handler that panics, a handler cut off by a timeout. In each
//! case the claim is released, the retry passes and is handled once, and nothing is left
//! behind: the delivery's key is free again (a new claim is fresh) or done, never stuck in
//! flight, the store holds at most one entry per delivery, and,
//! for axum (whose server runs on the test's runtime), no task outlives the connections.
//!
//! Timeouts: axum uses `tower::timeout::TimeoutLayer` (with `HandleErrorLayer` answering 408)
//! outside the webhook layer; actix uses a `wrap_fn` middleware outside the webhook middleware
//! that races the inner call against `actix_web::rt::time::timeout` and answers 408. Both drop
//! the webhook future, which releases the claim.

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::error_handling::HandleErrorLayer;
use axum::http::StatusCode;
use common::actix_app::{self, Options};
use common::conformance::{Req, send};
use common::{AppConfig, RunningApp};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use webhook_guard::Scheme;
use webhook_guard::replay::{Claim, MemoryStore, ReplayKey, ReplayStore};

const WAIT: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Server {
    Axum,
    /// actix-web with `h1_allow_half_closed(false)`: a client EOF drops the handler's future
    /// (with the default `true`, the handler runs on; see `tests/actix.rs`).
    Actix,
}

const SERVERS: [Server; 2] = [Server::Axum, Server::Actix];

struct App {
    running: RunningApp,
    store: MemoryStore,
}

async fn spawn(server: Server, timeout: Option<Duration>) -> App {
    let store = MemoryStore::new();
    let config = AppConfig::new(Arc::new(store.clone()));
    let running = match server {
        Server::Axum => {
            let mut router = common::axum_app::router(&config);
            if let Some(timeout) = timeout {
                router = router.layer(
                    tower::ServiceBuilder::new()
                        .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
                            StatusCode::REQUEST_TIMEOUT
                        }))
                        .layer(tower::timeout::TimeoutLayer::new(timeout)),
                );
            }
            let (base_url, handle) = common::axum_app::serve(router).await;
            RunningApp {
                base_url,
                state: config.state,
                stop: Box::new(AbortOnDrop(handle)),
            }
        }
        Server::Actix => {
            let (guard, _) = config.guards();
            let state = actix_web::web::Data::from(Arc::clone(&config.state));
            let configure = move |cfg: &mut actix_web::web::ServiceConfig| {
                use actix_web::dev::Service as _;
                let resource = actix_web::web::resource("/webhooks/audit-trail")
                    .wrap(webhook_guard::actix::WebhookMiddleware::new(guard.clone()))
                    .route(actix_web::web::post().to(actix_app::audit_trail));
                let limit = timeout.unwrap_or(Duration::from_secs(3600));
                let resource = resource.wrap_fn(move |req, srv| {
                    let call = srv.call(req);
                    async move {
                        match actix_web::rt::time::timeout(limit, call).await {
                            Ok(answer) => answer,
                            Err(_) => Err(actix_web::error::ErrorRequestTimeout("timed out")),
                        }
                    }
                });
                cfg.app_data(state.clone()).service(resource);
            };
            let server = actix_app::serve(
                Options {
                    workers: 1,
                    h1_allow_half_closed: false,
                },
                configure,
            )
            .await;
            RunningApp {
                base_url: server.base_url.clone(),
                state: config.state,
                stop: Box::new(server),
            }
        }
    };
    App { running, store }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The request head and body of a signed delivery, as raw HTTP/1.1.
fn raw_request(app: &App, req: &Req) -> (Vec<u8>, Vec<u8>) {
    let (headers, body) = req.build();
    let host = app.running.base_url.trim_start_matches("http://");
    let mut head = format!("POST {} HTTP/1.1\r\nhost: {host}\r\n", req.path());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
    (head.into_bytes(), body)
}

async fn connect(app: &App) -> TcpStream {
    TcpStream::connect(app.running.base_url.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Sends `req` until it gets 200 (a retry may find the first attempt still holding the claim
/// for a moment, 409, until the server has seen the disconnect).
async fn retry_until_ok(app: &App, req: &Req) {
    let client = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let got = send(&client, &app.running.base_url, req).await;
        match got {
            Some((200, _, _)) => return,
            Some((409, true, _)) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            other => panic!("retry of {}: {other:?}", req.id),
        }
    }
}

/// What the store says of a delivery's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    /// Not claimed: a new claim would be fresh (probed, then released again).
    Free,
    /// Handled.
    Done,
}

/// The key of `id` is `expected`, and the store holds no more entries than `keys` (one per
/// delivery seen: a released attempt may leave a free slot until it expires, but no attempt
/// adds one). A claim is released when the server drops the request's future, which may come a
/// moment after the client got its answer (the response is written first): wait for it, a
/// bounded time.
async fn assert_key(server: Server, app: &App, id: &str, expected: Key, keys: u64) {
    let key = ReplayKey::new("audit-trail", Some("tenant-001"), id);
    let window = Scheme::audit_trail().freshness().replay_window();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let got = match app.store.claim(key, window).await {
            Ok(Claim::Fresh(token)) => {
                app.store.release(&token).await.unwrap();
                Some(Key::Free)
            }
            Ok(Claim::Done) => Some(Key::Done),
            Ok(Claim::InFlight { .. }) => None,
            Err(error) => panic!("{server:?}: {error}"),
        };
        if got == Some(expected) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{server:?}: {id} is {got:?}, expected {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        app.store.entry_count() <= keys,
        "{server:?}: {} entries for {keys} deliveries",
        app.store.entry_count()
    );
    assert!(app.store.live_count() <= keys, "{server:?}: live keys");
}

/// For axum, whose server runs on this runtime: once the connections are gone, the tasks are
/// back to what they were.
async fn assert_no_task_left(server: Server, before: usize) {
    if server != Server::Axum {
        return;
    }
    let metrics = tokio::runtime::Handle::current().metrics();
    let deadline = tokio::time::Instant::now() + WAIT;
    while metrics.num_alive_tasks() > before {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} tasks alive, {before} before",
            metrics.num_alive_tasks()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_gone_mid_body_leaves_nothing_and_the_retry_passes() {
    for server in SERVERS {
        let app = spawn(server, None).await;
        let before = alive_tasks();
        let req = Req::audit("whd_half_body");
        let (head, body) = raw_request(&app, &req);
        let mut stream = connect(&app).await;
        stream.write_all(&head).await.unwrap();
        stream.write_all(&body[..body.len() / 2]).await.unwrap();
        stream.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(stream);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(app.running.state.attempts(&req.id), 0, "{server:?}");
        assert_key(server, &app, &req.id, Key::Free, 1).await;
        assert_no_task_left(server, before).await;

        retry_until_ok(&app, &req).await;
        assert_eq!(app.running.state.runs(&req.id), 1, "{server:?}");
        assert_key(server, &app, &req.id, Key::Done, 1).await;
        eprintln!("[{server:?}] client gone mid-body: nothing claimed, retry handled once");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_gone_mid_handler_releases_the_claim() {
    for server in SERVERS {
        let app = spawn(server, None).await;
        let before = alive_tasks();
        let req = Req::audit("slow_gone_mid_handler");
        let (head, body) = raw_request(&app, &req);
        let mut stream = connect(&app).await;
        stream.write_all(&head).await.unwrap();
        stream.write_all(&body).await.unwrap();
        tokio::time::timeout(WAIT, app.running.state.entered(&req.id))
            .await
            .expect("the handler started");
        drop(stream);

        // The retry is admitted once the server has dropped the first attempt.
        let retry = {
            let req = req.clone();
            let base_url = app.running.base_url.clone();
            let state = Arc::clone(&app.running.state);
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                let deadline = tokio::time::Instant::now() + WAIT;
                loop {
                    let attempts = state.attempts(&req.id);
                    let got = send(&client, &base_url, &req).await;
                    match got {
                        Some((409, true, _)) if tokio::time::Instant::now() < deadline => {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                        other => return (attempts, other),
                    }
                }
            })
        };
        tokio::time::timeout(WAIT, app.running.state.entered(&req.id))
            .await
            .expect("the retry reached the handler");
        app.running.state.release(&req.id);
        let (_, got) = retry.await.unwrap();
        assert_eq!(got.map(|g| g.0), Some(200), "{server:?}");
        assert_eq!(app.running.state.attempts(&req.id), 2, "{server:?}");
        assert_eq!(app.running.state.runs(&req.id), 1, "{server:?}");
        assert_key(server, &app, &req.id, Key::Done, 1).await;
        assert_no_task_left(server, before).await;
        eprintln!("[{server:?}] client gone mid-handler: claim released, retry handled once");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_releases_the_claim() {
    for server in SERVERS {
        let app = spawn(server, None).await;
        let before = alive_tasks();
        let req = Req::audit("panic_cancellation");
        let client = reqwest::Client::new();
        let first = send(&client, &app.running.base_url, &req).await;
        assert!(
            first.as_ref().is_none_or(|f| f.0 == 500),
            "{server:?}: {first:?}"
        );
        assert_key(server, &app, &req.id, Key::Free, 1).await;
        retry_until_ok(&app, &req).await;
        assert_eq!(app.running.state.attempts(&req.id), 2, "{server:?}");
        assert_eq!(app.running.state.runs(&req.id), 1, "{server:?}");
        assert_key(server, &app, &req.id, Key::Done, 1).await;
        drop(client);
        assert_no_task_left(server, before).await;
        eprintln!("[{server:?}] handler panic: {first:?}, claim released, retry handled once");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_handler_releases_the_claim() {
    for server in SERVERS {
        let app = spawn(server, Some(Duration::from_millis(300))).await;
        let before = alive_tasks();
        let req = Req::audit("slow_timed_out");
        let client = reqwest::Client::new();
        let first = send(&client, &app.running.base_url, &req).await;
        assert_eq!(first.map(|f| f.0), Some(408), "{server:?}");
        assert_key(server, &app, &req.id, Key::Free, 1).await;

        // The retry is slow too: let it through once it is in the handler.
        let retry = {
            let (client, base_url, req) =
                (client.clone(), app.running.base_url.clone(), req.clone());
            tokio::spawn(async move { send(&client, &base_url, &req).await })
        };
        tokio::time::timeout(WAIT, app.running.state.entered(&req.id))
            .await
            .expect("the retry reached the handler");
        app.running.state.release(&req.id);
        let got = retry.await.unwrap();
        assert_eq!(got.map(|g| g.0), Some(200), "{server:?}");
        assert_eq!(app.running.state.attempts(&req.id), 2, "{server:?}");
        assert_eq!(app.running.state.runs(&req.id), 1, "{server:?}");
        assert_key(server, &app, &req.id, Key::Done, 1).await;
        drop(client);
        assert_no_task_left(server, before).await;
        eprintln!("[{server:?}] handler timed out (408): claim released, retry handled once");
    }
}
