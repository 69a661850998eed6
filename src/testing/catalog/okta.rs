//! The catalog's `okta` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// The catalog's entry: `/webhooks/okta` (GET too, for the verification), the `Authorization`
/// value from `OKTA_WEBHOOK_SECRET`, an event hook call as Okta's "Event hooks" guide shows it;
/// the tampering flips a bit of the value.
pub(super) fn entry() -> super::Provider {
    use super::{self as catalog, DemoChallenge, DemoRequest, Provider};
    fn body(sample: &catalog::Sample<'_>) -> String {
        let time = crate::time::format_rfc3339(sample.now);
        serde_json::json!({
            "eventType": "com.okta.event_hook",
            "eventTypeVersion": "1.0",
            "cloudEventsVersion": "0.1",
            "source": "https://example.okta.com/api/v1/eventHooks/whoql0HfiLGPWc8Jx0g3",
            "eventId": sample.id,
            "data": {"events": [{
                "uuid": "2a5e1ee6-2b5b-4a0d-9a56-7ba0f7dfa1c9",
                "published": time,
                "eventType": sample.event_type,
                "displayMessage": "Create Okta user",
                "severity": "INFO",
            }]},
            "eventTime": time,
            "contentType": "application/json",
        })
        .to_string()
    }
    fn challenge(
        provider: &Provider,
        env: &catalog::Env,
        now: i64,
    ) -> Result<DemoChallenge, String> {
        let secret = env.var_or(&provider.secret_var(), provider.demo_secret);
        let value = format!("okta-verification-{now}");
        Ok(DemoChallenge {
            request: DemoRequest {
                method: http::Method::GET,
                path_and_query: provider.path(),
                headers: vec![
                    ("X-Okta-Verification-Challenge".into(), value.clone()),
                    ("Authorization".into(), secret),
                ],
                body: Vec::new(),
            },
            status: 200,
            answer_contains: format!(r#"{{"verification":"{value}"}}"#),
        })
    }
    Provider {
        challenge: Some(challenge),
        takes_get: true,
        tamper: |request| catalog::flip_header_bit(request, "authorization"),
        ..Provider::hmac(
            "okta",
            "user.lifecycle.create",
            Scheme::okta,
            "demo_okta_authorization_value",
            body,
        )
    }
}
