//! The catalog's `typeform` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// The catalog's entry: `/webhooks/typeform`, `TYPEFORM_WEBHOOK_SECRET` (the webhook's secret).
pub(super) fn entry() -> super::Provider {
    super::Provider::hmac(
        "typeform",
        "form_response",
        Scheme::typeform,
        "demo_typeform_webhook_secret",
        |sample| {
            serde_json::json!({
                "event_id": sample.id,
                "event_type": sample.event_type,
                "form_response": {
                    "form_id": "lT4Z3j",
                    "token": "a3a12ec67a1365927098a606107fac15",
                    "submitted_at": crate::time::format_rfc3339(sample.now),
                    "definition": {"id": "lT4Z3j", "title": "Webhooks example"},
                    "answers": [{
                        "type": "text",
                        "text": "It's cold right now! I live in an older medium-sized house.",
                        "field": {"id": "JwWggjAKtOkA", "type": "short_text"}
                    }]
                }
            })
            .to_string()
        },
    )
}
