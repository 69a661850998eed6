//! Workers: claim rows, run the handler under a renewed lease, mark done or schedule a retry.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use sqlx::Transaction;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use super::{Attempt, Backend, Inbox, InboxDelivery, State, millis, now_ms, random_u64, telemetry};

/// What a handler's failure carries: any error (its text is kept as the row's last error).
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

type BoxFuture<T> = std::pin::Pin<Box<dyn Future<Output = Result<T, HandlerError>> + Send>>;

/// A transactional handler: it gets and gives back the done-mark's transaction.
type TxHandler<DB> = dyn Fn(InboxDelivery, Transaction<'static, DB>) -> BoxFuture<Transaction<'static, DB>>
    + Send
    + Sync;

/// The handler, in either form.
enum Run<DB: Backend> {
    /// Runs inside the transaction of the done-mark (holding a connection while it runs).
    Transactional(Arc<TxHandler<DB>>),
    /// Runs with no connection held; the done-mark's transaction begins after it.
    Plain(Arc<dyn Fn(InboxDelivery) -> BoxFuture<()> + Send + Sync>),
}

impl<DB: Backend> Clone for Run<DB> {
    fn clone(&self) -> Self {
        match self {
            Self::Transactional(handler) => Self::Transactional(Arc::clone(handler)),
            Self::Plain(handler) => Self::Plain(Arc::clone(handler)),
        }
    }
}

/// Configures and starts [`Worker`]s. From [`Inbox::worker`].
///
/// ```no_run
/// # #[cfg(feature = "inbox-sqlite")]
/// # async fn demo(inbox: webhook_guard::inbox::Inbox<sqlx::Sqlite>) {
/// use webhook_guard::inbox::InboxDelivery;
///
/// // At-least-once: a plain handler (its effects live elsewhere).
/// let worker = inbox.worker().concurrency(4).run(|delivery: InboxDelivery| async move {
///     println!("{} {}", delivery.scheme(), delivery.id());
///     Ok(())
/// });
/// worker.shutdown().await;
/// # }
/// ```
pub struct WorkerBuilder<DB: Backend> {
    inbox: Inbox<DB>,
    concurrency: usize,
    shutdown_grace: Duration,
    on_done: Option<OnDone>,
}

/// What runs once a delivery's done-mark has committed.
type OnDone = Arc<dyn Fn(&InboxDelivery) + Send + Sync>;

impl<DB: Backend> fmt::Debug for WorkerBuilder<DB> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerBuilder")
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl<DB: Backend> WorkerBuilder<DB> {
    pub(super) fn new(inbox: Inbox<DB>) -> Self {
        Self {
            inbox,
            concurrency: 8,
            shutdown_grace: Duration::from_secs(10),
            on_done: None,
        }
    }

    /// Runs `callback` after a delivery's done-mark has committed, and only then: never for an
    /// attempt that failed, was rolled back, or lost its lease. For what must follow the
    /// commit and may be lost in a crash right after it (a log line, a notification, waking
    /// another part of your program), never for the effect itself.
    ///
    /// ```no_run
    /// # #[cfg(feature = "inbox-sqlite")]
    /// # async fn demo(inbox: webhook_guard::inbox::Inbox<sqlx::Sqlite>) {
    /// use webhook_guard::inbox::InboxDelivery;
    ///
    /// let worker = inbox
    ///     .worker()
    ///     .on_done(|delivery: &InboxDelivery| println!("handled {}", delivery.id()))
    ///     .run(|_delivery: InboxDelivery| async { Ok(()) });
    /// # worker.shutdown().await;
    /// # }
    /// ```
    #[must_use]
    pub fn on_done(mut self, callback: impl Fn(&InboxDelivery) + Send + Sync + 'static) -> Self {
        self.on_done = Some(Arc::new(callback));
        self
    }

    /// Handlers run at the same time, in this process (default 8).
    #[must_use]
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// How long [`Worker::shutdown`] lets running handlers finish before it gives their rows
    /// back (default 10 s).
    #[must_use]
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// Starts workers running `handler` in the transaction that marks each row done: its
    /// writes (to the inbox's database, through `tx`) and the done-mark commit together, or
    /// not at all. Return the transaction to commit; return an error to roll back and retry.
    pub fn transactional<F, Fut>(self, handler: F) -> Worker
    where
        F: Fn(InboxDelivery, Transaction<'static, DB>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Transaction<'static, DB>, HandlerError>> + Send + 'static,
    {
        self.start(Run::Transactional(Arc::new(move |delivery, tx| {
            Box::pin(handler(delivery, tx))
        })))
    }

    /// Starts workers running `handler`; the row is marked done after it returns `Ok`
    /// (at-least-once for its effects: see the [module docs](super)). No database connection
    /// is held while it runs, so slow handlers never starve the pool.
    pub fn run<F, Fut>(self, handler: F) -> Worker
    where
        F: Fn(InboxDelivery) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        self.start(Run::Plain(Arc::new(move |delivery| {
            Box::pin(handler(delivery))
        })))
    }

    fn start(self, run: Run<DB>) -> Worker {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(claim_loop(
            self.inbox,
            run,
            self.on_done,
            self.concurrency,
            self.shutdown_grace,
            stopped,
        ));
        Worker { stop, task }
    }
}

/// Running workers. [`shutdown`](Self::shutdown) stops them gracefully; dropping the value
/// leaves them running until the runtime stops (their rows are then claimed again when their
/// leases run out).
#[derive(Debug)]
pub struct Worker {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Worker {
    /// Stops claiming, lets running handlers finish within the grace period, gives back the
    /// rows of those that did not (their attempt is not counted), and returns.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

async fn claim_loop<DB: Backend>(
    inbox: Inbox<DB>,
    run: Run<DB>,
    on_done: Option<OnDone>,
    concurrency: usize,
    grace: Duration,
    mut stopped: watch::Receiver<bool>,
) {
    let options = inbox.options().clone();
    let slots = Arc::new(Semaphore::new(concurrency));
    let mut running: JoinSet<()> = JoinSet::new();
    let (release, _) = watch::channel(false);
    let mut last_rescue = tokio::time::Instant::now() - options.lease;
    let mut woken = inbox.wake_ups();
    let listener = tokio::spawn(DB::listen(inbox.pool().clone(), inbox.inner_wake()));
    let retention = options
        .purge_every
        .map(|every| tokio::spawn(purge_loop(inbox.clone(), every)));
    let _gauges = telemetry::refresh(&inbox);
    // False once the `Worker` was dropped without `shutdown`: its channel is closed, and
    // `changed()` would then return at once on every turn (a busy loop on the database).
    let mut stoppable = true;
    loop {
        if *stopped.borrow() {
            break;
        }
        // Seen: a wake-up from now on (rows inserted after this claim) ends the wait below.
        woken.borrow_and_update();
        // Rows whose lease ran out belong to a crashed worker: their attempt counts.
        if last_rescue.elapsed() >= options.lease / 4 {
            last_rescue = tokio::time::Instant::now();
            rescue(&inbox).await;
        }
        let free = slots.available_permits();
        let mut claimed = 0;
        if free > 0 {
            let token = random_u64() as i64;
            let lease_until = now_ms().saturating_add(millis(options.lease));
            let claim = DB::claim(inbox.pool(), free as i64, token, lease_until, now_ms());
            match bounded(options.unavailable_after, claim).await {
                Ok(rows) => {
                    claimed = rows.len();
                    for row in rows {
                        let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
                            // Cannot happen (we claimed at most `free`); give it back if it does.
                            let _ = DB::release(inbox.pool(), row.row_id, token, now_ms(), 0).await;
                            continue;
                        };
                        let (inbox, run, release) =
                            (inbox.clone(), run.clone(), release.subscribe());
                        let on_done = on_done.clone();
                        running.spawn(async move {
                            let delivery = InboxDelivery::from_claimed(row);
                            // Each attempt's logs share a span that names the request's trace
                            // (an OpenTelemetry layer can link the attempt to it).
                            let span = tracing::info_span!(
                                "inbox_attempt",
                                scheme = delivery.scheme(),
                                id = delivery.id(),
                                attempt = delivery.attempt(),
                                traceparent = delivery.traceparent(),
                            );
                            tracing::Instrument::instrument(
                                attempt(&inbox, &run, on_done.as_deref(), delivery, token, release),
                                span,
                            )
                            .await;
                            drop(permit);
                        });
                    }
                }
                Err(error) => tracing::warn!(%error, "inbox: claim failed; retrying"),
            }
        }
        while running.try_join_next().is_some() {}
        if claimed > 0 && claimed == free {
            continue; // more may be ready
        }
        tokio::select! {
            _ = woken.changed() => {}
            () = tokio::time::sleep(options.poll_interval) => {}
            _ = slots.acquire(), if free == 0 => {}
            changed = stopped.changed(), if stoppable => stoppable = changed.is_ok(),
        }
    }
    listener.abort();
    if let Some(retention) = retention {
        retention.abort();
    }
    // Graceful shutdown: let handlers finish, then give back what is still held.
    if tokio::time::timeout(grace, async {
        while running.join_next().await.is_some() {}
    })
    .await
    .is_err()
    {
        let _ = release.send(true);
        while running.join_next().await.is_some() {}
    }
}

/// Retention by itself: every `every`, done rows past the retention are deleted in small
/// batches (dead rows are kept for a re-drive). Every replica may run it: a batch another
/// replica deleted first is simply empty.
async fn purge_loop<DB: Backend>(inbox: Inbox<DB>, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        match inbox.purge().await {
            Ok(0) => {}
            Ok(rows) => tracing::info!(rows, "inbox: done rows past the retention deleted"),
            Err(error) => tracing::warn!(%error, "inbox: retention purge failed; next time"),
        }
    }
}

/// Counts each attempt whose worker died (its lease ran out) as a failed attempt: the row goes
/// through the same backoff as a handler's error, and is dead after the last attempt. Without
/// this, a delivery that kills its process (out of memory, a crash in native code, `kill -9`
/// mid-attempt) would be claimed again and again, for ever.
async fn rescue<DB: Backend>(inbox: &Inbox<DB>) {
    let options = inbox.options();
    let now = now_ms();
    let expired = match bounded(
        options.unavailable_after,
        DB::expired(inbox.pool(), now, 256),
    )
    .await
    {
        Ok(expired) => expired,
        Err(error) => {
            tracing::warn!(%error, "inbox: rescue failed");
            return;
        }
    };
    let max = i64::from(options.retry.max_attempts);
    for (row_id, token, attempts, scheme) in expired {
        let attempt = u32::try_from(attempts).unwrap_or(u32::MAX);
        let error = format!("the worker stopped during attempt {attempt} (its lease ran out)");
        let next = now.saturating_add(millis(options.retry.delay(attempt)));
        let rescued = DB::rescue(inbox.pool(), row_id, token, now, next, &error, max);
        let rescued = bounded(options.unavailable_after, rescued).await;
        telemetry::rescued(&scheme, &rescued);
        if let Ok(Some(state)) = &rescued {
            // When it started is not known: the lease's end stands for both times.
            let outcome = history_outcome(*state);
            let attempt = Attempt::new(row_id, attempts, now, now, outcome, Some(error.clone()));
            remember(options.unavailable_after, inbox.pool(), &attempt).await;
        }
        match rescued {
            Ok(Some(State::Dead)) => tracing::error!(
                scheme,
                row_id,
                attempt,
                outcome = "dead",
                "inbox: a worker stopped during the last attempt: dead"
            ),
            Ok(Some(_)) => tracing::warn!(
                scheme,
                row_id,
                attempt,
                outcome = "retry",
                "inbox: a worker stopped during an attempt; retrying later"
            ),
            Ok(None) => {} // renewed or finished in the meantime
            Err(error) => tracing::warn!(%error, "inbox: rescue failed"),
        }
    }
}

/// Adds an attempt to the history; a history that cannot be written loses a line, never a
/// delivery (the row's own state is already recorded).
async fn remember<DB: Backend>(bound: Duration, pool: &sqlx::Pool<DB>, attempt: &Attempt) {
    if let Err(error) = bounded(bound, DB::record(pool, attempt)).await {
        tracing::warn!(%error, row_id = attempt.row_id, "inbox: an attempt's history line was not written");
    }
}

/// The history's word for a failed attempt, by the state the row went to.
fn history_outcome(state: State) -> &'static str {
    if state == State::Dead {
        "dead"
    } else {
        "retried"
    }
}

