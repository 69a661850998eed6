//! GitLab, Postmark, Okta, Microsoft Graph, Mailgun and Asana against their documented
//! algorithms, both ways, over real HTTP.
//!
//! None of these providers publishes a library that verifies its webhooks (their SDKs call
//! their APIs), so `tests/sdk/tokens.py` writes each documented algorithm with Python's
//! standard library. This test builds the two example receivers (axum, actix-web), writes the
//! catalog's deliveries for the six (signed by [`webhook_guard::Signer`]) to a temporary file,
//! and runs the script, which sends each provider's requests to each receiver (accepted once,
//! retries and copies not again, tampered 401, stale 400, handshakes answered without a
//! handler) and checks our deliveries under the documented algorithms; then again with the
//! receivers in inbox mode (SQLite), where a copy under a new id must meet the row's second
//! unique key (the body digest of a token, Mailgun's signature).
//!
//! Never skipped: without python3 it fails and says to run `scripts/test.sh`.

mod common;
#[path = "common/sdk_script.rs"]
mod sdk_script;

use webhook_guard::testing::catalog::{self, Env, Sample};

const NAMES: [&str; 6] = ["gitlab", "postmark", "okta", "msgraph", "mailgun", "asana"];

/// Each provider's delivery as the catalog signs it, with a secret of our own.
fn our_deliveries() -> serde_json::Value {
    let now = sdk_script::now();
    let secrets = [
        ("gitlab", "glt-4f2a9c0d7e1b"),
        ("postmark", "hooks:p4ssw0rd-with:colon"),
        ("okta", "Bearer okta-8c1e0b7a"),
        ("msgraph", "client-state-5d3f"),
        ("mailgun", "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"),
        ("asana", "b537207f20cbfa02357cf448134da559"),
    ];
    let deliveries = NAMES.iter().map(|&name| {
        let provider = catalog::find(name).unwrap_or_else(|| panic!("{name} is in the catalog"));
        let secret = secrets.iter().find(|(n, _)| *n == name).unwrap().1;
        let env = Env::from_pairs([(provider.secret_var(), secret)], "http://127.0.0.1:1");
        let id = format!("ours-{name}");
        let request = provider
            .request(&env, &Sample::new(provider.default_type, &id, now))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        serde_json::json!({
            "name": name,
            "secret": secret,
            "headers": request.headers,
            "body": String::from_utf8(request.body).expect("UTF-8 bodies"),
        })
    });
    serde_json::Value::Array(deliveries.collect())
}

#[test]
fn token_and_body_signed_providers_agree_with_their_documented_algorithms() {
    // Inline, then in inbox mode on SQLite (a database per receiver in a fresh directory).
    let inbox = std::env::temp_dir().join(format!(
        "webhook-guard-sdk-tokens-inbox-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&inbox).expect("temp dir created");
    let signed = our_deliveries();
    for extra in [
        vec![],
        vec!["--inbox".into(), inbox.clone().into_os_string()],
    ] {
        let stdout = sdk_script::run("tokens.py", &signed, &extra);
        // Every check ran: the script prints one line per check, and fails on none.
        assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
    }
    let _ = std::fs::remove_dir_all(&inbox);
}
