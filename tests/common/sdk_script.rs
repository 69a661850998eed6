//! The cross-SDK tests' one runner: builds both example receivers (axum, actix-web), writes
//! our signed deliveries to a temporary directory, and runs a script of `tests/sdk/` with
//! them and the receivers' binaries. A script exits 0 when every check passed, 2 when a
//! package it needs is missing, anything else when a check failed. Include it after
//! `mod common;` with `#[path = "common/sdk_script.rs"] mod sdk_script;`.
#![allow(dead_code)]

use std::ffi::OsString;
use std::process::Command;

use crate::common::examples::build_example;

/// What to do when a tool or package is missing.
pub const INSTALL: &str = "run scripts/test.sh, which installs python3, node and the providers' SDKs for the cross-SDK tests (tests/sdk/requirements.txt, tests/sdk/package.json)";

/// Now, in Unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

/// Fails, saying how to install it, unless `program args` runs.
pub fn require(program: &str, args: &[&str]) {
    match Command::new(program).args(args).output() {
        Ok(output) if output.status.success() => {}
        _ => panic!("`{program}` is not available: {INSTALL}"),
    }
}

/// Runs `tests/sdk/<script>` with `--signed <file holding signed>`, `extra` arguments, then
/// the two receivers' binaries; fails unless every check passed. Returns the script's stdout.
pub fn run(script: &str, signed: &serde_json::Value, extra: &[OsString]) -> String {
    require("python3", &["--version"]);
    let receivers = [build_example("receiver"), build_example("actix_receiver")];
    let dir = std::env::temp_dir().join(format!(
        "webhook-guard-sdk-{}-{}",
        script.trim_end_matches(".py"),
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("signed.json");
    std::fs::write(&file, signed.to_string()).expect("temp file written");
    let output = Command::new("python3")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg(format!("tests/sdk/{script}"))
        .arg("--signed")
        .arg(&file)
        .args(extra)
        .args(&receivers)
        .output()
        .expect("python3 runs");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    match output.status.code() {
        Some(0) => stdout,
        Some(2) => panic!(
            "{script}: the providers' SDKs are missing ({}): {INSTALL}",
            stderr.trim()
        ),
        _ => panic!("{script}: the cross-SDK checks failed:\n{stdout}\n{stderr}"),
    }
}
