//! The catalog's `mailgun` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// A Mailgun JSON body for `event` (`delivered`, ...) with event id `id`, signed at `timestamp`
/// with `token` under `key`: what Mailgun posts.
fn signed_body(key: &crate::Secret, timestamp: i64, token: &str, event: &str, id: &str) -> String {
    let event_data = serde_json::json!({
        "event": event,
        "id": id,
        "timestamp": timestamp,
        "recipient": "alice@example.com",
        "message": {"headers": {"message-id": "20130503182626.18666.16540@example.com"}},
    });
    let unsigned = serde_json::json!({
        "signature": {"timestamp": timestamp.to_string(), "token": token},
        "event-data": event_data,
    });
    let signature = crate::Signer::new(Scheme::mailgun(), key.clone()).signature(
        unsigned.to_string().as_bytes(),
        timestamp,
        "",
    );
    serde_json::json!({
        "signature": {"timestamp": timestamp.to_string(), "token": token, "signature": signature},
        "event-data": event_data,
    })
    .to_string()
}

pub(super) fn entry() -> super::Provider {
    use super::{self as catalog, DemoRequest, Provider};
    use sha2::Digest as _;
    /// Mailgun's token: 50 random characters; here derived from the id and time, so a
    /// re-signed retry gets a new one, as from Mailgun.
    fn token(sample: &catalog::Sample<'_>) -> String {
        let digest = sha2::Sha256::digest(format!("{}@{}", sample.id, sample.now));
        crate::scheme::encoding::encode_hex(&digest)[..50].to_owned()
    }
    fn body(sample: &catalog::Sample<'_>) -> String {
        // Unsigned: `sign` signs it; this is the shape `webhook-guard send --body` starts from.
        serde_json::json!({
            "signature": {"timestamp": sample.now.to_string(), "token": token(sample)},
            "event-data": {"event": sample.event_type, "id": sample.id, "timestamp": sample.now},
        })
        .to_string()
    }
    fn sign(
        provider: &Provider,
        env: &catalog::Env,
        sample: &catalog::Sample<'_>,
    ) -> Result<DemoRequest, String> {
        let key = provider.secret(env)?;
        let body = match sample.body {
            // A given body gets its `signature` object (re)written: the time of sending, its
            // token (or a new one), and the signature of both.
            Some(given) => {
                let mut value: serde_json::Value =
                    serde_json::from_str(given).map_err(|e| format!("the body: {e}"))?;
                if !value.is_object() {
                    return Err("the body: a JSON object".into());
                }
                let token = value["signature"]["token"]
                    .as_str()
                    .map_or_else(|| token(sample), str::to_owned);
                value["signature"] = serde_json::json!({
                    "timestamp": sample.now.to_string(),
                    "token": token,
                });
                let signature = crate::Signer::new(Scheme::mailgun(), key).signature(
                    value.to_string().as_bytes(),
                    sample.now,
                    "",
                );
                value["signature"]["signature"] = signature.into();
                value.to_string()
            }
            None => signed_body(
                &key,
                sample.now,
                &token(sample),
                sample.event_type,
                sample.id,
            ),
        };
        Ok(DemoRequest::post(
            provider.path(),
            vec![("Content-Type".into(), "application/json".into())],
            body,
        ))
    }
    fn tamper(request: &mut DemoRequest) {
        let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&request.body) else {
            return catalog::flip_body_bit(request);
        };
        if let Some(signature) = value["signature"]["signature"].as_str() {
            let mut bytes = signature.as_bytes().to_vec();
            if let Some(first) = bytes.first_mut() {
                // Another hex digit (0-9, b-e) or none at all: refused either way.
                *first ^= 1;
            }
            value["signature"]["signature"] = String::from_utf8_lossy(&bytes).into_owned().into();
        }
        request.body = value.to_string().into_bytes();
    }
    Provider {
        sign,
        tamper,
        ..Provider::hmac(
            "mailgun",
            "delivered",
            Scheme::mailgun,
            "demo_mailgun_webhook_signing_key",
            body,
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::{Rejection, Scheme, Secret, Verifier};

    const KEY: &str = "key-mailgun-signing";
    const TS: i64 = 1_529_006_854;
    const TOKEN: &str = "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0";
    const NONE: &[(&str, &str)] = &[];

    fn key() -> Secret {
        Secret::new(KEY).unwrap()
    }

    fn verify(body: &str, now: i64) -> Result<crate::Delivery, Rejection> {
        Verifier::new(Scheme::mailgun(), [key()]).verify_at(NONE, body.to_owned().into(), now)
    }

    /// The documented algorithm, independently of the scheme.
    fn documented(timestamp: &str, token: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(KEY.as_bytes()).unwrap();
        mac.update(timestamp.as_bytes());
        mac.update(token.as_bytes());
        crate::scheme::encoding::encode_hex(&mac.finalize().into_bytes())
    }

    #[test]
    fn json_and_form_bodies_verify_with_the_documented_hmac() {
        let body = super::signed_body(&key(), TS, TOKEN, "delivered", "CPgfbmQMTCKtHW6uIWtuVe");
        assert!(body.contains(&documented(&TS.to_string(), TOKEN)));
        let delivery = verify(&body, TS + 10).unwrap();
        assert_eq!(
            (delivery.id(), delivery.event_type(), delivery.timestamp()),
            ("CPgfbmQMTCKtHW6uIWtuVe", Some("delivered"), Some(TS))
        );
        assert!(
            delivery.replay_keys().1.is_some(),
            "the signature is remembered"
        );

        let form = format!(
            "timestamp={TS}&token={TOKEN}&signature={}&event=opened&recipient=alice%40example.com",
            documented(&TS.to_string(), TOKEN)
        );
        let delivery = verify(&form, TS).unwrap();
        assert_eq!(delivery.event_type(), Some("opened"));
        assert!(delivery.id().starts_with("sig_"));
    }

    #[test]
    fn the_signed_values_and_the_window_are_checked() {
        let body = super::signed_body(&key(), TS, TOKEN, "delivered", "e1");
        let sig = documented(&TS.to_string(), TOKEN);
        let mut flipped = sig.clone().into_bytes();
        flipped[0] ^= 1;
        let cases = [
            body.replace(&sig, std::str::from_utf8(&flipped).unwrap()),
            body.replace(TOKEN, &TOKEN.replace('a', "b")),
            body.replace(&format!("\"{TS}\""), &format!("\"{}\"", TS + 1)),
        ];
        for forged in &cases {
            assert_eq!(verify(forged, TS).unwrap_err(), Rejection::InvalidSignature);
        }
        assert_eq!(
            verify(&body.replace("\"signature\":\"", "\"sig\":\""), TS).unwrap_err(),
            Rejection::MissingSignature
        );
        assert_eq!(verify("{nope", TS).unwrap_err(), Rejection::MalformedBody);
        assert!(verify(&body, TS + 9 * 3600).is_ok());
        assert_eq!(
            verify(&body, TS + 9 * 3600 + 1).unwrap_err(),
            Rejection::StaleTimestamp
        );
        assert_eq!(
            verify(&body, TS - 301).unwrap_err(),
            Rejection::FutureTimestamp
        );
    }

    #[test]
    fn the_event_data_is_unsigned_but_a_signature_is_one_delivery() {
        let body = super::signed_body(&key(), TS, TOKEN, "delivered", "e1");
        let original = verify(&body, TS).unwrap();
        // Other event data under the same signature verifies (Mailgun does not sign it)...
        let rewritten = verify(&body.replace("\"e1\"", "\"e2\""), TS).unwrap();
        assert_eq!(rewritten.id(), "e2");
        // ...and carries the same remembered signature, so the replay store refuses it.
        let digest = |d: &crate::Delivery| d.replay_keys().1.unwrap().digest();
        assert_eq!(digest(&rewritten), digest(&original));
        // Mailgun's next event is signed with another token: another signature.
        let next = verify(
            &super::signed_body(&key(), TS, "other-token", "delivered", "e3"),
            TS,
        )
        .unwrap();
        assert_ne!(digest(&next), digest(&original));
    }

    #[test]
    fn the_catalog_entries_of_this_family_verify_in_process() {
        use crate::testing::catalog::{Env, Sample};
        let now = 1_700_000_000;
        for provider in [
            super::super::asana::entry(),
            super::super::gitlab::entry(),
            super::entry(),
            super::super::msgraph::entry(),
            super::super::okta::entry(),
            super::super::postmark::entry(),
        ] {
            let name = provider.name;
            let env = Env::from_pairs([(provider.secret_var(), "a:secret-of-ours")], "http://h");
            let verifier = (provider.verifier)(&provider, &env).unwrap();
            let check = |request: &crate::testing::catalog::DemoRequest| {
                verifier.check_head(&request.headers, now)?;
                verifier.verify_target(
                    &request.headers,
                    &request.path_and_query,
                    request.body.clone().into(),
                    verifier.secrets(),
                    now,
                )
            };
            let sample = Sample::new(provider.default_type, "id-1", now);
            let mut request = provider.request(&env, &sample).unwrap();
            let delivery = check(&request).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert!(!delivery.id().is_empty(), "{name}");
            (provider.tamper)(&mut request);
            let refused = check(&request).unwrap_err();
            assert_eq!(refused.status(), 401, "{name}: {refused:?}");
            // The demo key is not the configured one.
            let demo = Env::from_pairs(Vec::<(String, String)>::new(), "http://h");
            assert!(
                check(&provider.request(&demo, &sample).unwrap()).is_err(),
                "{name}"
            );
            if let Some(challenge) = provider.challenge {
                let challenge = challenge(&provider, &env, now).unwrap();
                let Err(Rejection::Answered(answer)) = check(&challenge.request) else {
                    panic!("{name}: the challenge is answered")
                };
                let text = String::from_utf8_lossy(&answer.body);
                assert!(text.contains(&challenge.answer_contains), "{name}: {text}");
            }
        }
        // `webhook-guard send mailgun --body`: a given body is signed anew.
        let provider = super::entry();
        let env = Env::from_pairs([(provider.secret_var(), KEY)], "http://h");
        let given = r#"{"signature":{"timestamp":"1","token":"t0k3n","signature":"00"},"event-data":{"event":"opened","id":"given-1"}}"#;
        let sample = Sample {
            body: Some(given),
            ..Sample::new("opened", "ignored", TS)
        };
        let request = provider.request(&env, &sample).unwrap();
        let delivery = verify(std::str::from_utf8(&request.body).unwrap(), TS).unwrap();
        assert_eq!(
            (delivery.id(), delivery.event_type()),
            ("given-1", Some("opened"))
        );
    }
}
