//! The fuzz targets of webhook-guard, as plain functions: `check_*(data: &[u8])` panics when an
//! invariant breaks, and returns quietly otherwise.
//!
//! Each binary in `fuzz_targets/` is a thin `main` around one of them (for `cargo afl`, for
//! `cargo fuzz`, or the plain driver of `driver.rs` on stable), and the main crate's
//! `tests/fuzz_corpus.rs` includes this file (`#[path]`) to run every target over every file
//! of `fuzz/corpus/<target>/` as a regular test. So this file uses only what the main crate's
//! tests also have: `webhook_guard` (with `ed25519`), `serde`, `serde_json`, `bytes` and
//! `ed25519_dalek` (to sign).

use std::fmt;

use bytes::Bytes;
use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use webhook_guard::event::{AuditTrailEvent, PaloEvent, TypedEvent};
use webhook_guard::limits::MAX_ID_LEN;
use webhook_guard::scheme::{Field, IdBinding, SignedPart, TimestampFormat};
use webhook_guard::signature::{Encoding, MAX_SIGNATURE_ENTRIES, SignatureFormat};
use webhook_guard::time::{format_rfc3339, parse_rfc3339, parse_unix_seconds};
use webhook_guard::{Freshness, Rejection, Scheme, Secret, Signer, Verifier};

/// A fuzz target: its name (the folder of its corpus) and its check.
pub struct Target {
    /// The name of the binary and of `corpus/<name>/`.
    pub name: &'static str,
    /// Panics when an invariant breaks.
    pub check: fn(&[u8]),
}

/// Every target.
pub const TARGETS: &[Target] = &[
    Target {
        name: "signature_header",
        check: check_signature_header,
    },
    Target {
        name: "timestamp",
        check: check_timestamp,
    },
    Target {
        name: "verify",
        check: check_verify,
    },
    Target {
        name: "events",
        check: check_events,
    },
    Target {
        name: "ed25519",
        check: check_ed25519,
    },
];

/// "Now" for the verify target: 2025-01-15T10:30:00Z.
pub const NOW: i64 = 1_736_937_000;

/// The secret the verifier of the "random input never verifies" check holds. The fuzzer sees
/// this text as much as it sees the binary, but finding a valid HMAC-SHA256 under it is as hard
/// as under any key: a request that verifies under it is a bug in verification.
const HIDDEN_SECRET: &[u8] = b"fuzz: a secret no sender in the corpus signs with";

/// The secret the signer of the "what is signed verifies" check uses (and the seed corpus is
/// signed with).
pub const SIGNER_SECRET: &[u8] = b"fuzz: the signer's secret, also signing the seeds";

// ---------------------------------------------------------------------------------------------
// signature_header

/// The signature formats, as the built-in and documented schemes write them: `sha256=<hex>`,
/// Stripe's `t=,v1=`, Standard Webhooks' `v1,<base64>`, Paddle's `ts=;h1=` and a bare base64
/// value (Shopify, Square, Twilio).
pub fn signature_formats() -> [SignatureFormat; 5] {
    [
        SignatureFormat::prefixed_hex("sha256="),
        SignatureFormat::KeyedHex {
            timestamp_key: "t".into(),
            version_key: "v1".into(),
        },
        SignatureFormat::VersionedBase64 {
            version: "v1".into(),
        },
        SignatureFormat::KeyValue {
            separator: b';',
            timestamp_key: Some("ts".into()),
            signature_key: "h1".into(),
            encoding: Encoding::Hex,
        },
        SignatureFormat::Bare {
            encoding: Encoding::Base64,
        },
    ]
}

