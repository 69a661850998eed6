use std::time::Duration;

use super::algorithm::Algorithm;
use super::encoding::Encoding;
use super::freshness::Freshness;
use super::signature_format::SignatureFormat;
use super::{BodyFormat, Field, IdBinding, Scheme, SignedPart, TimestampFormat};

impl Scheme {
    /// SendGrid's Event Webhook with signature verification, as "Getting Started with the
    /// Event Webhook Security Features" documents it
    /// (www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features).
    ///
    /// - `X-Twilio-Email-Event-Webhook-Signature`: the base64 of a DER **ECDSA P-256** signature
    ///   (SHA-256) of `<timestamp><raw body>`, under the verification key SendGrid shows
    ///   (base64 DER, [`PublicKey::p256_base64_der`](crate::PublicKey::p256_base64_der));
    /// - `X-Twilio-Email-Event-Webhook-Timestamp`: Unix seconds, signed;
    /// - the body is a JSON array of events (each with its own `sg_event_id`): the dedup id is
    ///   a digest of the whole body ([`Field::BodyDigest`]), the same for a retry of the same
    ///   batch. ECDSA signatures are randomised, so a copy is never recognised by its
    ///   signature: by its body it is.
    ///
    /// Freshness: SendGrid retries a batch for up to 24 hours and names no tolerance, so the
    /// window is 24 hours and 5 minutes old, 5 minutes ahead: a retry is never refused as
    /// stale, and the replay store keeps each batch's id at least that long.
    ///
    /// ```
    /// use webhook_guard::signature::SecretSet;
    /// use webhook_guard::{PublicKey, Scheme, Verifier};
    ///
    /// let key = PublicKey::p256_base64_der("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEV2pTGUWK+SjemWDEW20ecuP4/9t+WBw+iK7foR2S81nMQQ2ByN9OGcj97GXONboiNFo7T8zjRjR6UjFhFv/tQ==").unwrap();
    /// let verifier = Verifier::with_secret_set(Scheme::sendgrid(), SecretSet::public_keys([key]));
    /// assert_eq!(verifier.scheme().name(), "sendgrid");
    /// ```
    #[cfg(feature = "ecdsa")]
    #[cfg_attr(docsrs, doc(cfg(feature = "ecdsa")))]
    pub fn sendgrid() -> Self {
        Scheme::builder("sendgrid")
            .signature(
                "x-twilio-email-event-webhook-signature",
                SignatureFormat::Bare {
                    encoding: Encoding::Base64,
                },
            )
            .algorithm(Algorithm::EcdsaP256Sha256)
            .signed_content([SignedPart::Timestamp, SignedPart::Body])
            .timestamp(
                Field::header("x-twilio-email-event-webhook-timestamp"),
                TimestampFormat::UnixSeconds,
            )
            .freshness(Freshness::new(
                Duration::from_secs(24 * 3600 + 5 * 60),
                Duration::from_secs(5 * 60),
            ))
            .body_format(BodyFormat::Opaque)
            .id(Field::BodyDigest, IdBinding::Signed)
            .build()
            .unwrap_or_else(|e| unreachable!("the SendGrid scheme is valid: {e}"))
    }
}
