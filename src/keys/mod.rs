//! Keys that change while the service runs: a [`KeySource`] whose keys are replaced without a
//! restart, from a file re-read on an interval (or on `SIGHUP`, feature `sighup`), from any
//! async [`KeyProvider`], or (feature `key-fetch`) from a key set or a certificate fetched over
//! HTTPS ([`fetch`]).
//!
//! A verifier built on [`KeySource::secret_set`] reads the source's current keys at each
//! verification; a reload that fails keeps the last good keys and logs why.
//!
//! ```
//! use webhook_guard::keys::KeySource;
//! use webhook_guard::signature::SecretSet;
//! use webhook_guard::{Scheme, Secret, Signer, Verifier};
//!
//! let old = Secret::new("old-secret").unwrap().with_id("2026-q3");
//! let new = Secret::new("new-secret").unwrap().with_id("2026-q4");
//! let source = KeySource::new(SecretSet::new([old.clone()]));
//! let verifier = Verifier::with_secret_set(Scheme::github(), source.secret_set());
//! let signed_by = |secret: &Secret| Signer::new(Scheme::github(), secret.clone()).headers(b"{}", 0, "d-1");
//! assert!(verifier.verify_at(&signed_by(&new), "{}".into(), 0).is_err());
//!
//! // Rotated while running: the same verifier now takes the new secret, not the old.
//! source.replace(SecretSet::new([new.clone()]));
//! assert_eq!(verifier.verify_at(&signed_by(&new), "{}".into(), 0).unwrap().key_id(), Some("2026-q4"));
//! assert!(verifier.verify_at(&signed_by(&old), "{}".into(), 0).is_err());
//! ```
//!
//! The cell is a `RwLock` around the current set, read for one `Arc` clone per verification:
//! a lock-free cell (`arc-swap`) would save two atomic operations next to an HMAC or a
//! signature check that costs a thousand times more, and would be one more dependency.

#[cfg(feature = "key-fetch")]
#[cfg_attr(docsrs, doc(cfg(feature = "key-fetch")))]
pub mod fetch;
mod file;
#[cfg(any(feature = "ecdsa", feature = "rsa"))]
pub(crate) mod jwks;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

pub use file::KeyFile;
#[cfg(any(feature = "ecdsa", feature = "rsa"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "ecdsa", feature = "rsa"))))]
pub use jwks::parse_jwks;

use crate::Rejection;
use crate::verify::signature::{LiveKeys, SecretSet};

/// Why keys could not be loaded: the source keeps its last good keys.
///
/// ```
/// use webhook_guard::keys::KeyLoadError;
///
/// assert_eq!(KeyLoadError("no such file".into()).to_string(), "keys not loaded: no such file");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLoadError(pub String);

impl fmt::Display for KeyLoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "keys not loaded: {}", self.0)
    }
}

impl std::error::Error for KeyLoadError {}

/// What a [`KeyProvider`] loaded: the keys, and how long they may be kept (a fetched key
/// set's `Cache-Control: max-age`); `None` keeps them until the next reload.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LoadedKeys {
    /// The keys.
    pub keys: SecretSet,
    /// How long they may be used before they are loaded again.
    pub max_age: Option<Duration>,
}

impl LoadedKeys {
    /// Keys kept until the next reload.
    pub fn new(keys: SecretSet) -> Self {
        Self {
            keys,
            max_age: None,
        }
    }
}

/// The future a [`KeyProvider`] returns.
pub type KeyFuture<'a> =
    Pin<Box<dyn Future<Output = Result<LoadedKeys, KeyLoadError>> + Send + 'a>>;