/// Parses `data` as a signature header in each format, for signatures of 20, 32 and 64 bytes
/// (HMAC-SHA1, HMAC-SHA256, HMAC-SHA512 and Ed25519) and of any length (DER, RSA).
///
/// Invariants: never a panic; an `Err` is always `MalformedSignature`; an `Ok` has between 1 and
/// [`MAX_SIGNATURE_ENTRIES`] entries, each of the asked length, and a header with more
/// separated tokens than the cap allows is refused; a timestamp is a slice of the header and
/// only the formats with a timestamp key find one; and each format reads back a header it
/// wrote for a digest taken from the input.
pub fn check_signature_header(data: &[u8]) {
    let tokens = data
        .split(|b| matches!(b, b',' | b' ' | b'\t'))
        .filter(|t| !t.is_empty())
        .count();
    let pairs = data
        .split(|&b| b == b';')
        .filter(|t| !t.trim_ascii().is_empty())
        .count();
    for (i, format) in signature_formats().iter().enumerate() {
        for len in [Some(20), Some(32), Some(64), None] {
            match format.parse_len(data, len) {
                Ok(parsed) => {
                    let n = parsed.len();
                    assert!((1..=MAX_SIGNATURE_ENTRIES).contains(&n), "{format:?}: {n}");
                    if let Some(len) = len {
                        // Each entry kept at parse time decodes to exactly `len` bytes.
                        assert_eq!(parsed.tags().len(), n);
                        assert!(parsed.tags().all(|t| t.as_bytes().len() == len));
                    }
                    // The cap counts tokens, not only the entries kept: no input makes the
                    // parser walk an unbounded list (VersionedBase64 entries are two tokens).
                    let (count, cap) = match i {
                        2 => (tokens, 2 * MAX_SIGNATURE_ENTRIES),
                        3 => (pairs, MAX_SIGNATURE_ENTRIES),
                        4 => (1, 1),
                        _ => (tokens, MAX_SIGNATURE_ENTRIES),
                    };
                    assert!(count <= cap, "{format:?}: {count} tokens accepted");
                    if let Some(ts) = parsed.timestamp() {
                        assert!(i == 1 || i == 3, "{format:?} carries no timestamp");
                        assert!(is_subslice(data, ts));
                    }
                    for entry in parsed.raw_entries() {
                        assert!(is_subslice(data, entry));
                    }
                }
                Err(rejection) => {
                    assert_eq!(rejection, Rejection::MalformedSignature, "{format:?}")
                }
            }
        }

        // Round trip: whatever digest, the header a format writes parses back to it.
        for len in [20, 32, 64] {
            let mut digest = vec![0u8; len];
            for (out, b) in digest.iter_mut().zip(data.iter().rev()) {
                *out = *b;
            }
            let ts = std::str::from_utf8(data)
                .ok()
                .filter(|t| !t.is_empty() && !t.contains([',', ' ', '\t', ';']));
            let header = format.format(&digest, ts.or(Some("1")));
            let parsed = format
                .parse_len(header.as_bytes(), Some(len))
                .expect("own header parses");
            assert_eq!(parsed.len(), 1, "{format:?} {header}");
            assert_eq!(
                parsed.tags().next().expect("one entry").as_bytes(),
                &digest[..],
                "{format:?} {header}"
            );
        }
    }
}

fn is_subslice(outer: &[u8], inner: &[u8]) -> bool {
    let (start, end) = (
        outer.as_ptr() as usize,
        outer.as_ptr() as usize + outer.len(),
    );
    let at = inner.as_ptr() as usize;
    at >= start && at + inner.len() <= end
}

// ---------------------------------------------------------------------------------------------
// ed25519

/// The seed of the key the `ed25519` target signs with (the seed corpus too).
pub const ED25519_SEED: [u8; 32] = [42; 32];

/// Splits an `ed25519` input at its first two NUL bytes: signature header, timestamp, body.
fn ed25519_parts(data: &[u8]) -> [&[u8]; 3] {
    let mut parts = data.splitn(3, |&b| b == 0);
    [(); 3].map(|()| parts.next().unwrap_or_default())
}

