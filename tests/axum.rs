//! axum- and tower-specific behaviour of the layer (the shared table is in conformance.rs).

mod common;

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{Request, Response, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use common::axum_app::serve;
use common::conformance::{Req, send};
use common::{AUDIT_TRAIL_SECRET, AppConfig, audit_trail_secret};
use tower::{ServiceBuilder, ServiceExt};
use webhook_guard::axum::{Verified, WebhookLayer};
use webhook_guard::event::AuditTrailEvent;
use webhook_guard::replay::MemoryStore;
use webhook_guard::signature::SecretSet;
use webhook_guard::{Delivery, Guard, Rejection, ResolveError, Scheme, SecretQuery, Verifier};

fn guard() -> Guard {
    Guard::new(Verifier::new(Scheme::audit_trail(), [audit_trail_secret()]))
}

fn layer() -> WebhookLayer {
    WebhookLayer::new(guard())
}

fn signed_request(req: &Req) -> Request<Body> {
    let (headers, body) = req.build();
    let mut builder = Request::post("/webhooks/audit-trail");
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    builder.body(Body::from(body)).unwrap()
}

#[tokio::test]
async fn extractor_without_the_layer_is_a_clear_500() {
    async fn handler(Verified(_event): Verified<AuditTrailEvent>) -> &'static str {
        "unreachable"
    }
    async fn meta(_delivery: Delivery) -> &'static str {
        "unreachable"
    }
    let app = Router::new()
        .route("/typed", post(handler))
        .route("/meta", post(meta));
    for path in ["/typed", "/meta"] {
        let response = app
            .clone()
            .oneshot(Request::post(path).body(Body::from("{}")).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains("add WebhookLayer"), "{text}");
    }
}

