//! One delivery's way through the guard: [`Guard::admit_request`] (or [`Guard::admit`]), then
//! [`Admission::finish`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use tracing::Span;

use super::outcome::{Outcome, Telemetry};
use super::{Guard, SecretQuery, SecretResolver};
use crate::replay::{Claim, ClaimToken, ReplayStore, StoreError};
use crate::verify::HeadRead;
use crate::{Delivery, HeaderLookup, Rejection};

impl Guard {
    /// Reads a request's body and admits it: what an adapter calls, once per request.
    ///
    /// In order, each step refusing as soon as it can:
    /// 1. the head: signature, timestamp and id headers present, well formed, not repeated,
    ///    the timestamp fresh ([`Verifier::check_head`](crate::Verifier::check_head)); no body
    ///    byte is read before it passes (so `100 Continue` is sent only then);
    /// 2. the body, against the limit, the [`BodyBudget`](crate::limits::BodyBudget) and the
    ///    [`BodyTimeouts`](crate::limits::BodyTimeouts);
    /// 3. verification with the secrets (or the [`SecretResolver`](super::SecretResolver)'s)
    ///    and the replay claim, as in [`admit`](Self::admit).
    ///
    /// `target` is the request's path and query as received. On `Ok`, run the handler with the
    /// [`Delivery`] and call [`Admission::finish`] with its status. Every outcome is logged and
    /// counted here, in the delivery's span: the adapter adds nothing.
    ///
    /// ```
    /// use http_body_util::Full;
    /// use webhook_guard::{Guard, Scheme, Secret, Signer, Verifier};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let secret = Secret::new("It's a Secret to Everybody").unwrap();
    /// let guard = Guard::new(Verifier::new(Scheme::github(), [secret.clone()]));
    /// let headers = Signer::new(Scheme::github(), secret).headers(b"{}", 0, "d-1");
    ///
    /// let body = Full::new(bytes::Bytes::from_static(b"{}"));
    /// let (delivery, admission) = guard.admit_request(&headers, "/hook", body).await.unwrap().into_parts();
    /// assert_eq!(delivery.id(), "d-1");
    /// admission.finish(200).await; // what the handler answered
    ///
    /// let unsigned: &[(&str, &str)] = &[];
    /// let refused = guard.admit_request(unsigned, "/hook", Full::new(bytes::Bytes::new())).await.unwrap_err();
    /// assert_eq!(refused.rejection().status(), 401);
    /// assert!(refused.body_unread());
    /// # });
    /// ```
    pub async fn admit_request<H, B>(
        &self,
        headers: &H,
        target: &str,
        body: B,
    ) -> Result<Admitted, Refused>
    where
        H: HeaderLookup + Sync + ?Sized,
        B: http_body::Body,
    {
        let telemetry = self.telemetry();
        let verifier = self.verifier();
        let now = verifier.now();
        let unread = |rejection: Rejection| {
            self.log_diagnosis(&rejection, || {
                verifier.explain_head(&rejection, headers, now)
            });
            telemetry.record(Outcome::Refused(&rejection), None);
            Refused {
                rejection,
                body_unread: true,
            }
        };
        let head = verifier.checked_head(headers, now).map_err(unread)?;
        let (bytes, permit) = super::body::read(self, headers, body)
            .await
            .map_err(unread)?;
        let admitted = self
            .admit_read(telemetry, headers, head, target, bytes, now)
            .await;
        // Verified or refused: the bytes no longer count against the budget of bodies being read.
        drop(permit);
        admitted.map_err(|rejection| Refused {
            rejection,
            body_unread: false,
        })
    }

