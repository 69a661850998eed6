//! Verification cost against a raw HMAC-SHA256 of the same signed bytes, measured in one run.
//!
//! `cargo bench --bench verify` (filter with e.g. `-- verify/audit-trail`).

use std::borrow::Cow;
use std::hint::black_box;
use std::time::Duration;

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;
use sha2::Sha256;
use webhook_guard::event::{AuditTrailEvent, PaloEvent, TypedEvent, audit_trail, palo};
use webhook_guard::signature::{SecretSet, SignatureFormat};
use webhook_guard::{HeaderLookup, Scheme, Secret, Signer, Verifier};

const AT_SECRET: &str = "whsec_abc123def456";
const PALO_SECRET: &str = "votre_secret_hmac_32_chars_min__";
/// When the Audit Trail deliveries are signed.
const AT_SIGNED_AT: i64 = 1_705_312_200;
/// 2026-02-19T10:30:00Z, the PALO sample's `timestamp`.
const PALO_EVENT_TIME: i64 = 1_771_497_000;

const SIZES: [(usize, &str); 3] = [(1024, "1KiB"), (64 * 1024, "64KiB"), (1024 * 1024, "1MiB")];

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
}

/// `sample` with a `padding` string field appended so that the body is exactly `size` bytes.
fn padded(sample: &str, size: usize) -> Bytes {
    let head = sample.strip_suffix('}').expect("a JSON object");
    let frame = head.len() + r#","padding":""}"#.len();
    assert!(size >= frame, "sample larger than {size}");
    let body = format!(r#"{head},"padding":"{}"}}"#, "x".repeat(size - frame));
    assert_eq!(body.len(), size);
    serde_json::from_str::<serde::de::IgnoredAny>(&body).expect("valid JSON");
    Bytes::from(body)
}

fn header_map(headers: &[(String, String)]) -> HeaderMap {
    headers
        .iter()
        .map(|(n, v)| {
            (
                HeaderName::from_bytes(n.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            )
        })
        .collect()
}

fn keyed(secret: &str) -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap()
}

/// The raw baseline: a pre-keyed MAC cloned per message, fed the pieces, finalized.
fn raw_hmac(keyed: &Hmac<Sha256>, pieces: &[&[u8]]) -> [u8; 32] {
    let mut mac = keyed.clone();
    for piece in pieces {
        mac.update(piece);
    }
    mac.finalize().into_bytes().into()
}

struct Case {
    verifier: Verifier,
    headers: HeaderMap,
    body: Bytes,
    now: i64,
}

fn audit_trail_case(size: usize) -> Case {
    let secret = Secret::new(AT_SECRET).unwrap();
    let body = padded(&audit_trail::sample("event.created").unwrap(), size);
    let headers = Signer::new(Scheme::audit_trail(), secret.clone()).headers(
        &body,
        AT_SIGNED_AT,
        "whd_abc123",
    );
    Case {
        verifier: Verifier::new(Scheme::audit_trail(), [secret]).body_limit(2 * 1024 * 1024),
        headers: header_map(&headers),
        body,
        now: AT_SIGNED_AT + 30,
    }
}

fn palo_case(size: usize) -> Case {
    let secret = Scheme::palo().secret(PALO_SECRET).unwrap();
    let body = padded(&palo::sample("ticket.created").unwrap(), size);
    let headers = Signer::new(Scheme::palo(), secret.clone()).headers(&body, 0, "");
    Case {
        verifier: Verifier::new(Scheme::palo(), [secret]).body_limit(2 * 1024 * 1024),
        headers: header_map(&headers),
        body,
        now: PALO_EVENT_TIME + 60,
    }
}

/// Full `verify_at` against the raw HMAC of the same signed bytes, per scheme and size.
fn verify_vs_raw(c: &mut Criterion) {
    for scheme in ["audit-trail", "palo"] {
        let mut group = c.benchmark_group(format!("verify/{scheme}"));
        for (size, label) in SIZES {
            let case = match scheme {
                "audit-trail" => audit_trail_case(size),
                _ => palo_case(size),
            };
            // Sanity: the delivery verifies and the fields are read.
            let delivery = case
                .verifier
                .verify_at(&case.headers, case.body.clone(), case.now)
                .expect("valid delivery");
            assert!(delivery.tenant().is_some() && delivery.event_type().is_some());

            group.throughput(Throughput::Bytes(size as u64));
            group.bench_function(BenchmarkId::new("verify_at", label), |b| {
                b.iter(|| {
                    case.verifier
                        .verify_at(black_box(&case.headers), case.body.clone(), case.now)
                        .unwrap()
                })
            });
            let (key, timestamp) = match scheme {
                "audit-trail" => (
                    keyed(AT_SECRET),
                    case.headers.header("x-audit-trail-timestamp"),
                ),
                _ => (keyed(PALO_SECRET), None),
            };
            group.bench_function(BenchmarkId::new("raw_hmac", label), |b| {
                b.iter(|| match timestamp {
                    Some(ts) => raw_hmac(&key, &[black_box(ts), b".", black_box(&case.body)]),
                    None => raw_hmac(&key, &[black_box(&case.body)]),
                })
            });
        }
        group.finish();
    }
}

/// The same borrowed-field read that `src/body.rs` does (three top-level strings, the rest
/// skipped): a stand-in for the crate-private `json_fields`, to time the scan on its own.
#[derive(Deserialize)]
#[allow(dead_code)]
struct AuditTrailFields<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "type")]
    event_type: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "tenantId")]
    tenant: Option<Cow<'a, str>>,
}

