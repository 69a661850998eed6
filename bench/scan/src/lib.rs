//! The body walk (`scan`, compiled here from the library's source: it is crate-private)
//! and the candidates that could replace it, each doing the same job on the same bodies: judge
//! the whole body as one JSON object and hand over the decoded string values of the scheme's
//! top-level fields (Audit Trail's `id`, `type`, `tenantId`, `timestamp`).
//!
//! Used by `src/main.rs` (instructions per walk under callgrind, `bench/scan.sh`) and
//! `benches/scan.rs` (criterion).

use std::borrow::Cow;

use serde::Deserialize;
use webhook_guard::testing::audit_trail_sample_with_id;

#[allow(dead_code)]
#[path = "../../../src/scan.rs"]
mod scan;

/// The fields asked for, as the Audit Trail scheme asks for them.
pub const NAMES: [&str; 4] = ["id", "type", "tenantId", "timestamp"];

/// A walker: judges `body` (`true`: one valid JSON object) and calls `found(i, value)` for each
/// field `NAMES[i]` it holds, the value decoded.
pub type Walker = fn(&[u8], &mut dyn FnMut(usize, &str)) -> bool;

/// Every candidate, by name.
pub const WALKERS: [(&str, Walker); 6] = [
    ("walk", walk),
    ("walk-simdutf8", walk_simdutf8),
    ("serde_json", serde_json_struct),
    ("sonic-rs-iter", sonic_iter),
    ("sonic-rs-serde", sonic_serde),
    ("simd-json", simd_json_borrowed),
];

/// A value's text as the library's `fields::scalar` reads a string: borrowed when plain.
fn decode(token: &str) -> Option<Cow<'_, str>> {
    if let Some(plain) = scan::plain_string(token) {
        return Some(Cow::Borrowed(plain));
    }
    serde_json::from_str::<Cow<'_, str>>(token).ok()
}

fn walk_text(text: &str, found: &mut dyn FnMut(usize, &str)) -> bool {
    let names = NAMES.map(Some);
    // A wanted field twice is refused, as the library's `json_fields` refuses it.
    let mut seen = [false; NAMES.len()];
    scan::object::<scan::Malformed>(text, &names, |i, token| {
        let value = decode(token).ok_or(scan::Malformed)?;
        if std::mem::replace(&mut seen[i], true) {
            return Err(scan::Malformed);
        }
        found(i, &value);
        Ok(scan::Flow::Continue)
    })
    .is_ok()
}

/// The library's path: std's UTF-8 check, then the walk.
pub fn walk(body: &[u8], found: &mut dyn FnMut(usize, &str)) -> bool {
    std::str::from_utf8(body).is_ok_and(|text| walk_text(text, found))
}

/// The walk after simdutf8's UTF-8 check (SIMD, selected at run time).
pub fn walk_simdutf8(body: &[u8], found: &mut dyn FnMut(usize, &str)) -> bool {
    simdutf8::basic::from_utf8(body).is_ok_and(|text| walk_text(text, found))
}

/// The envelope as a serde struct: every other field skipped by the parser (`IgnoredAny`).
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "type")]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "tenantId")]
    tenant: Option<Cow<'a, str>>,
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
}

fn hand_over(envelope: Envelope<'_>, found: &mut dyn FnMut(usize, &str)) {
    for (i, value) in [
        envelope.id,
        envelope.kind,
        envelope.tenant,
        envelope.timestamp,
    ]
    .into_iter()
    .enumerate()
    {
        if let Some(value) = value {
            found(i, &value);
        }
    }
}

/// std's UTF-8 check (serde_json does not check the strings it skips), then serde_json's
/// `from_str` into the envelope struct (what the verifier did before the walk).
pub fn serde_json_struct(body: &[u8], found: &mut dyn FnMut(usize, &str)) -> bool {
    let Ok(text) = std::str::from_utf8(body) else {
        return false;
    };
    match serde_json::from_str::<Envelope<'_>>(text) {
        Ok(envelope) => {
            hand_over(envelope, found);
            true
        }
        Err(_) => false,
    }
}

