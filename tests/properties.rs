//! Properties of verification over arbitrary bodies, secrets and timestamps: what is signed
//! verifies, and every single-bit change or truncation of the body, the signature, the
//! timestamp or the id header is refused with the rejection that names it.
//!
//! Freshness edges are inclusive: a timestamp exactly `max_age` old or exactly `max_future`
//! ahead passes, one second further fails; `i64::MIN`/`i64::MAX` never overflow.

use std::time::Duration;

use bytes::Bytes;
use proptest::prelude::*;
use proptest::sample::Index;
use webhook_guard::time::format_rfc3339;
use webhook_guard::{Freshness, Rejection, Scheme, Secret, Signer, Verifier};

/// 2025-01-15T10:30:00Z.
const NOW: i64 = 1_736_937_000;
const SIG: &str = "x-audit-trail-signature";
const TS: &str = "x-audit-trail-timestamp";
const ID: &str = "x-audit-trail-delivery-id";
const PALO_SIG: &str = "x-palo-signature";
/// `sha256=` is 7 bytes, then 64 hex digits.
const PREFIX_LEN: usize = 7;

type RawHeaders = Vec<(String, Vec<u8>)>;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Arbitrary bytes made into a valid Audit Trail body: hex-encoded in `data`.
fn at_body(id: &str, data: &[u8]) -> String {
    format!(
        r#"{{"id":"{id}","type":"event.created","tenantId":"tenant-001","data":"{}"}}"#,
        hex(data)
    )
}

fn palo_body(id: &str, timestamp: i64, data: &[u8]) -> String {
    format!(
        r#"{{"event_id":"{id}","event_type":"ticket.created","timestamp":"{}","organization_id":"org_1","data":"{}"}}"#,
        format_rfc3339(timestamp),
        hex(data)
    )
}

fn raw(headers: Vec<(String, String)>) -> RawHeaders {
    headers
        .into_iter()
        .map(|(n, v)| (n, v.into_bytes()))
        .collect()
}

fn value<'a>(headers: &'a RawHeaders, name: &str) -> &'a [u8] {
    &headers.iter().find(|(n, _)| n == name).expect("header").1
}

fn value_mut<'a>(headers: &'a mut RawHeaders, name: &str) -> &'a mut Vec<u8> {
    &mut headers
        .iter_mut()
        .find(|(n, _)| n == name)
        .expect("header")
        .1
}

fn at_signed(
    secret: &[u8],
    timestamp: i64,
    id: &str,
    data: &[u8],
) -> (Verifier, RawHeaders, String) {
    let secret = Secret::new(secret).expect("non-empty secret");
    let body = at_body(id, data);
    let headers = raw(Signer::new(Scheme::audit_trail(), secret.clone()).headers(
        body.as_bytes(),
        timestamp,
        id,
    ));
    (
        Verifier::new(Scheme::audit_trail(), [secret]),
        headers,
        body,
    )
}

fn palo_signed(
    secret: &[u8],
    timestamp: i64,
    id: &str,
    data: &[u8],
) -> (Verifier, RawHeaders, String) {
    // The verifier takes any secret; PALO's 32-character minimum is enforced by
    // `Scheme::palo().secret`, which is not the point here.
    let secret = Secret::new(secret).expect("non-empty secret");
    let body = palo_body(id, timestamp, data);
    let headers = raw(Signer::new(Scheme::palo(), secret.clone()).headers(body.as_bytes(), 0, ""));
    (Verifier::new(Scheme::palo(), [secret]), headers, body)
}

fn check(
    verifier: &Verifier,
    headers: &RawHeaders,
    body: impl Into<Bytes>,
    now: i64,
) -> Result<String, Rejection> {
    verifier
        .verify_at(headers, body.into(), now)
        .map(|d| d.id().to_owned())
}

fn is_hex_digit(b: u8) -> bool {
    b.is_ascii_hexdigit()
}

fn hex_value(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => unreachable!(),
    }
}

