//! The catalog's `asana` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// The catalog's entry: `/webhooks/asana`, the secret from `ASANA_WEBHOOK_SECRET`, a task
/// change as Asana's "Webhooks" guide shows it, and the `X-Hook-Secret` handshake.
pub(super) fn entry() -> super::Provider {
    use super::{self as catalog, DemoChallenge, DemoRequest, Provider};
    fn body(sample: &catalog::Sample<'_>) -> String {
        serde_json::json!({"events": [{
            "user": {"gid": "1123", "resource_type": "user"},
            "created_at": crate::time::format_rfc3339(sample.now),
            "action": sample.event_type,
            "resource": {"gid": sample.id, "resource_type": "task", "resource_subtype": "default_task"},
            "parent": null,
            "change": {"field": "name", "action": "changed"},
        }]})
        .to_string()
    }
    fn challenge(provider: &Provider, _: &catalog::Env, now: i64) -> Result<DemoChallenge, String> {
        Ok(DemoChallenge {
            request: DemoRequest::post(
                provider.path(),
                vec![("X-Hook-Secret".into(), format!("asana-handshake-{now}"))],
                Vec::new(),
            ),
            status: 200,
            // The answer is the echoed header; its body is empty.
            answer_contains: String::new(),
        })
    }
    Provider {
        challenge: Some(challenge),
        ..Provider::hmac(
            "asana",
            "changed",
            Scheme::asana,
            "demo_asana_hook_secret",
            body,
        )
    }
}
