//! The catalog's `bitbucket` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// The catalog's entry (`/webhooks/bitbucket`, `BITBUCKET_WEBHOOK_SECRET`): a `repo:push`
/// with Bitbucket's headers.
pub(super) fn entry() -> super::Provider {
    use super::{Provider, hmac_sign};
    Provider {
        sign: |provider, env, sample| {
            let mut request = hmac_sign(provider, env, sample)?;
            request
                .headers
                .push(("X-Event-Key".into(), sample.event_type.into()));
            request
                .headers
                .push(("X-Attempt-Number".into(), "1".into()));
            Ok(request)
        },
        ..Provider::hmac(
            "bitbucket",
            "repo:push",
            Scheme::bitbucket,
            "demo_bitbucket_webhook_secret",
            |sample| {
                serde_json::json!({
                    "push": {"changes": [{"new": {"type": "branch", "name": "main",
                        "target": {"hash": sample.id, "date": crate::time::format_rfc3339(sample.now)}}}]},
                    "repository": {"type": "repository", "full_name": "team/repo", "uuid": "{b3c6a9f0-4c2d-4b8e-9f1a-2d3e4f5a6b7c}"},
                    "actor": {"type": "user", "display_name": "Demo"}
                })
                .to_string()
            },
        )
    }
}
