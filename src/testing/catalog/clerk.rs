//! The catalog's `clerk` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// The catalog's entry: `/webhooks/clerk`, `CLERK_WEBHOOK_SECRET` (the `whsec_` signing secret).
pub(super) fn entry() -> super::Provider {
    super::Provider::hmac(
        "clerk",
        "user.created",
        Scheme::clerk,
        "whsec_ZGVtby1jbGVyay1zaWduaW5nLXNlY3JldC0wMDAx",
        |sample| {
            serde_json::json!({
                "data": {
                    "id": "user_29w83sxmDNGwOuEthce5gg56FcC",
                    "object": "user",
                    "first_name": "Example",
                    "email_addresses": [{"email_address": "example@example.org"}]
                },
                "instance_id": "ins_123",
                "object": "event",
                "timestamp": sample.now * 1000,
                "type": sample.event_type
            })
            .to_string()
        },
    )
}
