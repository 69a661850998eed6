//! Resource bounds over real HTTP, on both adapters: hostile framing and oversized heads are
//! refused fast, with bounded memory, and never run the handler or panic.
//!
//! Time bounds are generous (2 s) on purpose: they catch a server that waits for a body that
//! never comes or walks an unbounded list, not a slow machine.
//!
//! Worst-case work per request: the body is read up to the limit (64 KiB here, 1 MiB by
//! default) and never past it; the signature header is split into at most
//! `MAX_SIGNATURE_ENTRIES` (16) entries (32 tokens for `v1,<base64>` pairs) before it is
//! refused as malformed; the MAC is computed once per active secret over the body, whatever
//! the number of entries, and each entry costs a 32-byte constant-time compare. So the work is
//! `secrets × body + entries × 32 bytes`, at most `secrets × limit + 16 × 32` bytes.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::conformance::{BODY_LIMIT, Req, send};
use common::{Adapter, AppConfig, RunningApp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use webhook_guard::signature::MAX_SIGNATURE_ENTRIES;
use webhook_guard::{Rejection, Scheme, Verifier};

const FAST: Duration = Duration::from_secs(2);
const WAIT: Duration = Duration::from_secs(10);

async fn both(test: impl AsyncFn(&'static str, RunningApp)) {
    test(
        "axum",
        common::axum_app::Axum::spawn(AppConfig::in_memory()).await,
    )
    .await;
    test(
        "actix",
        common::actix_app::Actix::spawn(AppConfig::in_memory()).await,
    )
    .await;
}

fn host(app: &RunningApp) -> &str {
    app.base_url.trim_start_matches("http://")
}

/// A signed delivery's head as raw HTTP/1.1, with `extra` header lines and no framing header
/// (the caller adds `content-length` or `transfer-encoding`).
fn head(app: &RunningApp, req: &Req, extra: &str) -> (String, Vec<u8>) {
    let (headers, body) = req.build();
    let mut head = format!("POST {} HTTP/1.1\r\nhost: {}\r\n", req.path(), host(app));
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(extra);
    (head, body)
}

/// Reads until the status line is in, the connection closes, or `WAIT` passes.
async fn status_line(stream: &mut TcpStream) -> Option<String> {
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    let read = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    answer.extend_from_slice(&buf[..n]);
                    if answer.windows(2).any(|w| w == b"\r\n") {
                        break;
                    }
                }
            }
        }
    };
    let _ = tokio::time::timeout(WAIT, read).await;
    let text = String::from_utf8_lossy(&answer);
    text.lines().next().map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_streaming_slowly_past_the_limit_is_refused_at_the_limit() {
    both(async |name, app| {
        let (head, _) = head(
            &app,
            &Req::audit("whd_slow_stream"),
            "transfer-encoding: chunked\r\n\r\n",
        );
        let mut stream = TcpStream::connect(host(&app)).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        let (mut reader, mut writer) = stream.into_split();
        let started = Instant::now();
        // 4 KiB every 5 ms, up to 4 × the limit, never the final chunk: a server that waited
        // for the end would wait forever.
        let sender = tokio::spawn(async move {
            let chunk = vec![b' '; 4096];
            for _ in 0..4 * BODY_LIMIT / chunk.len() {
                let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
                if writer.write_all(&frame).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            writer
        });
        let mut answer = vec![0u8; 1024];
        let n = tokio::time::timeout(WAIT, reader.read(&mut answer))
            .await
            .expect("an answer before the body ended")
            .unwrap();
        let elapsed = started.elapsed();
        let answer = String::from_utf8_lossy(&answer[..n]);
        assert!(answer.starts_with("HTTP/1.1 413"), "[{name}] {answer}");
        // 64 KiB at 4 KiB per 5 ms is about 80 ms: refused at the limit, not at the end.
        assert!(elapsed < FAST, "[{name}] {elapsed:?}");
        sender.abort();
        assert_eq!(app.state.total_runs(), 0);
        eprintln!("[{name}] slow chunked body past the limit: 413 after {elapsed:.0?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_content_length_smaller_than_the_body_verifies_only_what_it_announced() {
    both(async |name, app| {
        let req = Req::audit("whd_short_length");
        let (head, body) = head(&app, &req, "");
        let announced = body.len() / 2;
        let mut stream = TcpStream::connect(host(&app)).await.unwrap();
        let started = Instant::now();
        stream
            .write_all(format!("{head}content-length: {announced}\r\n\r\n").as_bytes())
            .await
            .unwrap();
        stream.write_all(&body).await.unwrap();
        // And then 200 KiB more, which the server reads as a (malformed) next request.
        let _ = stream.write_all(&vec![b'x'; 200 * 1024]).await;
        let status = status_line(&mut stream).await;
        // The signature was over the whole body: the announced half does not verify.
        assert_eq!(
            status.as_deref(),
            Some("HTTP/1.1 401 Unauthorized"),
            "[{name}]"
        );
        assert!(started.elapsed() < FAST, "[{name}] {:?}", started.elapsed());
        assert_eq!(app.state.total_runs(), 0);
        eprintln!("[{name}] Content-Length smaller than the body: {status:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_content_length_larger_than_the_body_waits_for_nothing_once_the_client_is_done() {
    both(async |name, app| {
        let req = Req::audit("whd_long_length");
        let (head, body) = head(&app, &req, "");
        let mut stream = TcpStream::connect(host(&app)).await.unwrap();
        stream
            .write_all(format!("{head}content-length: {}\r\n\r\n", body.len() + 1000).as_bytes())
            .await
            .unwrap();
        stream.write_all(&body).await.unwrap();
        // The server waits for the 1000 bytes announced: no answer yet, no handler run.
        let mut buf = [0u8; 256];
        let early = tokio::time::timeout(Duration::from_millis(300), stream.read(&mut buf)).await;
        assert!(early.is_err(), "[{name}] answered before the announced body: {early:?}");
        assert_eq!(app.state.total_runs(), 0);
        // The client ends its side: the body is short, the request is refused (400, or the
        // connection is closed), fast.
        let started = Instant::now();
        stream.shutdown().await.unwrap();
        let status = status_line(&mut stream).await;
        assert!(
            status.as_deref().is_none_or(|s| s.starts_with("HTTP/1.1 400")),
            "[{name}] {status:?}"
        );
        assert!(started.elapsed() < FAST, "[{name}] {:?}", started.elapsed());
        assert_eq!(app.state.total_runs(), 0);

        // An announced length past the limit is refused before a byte of body is sent.
        let mut stream = TcpStream::connect(host(&app)).await.unwrap();
        let started = Instant::now();
        stream
            .write_all(format!("{head}content-length: {}\r\n\r\n", 10 * 1024 * 1024 * 1024u64).as_bytes())
            .await
            .unwrap();
        let huge = status_line(&mut stream).await;
        assert_eq!(huge.as_deref(), Some("HTTP/1.1 413 Payload Too Large"), "[{name}]");
        assert!(started.elapsed() < FAST, "[{name}] {:?}", started.elapsed());

        // The server is fine: the same delivery, honestly framed, is handled.
        let ok = send(&reqwest::Client::new(), &app.base_url, &req).await;
        assert_eq!(ok.map(|o| o.0), Some(200), "[{name}]");
        eprintln!("[{name}] Content-Length larger than the body: {status:?} on EOF; 10 GiB announced: {huge:?}");
    })
    .await;
}

/// What each server answers to 100 KiB of headers, as one header or as a thousand: both hyper
/// (axum) and actix-web take one 100 KiB header (their head buffers are larger) and the
/// delivery is handled; both refuse a thousand headers (over their header-count limits, 100
/// for hyper, 96 for actix-web) with 431. Nothing panics and the answer is immediate; the
/// memory a head can take is bounded by the server's own limits, before webhook-guard runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_kib_of_headers_is_answered_at_once() {
    both(async |name, app| {
        let one = format!("x-padding: {}\r\n", "a".repeat(100 * 1024));
        let many: String = (0..1000)
            .map(|i| format!("x-pad-{i:04}: {}\r\n", "b".repeat(88)))
            .collect();
        let mut seen = Vec::new();
        for (shape, extra, id) in [
            ("one header", &one, "whd_big_head_1"),
            ("1000 headers", &many, "whd_big_head_2"),
        ] {
            let (head, body) = head(&app, &Req::audit(id), extra);
            let mut stream = TcpStream::connect(host(&app)).await.unwrap();
            let started = Instant::now();
            let request = [
                format!("{head}content-length: {}\r\n\r\n", body.len()).into_bytes(),
                body,
            ]
            .concat();
            let _ = stream.write_all(&request).await;
            let status = status_line(&mut stream).await;
            assert!(
                started.elapsed() < FAST,
                "[{name}] {shape}: {:?}",
                started.elapsed()
            );
            let expected = match shape {
                "one header" => "HTTP/1.1 200 OK",
                _ => "HTTP/1.1 431 Request Header Fields Too Large",
            };
            assert_eq!(status.as_deref(), Some(expected), "[{name}] {shape}");
            seen.push((shape, status));
        }
        // The server is still up.
        let ok = send(
            &reqwest::Client::new(),
            &app.base_url,
            &Req::audit("whd_after_big_head"),
        )
        .await;
        assert_eq!(ok.map(|o| o.0), Some(200), "[{name}]");
        eprintln!("[{name}] 100 KiB of headers: {seen:?}");
    })
    .await;
}

/// 10,000 entries in one signature header: refused as malformed once past the 16th, without
/// a MAC per entry. Over HTTP with 2-byte entries (20 KiB: under both servers' head limits),
/// and through the verify call with full 72-byte `sha256=<hex>` entries (703 KiB).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_signature_entries_are_malformed_fast() {
    both(async |name, app| {
        let (mut headers, body) = Req::audit("whd_many_entries").build();
        for (n, value) in &mut headers {
            if n.ends_with("signature") {
                *value = "v,".repeat(10_000);
            }
        }
        let mut request = reqwest::Client::new()
            .post(format!("{}/webhooks/audit-trail", app.base_url))
            .body(body);
        for (n, value) in headers {
            request = request.header(n, value);
        }
        let started = Instant::now();
        let response = request.send().await.unwrap();
        let elapsed = started.elapsed();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert_eq!(
            (status, text.as_str()),
            (401, "malformed signature"),
            "[{name}]"
        );
        assert!(elapsed < FAST, "[{name}] {elapsed:?}");
        eprintln!("[{name}] 10,000 signature entries: {status} {text:?} in {elapsed:.0?}");
    })
    .await;

    let secret = common::audit_trail_secret();
    let verifier = Verifier::new(Scheme::audit_trail(), [secret]);
    let (mut headers, body) = Req::audit("whd_many_entries").build();
    let valid = headers
        .iter()
        .find(|(n, _)| n.ends_with("signature"))
        .unwrap()
        .1
        .clone();
    for (n, value) in &mut headers {
        if n.ends_with("signature") {
            // The valid entry last: a parser that read on would find it.
            *value = format!(
                "{}{valid}",
                format!("sha256={},", "0".repeat(64)).repeat(9_999)
            );
        }
    }
    let started = Instant::now();
    let got = verifier.verify(&headers, Bytes::from(body.clone()));
    let elapsed = started.elapsed();
    assert_eq!(got.unwrap_err(), Rejection::MalformedSignature);
    assert!(elapsed < FAST, "{elapsed:?}");
    // The cap is exactly 16: the valid entry as the 16th passes, as the 17th does not.
    for (before, ok) in [
        (MAX_SIGNATURE_ENTRIES - 1, true),
        (MAX_SIGNATURE_ENTRIES, false),
    ] {
        for (n, value) in &mut headers {
            if n.ends_with("signature") {
                *value = format!(
                    "{}{valid}",
                    format!("sha256={},", "0".repeat(64)).repeat(before)
                );
            }
        }
        let got = verifier.verify(&headers, Bytes::from(body.clone()));
        assert_eq!(
            got.is_ok(),
            ok,
            "{before} entries before the valid one: {got:?}"
        );
    }
    eprintln!("verify: 10,000 entries of 72 bytes refused in {elapsed:.1?}");
}
