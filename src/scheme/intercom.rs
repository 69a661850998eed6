use super::algorithm::Algorithm;
use super::handshake::Handshake;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, IdFallback, Scheme};

impl Scheme {
    /// Intercom webhooks (Developer Hub topic subscriptions), as "Webhooks" and "Webhook
    /// models" in Intercom's developer documentation describe them.
    ///
    /// - `X-Hub-Signature: sha1=<hex>`, the **HMAC-SHA1** (Intercom's choice, legacy) of the
    ///   raw body, keyed with the app's client secret (used as written);
    /// - id: the body's `id` (`notif_...`), the notification's id, the same on every delivery
    ///   attempt (the body's `delivery_attempts` grows, so each attempt is signed anew), and
    ///   signed. The `ping` Intercom sends when a webhook is saved has `"id": null`: its id is
    ///   then derived from the signature ([`IdFallback::Signature`]);
    /// - event type: the body's `topic` (`conversation.user.created`, `ping`, ...);
    /// - the `ping` topic is answered by the layer once verified, `200` with `{}`
    ///   ([`Handshake::Reply`]): no handler runs and nothing is claimed in the replay store.
    ///
    /// **No timestamp.** Intercom signs the body alone and names no tolerance; its
    /// `first_sent_at` is in the signed body but stays the same on every retry, so it cannot
    /// bound a copy's age: no freshness is checked, and a copy of a delivery is caught by the
    /// replay store on the notification id for the store's retention (see [`Scheme::github`]
    /// for what that means after it).
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Verifier};
    ///
    /// let verifier = Verifier::new(Scheme::intercom(), [Secret::new("intercom_client_secret_0123").unwrap()]);
    /// // Signed with Python's `hmac` (SHA-1, the raw body), as Intercom's documentation does it.
    /// let headers: &[(&str, &str)] = &[("X-Hub-Signature", "sha1=ab7914fffb4e2fafd27425c61d299c22bcbb5831")];
    /// let body = r#"{"type":"notification_event","app_id":"ecahpwf5","data":{"type":"notification_event_data","item":{"type":"conversation","id":"147"}},"links":{},"id":"notif_ccd8a4d0-f965-11e3-a367-c779cae3e1b3","topic":"conversation.user.created","delivery_status":"pending","delivery_attempts":1,"delivered_at":0,"first_sent_at":1719301930,"created_at":1719301930,"self":null}"#;
    /// let delivery = verifier.verify(headers, body.into()).unwrap();
    /// assert_eq!(delivery.id(), "notif_ccd8a4d0-f965-11e3-a367-c779cae3e1b3");
    /// assert_eq!(delivery.event_type(), Some("conversation.user.created"));
    /// ```
    #[cfg(feature = "sha1")]
    #[cfg_attr(docsrs, doc(cfg(feature = "sha1")))]
    pub fn intercom() -> Self {
        Scheme::builder("intercom")
            .signature("x-hub-signature", SignatureFormat::prefixed_hex("sha1="))
            .algorithm(Algorithm::HmacSha1)
            .id(Field::body("id"), IdBinding::Signed)
            .id_fallbacks([IdFallback::Signature])
            .event_type(Field::body("topic"))
            .handshake(Handshake::Reply {
                event_type: "ping".into(),
                json: "{}",
            })
            .build()
            .unwrap_or_else(|e| unreachable!("the Intercom scheme is valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Rejection, Scheme, Secret, Signer, Verifier};

    const SECRET: &str = "intercom_client_secret_0123";
    const BODY: &str = r#"{"type":"notification_event","app_id":"ecahpwf5","data":{"type":"notification_event_data","item":{"type":"conversation","id":"147"}},"links":{},"id":"notif_ccd8a4d0-f965-11e3-a367-c779cae3e1b3","topic":"conversation.user.created","delivery_status":"pending","delivery_attempts":1,"delivered_at":0,"first_sent_at":1719301930,"created_at":1719301930,"self":null}"#;
    // Python: hmac.new(SECRET, BODY, hashlib.sha1).hexdigest()
    const SIGNATURE: &str = "sha1=ab7914fffb4e2fafd27425c61d299c22bcbb5831";

    fn verifier() -> Verifier {
        Verifier::new(Scheme::intercom(), [Secret::new(SECRET).unwrap()])
    }

    #[test]
    fn the_reference_vector_verifies_and_our_signer_reproduces_it() {
        let signed = Signer::new(Scheme::intercom(), Secret::new(SECRET).unwrap()).headers(
            BODY.as_bytes(),
            0,
            "",
        );
        assert_eq!(signed, [("x-hub-signature".into(), SIGNATURE.into())]);
        let delivery = verifier().verify(&signed, BODY.into()).unwrap();
        assert_eq!(
            (delivery.id(), delivery.event_type()),
            (
                "notif_ccd8a4d0-f965-11e3-a367-c779cae3e1b3",
                Some("conversation.user.created")
            )
        );
        assert!(!delivery.is_handshake());
        let flipped = BODY.replace("\"147\"", "\"146\"");
        assert_eq!(
            verifier().verify(&signed, flipped.into()).unwrap_err(),
            Rejection::InvalidSignature
        );
        // A SHA-256 signature under the same header is not Intercom's.
        let sha256 = [("x-hub-signature", format!("sha256={}", "ab".repeat(32)))];
        assert_eq!(
            verifier().verify(&sha256[..], BODY.into()).unwrap_err(),
            Rejection::MalformedSignature
        );
    }

    #[test]
    fn the_ping_is_answered_and_its_null_id_falls_back_to_the_signature() {
        let ping = r#"{"type":"notification_event","app_id":"ecahpwf5","data":{"type":"notification_event_data","item":{"type":"ping","message":"something something interzen"}},"links":{},"id":null,"topic":"ping","delivery_status":null,"delivery_attempts":1,"delivered_at":0,"first_sent_at":1719301930,"created_at":1719301930,"self":null}"#;
        let signed = Signer::new(Scheme::intercom(), Secret::new(SECRET).unwrap()).headers(
            ping.as_bytes(),
            0,
            "",
        );
        let delivery = verifier().verify(&signed, ping.into()).unwrap();
        assert!(delivery.id().starts_with("sig_"), "{}", delivery.id());
        let answer = delivery.handshake.expect("the ping is a handshake");
        assert_eq!(
            (answer.body.as_ref(), answer.content_type),
            (&b"{}"[..], "application/json")
        );
    }
}