    /// Verifies and claims a delivery whose body is already read (a queue consumer, a test, an
    /// adapter that reads bodies its own way). Every outcome is logged with `tracing` (fields
    /// `scheme`, `delivery_id` once verified, `outcome`, `reason`), never with the signature
    /// or secret.
    ///
    /// `target` is the request's path and query as received: its path is passed to the
    /// [`SecretResolver`](super::SecretResolver), if any, and the whole of it is signed by the
    /// schemes that sign the URL ([`Verifier::public_url`](crate::Verifier::public_url)). On
    /// `Ok`, run the handler and [`finish`](Admission::finish) with its status; see the
    /// example on [`Guard`].
    ///
    /// A handshake ([`Handshake`](crate::Handshake)) is answered with [`Rejection::Answered`]: send its
    /// response, run no handler; nothing was claimed.
    pub async fn admit<H>(
        &self,
        headers: &H,
        target: &str,
        body: Bytes,
    ) -> Result<Admitted, Rejection>
    where
        H: HeaderLookup + Sync + ?Sized,
    {
        let telemetry = self.telemetry();
        let now = self.verifier().now();
        // The head as `admit_request` checks it before reading: a direct caller gets the same
        // answers (a repeated header, a stale timestamp) before any secret lookup.
        let head = match self.verifier().checked_head(headers, now) {
            Ok(head) => head,
            Err(rejection) => {
                self.log_diagnosis(&rejection, || {
                    self.verifier().explain_head(&rejection, headers, now)
                });
                telemetry.record(Outcome::Refused(&rejection), None);
                return Err(rejection);
            }
        };
        self.admit_read(telemetry, headers, head, target, body, now)
            .await
    }

