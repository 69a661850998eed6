//! The catalog's `sns` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;
use crate::scheme::encoding::Encoding;

/// The catalog's demo certificate URL: on an SNS host, never fetched (the demo certificate is
/// known under it).
const DEMO_SNS_CERT_URL: &str =
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-webhook-guard-demo.pem";

/// The demo signer: the throwaway pair the demos use for PayPal too (public: never in
/// production).
const DEMO_SNS_CERT: &str = include_str!("../../../examples/common/demo/paypal-demo-cert.pem");

const DEMO_SNS_KEY: &str = include_str!("../../../examples/common/demo/paypal-demo-key.pem");

/// The catalog's entry: certificates fetched from the SNS hosts (feature `key-fetch`), and a
/// certificate known beforehand under the demo URL: `SNS_PUBLIC_KEY` (a path to a PEM
/// certificate) or the demo one; deliveries signed (version 2) with the demo key.
pub(super) fn entry() -> super::Provider {
    use super::{DemoRequest, Provider};
    let body = |s: &super::Sample<'_>| {
        serde_json::json!({
            "Type": s.event_type,
            "MessageId": s.id,
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:webhook-guard-demo",
            "Subject": "Order shipped",
            "Message": r#"{"order":"o-1001","status":"shipped"}"#,
            "Timestamp": crate::time::format_rfc3339(s.now),
            "SignatureVersion": "2",
            "SigningCertURL": DEMO_SNS_CERT_URL,
            "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-1:123456789012:webhook-guard-demo:1",
        })
        .to_string()
    };
    let mut provider = Provider::hmac("sns", "Notification", Scheme::sns, "", body);
    provider.verifier = |provider, env| {
        let var = provider.var("PUBLIC_KEY");
        let pem = match env.var(&var) {
            Some(path) => std::fs::read(&path).map_err(|e| format!("{var}: {path}: {e}"))?,
            None => {
                // Reported as any demo value is.
                let _ = env.var_or(&var, "the demo certificate");
                DEMO_SNS_CERT.as_bytes().to_vec()
            }
        };
        let certificate = crate::PublicKey::rsa_certificate_pem_with_validity(&pem)
            .map_err(|e| format!("{var}: {e}"))?;
        #[cfg(feature = "key-fetch")]
        let keys = {
            use crate::keys::fetch::{CertificateUrls, Fetcher};
            let certificates =
                CertificateUrls::new(Fetcher::new(crate::scheme::SNS_CERTIFICATE_HOSTS))
                    .with_certificate(DEMO_SNS_CERT_URL, certificate);
            // Known from the start, so a verifier used outside a guard has it too.
            let known = certificates.known();
            crate::keys::KeySource::with_keys(certificates, known).secret_set()
        };
        #[cfg(not(feature = "key-fetch"))]
        let keys =
            crate::signature::SecretSet::public_keys([certificate.with_id(DEMO_SNS_CERT_URL)]);
        Ok(crate::Verifier::with_secret_set(Scheme::sns(), keys))
    };
    provider.sign = |provider, _env, sample| {
        use rsa::pkcs8::DecodePrivateKey;
        use rsa::signature::{SignatureEncoding, Signer as _};
        let body = sample.body_for(provider);
        let mut message: serde_json::Value =
            serde_json::from_str(&body).map_err(|e| format!("the SNS body is not JSON: {e}"))?;
        let text = crate::scheme::sns_string_to_sign(&message)
            .ok_or("the SNS body lacks a signed field")?;
        let der: String = DEMO_SNS_KEY
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        let der = Encoding::Base64
            .decode(der.as_bytes())
            .ok_or("the demo key is not PEM")?;
        let key = rsa::RsaPrivateKey::from_pkcs8_der(&der).map_err(|e| e.to_string())?;
        let signature = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key)
            .sign(text.as_bytes())
            .to_vec();
        message["Signature"] = Encoding::Base64.encode(&signature).into();
        let kind = message["Type"].as_str().unwrap_or_default().to_owned();
        let headers = vec![
            (
                "content-type".to_owned(),
                "text/plain; charset=UTF-8".to_owned(),
            ),
            ("x-amz-sns-message-type".to_owned(), kind),
            ("x-amz-sns-message-id".to_owned(), sample.id.to_owned()),
        ];
        Ok(DemoRequest::post(
            provider.path(),
            headers,
            message.to_string(),
        ))
    };
    // The body carries unsigned fields (and the signature itself): change a signed one.
    provider.tamper = |request| {
        let text = String::from_utf8_lossy(&request.body).replace("o-1001", "o-1002");
        request.body = text.into_bytes();
    };
    provider
}
