//! The example binaries, built for tests that run them as real processes.

use std::path::PathBuf;
use std::process::Command;

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// The features this test was built with, so that the receivers are built the same way (and
/// cargo finds them already built when `cargo test` built the examples).
pub fn features() -> Vec<&'static str> {
    let mut features = Vec::new();
    if cfg!(feature = "moka") {
        features.push("moka");
    }
    if cfg!(feature = "axum") {
        features.push("axum");
    }
    if cfg!(feature = "actix") {
        features.push("actix");
    }
    if cfg!(feature = "redis") {
        features.push("redis");
    }
    if cfg!(feature = "metrics") {
        features.push("metrics");
    }
    if cfg!(feature = "key-fetch") {
        features.push("key-fetch");
    }
    features
}

/// Builds an example with cargo and returns its executable.
pub fn build_example(name: &str) -> PathBuf {
    let output = Command::new(env!("CARGO"))
        .current_dir(MANIFEST_DIR)
        .args([
            "build",
            "--message-format=json-render-diagnostics",
            "--example",
            name,
        ])
        .args(["--no-default-features", "--features", &features().join(",")])
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