/// Where the time of one Audit Trail 1 KiB verification goes.
fn pieces(c: &mut Criterion) {
    let mut group = c.benchmark_group("pieces/audit-trail/1KiB");
    let case = audit_trail_case(1024);
    let format = SignatureFormat::prefixed_hex("sha256=");
    let raw_signature = case.headers.header("x-audit-trail-signature").unwrap();
    let ts = case.headers.header("x-audit-trail-timestamp").unwrap();
    let secrets = SecretSet::new([Secret::new(AT_SECRET).unwrap()]);
    let parsed = format.parse(raw_signature).unwrap();
    assert!(secrets.verify(&parsed, &[ts, b".", &case.body]).is_ok());

    group.bench_function("header_lookups", |b| {
        b.iter(|| {
            let h = black_box(&case.headers);
            (
                h.header("x-audit-trail-signature"),
                h.header("x-audit-trail-timestamp"),
                h.header("x-audit-trail-delivery-id"),
            )
        })
    });
    group.bench_function("signature_parse", |b| {
        b.iter(|| format.parse(black_box(raw_signature)).unwrap())
    });
    group.bench_function("secretset_verify", |b| {
        b.iter(|| {
            secrets
                .verify(black_box(&parsed), &[ts, b".", &case.body])
                .unwrap()
        })
    });
    group.bench_function("field_scan", |b| {
        b.iter(|| serde_json::from_slice::<AuditTrailFields<'_>>(black_box(&case.body)).unwrap())
    });
    group.bench_function("json_skip_only", |b| {
        b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&case.body)).unwrap())
    });
    group.bench_function("verify_at", |b| {
        b.iter(|| {
            case.verifier
                .verify_at(black_box(&case.headers), case.body.clone(), case.now)
                .unwrap()
        })
    });
    group.finish();

    // The scan at the larger sizes: it validates the whole body, so it grows with it.
    let mut group = c.benchmark_group("pieces/audit-trail/field_scan");
    for (size, label) in SIZES {
        let case = audit_trail_case(size);
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(label, |b| {
            b.iter(|| {
                serde_json::from_slice::<AuditTrailFields<'_>>(black_box(&case.body)).unwrap()
            })
        });
    }
    group.finish();
}

/// A rotation-style header with three entries, only the last valid (Audit Trail, 1 KiB).
fn three_entries(c: &mut Criterion) {
    let mut group = c.benchmark_group("signature_entries/audit-trail/1KiB");
    let case = audit_trail_case(1024);
    let valid = case
        .headers
        .get("x-audit-trail-signature")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let wrong = |fill: char| format!("sha256={}", fill.to_string().repeat(64));
    let mut three = case.headers.clone();
    three.insert(
        "x-audit-trail-signature",
        HeaderValue::from_str(&format!("{},{},{valid}", wrong('a'), wrong('b'))).unwrap(),
    );
    case.verifier
        .verify_at(&three, case.body.clone(), case.now)
        .expect("the last entry is valid");
    group.bench_function("one_entry", |b| {
        b.iter(|| {
            case.verifier
                .verify_at(black_box(&case.headers), case.body.clone(), case.now)
                .unwrap()
        })
    });
    group.bench_function("three_entries_last_valid", |b| {
        b.iter(|| {
            case.verifier
                .verify_at(black_box(&three), case.body.clone(), case.now)
                .unwrap()
        })
    });
    group.finish();
}

/// Typed parsing of every sample event.
fn typed_events(c: &mut Criterion) {
    let mut group = c.benchmark_group("typed/audit-trail");
    for ty in AuditTrailEvent::KNOWN_TYPES {
        let body = audit_trail::sample(ty).unwrap();
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(*ty, |b| {
            b.iter(|| AuditTrailEvent::from_slice(black_box(body.as_bytes())).unwrap())
        });
    }
    group.finish();
    let mut group = c.benchmark_group("typed/palo");
    for ty in PaloEvent::KNOWN_TYPES {
        let body = palo::sample(ty).unwrap();
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(*ty, |b| {
            b.iter(|| PaloEvent::from_slice(black_box(body.as_bytes())).unwrap())
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = verify_vs_raw, pieces, three_entries, typed_events
}
criterion_main!(benches);
