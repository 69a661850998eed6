use std::time::Duration;

use super::{Field, IdBinding, Scheme};

impl Scheme {
    /// Calendly webhook subscriptions with a signing key, as "Webhook Signatures" (Calendly
    /// developer documentation) describes them.
    ///
    /// - `Calendly-Webhook-Signature: t=<unix seconds>,v1=<hex>`, the HMAC-SHA256 of
    ///   `<t>.<raw body>` with the subscription's signing key (used as written); the `t` is
    ///   signed;
    /// - event type: the body's `event` (`invitee.created`, `invitee.canceled`, ...);
    /// - id: Calendly sends no delivery id, and the body's identifiers are nested
    ///   (`payload.uri`). The id is a digest of the raw body ([`Field::BodyDigest`], signed):
    ///   each event's body carries its own `created_at` and `payload`, so two events never
    ///   share one, and a retry of the same event (the same bytes, signed anew with a new `t`)
    ///   is a duplicate.
    ///
    /// Freshness: 3 minutes either way. Calendly's documentation rejects a `t` older than 3
    /// minutes; it says nothing of the future, which is bounded by the same 3 minutes here so
    /// that a timestamp far ahead cannot keep a captured copy fresh.
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Signer, Verifier};
    ///
    /// let key = Secret::new("calendly-signing-key").unwrap();
    /// let body = br#"{"created_at":"2026-02-19T10:30:00.000000Z","event":"invitee.created","payload":{"uri":"https://api.calendly.com/scheduled_events/E1/invitees/I1"}}"#;
    /// let headers = Signer::new(Scheme::calendly(), key.clone()).headers(body, 1_771_497_000, "");
    /// assert!(headers[0].1.starts_with("t=1771497000,v1="));
    /// let delivery = Verifier::new(Scheme::calendly(), [key]).verify_at(&headers, body.to_vec().into(), 1_771_497_060).unwrap();
    /// assert_eq!(delivery.event_type(), Some("invitee.created"));
    /// assert!(delivery.id().starts_with("body_"));
    /// ```
    pub fn calendly() -> Self {
        Scheme::stripe_style(
            "calendly",
            "calendly-webhook-signature",
            Duration::from_secs(3 * 60),
        )
        .id(Field::BodyDigest, IdBinding::Signed)
        .event_type(Field::body("event"))
        .build()
        .unwrap_or_else(|e| unreachable!("the Calendly scheme is valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Rejection, Scheme, Secret, Signer, Verifier};

    const KEY: &str = "calendly-signing-key";
    const TS: i64 = 1_771_497_000;
    const BODY: &str = r#"{"created_at":"2026-02-19T10:30:00.000000Z","created_by":"https://api.calendly.com/users/U1","event":"invitee.created","payload":{"uri":"https://api.calendly.com/scheduled_events/E1/invitees/I1"}}"#;

    fn verifier() -> Verifier {
        Verifier::new(Scheme::calendly(), [Secret::new(KEY).unwrap()])
    }

    #[test]
    fn the_documented_algorithm_verifies_and_our_signer_reproduces_it() {
        // hex HMAC-SHA256 of "<t>.<body>", computed with Python's hmac module.
        let v1 = "794a176a31b04b2ffdd76ab14b9f2176e21644e745b99948fbb5e6f8202ae203";
        let headers = Signer::new(Scheme::calendly(), Secret::new(KEY).unwrap()).headers(
            BODY.as_bytes(),
            TS,
            "",
        );
        assert_eq!(
            headers,
            [(
                "calendly-webhook-signature".to_string(),
                format!("t={TS},v1={v1}")
            )]
        );
        let delivery = verifier().verify_at(&headers, BODY.into(), TS).unwrap();
        assert_eq!(delivery.event_type(), Some("invitee.created"));
        assert_eq!(delivery.timestamp(), Some(TS));
        // A retry of the same event, signed anew: the same id.
        let resigned = Signer::new(Scheme::calendly(), Secret::new(KEY).unwrap()).headers(
            BODY.as_bytes(),
            TS + 30,
            "",
        );
        let retry = verifier()
            .verify_at(&resigned, BODY.into(), TS + 30)
            .unwrap();
        assert_eq!(retry.id(), delivery.id());
        let other = BODY.replace("I1", "I2");
        let headers_other = Signer::new(Scheme::calendly(), Secret::new(KEY).unwrap()).headers(
            other.as_bytes(),
            TS,
            "",
        );
        let another = verifier()
            .verify_at(&headers_other, other.into(), TS)
            .unwrap();
        assert_ne!(another.id(), delivery.id());
    }

    #[test]
    fn a_flipped_bit_and_a_stale_timestamp_are_refused() {
        let headers = Signer::new(Scheme::calendly(), Secret::new(KEY).unwrap()).headers(
            BODY.as_bytes(),
            TS,
            "",
        );
        let mut flipped = BODY.as_bytes().to_vec();
        flipped[10] ^= 1;
        assert_eq!(
            verifier()
                .verify_at(&headers, flipped.into(), TS)
                .unwrap_err(),
            Rejection::InvalidSignature
        );
        assert!(
            verifier()
                .verify_at(&headers, BODY.into(), TS + 180)
                .is_ok()
        );
        assert_eq!(
            verifier()
                .verify_at(&headers, BODY.into(), TS + 181)
                .unwrap_err(),
            Rejection::StaleTimestamp
        );
        assert_eq!(
            verifier()
                .verify_at(&headers, BODY.into(), TS - 181)
                .unwrap_err(),
            Rejection::FutureTimestamp
        );
    }
}
