//! What the console reads and does on an inbox, as an object-safe trait: the router holds one
//! `Arc<dyn Rows>` whatever the database.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::inbox::{Filter, InboxError, RowDetail, RowSummary, Stats};

/// A boxed future of the console's operations (the trait is object-safe).
pub type RowsFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, InboxError>> + Send + 'a>>;

/// The operations the console needs from an inbox. Implemented for
/// [`Inbox<sqlx::Sqlite>`](crate::inbox::Inbox) (feature `inbox-sqlite`) and
/// [`Inbox<sqlx::Postgres>`](crate::inbox::Inbox) (feature `inbox-postgres`); implement it to
/// show rows from elsewhere (a test double, a proxy to another service).
///
/// ```
/// use std::time::Duration;
/// use webhook_guard::admin::{Overview, Rows, RowsFuture};
/// use webhook_guard::inbox::{Filter, RowDetail, RowSummary};
///
/// /// An empty inbox.
/// struct Empty;
///
/// impl Rows for Empty {
///     fn overview(&self) -> RowsFuture<'_, Overview> { Box::pin(async { Ok(Overview::default()) }) }
///     fn list<'a>(&'a self, _: &'a Filter) -> RowsFuture<'a, Vec<RowSummary>> { Box::pin(async { Ok(vec![]) }) }
///     fn show(&self, _: i64) -> RowsFuture<'_, Option<RowDetail>> { Box::pin(async { Ok(None) }) }
///     fn redrive(&self, _: i64) -> RowsFuture<'_, u64> { Box::pin(async { Ok(0) }) }
///     fn redrive_where<'a>(&'a self, _: &'a Filter) -> RowsFuture<'a, u64> { Box::pin(async { Ok(0) }) }
///     fn purge_older_than(&self, _: Duration) -> RowsFuture<'_, u64> { Box::pin(async { Ok(0) }) }
/// }
///
/// let console = webhook_guard::admin::Console::new("token").unwrap().inbox(Empty);
/// # drop(console);
/// ```
pub trait Rows: Send + Sync + 'static {
    /// The overview page's figures.
    fn overview(&self) -> RowsFuture<'_, Overview>;
    /// Rows matching `filter`, newest first ([`Inbox::list`](crate::inbox::Inbox::list)).
    fn list<'a>(&'a self, filter: &'a Filter) -> RowsFuture<'a, Vec<RowSummary>>;
    /// One row in full ([`Inbox::show`](crate::inbox::Inbox::show)).
    fn show(&self, row_id: i64) -> RowsFuture<'_, Option<RowDetail>>;
    /// Makes dead row `row_id` pending again; how many (0 or 1)
    /// ([`Inbox::redrive`](crate::inbox::Inbox::redrive)).
    fn redrive(&self, row_id: i64) -> RowsFuture<'_, u64>;
    /// Makes the rows matching `filter` pending again; how many
    /// ([`Inbox::redrive_where`](crate::inbox::Inbox::redrive_where)).
    fn redrive_where<'a>(&'a self, filter: &'a Filter) -> RowsFuture<'a, u64>;
    /// Deletes done rows handled more than `age` ago; how many
    /// ([`Inbox::purge_older_than`](crate::inbox::Inbox::purge_older_than)).
    fn purge_older_than(&self, age: Duration) -> RowsFuture<'_, u64>;
}

/// The overview page's figures.
///
/// ```
/// let overview = webhook_guard::admin::Overview::default();
/// assert_eq!(overview.stats.pending, 0);
/// assert!(overview.by_scheme.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Overview {
    /// Rows by state, and the oldest pending age. Pending, running and dead are exact; done is
    /// the table's size less those, and on PostgreSQL that size is the planner's estimate
    /// (`pg_class.reltuples`, kept by autovacuum), since an exact `COUNT(*)` reads the table.
    pub stats: Stats,
    /// Rows by provider (scheme) and state, by scheme name.
    pub by_scheme: Vec<SchemeCounts>,
    /// The last hour, one entry a minute, oldest first (empty when not computed).
    pub per_minute: Vec<MinuteCounts>,
    /// When the figures were read, in milliseconds since the Unix epoch.
    pub now_ms: i64,
}

