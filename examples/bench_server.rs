//! The receivers `bench/load.sh` puts under load: one binary, one receiver per run, on one
//! thread (a current-thread runtime, or one actix-web worker), so one server is one core.
//!
//! ```text
//! PORT=3000 cargo run --release --features redis --example bench_server -- <mode>
//! ```
//!
//! | mode | receiver on `POST /webhooks/audit-trail` |
//! |---|---|
//! | `axum-bare` | a handler that reads the body as `Bytes` and answers 200: the ceiling |
//! | `axum-layer` | `WebhookLayer` (verify + `MemoryStore` dedup) and a `Verified<AuditTrailEvent>` handler |
//! | `axum-redis` | the same with a `RedisStore` on `REDIS_URL` (needs the `redis` feature) |
//! | `actix-bare` | a handler that reads the body as `web::Bytes` and answers 200 |
//! | `actix-middleware` | `WebhookMiddleware` (verify + `MemoryStore` dedup) and a `Verified<AuditTrailEvent>` handler |
//! | `axum-handwritten` | what a user writes without this crate (module [`handwritten`]): HMAC-SHA256 over `<timestamp>.<body>` compared in constant time, the 5-minute window, the body's envelope parsed with serde, and a moka cache of seen ids |
//!
//! Diagnostic modes, to split the layer's cost (not receivers to deploy):
//!
//! | mode | receiver |
//! |---|---|
//! | `axum-untyped` | `axum-layer` with a handler that answers 200 without parsing the event |
//! | `axum-nostore` | `axum-layer` with a store that answers every claim `Fresh` and remembers nothing (**no dedup**) |
//! | `axum-compact` | `axum-layer` with the `CompactStore` (sharded plain maps) instead of the moka `MemoryStore` |
//! | `axum-floor` | the least a receiver with this crate's contract does, without the crate's layer: the signature checked (pre-keyed HMAC, constant-time compare) and the id claimed and completed in a `MemoryStore` (module [`floor`]): no JSON check, window, limits or telemetry |
//! | `axum-floor-typed` | `axum-floor`, and the body parsed into `AuditTrailEvent` with serde_json |
//! | `axum-mapstore` | `axum-layer` with a `Mutex<HashMap<u128, u8>>` store: atomic claims, no expiry and no bound (a sketch of a cheaper store, not a usable one) |
//!
//! Environment: `PORT` (default 3000, on 127.0.0.1), `AUDIT_TRAIL_SECRET` (default
//! `whsec_abc123def456`), `STORE_CAPACITY` (keys of the `MemoryStore`, default 4,000,000: a
//! load run of unique deliveries holds every key it sends for the whole run, more than the
//! default 1,000,000), `STORE_PREALLOCATE` (`1`: the in-memory stores are sized for that
//! capacity when built, `StoreBuilder::preallocate`; default off), `REDIS_URL`.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hint::black_box;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use webhook_guard::event::AuditTrailEvent;
use webhook_guard::replay::{
    Claim, ClaimToken, KeyHasher, MemoryStore, ReplayKey, ReplayStore, StoreBuilder, StoreError,
    StoreFuture,
};
use webhook_guard::{Scheme, Secret};

const PATH: &str = "/webhooks/audit-trail";

fn main() {
    let mode = std::env::args()
        .nth(1)
        .unwrap_or_else(|| usage("missing mode"));
    let port: u16 = std::env::var("PORT")
        .ok()
        .map_or(3000, |p| p.parse().unwrap_or_else(|_| usage("bad PORT")));
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    match mode.as_str() {
        "axum-bare" | "axum-layer" | "axum-redis" | "axum-untyped" | "axum-nostore"
        | "axum-mapstore" | "axum-compact" | "axum-handwritten" | "axum-floor"
        | "axum-floor-typed" => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("tokio runtime");
            runtime.block_on(axum_server::run(&mode, address));
        }
        "actix-bare" | "actix-middleware" => {
            actix_web::rt::System::new()
                .block_on(actix_server::run(&mode, address))
                .expect("actix-web server");
        }
        other => usage(&format!("unknown mode {other:?}")),
    }
}

fn usage(why: &str) -> ! {
    eprintln!(
        "bench_server: {why}\nusage: PORT=3000 bench_server \
         <axum-bare|axum-layer|axum-handwritten|axum-redis|actix-bare|actix-middleware\
         |axum-untyped|axum-nostore|axum-mapstore|axum-compact>"
    );
    std::process::exit(2)
}

fn secret() -> Secret {
    let secret =
        std::env::var("AUDIT_TRAIL_SECRET").unwrap_or_else(|_| "whsec_abc123def456".to_owned());
    Scheme::audit_trail()
        .secret(&secret)
        .expect("a valid Audit Trail secret")
}

