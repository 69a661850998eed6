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
