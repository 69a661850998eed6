use std::borrow::Cow;
use std::time::Duration;

use super::algorithm::Algorithm;
use super::encoding::Encoding;
use super::freshness::Freshness;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, Scheme, SignedPart, TimestampFormat};

impl Scheme {
    /// PayPal webhooks verified offline, as "Webhooks: verify the signature" documents it
    /// (developer.paypal.com/api/rest/webhooks/rest/#link-selfverificationmethod).
    ///
    /// - `PAYPAL-TRANSMISSION-SIG`: the base64 **RSA-SHA256** (PKCS#1 v1.5) signature of
    ///   `<transmission id>|<transmission time>|<webhook id>|<CRC32 of the raw body, decimal>`,
    ///   under the key of PayPal's signing certificate. The certificate is configuration
    ///   ([`PublicKey::rsa_certificate_pem`](crate::PublicKey::rsa_certificate_pem)), downloaded
    ///   and checked once by you: `PAYPAL-CERT-URL` is never fetched at request time;
    /// - `webhook_id` is the id PayPal gave your webhook (configuration, signed);
    /// - `PAYPAL-TRANSMISSION-TIME`: RFC 3339, signed; 5 minutes either way (each retry is a
    ///   new transmission, signed anew);
    /// - the dedup id is the body's `id` (the event id, `WH-...`, the same on every retry).
    ///
    /// **The body is covered by a CRC32 only.** CRC32 is no cryptographic hash: whoever holds
    /// one signed transmission can forge another body with the same CRC32. The body's `id` is
    /// therefore [`IdBinding::Unsigned`]: the replay store also remembers the signature, so a
    /// forged body replayed under the captured signature is a duplicate whatever its `id`;
    /// but a forged copy that arrives *before* the genuine one is handled. For anything
    /// valuable, re-read the event from PayPal's API by its id before acting on it.
    #[cfg(feature = "rsa")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rsa")))]
    pub fn paypal(webhook_id: impl Into<String>) -> Self {
        let webhook_id: String = webhook_id.into();
        Scheme::builder("paypal")
            .signature(
                "paypal-transmission-sig",
                SignatureFormat::Bare {
                    encoding: Encoding::Base64,
                },
            )
            .algorithm(Algorithm::RsaSha256)
            .signed_content([
                SignedPart::Header(Cow::Borrowed("paypal-transmission-id")),
                SignedPart::literal("|"),
                SignedPart::Timestamp,
                SignedPart::literal("|"),
                SignedPart::Literal(Cow::Owned(webhook_id.into_bytes())),
                SignedPart::literal("|"),
                SignedPart::BodyCrc32,
            ])
            .timestamp(
                Field::header("paypal-transmission-time"),
                TimestampFormat::Rfc3339,
            )
            .freshness(Freshness::new(
                Duration::from_secs(5 * 60),
                Duration::from_secs(5 * 60),
            ))
            .id(Field::body("id"), IdBinding::Unsigned)
            .event_type(Field::body("event_type"))
            .build()
            .unwrap_or_else(|e| unreachable!("the PayPal scheme is valid: {e}"))
    }
}
