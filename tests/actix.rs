//! actix-web specifics, over real HTTP: extractors without the middleware, the payload put back
//! for `web::Bytes`/`web::Json`, concurrency, client disconnects, rejection mapping, and the
//! body limit on a chunked payload.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use actix_web::dev::Service;
use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, test, web};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use webhook_guard::actix::{Verified, WebhookMiddleware};
use webhook_guard::testing::audit_trail_sample_with_id;
use webhook_guard::time::{Clock, SystemClock};
use webhook_guard::{Delivery, Rejection, Scheme, Signer};

use common::actix_app::{self, Options};
use common::conformance::{BODY_LIMIT, Req, send};
use common::{AppConfig, RunningApp};

const WAIT: Duration = Duration::from_secs(10);

/// The conformance receiver with non-default server options.
async fn spawn(options: Options) -> RunningApp {
    let config = AppConfig::in_memory();
    let server = actix_app::serve(options, actix_app::routes(&config)).await;
    RunningApp {
        base_url: server.base_url.clone(),
        state: config.state,
        stop: Box::new(server),
    }
}

/// A signed Audit Trail delivery with `body` as is.
fn signed(body: &[u8], id: &str) -> Vec<(String, String)> {
    let mut headers = Signer::new(Scheme::audit_trail(), common::audit_trail_secret()).headers(
        body,
        SystemClock.now_unix(),
        id,
    );
    headers.push(("content-type".into(), "application/json".into()));
    headers
}