    /// Verifies and claims once the head passed and the body is read.
    async fn admit_read<'h, H>(
        &self,
        telemetry: Telemetry,
        headers: &'h H,
        head: HeadRead<'h>,
        target: &str,
        body: Bytes,
        now: i64,
    ) -> Result<Admitted, Rejection>
    where
        H: HeaderLookup + Sync + ?Sized,
    {
        let verifier = self.verifier();
        // The body again for a refusal's diagnosis, only when it will be logged (a refcount).
        let mut diagnosable = None;
        // Keys from a key source may need loading first (never for a fixed set).
        if self.inner.resolver.is_none()
            && verifier.secrets().source().is_some()
            && let Err(rejection) = verifier
                .prepare_keys(verifier.secrets(), headers, &body)
                .await
        {
            telemetry.record(Outcome::Refused(&rejection), None);
            return Err(rejection);
        }
        // Without a resolver nothing waits: verified in place, not through another future.
        let verified = match &self.inner.resolver {
            None => {
                if tracing::enabled!(tracing::Level::DEBUG) {
                    diagnosable = Some(body.clone());
                }
                verifier.verify_read(headers, head, target, body, verifier.secrets(), now)
            }
            Some(resolver) => {
                self.verify_resolved(resolver, headers, head, target, body, now)
                    .await
            }
        };
        let mut delivery = match verified {
            Ok(delivery) => delivery,
            Err(rejection) => {
                if let Some(body) = diagnosable
                    && let Err(diagnosis) = verifier.diagnose(headers, target, body, now)
                {
                    self.log_diagnosis(diagnosis.rejection(), || diagnosis.detail().to_owned());
                }
                telemetry.record(Outcome::Refused(&rejection), None);
                return Err(rejection);
            }
        };
        telemetry.verified(&delivery);
        // A verified handshake is answered, never claimed: it is no delivery to deduplicate.
        if let Some(answer) = delivery.handshake.take() {
            let rejection = Rejection::Answered(*answer);
            telemetry.record(Outcome::Refused(&rejection), Some(&delivery));
            return Err(rejection);
        }
        match self.claim(&delivery).await {
            Ok(claims) => {
                telemetry.record(Outcome::Accepted, Some(&delivery));
                Ok(Admitted {
                    delivery,
                    admission: Admission {
                        telemetry: Some(telemetry),
                        claims,
                    },
                })
            }
            Err(rejection) => {
                telemetry.record(Outcome::Refused(&rejection), Some(&delivery));
                Err(rejection)
            }
        }
    }

    /// Why a delivery was refused, in words ([`Verifier::diagnose`](crate::Verifier::diagnose)),
    /// at debug level: for whoever reads the logs; the sender's answer stays uniform. `detail`
    /// runs only when the event is logged.
    fn log_diagnosis(&self, rejection: &Rejection, detail: impl FnOnce() -> String) {
        if matches!(rejection, Rejection::Answered(_)) || !tracing::enabled!(tracing::Level::DEBUG)
        {
            return;
        }
        tracing::debug!(
            scheme = &**self.inner.meters.scheme(),
            reason = rejection.code(),
            diagnosis = detail(),
            "delivery refused"
        );
    }

    /// Asks the resolver for the secrets, then verifies.
    async fn verify_resolved<'h, H>(
        &self,
        resolver: &Arc<dyn SecretResolver>,
        headers: &'h H,
        head: HeadRead<'h>,
        target: &str,
        body: Bytes,
        now: i64,
    ) -> Result<Delivery, Rejection>
    where
        H: HeaderLookup + Sync + ?Sized,
    {
        let inner = &*self.inner;
        let verifier = &inner.verifier;
        // The size limit comes first, before any lookup.
        crate::limits::check_body_size(body.len() as u64, verifier.limit())?;
        let path = target.split_once('?').map_or(target, |(path, _)| path);
        let query = SecretQuery {
            scheme: Arc::clone(inner.meters.scheme()),
            path: path.to_owned(),
        };
        let secrets = match resolver.resolve(query).await {
            Ok(Some(secrets)) => secrets,
            Ok(None) => return Err(Rejection::UnknownSigner),
            Err(error) => {
                tracing::warn!(scheme = &**inner.meters.scheme(), %error, "secret lookup failed");
                return Err(self.unavailable());
            }
        };
        verifier.prepare_keys(&secrets, headers, &body).await?;
        verifier.verify_read(headers, head, target, body, &secrets, now)
    }

    /// Claims a verified delivery's replay keys.
    async fn claim(&self, delivery: &Delivery) -> Result<Claims, Rejection> {
        let inner = &*self.inner;
        let Some(store) = &inner.store else {
            return Ok(Claims::none());
        };
        let window = inner.verifier.scheme().freshness().replay_window();
        let (id_key, signature_key) = delivery.replay_keys();
        let mut claims = Claims {
            store: Some(Arc::clone(store)),
            tokens: [None, None],
        };
        for (slot, key) in [Some(id_key), signature_key].into_iter().enumerate() {
            let Some(key) = key else { continue };
            let refusal = match store.claim(key, window).await {
                Ok(Claim::Fresh(token)) => {
                    claims.tokens[slot] = Some(token);
                    continue;
                }
                // Never later than the holder's lease: past it the key is free, and a holder
                // that is gone (crashed, or a claim that landed after its caller gave up) must
                // not keep the sender away longer. Rounded up, so the retry does not come a
                // moment before the lease ends.
                Ok(Claim::InFlight { lease_left }) => Rejection::InFlight {
                    retry_after: match lease_left {
                        Some(left) => inner
                            .retry_after
                            .in_flight
                            .min(Duration::from_secs(left.as_millis().div_ceil(1000) as u64)),
                        None => inner.retry_after.in_flight,
                    },
                },
                Ok(Claim::Done) => Rejection::AlreadyProcessed,
                Err(StoreError::Full) => Rejection::StoreFull {
                    retry_after: inner.retry_after.store_full,
                },
                Err(error) if inner.store_failure == super::StoreFailure::FailOpen => {
                    tracing::warn!(
                        scheme = &**inner.meters.scheme(),
                        delivery_id = delivery.id(),
                        %error,
                        "replay store unavailable: accepting without deduplication (fail open)"
                    );
                    claims.settle(false).await;
                    return Ok(Claims::none());
                }
                Err(error) => {
                    tracing::warn!(scheme = &**inner.meters.scheme(), %error, "replay store unavailable");
                    self.unavailable()
                }
            };
            claims.settle(false).await;
            return Err(refusal);
        }
        Ok(claims)
    }
}

/// A request the guard refused: the [`Rejection`] to answer with, already logged and counted.
///
/// [`body_unread`](Self::body_unread) tells an adapter whose server would otherwise read the
/// rest of the body (actix-web drains it) to close the connection instead. See the example on
/// [`Guard::admit_request`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    rejection: Rejection,
    body_unread: bool,
}

impl Refused {
    /// What to answer. See the example on [`Guard::admit_request`].
    pub fn rejection(&self) -> &Rejection {
        &self.rejection
    }

    /// The rejection, owned.
    ///
    /// ```
    /// # use webhook_guard::{Guard, Rejection, Scheme, Secret, Verifier};
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// # let guard = Guard::new(Verifier::new(Scheme::github(), [Secret::new("s").unwrap()]));
    /// let unsigned: &[(&str, &str)] = &[];
    /// let refused = guard.admit_request(unsigned, "/", http_body_util::Empty::<bytes::Bytes>::new()).await;
    /// assert_eq!(refused.unwrap_err().into_rejection(), Rejection::MissingSignature);
    /// # });
    /// ```
    pub fn into_rejection(self) -> Rejection {
        self.rejection
    }

