//! The Audit Trail spec's Express receiver, ported (`examples/express_app/`: its signature,
//! freshness and dedup code removed), run by node behind `webhook-guard serve`: signed
//! deliveries sent with `webhook-guard send`, each twice, are each handled by the Express app
//! exactly once; a tampered one never reaches it. `scripts/test.sh` installs node and the
//! app's pinned Express (`npm ci --prefix examples/express_app`).

mod common;

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

const TYPES: [&str; 6] = [
    "event.created",
    "event.batch.created",
    "alert.triggered",
    "alert.resolved",
    "report.completed",
    "report.failed",
];

fn app_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/express_app"
    ))
}

#[test]
fn the_express_app_behind_serve_handles_each_signed_delivery_once() {
    let dir = app_dir();
    assert!(
        dir.join("node_modules/express/package.json").exists(),
        "Express is not installed: run `bash scripts/test.sh` (npm ci --prefix examples/express_app)"
    );
    let app_port = common::free_port();
    let mut app = Command::new("node")
        .arg(dir.join("server.js"))
        .env("PORT", app_port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node runs (scripts/test.sh installs it)");
    let stdout = app.stdout.take().unwrap();
    let (lines_in, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_in.send(line).is_err() {
                break;
            }
        }
    });
    common::wait_healthy(&mut app, app_port, "the Express app");

    let scratch = std::env::temp_dir().join(format!("wg-express-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    // The example's own configuration, with this test's ports and database.
    let example = std::fs::read_to_string(dir.join("webhook-guard.toml")).unwrap();
    let guard_port = common::free_port();
    let config = example
        .replace("127.0.0.1:3000", &format!("127.0.0.1:{guard_port}"))
        .replace("127.0.0.1:8080", &format!("127.0.0.1:{app_port}"))
        .replace(
            "sqlite://express-app.db",
            &format!("sqlite://{}", scratch.join("inbox.db").display()),
        );
    assert_ne!(config, example, "the example's ports and database moved");
    let config_path = scratch.join("webhook-guard.toml");
    std::fs::write(&config_path, config).unwrap();
    // The demo secret on both sides: `send` uses it when AUDIT_TRAIL_SECRET is unset.
    let secret = webhook_guard::testing::demo::DEMO_AUDIT_TRAIL_SECRET;
    let mut guard =
        common::start_serve(&config_path, guard_port, &[("AUDIT_TRAIL_SECRET", secret)]);

    let url = format!("http://127.0.0.1:{guard_port}/webhooks/audit-trail");
    let run = std::process::id();
    let count = 24;
    for n in 0..count {
        let id = format!("whd_express_{run}_{n}");
        let kind = TYPES[n % TYPES.len()];
        for copy in 0..2 {
            let output = common::cli(&["send", "audit-trail", kind, "--id", &id, "--url", &url]);
            assert!(
                output.status.success(),
                "send {id} (copy {copy}): {}",
                common::stdout(&output)
            );
        }
    }
    // A delivery signed with another secret is refused at the guard.
    let forged = common::cli(&[
        "send",
        "audit-trail",
        "--secret",
        "whsec_forged",
        "--url",
        &url,
    ]);
    assert_eq!(forged.status.code(), Some(1));
    assert!(common::stdout(&forged).starts_with("401 "));

    let mut seen = std::collections::HashMap::new();
    for _ in 0..count {
        let line = lines
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("the app handled {} of {count}", seen.len()));
        let line: serde_json::Value = serde_json::from_str(&line).unwrap();
        let id = line["id"].as_str().unwrap().to_owned();
        let n: usize = id.rsplit('_').next().unwrap().parse().unwrap();
        assert_eq!(line["type"], TYPES[n % TYPES.len()], "{line}");
        assert!(line["key"].as_str().unwrap().ends_with(&id), "{line}");
        assert!(seen.insert(id, line).is_none(), "handled twice");
    }
    // Nothing more: the copies were deduplicated before the app.
    assert!(lines.recv_timeout(Duration::from_millis(500)).is_err());
    assert_eq!(seen.len(), count);

    let _ = guard.kill();
    let _ = guard.wait();
    let _ = app.kill();
    let _ = app.wait();
    let _ = std::fs::remove_dir_all(&scratch);
}
