use std::borrow::Cow;
use std::time::Duration;

use super::algorithm::Algorithm;
use super::encoding::Encoding;
use super::freshness::Freshness;
use super::signature_format::SignatureFormat;
use super::{
    BodyFormat, Envelope, Field, IdBinding, Scheme, SignatureHash, SignedFields, TimestampFormat,
};

/// The hosts AWS serves SNS signing certificates from (`SigningCertURL`): one per region,
/// and China's partition.
pub const SNS_CERTIFICATE_HOSTS: [&str; 2] = ["sns.*.amazonaws.com", "sns.*.amazonaws.com.cn"];

/// The fields each SNS message type signs, in the documented order.
fn lists() -> Vec<(super::envelope::TypeNames, super::envelope::FieldList)> {
    let list = |fields: &[(&'static str, bool)]| {
        fields
            .iter()
            .map(|(name, optional)| (Cow::Borrowed(*name), *optional))
            .collect()
    };
    vec![
        (
            vec![Cow::Borrowed("Notification")],
            list(&[
                ("Message", false),
                ("MessageId", false),
                ("Subject", true),
                ("Timestamp", false),
                ("TopicArn", false),
                ("Type", false),
            ]),
        ),
        (
            vec![
                Cow::Borrowed("SubscriptionConfirmation"),
                Cow::Borrowed("UnsubscribeConfirmation"),
            ],
            list(&[
                ("Message", false),
                ("MessageId", false),
                ("SubscribeURL", false),
                ("Timestamp", false),
                ("Token", false),
                ("TopicArn", false),
                ("Type", false),
            ]),
        ),
    ]
}

impl Scheme {
    /// Amazon SNS HTTP/S subscriptions, as "Verifying the signatures of Amazon SNS messages"
    /// (Amazon SNS Developer Guide) documents them.
    ///
    /// - the signature is in the JSON body: `Signature`, the base64 **RSA PKCS#1 v1.5**
    ///   signature of a canonical string of the message's fields, `<name>\n<value>\n` for each
    ///   in order: `Message`, `MessageId`, `Subject` (if present), `Timestamp`, `TopicArn`,
    ///   `Type` for a `Notification`; `Message`, `MessageId`, `SubscribeURL`, `Timestamp`,
    ///   `Token`, `TopicArn`, `Type` for a `SubscriptionConfirmation` or
    ///   `UnsubscribeConfirmation`. `SignatureVersion` `2` signs with SHA-256, `1` with SHA-1
    ///   (accepted only with the `sha1` feature; set your topic's `SignatureVersion` to 2);
    /// - the key is the certificate at `SigningCertURL`, which must be `https` on
    ///   `sns.<region>.amazonaws.com` ([`SNS_CERTIFICATE_HOSTS`]); any other URL is refused
    ///   (401) before anything is fetched. Give the verifier a
    ///   [`KeySource`](crate::keys::KeySource) over
    ///   [`CertificateUrls`](crate::keys::fetch::CertificateUrls) (feature `key-fetch`): each
    ///   certificate is fetched the first time a message names it, then kept; its key is
    ///   accepted within the certificate's validity only;
    /// - freshness: `Timestamp` (RFC 3339, when SNS published the message) is the same on
    ///   every retry, and a delivery policy retries for up to an hour: 1 hour 5 minutes old,
    ///   5 minutes ahead;
    /// - id: `MessageId`, signed; event type: `Type` (also in `x-amz-sns-message-type`);
    /// - only the listed fields are signed: `UnsubscribeURL`, `MessageAttributes` and
    ///   `SigningCertURL` itself are not; do not act on them without checking them;
    /// - a `SubscriptionConfirmation` is **handed to the handler** like any message (its
    ///   `Type` says so), never answered by the layer: confirming subscribes your endpoint,
    ///   a decision for your code. Confirm with
    ///   [`confirm_sns_subscription`](crate::keys::fetch::confirm_sns_subscription) (feature
    ///   `key-fetch`), which GETs the signed `SubscribeURL` on an SNS host only.
    #[cfg(feature = "rsa")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rsa")))]
    pub fn sns() -> Self {
        Self::sns_with_certificate_hosts(SNS_CERTIFICATE_HOSTS, false)
    }

    /// [`Scheme::sns`] taking certificates from other hosts (patterns as in
    /// [`host_matches`](super::host_matches)), and `http` ones when `allow_http`: for tests
    /// against a local server, never in production.
    ///
    /// ```
    /// use webhook_guard::Scheme;
    ///
    /// let local = Scheme::sns_with_certificate_hosts(["127.0.0.1"], true);
    /// assert_eq!(local.name(), "sns");
    /// ```
    #[cfg(feature = "rsa")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rsa")))]
    pub fn sns_with_certificate_hosts<H: Into<Cow<'static, str>>>(
        hosts: impl IntoIterator<Item = H>,
        allow_http: bool,
    ) -> Self {
        let mut versions = vec![(Cow::Borrowed("2"), SignatureHash::Sha256)];
        if cfg!(feature = "sha1") {
            versions.push((Cow::Borrowed("1"), SignatureHash::Sha1));
        }
        let fields = SignedFields {
            type_field: Cow::Borrowed("Type"),
            lists: lists(),
            signature_field: Cow::Borrowed("Signature"),
            version_field: Cow::Borrowed("SignatureVersion"),
            versions,
            key_url_field: Cow::Borrowed("SigningCertURL"),
            key_url_hosts: hosts.into_iter().map(Into::into).collect(),
            allow_http_key_url: allow_http,
        };
        Scheme::builder("sns")
            // Not read: the signature is in the body (the envelope); the message type header
            // stands in as the scheme's header.
            .signature(
                "x-amz-sns-message-type",
                SignatureFormat::Bare {
                    encoding: Encoding::Base64,
                },
            )
            .envelope(Envelope::SignedFields(fields))
            .algorithm(Algorithm::RsaSha256)
            .body_format(BodyFormat::Json)
            .timestamp(Field::body("Timestamp"), TimestampFormat::Rfc3339)
            .freshness(Freshness::new(
                Duration::from_secs(3600 + 5 * 60),
                Duration::from_secs(5 * 60),
            ))
            .id(Field::body("MessageId"), IdBinding::Signed)
            .event_type(Field::body("Type"))
            .build()
            .unwrap_or_else(|e| unreachable!("the SNS scheme is valid: {e}"))
    }
}