    /// True when the guard refused before reading the whole body. See the example on
    /// [`Guard::admit_request`].
    pub fn body_unread(&self) -> bool {
        self.body_unread
    }
}

/// A delivery the handler may run, and its [`Admission`].
///
/// ```
/// use webhook_guard::{Guard, Scheme, Secret, Signer, Verifier};
///
/// # futures::executor::block_on(async {
/// let secret = Secret::new("It's a Secret to Everybody").unwrap();
/// let guard = Guard::new(Verifier::new(Scheme::github(), [secret.clone()]));
/// let mut headers = Signer::new(Scheme::github(), secret).headers(b"{}", 0, "d-1");
/// headers.push(("X-GitHub-Event".into(), "ping".into()));
///
/// let admitted = guard.admit(&headers, "/webhooks/github", "{}".into()).await.unwrap();
/// assert_eq!(admitted.delivery().event_type(), Some("ping"));
/// let (delivery, admission) = admitted.into_parts();
/// let status = if delivery.body() == "{}" { 200 } else { 500 }; // the handler's work
/// admission.finish(status).await;
/// # });
/// ```
#[derive(Debug)]
pub struct Admitted {
    delivery: Delivery,
    admission: Admission,
}

impl Admitted {
    /// The verified delivery.
    pub fn delivery(&self) -> &Delivery {
        &self.delivery
    }

    /// Splits into the delivery (for the handler) and its admission (to finish).
    pub fn into_parts(self) -> (Delivery, Admission) {
        (self.delivery, self.admission)
    }

    /// The admission alone.
    pub fn into_admission(self) -> Admission {
        self.admission
    }
}

/// An admitted delivery's replay claims and telemetry, until the handler answered.
///
/// [`finish`](Self::finish) with the handler's HTTP status: 2xx completes the claims (a retry
/// is then "already processed"), anything else releases them (the retry runs the handler).
/// Dropped unfinished (the client went away, a timeout, a panicking handler), it releases them
/// too and logs the delivery as `cancelled`, so a failed delivery is never remembered as handled.
///
/// ```
/// use webhook_guard::{Guard, Rejection, Scheme, Secret, Signer, Verifier};
///
/// # futures::executor::block_on(async {
/// let secret = Secret::new("It's a Secret to Everybody").unwrap();
/// let guard = Guard::new(Verifier::new(Scheme::github(), [secret.clone()]));
/// let headers = Signer::new(Scheme::github(), secret).headers(b"{}", 0, "d-1");
///
/// let admission = guard.admit(&headers, "/", "{}".into()).await.unwrap().into_admission();
/// assert!(admission.is_claimed());
/// drop(admission); // as if the handler panicked
/// let retry = guard.admit(&headers, "/", "{}".into()).await.unwrap();
/// retry.into_admission().finish(204).await;
/// assert_eq!(guard.admit(&headers, "/", "{}".into()).await.unwrap_err(), Rejection::AlreadyProcessed);
/// # });
/// ```
#[must_use = "dropping an admission releases the delivery: call finish with the handler's status"]
pub struct Admission {
    /// `None` once finished.
    telemetry: Option<Telemetry>,
    claims: Claims,
}

impl fmt::Debug for Admission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Admission")
            .field("tokens", &self.claims.tokens)
            .finish_non_exhaustive()
    }
}

impl Admission {
    /// Records the handler's answer: logs and counts it, then completes the claims (2xx) or
    /// releases them. The returned future settles the store; with the in-memory stores it is
    /// ready at once. Store errors are logged: a completion that did not reach the store
    /// leaves the claim to expire with its lease. See the example on [`Admission`].
    pub fn finish(mut self, status: u16) -> Finish {
        let handled = (200..300).contains(&status);
        if let Some(telemetry) = self.telemetry.take() {
            let outcome = if handled {
                Outcome::Handled(status)
            } else {
                Outcome::HandlerFailed(status)
            };
            telemetry.record(outcome, None);
        }
        self.claims.settle(handled)
    }

