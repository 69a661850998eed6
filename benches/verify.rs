//! Verification cost against a raw HMAC-SHA256 of the same signed bytes, measured in one run;
//! and for the other algorithms (HMAC-SHA1, HMAC-SHA512, Ed25519) against their raw primitive.
//!
//! `cargo bench --bench verify` (filter with e.g. `-- verify/audit-trail` or `-- algorithm/`).

use std::borrow::Cow;
use std::hint::black_box;
use std::time::Duration;

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;
use sha2::Sha256;
use webhook_guard::event::{AuditTrailEvent, PaloEvent, TypedEvent};
use webhook_guard::signature::{SecretSet, SignatureFormat};
use webhook_guard::testing::{audit_trail_sample, palo_sample};
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
    let body = padded(&audit_trail_sample("event.created").unwrap(), size);
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
    let body = padded(&palo_sample("ticket.created").unwrap(), size);
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
            // The same verification without the typed event (a raw-body route): the field scan.
            let scan_only = case.verifier.clone().typed_events(false);
            group.bench_function(BenchmarkId::new("verify_at_scan_only", label), |b| {
                b.iter(|| {
                    scan_only
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
        let body = audit_trail_sample(ty).unwrap();
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(*ty, |b| {
            b.iter(|| AuditTrailEvent::from_slice(black_box(body.as_bytes())).unwrap())
        });
    }
    group.finish();
    let mut group = c.benchmark_group("typed/palo");
    for ty in PaloEvent::KNOWN_TYPES {
        let body = palo_sample(ty).unwrap();
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(*ty, |b| {
            b.iter(|| PaloEvent::from_slice(black_box(body.as_bytes())).unwrap())
        });
    }
    group.finish();
}

/// `verify_at` of a scheme per algorithm (`<ts>.<body>` signed, JSON body with an id) against
/// the raw primitive over the same bytes: a pre-keyed HMAC cloned per message, or dalek's
/// `verify_strict` of the message already in one buffer.
fn algorithms(c: &mut Criterion) {
    use ed25519_dalek::Signer as _;
    use webhook_guard::PublicKey;
    use webhook_guard::scheme::{Field, IdBinding, SignedPart, TimestampFormat};
    use webhook_guard::signature::{Algorithm, Encoding};

    const SECRET: &str = "bench-secret-for-the-other-macs";
    let seed = [5u8; 32];
    let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
    let scheme = |algorithm: Algorithm| {
        Scheme::builder("bench")
            .signature(
                "x-signature",
                SignatureFormat::Bare {
                    encoding: Encoding::Hex,
                },
            )
            .algorithm(algorithm)
            .signed_content([
                SignedPart::Timestamp,
                SignedPart::literal("."),
                SignedPart::Body,
            ])
            .timestamp(Field::header("x-timestamp"), TimestampFormat::UnixSeconds)
            .freshness(webhook_guard::Freshness::new(
                Duration::from_secs(300),
                Duration::from_secs(300),
            ))
            .id(Field::body("id"), IdBinding::Signed)
            .build()
            .unwrap()
    };
    for (name, algorithm) in [
        ("hmac-sha1", Algorithm::HmacSha1),
        ("hmac-sha256", Algorithm::HmacSha256),
        ("hmac-sha512", Algorithm::HmacSha512),
        ("ed25519", Algorithm::Ed25519),
    ] {
        let mut group = c.benchmark_group(format!("algorithm/{name}"));
        for (size, label) in SIZES {
            let body = padded(r#"{"id":"evt_1","type":"bench"}"#, size);
            let ts = AT_SIGNED_AT.to_string();
            let message = [ts.as_bytes(), b".", &body].concat();
            let (verifier, signature) = if name == "ed25519" {
                let key = PublicKey::ed25519(signing.verifying_key().as_bytes()).unwrap();
                let signature = signing.sign(&message).to_bytes();
                let keys = SecretSet::public_keys([key]);
                (
                    Verifier::with_secret_set(scheme(algorithm), keys),
                    signature.to_vec(),
                )
            } else {
                let keys = SecretSet::new([Secret::new(SECRET).unwrap()]);
                let tag = keys.sign_with(algorithm, &[&message]).unwrap();
                (
                    Verifier::with_secret_set(scheme(algorithm), keys),
                    tag.as_bytes().to_vec(),
                )
            };
            let verifier = verifier.body_limit(2 * 1024 * 1024);
            let headers = header_map(&[
                ("x-signature".into(), Encoding::Hex.encode(&signature)),
                ("x-timestamp".into(), ts.clone()),
            ]);
            verifier
                .verify_at(&headers, body.clone(), AT_SIGNED_AT)
                .expect("valid delivery");
            group.throughput(Throughput::Bytes(size as u64));
            group.bench_function(BenchmarkId::new("verify_at", label), |b| {
                b.iter(|| {
                    verifier
                        .verify_at(black_box(&headers), body.clone(), AT_SIGNED_AT)
                        .unwrap()
                })
            });
            let pieces: [&[u8]; 3] = [ts.as_bytes(), b".", &body];
            match algorithm {
                Algorithm::HmacSha1 => {
                    let key = <Hmac<sha1::Sha1> as Mac>::new_from_slice(SECRET.as_bytes()).unwrap();
                    group.bench_function(BenchmarkId::new("raw", label), |b| {
                        b.iter(|| raw_mac(&key, black_box(&pieces)))
                    });
                }
                Algorithm::HmacSha256 => {
                    let key = keyed(SECRET);
                    group.bench_function(BenchmarkId::new("raw", label), |b| {
                        b.iter(|| raw_mac(&key, black_box(&pieces)))
                    });
                }
                Algorithm::HmacSha512 => {
                    let key =
                        <Hmac<sha2::Sha512> as Mac>::new_from_slice(SECRET.as_bytes()).unwrap();
                    group.bench_function(BenchmarkId::new("raw", label), |b| {
                        b.iter(|| raw_mac(&key, black_box(&pieces)))
                    });
                }
                _ => {
                    let key = signing.verifying_key();
                    let signature = ed25519_dalek::Signature::from_slice(&signature).unwrap();
                    group.bench_function(BenchmarkId::new("raw", label), |b| {
                        b.iter(|| key.verify_strict(black_box(&message), &signature).unwrap())
                    });
                }
            }
        }
        group.finish();
    }
}

/// A pre-keyed MAC of any hash, cloned per message and fed the pieces.
fn raw_mac<M: Mac + Clone>(keyed: &M, pieces: &[&[u8]]) -> usize {
    let mut mac = keyed.clone();
    for piece in pieces {
        mac.update(piece);
    }
    mac.finalize().into_bytes().len()
}

criterion_group! {
    name = benches;
    config = config();
    targets = verify_vs_raw, pieces, three_entries, typed_events, algorithms
}
criterion_main!(benches);
