//! `webhook-guard serve --config FILE`: verified routes in front of an app in any language.
//!
//! Each route verifies its provider's deliveries (signature, freshness, dedup), stores each
//! verified one in the durable inbox and answers 200 once it is on disk; the inbox's workers
//! then POST it to the route's `forward` URL with its original body and the headers the scheme
//! reads (and `Content-Type`), plus `Webhook-Guard-Scheme`, `Webhook-Guard-Id` and
//! `Idempotency-Key` (the inbox's dedup key), until the upstream answers 2xx: retries with
//! backoff, dead after the maximum (`webhook-guard inbox redrive`). A forward that was sent
//! but not recorded before a crash is sent again: the upstream deduplicates on
//! `Idempotency-Key`. Nothing acknowledged is lost across `kill -9`. With `ADMIN_TOKEN` set, the
//! operator's console (`webhook_guard::admin`) is at `/admin`.
//!
//! ```toml
//! listen = "127.0.0.1:8787"
//! inbox = "sqlite://webhook-guard.db"
//!
//! [forwarder]
//! concurrency = 8
//! timeout_ms = 30000
//! max_attempts = 8
//! retry_base_ms = 1000
//!
//! [[route]]
//! path = "/webhooks/github"
//! provider = "github"
//! secrets = ["env:GITHUB_WEBHOOK_SECRET", "file:/run/secrets/github-previous"]
//! forward = "http://127.0.0.1:8080/hooks/github"
//! ```

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{any, get, post};
use serde::Deserialize;
use toml::Spanned;
use webhook_guard::Guard;
use webhook_guard::axum::{WebhookLayer, enqueue};
use webhook_guard::inbox::{HandlerError, InboxDelivery, InboxOptions, RetryPolicy};

use crate::custom::SchemeConfig;
use crate::inbox::AnyInbox;
use crate::providers::Provider;
use webhook_guard::admin::Console;

/// `serve`'s arguments.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The configuration file (TOML): `listen`, `inbox`, `[forwarder]`, `[[route]]`s.
    #[arg(long)]
    pub config: PathBuf,
}

/// The configuration file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    /// Where to listen (default `127.0.0.1:8787`).
    listen: Option<Spanned<String>>,
    /// The inbox's database (default `sqlite://webhook-guard.db`).
    inbox: Option<Spanned<String>>,
    #[serde(default)]
    forwarder: Forwarder,
    #[serde(rename = "route", default)]
    routes: Vec<RouteConfig>,
}

/// How deliveries are forwarded.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Forwarder {
    /// Forwards at the same time (default 8).
    concurrency: Option<usize>,
    /// One forward's deadline (default 30 s): past it, the attempt failed.
    timeout_ms: Option<u64>,
    /// Attempts before a delivery is dead (default 8).
    max_attempts: Option<u32>,
    /// The first retry's delay, doubled each time (default 1 s).
    retry_base_ms: Option<u64>,
    /// The longest delay between retries (default 1 h).
    retry_cap_ms: Option<u64>,
    /// How long a forward in progress stays this process's (default 30 s): after a crash, its
    /// deliveries are taken again after this long.
    lease_ms: Option<u64>,
}

/// One route.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteConfig {
    /// The path it is served at.
    path: Spanned<String>,
    /// The built-in provider (the names of `webhook-guard send`), or
    provider: Option<Spanned<String>>,
    /// a scheme described here (`[route.scheme]`, see `custom.rs`).
    scheme: Option<SchemeConfig>,
    /// The route's name, sent as `Webhook-Guard-Scheme` and its deliveries' dedup scope
    /// (default: the provider's name). Two routes of one provider need two names.
    name: Option<Spanned<String>>,
    /// Its secrets or public keys, each `env:NAME` or `file:PATH` (several during a rotation).
    secrets: Spanned<Vec<Spanned<String>>>,
    /// The upstream URL each verified delivery is POSTed to.
    forward: Spanned<String>,
    /// The public base URL the provider calls, for Twilio and Square (they sign the URL).
    public_url: Option<String>,
}