fn memory_store() -> MemoryStore {
    sized(MemoryStore::builder()).build()
}

fn compact_store() -> webhook_guard::replay::CompactStore {
    sized(webhook_guard::replay::CompactStore::builder()).build()
}

/// The store's size from the environment (`STORE_CAPACITY`, `STORE_PREALLOCATE`).
fn sized<S>(builder: StoreBuilder<S>) -> StoreBuilder<S> {
    let capacity = std::env::var("STORE_CAPACITY").ok().map_or(4_000_000, |c| {
        c.parse().unwrap_or_else(|_| usage("bad STORE_CAPACITY"))
    });
    let preallocate = std::env::var("STORE_PREALLOCATE").is_ok_and(|value| value == "1");
    builder.capacity(capacity).preallocate(preallocate)
}

/// What the typed handlers do with the event: look at it, so it is really parsed.
fn touch(event: &AuditTrailEvent) {
    black_box((event.id().len(), event.event_type().len()));
}

/// Diagnostic: every claim is fresh, nothing is remembered (no deduplication at all).
#[derive(Debug)]
struct NoStore;

impl ReplayStore for NoStore {
    fn claim(&self, _: ReplayKey<'_>, _: Duration) -> StoreFuture<'_, Result<Claim, StoreError>> {
        StoreFuture::ready(Ok(Claim::Fresh(ClaimToken::new(0, 0))))
    }
    fn complete(&self, _: &ClaimToken) -> StoreFuture<'_, Result<(), StoreError>> {
        StoreFuture::ready(Ok(()))
    }
    fn release(&self, _: &ClaimToken) -> StoreFuture<'_, Result<(), StoreError>> {
        StoreFuture::ready(Ok(()))
    }
    fn release_detached(&self, _: ClaimToken) {}
}

/// Diagnostic: atomic claims in one `Mutex<HashMap>` (1 = in flight, 2 = done), without
/// expiry, bound or tokens: the cost of a plain map, to compare with the moka store.
/// Keyed like the built-in in-memory stores (a `KeyHasher`).
#[derive(Debug, Default)]
struct MapStore(Mutex<HashMap<u128, u8>>, KeyHasher);

impl ReplayStore for MapStore {
    fn claim(&self, key: ReplayKey<'_>, _: Duration) -> StoreFuture<'_, Result<Claim, StoreError>> {
        let key = self.1.hash(&key);
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let claim = match map.entry(key) {
            Entry::Vacant(slot) => {
                slot.insert(1);
                Claim::Fresh(ClaimToken::new(key, 0))
            }
            Entry::Occupied(slot) if *slot.get() == 2 => Claim::Done,
            Entry::Occupied(_) => Claim::InFlight { lease_left: None },
        };
        StoreFuture::ready(Ok(claim))
    }
    fn complete(&self, claim: &ClaimToken) -> StoreFuture<'_, Result<(), StoreError>> {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.insert(claim.key(), 2);
        StoreFuture::ready(Ok(()))
    }
    fn release(&self, claim: &ClaimToken) -> StoreFuture<'_, Result<(), StoreError>> {
        self.release_detached(claim.clone());
        StoreFuture::ready(Ok(()))
    }
    fn release_detached(&self, claim: ClaimToken) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.remove(&claim.key());
    }
}

