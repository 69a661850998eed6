//! `webhook-guard send` against the real example receivers (axum and actix-web), started with
//! no secret variables: every one of the 17 routes takes the command's signed sample (exit 0)
//! and the receiver prints exactly one line for it; a second send with the same `--id` is
//! answered but not handled again.

mod common;

use std::time::Duration;

use common::example_process::Receiver;
use common::{SECRET_VARS, cli, stdout};

/// The 17 routes: each name, and `standard` again with `--v1a`; and an id of the provider's
/// own shape (Zoom's and Discord's are numbers).
fn routes(run: u64) -> Vec<(&'static str, bool, String)> {
    [
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
    ]
    .into_iter()
    .map(|name| (name, false))
    .chain([("standard", true)])
    .enumerate()
    .map(|(n, (name, v1a))| (name, v1a, format!("{}{n:02}", run)))
    .collect()
}

fn check(example: &str) {
    // No secret and no public base URL set, whatever the shell has: the receivers read an
    // empty variable as unset and use their demo values, as the command does.
    let unset: Vec<(&str, &str)> = SECRET_VARS
        .iter()
        .chain(&["PUBLIC_BASE_URL"])
        .map(|var| (*var, ""))
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
