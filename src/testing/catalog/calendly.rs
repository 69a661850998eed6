//! The catalog's `calendly` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// The catalog's entry (`/webhooks/calendly`, `CALENDLY_WEBHOOK_SECRET`): an
/// `invitee.created` as "Webhook payload" shows it.
pub(super) fn entry() -> super::Provider {
    super::Provider::hmac(
        "calendly",
        "invitee.created",
        Scheme::calendly,
        "demo_calendly_signing_key",
        |sample| {
            let at = crate::time::format_rfc3339(sample.now);
            serde_json::json!({
                "created_at": at,
                "created_by": "https://api.calendly.com/users/AAAAAAAAAAAAAAAA",
                "event": sample.event_type,
                "payload": {
                    "uri": format!("https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2/invitees/{}", sample.id),
                    "email": "test@example.com",
                    "name": "John Doe",
                    "status": "active",
                    "created_at": at,
                    "event": "https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2"
                }
            })
            .to_string()
        },
    )
}
