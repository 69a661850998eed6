use super::encoding::Encoding;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, Scheme};

impl Scheme {
    /// Sentry integration platform webhooks (internal and public integrations), as
    /// "Webhooks" in Sentry's integration platform documentation describes them.
    ///
    /// - `Sentry-Hook-Signature`: the hex HMAC-SHA256 of the raw body, keyed with the
    ///   integration's client secret (used as written);
    /// - `Request-ID`: the dedup id. It is a header, not signed: [`IdBinding::Unsigned`], so
    ///   the replay store also remembers the MAC and a copy under a new `Request-ID` is still
    ///   a duplicate;
    /// - event type: `Sentry-Hook-Resource` (`installation`, `issue`, `event_alert`,
    ///   `metric_alert`, `error`, `comment`); the body's `action` says what happened to it;
    /// - the body must be a JSON object.
    ///
    /// **No signed timestamp.** `Sentry-Hook-Timestamp` is sent but not signed, so it proves
    /// nothing about a copy's age and is not checked: no freshness window, replays are caught
    /// by the replay store for its retention (see [`Scheme::github`] for what that means
    /// after it).
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Verifier};
    ///
    /// let verifier = Verifier::new(Scheme::sentry(), [Secret::new("sentry_client_secret_0123").unwrap()]);
    /// // Signed with Python's `hmac`, as Sentry's documentation does it.
    /// let headers: &[(&str, &str)] = &[
    ///     ("Sentry-Hook-Signature", "8f75130c413e97645b7690369ef2eeef4b3b226cc74b8ea42c38071ed3f41f9b"),
    ///     ("Request-ID", "0f7b4a38-95b9-4a4e-a7b5-0d8c3f0a2d61"),
    ///     ("Sentry-Hook-Resource", "installation"),
    ///     ("Sentry-Hook-Timestamp", "1719301930"),
    /// ];
    /// let body = r#"{"action":"created","installation":{"uuid":"a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},"data":{"issue":{"id":"1170820242","title":"Error: Unexpected token"}},"actor":{"type":"application","id":"sentry","name":"Sentry"}}"#;
    /// let delivery = verifier.verify(headers, body.into()).unwrap();
    /// assert_eq!((delivery.id(), delivery.event_type()), ("0f7b4a38-95b9-4a4e-a7b5-0d8c3f0a2d61", Some("installation")));
    /// ```
    pub fn sentry() -> Self {
        Scheme::builder("sentry")
            .signature(
                "sentry-hook-signature",
                SignatureFormat::Bare {
                    encoding: Encoding::Hex,
                },
            )
            .id(Field::header("request-id"), IdBinding::Unsigned)
            .event_type(Field::header("sentry-hook-resource"))
            .build()
            .unwrap_or_else(|e| unreachable!("the Sentry scheme is valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::scheme::IdBinding;
    use crate::{Rejection, Scheme, Secret, Signer, Verifier};

    const SECRET: &str = "sentry_client_secret_0123";
    const BODY: &str = r#"{"action":"created","installation":{"uuid":"a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},"data":{"issue":{"id":"1170820242","title":"Error: Unexpected token"}},"actor":{"type":"application","id":"sentry","name":"Sentry"}}"#;
    // Python: hmac.new(SECRET, BODY, hashlib.sha256).hexdigest()
    const SIGNATURE: &str = "8f75130c413e97645b7690369ef2eeef4b3b226cc74b8ea42c38071ed3f41f9b";

    fn verifier() -> Verifier {
        Verifier::new(Scheme::sentry(), [Secret::new(SECRET).unwrap()])
    }

    #[test]
    fn the_reference_vector_verifies_and_our_signer_reproduces_it() {
        let signed = Signer::new(Scheme::sentry(), Secret::new(SECRET).unwrap()).headers(
            BODY.as_bytes(),
            0,
            "req-1",
        );
        assert_eq!(
            signed,
            [
                ("sentry-hook-signature".to_string(), SIGNATURE.to_string()),
                ("request-id".to_string(), "req-1".to_string()),
            ]
        );
        let delivery = verifier().verify(&signed, BODY.into()).unwrap();
        assert_eq!(delivery.id(), "req-1");
        assert!(delivery.replay_keys().1.is_some(), "the MAC is remembered");
        assert_eq!(Scheme::sentry().id_binding(), &IdBinding::Unsigned);
        assert!(!Scheme::sentry().has_timestamp());
        assert_eq!(
            verifier()
                .verify(&signed, BODY.replace("created", "deleted").into())
                .unwrap_err(),
            Rejection::InvalidSignature
        );
        // Without `Request-ID` there is no id.
        assert_eq!(
            verifier().verify(&signed[..1], BODY.into()).unwrap_err(),
            Rejection::MissingId
        );
    }
}
