use super::encoding::Encoding;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, Scheme, SignedPart};

impl Scheme {
    /// Square webhooks, as "Verify and Validate an Event Notification" documents them
    /// (developer.squareup.com/docs/webhooks/step3validate).
    ///
    /// - `x-square-hmacsha256-signature`: the base64 HMAC-SHA256 of the notification URL
    ///   followed by the raw body, keyed with the subscription's signature key (used as
    ///   written). The URL is the one configured in Square: give the verifier its base with
    ///   [`Verifier::public_url`](crate::Verifier::public_url) (never taken from `Host`);
    /// - the dedup id is the body's `event_id` (signed), the same on Square's retries; the
    ///   event type is the body's `type` (`payment.created`, ...).
    ///
    /// **No timestamp is signed** but the body's `created_at`, which stays the same across
    /// Square's retries (for up to 24 hours): no freshness window, replays are caught by the
    /// replay store on `event_id` for its retention.
    ///
    /// See the example on [`Verifier::public_url`](crate::Verifier::public_url).
    pub fn square() -> Self {
        Scheme::builder("square")
            .signature(
                "x-square-hmacsha256-signature",
                SignatureFormat::Bare {
                    encoding: Encoding::Base64,
                },
            )
            .signed_content([SignedPart::Url, SignedPart::Body])
            .id(Field::body("event_id"), IdBinding::Signed)
            .event_type(Field::body("type"))
            .build()
            .unwrap_or_else(|e| unreachable!("the Square scheme is valid: {e}"))
    }
}
