//! `webhook-guard inbox`: the durable inbox's operations, each answer as JSON lines; and the
//! inbox of either database, for `serve`.

use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;
use webhook_guard::Guard;
use webhook_guard::inbox::{DeadRow, HandlerError, Inbox, InboxDelivery, InboxOptions, Worker};

/// An inbox on whichever database its URL names.
#[derive(Clone)]
pub enum AnyInbox {
    Sqlite(Inbox<sqlx::Sqlite>),
    Postgres(Inbox<sqlx::Postgres>),
}

/// Runs the same code for either database, with `$inbox` bound to the concrete inbox.
macro_rules! each {
    ($any:expr, $inbox:ident => $body:expr) => {
        match $any {
            AnyInbox::Sqlite($inbox) => $body,
            AnyInbox::Postgres($inbox) => $body,
        }
    };
}

impl AnyInbox {
    /// Connects to `url`: `sqlite://PATH` (created when missing) or `postgres://…`.
    pub async fn connect(url: &str, options: InboxOptions) -> Result<Self, String> {
        let fail = |e: webhook_guard::inbox::InboxError| format!("inbox {url}: {e}");
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite(
                Inbox::connect_with(url, options).await.map_err(fail)?,
            ))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Self::Postgres(
                Inbox::connect_with(url, options).await.map_err(fail)?,
            ))
        } else {
            Err(format!(
                "inbox {url:?}: expected sqlite://PATH or postgres://..."
            ))
        }
    }

    /// `guard` in inbox mode.
    pub fn guard(&self, guard: Guard) -> Guard {
        each!(self, inbox => guard.inbox(inbox.clone()))
    }

    /// Starts `concurrency` workers running `handler` (its effects at least once).
    pub fn run<F, Fut>(&self, concurrency: usize, handler: F) -> Worker
    where
        F: Fn(InboxDelivery) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        each!(self, inbox => inbox.worker().concurrency(concurrency).run(handler))
    }

    pub async fn stats(&self) -> Result<webhook_guard::inbox::Stats, String> {
        each!(self, inbox => inbox.stats().await).map_err(|e| e.to_string())
    }

    async fn dead(&self, limit: u32) -> Result<Vec<DeadRow>, String> {
        each!(self, inbox => inbox.dead(limit).await).map_err(|e| e.to_string())
    }

    async fn redrive(&self, row_id: Option<i64>) -> Result<u64, String> {
        each!(self, inbox => inbox.redrive(row_id).await).map_err(|e| e.to_string())
    }

    async fn purge(&self) -> Result<u64, String> {
        each!(self, inbox => inbox.purge().await).map_err(|e| e.to_string())
    }
}

/// `inbox`'s arguments.
#[derive(Debug, clap::Args)]
pub struct InboxArgs {
    /// The inbox's database URL (`sqlite://PATH` or `postgres://...`).
    #[arg(long, env = "INBOX_URL")]
    pub url: String,
    #[command(subcommand)]
    pub operation: Operation,
}

/// An operation on the inbox.
#[derive(Debug, Subcommand)]
pub enum Operation {
    /// Rows by state and the oldest pending delivery's age: one JSON line.
    Stats,
    /// Rows of a state (this version of the library lists the dead ones), one JSON line each.
    List {
        /// The state: only `dead` in this version.
        #[arg(long, default_value = "dead")]
        state: String,
        /// Only this provider's (scheme's) rows.
        #[arg(long)]
        provider: Option<String>,
        /// At most this many rows.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// One dead row, by its row id: one JSON line.
    Show {
        /// The row id (`row_id` in `list`).
        id: i64,
    },
    /// Make dead rows pending again, their attempts reset: one row, or all.
    Redrive {
        /// The row id.
        id: Option<i64>,
        /// Every dead row.
        #[arg(long, conflicts_with = "id")]
        all: bool,
    },
    /// Delete done rows older than the retention (late copies of them are then new).
    Purge {
        /// The retention: `7d`, `12h`, `30m`, `90s` (default 7 days).
        #[arg(long, default_value = "7d")]
        older_than: String,
    },
}

/// `7d`, `12h`, `30m`, `90s` (or plain seconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?}: expected a number and a unit (7d, 12h, 30m, 90s)"))?;
    let seconds = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{text:?}: the unit is one of d, h, m, s")),
    };
    Ok(Duration::from_secs(number.saturating_mul(seconds)))
}

pub async fn run(args: InboxArgs) -> Result<ExitCode, String> {
    let mut options = InboxOptions::default();
    if let Operation::Purge { older_than } = &args.operation {
        options.retention = parse_duration(older_than)?;
    }
    let inbox = AnyInbox::connect(&args.url, options).await?;
    let line = |value: serde_json::Value| println!("{value}");
    match args.operation {
        Operation::Stats => {
            line(serde_json::to_value(inbox.stats().await?).map_err(|e| e.to_string())?)
        }
        Operation::List {
            state,
            provider,
            limit,
        } => {
            if state != "dead" {
                return Err(format!(
                    "--state {state}: this version of the inbox lists dead rows only"
                ));
            }
            let rows = inbox.dead(limit).await?;
            for row in rows
                .iter()
                .filter(|row| provider.as_deref().is_none_or(|p| row.scheme == p))
            {
                line(serde_json::to_value(row).map_err(|e| e.to_string())?);
            }
        }
        Operation::Show { id } => {
            let rows = inbox.dead(u32::MAX).await?;
            let row = rows
                .iter()
                .find(|row| row.row_id == id)
                .ok_or_else(|| format!("no dead row {id}"))?;
            line(serde_json::to_value(row).map_err(|e| e.to_string())?);
        }
        Operation::Redrive { id, all } => {
            if id.is_none() && !all {
                return Err("redrive: give a row id, or --all".into());
            }
            let count = inbox.redrive(id).await?;
            line(serde_json::json!({ "redriven": count }));
        }
        Operation::Purge { .. } => {
            let count = inbox.purge().await?;
            line(serde_json::json!({ "purged": count }));
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_a_unit() {
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert!(parse_duration("7w").is_err());
        assert!(parse_duration("d").is_err());
    }
}
