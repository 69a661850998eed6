use std::time::Duration;

use super::encoding::Encoding;
use super::freshness::Freshness;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, Scheme, SignedPart, TimestampFormat};

impl Scheme {
    /// Paddle Billing notifications, as "Verify webhook signatures" documents them
    /// (developer.paddle.com/webhooks/signature-verification).
    ///
    /// - `Paddle-Signature: ts=<unix seconds>;h1=<hex>`, the HMAC-SHA256 of
    ///   `<ts>:<raw body>` keyed with the notification destination's secret key (used as
    ///   written, `pdl_ntfset_...`); several `h1` entries may arrive during a secret rotation;
    /// - the dedup id is the body's `notification_id` (signed), the same on each retry;
    /// - the event type is the body's `event_type` (`transaction.completed`, ...).
    ///
    /// Freshness: 5 seconds either way, the tolerance of Paddle's own SDKs (`Verifier`'s
    /// default): Paddle signs each attempt anew, so retries arrive fresh. Widen it with
    /// [`Scheme::with_freshness`] if your clock cannot be kept that close.
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Signer, Verifier};
    ///
    /// let secret = Secret::new("pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_6h3qd3uFSi9YCD3OLYAShQI90XTI6vEI").unwrap();
    /// let body = r#"{"event_id":"evt_01","event_type":"transaction.completed","notification_id":"ntf_01","data":{}}"#;
    /// let headers = Signer::new(Scheme::paddle(), secret.clone()).headers(body.as_bytes(), 1_671_552_777, "");
    /// assert!(headers[0].1.starts_with("ts=1671552777;h1="));
    /// let delivery = Verifier::new(Scheme::paddle(), [secret]).verify_at(&headers, body.into(), 1_671_552_779).unwrap();
    /// assert_eq!(delivery.id(), "ntf_01");
    /// ```
    pub fn paddle() -> Self {
        Scheme::builder("paddle")
            .signature(
                "paddle-signature",
                SignatureFormat::KeyValue {
                    separator: b';',
                    timestamp_key: Some("ts".into()),
                    signature_key: "h1".into(),
                    encoding: Encoding::Hex,
                },
            )
            .signed_content([
                SignedPart::Timestamp,
                SignedPart::literal(":"),
                SignedPart::Body,
            ])
            .timestamp(Field::SignatureTimestamp, TimestampFormat::UnixSeconds)
            .freshness(Freshness::new(
                Duration::from_secs(5),
                Duration::from_secs(5),
            ))
            .id(Field::body("notification_id"), IdBinding::Signed)
            .event_type(Field::body("event_type"))
            .build()
            .unwrap_or_else(|e| unreachable!("the Paddle scheme is valid: {e}"))
    }
}
