//! `Guard::admit` without HTTP: verification plus exactly-once admission through the replay
//! store, claims finished, released or dropped, ids that are not signed, and secrets chosen per
//! request.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use webhook_guard::replay::{
    Claim, ClaimToken, MemoryStore, ReplayKey, ReplayStore, StoreError, StoreFuture,
};
use webhook_guard::scheme::IdBinding;
use webhook_guard::signature::SecretSet;
use webhook_guard::time::FixedClock;
use webhook_guard::{
    Admitted, Guard, Rejection, ResolveError, Scheme, Secret, SecretQuery, Signer, Verifier,
};

const AT_SECRET: &str = "whsec_abc123def456";
const NOW: i64 = 1_705_312_200;
const PATH: &str = "/webhooks/audit-trail";

type Headers = Vec<(String, String)>;

fn at_body(id: &str, tenant: &str) -> String {
    format!(r#"{{"id":"{id}","type":"event.created","tenantId":"{tenant}","data":{{}}}}"#)
}

fn at_signer(secret: &str) -> Signer {
    Signer::new(Scheme::audit_trail(), Secret::new(secret).unwrap())
}

fn at_guard() -> Guard {
    Guard::new(
        Verifier::new(Scheme::audit_trail(), [Secret::new(AT_SECRET).unwrap()])
            .clock(FixedClock(NOW)),
    )
}

fn set(headers: &mut Headers, name: &str, value: &str) {
    let slot = headers
        .iter_mut()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .expect("header present");
    slot.1 = value.to_owned();
}

async fn admit(
    guard: &Guard,
    headers: &Headers,
    path: &str,
    body: &str,
) -> Result<Admitted, Rejection> {
    guard
        .admit(headers, path, Bytes::copy_from_slice(body.as_bytes()))
        .await
}

#[track_caller]
fn admitted(result: Result<Admitted, Rejection>) -> Admitted {
    result.unwrap_or_else(|rejection| panic!("expected admission, got {rejection:?}"))
}

#[track_caller]
fn rejected(result: Result<Admitted, Rejection>, expected: &Rejection, status: u16) {
    match result {
        Ok(admitted) => panic!("expected {expected:?}, admitted {:?}", admitted.delivery()),
        Err(rejection) => {
            assert_eq!(&rejection, expected);
            assert_eq!(rejection.status(), status);
        }
    }
}

fn in_flight() -> Rejection {
    Rejection::InFlight {
        retry_after: Duration::from_secs(10),
    }
}

#[tokio::test]
async fn admitted_then_finished_then_duplicate() {
    let guard = at_guard();
    let body = at_body("whd_1", "tenant-001");
    let headers = at_signer(AT_SECRET).headers(body.as_bytes(), NOW, "whd_1");

    let first = admitted(admit(&guard, &headers, PATH, &body).await);
    assert_eq!(first.delivery().id(), "whd_1");
    assert_eq!(first.delivery().tenant(), Some("tenant-001"));
    let (delivery, claim) = first.into_parts();
    assert!(claim.is_claimed());
    assert_eq!(&delivery.body()[..], body.as_bytes());

    // While the handler runs: 409 with Retry-After.
    let busy = admit(&guard, &headers, PATH, &body).await.unwrap_err();
    assert_eq!(busy, in_flight());
    assert_eq!(busy.status(), 409);
    assert_eq!(busy.retry_after(), Some(Duration::from_secs(10)));
    assert_eq!(busy.retry_after_secs(), Some(10));
    assert!(busy.is_duplicate());

    claim.finish(200).await;
    // Handled: a copy is answered 200 without running the handler.
    rejected(
        admit(&guard, &headers, PATH, &body).await,
        &Rejection::AlreadyProcessed,
        200,
    );
    // So is the sender's own retry, signed anew a minute later with the same id.
    let retry = at_signer(AT_SECRET).headers(body.as_bytes(), NOW + 60, "whd_1");
    rejected(
        admit(&guard, &retry, PATH, &body).await,
        &Rejection::AlreadyProcessed,
        200,
    );
    // Another delivery is not affected, nor the same id for another tenant.
    let other = at_body("whd_2", "tenant-001");
    let other_headers = at_signer(AT_SECRET).headers(other.as_bytes(), NOW, "whd_2");
    admitted(admit(&guard, &other_headers, PATH, &other).await)
        .into_admission()
        .finish(200)
        .await;
    let tenant2 = at_body("whd_1", "tenant-002");
    let tenant2_headers = at_signer(AT_SECRET).headers(tenant2.as_bytes(), NOW, "whd_1");
    admitted(admit(&guard, &tenant2_headers, PATH, &tenant2).await)
        .into_admission()
        .finish(200)
        .await;
}

#[tokio::test]
async fn a_failed_handler_leaves_the_delivery_retryable() {
    let guard = at_guard();
    let body = at_body("whd_fail", "tenant-001");
    let headers = at_signer(AT_SECRET).headers(body.as_bytes(), NOW - 120, "whd_fail");
    admitted(admit(&guard, &headers, PATH, &body).await)
        .into_admission()
        .finish(500)
        .await;
    // The provider's retry: same id, new timestamp, new signature.
    let retry = at_signer(AT_SECRET).headers(body.as_bytes(), NOW - 10, "whd_fail");
    assert_ne!(retry[0].1, headers[0].1);
    let second = admitted(admit(&guard, &retry, PATH, &body).await);
    rejected(
        admit(&guard, &headers, PATH, &body).await,
        &in_flight(),
        409,
    );
    second.into_admission().finish(200).await;
    rejected(
        admit(&guard, &headers, PATH, &body).await,
        &Rejection::AlreadyProcessed,
        200,
    );
}

#[tokio::test]
async fn dropping_the_claim_without_finishing_releases_it() {
    let guard = at_guard();
    let body = at_body("whd_drop", "tenant-001");
    let headers = at_signer(AT_SECRET).headers(body.as_bytes(), NOW, "whd_drop");
    {
        let admitted = admitted(admit(&guard, &headers, PATH, &body).await);
        rejected(
            admit(&guard, &headers, PATH, &body).await,
            &in_flight(),
            409,
        );
        // The handler panicked or the client went away: the guard is dropped unfinished.
        drop(admitted);
    }
    let again = admitted(admit(&guard, &headers, PATH, &body).await);
    // Dropping the claim guard alone (after into_parts) releases too.
    let (_delivery, claim) = again.into_parts();
    drop(claim);
    admitted(admit(&guard, &headers, PATH, &body).await)
        .into_admission()
        .finish(200)
        .await;
    rejected(
        admit(&guard, &headers, PATH, &body).await,
        &Rejection::AlreadyProcessed,
        200,
    );
}

#[tokio::test]
async fn verification_failures_claim_nothing() {
    let guard = at_guard();
    let body = at_body("whd_v", "tenant-001");
    let headers = at_signer(AT_SECRET).headers(body.as_bytes(), NOW, "whd_v");
    let forged = at_signer("whsec_wrong").headers(body.as_bytes(), NOW, "whd_v");
    rejected(
        admit(&guard, &forged, PATH, &body).await,
        &Rejection::InvalidSignature,
        401,
    );
    let stale = at_signer(AT_SECRET).headers(body.as_bytes(), NOW - 301, "whd_v");
    rejected(
        admit(&guard, &stale, PATH, &body).await,
        &Rejection::StaleTimestamp,
        400,
    );
    // None of them took the key: the genuine delivery is admitted.
    admitted(admit(&guard, &headers, PATH, &body).await)
        .into_admission()
        .finish(200)
        .await;
}

#[tokio::test]
async fn audit_trail_replay_under_a_rewritten_delivery_id_is_an_id_mismatch() {
    let guard = at_guard();
    let body = at_body("whd_abc123", "tenant-001");
    let headers = at_signer(AT_SECRET).headers(body.as_bytes(), NOW, "whd_abc123");
    let first = admitted(admit(&guard, &headers, PATH, &body).await);

    // A captured delivery replayed under a new id: the header is not signed, but the signed
    // body repeats the id, so the rewrite is refused before the store is asked.
    let mut replay = headers.clone();
    set(&mut replay, "x-audit-trail-delivery-id", "whd_zzz999");
    rejected(
        admit(&guard, &replay, PATH, &body).await,
        &Rejection::IdMismatch,
        400,
    );

    // The first attempt fails; the provider retries: same id, new timestamp, new signature.
    first.into_admission().finish(500).await;
    rejected(
        admit(&guard, &replay, PATH, &body).await,
        &Rejection::IdMismatch,
        400,
    );
    let retry = at_signer(AT_SECRET).headers(body.as_bytes(), NOW + 30, "whd_abc123");
    let second = admitted(admit(&guard, &retry, PATH, &body).await);
    assert_eq!(second.delivery().timestamp(), Some(NOW + 30));
    second.into_admission().finish(200).await;
    rejected(
        admit(&guard, &retry, PATH, &body).await,
        &Rejection::AlreadyProcessed,
        200,
    );
    rejected(
        admit(&guard, &replay, PATH, &body).await,
        &Rejection::IdMismatch,
        400,
    );
}

/// The built-in GitHub scheme: its delivery id is not signed, so the signature is claimed too.
fn github() -> Scheme {
    Scheme::github()
}

#[tokio::test]
async fn an_unsigned_id_cannot_be_rewritten_to_replay_a_delivery() {
    let secret = Secret::new("gh-webhook-secret").unwrap();
    let guard = Guard::new(Verifier::new(github(), [secret.clone()]).clock(FixedClock(NOW)));
    let signer = Signer::new(github(), secret);
    let body = r#"{"action":"opened","number":1}"#;
    let headers = signer.headers(body.as_bytes(), 0, "delivery-1");
    assert_eq!(headers.len(), 2, "{headers:?}");
    assert!(!github().has_timestamp());
    assert_eq!(github().id_binding(), &IdBinding::Unsigned);

    let first = admitted(admit(&guard, &headers, "/webhooks/github", body).await);
    assert_eq!(first.delivery().id(), "delivery-1");

    // The same signed request under another delivery id, while the first is in flight.
    let mut replay = headers.clone();
    set(&mut replay, "x-github-delivery", "delivery-2");
    rejected(
        admit(&guard, &replay, "/webhooks/github", body).await,
        &in_flight(),
        409,
    );
    first.into_admission().finish(200).await;
    // And after it was handled.
    rejected(
        admit(&guard, &replay, "/webhooks/github", body).await,
        &Rejection::AlreadyProcessed,
        200,
    );
    set(&mut replay, "x-github-delivery", "delivery-3");
    rejected(
        admit(&guard, &replay, "/webhooks/github", body).await,
        &Rejection::AlreadyProcessed,
        200,
    );
    rejected(
        admit(&guard, &headers, "/webhooks/github", body).await,
        &Rejection::AlreadyProcessed,
        200,
    );

    // The failed replays did not keep their own ids claimed: a genuine new delivery that happens
    // to get one of those ids is admitted.
    let new_body = r#"{"action":"closed","number":1}"#;
    let new_headers = signer.headers(new_body.as_bytes(), 0, "delivery-2");
    admitted(admit(&guard, &new_headers, "/webhooks/github", new_body).await)
        .into_admission()
        .finish(200)
        .await;
    // A new body with a new id is admitted.
    let other_body = r#"{"action":"reopened","number":1}"#;
    let other_headers = signer.headers(other_body.as_bytes(), 0, "delivery-4");
    let other = admitted(admit(&guard, &other_headers, "/webhooks/github", other_body).await);
    assert_eq!(other.delivery().id(), "delivery-4");
    // A new body under an id already handled is a duplicate (the id is remembered too).
    let reuse_body = r#"{"action":"edited","number":1}"#;
    let reuse = signer.headers(reuse_body.as_bytes(), 0, "delivery-1");
    rejected(
        admit(&guard, &reuse, "/webhooks/github", reuse_body).await,
        &Rejection::AlreadyProcessed,
        200,
    );
    other.into_admission().finish(500).await;
    // Released: the same request is retryable, under its id or another.
    let mut other_retry = other_headers.clone();
    set(&mut other_retry, "x-github-delivery", "delivery-5");
    admitted(admit(&guard, &other_retry, "/webhooks/github", other_body).await)
        .into_admission()
        .finish(200)
        .await;
    rejected(
        admit(&guard, &other_headers, "/webhooks/github", other_body).await,
        &Rejection::AlreadyProcessed,
        200,
    );
}

#[tokio::test]
async fn a_shared_store_deduplicates_across_guards() {
    let store: Arc<dyn webhook_guard::replay::ReplayStore> = Arc::new(MemoryStore::new());
    let make = || {
        Guard::new(
            Verifier::new(Scheme::audit_trail(), [Secret::new(AT_SECRET).unwrap()])
                .clock(FixedClock(NOW)),
        )
        .shared_store(Arc::clone(&store))
    };
    let (a, b) = (make(), make());
    let body = at_body("whd_shared", "tenant-001");
    let headers = at_signer(AT_SECRET).headers(body.as_bytes(), NOW, "whd_shared");
    let first = admitted(admit(&a, &headers, PATH, &body).await);
    rejected(admit(&b, &headers, PATH, &body).await, &in_flight(), 409);
    first.into_admission().finish(200).await;
    rejected(
        admit(&b, &headers, PATH, &body).await,
        &Rejection::AlreadyProcessed,
        200,
    );
}

#[tokio::test]
async fn a_full_store_answers_503_with_retry_after() {
    let guard = at_guard().store(MemoryStore::builder().capacity(1).build());
    let one = at_body("whd_one", "tenant-001");
    let two = at_body("whd_two", "tenant-001");
    let h1 = at_signer(AT_SECRET).headers(one.as_bytes(), NOW, "whd_one");
    let h2 = at_signer(AT_SECRET).headers(two.as_bytes(), NOW, "whd_two");
    let first = admitted(admit(&guard, &h1, PATH, &one).await);
    let full = admit(&guard, &h2, PATH, &two).await.unwrap_err();
    assert_eq!(
        full,
        Rejection::StoreFull {
            retry_after: Duration::from_secs(60)
        }
    );
    assert_eq!(full.status(), 503);
    assert_eq!(full.retry_after_secs(), Some(60));
    first.into_admission().finish(200).await;
    rejected(
        admit(&guard, &h1, PATH, &one).await,
        &Rejection::AlreadyProcessed,
        200,
    );
}

fn tenant_guard(calls: Arc<AtomicUsize>) -> Guard {
    // No fixed secrets: every request's secrets come from the resolver, by path.
    let verifier = Verifier::new(Scheme::audit_trail(), [])
        .clock(FixedClock(NOW))
        .body_limit(4096);
    Guard::new(verifier).secret_resolver(move |query: SecretQuery| {
        let calls = Arc::clone(&calls);
        async move {
            calls.fetch_add(1, Ordering::SeqCst);
            assert_eq!(&*query.scheme, "audit-trail");
            match query.path.as_str() {
                "/webhooks/t1" => Ok(Some(SecretSet::new([
                    Secret::new("whsec_tenant_one").unwrap()
                ]))),
                "/webhooks/t2" => Ok(Some(SecretSet::new([
                    Secret::new("whsec_tenant_two_new").unwrap(),
                    Secret::new("whsec_tenant_two_old").unwrap(),
                ]))),
                "/webhooks/broken" => Err(ResolveError("secrets database down".into())),
                _ => Ok(None),
            }
        }
    })
}

#[tokio::test]
async fn a_secret_resolver_chooses_secrets_by_path() {
    let calls = Arc::new(AtomicUsize::new(0));
    let guard = tenant_guard(Arc::clone(&calls));
    let body1 = at_body("whd_t1", "t1");
    let by_t1 = at_signer("whsec_tenant_one").headers(body1.as_bytes(), NOW, "whd_t1");
    let body2 = at_body("whd_t2", "t2");
    let by_t2 = at_signer("whsec_tenant_two_old").headers(body2.as_bytes(), NOW, "whd_t2");

    let d1 = admitted(admit(&guard, &by_t1, "/webhooks/t1", &body1).await);
    assert_eq!(d1.delivery().tenant(), Some("t1"));
    let d2 = admitted(admit(&guard, &by_t2, "/webhooks/t2", &body2).await);
    assert_eq!(d2.delivery().tenant(), Some("t2"));
    d1.into_admission().finish(200).await;
    d2.into_admission().finish(200).await;

    // Tenant 1's delivery sent to tenant 2's path: the wrong secrets.
    let body = at_body("whd_cross", "t1");
    let cross = at_signer("whsec_tenant_one").headers(body.as_bytes(), NOW, "whd_cross");
    rejected(
        admit(&guard, &cross, "/webhooks/t2", &body).await,
        &Rejection::InvalidSignature,
        401,
    );
    // An unknown tenant: 401, no secret to verify with.
    rejected(
        admit(&guard, &cross, "/webhooks/t3", &body).await,
        &Rejection::UnknownSigner,
        401,
    );
    // The lookup failed: 503 with Retry-After, never admitted unverified.
    let unavailable = admit(&guard, &cross, "/webhooks/broken", &body)
        .await
        .unwrap_err();
    assert_eq!(
        unavailable,
        Rejection::Unavailable {
            retry_after: Duration::from_secs(5)
        }
    );
    assert_eq!(unavailable.status(), 503);
    assert_eq!(unavailable.retry_after_secs(), Some(5));
    // None of those claimed the delivery: on its own path it is admitted.
    admitted(admit(&guard, &cross, "/webhooks/t1", &body).await)
        .into_admission()
        .finish(200)
        .await;
    let looked_up = calls.load(Ordering::SeqCst);
    assert_eq!(looked_up, 6);

    // An oversized body is refused before any lookup.
    let big = format!("{{\"id\":\"whd_big\",\"pad\":\"{}\"}}", "x".repeat(5000));
    let big_headers = at_signer("whsec_tenant_one").headers(big.as_bytes(), NOW, "whd_big");
    for path in ["/webhooks/t1", "/webhooks/broken"] {
        rejected(
            admit(&guard, &big_headers, path, &big).await,
            &Rejection::BodyTooLarge { limit: 4096 },
            413,
        );
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        looked_up,
        "the resolver was asked about an oversized body"
    );
}

/// A store that answers claims at once (from a `MemoryStore`) but records outcomes only when
/// let through, as a remote store does when the network is slow.
#[derive(Debug)]
struct SlowOutcomes {
    inner: MemoryStore,
    gate: Arc<tokio::sync::Semaphore>,
}

impl ReplayStore for SlowOutcomes {
    fn claim(
        &self,
        key: ReplayKey<'_>,
        window: Duration,
    ) -> StoreFuture<'_, Result<Claim, StoreError>> {
        self.inner.claim(key, window)
    }

    fn complete(&self, claim: &ClaimToken) -> StoreFuture<'_, Result<(), StoreError>> {
        let claim = claim.clone();
        StoreFuture::pending(async move {
            drop(self.gate.acquire().await);
            self.inner.complete(&claim).await
        })
    }

    fn release(&self, claim: &ClaimToken) -> StoreFuture<'_, Result<(), StoreError>> {
        self.inner.release(claim)
    }

    fn release_detached(&self, claim: ClaimToken) {
        self.inner.release_detached(claim);
    }
}

/// The client goes away while the handler's 200 is being recorded: the record still lands, so
/// the sender's retry (it never got the answer) is "already processed", not run again once the
/// lease ends.
#[tokio::test]
async fn a_handled_delivery_is_recorded_even_when_its_finish_is_dropped() {
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let store = SlowOutcomes {
        inner: MemoryStore::builder()
            .lease(Duration::from_millis(200))
            .build(),
        gate: Arc::clone(&gate),
    };
    let guard = at_guard().store(store);
    let body = at_body("whd_dropped_finish", "t1");
    let headers = at_signer(AT_SECRET).headers(body.as_bytes(), NOW, "whd_dropped_finish");
    let admission =
        admitted(guard.admit(&headers, PATH, body.clone().into()).await).into_admission();
    let mut finish = Box::pin(admission.finish(200));
    // Polled once (the store is still busy), then dropped with the request.
    assert!(futures::poll!(&mut finish).is_pending());
    drop(finish);
    gate.add_permits(1);
    // Past the lease: without the record the key would be free and the retry would run.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let retry = guard.admit(&headers, PATH, body.into()).await;
    rejected(retry, &Rejection::AlreadyProcessed, 200);
}
