use super::Scheme;
use super::standard_webhooks::{HeaderNames, standard_webhooks_family};

impl Scheme {
    /// OpenAI webhooks, as "Webhooks" in OpenAI's platform documentation describes them:
    /// [Standard Webhooks](Scheme::standard_webhooks), under the specification's own header
    /// names, with their own scheme name (so their replay keys are their own).
    ///
    /// - `webhook-signature`: space-separated `v1,<base64>` entries, each the HMAC-SHA256 of
    ///   `<webhook-id>.<webhook-timestamp>.<raw body>`;
    /// - `webhook-id`: the dedup id, signed, the same on OpenAI's retries;
    /// - `webhook-timestamp`: Unix seconds, signed; 5 minutes either way, the tolerance of
    ///   OpenAI's SDKs (`client.webhooks.unwrap`);
    /// - event type: the body's `type` (`response.completed`, `batch.completed`,
    ///   `fine_tuning.job.succeeded`, ...);
    /// - the signing secret is `whsec_<base64>`: [`Scheme::secret`] decodes it.
    ///
    /// Retries and replays: as [`Scheme::standard_webhooks`] says.
    ///
    /// ```
    /// use webhook_guard::{Scheme, Verifier};
    ///
    /// let scheme = Scheme::openai();
    /// let secret = scheme.secret("whsec_b3BlbmFpLWRlbW8tc2lnbmluZy1rZXktMDEyMzQ1").unwrap();
    /// // Signed by the `svix` SDK (PyPI), `Webhook(secret).sign(id, timestamp, body)`.
    /// let headers: &[(&str, &str)] = &[
    ///     ("webhook-id", "wh_685342e6c53c8190a1be43f081506c52"),
    ///     ("webhook-timestamp", "1719301930"),
    ///     ("webhook-signature", "v1,A0NI9b0YFuWsNn3lYX1FRqesmutXQOjoT5bAlZtjviQ="),
    /// ];
    /// let body = r#"{"object":"event","id":"evt_685343a1381c819085d44c354e1b330e","type":"response.completed","created_at":1750287018,"data":{"id":"resp_abc123"}}"#;
    /// let delivery = Verifier::new(scheme, [secret]).verify_at(headers, body.into(), 1_719_301_930).unwrap();
    /// assert_eq!((delivery.id(), delivery.event_type()), ("wh_685342e6c53c8190a1be43f081506c52", Some("response.completed")));
    /// ```
    pub fn openai() -> Self {
        standard_webhooks_family("openai", HeaderNames::STANDARD, "type")
    }
}

#[cfg(test)]
mod tests {
    use super::super::standard_webhooks::HeaderNames;
    use super::super::standard_webhooks::tests::check_family;
    use crate::Scheme;

    // Signed by svix 2.9.1 (PyPI): `Webhook(SECRET).sign(ID, FAMILY_TS, BODY)`.
    const SECRET: &str = "whsec_b3BlbmFpLWRlbW8tc2lnbmluZy1rZXktMDEyMzQ1";
    const ID: &str = "wh_685342e6c53c8190a1be43f081506c52";
    const BODY: &str = r#"{"object":"event","id":"evt_685343a1381c819085d44c354e1b330e","type":"response.completed","created_at":1750287018,"data":{"id":"resp_abc123"}}"#;
    const SIGNATURE: &str = "v1,A0NI9b0YFuWsNn3lYX1FRqesmutXQOjoT5bAlZtjviQ=";

    #[test]
    fn the_sdk_vector_verifies_and_our_signer_reproduces_it() {
        let delivery = check_family(
            Scheme::openai(),
            HeaderNames::STANDARD,
            SECRET,
            ID,
            BODY,
            SIGNATURE,
        );
        assert_eq!(delivery.event_type(), Some("response.completed"));
    }
}
