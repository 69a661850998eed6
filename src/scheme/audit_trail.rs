use std::time::Duration;

use super::freshness::Freshness;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, Scheme, SignedPart, TimestampFormat};

impl Scheme {
    /// Audit Trail (`audit-trail-webhooks.md`).
    ///
    /// - `X-Audit-Trail-Signature: sha256=<hex>`, the HMAC-SHA256 of `<timestamp>.<raw body>`;
    /// - `X-Audit-Trail-Timestamp`: Unix seconds, signed;
    /// - `X-Audit-Trail-Delivery-Id`: the dedup id. It is not signed, but the signed body
    ///   repeats it as its top-level `id` (`whd_...`): dedup uses the signed one and a header
    ///   that disagrees is rejected, so a captured delivery cannot be replayed under a new id;
    /// - event type: body `type`; tenant: body `tenantId` (replay keys are scoped by it).
    ///
    /// Freshness: at most 5 minutes old, the spec's own bound ("Rejeter les webhooks trop
    /// anciens", `MAX_AGE = 5 * 60 * 1000`). The spec rejects only "too old"; the 1 minute
    /// allowed ahead of our clock is ours (a timestamp far in the future would otherwise stay
    /// replayable for as long as it is ahead). Both are settings: see the example below.
    /// Audit Trail signs each attempt anew with the time of sending, so its retries (+1 min,
    /// +5 min, +30 min, +2 h) all arrive fresh; a copy replayed later than 6 minutes after it
    /// was signed is refused as stale, and within those 6 minutes it is caught by the replay
    /// store, which keeps each id for `max_age + max_future`.
    ///
    /// The spec's own samples verify `JSON.stringify(req.body)`, a re-serialised copy that
    /// differs from what was signed as soon as the sender's spacing or key order differ, and
    /// compare with `timingSafeEqual`, which throws on a length mismatch: this scheme feeds
    /// the raw bytes to the MAC and treats any malformed signature as a plain 401.
    ///
    /// ```
    /// use webhook_guard::Scheme;
    ///
    /// let scheme = Scheme::audit_trail();
    /// assert_eq!(scheme.signature_header(), "x-audit-trail-signature");
    /// assert_eq!(scheme.freshness().max_age().as_secs(), 300);
    ///
    /// // Senders whose clocks run ahead: allow 5 minutes both ways. The replay store then
    /// // keeps each delivery id for 10 minutes.
    /// use std::time::Duration;
    /// use webhook_guard::Freshness;
    /// let skewed = scheme.with_freshness(Freshness::new(Duration::from_secs(300), Duration::from_secs(300)));
    /// assert_eq!(skewed.freshness().replay_window(), Duration::from_secs(600));
    /// ```
    pub fn audit_trail() -> Self {
        let mut scheme = Scheme::builder("audit-trail")
            .signature(
                "x-audit-trail-signature",
                SignatureFormat::prefixed_hex("sha256="),
            )
            .signed_content([
                SignedPart::Timestamp,
                SignedPart::literal("."),
                SignedPart::Body,
            ])
            .timestamp(
                Field::header("x-audit-trail-timestamp"),
                TimestampFormat::UnixSeconds,
            )
            .freshness(Freshness::new(
                Duration::from_secs(5 * 60),
                Duration::from_secs(60),
            ))
            .id(
                Field::header("x-audit-trail-delivery-id"),
                IdBinding::MatchesBodyField("id".into()),
            )
            .event_type(Field::body("type"))
            .tenant(Field::body("tenantId"))
            .build()
            .unwrap_or_else(|e| unreachable!("the Audit Trail scheme is valid: {e}"));
        // Its deliveries are read once: the typed event is the body's validation.
        scheme.native_event = Some(super::NativeParse(
            crate::event::native::EventModel::AuditTrail,
        ));
        scheme
    }
}
