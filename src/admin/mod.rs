//! The operator's console: HTML pages over the [inbox](crate::inbox) and the
//! [dead letters](crate::dead_letter), served by an axum [`Router`] that mounts under any path.
//!
//! What an operator woken at night needs: what is stuck and since when (the overview: rows by
//! state and by provider, the oldest pending age, deliveries acknowledged and handled per minute
//! over the last hour), the deliveries themselves (filtered by state, provider or id, newest
//! first, paged), one delivery in full (its headers, its body, its attempts, last error and
//! times), and a button: re-drive one delivery, the selected ones, or all the dead ones matching
//! a filter; purge handled rows by age. Each action is a `POST` carrying a CSRF token and is
//! confirmed on the page it leads to ("3 deliveries re-driven").
//!
//! Security:
//! - **Off unless configured**: there is no console without a [`Console`], and a `Console`
//!   needs a token ([`Console::from_env`] reads `ADMIN_TOKEN`). Without one, mount nothing:
//!   the path is a 404 like any other.
//! - **Credentials on every path**: HTTP Basic (user `admin`, password the token) or
//!   `Authorization: Bearer <token>`, compared in constant time; anything else is a 401 with
//!   `WWW-Authenticate: Basic` (the stylesheet and unknown paths included).
//! - **Escaped**: bodies and headers are attacker-influenced; every value is interpolated by
//!   `maud`, which escapes it (a body with `<script>` shows as text). No script at all is
//!   served, and `Content-Security-Policy` allows none (`default-src 'none'`).
//! - **No secret on a page**: the values of headers that carry a signature, a token or a key
//!   are shown as `[redacted]`; the admin token itself never appears (the CSRF token is an
//!   HMAC of it, not it).
//! - **CSRF**: each form carries a token derived from the credentials; a `POST` without it,
//!   or from another origin (`Origin`, `Sec-Fetch-Site`), is refused with a 403.
//!
//! A delivery's page lists every attempt from the inbox's history
//! ([`RowDetail::attempts`](crate::inbox::RowDetail::attempts)); the overview's chart counts
//! acknowledged, handled, failed and dead per minute over the last hour.
//!
//! ```no_run
//! # #[cfg(feature = "inbox-sqlite")]
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use webhook_guard::admin::Console;
//! use webhook_guard::dead_letter::JsonLinesSink;
//! use webhook_guard::inbox::Inbox;
//!
//! let inbox: Inbox<sqlx::Sqlite> = Inbox::connect("sqlite://inbox.db").await?;
//! let mut app: axum::Router = axum::Router::new(); // the receiver's own routes
//! // `ADMIN_TOKEN` unset: no console, and `/admin` is a 404.
//! if let Some(console) = Console::from_env()? {
//!     let console = console
//!         .inbox(inbox.clone())
//!         .dead_letters(JsonLinesSink::new("dead-letters"));
//!     app = app.nest("/admin", console.router());
//! }
//! # Ok(())
//! # }
//! ```

#[cfg(feature = "actix")]
mod actix;
mod auth;
mod pages;
mod rows;

use std::fmt;
use std::sync::Arc;

use axum::Router;

use crate::dead_letter::JsonLinesSink;

pub use rows::{MinuteCounts, Overview, Rows, RowsFuture, SchemeCounts};

/// The console's configuration: its token, and what it shows (an inbox, a dead-letter sink,
/// or both). Turn it into routes with [`router`](Self::router).
///
/// ```
/// use webhook_guard::admin::Console;
///
/// let console = Console::new("a long random token").unwrap();
/// assert_eq!(format!("{console:?}"), "Console { token: [redacted], inbox: false, dead_letters: false }");
/// let app: axum::Router = axum::Router::new().nest("/admin", console.router());
/// # drop(app);
/// ```
#[derive(Clone)]
pub struct Console {
    token: auth::Token,
    rows: Option<Arc<dyn Rows>>,
    sink: Option<Arc<JsonLinesSink>>,
}

/// Why a [`Console`] could not be configured.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConsoleError {
    /// The token is empty (or only whitespace): a console must not open to anyone.
    EmptyToken,
}

impl fmt::Display for ConsoleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyToken => f.write_str("the admin token is empty"),
        }
    }
}

impl std::error::Error for ConsoleError {}

impl fmt::Debug for Console {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Console")
            .field("token", &format_args!("[redacted]"))
            .field("inbox", &self.rows.is_some())
            .field("dead_letters", &self.sink.is_some())
            .finish()
    }
}

