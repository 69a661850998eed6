//! The catalog's `mux` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// The catalog's entry (`/webhooks/mux`, `MUX_WEBHOOK_SECRET`): a `video.asset.ready`.
pub(super) fn entry() -> super::Provider {
    super::Provider::hmac(
        "mux",
        "video.asset.ready",
        Scheme::mux,
        "demo_mux_signing_secret",
        |sample| {
            serde_json::json!({
                "type": sample.event_type,
                "object": {"type": "asset", "id": "0201p02fGKPE7MrbC269XRD7LpcHhrmbu0002"},
                "id": sample.id,
                "environment": {"name": "Demo", "id": "j0863n"},
                "data": {"status": "ready", "id": "0201p02fGKPE7MrbC269XRD7LpcHhrmbu0002", "duration": 23.8},
                "created_at": crate::time::format_rfc3339(sample.now),
                "attempts": []
            })
            .to_string()
        },
    )
}
