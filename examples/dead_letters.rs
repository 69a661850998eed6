//! Lists and re-drives the example receivers' dead letters: verified deliveries that a
//! handler's own type could not take, stored (and answered 200) instead of being refused.
//!
//! ```text
//! cargo run --example dead_letters -- list      # one JSON line per pending dead letter
//! cargo run --example dead_letters -- redrive   # runs each through the receivers' handler, once
//! ```
//!
//! Reads `$DEAD_LETTER_DIR` (default `./dead-letters`), as the receivers do. `redrive` hands
//! each pending letter to the same handler its route runs (`audit-trail` and `palo` through
//! their typed events, `palo-test` logged, the others untyped), which prints the receivers'
//! stdout line; a letter re-driven once is not re-driven again. It prints a summary
//! (`{"handled":N,"failed":N,"duplicates":N,"skipped":N}`, `skipped` the unreadable lines of a
//! torn write) on stderr and exits 1 if any letter failed. `list` names the unreadable lines
//! it skipped on stderr.

mod common;

use std::process::ExitCode;

use webhook_guard::dead_letter::JsonLinesSink;

const USAGE: &str = "usage: dead_letters <list|redrive>";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    common::init_logs();
    let sink = JsonLinesSink::new(common::dead_letter_dir());
    match std::env::args().nth(1).as_deref() {
        Some("list") => match sink.read_pending() {
            Ok(listing) => {
                if !listing.unreadable.is_empty() {
                    eprintln!(
                        "skipped unreadable lines (torn writes) of {}: {:?}",
                        sink.dir().join("dead-letters.jsonl").display(),
                        listing.unreadable
                    );
                }
                for letter in listing.letters {
                    println!(
                        "{}",
                        serde_json::to_string(&letter).expect("a letter serialises")
                    );
                }
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("{}: {error}", sink.dir().display());
                ExitCode::FAILURE
            }
        },
        Some("redrive") => match sink
            .redrive(async |letter| {
                common::handle_stored(
                    &letter.scheme,
                    &letter.id,
                    letter.event_type.as_deref(),
                    &letter.body,
                )
            })
            .await
        {
            Ok(report) => {
                eprintln!(
                    r#"{{"handled":{},"failed":{},"duplicates":{},"skipped":{}}}"#,
                    report.handled, report.failed, report.duplicates, report.skipped
                );
                if report.failed == 0 {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                }
            }
            Err(error) => {
                eprintln!("{}: {error}", sink.dir().display());
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("{USAGE}");
            ExitCode::FAILURE
        }
    }
}