/// What flipping bit `bit` of byte `at` of a valid `sha256=<64 lower-case hex>` header must give.
fn expected_after_signature_flip(header: &[u8], at: usize, bit: u8) -> Result<(), Rejection> {
    let (before, after) = (header[at], header[at] ^ (1 << bit));
    if at < PREFIX_LEN {
        // The prefix is matched exactly; no single flip of it makes a separator either.
        return Err(Rejection::MalformedSignature);
    }
    if !is_hex_digit(after) {
        // Not a hex digit (or a separator that splits the entry): nothing decodes to 32 bytes.
        return Err(Rejection::MalformedSignature);
    }
    if hex_value(after) == hex_value(before) {
        // `a` ↔ `A`: hex is read in either case, the signature is the same.
        Ok(())
    } else {
        Err(Rejection::InvalidSignature)
    }
}

fn secret() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 1..=64)
}

fn data() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..=4096)
}

fn delivery_id() -> impl Strategy<Value = String> {
    "whd_[a-zA-Z0-9_-]{1,40}"
}

/// A timestamp inside Audit Trail's window: 5 minutes old to 1 minute ahead.
fn at_timestamp() -> impl Strategy<Value = i64> {
    (NOW - 300)..=(NOW + 60)
}

/// Inside PALO's window: 24 hours old to 1 minute ahead.
fn palo_timestamp() -> impl Strategy<Value = i64> {
    (NOW - 24 * 3600)..=(NOW + 60)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn audit_trail_signed_deliveries_verify(secret in secret(), ts in at_timestamp(), id in delivery_id(), data in data()) {
        let (verifier, headers, body) = at_signed(&secret, ts, &id, &data);
        let delivery = verifier.verify_at(&headers, Bytes::from(body.clone()), NOW).expect("verifies");
        prop_assert_eq!(delivery.id(), id.as_str());
        prop_assert_eq!(delivery.timestamp(), Some(ts));
        prop_assert_eq!(delivery.body().as_ref(), body.as_bytes());
    }

    #[test]
    fn palo_signed_deliveries_verify(secret in secret(), ts in palo_timestamp(), id in delivery_id(), data in data()) {
        let (verifier, headers, body) = palo_signed(&secret, ts, &id, &data);
        let delivery = verifier.verify_at(&headers, Bytes::from(body), NOW).expect("verifies");
        prop_assert_eq!(delivery.id(), id.as_str());
        prop_assert_eq!(delivery.timestamp(), Some(ts));
    }

    #[test]
    fn a_flipped_body_bit_is_an_invalid_signature(
        secret in secret(), at_ts in at_timestamp(), palo_ts in palo_timestamp(), id in delivery_id(),
        data in data(), at in any::<Index>(), bit in 0u8..8,
    ) {
        for (verifier, headers, body) in [at_signed(&secret, at_ts, &id, &data), palo_signed(&secret, palo_ts, &id, &data)] {
            let mut flipped = body.into_bytes();
            let i = at.index(flipped.len());
            flipped[i] ^= 1 << bit;
            prop_assert_eq!(check(&verifier, &headers, flipped, NOW), Err(Rejection::InvalidSignature));
        }
    }

    #[test]
    fn a_truncated_body_is_an_invalid_signature(
        secret in secret(), at_ts in at_timestamp(), palo_ts in palo_timestamp(), id in delivery_id(),
        data in data(), cut in any::<Index>(),
    ) {
        for (verifier, headers, body) in [at_signed(&secret, at_ts, &id, &data), palo_signed(&secret, palo_ts, &id, &data)] {
            let len = cut.index(body.len());
            prop_assert_eq!(check(&verifier, &headers, body[..len].to_owned(), NOW), Err(Rejection::InvalidSignature));
        }
    }

    #[test]
    fn a_flipped_signature_bit_is_rejected_precisely(
        secret in secret(), at_ts in at_timestamp(), palo_ts in palo_timestamp(), id in delivery_id(),
        data in prop::collection::vec(any::<u8>(), 0..=256), at in any::<Index>(), bit in 0u8..8,
    ) {
        for (verifier, headers, body, name) in [
            { let (v, h, b) = at_signed(&secret, at_ts, &id, &data); (v, h, b, SIG) },
            { let (v, h, b) = palo_signed(&secret, palo_ts, &id, &data); (v, h, b, PALO_SIG) },
        ] {
            let original = value(&headers, name).to_vec();
            prop_assert_eq!(original.len(), PREFIX_LEN + 64);
            let i = at.index(original.len());
            let expected = expected_after_signature_flip(&original, i, bit);
            let mut flipped = headers.clone();
            value_mut(&mut flipped, name)[i] ^= 1 << bit;
            let got = check(&verifier, &flipped, body, NOW).map(|_| ());
            prop_assert_eq!(got, expected, "byte {} ({:?}) bit {}", i, char::from(original[i]), bit);
        }
    }

    #[test]
    fn a_truncated_signature_is_malformed(
        secret in secret(), ts in at_timestamp(), id in delivery_id(),
        data in prop::collection::vec(any::<u8>(), 0..=256), cut in any::<Index>(),
    ) {
        for (verifier, headers, body, name) in [
            { let (v, h, b) = at_signed(&secret, ts, &id, &data); (v, h, b, SIG) },
            { let (v, h, b) = palo_signed(&secret, NOW, &id, &data); (v, h, b, PALO_SIG) },
        ] {
            let len = cut.index(PREFIX_LEN + 64);
            let mut truncated = headers.clone();
            value_mut(&mut truncated, name).truncate(len);
            prop_assert_eq!(check(&verifier, &truncated, body, NOW), Err(Rejection::MalformedSignature));
        }
    }

    #[test]
    fn a_flipped_timestamp_header_bit_is_an_invalid_signature(
        secret in secret(), ts in at_timestamp(), id in delivery_id(),
        data in prop::collection::vec(any::<u8>(), 0..=256), at in any::<Index>(), bit in 0u8..8,
    ) {
        // The timestamp is signed and the signature is checked first: whatever the flip makes
        // of it (another time, a non-digit, invalid UTF-8), the signature no longer holds.
        let (verifier, headers, body) = at_signed(&secret, ts, &id, &data);
        let mut flipped = headers.clone();
        let header = value_mut(&mut flipped, TS);
        let i = at.index(header.len());
        header[i] ^= 1 << bit;
        prop_assert_eq!(check(&verifier, &flipped, body, NOW), Err(Rejection::InvalidSignature));
    }

    #[test]
    fn a_flipped_delivery_id_header_bit_is_refused(
        secret in secret(), ts in at_timestamp(), id in delivery_id(),
        data in prop::collection::vec(any::<u8>(), 0..=256), at in any::<Index>(), bit in 0u8..8,
    ) {
        // The id header is not signed, so the signature holds; the body's signed `id` no longer
        // matches it. A flip that makes the header invalid UTF-8 (a byte >= 0x80 alone) or a
        // control character is a malformed id, checked before the comparison.
        let (verifier, headers, body) = at_signed(&secret, ts, &id, &data);
        let mut flipped = headers.clone();
        let header = value_mut(&mut flipped, ID);
        let i = at.index(header.len());
        header[i] ^= 1 << bit;
        let after = header[i];
        let expected = if !(0x20..0x7f).contains(&after) {
            Rejection::MalformedId
        } else {
            Rejection::IdMismatch
        };
        prop_assert_eq!(check(&verifier, &flipped, body, NOW), Err(expected));
    }

    #[test]
    fn a_truncated_timestamp_header_is_an_invalid_signature(
        secret in secret(), ts in at_timestamp(), id in delivery_id(),
        data in prop::collection::vec(any::<u8>(), 0..=256), cut in any::<Index>(),
    ) {
        // Signed, and checked with the signature: any prefix (even empty) breaks it.
        let (verifier, headers, body) = at_signed(&secret, ts, &id, &data);
        let mut truncated = headers.clone();
        let header = value_mut(&mut truncated, TS);
        let len = cut.index(header.len());
        header.truncate(len);
        prop_assert_eq!(check(&verifier, &truncated, body, NOW), Err(Rejection::InvalidSignature));
    }

    #[test]
    fn a_truncated_delivery_id_header_is_refused(
        secret in secret(), ts in at_timestamp(), id in delivery_id(),
        data in prop::collection::vec(any::<u8>(), 0..=256), cut in any::<Index>(),
    ) {
        // Not signed: the signature holds, then an empty id is missing and a shorter one no
        // longer matches the signed body's `id`.
        let (verifier, headers, body) = at_signed(&secret, ts, &id, &data);
        let mut truncated = headers.clone();
        let header = value_mut(&mut truncated, ID);
        let len = cut.index(header.len());
        header.truncate(len);
        let expected = if len == 0 { Rejection::MissingId } else { Rejection::IdMismatch };
        prop_assert_eq!(check(&verifier, &truncated, body, NOW), Err(expected));
    }

    #[test]
    fn freshness_check_matches_its_definition(
        ts in any::<i64>(), now in any::<i64>(), max_age in any::<u32>(), max_future in any::<u32>(),
    ) {
        let window = Freshness::new(Duration::from_secs(max_age.into()), Duration::from_secs(max_future.into()));
        let (ts128, now128) = (i128::from(ts), i128::from(now));
        let expected = if ts128 < now128 - i128::from(max_age) {
            Err(Rejection::StaleTimestamp)
        } else if ts128 > now128 + i128::from(max_future) {
            Err(Rejection::FutureTimestamp)
        } else {
            Ok(())
        };
        prop_assert_eq!(window.check(ts, now), expected);
    }

    #[test]
    fn freshness_edges_are_inclusive_for_any_now(now in any::<i64>(), max_age in 0u64..=1 << 40, max_future in 0u64..=1 << 40) {
        let window = Freshness::new(Duration::from_secs(max_age), Duration::from_secs(max_future));
        let edge = |offset: i128| i64::try_from(i128::from(now) + offset).ok();
        let (age, future) = (i128::from(max_age), i128::from(max_future));
        if let Some(ts) = edge(-age) { prop_assert_eq!(window.check(ts, now), Ok(())); }
        if let Some(ts) = edge(-age - 1) { prop_assert_eq!(window.check(ts, now), Err(Rejection::StaleTimestamp)); }
        if let Some(ts) = edge(future) { prop_assert_eq!(window.check(ts, now), Ok(())); }
        if let Some(ts) = edge(future + 1) { prop_assert_eq!(window.check(ts, now), Err(Rejection::FutureTimestamp)); }
        prop_assert_eq!(window.check(now, now), Ok(()));
        // The extremes never overflow, and are outside any window narrower than the i64 range.
        if now > i64::MIN + (1 << 41) {
            prop_assert_eq!(window.check(i64::MIN, now), Err(Rejection::StaleTimestamp));
        }
        if now < i64::MAX - (1 << 41) {
            prop_assert_eq!(window.check(i64::MAX, now), Err(Rejection::FutureTimestamp));
        }
    }

    #[test]
    fn verify_at_agrees_with_the_window_for_any_signed_timestamp(
        secret in secret(), id in delivery_id(), data in prop::collection::vec(any::<u8>(), 0..=64),
        ts in prop_oneof![
            any::<i64>(),
            (NOW - 400)..=(NOW + 160),
            Just(i64::MIN), Just(i64::MAX), Just(NOW - 300), Just(NOW - 301), Just(NOW + 60), Just(NOW + 61),
        ],
    ) {
        // Signed with the raw timestamp, so the signature holds and only freshness decides.
        let (verifier, headers, body) = at_signed(&secret, ts, &id, &data);
        let expected = Scheme::audit_trail().freshness().check(ts, NOW).map(|()| id.clone());
        prop_assert_eq!(check(&verifier, &headers, body, NOW), expected);
    }
}

