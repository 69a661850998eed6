use super::handshake::Handshake;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, Scheme};

impl Scheme {
    /// Meta webhooks (WhatsApp Business, Instagram, Messenger, Facebook Pages), as "Getting
    /// Started" in Meta's Webhooks documentation (its "Verification Requests", "Event
    /// Notifications" and "Validating Payloads") describes them.
    ///
    /// - `X-Hub-Signature-256: sha256=<hex>`, the HMAC-SHA256 of the raw body (escaped
    ///   unicode and all, exactly as sent) with the app secret (used as written);
    /// - event type: the body's `object` (`whatsapp_business_account`, `page`,
    ///   `instagram`, ...); what happened is in `entry[].changes[]`, one or more per body;
    /// - the verification request, `GET <callback>?hub.mode=subscribe&hub.challenge=<n>
    ///   &hub.verify_token=<token>`, carries no signature: it is answered with the challenge,
    ///   as plain text, only when `hub.verify_token` equals the verify token configured with
    ///   [`Scheme::with_handshake_token`] (compared in constant time,
    ///   [`Handshake::EchoQueryWithToken`]); otherwise, and always without a configured token,
    ///   it is refused. Nothing is claimed in the replay store and no handler runs.
    ///
    /// **No timestamp, no delivery id.** Meta signs the body alone and sends no id per
    /// delivery, and the body's ids are nested (`entry[].id`, message ids). The id is a digest
    /// of the raw body ([`Field::BodyDigest`], signed): Meta's retry of a notification (for up
    /// to 36 hours) is the same bytes, so a duplicate while the replay store remembers it
    /// (24 hours by default: raise the retention to cover Meta's retries); two notifications
    /// differ in their entries' `time` and contents, so they never share one. There is no
    /// freshness check: after the store's retention, a captured body replayed byte for byte
    /// runs the handler again, which nothing in Meta's format can tell from a fresh one. Keep
    /// the handler idempotent on the ids inside (WhatsApp's `messages[].id`, ...).
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Signer, Verifier};
    ///
    /// let app_secret = Secret::new("meta-app-secret").unwrap();
    /// let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{"messages":[{"id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=","type":"text"}]}}]}]}"#;
    /// let headers = Signer::new(Scheme::meta(), app_secret.clone()).headers(body, 0, "");
    /// assert_eq!(headers[0].0, "x-hub-signature-256");
    /// let delivery = Verifier::new(Scheme::meta(), [app_secret]).verify(&headers, body.to_vec().into()).unwrap();
    /// assert_eq!(delivery.event_type(), Some("whatsapp_business_account"));
    /// assert!(delivery.id().starts_with("body_"));
    /// ```
    pub fn meta() -> Self {
        Scheme::builder("meta")
            .signature(
                "x-hub-signature-256",
                SignatureFormat::prefixed_hex("sha256="),
            )
            .id(Field::BodyDigest, IdBinding::Signed)
            .event_type(Field::body("object"))
            .handshake(Handshake::EchoQueryWithToken {
                param: "hub.challenge".into(),
                token_param: "hub.verify_token".into(),
                mode: Some(("hub.mode".into(), "subscribe".into())),
                token: None,
            })
            .build()
            .unwrap_or_else(|e| unreachable!("the Meta scheme is valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Rejection, Scheme, Secret, Signer, Verifier};

    const SECRET: &str = "meta-app-secret";
    const BODY: &str = r#"{"object":"page","entry":[{"id":"0","time":1774041200,"changes":[{"field":"feed","value":{"item":"status","verb":"add"}}]}]}"#;

    fn secret() -> Secret {
        Secret::new(SECRET).unwrap()
    }

    fn verifier() -> Verifier {
        Verifier::new(
            Scheme::meta().with_handshake_token(Secret::new("verify-me").unwrap()),
            [secret()],
        )
    }

    #[test]
    fn the_documented_algorithm_verifies_and_our_signer_reproduces_it() {
        // hex HMAC-SHA256 of the body, computed with Python's hmac module.
        let mac = "c93dccf3a812514b31034cfe20147932cb2c5153bf38c7ccdad68303105ebf93";
        let headers = Signer::new(Scheme::meta(), secret()).headers(BODY.as_bytes(), 0, "");
        assert_eq!(
            headers,
            [("x-hub-signature-256".to_string(), format!("sha256={mac}"))]
        );
        let delivery = verifier().verify(&headers, BODY.into()).unwrap();
        assert_eq!(delivery.event_type(), Some("page"));
        // The same bytes: the same id; other bytes: another.
        let again = verifier().verify(&headers, BODY.into()).unwrap();
        assert_eq!(again.id(), delivery.id());
        let other = BODY.replace("1774041200", "1774041201");
        let other_headers = Signer::new(Scheme::meta(), secret()).headers(other.as_bytes(), 0, "");
        let another = verifier().verify(&other_headers, other.into()).unwrap();
        assert_ne!(another.id(), delivery.id());
        let mut flipped = BODY.as_bytes().to_vec();
        flipped[2] ^= 1;
        assert_eq!(
            verifier().verify(&headers, flipped.into()).unwrap_err(),
            Rejection::InvalidSignature
        );
        assert!(!Scheme::meta().has_timestamp());
    }

    #[test]
    fn the_verification_request_is_answered_only_with_the_token() {
        let none: &[(&str, &str)] = &[];
        let ask = |verifier: &Verifier, target: &str| {
            verifier.verify_target(none, target, bytes::Bytes::new(), verifier.secrets(), 0)
        };
        let good =
            "/webhooks/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=verify-me";
        let Err(Rejection::Answered(answer)) = ask(&verifier(), good) else {
            panic!("answered")
        };
        assert_eq!(answer.body, "1158201444");
        assert_eq!(answer.content_type, "text/plain; charset=utf-8");
        assert!(verifier().check_head(none, 0).is_ok());
        let wrong = good.replace("verify-me", "verify-mf");
        assert_eq!(
            ask(&verifier(), &wrong).unwrap_err(),
            Rejection::MissingSignature
        );
        // Without a configured token the check is never answered.
        let unconfigured = Verifier::new(Scheme::meta(), [secret()]);
        assert_eq!(
            ask(&unconfigured, good).unwrap_err(),
            Rejection::MissingSignature
        );
        // A notification with a challenge in its URL is still a notification.
        let headers = Signer::new(Scheme::meta(), secret()).headers(BODY.as_bytes(), 0, "");
        let delivery = verifier()
            .verify_target(&headers, good, BODY.into(), verifier().secrets(), 0)
            .unwrap();
        assert_eq!(delivery.event_type(), Some("page"));
        // The token does not show in the scheme's Debug output.
        let scheme = Scheme::meta().with_handshake_token(Secret::new("verify-me").unwrap());
        assert!(!format!("{:?}", scheme.handshakes()).contains("verify-me"));
    }
}