/// A configuration error: the file, the line and column, the key, and what is wrong.
fn located(file: &Path, text: &str, span: std::ops::Range<usize>, key: &str, what: &str) -> String {
    let before = &text[..span.start.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("{}:{line}:{column}: `{key}`: {what}", file.display())
}

/// A route ready to serve.
struct Route {
    path: String,
    name: String,
    /// `None` for a scheme described in the file.
    provider: Option<Provider>,
    guard_verifier: webhook_guard::Verifier,
    forward: String,
}

/// The whole configuration, checked.
struct Checked {
    listen: SocketAddr,
    inbox: String,
    options: InboxOptions,
    concurrency: usize,
    timeout: Duration,
    routes: Vec<Route>,
}

fn load(path: &Path) -> Result<Checked, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let config: Config = toml::from_str(&text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let before = &text[..span.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        format!("{}:{line}:{column}: {}", path.display(), e.message().trim())
    })?;
    let at =
        |span: std::ops::Range<usize>, key: &str, what: &str| located(path, &text, span, key, what);
    let listen = match &config.listen {
        Some(listen) => listen
            .get_ref()
            .parse()
            .map_err(|e| at(listen.span(), "listen", &format!("{e} (expected IP:PORT)")))?,
        None => SocketAddr::from(([127, 0, 0, 1], 8787)),
    };
    let inbox = config.inbox.as_ref().map_or_else(
        || Ok("sqlite://webhook-guard.db".to_owned()),
        |inbox| {
            let url = inbox.get_ref();
            if url.starts_with("sqlite:") || url.starts_with("postgres") {
                Ok(url.clone())
            } else {
                Err(at(
                    inbox.span(),
                    "inbox",
                    "expected sqlite://PATH or postgres://...",
                ))
            }
        },
    )?;
    if config.routes.is_empty() {
        return Err(format!(
            "{}: no [[route]]: give at least one (path, provider, secrets, forward)",
            path.display()
        ));
    }
    let mut routes = Vec::new();
    for (index, route) in config.routes.iter().enumerate() {
        let (provider, custom) = match (&route.provider, &route.scheme) {
            (Some(provider), None) => (
                Some(
                    Provider::find(provider.get_ref(), false)
                        .map_err(|e| at(provider.span(), "provider", &e))?,
                ),
                None,
            ),
            (None, Some(scheme)) => (
                None,
                Some(
                    scheme
                        .build()
                        .map_err(|(span, key, what)| at(span, key, &what))?,
                ),
            ),
            _ => {
                return Err(at(
                    route.path.span(),
                    "provider",
                    &format!(
                        "route {} needs `provider` (a built-in one) or `[route.scheme]`, one of them",
                        index + 1
                    ),
                ));
            }
        };
        // Where a route-level error points: its provider, else its path.
        let anchor = route
            .provider
            .as_ref()
            .map_or(route.path.span(), Spanned::span);
        let default_name = match (&provider, &custom) {
            (Some(provider), _) => provider.name.to_owned(),
            (None, Some(scheme)) => scheme.name().to_owned(),
            (None, None) => unreachable!("checked above"),
        };
        let name = route
            .name
            .as_ref()
            .map_or(default_name, |n| n.get_ref().clone());
        if let Some(other) = routes.iter().find(|r: &&Route| r.name == name) {
            let span = route.name.as_ref().map_or(anchor.clone(), Spanned::span);
            return Err(at(
                span,
                "name",
                &format!(
                    "two routes named {name:?} ({} and {}): give each its own `name`, its \
                     deliveries' dedup scope",
                    other.path,
                    route.path.get_ref()
                ),
            ));
        }
        if !route.path.get_ref().starts_with('/') {
            return Err(at(route.path.span(), "path", "a path starts with `/`"));
        }
        let forward = route.forward.get_ref();
        if !forward.starts_with("http://") {
            // The forwarder's client has no TLS: it talks to an app beside it.
            return Err(at(
                route.forward.span(),
                "forward",
                "expected an http:// URL (the upstream beside the forwarder; no TLS)",
            ));
        }
        if route.secrets.get_ref().is_empty() {
            return Err(at(
                route.secrets.span(),
                "secrets",
                "give at least one secret",
            ));
        }
        let mut keys = Vec::new();
        for secret in route.secrets.get_ref() {
            keys.push(read_secret(secret.get_ref()).map_err(|e| at(secret.span(), "secrets", &e))?);
        }
        let verifier = match (&provider, custom) {
            (Some(provider), _) => provider
                .verifier_from(&keys, None)
                .map_err(|(n, e)| at(route.secrets.get_ref()[n].span(), "secrets", &e))?,
            (None, Some(scheme)) => {
                let mut secrets = Vec::new();
                for (n, key) in keys.iter().enumerate() {
                    secrets.push(scheme.secret(key).map_err(|e| {
                        at(route.secrets.get_ref()[n].span(), "secrets", &e.to_string())
                    })?);
                }
                webhook_guard::Verifier::new(scheme, secrets)
            }
            (None, None) => unreachable!("checked above"),
        };
        if verifier.scheme().signs_url() && route.public_url.is_none() {
            return Err(at(
                anchor,
                "public_url",
                &format!("{name} signs the URL it calls: give the route's public_url"),
            ));
        }
        let scheme = verifier.scheme().clone().with_name(name.clone());
        let verifier = webhook_guard::Verifier::with_secret_set(scheme, verifier.secrets().clone());
        let verifier = match &route.public_url {
            Some(url) => verifier.public_url(url),
            None => verifier,
        };
        routes.push(Route {
            path: route.path.get_ref().clone(),
            name,
            provider,
            guard_verifier: verifier,
            forward: forward.clone(),
        });
    }
    let forwarder = &config.forwarder;
    let defaults = RetryPolicy::default();
    let retry = RetryPolicy {
        max_attempts: forwarder
            .max_attempts
            .unwrap_or(defaults.max_attempts)
            .max(1),
        base: forwarder
            .retry_base_ms
            .map_or(defaults.base, Duration::from_millis),
        cap: forwarder
            .retry_cap_ms
            .map_or(defaults.cap, Duration::from_millis),
    };
    let concurrency = forwarder.concurrency.unwrap_or(8).max(1);
    let option_defaults = InboxOptions::default();
    let options = InboxOptions {
        retry,
        lease: forwarder
            .lease_ms
            .map_or(option_defaults.lease, Duration::from_millis),
        // A connection per forward in progress, and some for the writer, claims and renewals.
        max_connections: u32::try_from(concurrency)
            .unwrap_or(u32::MAX)
            .saturating_add(8),
        ..option_defaults
    };
    Ok(Checked {
        listen,
        inbox,
        options,
        concurrency,
        timeout: Duration::from_millis(forwarder.timeout_ms.unwrap_or(30_000)),
        routes,
    })
}

