//! The catalog's `resend` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// The catalog's entry: `/webhooks/resend`, `RESEND_WEBHOOK_SECRET` (the `whsec_` signing
/// secret).
pub(super) fn entry() -> super::Provider {
    super::Provider::hmac(
        "resend",
        "email.delivered",
        Scheme::resend,
        "whsec_ZGVtby1yZXNlbmQtc2lnbmluZy1zZWNyZXQtMDAx",
        |sample| {
            serde_json::json!({
                "type": sample.event_type,
                "created_at": crate::time::format_rfc3339(sample.now),
                "data": {
                    "email_id": "56761188-7520-42d8-8898-ff6fc54ce618",
                    "from": "Acme <onboarding@resend.dev>",
                    "to": ["delivered@resend.dev"],
                    "subject": "Sending this example"
                }
            })
            .to_string()
        },
    )
}
