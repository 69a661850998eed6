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

use std::process::Command;

use common::examples::build_example;
use webhook_guard::testing::catalog::{self, Env, Sample};

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");
const INSTALL: &str = "run scripts/test.sh, which installs python3, node and the libraries for the cross-SDK tests (tests/sdk/requirements.txt, tests/sdk/package.json)";
const PUBLIC_URL: &str = "https://hooks.example.com";

/// Our signed deliveries, one per entry, now.
fn our_deliveries() -> serde_json::Value {
    let env = Env::from_pairs(Vec::<(String, String)>::new(), PUBLIC_URL);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64;
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
    match Command::new("python3").arg("--version").output() {
        Ok(output) if output.status.success() => {}
        _ => panic!("`python3` is not available: {INSTALL}"),
    }
    let receivers = [build_example("receiver"), build_example("actix_receiver")];
    let dir = std::env::temp_dir().join(format!("webhook-guard-sdk-keys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let signed = dir.join("signed.json");
    std::fs::write(&signed, our_deliveries().to_string()).expect("temp file written");

    let output = Command::new("python3")
        .current_dir(MANIFEST_DIR)
        .arg("tests/sdk/keys.py")
        .arg("--signed")
        .arg(&signed)
        .args(&receivers)
        .output()
        .expect("python3 runs");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    match output.status.code() {
        Some(0) => {}
        Some(2) => panic!("the libraries are missing ({}): {INSTALL}", stderr.trim()),
        _ => panic!("the cross-SDK checks failed:\n{stdout}\n{stderr}"),
    }
}
