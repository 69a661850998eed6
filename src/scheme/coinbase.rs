use super::encoding::Encoding;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, Scheme};

impl Scheme {
    /// Coinbase Commerce webhooks, as "Webhooks" ("Checking Signatures", "Fields") in the
    /// Coinbase Commerce documentation describes them.
    ///
    /// - `X-CC-Webhook-Signature`: the hex HMAC-SHA256 of the raw body, keyed with the
    ///   endpoint's shared secret (used as written);
    /// - id: the body's top-level `id`, the uuid of the webhook event, signed. The body also
    ///   carries `attempt_number`, which grows on each retry, so every attempt has other bytes
    ///   and another signature: only the id ties a retry to the attempt that was handled;
    /// - event type: the nested `event.type` (`charge:created`, `charge:confirmed`, ...), read by
    ///   JSON Pointer ([`Field::pointer`], `/event/type`) once the signature holds: Coinbase
    ///   wraps the event in an envelope, and the top level has no type of its own.
    ///
    /// **No timestamp.** Coinbase signs the body alone; `scheduled_for` is a schedule, not a
    /// time of signing, and Coinbase retries for up to three days: no freshness is checked,
    /// and a copy is caught by the replay store on the id for the store's retention (24 hours
    /// by default: raise it past three days, or keep the handler idempotent on the event id;
    /// see [`Scheme::github`]).
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Verifier};
    ///
    /// let verifier = Verifier::new(Scheme::coinbase_commerce(), [Secret::new("coinbase_shared_secret_0123").unwrap()]);
    /// // Signed with Python's `hmac`, as Coinbase's documentation does it.
    /// let headers: &[(&str, &str)] = &[("X-CC-Webhook-Signature", "da18049e1ddfae8914fbce07f3d1784d7421c1b95bf99eaaee7230090570ca2f")];
    /// let body = r#"{"attempt_number":1,"event":{"api_version":"2018-03-22","created_at":"2023-08-30T19:29:20Z","data":{"id":"2aee9dd1-67b8-43ef-8dfe-977959850f27","code":"XA6G6ZFR"},"id":"c4e8bd9d-2d4f-4a41-8d7e-0c3c7b4aa3b1","resource":"event","type":"charge:created"},"id":"e71fd3e8-8d38-4a7a-bd07-5d7a5d8ea4a9","scheduled_for":"2023-08-30T19:29:20Z"}"#;
    /// let delivery = verifier.verify(headers, body.into()).unwrap();
    /// assert_eq!(delivery.id(), "e71fd3e8-8d38-4a7a-bd07-5d7a5d8ea4a9");
    /// assert_eq!(delivery.event_type(), Some("charge:created"));
    /// ```
    pub fn coinbase_commerce() -> Self {
        Scheme::builder("coinbase")
            .signature(
                "x-cc-webhook-signature",
                SignatureFormat::Bare {
                    encoding: Encoding::Hex,
                },
            )
            .id(Field::body("id"), IdBinding::Signed)
            .event_type(Field::pointer("/event/type"))
            .build()
            .unwrap_or_else(|e| unreachable!("the Coinbase Commerce scheme is valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Rejection, Scheme, Secret, Signer, Verifier};

    const SECRET: &str = "coinbase_shared_secret_0123";
    const BODY: &str = r#"{"attempt_number":1,"event":{"api_version":"2018-03-22","created_at":"2023-08-30T19:29:20Z","data":{"id":"2aee9dd1-67b8-43ef-8dfe-977959850f27","code":"XA6G6ZFR"},"id":"c4e8bd9d-2d4f-4a41-8d7e-0c3c7b4aa3b1","resource":"event","type":"charge:created"},"id":"e71fd3e8-8d38-4a7a-bd07-5d7a5d8ea4a9","scheduled_for":"2023-08-30T19:29:20Z"}"#;
    // Python: hmac.new(SECRET, BODY, hashlib.sha256).hexdigest()
    const SIGNATURE: &str = "da18049e1ddfae8914fbce07f3d1784d7421c1b95bf99eaaee7230090570ca2f";

    fn verifier() -> Verifier {
        Verifier::new(Scheme::coinbase_commerce(), [Secret::new(SECRET).unwrap()])
    }

    #[test]
    fn the_reference_vector_verifies_and_our_signer_reproduces_it() {
        let signed = Signer::new(Scheme::coinbase_commerce(), Secret::new(SECRET).unwrap())
            .headers(BODY.as_bytes(), 0, "");
        assert_eq!(
            signed,
            [("x-cc-webhook-signature".into(), SIGNATURE.into())]
        );
        let delivery = verifier().verify(&signed, BODY.into()).unwrap();
        // The top-level id, not the nested event's; the nested event's type.
        assert_eq!(delivery.id(), "e71fd3e8-8d38-4a7a-bd07-5d7a5d8ea4a9");
        assert_eq!(delivery.event_type(), Some("charge:created"));
        assert_eq!(
            verifier()
                .verify(&signed, BODY.replace("XA6G6ZFR", "XA6G6ZFS").into())
                .unwrap_err(),
            Rejection::InvalidSignature
        );
    }

    #[test]
    fn a_retry_is_other_bytes_with_the_same_id() {
        let retry = BODY.replace(r#""attempt_number":1"#, r#""attempt_number":2"#);
        let signer = Signer::new(Scheme::coinbase_commerce(), Secret::new(SECRET).unwrap());
        let first = verifier()
            .verify(&signer.headers(BODY.as_bytes(), 0, ""), BODY.into())
            .unwrap();
        let second = verifier()
            .verify(&signer.headers(retry.as_bytes(), 0, ""), retry.into())
            .unwrap();
        assert_eq!(first.replay_keys().0, second.replay_keys().0);
    }
}
