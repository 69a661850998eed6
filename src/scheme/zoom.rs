use std::time::Duration;

use super::freshness::Freshness;
use super::handshake::Handshake;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, Scheme, SignedPart, TimestampFormat};

impl Scheme {
    /// Zoom webhooks, as "Using webhooks" documents them
    /// (developers.zoom.us/docs/api/webhooks/).
    ///
    /// - `x-zm-signature: v0=<hex>`, the HMAC-SHA256 of `v0:<timestamp>:<raw body>` keyed with
    ///   the app's secret token (used as written);
    /// - `x-zm-request-timestamp`: Unix seconds, signed; the window is 5 minutes either way
    ///   (Zoom names none; Zoom's sample receivers take the same);
    /// - the dedup id is the body's `event_ts` (signed; Zoom keeps it on its retries), the
    ///   event type the body's `event`. `event_ts` is the event's time in milliseconds: two
    ///   events of one app in the same millisecond would share it, so the replay keys are
    ///   scoped by the event type (the tenant, here), which leaves only two events of the same
    ///   type in the same millisecond to collide; the second would be answered as a duplicate.
    ///   Keep handlers able to re-read state (Zoom's payloads are notifications of state).
    /// - `endpoint.url_validation` (Zoom's check of the endpoint, when it is saved and every
    ///   72 hours) is answered by the layer once verified, with the plain token and its hex
    ///   HMAC-SHA256 under the secret token ([`Handshake::EchoFieldWithMac`]); no handler runs.
    ///
    /// ```
    /// use webhook_guard::{Guard, Rejection, Scheme, Secret, Signer, Verifier};
    ///
    /// # futures::executor::block_on(async {
    /// let secret = Secret::new("zoom-secret-token").unwrap();
    /// let guard = Guard::new(Verifier::new(Scheme::zoom(), [secret.clone()]));
    /// let body = r#"{"event":"endpoint.url_validation","payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680}"#;
    /// let headers = Signer::new(Scheme::zoom(), secret).headers(body.as_bytes(), guard.verifier().now(), "");
    /// let Err(Rejection::Answered(answer)) = guard.admit(&headers, "/webhooks/zoom", body.into()).await else {
    ///     panic!("answered")
    /// };
    /// assert!(answer.body.starts_with(br#"{"encryptedToken":""#));
    /// # });
    /// ```
    pub fn zoom() -> Self {
        Scheme::builder("zoom")
            .signature("x-zm-signature", SignatureFormat::prefixed_hex("v0="))
            .signed_content([
                SignedPart::literal("v0:"),
                SignedPart::Timestamp,
                SignedPart::literal(":"),
                SignedPart::Body,
            ])
            .timestamp(
                Field::header("x-zm-request-timestamp"),
                TimestampFormat::UnixSeconds,
            )
            .freshness(Freshness::new(
                Duration::from_secs(5 * 60),
                Duration::from_secs(5 * 60),
            ))
            .id(Field::body("event_ts"), IdBinding::Signed)
            .event_type(Field::body("event"))
            .tenant(Field::body("event"))
            .handshake(Handshake::EchoFieldWithMac {
                event_type: "endpoint.url_validation".into(),
                pointer: "/payload/plainToken".into(),
                value_key: "plainToken".into(),
                mac_key: "encryptedToken".into(),
            })
            .build()
            .unwrap_or_else(|e| unreachable!("the Zoom scheme is valid: {e}"))
    }
}
