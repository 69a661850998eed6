//! How the example receivers serve: the server settings a public webhook endpoint needs, which
//! the library cannot set because the server reads the request before the layer sees it.
//!
//! webhook-guard bounds what it reads itself (the body: size, a budget across requests, a
//! deadline and a minimum rate). What comes before is the server's:
//!
//! | what | axum (hyper) | actix-web | default here | env |
//! |---|---|---|---|---|
//! | time to send a request head (nothing, or half a head) | `http1::Builder::header_read_timeout` (needs a timer; `axum::serve` sets none, so never) | `HttpServer::client_request_timeout` (5 s) | 10 s | `HEAD_TIMEOUT_SECS` |
//! | idle keep-alive connection | the same header timeout (hyper starts it when it waits for the next head) | `HttpServer::keep_alive` (5 s) | 10 s | `HEAD_TIMEOUT_SECS` |
//! | open connections | not bounded by `axum::serve`: an accept loop with a semaphore | `HttpServer::max_connections`, per worker (25,000) | 10,000, and below the file-descriptor limit | `MAX_CONNECTIONS` |
//! | file descriptors | the soft `RLIMIT_NOFILE` is raised to the hard one at start | same | | |
//! | reading the rest of a refused body after the answer ("lingering close") | hyper does not | `HttpServer::client_disconnect_timeout` (1 s): 128-256 KiB of read buffer per connection meanwhile | none (`Duration::ZERO`) | |
//! | a body sent to a path with no route (404) | hyper closes after the answer | `App::default_service` (404): actix-web reads and discards the rest of a chunked body for as long as it comes | [`actix_no_route`]: 404, the body held unread, then closed | |
//!
//! Past the connection bound, new connections wait in the listen backlog instead of failing
//! with `Too many open files`; accept errors are logged and retried after a short pause.

use std::sync::Arc;
use std::time::Duration;

/// The server settings, from the environment, with production defaults.
#[derive(Debug, Clone, Copy)]
pub struct ServerLimits {
    /// The time a client has to send a whole request head, and the longest an idle
    /// keep-alive connection is kept.
    pub head_timeout: Duration,
    /// The most connections open at once.
    pub max_connections: usize,
}

impl ServerLimits {
    /// `HEAD_TIMEOUT_SECS` (default 10) and `MAX_CONNECTIONS` (default 10,000), the latter
    /// kept below the file-descriptor limit (raised to its hard maximum first).
    pub fn from_env() -> Self {
        let var = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .map(|v| {
                    v.parse()
                        .unwrap_or_else(|_| panic!("{name} must be a whole number, got {v:?}"))
                })
                .unwrap_or(default)
        };
        let head_timeout = Duration::from_secs(var("HEAD_TIMEOUT_SECS", 10).max(1));
        let wanted = var("MAX_CONNECTIONS", 10_000).max(1) as usize;
        // Leave room for the listener, logs, the Redis connection and the replay store.
        let max_connections = match raise_fd_limit() {
            Some(files) => wanted.min(files.saturating_sub(128).max(1)),
            None => wanted,
        };
        let limits = Self {
            head_timeout,
            max_connections,
        };
        eprintln!(
            "server limits: head and idle timeout {}s, at most {} connections",
            head_timeout.as_secs(),
            max_connections
        );
        limits
    }
}

/// Raises the soft limit of open files to the hard one, and returns it.
fn raise_fd_limit() -> Option<usize> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `getrlimit` and `setrlimit` only read and write the struct we pass.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    usize::try_from(limit.rlim_cur).ok()
}

/// Serves `app` on `listener` like `axum::serve`, with the limits above: HTTP/1.1, a head
/// timeout (also the idle keep-alive timeout), and a bound on open connections.
#[allow(dead_code)] // used by the axum receiver only
pub async fn axum(listener: tokio::net::TcpListener, app: axum::Router) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;

    let limits = ServerLimits::from_env();
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let (stopping, stop) = tokio::sync::watch::channel(false);
    let signal = shutdown_signal();
    tokio::pin!(signal);
    loop {
        // At the bound, stop accepting: new connections wait in the backlog.
        let accepted = tokio::select! {
            () = &mut signal => break,
            slot = Arc::clone(&slots).acquire_owned() => {
                let slot = slot.expect("the semaphore is never closed");
                tokio::select! {
                    () = &mut signal => break,
                    accepted = listener.accept() => accepted.map(|(stream, _)| (stream, slot)),
                }
            }
        };
        let (stream, slot) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // EMFILE and the like: do not spin, do not die.
                tracing::warn!(%error, "accept error");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(limits.head_timeout);
            let connection = http.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            // Errors are the client's (a timeout, a bad request, a reset): nothing to report.
            tokio::select! {
                _ = connection.as_mut() => {}
                () = async { let _ = stop.wait_for(|&stop| stop).await; } => {
                    // Finish the request in progress, then close: no new request is read.
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop(slot);
        });
    }
    // Stop accepting (the listener closes here), let requests in progress finish.
    drop(listener);
    let _ = stopping.send(true);
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, slots.acquire_many(all)).await;
    eprintln!(
        "stopped accepting; {}",
        if drained.is_ok() {
            "every request answered"
        } else {
            "grace over, closing the rest"
        }
    );
    Ok(())
}

