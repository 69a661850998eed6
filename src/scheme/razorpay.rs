use super::encoding::Encoding;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, Scheme};

impl Scheme {
    /// Razorpay webhooks, as "Validate and Test Webhooks" and "Best Practices" in Razorpay's
    /// webhook documentation describe them.
    ///
    /// - `X-Razorpay-Signature`: the hex HMAC-SHA256 of the raw body, keyed with the
    ///   webhook secret set in the Dashboard (used as written; not the API key secret, which
    ///   signs Checkout's payment responses);
    /// - `x-razorpay-event-id`: the dedup id, the same on the retries of one event, which
    ///   Razorpay recommends for idempotent handling. It is a header, not signed: [`IdBinding::Unsigned`], so the
    ///   replay store also remembers the MAC and a copy under a new event id is still a
    ///   duplicate;
    /// - event type: the body's `event` (`payment.captured`, `order.paid`, ...).
    ///
    /// **No timestamp.** Razorpay signs the body alone; the body's `created_at` is the event's
    /// time, the same on every retry (Razorpay retries for up to 24 hours): no freshness is
    /// checked, and a copy is caught by the replay store for its retention (see
    /// [`Scheme::github`]).
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Verifier};
    ///
    /// let verifier = Verifier::new(Scheme::razorpay(), [Secret::new("razorpay_webhook_secret_0123").unwrap()]);
    /// // Signed with Python's `hmac`, as Razorpay's SDKs (`verify_webhook_signature`) do it.
    /// let headers: &[(&str, &str)] = &[
    ///     ("X-Razorpay-Signature", "153d7630959b22e92b39cdec5894e3f7331380be895b053fab843aa6f6e309dc"),
    ///     ("x-razorpay-event-id", "KXcs7tQCvS1kiE"),
    /// ];
    /// let body = r#"{"entity":"event","account_id":"acc_BFQ7uQEaa7j2z7","event":"payment.captured","contains":["payment"],"payload":{"payment":{"entity":{"id":"pay_DESlfW9H8K9uqM","amount":100,"currency":"INR","status":"captured"}}},"created_at":1567674606}"#;
    /// let delivery = verifier.verify(headers, body.into()).unwrap();
    /// assert_eq!((delivery.id(), delivery.event_type()), ("KXcs7tQCvS1kiE", Some("payment.captured")));
    /// ```
    pub fn razorpay() -> Self {
        Scheme::builder("razorpay")
            .signature(
                "x-razorpay-signature",
                SignatureFormat::Bare {
                    encoding: Encoding::Hex,
                },
            )
            .id(Field::header("x-razorpay-event-id"), IdBinding::Unsigned)
            .event_type(Field::body("event"))
            .build()
            .unwrap_or_else(|e| unreachable!("the Razorpay scheme is valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Rejection, Scheme, Secret, Signer, Verifier};

    const SECRET: &str = "razorpay_webhook_secret_0123";
    const BODY: &str = r#"{"entity":"event","account_id":"acc_BFQ7uQEaa7j2z7","event":"payment.captured","contains":["payment"],"payload":{"payment":{"entity":{"id":"pay_DESlfW9H8K9uqM","amount":100,"currency":"INR","status":"captured"}}},"created_at":1567674606}"#;
    // Python: hmac.new(SECRET, BODY, hashlib.sha256).hexdigest()
    const SIGNATURE: &str = "153d7630959b22e92b39cdec5894e3f7331380be895b053fab843aa6f6e309dc";

    fn verifier() -> Verifier {
        Verifier::new(Scheme::razorpay(), [Secret::new(SECRET).unwrap()])
    }

    #[test]
    fn the_reference_vector_verifies_and_our_signer_reproduces_it() {
        let signed = Signer::new(Scheme::razorpay(), Secret::new(SECRET).unwrap()).headers(
            BODY.as_bytes(),
            0,
            "evt_1",
        );
        assert_eq!(
            signed,
            [
                ("x-razorpay-signature".to_string(), SIGNATURE.to_string()),
                ("x-razorpay-event-id".to_string(), "evt_1".to_string()),
            ]
        );
        let delivery = verifier().verify(&signed, BODY.into()).unwrap();
        assert_eq!(
            (delivery.id(), delivery.event_type()),
            ("evt_1", Some("payment.captured"))
        );
        assert!(delivery.replay_keys().1.is_some(), "the MAC is remembered");
        assert_eq!(
            verifier()
                .verify(&signed, BODY.replace("100", "999").into())
                .unwrap_err(),
            Rejection::InvalidSignature
        );
        // Upper-case hex is the same signature.
        let upper = [
            ("x-razorpay-signature", SIGNATURE.to_uppercase()),
            ("x-razorpay-event-id", "evt_1".to_string()),
        ];
        assert!(verifier().verify(&upper[..], BODY.into()).is_ok());
    }
}
