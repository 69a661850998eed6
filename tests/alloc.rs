//! The body is never copied: bytes allocated per verified delivery, at 1 KiB and at 1 MiB.
//!
//! A counting global allocator (this test binary only) counts every byte allocated while one
//! request goes through the axum layer (`tower::ServiceExt::oneshot`, a `Body::from(Bytes)`
//! request: no network) and the actix-web middleware (`test::init_service` + `call_service`),
//! each on a current-thread runtime. A copy of the body anywhere on the way would add at least
//! the body's size per request: the difference between 1 MiB and 1 KiB bodies must stay far
//! below 1 MiB. The handlers also check that the bytes they see are the request's own buffer.
//!
//! One test function in this file, so no other test allocates while it counts.
//! `cargo test --test alloc -- --nocapture` prints the figures.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use webhook_guard::replay::MemoryStore;
use webhook_guard::testing::audit_trail_sample_with_id;
use webhook_guard::{Guard, Scheme, Secret, Signer, Verifier};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static BYTES: AtomicU64 = AtomicU64::new(0);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

impl Counting {
    fn count(size: usize) {
        if COUNTING.load(Ordering::Relaxed) {
            BYTES.fetch_add(size as u64, Ordering::Relaxed);
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; counting touches only
// atomics (it never allocates).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::count(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::count(layout.size());
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (every allocation goes there).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A growing buffer counts its whole new size: an upper bound of what it copies.
        Self::count(new_size);
        // SAFETY: as for `dealloc`; the caller upholds `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f`, counting what it allocates (on any thread) into the totals.
fn counted<T>(f: impl FnOnce() -> T) -> T {
    COUNTING.store(true, Ordering::SeqCst);
    let value = f();
    COUNTING.store(false, Ordering::SeqCst);
    value
}

fn reset() {
    BYTES.store(0, Ordering::SeqCst);
    ALLOCATIONS.store(0, Ordering::SeqCst);
}

const SECRET: &str = "whsec_abc123def456";
const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;
/// Requests sent before counting (lazy initialisation, first moka entries, ...).
const WARM_UP: usize = 8;
/// Requests counted; the figure is the mean.
const MEASURED: usize = 16;
/// What 1 MiB may cost more than 1 KiB per request: a single copy would add 1 MiB.
const BOUND: u64 = 64 * 1024;

/// Where the last handler found its body, to compare with the request's buffer.
static SEEN_AT: AtomicUsize = AtomicUsize::new(0);

/// A signed delivery of exactly `size` bytes with a unique id, and its headers.
struct Signed {
    headers: Vec<(String, String)>,
    body: Bytes,
}

fn deliveries(size: usize, count: usize, run: &str) -> Vec<Signed> {
    let signer = Signer::new(Scheme::audit_trail(), Secret::new(SECRET).unwrap());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    (0..count)
        .map(|n| {
            let id = format!("dlv_{run}_{size}_{n:06}");
            let sample = audit_trail_sample_with_id("event.created", &id).unwrap();
            let head = sample.strip_suffix('}').unwrap();
            let frame = head.len() + r#","padding":""}"#.len();
            let body = format!(r#"{head},"padding":"{}"}}"#, "x".repeat(size - frame));
            assert_eq!(body.len(), size);
            let headers = signer.headers(body.as_bytes(), now, &id);
            Signed {
                headers,
                body: Bytes::from(body),
            }
        })
        .collect()
}

fn guard() -> Guard {
    let secret = Scheme::audit_trail().secret(SECRET).unwrap();
    // These handlers take the raw body, and the route says so: with the default
    // (`typed_events(true)`) verification reads the provider's typed event, which copies its
    // strings, as a typed handler's own parse would.
    let verifier = Verifier::new(Scheme::audit_trail(), [secret]).typed_events(false);
    Guard::new(verifier.body_limit(2 * MIB)).store(MemoryStore::builder().capacity(10_000).build())
}

/// Mean bytes and allocations per request over the measured requests.
#[derive(Debug, Clone, Copy)]
struct PerRequest {
    bytes: f64,
    allocations: f64,
}

/// Sends the deliveries one by one through `send` (which answers the status), counting only
/// the measured ones; checks each was admitted and handled on the request's own buffer.
fn measure(size: usize, run: &str, mut send: impl FnMut(&Signed) -> u16) -> PerRequest {
    let all = deliveries(size, WARM_UP + MEASURED, run);
    reset();
    for (n, delivery) in all.iter().enumerate() {
        SEEN_AT.store(0, Ordering::SeqCst);
        let status = if n < WARM_UP {
            send(delivery)
        } else {
            counted(|| send(delivery))
        };
        assert_eq!(status, 200, "{run} {size} B delivery {n} was not accepted");
        let seen = SEEN_AT.load(Ordering::SeqCst);
        if seen != usize::MAX {
            assert_eq!(
                seen,
                delivery.body.as_ptr() as usize,
                "{run}: the handler saw a copy of the body, not the request's buffer"
            );
        }
    }
    PerRequest {
        bytes: BYTES.load(Ordering::SeqCst) as f64 / MEASURED as f64,
        allocations: ALLOCATIONS.load(Ordering::SeqCst) as f64 / MEASURED as f64,
    }
}

mod axum_side {
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::post;
    use bytes::Bytes;
    use std::sync::atomic::Ordering;
    use tower::ServiceExt as _;
    use webhook_guard::Delivery;
    use webhook_guard::axum::WebhookLayer;

    use super::{PerRequest, SEEN_AT, Signed, guard, measure};

    /// Takes the verified delivery and the body as `Bytes` (axum's extractor), as a receiver that
    /// stores or forwards the raw body would.
    async fn handler(delivery: Delivery, body: Bytes) -> StatusCode {
        let same = body.as_ptr() == delivery.body().as_ptr() && body.len() == delivery.body().len();
        SEEN_AT.store(
            if same { body.as_ptr() as usize } else { 1 },
            Ordering::SeqCst,
        );
        StatusCode::OK
    }

    pub(super) fn run(size: usize) -> PerRequest {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let app = Router::new()
            .route("/hook", post(handler))
            .layer(WebhookLayer::new(guard()));
        measure(size, "axum", |delivery: &Signed| {
            let mut request = Request::post("/hook");
            for (name, value) in &delivery.headers {
                request = request.header(name, value);
            }
            let request = request.body(Body::from(delivery.body.clone())).unwrap();
            let app = app.clone();
            runtime
                .block_on(app.oneshot(request))
                .unwrap()
                .status()
                .as_u16()
        })
    }
}

mod actix_side {
    use std::sync::atomic::Ordering;

    use actix_web::{App, HttpResponse, test, web};
    use webhook_guard::Delivery;
    use webhook_guard::actix::WebhookMiddleware;

    use super::{PerRequest, SEEN_AT, Signed, guard, measure};

    /// Takes the verified delivery: its body is the payload the middleware read.
    async fn handler(delivery: Delivery) -> HttpResponse {
        SEEN_AT.store(delivery.body().as_ptr() as usize, Ordering::SeqCst);
        HttpResponse::Ok().finish()
    }

    /// Also takes actix-web's own `web::Bytes` extractor, which gathers the payload into a
    /// new buffer (actix-web's copy, not the middleware's): reported, not bounded.
    async fn with_bytes(delivery: Delivery, body: web::Bytes) -> HttpResponse {
        assert_eq!(body, delivery.body());
        SEEN_AT.store(usize::MAX, Ordering::SeqCst);
        HttpResponse::Ok().finish()
    }

    pub(super) fn run(size: usize, extractor: bool) -> PerRequest {
        let system = actix_web::rt::System::new();
        let path = if extractor { "/bytes" } else { "/hook" };
        let app = system.block_on(test::init_service(
            App::new()
                .app_data(web::PayloadConfig::new(4 * 1024 * 1024))
                .service(
                    web::resource("/hook")
                        .wrap(WebhookMiddleware::new(guard()))
                        .route(web::post().to(handler)),
                )
                .service(
                    web::resource("/bytes")
                        .wrap(WebhookMiddleware::new(guard()))
                        .route(web::post().to(with_bytes)),
                ),
        ));
        let run = if extractor {
            "actix+web::Bytes"
        } else {
            "actix"
        };
        measure(size, run, |delivery: &Signed| {
            let mut request = test::TestRequest::post().uri(path);
            for (name, value) in &delivery.headers {
                request = request.insert_header((name.as_str(), value.as_str()));
            }
            let request = request.set_payload(delivery.body.clone()).to_request();
            system
                .block_on(test::call_service(&app, request))
                .status()
                .as_u16()
        })
    }
}

#[test]
fn the_body_is_not_copied() {
    let mut failures = Vec::new();
    type Run = fn(usize) -> PerRequest;
    let runs: [(&str, Run, bool); 3] = [
        ("axum layer (Delivery + Bytes)", axum_side::run, true),
        (
            "actix middleware (Delivery)",
            |size| actix_side::run(size, false),
            true,
        ),
        (
            "actix middleware + web::Bytes",
            |size| actix_side::run(size, true),
            false,
        ),
    ];
    eprintln!(
        "bytes allocated per request (mean of {MEASURED}, after {WARM_UP} warm-up requests):"
    );
    for (name, run, bounded) in runs {
        let small = run(KIB);
        let large = run(MIB);
        let extra = large.bytes - small.bytes;
        eprintln!(
            "  {name:32} 1 KiB: {:>9.0} B in {:>5.1} allocations | 1 MiB: {:>9.0} B in {:>5.1} allocations | 1 MiB - 1 KiB: {:>+9.0} B ({:.3} of the body growth){}",
            small.bytes,
            small.allocations,
            large.bytes,
            large.allocations,
            extra,
            extra / (MIB - KIB) as f64,
            if bounded {
                ""
            } else {
                "  [actix-web's extractor, not bounded]"
            },
        );
        if bounded && extra >= BOUND as f64 {
            failures.push(format!(
                "{name}: {extra:.0} B more per request at 1 MiB than at 1 KiB (bound {BOUND} B): the body is copied"
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
