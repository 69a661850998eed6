use super::encoding::Encoding;
use super::handshake::Handshake;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, Scheme};

impl Scheme {
    /// Xero webhooks, as "Webhooks" in Xero's developer documentation (its "Signature" and
    /// "Intent to receive" sections) describes them.
    ///
    /// - `x-xero-signature`: the base64 HMAC-SHA256 of the raw body with the webhook key
    ///   (used as written);
    /// - the body: `{"events":[...],"firstEventSequence":..,"lastEventSequence":..,
    ///   "entropy":".."}`, a batch of events each with its `eventCategory`, `eventType`,
    ///   `resourceId` and `tenantId`, so there is no one event type
    ///   ([`Delivery::event_type`](crate::Delivery::event_type) is `None`);
    /// - "intent to receive": when the webhook is saved, Xero sends signed payloads whose
    ///   `events` is empty, which must be answered `200` with an empty body, and badly signed
    ///   ones, which must be answered `401`. The layer does both itself
    ///   ([`Handshake::EmptyArray`]): no handler runs and nothing is claimed.
    ///
    /// **No timestamp, no delivery id.** Xero signs the body alone and sends no id; the id is a
    /// digest of the raw body ([`Field::BodyDigest`], signed). A payload Xero sends again is
    /// the same bytes, so a duplicate while the replay store remembers it; each payload
    /// carries its own `entropy` and events, so two payloads never share one. After the
    /// store's retention a captured payload replayed byte for byte runs the handler again:
    /// Xero's events say what changed (`resourceId`, `eventDateUtc`), so keep the handler
    /// idempotent on them.
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Signer, Verifier};
    ///
    /// let key = Secret::new("xero-webhook-key").unwrap();
    /// let body = br#"{"events":[{"resourceUrl":"https://api.xero.com/api.xro/2.0/Contacts/717f2bfc-c6d4-41fd-b238-3f2f0c0cf777","resourceId":"717f2bfc-c6d4-41fd-b238-3f2f0c0cf777","eventDateUtc":"2017-06-21T01:15:39.902","eventType":"Update","eventCategory":"CONTACT","tenantId":"c2cc9b6e-9458-4c7d-93cc-f02b81b0594f","tenantType":"ORGANISATION"}],"lastEventSequence":1,"firstEventSequence":1,"entropy":"S0m3r4Nd0mt3xt"}"#;
    /// let headers = Signer::new(Scheme::xero(), key.clone()).headers(body, 0, "");
    /// let delivery = Verifier::new(Scheme::xero(), [key]).verify(&headers, body.to_vec().into()).unwrap();
    /// assert!(delivery.id().starts_with("body_"));
    /// ```
    pub fn xero() -> Self {
        Scheme::builder("xero")
            .signature(
                "x-xero-signature",
                SignatureFormat::Bare {
                    encoding: Encoding::Base64,
                },
            )
            .id(Field::BodyDigest, IdBinding::Signed)
            .handshake(Handshake::EmptyArray {
                field: "events".into(),
            })
            .build()
            .unwrap_or_else(|e| unreachable!("the Xero scheme is valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Rejection, Scheme, Secret, Signer, Verifier};

    const KEY: &str = "xero-webhook-key";
    const INTENT: &str =
        r#"{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"S0m3r4Nd0mt3xt"}"#;
    // base64 HMAC-SHA256 of INTENT, computed with Python's hmac module.
    const INTENT_SIGNATURE: &str = "Jk5oeRqkvxspr6ZqkjgzOcJkUe7yZPsZrwBHTeueGFc=";
    const EVENT: &str = r#"{"events":[{"resourceId":"717f2bfc-c6d4-41fd-b238-3f2f0c0cf777","eventDateUtc":"2017-06-21T01:15:39.902","eventType":"Update","eventCategory":"CONTACT","tenantId":"c2cc9b6e-9458-4c7d-93cc-f02b81b0594f","tenantType":"ORGANISATION"}],"lastEventSequence":1,"firstEventSequence":1,"entropy":"S0m3r4Nd0mt3xt"}"#;

    fn verifier() -> Verifier {
        Verifier::new(Scheme::xero(), [Secret::new(KEY).unwrap()])
    }

    #[test]
    fn intent_to_receive_is_answered_when_signed_and_refused_otherwise() {
        let headers = [("x-xero-signature", INTENT_SIGNATURE)];
        let signed = Signer::new(Scheme::xero(), Secret::new(KEY).unwrap()).headers(
            INTENT.as_bytes(),
            0,
            "",
        );
        assert_eq!(
            signed,
            [("x-xero-signature".to_string(), INTENT_SIGNATURE.to_string())]
        );
        let delivery = verifier().verify(&headers[..], INTENT.into()).unwrap();
        let answer = delivery.handshake.expect("the intent-to-receive check");
        assert!(answer.body.is_empty());
        // Xero's badly signed payload: 401.
        let bad = [(
            "x-xero-signature",
            "aW5jb3JyZWN0IHNpZ25hdHVyZSBmb3IgdGhlIHRlc3Q=",
        )];
        let refused = verifier().verify(&bad[..], INTENT.into()).unwrap_err();
        assert_eq!(refused, Rejection::InvalidSignature);
        assert_eq!(refused.status(), 401);
    }

    #[test]
    fn events_reach_the_handler_with_a_body_digest_id() {
        let headers =
            Signer::new(Scheme::xero(), Secret::new(KEY).unwrap()).headers(EVENT.as_bytes(), 0, "");
        let delivery = verifier().verify(&headers, EVENT.into()).unwrap();
        assert!(delivery.handshake.is_none());
        assert!(delivery.id().starts_with("body_"));
        assert_eq!(delivery.event_type(), None);
        let mut flipped = EVENT.as_bytes().to_vec();
        flipped[30] ^= 1;
        assert_eq!(
            verifier().verify(&headers, flipped.into()).unwrap_err(),
            Rejection::InvalidSignature
        );
    }
}