/// `env:NAME` or `file:PATH`: a secret is never written in the configuration itself.
fn read_secret(source: &str) -> Result<String, String> {
    if let Some(var) = source.strip_prefix("env:") {
        return std::env::var(var)
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("the environment variable {var} is not set"));
    }
    if let Some(file) = source.strip_prefix("file:") {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
        // A key file's PEM keeps its lines; a one-line secret loses its final newline.
        return Ok(if text.trim_end().contains('\n') {
            text
        } else {
            text.trim_end_matches(['\r', '\n']).to_owned()
        });
    }
    Err("a secret is `env:NAME` or `file:PATH`, never written in the file".into())
}

/// What `/metrics` counts besides the inbox's rows.
#[derive(Default)]
struct Counters {
    forwarded: AtomicU64,
    failed: AtomicU64,
}

#[derive(Clone)]
struct AppState {
    inbox: AnyInbox,
    counters: Arc<Counters>,
}

pub async fn run(args: ServeArgs) -> Result<ExitCode, String> {
    let config = load(&args.config)?;
    let inbox = AnyInbox::connect(&config.inbox, config.options.clone()).await?;
    let counters = Arc::new(Counters::default());
    let state = AppState {
        inbox: inbox.clone(),
        counters: Arc::clone(&counters),
    };
    let mut app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state);
    let mut upstreams = HashMap::new();
    for route in config.routes {
        let guard = inbox.guard(Guard::new(route.guard_verifier));
        // Dropbox checks the endpoint with `GET ?challenge=`, answered by the layer.
        let handler = if route.provider.as_ref().is_some_and(|p| p.name == "dropbox") {
            any(enqueue)
        } else {
            post(enqueue)
        };
        app = app.route(&route.path, handler.layer(WebhookLayer::new(guard)));
        eprintln!("route {} ({}) -> {}", route.path, route.name, route.forward);
        upstreams.insert(route.name, route.forward);
    }
    // The operator's console at /admin, only when ADMIN_TOKEN is set (else /admin is a 404).
    if let Some(console) = Console::from_env().map_err(|e| format!("ADMIN_TOKEN: {e}"))? {
        let console = match &inbox {
            AnyInbox::Sqlite(rows) => console.inbox(rows.clone()),
            AnyInbox::Postgres(rows) => console.inbox(rows.clone()),
        };
        app = app.nest("/admin", console.router());
        eprintln!("operator's console at /admin (ADMIN_TOKEN)");
    }
    let client = reqwest::Client::builder()
        .timeout(config.timeout)
        .build()
        .map_err(|e| format!("the HTTP client: {e}"))?;
    let upstreams = Arc::new(upstreams);
    let worker = inbox.run(config.concurrency, move |delivery| {
        forward(
            client.clone(),
            Arc::clone(&upstreams),
            Arc::clone(&counters),
            delivery,
        )
    });
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    eprintln!("listening on http://{}", config.listen);
    axum::serve(listener, app)
        .with_graceful_shutdown(stop_signal())
        .await
        .map_err(|e| format!("server: {e}"))?;
    // Forwards in progress finish (or their deliveries are given back) before the exit.
    worker.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// One forward: the delivery's body and kept headers, the guard's headers; 2xx or a retry.
