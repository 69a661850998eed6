use super::algorithm::Algorithm;
use super::encoding::Encoding;
use super::handshake::Handshake;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, Scheme, SignedPart};

impl Scheme {
    /// Trello webhooks, as "Webhooks" in Trello's REST API guides ("Webhook Signatures",
    /// "Creating a Webhook") describes them.
    ///
    /// - `X-Trello-Webhook`: the base64 HMAC-**SHA1** of `<raw body><callback URL>` with the
    ///   application's secret (used as written). The callback URL is the one the webhook was
    ///   created with, which the verifier rebuilds from its configured public URL
    ///   ([`Verifier::public_url`](crate::Verifier::public_url)) and the request's path and
    ///   query ([`SignedPart::Url`]), never from the `Host` header;
    /// - when a webhook is created, Trello sends a `HEAD` request to the callback URL and
    ///   creates the webhook only if it is answered `200`: the layer answers it itself, with
    ///   an empty body ([`Handshake::AnswerMethod`]); nothing else is answered unsigned;
    /// - the body is JSON (`action`, `model`, `webhook`), what happened is in the nested
    ///   `action.type`, so there is no top-level event type.
    ///
    /// **No timestamp, no delivery id.** Trello signs the body and the URL alone and sends no
    /// id; the id is a digest of the raw body ([`Field::BodyDigest`], signed). Trello's retry
    /// of a failed delivery is the same bytes, so a duplicate while the replay store remembers
    /// it; every action has its own `action.id` and date, so two never share one. There is no
    /// freshness check: after the store's retention, a captured request replayed byte for
    /// byte runs the handler again (keep the handler idempotent on `action.id`).
    ///
    /// SHA-1 is what Trello signs with; it needs the `sha1` feature.
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Signer, Verifier};
    ///
    /// let secret = Secret::new("trello-app-secret").unwrap();
    /// let verifier = Verifier::new(Scheme::trello(), [secret.clone()]).public_url("https://hooks.example.com");
    /// let body = br#"{"action":{"id":"51f9424bcd6e040f3c002412","type":"updateCard"},"model":{"id":"4d5ea62fd76aa1136000000c"}}"#;
    /// let headers = Signer::new(Scheme::trello(), secret).url("https://hooks.example.com/webhooks/trello").headers(body, 0, "");
    /// let delivery = verifier.verify_target(&headers, "/webhooks/trello", body.to_vec().into(), verifier.secrets(), 0);
    /// assert!(delivery.unwrap().id().starts_with("body_"));
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "sha1")))]
    pub fn trello() -> Self {
        Scheme::builder("trello")
            .signature(
                "x-trello-webhook",
                SignatureFormat::Bare {
                    encoding: Encoding::Base64,
                },
            )
            .algorithm(Algorithm::HmacSha1)
            .signed_content([SignedPart::Body, SignedPart::Url])
            .id(Field::BodyDigest, IdBinding::Signed)
            .handshake(Handshake::AnswerMethod {
                method: "HEAD".into(),
            })
            .build()
            .unwrap_or_else(|e| unreachable!("the Trello scheme is valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Rejection, Scheme, Secret, Signer, Verifier, WithMethod};

    const SECRET: &str = "trello-app-secret";
    const BASE: &str = "https://hooks.example.com";
    const PATH: &str = "/webhooks/trello";
    const BODY: &str = r#"{"action":{"id":"51f9424bcd6e040f3c002412","idMemberCreator":"4fc78a59a885233f4b349bd9","data":{"board":{"name":"Trello Development","id":"4d5ea62fd76aa1136000000c"},"card":{"idShort":1458,"name":"Webhooks","id":"51a79e72dbb7e23c7c003778"}},"type":"updateCard","date":"2013-07-31T16:58:51.949Z"},"model":{"id":"4d5ea62fd76aa1136000000c","name":"Trello Development"}}"#;
    // base64 HMAC-SHA1 of BODY + BASE + PATH, computed with Python's hmac module as Trello's
    // documentation describes it.
    const SIGNATURE: &str = "ew7HVT4U5+yL3r/pnY+3bDkvuX0=";

    fn verifier() -> Verifier {
        Verifier::new(Scheme::trello(), [Secret::new(SECRET).unwrap()]).public_url(BASE)
    }

    fn verify(path: &str, body: &str, signature: &str) -> Result<crate::Delivery, Rejection> {
        let headers = [("X-Trello-Webhook", signature)];
        let v = verifier();
        v.verify_target(&headers[..], path, body.to_owned().into(), v.secrets(), 0)
    }

    #[test]
    fn the_documented_algorithm_verifies_and_our_signer_reproduces_it() {
        let delivery = verify(PATH, BODY, SIGNATURE).unwrap();
        assert!(delivery.id().starts_with("body_"));
        let signed = Signer::new(Scheme::trello(), Secret::new(SECRET).unwrap())
            .url(format!("{BASE}{PATH}"))
            .headers(BODY.as_bytes(), 0, "");
        assert_eq!(
            signed,
            [("x-trello-webhook".to_string(), SIGNATURE.to_string())]
        );
        let mut flipped = BODY.to_owned().into_bytes();
        flipped[12] ^= 1;
        let flipped = String::from_utf8(flipped).unwrap();
        assert_eq!(
            verify(PATH, &flipped, SIGNATURE).unwrap_err(),
            Rejection::InvalidSignature
        );
        // The callback URL is signed.
        assert_eq!(
            verify("/webhooks/other", BODY, SIGNATURE).unwrap_err(),
            Rejection::InvalidSignature
        );
    }

    #[test]
    fn the_head_check_is_answered_and_nothing_else_unsigned() {
        let none: &[(&str, &str)] = &[];
        let v = verifier();
        let ask = |method: &str| {
            v.verify_target(
                &WithMethod::new(method, none),
                PATH,
                bytes::Bytes::new(),
                v.secrets(),
                0,
            )
        };
        let Err(Rejection::Answered(answer)) = ask("HEAD") else {
            panic!("answered")
        };
        assert!(answer.body.is_empty());
        assert_eq!(ask("POST").unwrap_err(), Rejection::MissingSignature);
        assert_eq!(ask("GET").unwrap_err(), Rejection::MissingSignature);
        assert!(v.check_head(&WithMethod::new("HEAD", none), 0).is_ok());
        // Unsigned and without a method: refused.
        assert_eq!(
            v.verify_target(none, PATH, bytes::Bytes::new(), v.secrets(), 0)
                .unwrap_err(),
            Rejection::MissingSignature
        );
    }
}