/// How long a stopping receiver lets requests in progress, then inbox attempts, finish.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Resolves at the first SIGTERM or Ctrl-C (SIGINT).
pub async fn shutdown_signal() {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("a SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    eprintln!("shutting down: no new connections");
}

/// Applies the limits above to an actix-web server.
#[allow(dead_code)] // used by the actix-web receiver only
pub fn actix<F, I, S, B>(
    server: actix_web::HttpServer<F, I, S, B>,
) -> actix_web::HttpServer<F, I, S, B>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: actix_service::IntoServiceFactory<S, actix_http::Request>,
    S: actix_web::dev::ServiceFactory<actix_http::Request, Config = actix_web::dev::AppConfig>
        + 'static,
    S::Error: Into<actix_web::Error> + 'static,
    S::InitError: std::fmt::Debug,
    S::Response: Into<actix_http::Response<B>> + 'static,
    <S::Service as actix_web::dev::Service<actix_http::Request>>::Future: 'static,
    S::Service: 'static,
    B: actix_web::body::MessageBody + 'static,
{
    let limits = ServerLimits::from_env();
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    server
        .workers(workers)
        // Bounded per worker by actix-web.
        .max_connections(limits.max_connections.div_ceil(workers))
        .client_request_timeout(limits.head_timeout)
        .keep_alive(limits.head_timeout)
        // No lingering close. With a timeout here (actix-web's default is 1 s), after answering
        // a request whose body was not read (refused on its head, too large, over the budget)
        // actix-http keeps reading and discarding that body until the client stops or the
        // timeout ends, through a read buffer that grows to 128-256 KiB per connection: 300
        // clients pushing unsigned 1 MiB bodies held +65 MiB that way, against +4 MiB without
        // it. Without it the connection is closed right after the answer, as hyper does; the
        // client still reads the answer (it was sent first), though one still writing may get
        // a reset on its next write. It also drops an idle connection at the keep-alive
        // timeout instead of shutting it down gracefully. It was never a write timeout: actix
        // has none while an answer is being written.
        .client_disconnect_timeout(Duration::ZERO)
}

/// The actix-web receiver's answer for a path with no route: actix-web's own (an empty
/// `404 Not Found`), except that a request with a body is answered with `Connection: close`
/// and its unread payload is held until the answer is sent. Use it as the app's
/// `default_service`.
///
/// actix-web's default answer drops the payload; for a chunked body actix-http then reads and
/// discards the rest, for as long as the client sends it, through a read buffer of 128-256 KiB
/// (measured: an endless chunked body to `/nowhere` still open after 25 s; 300 such
/// connections pushing 1 MiB, +55 to +65 MiB). With the payload held and unfinished when the answer
/// ends, actix-http closes the connection instead, as webhook-guard's middleware does for the
/// requests it refuses before reading their body (`webhook_guard::actix::close_unread`). A
/// wrong method on a route needs nothing:
/// the middleware wraps the whole resource, so it refuses an unsigned request before the
/// resource's `405` (and reads a signed one's body).
#[allow(dead_code)] // used by the actix-web receiver only
pub async fn actix_no_route(
    mut request: actix_web::dev::ServiceRequest,
) -> Result<actix_web::dev::ServiceResponse, actix_web::Error> {
    use actix_web::HttpMessage as _;

    let response = actix_web::HttpResponse::NotFound().finish();
    let unread = request.take_payload();
    if matches!(unread, actix_web::dev::Payload::None) {
        return Ok(request.into_response(response));
    }
    Ok(request.into_response(webhook_guard::actix::close_unread(response, unread)))
}
