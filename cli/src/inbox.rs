//! `webhook-guard inbox`.

use std::process::ExitCode;

/// `inbox`'s arguments.
#[derive(Debug, clap::Args)]
pub struct InboxArgs {
    /// The inbox's database URL (`sqlite://PATH` or `postgres://...`).
    #[arg(long)]
    pub url: String,
}

pub async fn run(args: InboxArgs) -> Result<ExitCode, String> {
    Err(format!("{}: inbox is not built yet", args.url))
}