/// Loads keys from wherever they live (a file, a secrets manager, a key set URL).
///
/// ```
/// use webhook_guard::keys::{KeyFuture, KeyProvider, KeySource, LoadedKeys};
/// use webhook_guard::signature::SecretSet;
/// use webhook_guard::Secret;
///
/// /// Keys from the environment, read at each reload.
/// struct FromEnv;
///
/// impl KeyProvider for FromEnv {
///     fn load(&self) -> KeyFuture<'_> {
///         Box::pin(async {
///             let text = std::env::var("ACME_SECRET").unwrap_or_else(|_| "demo-secret".into());
///             let secret = Secret::new(text).map_err(|e| webhook_guard::keys::KeyLoadError(e.to_string()))?;
///             Ok(LoadedKeys::new(SecretSet::new([secret])))
///         })
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let source = KeySource::from_provider(FromEnv).await.unwrap();
/// assert_eq!(source.secret_set().len(), 1);
/// # });
/// ```
pub trait KeyProvider: Send + Sync + 'static {
    /// The whole key set.
    fn load(&self) -> KeyFuture<'_>;

    /// The key set once a request names a key it lacks (a JWT's `kid`, a certificate URL);
    /// by default the whole set again. Called at most once per
    /// [`KeySource::refetch_interval`].
    fn load_for<'a>(&'a self, key_id: &'a str) -> KeyFuture<'a> {
        let _ = key_id;
        self.load()
    }

    /// What the logs call this provider (a path, a URL): never a key.
    fn describe(&self) -> String {
        "key provider".to_owned()
    }
}

/// Keys that can be replaced while the service runs. Cheap to clone (one `Arc`).
///
/// See the [module docs](self).
#[derive(Clone)]
pub struct KeySource {
    live: Arc<Live>,
}

/// The shared cell behind a [`KeySource`] and the live [`SecretSet`]s it hands out.
struct Live {
    current: RwLock<SecretSet>,
    provider: Option<Arc<dyn KeyProvider>>,
    timing: Mutex<Timing>,
    refetch_interval: RwLock<Duration>,
}

struct Timing {
    /// When the current keys must be loaded again (a `max-age`), or must be loaded at all.
    expires: Option<Instant>,
    /// Whether any load succeeded yet.
    loaded: bool,
    /// The last load asked for by an unknown key id.
    last_refetch: Option<Instant>,
    /// The last load that failed: while the provider is down, loads are tried once per
    /// refetch interval, not once per delivery.
    last_failure: Option<Instant>,
}

impl fmt::Debug for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySource")
            .field("keys", &self.live.current())
            .field(
                "provider",
                &self.live.provider.as_ref().map(|p| p.describe()),
            )
            .finish()
    }
}

/// The shortest time between two loads asked for by unknown key ids (default 60 s).
pub const DEFAULT_REFETCH_INTERVAL: Duration = Duration::from_secs(60);

impl KeySource {
    /// A source holding `keys` until [`replace`](Self::replace)d.
    pub fn new(keys: SecretSet) -> Self {
        Self::build(keys, None, true)
    }

    fn build(keys: SecretSet, provider: Option<Arc<dyn KeyProvider>>, loaded: bool) -> Self {
        Self {
            live: Arc::new(Live {
                current: RwLock::new(keys.current().into_owned()),
                provider,
                timing: Mutex::new(Timing {
                    expires: None,
                    loaded,
                    last_refetch: None,
                    last_failure: None,
                }),
                refetch_interval: RwLock::new(DEFAULT_REFETCH_INTERVAL),
            }),
        }
    }

    /// A source that loads from `provider` now: an error here is a start-up error (there are
    /// no last good keys to keep).
    pub async fn from_provider(provider: impl KeyProvider) -> Result<Self, KeyLoadError> {
        let source = Self::lazy(provider);
        source.load().await?;
        Ok(source)
    }

    /// A source that loads from `provider` when a [`Guard`](crate::Guard) first needs its
    /// keys (and again when they expire): for a key set fetched over the network, which a
    /// service should not need to start. Until a load succeeds, deliveries are answered
    /// `503` (retry later), never accepted.
    pub fn lazy(provider: impl KeyProvider) -> Self {
        Self::build(SecretSet::new([]), Some(Arc::new(provider)), false)
    }