impl Console {
    /// A console behind `token`: HTTP Basic with user `admin` and the token as password, or
    /// `Authorization: Bearer <token>`. Errors when the token is empty.
    ///
    /// ```
    /// use webhook_guard::admin::{Console, ConsoleError};
    ///
    /// assert_eq!(Console::new(" ").unwrap_err(), ConsoleError::EmptyToken);
    /// assert!(Console::new("s3cr3t-token").is_ok());
    /// ```
    pub fn new(token: impl AsRef<str>) -> Result<Self, ConsoleError> {
        let token = token.as_ref();
        if token.trim().is_empty() {
            return Err(ConsoleError::EmptyToken);
        }
        Ok(Self {
            token: auth::Token::new(token),
            rows: None,
            sink: None,
        })
    }

    /// The console behind `$ADMIN_TOKEN`, or `None` when it is unset (the console is off).
    /// Errors when it is set but empty: a misconfiguration, not a way to turn it off.
    ///
    /// ```
    /// use webhook_guard::admin::Console;
    ///
    /// // In a receiver's `main`:
    /// match Console::from_env() {
    ///     // Mount `console.router()`.
    ///     Ok(Some(console)) => drop(console),
    ///     // No console: its path is a 404.
    ///     Ok(None) => {}
    ///     Err(error) => eprintln!("ADMIN_TOKEN: {error}"),
    /// }
    /// ```
    pub fn from_env() -> Result<Option<Self>, ConsoleError> {
        match std::env::var("ADMIN_TOKEN") {
            Ok(token) => Self::new(token).map(Some),
            Err(_) => Ok(None),
        }
    }

    /// Shows `inbox`'s rows (an [`Inbox`](crate::inbox::Inbox) on SQLite or PostgreSQL, or any
    /// [`Rows`]) and lets the operator re-drive and purge them.
    ///
    /// ```no_run
    /// # #[cfg(feature = "inbox-postgres")]
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use webhook_guard::inbox::Inbox;
    ///
    /// let inbox: Inbox<sqlx::Postgres> = Inbox::connect("postgres://localhost/app").await?;
    /// let console = webhook_guard::admin::Console::new("token")?.inbox(inbox);
    /// # drop(console);
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn inbox(mut self, rows: impl Rows) -> Self {
        self.rows = Some(Arc::new(rows));
        self
    }

    /// Shows the dead letters of `sink` (read-only: a dead letter is re-driven through the
    /// application's handler, with [`JsonLinesSink::redrive`]).
    ///
    /// ```
    /// use webhook_guard::dead_letter::JsonLinesSink;
    ///
    /// let console = webhook_guard::admin::Console::new("token")
    ///     .unwrap()
    ///     .dead_letters(JsonLinesSink::new("dead-letters"));
    /// # drop(console);
    /// ```
    #[must_use]
    pub fn dead_letters(mut self, sink: impl Into<Arc<JsonLinesSink>>) -> Self {
        self.sink = Some(sink.into());
        self
    }

    /// The console's routes, to [`nest`](Router::nest) under any path: `/` (the overview),
    /// `/deliveries`, `/deliveries/{row}`, `/dead-letters`, the actions (`POST /redrive`,
    /// `POST /deliveries/{row}/redrive`, `POST /purge`) and `/console.css`; every one behind
    /// the credentials. Links are made from the path the request came in on, so the same
    /// router works under `/admin`, `/ops/webhooks` or `/`.
    ///
    /// ```
    /// let console = webhook_guard::admin::Console::new("token").unwrap();
    /// let app: axum::Router = axum::Router::new().nest("/ops/webhooks", console.router());
    /// # drop(app);
    /// ```
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        pages::router(Arc::new(pages::Shared {
            token: self.token.clone(),
            rows: self.rows.clone(),
            sink: self.sink.clone(),
        }))
    }

    /// The same console as an actix-web [`Scope`](actix_web::Scope) mounted at `path`
    /// (feature `actix` too): the same pages, credentials and checks, served by calling
    /// [`router`](Self::router) for each request under `path`.
    ///
    /// ```
    /// use actix_web::App;
    ///
    /// let console = webhook_guard::admin::Console::new("token").unwrap();
    /// let app = App::new().service(console.actix_scope("/admin"));
    /// # drop(app);
    /// ```
    #[cfg(feature = "actix")]
    #[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
    pub fn actix_scope(&self, path: &str) -> actix_web::Scope {
        actix::scope(path, self.router())
    }
}