/// The Ed25519 path, through `Scheme::discord()`: `data` is a signature header, a timestamp and
/// a body, separated by NUL bytes.
///
/// Invariants: never a panic; under a key nobody in the corpus signs with, nothing verifies;
/// the input's timestamp and body signed with the corpus key pass the signature check (they
/// may still be refused for their timestamp or body, never for their signature), and with one
/// bit of that signature flipped they never verify.
pub fn check_ed25519(data: &[u8]) {
    use ed25519_dalek::Signer as _;
    use webhook_guard::PublicKey;
    use webhook_guard::signature::SecretSet;

    let [signature, ts, body] = ed25519_parts(data);
    let verifier = |seed: [u8; 32]| {
        let key = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
        let key = PublicKey::ed25519(key.as_bytes()).expect("a valid key");
        Verifier::with_secret_set(Scheme::discord(), SecretSet::public_keys([key]))
    };
    let verify = |verifier: &Verifier, signature: &[u8]| {
        let headers: [(&str, &[u8]); 2] = [
            ("x-signature-ed25519", signature),
            ("x-signature-timestamp", ts),
        ];
        verifier.verify_at(&headers[..], Bytes::copy_from_slice(body), NOW)
    };

    let hidden = verifier([43; 32]);
    assert!(
        verify(&hidden, signature).is_err(),
        "forged under a hidden key"
    );

    let ours = verifier(ED25519_SEED);
    let signing = ed25519_dalek::SigningKey::from_bytes(&ED25519_SEED);
    let good = signing.sign(&[ts, body].concat()).to_bytes();
    let hex = Encoding::Hex.encode(&good);
    if let Err(rejection) = verify(&ours, hex.as_bytes()) {
        assert!(
            !matches!(
                rejection,
                Rejection::InvalidSignature | Rejection::MalformedSignature
            ),
            "a good signature refused: {rejection:?}"
        );
    }
    let mut flipped = good;
    let bit = data.len() % (64 * 8);
    flipped[bit / 8] ^= 1 << (bit % 8);
    let flipped = Encoding::Hex.encode(&flipped);
    assert!(
        verify(&ours, flipped.as_bytes()).is_err(),
        "a flipped bit verified"
    );
}

// ---------------------------------------------------------------------------------------------
// timestamp