async fn forward(
    client: reqwest::Client,
    upstreams: Arc<HashMap<String, String>>,
    counters: Arc<Counters>,
    delivery: InboxDelivery,
) -> Result<(), HandlerError> {
    let Some(url) = upstreams.get(delivery.scheme()) else {
        return Err(format!(
            "no route named {:?} in the configuration (removed?): re-drive it once it is back",
            delivery.scheme()
        )
        .into());
    };
    let mut request = client.post(url).body(delivery.body().clone());
    for (name, value) in delivery.headers() {
        request = request.header(name, value);
    }
    request = request
        .header("Webhook-Guard-Scheme", delivery.scheme())
        .header("Webhook-Guard-Id", delivery.id())
        .header("Idempotency-Key", delivery.dedup_key());
    if let Some(traceparent) = delivery.traceparent() {
        request = request.header("traceparent", traceparent);
    }
    let outcome = match request.send().await {
        Ok(response) if response.status().is_success() => Ok(()),
        Ok(response) => Err(format!("upstream {url} answered {}", response.status())),
        Err(e) => Err(format!("upstream {url}: {e}")),
    };
    match outcome {
        Ok(()) => {
            counters.forwarded.fetch_add(1, Ordering::Relaxed);
            Ok(())
        }
        Err(error) => {
            counters.failed.fetch_add(1, Ordering::Relaxed);
            eprintln!(
                "forward {} {} (attempt {}): {error}",
                delivery.scheme(),
                delivery.id(),
                delivery.attempt()
            );
            Err(error.into())
        }
    }
}

