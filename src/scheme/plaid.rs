use std::borrow::Cow;
use std::time::Duration;

use super::algorithm::Algorithm;
use super::encoding::Encoding;
use super::freshness::Freshness;
use super::signature_format::SignatureFormat;
use super::{Envelope, Field, IdBinding, JwtRules, Scheme};

impl Scheme {
    /// Plaid webhooks, as "Webhook verification" (Plaid API reference) documents them.
    ///
    /// - `Plaid-Verification`: a JWT signed **ES256** (ECDSA P-256, SHA-256); its header's
    ///   `alg` must be `ES256` (anything else is refused, `none` included) and its `kid` names
    ///   the key, which Plaid serves as a JWK from its `/webhook_verification_key/get` endpoint
    ///   (a POST with your client id and secret: write a [`KeyProvider`](crate::keys::KeyProvider)
    ///   that calls it, or keep the keys in a JWKS file, [`KeySource::file`](crate::keys::KeySource::file)).
    ///   A key's `expired_at` is its `not_after`: an expired key verifies nothing;
    /// - signed content: the token's claim `request_body_sha256`, the hex SHA-256 of the raw
    ///   body, must equal the body's: the body is signed through it;
    /// - freshness: the claim `iat`, at most 5 minutes old (Plaid: "reject webhooks older than
    ///   5 minutes"), at most 1 minute ahead;
    /// - id: Plaid's bodies carry no event id: a digest of the body ([`Field::BodyDigest`],
    ///   signed through the hash claim). Each retry is signed anew (a new token, ECDSA being
    ///   randomised) but carries the same body, so it is recognised; two distinct webhooks
    ///   with byte-identical bodies are taken for one (the safe side: they say the same);
    /// - event type: the body's `webhook_code` (`DEFAULT_UPDATE`, ...); `webhook_type` is in
    ///   the body for the handler.
    /// - no handshake.
    ///
    /// ```
    /// use p256::ecdsa::{SigningKey, signature::Signer as _};
    /// use webhook_guard::signature::{Encoding, SecretSet};
    /// use webhook_guard::{PublicKey, Scheme, Verifier};
    ///
    /// let signing = SigningKey::from_slice(&[9u8; 32]).unwrap();
    /// let point = signing.verifying_key().to_encoded_point(false);
    /// let key = PublicKey::p256_coordinates(point.x().unwrap(), point.y().unwrap()).unwrap().with_id("k1");
    /// let verifier = Verifier::with_secret_set(Scheme::plaid(), SecretSet::public_keys([key]));
    ///
    /// let body = r#"{"webhook_type":"TRANSACTIONS","webhook_code":"DEFAULT_UPDATE","item_id":"i1"}"#;
    /// let b64 = |bytes: &[u8]| Encoding::Base64Url.encode(bytes).trim_end_matches('=').to_owned();
    /// let digest = webhook_guard::scheme::body_sha256_hex(body.as_bytes());
    /// let input = format!("{}.{}", b64(br#"{"alg":"ES256","kid":"k1","typ":"JWT"}"#),
    ///     b64(format!(r#"{{"iat":1700000000,"request_body_sha256":"{digest}"}}"#).as_bytes()));
    /// let signature: p256::ecdsa::Signature = signing.sign(input.as_bytes());
    /// let token = format!("{input}.{}", b64(&signature.to_bytes()));
    /// let headers = [("plaid-verification", token.as_str())];
    /// let delivery = verifier.verify_at(&headers[..], body.into(), 1_700_000_060).unwrap();
    /// assert_eq!((delivery.event_type(), delivery.key_id()), (Some("DEFAULT_UPDATE"), Some("k1")));
    /// assert!(verifier.verify_at(&headers[..], body.replace("i1", "i2").into(), 1_700_000_060).is_err());
    /// ```
    #[cfg(feature = "ecdsa")]
    #[cfg_attr(docsrs, doc(cfg(feature = "ecdsa")))]
    pub fn plaid() -> Self {
        let mut rules = JwtRules::new(&["ES256"]);
        rules.body_sha256_claim = Some(Cow::Borrowed("request_body_sha256"));
        Scheme::builder("plaid")
            .signature(
                "plaid-verification",
                SignatureFormat::Bare {
                    encoding: Encoding::Base64Url,
                },
            )
            .envelope(Envelope::Jwt(rules))
            .algorithm(Algorithm::EcdsaP256Sha256)
            .freshness(Freshness::new(
                Duration::from_secs(5 * 60),
                Duration::from_secs(60),
            ))
            .id(Field::BodyDigest, IdBinding::Signed)
            .event_type(Field::body("webhook_code"))
            .build()
            .unwrap_or_else(|e| unreachable!("the Plaid scheme is valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use p256::ecdsa::signature::Signer as _;

    use super::*;
    use crate::signature::SecretSet;
    use crate::{PublicKey, Rejection, Verifier};

    const NOW: i64 = 1_700_000_000;

    /// A JWT's segment: base64url without padding.
    fn b64(bytes: &[u8]) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    fn signing(seed: u8) -> p256::ecdsa::SigningKey {
        p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap()
    }

    fn key(seed: u8, kid: &str) -> PublicKey {
        let point = signing(seed).verifying_key().to_encoded_point(false);
        PublicKey::p256_coordinates(point.x().unwrap(), point.y().unwrap())
            .unwrap()
            .with_id(kid)
    }

    fn token(seed: u8, header: &str, claims: &str) -> String {
        let input = format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
        let signature: p256::ecdsa::Signature = signing(seed).sign(input.as_bytes());
        format!("{input}.{}", b64(&signature.to_bytes()))
    }

    fn claims(body: &str, iat: i64) -> String {
        let digest = super::super::body_sha256_hex(body.as_bytes());
        format!(r#"{{"iat":{iat},"request_body_sha256":"{digest}"}}"#)
    }

    const BODY: &str = r#"{"webhook_type":"TRANSACTIONS","webhook_code":"DEFAULT_UPDATE","item_id":"wz666MBjYWTp2PDzzggYhM6oWWmBb","error":null,"new_transactions":3,"environment":"production"}"#;
    const HEADER: &str =
        r#"{"alg":"ES256","kid":"bfbd5111-8e33-4643-8ced-b2e642a72f3c","typ":"JWT"}"#;

    fn verify(token: &str, body: &str, now: i64) -> Result<crate::Delivery, Rejection> {
        let keys = SecretSet::public_keys([key(1, "bfbd5111-8e33-4643-8ced-b2e642a72f3c")]);
        let headers = [("Plaid-Verification", token)];
        Verifier::with_secret_set(Scheme::plaid(), keys).verify_at(
            &headers[..],
            body.to_owned().into(),
            now,
        )
    }

    #[test]
    fn a_signed_token_over_the_body_verifies_once_per_body() {
        let delivery = verify(&token(1, HEADER, &claims(BODY, NOW)), BODY, NOW + 10).unwrap();
        assert_eq!(delivery.event_type(), Some("DEFAULT_UPDATE"));
        assert_eq!(delivery.timestamp(), Some(NOW));
        assert!(delivery.id().starts_with("body_"));
        // A retry (new token, same body) has the same id.
        let retry = verify(&token(1, HEADER, &claims(BODY, NOW + 30)), BODY, NOW + 40).unwrap();
        assert_eq!(retry.id(), delivery.id());
    }

    #[test]
    fn a_flipped_bit_anywhere_is_refused() {
        let good = token(1, HEADER, &claims(BODY, NOW));
        // The body: its digest no longer matches the claim.
        let mut body = BODY.as_bytes().to_vec();
        body[20] ^= 1;
        let body = String::from_utf8(body).unwrap();
        assert_eq!(
            verify(&good, &body, NOW).unwrap_err(),
            Rejection::InvalidSignature
        );
        // The signature.
        let mut bad = good.clone().into_bytes();
        let last = bad.len() - 3;
        bad[last] = if bad[last] == b'A' { b'B' } else { b'A' };
        let bad = String::from_utf8(bad).unwrap();
        assert_eq!(
            verify(&bad, BODY, NOW).unwrap_err(),
            Rejection::InvalidSignature
        );
        // Another key under the right kid.
        let forged = token(2, HEADER, &claims(BODY, NOW));
        assert_eq!(
            verify(&forged, BODY, NOW).unwrap_err(),
            Rejection::InvalidSignature
        );
    }

    #[test]
    fn the_algorithm_and_the_key_are_the_schemes_choice() {
        let none = format!(
            "{}.{}.",
            b64(br#"{"alg":"none","kid":"bfbd5111-8e33-4643-8ced-b2e642a72f3c"}"#),
            b64(claims(BODY, NOW).as_bytes())
        );
        assert!(verify(&none, BODY, NOW).is_err());
        let hs256 = token(
            1,
            r#"{"alg":"HS256","kid":"bfbd5111-8e33-4643-8ced-b2e642a72f3c"}"#,
            &claims(BODY, NOW),
        );
        assert_eq!(
            verify(&hs256, BODY, NOW).unwrap_err(),
            Rejection::InvalidSignature
        );
        let unknown = token(1, r#"{"alg":"ES256","kid":"other"}"#, &claims(BODY, NOW));
        assert_eq!(
            verify(&unknown, BODY, NOW).unwrap_err(),
            Rejection::UnknownSigner
        );
        assert_eq!(
            verify("not a token", BODY, NOW).unwrap_err(),
            Rejection::MalformedSignature
        );
    }

    #[test]
    fn a_token_older_than_five_minutes_is_stale() {
        let old = token(1, HEADER, &claims(BODY, NOW - 301));
        assert_eq!(
            verify(&old, BODY, NOW).unwrap_err(),
            Rejection::StaleTimestamp
        );
        let edge = token(1, HEADER, &claims(BODY, NOW - 300));
        assert!(verify(&edge, BODY, NOW).is_ok());
        let ahead = token(1, HEADER, &claims(BODY, NOW + 120));
        assert_eq!(
            verify(&ahead, BODY, NOW).unwrap_err(),
            Rejection::FutureTimestamp
        );
        let no_iat = token(1, HEADER, r#"{"request_body_sha256":"00"}"#);
        assert_eq!(
            verify(&no_iat, BODY, NOW).unwrap_err(),
            Rejection::MissingTimestamp
        );
    }
}
