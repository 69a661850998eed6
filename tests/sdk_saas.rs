//! Issue 28's body-signing SaaS providers and Standard Webhooks senders against the
//! providers' own libraries, both ways, over real HTTP.
//!
//! Builds the two example receivers (axum, actix-web), writes deliveries signed by [`Signer`]
//! for Intercom, Typeform, Sentry, Vercel, Coinbase Commerce, Razorpay, Clerk, Resend, OpenAI
//! and Replicate to a temporary file, and runs `tests/sdk/saas.py`, which verifies them with
//! `svix`, `openai`, `replicate`, `razorpay` and `coinbase-commerce` (PyPI), or the documented
//! algorithm where a provider publishes no library, then signs deliveries of its own and POSTs
//! them to each receiver: a flipped bit 401, handled once, the retry not again, stale 400,
//! Intercom's ping answered by the layer. See that script for the checks.
//!
//! Never skipped: without python3 or the SDKs it fails and says to run `scripts/test.sh`,
//! which installs them.

mod common;
#[path = "common/sdk_script.rs"]
mod sdk_script;

use webhook_guard::{Scheme, Signer};

/// One delivery signed by our signer now, for the SDKs to verify.
fn signed(scheme: Scheme, secret: &str, body: &str, id: &str) -> serde_json::Value {
    let key = scheme.secret(secret).expect("a valid secret");
    let now = sdk_script::now();
    let headers = Signer::new(scheme.clone(), key).headers(body.as_bytes(), now, id);
    serde_json::json!({
        "scheme": scheme.name(),
        "secret": secret,
        "body": body,
        "headers": headers,
    })
}

fn our_deliveries() -> serde_json::Value {
    serde_json::Value::Array(vec![
        signed(
            Scheme::intercom(),
            "intercom_client_secret_0123",
            r#"{"type":"notification_event","app_id":"ecahpwf5","id":"notif_1","topic":"contact.user.created","delivery_attempts":1,"data":{"item":{"name":"Zoë"}}}"#,
            "",
        ),
        signed(
            Scheme::typeform(),
            "typeform secret with spaces",
            r#"{"event_id":"01HBRMZRP5","event_type":"form_response","form_response":{"answers":[{"text":"café"}]}}"#,
            "",
        ),
        signed(
            Scheme::sentry(),
            "sentry_client_secret_0123",
            r#"{"action":"resolved","data":{"issue":{"id":"1170820242","title":"Error: café"}}}"#,
            "0f7b4a38-95b9-4a4e-a7b5-0d8c3f0a2d61",
        ),
        signed(
            Scheme::vercel(),
            "vercel_webhook_secret_0123",
            r#"{"id":"uaJ8K6Xyi4H6GZeN","type":"project.created","createdAt":1719301930000,"payload":{"project":{"name":"café"}}}"#,
            "",
        ),
        signed(
            Scheme::coinbase_commerce(),
            "6f6a1f8e-2b7f-4a53-9d3c-5b0f2a7e8c11",
            r#"{"attempt_number":1,"event":{"id":"c4e8bd9d","type":"charge:confirmed","data":{"metadata":{"name":"Zoë"}}},"id":"e71fd3e8-8d38-4a7a-bd07-5d7a5d8ea4a9","scheduled_for":"2026-12-06T22:00:00Z"}"#,
            "",
        ),
        signed(
            Scheme::razorpay(),
            "razorpay_webhook_secret_0123",
            r#"{"entity":"event","event":"order.paid","contains":["order"],"payload":{"order":{"entity":{"id":"order_1","notes":{"name":"Zoë"}}}},"created_at":1567674606}"#,
            "KXcs7tQCvS1kiE",
        ),
        signed(
            Scheme::clerk(),
            "whsec_Y2xlcmstZGVtby1zaWduaW5nLWtleS0wMTIzNDU2",
            r#"{"data":{"id":"user_1","first_name":"Zoë"},"object":"event","type":"user.updated"}"#,
            "msg_2jQbYpXWn7m3cKX8uE1Zq4tB9dF",
        ),
        signed(
            Scheme::resend(),
            "whsec_cmVzZW5kLWRlbW8tc2lnbmluZy1rZXktMDEyMzQ1",
            r#"{"type":"email.bounced","data":{"email_id":"56761188","subject":"Café"}}"#,
            "msg_2mYd3nGc0bXq9pL5sT8wR1vK6hJ",
        ),
        signed(
            Scheme::openai(),
            "whsec_b3BlbmFpLWRlbW8tc2lnbmluZy1rZXktMDEyMzQ1",
            r#"{"object":"event","id":"evt_1","type":"response.completed","created_at":1750287018,"data":{"id":"resp_1"}}"#,
            "wh_685342e6c53c8190a1be43f081506c52",
        ),
        signed(
            Scheme::replicate(),
            "whsec_cmVwbGljYXRlLWRlbW8tc2lnbmluZy1rZXktMDE=",
            r#"{"id":"ufawqhfynnddngldkgtslldrkq","status":"failed","error":"café"}"#,
            "msg_2nP7zV0qX4cR8tL1mK5wB9yD3fH",
        ),
    ])
}

#[test]
fn the_saas_providers_sdks_and_webhook_guard_agree_over_http() {
    sdk_script::run("saas.py", &our_deliveries(), &[]);
}