async fn post(
    base_url: &str,
    path: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(format!("{base_url}{path}"))
        .body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    request.timeout(WAIT).send().await.expect("an answer")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extractors_without_the_middleware_answer_500_not_a_panic() {
    async fn delivery(delivery: Delivery) -> HttpResponse {
        HttpResponse::Ok().body(delivery.id().to_owned())
    }
    async fn verified(Verified(value): Verified<serde_json::Value>) -> HttpResponse {
        HttpResponse::Ok().body(value.to_string())
    }
    let server = actix_app::serve(Options::default(), |cfg: &mut web::ServiceConfig| {
        cfg.route("/delivery", web::post().to(delivery))
            .route("/verified", web::post().to(verified));
    })
    .await;
    let (headers, body) = Req::audit("whd_no_mw").build();
    // Twice each: the server is still there after the first answer.
    for path in ["/delivery", "/verified", "/delivery", "/verified"] {
        let response = post(&server.base_url, path, &headers, body.clone()).await;
        assert_eq!(response.status(), 500, "{path}");
        let text = response.text().await.unwrap();
        assert!(
            text.contains("no verified delivery") && text.contains("WebhookMiddleware"),
            "{path}: {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_still_extract_the_same_bytes_and_json() {
    async fn bytes(delivery: Delivery, body: web::Bytes) -> HttpResponse {
        let same = body == *delivery.body();
        HttpResponse::Ok()
            .insert_header(("x-same", same.to_string()))
            .body(body)
    }
    async fn json(
        delivery: Delivery,
        web::Json(value): web::Json<serde_json::Value>,
    ) -> HttpResponse {
        let same = value == delivery.parse::<serde_json::Value>().unwrap();
        HttpResponse::Ok()
            .insert_header(("x-same", same.to_string()))
            .body(value.to_string())
    }
    let config = AppConfig::in_memory();
    let (guard, _) = config.guards();
    let server = actix_app::serve(Options::default(), move |cfg: &mut web::ServiceConfig| {
        let middleware = WebhookMiddleware::new(guard.clone());
        cfg.service(
            web::resource("/bytes")
                .wrap(middleware.clone())
                .route(web::post().to(bytes)),
        )
        .service(
            web::resource("/json")
                .wrap(middleware)
                .route(web::post().to(json)),
        );
    })
    .await;

    for (path, id) in [("/bytes", "whd_bytes"), ("/json", "whd_json")] {
        // Pretty-printed with a trailing newline: any re-serialisation would change the bytes.
        let sample: serde_json::Value =
            serde_json::from_str(&audit_trail_sample_with_id("event.created", id).unwrap())
                .unwrap();
        let body = format!("{}\n", serde_json::to_string_pretty(&sample).unwrap()).into_bytes();
        let response = post(&server.base_url, path, &signed(&body, id), body.clone()).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["x-same"], "true", "{path}");
        let echoed = response.bytes().await.unwrap();
        if path == "/bytes" {
            assert_eq!(echoed, body, "the handler saw other bytes than were sent");
        } else {
            assert_eq!(
                serde_json::from_slice::<serde_json::Value>(&echoed).unwrap(),
                sample
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_copies_run_the_handler_once() {
    let app = spawn(Options {
        workers: 4,
        ..Options::default()
    })
    .await;
    let id = "slow_fifty";
    let (headers, body) = Req::audit(id).build();
    let copies: Vec<_> = (0..50)
        .map(|_| {
            let (base_url, headers, body) = (app.base_url.clone(), headers.clone(), body.clone());
            tokio::spawn(async move {
                post(&base_url, "/webhooks/audit-trail", &headers, body)
                    .await
                    .status()
                    .as_u16()
            })
        })
        .collect();
    tokio::time::timeout(WAIT, app.state.entered(id))
        .await
        .expect("one copy reached the handler");
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.state.release(id);
    let mut statuses = std::collections::BTreeMap::<u16, u32>::new();
    for copy in copies {
        *statuses.entry(copy.await.unwrap()).or_default() += 1;
    }
    eprintln!("50 copies: {statuses:?}");
    assert!(
        statuses.keys().all(|s| matches!(s, 200 | 409)),
        "{statuses:?}"
    );
    assert!(statuses.get(&200).is_some_and(|&n| n >= 1), "{statuses:?}");
    assert_eq!(app.state.attempts(id), 1);
    assert_eq!(app.state.runs(id), 1);
}

/// Sends `id` with a client timeout shorter than the handler; returns once the client gave up.
async fn send_and_give_up(app: &RunningApp, id: &str) {
    let (headers, body) = Req::audit(id).build();
    let mut request = reqwest::Client::new()
        .post(format!("{}/webhooks/audit-trail", app.base_url))
        .body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let first = tokio::spawn(request.timeout(Duration::from_millis(300)).send());
    tokio::time::timeout(WAIT, app.state.entered(id))
        .await
        .expect("the handler started");
    assert!(
        first.await.unwrap().unwrap_err().is_timeout(),
        "the client gave up"
    );
}

/// What actix-web does by default: HTTP/1 half-closed connections are allowed, so a client that
/// goes away does not cancel the handler. Its future keeps running and keeps the claim: retries
/// get 409 with `Retry-After` until it finishes, then its own status decides (here 200: later
/// retries get "already processed"). The delivery is still handled exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_disconnect_leaves_the_handler_running_by_default() {
    let app = spawn(Options::default()).await;
    let client = reqwest::Client::new();
    let id = "slow_gone";
    send_and_give_up(&app, id).await;

    tokio::time::sleep(Duration::from_millis(300)).await;
    let retry = send(&client, &app.base_url, &Req::audit(id))
        .await
        .expect("an answer");
    assert_eq!(
        (retry.0, retry.1),
        (409, true),
        "still in flight: {retry:?}"
    );

    app.state.release(id);
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (status, _, text) = send(&client, &app.base_url, &Req::audit(id))
            .await
            .expect("an answer");
        if status == 200 {
            assert_eq!(text, "already processed");
            break;
        }
        assert_eq!(status, 409);
        assert!(
            tokio::time::Instant::now() < deadline,
            "the first attempt never finished"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(app.state.attempts(id), 1);
    assert_eq!(app.state.runs(id), 1);
}

/// With `h1_allow_half_closed(false)`, actix-web drops the connection, and with it the handler's
/// future, as soon as the client goes away: the claim is released and the retry is admitted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_disconnect_releases_the_claim_when_actix_drops_the_handler() {
    let app = spawn(Options {
        h1_allow_half_closed: false,
        ..Options::default()
    })
    .await;
    let id = "slow_dropped";
    send_and_give_up(&app, id).await;

    let retry = |app: &RunningApp| {
        let (client, base_url) = (reqwest::Client::new(), app.base_url.clone());
        tokio::spawn(async move { send(&client, &base_url, &Req::audit(id)).await })
    };
    // Until actix has seen the EOF the first attempt may still hold the claim (409).
    let mut attempt = retry(&app);
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let admitted = tokio::select! {
            _ = app.state.entered(id) => true,
            got = &mut attempt => {
                let got = got.unwrap();
                assert!(got.as_ref().is_some_and(|g| g.0 == 409), "{got:?}");
                false
            }
        };
        if admitted {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the claim was never released"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        attempt = retry(&app);
    }
    app.state.release(id);
    let got = attempt.await.unwrap().expect("an answer");
    assert_eq!(got.0, 200, "{got:?}");
    assert_eq!(app.state.attempts(id), 2, "the retry reached the handler");
    assert_eq!(app.state.runs(id), 1);
}

/// The middleware's future owns the claim: dropping it (what actix does to a cancelled
/// connection) releases the delivery at once.
#[actix_web::test]
async fn dropping_the_response_future_releases_the_claim() {
    let config = AppConfig::in_memory();
    let state = Arc::clone(&config.state);
    let app = test::init_service(App::new().configure(actix_app::routes(&config))).await;
    let id = "slow_future";
    let request = || {
        let (headers, body) = Req::audit(id).build();
        let mut request = test::TestRequest::post()
            .uri("/webhooks/audit-trail")
            .set_payload(body);
        for (name, value) in headers {
            request = request.insert_header((name, value));
        }
        request.to_request()
    };

    let mut first = Box::pin(app.call(request()));
    tokio::select! {
        _ = &mut first => panic!("the slow handler answered before it was released"),
        _ = state.entered(id) => {}
    }
    drop(first);

    let mut second = Box::pin(app.call(request()));
    tokio::select! {
        _ = &mut second => panic!("the retry was not admitted"),
        _ = state.entered(id) => {}
    }
    state.release(id);
    let response = second.await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(state.attempts(id), 2);
    assert_eq!(state.runs(id), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_rejection_mapper_shapes_every_rejection() {
    let config = AppConfig::in_memory();
    let (guard, _) = config.guards();
    let state = web::Data::from(Arc::clone(&config.state));
    let server = actix_app::serve(Options::default(), move |cfg: &mut web::ServiceConfig| {
        let middleware =
            WebhookMiddleware::new(guard.clone()).on_rejection(|rejection: &Rejection| {
                let mut response =
                    HttpResponse::build(StatusCode::from_u16(rejection.status()).unwrap());
                if let Some(secs) = rejection.retry_after_secs() {
                    response.insert_header(("retry-after", secs));
                }
                response
                    .content_type("application/json")
                    .body(serde_json::json!({ "error": rejection.code() }).to_string())
            });
        cfg.app_data(state.clone()).service(
            web::resource("/webhooks/audit-trail")
                .wrap(middleware)
                .route(web::post().to(actix_app::audit_trail)),
        );
    })
    .await;
    let client = reqwest::Client::new();
    let json = |text: &str| {
        serde_json::from_str::<serde_json::Value>(text).unwrap()["error"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    for (req, status, code) in [
        (Req::audit("whd_map").tampered(), 401, "invalid_signature"),
        (Req::audit("whd_map").oversized(), 413, "body_too_large"),
        (Req::audit("whd_map").at(-3600), 400, "stale_timestamp"),
    ] {
        let (got, _, text) = send(&client, &server.base_url, &req)
            .await
            .expect("an answer");
        assert_eq!((got, json(&text).as_str()), (status, code));
    }
    assert_eq!(
        send(&client, &server.base_url, &Req::audit("whd_map"))
            .await
            .unwrap()
            .0,
        200
    );
    let (got, _, text) = send(&client, &server.base_url, &Req::audit("whd_map"))
        .await
        .unwrap();
    assert_eq!((got, json(&text).as_str()), (200, "already_processed"));
    assert_eq!(config.state.runs("whd_map"), 1);
}

/// A handler may answer with a `Rejection` as its error (`ResponseError`): the core's status and
/// `Retry-After`, and, not being a 2xx, the claim is released for the retry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_can_answer_with_a_rejection() {
    let calls = Arc::new(AtomicU32::new(0));
    let config = AppConfig::in_memory();
    let (guard, _) = config.guards();
    let seen = Arc::clone(&calls);
    let server = actix_app::serve(Options::default(), move |cfg: &mut web::ServiceConfig| {
        let seen = Arc::clone(&seen);
        let handler = move |_delivery: Delivery| {
            let seen = Arc::clone(&seen);
            async move {
                match seen.fetch_add(1, Ordering::SeqCst) {
                    0 => Err(Rejection::Unavailable {
                        retry_after: Duration::from_secs(7),
                    }),
                    _ => Ok(HttpResponse::Ok().finish()),
                }
            }
        };
        cfg.service(
            web::resource("/webhooks/audit-trail")
                .wrap(WebhookMiddleware::new(guard.clone()))
                .route(web::post().to(handler)),
        );
    })
    .await;
    let (headers, body) = Req::audit("whd_busy").build();
    let response = post(
        &server.base_url,
        "/webhooks/audit-trail",
        &headers,
        body.clone(),
    )
    .await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "7");
    assert_eq!(
        post(&server.base_url, "/webhooks/audit-trail", &headers, body)
            .await
            .status(),
        200
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

/// A chunked body (no `Content-Length`) past the limit is refused as soon as it passes it: the
/// end of the body is never sent, so a server waiting for it would hang.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_body_past_the_limit_is_refused_before_its_end() {
    let app = spawn(Options::default()).await;
    let addr = app.base_url.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    // A plausible head (signed, for another body): the body is read only after the head passes.
    let mut head = format!(
        "POST /webhooks/audit-trail HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n"
    );
    for (name, value) in signed(b"{}", "whd_chunked") {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 16 * 1024];
    for _ in 0..=BODY_LIMIT / chunk.len() {
        stream
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await
            .unwrap();
        stream.write_all(&chunk).await.unwrap();
        stream.write_all(b"\r\n").await.unwrap();
    }
    // No terminating chunk.
    let mut answer = vec![0; 1024];
    let n = tokio::time::timeout(WAIT, stream.read(&mut answer))
        .await
        .expect("an answer before the body ended")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert_eq!(app.state.total_runs(), 0);
}
