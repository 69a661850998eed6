//! What the inbox records through the `metrics` facade (feature `metrics`): the names, kinds
//! and labels are listed in [`crate::metrics`]. Without the feature every function here is a
//! no-op the compiler removes, so the call sites in the writer and the workers need no `cfg`.

#[cfg(feature = "metrics")]
use std::time::Duration;

use tokio::time::Instant;

#[cfg(feature = "metrics")]
use super::Stats;
use super::{Backend, Enqueued, Inbox, InboxError, State};

/// Times one [`Inbox::enqueue`]: from the call until the row is durable (or refused).
pub(super) struct Ack {
    #[cfg(feature = "metrics")]
    scheme: String,
    #[cfg(feature = "metrics")]
    started: Instant,
}

impl Ack {
    /// Starts timing an insert of a delivery of `scheme`.
    pub(super) fn start(scheme: &str) -> Self {
        #[cfg(not(feature = "metrics"))]
        let _ = scheme;
        Self {
            #[cfg(feature = "metrics")]
            scheme: scheme.to_owned(),
            #[cfg(feature = "metrics")]
            started: Instant::now(),
        }
    }

    /// Counts the insert's outcome (`acknowledged`, `duplicate` or `unavailable`) and, when
    /// the row is durable, its latency; gives `result` back.
    pub(super) fn finish(
        self,
        result: Result<Enqueued, InboxError>,
    ) -> Result<Enqueued, InboxError> {
        #[cfg(feature = "metrics")]
        {
            let outcome = match &result {
                Ok(Enqueued::New) => "acknowledged",
                Ok(Enqueued::Duplicate) => "duplicate",
                Err(_) => "unavailable",
            };
            count(&self.scheme, outcome);
            if result.is_ok() {
                metrics::histogram!(
                    crate::metrics::INBOX_ACK_DURATION,
                    "scheme" => self.scheme
                )
                .record(self.started.elapsed());
            }
        }
        result
    }
}

/// An attempt whose done-mark committed.
pub(super) fn handled(scheme: &str, started: Instant) {
    attempted(scheme, "handled", started);
}

/// An attempt whose handler failed (or panicked), as the database recorded it: `retried`
/// after its backoff, or `dead` after the last attempt. A failure that could not be recorded
/// is not counted here: its lease runs out, and the rescue counts it.
pub(super) fn failed<E>(scheme: &str, started: Instant, recorded: &Result<Option<State>, E>) {
    match recorded {
        Ok(Some(State::Dead)) => attempted(scheme, "dead", started),
        Ok(Some(_)) => attempted(scheme, "retried", started),
        // The lease was taken over (the new owner's attempt counts), or not recorded.
        Ok(None) | Err(_) => {}
    }
}

/// An attempt given back uncounted: a lock conflict or the inbox's own database fault.
pub(super) fn postponed(scheme: &str, started: Instant) {
    attempted(scheme, "postponed", started);
}

