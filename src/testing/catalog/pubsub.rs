//! The catalog's `pubsub` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::scheme::encoding::Encoding;

/// The catalog's audience when `PUBSUB_AUDIENCE` is unset: the receiver's route.
fn demo_audience(env: &super::Env) -> String {
    env.var_or(
        "PUBSUB_AUDIENCE",
        &format!("{}/webhooks/pubsub", env.public_url()),
    )
}

/// The `kid` of the demo key (the demos' throwaway RSA pair, public: never in production).
const DEMO_PUBSUB_KID: &str = "demo-google-key-1";

/// The catalog's entry: keys from `PUBSUB_JWKS` (a JWKS file, or a URL with `key-fetch`:
/// Google's is [`GOOGLE_CERTS_URL`]), else the demo key; the audience from
/// `PUBSUB_AUDIENCE`, else the route's URL; tokens signed with the demo key.
pub(super) fn entry() -> super::Provider {
    use super::{DemoRequest, Provider};
    const CERT: &str = include_str!("../../../examples/common/demo/paypal-demo-cert.pem");
    const KEY: &str = include_str!("../../../examples/common/demo/paypal-demo-key.pem");
    let body = |s: &super::Sample<'_>| {
        let data = Encoding::Base64.encode(br#"{"order":"o-1001","status":"shipped"}"#);
        let published = crate::time::format_rfc3339(s.now);
        serde_json::json!({
            "message": {
                "attributes": {"type": s.event_type},
                "data": data,
                "messageId": s.id,
                "message_id": s.id,
                "publishTime": published,
                "publish_time": published,
            },
            "subscription": "projects/webhook-guard-demo/subscriptions/orders-push",
        })
        .to_string()
    };
    let mut provider = Provider::hmac(
        "pubsub",
        "order.shipped",
        || Scheme::pubsub("http://127.0.0.1/webhooks/pubsub"),
        "",
        body,
    );
    provider.verifier = |provider, env| {
        let keys = super::key_set(provider, env, || {
            let key =
                crate::PublicKey::rsa_certificate_pem(CERT).map(|key| key.with_id(DEMO_PUBSUB_KID));
            crate::signature::SecretSet::public_keys(key.ok())
        })?;
        Ok(crate::Verifier::with_secret_set(
            Scheme::pubsub(demo_audience(env)),
            keys,
        ))
    };
    provider.sign = |provider, env, sample| {
        use rsa::pkcs8::DecodePrivateKey;
        use rsa::signature::{SignatureEncoding, Signer as _};
        let body = sample.body_for(provider);
        // A JWT's segments: base64url without padding.
        let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
        let header = format!(r#"{{"alg":"RS256","kid":"{DEMO_PUBSUB_KID}","typ":"JWT"}}"#);
        let claims = serde_json::json!({
            "aud": demo_audience(env),
            "azp": "113774264463038321964",
            "email": "push@webhook-guard-demo.iam.gserviceaccount.com",
            "email_verified": true,
            "exp": sample.now + 3600,
            "iat": sample.now,
            "iss": "https://accounts.google.com",
            "sub": "113774264463038321964",
        });
        let input = format!(
            "{}.{}",
            b64(header.as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let der: String = KEY.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = Encoding::Base64
            .decode(der.as_bytes())
            .ok_or("the demo key is not PEM")?;
        let key = rsa::RsaPrivateKey::from_pkcs8_der(&der).map_err(|e| e.to_string())?;
        let signature = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key)
            .sign(input.as_bytes())
            .to_vec();
        let headers = vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            (
                "authorization".to_owned(),
                format!("Bearer {input}.{}", b64(&signature)),
            ),
        ];
        Ok(DemoRequest::post(provider.path(), headers, body))
    };
    // The body is not signed: what a forger cannot change is the token.
    provider.tamper = |request| {
        for (name, value) in &mut request.headers {
            if name.eq_ignore_ascii_case("authorization") {
                let mut bytes = std::mem::take(value).into_bytes();
                let at = bytes.len() - 5;
                bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
                *value = String::from_utf8(bytes).unwrap_or_default();
            }
        }
    };
    provider
}