/// Parses `data` as a Unix-seconds and as an RFC 3339 timestamp.
///
/// Invariants: never a panic; Unix seconds are accepted exactly when the input is an optional
/// `-` and 1 to 19 ASCII digits whose value fits an `i64` (checked against an `i128`
/// reading), and a value prints back to itself; an accepted RFC 3339 time is 20 to 64 bytes
/// long, and the time it names, formatted again (UTC, no fraction), parses back to itself.
pub fn check_timestamp(data: &[u8]) {
    let unix = parse_unix_seconds(data);
    let digits = data.strip_prefix(b"-").unwrap_or(data);
    let by_i128 = if (1..=19).contains(&digits.len()) && digits.iter().all(u8::is_ascii_digit) {
        std::str::from_utf8(data)
            .ok()
            .and_then(|t| t.parse::<i128>().ok())
            .and_then(|v| i64::try_from(v).ok())
    } else {
        None
    };
    assert_eq!(unix, by_i128, "{:?}", String::from_utf8_lossy(data));
    if let Some(v) = unix {
        assert_eq!(parse_unix_seconds(v.to_string().as_bytes()), Some(v));
    }

    if let Some(t) = parse_rfc3339(data) {
        assert!((20..=64).contains(&data.len()));
        // Years 0000 to 9999, shifted by at most a day of offset: formatting writes 4-digit
        // years, so only a time inside that range is expected to read back.
        const YEAR_1: i64 = -62_135_596_800;
        const YEAR_9999: i64 = 253_370_764_800;
        if (YEAR_1..YEAR_9999).contains(&t) {
            let again = format_rfc3339(t);
            assert_eq!(parse_rfc3339(again.as_bytes()), Some(t), "{again}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// verify

/// The schemes the verify target runs: the two built-in ones, and one of each other signature
/// format, described with the builder (a Stripe-like `t=,v1=` header and a Standard
/// Webhooks-like signed id header).
pub fn verify_schemes() -> [Scheme; 4] {
    let window = Freshness::new(
        std::time::Duration::from_secs(300),
        std::time::Duration::from_secs(300),
    );
    [
        Scheme::audit_trail(),
        Scheme::palo(),
        Scheme::builder("fuzz-keyed")
            .signature("x-fuzz-signature", signature_formats()[1].clone())
            .signed_content([
                SignedPart::Timestamp,
                SignedPart::literal("."),
                SignedPart::Body,
            ])
            .timestamp(Field::SignatureTimestamp, TimestampFormat::UnixSeconds)
            .freshness(window)
            .id(Field::body("id"), IdBinding::Signed)
            .event_type(Field::body("type"))
            .build()
            .expect("a valid scheme"),
        Scheme::builder("fuzz-versioned")
            .signature("webhook-signature", signature_formats()[2].clone())
            .signed_content([
                SignedPart::Id,
                SignedPart::literal("."),
                SignedPart::Timestamp,
                SignedPart::literal("."),
                SignedPart::Body,
            ])
            .timestamp(
                Field::header("webhook-timestamp"),
                TimestampFormat::UnixSeconds,
            )
            .freshness(window)
            .id(Field::header("webhook-id"), IdBinding::Signed)
            .event_type(Field::body("type"))
            .build()
            .expect("a valid scheme"),
    ]
}

/// A verify input: the scheme, the request head and the body.
pub struct Request {
    /// Index into [`verify_schemes`].
    pub scheme: usize,
    /// `name: value` pairs, as sent.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The raw body.
    pub body: Bytes,
}

impl Request {
    /// Reads a fuzz input: the first byte picks the scheme, then header lines
    /// (`name: value\n`) up to a blank line, then the body.
    pub fn decode(data: &[u8]) -> Self {
        let Some((&selector, rest)) = data.split_first() else {
            return Self {
                scheme: 0,
                headers: Vec::new(),
                body: Bytes::new(),
            };
        };
        let (head, body) = match rest.windows(2).position(|w| w == b"\n\n") {
            Some(at) => (&rest[..at], &rest[at + 2..]),
            None => (rest, &[][..]),
        };
        let headers = head
            .split(|&b| b == b'\n')
            .filter_map(|line| {
                let colon = line.iter().position(|&b| b == b':')?;
                let name = String::from_utf8_lossy(&line[..colon]).trim().to_owned();
                let value = line[colon + 1..].trim_ascii_start().to_vec();
                Some((name, value))
            })
            .collect();
        Self {
            scheme: usize::from(selector) % 4,
            headers,
            body: Bytes::copy_from_slice(body),
        }
    }

    /// The inverse of [`decode`](Self::decode), to write seeds.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![u8::try_from(self.scheme).expect("a small index")];
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.push(b'\n');
        }
        out.push(b'\n');
        out.extend_from_slice(&self.body);
        out
    }

    fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }
}

/// Runs the whole verify call on an arbitrary head and body.
///
/// Invariants:
/// - never a panic;
/// - **a random input never verifies**: under a secret no input was signed with, the answer is
///   a rejection decided at or before the signature check (size, missing or malformed
///   signature, missing timestamp or signed id, invalid signature), never a later one, which
///   would mean the signature had held;
/// - **what the signer signs verifies**: the same body signed with [`Signer`] (the timestamp
///   "now", the id the body or the head carries) is accepted, or refused for what the body
///   says (not JSON, no or a bad id, a bad body timestamp), never for its signature; and when
///   the body is a JSON object whose fields are all well-formed, it is accepted, with that id.
pub fn check_verify(data: &[u8]) {
    let request = Request::decode(data);
    let scheme = verify_schemes()[request.scheme].clone();
    let limit = 64 * 1024;

    // 1. A random input never verifies.
    let hidden = Verifier::new(
        scheme.clone(),
        [Secret::new(HIDDEN_SECRET).expect("secret")],
    )
    .body_limit(limit);
    match hidden.verify_at(&request.headers, request.body.clone(), NOW) {
        Ok(delivery) => panic!("an unsigned input verified: {delivery:?}"),
        Err(
            Rejection::MissingSignature
            | Rejection::MalformedSignature
            | Rejection::InvalidSignature
            | Rejection::MissingTimestamp
            | Rejection::MissingId,
        ) => {}
        Err(Rejection::BodyTooLarge { .. }) => assert!(request.body.len() > limit),
        Err(other) => panic!("a rejection decided after the signature held: {other:?}"),
    }

    // 2. What the signer signs verifies.
    let fields = top_level_fields(&request.body);
    let field = |name: &str| -> Option<&str> {
        fields
            .as_ref()
            .ok()?
            .iter()
            .find(|(k, _)| k == name)?
            .1
            .as_str()
    };
    let (id, now) = match request.scheme {
        0 => (
            field("id")
                .map(str::to_owned)
                .or_else(|| header_text(&request, "x-audit-trail-delivery-id"))
                .unwrap_or_else(|| "whd_fuzz".to_owned()),
            NOW,
        ),
        1 => (
            String::new(),
            field("timestamp")
                .and_then(|t| parse_rfc3339(t.as_bytes()))
                .unwrap_or(NOW),
        ),
        2 => (String::new(), NOW),
        _ => (
            header_text(&request, "webhook-id").unwrap_or_else(|| "msg_fuzz".to_owned()),
            NOW,
        ),
    };
    let secret = Secret::new(SIGNER_SECRET).expect("secret");
    let mut headers: Vec<(String, Vec<u8>)> = Signer::new(scheme.clone(), secret.clone())
        .headers(&request.body, now, &id)
        .into_iter()
        .map(|(n, v)| (n, v.into_bytes()))
        .collect();
    let signed_names: Vec<String> = headers.iter().map(|(name, _)| name.clone()).collect();
    // The sender's other headers come after ours.
    headers.extend(request.headers.iter().cloned());
    let verifier = Verifier::new(scheme, [secret]).body_limit(limit);
    let result = verifier.verify_at(&headers, request.body.clone(), now);
    match &result {
        Ok(delivery) => {
            assert_eq!(delivery.body(), &request.body);
            if !id.is_empty() {
                assert_eq!(delivery.id(), id);
            }
        }
        Err(
            Rejection::MalformedBody
            | Rejection::MissingId
            | Rejection::MalformedId
            | Rejection::IdMismatch
            | Rejection::MissingTimestamp
            | Rejection::MalformedTimestamp,
        ) => {}
        Err(Rejection::BodyTooLarge { .. }) => assert!(request.body.len() > limit),
        // The sender's headers repeat one of ours: refused whatever the order.
        Err(Rejection::RepeatedHeader) => assert!(
            request.headers.iter().any(|(name, _)| signed_names
                .iter()
                .any(|ours| ours.eq_ignore_ascii_case(name))),
            "refused as repeated without a repeated header"
        ),
        Err(other) => panic!("a signed delivery was refused: {other:?}"),
    }

    // A body that is not one JSON object, as serde_json reads it skipping every value, is
    // refused by every scheme here (they all read JSON): the verifier's own walk of the body
    // (`scan`) must not let one through.
    if !is_json_object(&request.body) {
        assert!(result.is_err(), "a body serde_json refuses verified");
    }

    // When the body is a clean JSON object with every field the scheme reads well-formed, it
    // must be accepted.
    let Ok(fields) = &fields else { return };
    let wanted: &[&str] = match request.scheme {
        0 => &["id", "type", "tenantId"],
        1 => &["event_id", "event_type", "organization_id", "timestamp"],
        _ => &["id", "type"],
    };
    let once = wanted
        .iter()
        .all(|w| fields.iter().filter(|(k, _)| k == w).count() <= 1);
    let body_id = match request.scheme {
        0 => field("id"),
        1 => field("event_id"),
        2 => field("id"),
        _ => Some(id.as_str()),
    };
    let good_timestamp = request.scheme != 1
        || field("timestamp").is_some_and(|t| parse_rfc3339(t.as_bytes()).is_some());
    let repeats_ours = request.headers.iter().any(|(name, _)| {
        signed_names
            .iter()
            .any(|ours| ours.eq_ignore_ascii_case(name))
    });
    if once
        && !repeats_ours
        && body_id.is_some_and(valid_id)
        && good_timestamp
        && request.body.len() <= limit
    {
        let delivery =
            result.unwrap_or_else(|r| panic!("a clean signed delivery was refused: {r:?}"));
        assert_eq!(Some(delivery.id()), body_id);
    }
}

fn header_text(request: &Request, name: &str) -> Option<String> {
    request
        .header(name)
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID_LEN && !id.chars().any(char::is_control)
}

/// Whether `body` is one JSON object for serde_json, reading its keys as `&str` and skipping
/// every value (the least any JSON scheme's reader checks).
fn is_json_object(body: &[u8]) -> bool {
    struct Key;
    impl<'de> serde::Deserialize<'de> for Key {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d).map(|_| Key)
        }
    }
    struct Object;
    impl<'de> Visitor<'de> for Object {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while map.next_entry::<Key, de::IgnoredAny>()?.is_some() {}
            Ok(())
        }
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return false;
    };
    let mut de = serde_json::Deserializer::from_str(text);
    de::Deserializer::deserialize_map(&mut de, Object).is_ok() && de.end().is_ok()
}

