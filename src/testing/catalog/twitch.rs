//! The catalog's `twitch` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// The catalog's entry (`/webhooks/twitch`, `TWITCH_WEBHOOK_SECRET`): a `channel.follow`
/// notification (the sample's type is the message type: `notification`, `revocation`), and
/// the `webhook_callback_verification` challenge.
pub(super) fn entry() -> super::Provider {
    use super::{DemoChallenge, Provider, Sample, hmac_sign};
    fn add_headers(request: &mut super::DemoRequest, kind: &str) {
        for (name, value) in [
            ("Twitch-Eventsub-Message-Type", kind),
            ("Twitch-Eventsub-Message-Retry", "0"),
            ("Twitch-Eventsub-Subscription-Type", "channel.follow"),
            ("Twitch-Eventsub-Subscription-Version", "2"),
        ] {
            request.headers.push((name.into(), value.into()));
        }
    }
    Provider {
        sign: |provider, env, sample| {
            let mut request = hmac_sign(provider, env, sample)?;
            add_headers(&mut request, sample.event_type);
            Ok(request)
        },
        challenge: Some(|provider, env, now| {
            let challenge = format!("pogchamp-kappa-{now}");
            let id = format!("verification-{now}");
            let body = serde_json::json!({
                "challenge": challenge,
                "subscription": {
                    "id": "f1c2a387-161a-49f9-a165-0f21d7a4e1c4",
                    "status": "webhook_callback_verification_pending",
                    "type": "channel.follow",
                    "version": "2",
                    "cost": 1,
                    "condition": {"broadcaster_user_id": "12826", "moderator_user_id": "12826"},
                    "transport": {"method": "webhook", "callback": format!("{}{}", env.public_url(), provider.path())},
                    "created_at": crate::time::format_rfc3339(now)
                }
            })
            .to_string();
            let sample = Sample {
                body: Some(&body),
                ..Sample::new("webhook_callback_verification", &id, now)
            };
            let mut request = hmac_sign(provider, env, &sample)?;
            add_headers(&mut request, "webhook_callback_verification");
            Ok(DemoChallenge {
                request,
                status: 200,
                answer_contains: challenge,
            })
        }),
        ..Provider::hmac(
            "twitch",
            "notification",
            Scheme::twitch,
            "demo_twitch_eventsub_secret",
            |sample| {
                serde_json::json!({
                    "subscription": {
                        "id": "f1c2a387-161a-49f9-a165-0f21d7a4e1c4",
                        "status": "enabled",
                        "type": "channel.follow",
                        "version": "2",
                        "cost": 0,
                        "condition": {"broadcaster_user_id": "1337", "moderator_user_id": "1337"},
                        "transport": {"method": "webhook", "callback": "https://example.com/webhooks/callback"},
                        "created_at": "2019-11-16T10:11:12.634234626Z"
                    },
                    "event": {
                        "user_id": "1234",
                        "user_login": "cool_user",
                        "user_name": "Cool_User",
                        "broadcaster_user_id": "1337",
                        "broadcaster_user_login": "cooler_user",
                        "broadcaster_user_name": "Cooler_User",
                        "followed_at": crate::time::format_rfc3339(sample.now)
                    }
                })
                .to_string()
            },
        )
    }
}