/// One provider's rows that may need an operator, by state (handled rows are not counted by
/// provider: that would read the whole table).
///
/// ```
/// let counts = webhook_guard::admin::SchemeCounts::new("github");
/// assert_eq!((counts.scheme.as_str(), counts.dead), ("github", 0));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SchemeCounts {
    /// The scheme's route name.
    pub scheme: String,
    /// Rows waiting to run.
    pub pending: u64,
    /// Rows being run.
    pub running: u64,
    /// Rows that exhausted their attempts.
    pub dead: u64,
}

impl SchemeCounts {
    /// Zero rows of `scheme`.
    pub fn new(scheme: impl Into<String>) -> Self {
        Self {
            scheme: scheme.into(),
            ..Self::default()
        }
    }
}

/// One minute of the overview's chart.
///
/// ```
/// let minute = webhook_guard::admin::MinuteCounts { minute_ms: 60_000, acknowledged: 3, handled: 2, failed: 1, dead: 0 };
/// assert!(minute.acknowledged >= minute.handled);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MinuteCounts {
    /// The minute's start, in milliseconds since the Unix epoch.
    pub minute_ms: i64,
    /// Deliveries received (acknowledged) in that minute.
    pub acknowledged: u64,
    /// Deliveries handled in that minute (rows done, by their done time).
    pub handled: u64,
    /// Attempts that failed in that minute and will be retried (the attempts' history).
    pub failed: u64,
    /// Deliveries that failed their last attempt in that minute.
    pub dead: u64,
}

/// The minutes of the last hour before `now_ms`, oldest first, from per-minute counts
/// (`(minute number since the epoch, count)`).
#[cfg_attr(
    not(any(feature = "inbox-sqlite", feature = "inbox-postgres")),
    allow(dead_code)
)]
pub(crate) fn last_hour(
    now_ms: i64,
    received: &[(i64, i64)],
    handled: &[(i64, i64)],
    failed: &[(i64, i64)],
    dead: &[(i64, i64)],
) -> Vec<MinuteCounts> {
    let current = now_ms.div_euclid(60_000);
    (current - 59..=current)
        .map(|minute| {
            let count = |counts: &[(i64, i64)]| {
                counts
                    .iter()
                    .filter(|(m, _)| *m == minute)
                    .map(|(_, n)| u64::try_from(*n).unwrap_or(0))
                    .sum()
            };
            MinuteCounts {
                minute_ms: minute.saturating_mul(60_000),
                acknowledged: count(received),
                handled: count(handled),
                failed: count(failed),
                dead: count(dead),
            }
        })
        .collect()
}

/// Milliseconds since the Unix epoch (0 for a clock before it).
#[cfg_attr(
    not(any(feature = "inbox-sqlite", feature = "inbox-postgres")),
    allow(dead_code)
)]
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