/// The keys a verify scheme or an event reads at the top level of a body.
const READ_KEYS: &[&str] = &[
    "id",
    "type",
    "tenantId",
    "event_id",
    "event_type",
    "organization_id",
    "timestamp",
];

/// The top-level keys of a JSON object, duplicates kept, with the values of [`READ_KEYS`]
/// (others are skipped, as the verifier skips them, and read as `null`), or `Err` when the body
/// is not one JSON object.
fn top_level_fields(body: &[u8]) -> Result<Vec<(String, serde_json::Value)>, serde_json::Error> {
    struct Fields;
    impl<'de> DeserializeSeed<'de> for Fields {
        type Value = Vec<(String, serde_json::Value)>;
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de> Visitor<'de> for Fields {
        type Value = Vec<(String, serde_json::Value)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                let value = if READ_KEYS.contains(&key.as_str()) {
                    map.next_value()?
                } else {
                    map.next_value::<de::IgnoredAny>()?;
                    serde_json::Value::Null
                };
                out.push((key, value));
            }
            Ok(out)
        }
    }
    // JSON is UTF-8: like the verifier, refuse a body that is not, wherever the bad bytes are.
    let text = std::str::from_utf8(body).map_err(<serde_json::Error as de::Error>::custom)?;
    let mut de = serde_json::Deserializer::from_str(text);
    let fields = Fields.deserialize(&mut de)?;
    de.end()?;
    Ok(fields)
}

