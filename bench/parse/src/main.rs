//! Parses one body `N` times with the typed parser of its provider, inside `parse_*` functions
//! that are never inlined, so `valgrind --tool=callgrind --toggle-collect=<fn>` counts exactly
//! the parse (see `bench/parse.sh`).
//!
//!     webhook-guard-parse-bench list            # the body names
//!     webhook-guard-parse-bench <body> <N>      # parse it N times

use std::hint::black_box;

use webhook_guard::event::{AuditTrailEvent, PaloEvent, audit_trail, palo};
use webhook_guard::testing::{audit_trail_sample, palo_sample};

#[inline(never)]
fn parse_audit_trail(body: &[u8]) -> AuditTrailEvent {
    AuditTrailEvent::from_slice(body).expect("a sample parses")
}

/// The path of the extractors (`Verified<T>`) and `Delivery::parse`: `serde_json::from_slice`,
/// through the enum's `Deserialize` impl.
#[inline(never)]
fn parse_audit_trail_serde(body: &[u8]) -> AuditTrailEvent {
    serde_json::from_slice(body).expect("a sample parses")
}

#[inline(never)]
fn parse_palo_serde(body: &[u8]) -> PaloEvent {
    serde_json::from_slice(body).expect("a sample parses")
}

#[inline(never)]
fn parse_palo(body: &[u8]) -> PaloEvent {
    PaloEvent::from_slice(body).expect("a sample parses")
}

/// A sample padded to exactly `size` bytes with a top-level `padding` string, the shape of the
/// load generator's 1 KiB deliveries (`examples/load_gen.rs`).
fn padded(sample: &str, size: usize) -> String {
    let head = sample.strip_suffix('}').expect("a JSON object");
    let frame = head.len() + r#","padding":""}"#.len();
    format!(
        r#"{head},"padding":"{}"}}"#,
        "x".repeat(size.saturating_sub(frame))
    )
}

/// `(name, is Audit Trail, body)` for every body measured; a name ending in `-serde` is parsed
/// with `serde_json::from_slice` instead of the enum's `from_slice`.
fn bodies() -> Vec<(String, bool, String)> {
    let mut out = Vec::new();
    let created = audit_trail_sample("event.created").expect("a sample");
    out.push(("audit-trail-1KiB".into(), true, padded(&created, 1024)));
    let ticket = palo_sample("ticket.created").expect("a sample");
    out.push(("palo-1KiB".into(), false, padded(&ticket, 1024)));
    out.push((
        "audit-trail-1KiB-serde".into(),
        true,
        padded(&created, 1024),
    ));
    out.push(("palo-1KiB-serde".into(), false, padded(&ticket, 1024)));
    for kind in audit_trail::KNOWN_TYPES {
        let body = audit_trail_sample(kind).expect("a sample");
        out.push((format!("audit-trail-{kind}"), true, body));
    }
    for kind in palo::KNOWN_TYPES {
        out.push((
            format!("palo-{kind}"),
            false,
            palo_sample(kind).expect("a sample"),
        ));
    }
    let unknown = r#"{"id":"whd_1","type":"user.deleted","timestamp":"2025-01-15T10:30:00Z","tenantId":"tenant-001","data":{"userId":"u-1"}}"#;
    out.push(("audit-trail-unknown".into(), true, unknown.into()));
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bodies = bodies();
    match args.as_slice() {
        [list] if list == "list" => {
            for (name, _, body) in &bodies {
                println!("{name} {}", body.len());
            }
        }
        [name, count] => {
            let count: usize = count.parse().expect("N: a number");
            let (_, audit, body) = bodies
                .iter()
                .find(|(n, _, _)| n == name)
                .expect("a body name from `list`");
            let serde = name.ends_with("-serde");
            for _ in 0..count {
                if serde && *audit {
                    drop(black_box(parse_audit_trail_serde(black_box(
                        body.as_bytes(),
                    ))));
                } else if serde {
                    drop(black_box(parse_palo_serde(black_box(body.as_bytes()))));
                } else if *audit {
                    drop(black_box(parse_audit_trail(black_box(body.as_bytes()))));
                } else {
                    drop(black_box(parse_palo(black_box(body.as_bytes()))));
                }
            }
        }
        _ => {
            eprintln!("usage: webhook-guard-parse-bench list | <body> <N>");
            std::process::exit(2);
        }
    }
}
