use super::encoding::Encoding;
use super::signature_format::SignatureFormat;
use super::{BodyFormat, Field, IdBinding, Scheme};

impl Scheme {
    /// Shopify webhooks, as "Deliver webhooks through HTTPS" documents them
    /// (shopify.dev/docs/apps/build/webhooks/subscribe/https).
    ///
    /// - `X-Shopify-Hmac-Sha256`: the base64 HMAC-SHA256 of the raw body, keyed with the app's
    ///   client secret (used as written);
    /// - `X-Shopify-Webhook-Id`: the dedup id, the same on every retry of one delivery;
    /// - `X-Shopify-Topic`: the event type (`orders/create`, ...).
    ///
    /// **No signed timestamp, an unsigned id.** Shopify signs the body alone (its
    /// `X-Shopify-Triggered-At` is not signed, so it proves nothing), so there is no
    /// freshness check and the id is [`IdBinding::Unsigned`]: the replay store also remembers
    /// the MAC, and a captured delivery sent again under a new id is still a duplicate, for
    /// the store's retention (24 hours by default; Shopify retries for 48 hours: see
    /// [`Scheme::github`] for what that means and what to do).
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Verifier};
    ///
    /// let verifier = Verifier::new(Scheme::shopify(), [Secret::new("hush").unwrap()]);
    /// let headers: &[(&str, &str)] = &[
    ///     ("X-Shopify-Hmac-Sha256", "qBvrsZF7RfB1iS6BX6IHqJTp5L911P7intnPeTPsH0I="),
    ///     ("X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"),
    ///     ("X-Shopify-Topic", "orders/create"),
    /// ];
    /// let delivery = verifier.verify(headers, r#"{"id":820982911946154508}"#.into()).unwrap();
    /// assert_eq!(delivery.id(), "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043");
    /// assert_eq!(delivery.event_type(), Some("orders/create"));
    /// ```
    pub fn shopify() -> Self {
        Scheme::builder("shopify")
            .signature(
                "x-shopify-hmac-sha256",
                SignatureFormat::Bare {
                    encoding: Encoding::Base64,
                },
            )
            .id(Field::header("x-shopify-webhook-id"), IdBinding::Unsigned)
            .event_type(Field::header("x-shopify-topic"))
            .body_format(BodyFormat::Opaque)
            .build()
            .unwrap_or_else(|e| unreachable!("the Shopify scheme is valid: {e}"))
    }
}