#[test]
fn freshness_at_the_extremes() {
    let at = Scheme::audit_trail().freshness();
    for (ts, now, expected) in [
        (i64::MIN, NOW, Err(Rejection::StaleTimestamp)),
        (i64::MAX, NOW, Err(Rejection::FutureTimestamp)),
        (i64::MIN, i64::MAX, Err(Rejection::StaleTimestamp)),
        (i64::MAX, i64::MIN, Err(Rejection::FutureTimestamp)),
        (i64::MIN, i64::MIN, Ok(())),
        (i64::MAX, i64::MAX, Ok(())),
        (i64::MAX - 60, i64::MAX - 120, Ok(())),
        (i64::MIN + 300, i64::MIN + 600, Ok(())),
        (i64::MIN, i64::MIN + 301, Err(Rejection::StaleTimestamp)),
        (NOW - 300, NOW, Ok(())),
        (NOW - 301, NOW, Err(Rejection::StaleTimestamp)),
        (NOW + 60, NOW, Ok(())),
        (NOW + 61, NOW, Err(Rejection::FutureTimestamp)),
    ] {
        assert_eq!(at.check(ts, now), expected, "ts {ts} now {now}");
    }
    // The widest window accepts everything, without overflow.
    let unbounded = Freshness::new(Duration::MAX, Duration::MAX);
    for (ts, now) in [(i64::MIN, i64::MAX), (i64::MAX, i64::MIN), (0, 0)] {
        assert_eq!(unbounded.check(ts, now), Ok(()));
    }
    assert_eq!(unbounded.replay_window(), Duration::MAX);

    // Through verify_at, with the raw extremes as the signed header.
    let secret = Secret::new("whsec_abc123def456").unwrap();
    let verifier = Verifier::new(Scheme::audit_trail(), [secret.clone()]);
    let body = at_body("whd_x", b"");
    for (ts, expected) in [
        (i64::MIN, Rejection::StaleTimestamp),
        (i64::MAX, Rejection::FutureTimestamp),
        (NOW - 301, Rejection::StaleTimestamp),
        (NOW + 61, Rejection::FutureTimestamp),
    ] {
        let headers = Signer::new(Scheme::audit_trail(), secret.clone()).headers(
            body.as_bytes(),
            ts,
            "whd_x",
        );
        let got = verifier
            .verify_at(&headers, Bytes::from(body.clone()), NOW)
            .unwrap_err();
        assert_eq!(got, expected, "{ts}");
        assert_eq!(got.status(), 400);
    }
    for ts in [NOW - 300, NOW + 60] {
        let headers = Signer::new(Scheme::audit_trail(), secret.clone()).headers(
            body.as_bytes(),
            ts,
            "whd_x",
        );
        assert!(
            verifier
                .verify_at(&headers, Bytes::from(body.clone()), NOW)
                .is_ok(),
            "{ts}"
        );
    }
}

