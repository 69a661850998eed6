//! Issue 28's schemes with fetched public keys (AWS SNS, Plaid, Google Pub/Sub push) against
//! the providers' verification libraries, both ways, over real HTTP.
//!
//! Builds the two example receivers (axum, actix-web), writes deliveries signed by the
//! catalog's demo keys to a temporary file, and runs `tests/sdk/keys.py`: `sns-validator`
//! (npm), PyJWT and `google-auth` verify ours; then deliveries signed by those libraries (and
//! `cryptography` for SNS) go to each receiver, whose keys it fetches from a local key server
//! (the JWKS URLs) or reads from a file (the SNS certificate). See that script for the checks.
//!
//! Never skipped: without python3, node or the libraries it fails and says to run
//! `scripts/test.sh`, which installs them.

mod common;
#[path = "common/sdk_script.rs"]
mod sdk_script;

use webhook_guard::testing::catalog::{self, Env, Sample};

const PUBLIC_URL: &str = "https://hooks.example.com";

/// Our signed deliveries, one per entry, now.
fn our_deliveries() -> serde_json::Value {
    let env = Env::from_pairs(Vec::<(String, String)>::new(), PUBLIC_URL);
    let now = sdk_script::now();
    let deliveries = ["sns", "plaid", "pubsub"].map(|name| {
        let provider = catalog::find(name).expect("a catalog entry");
        let id = format!("ours-{name}-{now}");
        let request = provider
            .request(&env, &Sample::new(provider.default_type, &id, now))
            .expect("signed");
        serde_json::json!({
            "name": name,
            "headers": request.headers,
            "body": String::from_utf8(request.body).expect("UTF-8"),
            "audience": format!("{PUBLIC_URL}/webhooks/pubsub"),
        })
    });
    serde_json::Value::Array(deliveries.to_vec())
}

#[test]
fn the_key_fetching_providers_libraries_and_webhook_guard_agree_over_http() {
    sdk_script::require("node", &["--version"]);
    sdk_script::run("keys.py", &our_deliveries(), &[]);
}
