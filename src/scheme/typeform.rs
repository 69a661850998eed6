use super::encoding::Encoding;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, Scheme};

impl Scheme {
    /// Typeform webhooks, as "Secure your webhooks" in Typeform's developer documentation
    /// describes them.
    ///
    /// - `Typeform-Signature: sha256=<base64>`, the HMAC-SHA256 of the raw body, written in
    ///   **base64** (not hex), keyed with the secret set on the webhook (used as written);
    /// - id: the body's `event_id`, signed, the same on Typeform's retries of one event;
    /// - event type: the body's `event_type` (`form_response`, ...).
    ///
    /// **No timestamp.** Typeform signs the body alone and sends no time of sending: no
    /// freshness is checked, and a copy is caught by the replay store on `event_id` for the
    /// store's retention (see [`Scheme::github`] for what that means after it).
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Verifier};
    ///
    /// let verifier = Verifier::new(Scheme::typeform(), [Secret::new("typeform_secret_0123").unwrap()]);
    /// // Signed with Python's `hmac` and `base64`, as Typeform's documentation does it.
    /// let headers: &[(&str, &str)] = &[("Typeform-Signature", "sha256=yr66SSK2D08wtdKzRMrpCt3Gr9a3qiYaxqp0MwVNoEk=")];
    /// let body = r#"{"event_id":"01HBRMZRP5BE6ZJXC7N1WCZ1WQ","event_type":"form_response","form_response":{"form_id":"lT4Z3j","token":"a3a12ec67a1365927098a606107fac15","submitted_at":"2018-01-18T18:17:02Z","answers":[]}}"#;
    /// let delivery = verifier.verify(headers, body.into()).unwrap();
    /// assert_eq!((delivery.id(), delivery.event_type()), ("01HBRMZRP5BE6ZJXC7N1WCZ1WQ", Some("form_response")));
    /// ```
    pub fn typeform() -> Self {
        Scheme::builder("typeform")
            .signature(
                "typeform-signature",
                // `sha256=` then base64, whose padding `=` the key-value split leaves alone.
                SignatureFormat::KeyValue {
                    separator: b',',
                    timestamp_key: None,
                    signature_key: "sha256".into(),
                    encoding: Encoding::Base64,
                },
            )
            .id(Field::body("event_id"), IdBinding::Signed)
            .event_type(Field::body("event_type"))
            .build()
            .unwrap_or_else(|e| unreachable!("the Typeform scheme is valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Rejection, Scheme, Secret, Signer, Verifier};

    const SECRET: &str = "typeform_secret_0123";
    const BODY: &str = r#"{"event_id":"01HBRMZRP5BE6ZJXC7N1WCZ1WQ","event_type":"form_response","form_response":{"form_id":"lT4Z3j","token":"a3a12ec67a1365927098a606107fac15","submitted_at":"2018-01-18T18:17:02Z","answers":[]}}"#;
    // Python: "sha256=" + base64(hmac.new(SECRET, BODY, hashlib.sha256).digest())
    const SIGNATURE: &str = "sha256=yr66SSK2D08wtdKzRMrpCt3Gr9a3qiYaxqp0MwVNoEk=";

    fn verifier() -> Verifier {
        Verifier::new(Scheme::typeform(), [Secret::new(SECRET).unwrap()])
    }

    #[test]
    fn the_reference_vector_verifies_and_our_signer_reproduces_it() {
        let signed = Signer::new(Scheme::typeform(), Secret::new(SECRET).unwrap()).headers(
            BODY.as_bytes(),
            0,
            "",
        );
        assert_eq!(signed, [("typeform-signature".into(), SIGNATURE.into())]);
        let delivery = verifier().verify(&signed, BODY.into()).unwrap();
        assert_eq!(delivery.id(), "01HBRMZRP5BE6ZJXC7N1WCZ1WQ");
        assert_eq!(
            verifier()
                .verify(&signed, BODY.replace("lT4Z3j", "lT4Z3k").into())
                .unwrap_err(),
            Rejection::InvalidSignature
        );
        // The same MAC in hex is not Typeform's format.
        let hex = [(
            "typeform-signature",
            "sha256=cabeba4922b60f4f30b5d2b344cae90addc6afd6b7aa261ac6aa7433054da049",
        )];
        assert_eq!(
            verifier().verify(&hex[..], BODY.into()).unwrap_err(),
            Rejection::MalformedSignature
        );
        // A body without `event_id` has no id.
        let no_id = r#"{"event_type":"form_response"}"#;
        let signed = Signer::new(Scheme::typeform(), Secret::new(SECRET).unwrap()).headers(
            no_id.as_bytes(),
            0,
            "",
        );
        assert_eq!(
            verifier().verify(&signed, no_id.into()).unwrap_err(),
            Rejection::MissingId
        );
    }
}
