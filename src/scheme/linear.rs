use std::time::Duration;

use super::encoding::Encoding;
use super::freshness::Freshness;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, Scheme, TimestampFormat};

impl Scheme {
    /// Linear webhooks, as "Webhooks" documents them (linear.app/developers/webhooks).
    ///
    /// - `Linear-Signature`: the hex HMAC-SHA256 of the raw body, keyed with the webhook's
    ///   signing secret (used as written);
    /// - `Linear-Delivery`: the dedup id (a UUID per delivery). It is a header, not signed:
    ///   [`IdBinding::Unsigned`], so the replay store also remembers the MAC;
    /// - `Linear-Event`: the event type (the entity: `Issue`, `Comment`, ...; the body's
    ///   `action` says `create`, `update` or `remove`);
    /// - the body's `webhookTimestamp`, in milliseconds, signed with the body: Linear asks
    ///   receivers to refuse one more than a minute away, so the freshness window is 60
    ///   seconds either way.
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Signer, Verifier};
    ///
    /// let secret = Secret::new("lin_wh_secret").unwrap();
    /// let body = r#"{"action":"create","type":"Issue","data":{},"webhookTimestamp":1705312200123}"#;
    /// let mut headers = Signer::new(Scheme::linear(), secret.clone()).headers(body.as_bytes(), 0, "d-1");
    /// headers.push(("Linear-Event".into(), "Issue".into()));
    /// let verifier = Verifier::new(Scheme::linear(), [secret]);
    /// let delivery = verifier.verify_at(&headers, body.into(), 1_705_312_230).unwrap();
    /// assert_eq!((delivery.id(), delivery.event_type()), ("d-1", Some("Issue")));
    /// assert_eq!(delivery.timestamp(), Some(1_705_312_200));
    /// assert!(verifier.verify_at(&headers, body.into(), 1_705_312_261).is_err());
    /// ```
    pub fn linear() -> Self {
        Scheme::builder("linear")
            .signature(
                "linear-signature",
                SignatureFormat::Bare {
                    encoding: Encoding::Hex,
                },
            )
            .timestamp(Field::body("webhookTimestamp"), TimestampFormat::UnixMillis)
            .freshness(Freshness::new(
                Duration::from_secs(60),
                Duration::from_secs(60),
            ))
            .id(Field::header("linear-delivery"), IdBinding::Unsigned)
            .event_type(Field::header("linear-event"))
            .build()
            .unwrap_or_else(|e| unreachable!("the Linear scheme is valid: {e}"))
    }
}
