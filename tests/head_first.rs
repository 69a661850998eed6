//! The head is checked before the body, repeated security headers are refused, the body budget
//! and the body timeouts hold: on both adapters (issue 17).

mod common;

use std::convert::Infallible;
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, web};
use axum::body::{Body, Bytes};
use axum::http::{Request, Response};
use axum::routing::post;
use common::conformance::Req;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::{ServiceBuilder, ServiceExt};
use webhook_guard::limits::{BodyBudget, BodyTimeouts};
use webhook_guard::{Guard, Scheme, Verifier};

/// The conformance guard (Audit Trail, the test secret), with `change` applied.
fn guard(change: impl FnOnce(Guard) -> Guard) -> Guard {
    change(Guard::new(Verifier::new(
        Scheme::audit_trail(),
        [common::audit_trail_secret()],
    )))
}

/// A delivery's headers and body, with `extra` headers appended.
fn delivery(id: &str, extra: &[(&str, &str)]) -> (Vec<(String, String)>, Vec<u8>) {
    let (mut headers, body) = Req::audit(id).build();
    headers.extend(
        extra
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
    );
    (headers, body)
}

/// What each adapter answers to one request (head, body), as (status, `Retry-After`).
async fn answers(
    guard: &Guard,
    headers: &[(String, String)],
    body: Body,
    actix_body: Option<Vec<u8>>,
) -> [(u16, Option<String>); 2] {
    let service = ServiceBuilder::new()
        .layer(webhook_guard::axum::WebhookLayer::new(guard.clone()))
        .service_fn(|_req: Request<Body>| async {
            Ok::<_, Infallible>(Response::new(Body::from("OK")))
        });
    let mut request = Request::post("/webhooks/audit-trail");
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = tokio::time::timeout(
        Duration::from_secs(5),
        service.oneshot(request.body(body).unwrap()),
    )
    .await
    .expect("the axum layer answers")
    .unwrap();
    let axum = (
        response.status().as_u16(),
        response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned()),
    );

    let app = actix_web::test::init_service(
        App::new().service(
            web::resource("/webhooks/audit-trail")
                .wrap(webhook_guard::actix::WebhookMiddleware::new(guard.clone()))
                .route(web::post().to(|| async { HttpResponse::Ok().body("OK") })),
        ),
    )
    .await;
    let mut request = actix_web::test::TestRequest::post().uri("/webhooks/audit-trail");
    for (name, value) in headers {
        request = request.append_header((name.as_str(), value.as_str()));
    }
    let request = match actix_body {
        Some(bytes) => request.set_payload(bytes).to_request(),
        None => {
            // A body that never comes.
            let request = request.to_request();
            let never = futures::stream::pending::<
                Result<actix_web::web::Bytes, actix_web::error::PayloadError>,
            >();
            let never: actix_http::BoxedPayloadStream = Box::pin(never);
            let (request, _) = request.replace_payload(actix_http::Payload::from(never));
            request
        }
    };
    let response = tokio::time::timeout(
        Duration::from_secs(5),
        actix_web::test::call_service(&app, request),
    )
    .await
    .expect("the actix middleware answers");
    let actix = (
        response.status().as_u16(),
        response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned()),
    );
    [axum, actix]
}

fn never_ending() -> Body {
    Body::from_stream(futures::stream::pending::<Result<Bytes, Infallible>>())
}

#[actix_web::test]
async fn a_repeated_security_header_is_refused_before_the_body() {
    let guard = guard(|g| g);
    let (valid, body) = delivery("whd_repeated", &[]);
    assert_eq!(
        answers(&guard, &valid, Body::from(body.clone()), Some(body.clone())).await,
        [(200, None), (200, None)]
    );
    for name in [
        "X-Audit-Trail-Signature",
        "X-Audit-Trail-Timestamp",
        "X-Audit-Trail-Delivery-Id",
    ] {
        let original = valid
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .expect("the signer sends it");
        // The valid copy first, then another; and the other way round.
        let mut first_valid = valid.clone();
        first_valid.push((name.to_owned(), "sha256=00".to_owned()));
        let mut last_valid: Vec<_> = valid
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case(name))
            .cloned()
            .collect();
        last_valid.push((name.to_owned(), "1".to_owned()));
        last_valid.push((name.to_owned(), original));
        for headers in [first_valid, last_valid] {
            // The body never comes: the answer is decided on the head.
            assert_eq!(
                answers(&guard, &headers, never_ending(), None).await,
                [(400, None), (400, None)],
                "{name} twice"
            );
        }
    }
}