    /// A source that starts with `keys` (as if loaded) and loads from `provider` when they
    /// expire, when a delivery names a key id they lack, or on [`reload`](Self::reload):
    /// keys downloaded beforehand, with a provider for the next ones.
    pub fn with_keys(provider: impl KeyProvider, keys: SecretSet) -> Self {
        Self::build(keys, Some(Arc::new(provider)), true)
    }

    /// A source that reads `file` now (see [`KeyFile`] for its formats), then again on each
    /// [`reload`](Self::reload).
    ///
    /// ```
    /// use webhook_guard::keys::KeySource;
    /// use webhook_guard::{Scheme, Secret, Signer, Verifier};
    ///
    /// let path = std::env::temp_dir().join(format!("keys-doc-{}.txt", std::process::id()));
    /// std::fs::write(&path, "id=2026-q4 secret=new-secret\n").unwrap();
    /// let source = KeySource::file(&path, &Scheme::github()).unwrap();
    /// let verifier = Verifier::with_secret_set(Scheme::github(), source.secret_set());
    /// let headers = Signer::new(Scheme::github(), Secret::new("new-secret").unwrap()).headers(b"{}", 0, "d-1");
    /// assert_eq!(verifier.verify_at(&headers, "{}".into(), 0).unwrap().key_id(), Some("2026-q4"));
    /// # std::fs::remove_file(path).unwrap();
    /// ```
    pub fn file(
        path: impl Into<std::path::PathBuf>,
        scheme: &crate::Scheme,
    ) -> Result<Self, KeyLoadError> {
        let file = KeyFile::new(path, scheme);
        let keys = file.read()?;
        Ok(Self::build(keys, Some(Arc::new(file)), true))
    }

    /// The shortest time between two loads asked for by a request naming an unknown key id
    /// (default [`DEFAULT_REFETCH_INTERVAL`]): a sender of made-up `kid`s cannot make the
    /// service fetch more often than this.
    #[must_use]
    pub fn refetch_interval(self, interval: Duration) -> Self {
        *self
            .live
            .refetch_interval
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = interval;
        self
    }

    /// A [`SecretSet`] that is always this source's current keys: give it to a
    /// [`Verifier`](crate::Verifier) (or return it from a
    /// [`SecretResolver`](crate::SecretResolver)).
    pub fn secret_set(&self) -> SecretSet {
        SecretSet::live(Arc::clone(&self.live) as Arc<dyn LiveKeys>)
    }

    /// Replaces the keys now.
    pub fn replace(&self, keys: SecretSet) {
        self.live.set(keys.current().into_owned(), None);
    }

    /// Loads from the provider now. On failure the last good keys stay and the error is
    /// logged (WARN) and returned.
    pub async fn reload(&self) -> Result<(), KeyLoadError> {
        self.live.reload(None).await
    }

    async fn load(&self) -> Result<(), KeyLoadError> {
        self.reload().await
    }

    /// Reloads every `every` in a Tokio task, until the source's last clone is dropped (or the
    /// handle aborted). Needs a Tokio runtime.
    pub fn reload_every(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let live = Arc::downgrade(&self.live);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                if !reload_weak(&live).await {
                    return;
                }
            }
        })
    }

    /// Reloads on each `SIGHUP` (the operator's "re-read your configuration"), in a Tokio
    /// task, until the source's last clone is dropped. Unix only; needs a Tokio runtime.
    #[cfg(all(unix, feature = "sighup"))]
    #[cfg_attr(docsrs, doc(cfg(all(unix, feature = "sighup"))))]
    pub fn reload_on_sighup(&self) -> std::io::Result<tokio::task::JoinHandle<()>> {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hangups = signal(SignalKind::hangup())?;
        let live = Arc::downgrade(&self.live);
        Ok(tokio::spawn(async move {
            while hangups.recv().await.is_some() {
                tracing::info!("SIGHUP: reloading keys");
                if !reload_weak(&live).await {
                    return;
                }
            }
        }))
    }
}