#[tokio::test]
async fn the_handler_reads_the_same_bytes_with_any_extractor() {
    async fn raw(delivery: Delivery, body: Bytes) -> Bytes {
        assert_eq!(&body, delivery.body());
        body
    }
    async fn json(Json(value): Json<serde_json::Value>) -> String {
        value["id"].as_str().unwrap_or_default().to_owned()
    }
    async fn text(body: String) -> String {
        body
    }
    // Router-level `.layer` over several routes, and `.route_layer`.
    let app = Router::new()
        .route("/raw", post(raw))
        .route("/text", post(text))
        .layer(layer())
        .merge(
            Router::new()
                .route("/json", post(json))
                .route_layer(layer()),
        );
    for (path, id) in [
        ("/raw", "whd_raw"),
        ("/text", "whd_text"),
        ("/json", "whd_json"),
    ] {
        let req = Req::audit(id);
        let (_, sent) = req.build();
        let mut request = signed_request(&req);
        *request.uri_mut() = path.parse().unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        if path == "/json" {
            assert_eq!(&body[..], id.as_bytes());
        } else {
            // Byte for byte what was sent (and signed): not a re-serialised copy.
            assert_eq!(&body[..], &sent[..], "{path}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_copies_run_the_handler_once() {
    let config = AppConfig::in_memory();
    let (base_url, _server) = serve(common::axum_app::router(&config)).await;
    let client = reqwest::Client::new();
    let req = Req::audit("whd_concurrent");
    let answers = futures::future::join_all((0..50).map(|_| send(&client, &base_url, &req))).await;
    let statuses: Vec<u16> = answers
        .into_iter()
        .map(|a| a.expect("answered").0)
        .collect();
    assert_eq!(config.state.runs("whd_concurrent"), 1, "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    assert!(statuses.contains(&200));
}

/// A handler that never answers, cancelled by a timeout layer outside ours: the claim is
/// released with the dropped future, so the retry runs the handler.
#[tokio::test]
async fn a_timed_out_handler_leaves_the_delivery_retryable() {
    let calls = Arc::new(AtomicUsize::new(0));
    async fn hang(State(calls): State<Arc<AtomicUsize>>) -> StatusCode {
        if calls.fetch_add(1, Ordering::SeqCst) == 0 {
            std::future::pending::<()>().await;
        }
        StatusCode::OK
    }
    let store = MemoryStore::new();
    let app = Router::new()
        .route("/webhooks/audit-trail", post(hang))
        .with_state(Arc::clone(&calls))
        .layer(WebhookLayer::new(guard().store(store.clone())));
    let app = ServiceBuilder::new()
        .layer(tower::timeout::TimeoutLayer::new(Duration::from_millis(
            100,
        )))
        .service(app);
    let first = app
        .clone()
        .oneshot(signed_request(&Req::audit("whd_timeout")))
        .await;
    assert!(
        first.is_err(),
        "the timeout layer cancelled the first attempt"
    );
    let retry = app
        .clone()
        .oneshot(signed_request(&Req::audit("whd_timeout")))
        .await
        .unwrap();
    assert_eq!(retry.status(), StatusCode::OK);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // And the retry was recorded as done.
    let again = app
        .oneshot(signed_request(&Req::audit("whd_timeout")))
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(store.entry_count(), 1);
}

/// The client goes away mid-handler: the server drops the response future, and the claim with
/// it. Simulated at the tower level by dropping the future while the handler waits.
#[tokio::test]
async fn a_dropped_response_future_releases_the_claim() {
    let entered = Arc::new(tokio::sync::Notify::new());
    let calls = Arc::new(AtomicUsize::new(0));
    let service = {
        let (entered, calls) = (Arc::clone(&entered), Arc::clone(&calls));
        ServiceBuilder::new()
            .layer(layer())
            .service_fn(move |_req: Request<Body>| {
                let (entered, calls) = (Arc::clone(&entered), Arc::clone(&calls));
                async move {
                    if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                        entered.notify_one();
                        std::future::pending::<()>().await;
                    }
                    Ok::<_, Infallible>(Response::new(Body::empty()))
                }
            })
    };
    let first = tokio::spawn(
        service
            .clone()
            .oneshot(signed_request(&Req::audit("whd_gone"))),
    );
    entered.notified().await;
    // While the first attempt runs, a copy is told to come back later.
    let busy = service
        .clone()
        .oneshot(signed_request(&Req::audit("whd_gone")))
        .await
        .unwrap();
    assert_eq!(busy.status(), StatusCode::CONFLICT);
    assert!(busy.headers().contains_key("retry-after"));
    first.abort();
    assert!(first.await.unwrap_err().is_cancelled());
    let retry = service
        .oneshot(signed_request(&Req::audit("whd_gone")))
        .await
        .unwrap();
    assert_eq!(retry.status(), StatusCode::OK);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

/// `Content-Length` above the limit is refused before a byte is read: the body here never ends.
#[tokio::test]
async fn an_announced_oversized_body_is_refused_without_reading_it() {
    let service = ServiceBuilder::new()
        .layer(WebhookLayer::new(guard().body_limit(1024)))
        .service_fn(|_req: Request<Body>| async {
            Ok::<_, Infallible>(Response::new(Body::empty()))
        });
    let endless = Body::from_stream(futures::stream::pending::<Result<Bytes, Infallible>>());
    // A plausible head (signed, for another body): the body is looked at only after the head.
    let plausible = |request: http::request::Builder| {
        let (headers, _) = Req::audit("whd_big").build();
        headers.into_iter().fold(request, |request, (name, value)| {
            request.header(name, value)
        })
    };
    let request = plausible(Request::post("/"))
        .header("content-length", "4096")
        .body(endless)
        .unwrap();
    let response = tokio::time::timeout(Duration::from_secs(2), service.clone().oneshot(request))
        .await
        .expect("answered without reading the body")
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Without Content-Length, reading stops at the first chunk past the limit, even though the
    // stream would go on forever.
    let chunks = futures::stream::repeat_with(|| Ok::<_, Infallible>(Bytes::from(vec![b' '; 512])));
    let request = plausible(Request::post("/"))
        .body(Body::from_stream(chunks))
        .unwrap();
    let response = tokio::time::timeout(Duration::from_secs(2), service.oneshot(request))
        .await
        .expect("stopped reading at the limit")
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

/// A body type other than axum's: the layer is generic over `http_body::Body`.
#[tokio::test]
async fn works_with_any_body_type() {
    use http_body_util::Full;
    let service =
        ServiceBuilder::new()
            .layer(layer())
            .service_fn(|req: Request<Full<Bytes>>| async move {
                let delivery = req
                    .extensions()
                    .get::<Delivery>()
                    .cloned()
                    .expect("delivery in extensions");
                Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(
                    delivery.id().to_owned(),
                ))))
            });
    let (headers, body) = Req::audit("whd_full").build();
    let mut builder = Request::post("/");
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    let response = service
        .oneshot(builder.body(Full::new(Bytes::from(body))).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert_eq!(&body[..], b"whd_full");
}

#[tokio::test]
async fn rejections_can_be_shaped_by_the_user() {
    let app = Router::new()
        .route("/webhooks/audit-trail", post(|| async { "OK" }))
        .layer(layer().on_rejection(|rejection: &Rejection| {
            Response::builder()
                .status(rejection.status())
                .header("content-type", "application/json")
                .body(Body::from(format!(r#"{{"error":"{}"}}"#, rejection.code())))
                .unwrap()
        }));
    let response = app
        .oneshot(signed_request(&Req::audit("whd_x").tampered()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap();
    assert_eq!(&body[..], br#"{"error":"invalid_signature"}"#);
}

#[tokio::test]
async fn the_default_rejection_is_short_and_leaks_nothing() {
    let app = Router::new()
        .route("/webhooks/audit-trail", post(|| async { "OK" }))
        .layer(layer());
    let req = Req::audit("whd_leak").wrong_secret();
    // The signature that would have been right, for the same body and time.
    let (right, _) = Req::audit("whd_leak").build();
    let response = app.oneshot(signed_request(&req)).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, 1024).await.unwrap();
    assert_eq!(&body[..], b"invalid signature");
    let everything = format!("{:?} {}", parts.headers, String::from_utf8_lossy(&body));
    assert!(!everything.contains(AUDIT_TRAIL_SECRET));
    let expected_hex = &right[0].1["sha256=".len()..];
    assert!(!everything.contains(expected_hex));
}

/// Many tenants on one route: the secret is chosen by a path parameter.
#[tokio::test]
async fn per_tenant_secrets_from_the_path() {
    let tenants = Arc::new(std::collections::HashMap::from([(
        "tenant-001".to_owned(),
        SecretSet::new([audit_trail_secret()]),
    )]));
    let guard = guard().secret_resolver(move |query: SecretQuery| {
        let tenants = Arc::clone(&tenants);
        async move {
            let tenant = query.path.rsplit('/').next().unwrap_or_default().to_owned();
            if tenant == "broken" {
                return Err(ResolveError("tenant database down".into()));
            }
            Ok(tenants.get(&tenant).cloned())
        }
    });
    let app = Router::new()
        .route("/webhooks/{tenant}", post(|| async { "OK" }))
        .layer(WebhookLayer::new(guard));
    for (tenant, status) in [("tenant-001", 200), ("tenant-999", 401), ("broken", 503)] {
        let mut request = signed_request(&Req::audit(&format!("whd_{tenant}")));
        *request.uri_mut() = format!("/webhooks/{tenant}").parse().unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{tenant}");
    }
}
