//! The catalog's `sentry` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// The catalog's entry: `/webhooks/sentry`, `SENTRY_WEBHOOK_SECRET` (the integration's client
/// secret); deliveries carry `Sentry-Hook-Resource` (the sample's type) and
/// `Sentry-Hook-Timestamp`, as Sentry sends them.
pub(super) fn entry() -> super::Provider {
    use super::{self as catalog, Provider};

    Provider {
        sign: |provider, env, sample| {
            let mut request = catalog::hmac_sign(provider, env, sample)?;
            request
                .headers
                .push(("sentry-hook-resource".into(), sample.event_type.into()));
            request
                .headers
                .push(("sentry-hook-timestamp".into(), sample.now.to_string()));
            Ok(request)
        },
        ..Provider::hmac(
            "sentry",
            "issue",
            Scheme::sentry,
            "demo_sentry_client_secret",
            |sample| {
                serde_json::json!({
                    "action": "created",
                    "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},
                    "data": {"issue": {
                        "id": "1170820242",
                        "shortId": "DEMO-1",
                        "title": "Error: Unexpected token",
                        "status": "unresolved",
                        "firstSeen": crate::time::format_rfc3339(sample.now)
                    }},
                    "actor": {"type": "application", "id": "sentry", "name": "Sentry"}
                })
                .to_string()
            },
        )
    }
}
