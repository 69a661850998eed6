//! The catalog's `razorpay` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// The catalog's entry: `/webhooks/razorpay`, `RAZORPAY_WEBHOOK_SECRET` (the webhook secret).
pub(super) fn entry() -> super::Provider {
    super::Provider::hmac(
        "razorpay",
        "payment.captured",
        Scheme::razorpay,
        "demo_razorpay_webhook_secret",
        |sample| {
            serde_json::json!({
                "entity": "event",
                "account_id": "acc_BFQ7uQEaa7j2z7",
                "event": sample.event_type,
                "contains": ["payment"],
                "payload": {"payment": {"entity": {
                    "id": "pay_DESlfW9H8K9uqM",
                    "entity": "payment",
                    "amount": 100,
                    "currency": "INR",
                    "status": "captured",
                    "method": "upi"
                }}},
                "created_at": sample.now
            })
            .to_string()
        },
    )
}
