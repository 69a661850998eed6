use std::time::Duration;

use super::freshness::Freshness;
use super::handshake::Handshake;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, Scheme, SignedPart, TimestampFormat};

impl Scheme {
    /// Twitch EventSub over the webhook transport, as "Handling Webhook Events" (Twitch
    /// developer documentation, its "Verifying the event message" and "Responding to a
    /// challenge request") describes it.
    ///
    /// - `Twitch-Eventsub-Message-Signature: sha256=<hex>`, the HMAC-SHA256 of
    ///   `<message id><timestamp><raw body>` (nothing between them) with the subscription's
    ///   secret (used as written);
    /// - `Twitch-Eventsub-Message-Id`: the dedup id, signed ([`SignedPart::Id`]); Twitch resends
    ///   a message it is unsure was received with the same id, so a resent one is answered
    ///   "already processed";
    /// - `Twitch-Eventsub-Message-Timestamp`: RFC 3339 with nanoseconds, signed as received;
    /// - event type: `Twitch-Eventsub-Message-Type`: `notification`, `revocation` (Twitch
    ///   revoked the subscription: it reaches the handler, which should stop relying on it) or
    ///   `webhook_callback_verification`. The subscription's own type (`channel.follow`, ...)
    ///   is in `Twitch-Eventsub-Subscription-Type` and the body's `subscription.type`;
    /// - `webhook_callback_verification` is answered by the layer once verified, with the
    ///   body's `challenge` as plain text ([`Handshake::EchoField`]), as Twitch requires; no
    ///   handler runs and nothing is claimed in the replay store.
    ///
    /// Freshness: Twitch's documentation refuses a message older than 10 minutes; it says
    /// nothing of the future, bounded here by the same 10 minutes.
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Signer, Verifier};
    ///
    /// let secret = Secret::new("twitch-subscription-secret").unwrap();
    /// let body = br#"{"subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","type":"channel.follow","version":"2"},"event":{"user_id":"1234","broadcaster_user_id":"1337"}}"#;
    /// let mut headers = Signer::new(Scheme::twitch(), secret.clone()).headers(body, 1_771_497_000, "e76c6bd4-55c9-4987-8304-da1588d8988b");
    /// headers.push(("Twitch-Eventsub-Message-Type".into(), "notification".into()));
    /// let delivery = Verifier::new(Scheme::twitch(), [secret]).verify_at(&headers, body.to_vec().into(), 1_771_497_000).unwrap();
    /// assert_eq!(delivery.id(), "e76c6bd4-55c9-4987-8304-da1588d8988b");
    /// assert_eq!(delivery.event_type(), Some("notification"));
    /// ```
    pub fn twitch() -> Self {
        Scheme::builder("twitch")
            .signature(
                "twitch-eventsub-message-signature",
                SignatureFormat::prefixed_hex("sha256="),
            )
            .signed_content([SignedPart::Id, SignedPart::Timestamp, SignedPart::Body])
            .timestamp(
                Field::header("twitch-eventsub-message-timestamp"),
                TimestampFormat::Rfc3339,
            )
            .freshness(Freshness::new(
                Duration::from_secs(10 * 60),
                Duration::from_secs(10 * 60),
            ))
            .id(
                Field::header("twitch-eventsub-message-id"),
                IdBinding::Signed,
            )
            .event_type(Field::header("twitch-eventsub-message-type"))
            .handshake(Handshake::EchoField {
                event_type: "webhook_callback_verification".into(),
                field: "challenge".into(),
            })
            .build()
            .unwrap_or_else(|e| unreachable!("the Twitch scheme is valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Rejection, Scheme, Secret, Signer, Verifier};

    const SECRET: &str = "twitch-subscription-secret";
    const ID: &str = "e76c6bd4-55c9-4987-8304-da1588d8988b";
    // As Twitch writes it: RFC 3339 with nanoseconds.
    const TIMESTAMP: &str = "2019-11-16T10:11:12.634234626Z";
    const AT: i64 = 1_573_899_072;
    const CHALLENGE_BODY: &str = r#"{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","status":"webhook_callback_verification_pending","type":"channel.follow","version":"2","cost":1,"condition":{"broadcaster_user_id":"12826","moderator_user_id":"12826"},"transport":{"method":"webhook","callback":"https://example.com/webhooks/callback"},"created_at":"2019-11-16T10:11:12.634234626Z"}}"#;
    // hex HMAC-SHA256 of ID + TIMESTAMP + CHALLENGE_BODY, computed with Python's hmac module.
    const SIGNATURE: &str =
        "sha256=f17f3667f4fafe0511f784b7319f6632dc538beb361500c3851149a0fa6f4a77";

    fn verifier() -> Verifier {
        Verifier::new(Scheme::twitch(), [Secret::new(SECRET).unwrap()])
    }

    fn headers<'a>(kind: &'a str, signature: &'a str) -> [(&'a str, &'a str); 4] {
        [
            ("Twitch-Eventsub-Message-Id", ID),
            ("Twitch-Eventsub-Message-Timestamp", TIMESTAMP),
            ("Twitch-Eventsub-Message-Signature", signature),
            ("Twitch-Eventsub-Message-Type", kind),
        ]
    }

    #[test]
    fn the_challenge_is_answered_once_verified() {
        let request = headers("webhook_callback_verification", SIGNATURE);
        let delivery = verifier()
            .verify_at(&request[..], CHALLENGE_BODY.into(), AT)
            .unwrap();
        let answer = delivery.handshake.expect("a handshake");
        assert_eq!(answer.body, "pogchamp-kappa-360noscope-vohiyo");
        assert_eq!(answer.content_type, "text/plain; charset=utf-8");
        // The same body as a notification reaches the handler.
        let notification = headers("notification", SIGNATURE);
        let delivery = verifier()
            .verify_at(&notification[..], CHALLENGE_BODY.into(), AT)
            .unwrap();
        assert!(delivery.handshake.is_none());
        assert_eq!(delivery.id(), ID);
        // A bad signature is refused before any answer.
        let mut flipped = CHALLENGE_BODY.as_bytes().to_vec();
        flipped[20] ^= 1;
        assert_eq!(
            verifier()
                .verify_at(&request[..], flipped.into(), AT)
                .unwrap_err(),
            Rejection::InvalidSignature
        );
    }

    #[test]
    fn the_id_and_the_timestamp_are_signed_and_the_window_is_ten_minutes() {
        let signed = Signer::new(Scheme::twitch(), Secret::new(SECRET).unwrap()).headers(
            CHALLENGE_BODY.as_bytes(),
            AT,
            ID,
        );
        let revocation = [
            signed.clone(),
            vec![("twitch-eventsub-message-type".into(), "revocation".into())],
        ]
        .concat();
        let delivery = verifier()
            .verify_at(&revocation, CHALLENGE_BODY.into(), AT)
            .unwrap();
        assert_eq!(
            (delivery.id(), delivery.event_type()),
            (ID, Some("revocation"))
        );
        assert!(delivery.handshake.is_none());
        let mut other_id = signed.clone();
        for (name, value) in &mut other_id {
            if name == "twitch-eventsub-message-id" {
                *value = "another-id".into();
            }
        }
        assert_eq!(
            verifier()
                .verify_at(&other_id, CHALLENGE_BODY.into(), AT)
                .unwrap_err(),
            Rejection::InvalidSignature
        );
        let request = headers("notification", SIGNATURE);
        assert!(
            verifier()
                .verify_at(&request[..], CHALLENGE_BODY.into(), AT + 600)
                .is_ok()
        );
        assert_eq!(
            verifier()
                .verify_at(&request[..], CHALLENGE_BODY.into(), AT + 601)
                .unwrap_err(),
            Rejection::StaleTimestamp
        );
        assert_eq!(
            verifier()
                .verify_at(&request[..], CHALLENGE_BODY.into(), AT - 601)
                .unwrap_err(),
            Rejection::FutureTimestamp
        );
    }
}
