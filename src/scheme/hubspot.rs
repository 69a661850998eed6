use std::time::Duration;

use super::encoding::Encoding;
use super::freshness::Freshness;
use super::signature_format::SignatureFormat;
use super::{BodyFormat, Field, IdBinding, Scheme, SignedPart, TimestampFormat};

impl Scheme {
    /// HubSpot webhooks and app requests signed with the v3 signature, as "Validating
    /// requests" (HubSpot developer documentation, "Validate the v3 request signature")
    /// describes it.
    ///
    /// - `X-HubSpot-Signature-v3`: the base64 HMAC-SHA256, with the app's client secret (used
    ///   as written), of `<method><URI><raw body><timestamp>` with nothing between them. The
    ///   method is the request's as received ([`SignedPart::Method`]); the URI is the full URL
    ///   HubSpot called, which the verifier rebuilds from its configured public URL
    ///   ([`Verifier::public_url`](crate::Verifier::public_url)) and the request's path and
    ///   query ([`SignedPart::Url`]), never from the `Host` header. HubSpot decodes a few
    ///   percent-escapes (`%3A`, `%2F`, `%3F`, ...) in the URI before signing; this scheme
    ///   signs the path as received, so keep the webhook's URL free of them;
    /// - `X-HubSpot-Request-Timestamp`: Unix milliseconds, signed. HubSpot refuses requests
    ///   older than 5 minutes; the future is bounded by the same 5 minutes here;
    /// - the body is a JSON **array** of events (`eventId`, `subscriptionType`, `objectId`,
    ///   `attemptNumber`, ...), so it is not read ([`BodyFormat::Opaque`]) and there is no one
    ///   event type.
    ///
    /// **Dedup.** HubSpot sends no delivery id, and the body's ids are per event (`eventId`).
    /// The id is a digest of the body without its `attemptNumber` members
    /// ([`Field::BodyDigestWithout`], signed): HubSpot retries a batch it got no 2xx for (up
    /// to 10 times over 24 hours), each event's `attemptNumber` one higher and signed anew, and
    /// that retry is answered "already processed" once the batch was handled. Two batches
    /// differ in their events (`eventId`, `occurredAt`), so they never share an id. HubSpot's
    /// retries span 24 hours, the replay store's default retention: raise it to keep a late
    /// retry from running the handler again.
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Signer, Verifier};
    ///
    /// let secret = Secret::new("hubspot-client-secret").unwrap();
    /// let verifier = Verifier::new(Scheme::hubspot(), [secret.clone()]).public_url("https://hooks.example.com");
    /// let body = br#"[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]"#;
    /// let mut headers = Signer::new(Scheme::hubspot(), secret)
    ///     .url("https://hooks.example.com/webhooks/hubspot")
    ///     .headers(body, 1_564_113_600, "");
    /// headers.push((":method".into(), "POST".into())); // as the adapters pass it
    /// let delivery = verifier.verify_target(&headers, "/webhooks/hubspot", body.to_vec().into(), verifier.secrets(), 1_564_113_600);
    /// assert!(delivery.unwrap().id().starts_with("body_"));
    /// ```
    pub fn hubspot() -> Self {
        Scheme::builder("hubspot")
            .signature(
                "x-hubspot-signature-v3",
                SignatureFormat::Bare {
                    encoding: Encoding::Base64,
                },
            )
            .signed_content([
                SignedPart::Method,
                SignedPart::Url,
                SignedPart::Body,
                SignedPart::Timestamp,
            ])
            .timestamp(
                Field::header("x-hubspot-request-timestamp"),
                TimestampFormat::UnixMillis,
            )
            .freshness(Freshness::new(
                Duration::from_secs(5 * 60),
                Duration::from_secs(5 * 60),
            ))
            .id(
                Field::BodyDigestWithout("attemptNumber".into()),
                IdBinding::Signed,
            )
            .body_format(BodyFormat::Opaque)
            .build()
            .unwrap_or_else(|e| unreachable!("the HubSpot scheme is valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Rejection, Scheme, Secret, Signer, Verifier, WithMethod};

    const SECRET: &str = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";
    // The body of HubSpot's v1 and v2 examples ("Validating requests").
    const BODY: &str = r#"[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]"#;
    const BASE: &str = "https://www.example.com";
    const PATH: &str = "/webhook_uri";
    const TIMESTAMP: &str = "1564113600000";
    const AT: i64 = 1_564_113_600;
    // base64 HMAC-SHA256 of "POST" + BASE + PATH + BODY + TIMESTAMP, computed with Python's
    // hmac module as HubSpot's documentation describes it.
    const SIGNATURE: &str = "DxmVAjFNa2xfF3YgQjdZP6TNcok9k1oaH7UXombPtvw=";

    fn verifier() -> Verifier {
        Verifier::new(Scheme::hubspot(), [Secret::new(SECRET).unwrap()]).public_url(BASE)
    }

    fn verify(
        method: &str,
        path: &str,
        body: &str,
        now: i64,
    ) -> Result<crate::Delivery, Rejection> {
        let headers: &[(&str, &str)] = &[
            ("X-HubSpot-Signature-v3", SIGNATURE),
            ("X-HubSpot-Request-Timestamp", TIMESTAMP),
        ];
        let v = verifier();
        v.verify_target(
            &WithMethod::new(method, headers),
            path,
            body.to_owned().into(),
            v.secrets(),
            now,
        )
    }

    #[test]
    fn the_documented_algorithm_verifies_and_our_signer_reproduces_it() {
        let delivery = verify("POST", PATH, BODY, AT).unwrap();
        assert!(delivery.id().starts_with("body_"));
        assert_eq!(delivery.timestamp(), Some(AT));
        let signed = Signer::new(Scheme::hubspot(), Secret::new(SECRET).unwrap())
            .url(format!("{BASE}{PATH}"))
            .headers(BODY.as_bytes(), AT, "");
        assert_eq!(
            signed,
            [
                ("x-hubspot-signature-v3".to_string(), SIGNATURE.to_string()),
                (
                    "x-hubspot-request-timestamp".to_string(),
                    TIMESTAMP.to_string()
                ),
            ]
        );
    }

    #[test]
    fn a_retry_counts_its_attempt_and_is_the_same_delivery() {
        let sign = |body: &str, at: i64| {
            let mut headers = Signer::new(Scheme::hubspot(), Secret::new(SECRET).unwrap())
                .url(format!("{BASE}{PATH}"))
                .headers(body.as_bytes(), at, "");
            headers.push((":method".into(), "POST".into()));
            let v = verifier();
            v.verify_target(&headers, PATH, body.to_owned().into(), v.secrets(), at)
                .unwrap()
        };
        let first = sign(BODY, AT);
        let retry = BODY.replace(r#""attemptNumber":0"#, r#""attemptNumber":1"#);
        assert_ne!(retry, BODY);
        assert_eq!(sign(&retry, AT + 60).id(), first.id());
        let other = BODY.replace(r#""eventId":1"#, r#""eventId":2"#);
        assert_ne!(sign(&other, AT).id(), first.id());
        // A body that is not JSON verifies, then has no id to give.
        let mut headers = Signer::new(Scheme::hubspot(), Secret::new(SECRET).unwrap())
            .url(format!("{BASE}{PATH}"))
            .headers(b"not json", AT, "");
        headers.push((":method".into(), "POST".into()));
        let v = verifier();
        assert_eq!(
            v.verify_target(&headers, PATH, "not json".into(), v.secrets(), AT)
                .unwrap_err(),
            Rejection::MalformedBody
        );
    }

    #[test]
    fn the_method_the_url_the_body_and_the_time_are_all_signed() {
        assert_eq!(
            verify("GET", PATH, BODY, AT).unwrap_err(),
            Rejection::InvalidSignature
        );
        assert_eq!(
            verify("POST", "/other", BODY, AT).unwrap_err(),
            Rejection::InvalidSignature
        );
        let mut flipped = BODY.to_owned().into_bytes();
        flipped[4] ^= 1;
        assert_eq!(
            verify("POST", PATH, std::str::from_utf8(&flipped).unwrap(), AT).unwrap_err(),
            Rejection::InvalidSignature
        );
        assert!(verify("POST", PATH, BODY, AT + 300).is_ok());
        assert_eq!(
            verify("POST", PATH, BODY, AT + 301).unwrap_err(),
            Rejection::StaleTimestamp
        );
        assert_eq!(
            verify("POST", PATH, BODY, AT - 301).unwrap_err(),
            Rejection::FutureTimestamp
        );
        // Without the method, or without a public URL, nothing verifies.
        let headers: &[(&str, &str)] = &[
            ("X-HubSpot-Signature-v3", SIGNATURE),
            ("X-HubSpot-Request-Timestamp", TIMESTAMP),
        ];
        let v = verifier();
        assert_eq!(
            v.verify_target(headers, PATH, BODY.into(), v.secrets(), AT)
                .unwrap_err(),
            Rejection::InvalidSignature
        );
        let no_url = Verifier::new(Scheme::hubspot(), [Secret::new(SECRET).unwrap()]);
        let head = WithMethod::new("POST", headers);
        assert_eq!(
            no_url
                .verify_target(&head, PATH, BODY.into(), no_url.secrets(), AT)
                .unwrap_err(),
            Rejection::InvalidSignature
        );
    }
}
