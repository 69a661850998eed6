//! The catalog's `hubspot` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// The catalog's entry (`/webhooks/hubspot`, `HUBSPOT_WEBHOOK_SECRET` the app's client
/// secret): a batch of one `contact.creation`, signed over the receiver's public URL.
pub(super) fn entry() -> super::Provider {
    super::Provider::hmac(
        "hubspot",
        "contact.creation",
        Scheme::hubspot,
        "demo_hubspot_client_secret",
        |sample| {
            // HubSpot's event ids are numbers: one made from the sample's id.
            let event_id = sample
                .id
                .bytes()
                .fold(1_469_598_103_934_665_603_u64, |h, b| {
                    (h ^ u64::from(b)).wrapping_mul(1_099_511_628_211)
                })
                >> 12;
            serde_json::json!([{
                "eventId": event_id,
                "subscriptionId": 12345,
                "portalId": 62515,
                "appId": 54321,
                "occurredAt": i128::from(sample.now) * 1000,
                "subscriptionType": sample.event_type,
                "attemptNumber": 0,
                "objectId": 123,
                "changeSource": "CRM",
                "changeFlag": "NEW"
            }])
            .to_string()
        },
    )
}