/// Reloads the source if it still exists; false once it is gone.
async fn reload_weak(live: &Weak<Live>) -> bool {
    let Some(live) = live.upgrade() else {
        return false;
    };
    // Logged by `reload`; the next tick tries again.
    let _ = live.reload(None).await;
    true
}

impl LiveKeys for Live {
    fn current(&self) -> SecretSet {
        Live::current(self)
    }

    fn prepare<'a>(
        &'a self,
        key_id: Option<&'a str>,
    ) -> Pin<Box<dyn Future<Output = Result<(), Rejection>> + Send + 'a>> {
        Box::pin(Live::prepare(self, key_id))
    }
}

impl Live {
    /// The current keys (a fixed set).
    pub(crate) fn current(&self) -> SecretSet {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn set(&self, keys: SecretSet, max_age: Option<Duration>) {
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = keys;
        let mut timing = self.timing();
        timing.loaded = true;
        timing.expires = max_age.map(|age| Instant::now() + age);
    }

    fn timing(&self) -> std::sync::MutexGuard<'_, Timing> {
        self.timing
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn reload(&self, key_id: Option<&str>) -> Result<(), KeyLoadError> {
        let Some(provider) = &self.provider else {
            return Ok(());
        };
        let loaded = match key_id {
            Some(id) => provider.load_for(id).await,
            None => provider.load().await,
        };
        match loaded {
            Ok(loaded) => {
                let count = loaded.keys.len();
                self.set(loaded.keys.current().into_owned(), loaded.max_age);
                tracing::debug!(source = provider.describe(), keys = count, "keys loaded");
                Ok(())
            }
            Err(error) => {
                self.timing().last_failure = Some(Instant::now());
                tracing::warn!(
                    source = provider.describe(),
                    %error,
                    "keys not reloaded: the last good keys stay in use"
                );
                Err(error)
            }
        }
    }

    /// Before a verification: loads the keys if they were never loaded or have expired, and
    /// once per refetch interval when the request names a key id the set lacks. Fails closed:
    /// with no keys to verify with, `503` (the sender retries later).
    pub(crate) async fn prepare(&self, key_id: Option<&str>) -> Result<(), Rejection> {
        let unavailable = || Rejection::Unavailable {
            retry_after: Duration::from_secs(30),
        };
        if self.provider.is_none() {
            return Ok(());
        }
        let interval = *self
            .refetch_interval
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (loaded, expired, failed_lately) = {
            let timing = self.timing();
            let now = Instant::now();
            let expired = timing.expires.is_some_and(|at| now >= at);
            let failed_lately = timing
                .last_failure
                .is_some_and(|at| now.duration_since(at) < interval);
            (timing.loaded, expired, failed_lately)
        };
        if failed_lately {
            // The provider failed less than an interval ago: not again for this delivery.
            return if loaded { Ok(()) } else { Err(unavailable()) };
        }
        if !loaded || expired {
            // A failed reload of expired keys keeps them: a provider that is down for a moment
            // must not stop every delivery.
            if self.reload(None).await.is_err() && !loaded {
                return Err(unavailable());
            }
        }
        let Some(id) = key_id else { return Ok(()) };
        if self.current().has_key_id(id) {
            return Ok(());
        }
        {
            let mut timing = self.timing();
            let now = Instant::now();
            if timing
                .last_refetch
                .is_some_and(|last| now.duration_since(last) < interval)
            {
                // Rate-limited: the request is verified with the keys there are (401 if none
                // is its key).
                return Ok(());
            }
            timing.last_refetch = Some(now);
        }
        tracing::info!(
            key_id = id,
            "a delivery names an unknown key: loading the key set again"
        );
        match self.reload(Some(id)).await {
            Ok(()) => Ok(()),
            // Its key could not be fetched: not the sender's fault, so not a 401.
            Err(_) => Err(unavailable()),
        }
    }
}
