//! The catalog's `plaid` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::scheme::encoding::Encoding;

/// The demo signing key of the catalog's `plaid` entry (a P-256 scalar in hex): public, for
/// demos and tests only.
const DEMO_PLAID_SEED: &str = "8c6c1f5d6f4e0a3b2d1c9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b";

/// The `kid` of the demo key.
const DEMO_PLAID_KID: &str = "demo-plaid-key-1";

fn demo_signing_key() -> p256::ecdsa::SigningKey {
    let seed = Encoding::Hex
        .decode(DEMO_PLAID_SEED.as_bytes())
        .unwrap_or_default();
    p256::ecdsa::SigningKey::from_slice(&seed)
        .unwrap_or_else(|_| unreachable!("the demo seed is a valid scalar"))
}

/// The catalog's entry: keys from `PLAID_JWKS` (a JWKS file, or a URL with `key-fetch`),
/// else the demo key; deliveries signed with the demo key.
pub(super) fn entry() -> super::Provider {
    use super::{DemoRequest, Provider};
    let body = |s: &super::Sample<'_>| {
        format!(
            r#"{{"webhook_type":"TRANSACTIONS","webhook_code":"{}","item_id":"{}","new_transactions":3,"error":null,"environment":"sandbox"}}"#,
            s.event_type, s.id
        )
    };
    let mut provider = Provider::hmac("plaid", "DEFAULT_UPDATE", Scheme::plaid, "", body);
    provider.verifier = |provider, env| {
        let keys = super::key_set(provider, env, || {
            let point = demo_signing_key().verifying_key().to_encoded_point(false);
            let key = crate::PublicKey::p256_coordinates(
                point.x().map(|x| x.as_slice()).unwrap_or_default(),
                point.y().map(|y| y.as_slice()).unwrap_or_default(),
            )
            .map(|key| key.with_id(DEMO_PLAID_KID));
            crate::signature::SecretSet::public_keys(key.ok())
        })?;
        Ok(crate::Verifier::with_secret_set(Scheme::plaid(), keys))
    };
    provider.sign = |provider, _env, sample| {
        use p256::ecdsa::signature::Signer as _;
        let body = sample.body_for(provider);
        // A JWT's segments: base64url without padding.
        let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
        let header = format!(r#"{{"alg":"ES256","kid":"{DEMO_PLAID_KID}","typ":"JWT"}}"#);
        let claims = format!(
            r#"{{"iat":{},"request_body_sha256":"{}"}}"#,
            sample.now,
            crate::scheme::body_sha256_hex(body.as_bytes())
        );
        let input = format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
        let signature: p256::ecdsa::Signature = demo_signing_key().sign(input.as_bytes());
        let token = format!("{input}.{}", b64(&signature.to_bytes()));
        let headers = vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            ("plaid-verification".to_owned(), token),
        ];
        Ok(DemoRequest::post(provider.path(), headers, body))
    };
    provider
}
