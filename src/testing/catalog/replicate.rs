//! The catalog's `replicate` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// The catalog's entry: `/webhooks/replicate`, `REPLICATE_WEBHOOK_SECRET` (the `whsec_`
/// signing secret); the sample's type is the prediction's `status`.
pub(super) fn entry() -> super::Provider {
    super::Provider::hmac(
        "replicate",
        "succeeded",
        Scheme::replicate,
        "whsec_ZGVtby1yZXBsaWNhdGUtc2lnbmluZy1zZWNyZXQx",
        |sample| {
            serde_json::json!({
                "id": "ufawqhfynnddngldkgtslldrkq",
                "version": "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa",
                "status": sample.event_type,
                "input": {"prompt": "an astronaut riding a horse"},
                "output": ["https://replicate.delivery/example.png"],
                "created_at": crate::time::format_rfc3339(sample.now)
            })
            .to_string()
        },
    )
}
