use super::signature_format::SignatureFormat;
use super::{BodyFormat, Field, IdBinding, Scheme};

impl Scheme {
    /// Bitbucket Cloud webhooks with a secret, as "Manage webhooks" and "Event payloads"
    /// (Bitbucket Cloud documentation) and the announcement "Enhanced webhook security"
    /// describe them.
    ///
    /// - `X-Hub-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body with the webhook's
    ///   secret (used as written). Unlike GitHub's header of the same name, it is SHA-256; a
    ///   webhook saved without a secret sends no signature, and is refused;
    /// - `X-Request-UUID`: the dedup id, unsigned;
    /// - `X-Event-Key`: the event type (`repo:push`, `pullrequest:created`, ...);
    /// - the body is not read (JSON, each event its own shape).
    ///
    /// **No timestamp, and an unsigned id**, as with [`Scheme::github`]: no freshness check,
    /// and [`IdBinding::Unsigned`], so the replay store remembers the MAC too: the same signed
    /// body sent again (Bitbucket's own retry, or a copy under another `X-Request-UUID`) is a
    /// duplicate for the store's retention. After it, a captured request replayed byte for
    /// byte verifies and runs the handler again: nothing in the format can tell it from a
    /// fresh one (see [`Scheme::github`] for what to do where that matters).
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Signer, Verifier};
    ///
    /// let secret = Secret::new("bitbucket-webhook-secret").unwrap();
    /// let body = br#"{"push":{"changes":[]},"repository":{"full_name":"team/repo"}}"#;
    /// let mut headers = Signer::new(Scheme::bitbucket(), secret.clone()).headers(body, 0, "2b3c7d4e-0f6a-4b1c-9d8e-5f4a3b2c1d0e");
    /// headers.push(("X-Event-Key".into(), "repo:push".into()));
    /// let delivery = Verifier::new(Scheme::bitbucket(), [secret]).verify(&headers, body.to_vec().into()).unwrap();
    /// assert_eq!(delivery.event_type(), Some("repo:push"));
    /// assert_eq!(delivery.id(), "2b3c7d4e-0f6a-4b1c-9d8e-5f4a3b2c1d0e");
    /// ```
    pub fn bitbucket() -> Self {
        Scheme::builder("bitbucket")
            .signature("x-hub-signature", SignatureFormat::prefixed_hex("sha256="))
            .id(Field::header("x-request-uuid"), IdBinding::Unsigned)
            .event_type(Field::header("x-event-key"))
            .body_format(BodyFormat::Opaque)
            .build()
            .unwrap_or_else(|e| unreachable!("the Bitbucket scheme is valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::scheme::IdBinding;
    use crate::{Rejection, Scheme, Secret, Signer, Verifier};

    const SECRET: &str = "bitbucket-webhook-secret";
    const BODY: &str = r#"{"push":{"changes":[]},"repository":{"full_name":"team/repo"}}"#;

    fn secret() -> Secret {
        Secret::new(SECRET).unwrap()
    }

    #[test]
    fn the_documented_algorithm_verifies_and_our_signer_reproduces_it() {
        // HMAC-SHA256 of the body, computed independently (Python's hmac module).
        const MAC: &str = "b1659ead221ec38836d6d330d3d402a0c52e7fd2475c299cd1c28cb01b32792d";
        let headers = Signer::new(Scheme::bitbucket(), secret()).headers(BODY.as_bytes(), 0, "u1");
        assert_eq!(
            headers[0],
            ("x-hub-signature".into(), format!("sha256={MAC}"))
        );
        assert_eq!(headers[1], ("x-request-uuid".into(), "u1".into()));
        let verifier = Verifier::new(Scheme::bitbucket(), [secret()]);
        let delivery = verifier.verify(&headers, BODY.into()).unwrap();
        assert_eq!(delivery.id(), "u1");
        assert!(
            delivery.replay_keys().1.is_some(),
            "the MAC is remembered too"
        );
        let mut flipped = BODY.as_bytes().to_vec();
        flipped[3] ^= 1;
        assert_eq!(
            verifier.verify(&headers, flipped.into()).unwrap_err(),
            Rejection::InvalidSignature
        );
        // GitHub's header name alone is not Bitbucket's.
        let github = [
            ("x-hub-signature-256", headers[0].1.as_str()),
            ("x-request-uuid", "u1"),
        ];
        assert_eq!(
            verifier.verify(&github[..], BODY.into()).unwrap_err(),
            Rejection::MissingSignature
        );
        assert!(!Scheme::bitbucket().has_timestamp());
        assert_eq!(Scheme::bitbucket().id_binding(), &IdBinding::Unsigned);
    }
}