/// An attempt whose worker died (its lease ran out), counted by the rescue as `retried` or,
/// the last one, `dead` (nothing when the row was renewed or finished meanwhile). The rescue
/// does not read the row, so its `scheme` is empty.
pub(super) fn rescued<E>(scheme: &str, recorded: &Result<Option<State>, E>) {
    #[cfg(feature = "metrics")]
    match recorded {
        Ok(Some(State::Dead)) => count(scheme, "dead"),
        Ok(Some(_)) => count(scheme, "retried"),
        Ok(None) | Err(_) => {}
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (scheme, recorded);
}

fn attempted(scheme: &str, outcome: &'static str, started: Instant) {
    #[cfg(feature = "metrics")]
    {
        count(scheme, outcome);
        metrics::histogram!(
            crate::metrics::INBOX_HANDLER_DURATION,
            "scheme" => scheme.to_owned(),
            "outcome" => outcome
        )
        .record(started.elapsed());
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (scheme, outcome, started);
}

#[cfg(feature = "metrics")]
fn count(scheme: &str, outcome: &'static str) {
    metrics::counter!(
        crate::metrics::INBOX_DELIVERIES,
        "scheme" => scheme.to_owned(),
        "outcome" => outcome
    )
    .increment(1);
}

/// Sets the gauges of rows by state and of the oldest pending delivery's age (0 when none
/// waits, so that an alert on it clears).
#[cfg(feature = "metrics")]
pub(super) fn rows(stats: &Stats) {
    for (state, count) in [
        ("pending", stats.pending),
        ("running", stats.running),
        ("done", stats.done),
        ("dead", stats.dead),
    ] {
        // A count past 2^53 loses precision as a float, far beyond any inbox.
        metrics::gauge!(crate::metrics::INBOX_ROWS, "state" => state).set(count as f64);
    }
    let oldest = stats.oldest_pending_ms.unwrap_or(0).max(0) as f64 / 1000.0;
    metrics::gauge!(crate::metrics::INBOX_OLDEST_PENDING).set(oldest);
}

/// The task refreshing the row gauges every
/// [`InboxOptions::gauges_every`](super::InboxOptions::gauges_every), stopped when dropped
/// (with the workers' claim loop).
pub(super) struct Gauges(Option<tokio::task::JoinHandle<()>>);

impl Drop for Gauges {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}

/// Starts refreshing the row gauges of `inbox`, at once and then every
/// `InboxOptions::gauges_every`; nothing without feature `metrics` or with no interval.
pub(super) fn refresh<DB: Backend>(inbox: &Inbox<DB>) -> Gauges {
    #[cfg(feature = "metrics")]
    if let Some(every) = inbox.options().gauges_every {
        return Gauges(Some(tokio::spawn(refresh_loop(inbox.clone(), every))));
    }
    #[cfg(not(feature = "metrics"))]
    let _ = inbox;
    Gauges(None)
}

#[cfg(feature = "metrics")]
async fn refresh_loop<DB: Backend>(inbox: Inbox<DB>, every: Duration) {
    let mut ticks = tokio::time::interval(every.max(Duration::from_millis(10)));
    // After a slow database, one refresh, not a burst of them.
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        // Bounded like the workers' own statements: a dead connection must not stop the
        // gauges for good (they would show a stale, reassuring value).
        let limit = inbox.options().unavailable_after;
        match tokio::time::timeout(limit, inbox.stats()).await {
            Ok(Ok(stats)) => rows(&stats),
            Ok(Err(error)) => tracing::debug!(%error, "inbox: gauges not refreshed"),
            Err(_) => tracing::debug!("inbox: gauges not refreshed (timed out)"),
        }
    }
}

#[cfg(all(test, feature = "metrics", feature = "inbox-sqlite"))]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;
    use std::time::Duration;

    use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};

    use crate::inbox::{Enqueued, Inbox, InboxDelivery, InboxOptions, NewDelivery, RetryPolicy};
    use crate::testing::audit_trail_sample_with_id;
    use crate::{Scheme, Signer, Verifier};

    /// What was recorded: counters and gauges as they stand, histograms' samples summed over
    /// every snapshot (the debugging recorder hands each sample out once).
    #[derive(Default)]
    struct Seen {
        values: HashMap<(String, Vec<(String, String)>), f64>,
        samples: HashMap<(String, Vec<(String, String)>), usize>,
    }

    impl Seen {
        fn update(&mut self, snapshotter: &Snapshotter) {
            for (key, _, _, value) in snapshotter.snapshot().into_vec() {
                let key = key.key();
                let mut labels: Vec<_> = key
                    .labels()
                    .map(|l| (l.key().to_owned(), l.value().to_owned()))
                    .collect();
                labels.sort();
                let id = (key.name().to_owned(), labels);
                match value {
                    DebugValue::Counter(n) => {
                        self.values.insert(id, n as f64);
                    }
                    DebugValue::Gauge(v) => {
                        self.values.insert(id, v.into_inner());
                    }
                    DebugValue::Histogram(samples) => {
                        *self.samples.entry(id).or_default() += samples.len();
                    }
                }
            }
        }

        fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
            let mut labels: Vec<_> = labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            labels.sort();
            self.values.get(&(name.to_owned(), labels)).copied()
        }

        fn outcome(&self, outcome: &str) -> Option<f64> {
            let labels = [("scheme", "audit-trail"), ("outcome", outcome)];
            self.value(crate::metrics::INBOX_DELIVERIES, &labels)
        }

        fn rows(&self, state: &str) -> Option<f64> {
            self.value(crate::metrics::INBOX_ROWS, &[("state", state)])
        }

        fn samples(&self, name: &str) -> usize {
            self.samples
                .iter()
                .filter(|((n, _), _)| n == name)
                .map(|(_, count)| count)
                .sum()
        }
    }

    fn row(id: &str) -> NewDelivery {
        let secret = Scheme::audit_trail().secret("whsec_abc123def456").unwrap();
        let body = audit_trail_sample_with_id("event.created", id).unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let headers =
            Signer::new(Scheme::audit_trail(), secret.clone()).headers(body.as_bytes(), now, id);
        let verifier = Verifier::new(Scheme::audit_trail(), [secret]);
        let delivery = verifier.verify(&headers, body.into()).unwrap();
        NewDelivery::new(verifier.scheme(), &delivery, &headers)
    }

    /// An inbox with a worker on a current-thread runtime (its tasks see the local recorder):
    /// acknowledgements, a duplicate, one delivery handled and one dead are counted; the row
    /// gauges show the rows running and the oldest's age while the handler is held, then the
    /// rows done and dead, nothing pending, the age back at 0.
    #[test]
    fn the_inbox_counts_acknowledgements_attempts_and_rows() {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        let dir = std::env::temp_dir().join(format!(
            "webhook-guard-telemetry-{}-{}",
            std::process::id(),
            crate::inbox::random_u64()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("inbox.db").display());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        metrics::with_local_recorder(&recorder, || {
            runtime.block_on(async {
                let options = InboxOptions {
                    poll_interval: Duration::from_millis(20),
                    gauges_every: Some(Duration::from_millis(20)),
                    retry: RetryPolicy {
                        max_attempts: 1,
                        ..RetryPolicy::default()
                    },
                    ..InboxOptions::default()
                };
                let inbox = Inbox::<sqlx::Sqlite>::connect_with(&url, options)
                    .await
                    .unwrap();
                assert_eq!(inbox.enqueue(row("good")).await.unwrap(), Enqueued::New);
                assert_eq!(
                    inbox.enqueue(row("good")).await.unwrap(),
                    Enqueued::Duplicate
                );
                assert_eq!(inbox.enqueue(row("bad")).await.unwrap(), Enqueued::New);

                let (open, gate) = tokio::sync::watch::channel(false);
                let gate = Arc::new(gate);
                let worker = inbox.worker().run(move |delivery: InboxDelivery| {
                    let mut gate = (*gate).clone();
                    async move {
                        let _ = gate.wait_for(|&open| open).await;
                        if delivery.id() == "bad" {
                            Err("refused".into())
                        } else {
                            Ok(())
                        }
                    }
                });
                let mut seen = Seen::default();
                let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
                let mut until = async |what: &str, check: &dyn Fn(&Seen) -> bool| {
                    loop {
                        seen.update(&snapshotter);
                        if check(&seen) {
                            return;
                        }
                        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                };
                until("both rows running, the oldest's age shown", &|seen| {
                    seen.rows("running") == Some(2.0)
                        && seen
                            .value(crate::metrics::INBOX_OLDEST_PENDING, &[])
                            .is_some_and(|age| age > 0.0)
                })
                .await;
                open.send(true).unwrap();
                until("one handled, one dead, nothing left", &|seen| {
                    seen.rows("done") == Some(1.0)
                        && seen.rows("dead") == Some(1.0)
                        && seen.rows("pending") == Some(0.0)
                        && seen.rows("running") == Some(0.0)
                        && seen.value(crate::metrics::INBOX_OLDEST_PENDING, &[]) == Some(0.0)
                })
                .await;
                worker.shutdown().await;
                seen.update(&snapshotter);
                assert_eq!(seen.outcome("acknowledged"), Some(2.0));
                assert_eq!(seen.outcome("duplicate"), Some(1.0));
                assert_eq!(seen.outcome("handled"), Some(1.0));
                assert_eq!(seen.outcome("dead"), Some(1.0));
                assert_eq!(seen.outcome("retried"), None);
                assert_eq!(seen.samples(crate::metrics::INBOX_ACK_DURATION), 3);
                assert_eq!(seen.samples(crate::metrics::INBOX_HANDLER_DURATION), 2);
            });
        });
        let _ = std::fs::remove_dir_all(&dir);
    }
}
