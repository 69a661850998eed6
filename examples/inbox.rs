//! The inbox's admin tool: counts, dead deliveries, re-drives, purges. Prints JSON lines.
//!
//! ```text
//! cargo run --example inbox -- --url sqlite://inbox.db stats
//! cargo run --example inbox -- --url postgres://user@127.0.0.1/app dead
//! cargo run --example inbox -- --url sqlite://inbox.db redrive 42
//! cargo run --example inbox -- --url sqlite://inbox.db redrive --all
//! cargo run --example inbox -- --url sqlite://inbox.db purge
//! ```
//!
//! `--url` defaults to `$INBOX_URL`, as the receivers read it.
//!
//! - `stats`: `{"pending":N,"running":N,"done":N,"dead":N,"oldest_pending_ms":N|null}`;
//! - `dead`: one line per dead delivery (`row_id`, `scheme`, `delivery_id`, `event_type`,
//!   `attempts`, `last_error`, ...), oldest first, at most 1,000;
//! - `redrive <ROW_ID>` or `redrive --all`: makes dead deliveries pending again (attempts reset),
//!   `{"redriven":N}`; a running receiver's workers pick them up;
//! - `purge`: deletes done deliveries older than the retention (7 days), `{"purged":N}`.

use std::process::ExitCode;

use serde::Serialize;
use webhook_guard::inbox::{Backend, Inbox, InboxError};

const USAGE: &str = "usage: inbox [--url URL] <stats | dead | redrive <ROW_ID | --all> | purge>";

fn line(value: &impl Serialize) {
    println!("{}", serde_json::to_string(value).expect("serialises"));
}

async fn run<DB: Backend>(url: &str, command: &[String]) -> Result<bool, InboxError> {
    let inbox = Inbox::<DB>::connect(url).await?;
    match command
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["stats"] => line(&inbox.stats().await?),
        ["dead"] => {
            for row in inbox.dead(1000).await? {
                line(&row);
            }
        }
        ["redrive", "--all"] => {
            line(&serde_json::json!({ "redriven": inbox.redrive(None).await? }))
        }
        ["redrive", id] => match id.parse::<i64>() {
            Ok(id) => line(&serde_json::json!({ "redriven": inbox.redrive(Some(id)).await? })),
            Err(_) => return Ok(false),
        },
        ["purge"] => line(&serde_json::json!({ "purged": inbox.purge().await? })),
        _ => return Ok(false),
    }
    Ok(true)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let url = match args.iter().position(|a| a == "--url") {
        Some(i) if i + 1 < args.len() => {
            let url = args.remove(i + 1);
            args.remove(i);
            Some(url)
        }
        _ => std::env::var("INBOX_URL").ok().filter(|u| !u.is_empty()),
    };
    let Some(url) = url else {
        eprintln!("{USAGE}\n(no --url and no INBOX_URL)");
        return ExitCode::FAILURE;
    };
    let result = if url.starts_with("sqlite:") {
        run::<sqlx::Sqlite>(&url, &args).await
    } else {
        run::<sqlx::Postgres>(&url, &args).await
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("{USAGE}");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("inbox: {error}");
            ExitCode::FAILURE
        }
    }
}