/// A handler's future, with a panic turned into an error: a panicking handler is one failed
/// attempt (its message kept as the row's last error), not a worker task that dies and leaves
/// its row to wait for its lease.
struct CatchPanic<F>(F);

impl<F: Future + Unpin> Future for CatchPanic<F> {
    type Output = Result<F::Output, HandlerError>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let inner = &mut self.0;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            std::pin::Pin::new(inner).poll(cx)
        })) {
            Ok(std::task::Poll::Ready(output)) => std::task::Poll::Ready(Ok(output)),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(payload) => std::task::Poll::Ready(Err(panicked(payload))),
        }
    }
}

/// Calls `start` (the handler's synchronous part may panic too) and catches its future's panics.
fn catching<T>(
    start: impl FnOnce() -> BoxFuture<T>,
) -> impl Future<Output = Result<T, HandlerError>> {
    let started = std::panic::catch_unwind(std::panic::AssertUnwindSafe(start));
    async move {
        match started {
            Ok(future) => CatchPanic(future).await?,
            Err(payload) => Err(panicked(payload)),
        }
    }
}

fn panicked(payload: Box<dyn std::any::Any + Send>) -> HandlerError {
    let message = payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    format!("handler panicked: {message}").into()
}

/// Why an attempt did not complete.
enum Failure {
    /// The handler's own error or panic: a counted attempt, retried with backoff.
    Handler(HandlerError),
    /// A lock conflict the handler met (SQLite busy or snapshot, PostgreSQL serialisation or
    /// deadlock): not the handler's fault, retried uncounted.
    Conflict(HandlerError),
    /// The inbox's own statements failed (begin, done-mark, commit): retried uncounted.
    Inbox(HandlerError),
}