/// The baseline a user would write by hand, about 40 lines: the `hmac`, `sha2`, `hex`, `serde`
/// and `moka` crates, Audit Trail's spec followed to the letter (signature over
/// `<timestamp>.<raw body>`, `sha256=<hex>`, 5 minutes old and 1 minute ahead at most, the
/// delivery id header equal to the body's `id`), and a moka cache of the ids seen (with the
/// same retention and capacity as the `MemoryStore`). It has none of the layer's guarantees
/// (an id is marked seen before the handler runs, so a failed delivery is never retried; no
/// body bound, no in-flight state): it is the cost floor a library must beat.
mod handwritten {
    use std::sync::Arc;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    use bytes::Bytes;
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    #[derive(serde::Deserialize)]
    struct Envelope<'a> {
        id: &'a str,
        #[serde(rename = "type")]
        kind: &'a str,
        #[serde(rename = "tenantId")]
        tenant_id: Option<&'a str>,
        data: Box<serde_json::value::RawValue>,
    }

    pub(super) struct Receiver {
        secret: Vec<u8>,
        seen: moka::sync::Cache<String, ()>,
    }

    pub(super) fn receiver(secret: &[u8], capacity: u64) -> Arc<Receiver> {
        let seen = moka::sync::Cache::builder()
            .max_capacity(capacity)
            .time_to_live(Duration::from_secs(24 * 3600))
            .build();
        Arc::new(Receiver {
            secret: secret.to_vec(),
            seen,
        })
    }

    pub(super) async fn receive(
        State(receiver): State<Arc<Receiver>>,
        headers: HeaderMap,
        body: Bytes,
    ) -> (StatusCode, &'static str) {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let (Some(signature), Some(timestamp), Some(id)) = (
            header("x-audit-trail-signature"),
            header("x-audit-trail-timestamp"),
            header("x-audit-trail-delivery-id"),
        ) else {
            return (StatusCode::BAD_REQUEST, "missing header");
        };
        let Some(Ok(expected)) = signature.strip_prefix("sha256=").map(hex::decode) else {
            return (StatusCode::UNAUTHORIZED, "bad signature");
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(&receiver.secret).expect("any key length");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(&body);
        if mac.verify_slice(&expected).is_err() {
            return (StatusCode::UNAUTHORIZED, "bad signature");
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        match timestamp.parse::<i64>() {
            Ok(sent) if now - sent <= 300 && sent - now <= 60 => {}
            _ => return (StatusCode::BAD_REQUEST, "stale"),
        }
        let Ok(event) = serde_json::from_slice::<Envelope<'_>>(&body) else {
            return (StatusCode::BAD_REQUEST, "bad body");
        };
        if event.id != id {
            return (StatusCode::BAD_REQUEST, "id mismatch");
        }
        if !receiver.seen.entry(id.to_owned()).or_insert(()).is_fresh() {
            return (StatusCode::OK, "already processed");
        }
        std::hint::black_box((event.kind, event.tenant_id, event.data.get().len()));
        (StatusCode::OK, "OK")
    }
}

/// Diagnostic floors: the work any receiver with this crate's contract must do, written with
/// the fewest steps, to compare the layer's cost against (not receivers to deploy: no limits,
/// no telemetry, no answers but 200 and 401). `axum-floor` checks the signature (pre-keyed HMAC over
/// `<timestamp>.<body>`, compared in constant time) and claims and completes the delivery id in
/// the default `MemoryStore`; `axum-floor-typed` also parses the body into the typed event with
/// serde_json, as a typed handler gets it. Neither check the body is JSON, the window or the
/// id's binding, so each is below what the layer must do.
mod floor {
    use std::sync::Arc;
    use std::time::Duration;

    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    use bytes::Bytes;
    use hmac::{Hmac, Mac};
    use sha2::Sha256;
    use webhook_guard::event::AuditTrailEvent;
    use webhook_guard::replay::{Claim, MemoryStore, ReplayKey, ReplayStore};

    pub(super) struct Receiver {
        keyed: Hmac<Sha256>,
        store: MemoryStore,
        typed: bool,
    }

    pub(super) fn receiver(secret: &[u8], store: MemoryStore, typed: bool) -> Arc<Receiver> {
        Arc::new(Receiver {
            keyed: Hmac::new_from_slice(secret).expect("any key length"),
            store,
            typed,
        })
    }

    pub(super) async fn receive(
        State(receiver): State<Arc<Receiver>>,
        headers: HeaderMap,
        body: Bytes,
    ) -> StatusCode {
        let header = |name: &str| headers.get(name).map(|v| v.as_bytes());
        let (Some(signature), Some(timestamp), Some(id)) = (
            header("x-audit-trail-signature"),
            header("x-audit-trail-timestamp"),
            header("x-audit-trail-delivery-id"),
        ) else {
            return StatusCode::UNAUTHORIZED;
        };
        let mut expected = [0u8; 32];
        let Some(hex) = signature.strip_prefix(b"sha256=") else {
            return StatusCode::UNAUTHORIZED;
        };
        if const_hex::decode_to_slice(hex, &mut expected).is_err() {
            return StatusCode::UNAUTHORIZED;
        }
        let mut mac = receiver.keyed.clone();
        mac.update(timestamp);
        mac.update(b".");
        mac.update(&body);
        if mac.verify_slice(&expected).is_err() {
            return StatusCode::UNAUTHORIZED;
        }
        let id = std::str::from_utf8(id).unwrap_or_default();
        let window = Duration::from_secs(360);
        let Ok(Claim::Fresh(token)) = receiver
            .store
            .claim(ReplayKey::new("audit-trail", None, id), window)
            .await
        else {
            return StatusCode::OK;
        };
        if receiver.typed {
            let event = serde_json::from_slice::<AuditTrailEvent>(&body);
            std::hint::black_box(event.map(|event| super::touch(&event)).is_ok());
        }
        let _ = receiver.store.complete(&token).await;
        StatusCode::OK
    }
}

mod axum_server {
    use std::net::SocketAddr;

    use axum::Router;
    use axum::http::StatusCode;
    use axum::routing::post;
    use bytes::Bytes;
    use webhook_guard::axum::{Verified, WebhookLayer};
    use webhook_guard::event::AuditTrailEvent;
    use webhook_guard::replay::MemoryStore;
    use webhook_guard::{Guard, Scheme, Verifier};

