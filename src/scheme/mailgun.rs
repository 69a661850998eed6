use std::time::Duration;

use super::encoding::Encoding;
use super::freshness::Freshness;
use super::signature_format::SignatureFormat;
use super::{BodyFormat, Field, IdBinding, IdFallback, Scheme, SignedPart, TimestampFormat};

impl Scheme {
    /// Mailgun webhooks, as Mailgun's "Securing Webhooks" documents them: the signature is
    /// in the body, not in a header.
    ///
    /// - JSON (Mailgun's webhooks today): `{"signature": {"timestamp", "token", "signature"},
    ///   "event-data": {...}}`; the older form webhooks send `timestamp`, `token` and
    ///   `signature` as form fields (`application/x-www-form-urlencoded`; the multipart forms
    ///   of stored messages are not read). Both are read ([`Field::BodyPointer`]);
    /// - `signature`: the hex HMAC-SHA256 of `timestamp` and `token` concatenated, keyed with
    ///   the domain's webhook signing key (used as written);
    /// - id: `event-data.id`, the event's id; the older forms carry none, and get a digest of
    ///   the signature instead ([`IdFallback::Signature`]);
    /// - event type: `event-data.event` (`delivered`, `failed`, `opened`, ...), or the form's
    ///   `event`.
    ///
    /// **The event data is not signed.** Mailgun signs the timestamp and the token only
    /// ([`SchemeBuilder::body_unsigned`](super::SchemeBuilder::body_unsigned)): anyone holding
    /// one delivery can put any event data under its signature. What stops that: the id is
    /// unsigned ([`IdBinding::Unsigned`]), so the replay store remembers each signature with
    /// the id, and a signature is accepted once, whatever event data and id come with it; and
    /// a signature is accepted only while its timestamp is fresh. The first request carrying a
    /// signature is the one handled: Mailgun's own, unless a copy outruns it.
    ///
    /// Freshness: Mailgun documents no window, and retries a delivery that was not answered
    /// 2xx (or 406) for about 8 hours (after 10 and 10 minutes, then 15 and 30 minutes, 1, 2
    /// and 4 hours) without saying whether a retry is signed anew. A window shorter than that
    /// could refuse a retry as stale and lose the event, so the window is 9 hours back, 5
    /// minutes ahead; the replay store must keep keys longer than that (its default retention
    /// is 24 hours), so a signature cannot come back once forgotten. A retry is a duplicate
    /// by its event id either way.
    ///
    /// ```
    /// use webhook_guard::{Rejection, Scheme, Secret, Verifier};
    ///
    /// let verifier = Verifier::new(Scheme::mailgun(), [Secret::new("key-mailgun-signing").unwrap()]);
    /// // The signature is Python's `hmac.new(key, b"1529006854" + token, "sha256").hexdigest()`.
    /// let body = r#"{"signature":{"timestamp":"1529006854","token":"a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0","signature":"382f1362077a4f904d689d6f83b12f7f8a7b2a03aaca4053eadd3f6568f950ab"},"event-data":{"event":"delivered","id":"CPgfbmQMTCKtHW6uIWtuVe"}}"#;
    /// let none: &[(&str, &str)] = &[];
    /// let delivery = verifier.verify_at(none, body.into(), 1_529_006_854).unwrap();
    /// assert_eq!((delivery.id(), delivery.event_type()), ("CPgfbmQMTCKtHW6uIWtuVe", Some("delivered")));
    /// let other_key = Verifier::new(Scheme::mailgun(), [Secret::new("key-other").unwrap()]);
    /// assert_eq!(other_key.verify_at(none, body.into(), 1_529_006_854).unwrap_err(), Rejection::InvalidSignature);
    /// ```
    pub fn mailgun() -> Self {
        Scheme::builder("mailgun")
            .signature_field(
                Field::pointer("/signature/signature"),
                SignatureFormat::Bare {
                    encoding: Encoding::Hex,
                },
            )
            .signed_content([
                SignedPart::Timestamp,
                SignedPart::Field(Field::pointer("/signature/token")),
            ])
            .body_unsigned()
            .timestamp(
                Field::pointer("/signature/timestamp"),
                TimestampFormat::UnixSeconds,
            )
            .freshness(Freshness::new(
                Duration::from_secs(9 * 3600),
                Duration::from_secs(5 * 60),
            ))
            .body_format(BodyFormat::FormOrJson { json_field: None })
            .id(Field::pointer("/event-data/id"), IdBinding::Unsigned)
            .id_fallbacks([IdFallback::Signature])
            .event_type(Field::pointer("/event-data/event"))
            .build()
            .unwrap_or_else(|e| unreachable!("the Mailgun scheme is valid: {e}"))
    }
}

