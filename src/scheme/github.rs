use super::signature_format::SignatureFormat;
use super::{BodyFormat, Field, IdBinding, Scheme};

impl Scheme {
    /// GitHub webhooks.
    ///
    /// - `X-Hub-Signature-256: sha256=<hex>`, the HMAC-SHA256 of the raw body (the legacy
    ///   SHA-1 `X-Hub-Signature` is ignored);
    /// - `X-GitHub-Delivery`: the dedup id (a GUID), kept by GitHub when a delivery is
    ///   redelivered;
    /// - `X-GitHub-Event`: the event type (`push`, `pull_request`, ...; the body's `action`
    ///   says more);
    /// - the body is not read: GitHub sends JSON or, when the hook is set to
    ///   `application/x-www-form-urlencoded`, a form whose `payload` field holds the JSON. Both
    ///   verify; parse the one your hook is set to.
    ///
    /// **No timestamp, and an unsigned id.** GitHub signs the body alone: a signature never
    /// expires, and `X-GitHub-Delivery` can be rewritten by whoever captured a delivery. So
    /// there is no freshness check ([`freshness`](Scheme::freshness) is unbounded) and the id
    /// is [`IdBinding::Unsigned`]: besides the id, the replay store remembers the MAC itself,
    /// so the same signed body sent again is a duplicate whatever its id says. Both are kept
    /// for the store's retention (24 hours by default, [`MemoryStore`] and `RedisStore`
    /// alike), which covers GitHub's own redeliveries of recent deliveries. After the
    /// retention, a captured request replayed byte for byte verifies again and runs the handler
    /// once more: nothing in GitHub's format can tell it from a fresh one. Where that matters,
    /// keep keys longer (`MemoryStore::builder().retention(..)`, sized for your volume), make
    /// the handler idempotent on the event's own ids (the body's `repository`, `number`,
    /// `head_commit.id`, ...), and accept deliveries only from GitHub's published hook
    /// addresses.
    ///
    /// Two different deliveries with byte-identical bodies (rare: GitHub's payloads carry ids
    /// and times) share a MAC: the second is answered as a duplicate, which is the safe side.
    ///
    /// [`MemoryStore`]: crate::replay::MemoryStore
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Verifier};
    ///
    /// // GitHub's documentation example ("Validating webhook deliveries").
    /// let verifier = Verifier::new(Scheme::github(), [Secret::new("It's a Secret to Everybody").unwrap()]);
    /// let headers: &[(&str, &str)] = &[
    ///     ("X-Hub-Signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"),
    ///     ("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
    ///     ("X-GitHub-Event", "ping"),
    /// ];
    /// let delivery = verifier.verify(headers, "Hello, World!".into()).unwrap();
    /// assert_eq!(delivery.event_type(), Some("ping"));
    /// assert!(!Scheme::github().has_timestamp());
    /// ```
    pub fn github() -> Self {
        Scheme::builder("github")
            .signature(
                "x-hub-signature-256",
                SignatureFormat::prefixed_hex("sha256="),
            )
            .id(Field::header("x-github-delivery"), IdBinding::Unsigned)
            .event_type(Field::header("x-github-event"))
            .body_format(BodyFormat::Opaque)
            .build()
            .unwrap_or_else(|e| unreachable!("the GitHub scheme is valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::scheme::IdBinding;
    use crate::{Rejection, Scheme, Secret, Signer, Verifier};

    // "Validating webhook deliveries", GitHub's documentation.
    const SECRET: &str = "It's a Secret to Everybody";
    const BODY: &str = "Hello, World!";
    const SIGNATURE: &str =
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn the_documented_example_verifies_and_our_signer_reproduces_it() {
        let secret = Secret::new(SECRET).unwrap();
        let headers =
            Signer::new(Scheme::github(), secret.clone()).headers(BODY.as_bytes(), 0, "d1");
        assert_eq!(
            headers,
            [
                ("x-hub-signature-256".to_string(), SIGNATURE.to_string()),
                ("x-github-delivery".to_string(), "d1".to_string()),
            ]
        );
        let verifier = Verifier::new(Scheme::github(), [secret]);
        let mut with_event = headers.clone();
        with_event.push(("X-GitHub-Event".into(), "ping".into()));
        let delivery = verifier.verify(&with_event, BODY.into()).unwrap();
        assert_eq!((delivery.id(), delivery.event_type()), ("d1", Some("ping")));
        assert_eq!(
            verifier
                .verify(&headers, "Hello, World?".into())
                .unwrap_err(),
            Rejection::InvalidSignature
        );
        // Upper-case hex is the same signature; the SHA-1 header alone is not enough.
        let upper = [
            (
                "x-hub-signature-256",
                SIGNATURE.to_uppercase().replace("SHA256=", "sha256="),
            ),
            ("x-github-delivery", "d1".to_string()),
        ];
        assert!(verifier.verify(&upper[..], BODY.into()).is_ok());
        let sha1_only = [
            ("x-hub-signature", "sha1=0000"),
            ("x-github-delivery", "d1"),
        ];
        assert_eq!(
            verifier.verify(&sha1_only[..], BODY.into()).unwrap_err(),
            Rejection::MissingSignature
        );
    }

    #[test]
    fn no_timestamp_an_unsigned_id_and_any_body() {
        let scheme = Scheme::github();
        assert!(!scheme.has_timestamp());
        assert_eq!(scheme.id_binding(), &IdBinding::Unsigned);
        // A form-encoded hook (`payload=<json>`) verifies like a JSON one.
        let secret = Secret::new(SECRET).unwrap();
        let body = "payload=%7B%22zen%22%3A%22Keep+it+logically+awesome.%22%7D";
        let headers = Signer::new(scheme.clone(), secret.clone()).headers(body.as_bytes(), 0, "d2");
        let delivery = Verifier::new(scheme, [secret])
            .verify(&headers, body.into())
            .unwrap();
        assert_eq!(delivery.id(), "d2");
        assert!(
            delivery.replay_keys().1.is_some(),
            "the MAC is remembered too"
        );
    }
}
