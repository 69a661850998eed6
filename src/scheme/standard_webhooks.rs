use std::time::Duration;

use super::freshness::Freshness;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, Scheme, SchemeBuilder, SecretEncoding, SignedPart, TimestampFormat};

impl Scheme {
    /// [Standard Webhooks](https://www.standardwebhooks.com/) (the specification Svix
    /// implements, and the senders built on it).
    ///
    /// - `webhook-signature`: space-separated `v1,<base64>` entries, each the HMAC-SHA256 of
    ///   `<webhook-id>.<webhook-timestamp>.<raw body>`. Several entries arrive while the sender
    ///   rotates its secret; any `v1` entry that matches passes. With the `ed25519` feature and
    ///   public keys in the verifier's set
    ///   ([`SecretSet::with_public_keys`](crate::signature::SecretSet::with_public_keys)),
    ///   `v1a,<base64>` entries (Ed25519, the specification's asymmetric signatures) verify
    ///   too; without keys for them they are ignored. Other versions are ignored;
    /// - `webhook-id`: the message id, the dedup id. It is signed, so a captured delivery
    ///   cannot be replayed under a new id; the sender keeps it across retries, so a retry of a
    ///   handled message is answered "already processed";
    /// - `webhook-timestamp`: Unix seconds, signed;
    /// - event type: the body's top-level `type` (the specification's payload structure);
    /// - secrets are written `whsec_<base64>`: the key is the decoded base64, as the
    ///   specification and its SDKs do ([`Scheme::secret`] decodes it). The specification
    ///   recommends keys of 24 to 64 bytes but its SDKs accept any non-empty key; so does this
    ///   scheme.
    ///
    /// Freshness: 5 minutes either way, the tolerance of the specification's reference
    /// libraries. Each attempt is signed anew with the time of sending, so retries arrive
    /// fresh; a copy replayed within the 10 minutes a signature stays valid is caught by the
    /// replay store, which remembers `webhook-id` for at least that long (24 hours by
    /// default), and a later copy is refused as stale. A sender retries only what was not
    /// answered 2xx; Svix's schedule runs for about 27 hours, so if a 2xx of ours is lost and
    /// the last retry comes after the store's retention, the handler runs again: raise the
    /// retention past the schedule, or keep the handler idempotent on `webhook-id`.
    ///
    /// ```
    /// use webhook_guard::{Scheme, Signer, Verifier};
    ///
    /// let scheme = Scheme::standard_webhooks();
    /// let secret = scheme.secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    /// assert_eq!(secret.len(), 24);
    /// // The specification's test vector.
    /// let headers: &[(&str, &str)] = &[
    ///     ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
    ///     ("webhook-timestamp", "1614265330"),
    ///     ("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
    /// ];
    /// let verifier = Verifier::new(scheme, [secret]);
    /// let delivery = verifier.verify_at(headers, r#"{"test": 2432232314}"#.into(), 1_614_265_330).unwrap();
    /// assert_eq!(delivery.id(), "msg_p5jXN8AQM9LWM0D4loKWxJek");
    /// ```
    pub fn standard_webhooks() -> Self {
        let builder = standard_webhooks_builder("v1").secret_encoding(SecretEncoding::WhsecBase64);
        // `v1a` entries, checked when public keys are configured beside (or instead of) secrets.
        #[cfg(feature = "ed25519")]
        let builder = builder.alternative_signature(
            SignatureFormat::VersionedBase64 {
                version: "v1a".into(),
            },
            super::algorithm::Algorithm::Ed25519,
        );
        builder
            .build()
            .unwrap_or_else(|e| unreachable!("the Standard Webhooks scheme is valid: {e}"))
    }
}

impl Scheme {
    /// [Standard Webhooks](https://www.standardwebhooks.com/) with asymmetric signatures: the
    /// same headers and signed content as [`Scheme::standard_webhooks`], each `v1a,<base64>`
    /// entry of `webhook-signature` an **Ed25519** signature under the sender's public key
    /// (`whpk_<base64>`, [`PublicKey::ed25519_whpk`](crate::PublicKey::ed25519_whpk)); `v1`
    /// entries are ignored. Dedup on `webhook-id` (signed), 5 minutes either way.
    ///
    /// ```
    /// use webhook_guard::signature::SecretSet;
    /// use webhook_guard::{PublicKey, Scheme, Verifier};
    ///
    /// let key = PublicKey::ed25519_whpk("whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=").unwrap();
    /// let verifier = Verifier::with_secret_set(Scheme::standard_webhooks_ed25519(), SecretSet::public_keys([key]));
    /// # let _ = verifier;
    /// ```
    #[cfg(feature = "ed25519")]
    #[cfg_attr(docsrs, doc(cfg(feature = "ed25519")))]
    pub fn standard_webhooks_ed25519() -> Self {
        standard_webhooks_builder("v1a")
            .algorithm(super::algorithm::Algorithm::Ed25519)
            .build()
            .unwrap_or_else(|e| unreachable!("the Standard Webhooks v1a scheme is valid: {e}"))
    }
}

