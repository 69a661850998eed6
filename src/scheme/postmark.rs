use super::algorithm::Algorithm;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, Scheme};

impl Scheme {
    /// Postmark webhooks (delivery, bounce, spam complaint, open, click, subscription change),
    /// as Postmark's "Webhooks overview" documents them: Postmark signs nothing, and protects
    /// a webhook with HTTP Basic credentials written into its URL
    /// (`https://user:password@hooks.example.com/webhooks/postmark`).
    ///
    /// - `Authorization: Basic <base64 of user:password>` ([`SignatureFormat::HttpBasic`]),
    ///   compared with the secret `user:password` in constant time
    ///   ([`Algorithm::SharedToken`]);
    /// - event type: the body's `RecordType` (`Delivery`, `Bounce`, `SpamComplaint`, `Open`,
    ///   `Click`, `SubscriptionChange`);
    /// - id: a digest of the body ([`Field::BodyDigest`]). Postmark's payloads carry no
    ///   delivery id: `MessageID` names the message, and one message has many events (a
    ///   delivery, several opens and clicks, each its own webhook), so `MessageID` and
    ///   `RecordType` together would take a second open for a duplicate of the first. Postmark
    ///   retries a webhook that was not answered 2xx with the same body, so a retry is a
    ///   duplicate; two opens differ at least in `ReceivedAt`.
    ///
    /// **What basic credentials can and cannot do**: the same as a token (see
    /// [`Scheme::gitlab`]). They prove the sender knows them and bind nothing; whoever holds
    /// one delivery can send any body. A copy of a delivery sent again is a duplicate for the
    /// store's retention (the id is its body); a copy with a changed body is a new delivery
    /// and cannot be caught. There is no timestamp, so no freshness check.
    ///
    /// ```
    /// use webhook_guard::{Rejection, Scheme, Secret, Verifier};
    ///
    /// // RFC 7617's example credentials, "Aladdin" and "open sesame".
    /// let verifier = Verifier::new(Scheme::postmark(), [Secret::new("Aladdin:open sesame").unwrap()]);
    /// let body = r#"{"RecordType":"Delivery","MessageID":"883953f4-6105-42a2-a16a-77a8eac79483","Recipient":"john@example.com","DeliveredAt":"2019-11-05T16:33:54.9070259Z"}"#;
    /// let good: &[(&str, &str)] = &[("Authorization", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")];
    /// let delivery = verifier.verify(good, body.into()).unwrap();
    /// assert_eq!(delivery.event_type(), Some("Delivery"));
    /// assert!(delivery.id().starts_with("body_"));
    /// let bad: &[(&str, &str)] = &[("Authorization", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZg==")];
    /// assert_eq!(verifier.verify(bad, body.into()).unwrap_err(), Rejection::InvalidSignature);
    /// ```
    pub fn postmark() -> Self {
        Scheme::builder("postmark")
            .signature("authorization", SignatureFormat::HttpBasic)
            .algorithm(Algorithm::SharedToken)
            .id(Field::BodyDigest, IdBinding::Signed)
            .event_type(Field::body("RecordType"))
            .build()
            .unwrap_or_else(|e| unreachable!("the Postmark scheme is valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Rejection, Scheme, Secret, Signer, Verifier};

    // RFC 7617, section 2: user "Aladdin", password "open sesame".
    const CREDENTIALS: &str = "Aladdin:open sesame";
    const HEADER: &str = "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==";
    // The "Open" example of Postmark's "Open tracking webhook" page, shortened.
    const OPEN: &str = r#"{"RecordType":"Open","MessageStream":"outbound","FirstOpen":true,"Recipient":"john@example.com","MessageID":"00000000-0000-0000-0000-000000000000","ReceivedAt":"2019-11-05T16:33:54.9070259Z","Platform":"WebMail","ReadSeconds":5,"Tag":"welcome-email"}"#;

    fn verifier() -> Verifier {
        Verifier::new(Scheme::postmark(), [Secret::new(CREDENTIALS).unwrap()])
    }

    fn verify(header: &str, body: &str) -> Result<crate::Delivery, Rejection> {
        verifier().verify_at(&[("Authorization", header)][..], body.to_owned().into(), 0)
    }

    #[test]
    fn the_rfc_credentials_verify_and_our_signer_writes_them() {
        let signed = Signer::new(Scheme::postmark(), Secret::new(CREDENTIALS).unwrap()).headers(
            OPEN.as_bytes(),
            0,
            "",
        );
        assert_eq!(signed, [("authorization".to_owned(), HEADER.to_owned())]);
        let delivery = verify(HEADER, OPEN).unwrap();
        assert_eq!(delivery.event_type(), Some("Open"));
        // The scheme name in any case; anything else is no credential at all.
        assert!(verify("basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", OPEN).is_ok());
        for malformed in [
            "Bearer QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
            "Basic",
            "Basic !!",
            "",
        ] {
            assert_eq!(
                verify(malformed, OPEN).unwrap_err(),
                Rejection::MalformedSignature,
                "{malformed:?}"
            );
        }
        // Another password, a flipped bit in the credentials.
        let other = format!(
            "Basic {}",
            crate::signature::Encoding::Base64.encode(b"Aladdin:open sesamf")
        );
        assert_eq!(
            verify(&other, OPEN).unwrap_err(),
            Rejection::InvalidSignature
        );
        assert_eq!(
            verify("Basic QWxhZGRpbjpvcGVuIHNlc2FtZA==", OPEN).unwrap_err(),
            Rejection::InvalidSignature
        );
    }

    #[test]
    fn each_event_is_its_body_and_a_retry_is_the_same() {
        let first = verify(HEADER, OPEN).unwrap();
        assert_eq!(verify(HEADER, OPEN).unwrap().id(), first.id());
        let second_open = OPEN.replace("\"FirstOpen\":true", "\"FirstOpen\":false");
        assert_ne!(verify(HEADER, &second_open).unwrap().id(), first.id());
        assert_eq!(
            verify(HEADER, "not json").unwrap_err(),
            Rejection::MalformedBody
        );
    }
}
