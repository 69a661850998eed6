//! Choosing the secrets per request: what multi-tenant receivers plug into a [`Guard`](super::Guard).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::verify::signature::SecretSet;

/// What a [`SecretResolver`] is asked: which secrets verify this request?
///
/// The path is where per-tenant receivers usually say who is sending; an unknown one is a
/// 401 ([`Rejection::UnknownSigner`](crate::Rejection::UnknownSigner)) without a signature ever being checked.
///
/// ```
/// use webhook_guard::signature::SecretSet;
/// use webhook_guard::{Guard, Rejection, ResolveError, Scheme, Secret, SecretQuery, Signer, Verifier};
///
/// # futures::executor::block_on(async {
/// let secret = Secret::new("secret-one").unwrap();
/// let known = SecretSet::new([secret.clone()]);
/// let guard = Guard::new(Verifier::new(Scheme::audit_trail(), [])).secret_resolver(move |q: SecretQuery| {
///     assert_eq!(&*q.scheme, "audit-trail");
///     let secrets = q.path.ends_with("/tenant-001").then(|| known.clone());
///     async move { Ok::<_, ResolveError>(secrets) }
/// });
/// let body = r#"{"id":"whd_1","type":"event.created","tenantId":"tenant-001","data":{}}"#;
/// let headers = Signer::new(Scheme::audit_trail(), secret).headers(body.as_bytes(), guard.verifier().now(), "whd_1");
/// let unknown = guard.admit(&headers, "/webhooks/audit-trail/tenant-002", body.into()).await;
/// assert_eq!(unknown.unwrap_err(), Rejection::UnknownSigner);
/// let admitted = guard.admit(&headers, "/webhooks/audit-trail/tenant-001", body.into()).await.unwrap();
/// admitted.into_admission().finish(200).await;
/// # });
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SecretQuery {
    /// The scheme's name.
    pub scheme: Arc<str>,
    /// The request path (for instance `/webhooks/audit-trail/tenant-001`).
    pub path: String,
}

/// A secret lookup that failed (a database down, ...): the delivery is answered 503 with
/// `Retry-After`, never accepted unverified.
///
/// ```
/// use std::time::Duration;
/// use webhook_guard::{Guard, Rejection, ResolveError, Scheme, Secret, SecretQuery, Signer, Verifier};
///
/// # futures::executor::block_on(async {
/// let guard = Guard::new(Verifier::new(Scheme::github(), [])).secret_resolver(|_: SecretQuery| async {
///     Err(ResolveError("tenants database: connection refused".into()))
/// });
/// let secret = Secret::new("It's a Secret to Everybody").unwrap();
/// let headers = Signer::new(Scheme::github(), secret).headers(b"{}", 0, "d-1");
/// let rejection = guard.admit(&headers, "/webhooks/github", "{}".into()).await.unwrap_err();
/// assert_eq!(rejection, Rejection::Unavailable { retry_after: Duration::from_secs(5) });
/// assert_eq!(rejection.status(), 503);
/// // The cause goes to the log (a WARN event), not to the sender.
/// assert!(!rejection.reason().contains("database"));
/// # });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveError(pub String);

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "secret lookup failed: {}", self.0)
    }
}

impl std::error::Error for ResolveError {}

/// The future a [`SecretResolver`] returns.
///
/// A closure needs none of it (see [`SecretResolver`]); a type implementing the trait by hand
/// boxes its future:
///
/// ```
/// use webhook_guard::signature::SecretSet;
/// use webhook_guard::ResolveFuture;
/// use webhook_guard::{Secret, SecretQuery, SecretResolver};
/// # use webhook_guard::{Guard, Scheme, Verifier};
///
/// /// One secret set for every request.
/// struct Fixed(SecretSet);
///
/// impl SecretResolver for Fixed {
///     fn resolve(&self, _query: SecretQuery) -> ResolveFuture {
///         let secrets = self.0.clone(); // an `Arc` clone
///         Box::pin(async move { Ok(Some(secrets)) })
///     }
/// }
///
/// let fixed = Fixed(SecretSet::new([Secret::new("s").unwrap()]));
/// # let _ = Guard::new(Verifier::new(Scheme::github(), [])).secret_resolver(fixed);
/// ```
pub type ResolveFuture =
    Pin<Box<dyn Future<Output = Result<Option<SecretSet>, ResolveError>> + Send>>;

/// Chooses the secrets per request, so one app receives from many tenants.
///
/// `Ok(None)` means "no such sender" (401); `Err` means the lookup failed (503). Any
/// `Fn(SecretQuery) -> impl Future` closure is a resolver:
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::Arc;
/// use webhook_guard::signature::SecretSet;
/// use webhook_guard::{Guard, ResolveError, Scheme, Secret, SecretQuery, Verifier};
///
/// let tenants: Arc<HashMap<String, SecretSet>> = Arc::new(HashMap::from([
///     ("tenant-001".to_string(), SecretSet::new([Secret::new("secret-one").unwrap()])),
/// ]));
/// let guard = Guard::new(Verifier::new(Scheme::audit_trail(), [])).secret_resolver(move |q: SecretQuery| {
///     let tenants = Arc::clone(&tenants);
///     async move {
///         let tenant = q.path.rsplit('/').next().unwrap_or_default();
///         Ok::<_, ResolveError>(tenants.get(tenant).cloned())
///     }
/// });
/// # let _ = guard;
/// ```
pub trait SecretResolver: Send + Sync + 'static {
    /// The secrets for this request.
    fn resolve(&self, query: SecretQuery) -> ResolveFuture;
}

impl<F, Fut> SecretResolver for F
where
    F: Fn(SecretQuery) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<SecretSet>, ResolveError>> + Send + 'static,
{
    fn resolve(&self, query: SecretQuery) -> ResolveFuture {
        Box::pin(self(query))
    }
}