#[test]
fn every_single_bit_flip_of_a_signature_header_and_of_an_id_header() {
    let (verifier, headers, body) =
        at_signed(b"whsec_abc123def456", NOW, "whd_abc123", b"exhaustive");
    let original = value(&headers, SIG).to_vec();
    let (mut passed, mut invalid, mut malformed) = (0, 0, 0);
    for i in 0..original.len() {
        for bit in 0..8 {
            let mut flipped = headers.clone();
            value_mut(&mut flipped, SIG)[i] ^= 1 << bit;
            let got = check(&verifier, &flipped, body.clone(), NOW).map(|_| ());
            assert_eq!(
                got,
                expected_after_signature_flip(&original, i, bit),
                "byte {i} bit {bit}"
            );
            match got {
                Ok(()) => passed += 1,
                Err(Rejection::InvalidSignature) => invalid += 1,
                Err(_) => malformed += 1,
            }
        }
    }
    // Only a case flip of a letter digit keeps the signature; each outcome occurs.
    let letters = original[PREFIX_LEN..]
        .iter()
        .filter(|b| b.is_ascii_lowercase())
        .count();
    assert_eq!(passed, letters);
    assert!(
        invalid > 0 && malformed > 0,
        "{invalid} invalid, {malformed} malformed"
    );
    assert_eq!(passed + invalid + malformed, original.len() * 8);

    let id = value(&headers, ID).to_vec();
    let (mut mismatch, mut malformed_id) = (0, 0);
    for i in 0..id.len() {
        for bit in 0..8 {
            let mut flipped = headers.clone();
            value_mut(&mut flipped, ID)[i] ^= 1 << bit;
            match check(&verifier, &flipped, body.clone(), NOW) {
                Err(Rejection::IdMismatch) => mismatch += 1,
                Err(Rejection::MalformedId) => malformed_id += 1,
                other => panic!("byte {i} bit {bit}: {other:?}"),
            }
        }
    }
    assert!(mismatch > 0 && malformed_id > 0);
}