    use super::{MapStore, NoStore, PATH, compact_store, memory_store, secret, touch};

    async fn bare(body: Bytes) -> (StatusCode, &'static str) {
        std::hint::black_box(body.len());
        (StatusCode::OK, "OK")
    }

    async fn typed(Verified(event): Verified<AuditTrailEvent>) -> (StatusCode, &'static str) {
        touch(&event);
        (StatusCode::OK, "OK")
    }

    async fn untyped() -> (StatusCode, &'static str) {
        (StatusCode::OK, "OK")
    }

    pub(super) async fn run(mode: &str, address: SocketAddr) {
        let guard = || Guard::new(Verifier::new(Scheme::audit_trail(), [secret()]));
        let app = match mode {
            "axum-bare" => Router::new().route(PATH, post(bare)),
            "axum-layer" => Router::new()
                .route(PATH, post(typed))
                .layer(WebhookLayer::new(guard().store(memory_store()))),
            "axum-untyped" => Router::new()
                .route(PATH, post(untyped))
                .layer(WebhookLayer::new(
                    Guard::new(
                        Verifier::new(Scheme::audit_trail(), [secret()]).typed_events(false),
                    )
                    .store(memory_store()),
                )),
            "axum-nostore" => Router::new()
                .route(PATH, post(typed))
                .layer(WebhookLayer::new(guard().store(NoStore))),
            "axum-mapstore" => Router::new()
                .route(PATH, post(typed))
                .layer(WebhookLayer::new(guard().store(MapStore::default()))),
            "axum-handwritten" => {
                let capacity = super::sized(MemoryStore::builder()).build().capacity();
                let receiver = super::handwritten::receiver(secret().expose(), capacity);
                Router::new()
                    .route(PATH, post(super::handwritten::receive))
                    .with_state(receiver)
            }
            "axum-floor" | "axum-floor-typed" => {
                let receiver = super::floor::receiver(
                    secret().expose(),
                    memory_store(),
                    mode == "axum-floor-typed",
                );
                Router::new()
                    .route(PATH, post(super::floor::receive))
                    .with_state(receiver)
            }
            "axum-compact" => Router::new()
                .route(PATH, post(typed))
                .layer(WebhookLayer::new(guard().store(compact_store()))),
            _ => Router::new()
                .route(PATH, post(typed))
                .layer(WebhookLayer::new(guard().store(redis_store().await))),
        };
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .expect("bind the port");
        eprintln!("bench_server {mode} listening on http://{address}{PATH}");
        axum::serve(listener, app).await.expect("axum server");
    }

    #[cfg(feature = "redis")]
    async fn redis_store() -> webhook_guard::replay::RedisStore {
        let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
        webhook_guard::replay::RedisStore::builder(url)
            .connect()
            .await
            .expect("connect to REDIS_URL")
    }

    #[cfg(not(feature = "redis"))]
    async fn redis_store() -> webhook_guard::replay::MemoryStore {
        super::usage("axum-redis needs `--features redis`")
    }
}

mod actix_server {
    use std::net::SocketAddr;

    use actix_web::{App, HttpResponse, HttpServer, web};
    use webhook_guard::actix::{Verified, WebhookMiddleware};
    use webhook_guard::event::AuditTrailEvent;
    use webhook_guard::{Guard, Scheme, Verifier};

    use super::{PATH, memory_store, secret, touch};

    async fn bare(body: web::Bytes) -> HttpResponse {
        std::hint::black_box(body.len());
        HttpResponse::Ok().body("OK")
    }

    async fn typed(Verified(event): Verified<AuditTrailEvent>) -> HttpResponse {
        touch(&event);
        HttpResponse::Ok().body("OK")
    }

    pub(super) async fn run(mode: &str, address: SocketAddr) -> std::io::Result<()> {
        eprintln!("bench_server {mode} listening on http://{address}{PATH}");
        if mode == "actix-bare" {
            return HttpServer::new(|| App::new().route(PATH, web::post().to(bare)))
                .workers(1)
                .shutdown_timeout(1)
                .bind(address)?
                .run()
                .await;
        }
        // Built once outside the factory: one store for the (single) worker.
        let middleware = WebhookMiddleware::new(
            Guard::new(Verifier::new(Scheme::audit_trail(), [secret()])).store(memory_store()),
        );
        HttpServer::new(move || {
            App::new().service(
                web::resource(PATH)
                    .wrap(middleware.clone())
                    .route(web::post().to(typed)),
            )
        })
        .workers(1)
        .shutdown_timeout(1)
        .bind(address)?
        .run()
        .await
    }
}