/// What both Standard Webhooks schemes share: the headers, `<id>.<timestamp>.<body>` signed,
/// 5 minutes either way, the signed `webhook-id`, the body's `type`; entries of `version`.
fn standard_webhooks_builder(version: &'static str) -> SchemeBuilder {
    family_builder("standard-webhooks", HeaderNames::STANDARD, version)
        .event_type(Field::body("type"))
}

/// The names a Standard Webhooks sender gives its three headers.
#[derive(Debug, Clone, Copy)]
pub(super) struct HeaderNames {
    id: &'static str,
    timestamp: &'static str,
    signature: &'static str,
}

impl HeaderNames {
    /// `webhook-id`, `webhook-timestamp`, `webhook-signature`: the specification's.
    pub(super) const STANDARD: Self = Self {
        id: "webhook-id",
        timestamp: "webhook-timestamp",
        signature: "webhook-signature",
    };
    /// `svix-id`, `svix-timestamp`, `svix-signature`: what Svix-powered senders (Clerk,
    /// Resend) send; the same values under Svix's own names.
    pub(super) const SVIX: Self = Self {
        id: "svix-id",
        timestamp: "svix-timestamp",
        signature: "svix-signature",
    };
}

/// A sender that signs exactly as Standard Webhooks does (`v1,<base64>` HMAC-SHA256 entries
/// over `<id>.<timestamp>.<body>`, `whsec_<base64>` secrets, 5 minutes either way), under its
/// own scheme name (so its replay keys are its own), header names and event type field.
pub(super) fn standard_webhooks_family(
    name: &'static str,
    headers: HeaderNames,
    event_type: &'static str,
) -> Scheme {
    family_builder(name, headers, "v1")
        .event_type(Field::body(event_type))
        .secret_encoding(SecretEncoding::WhsecBase64)
        .build()
        .unwrap_or_else(|e| unreachable!("a Standard Webhooks sender's scheme is valid: {e}"))
}

