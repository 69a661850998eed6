//! `webhook-guard send` against the real example receivers (axum and actix-web), started with
//! no secret variables: every route (the first 17, then every provider of the library's
//! catalog) takes the command's signed sample (exit 0) and the receiver prints exactly one line
//! for it; a second send with the same `--id` is answered but not handled again (for the
//! routes whose delivery id is the one sent: where a provider sends none, the id is a digest
//! of the body or the signature, which a new send changes).

mod common;

use std::time::Duration;

use common::example_process::Receiver;
use common::{SECRET_VARS, cli, stdout};
use webhook_guard::testing::catalog;

/// The routes the command knew before the catalog (`/webhook-test` is `palo` under another name).
const FIRST_ROUTES: [&str; 16] = [
    "audit-trail",
    "palo",
    "standard",
    "github",
    "stripe",
    "slack",
    "shopify",
    "twilio",
    "square",
    "paddle",
    "linear",
    "zoom",
    "dropbox",
    "discord",
    "sendgrid",
    "paypal",
];

/// Every route: the first 16 names, `standard` again with `--v1a`, then the catalog's; and an
/// id of the provider's own shape (Zoom's and Discord's are numbers).
fn routes(run: u64) -> Vec<(&'static str, bool, String)> {
    FIRST_ROUTES
        .into_iter()
        .map(|name| (name, false))
        .chain([("standard", true)])
        .chain(catalog_names().into_iter().map(|name| (name, false)))
        .enumerate()
        .map(|(n, (name, v1a))| (name, v1a, format!("{}{n:02}", run)))
        .collect()
}

/// The catalog's routes beyond the first 17.
fn catalog_names() -> Vec<&'static str> {
    catalog::providers()
        .into_iter()
        .map(|p| p.name)
        .filter(|name| !FIRST_ROUTES.contains(name))
        .collect()
}

/// The variables the catalog's routes read their keys from.
fn catalog_vars() -> Vec<String> {
    catalog::providers()
        .iter()
        .flat_map(|p| {
            ["WEBHOOK_SECRET", "PUBLIC_KEY", "JWKS", "VERIFY_TOKEN"].map(|suffix| p.var(suffix))
        })
        .collect()
}

fn check(example: &str) {
    // No secret and no public base URL set, whatever the shell has: the receivers read an
    // empty variable as unset and use their demo values, as the command does.
    let catalog_vars = catalog_vars();
    let unset: Vec<(&str, &str)> = SECRET_VARS
        .iter()
        .copied()
        .chain(catalog_vars.iter().map(String::as_str))
        .chain(["PUBLIC_BASE_URL"])
        .map(|var| (var, ""))
        .collect();
    let receiver = Receiver::start(example, &unset);
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let port = receiver.addr.port().to_string();
    for (name, v1a, id) in routes(run) {
        let mut args = vec!["send", name, "--id", &id];
        if v1a {
            args.push("--v1a");
        }
        // The default URL from PORT, as a user who set PORT for both would have it.
        let output = std::process::Command::new(common::binary())
            .args(&args)
            .env("PORT", &port)
            .env_remove("PUBLIC_BASE_URL")
            .envs(SECRET_VARS.iter().map(|var| (*var, "")))
            .envs(catalog_vars.iter().map(|var| (var.as_str(), "")))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{example}: send {name} (v1a {v1a}): {} {}",
            stdout(&output),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            stdout(&output).starts_with("200 "),
            "{name}: {}",
            stdout(&output)
        );
        let line = receiver
            .handled
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("{example}: no line for {name} (v1a {v1a})"));
        let line: serde_json::Value = serde_json::from_str(&line).unwrap();
        match name {
            // Ids derived from the signature or the body.
            "dropbox" | "sendgrid" => {}
            _ if !FIRST_ROUTES.contains(&name) => {
                if line["id"] != id.as_str() {
                    // The provider sends no id: a second send is a new delivery.
                    continue;
                }
            }
            _ => assert_eq!(line["id"], id.as_str(), "{name}: {line}"),
        }

        // The same id again: answered 200, not handled again.
        let again = cli(&[&args[..], &["--url", &url(&receiver, name)]].concat());
        assert!(
            again.status.success(),
            "{example}: second send {name}: {}",
            stdout(&again)
        );
        assert!(
            stdout(&again).contains("already processed"),
            "{example}: second send {name}: {}",
            stdout(&again)
        );
    }
    // Exactly one line per route: nothing came after the first sends' lines.
    std::thread::sleep(Duration::from_millis(300));
    let extra: Vec<String> = receiver.handled.try_iter().collect();
    assert!(
        extra.is_empty(),
        "{example}: lines handled twice: {extra:?}"
    );
}

fn url(receiver: &Receiver, name: &str) -> String {
    format!("http://{}/webhooks/{name}", receiver.addr)
}

#[test]
fn send_reaches_every_route_of_the_axum_receiver_once() {
    check("receiver");
}

#[test]
fn send_reaches_every_route_of_the_actix_receiver_once() {
    check("actix_receiver");
}

#[test]
fn send_fails_on_a_refusal_and_an_unknown_provider() {
    let receiver = Receiver::start("receiver", &[]);
    let refused = cli(&[
        "send",
        "github",
        "--secret",
        "not-the-receivers-secret",
        "--url",
        &url(&receiver, "github"),
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stdout(&refused).starts_with("401 "), "{}", stdout(&refused));
    let unknown = cli(&["send", "no-such-provider"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown provider"));
}
