//! The catalog's `xero` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// The catalog's entry (`/webhooks/xero`, `XERO_WEBHOOK_SECRET` the webhook key): a contact
/// update, and the intent-to-receive check.
pub(super) fn entry() -> super::Provider {
    use super::{DemoChallenge, Provider, Sample, hmac_sign};
    Provider {
        challenge: Some(|provider, env, now| {
            let body = serde_json::json!({
                "events": [],
                "firstEventSequence": 0,
                "lastEventSequence": 0,
                "entropy": format!("INTENT{now}")
            })
            .to_string();
            let sample = Sample {
                body: Some(&body),
                ..Sample::new("", "", now)
            };
            Ok(DemoChallenge {
                request: hmac_sign(provider, env, &sample)?,
                status: 200,
                answer_contains: String::new(),
            })
        }),
        ..Provider::hmac(
            "xero",
            "CONTACT",
            Scheme::xero,
            "demo_xero_webhook_key",
            |sample| {
                serde_json::json!({
                    "events": [{
                        "resourceUrl": format!("https://api.xero.com/api.xro/2.0/Contacts/{}", sample.id),
                        "resourceId": sample.id,
                        "eventDateUtc": crate::time::format_rfc3339(sample.now).trim_end_matches('Z'),
                        "eventType": "UPDATE",
                        "eventCategory": sample.event_type,
                        "tenantId": "c2cc9b6e-9458-4c7d-93cc-f02b81b0594f",
                        "tenantType": "ORGANISATION"
                    }],
                    "lastEventSequence": 1,
                    "firstEventSequence": 1,
                    "entropy": format!("S0m3r4Nd0mt3xt{}", sample.now)
                })
                .to_string()
            },
        )
    }
}
