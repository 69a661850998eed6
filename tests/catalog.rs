//! Every provider of the catalog (`webhook_guard::testing::catalog`) against both example
//! receivers (axum and actix-web), as real processes over HTTP: each route the receivers mount
//! for it is checked the way its provider uses it.
//!
//! For each entry, on each receiver:
//! - a delivery signed as the provider signs it is handled once (one stdout line);
//! - the same request again is answered 2xx and not handled again;
//! - a re-signed retry (same id, a later time) is not handled again, when the delivery's id is
//!   the provider's (not a digest of its signature, which a re-signed retry changes);
//! - the entry's tampering (a flipped bit, by default) is refused 401;
//! - a delivery signed a day ago is refused 400, for the schemes that read a timestamp;
//! - the provider's check of the endpoint (its challenge), if it makes one, gets the status and
//!   answer the provider expects, and runs no handler.
//!
//! `CATALOG_ONLY=name,name` restricts the run to those entries (while writing one).

mod common;
#[path = "common/receiver_process.rs"]
mod receiver_process;

use std::time::{Duration, Instant};

use receiver_process::{Receiver, TempDir};
use webhook_guard::testing::catalog::{self, DemoRequest, Env, Provider, Sample};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The stdout lines of `scheme` so far.
fn handled(receiver: &Receiver, scheme: &str) -> Vec<serde_json::Value> {
    receiver
        .stdout_lines()
        .iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|line| line["provider"] == scheme)
        .collect()
}

/// Waits until `scheme` has `count` lines (up to 10 s), then returns them.
fn await_handled(receiver: &Receiver, scheme: &str, count: usize) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let lines = handled(receiver, scheme);
        if lines.len() >= count || Instant::now() > deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

async fn send(client: &reqwest::Client, base: &str, request: &DemoRequest) -> (u16, String) {
    let mut builder = client
        .request(
            request.method.clone(),
            format!("{base}{}", request.path_and_query),
        )
        .body(request.body.clone());
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let response = builder.send().await.expect("the receiver answers");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

async fn check(provider: &Provider, receiver: &Receiver, client: &reqwest::Client) {
    let base = format!("http://127.0.0.1:{}", receiver.port());
    let env = Env::from_pairs(Vec::<(String, String)>::new(), base.as_str());
    let scheme = (provider.scheme)();
    let name = format!("{} on {}", provider.name, receiver.example);
    let before = handled(receiver, scheme.name()).len();
    let id = format!("cat-{}-{}", provider.name, receiver.example);
    let sent_at = now();

    // Valid: handled once.
    let sample = Sample::new(provider.default_type, &id, sent_at);
    let request = provider
        .request(&env, &sample)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let (status, text) = send(client, &base, &request).await;
    assert!(
        (200..300).contains(&status),
        "{name}: valid delivery answered {status} {text}\n{}",
        receiver.log_text()
    );
    let lines = await_handled(receiver, scheme.name(), before + 1);
    assert_eq!(lines.len(), before + 1, "{name}: handled once: {lines:?}");
    let handled_id = lines[before]["id"].as_str().unwrap_or_default().to_owned();

    // The same request again, then a re-signed retry: not handled again.
    let (status, text) = send(client, &base, &request).await;
    assert!(
        (200..300).contains(&status),
        "{name}: a copy answered {status} {text}"
    );
    if handled_id == id {
        let retry = provider
            .request(&env, &Sample::new(provider.default_type, &id, sent_at + 1))
            .unwrap();
        let (status, text) = send(client, &base, &retry).await;
        assert!(
            (200..300).contains(&status),
            "{name}: a re-signed retry answered {status} {text}"
        );
    }

    // Tampered: 401.
    let mut tampered = provider
        .request(
            &env,
            &Sample::new(provider.default_type, &format!("{id}-t"), sent_at),
        )
        .unwrap();
    (provider.tamper)(&mut tampered);
    let (status, text) = send(client, &base, &tampered).await;
    assert_eq!(status, 401, "{name}: tampered delivery answered {text}");

    // Stale: 400.
    if scheme.has_timestamp() {
        let stale = provider
            .request(
                &env,
                &Sample::new(provider.default_type, &format!("{id}-s"), sent_at - 86_400),
            )
            .unwrap();
        let (status, text) = send(client, &base, &stale).await;
        assert_eq!(status, 400, "{name}: a day-old delivery answered {text}");
    }

    // The provider's check of the endpoint.
    if let Some(challenge) = provider.challenge {
        let challenge = challenge(provider, &env, now()).unwrap();
        let (status, text) = send(client, &base, &challenge.request).await;
        assert_eq!(
            status, challenge.status,
            "{name}: challenge answered {text}"
        );
        assert!(
            text.contains(&challenge.answer_contains),
            "{name}: challenge answer {text:?} lacks {:?}",
            challenge.answer_contains
        );
    }

    // Nothing after the first delivery ran the handler.
    std::thread::sleep(Duration::from_millis(300));
    let lines = handled(receiver, scheme.name());
    assert_eq!(
        lines.len(),
        before + 1,
        "{name}: handled more than once: {lines:?}"
    );
}

#[test]
fn every_catalog_provider_is_served_by_both_receivers() {
    let only: Option<Vec<String>> = std::env::var("CATALOG_ONLY")
        .ok()
        .filter(|v| !v.is_empty())
        .map(|v| v.split(',').map(str::to_owned).collect());
    let providers: Vec<Provider> = catalog::providers()
        .into_iter()
        .filter(|p| {
            only.as_ref()
                .is_none_or(|only| only.iter().any(|n| n == p.name))
        })
        .collect();
    if let Some(only) = &only {
        assert_eq!(
            providers.len(),
            only.len(),
            "CATALOG_ONLY names an unknown entry"
        );
    }
    let dir = TempDir::new();
    let receivers = [
        Receiver::start_capturing("receiver", &[], &dir.0),
        Receiver::start_capturing("actix_receiver", &[], &dir.0),
    ];
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = reqwest::Client::new();
    for receiver in &receivers {
        for provider in &providers {
            runtime.block_on(check(provider, receiver, &client));
        }
    }
}

/// The catalog is what the command line's `send` offers, and every entry is documented in the
/// README's table of the receivers' interface (its route and its secret's variable).
#[test]
fn every_catalog_route_is_in_the_readme() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for provider in catalog::providers() {
        assert!(
            readme.contains(&format!("`{}`", provider.path())),
            "README lacks the route {}",
            provider.path()
        );
        if !provider.demo_secret.is_empty() {
            assert!(
                readme.contains(&provider.secret_var()),
                "README lacks {}",
                provider.secret_var()
            );
        }
    }
}