fn family_builder(
    name: &'static str,
    headers: HeaderNames,
    version: &'static str,
) -> SchemeBuilder {
    Scheme::builder(name)
        .signature(
            headers.signature,
            SignatureFormat::VersionedBase64 {
                version: version.into(),
            },
        )
        .signed_content([
            SignedPart::Id,
            SignedPart::literal("."),
            SignedPart::Timestamp,
            SignedPart::literal("."),
            SignedPart::Body,
        ])
        .timestamp(
            Field::header(headers.timestamp),
            TimestampFormat::UnixSeconds,
        )
        .freshness(Freshness::new(
            Duration::from_secs(5 * 60),
            Duration::from_secs(5 * 60),
        ))
        .id(Field::header(headers.id), IdBinding::Signed)
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::{Rejection, Scheme, Signer, Verifier};

    // The specification's test vector (standard-webhooks, `libraries/` test suites).
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1_614_265_330;
    const BODY: &str = r#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn verifier() -> Verifier {
        let scheme = Scheme::standard_webhooks();
        let secret = scheme.secret(SECRET).unwrap();
        Verifier::new(scheme, [secret])
    }

    fn headers(signature: &str) -> Vec<(String, String)> {
        vec![
            ("webhook-id".into(), ID.into()),
            ("webhook-timestamp".into(), TS.to_string()),
            ("webhook-signature".into(), signature.into()),
        ]
    }

    #[test]
    fn the_specification_vector_verifies_and_our_signer_reproduces_it() {
        let delivery = verifier()
            .verify_at(&headers(SIGNATURE), BODY.into(), TS)
            .unwrap();
        assert_eq!(delivery.id(), ID);
        assert_eq!(delivery.timestamp(), Some(TS));

        let scheme = Scheme::standard_webhooks();
        let signed = Signer::new(scheme.clone(), scheme.secret(SECRET).unwrap()).headers(
            BODY.as_bytes(),
            TS,
            ID,
        );
        assert!(signed.contains(&("webhook-signature".into(), SIGNATURE.into())));
        // Unpadded base64 secrets decode to the same key (the SDKs pad before decoding).
        assert_eq!(
            scheme.secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap(),
            scheme.secret(SECRET).unwrap()
        );
    }

    #[test]
    fn several_entries_other_versions_and_the_window() {
        let other = "v1,Zm9vYmFyYmF6Zm9vYmFyYmF6Zm9vYmFyYmF6Zm9vYmE=";
        let rotated = format!("v1a,abc {other} {SIGNATURE}");
        assert!(
            verifier()
                .verify_at(&headers(&rotated), BODY.into(), TS)
                .is_ok()
        );
        assert_eq!(
            verifier()
                .verify_at(&headers(other), BODY.into(), TS)
                .unwrap_err(),
            Rejection::InvalidSignature
        );
        // The id is signed: another id fails the signature.
        let mut renamed = headers(SIGNATURE);
        renamed[0].1 = "msg_other".into();
        assert_eq!(
            verifier().verify_at(&renamed, BODY.into(), TS).unwrap_err(),
            Rejection::InvalidSignature
        );
        let v = verifier();
        assert!(
            v.verify_at(&headers(SIGNATURE), BODY.into(), TS + 300)
                .is_ok()
        );
        assert!(
            v.verify_at(&headers(SIGNATURE), BODY.into(), TS - 300)
                .is_ok()
        );
        assert_eq!(
            v.verify_at(&headers(SIGNATURE), BODY.into(), TS + 301)
                .unwrap_err(),
            Rejection::StaleTimestamp
        );
        assert_eq!(
            v.verify_at(&headers(SIGNATURE), BODY.into(), TS - 301)
                .unwrap_err(),
            Rejection::FutureTimestamp
        );
    }

    /// The checks every Standard Webhooks sender's scheme passes: `signature` is the
    /// provider SDK's (`svix`'s `Webhook.sign`) for `body` with `id` at [`FAMILY_TS`]; our
    /// signer reproduces it; a flipped bit, another id and a stale or future timestamp fail.
    pub(crate) fn check_family(
        scheme: Scheme,
        headers: super::HeaderNames,
        secret: &str,
        id: &str,
        body: &str,
        signature: &str,
    ) -> crate::Delivery {
        let key = scheme.secret(secret).unwrap();
        let verifier = Verifier::new(scheme.clone(), [key.clone()]);
        let signed = Signer::new(scheme, key).headers(body.as_bytes(), FAMILY_TS, id);
        let request = |id: &str, ts: i64, signature: &str| {
            vec![
                (headers.signature.to_string(), signature.to_string()),
                (headers.timestamp.to_string(), ts.to_string()),
                (headers.id.to_string(), id.to_string()),
            ]
        };
        assert_eq!(signed, request(id, FAMILY_TS, signature));
        let delivery = verifier
            .verify_at(&signed, body.to_owned().into(), FAMILY_TS + 300)
            .unwrap();
        assert_eq!(delivery.id(), id);
        assert_eq!(delivery.timestamp(), Some(FAMILY_TS));
        let flipped = body.replacen('"', "'", 1);
        assert_eq!(
            verifier
                .verify_at(&signed, flipped.into(), FAMILY_TS)
                .unwrap_err(),
            Rejection::InvalidSignature
        );
        let renamed = request("msg_other", FAMILY_TS, signature);
        assert_eq!(
            verifier
                .verify_at(&renamed, body.to_owned().into(), FAMILY_TS)
                .unwrap_err(),
            Rejection::InvalidSignature
        );
        assert_eq!(
            verifier
                .verify_at(&signed, body.to_owned().into(), FAMILY_TS + 301)
                .unwrap_err(),
            Rejection::StaleTimestamp
        );
        assert_eq!(
            verifier
                .verify_at(&signed, body.to_owned().into(), FAMILY_TS - 301)
                .unwrap_err(),
            Rejection::FutureTimestamp
        );
        // The specification's own names are not this sender's, when it has others.
        if headers.id != super::HeaderNames::STANDARD.id {
            let standard = super::HeaderNames::STANDARD;
            let renamed = vec![
                (standard.signature.to_string(), signature.to_string()),
                (standard.timestamp.to_string(), FAMILY_TS.to_string()),
                (standard.id.to_string(), id.to_string()),
            ];
            assert_eq!(
                verifier
                    .verify_at(&renamed, body.to_owned().into(), FAMILY_TS)
                    .unwrap_err(),
                Rejection::MissingSignature
            );
        }
        delivery
    }

    /// The time the family's vectors were signed at.
    pub(crate) const FAMILY_TS: i64 = 1_719_301_930;
}