// ---------------------------------------------------------------------------------------------
// events

/// Parses `data` as an Audit Trail and as a PALO event.
///
/// Invariants: never a panic; a parsed event's id is the body's top-level id; a typed event's
/// type is a known one, an `Unknown` one's is not, an `Unparsed` one's is known or empty; and
/// writing it out and parsing that again gives the same event.
pub fn check_events(data: &[u8]) {
    fn check<E: TypedEvent + serde::Serialize + PartialEq + fmt::Debug>(data: &[u8], id_key: &str) {
        let Ok(event) = E::from_json(data) else {
            return;
        };
        let known = E::KNOWN_TYPES.contains(&event.event_type());
        if event.is_unknown() {
            assert!(!known && event.parse_error().is_none(), "{event:?}");
        } else if event.parse_error().is_none() {
            assert!(known, "{event:?}");
        } else {
            // Unparsed: a known type whose fields did not fit, or no string type at all.
            assert!(known || event.event_type().is_empty(), "{event:?}");
        }
        if let Ok(fields) = top_level_fields(data) {
            let ids: Vec<_> = fields.iter().filter(|(k, _)| k == id_key).collect();
            if let [(_, serde_json::Value::String(id))] = ids.as_slice() {
                assert_eq!(event.event_id(), id);
            }
        }
        let written = serde_json::to_vec(&event).expect("an event serialises");
        let again = E::from_json(&written).unwrap_or_else(|e| {
            panic!(
                "{event:?} wrote {:?}, which does not parse: {e}",
                String::from_utf8_lossy(&written)
            )
        });
        assert_eq!(again, event, "{:?}", String::from_utf8_lossy(&written));
    }
    check::<AuditTrailEvent>(data, "id");
    check::<PaloEvent>(data, "event_id");
}