impl Failure {
    fn of_handler(error: HandlerError) -> Self {
        if is_conflict(&error) {
            Self::Conflict(error)
        } else {
            Self::Handler(error)
        }
    }
}

/// A database conflict that a retry resolves: SQLite `BUSY` (5), `LOCKED` (6) and their
/// extended codes (`BUSY_SNAPSHOT` 517, ...), PostgreSQL `serialization_failure` (40001)
/// and `deadlock_detected` (40P01).
fn is_conflict(error: &HandlerError) -> bool {
    let Some(sqlx::Error::Database(database)) = error.downcast_ref::<sqlx::Error>() else {
        return false;
    };
    let Some(code) = database.code() else {
        return false;
    };
    if code.len() == 5 {
        // A PostgreSQL SQLSTATE (five characters; SQLite's codes have at most four digits).
        return matches!(&*code, "40001" | "40P01");
    }
    // SQLite's primary code is the extended code's low byte.
    code.parse::<u32>()
        .is_ok_and(|sqlite| matches!(sqlite & 0xff, 5 | 6))
}

/// `statement`, or a timeout error after `limit`: a statement on a dead connection (a dropped
/// network path, a stopped server) must not hold a worker for ever.
async fn bounded<T>(
    limit: Duration,
    statement: impl Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, sqlx::Error> {
    tokio::time::timeout(limit, statement)
        .await
        .unwrap_or(Err(sqlx::Error::PoolTimedOut))
}

/// One attempt of one row: the handler under a renewed lease, then done or retry.
async fn attempt<DB: Backend>(
    inbox: &Inbox<DB>,
    run: &Run<DB>,
    on_done: Option<&(dyn Fn(&InboxDelivery) + Send + Sync)>,
    delivery: InboxDelivery,
    token: i64,
    mut release: watch::Receiver<bool>,
) {
    let options = inbox.options();
    let pool = inbox.pool();
    let started = tokio::time::Instant::now();
    let started_ms = now_ms();
    let (row_id, number, postponed) = (delivery.row_id(), delivery.attempt(), delivery.postponed);
    let record = |outcome: &str, error: Option<String>| {
        Attempt::new(
            row_id,
            i64::from(number),
            started_ms,
            now_ms(),
            outcome,
            error,
        )
    };
    let (scheme, id) = (delivery.scheme().to_owned(), delivery.id().to_owned());
    // The handler takes the delivery: a callback after the commit needs its own copy.
    let done_copy = on_done.map(|_| delivery.clone());
    let bound = options.unavailable_after;
    let inbox_fault = |error: sqlx::Error| Failure::Inbox(error.into());
    let work = async {
        let mut tx = match run {
            Run::Transactional(handler) => {
                let tx = bounded(bound, pool.begin()).await.map_err(inbox_fault)?;
                catching(|| handler(delivery, tx))
                    .await
                    .map_err(Failure::of_handler)?
            }
            Run::Plain(handler) => {
                catching(|| handler(delivery))
                    .await
                    .map_err(Failure::of_handler)?;
                bounded(bound, pool.begin()).await.map_err(inbox_fault)?
            }
        };
        let done = bounded(bound, DB::complete(&mut tx, row_id, token, now_ms()))
            .await
            .map_err(inbox_fault)?;
        if done {
            // The history's line commits with the done-mark, or neither does.
            bounded(bound, DB::record_in(&mut tx, &record("handled", None)))
                .await
                .map_err(inbox_fault)?;
            bounded(bound, tx.commit()).await.map_err(inbox_fault)?;
            Ok::<bool, Failure>(true)
        } else {
            // The lease was taken over (this worker stalled past it): someone else owns the
            // row now, and this attempt's writes must not land.
            let _ = bounded(bound, tx.rollback()).await;
            Ok(false)
        }
    };
    let renew_every = options.lease / 3;
    let renewing = async {
        loop {
            tokio::time::sleep(renew_every).await;
            let until = now_ms().saturating_add(millis(options.lease));
            match bounded(bound, DB::renew(pool, row_id, token, until)).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(scheme, id, "inbox: lease lost while the handler runs");
                    std::future::pending::<()>().await;
                }
                Err(error) => tracing::warn!(%error, "inbox: lease renewal failed"),
            }
        }
    };
    let outcome = tokio::select! {
        result = work => Some(result),
        () = renewing => None,
        _ = release.wait_for(|&stop| stop) => None,
    };
    match outcome {
        Some(Ok(true)) => {
            tracing::info!(scheme, id, outcome = "handled", "inbox: delivery handled");
            telemetry::handled(&scheme, started);
            if let (Some(callback), Some(delivery)) = (on_done, &done_copy) {
                callback(delivery);
            }
        }
        Some(Ok(false)) => {}
        Some(Err(Failure::Conflict(error) | Failure::Inbox(error)))
            if postponed + 1 < options.retry.max_attempts =>
        {
            // Not the handler's doing (a lock conflict, the database unreachable or full): the
            // attempt is given back uncounted, with its own backoff.
            let next = now_ms().saturating_add(millis(options.retry.delay(postponed + 1)));
            telemetry::postponed(&scheme, started);
            tracing::warn!(scheme, id, %error, outcome = "postponed", "inbox: attempt not completed (a database conflict or fault); retrying later, uncounted");
            if let Err(error) = bounded(bound, DB::release(pool, row_id, token, next, 1)).await {
                tracing::warn!(%error, "inbox: could not give a row back; its lease will run out");
            }
            remember(bound, pool, &record("postponed", Some(error.to_string()))).await;
        }
        Some(Err(failure)) => {
            // The handler's failure; or a conflict or fault once `max_attempts - 1` were given
            // back uncounted, which counts from then on (a commit that always fails, say on a
            // deferred constraint the handler's writes break, must end dead, not loop uncounted
            // for ever).
            let message = match failure {
                Failure::Handler(error) => error.to_string(),
                Failure::Conflict(error) | Failure::Inbox(error) => format!(
                    "not completed {} times without the handler's fault (a database conflict or fault): {error}",
                    postponed + 1
                ),
            };
            let next = now_ms().saturating_add(millis(options.retry.delay(number)));
            let max = i64::from(options.retry.max_attempts);
            let failed = bounded(bound, DB::fail(pool, row_id, token, next, &message, max)).await;
            telemetry::failed(&scheme, started, &failed);
            if let Ok(Some(state)) = &failed {
                remember(
                    bound,
                    pool,
                    &record(history_outcome(*state), Some(message.clone())),
                )
                .await;
            }
            match failed {
                Ok(Some(State::Dead)) => tracing::error!(
                    scheme,
                    id,
                    error = message,
                    outcome = "dead",
                    "inbox: delivery failed its last attempt: dead"
                ),
                Ok(_) => tracing::warn!(
                    scheme,
                    id,
                    error = message,
                    outcome = "retry",
                    "inbox: handler failed; retrying later"
                ),
                Err(db) => {
                    tracing::warn!(scheme, id, error = %db, "inbox: could not record the failure; the lease will run out")
                }
            }
        }
        None => {
            // Shutdown past its grace: give the row back, uncounted.
            if let Err(error) = bounded(bound, DB::release(pool, row_id, token, now_ms(), 0)).await
            {
                tracing::warn!(%error, "inbox: could not give a row back; its lease will run out");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::{HandlerError, is_conflict};

    /// A database error with a given code, as sqlx reports SQLite's and PostgreSQL's.
    #[derive(Debug)]
    struct Coded(&'static str);

    impl std::fmt::Display for Coded {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "database error {}", self.0)
        }
    }

    impl std::error::Error for Coded {}

    impl sqlx::error::DatabaseError for Coded {
        fn message(&self) -> &str {
            self.0
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some(Cow::Borrowed(self.0))
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            sqlx::error::ErrorKind::Other
        }
    }

    fn database(code: &'static str) -> HandlerError {
        Box::new(sqlx::Error::Database(Box::new(Coded(code))))
    }

    #[test]
    fn conflicts_are_told_from_the_handlers_own_errors() {
        // SQLite: BUSY, LOCKED, BUSY_SNAPSHOT (517), BUSY_RECOVERY (261), LOCKED_SHAREDCACHE.
        for code in ["5", "6", "517", "261", "262"] {
            assert!(is_conflict(&database(code)), "{code}");
        }
        // PostgreSQL: serialization_failure, deadlock_detected.
        for code in ["40001", "40P01"] {
            assert!(is_conflict(&database(code)), "{code}");
        }
        // A constraint (SQLite 2067, PostgreSQL 23505), a full disk (13), the handler's own.
        for code in ["2067", "23505", "13", "1"] {
            assert!(!is_conflict(&database(code)), "{code}");
        }
        assert!(!is_conflict(&HandlerError::from("refused")));
        assert!(!is_conflict(&HandlerError::from(sqlx::Error::RowNotFound)));
    }
}
