//! Clients without the secret cannot exhaust the example receivers (issue 17), measured on the
//! real binaries (`receiver` on axum, `actix_receiver` on actix-web) with their default
//! settings, RSS read from `/proc`:
//!
//! - 300 connections sending 1 MiB bodies (announced or chunked) without a signature header:
//!   RSS grows by less than 64 MiB and a valid delivery is answered within 1 s meanwhile;
//! - 300 connections with plausible signature headers trickling 1 MiB bodies, announced
//!   (`Content-Length`) or chunked: while they fill the share of the body budget open to large
//!   bodies (a plausible 128 KiB head gets 503), a valid 1 KiB delivery gets 200 within 1 s
//!   (issue 24: the budget keeps a reserve for small bodies); with announced bodies RSS grows
//!   by less than 128 MiB, and once they are gone it is back within 64 MiB of the start;
//! - a connection sending nothing, half a head, or a body at 1 byte/s is closed or answered
//!   408 within 20 s, and so is one streaming an unsigned chunked body without end, to a
//!   webhook route (answered 401) or to a path with no route (answered 404): actix-web would
//!   otherwise read and discard it for as long as it comes;
//! - with 2,000 idle connections open, a valid delivery is answered within 1 s;
//! - (feature `redis`) Redis paused 3 s: the deliveries refused during the pause are accepted
//!   within 5 s after it ends.
//!
//! Each test takes about 20 s of wall time, most of it waiting for the timeouts.

#[path = "common/example_process.rs"]
mod example_process;
#[path = "common/examples.rs"]
mod examples;
#[cfg(feature = "redis")]
#[path = "common/redis_server.rs"]
mod redis_server;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use example_process::{Receiver, rss_mib};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use webhook_guard::testing::audit_trail_sample_with_id;
use webhook_guard::time::{Clock, SystemClock};
use webhook_guard::{Scheme, Secret, Signer};

/// The receivers' demo Audit Trail secret (`examples/common/mod.rs`).
const DEMO_AUDIT_TRAIL_SECRET: &str = "whsec_abc123def456";
const ROUTE: &str = "/webhooks/audit-trail";
const MIB: usize = 1024 * 1024;

/// A signed Audit Trail delivery: its headers and body.
fn delivery(id: &str) -> (Vec<(String, String)>, Vec<u8>) {
    sized_delivery(id, 0)
}

/// A signed Audit Trail delivery whose body is padded with spaces (still JSON) to at least
/// `size` bytes.
fn sized_delivery(id: &str, size: usize) -> (Vec<(String, String)>, Vec<u8>) {
    let mut body = audit_trail_sample_with_id("event.created", id).expect("a sample");
    let padding = size.saturating_sub(body.len());
    body.extend(std::iter::repeat_n(' ', padding));
    let secret = Secret::new(DEMO_AUDIT_TRAIL_SECRET).unwrap();
    let headers = Signer::new(Scheme::audit_trail(), secret).headers(
        body.as_bytes(),
        SystemClock.now_unix(),
        id,
    );
    (headers, body.into_bytes())
}

/// A request head; `headers` come after `Host` and `Content-Length`.
fn head(addr: SocketAddr, length: usize, headers: &[(String, String)]) -> String {
    framed_head(addr, &format!("content-length: {length}"), headers)
}

/// A request head with the framing header given; `headers` come after it.
fn framed_head(addr: SocketAddr, framing: &str, headers: &[(String, String)]) -> String {
    let mut head = format!(
        "POST {ROUTE} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n{framing}\r\n"
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head
}

/// Reads until the status line is complete: its status, or `None` if the connection closed
/// first.
async fn read_status(stream: &mut TcpStream) -> Option<u16> {
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    while !answer.windows(2).any(|w| w == b"\r\n") {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
        }
    }
    let line = String::from_utf8_lossy(&answer);
    line.split(' ').nth(1)?.parse().ok()
}

/// Sends one valid delivery on a new connection: its status and how long the answer took.
async fn send_valid(addr: SocketAddr, id: &str) -> (Option<u16>, Duration) {
    send_valid_sized(addr, id, 0).await
}

