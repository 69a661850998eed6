use super::Scheme;
use super::standard_webhooks::{HeaderNames, standard_webhooks_family};

impl Scheme {
    /// Resend webhooks (delivered through Svix), as "Verify webhook requests" in Resend's
    /// documentation describes them: [Standard Webhooks](Scheme::standard_webhooks) under
    /// **Svix's header names**.
    ///
    /// - `svix-signature`: space-separated `v1,<base64>` entries, each the HMAC-SHA256 of
    ///   `<svix-id>.<svix-timestamp>.<raw body>`; any one that matches passes;
    /// - `svix-id`: the message id, the dedup id, signed, the same on retries;
    /// - `svix-timestamp`: Unix seconds, signed; 5 minutes either way, the tolerance of the
    ///   `svix` library Resend's documentation verifies with;
    /// - event type: the body's `type` (`email.sent`, `email.delivered`, `email.bounced`, ...);
    /// - the signing secret is `whsec_<base64>`: [`Scheme::secret`] decodes it.
    ///
    /// Retries and replays: as [`Scheme::standard_webhooks`] says.
    ///
    /// ```
    /// use webhook_guard::{Scheme, Verifier};
    ///
    /// let scheme = Scheme::resend();
    /// let secret = scheme.secret("whsec_cmVzZW5kLWRlbW8tc2lnbmluZy1rZXktMDEyMzQ1").unwrap();
    /// // Signed by the `svix` SDK (PyPI), `Webhook(secret).sign(id, timestamp, body)`.
    /// let headers: &[(&str, &str)] = &[
    ///     ("svix-id", "msg_2mYd3nGc0bXq9pL5sT8wR1vK6hJ"),
    ///     ("svix-timestamp", "1719301930"),
    ///     ("svix-signature", "v1,3dHF3lyVMNoFea8Av6oQv+vp0NaJkiPt5L7gshSacfI="),
    /// ];
    /// let body = r#"{"type":"email.sent","created_at":"2024-06-25T07:52:10.000Z","data":{"email_id":"56761188-7520-42d8-8898-ff6fc54ce618","from":"Acme <onboarding@resend.dev>","to":["delivered@resend.dev"],"subject":"Sending this example"}}"#;
    /// let delivery = Verifier::new(scheme, [secret]).verify_at(headers, body.into(), 1_719_301_930).unwrap();
    /// assert_eq!(delivery.event_type(), Some("email.sent"));
    /// ```
    pub fn resend() -> Self {
        standard_webhooks_family("resend", HeaderNames::SVIX, "type")
    }
}

#[cfg(test)]
mod tests {
    use super::super::standard_webhooks::HeaderNames;
    use super::super::standard_webhooks::tests::check_family;
    use crate::Scheme;

    // Signed by svix 2.9.1 (PyPI): `Webhook(SECRET).sign(ID, FAMILY_TS, BODY)`.
    const SECRET: &str = "whsec_cmVzZW5kLWRlbW8tc2lnbmluZy1rZXktMDEyMzQ1";
    const ID: &str = "msg_2mYd3nGc0bXq9pL5sT8wR1vK6hJ";
    const BODY: &str = r#"{"type":"email.sent","created_at":"2024-06-25T07:52:10.000Z","data":{"email_id":"56761188-7520-42d8-8898-ff6fc54ce618","from":"Acme <onboarding@resend.dev>","to":["delivered@resend.dev"],"subject":"Sending this example"}}"#;
    const SIGNATURE: &str = "v1,3dHF3lyVMNoFea8Av6oQv+vp0NaJkiPt5L7gshSacfI=";

    #[test]
    fn the_sdk_vector_verifies_and_our_signer_reproduces_it() {
        let delivery = check_family(
            Scheme::resend(),
            HeaderNames::SVIX,
            SECRET,
            ID,
            BODY,
            SIGNATURE,
        );
        assert_eq!(delivery.event_type(), Some("email.sent"));
    }
}
