//! Every verification rule of the core, through the public API: `Verifier::verify_at` with the
//! built-in schemes (Audit Trail, PALO) and a custom one, headers as `Vec<(String, String)>`,
//! as raw bytes, and as `http::HeaderMap`.
//!
//! Signatures are computed here with `hmac`/`sha2` directly (not with the crate's `Signer`), so a
//! bug shared by the signer and the verifier cannot hide; `python_hmac_vectors` checks both
//! against the providers' own Python reference verifiers.

use std::time::Duration;

use bytes::Bytes;
use hmac::{Hmac, Mac};
use http::{HeaderMap, HeaderName, HeaderValue};
use sha2::Sha256;
use webhook_guard::scheme::{BodyFormat, Field, IdBinding, SignedPart, TimestampFormat};
use webhook_guard::signature::{SecretSet, SignatureFormat};
use webhook_guard::time::format_rfc3339;
use webhook_guard::{
    Delivery, Freshness, HeaderLookup, Rejection, Scheme, Secret, Signer, Verifier,
};

const AT_SECRET: &str = "whsec_abc123def456";
const PALO_SECRET: &str = "votre_secret_hmac_32_chars_min__";
/// 2024-01-15T09:50:00Z, the spec's sample timestamp.
const NOW: i64 = 1_705_312_200;
/// 2026-02-19T10:30:00Z, the PALO spec's sample timestamp.
const PALO_NOW: i64 = 1_771_497_000;

const SIG: &str = "x-audit-trail-signature";
const TS: &str = "x-audit-trail-timestamp";
const ID: &str = "x-audit-trail-delivery-id";
const PALO_SIG: &str = "x-palo-signature";

type RawHeaders = Vec<(String, Vec<u8>)>;

// ---------------------------------------------------------------------------------------------
// Helpers.

fn hmac_hex(secret: &[u8], pieces: &[&[u8]]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("any key length");
    for piece in pieces {
        mac.update(piece);
    }
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn at_body(id: &str) -> String {
    format!(
        r#"{{"id":"{id}","type":"event.created","timestamp":"2025-01-15T10:30:00Z","tenantId":"tenant-001","data":{{"event":{{"id":"550e8400"}}}}}}"#
    )
}

fn palo_body(event_id: &str, timestamp: &str) -> String {
    format!(
        r#"{{"event_id":"{event_id}","event_type":"ticket.created","timestamp":"{timestamp}","organization_id":"org_1","data":{{"ticket_id":"TKT-00512","priority":"p3"}}}}"#
    )
}

/// Audit Trail headers signed with `secret` over `<raw timestamp>.<body>`.
fn at_headers_raw(secret: &str, timestamp: &[u8], body: &[u8], id: &[u8]) -> RawHeaders {
    let hex = hmac_hex(secret.as_bytes(), &[timestamp, b".", body]);
    vec![
        (SIG.to_owned(), format!("sha256={hex}").into_bytes()),
        (TS.to_owned(), timestamp.to_vec()),
        (ID.to_owned(), id.to_vec()),
    ]
}

fn at_headers(timestamp: i64, body: &str, id: &str) -> RawHeaders {
    at_headers_raw(
        AT_SECRET,
        timestamp.to_string().as_bytes(),
        body.as_bytes(),
        id.as_bytes(),
    )
}

fn palo_headers(secret: &str, body: &[u8]) -> RawHeaders {
    vec![(
        PALO_SIG.to_owned(),
        format!("sha256={}", hmac_hex(secret.as_bytes(), &[body])).into_bytes(),
    )]
}

fn set(headers: &mut RawHeaders, name: &str, value: impl Into<Vec<u8>>) {
    let value = value.into();
    match headers
        .iter_mut()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
    {
        Some((_, v)) => *v = value,
        None => headers.push((name.to_owned(), value)),
    }
}

fn without(headers: &RawHeaders, name: &str) -> RawHeaders {
    headers
        .iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case(name))
        .cloned()
        .collect()
}

fn header_map(headers: &RawHeaders) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.insert(
            HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            HeaderValue::from_bytes(value).expect("header value"),
        );
    }
    map
}

fn at_verifier() -> Verifier {
    Verifier::new(Scheme::audit_trail(), [Secret::new(AT_SECRET).unwrap()])
}

fn palo_verifier() -> Verifier {
    Verifier::new(
        Scheme::palo(),
        [Scheme::palo().secret(PALO_SECRET).unwrap()],
    )
}

fn verify<H: HeaderLookup + ?Sized>(
    verifier: &Verifier,
    headers: &H,
    body: &str,
    now: i64,
) -> Result<Delivery, Rejection> {
    verifier.verify_at(headers, Bytes::copy_from_slice(body.as_bytes()), now)
}

#[track_caller]
fn assert_rejected(
    result: Result<Delivery, Rejection>,
    expected: Rejection,
    status: u16,
) -> Rejection {
    match result {
        Ok(delivery) => panic!("expected {expected:?}, the delivery passed: {delivery:?}"),
        Err(rejection) => {
            assert_eq!(rejection, expected);
            assert_eq!(rejection.status(), status, "status of {rejection:?}");
            rejection
        }
    }
}