/// The canonical string SNS signs for `message` (a JSON object), for senders and tests;
/// `None` when a required field is missing or the type is unknown.
///
/// ```
/// use webhook_guard::scheme::sns_string_to_sign;
///
/// let message = serde_json::json!({
///     "Type": "Notification", "MessageId": "m1", "TopicArn": "arn:aws:sns:us-east-1:1:t",
///     "Message": "hello", "Timestamp": "2026-01-01T00:00:00.000Z", "SignatureVersion": "2",
/// });
/// assert_eq!(
///     sns_string_to_sign(&message).unwrap(),
///     "Message\nhello\nMessageId\nm1\nTimestamp\n2026-01-01T00:00:00.000Z\nTopicArn\narn:aws:sns:us-east-1:1:t\nType\nNotification\n"
/// );
/// ```
pub fn sns_string_to_sign(message: &serde_json::Value) -> Option<String> {
    let kind = message.get("Type")?.as_str()?;
    let (_, fields) = lists()
        .into_iter()
        .find(|(types, _)| types.iter().any(|t| t == kind))?;
    let mut out = String::new();
    for (name, optional) in fields {
        match message
            .get(name.as_ref())
            .and_then(serde_json::Value::as_str)
        {
            Some(value) => {
                out.push_str(&name);
                out.push('\n');
                out.push_str(value);
                out.push('\n');
            }
            None if optional => {}
            None => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::signature::{SignatureEncoding, Signer as _};

    use super::*;
    use crate::signature::SecretSet;
    use crate::{PublicKey, Rejection, Verifier};

    const CERT: &str = include_str!("../../examples/common/demo/paypal-demo-cert.pem");
    const KEY: &str = include_str!("../../examples/common/demo/paypal-demo-key.pem");
    const CERT_URL: &str = "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-demo.pem";
    const NOW: i64 = 1_790_000_000; // 2026-09-21

    fn private() -> rsa::RsaPrivateKey {
        rsa::RsaPrivateKey::from_pkcs8_pem(KEY).unwrap()
    }

    fn sign(mut message: serde_json::Value, version: &str) -> String {
        message["SignatureVersion"] = version.into();
        message["SigningCertURL"] = CERT_URL.into();
        let text = sns_string_to_sign(&message).unwrap();
        let signature = match version {
            "1" => rsa::pkcs1v15::SigningKey::<sha1::Sha1>::new(private())
                .sign(text.as_bytes())
                .to_vec(),
            _ => rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(private())
                .sign(text.as_bytes())
                .to_vec(),
        };
        message["Signature"] = Encoding::Base64.encode(&signature).into();
        message.to_string()
    }

    fn notification(id: &str, timestamp: &str) -> serde_json::Value {
        serde_json::json!({
            "Type": "Notification",
            "MessageId": id,
            "TopicArn": "arn:aws:sns:us-west-2:123456789012:MyTopic",
            "Subject": "My First Message",
            "Message": "Hello world!",
            "Timestamp": timestamp,
            "UnsubscribeURL": "https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe",
        })
    }

    fn verifier() -> Verifier {
        let key = PublicKey::rsa_certificate_pem_with_validity(CERT)
            .unwrap()
            .with_id(CERT_URL);
        Verifier::with_secret_set(Scheme::sns(), SecretSet::public_keys([key]))
    }

    fn verify(body: &str, now: i64) -> Result<crate::Delivery, Rejection> {
        let headers = [("x-amz-sns-message-type", "Notification")];
        verifier().verify_at(&headers[..], body.to_owned().into(), now)
    }

    #[test]
    fn both_signature_versions_verify() {
        for version in ["1", "2"] {
            let body = sign(notification("m-1", "2026-09-21T14:13:20.000Z"), version);
            let delivery = verify(&body, NOW + 5).unwrap();
            assert_eq!(delivery.id(), "m-1");
            assert_eq!(delivery.event_type(), Some("Notification"));
            assert_eq!(delivery.timestamp(), Some(NOW));
            assert_eq!(delivery.key_id(), Some(CERT_URL));
        }
    }

    #[test]
    fn an_optional_subject_may_be_absent_and_confirmations_sign_their_own_fields() {
        let mut message = notification("m-2", "2026-09-21T14:13:20Z");
        message.as_object_mut().unwrap().remove("Subject");
        assert!(verify(&sign(message, "2"), NOW).is_ok());
        let confirmation = serde_json::json!({
            "Type": "SubscriptionConfirmation",
            "MessageId": "c-1",
            "Token": "2336412f37f",
            "TopicArn": "arn:aws:sns:us-west-2:123456789012:MyTopic",
            "Message": "You have chosen to subscribe to the topic.",
            "SubscribeURL": "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&Token=2336412f37f",
            "Timestamp": "2026-09-21T14:13:20.000Z",
        });
        let delivery = verify(&sign(confirmation, "2"), NOW).unwrap();
        // Handed to the handler, not answered by the layer.
        assert_eq!(delivery.event_type(), Some("SubscriptionConfirmation"));
        assert!(!delivery.is_handshake());
    }

    #[test]
    fn a_changed_signed_field_is_refused() {
        let body = sign(notification("m-3", "2026-09-21T14:13:20Z"), "2");
        let changed = body.replace("Hello world!", "Hello world?");
        assert_eq!(
            verify(&changed, NOW).unwrap_err(),
            Rejection::InvalidSignature
        );
        let renamed = body.replace("m-3", "m-4");
        assert_eq!(
            verify(&renamed, NOW).unwrap_err(),
            Rejection::InvalidSignature
        );
        // An unsigned field may change (and the handler must not trust it).
        let unsigned = body.replace("Action=Unsubscribe", "Action=Other");
        assert!(verify(&unsigned, NOW).is_ok());
    }

    #[test]
    fn a_certificate_url_off_the_sns_hosts_is_refused_before_any_key() {
        let mut message = notification("m-5", "2026-09-21T14:13:20Z");
        message["SignatureVersion"] = "2".into();
        for url in [
            "https://sns.us-west-2.amazonaws.com.evil.example/cert.pem",
            "http://sns.us-west-2.amazonaws.com/SimpleNotificationService-demo.pem",
            "https://evil.example/SimpleNotificationService-demo.pem",
        ] {
            let mut bad =
                serde_json::from_str::<serde_json::Value>(&sign(message.clone(), "2")).unwrap();
            bad["SigningCertURL"] = url.into();
            assert_eq!(
                verify(&bad.to_string(), NOW).unwrap_err(),
                Rejection::UnknownSigner,
                "{url}"
            );
        }
    }

    #[test]
    fn an_old_message_is_stale_and_an_unknown_version_malformed() {
        let body = sign(notification("m-6", "2026-09-21T14:13:20Z"), "2");
        assert_eq!(
            verify(&body, NOW + 3901).unwrap_err(),
            Rejection::StaleTimestamp
        );
        assert!(verify(&body, NOW + 3900).is_ok());
        let v3 = body.replace(r#""SignatureVersion":"2""#, r#""SignatureVersion":"3""#);
        assert_eq!(verify(&v3, NOW).unwrap_err(), Rejection::MalformedSignature);
        assert_eq!(
            verify("not json", NOW).unwrap_err(),
            Rejection::MalformedBody
        );
    }
}
