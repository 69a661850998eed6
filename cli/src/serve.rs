//! `webhook-guard serve`.

use std::path::PathBuf;
use std::process::ExitCode;

/// `serve`'s arguments.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The configuration file (TOML).
    #[arg(long)]
    pub config: PathBuf,
}

pub async fn run(args: ServeArgs) -> Result<ExitCode, String> {
    Err(format!("{}: serve is not built yet", args.config.display()))
}
