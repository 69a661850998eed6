//! Keys that carry an id and a validity window: the matched key's id on the delivery, keys
//! outside their window not tried, and the refusal logged with the key's id (never the key).

use std::io::Write;
use std::sync::{Arc, Mutex};

use p256::ecdsa::signature::Signer as _;
use webhook_guard::signature::SecretSet;
use webhook_guard::{PublicKey, Rejection, Scheme, Secret, Signer, Verifier};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `f` with a subscriber that keeps what is logged.
fn logged<T>(f: impl FnOnce() -> T) -> (T, String) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .finish();
    let out = tracing::subscriber::with_default(subscriber, f);
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    (out, text)
}

const NOW: i64 = 1_790_000_000;

#[test]
fn the_matched_secret_is_named_and_an_expired_one_is_refused_with_a_logged_reason() {
    let old = Secret::new("old-secret-value-1234")
        .unwrap()
        .with_id("2026-q3")
        .not_after(NOW);
    let new = Secret::new("new-secret-value-5678")
        .unwrap()
        .with_id("2026-q4")
        .not_before(NOW - 10);
    let verifier = Verifier::new(Scheme::github(), [new.clone(), old.clone()]);
    let by_old = Signer::new(Scheme::github(), old).headers(b"{}", 0, "d-1");
    let by_new = Signer::new(Scheme::github(), new).headers(b"{}", 0, "d-2");

    let at =
        |headers: &Vec<(String, String)>, now: i64| verifier.verify_at(headers, "{}".into(), now);
    assert_eq!(at(&by_old, NOW).unwrap().key_id(), Some("2026-q3"));
    assert_eq!(at(&by_new, NOW).unwrap().key_id(), Some("2026-q4"));

    // One second past `not_after`: not tried, and the log says which key and when.
    let (refused, log) = logged(|| at(&by_old, NOW + 1));
    assert_eq!(refused.unwrap_err(), Rejection::InvalidSignature);
    assert!(log.contains("key 2026-q3 expired at 2026-09-21T"), "{log}");
    assert!(!log.contains("old-secret-value"), "{log}");
    // Before `not_before`: the new key is not tried either, and said so.
    let (early, log) = logged(|| at(&by_new, NOW - 11));
    assert_eq!(early.unwrap_err(), Rejection::InvalidSignature);
    assert!(log.contains("key 2026-q4 is not valid before"), "{log}");
    // A signature no key matches logs nothing about windows.
    let stranger =
        Signer::new(Scheme::github(), Secret::new("other").unwrap()).headers(b"{}", 0, "d-3");
    let (refused, log) = logged(|| at(&stranger, NOW + 1));
    assert_eq!(refused.unwrap_err(), Rejection::InvalidSignature);
    assert!(!log.contains("expired"), "{log}");
}

#[test]
fn an_unnamed_secret_verifies_as_before() {
    let secret = Secret::new("plain").unwrap();
    let verifier = Verifier::new(Scheme::github(), [secret.clone()]);
    let headers = Signer::new(Scheme::github(), secret).headers(b"{}", 0, "d-1");
    let delivery = verifier.verify_at(&headers, "{}".into(), i64::MAX).unwrap();
    assert_eq!(delivery.key_id(), None);
}

#[test]
fn an_expired_public_key_is_not_tried() {
    let signing = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
    let der = {
        use p256::pkcs8::EncodePublicKey;
        signing.verifying_key().to_public_key_der().unwrap()
    };
    let base64 = webhook_guard::signature::Encoding::Base64.encode(der.as_bytes());
    let key = PublicKey::p256_base64_der(&base64)
        .unwrap()
        .with_id("sg-2026")
        .not_after(NOW);
    let verifier = Verifier::with_secret_set(Scheme::sendgrid(), SecretSet::public_keys([key]));
    let body = br#"[{"sg_event_id":"e1"}]"#;
    let timestamp = NOW.to_string();
    let signature: p256::ecdsa::DerSignature = signing.sign(&[timestamp.as_bytes(), body].concat());
    let headers = vec![
        (
            "x-twilio-email-event-webhook-signature".to_owned(),
            webhook_guard::signature::Encoding::Base64.encode(signature.as_bytes()),
        ),
        (
            "x-twilio-email-event-webhook-timestamp".to_owned(),
            timestamp,
        ),
    ];
    let ok = verifier
        .verify_at(&headers, body.to_vec().into(), NOW)
        .unwrap();
    assert_eq!(ok.key_id(), Some("sg-2026"));
    // Still fresh one minute later (SendGrid's window is a day), but the key has expired.
    let (refused, log) = logged(|| verifier.verify_at(&headers, body.to_vec().into(), NOW + 60));
    assert_eq!(refused.unwrap_err(), Rejection::InvalidSignature);
    assert!(log.contains("key sg-2026 expired at"), "{log}");
}
