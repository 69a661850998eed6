//! Issue 28's platform schemes (helper H's: Meta, HubSpot, Twitch, Trello, Box, Xero,
//! Bitbucket, Calendly, Mux) against the providers' own code, both ways, over real HTTP.
//!
//! Builds the two example receivers (axum, actix-web), writes deliveries signed by [`Signer`]
//! to a temporary file, and runs `tests/sdk/platforms.py`, which verifies them with
//! `hubspot-api-client`'s `Signature` and Box's `WebhooksManager.validate_message` (PyPI), or
//! the documented algorithm where a provider publishes no verification library, then signs
//! deliveries of its own and sends them to each receiver: a flipped bit 401, handled once,
//! the same request and the provider's retry not again, stale 400, and each provider's check
//! of the endpoint (Meta's verify token, Twitch's challenge, Xero's intent to receive,
//! Trello's `HEAD`) answered by the layer with no handler run. See that script for the checks.
//!
//! Never skipped: without python3 or the SDKs it fails and says to run `scripts/test.sh`,
//! which installs them.

mod common;
#[path = "common/sdk_script.rs"]
mod sdk_script;

use webhook_guard::{Scheme, Secret, Signer};

/// The URL the URL-signing schemes (HubSpot, Trello) are signed for in these deliveries.
const URL: &str = "https://hooks.example.com/webhooks/";

/// One delivery signed by our signer now, for the SDKs to verify.
fn signed(signer: Signer, secret: &str, body: &str, id: &str) -> serde_json::Value {
    let scheme = signer.scheme().name().to_owned();
    let headers = signer.headers(body.as_bytes(), sdk_script::now(), id);
    serde_json::json!({
        "scheme": scheme,
        "secret": secret,
        "url": format!("{URL}{scheme}"),
        "body": body,
        "headers": headers,
    })
}

fn plain(scheme: Scheme, secret: &str, body: &str, id: &str) -> serde_json::Value {
    let url = format!("{URL}{}", scheme.name());
    let signer = Signer::new(scheme, Secret::new(secret).unwrap()).url(url);
    signed(signer, secret, body, id)
}

fn our_deliveries() -> serde_json::Value {
    let box_signer = Signer::new(
        Scheme::box_com(),
        Secret::new("box-primary-key-0123").unwrap(),
    )
    .second_secret(Secret::new("box-secondary-key-0123").unwrap());
    let mut box_delivery = signed(
        box_signer,
        "box-primary-key-0123",
        r#"{"type":"webhook_event","id":"eb0c4e06-751f-442c-86f8-fd5bb404dbec","trigger":"FILE.UPLOADED","source":{"id":"5016243669","type":"file","name":"Café.txt"}}"#,
        "",
    );
    box_delivery["secondary"] = "box-secondary-key-0123".into();
    serde_json::Value::Array(vec![
        plain(
            Scheme::hubspot(),
            "hubspot-client-secret-0123",
            r#"[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]"#,
            "",
        ),
        box_delivery,
        plain(
            Scheme::meta(),
            "meta-app-secret-0123",
            r#"{"object":"page","entry":[{"id":"0","time":1774041200,"changes":[{"field":"feed","value":{"message":"Zoë"}}]}]}"#,
            "",
        ),
        plain(
            Scheme::twitch(),
            "twitch-subscription-secret",
            r#"{"subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","type":"channel.follow","version":"2"},"event":{"user_id":"1234","user_name":"Zoë"}}"#,
            "e76c6bd4-55c9-4987-8304-da1588d8988b",
        ),
        plain(
            Scheme::trello(),
            "trello-app-secret-0123",
            r#"{"action":{"id":"51f9424bcd6e040f3c002412","type":"updateCard","data":{"card":{"name":"Café"}}},"model":{"id":"4d5ea62fd76aa1136000000c"}}"#,
            "",
        ),
        plain(
            Scheme::xero(),
            "xero-webhook-key-0123",
            r#"{"events":[{"resourceId":"717f2bfc-c6d4-41fd-b238-3f2f0c0cf777","eventCategory":"CONTACT","eventType":"UPDATE","tenantId":"c2cc9b6e-9458-4c7d-93cc-f02b81b0594f"}],"lastEventSequence":1,"firstEventSequence":1,"entropy":"S0m3r4Nd0mt3xt"}"#,
            "",
        ),
        plain(
            Scheme::bitbucket(),
            "bitbucket-webhook-secret-0123",
            r#"{"push":{"changes":[]},"repository":{"full_name":"team/café"}}"#,
            "2b3c7d4e-0f6a-4b1c-9d8e-5f4a3b2c1d0e",
        ),
        plain(
            Scheme::calendly(),
            "calendly-signing-key-0123",
            r#"{"created_at":"2026-12-06T22:00:00.000000Z","event":"invitee.created","payload":{"name":"Zoë","uri":"https://api.calendly.com/scheduled_events/E1/invitees/I1"}}"#,
            "",
        ),
        plain(
            Scheme::mux(),
            "mux-signing-secret-0123",
            r#"{"type":"video.asset.ready","id":"3a56ac3d-33da-4366-855b-f592d898409d","data":{"id":"asset1","passthrough":"Zoë"}}"#,
            "",
        ),
    ])
}

#[test]
fn the_platform_providers_sdks_and_webhook_guard_agree_over_http() {
    sdk_script::run("platforms.py", &our_deliveries(), &[]);
}
