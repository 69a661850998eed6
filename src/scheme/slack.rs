use std::time::Duration;

use super::freshness::Freshness;
use super::handshake::Handshake;
use super::signature_format::SignatureFormat;
use super::{BodyFormat, Field, IdBinding, IdFallback, Scheme, SignedPart, TimestampFormat};

impl Scheme {
    /// Slack requests (Events API, slash commands, interactivity), "Verifying requests from
    /// Slack".
    ///
    /// - `X-Slack-Signature: v0=<hex>`, the HMAC-SHA256 of `v0:<timestamp>:<raw body>` with
    ///   the app's signing secret (used as written);
    /// - `X-Slack-Request-Timestamp`: Unix seconds, signed;
    /// - the body is read as [`BodyFormat::FormOrJson`] with `payload` as its JSON field: the
    ///   Events API posts JSON, slash commands post a form, interactivity posts a form whose
    ///   `payload` field is JSON, and Slack's own SDKs serve all three on one URL. Which one a
    ///   body is, is decided from the signed bytes (JSON starts with `{`), not from the
    ///   unsigned `Content-Type`;
    /// - event type: the top-level `type` (`event_callback`, `url_verification`, ...), or the
    ///   interactivity payload's (`block_actions`, `view_submission`, `shortcut`, ...). Slash
    ///   commands have none: [`Delivery::event_type`](crate::Delivery::event_type) is `None`,
    ///   and the body's `command` says which one it is.
    ///
    /// **Dedup.** Slack sends no delivery id header, so the id is, in order:
    ///
    /// 1. `event_id` (Events API, `Ev...`): Slack retries an event it got no 2xx for (up to 3
    ///    times, `X-Slack-Retry-Num`) with the same `event_id`, so a retry of a handled event
    ///    is answered "already processed";
    /// 2. `trigger_id`, which Slack puts in slash commands and most interactivity payloads,
    ///    one per user action. Slack does not retry these;
    /// 3. otherwise ([`IdFallback::Signature`]: `url_verification`, `app_rate_limited`,
    ///    interactivity payloads without a `trigger_id`) a digest of the signature, `sig_...`:
    ///    the same signed request sent twice is one delivery. Slack signs every request anew, so
    ///    a new request (a new URL verification) is never mistaken for a copy.
    ///
    /// All three are signed (body fields, or the signature itself), so the id is
    /// [`IdBinding::Signed`]: a copy cannot be given a new id.
    ///
    /// `url_verification` (Slack's check of a new Events API URL) is answered by the layer once
    /// verified, with its `challenge` as plain text ([`Handshake::EchoField`]); no handler
    /// runs and nothing is claimed in the replay store.
    ///
    /// Freshness: 5 minutes either way, as Slack's SDKs check (`abs(now - timestamp) > 300`
    /// is refused). A copy replayed within the 10 minutes a signature stays valid is caught by
    /// the replay store, a later one is stale.
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Verifier};
    ///
    /// // The example in Slack's "Verifying requests from Slack".
    /// let verifier = Verifier::new(Scheme::slack(), [Secret::new("8f742231b10e8888abcd99yyyzzz85a5").unwrap()]);
    /// let headers: &[(&str, &str)] = &[
    ///     ("X-Slack-Request-Timestamp", "1531420618"),
    ///     ("X-Slack-Signature", "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"),
    /// ];
    /// let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    /// let delivery = verifier.verify_at(headers, body.into(), 1_531_420_618).unwrap();
    /// assert_eq!(delivery.id(), "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c");
    /// assert_eq!(delivery.event_type(), None);
    /// ```
    pub fn slack() -> Self {
        Scheme::builder("slack")
            .signature("x-slack-signature", SignatureFormat::prefixed_hex("v0="))
            .signed_content([
                SignedPart::literal("v0:"),
                SignedPart::Timestamp,
                SignedPart::literal(":"),
                SignedPart::Body,
            ])
            .timestamp(
                Field::header("x-slack-request-timestamp"),
                TimestampFormat::UnixSeconds,
            )
            .freshness(Freshness::new(
                Duration::from_secs(5 * 60),
                Duration::from_secs(5 * 60),
            ))
            .body_format(BodyFormat::FormOrJson {
                json_field: Some("payload"),
            })
            .id(Field::body("event_id"), IdBinding::Signed)
            .id_fallbacks([
                IdFallback::Field(Field::body("trigger_id")),
                IdFallback::Signature,
            ])
            .event_type(Field::body("type"))
            .handshake(Handshake::EchoField {
                event_type: "url_verification".into(),
                field: "challenge".into(),
            })
            .build()
            .unwrap_or_else(|e| unreachable!("the Slack scheme is valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Rejection, Scheme, Secret, Signer, Verifier};

    // "Verifying requests from Slack", Slack's documentation.
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TS: i64 = 1_531_420_618;
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    fn secret() -> Secret {
        Secret::new(SECRET).unwrap()
    }

    fn verify(body: &str, now: i64) -> Result<crate::Delivery, Rejection> {
        let headers = Signer::new(Scheme::slack(), secret()).headers(body.as_bytes(), TS, "");
        Verifier::new(Scheme::slack(), [secret()]).verify_at(&headers, body.to_owned().into(), now)
    }

    #[test]
    fn the_documented_example_verifies_and_our_signer_reproduces_it() {
        let headers = Signer::new(Scheme::slack(), secret()).headers(BODY.as_bytes(), TS, "");
        assert!(headers.contains(&("x-slack-signature".into(), SIGNATURE.into())));
        assert!(headers.contains(&("x-slack-request-timestamp".into(), TS.to_string())));
        let delivery = verify(BODY, TS).unwrap();
        assert_eq!(
            delivery.id(),
            "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
        );
        assert_eq!(delivery.event_type(), None);
        let tampered = [
            ("X-Slack-Request-Timestamp", TS.to_string()),
            ("X-Slack-Signature", SIGNATURE.to_string()),
        ];
        let v = Verifier::new(Scheme::slack(), [secret()]);
        assert!(v.verify_at(&tampered[..], BODY.into(), TS).is_ok());
        assert_eq!(
            v.verify_at(&tampered[..], BODY.replace("text=", "text=x").into(), TS)
                .unwrap_err(),
            Rejection::InvalidSignature
        );
        assert_eq!(
            v.verify_at(&tampered[..], BODY.into(), TS + 301)
                .unwrap_err(),
            Rejection::StaleTimestamp
        );
        assert_eq!(
            v.verify_at(&tampered[..], BODY.into(), TS - 301)
                .unwrap_err(),
            Rejection::FutureTimestamp
        );
    }

    #[test]
    fn the_id_is_event_id_else_trigger_id_else_the_signature() {
        let event = r#"{"token":"t","team_id":"T1","type":"event_callback","event_id":"Ev0PV52K25","event_time":1531420618,"event":{"type":"app_mention","text":"a&event_id=forged"}}"#;
        let delivery = verify(event, TS).unwrap();
        assert_eq!(
            (delivery.id(), delivery.event_type()),
            ("Ev0PV52K25", Some("event_callback"))
        );

        let interactive = "payload=%7B%22type%22%3A%22block_actions%22%2C%22trigger_id%22%3A%2212466734323.1395872398%22%2C%22team%22%3A%7B%22id%22%3A%22T1%22%7D%7D";
        let delivery = verify(interactive, TS).unwrap();
        assert_eq!(
            (delivery.id(), delivery.event_type()),
            ("12466734323.1395872398", Some("block_actions"))
        );

        let challenge = r#"{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#;
        let first = verify(challenge, TS).unwrap();
        assert!(first.id().starts_with("sig_"), "{}", first.id());
        assert_eq!(first.id().len(), 4 + 32);
        assert_eq!(first.event_type(), Some("url_verification"));
        // The same signed request: the same id. Signed at another time: another one.
        assert_eq!(verify(challenge, TS).unwrap().id(), first.id());
        let resigned =
            Signer::new(Scheme::slack(), secret()).headers(challenge.as_bytes(), TS + 1, "");
        let again = Verifier::new(Scheme::slack(), [secret()])
            .verify_at(&resigned, challenge.into(), TS)
            .unwrap();
        assert_ne!(again.id(), first.id());
        // The signature text is not the id.
        assert!(!resigned[0].1.contains(&first.id()[4..]));
    }

    #[test]
    fn malformed_bodies_are_refused_after_the_signature() {
        assert_eq!(verify("a=%zz", TS).unwrap_err(), Rejection::MalformedBody);
        assert_eq!(verify("{nope", TS).unwrap_err(), Rejection::MalformedBody);
        assert_eq!(
            verify("payload=not-json", TS).unwrap_err(),
            Rejection::MalformedBody
        );
    }
}
