//! What the CLI's tests share: the example receivers as processes (the root's harness,
//! `tests/common/example_process.rs`, with a builder for this package's place in the
//! workspace) and the `webhook-guard` binary.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

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
