//! The catalog's `gitlab` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// The catalog's entry: `/webhooks/gitlab`, the token from `GITLAB_WEBHOOK_SECRET`, a push
/// event as GitLab's "Webhook events" page shows it; the tampering flips a bit of the token.
pub(super) fn entry() -> super::Provider {
    use super::{self as catalog, DemoRequest, Provider};
    fn body(sample: &catalog::Sample<'_>) -> String {
        serde_json::json!({
            "object_kind": "push",
            "event_name": "push",
            "before": "95790bf891e76fee5e1747ab589903a6a1f80f22",
            "after": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
            "ref": "refs/heads/master",
            "checkout_sha": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
            "user_id": 4,
            "user_name": "John Smith",
            "project_id": 15,
            "project": {"id": 15, "name": "Diaspora", "path_with_namespace": "mike/diaspora"},
            "commits": [{
                "id": "b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327",
                "message": format!("Update Catalan translation ({})", sample.id),
                "timestamp": crate::time::format_rfc3339(sample.now),
            }],
            "total_commits_count": 1,
        })
        .to_string()
    }
    fn sign(
        provider: &Provider,
        env: &catalog::Env,
        sample: &catalog::Sample<'_>,
    ) -> Result<DemoRequest, String> {
        let mut request = catalog::hmac_sign(provider, env, sample)?;
        request
            .headers
            .push(("X-Gitlab-Event".into(), sample.event_type.into()));
        request
            .headers
            .push(("X-Gitlab-Event-UUID".into(), sample.id.into()));
        Ok(request)
    }
    Provider {
        sign,
        tamper: |request| catalog::flip_header_bit(request, "x-gitlab-token"),
        ..Provider::hmac(
            "gitlab",
            "Push Hook",
            Scheme::gitlab,
            "demo_gitlab_secret_token",
            body,
        )
    }
}
