//! The catalog's `trello` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// The catalog's entry (`/webhooks/trello`, `TRELLO_WEBHOOK_SECRET` the application's
/// secret): an `updateCard` action signed over the receiver's public URL, and the `HEAD` check.
pub(super) fn entry() -> super::Provider {
    use super::{DemoChallenge, DemoRequest, Provider};
    Provider {
        challenge: Some(|provider, _env, _now| {
            Ok(DemoChallenge {
                request: DemoRequest {
                    method: http::Method::HEAD,
                    path_and_query: provider.path(),
                    headers: Vec::new(),
                    body: Vec::new(),
                },
                status: 200,
                answer_contains: String::new(),
            })
        }),
        takes_get: true,
        ..Provider::hmac(
            "trello",
            "updateCard",
            Scheme::trello,
            "demo_trello_application_secret",
            |sample| {
                serde_json::json!({
                    "action": {
                        "id": sample.id,
                        "idMemberCreator": "4fc78a59a885233f4b349bd9",
                        "data": {
                            "board": {"name": "Trello Development", "id": "4d5ea62fd76aa1136000000c"},
                            "card": {"idShort": 1458, "name": "Webhooks", "id": "51a79e72dbb7e23c7c003778"}
                        },
                        "type": sample.event_type,
                        "date": crate::time::format_rfc3339(sample.now)
                    },
                    "model": {"id": "4d5ea62fd76aa1136000000c", "name": "Trello Development"}
                })
                .to_string()
            },
        )
    }
}
