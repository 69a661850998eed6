//! What the CLI's tests share: the example receivers as processes (the root's harness,
//! `tests/common/example_process.rs`, with a builder for this package's place in the
//! workspace) and the `webhook-guard` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The root's example builder, from the workspace: the same features as the root's
/// `cargo test --all-features`, so both find the receivers already built.
pub mod examples {
    use std::path::PathBuf;
    use std::process::Command;

    pub fn build_example(name: &str) -> PathBuf {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let output = Command::new(env!("CARGO"))
            .current_dir(root)
            .args(["build", "--message-format=json-render-diagnostics"])
            .args(["-p", "webhook-guard", "--all-features", "--example", name])
            .stderr(std::process::Stdio::inherit())
            .output()
            .expect("cargo runs");
        assert!(
            output.status.success(),
            "cargo build --example {name} failed"
        );
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|message| message["target"]["name"] == name)
            .find_map(|message| message["executable"].as_str().map(PathBuf::from))
            .unwrap_or_else(|| panic!("cargo named no executable for the example {name}"))
    }
}

pub mod forward;

#[path = "../../../tests/common/example_process.rs"]
pub mod example_process;

/// The environment variables of the receivers' secrets and keys: unset for the commands, so
/// both sides use the demo values, whatever the developer's shell has.
pub const SECRET_VARS: [&str; 19] = [
    "AUDIT_TRAIL_SECRET",
    "PALO_SECRET",
    "PALO_TEST_SECRET",
    "STANDARD_WEBHOOKS_SECRET",
    "STANDARD_WEBHOOKS_PUBLIC_KEY",
    "GITHUB_WEBHOOK_SECRET",
    "STRIPE_WEBHOOK_SECRET",
    "SLACK_SIGNING_SECRET",
    "SHOPIFY_WEBHOOK_SECRET",
    "TWILIO_AUTH_TOKEN",
    "SQUARE_SIGNATURE_KEY",
    "PADDLE_WEBHOOK_SECRET",
    "LINEAR_WEBHOOK_SECRET",
    "ZOOM_WEBHOOK_SECRET_TOKEN",
    "DROPBOX_APP_SECRET",
    "DISCORD_PUBLIC_KEY",
    "SENDGRID_WEBHOOK_PUBLIC_KEY",
    "PAYPAL_WEBHOOK_ID",
    "PAYPAL_CERT_PEM",
];

/// `webhook-guard ARGS` with no secret variables and no `PUBLIC_BASE_URL`.
pub fn cli(args: &[&str]) -> Output {
    let mut command = Command::new(binary());
    command
        .args(args)
        .env_remove("PUBLIC_BASE_URL")
        .env_remove("PORT");
    for var in SECRET_VARS {
        command.env_remove(var);
    }
    command.output().expect("webhook-guard runs")
}

pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_webhook-guard"))
}

/// stdout as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A port free on the loopback now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until `GET /healthz` on the loopback's `port` answers 200, while `child` runs.
pub fn wait_healthy(child: &mut Child, port: u16, what: &str) {
    let started = Instant::now();
    loop {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read as _, Write as _};
            let _ =
                stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.1 200") {
                return;
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited at start: {status}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{what} did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `webhook-guard serve --config CONFIG` with `env`, once its `/healthz` answers.
pub fn start_serve(config: &Path, port: u16, env: &[(&str, &str)]) -> Child {
    let mut child = Command::new(binary())
        .args(["serve", "--config"])
        .arg(config)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_healthy(&mut child, port, "serve");
    child
}
