use std::time::Duration;

use super::{Field, IdBinding, Scheme};

impl Scheme {
    /// Mux webhooks, as "Verify webhook signatures" (Mux documentation) describes them.
    ///
    /// - `Mux-Signature: t=<unix seconds>,v1=<hex>`, the HMAC-SHA256 of `<t>.<raw body>` with
    ///   the endpoint's signing secret (used as written); `v1` is the only scheme Mux names,
    ///   other keys are ignored;
    /// - id: the body's `id`, the event's id, signed (Mux keeps it on its retries);
    /// - event type: the body's `type` (`video.asset.ready`, ...).
    ///
    /// Freshness: 5 minutes either way, the default tolerance of Mux's own libraries (the
    /// documentation leaves the window to the receiver).
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Signer, Verifier};
    ///
    /// let secret = Secret::new("mux-signing-secret").unwrap();
    /// let body = br#"{"type":"video.asset.ready","id":"3a56ac3d-33da-4366-855b-f592d898409d","data":{"id":"asset1"}}"#;
    /// let headers = Signer::new(Scheme::mux(), secret.clone()).headers(body, 1_565_220_904, "");
    /// let delivery = Verifier::new(Scheme::mux(), [secret]).verify_at(&headers, body.to_vec().into(), 1_565_220_904).unwrap();
    /// assert_eq!(delivery.id(), "3a56ac3d-33da-4366-855b-f592d898409d");
    /// assert_eq!(delivery.event_type(), Some("video.asset.ready"));
    /// ```
    pub fn mux() -> Self {
        Scheme::stripe_style("mux", "mux-signature", Duration::from_secs(300))
            .id(Field::body("id"), IdBinding::Signed)
            .event_type(Field::body("type"))
            .build()
            .unwrap_or_else(|e| unreachable!("the Mux scheme is valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Rejection, Scheme, Secret, Signer, Verifier};

    const SECRET: &str = "mux-signing-secret";
    const TS: i64 = 1_565_220_904;
    const BODY: &str = r#"{"type":"video.asset.ready","id":"3a56ac3d-33da-4366-855b-f592d898409d","created_at":"2019-08-07T23:35:04.000000Z","data":{"id":"asset1","status":"ready"}}"#;

    fn verifier() -> Verifier {
        Verifier::new(Scheme::mux(), [Secret::new(SECRET).unwrap()])
    }

    fn header(value: &str) -> [(&'static str, &str); 1] {
        [("Mux-Signature", value)]
    }

    #[test]
    fn the_documented_algorithm_verifies_and_our_signer_reproduces_it() {
        // hex HMAC-SHA256 of "<t>.<body>", computed with Python's hmac module.
        let v1 = "81bc25e11ee941654ae28c714d612c2a9ff97dda1c7e6f6908e63440123d71ac";
        let signed = Signer::new(Scheme::mux(), Secret::new(SECRET).unwrap()).headers(
            BODY.as_bytes(),
            TS,
            "",
        );
        assert_eq!(
            signed,
            [("mux-signature".to_string(), format!("t={TS},v1={v1}"))]
        );
        let value = format!("t={TS},v1={v1}");
        let delivery = verifier()
            .verify_at(&header(&value)[..], BODY.into(), TS)
            .unwrap();
        assert_eq!(delivery.id(), "3a56ac3d-33da-4366-855b-f592d898409d");
        assert_eq!(delivery.event_type(), Some("video.asset.ready"));
        let mut flipped = BODY.as_bytes().to_vec();
        flipped[5] ^= 1;
        assert_eq!(
            verifier()
                .verify_at(&header(&value)[..], flipped.into(), TS)
                .unwrap_err(),
            Rejection::InvalidSignature
        );
        assert_eq!(
            verifier()
                .verify_at(&header(&value)[..], BODY.into(), TS + 301)
                .unwrap_err(),
            Rejection::StaleTimestamp
        );
        assert_eq!(
            verifier()
                .verify_at(&header(&value)[..], BODY.into(), TS - 301)
                .unwrap_err(),
            Rejection::FutureTimestamp
        );
        // The documented header shape: a signature under another scheme name does not count.
        let v2 = format!("t={TS},v2={v1}");
        assert_eq!(
            verifier()
                .verify_at(&header(&v2)[..], BODY.into(), TS)
                .unwrap_err(),
            Rejection::MalformedSignature
        );
    }
}
