use super::algorithm::Algorithm;
use super::encoding::Encoding;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, Scheme};

impl Scheme {
    /// Vercel webhooks (account webhooks and integrations), as "Webhooks" in Vercel's
    /// documentation ("Securing webhooks") describes them.
    ///
    /// - `x-vercel-signature`: the hex **HMAC-SHA1** (Vercel's choice, legacy) of the raw
    ///   body, keyed with the webhook's secret (an integration's: its client secret), used as
    ///   written;
    /// - id: the body's `id`, the event's id, signed;
    /// - event type: the body's `type` (`deployment.created`, `project.removed`, ...).
    ///
    /// **No signed timestamp.** The body's `createdAt` is the event's time, the same on a
    /// retry, and Vercel names no tolerance: no freshness is checked, and a copy is caught by
    /// the replay store on the event id for the store's retention (see [`Scheme::github`] for
    /// what that means after it).
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Verifier};
    ///
    /// let verifier = Verifier::new(Scheme::vercel(), [Secret::new("vercel_webhook_secret_0123").unwrap()]);
    /// // Signed with Python's `hmac` (SHA-1, the raw body), as Vercel's documentation does it.
    /// let headers: &[(&str, &str)] = &[("x-vercel-signature", "ea84489ac2e36ff37967f791e9b3dd15c5c97416")];
    /// let body = r#"{"id":"uaJ8K6Xyi4H6GZeN","type":"deployment.created","createdAt":1719301930000,"region":"sfo1","payload":{"deployment":{"id":"dpl_2euZBFqxQqKcGFKk6N9kJh","url":"my-app.vercel.app"}}}"#;
    /// let delivery = verifier.verify(headers, body.into()).unwrap();
    /// assert_eq!((delivery.id(), delivery.event_type()), ("uaJ8K6Xyi4H6GZeN", Some("deployment.created")));
    /// ```
    #[cfg(feature = "sha1")]
    #[cfg_attr(docsrs, doc(cfg(feature = "sha1")))]
    pub fn vercel() -> Self {
        Scheme::builder("vercel")
            .signature(
                "x-vercel-signature",
                SignatureFormat::Bare {
                    encoding: Encoding::Hex,
                },
            )
            .algorithm(Algorithm::HmacSha1)
            .id(Field::body("id"), IdBinding::Signed)
            .event_type(Field::body("type"))
            .build()
            .unwrap_or_else(|e| unreachable!("the Vercel scheme is valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Rejection, Scheme, Secret, Signer, Verifier};

    const SECRET: &str = "vercel_webhook_secret_0123";
    const BODY: &str = r#"{"id":"uaJ8K6Xyi4H6GZeN","type":"deployment.created","createdAt":1719301930000,"region":"sfo1","payload":{"deployment":{"id":"dpl_2euZBFqxQqKcGFKk6N9kJh","url":"my-app.vercel.app"}}}"#;
    // Python: hmac.new(SECRET, BODY, hashlib.sha1).hexdigest()
    const SIGNATURE: &str = "ea84489ac2e36ff37967f791e9b3dd15c5c97416";

    fn verifier() -> Verifier {
        Verifier::new(Scheme::vercel(), [Secret::new(SECRET).unwrap()])
    }

    #[test]
    fn the_reference_vector_verifies_and_our_signer_reproduces_it() {
        let signed = Signer::new(Scheme::vercel(), Secret::new(SECRET).unwrap()).headers(
            BODY.as_bytes(),
            0,
            "",
        );
        assert_eq!(signed, [("x-vercel-signature".into(), SIGNATURE.into())]);
        let delivery = verifier().verify(&signed, BODY.into()).unwrap();
        assert_eq!(
            (delivery.id(), delivery.event_type()),
            ("uaJ8K6Xyi4H6GZeN", Some("deployment.created"))
        );
        assert_eq!(
            verifier()
                .verify(&signed, BODY.replace("sfo1", "sfo2").into())
                .unwrap_err(),
            Rejection::InvalidSignature
        );
        // A SHA-256-sized signature can never match a SHA-1 MAC.
        let long = [("x-vercel-signature", "ab".repeat(32))];
        assert_eq!(
            verifier().verify(&long[..], BODY.into()).unwrap_err(),
            Rejection::MalformedSignature
        );
    }
}
