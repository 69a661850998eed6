//! Writes a pool of pre-signed Audit Trail deliveries for `bench/load.sh`: complete raw HTTP/1.1
//! requests, every one a distinct delivery (its own id) signed now, all the same length, which
//! `bench/wrk/pool.lua` sends one after the other. A dev-only tool.
//!
//! ```text
//! cargo run --release --example load_gen -- <out-file> <count> [<first-index>]
//! ```
//!
//! File layout: one line with the record length in bytes, then `count` records of exactly that
//! length. Each record is `POST /webhooks/audit-trail` with the Audit Trail `event.created`
//! sample padded to `BODY_SIZE` bytes (default 1024), its `id` replaced by
//! `dlv_<8 hex of a per-pool salt><16 hex of the index>` (so a pool never repeats an id, and two
//! pools of one run never share one as long as their index ranges do not overlap), signed with
//! `AUDIT_TRAIL_SECRET` (default `whsec_abc123def456`) at the current time. Built on every core
//! (`THREADS`, default all): the records are independent, each thread writes its own range.
//! `EVENT_TYPE` replaces the sample's type (an unknown one measures the `Unknown` path);
//! `BODY=realistic` fills the body with many short string fields instead of one padding string.

use std::fs::File;
use std::io::Write as _;
use std::os::unix::fs::FileExt as _;
use std::time::{SystemTime, UNIX_EPOCH};

use webhook_guard::testing::audit_trail_sample_with_id;
use webhook_guard::{Scheme, Secret, Signer};

/// The id in the template body, overwritten in place per record (same length as the real ids).
const PLACEHOLDER: &str = "dlv_000000000000000000000000";
const BATCH: u64 = 2048;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (out, count, first) = match args.as_slice() {
        [out, count] => (out, count, "0"),
        [out, count, first] => (out, count, first.as_str()),
        _ => usage(),
    };
    let count: u64 = count.parse().unwrap_or_else(|_| usage());
    let first: u64 = first.parse().unwrap_or_else(|_| usage());
    let size: usize = std::env::var("BODY_SIZE")
        .ok()
        .map_or(1024, |s| s.parse().unwrap_or_else(|_| usage()));
    let secret =
        std::env::var("AUDIT_TRAIL_SECRET").unwrap_or_else(|_| "whsec_abc123def456".to_owned());
    let signer = Signer::new(Scheme::audit_trail(), Secret::new(secret).expect("secret"));
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970");
    let timestamp = i64::try_from(now.as_secs()).expect("time");
    // Distinct per pool and per run, so ids never meet an earlier run's in a shared store.
    let salt = now.subsec_nanos() ^ std::process::id().rotate_left(16);

    let template = template(size);
    let id_at = template
        .windows(PLACEHOLDER.len())
        .position(|w| w == PLACEHOLDER.as_bytes())
        .expect("the placeholder id in the body");
    let record = |index: u64, body: &mut Vec<u8>, out: &mut Vec<u8>| {
        let id = format!("dlv_{salt:08x}{index:016x}");
        body.clear();
        body.extend_from_slice(&template);
        body[id_at..id_at + id.len()].copy_from_slice(id.as_bytes());
        out.extend_from_slice(b"POST /webhooks/audit-trail HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        out.extend_from_slice(b"Content-Type: application/json\r\n");
        write!(out, "Content-Length: {}\r\n", body.len()).expect("write to a Vec");
        for (name, value) in signer.headers(body, timestamp, &id) {
            write!(out, "{name}: {value}\r\n").expect("write to a Vec");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(body);
    };

    let mut sample = Vec::new();
    record(first, &mut Vec::new(), &mut sample);
    let record_len = sample.len() as u64;
    let head = format!("{record_len}\n");
    let file = File::create(out).expect("create the pool file");
    file.set_len(head.len() as u64 + record_len * count)
        .expect("size the pool file");
    file.write_all_at(head.as_bytes(), 0).expect("write");

    let threads = std::env::var("THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1) as u64;
    let per_thread = count.div_ceil(threads);
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (file, record, head_len) = (&file, &record, head.len() as u64);
            let range = (t * per_thread).min(count)..((t + 1) * per_thread).min(count);
            scope.spawn(move || {
                let (mut body, mut buffer) = (Vec::new(), Vec::new());
                let mut next = range.start;
                while next < range.end {
                    let batch_end = (next + BATCH).min(range.end);
                    buffer.clear();
                    for index in next..batch_end {
                        record(first + index, &mut body, &mut buffer);
                    }
                    assert_eq!(buffer.len() as u64, (batch_end - next) * record_len);
                    let offset = head_len + next * record_len;
                    file.write_all_at(&buffer, offset).expect("write the pool");
                    next = batch_end;
                }
            });
        }
    });
    eprintln!(
        "load_gen: {count} deliveries of {size} B ({record_len} B requests) signed at {timestamp} -> {out}"
    );
}

