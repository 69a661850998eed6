//! Every admission outcome is a `tracing` event with stable fields, and none carries the
//! signature or the secret.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::conformance::Req;
use common::{AUDIT_TRAIL_SECRET, audit_trail_secret};
use webhook_guard::{Guard, Scheme, Verifier};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn every_outcome_is_logged_with_stable_fields_and_no_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .finish();
    let guard = Guard::new(Verifier::new(Scheme::audit_trail(), [audit_trail_secret()]));
    let valid = Req::audit("whd_logged");
    let (valid_headers, valid_body) = valid.build();
    tracing::subscriber::with_default(subscriber, || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let admit = |req: Req| {
                let guard = guard.clone();
                async move {
                    let (headers, body) = req.build();
                    guard
                        .admit(&headers, "/webhooks/audit-trail", body.into())
                        .await
                }
            };
            let admitted = guard
                .admit(
                    &valid_headers,
                    "/webhooks/audit-trail",
                    valid_body.clone().into(),
                )
                .await
                .unwrap();
            admitted.into_admission().finish(200).await;
            assert!(admit(Req::audit("whd_logged")).await.is_err());
            assert!(admit(Req::audit("whd_other").wrong_secret()).await.is_err());
            assert!(admit(Req::audit("whd_old").at(-400)).await.is_err());
        });
    });
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = logs.lines().collect();
    let find = |outcome: &str| {
        lines
            .iter()
            .find(|l| l.contains(&format!("outcome=\"{outcome}\"")))
            .unwrap_or_else(|| panic!("no {outcome} event in:\n{logs}"))
    };
    let accepted = find("accepted");
    assert!(accepted.contains("scheme=\"audit-trail\""), "{accepted}");
    assert!(
        accepted.contains("delivery_id=\"whd_logged\""),
        "{accepted}"
    );
    assert!(
        accepted.contains("event_type=\"event.created\""),
        "{accepted}"
    );
    let duplicate = find("duplicate");
    assert!(
        duplicate.contains("delivery_id=\"whd_logged\""),
        "{duplicate}"
    );
    assert!(
        duplicate.contains("reason=\"already_processed\""),
        "{duplicate}"
    );
    let rejected = find("rejected");
    assert!(
        rejected.contains("reason=\"invalid_signature\""),
        "{rejected}"
    );
    assert!(rejected.contains("status=401"), "{rejected}");
    // The unverified request's id is not logged as a fact.
    assert!(!rejected.contains("whd_other"), "{rejected}");
    assert!(find("handled").contains("status=200"));
    // At debug level, each refusal's diagnosis (`Verifier::diagnose`), in words.
    let diagnosis = |reason: &str| {
        lines
            .iter()
            .find(|l| l.contains("delivery refused") && l.contains(&format!("reason=\"{reason}\"")))
            .unwrap_or_else(|| panic!("no {reason} diagnosis in:\n{logs}"))
    };
    assert!(
        diagnosis("invalid_signature").contains("the body was changed after signing"),
        "{logs}"
    );
    assert!(
        diagnosis("stale_timestamp").contains("signed 400 s ago"),
        "{logs}"
    );

    let signature = &valid_headers
        .iter()
        .find(|(name, _)| name == "x-audit-trail-signature")
        .unwrap()
        .1["sha256=".len()..];
    assert!(!logs.contains(signature), "a signature was logged:\n{logs}");
    assert!(
        !logs.contains(AUDIT_TRAIL_SECRET),
        "the secret was logged:\n{logs}"
    );
}

/// Issue 24: an inbox attempt's logs carry the request's W3C `traceparent`, kept with its row,
/// in the attempt's span.
#[test]
fn an_inbox_attempt_logs_in_a_span_naming_the_requests_trace() {
    use webhook_guard::inbox::{Inbox, InboxDelivery, InboxOptions, NewDelivery};
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let dir = std::env::temp_dir().join(format!("wg-logs-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("inbox.db").display());
    let trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    tracing::subscriber::with_default(subscriber, || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let options = InboxOptions {
                poll_interval: std::time::Duration::from_millis(20),
                ..InboxOptions::default()
            };
            let inbox = Inbox::<sqlx::Sqlite>::connect_with(&url, options)
                .await
                .unwrap();
            let (mut headers, body) = Req::audit("whd_traced").build();
            headers.push(("traceparent".into(), trace.into()));
            let verifier = Verifier::new(Scheme::audit_trail(), [audit_trail_secret()]);
            let delivery = verifier.verify(&headers, body.into()).unwrap();
            inbox
                .enqueue(NewDelivery::new(verifier.scheme(), &delivery, &headers))
                .await
                .unwrap();
            let worker = inbox.worker().run(|delivery: InboxDelivery| async move {
                tracing::info!(id = delivery.id(), "the handler's own log line");
                Ok(())
            });
            for _ in 0..200 {
                if inbox.stats().await.unwrap().done == 1 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            worker.shutdown().await;
        });
    });
    let _ = std::fs::remove_dir_all(&dir);
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let line = logs
        .lines()
        .find(|line| line.contains("the handler's own log line"))
        .unwrap_or_else(|| panic!("no handler line in:\n{logs}"));
    assert!(line.contains("inbox_attempt"), "{line}");
    assert!(
        line.contains(&format!("traceparent=\"{trace}\""))
            || line.contains(&format!("traceparent={trace}")),
        "{line}"
    );
    assert!(line.contains("attempt=1"), "{line}");
}