/// Ready when the inbox's database answers.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.inbox.stats().await {
        Ok(_) => (StatusCode::OK, "ready".to_owned()),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("inbox: {e}")),
    }
}

/// The inbox's rows by state and the forwards, in Prometheus' text format.
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let stats = match state.inbox.stats().await {
        Ok(stats) => stats,
        Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, format!("inbox: {e}")),
    };
    let mut text = String::from(
        "# HELP webhook_guard_inbox_rows Inbox rows by state.\n# TYPE webhook_guard_inbox_rows gauge\n",
    );
    for (label, value) in [
        ("pending", stats.pending),
        ("running", stats.running),
        ("done", stats.done),
        ("dead", stats.dead),
    ] {
        text.push_str(&format!(
            "webhook_guard_inbox_rows{{state=\"{label}\"}} {value}\n"
        ));
    }
    text.push_str(&format!(
        "# HELP webhook_guard_inbox_oldest_pending_seconds Age of the oldest delivery not yet forwarded.\n# TYPE webhook_guard_inbox_oldest_pending_seconds gauge\nwebhook_guard_inbox_oldest_pending_seconds {}\n",
        stats.oldest_pending_ms.unwrap_or(0) as f64 / 1000.0
    ));
    for (name, counter, help) in [
        (
            "forwarded",
            &state.counters.forwarded,
            "Forwards the upstream answered 2xx.",
        ),
        (
            "forward_failures",
            &state.counters.failed,
            "Forwards that failed (retried).",
        ),
    ] {
        text.push_str(&format!(
            "# HELP webhook_guard_{name}_total {help}\n# TYPE webhook_guard_{name}_total counter\nwebhook_guard_{name}_total {}\n",
            counter.load(Ordering::Relaxed)
        ));
    }
    (StatusCode::OK, text)
}

