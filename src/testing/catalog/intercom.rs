//! The catalog's `intercom` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// The catalog's entry: `/webhooks/intercom`, `INTERCOM_WEBHOOK_SECRET` (the app's client
/// secret); the ping Intercom sends when a webhook is saved is its check of the endpoint.
pub(super) fn entry() -> super::Provider {
    use super::{self as catalog, DemoChallenge, Provider, Sample};

    fn body(sample: &Sample<'_>, id: serde_json::Value) -> String {
        serde_json::json!({
            "type": "notification_event",
            "app_id": "ecahpwf5",
            "data": {
                "type": "notification_event_data",
                "item": {"type": "conversation", "id": "147", "state": "open"}
            },
            "links": {},
            "id": id,
            "topic": sample.event_type,
            "delivery_status": "pending",
            "delivery_attempts": 1,
            "delivered_at": 0,
            "first_sent_at": sample.now,
            "created_at": sample.now,
            "self": null
        })
        .to_string()
    }
    Provider {
        challenge: Some(|provider, env, now| {
            let ping = body(&Sample::new("ping", "", now), serde_json::Value::Null);
            let sample = Sample {
                body: Some(&ping),
                ..Sample::new("ping", "", now)
            };
            Ok(DemoChallenge {
                request: catalog::hmac_sign(provider, env, &sample)?,
                status: 200,
                answer_contains: "{}".into(),
            })
        }),
        ..Provider::hmac(
            "intercom",
            "conversation.user.created",
            Scheme::intercom,
            "demo_intercom_client_secret",
            |sample| body(sample, sample.id.into()),
        )
    }
}