/// [`send_valid`] with a body of at least `size` bytes.
async fn send_valid_sized(addr: SocketAddr, id: &str, size: usize) -> (Option<u16>, Duration) {
    let started = Instant::now();
    let (headers, body) = sized_delivery(id, size);
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return (None, started.elapsed());
    };
    let mut request = head(addr, body.len(), &headers).into_bytes();
    request.extend_from_slice(&body);
    if stream.write_all(&request).await.is_err() {
        return (None, started.elapsed());
    }
    let status = read_status(&mut stream).await;
    (status, started.elapsed())
}

/// Samples the receiver's RSS every 20 ms until stopped; the peak in MiB.
struct PeakRss {
    stop: Arc<AtomicBool>,
    peak_kib: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl PeakRss {
    fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let peak_kib = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn({
            let (stop, peak_kib) = (Arc::clone(&stop), Arc::clone(&peak_kib));
            async move {
                while !stop.load(Ordering::Relaxed) {
                    peak_kib.fetch_max((rss_mib(pid) * 1024.0) as u64, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        });
        Self {
            stop,
            peak_kib,
            task,
        }
    }

    async fn finish(self) -> f64 {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.task.await;
        self.peak_kib.load(Ordering::Relaxed) as f64 / 1024.0
    }
}

/// Raises this test process's open-file limit: it opens 2,000 connections.
fn raise_fd_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: both calls only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

/// 300 connections announce 1 MiB and send it, without any signature header: refused on the
/// head, their bodies are never buffered, and a valid delivery gets through meanwhile.
///
/// On actix-web this holds because the example server sets no `client_disconnect_timeout`
/// (`examples/common/serve.rs`): with one, actix-http reads and discards the rest of each
/// refused body until the client stops, through a read buffer of 128-256 KiB per connection
/// (+57 to +67 MiB here). Sent chunked too (issue 24): actix-http drains a dropped chunked
/// payload, which the middleware prevents by holding it until the answer is sent.
async fn unsigned_bodies(receiver: &Receiver, start_rss: f64, chunked: bool) {
    let addr = receiver.addr;
    let peak = PeakRss::start(receiver.pid());
    let attackers: Vec<_> = (0..300)
        .map(|_| {
            tokio::spawn(async move {
                let Ok(mut stream) = TcpStream::connect(addr).await else {
                    return;
                };
                let head = if chunked {
                    framed_head(addr, "transfer-encoding: chunked", &[])
                } else {
                    head(addr, MIB, &[])
                };
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b' '; 64 * 1024];
                let piece = if chunked {
                    [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat()
                } else {
                    chunk
                };
                for _ in 0..16 {
                    if stream.write_all(&piece).await.is_err() {
                        break;
                    }
                }
                tokio::time::sleep(Duration::from_secs(2)).await;
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, took) = send_valid(addr, "whd_during_unsigned_flood").await;
    for attacker in attackers {
        let _ = attacker.await;
    }
    let peak = peak.finish().await;
    eprintln!(
        "unsigned 1 MiB x 300 (chunked: {chunked}): RSS {start_rss:.1} MiB -> peak {peak:.1} MiB; valid delivery {status:?} in {took:?}"
    );
    assert_eq!(status, Some(200), "the valid delivery during the flood");
    assert!(took < Duration::from_secs(1), "answered in {took:?}");
    assert!(
        peak - start_rss < 64.0,
        "RSS grew by {:.1} MiB",
        peak - start_rss
    );
}

/// Whether a large body would be refused for the budget right now: a plausible head
/// announcing 128 KiB (more than the small-body threshold, 64 KiB) is answered 503 before its
/// body is sent, or gets no answer while the server waits for its body (then it is dropped,
/// after 100 ms: it holds its share meanwhile).
async fn large_share_full(addr: SocketAddr) -> bool {
    let (headers, _) = delivery("whd_large_probe");
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return false;
    };
    if stream
        .write_all(head(addr, 128 * 1024, &headers).as_bytes())
        .await
        .is_err()
    {
        return false;
    }
    let answer = tokio::time::timeout(Duration::from_millis(100), read_status(&mut stream)).await;
    matches!(answer, Ok(Some(503)))
}

/// 300 connections with plausible signature headers (well-formed, fresh, signed for another
/// body) trickle 1 MiB bodies, announced with `Content-Length` or `chunked` (those start
/// small and grow past the small-body threshold): the budget bounds what is held, and it is
/// given back. Meanwhile, whenever they fill what large bodies may take (a plausible 128 KiB
/// head gets 503), a valid 1 KiB delivery sent then is answered 200 within 1 s: the reserve
/// for small bodies (chunked: one every 50 ms, the share being full only at moments).
async fn plausible_trickles(receiver: &Receiver, start_rss: f64, chunked: bool) {
    let addr = receiver.addr;
    let framing = if chunked { "chunked" } else { "announced" };
    let peak = PeakRss::start(receiver.pid());
    let attackers: Vec<_> = (0..300)
        .map(|i| {
            tokio::spawn(async move {
                let (headers, _) = delivery(&format!("whd_trickle_{framing}_{i}"));
                let Ok(mut stream) = TcpStream::connect(addr).await else {
                    return None;
                };
                let head = if chunked {
                    framed_head(addr, "transfer-encoding: chunked", &headers)
                } else {
                    head(addr, MIB, &headers)
                };
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return None;
                }
                // 1 MiB in 32 KiB pieces every 50 ms (about 1.6 s), then the answer.
                let chunk = vec![b' '; 32 * 1024];
                let piece = if chunked {
                    [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat()
                } else {
                    chunk.clone()
                };
                let mut sent = true;
                for _ in 0..MIB / chunk.len() {
                    if stream.write_all(&piece).await.is_err() {
                        sent = false;
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                if sent && chunked {
                    let _ = stream.write_all(b"0\r\n\r\n").await;
                }
                tokio::time::timeout(Duration::from_secs(10), read_status(&mut stream))
                    .await
                    .ok()
                    .flatten()
            })
        })
        .collect();
    // Whenever a probe finds the share of large bodies full, a small valid delivery right
    // away, until 1.5 s (the trickles end after about 1.6 s). The attackers' heads first, so
    // that a probe does not take their room. Chunked bodies are refused one by one as they
    // grow past what is left, and these attackers do not come back: the share is full only at
    // moments, so there a valid delivery goes every 50 ms whatever the probe found.
    let flooding = Instant::now();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (mut probes, mut full, mut valid) = (0, 0, Vec::new());
    while flooding.elapsed() < Duration::from_millis(1500) {
        probes += 1;
        let found_full = large_share_full(addr).await;
        full += usize::from(found_full);
        if found_full || chunked {
            let id = format!("whd_during_{framing}_trickles_{probes}");
            valid.push(send_valid_sized(addr, &id, 1024).await);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let slowest = valid.iter().map(|(_, took)| *took).max();
    let mut statuses = std::collections::BTreeMap::<Option<u16>, u32>::new();
    for attacker in attackers {
        *statuses.entry(attacker.await.unwrap()).or_default() += 1;
    }
    let peak = peak.finish().await;
    eprintln!(
        "plausible 1 MiB trickles x 300 ({framing}): RSS {start_rss:.1} MiB -> peak {peak:.1} MiB; answers {statuses:?}; large share found full {full} times of {probes}; {} valid 1 KiB deliveries answered {:?}, the slowest in {slowest:?}",
        valid.len(),
        valid
            .iter()
            .map(|(status, _)| *status)
            .collect::<std::collections::BTreeSet<_>>(),
    );
    assert!(
        full > 0 || chunked,
        "the flood never filled the share of large bodies"
    );
    assert!(
        statuses.contains_key(&Some(503)),
        "the flood never reached the budget: {statuses:?}"
    );
    assert!(!valid.is_empty());
    for (status, took) in valid {
        assert_eq!(status, Some(200), "a valid delivery during the flood");
        assert!(took < Duration::from_secs(1), "answered in {took:?}");
    }
    // Announced bodies are allocated once, at their size. Chunked ones grow their buffer as
    // they come (the budget counts its capacity): the reallocations leave the allocator's heap
    // fragmented, measured +107 to +134 MiB at the peak and +67 to +71 MiB a second after, on
    // both receivers. Not asserted: a bound for them needs buffers that do not reallocate.
    if !chunked {
        assert!(
            peak - start_rss < 128.0,
            "RSS grew by {:.1} MiB",
            peak - start_rss
        );
    }
    // Past the budget some are told to come back (503), the others are read and refused for
    // their signature (401): none is accepted.
    assert!(
        statuses
            .keys()
            .all(|status| matches!(status, None | Some(401 | 503))),
        "{statuses:?}"
    );
}

/// A connection sending nothing, half a head, or a body at 1 byte per second is closed (or
/// answered 408) within 20 s; one streaming an unsigned chunked body without end is answered
/// 401 and closed within 20 s, and so is one sending it to a path with no route (404).
///
/// On actix-web the latter holds because the receiver's `default_service` holds the unread
/// payload until its 404 is sent (`examples/common/serve.rs`, `actix_no_route`): actix-web's
/// own 404 leaves the connection open, reading the body (still open after 25 s).
async fn slow_clients(receiver: &Receiver) {
    let addr = receiver.addr;
    let deadline = Duration::from_secs(20);
    let (headers, _) = delivery("whd_slow_body");
    let full_head = head(addr, 1024, &headers);
    let chunked_head = |path: &str| {
        format!(
            "POST {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
        )
        .into_bytes()
    };
    let mut chunk = b"400\r\n".to_vec();
    chunk.extend_from_slice(&[b' '; 0x400]);
    chunk.extend_from_slice(b"\r\n");
    // (name, what is sent first, what is then sent again and how often, the answer expected)
    type Case = (
        &'static str,
        Vec<u8>,
        Option<(Vec<u8>, Duration)>,
        Option<&'static str>,
    );
    let cases: Vec<Case> = vec![
        ("nothing", Vec::new(), None, None),
        (
            "half a head",
            full_head.as_bytes()[..full_head.len() / 2].to_vec(),
            None,
            None,
        ),
        (
            "a body at 1 byte/s",
            full_head.clone().into_bytes(),
            Some((b" ".to_vec(), Duration::from_secs(1))),
            None,
        ),
        (
            "an unsigned chunked body without end, 1 KiB every 50 ms",
            chunked_head(ROUTE),
            Some((chunk.clone(), Duration::from_millis(50))),
            Some("HTTP/1.1 401"),
        ),
        (
            "an unsigned chunked body without end to a path with no route",
            chunked_head("/nowhere"),
            Some((chunk, Duration::from_millis(50))),
            Some("HTTP/1.1 404"),
        ),
    ];
    let tasks: Vec<_> = cases
        .into_iter()
        .map(|(name, first, trickle, expected)| {
            tokio::spawn(async move {
                let started = Instant::now();
                let stream = TcpStream::connect(addr).await.expect("connects");
                let (mut read, mut write) = stream.into_split();
                write.write_all(&first).await.expect("sends");
                let writer = tokio::spawn(async move {
                    if let Some((piece, every)) = trickle {
                        loop {
                            tokio::time::sleep(every).await;
                            if write.write_all(&piece).await.is_err() {
                                break;
                            }
                        }
                    }
                    // Keep our side open until the server ends it.
                    std::future::pending::<()>().await;
                });
                let mut answer = Vec::new();
                let ended = tokio::time::timeout(deadline, async {
                    let mut buffer = [0u8; 1024];
                    loop {
                        match read.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => answer.extend_from_slice(&buffer[..n]),
                        }
                        if answer.starts_with(b"HTTP/1.1 408") {
                            return;
                        }
                    }
                })
                .await;
                writer.abort();
                let answer = String::from_utf8_lossy(&answer)
                    .lines()
                    .next()
                    .map(str::to_owned);
                (name, ended.is_ok(), started.elapsed(), answer, expected)
            })
        })
        .collect();
    for task in tasks {
        let (name, ended, took, answer, expected) = task.await.unwrap();
        eprintln!("{name}: ended {ended} after {took:?}, answer {answer:?}");
        assert!(
            ended,
            "{name}: still open after {deadline:?} (answer {answer:?})"
        );
        if let Some(expected) = expected {
            assert!(
                answer.as_deref().is_some_and(|a| a.starts_with(expected)),
                "{name}: answered {answer:?}, expected {expected}"
            );
        }
    }
}

/// 2,000 idle connections: a valid delivery is still answered within 1 s.
async fn idle_connections(receiver: &Receiver) {
    let addr = receiver.addr;
    let mut idle = Vec::with_capacity(2000);
    for _ in 0..2000 {
        idle.push(TcpStream::connect(addr).await.expect("connects"));
    }
    // Let the server accept them all.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let fds = receiver.open_fds();
    let (status, took) = send_valid(addr, "whd_among_idle").await;
    eprintln!(
        "2,000 idle connections ({fds} fds open in the receiver): valid delivery {status:?} in {took:?}"
    );
    assert!(fds >= 2000, "the receiver holds {fds} descriptors");
    assert_eq!(status, Some(200));
    assert!(took < Duration::from_secs(1), "answered in {took:?}");
}

/// One scenario at a time: they measure time and memory on a 2-core machine.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn run_all(example: &str) {
    let _alone = ONE_AT_A_TIME.lock().await;
    raise_fd_limit();
    let receiver = Receiver::start(example, &[]);
    // Warm up: a few deliveries, so the start RSS includes what a served request leaves.
    for i in 0..20 {
        let (status, _) = send_valid(receiver.addr, &format!("whd_warmup_{i}")).await;
        assert_eq!(status, Some(200));
    }
    let start_rss = receiver.rss_mib();
    unsigned_bodies(&receiver, start_rss, false).await;
    unsigned_bodies(&receiver, start_rss, true).await;
    plausible_trickles(&receiver, start_rss, false).await;
    // Once they are gone, the memory is back (within 64 MiB of the start).
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = receiver.rss_mib();
    eprintln!("{example}: RSS at start {start_rss:.1} MiB, after the floods {after:.1} MiB");
    assert!(
        after - start_rss < 64.0,
        "RSS stayed {:.1} MiB above the start",
        after - start_rss
    );
    // After the memory check: see `plausible_trickles` on what chunked floods leave.
    plausible_trickles(&receiver, start_rss, true).await;
    idle_connections(&receiver).await;
    slow_clients(&receiver).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_axum_receiver_cannot_be_exhausted() {
    run_all("receiver").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_actix_receiver_cannot_be_exhausted() {
    run_all("actix_receiver").await;
}

/// Redis frozen for 3 s: deliveries sent meanwhile are refused (503), and accepted within 5 s
/// after Redis is back, instead of finding their own timed-out claims holding the keys.
#[cfg(feature = "redis")]
async fn redis_pause_heals(example: &str) {
    let _alone = ONE_AT_A_TIME.lock().await;
    let redis = redis_server::RedisServer::start();
    let url = redis.url();
    let receiver = Receiver::start(example, &[("REDIS_URL", url.as_str())]);
    let addr = receiver.addr;
    assert_eq!(send_valid(addr, "whd_before_pause").await.0, Some(200));

    redis.pause();
    let paused = Instant::now();
    let mut refused = Vec::new();
    for i in 0..5 {
        let id = format!("whd_during_pause_{i}");
        let (status, took) = send_valid(addr, &id).await;
        assert_eq!(status, Some(503), "{id} during the pause (after {took:?})");
        refused.push(id);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    tokio::time::sleep(Duration::from_secs(3).saturating_sub(paused.elapsed())).await;
    redis.resume();
    let resumed = Instant::now();

    for id in &refused {
        loop {
            let (status, _) = send_valid(addr, id).await;
            if status == Some(200) {
                break;
            }
            assert!(
                resumed.elapsed() < Duration::from_secs(5),
                "{id} still refused ({status:?}) {:?} after Redis resumed",
                resumed.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    eprintln!(
        "{example}: all {} deliveries refused during the pause accepted {:?} after it",
        refused.len(),
        resumed.elapsed()
    );
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_axum_receiver_heals_after_a_redis_pause() {
    redis_pause_heals("receiver").await;
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_actix_receiver_heals_after_a_redis_pause() {
    redis_pause_heals("actix_receiver").await;
}