/// SIGTERM or Ctrl-C.
async fn stop_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
    eprintln!("stopping: no new deliveries; forwards in progress finish");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> PathBuf {
        let path =
            std::env::temp_dir().join(format!("wg-serve-{}-{name}.toml", std::process::id()));
        std::fs::write(&path, text).unwrap();
        path
    }

    fn error(name: &str, text: &str) -> String {
        load(&write(name, text))
            .err()
            .expect("a configuration error")
    }

    const ROUTE: &str = "[[route]]\npath = \"/webhooks/github\"\nprovider = \"github\"\n";

    #[test]
    fn a_config_error_names_the_file_line_and_key() {
        let missing = error(
            "missing",
            &format!("{ROUTE}secrets = [\"env:WG_TEST_SET\"]\n"),
        );
        assert!(missing.contains("wg-serve-"), "{missing}");
        assert!(missing.contains("missing field `forward`"), "{missing}");

        let typo = error(
            "typo",
            &format!("{ROUTE}secrets = []\nforward = \"http://127.0.0.1:1/\"\nforwrd = 1\n"),
        );
        assert!(typo.contains(":6:1: unknown field `forwrd`"), "{typo}");

        let provider = error(
            "provider",
            "listen = \"127.0.0.1:0\"\n[[route]]\npath = \"/x\"\nprovider = \"gitlab\"\nsecrets = [\"env:A\"]\nforward = \"http://127.0.0.1:1/\"\n",
        );
        assert!(
            provider.contains(":4:12: `provider`: unknown provider \"gitlab\""),
            "{provider}"
        );

        let unset = error(
            "unset",
            &format!(
                "{ROUTE}secrets = [\"env:WG_TEST_NEVER_SET_1\"]\nforward = \"http://127.0.0.1:1/\"\n"
            ),
        );
        assert!(
            unset.contains(
                ":4:12: `secrets`: the environment variable WG_TEST_NEVER_SET_1 is not set"
            ),
            "{unset}"
        );

        let tls = error(
            "tls",
            &format!("{ROUTE}secrets = [\"env:A\"]\nforward = \"https://app.internal/\"\n"),
        );
        assert!(
            tls.contains(":5:11: `forward`: expected an http:// URL"),
            "{tls}"
        );

        let literal = error(
            "literal",
            &format!("{ROUTE}secrets = [\"hunter2\"]\nforward = \"http://127.0.0.1:1/\"\n"),
        );
        assert!(literal.contains("`env:NAME` or `file:PATH`"), "{literal}");
        assert!(!literal.contains("hunter2"), "{literal}");
    }

    #[test]
    fn a_route_can_describe_its_own_scheme() {
        let secret = std::env::temp_dir().join(format!("wg-serve-{}-acme", std::process::id()));
        std::fs::write(&secret, "acme-secret").unwrap();
        let config = "[[route]]\npath = \"/hooks/acme\"\nsecrets = [\"file:SECRET\"]\nforward = \"http://127.0.0.1:1/\"\n\n[route.scheme]\nname = \"acme\"\nsignature_header = \"X-Acme-Signature\"\nformat = \"bare\"\nencoding = \"base64\"\nsigned_content = \"{body}\"\nid = \"body:id\"\n";
        let config = config.replace("SECRET", &secret.display().to_string());
        let checked = load(&write("custom", &config)).unwrap();
        let route = &checked.routes[0];
        assert_eq!(
            (route.name.as_str(), route.provider.is_none()),
            ("acme", true)
        );
        let scheme = route.guard_verifier.scheme().clone();
        let body = br#"{"id":"a1"}"#;
        let headers =
            webhook_guard::Signer::new(scheme.clone(), scheme.secret("acme-secret").unwrap())
                .headers(body, 0, "a1");
        assert_eq!(headers[0].0, "x-acme-signature");
        let delivery = route
            .guard_verifier
            .verify_at(&headers, body.to_vec().into(), 0)
            .unwrap();
        assert_eq!(delivery.id(), "a1");

        let wrong = error(
            "custom-wrong",
            &config.replace("format = \"bare\"", "format = \"naked\""),
        );
        assert!(
            wrong.contains(":9:10: `format`: \"naked\": expected prefixed-hex"),
            "{wrong}"
        );
        let neither = error(
            "neither",
            "[[route]]\npath = \"/x\"\nsecrets = [\"env:A\"]\nforward = \"http://127.0.0.1:1/\"\n",
        );
        assert!(
            neither.contains(":2:8: `provider`: route 1 needs `provider`"),
            "{neither}"
        );
    }

    #[test]
    fn a_good_config_has_its_routes_and_defaults() {
        let secret = std::env::temp_dir().join(format!("wg-serve-{}-secret", std::process::id()));
        std::fs::write(&secret, "s3cret\n").unwrap();
        let checked = load(&write(
            "good",
            &format!(
                "{ROUTE}secrets = [\"file:{}\"]\nforward = \"http://127.0.0.1:1/\"\n[forwarder]\nmax_attempts = 3\n",
                secret.display()
            ),
        ))
        .unwrap();
        assert_eq!(checked.listen, SocketAddr::from(([127, 0, 0, 1], 8787)));
        assert_eq!(checked.inbox, "sqlite://webhook-guard.db");
        assert_eq!(checked.options.retry.max_attempts, 3);
        assert_eq!(checked.routes.len(), 1);
        assert_eq!(checked.routes[0].name, "github");
        // The file's secret, without its newline, verifies what the Signer signs with it.
        let body = br#"{"zen":"x"}"#;
        let scheme = webhook_guard::Scheme::github();
        let headers = webhook_guard::Signer::new(scheme.clone(), scheme.secret("s3cret").unwrap())
            .headers(body, 0, "d1");
        assert!(
            checked.routes[0]
                .guard_verifier
                .verify_at(&headers, body.to_vec().into(), 0)
                .is_ok()
        );
    }
}
