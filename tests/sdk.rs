//! The built-in schemes against the providers' own libraries, both ways, over real HTTP.
//!
//! Builds the two example receivers (axum, actix-web) with the features of this test build,
//! writes deliveries signed by [`Signer`] to a temporary file, and runs `tests/sdk/run.py`,
//! which signs payloads with `standardwebhooks`, `stripe`, `slack-sdk`, `twilio`,
//! `paddle-python-sdk`, `pynacl` (PyPI) and `@octokit/webhooks-methods` (npm), POSTs them to
//! each receiver, and verifies our signatures with each SDK's verify function (`squareup`'s
//! too). See that script and `tests/sdk/providers.py` for the checks.
//!
//! Never skipped: without python3, node or the SDKs it fails and says to run
//! `scripts/test.sh`, which installs them.

mod common;
#[path = "common/sdk_script.rs"]
mod sdk_script;

use std::path::Path;

use webhook_guard::{Scheme, Signer};

/// One delivery signed by our signer, for the SDKs to verify.
fn signed(name: &str, scheme: Scheme, secret: &str, body: &str, id: &str) -> serde_json::Value {
    let key = scheme.secret(secret).expect("a valid secret");
    let now = sdk_script::now();
    let headers = Signer::new(scheme.clone(), key).headers(body.as_bytes(), now, id);
    serde_json::json!({
        "name": name,
        "scheme": scheme.name(),
        "secret": secret,
        "body": body,
        "headers": headers,
    })
}

/// One delivery to `url`, for the schemes that sign the URL.
fn signed_to(url: &str, scheme: Scheme, secret: &str, body: &str, id: &str) -> serde_json::Value {
    let key = scheme.secret(secret).expect("a valid secret");
    let headers = Signer::new(scheme.clone(), key)
        .url(url)
        .headers(body.as_bytes(), 0, id);
    serde_json::json!({
        "name": "form",
        "scheme": scheme.name(),
        "secret": secret,
        "body": body,
        "headers": headers,
        "url": url,
    })
}

fn our_deliveries() -> serde_json::Value {
    let slack_secret = "e2b5a1c3d4f60718293a4b5c6d7e8f90";
    serde_json::Value::Array(vec![
        signed_to(
            "https://hooks.example.com/webhooks/twilio?tenant=a%20b",
            Scheme::twilio(),
            "twilio_auth_token_0123456789",
            "CallSid=CA123&From=%2B15551234567&To=%2B15557654321&Body=caf%C3%A9+%C3%A0+Paris&Empty=",
            "idem-1",
        ),
        signed_to(
            "https://hooks.example.com/webhooks/square",
            Scheme::square(),
            "square_signature_key_0123456789",
            r#"{"merchant_id":"M1","type":"payment.created","event_id":"e1","data":{"note":"café"}}"#,
            "",
        ),
        signed(
            "json",
            Scheme::paddle(),
            "pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_6h3qd3uFSi9YCD3OLYAShQI90XTI6vEI",
            r#"{"event_id":"evt_1","event_type":"transaction.completed","notification_id":"ntf_1","data":{"note":"Zoë"}}"#,
            "",
        ),
        signed(
            "json",
            Scheme::standard_webhooks(),
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            r#"{"type":"invoice.paid","data":{"customer":"Zoë"}}"#,
            "msg_2f3XoUqNbL4kC5sYpR6tVw8d",
        ),
        signed(
            "json",
            Scheme::github(),
            "It's a Secret to Everybody",
            r#"{"action":"opened","issue":{"number":1,"title":"café"}}"#,
            "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        ),
        signed(
            "form",
            Scheme::github(),
            "It's a Secret to Everybody",
            "payload=%7B%22zen%22%3A%22Keep+it+logically+awesome.%22%7D",
            "72d3162e-cc78-11e3-81ab-4c9367dc0959",
        ),
        signed(
            "json",
            Scheme::stripe(),
            "whsec_test_secret_for_webhook_guard",
            "{\n  \"id\": \"evt_1\",\n  \"object\": \"event\",\n  \"type\": \"charge.succeeded\"\n}",
            "",
        ),
        signed(
            "event",
            Scheme::slack(),
            slack_secret,
            r#"{"type":"event_callback","event_id":"Ev0PV52K25","event":{"type":"app_mention"}}"#,
            "",
        ),
        signed(
            "slash command",
            Scheme::slack(),
            slack_secret,
            "command=%2Fweather&text=94070+%C3%A0+Paris&trigger_id=13345224609.738474920.8088930838d88f008e0",
            "",
        ),
    ])
}

#[test]
fn the_providers_sdks_and_webhook_guard_agree_over_http() {
    sdk_script::require("node", &["--version"]);
    let octokit = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sdk/node_modules/@octokit/webhooks-methods");
    assert!(
        octokit.exists(),
        "@octokit/webhooks-methods is not installed: {}",
        sdk_script::INSTALL
    );
    sdk_script::run("run.py", &our_deliveries(), &[]);
}
