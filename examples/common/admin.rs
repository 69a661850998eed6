//! The operator's console (`webhook_guard::admin`) at `/admin`, when `ADMIN_TOKEN` is set:
//! user `admin` and the token as password, or `Authorization: Bearer <token>`. Inline, it shows
//! the dead letters; in inbox mode, the inbox too. Unset, nothing is mounted: `/admin` is 404.

use webhook_guard::admin::Console;
use webhook_guard::dead_letter::JsonLinesSink;

use super::inbox::AnyInbox;

/// Where the console is mounted.
pub const PATH: &str = "/admin";

/// The console, if `ADMIN_TOKEN` is set; exits with the reason if it is set but empty.
pub fn console(inbox: Option<&AnyInbox>) -> Option<Console> {
    let console = match Console::from_env() {
        Ok(console) => console?,
        Err(error) => {
            eprintln!("ADMIN_TOKEN: {error}");
            std::process::exit(2);
        }
    };
    let console = console.dead_letters(JsonLinesSink::new(super::dead_letter_dir()));
    let console = match inbox {
        Some(AnyInbox::Sqlite(inbox)) => console.inbox(inbox.clone()),
        Some(AnyInbox::Postgres(inbox)) => console.inbox(inbox.clone()),
        None => console,
    };
    eprintln!("operator's console at {PATH} (ADMIN_TOKEN)");
    Some(console)
}
