//! The catalog's `postmark` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// The catalog's entry: `/webhooks/postmark`, the credentials `user:password` from
/// `POSTMARK_WEBHOOK_SECRET`, a delivery event as Postmark's "Delivery webhook" page shows it;
/// the tampering flips a bit of the credentials.
pub(super) fn entry() -> super::Provider {
    use super::{self as catalog, Provider};
    fn body(sample: &catalog::Sample<'_>) -> String {
        serde_json::json!({
            "RecordType": sample.event_type,
            "ServerID": 23,
            "MessageStream": "outbound",
            "MessageID": sample.id,
            "Recipient": "john@example.com",
            "Tag": "welcome-email",
            "DeliveredAt": crate::time::format_rfc3339(sample.now),
            "Details": "Test delivery webhook details",
            "Metadata": {"a_key": "a_value"},
        })
        .to_string()
    }
    Provider {
        tamper: |request| catalog::flip_header_bit(request, "authorization"),
        ..Provider::hmac(
            "postmark",
            "Delivery",
            Scheme::postmark,
            "demo_postmark_user:demo_postmark_password",
            body,
        )
    }
}
