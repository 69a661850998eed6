use std::borrow::Cow;
use std::time::Duration;

use super::algorithm::Algorithm;
use super::encoding::Encoding;
use super::freshness::Freshness;
use super::signature_format::SignatureFormat;
use super::{Envelope, Field, IdBinding, JwtRules, Scheme};

/// Where Google publishes the keys of its OIDC tokens (a JWKS), and its host.
pub const GOOGLE_CERTS_URL: &str = "https://www.googleapis.com/oauth2/v3/certs";

/// The issuers of Google's OIDC tokens.
const GOOGLE_ISSUERS: [&str; 2] = ["accounts.google.com", "https://accounts.google.com"];

impl Scheme {
    /// Google Cloud Pub/Sub push subscriptions with authentication, as "Authenticate push
    /// subscriptions" (Pub/Sub documentation) describes them; `audience` is the one set on
    /// the subscription (by default its push endpoint URL).
    ///
    /// - `Authorization: Bearer <token>`: an OIDC ID token signed **RS256** by Google, its
    ///   key named by `kid` in Google's JWKS ([`GOOGLE_CERTS_URL`]: give the verifier a
    ///   [`KeySource`](crate::keys::KeySource) over
    ///   [`JwksUrl`](crate::keys::fetch::JwksUrl), feature `key-fetch`; the set is kept for
    ///   its `Cache-Control: max-age` and fetched again for an unknown `kid`);
    /// - claims: `iss` `accounts.google.com` (with or without `https://`), `aud` equal to
    ///   `audience`, `exp` not past, `iat` at most 1 hour 5 minutes old (a token lives an
    ///   hour), 5 minutes ahead;
    /// - **the token does not sign the body.** It proves that Google sent the request for
    ///   this audience, not what the body says: whoever obtains a token (a log, a proxy) may
    ///   send any body with it until it expires. Serve the endpoint over HTTPS only, keep
    ///   the audience unique to it, and require the push service account with
    ///   [`Scheme::pubsub_for`];
    /// - id: the body's `message.messageId` (`/message/messageId`), **not signed**: dedup is
    ///   on it alone. The token is not remembered (Pub/Sub may send one token with many
    ///   messages), so a copy under a new `messageId` within the token's hour is handled as
    ///   a new message; a redelivery of a message after the replay window (1 hour 5
    ///   minutes) is handled again, as Pub/Sub's at-least-once delivery implies;
    /// - no event type (the message's `attributes` are the publisher's), no handshake.
    ///
    /// ```no_run
    /// # #[cfg(feature = "key-fetch")] {
    /// use webhook_guard::keys::KeySource;
    /// use webhook_guard::keys::fetch::{Fetcher, JwksUrl};
    /// use webhook_guard::scheme::GOOGLE_CERTS_URL;
    /// use webhook_guard::{Scheme, Verifier};
    ///
    /// let google = JwksUrl::new(GOOGLE_CERTS_URL, Fetcher::new(["www.googleapis.com"])).unwrap();
    /// let keys = KeySource::lazy(google);
    /// let scheme = Scheme::pubsub_for("https://hooks.example.com/pubsub", "push@my-project.iam.gserviceaccount.com");
    /// let verifier = Verifier::with_secret_set(scheme, keys.secret_set());
    /// # let _ = verifier;
    /// # }
    /// ```
    #[cfg(feature = "rsa")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rsa")))]
    pub fn pubsub(audience: impl Into<Cow<'static, str>>) -> Self {
        Self::pubsub_with(audience.into(), None)
    }

    /// [`Scheme::pubsub`], requiring the token's `email` to be the subscription's push
    /// service account (Google's recommendation).
    #[cfg(feature = "rsa")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rsa")))]
    pub fn pubsub_for(
        audience: impl Into<Cow<'static, str>>,
        service_account: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self::pubsub_with(audience.into(), Some(service_account.into()))
    }

    #[cfg(feature = "rsa")]
    fn pubsub_with(audience: Cow<'static, str>, email: Option<Cow<'static, str>>) -> Self {
        let mut rules = JwtRules::new(&["RS256"]);
        rules.prefix = Some(Cow::Borrowed("Bearer "));
        rules.issuers = GOOGLE_ISSUERS.iter().map(|i| Cow::Borrowed(*i)).collect();
        rules.audience = Some(audience);
        if let Some(email) = email {
            rules.claims.push((Cow::Borrowed("email"), email));
        }
        Scheme::builder("pubsub")
            .signature(
                "authorization",
                SignatureFormat::Bare {
                    encoding: Encoding::Base64Url,
                },
            )
            .envelope(Envelope::Jwt(rules))
            .algorithm(Algorithm::RsaSha256)
            .freshness(Freshness::new(
                Duration::from_secs(3600 + 5 * 60),
                Duration::from_secs(5 * 60),
            ))
            .id(Field::pointer("/message/messageId"), IdBinding::Unsigned)
            .build()
            .unwrap_or_else(|e| unreachable!("the Pub/Sub scheme is valid: {e}"))
    }
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
    const AUDIENCE: &str = "https://hooks.example.com/pubsub";
    const NOW: i64 = 1_790_000_000;