/// A Mailgun JSON body for `event` (`delivered`, ...) with event id `id`, signed at `timestamp`
/// with `token` under `key`: what Mailgun posts. Shared by the unit tests below and the
/// catalog's entry (`testing/catalog/mailgun.rs`).
#[cfg(any(test, feature = "testing"))]
pub(crate) fn signed_body(
    key: &crate::Secret,
    timestamp: i64,
    token: &str,
    event: &str,
    id: &str,
) -> String {
    let event_data = serde_json::json!({
        "event": event,
        "id": id,
        "timestamp": timestamp,
        "recipient": "alice@example.com",
        "message": {"headers": {"message-id": "20130503182626.18666.16540@example.com"}},
    });
    let unsigned = serde_json::json!({
        "signature": {"timestamp": timestamp.to_string(), "token": token},
        "event-data": event_data,
    });
    let signature = crate::Signer::new(Scheme::mailgun(), key.clone()).signature(
        unsigned.to_string().as_bytes(),
        timestamp,
        "",
    );
    serde_json::json!({
        "signature": {"timestamp": timestamp.to_string(), "token": token, "signature": signature},
        "event-data": event_data,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use crate::{Rejection, Scheme, Secret, Verifier};

    const KEY: &str = "key-mailgun-signing";
    const TS: i64 = 1_529_006_854;
    const TOKEN: &str = "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0";
    const NONE: &[(&str, &str)] = &[];

    fn key() -> Secret {
        Secret::new(KEY).unwrap()
    }

    fn verify(body: &str, now: i64) -> Result<crate::Delivery, Rejection> {
        Verifier::new(Scheme::mailgun(), [key()]).verify_at(NONE, body.to_owned().into(), now)
    }

    /// The documented algorithm, independently of the scheme.
    fn documented(timestamp: &str, token: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(KEY.as_bytes()).unwrap();
        mac.update(timestamp.as_bytes());
        mac.update(token.as_bytes());
        crate::scheme::encoding::encode_hex(&mac.finalize().into_bytes())
    }

    #[test]
    fn json_and_form_bodies_verify_with_the_documented_hmac() {
        let body = super::signed_body(&key(), TS, TOKEN, "delivered", "CPgfbmQMTCKtHW6uIWtuVe");
        assert!(body.contains(&documented(&TS.to_string(), TOKEN)));
        let delivery = verify(&body, TS + 10).unwrap();
        assert_eq!(
            (delivery.id(), delivery.event_type(), delivery.timestamp()),
            ("CPgfbmQMTCKtHW6uIWtuVe", Some("delivered"), Some(TS))
        );
        assert!(
            delivery.replay_keys().1.is_some(),
            "the signature is remembered"
        );

        let form = format!(
            "timestamp={TS}&token={TOKEN}&signature={}&event=opened&recipient=alice%40example.com",
            documented(&TS.to_string(), TOKEN)
        );
        let delivery = verify(&form, TS).unwrap();
        assert_eq!(delivery.event_type(), Some("opened"));
        assert!(delivery.id().starts_with("sig_"));
    }

    #[test]
    fn the_signed_values_and_the_window_are_checked() {
        let body = super::signed_body(&key(), TS, TOKEN, "delivered", "e1");
        let sig = documented(&TS.to_string(), TOKEN);
        let mut flipped = sig.clone().into_bytes();
        flipped[0] ^= 1;
        let cases = [
            body.replace(&sig, std::str::from_utf8(&flipped).unwrap()),
            body.replace(TOKEN, &TOKEN.replace('a', "b")),
            body.replace(&format!("\"{TS}\""), &format!("\"{}\"", TS + 1)),
        ];
        for forged in &cases {
            assert_eq!(verify(forged, TS).unwrap_err(), Rejection::InvalidSignature);
        }
        assert_eq!(
            verify(&body.replace("\"signature\":\"", "\"sig\":\""), TS).unwrap_err(),
            Rejection::MissingSignature
        );
        assert_eq!(verify("{nope", TS).unwrap_err(), Rejection::MalformedBody);
        assert!(verify(&body, TS + 9 * 3600).is_ok());
        assert_eq!(
            verify(&body, TS + 9 * 3600 + 1).unwrap_err(),
            Rejection::StaleTimestamp
        );
        assert_eq!(
            verify(&body, TS - 301).unwrap_err(),
            Rejection::FutureTimestamp
        );
    }

    #[test]
    fn the_event_data_is_unsigned_but_a_signature_is_one_delivery() {
        let body = super::signed_body(&key(), TS, TOKEN, "delivered", "e1");
        let original = verify(&body, TS).unwrap();
        // Other event data under the same signature verifies (Mailgun does not sign it)...
        let rewritten = verify(&body.replace("\"e1\"", "\"e2\""), TS).unwrap();
        assert_eq!(rewritten.id(), "e2");
        // ...and carries the same remembered signature, so the replay store refuses it.
        let digest = |d: &crate::Delivery| d.replay_keys().1.unwrap().digest();
        assert_eq!(digest(&rewritten), digest(&original));
        // Mailgun's next event is signed with another token: another signature.
        let next = verify(
            &super::signed_body(&key(), TS, "other-token", "delivered", "e3"),
            TS,
        )
        .unwrap();
        assert_ne!(digest(&next), digest(&original));
    }
}