/// `Rows` for an inbox on one database: its own methods, and two grouped counts for the
/// overview (by scheme; per minute over the last hour).
#[cfg_attr(
    not(any(feature = "inbox-sqlite", feature = "inbox-postgres")),
    allow(unused_macros)
)]
macro_rules! rows_for {
    ($db:ty, total: $total:literal) => {
        impl Rows for crate::inbox::Inbox<$db> {
            fn overview(&self) -> RowsFuture<'_, Overview> {
                Box::pin(async move {
                    use sqlx::Row as _;
                    let now_ms = now_ms();
                    let since = (now_ms.div_euclid(60_000) - 59) * 60_000;
                    let per_minute = |sql: &'static str| async move {
                        let rows = sqlx::query(sql).bind(since).fetch_all(self.pool()).await?;
                        rows.iter()
                            .map(|row| Ok((row.try_get::<i64, _>(0)?, row.try_get::<i64, _>(1)?)))
                            .collect::<Result<Vec<_>, sqlx::Error>>()
                    };
                    // The four statements at once, each on its own connection: the page waits
                    // for the slowest, not for their sum.
                    let (total, row, grouped, received, handled, failed, died) = tokio::try_join!(
                        // The table's size, a statement of its own: SQLite counts a table
                        // from its B-tree only in a top-level `COUNT(*)` (6 ms for 1,000,000
                        // rows; 40 ms as a subquery, which walks an index).
                        sqlx::query_scalar::<_, i64>($total).fetch_one(self.pool()),
                        // The other counts in one statement, none reading the rows: pending,
                        // running and dead rows have partial indexes; done is the rest of the
                        // total. The oldest pending row is the first inserted (rows are
                        // inserted in the order received): its id from the partial index,
                        // then that one row (`ORDER BY id LIMIT 1` read all 20,000 pending
                        // rows of a 1,000,000-row table: 35 ms).
                        sqlx::query(
                            "SELECT (SELECT COUNT(*) FROM webhook_inbox WHERE state = 'pending'), \
                             (SELECT COUNT(*) FROM webhook_inbox WHERE state = 'running'), \
                             (SELECT COUNT(*) FROM webhook_inbox WHERE state = 'dead'), \
                             (SELECT received_at FROM webhook_inbox WHERE id = (SELECT MIN(id) FROM webhook_inbox WHERE state = 'pending')), \
                             (SELECT received_at FROM webhook_inbox WHERE id = (SELECT MIN(id) FROM webhook_inbox WHERE state = 'running'))",
                        )
                        .fetch_one(self.pool()),
                        // By provider: the rows that need an operator (pending, running,
                        // dead), from the same partial indexes; done rows are not counted by
                        // provider (that reads the whole table).
                        // From one partial index that holds exactly those rows, with both
                        // columns: the table itself is never read.
                        sqlx::query(
                            "SELECT scheme, state, COUNT(*) FROM webhook_inbox \
                             WHERE state <> 'done' GROUP BY state, scheme",
                        )
                        .fetch_all(self.pool()),
                        per_minute(
                            "SELECT received_at / 60000, COUNT(*) FROM webhook_inbox \
                             WHERE received_at >= $1 GROUP BY received_at / 60000",
                        ),
                        per_minute(
                            "SELECT done_at / 60000, COUNT(*) FROM webhook_inbox \
                             WHERE state = 'done' AND done_at >= $1 GROUP BY done_at / 60000",
                        ),
                        // Failures, from the attempts' history (its index on the end time).
                        per_minute(
                            "SELECT finished_at / 60000, COUNT(*) FROM webhook_inbox_attempts \
                             WHERE finished_at >= $1 AND outcome = 'retried' GROUP BY finished_at / 60000",
                        ),
                        per_minute(
                            "SELECT finished_at / 60000, COUNT(*) FROM webhook_inbox_attempts \
                             WHERE finished_at >= $1 AND outcome = 'dead' GROUP BY finished_at / 60000",
                        ),
                    )
                    .map_err(InboxError::from)?;
                    let count = |i: usize| -> Result<u64, InboxError> {
                        let n: i64 = row.try_get(i).map_err(InboxError::from)?;
                        Ok(u64::try_from(n).unwrap_or(0))
                    };
                    let total = u64::try_from(total).unwrap_or(0);
                    let (pending, running, dead) = (count(0)?, count(1)?, count(2)?);
                    let oldest = [3, 4]
                        .into_iter()
                        .map(|i| row.try_get::<Option<i64>, _>(i).map_err(InboxError::from))
                        .collect::<Result<Vec<_>, _>>()?
                        .into_iter()
                        .flatten()
                        .min();
                    let mut stats = crate::inbox::Stats::default();
                    stats.pending = pending;
                    stats.running = running;
                    stats.dead = dead;
                    stats.done = total.saturating_sub(pending + running + dead);
                    stats.oldest_pending_ms = oldest.map(|at| now_ms.saturating_sub(at).max(0));
                    let mut by_scheme: Vec<SchemeCounts> = Vec::new();
                    for row in grouped {
                        let scheme: String = row.try_get(0).map_err(InboxError::from)?;
                        let state: String = row.try_get(1).map_err(InboxError::from)?;
                        let count: i64 = row.try_get(2).map_err(InboxError::from)?;
                        let index = match by_scheme.iter().position(|counts| counts.scheme == scheme) {
                            Some(index) => index,
                            None => {
                                by_scheme.push(SchemeCounts::new(scheme));
                                by_scheme.len() - 1
                            }
                        };
                        let counts = &mut by_scheme[index];
                        let count = u64::try_from(count).unwrap_or(0);
                        match state.as_str() {
                            "pending" => counts.pending = count,
                            "running" => counts.running = count,
                            _ => counts.dead = count,
                        }
                    }
                    by_scheme.sort_by(|a, b| a.scheme.cmp(&b.scheme));
                    Ok(Overview {
                        stats,
                        by_scheme,
                        per_minute: last_hour(now_ms, &received, &handled, &failed, &died),
                        now_ms,
                    })
                })
            }

            fn list<'a>(&'a self, filter: &'a Filter) -> RowsFuture<'a, Vec<RowSummary>> {
                Box::pin(crate::inbox::Inbox::list(self, filter))
            }

            fn show(&self, row_id: i64) -> RowsFuture<'_, Option<RowDetail>> {
                Box::pin(crate::inbox::Inbox::show(self, row_id))
            }

            fn redrive(&self, row_id: i64) -> RowsFuture<'_, u64> {
                Box::pin(crate::inbox::Inbox::redrive(self, Some(row_id)))
            }

            fn redrive_where<'a>(&'a self, filter: &'a Filter) -> RowsFuture<'a, u64> {
                Box::pin(crate::inbox::Inbox::redrive_where(self, filter))
            }

            fn purge_older_than(&self, age: Duration) -> RowsFuture<'_, u64> {
                Box::pin(crate::inbox::Inbox::purge_older_than(self, age))
            }
        }
    };
}