    /// The span of this delivery's logs (fields `scheme`, `delivery_id`, `outcome`): enter it
    /// (or instrument the handler with it) so the handler's own events carry them.
    ///
    /// ```
    /// # use webhook_guard::{Guard, Scheme, Secret, Signer, Verifier};
    /// # futures::executor::block_on(async {
    /// # let secret = Secret::new("s").unwrap();
    /// # let guard = Guard::new(Verifier::new(Scheme::github(), [secret.clone()]));
    /// # let headers = Signer::new(Scheme::github(), secret).headers(b"{}", 0, "d-1");
    /// let admission = guard.admit(&headers, "/", "{}".into()).await.unwrap().into_admission();
    /// admission.span().in_scope(|| tracing::info!("handling"));
    /// admission.finish(200).await;
    /// # });
    /// ```
    pub fn span(&self) -> Span {
        self.telemetry
            .as_ref()
            .map_or_else(Span::none, |telemetry| telemetry.span().clone())
    }

    /// True when the admission holds at least one replay claim (false without a store, or
    /// with a store that failed open).
    pub fn is_claimed(&self) -> bool {
        self.claims.tokens.iter().any(Option::is_some)
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        if let Some(telemetry) = self.telemetry.take() {
            telemetry.record(Outcome::Cancelled, None);
        }
        // The claims release themselves (`Claims::drop`).
    }
}

/// The future of [`Admission::finish`]: settles the replay store. Ready at once with the
/// in-memory stores (no allocation); one boxed future with a store that waits (Redis).
///
/// Dropped before the store answered (the client went away while the handler's outcome was
/// being recorded), it goes on as a task of the current Tokio runtime: a handled delivery left
/// in flight would otherwise be free again when its lease ends, and the sender's retry (it got
/// no answer) would run the handler a second time.
#[must_use = "futures do nothing unless polled"]
pub struct Finish {
    pending: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl fmt::Debug for Finish {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Finish")
            .field("pending", &self.pending.is_some())
            .finish()
    }
}

impl Drop for Finish {
    fn drop(&mut self) {
        let Some(pending) = self.pending.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn(pending)),
            Err(_) => tracing::warn!(
                "the handler's outcome was not recorded (no Tokio runtime to finish it on); the claim will expire with its lease"
            ),
        }
    }
}

impl Future for Finish {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match &mut self.pending {
            None => Poll::Ready(()),
            Some(pending) => {
                std::task::ready!(pending.as_mut().poll(cx));
                self.pending = None;
                Poll::Ready(())
            }
        }
    }
}

/// The replay claims of one delivery. Released on drop unless settled.
struct Claims {
    store: Option<Arc<dyn ReplayStore>>,
    tokens: [Option<ClaimToken>; 2],
}

impl Claims {
    fn none() -> Self {
        Self {
            store: None,
            tokens: [None, None],
        }
    }

    /// Completes (`handled`) or releases every claim: at once where the store can, else in
    /// the returned future.
    fn settle(&mut self, handled: bool) -> Finish {
        let Some(store) = self.store.take() else {
            return Finish { pending: None };
        };
        let mut waiting = [None, None];
        for (slot, token) in self.tokens.iter_mut().enumerate() {
            let Some(token) = token.take() else { continue };
            match store.settle_now(&token, handled, crate::replay::Internal(())) {
                Some(result) => report(result, handled),
                None => waiting[slot] = Some(token),
            }
        }
        if waiting.iter().all(Option::is_none) {
            return Finish { pending: None };
        }
        let pending = async move {
            for token in waiting.into_iter().flatten() {
                let result = if handled {
                    store.complete(&token).await
                } else {
                    store.release(&token).await
                };
                report(result, handled);
            }
        };
        Finish {
            pending: Some(Box::pin(pending)),
        }
    }
}

fn report(result: Result<(), StoreError>, handled: bool) {
    if let Err(error) = result {
        tracing::warn!(%error, handled, "replay store did not record the handler's outcome; the claim will expire with its lease");
    }
}

impl Drop for Claims {
    fn drop(&mut self) {
        if let Some(store) = &self.store {
            for token in self.tokens.iter_mut().filter_map(Option::take) {
                tracing::debug!(key = ?token.key(), "releasing an unfinished claim");
                store.release_detached(token);
            }
        }
    }
}
