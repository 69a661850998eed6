use std::time::Duration;

use super::freshness::Freshness;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, Scheme, TimestampFormat};

/// The minimum secret length [`Scheme::palo`] asks for: *ours*, read from the spec's
/// placeholder secret `votre_secret_hmac_32_chars_min` ("32 chars min"), which the spec states
/// nowhere else (and which is itself 30 characters long, so it is refused).
///
/// Shorter secrets are refused when they are built, so a weak key fails at start-up rather
/// than on the first delivery; a deployment stuck with a shorter one can build its own
/// scheme with `Scheme::builder`:
///
/// ```
/// use webhook_guard::Scheme;
/// use webhook_guard::scheme::PALO_MIN_SECRET_LEN;
///
/// assert!(Scheme::palo().secret("s".repeat(PALO_MIN_SECRET_LEN)).is_ok());
/// assert!(Scheme::palo().secret("s".repeat(PALO_MIN_SECRET_LEN - 1)).is_err());
/// ```
pub const PALO_MIN_SECRET_LEN: usize = 32;

impl Scheme {
    /// PALO Platform (`palo-webhooks.md`).
    ///
    /// - `X-Palo-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body;
    /// - no timestamp header: the signed body's `timestamp` (RFC 3339) is the event time;
    /// - id: body `event_id` (signed); event type: body `event_type`; tenant: body
    ///   `organization_id`;
    /// - secrets of at least 32 characters.
    ///
    /// Freshness (*ours*: the spec signs no timestamp and sets no window): at most 24 hours
    /// old, 1 minute ahead. The timestamp is the time of the event, not of the attempt, and
    /// the body (so the timestamp) is the same on every retry: PALO retries at +5 min, +30 min,
    /// +2 h and +6 h, so the last retry arrives about 8 h 35 min after the event. A window
    /// shorter than that would refuse legitimate retries; 24 hours covers the whole schedule
    /// with room, and the replay store keeps each `event_id` for the whole window, so a copy is
    /// either too old or already seen.
    ///
    /// **Re-sends by hand.** PALO lets an operator re-trigger a failed delivery from its
    /// dashboard ("Vous pouvez re-déclencher manuellement une livraison échouée"). The re-sent
    /// body still carries the event's original time, so once the event is older than the
    /// window the re-send is refused as stale (400). If your operators re-send older events,
    /// widen the window with [`with_freshness`](Scheme::with_freshness): the replay store's
    /// retention follows it (`max_age + max_future`), so dedup still covers the whole window
    /// (a store sized by `capacity` must then hold that many more keys).
    ///
    /// ```
    /// use webhook_guard::Scheme;
    ///
    /// let scheme = Scheme::palo();
    /// assert_eq!(scheme.signature_header(), "x-palo-signature");
    /// assert_eq!(scheme.freshness().max_age().as_secs(), 24 * 3600);
    /// assert_eq!(scheme.min_secret_len(), 32);
    ///
    /// // Operators re-send failed deliveries for up to a week: keep a week.
    /// use std::time::Duration;
    /// use webhook_guard::Freshness;
    /// let week = Duration::from_secs(7 * 24 * 3600);
    /// let scheme = scheme.with_freshness(Freshness::new(week, Duration::from_secs(60)));
    /// assert_eq!(scheme.freshness().replay_window(), week + Duration::from_secs(60));
    /// ```
    pub fn palo() -> Self {
        let mut scheme = Scheme::builder("palo")
            .signature("x-palo-signature", SignatureFormat::prefixed_hex("sha256="))
            .timestamp(Field::body("timestamp"), TimestampFormat::Rfc3339)
            .freshness(Freshness::new(
                Duration::from_secs(24 * 3600),
                Duration::from_secs(60),
            ))
            .id(Field::body("event_id"), IdBinding::Signed)
            .event_type(Field::body("event_type"))
            .tenant(Field::body("organization_id"))
            .min_secret_len(PALO_MIN_SECRET_LEN)
            .build()
            .unwrap_or_else(|e| unreachable!("the PALO scheme is valid: {e}"));
        // Its deliveries are read once: the typed event is the body's validation.
        scheme.native_event = Some(super::NativeParse(crate::event::native::EventModel::Palo));
        scheme
    }
}
