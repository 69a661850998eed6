use std::time::Duration;

use super::freshness::Freshness;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, Scheme, SchemeBuilder, SignedPart, TimestampFormat};

impl Scheme {
    /// Stripe webhooks (snapshot events).
    ///
    /// - `Stripe-Signature: t=<ts>,v1=<hex>[,v1=<hex>...][,v0=<hex>]`: `t` is the time of
    ///   signing (Unix seconds), each `v1` the HMAC-SHA256 of `<t>.<raw body>`. Several `v1`
    ///   entries arrive while an endpoint secret is being rolled; any one that matches passes.
    ///   `v0` entries (test-mode, legacy) and any other key are ignored, as Stripe's libraries
    ///   do;
    /// - id: the body's `id` (`evt_...`), signed, the same on every retry of an event;
    /// - event type: the body's `type` (`payment_intent.succeeded`, ...);
    /// - secrets (`whsec_...`) are used as written: unlike Standard Webhooks, Stripe does not
    ///   base64-decode them.
    ///
    /// Freshness: at most 300 seconds old, Stripe's default tolerance
    /// (`DEFAULT_TOLERANCE`), and at most 300 seconds ahead. Stripe's libraries do not bound
    /// the future; this scheme does, since a timestamp far ahead would keep a captured copy
    /// fresh for as long. Stripe signs each retry anew, so retries arrive fresh and are
    /// answered "already processed" once the event was handled; a copy replayed within the
    /// 10 minutes a signature stays valid is caught by the replay store, a later one is stale.
    /// Stripe retries what was not answered 2xx for up to three days: if a 2xx of ours is lost
    /// and the retry comes after the store's retention (24 hours by default), the handler runs
    /// again. Raise the retention past three days, or keep the handler idempotent on the
    /// event id.
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Verifier};
    ///
    /// let verifier = Verifier::new(Scheme::stripe(), [Secret::new("whsec_test_secret").unwrap()]);
    /// // Made by stripe-python 16.1.0's `WebhookSignature.generate_signature_header`.
    /// let headers: &[(&str, &str)] = &[(
    ///     "Stripe-Signature",
    ///     "t=1700000000,v1=d95c6b7477fbd7e9f90b1b0ef5f9c7ac25abca5382460e0d988c2b2a5b71b990",
    /// )];
    /// let body = r#"{"id":"evt_test_webhook","object":"event"}"#;
    /// let delivery = verifier.verify_at(headers, body.into(), 1_700_000_100).unwrap();
    /// assert_eq!(delivery.id(), "evt_test_webhook");
    /// assert_eq!(delivery.timestamp(), Some(1_700_000_000));
    /// ```
    pub fn stripe() -> Self {
        Scheme::stripe_style("stripe", "stripe-signature", Duration::from_secs(300))
            .id(Field::body("id"), IdBinding::Signed)
            .event_type(Field::body("type"))
            .build()
            .unwrap_or_else(|e| unreachable!("the Stripe scheme is valid: {e}"))
    }

    /// Stripe's signature shape, which Mux and Calendly reuse: `<header>: t=<unix seconds>,v1=<hex>`
    /// over `<t>.<raw body>`, fresh for `window` either way. The caller adds the id and type.
    pub(super) fn stripe_style(
        name: &'static str,
        header: &'static str,
        window: Duration,
    ) -> SchemeBuilder {
        Scheme::builder(name)
            .signature(
                header,
                SignatureFormat::KeyedHex {
                    timestamp_key: "t".into(),
                    version_key: "v1".into(),
                },
            )
            .signed_content([
                SignedPart::Timestamp,
                SignedPart::literal("."),
                SignedPart::Body,
            ])
            .timestamp(Field::SignatureTimestamp, TimestampFormat::UnixSeconds)
            .freshness(Freshness::new(window, window))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Rejection, Scheme, Secret, Signer, Verifier};

    const SECRET: &str = "whsec_test_secret";
    const BODY: &str = r#"{"id":"evt_test_webhook","object":"event"}"#;
    const TS: i64 = 1_700_000_000;
    // stripe-python 16.1.0: `WebhookSignature.generate_signature_header(BODY, SECRET, TS)`.
    const V1: &str = "d95c6b7477fbd7e9f90b1b0ef5f9c7ac25abca5382460e0d988c2b2a5b71b990";

    fn verifier() -> Verifier {
        Verifier::new(Scheme::stripe(), [Secret::new(SECRET).unwrap()])
    }

    fn verify(header: &str, now: i64) -> Result<crate::Delivery, Rejection> {
        verifier().verify_at(&[("Stripe-Signature", header)][..], BODY.into(), now)
    }

    #[test]
    fn the_sdk_header_verifies_and_our_signer_reproduces_it() {
        let header = format!("t={TS},v1={V1}");
        let delivery = verify(&header, TS).unwrap();
        assert_eq!(delivery.id(), "evt_test_webhook");
        assert_eq!(delivery.timestamp(), Some(TS));
        let signed = Signer::new(Scheme::stripe(), Secret::new(SECRET).unwrap()).headers(
            BODY.as_bytes(),
            TS,
            "",
        );
        assert_eq!(signed, [("stripe-signature".to_string(), header)]);
    }

    #[test]
    fn only_v1_entries_count_and_the_tolerance_is_300_seconds() {
        let other = "0".repeat(64);
        assert!(verify(&format!("t={TS},v1={other},v1={V1},v0={other}"), TS).is_ok());
        // The right MAC under `v0` does not count.
        assert_eq!(
            verify(&format!("t={TS},v0={V1}"), TS).unwrap_err(),
            Rejection::MalformedSignature
        );
        assert_eq!(
            verify(&format!("t={TS},v1={other}"), TS).unwrap_err(),
            Rejection::InvalidSignature
        );
        // The timestamp is signed.
        assert_eq!(
            verify(&format!("t={},v1={V1}", TS + 1), TS).unwrap_err(),
            Rejection::InvalidSignature
        );
        assert_eq!(
            verify(&format!("v1={V1}"), TS).unwrap_err(),
            Rejection::MissingTimestamp
        );
        let header = format!("t={TS},v1={V1}");
        assert!(verify(&header, TS + 300).is_ok());
        assert_eq!(
            verify(&header, TS + 301).unwrap_err(),
            Rejection::StaleTimestamp
        );
        assert!(verify(&header, TS - 300).is_ok());
        assert_eq!(
            verify(&header, TS - 301).unwrap_err(),
            Rejection::FutureTimestamp
        );
    }
}