/// The `event.created` sample with the placeholder id and a `padding` field, exactly `size` bytes.
/// The body every record shares: the `event.created` sample, its type replaced by `EVENT_TYPE`
/// when set (a type the models do not know, such as `audit_event.created`, measures the
/// `Unknown` path), padded to `size` bytes.
fn template(size: usize) -> Vec<u8> {
    let mut sample = audit_trail_sample_with_id("event.created", PLACEHOLDER).expect("a sample");
    if let Ok(kind) = std::env::var("EVENT_TYPE")
        && !kind.is_empty()
    {
        sample = sample.replacen(
            r#""type":"event.created""#,
            &format!(r#""type":{}"#, serde_json::Value::from(kind)),
            1,
        );
    }
    if std::env::var("BODY").is_ok_and(|shape| shape == "realistic") {
        return realistic(&sample, size);
    }
    let head = sample.strip_suffix('}').expect("a JSON object");
    let frame = head.len() + r#","padding":""}"#.len();
    assert!(size >= frame, "BODY_SIZE must be at least {frame}");
    let body = format!(r#"{head},"padding":"{}"}}"#, "x".repeat(size - frame));
    assert_eq!(body.len(), size);
    body.into_bytes()
}

/// `BODY=realistic`: the sample's `data.event` extended the way real audit events are (a
/// request context and a list of field changes: many short strings, a few escapes) up to
/// exactly `size` bytes, instead of one long padding string. Parsers pay per string, so this
/// is the shape that shows what a body of many fields costs.
fn realistic(sample: &str, size: usize) -> Vec<u8> {
    // The sample ends with the event, data and envelope objects closing.
    let head = sample
        .strip_suffix("}}}")
        .expect("the event.created sample");
    let mut body = format!(
        r#"{head},"context":{{"ip":"203.0.113.7","userAgent":"Mozilla\/5.0 (X11; Linux x86_64)","requestId":"req-7f3a9c","sessionId":"sess-41d2","origin":"web","locale":"en-GB"}},"changes":["#
    );
    let tail = r#"]}}}"#;
    let mut first = true;
    for i in 0.. {
        let entry = format!(
            r#"{}{{"field":"f{i:02}","from":"value {i}","to":"value {}","by":"user-123"}}"#,
            if first { "" } else { "," },
            i + 1
        );
        // Room left for this entry, the closing and the filler string of the last one.
        if body.len() + entry.len() + tail.len() + r#",{"note":""}"#.len() > size {
            break;
        }
        body.push_str(&entry);
        first = false;
    }
    let frame = body.len() + tail.len() + r#",{"note":""}"#.len() - usize::from(first);
    assert!(size >= frame, "BODY_SIZE too small for BODY=realistic");
    let sep = if first { "" } else { "," };
    body.push_str(&format!(
        r#"{sep}{{"note":"{}"}}"#,
        "n".repeat(size - frame)
    ));
    body.push_str(tail);
    assert_eq!(body.len(), size);
    serde_json::from_str::<serde_json::Value>(&body).expect("valid JSON");
    body.into_bytes()
}

fn usage() -> ! {
    eprintln!(
        "usage: load_gen <out-file> <count> [<first-index>]   (env: BODY_SIZE, BODY, AUDIT_TRAIL_SECRET, THREADS, EVENT_TYPE)"
    );
    std::process::exit(2)
}
