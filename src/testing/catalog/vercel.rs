//! The catalog's `vercel` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// The catalog's entry: `/webhooks/vercel`, `VERCEL_WEBHOOK_SECRET` (the webhook's secret).
pub(super) fn entry() -> super::Provider {
    super::Provider::hmac(
        "vercel",
        "deployment.succeeded",
        Scheme::vercel,
        "demo_vercel_webhook_secret",
        |sample| {
            serde_json::json!({
                "id": sample.id,
                "type": sample.event_type,
                "createdAt": sample.now * 1000,
                "region": "sfo1",
                "payload": {
                    "team": {"id": "team_demo"},
                    "user": {"id": "user_demo"},
                    "deployment": {"id": "dpl_2euZBFqxQqKcGFKk6N9kJh", "url": "my-app.vercel.app", "name": "my-app"},
                    "project": {"id": "prj_demo"},
                    "target": "production"
                }
            })
            .to_string()
        },
    )
}