#[actix_web::test]
async fn an_unsigned_or_stale_head_is_refused_without_reading_the_body() {
    let guard = guard(|g| g);
    let unsigned = vec![("content-length".to_owned(), "1048576".to_owned())];
    assert_eq!(
        answers(&guard, &unsigned, never_ending(), None).await,
        [(401, None), (401, None)]
    );
    let (stale, _) = Req::audit("whd_stale").at(-3600).build();
    assert_eq!(
        answers(&guard, &stale, never_ending(), None).await,
        [(400, None), (400, None)]
    );
    let (headers, _) = delivery("whd_no_id", &[]);
    let without_id: Vec<_> = headers
        .into_iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("x-audit-trail-delivery-id"))
        .collect();
    // Audit Trail's id header is required (the body's id must match it): refused on the head.
    assert_eq!(
        answers(&guard, &without_id, never_ending(), None).await,
        [(400, None), (400, None)]
    );
}

#[actix_web::test]
async fn past_the_budget_a_body_is_refused_503_before_it_is_read() {
    let budget = BodyBudget::new(4096);
    let guard = guard(|g| g.body_budget(budget.clone()));
    let (headers, body) = delivery("whd_budget", &[]);
    let mut announced = headers.clone();
    announced.push(("content-length".to_owned(), "8000".to_owned()));
    // Under the body limit (1 MiB), over the budget (4 KiB): 503, Retry-After 5, never read.
    assert_eq!(
        answers(&guard, &announced, never_ending(), None).await,
        [(503, Some("5".to_owned())), (503, Some("5".to_owned()))]
    );
    assert_eq!(budget.in_use(), 0, "nothing held after the answer");
    // A delivery that fits is admitted, and gives its share back.
    assert_eq!(
        answers(&guard, &headers, Body::from(body.clone()), Some(body)).await,
        [(200, None), (200, None)]
    );
    assert_eq!(budget.in_use(), 0);
}

#[actix_web::test]
async fn a_body_slower_than_the_minimum_rate_is_cut_with_408() {
    let timeouts = BodyTimeouts::default().min_rate(1024, Duration::from_millis(200));
    let guard = guard(|g| g.body_timeouts(timeouts));
    let (headers, _) = delivery("whd_slow", &[]);
    let started = Instant::now();
    assert_eq!(
        answers(&guard, &headers, never_ending(), None).await,
        [(408, None), (408, None)]
    );
    // Two adapters, 200 ms each (plus scheduling): far from the 30 s total deadline.
    assert!(started.elapsed() < Duration::from_secs(3));
}

/// hyper sends `100 Continue` when the layer starts reading the body: never for a head that
/// is refused.
#[tokio::test]
async fn no_100_continue_for_a_refused_head_on_axum() {
    let app = axum::Router::new().route(
        "/webhooks/audit-trail",
        post(|| async { "OK" }).layer(webhook_guard::axum::WebhookLayer::new(guard(|g| g))),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let exchange = |extra: Vec<(String, String)>| async move {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut head = format!(
            "POST /webhooks/audit-trail HTTP/1.1\r\nhost: {addr}\r\ncontent-length: 2\r\nexpect: 100-continue\r\n"
        );
        for (name, value) in extra {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut answer = vec![0; 1024];
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
            .await
            .expect("an answer to the head alone")
            .unwrap();
        String::from_utf8_lossy(&answer[..n]).into_owned()
    };
    let refused = exchange(Vec::new()).await;
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
    // A plausible head gets `100 Continue`: the layer then reads the body.
    let (headers, _) = delivery("whd_continue", &[]);
    let continued = exchange(headers).await;
    assert!(
        continued.starts_with("HTTP/1.1 100 Continue"),
        "{continued}"
    );
}
