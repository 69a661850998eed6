//! The catalog's `coinbase` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// The catalog's entry: `/webhooks/coinbase`, `COINBASE_WEBHOOK_SECRET` (the shared secret).
pub(super) fn entry() -> super::Provider {
    super::Provider::hmac(
        "coinbase",
        "charge:confirmed",
        Scheme::coinbase_commerce,
        "demo_coinbase_shared_secret",
        |sample| {
            let at = crate::time::format_rfc3339(sample.now);
            serde_json::json!({
                "attempt_number": 1,
                "event": {
                    "api_version": "2018-03-22",
                    "created_at": at,
                    "data": {
                        "id": "2aee9dd1-67b8-43ef-8dfe-977959850f27",
                        "code": "XA6G6ZFR",
                        "pricing": {"local": {"amount": "1.00", "currency": "USD"}}
                    },
                    "id": "c4e8bd9d-2d4f-4a41-8d7e-0c3c7b4aa3b1",
                    "resource": "event",
                    "type": sample.event_type
                },
                "id": sample.id,
                "scheduled_for": at
            })
            .to_string()
        },
    )
}
