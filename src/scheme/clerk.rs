use super::Scheme;
use super::standard_webhooks::{HeaderNames, standard_webhooks_family};

impl Scheme {
    /// Clerk webhooks (delivered through Svix), as "Sync Clerk data to your app with webhooks"
    /// and `verifyWebhook()` in Clerk's documentation describe them: [Standard
    /// Webhooks](Scheme::standard_webhooks) under **Svix's header names**.
    ///
    /// - `svix-signature`: space-separated `v1,<base64>` entries, each the HMAC-SHA256 of
    ///   `<svix-id>.<svix-timestamp>.<raw body>`; any one that matches passes (several arrive
    ///   while the signing secret is rotated);
    /// - `svix-id`: the message id, the dedup id, signed, the same on Svix's retries;
    /// - `svix-timestamp`: Unix seconds, signed; 5 minutes either way, the tolerance of the
    ///   `svix` and `standardwebhooks` libraries Clerk's SDKs verify with;
    /// - event type: the body's `type` (`user.created`, `session.ended`, ...);
    /// - the signing secret is `whsec_<base64>` (`CLERK_WEBHOOK_SIGNING_SECRET`):
    ///   [`Scheme::secret`] decodes it.
    ///
    /// A request with the specification's `webhook-*` names only is not Clerk's and is refused
    /// ([`Rejection::MissingSignature`](crate::Rejection::MissingSignature)). Retries and
    /// replays: as [`Scheme::standard_webhooks`] says.
    ///
    /// ```
    /// use webhook_guard::{Scheme, Verifier};
    ///
    /// let scheme = Scheme::clerk();
    /// let secret = scheme.secret("whsec_Y2xlcmstZGVtby1zaWduaW5nLWtleS0wMTIzNDU2").unwrap();
    /// // Signed by the `svix` SDK (PyPI), `Webhook(secret).sign(id, timestamp, body)`.
    /// let headers: &[(&str, &str)] = &[
    ///     ("svix-id", "msg_2jQbYpXWn7m3cKX8uE1Zq4tB9dF"),
    ///     ("svix-timestamp", "1719301930"),
    ///     ("svix-signature", "v1,KX6jKHK3TZMHbQiqKIEU65GYj29hpJ5MwJljkD/5/iQ="),
    /// ];
    /// let body = r#"{"data":{"id":"user_29w83sxmDNGwOuEthce5gg56FcC","object":"user","first_name":"Example"},"instance_id":"ins_123","object":"event","timestamp":1654012591835,"type":"user.created"}"#;
    /// let delivery = Verifier::new(scheme, [secret]).verify_at(headers, body.into(), 1_719_301_930).unwrap();
    /// assert_eq!((delivery.id(), delivery.event_type()), ("msg_2jQbYpXWn7m3cKX8uE1Zq4tB9dF", Some("user.created")));
    /// ```
    pub fn clerk() -> Self {
        standard_webhooks_family("clerk", HeaderNames::SVIX, "type")
    }
}

#[cfg(test)]
mod tests {
    use super::super::standard_webhooks::HeaderNames;
    use super::super::standard_webhooks::tests::check_family;
    use crate::Scheme;

    // Signed by svix 2.9.1 (PyPI): `Webhook(SECRET).sign(ID, FAMILY_TS, BODY)`.
    const SECRET: &str = "whsec_Y2xlcmstZGVtby1zaWduaW5nLWtleS0wMTIzNDU2";
    const ID: &str = "msg_2jQbYpXWn7m3cKX8uE1Zq4tB9dF";
    const BODY: &str = r#"{"data":{"id":"user_29w83sxmDNGwOuEthce5gg56FcC","object":"user","first_name":"Example"},"instance_id":"ins_123","object":"event","timestamp":1654012591835,"type":"user.created"}"#;
    const SIGNATURE: &str = "v1,KX6jKHK3TZMHbQiqKIEU65GYj29hpJ5MwJljkD/5/iQ=";

    #[test]
    fn the_sdk_vector_verifies_and_our_signer_reproduces_it() {
        let delivery = check_family(
            Scheme::clerk(),
            HeaderNames::SVIX,
            SECRET,
            ID,
            BODY,
            SIGNATURE,
        );
        assert_eq!(delivery.event_type(), Some("user.created"));
    }
}