// ---------------------------------------------------------------------------------------------
// seeds

/// The seed corpus, per target: the specs' samples, and requests signed with
/// [`SIGNER_SECRET`]. `fuzz/src/bin/seed_corpus.rs` writes them to `fuzz/corpus/`.
pub fn seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    use webhook_guard::testing::{audit_trail_sample, palo_sample};
    let mut out = Vec::new();
    let at_types = AuditTrailEvent::KNOWN_TYPES;
    let palo_types = PaloEvent::KNOWN_TYPES;
    for t in at_types {
        let body = audit_trail_sample(t).expect("a sample");
        out.push((
            "events",
            format!("audit-trail-{t}"),
            body.clone().into_bytes(),
        ));
    }
    for t in palo_types {
        let body = palo_sample(t).expect("a sample");
        out.push(("events", format!("palo-{t}"), body.into_bytes()));
    }

    let secret = Secret::new(SIGNER_SECRET).expect("secret");
    let schemes = verify_schemes();
    let sign = |scheme: usize, body: &str, ts: i64, id: &str| {
        let headers = Signer::new(schemes[scheme].clone(), secret.clone())
            .headers(body.as_bytes(), ts, id)
            .into_iter()
            .map(|(n, v)| (n, v.into_bytes()))
            .collect();
        Request {
            scheme,
            headers,
            body: Bytes::from(body.to_owned()),
        }
        .encode()
    };
    let at = audit_trail_sample("alert.triggered").expect("a sample");
    let pa = palo_sample("ticket.created").expect("a sample");
    out.push((
        "verify",
        "audit-trail".into(),
        sign(0, &at, NOW, "whd_def456"),
    ));
    out.push(("verify", "palo".into(), sign(1, &pa, NOW, "")));
    out.push(("verify", "keyed".into(), sign(2, &at, NOW, "")));
    out.push(("verify", "versioned".into(), sign(3, &at, NOW, "msg_1")));

    for (name, header) in [
        ("prefixed", format!("sha256={}", "ab".repeat(32))),
        (
            "prefixed-rotation",
            format!("sha256={}, sha256={}", "ab".repeat(32), "CD".repeat(32)),
        ),
        (
            "keyed",
            format!("t=1705312200,v1={},v0={}", "ab".repeat(32), "cd".repeat(32)),
        ),
        (
            "versioned",
            "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= v2,abc".to_owned(),
        ),
    ] {
        out.push(("signature_header", name.into(), header.into_bytes()));
    }
    for (name, header) in [
        ("paddle", format!("ts=1671552777;h1={}", "ab".repeat(32))),
        (
            "bare-base64",
            "qBvrsZF7RfB1iS6BX6IHqJTp5L911P7intnPeTPsH0I=".to_owned(),
        ),
    ] {
        out.push(("signature_header", name.into(), header.into_bytes()));
    }
    {
        use ed25519_dalek::Signer as _;
        let signing = ed25519_dalek::SigningKey::from_bytes(&ED25519_SEED);
        for (name, body) in [
            ("discord-ping", r#"{"id":"1","type":1,"version":1}"#),
            (
                "discord-command",
                r#"{"id":"2","type":2,"data":{"name":"ping"}}"#,
            ),
        ] {
            let ts = NOW.to_string();
            let signature = signing.sign(&[ts.as_bytes(), body.as_bytes()].concat());
            let input = [
                Encoding::Hex.encode(&signature.to_bytes()).as_bytes(),
                b"\0",
                ts.as_bytes(),
                b"\0",
                body.as_bytes(),
            ]
            .concat();
            out.push(("ed25519", name.into(), input));
        }
    }
    for (name, ts) in [
        ("unix", "1705312200"),
        ("unix-negative", "-1"),
        ("unix-max", "9223372036854775807"),
        ("rfc3339", "2026-02-19T10:30:00Z"),
        ("rfc3339-offset", "2026-02-19T10:30:00.123+02:00"),
        ("rfc3339-leap", "2024-02-29T23:59:60z"),
    ] {
        out.push(("timestamp", name.into(), ts.as_bytes().to_vec()));
    }
    out
}