/// sonic-rs's lazy object iterator: each top-level value skipped by its SIMD scanner.
pub fn sonic_iter(body: &[u8], found: &mut dyn FnMut(usize, &str)) -> bool {
    use sonic_rs::JsonValueTrait;
    let Ok(text) = std::str::from_utf8(body) else {
        return false;
    };
    for pair in sonic_rs::to_object_iter(text) {
        let Ok((key, value)) = pair else {
            return false;
        };
        if let Some(i) = NAMES.iter().position(|name| *name == &*key) {
            let Some(value) = value.as_str() else {
                return false;
            };
            found(i, value);
        }
    }
    true
}

/// sonic-rs's serde deserializer into the envelope struct.
pub fn sonic_serde(body: &[u8], found: &mut dyn FnMut(usize, &str)) -> bool {
    match sonic_rs::from_slice::<Envelope<'_>>(body) {
        Ok(envelope) => {
            hand_over(envelope, found);
            true
        }
        Err(_) => false,
    }
}

/// simd-json's borrowed value (it parses in place, so a copy of the body first).
pub fn simd_json_borrowed(body: &[u8], found: &mut dyn FnMut(usize, &str)) -> bool {
    use simd_json::prelude::*;
    let mut copy = body.to_vec();
    let Ok(value) = simd_json::to_borrowed_value(&mut copy) else {
        return false;
    };
    let Some(object) = value.as_object() else {
        return false;
    };
    for (i, name) in NAMES.iter().enumerate() {
        if let Some(field) = object.get(*name) {
            let Some(text) = field.as_str() else {
                return false;
            };
            found(i, text);
        }
    }
    true
}

/// The bodies measured, by name: the Audit Trail `event.created` sample, padded to 1 KiB with one
/// long string (the default of `examples/load_gen.rs`) or filled with many short strings
/// (`BODY=realistic`), with a known type or one the models do not know, and the same at 64 KiB.
pub fn bodies() -> Vec<(String, String)> {
    let known = audit_trail_sample_with_id("event.created", "dlv_000000000000000000000000")
        .expect("a sample");
    let unknown = known.replacen(
        r#""type":"event.created""#,
        r#""type":"audit_event.created""#,
        1,
    );
    let mut out = Vec::new();
    for (kb, suffix) in [(1, "1KiB"), (64, "64KiB")] {
        let size = kb * 1024;
        out.push((format!("realistic-known-{suffix}"), realistic(&known, size)));
        out.push((
            format!("realistic-unknown-{suffix}"),
            realistic(&unknown, size),
        ));
        out.push((format!("padded-{suffix}"), padded(&known, size)));
    }
    out
}

/// `examples/load_gen.rs`'s padded body.
fn padded(sample: &str, size: usize) -> String {
    let head = sample.strip_suffix('}').expect("a JSON object");
    let frame = head.len() + r#","padding":""}"#.len();
    format!(r#"{head},"padding":"{}"}}"#, "x".repeat(size - frame))
}

/// `examples/load_gen.rs`'s `BODY=realistic` body (the same text, byte for byte).
fn realistic(sample: &str, size: usize) -> String {
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
        if body.len() + entry.len() + tail.len() + r#",{"note":""}"#.len() > size {
            break;
        }
        body.push_str(&entry);
        first = false;
    }
    let frame = body.len() + tail.len() + r#",{"note":""}"#.len() - usize::from(first);
    let sep = if first { "" } else { "," };
    body.push_str(&format!(
        r#"{sep}{{"note":"{}"}}"#,
        "n".repeat(size - frame)
    ));
    body.push_str(tail);
    assert_eq!(body.len(), size);
    body
}

/// What a walker returns for `body`: its verdict and the fields it found.
pub fn outcome(walker: Walker, body: &[u8]) -> (bool, Vec<(usize, String)>) {
    let mut fields = Vec::new();
    let ok = walker(body, &mut |i, value| fields.push((i, value.to_owned())));
    fields.sort();
    (ok, if ok { fields } else { Vec::new() })
}
