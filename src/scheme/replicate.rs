use super::Scheme;
use super::standard_webhooks::{HeaderNames, standard_webhooks_family};

impl Scheme {
    /// Replicate prediction webhooks, as "Verify webhooks" in Replicate's documentation
    /// describes them: [Standard Webhooks](Scheme::standard_webhooks), under the
    /// specification's own header names, with their own scheme name.
    ///
    /// - `webhook-signature`: space-separated `v1,<base64>` entries, each the HMAC-SHA256 of
    ///   `<webhook-id>.<webhook-timestamp>.<raw body>`;
    /// - `webhook-id`: the dedup id, signed; Replicate documents it as the same when a webhook
    ///   is resent (retried);
    /// - `webhook-timestamp`: Unix seconds, signed; 5 minutes either way, as Replicate
    ///   recommends against replays;
    /// - event type: the body is the prediction itself, which has no `type`: its `status`
    ///   (`starting`, `processing`, `succeeded`, `failed`, `canceled`) stands for it. A
    ///   prediction sends several webhooks (start, output, logs, completed), each a message of
    ///   its own with its own `webhook-id`, so each is handled once;
    /// - the signing secret (`GET /v1/webhooks/default/secret`) is `whsec_<base64>`:
    ///   [`Scheme::secret`] decodes it.
    ///
    /// ```
    /// use webhook_guard::{Scheme, Verifier};
    ///
    /// let scheme = Scheme::replicate();
    /// let secret = scheme.secret("whsec_cmVwbGljYXRlLWRlbW8tc2lnbmluZy1rZXktMDE=").unwrap();
    /// // Signed by the `svix` SDK (PyPI), `Webhook(secret).sign(id, timestamp, body)`.
    /// let headers: &[(&str, &str)] = &[
    ///     ("webhook-id", "msg_2nP7zV0qX4cR8tL1mK5wB9yD3fH"),
    ///     ("webhook-timestamp", "1719301930"),
    ///     ("webhook-signature", "v1,xctOCt0B9JFjOHAlqWpo6WVtg8OTuNM07BsLPiGyuzo="),
    /// ];
    /// let body = r#"{"id":"ufawqhfynnddngldkgtslldrkq","version":"5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa","status":"succeeded","created_at":"2024-06-25T07:52:05.000Z","output":["https://replicate.delivery/example.png"]}"#;
    /// let delivery = Verifier::new(scheme, [secret]).verify_at(headers, body.into(), 1_719_301_930).unwrap();
    /// assert_eq!(delivery.event_type(), Some("succeeded"));
    /// ```
    pub fn replicate() -> Self {
        standard_webhooks_family("replicate", HeaderNames::STANDARD, "status")
    }
}

#[cfg(test)]
mod tests {
    use super::super::standard_webhooks::HeaderNames;
    use super::super::standard_webhooks::tests::check_family;
    use crate::Scheme;

    // Signed by svix 2.9.1 (PyPI): `Webhook(SECRET).sign(ID, FAMILY_TS, BODY)`.
    const SECRET: &str = "whsec_cmVwbGljYXRlLWRlbW8tc2lnbmluZy1rZXktMDE=";
    const ID: &str = "msg_2nP7zV0qX4cR8tL1mK5wB9yD3fH";
    const BODY: &str = r#"{"id":"ufawqhfynnddngldkgtslldrkq","version":"5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa","status":"succeeded","created_at":"2024-06-25T07:52:05.000Z","output":["https://replicate.delivery/example.png"]}"#;
    const SIGNATURE: &str = "v1,xctOCt0B9JFjOHAlqWpo6WVtg8OTuNM07BsLPiGyuzo=";

    #[test]
    fn the_sdk_vector_verifies_and_our_signer_reproduces_it() {
        let delivery = check_family(
            Scheme::replicate(),
            HeaderNames::STANDARD,
            SECRET,
            ID,
            BODY,
            SIGNATURE,
        );
        assert_eq!(delivery.event_type(), Some("succeeded"));
    }
}