    /// A JWT's segment: base64url without padding.
    fn b64(bytes: &[u8]) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    fn token(kid: &str, claims: serde_json::Value) -> String {
        let header = format!(r#"{{"alg":"RS256","kid":"{kid}","typ":"JWT"}}"#);
        let input = format!(
            "{}.{}",
            b64(header.as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(KEY).unwrap();
        let signature = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key)
            .sign(input.as_bytes())
            .to_vec();
        format!("{input}.{}", b64(&signature))
    }

    fn claims(iat: i64) -> serde_json::Value {
        serde_json::json!({
            "aud": AUDIENCE, "email": "push@p.iam.gserviceaccount.com", "email_verified": true,
            "exp": iat + 3600, "iat": iat, "iss": "https://accounts.google.com", "sub": "1",
        })
    }

    fn body(id: &str) -> String {
        format!(
            r#"{{"message":{{"attributes":{{"key":"value"}},"data":"SGVsbG8gQ2xvdWQgUHViL1N1YiEgSGVyZSBpcyBteSBtZXNzYWdlIQ==","messageId":"{id}","message_id":"{id}","publishTime":"2021-02-26T19:13:55.749Z","publish_time":"2021-02-26T19:13:55.749Z"}},"subscription":"projects/myproject/subscriptions/mysubscription"}}"#
        )
    }

    fn verify(
        scheme: Scheme,
        token: &str,
        body: &str,
        now: i64,
    ) -> Result<crate::Delivery, Rejection> {
        let key = PublicKey::rsa_certificate_pem(CERT).unwrap().with_id("g1");
        let verifier = Verifier::with_secret_set(scheme, SecretSet::public_keys([key]));
        let bearer = format!("Bearer {token}");
        let headers = [("Authorization", bearer.as_str())];
        verifier.verify_at(&headers[..], body.to_owned().into(), now)
    }

    #[test]
    fn a_google_token_for_our_audience_verifies_and_the_id_is_the_message_id() {
        let delivery = verify(
            Scheme::pubsub(AUDIENCE),
            &token("g1", claims(NOW)),
            &body("2070443601311540"),
            NOW + 5,
        )
        .unwrap();
        assert_eq!(delivery.id(), "2070443601311540");
        assert_eq!(delivery.timestamp(), Some(NOW));
        // The token is not a replay key: Pub/Sub may send it with many messages.
        let (_, signature_key) = delivery.replay_keys();
        assert!(signature_key.is_none());
        let strict = Scheme::pubsub_for(AUDIENCE, "push@p.iam.gserviceaccount.com");
        assert!(verify(strict, &token("g1", claims(NOW)), &body("1"), NOW).is_ok());
    }

    #[test]
    fn another_audience_issuer_or_account_is_refused() {
        let mut other = claims(NOW);
        other["aud"] = "https://elsewhere.example".into();
        assert_eq!(
            verify(
                Scheme::pubsub(AUDIENCE),
                &token("g1", other),
                &body("1"),
                NOW
            )
            .unwrap_err(),
            Rejection::InvalidSignature
        );
        let mut issuer = claims(NOW);
        issuer["iss"] = "https://evil.example".into();
        assert_eq!(
            verify(
                Scheme::pubsub(AUDIENCE),
                &token("g1", issuer),
                &body("1"),
                NOW
            )
            .unwrap_err(),
            Rejection::InvalidSignature
        );
        let strict = Scheme::pubsub_for(AUDIENCE, "other@p.iam.gserviceaccount.com");
        assert_eq!(
            verify(strict, &token("g1", claims(NOW)), &body("1"), NOW).unwrap_err(),
            Rejection::InvalidSignature
        );
    }

    #[test]
    fn a_flipped_signature_bit_or_a_missing_bearer_is_refused() {
        let good = token("g1", claims(NOW));
        let mut bad = good.clone().into_bytes();
        let at = bad.len() - 4;
        bad[at] = if bad[at] == b'A' { b'B' } else { b'A' };
        let bad = String::from_utf8(bad).unwrap();
        assert_eq!(
            verify(Scheme::pubsub(AUDIENCE), &bad, &body("1"), NOW).unwrap_err(),
            Rejection::InvalidSignature
        );
        let key = PublicKey::rsa_certificate_pem(CERT).unwrap().with_id("g1");
        let verifier =
            Verifier::with_secret_set(Scheme::pubsub(AUDIENCE), SecretSet::public_keys([key]));
        let headers = [("Authorization", good.as_str())];
        assert_eq!(
            verifier
                .verify_at(&headers[..], body("1").into(), NOW)
                .unwrap_err(),
            Rejection::MalformedSignature
        );
    }

    #[test]
    fn an_expired_token_is_stale() {
        // Past `exp` (an hour) plus the 5-minute skew.
        let old = token("g1", claims(NOW - 3600 - 301));
        assert_eq!(
            verify(Scheme::pubsub(AUDIENCE), &old, &body("1"), NOW).unwrap_err(),
            Rejection::StaleTimestamp
        );
        let mut short = claims(NOW - 100);
        short["exp"] = (NOW - 400).into();
        assert_eq!(
            verify(
                Scheme::pubsub(AUDIENCE),
                &token("g1", short),
                &body("1"),
                NOW
            )
            .unwrap_err(),
            Rejection::StaleTimestamp
        );
    }
}