#[cfg(feature = "inbox-sqlite")]
// SQLite counts the table from its narrowest index (5 ms for 1,000,000 rows).
rows_for!(sqlx::Sqlite, total: "SELECT COUNT(*) FROM webhook_inbox");
#[cfg(feature = "inbox-postgres")]
// PostgreSQL's `COUNT(*)` reads the whole table: the planner's estimate instead (kept by
// autovacuum's ANALYZE), and the exact count only while the table has never been analysed.
rows_for!(
    sqlx::Postgres,
    total: "SELECT CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint \
            ELSE (SELECT COUNT(*) FROM webhook_inbox) END \
            FROM pg_class c WHERE c.oid = 'webhook_inbox'::regclass"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_hour_has_sixty_minutes_ending_now_with_the_counts_in_place() {
        let now = 1_000 * 60_000 + 12_345; // minute 1000
        let minutes = last_hour(
            now,
            &[(1000, 4), (990, 2), (900, 9)],
            &[(999, 1)],
            &[(998, 3)],
            &[(1000, 1)],
        );
        assert_eq!(minutes.len(), 60);
        assert_eq!(minutes[0].minute_ms, 941 * 60_000);
        assert_eq!(minutes[59].minute_ms, 1000 * 60_000);
        assert_eq!(minutes[59].acknowledged, 4);
        assert_eq!(minutes[49].acknowledged, 2);
        assert_eq!(minutes[58].handled, 1);
        assert_eq!((minutes[57].failed, minutes[59].dead), (3, 1));
        // Minute 900 is more than an hour ago: not shown.
        assert_eq!(minutes.iter().map(|m| m.acknowledged).sum::<u64>(), 6);
    }
}
