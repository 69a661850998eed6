use super::algorithm::Algorithm;
use super::encoding::Encoding;
use super::handshake::Handshake;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, Scheme};

impl Scheme {
    /// Okta event hooks, as Okta's "Event hooks" guide documents them.
    ///
    /// - `Authorization`: the value configured on the hook (its `channel.config.authScheme`,
    ///   type `HEADER`), sent as it is with every request: the secret itself, compared in
    ///   constant time ([`Algorithm::SharedToken`]). A hook set to another header name is
    ///   described with [`Scheme::builder`] the same way;
    /// - id: the body's `eventId`, the same when Okta retries a delivery;
    /// - event type: the body's `eventType` (`com.okta.event_hook`; the events themselves, in
    ///   `data.events[]`, carry their own `eventType`s);
    /// - the one-time verification request, `GET` with `X-Okta-Verification-Challenge`, is
    ///   answered `{"verification": "<the header's value>"}` by the layer
    ///   ([`Handshake::HeaderToJson`]): no handler runs, nothing is claimed. The answer repeats
    ///   the request's own header and tells its sender nothing, so it is given whatever the
    ///   request carries.
    ///
    /// **What a shared value can and cannot do**: the same as GitLab's token (see
    /// [`Scheme::gitlab`]). Okta signs nothing and its `eventTime` is not bound to anything,
    /// so there is no freshness check; a copy of a delivery is a duplicate (same `eventId`) for
    /// the store's retention, and whoever holds one delivery can write others.
    ///
    /// ```
    /// use webhook_guard::{Rejection, Scheme, Secret, Verifier};
    ///
    /// let verifier = Verifier::new(Scheme::okta(), [Secret::new("okta-hook-value").unwrap()]);
    /// let challenge: &[(&str, &str)] = &[("X-Okta-Verification-Challenge", "O3nCdc9WU0Q5_xfSOk4sgMOXCL7Zdy4T")];
    /// let Err(Rejection::Answered(answer)) = verifier.verify_target(challenge, "/webhooks/okta", "".into(), verifier.secrets(), 0) else {
    ///     panic!("answered")
    /// };
    /// assert_eq!(answer.body, r#"{"verification":"O3nCdc9WU0Q5_xfSOk4sgMOXCL7Zdy4T"}"#);
    ///
    /// let body = r#"{"eventType":"com.okta.event_hook","eventTypeVersion":"1.0","eventId":"b5a188b9-5ece-4636-b041-482ffda96311","eventTime":"2019-03-27T16:59:53.032Z","data":{"events":[]}}"#;
    /// let headers: &[(&str, &str)] = &[("Authorization", "okta-hook-value")];
    /// let delivery = verifier.verify(headers, body.into()).unwrap();
    /// assert_eq!(delivery.id(), "b5a188b9-5ece-4636-b041-482ffda96311");
    /// ```
    pub fn okta() -> Self {
        Scheme::builder("okta")
            .signature(
                "authorization",
                SignatureFormat::Bare {
                    encoding: Encoding::Text,
                },
            )
            .algorithm(Algorithm::SharedToken)
            .id(Field::body("eventId"), IdBinding::Signed)
            .event_type(Field::body("eventType"))
            .handshake(Handshake::HeaderToJson {
                header: "x-okta-verification-challenge".into(),
                key: "verification".into(),
            })
            .build()
            .unwrap_or_else(|e| unreachable!("the Okta scheme is valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Rejection, Scheme, Secret, Signer, Verifier};

    const VALUE: &str = "okta-hook-value";
    // The example event hook call of Okta's "Event hooks" guide, shortened.
    const BODY: &str = r#"{"eventType":"com.okta.event_hook","eventTypeVersion":"1.0","cloudEventsVersion":"0.1","source":"https://example.okta.com/api/v1/eventHooks/whoql0HfiLGPWc8Jx0g3","eventId":"b5a188b9-5ece-4636-b041-482ffda96311","data":{"events":[{"uuid":"2a5e1ee6-2b5b-4a0d-9a56-7ba0f7dfa1c9","published":"2019-03-27T16:59:53.032Z","eventType":"user.session.start","displayMessage":"User login to Okta"}]},"eventTime":"2019-03-27T16:59:53.032Z","contentType":"application/json"}"#;

    fn verifier() -> Verifier {
        Verifier::new(Scheme::okta(), [Secret::new(VALUE).unwrap()])
    }

    #[test]
    fn deliveries_carry_the_value_and_our_signer_sends_it() {
        let signed = Signer::new(Scheme::okta(), Secret::new(VALUE).unwrap()).headers(
            BODY.as_bytes(),
            0,
            "",
        );
        assert_eq!(signed, [("authorization".to_owned(), VALUE.to_owned())]);
        let delivery = verifier().verify_at(&signed, BODY.into(), 0).unwrap();
        assert_eq!(
            (delivery.id(), delivery.event_type()),
            (
                "b5a188b9-5ece-4636-b041-482ffda96311",
                Some("com.okta.event_hook")
            )
        );
        let wrong: &[(&str, &str)] = &[("Authorization", "okta-hook-valud")];
        assert_eq!(
            verifier().verify_at(wrong, BODY.into(), 0).unwrap_err(),
            Rejection::InvalidSignature
        );
        let none: &[(&str, &str)] = &[];
        assert_eq!(
            verifier().verify_at(none, BODY.into(), 0).unwrap_err(),
            Rejection::MissingSignature
        );
    }

    #[test]
    fn the_verification_challenge_is_answered_as_json_and_nothing_else() {
        let v = verifier();
        let answer = |headers: &[(&str, &str)]| {
            v.check_head(headers, 0)?;
            v.verify_target(headers, "/webhooks/okta", "".into(), v.secrets(), 0)
        };
        for headers in [
            &[("X-Okta-Verification-Challenge", "abc-123")][..],
            &[
                ("X-Okta-Verification-Challenge", "abc-123"),
                ("Authorization", VALUE),
            ][..],
        ] {
            let Err(Rejection::Answered(answer)) = answer(headers) else {
                panic!("answered")
            };
            assert_eq!(answer.body, r#"{"verification":"abc-123"}"#);
            assert_eq!(answer.content_type, "application/json");
        }
        // A value with quotes is escaped, one with spaces or too long is not echoed at all.
        let Err(Rejection::Answered(quoted)) =
            answer(&[("X-Okta-Verification-Challenge", r#"a"b\c"#)])
        else {
            panic!("answered")
        };
        assert_eq!(quoted.body, r#"{"verification":"a\"b\\c"}"#);
        let long = "a".repeat(257);
        for refused in ["a b", long.as_str()] {
            assert_eq!(
                answer(&[("X-Okta-Verification-Challenge", refused)]).unwrap_err(),
                Rejection::MissingSignature,
                "{refused:?}"
            );
        }
    }
}
