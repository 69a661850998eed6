//! The catalog's `openai` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// The catalog's entry: `/webhooks/openai`, `OPENAI_WEBHOOK_SECRET` (the `whsec_` signing
/// secret).
pub(super) fn entry() -> super::Provider {
    super::Provider::hmac(
        "openai",
        "response.completed",
        Scheme::openai,
        "whsec_ZGVtby1vcGVuYWktc2lnbmluZy1zZWNyZXQtMDAx",
        |sample| {
            serde_json::json!({
                "object": "event",
                "id": "evt_685343a1381c819085d44c354e1b330e",
                "type": sample.event_type,
                "created_at": sample.now,
                "data": {"id": "resp_abc123"}
            })
            .to_string()
        },
    )
}
