use std::time::Duration;

use super::encoding::Encoding;
use super::freshness::Freshness;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, Scheme, SignedPart, TimestampFormat};

impl Scheme {
    /// Box webhooks (V2), as "Signature Verification" and "V2 Webhooks" in the Box Developer
    /// Documentation describe them. (`box` is a Rust keyword, hence the name.)
    ///
    /// - `BOX-SIGNATURE-PRIMARY` and `BOX-SIGNATURE-SECONDARY`: the base64 HMAC-SHA256 of
    ///   `<raw body><BOX-DELIVERY-TIMESTAMP>` (nothing between them), each with one of the
    ///   application's two signature keys (used as written), so that one key can be rotated
    ///   while the other verifies. Configure both keys: a request verifies when either header
    ///   verifies with either key ([`SchemeBuilder::second_signature_header`](super::SchemeBuilder::second_signature_header));
    /// - `BOX-DELIVERY-TIMESTAMP`: RFC 3339 with an offset (`2016-07-11T10:10:33-07:00`),
    ///   signed as received. Box's documentation refuses a delivery older than 10 minutes;
    ///   the future is bounded by the same 10 minutes here;
    /// - id: the body's `id`, signed. Box changes `BOX-DELIVERY-ID` on each retry, while the
    ///   body's id stays the same, so a retry is answered "already processed";
    /// - event type: the body's `trigger` (`FILE.UPLOADED`, ...).
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Signer, Verifier};
    ///
    /// let (primary, secondary) = (Secret::new("box-primary-key").unwrap(), Secret::new("box-secondary-key").unwrap());
    /// let verifier = Verifier::new(Scheme::box_com(), [primary.clone(), secondary.clone()]);
    /// let body = br#"{"type":"webhook_event","id":"eb0c4e06-751f-442c-86f8-fd5bb404dbec","created_at":"2016-07-11T10:10:32-07:00","trigger":"FILE.UPLOADED","source":{"id":"5016243669","type":"file"}}"#;
    /// let headers = Signer::new(Scheme::box_com(), primary).second_secret(secondary).headers(body, 1_468_257_033, "");
    /// let delivery = verifier.verify_at(&headers, body.to_vec().into(), 1_468_257_033).unwrap();
    /// assert_eq!(delivery.id(), "eb0c4e06-751f-442c-86f8-fd5bb404dbec");
    /// assert_eq!(delivery.event_type(), Some("FILE.UPLOADED"));
    /// ```
    pub fn box_com() -> Self {
        Scheme::builder("box")
            .signature(
                "box-signature-primary",
                SignatureFormat::Bare {
                    encoding: Encoding::Base64,
                },
            )
            .second_signature_header("box-signature-secondary")
            .signed_content([SignedPart::Body, SignedPart::Timestamp])
            .timestamp(
                Field::header("box-delivery-timestamp"),
                TimestampFormat::Rfc3339,
            )
            .freshness(Freshness::new(
                Duration::from_secs(10 * 60),
                Duration::from_secs(10 * 60),
            ))
            .id(Field::body("id"), IdBinding::Signed)
            .event_type(Field::body("trigger"))
            .build()
            .unwrap_or_else(|e| unreachable!("the Box scheme is valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Rejection, Scheme, Secret, Verifier};

    const PRIMARY: &str = "SamplePrimaryKey";
    const SECONDARY: &str = "SampleSecondaryKey";
    const BODY: &str = r#"{"type":"webhook_event","webhook":{"id":"1234567890"},"trigger":"FILE.UPLOADED","source":{"id":"1234567890","type":"file","name":"Test.txt"},"id":"eb0c4e06-751f-442c-86f8-fd5bb404dbec"}"#;
    const TIMESTAMP: &str = "2016-07-11T10:10:33-07:00";
    const AT: i64 = 1_468_257_033;
    // base64 HMAC-SHA256 of BODY + TIMESTAMP under each key, computed with Python's hmac
    // module as Box's documentation describes it.
    const PRIMARY_SIGNATURE: &str = "DMPTKBlZU3finUsnoWNyESGUd/E51k+rhPUbqfW0S5Q=";
    const SECONDARY_SIGNATURE: &str = "3ASN4mk/5RH5KtsEv1/cudDJqJ3u0CX7n1JS5TUw8Mw=";

    fn verifier(keys: &[&str]) -> Verifier {
        Verifier::new(
            Scheme::box_com(),
            keys.iter().map(|key| Secret::new(key).unwrap()),
        )
    }

    fn verify(
        keys: &[&str],
        primary: Option<&str>,
        secondary: Option<&str>,
        body: &str,
        now: i64,
    ) -> Result<crate::Delivery, Rejection> {
        let mut headers = vec![
            ("BOX-DELIVERY-TIMESTAMP", TIMESTAMP),
            ("BOX-DELIVERY-ID", "673a081b"),
        ];
        if let Some(primary) = primary {
            headers.push(("BOX-SIGNATURE-PRIMARY", primary));
        }
        if let Some(secondary) = secondary {
            headers.push(("BOX-SIGNATURE-SECONDARY", secondary));
        }
        verifier(keys).verify_at(&headers, body.to_owned().into(), now)
    }

    #[test]
    fn either_signature_verifies_with_its_key() {
        let both = (Some(PRIMARY_SIGNATURE), Some(SECONDARY_SIGNATURE));
        let delivery = verify(&[PRIMARY, SECONDARY], both.0, both.1, BODY, AT).unwrap();
        assert_eq!(delivery.id(), "eb0c4e06-751f-442c-86f8-fd5bb404dbec");
        assert_eq!(delivery.event_type(), Some("FILE.UPLOADED"));
        // The primary key rotated away: the secondary still verifies, and the other way round.
        assert!(verify(&[SECONDARY], both.0, both.1, BODY, AT).is_ok());
        assert!(verify(&[PRIMARY], both.0, both.1, BODY, AT).is_ok());
        // One header alone verifies; a wrong one beside a right one does not spoil it.
        assert!(verify(&[SECONDARY], None, both.1, BODY, AT).is_ok());
        let wrong = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        assert!(verify(&[SECONDARY], Some(wrong), both.1, BODY, AT).is_ok());
        assert!(verify(&[SECONDARY], Some("not base64!"), both.1, BODY, AT).is_ok());
        assert_eq!(
            verify(&[PRIMARY, SECONDARY], None, None, BODY, AT).unwrap_err(),
            Rejection::MissingSignature
        );
        assert_eq!(
            verify(&["another-key"], both.0, both.1, BODY, AT).unwrap_err(),
            Rejection::InvalidSignature
        );
        assert_eq!(
            verify(&[PRIMARY], Some("not base64!"), None, BODY, AT).unwrap_err(),
            Rejection::MalformedSignature
        );
    }

    #[test]
    fn our_signer_reproduces_both_headers() {
        use crate::Signer;
        let signer = Signer::new(Scheme::box_com(), Secret::new(PRIMARY).unwrap())
            .second_secret(Secret::new(SECONDARY).unwrap());
        let scheme = Scheme::box_com();
        assert_eq!(scheme.name(), "box");
        // Our signer writes the timestamp in UTC; the same instant signs other bytes.
        let headers = signer.headers(BODY.as_bytes(), AT, "");
        assert!(headers.contains(&(
            "box-delivery-timestamp".into(),
            "2016-07-11T17:10:33Z".into()
        )));
        let v = verifier(&[PRIMARY, SECONDARY]);
        assert!(v.verify_at(&headers, BODY.into(), AT).is_ok());
        let secondary_only: Vec<_> = headers
            .iter()
            .filter(|(name, _)| name != "box-signature-primary")
            .cloned()
            .collect();
        assert!(
            verifier(&[SECONDARY])
                .verify_at(&secondary_only, BODY.into(), AT)
                .is_ok()
        );
    }

    #[test]
    fn a_flipped_bit_and_a_stale_delivery_are_refused() {
        let both = (Some(PRIMARY_SIGNATURE), Some(SECONDARY_SIGNATURE));
        let mut flipped = BODY.to_owned().into_bytes();
        flipped[3] ^= 1;
        let flipped = String::from_utf8(flipped).unwrap();
        assert_eq!(
            verify(&[PRIMARY, SECONDARY], both.0, both.1, &flipped, AT).unwrap_err(),
            Rejection::InvalidSignature
        );
        assert!(verify(&[PRIMARY], both.0, both.1, BODY, AT + 600).is_ok());
        assert_eq!(
            verify(&[PRIMARY], both.0, both.1, BODY, AT + 601).unwrap_err(),
            Rejection::StaleTimestamp
        );
        assert_eq!(
            verify(&[PRIMARY], both.0, both.1, BODY, AT - 601).unwrap_err(),
            Rejection::FutureTimestamp
        );
    }
}