#[track_caller]
fn assert_passes(result: Result<Delivery, Rejection>) -> Delivery {
    match result {
        Ok(delivery) => delivery,
        Err(rejection) => panic!("expected a verified delivery, got {rejection:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Valid deliveries.

#[test]
fn audit_trail_valid_delivery_through_every_header_type() {
    let verifier = at_verifier();
    let body = at_body("whd_abc123");
    let raw = at_headers(NOW, &body, "whd_abc123");
    let strings: Vec<(String, String)> = raw
        .iter()
        .map(|(n, v)| (n.clone(), String::from_utf8(v.clone()).unwrap()))
        .collect();
    // Header names as the sender writes them: lookups are case-insensitive.
    let capitalised: Vec<(String, String)> = strings
        .iter()
        .map(|(n, v)| (n.replace("x-audit-trail", "X-Audit-Trail"), v.clone()))
        .collect();
    let map = header_map(&raw);

    for delivery in [
        assert_passes(verify(&verifier, &raw, &body, NOW)),
        assert_passes(verify(&verifier, &strings, &body, NOW + 30)),
        assert_passes(verify(&verifier, &capitalised, &body, NOW)),
        assert_passes(verify(&verifier, &map, &body, NOW)),
        assert_passes(verify(&verifier, &strings[..], &body, NOW)),
    ] {
        assert_eq!(delivery.scheme(), "audit-trail");
        assert_eq!(delivery.id(), "whd_abc123");
        assert_eq!(delivery.event_type(), Some("event.created"));
        assert_eq!(delivery.tenant(), Some("tenant-001"));
        assert_eq!(delivery.timestamp(), Some(NOW));
        assert_eq!(&delivery.body()[..], body.as_bytes());
    }
}

#[test]
fn audit_trail_signer_output_verifies_and_matches_the_reference_hmac() {
    let body = at_body("whd_signer");
    let secret = Secret::new(AT_SECRET).unwrap();
    let signed =
        Signer::new(Scheme::audit_trail(), secret).headers(body.as_bytes(), NOW, "whd_signer");
    let reference = at_headers(NOW, &body, "whd_signer");
    for (name, value) in &reference {
        assert_eq!(signed.header(name), Some(&value[..]), "{name}");
    }
    assert_passes(verify(&at_verifier(), &signed, &body, NOW));
}

#[test]
fn palo_valid_delivery() {
    let verifier = palo_verifier();
    let body = palo_body("evt_01HX", "2026-02-19T10:30:00Z");
    let headers = palo_headers(PALO_SECRET, body.as_bytes());
    for delivery in [
        assert_passes(verify(&verifier, &headers, &body, PALO_NOW)),
        assert_passes(verify(&verifier, &header_map(&headers), &body, PALO_NOW)),
    ] {
        assert_eq!(delivery.scheme(), "palo");
        assert_eq!(delivery.id(), "evt_01HX");
        assert_eq!(delivery.event_type(), Some("ticket.created"));
        assert_eq!(delivery.tenant(), Some("org_1"));
        assert_eq!(delivery.timestamp(), Some(PALO_NOW));
    }
    // The signer ignores the timestamp and id arguments for PALO (they are in the body).
    let signed = Signer::new(Scheme::palo(), Scheme::palo().secret(PALO_SECRET).unwrap()).headers(
        body.as_bytes(),
        0,
        "ignored",
    );
    assert_eq!(signed.len(), 1);
    assert_eq!(signed.header(PALO_SIG), headers.header(PALO_SIG));
}

fn acme() -> Scheme {
    // `<timestamp>:<body>` under `X-Acme-Signature: v1=<hex>`, id and type in the body.
    Scheme::builder("acme")
        .signature("X-Acme-Signature", SignatureFormat::prefixed_hex("v1="))
        .signed_content([
            SignedPart::Timestamp,
            SignedPart::literal(":"),
            SignedPart::Body,
        ])
        .timestamp(
            Field::header("X-Acme-Timestamp"),
            TimestampFormat::UnixSeconds,
        )
        .freshness(Freshness::new(
            Duration::from_secs(120),
            Duration::from_secs(10),
        ))
        .id(Field::body("id"), IdBinding::Signed)
        .event_type(Field::body("kind"))
        .tenant(Field::header("X-Acme-Account"))
        .build()
        .unwrap()
}

#[test]
fn custom_scheme_valid_and_invalid_deliveries() {
    let secret = "acme-secret";
    let verifier = Verifier::new(acme(), [Secret::new(secret).unwrap()]);
    let body = r#"{"id":"acme_1","kind":"invoice.paid","amount":12}"#;
    let ts = (NOW - 100).to_string();
    let hex = hmac_hex(secret.as_bytes(), &[ts.as_bytes(), b":", body.as_bytes()]);
    let headers: Vec<(String, String)> = vec![
        ("X-Acme-Signature".into(), format!("v1={hex}")),
        ("X-Acme-Timestamp".into(), ts.clone()),
        ("X-Acme-Account".into(), "acct_9".into()),
    ];
    let delivery = assert_passes(verify(&verifier, &headers, body, NOW));
    assert_eq!(delivery.scheme(), "acme");
    assert_eq!(delivery.id(), "acme_1");
    assert_eq!(delivery.event_type(), Some("invoice.paid"));
    assert_eq!(delivery.tenant(), Some("acct_9"));
    assert_eq!(delivery.timestamp(), Some(NOW - 100));

    // The signer agrees with the reference HMAC for a custom scheme too.
    let signed = Signer::new(acme(), Secret::new(secret).unwrap()).headers(
        body.as_bytes(),
        NOW - 100,
        "unused",
    );
    assert_eq!(
        signed.header("x-acme-signature"),
        Some(format!("v1={hex}").as_bytes())
    );

    // Its own window (120 s) and separator apply.
    assert_rejected(
        verify(&verifier, &headers, body, NOW + 21),
        Rejection::StaleTimestamp,
        400,
    );
    let dotted = hmac_hex(secret.as_bytes(), &[ts.as_bytes(), b".", body.as_bytes()]);
    let mut wrong_separator = headers.clone();
    wrong_separator[0].1 = format!("v1={dotted}");
    assert_rejected(
        verify(&verifier, &wrong_separator, body, NOW),
        Rejection::InvalidSignature,
        401,
    );
    // Its prefix, not Audit Trail's.
    let mut wrong_prefix = headers.clone();
    wrong_prefix[0].1 = format!("sha256={hex}");
    assert_rejected(
        verify(&verifier, &wrong_prefix, body, NOW),
        Rejection::MalformedSignature,
        401,
    );
    // The id is a signed body field: a body without it has nothing to deduplicate on.
    let no_id = r#"{"kind":"invoice.paid"}"#;
    let hex = hmac_hex(secret.as_bytes(), &[ts.as_bytes(), b":", no_id.as_bytes()]);
    let mut no_id_headers = headers.clone();
    no_id_headers[0].1 = format!("v1={hex}");
    assert_rejected(
        verify(&verifier, &no_id_headers, no_id, NOW),
        Rejection::MissingId,
        400,
    );
}

fn github_like(format: BodyFormat) -> Scheme {
    // GitHub: `X-Hub-Signature-256: sha256=<hex>` over the body, id in an unsigned header, no
    // timestamp, and no body field read at all.
    Scheme::builder("github")
        .signature(
            "X-Hub-Signature-256",
            SignatureFormat::prefixed_hex("sha256="),
        )
        .id(Field::header("X-GitHub-Delivery"), IdBinding::Unsigned)
        .body_format(format)
        .build()
        .unwrap()
}

#[test]
fn a_json_scheme_rejects_a_signed_body_that_is_not_json_even_when_it_reads_no_field() {
    let secret = "gh-secret";
    let json = Verifier::new(
        github_like(BodyFormat::Json),
        [Secret::new(secret).unwrap()],
    );
    let opaque = Verifier::new(
        github_like(BodyFormat::Opaque),
        [Secret::new(secret).unwrap()],
    );
    let headers = |body: &str| -> Vec<(String, String)> {
        vec![
            (
                "X-Hub-Signature-256".into(),
                format!("sha256={}", hmac_hex(secret.as_bytes(), &[body.as_bytes()])),
            ),
            (
                "X-GitHub-Delivery".into(),
                "72d3162e-cc78-11e3-81ab-4c9367dc0958".into(),
            ),
        ]
    };
    let body = r#"{"action":"opened","number":1}"#;
    let delivery = assert_passes(verify(&json, &headers(body), body, NOW));
    assert_eq!(delivery.id(), "72d3162e-cc78-11e3-81ab-4c9367dc0958");
    assert_eq!(delivery.timestamp(), None);
    assert!(!github_like(BodyFormat::Json).has_timestamp());
    for junk in ["not json", "", "[1,2]", "{\"a\":1} trailing"] {
        // BodyFormat::Json: "a body that is not one is rejected".
        assert_rejected(
            verify(&json, &headers(junk), junk, NOW),
            Rejection::MalformedBody,
            400,
        );
        // BodyFormat::Opaque: never parsed.
        assert_passes(verify(&opaque, &headers(junk), junk, NOW));
    }
    // Without a timestamp there is no freshness: any `now` passes.
    assert_passes(verify(&json, &headers(body), body, i64::MIN));
    assert_passes(verify(&json, &headers(body), body, i64::MAX));
    // The id header is unsigned: missing or empty is MissingId, after the signature.
    let mut no_id = headers(body);
    no_id.pop();
    assert_rejected(verify(&json, &no_id, body, NOW), Rejection::MissingId, 400);
    no_id.push(("X-GitHub-Delivery".into(), String::new()));
    assert_rejected(verify(&json, &no_id, body, NOW), Rejection::MissingId, 400);
}

// ---------------------------------------------------------------------------------------------
// Signatures.

#[test]
fn tampered_body_is_an_invalid_signature() {
    let at = at_verifier();
    let body = at_body("whd_abc123");
    let headers = at_headers(NOW, &body, "whd_abc123");
    let tampered = [
        body.replace("event.created", "event.deleted"),
        body.replacen(':', ": ", 1),
        format!("{body}\n"),
        body[..body.len() - 1].to_owned(),
        body.replace("550e8400", "550E8400"),
    ];
    for bad in &tampered {
        assert_rejected(
            verify(&at, &headers, bad, NOW),
            Rejection::InvalidSignature,
            401,
        );
    }
    // The timestamp is signed too.
    let mut moved = headers.clone();
    set(&mut moved, TS, (NOW + 1).to_string());
    assert_rejected(
        verify(&at, &moved, &body, NOW),
        Rejection::InvalidSignature,
        401,
    );

    let palo = palo_verifier();
    let body = palo_body("evt_1", "2026-02-19T10:30:00Z");
    let headers = palo_headers(PALO_SECRET, body.as_bytes());
    for bad in [
        body.replace("p3", "p1"),
        body.replace("evt_1", "evt_2"),
        format!(" {body}"),
    ] {
        assert_rejected(
            verify(&palo, &headers, &bad, PALO_NOW),
            Rejection::InvalidSignature,
            401,
        );
    }
}

#[test]
fn wrong_secret_is_an_invalid_signature() {
    let body = at_body("whd_1");
    let headers = at_headers_raw(
        "whsec_other",
        NOW.to_string().as_bytes(),
        body.as_bytes(),
        b"whd_1",
    );
    assert_rejected(
        verify(&at_verifier(), &headers, &body, NOW),
        Rejection::InvalidSignature,
        401,
    );
    // A secret differing only in case, or a prefix of the right one.
    for secret in [
        "WHSEC_ABC123DEF456",
        "whsec_abc123def45",
        "whsec_abc123def4567",
    ] {
        let headers = at_headers_raw(
            secret,
            NOW.to_string().as_bytes(),
            body.as_bytes(),
            b"whd_1",
        );
        assert_rejected(
            verify(&at_verifier(), &headers, &body, NOW),
            Rejection::InvalidSignature,
            401,
        );
    }
    let body = palo_body("evt_1", "2026-02-19T10:30:00Z");
    let headers = palo_headers("another_secret_of_32_characters_", body.as_bytes());
    assert_rejected(
        verify(&palo_verifier(), &headers, &body, PALO_NOW),
        Rejection::InvalidSignature,
        401,
    );
}

#[test]
fn an_empty_secret_set_knows_no_signer() {
    let verifier = Verifier::new(Scheme::audit_trail(), []);
    let body = at_body("whd_1");
    assert_rejected(
        verify(&verifier, &at_headers(NOW, &body, "whd_1"), &body, NOW),
        Rejection::UnknownSigner,
        401,
    );
}

#[test]
fn secret_rotation_old_and_new_verify_a_removed_one_does_not() {
    let (old, new) = ("whsec_old_secret", "whsec_new_secret");
    let during = Verifier::new(
        Scheme::audit_trail(),
        [Secret::new(new).unwrap(), Secret::new(old).unwrap()],
    );
    let after = Verifier::new(Scheme::audit_trail(), [Secret::new(new).unwrap()]);
    let body = at_body("whd_rot");
    let ts = NOW.to_string();
    let by_old = at_headers_raw(old, ts.as_bytes(), body.as_bytes(), b"whd_rot");
    let by_new = at_headers_raw(new, ts.as_bytes(), body.as_bytes(), b"whd_rot");
    assert_eq!(during.secrets().len(), 2);
    assert_passes(verify(&during, &by_old, &body, NOW));
    assert_passes(verify(&during, &by_new, &body, NOW));
    assert_passes(verify(&after, &by_new, &body, NOW));
    assert_rejected(
        verify(&after, &by_old, &body, NOW),
        Rejection::InvalidSignature,
        401,
    );

    // A sender signing with both during its own rotation: one header, two entries.
    let both = format!(
        "sha256={}, sha256={}",
        hmac_hex(old.as_bytes(), &[ts.as_bytes(), b".", body.as_bytes()]),
        hmac_hex(new.as_bytes(), &[ts.as_bytes(), b".", body.as_bytes()])
    );
    let mut headers = by_new.clone();
    set(&mut headers, SIG, both);
    assert_passes(verify(&after, &headers, &body, NOW));
    let only_old = Verifier::new(Scheme::audit_trail(), [Secret::new(old).unwrap()]);
    assert_passes(verify(&only_old, &headers, &body, NOW));

    // verify_with: secrets chosen per request.
    let removed = SecretSet::new([Secret::new("whsec_unrelated").unwrap()]);
    assert_eq!(
        after
            .verify_with(&by_new, Bytes::from(body.clone()), &removed, NOW)
            .unwrap_err(),
        Rejection::InvalidSignature
    );
    let chosen = SecretSet::new([Secret::new(old).unwrap()]);
    assert!(
        after
            .verify_with(&by_old, Bytes::from(body), &chosen, NOW)
            .is_ok()
    );
}

fn hex_of(headers: &RawHeaders, name: &str) -> String {
    let value = std::str::from_utf8(headers.header(name).unwrap()).unwrap();
    value.strip_prefix("sha256=").unwrap().to_owned()
}

#[test]
fn several_entries_in_one_header_only_the_last_valid() {
    let verifier = at_verifier();
    let body = at_body("whd_multi");
    let headers = at_headers(NOW, &body, "whd_multi");
    let good = hex_of(&headers, SIG);
    let wrong = hmac_hex(
        b"whsec_other",
        &[NOW.to_string().as_bytes(), b".", body.as_bytes()],
    );
    let short = &good[..63];
    for value in [
        format!("sha256={wrong},sha256={good}"),
        format!("sha256={wrong}, sha256={good}"),
        format!("sha256={wrong} sha256={good}"),
        format!("sha256={wrong}\tsha256={good}"),
        format!("sha256={short}, sha256={wrong} ,, sha256={good} "),
        format!("v1={good} sha256={good}"),
        format!("sha256={}, sha256={good}", "zz".repeat(32)),
    ] {
        let mut headers = headers.clone();
        set(&mut headers, SIG, value.clone());
        assert_passes(verify(&verifier, &headers, &body, NOW));
    }
    // 16 entries, the last one valid: still accepted.
    let sixteen = std::iter::repeat_n(format!("sha256={wrong}"), 15)
        .chain([format!("sha256={good}")])
        .collect::<Vec<_>>()
        .join(", ");
    let mut h16 = headers.clone();
    set(&mut h16, SIG, sixteen);
    assert_passes(verify(&verifier, &h16, &body, NOW));
    // 17 entries: malformed, wherever the valid one is.
    for position in [0, 8, 16] {
        let entries: Vec<String> = (0..17)
            .map(|i| {
                if i == position {
                    format!("sha256={good}")
                } else {
                    format!("sha256={wrong}")
                }
            })
            .collect();
        let mut h17 = headers.clone();
        set(&mut h17, SIG, entries.join(","));
        assert_rejected(
            verify(&verifier, &h17, &body, NOW),
            Rejection::MalformedSignature,
            401,
        );
    }
    // No valid entry among several: invalid, not malformed.
    let mut bad = headers.clone();
    set(&mut bad, SIG, format!("sha256={wrong}, sha256={wrong}"));
    assert_rejected(
        verify(&verifier, &bad, &body, NOW),
        Rejection::InvalidSignature,
        401,
    );
}

#[test]
fn upper_case_hex_passes() {
    let verifier = at_verifier();
    let body = at_body("whd_upper");
    let mut headers = at_headers(NOW, &body, "whd_upper");
    let good = hex_of(&headers, SIG);
    assert!(
        good.bytes().any(|b| b.is_ascii_lowercase()),
        "the sample has hex letters"
    );
    set(
        &mut headers,
        SIG,
        format!("sha256={}", good.to_ascii_uppercase()),
    );
    assert_passes(verify(&verifier, &headers, &body, NOW));
    let mixed: String = good
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 0 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    set(&mut headers, SIG, format!("sha256={mixed}"));
    assert_passes(verify(&verifier, &headers, &body, NOW));
}

#[test]
fn missing_or_wrong_prefix_is_malformed() {
    let verifier = at_verifier();
    let body = at_body("whd_prefix");
    let headers = at_headers(NOW, &body, "whd_prefix");
    let good = hex_of(&headers, SIG);
    for value in [
        good.clone(),
        format!("SHA256={good}"),
        format!("sha1={good}"),
        format!("sha256:{good}"),
        format!("sha256 ={good}"),
        format!("v1={good}"),
    ] {
        let mut headers = headers.clone();
        set(&mut headers, SIG, value);
        assert_rejected(
            verify(&verifier, &headers, &body, NOW),
            Rejection::MalformedSignature,
            401,
        );
    }
}

#[test]
fn wrong_length_or_garbage_signature_is_a_rejection_never_a_panic() {
    let verifier = at_verifier();
    let body = at_body("whd_len");
    let headers = at_headers(NOW, &body, "whd_len");
    let good = hex_of(&headers, SIG);
    let cases: Vec<Vec<u8>> = vec![
        format!("sha256={}", &good[..63]).into_bytes(),
        format!("sha256={good}0").into_bytes(),
        format!("sha256={good}00").into_bytes(),
        format!("sha256={good}{good}").into_bytes(),
        format!("sha256={}", &good[..2]).into_bytes(),
        b"sha256=".to_vec(),
        b"sha256".to_vec(),
        b"".to_vec(),
        b" ".to_vec(),
        b",,,".to_vec(),
        format!("sha256={}", "g".repeat(64)).into_bytes(),
        format!("sha256={}", "é".repeat(32)).into_bytes(),
        format!("sha256=0x{}", &good[..62]).into_bytes(),
        [b"sha256=".as_slice(), &[0xff; 64]].concat(),
        "sha256=".repeat(1000).into_bytes(),
    ];
    for value in cases {
        let mut headers = headers.clone();
        set(&mut headers, SIG, value.clone());
        // A panic here fails the test; the value is named in the assertion message otherwise.
        let result = verify(&verifier, &headers, &body, NOW);
        assert_eq!(
            result.as_ref().err(),
            Some(&Rejection::MalformedSignature),
            "{:?}",
            String::from_utf8_lossy(&value)
        );
        assert_rejected(result, Rejection::MalformedSignature, 401);
    }
    // A valid-looking entry of the right length but the wrong value is invalid, not malformed.
    let mut flipped = headers.clone();
    let first = if good.as_bytes()[0] == b'0' { '1' } else { '0' };
    let other = format!("{first}{}", &good[1..]);
    set(&mut flipped, SIG, format!("sha256={other}"));
    assert_rejected(
        verify(&verifier, &flipped, &body, NOW),
        Rejection::InvalidSignature,
        401,
    );
}

#[test]
fn missing_signature_header() {
    let body = at_body("whd_nosig");
    let headers = without(&at_headers(NOW, &body, "whd_nosig"), SIG);
    assert_rejected(
        verify(&at_verifier(), &headers, &body, NOW),
        Rejection::MissingSignature,
        401,
    );
    let body = palo_body("evt_1", "2026-02-19T10:30:00Z");
    let none: RawHeaders = vec![];
    assert_rejected(
        verify(&palo_verifier(), &none, &body, PALO_NOW),
        Rejection::MissingSignature,
        401,
    );
    // A different provider's header does not count.
    let github = vec![(
        "x-hub-signature-256".to_owned(),
        palo_headers(PALO_SECRET, body.as_bytes())[0].1.clone(),
    )];
    assert_rejected(
        verify(&palo_verifier(), &github, &body, PALO_NOW),
        Rejection::MissingSignature,
        401,
    );
}

// ---------------------------------------------------------------------------------------------
// Timestamps.

#[test]
fn timestamp_header_values_signed_as_sent() {
    let verifier = at_verifier();
    let body = at_body("whd_ts");
    let forty_digits = "1".repeat(40);
    let cases: &[(&[u8], Rejection)] = &[
        (b"-1", Rejection::StaleTimestamp),
        (b"0", Rejection::StaleTimestamp),
        (b"-9223372036854775808", Rejection::StaleTimestamp),
        (b"9223372036854775807", Rejection::FutureTimestamp),
        (b"9223372036854775808", Rejection::MalformedTimestamp),
        (b"1e9", Rejection::MalformedTimestamp),
        (forty_digits.as_bytes(), Rejection::MalformedTimestamp),
        (b"yesterday", Rejection::MalformedTimestamp),
        (b"", Rejection::MalformedTimestamp),
        (b" 1705312200", Rejection::MalformedTimestamp),
        (b"1705312200 ", Rejection::MalformedTimestamp),
        (b"+1705312200", Rejection::MalformedTimestamp),
        (b"1705312200.5", Rejection::MalformedTimestamp),
        (b"0x65a4fd08", Rejection::MalformedTimestamp),
        (b"-", Rejection::MalformedTimestamp),
        (b"--1", Rejection::MalformedTimestamp),
        (b"2024-01-15T09:50:00Z", Rejection::MalformedTimestamp),
        (b"\xff\xfe", Rejection::MalformedTimestamp),
    ];
    for (raw, expected) in cases {
        // Signed with the raw timestamp: the signature holds, only the timestamp is wrong.
        let headers = at_headers_raw(AT_SECRET, raw, body.as_bytes(), b"whd_ts");
        let result = verify(&verifier, &headers, &body, NOW);
        assert_eq!(
            result.as_ref().err(),
            Some(expected),
            "timestamp {:?}",
            String::from_utf8_lossy(raw)
        );
        assert_eq!(expected.status(), 400);
    }
    // The spec's own sample value, exactly.
    let headers = at_headers_raw(AT_SECRET, b"1705312200", body.as_bytes(), b"whd_ts");
    assert_eq!(
        assert_passes(verify(&verifier, &headers, &body, NOW)).timestamp(),
        Some(NOW)
    );
}

#[test]
fn audit_trail_freshness_edges_are_inclusive() {
    let verifier = at_verifier();
    let body = at_body("whd_edge");
    let max_age = 300;
    let max_future = 60;
    assert_eq!(
        Scheme::audit_trail().freshness().max_age(),
        Duration::from_secs(max_age as u64)
    );
    assert_eq!(
        Scheme::audit_trail().freshness().max_future(),
        Duration::from_secs(max_future as u64)
    );
    let at = |ts: i64| verify(&verifier, &at_headers(ts, &body, "whd_edge"), &body, NOW);
    assert_passes(at(NOW - max_age));
    assert_rejected(at(NOW - max_age - 1), Rejection::StaleTimestamp, 400);
    assert_passes(at(NOW + max_future));
    assert_rejected(at(NOW + max_future + 1), Rejection::FutureTimestamp, 400);
    assert_passes(at(NOW));
}

#[test]
fn missing_timestamp() {
    let body = at_body("whd_nots");
    let headers = without(&at_headers(NOW, &body, "whd_nots"), TS);
    assert_rejected(
        verify(&at_verifier(), &headers, &body, NOW),
        Rejection::MissingTimestamp,
        400,
    );

    // PALO: the signed body has no `timestamp`, or one that is not a string.
    let verifier = palo_verifier();
    for body in [
        r#"{"event_id":"evt_1","event_type":"ticket.created","organization_id":"org_1","data":{}}"#,
        r#"{"event_id":"evt_1","event_type":"ticket.created","timestamp":null,"data":{}}"#,
        r#"{"event_id":"evt_1","event_type":"ticket.created","timestamp":{"at":"2026-02-19T10:30:00Z"}}"#,
    ] {
        let headers = palo_headers(PALO_SECRET, body.as_bytes());
        assert_rejected(
            verify(&verifier, &headers, body, PALO_NOW),
            Rejection::MissingTimestamp,
            400,
        );
    }
}

#[test]
fn palo_rfc3339_timestamps_with_offsets() {
    let verifier = palo_verifier();
    let cases = [
        ("2026-02-19T10:30:00Z", PALO_NOW),
        ("2026-02-19T10:30:00z", PALO_NOW),
        ("2026-02-19t10:30:00Z", PALO_NOW),
        ("2026-02-19T10:30:00.999999Z", PALO_NOW),
        ("2026-02-19T12:30:00+02:00", PALO_NOW),
        ("2026-02-19T05:30:00-05:00", PALO_NOW),
        ("2026-02-19T16:15:00+05:45", PALO_NOW),
        ("2026-02-18T23:30:00-11:00", PALO_NOW),
        ("2026-02-19T10:30:00+00:00", PALO_NOW),
        ("2026-02-19T10:29:00.5+00:00", PALO_NOW - 60),
    ];
    for (text, unix) in cases {
        let body = palo_body("evt_tz", text);
        let headers = palo_headers(PALO_SECRET, body.as_bytes());
        let delivery = assert_passes(verify(&verifier, &headers, &body, PALO_NOW));
        assert_eq!(delivery.timestamp(), Some(unix), "{text}");
    }
    for text in [
        "2026-02-30T10:30:00Z",
        "2026-02-19T10:30:00",
        "2026-02-19T10:30:00+2:00",
        "2026-02-19T24:00:00Z",
        "2026-02-19 10:30:00 UTC",
        "1771497000",
        "Thu, 19 Feb 2026 10:30:00 GMT",
        "",
    ] {
        let body = palo_body("evt_tz", text);
        let headers = palo_headers(PALO_SECRET, body.as_bytes());
        assert_rejected(
            verify(&verifier, &headers, &body, PALO_NOW),
            Rejection::MalformedTimestamp,
            400,
        );
    }
    // A JSON number is read as text and is not RFC 3339.
    let body =
        r#"{"event_id":"evt_n","event_type":"ticket.created","timestamp":1771497000,"data":{}}"#;
    let headers = palo_headers(PALO_SECRET, body.as_bytes());
    assert_rejected(
        verify(&verifier, &headers, body, PALO_NOW),
        Rejection::MalformedTimestamp,
        400,
    );
}

#[test]
fn palo_retries_pass_until_the_last_and_a_day_old_event_fails() {
    let verifier = palo_verifier();
    let body = palo_body("evt_retry", "2026-02-19T10:30:00Z");
    let headers = palo_headers(PALO_SECRET, body.as_bytes());
    // Retries at +5 min, +30 min, +2 h, +6 h: the last one arrives 8 h 35 min after the event.
    let mut at = PALO_NOW;
    for delay in [0, 5 * 60, 30 * 60, 2 * 3600, 6 * 3600] {
        at += delay;
        assert_passes(verify(&verifier, &headers, &body, at));
    }
    assert_eq!(at - PALO_NOW, 8 * 3600 + 35 * 60);
    assert_passes(verify(&verifier, &headers, &body, PALO_NOW + 24 * 3600));
    assert_rejected(
        verify(&verifier, &headers, &body, PALO_NOW + 24 * 3600 + 1),
        Rejection::StaleTimestamp,
        400,
    );
    assert_passes(verify(&verifier, &headers, &body, PALO_NOW - 60));
    assert_rejected(
        verify(&verifier, &headers, &body, PALO_NOW - 61),
        Rejection::FutureTimestamp,
        400,
    );
    // Same edges with the timestamp written in another offset.
    let body = palo_body("evt_retry", "2026-02-19T11:30:00+01:00");
    let headers = palo_headers(PALO_SECRET, body.as_bytes());
    assert_passes(verify(&verifier, &headers, &body, PALO_NOW + 24 * 3600));
    assert_rejected(
        verify(&verifier, &headers, &body, PALO_NOW + 24 * 3600 + 1),
        Rejection::StaleTimestamp,
        400,
    );
    // And a timestamp built by the crate's formatter for the 8 h 35 min case.
    let body = palo_body("evt_fmt", &format_rfc3339(PALO_NOW - (8 * 3600 + 35 * 60)));
    let headers = palo_headers(PALO_SECRET, body.as_bytes());
    assert_passes(verify(&verifier, &headers, &body, PALO_NOW));
}

// ---------------------------------------------------------------------------------------------
// Bodies.

#[test]
fn body_over_the_limit() {
    let limit = 200;
    let verifier = at_verifier().body_limit(limit);
    assert_eq!(verifier.limit(), limit);
    // A body of exactly `limit` bytes passes, one more byte does not.
    let base = at_body("whd_lim");
    let exact = format!(
        "{}{}}}",
        &base[..base.len() - 1],
        format_args!(",\"pad\":\"{}\"", "x".repeat(limit - base.len() - 9))
    );
    assert_eq!(exact.len(), limit, "{exact}");
    assert_passes(verify(
        &verifier,
        &at_headers(NOW, &exact, "whd_lim"),
        &exact,
        NOW,
    ));
    let over = format!("{exact} ");
    let rejection = assert_rejected(
        verify(&verifier, &at_headers(NOW, &over, "whd_lim"), &over, NOW),
        Rejection::BodyTooLarge { limit },
        413,
    );
    assert_eq!(rejection.code(), "body_too_large");

    // The default limit is 1 MiB.
    let verifier = palo_verifier();
    assert_eq!(verifier.limit(), 1024 * 1024);
    let big = "x".repeat(1024 * 1024 + 1);
    assert_rejected(
        verify(
            &verifier,
            &palo_headers(PALO_SECRET, big.as_bytes()),
            &big,
            PALO_NOW,
        ),
        Rejection::BodyTooLarge { limit: 1024 * 1024 },
        413,
    );
}

#[test]
fn empty_body() {
    let headers = at_headers(NOW, "", "whd_empty");
    assert_rejected(
        verify(&at_verifier(), &headers, "", NOW),
        Rejection::MalformedBody,
        400,
    );
    let headers = palo_headers(PALO_SECRET, b"");
    assert_rejected(
        verify(&palo_verifier(), &headers, "", PALO_NOW),
        Rejection::MalformedBody,
        400,
    );
    // Unsigned empty body: the signature is checked first.
    let headers = at_headers(NOW, &at_body("whd_empty"), "whd_empty");
    assert_rejected(
        verify(&at_verifier(), &headers, "", NOW),
        Rejection::InvalidSignature,
        401,
    );
}

#[test]
fn signed_body_that_is_not_a_json_object_is_malformed() {
    let bodies = [
        "not json",
        "[]",
        r#"["whd_1"]"#,
        r#""whd_1""#,
        "42",
        "null",
        "{",
        r#"{"id":"whd_1"} {}"#,
        r#"{"id":"whd_1",}"#,
        "{\"id\":\"whd_\u{0}\"}",
        "{\"id\":\"whd_1\"}\u{0}",
    ];
    for body in bodies {
        let headers = at_headers(NOW, body, "whd_1");
        assert_rejected(
            verify(&at_verifier(), &headers, body, NOW),
            Rejection::MalformedBody,
            400,
        );
        let headers = palo_headers(PALO_SECRET, body.as_bytes());
        assert_rejected(
            verify(&palo_verifier(), &headers, body, PALO_NOW),
            Rejection::MalformedBody,
            400,
        );
    }
    // A field the scheme reads, given twice: which one would be deduplicated on is ambiguous.
    let twice = r#"{"id":"whd_1","type":"event.created","id":"whd_2"}"#;
    assert_rejected(
        verify(&at_verifier(), &at_headers(NOW, twice, "whd_1"), twice, NOW),
        Rejection::MalformedBody,
        400,
    );
    let twice = r#"{"event_id":"evt_1","timestamp":"2026-02-19T10:30:00Z","event_id":"evt_2"}"#;
    let headers = palo_headers(PALO_SECRET, twice.as_bytes());
    assert_rejected(
        verify(&palo_verifier(), &headers, twice, PALO_NOW),
        Rejection::MalformedBody,
        400,
    );
    // Invalid UTF-8 inside a JSON string.
    let body = b"{\"id\":\"whd_\xff\"}";
    let headers = at_headers_raw(AT_SECRET, NOW.to_string().as_bytes(), body, b"whd_1");
    assert_rejected(
        at_verifier().verify_at(&headers, Bytes::from_static(body), NOW),
        Rejection::MalformedBody,
        400,
    );
}

#[test]
fn missing_or_empty_id() {
    let verifier = at_verifier();
    let body = at_body("whd_id");
    let headers = at_headers(NOW, &body, "whd_id");
    assert_rejected(
        verify(&verifier, &without(&headers, ID), &body, NOW),
        Rejection::MissingId,
        400,
    );
    let mut empty = headers.clone();
    set(&mut empty, ID, "");
    assert_rejected(
        verify(&verifier, &empty, &body, NOW),
        Rejection::MissingId,
        400,
    );

    let verifier = palo_verifier();
    for body in [
        r#"{"event_type":"ticket.created","timestamp":"2026-02-19T10:30:00Z","data":{}}"#,
        r#"{"event_id":"","event_type":"ticket.created","timestamp":"2026-02-19T10:30:00Z","data":{}}"#,
        r#"{"event_id":null,"event_type":"ticket.created","timestamp":"2026-02-19T10:30:00Z","data":{}}"#,
        r#"{"event_id":["evt_1"],"event_type":"ticket.created","timestamp":"2026-02-19T10:30:00Z"}"#,
        r#"{"data":{"event_id":"evt_nested"},"timestamp":"2026-02-19T10:30:00Z"}"#,
    ] {
        let headers = palo_headers(PALO_SECRET, body.as_bytes());
        assert_rejected(
            verify(&verifier, &headers, body, PALO_NOW),
            Rejection::MissingId,
            400,
        );
    }
}

#[test]
fn malformed_ids() {
    let verifier = at_verifier();
    // Too long, or with control characters (the body repeats it, so only the id is wrong).
    for id in [
        "w".repeat(257),
        "whd_\u{7}".to_owned(),
        "whd_a\tb".to_owned(),
    ] {
        let escaped = serde_json::to_string(&id).unwrap();
        let body = format!(r#"{{"id":{escaped},"type":"event.created","tenantId":"t"}}"#);
        let headers = at_headers(NOW, &body, &id);
        assert_rejected(
            verify(&verifier, &headers, &body, NOW),
            Rejection::MalformedId,
            400,
        );
    }
    let id = "w".repeat(256);
    let body = at_body(&id);
    assert_eq!(
        assert_passes(verify(&verifier, &at_headers(NOW, &body, &id), &body, NOW)).id(),
        id
    );
}

#[test]
fn non_utf8_header_values() {
    let verifier = at_verifier();
    let body = at_body("whd_utf8");
    let good = at_headers(NOW, &body, "whd_utf8");

    // The id header (not signed): rejected after the signature holds.
    let mut bad_id = good.clone();
    set(&mut bad_id, ID, b"whd_\xff".to_vec());
    assert_rejected(
        verify(&verifier, &bad_id, &body, NOW),
        Rejection::MalformedId,
        400,
    );
    assert_rejected(
        verify(&verifier, &header_map(&bad_id), &body, NOW),
        Rejection::MalformedId,
        400,
    );

    // The signature header.
    let mut bad_sig = good.clone();
    set(
        &mut bad_sig,
        SIG,
        [b"sha256=\xe9".as_slice(), &[b'a'; 63]].concat(),
    );
    assert_rejected(
        verify(&verifier, &bad_sig, &body, NOW),
        Rejection::MalformedSignature,
        401,
    );
    assert_rejected(
        verify(&verifier, &header_map(&bad_sig), &body, NOW),
        Rejection::MalformedSignature,
        401,
    );

    // The timestamp header, signed as sent.
    let bad_ts = at_headers_raw(AT_SECRET, b"17053\xe912200", body.as_bytes(), b"whd_utf8");
    assert_rejected(
        verify(&verifier, &bad_ts, &body, NOW),
        Rejection::MalformedTimestamp,
        400,
    );
    assert_rejected(
        verify(&verifier, &header_map(&bad_ts), &body, NOW),
        Rejection::MalformedTimestamp,
        400,
    );

    // A non-UTF-8 tenant header in a custom scheme: the delivery passes without a tenant.
    let secret = "acme-secret";
    let verifier = Verifier::new(acme(), [Secret::new(secret).unwrap()]);
    let body = r#"{"id":"acme_2","kind":"x"}"#;
    let ts = NOW.to_string();
    let hex = hmac_hex(secret.as_bytes(), &[ts.as_bytes(), b":", body.as_bytes()]);
    let headers: RawHeaders = vec![
        ("x-acme-signature".into(), format!("v1={hex}").into_bytes()),
        ("x-acme-timestamp".into(), ts.into_bytes()),
        ("x-acme-account".into(), b"acct_\xff".to_vec()),
    ];
    let delivery = assert_passes(verify(&verifier, &header_map(&headers), body, NOW));
    assert_eq!(delivery.tenant(), None);
}

#[test]
fn audit_trail_id_header_must_match_the_signed_body_id() {
    let verifier = at_verifier();
    let body = at_body("whd_abc123");
    let headers = at_headers(NOW, &body, "whd_abc123");
    // The header rewritten: the signature still holds (the header is not signed).
    for rewritten in ["whd_def456", "whd_abc1234", "WHD_ABC123", "whd_abc123 "] {
        let mut replay = headers.clone();
        set(&mut replay, ID, rewritten);
        assert_rejected(
            verify(&verifier, &replay, &body, NOW),
            Rejection::IdMismatch,
            400,
        );
    }
    // The body signed without an `id`, or with a nested one only.
    for body in [
        r#"{"type":"event.created","tenantId":"tenant-001","data":{}}"#,
        r#"{"type":"event.created","data":{"id":"whd_abc123"}}"#,
        r#"{"id":null,"type":"event.created"}"#,
    ] {
        let headers = at_headers(NOW, body, "whd_abc123");
        assert_rejected(
            verify(&verifier, &headers, body, NOW),
            Rejection::IdMismatch,
            400,
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Check order.

#[test]
fn check_order() {
    let verifier = at_verifier().body_limit(256);
    let small = at_body("whd_o");
    assert!(small.len() <= 256);

    // Oversized AND badly signed: 413 (the size is checked before anything else).
    let big = format!("{}{}", small, " ".repeat(256));
    let mut bad = at_headers(NOW, &small, "whd_o");
    set(&mut bad, SIG, format!("sha256={}", "0".repeat(64)));
    assert_rejected(
        verify(&verifier, &bad, &big, NOW),
        Rejection::BodyTooLarge { limit: 256 },
        413,
    );
    // Oversized and without any header at all.
    let none: RawHeaders = vec![];
    assert_rejected(
        verify(&verifier, &none, &big, NOW),
        Rejection::BodyTooLarge { limit: 256 },
        413,
    );

    // Bad signature AND stale: 401 (a stale timestamp is not trusted before it is authenticated).
    let stale = at_headers(NOW - 3600, &small, "whd_o");
    let mut stale_bad = stale.clone();
    set(&mut stale_bad, SIG, format!("sha256={}", "0".repeat(64)));
    assert_rejected(
        verify(&verifier, &stale_bad, &small, NOW),
        Rejection::InvalidSignature,
        401,
    );
    // Bad signature AND not JSON: 401, the body is never parsed for an unauthenticated request.
    let mut junk_bad = at_headers(NOW, "not json", "whd_o");
    set(&mut junk_bad, SIG, format!("sha256={}", "0".repeat(64)));
    assert_rejected(
        verify(&verifier, &junk_bad, "not json", NOW),
        Rejection::InvalidSignature,
        401,
    );
    // Bad signature AND id mismatch: 401.
    let mut mismatch_bad = at_headers(NOW, &small, "whd_other");
    set(&mut mismatch_bad, SIG, format!("sha256={}", "0".repeat(64)));
    assert_rejected(
        verify(&verifier, &mismatch_bad, &small, NOW),
        Rejection::InvalidSignature,
        401,
    );
    // Bad signature AND no id header: 401 too: the id is checked after the signature.
    let no_id_bad = without(&stale_bad, ID);
    assert_rejected(
        verify(&verifier, &no_id_bad, &small, NOW),
        Rejection::InvalidSignature,
        401,
    );
    // Malformed signature AND no timestamp: the signature header is read first.
    let mut malformed_no_ts = without(&stale, TS);
    set(&mut malformed_no_ts, SIG, "sha256=");
    assert_rejected(
        verify(&verifier, &malformed_no_ts, &small, NOW),
        Rejection::MalformedSignature,
        401,
    );
    // No signature AND no timestamp.
    assert_rejected(
        verify(&verifier, &without(&malformed_no_ts, SIG), &small, NOW),
        Rejection::MissingSignature,
        401,
    );

    // Signed, stale AND not JSON (Audit Trail): the code parses the signed body before it checks
    // the (header) timestamp, so the answer is MalformedBody. Both are 400, so the sender sees
    // the same status either way.
    let junk = at_headers(NOW - 3600, "not json", "whd_o");
    assert_rejected(
        verify(&verifier, &junk, "not json", NOW),
        Rejection::MalformedBody,
        400,
    );
    // Signed, stale AND id mismatch: the timestamp comes before the id.
    let stale_mismatch = at_headers(NOW - 3600, &small, "whd_other");
    assert_rejected(
        verify(&verifier, &stale_mismatch, &small, NOW),
        Rejection::StaleTimestamp,
        400,
    );
    // Signed, stale AND no id header: stale.
    assert_rejected(
        verify(&verifier, &without(&stale, ID), &small, NOW),
        Rejection::StaleTimestamp,
        400,
    );
    // Signed, fresh, no id header: missing id.
    assert_rejected(
        verify(
            &verifier,
            &without(&at_headers(NOW, &small, "whd_o"), ID),
            &small,
            NOW,
        ),
        Rejection::MissingId,
        400,
    );

    // PALO: the timestamp is inside the body, so a non-JSON body can only be MalformedBody, and a
    // stale event without an id is stale.
    let palo = palo_verifier();
    let body = r#"{"event_type":"ticket.created","timestamp":"2026-02-18T10:30:00Z"}"#;
    let headers = palo_headers(PALO_SECRET, body.as_bytes());
    assert_rejected(
        verify(&palo, &headers, body, PALO_NOW + 60),
        Rejection::StaleTimestamp,
        400,
    );
}

// ---------------------------------------------------------------------------------------------
// Secrets and rejections leak nothing.

#[test]
fn secrets_never_print() {
    let secret = Secret::new(AT_SECRET).unwrap();
    assert_eq!(format!("{secret:?}"), "Secret([redacted])");
    assert_eq!(format!("{secret}"), "[redacted]");
    assert_eq!(format!("{secret:#?}"), "Secret([redacted])");
    assert_eq!(secret.expose(), AT_SECRET.as_bytes());

    let set = SecretSet::new([secret.clone(), Secret::new(PALO_SECRET).unwrap()]);
    let verifier = Verifier::with_secret_set(Scheme::audit_trail(), set.clone());
    let signer = Signer::new(Scheme::audit_trail(), secret);
    for text in [
        format!("{set:?}"),
        format!("{set:#?}"),
        format!("{verifier:?}"),
        format!("{signer:?}"),
    ] {
        for needle in [AT_SECRET, "abc123def456", PALO_SECRET, "votre_secret"] {
            assert!(!text.contains(needle), "{text} contains {needle}");
        }
        // Nor the key bytes as numbers or hex.
        assert!(!text.contains("119, 104, 115, 101, 99"), "{text}");
        assert!(!text.contains("7768736563"), "{text}");
        assert!(text.contains("redacted"), "{text}");
    }
    assert_eq!(set.len(), 2);
}

#[test]
fn palo_secret_minimum_length() {
    let short = "a".repeat(31);
    let err = Scheme::palo().secret(&short).unwrap_err();
    assert_eq!(
        err.to_string(),
        "secret is 31 characters long, the minimum is 32"
    );
    assert!(err.to_string().contains("32"));
    assert!(
        !err.to_string().contains(&short),
        "the error repeats the secret"
    );
    assert!(Scheme::palo().secret("a".repeat(32)).is_ok());
    // The spec's own example is 30 characters: too short for its own rule.
    assert_eq!(
        Scheme::palo()
            .secret("votre_secret_hmac_32_chars_min")
            .unwrap_err()
            .to_string(),
        "secret is 30 characters long, the minimum is 32"
    );
    assert!(Scheme::audit_trail().secret("x").is_ok());
    assert!(Scheme::audit_trail().secret("").is_err());
}

#[test]
fn rejection_statuses_and_reasons_leak_no_signature() {
    let expected: [(Rejection, u16); 17] = [
        (Rejection::BodyTooLarge { limit: 1 }, 413),
        (Rejection::MissingSignature, 401),
        (Rejection::MalformedSignature, 401),
        (Rejection::InvalidSignature, 401),
        (Rejection::UnknownSigner, 401),
        (Rejection::MissingTimestamp, 400),
        (Rejection::MalformedTimestamp, 400),
        (Rejection::StaleTimestamp, 400),
        (Rejection::FutureTimestamp, 400),
        (Rejection::MalformedBody, 400),
        (Rejection::MissingId, 400),
        (Rejection::MalformedId, 400),
        (Rejection::IdMismatch, 400),
        (Rejection::AlreadyProcessed, 200),
        (
            Rejection::InFlight {
                retry_after: Duration::from_secs(10),
            },
            409,
        ),
        (
            Rejection::StoreFull {
                retry_after: Duration::from_secs(60),
            },
            503,
        ),
        (
            Rejection::Unavailable {
                retry_after: Duration::from_secs(5),
            },
            503,
        ),
    ];
    for (rejection, status) in &expected {
        assert_eq!(rejection.status(), *status, "{rejection:?}");
        assert_eq!(rejection.to_string(), rejection.reason());
        assert_eq!(
            rejection.retry_after().is_some(),
            matches!(status, 409 | 503),
            "{rejection:?}"
        );
    }

    // The rejections real requests get, for a body whose expected signature we know: neither the
    // expected hex nor the received one appears in any text the sender or the logs could see.
    let verifier = at_verifier();
    let body = at_body("whd_leak");
    let headers = at_headers(NOW, &body, "whd_leak");
    let expected_hex = hex_of(&headers, SIG);
    let mut wrong = headers.clone();
    let received = "ab".repeat(32);
    set(&mut wrong, SIG, format!("sha256={received}"));
    let mut seen = vec![
        verify(&verifier, &wrong, &body, NOW).unwrap_err(),
        verify(
            &verifier,
            &headers,
            &body.replace("created", "deleted"),
            NOW,
        )
        .unwrap_err(),
        verify(&verifier, &without(&headers, SIG), &body, NOW).unwrap_err(),
    ];
    let mut malformed = headers.clone();
    set(
        &mut malformed,
        SIG,
        format!("sha256={}", &expected_hex[..63]),
    );
    seen.push(verify(&verifier, &malformed, &body, NOW).unwrap_err());
    seen.push(verify(&verifier, &headers, &body, NOW + 3600).unwrap_err());
    let mut mismatch = headers.clone();
    set(&mut mismatch, ID, "whd_other");
    seen.push(verify(&verifier, &mismatch, &body, NOW).unwrap_err());
    assert_eq!(
        seen,
        [
            Rejection::InvalidSignature,
            Rejection::InvalidSignature,
            Rejection::MissingSignature,
            Rejection::MalformedSignature,
            Rejection::StaleTimestamp,
            Rejection::IdMismatch,
        ]
    );
    for rejection in seen.iter().chain(expected.iter().map(|(r, _)| r)) {
        for text in [
            rejection.reason().to_owned(),
            rejection.to_string(),
            format!("{rejection:?}"),
            rejection.code().to_owned(),
        ] {
            assert!(!text.contains(&expected_hex), "{text}");
            assert!(!text.contains(&expected_hex[..16]), "{text}");
            assert!(!text.contains(&received), "{text}");
            assert!(!text.contains(AT_SECRET), "{text}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The providers' reference verifiers (Python), as committed vectors.

const VECTORS: &str = include_str!("vectors/hmac.json");

fn vector_body(vector: &serde_json::Value) -> String {
    if let Some(body) = vector["body"].as_str() {
        return body.to_owned();
    }
    // Same expansion as generate.py: prefix + unit repeated (cut to fit) + suffix.
    let generator = &vector["body_generator"];
    let text = |key: &str| {
        generator[key]
            .as_str()
            .unwrap_or_else(|| panic!("body_generator.{key}"))
    };
    let (prefix, unit, suffix) = (text("prefix"), text("unit"), text("suffix"));
    let length =
        usize::try_from(generator["length"].as_u64().expect("body_generator.length")).unwrap();
    let middle = length - prefix.len() - suffix.len();
    let repeated: String = unit.chars().cycle().take(middle).collect();
    let body = format!("{prefix}{repeated}{suffix}");
    assert_eq!(body.len(), length);
    body
}

#[test]
fn python_hmac_vectors() {
    let document: serde_json::Value = serde_json::from_str(VECTORS).expect("hmac.json is JSON");
    let vectors = document["vectors"].as_array().expect("a vectors array");
    let mut per_scheme = std::collections::BTreeMap::<&str, usize>::new();
    let mut saw_big = false;
    for vector in vectors {
        let name = vector["name"].as_str().expect("name");
        let field = |key: &str| {
            vector[key]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: {key}"))
        };
        let scheme_name = field("scheme");
        let (secret, id, signature) = (field("secret"), field("id"), field("signature"));
        let now = vector["now"].as_i64().expect("now");
        let body = vector_body(vector);
        saw_big |= body.len() >= 100 * 1024;

        let (scheme, headers): (Scheme, Vec<(String, String)>) = match scheme_name {
            "audit-trail" => {
                let timestamp = field("timestamp");
                (
                    Scheme::audit_trail(),
                    vec![
                        ("X-Audit-Trail-Signature".into(), signature.into()),
                        ("X-Audit-Trail-Timestamp".into(), timestamp.into()),
                        ("X-Audit-Trail-Delivery-Id".into(), id.into()),
                    ],
                )
            }
            "palo" => (
                Scheme::palo(),
                vec![("X-Palo-Signature".into(), signature.into())],
            ),
            other => panic!("{name}: unknown scheme {other}"),
        };
        *per_scheme.entry(scheme_name).or_default() += 1;
        let secret = scheme
            .secret(secret)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let verifier = Verifier::new(scheme.clone(), [secret.clone()]);
        let delivery = verifier
            .verify_at(&headers, Bytes::from(body.clone()), now)
            .unwrap_or_else(|r| panic!("{name}: the reference signature was rejected: {r:?}"));
        assert_eq!(delivery.id(), id, "{name}");
        assert_eq!(delivery.body().as_ref(), body.as_bytes(), "{name}");

        // Our signer writes the identical header.
        let timestamp = vector["timestamp"]
            .as_str()
            .map_or(0, |t| t.parse::<i64>().expect("timestamp"));
        let signed = Signer::new(scheme, secret).headers(body.as_bytes(), timestamp, id);
        assert_eq!(
            signed[0].1, signature,
            "{name}: the signer disagrees with Python"
        );
        // And the vector is not trivially accepted: one byte more and it fails.
        let result = verifier.verify_at(&headers, Bytes::from(format!("{body} ")), now);
        assert_eq!(result.unwrap_err(), Rejection::InvalidSignature, "{name}");
    }
    assert!(
        per_scheme.get("audit-trail").copied().unwrap_or(0) >= 5,
        "{per_scheme:?}"
    );
    assert!(
        per_scheme.get("palo").copied().unwrap_or(0) >= 5,
        "{per_scheme:?}"
    );
    assert!(saw_big, "the 100 KiB vector is missing");

    // The committed file is what the reference script computes now.
    let dir = env!("CARGO_MANIFEST_DIR");
    let output = match std::process::Command::new("python3")
        .arg("tests/vectors/generate.py")
        .arg("--check")
        .current_dir(dir)
        .output()
    {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "python3 is not on PATH: it is needed to re-check tests/vectors/hmac.json against the \
             providers' reference verifiers (install Python 3; the script uses only the standard library)"
        ),
        Err(e) => panic!("could not run python3 tests/vectors/generate.py --check: {e}"),
    };
    assert!(
        output.status.success(),
        "tests/vectors/hmac.json is out of date with generate.py ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
