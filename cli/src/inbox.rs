//! `webhook-guard inbox`: the durable inbox's operations, each answer as JSON lines; and the
//! inbox of either database, for `serve`.

use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;
use webhook_guard::Guard;
use webhook_guard::inbox::{
    Filter, HandlerError, Inbox, InboxDelivery, InboxOptions, RowDetail, RowSummary, State, Worker,
};

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

    async fn list(&self, filter: &Filter) -> Result<Vec<RowSummary>, String> {
        each!(self, inbox => inbox.list(filter).await).map_err(|e| e.to_string())
    }

    async fn show(&self, row_id: i64) -> Result<Option<RowDetail>, String> {
        each!(self, inbox => inbox.show(row_id).await).map_err(|e| e.to_string())
    }

    async fn redrive(&self, row_id: Option<i64>) -> Result<u64, String> {
        each!(self, inbox => inbox.redrive(row_id).await).map_err(|e| e.to_string())
    }

    async fn redrive_where(&self, filter: &Filter) -> Result<u64, String> {
        each!(self, inbox => inbox.redrive_where(filter).await).map_err(|e| e.to_string())
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
    /// Rows, newest first, one JSON line each (a summary: no body).
    List {
        /// Only rows in this state: pending, running, done or dead.
        #[arg(long)]
        state: Option<State>,
        /// Only this provider's (route's scheme's) rows.
        #[arg(long)]
        provider: Option<String>,
        /// At most this many rows.
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// Only rows older than this row id: the next page after a listing's last row.
        #[arg(long)]
        before: Option<i64>,
    },
    /// One row in full (headers, body, trace context): one JSON line.
    Show {
        /// The row id (`row_id` in `list`).
        id: i64,
    },
    /// Make rows pending again, their attempts reset: one dead row, every dead row, or the
    /// dead (or pending) rows of a state and provider.
    Redrive {
        /// The row id.
        #[arg(conflicts_with_all = ["all", "state"])]
        id: Option<i64>,
        /// Every dead row.
        #[arg(long, conflicts_with = "state")]
        all: bool,
        /// The rows in this state (dead or pending).
        #[arg(long)]
        state: Option<State>,
        /// With --state: only this provider's rows.
        #[arg(long, requires = "state")]
        provider: Option<String>,
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
            before,
        } => {
            let mut filter = Filter::default().limit(limit);
            filter.state = state;
            filter.scheme = provider;
            filter.before = before;
            for row in inbox.list(&filter).await? {
                line(serde_json::to_value(row).map_err(|e| e.to_string())?);
            }
        }
        Operation::Show { id } => {
            let row = inbox
                .show(id)
                .await?
                .ok_or_else(|| format!("no row {id}"))?;
            line(serde_json::to_value(row).map_err(|e| e.to_string())?);
        }
        Operation::Redrive {
            id,
            all,
            state,
            provider,
        } => {
            let count = match (id, all, state) {
                (Some(id), _, _) => inbox.redrive(Some(id)).await?,
                (None, true, _) => inbox.redrive(None).await?,
                (None, false, Some(state)) => {
                    let mut filter = Filter::default().state(state).limit(u32::MAX);
                    filter.scheme = provider;
                    inbox.redrive_where(&filter).await?
                }
                (None, false, None) => {
                    return Err("redrive: give a row id, --all, or --state".into());
                }
            };
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
