//! The Redis replay store, for several replicas that must deduplicate together.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher as _, Hasher as _, RandomState};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, FromRedisValue, RedisError, Script};

use super::{
    Claim, ClaimToken, DEFAULT_LEASE, DEFAULT_RETENTION, ReplayKey, ReplayStore, StoreError,
    StoreFuture,
};

/// Takes a free key for this claimant (`SET NX PX`), else says what holds it, in one round trip.
///
/// `KEYS[1]`: the key; `ARGV[1]`: the in-flight value; `ARGV[2]`: the lease in ms.
/// Returns `{0}` (fresh), `{1, <lease left in ms>}` (in flight) or `{2}` (done).
const CLAIM: &str = r"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return {0}
end
if redis.call('GET', KEYS[1]) == 'd' then
    return {2}
end
return {1, redis.call('PTTL', KEYS[1])}
";

/// Marks the key done if this claimant still holds it, or if nobody does (the lease ran out and
/// nobody claimed the key since: a success is still worth remembering).
///
/// `KEYS[1]`: the key; `ARGV[1]`: the claimant's prefix of the in-flight value (`i:<token>:`);
/// `ARGV[2]`: the retention in ms, for a key that is gone. The in-flight value ends with its
/// own done time to live. Returns 1 if the key was marked done.
const COMPLETE: &str = r"
local value = redis.call('GET', KEYS[1])
if not value then
    redis.call('SET', KEYS[1], 'd', 'PX', ARGV[2])
    return 1
end
if string.sub(value, 1, #ARGV[1]) == ARGV[1] then
    redis.call('SET', KEYS[1], 'd', 'PX', string.sub(value, #ARGV[1] + 1))
    return 1
end
return 0
";

/// Deletes the key if this claimant still holds it.
///
/// `KEYS[1]`: the key; `ARGV[1]`: the claimant's prefix of the in-flight value (`i:<token>:`).
/// Returns 1 if the key was deleted.
const RELEASE: &str = r"
local value = redis.call('GET', KEYS[1])
if value and string.sub(value, 1, #ARGV[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
";

/// The longest time to live the store asks for (about 1,000 years): Redis refuses an expiry
/// that overflows its clock, and `Duration::MAX` is a valid retention here.
const MAX_TTL_MS: u64 = 1 << 45;

/// A replay store on Redis: several replicas that share one Redis deduplicate together.
///
/// The same three steps as the [`MemoryStore`](super::MemoryStore) (see the
/// [module docs](super)), each one Lua script, so each step is atomic and takes one round trip
/// (no `KEYS` or `SCAN`, ever):
///
/// - **claim**: `SET key <in-flight value> NX PX <lease>`; if the key is taken, the same script
///   reads it and answers [`Claim::InFlight`] or [`Claim::Done`]. Redis runs one script at a
///   time, so of any number of concurrent copies of a delivery, on any number of replicas,
///   exactly one is [`Claim::Fresh`];
/// - **complete**: the key becomes done, for the retention (default 24 h, or the claim's
///   replay window if longer), only if this claimant still holds it. If the lease ran out and
///   nobody claimed the key since, it is marked done anyway (for the retention): a success is
///   worth remembering;
/// - **release**: the key is deleted, only if this claimant still holds it.
///
/// # The lease
///
/// An in-flight claim expires after its lease (default 60 s,
/// [`lease`](RedisStoreBuilder::lease)), so a replica that crashed mid-delivery does not block
/// the sender's retries for the whole retention: after the lease the retry is `Fresh`. Each
/// claim carries a random 64-bit token, checked by `complete` and `release` inside their
/// script: a slow first attempt whose lease ran out can neither release nor complete a later
/// claimant's key. Keep the lease longer than your slowest handler.
///
/// # When Redis cannot be reached
///
/// Each step is bounded by a timeout (default 200 ms, [`timeout`](RedisStoreBuilder::timeout)),
/// covering the wait for a connection too; a step that fails or times out answers
/// [`StoreError::Unavailable`], and the [`Guard`](crate::Guard) then either fails closed (the
/// default: 503 with `Retry-After`, the handler does not run, the sender retries later and
/// nothing runs twice) or fails open
/// ([`StoreFailure::FailOpen`](crate::StoreFailure::FailOpen): the handler runs without
/// deduplication while Redis is down, so a duplicate may run twice). A request never hangs on a
/// dead Redis.
///
/// The store reconnects by itself (a [`redis::aio::ConnectionManager`], reconnecting in the
/// background with at most about a second between attempts): when Redis comes back, the same
/// store object works again, nothing to rebuild. A step that finds the connection dropped
/// (Redis restarted since the last request) retries once on the new connection, within the
/// same timeout.
///
/// A step that timed out may still reach Redis afterwards (a stalled Redis runs what was sent
/// when it wakes). A claim that timed out is therefore released behind it, on the same
/// connection, so Redis runs the release right after the late claim: the key is free again as
/// soon as Redis is back, and the sender's retry (told to come back by the 503) is admitted. A
/// release or a `release_detached` that fails is retried, with backoff, until it gets through
/// or the lease has run out anyway. A late completion marks the key done (the handler did
/// succeed); a late release deletes nothing but this claimant's own key. A duplicate that finds
/// a key in flight is told to come back when the lease ends at the latest (`Retry-After` is the
/// smaller of the configured value and the lease left).
///
/// Keys live in Redis: a Redis restarted without persistence has forgotten them, and a copy or
/// a retry of a delivery handled before the restart runs the handler again. Use persistence
/// (AOF) or a replicated Redis if that matters.
///
/// If Redis answers that it is out of memory (`OOM`, with `maxmemory-policy noeviction`), the
/// claim fails with [`StoreError::Full`] (503 with `Retry-After`).
///
/// # Key layout
///
/// One string key per delivery key ([`ReplayKey`]): the prefix (default `webhook-guard:`,
/// [`prefix`](RedisStoreBuilder::prefix)) followed by the key's [`digest`](ReplayKey::digest)
/// (SHA-256, the same in every replica and every version) as 32 lowercase hex digits, for
/// instance `webhook-guard:3f2a…c9` (46 bytes). The value is `i:<token as 16 hex
/// digits>:<done time to live in ms>` while in flight (about 30 bytes), then `d`. Every key has
/// a time to live: the lease while in flight, the retention once done. Give each application
/// (or each environment sharing a Redis) its own prefix.
///
/// # Sizing Redis
///
/// The store keeps one key per delivery for the retention (default 24 h): keys held
/// ≈ deliveries per second × retention in seconds, plus the few in flight. A key of this store
/// takes about 180 bytes of Redis memory, key name, value, expiry and hash-table slots included
/// (measured on Redis 7.0 with the default prefix: 1,000,000 done keys took 177 MB, an
/// in-flight key about 200 bytes). So 1,000,000 deliveries a day (11.6 per second on average)
/// need about 180 MB; a shorter prefix saves a little.
///
/// Set `maxmemory-policy noeviction` on that Redis (or give the store a Redis of its own): with
/// an evicting policy (`allkeys-lru`, `volatile-ttl`, ...) a full Redis would silently forget a
/// key that can still be replayed, and a copy of that delivery would run the handler again.
/// The `volatile-*` policies evict this store's keys too: every one has a time to live. With
/// `noeviction`, a full Redis refuses new claims (503, nothing lost) until keys expire.
///
/// [`connect`](RedisStoreBuilder::connect) checks it: it reads the policy (`CONFIG GET
/// maxmemory-policy`, or `INFO memory` where `CONFIG` is disabled, as on several managed
/// services) and refuses any policy but `noeviction` with [`StoreError::Misconfigured`], unless
/// you accept the risk with [`allow_eviction`](RedisStoreBuilder::allow_eviction). If Redis
/// answers neither command, it logs a warning and connects.
///
/// # Runtime
///
/// The store needs a Tokio runtime with the time driver (as `#[tokio::main]` and actix-web
/// provide): call [`connect`](RedisStoreBuilder::connect) inside the runtime that serves the
/// requests. A claim left unfinished (the request was cancelled, the handler panicked) is
/// released by a task spawned on the current runtime; outside one, its lease frees the key.
///
/// ```no_run
/// use std::time::Duration;
/// use webhook_guard::replay::RedisStore;
/// use webhook_guard::{Guard, Scheme, Secret, StoreFailure, Verifier};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = RedisStore::builder("redis://127.0.0.1:6379/")
///     .prefix("billing:webhooks:")
///     .lease(Duration::from_secs(60))
///     .retention(Duration::from_secs(24 * 3600))
///     .timeout(Duration::from_millis(200))
///     .connect()
///     .await?;
///
/// // Every replica builds the same guard over the same Redis: a delivery runs its handler once
/// // across all of them.
/// let secret = Secret::new("whsec_abc123def456")?;
/// let guard = Guard::new(Verifier::new(Scheme::audit_trail(), [secret]))
///     .store(store)
///     .on_store_failure(StoreFailure::FailClosed);
/// # let _ = guard;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

struct Inner {
    connection: ConnectionManager,
    prefix: String,
    lease: Duration,
    retention: Duration,
    timeout: Duration,
    claim: Script,
    complete: Script,
    release: Script,
    /// Random per store, so that two replicas never draw the same tokens.
    token_seed: u64,
    next_token: AtomicU64,
}

impl RedisStore {
    /// The default key prefix: `webhook-guard:`.
    ///
    /// ```no_run
    /// # #[cfg(feature = "redis")]
    /// # async fn run() -> Result<(), webhook_guard::replay::StoreError> {
    /// use webhook_guard::replay::{RedisStore, ReplayKey};
    ///
    /// let store = RedisStore::builder("redis://127.0.0.1:6379/").connect().await?;
    /// assert_eq!(store.prefix(), RedisStore::DEFAULT_PREFIX);
    /// let key = ReplayKey::new("audit-trail", Some("tenant-001"), "whd_abc123");
    /// assert_eq!(store.redis_key(key), format!("webhook-guard:{:032x}", key.digest()));
    /// # Ok(())
    /// # }
    /// ```
    pub const DEFAULT_PREFIX: &'static str = "webhook-guard:";

    /// The default bound on each step, connection wait included: 200 ms.
    ///
    /// ```no_run
    /// # #[cfg(feature = "redis")]
    /// # async fn run() -> Result<(), webhook_guard::replay::StoreError> {
    /// use std::time::Duration;
    /// use webhook_guard::replay::RedisStore;
    ///
    /// let store = RedisStore::builder("redis://127.0.0.1:6379/").connect().await?;
    /// assert_eq!(store.timeout(), RedisStore::DEFAULT_TIMEOUT);
    /// assert_eq!(RedisStore::DEFAULT_TIMEOUT, Duration::from_millis(200));
    /// # Ok(())
    /// # }
    /// ```
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(200);

    /// Configures a store on the Redis at `url` (`redis://[user:password@]host:port/db`, or
    /// `rediss://` with a TLS feature of the `redis` crate).
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder {
            url: url.into(),
            prefix: Self::DEFAULT_PREFIX.to_owned(),
            lease: DEFAULT_LEASE,
            retention: DEFAULT_RETENTION,
            timeout: Self::DEFAULT_TIMEOUT,
            allow_eviction: false,
        }
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.inner.prefix
    }

    /// The bound on each step.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// How long a done key is kept (at least the claim's window).
    pub fn retention(&self) -> Duration {
        self.inner.retention
    }

    /// The Redis key of `key`: the prefix, then its [`digest`](ReplayKey::digest) as 32 hex
    /// digits.
    pub fn redis_key(&self, key: ReplayKey<'_>) -> String {
        self.key_name(key.digest())
    }

    fn key_name(&self, digest: u128) -> String {
        format!("{}{digest:032x}", self.inner.prefix)
    }

    fn draw_token(&self) -> u64 {
        let count = self.inner.next_token.fetch_add(1, Ordering::Relaxed);
        // A bijection, so tokens drawn by one store never repeat.
        mix(self.inner.token_seed.wrapping_add(count))
    }

    async fn claim_now(&self, key: u128, window: Duration) -> Result<Claim, StoreError> {
        let inner = &*self.inner;
        // A scheme without a timestamp has an unbounded window: its keys are kept for the
        // retention.
        let keep_for = if window == Duration::MAX {
            inner.retention
        } else {
            inner.retention.max(window)
        };
        let token = self.draw_token();
        let value = format!("i:{token:016x}:{}", millis(keep_for));
        let found: Vec<i64> = match self
            .eval(
                &inner.claim,
                key,
                &[&value, &millis(inner.lease).to_string()],
            )
            .await
        {
            Ok(found) => found,
            Err(StoreError::Full) => {
                tracing::warn!(
                    "Redis is out of memory: refusing a new delivery (503), the sender will retry"
                );
                return Err(StoreError::Full);
            }
            Err(error) => {
                // The claim may still reach Redis (a stalled server runs it when it wakes): it
                // would then hold the key for a whole lease although nobody runs the handler,
                // and the sender's retries would get 409. Release it behind the claim: on the
                // same connection, so Redis runs the release after the claim.
                self.release_until_done(ClaimToken::new(key, token));
                return Err(error);
            }
        };
        match found.as_slice() {
            [0, ..] => Ok(Claim::Fresh(ClaimToken::new(key, token))),
            [2, ..] => Ok(Claim::Done),
            [_, left, ..] => Ok(Claim::InFlight {
                lease_left: u64::try_from(*left).ok().map(Duration::from_millis),
            }),
            _ => Ok(Claim::InFlight { lease_left: None }),
        }
    }

    /// Releases `claim` in a spawned task, retrying (with backoff) until Redis answers or the
    /// lease has run out anyway: a release is idempotent and only ever deletes this claimant's
    /// own key.
    fn release_until_done(&self, claim: ClaimToken) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::debug!(key = ?claim.key(), "no Tokio runtime to release the claim on: its lease will free the key");
            return;
        };
        let store = self.clone();
        runtime.spawn(async move {
            let give_up = tokio::time::Instant::now() + store.inner.lease;
            let mut pause = store.inner.timeout;
            loop {
                match store.release_now(&claim).await {
                    Ok(()) => return,
                    Err(error) if tokio::time::Instant::now() + pause >= give_up => {
                        tracing::warn!(%error, "replay store did not release an unfinished claim; it will expire with its lease");
                        return;
                    }
                    Err(_) => {
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(Duration::from_secs(5));
                    }
                }
            }
        });
    }

    async fn complete_now(&self, claim: &ClaimToken) -> Result<(), StoreError> {
        let inner = &*self.inner;
        let owner = owner_prefix(claim);
        let _: i64 = self
            .eval(
                &inner.complete,
                claim.key(),
                &[&owner, &millis(inner.retention).to_string()],
            )
            .await?;
        Ok(())
    }

    async fn release_now(&self, claim: &ClaimToken) -> Result<(), StoreError> {
        let owner = owner_prefix(claim);
        let _: i64 = self
            .eval(&self.inner.release, claim.key(), &[&owner])
            .await?;
        Ok(())
    }

    /// Runs `script` on `key`, bounded by the timeout. A dropped connection (Redis restarted
    /// since the last request) is retried once, within the same bound: the connection manager
    /// has started reconnecting, and every script is safe to run twice.
    async fn eval<T: FromRedisValue>(
        &self,
        script: &Script,
        key: u128,
        args: &[&str],
    ) -> Result<T, StoreError> {
        let inner = &*self.inner;
        let redis_key = self.key_name(key);
        let mut invocation = script.key(&redis_key);
        for arg in args {
            invocation.arg(*arg);
        }
        let attempts = async {
            let mut connection = inner.connection.clone();
            match invocation.invoke_async(&mut connection).await {
                // Not a refused connection: Redis is down, no use waiting for it.
                Err(error) if error.is_connection_dropped() && !error.is_connection_refusal() => {
                    tracing::debug!(%error, "Redis connection dropped, retrying once on a new connection");
                    invocation.invoke_async(&mut connection).await
                }
                result => result,
            }
        };
        match tokio::time::timeout(inner.timeout, attempts).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(store_error(&error)),
            Err(_) => Err(StoreError::Unavailable(format!(
                "Redis did not answer within {:?}",
                inner.timeout
            ))),
        }
    }
}

/// The start of the in-flight value only this claimant wrote.
fn owner_prefix(claim: &ClaimToken) -> String {
    format!("i:{:016x}:", claim.token())
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .clamp(1, MAX_TTL_MS)
}

/// The splitmix64 finaliser: a bijection on `u64` that spreads consecutive inputs.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn random_seed() -> u64 {
    // `RandomState` is seeded from the OS once per process and differs for each instance; the
    // clock and the process id set apart processes that would share an OS seed.
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos()),
    );
    hasher.write_u32(std::process::id());
    hasher.finish()
}

/// A Redis error as the store's answer: out of memory (`noeviction`) is [`StoreError::Full`],
/// anything else [`StoreError::Unavailable`], whose text names the failure, never the URL.
fn store_error(error: &RedisError) -> StoreError {
    match error.code() {
        Some("OOM") => StoreError::Full,
        Some(code) => {
            StoreError::Unavailable(format!("{code} {}", error.detail().unwrap_or_default()))
        }
        None => StoreError::Unavailable(error.to_string()),
    }
}

/// Redis's `maxmemory-policy`: from `CONFIG GET`, or, where `CONFIG` is refused (renamed or
/// forbidden by managed services, or by an ACL), from `INFO memory`. The error says why neither
/// answered, for the log.
async fn eviction_policy(
    connection: &mut ConnectionManager,
    wait: Duration,
) -> Result<String, String> {
    let mut config = redis::cmd("CONFIG");
    config.arg("GET").arg("maxmemory-policy");
    let config = config.query_async::<HashMap<String, String>>(connection);
    let config_failed = match tokio::time::timeout(wait, config).await {
        Ok(Ok(mut found)) => match found.remove("maxmemory-policy") {
            Some(policy) => return Ok(policy),
            None => "CONFIG GET: no maxmemory-policy".to_owned(),
        },
        Ok(Err(error)) => format!("CONFIG GET: {}", describe(&error)),
        Err(_) => "CONFIG GET: no answer".to_owned(),
    };
    let mut info = redis::cmd("INFO");
    info.arg("memory");
    let info = info.query_async::<String>(connection);
    let info_failed = match tokio::time::timeout(wait, info).await {
        Ok(Ok(text)) => match text
            .lines()
            .find_map(|line| line.strip_prefix("maxmemory_policy:"))
        {
            Some(policy) => return Ok(policy.trim().to_owned()),
            None => "INFO memory: no maxmemory_policy".to_owned(),
        },
        Ok(Err(error)) => format!("INFO memory: {}", describe(&error)),
        Err(_) => "INFO memory: no answer".to_owned(),
    };
    Err(format!("{config_failed}; {info_failed}"))
}

/// A Redis error for the start-up message: its code and detail (`NOAUTH Authentication
/// required.`), or its kind; never the URL.
fn describe(error: &RedisError) -> String {
    match error.code() {
        Some(code) => format!("{code} {}", error.detail().unwrap_or_default()),
        None => error.to_string(),
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the URL: it may hold a password.
        f.debug_struct("RedisStore")
            .field("prefix", &self.inner.prefix)
            .field("lease", &self.inner.lease)
            .field("retention", &self.inner.retention)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

impl ReplayStore for RedisStore {
    fn claim(
        &self,
        key: ReplayKey<'_>,
        window: Duration,
    ) -> StoreFuture<'_, Result<Claim, StoreError>> {
        // Several replicas share the keys: the digest, the same in every process (a network
        // round trip dwarfs its cost). Taken here, so the future does not borrow `key`.
        StoreFuture::pending(self.claim_now(key.digest(), window))
    }

    fn complete(&self, claim: &ClaimToken) -> StoreFuture<'_, Result<(), StoreError>> {
        let claim = claim.clone();
        StoreFuture::pending(async move { self.complete_now(&claim).await })
    }

    fn release(&self, claim: &ClaimToken) -> StoreFuture<'_, Result<(), StoreError>> {
        let claim = claim.clone();
        StoreFuture::pending(async move { self.release_now(&claim).await })
    }

    fn release_detached(&self, claim: ClaimToken) {
        self.release_until_done(claim);
    }

    fn lease(&self) -> Duration {
        self.inner.lease
    }
}

/// Configures a [`RedisStore`]; nothing is contacted until [`connect`](Self::connect).
///
/// Its `Debug` never shows the URL, which may hold a password.
///
/// ```no_run
/// # #[cfg(feature = "redis")]
/// # async fn run() -> Result<(), webhook_guard::replay::StoreError> {
/// use std::time::Duration;
/// use webhook_guard::replay::RedisStore;
///
/// let builder = RedisStore::builder("redis://:hunter2@127.0.0.1:6379/")
///     .prefix("billing:webhooks:")
///     .retention(Duration::from_secs(3 * 24 * 3600)); // past the sender's retry schedule
/// assert!(!format!("{builder:?}").contains("hunter2"));
/// let store = builder.connect().await?;
/// assert_eq!(store.retention(), Duration::from_secs(3 * 24 * 3600));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
#[must_use]
pub struct RedisStoreBuilder {
    url: String,
    prefix: String,
    lease: Duration,
    retention: Duration,
    timeout: Duration,
    allow_eviction: bool,
}

impl fmt::Debug for RedisStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStoreBuilder")
            .field("url", &"[redacted]")
            .field("prefix", &self.prefix)
            .field("lease", &self.lease)
            .field("retention", &self.retention)
            .field("timeout", &self.timeout)
            .field("allow_eviction", &self.allow_eviction)
            .finish()
    }
}

impl RedisStoreBuilder {
    /// The start of every key (default `webhook-guard:`); the 128-bit key follows as 32 hex
    /// digits.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long an in-flight claim holds its key without `complete` or `release` (default 60 s).
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How long a done key is kept (default 24 h; never less than the claim's window).
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// The bound on each step, waiting for a connection included (default 200 ms): past it the
    /// step answers [`StoreError::Unavailable`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Accepts a Redis whose `maxmemory-policy` evicts keys (default `false`: refused by
    /// [`connect`](Self::connect)).
    ///
    /// The risk you take: when that Redis reaches its `maxmemory`, it deletes keys of this
    /// store that can still be replayed (every `volatile-*` policy too, as every key has a time
    /// to live), and a retry or a copy of such a delivery runs the handler a second time. Only
    /// for a handler that is idempotent anyway, or a Redis sized so that it never fills.
    /// `connect` logs a warning naming the policy.
    ///
    /// ```no_run
    /// # #[cfg(feature = "redis")]
    /// # async fn run() -> Result<(), webhook_guard::replay::StoreError> {
    /// use webhook_guard::replay::RedisStore;
    ///
    /// // A shared cache with `maxmemory-policy allkeys-lru`, and an idempotent handler.
    /// let store = RedisStore::builder("redis://cache.internal:6379/")
    ///     .allow_eviction(true)
    ///     .connect()
    ///     .await?;
    /// # let _ = store;
    /// # Ok(())
    /// # }
    /// ```
    pub fn allow_eviction(mut self, allow: bool) -> Self {
        self.allow_eviction = allow;
        self
    }

    /// Connects to Redis and checks that it answers (`PING`, so a wrong or missing password, a
    /// missing ACL permission or a server that is not Redis fails here, at start-up, and not
    /// as a 503 on every request) and that it does not evict keys (`maxmemory-policy`
    /// `noeviction`, see [`allow_eviction`](Self::allow_eviction)). Fails with
    /// [`StoreError::Unavailable`] if the URL is invalid, Redis cannot be reached after a few
    /// attempts (a few seconds), or the check fails, and with [`StoreError::Misconfigured`] if
    /// Redis evicts keys. The policy is read with `CONFIG GET`, or from `INFO memory` where
    /// `CONFIG` is refused; if neither answers, a warning is logged and the store connects.
    /// Once connected, the store reconnects by itself. Call it inside the Tokio runtime that
    /// serves the requests.
    pub async fn connect(self) -> Result<RedisStore, StoreError> {
        let client = Client::open(self.url.as_str()).map_err(|error| {
            StoreError::Unavailable(format!("invalid Redis URL: {}", error.category()))
        })?;
        let config = ConnectionManagerConfig::new()
            // Each request is bounded by the store's timeout anyway; these bound what the
            // connection itself waits for, so a dead server is noticed and replaced.
            .set_response_timeout(Some(self.timeout))
            .set_connection_timeout(Some(self.timeout.max(Duration::from_secs(1))))
            // Reconnect soon after Redis comes back: at most about a second between attempts.
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_secs(1))
            .set_number_of_retries(6);
        let mut connection = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|error| {
                StoreError::Unavailable(format!("cannot connect to Redis: {}", describe(&error)))
            })?;
        // The connection may be up and still refuse every command (`NOAUTH`, `WRONGPASS`,
        // `NOPERM`): one command now says so, with the reason.
        let wait = self.timeout.max(Duration::from_secs(1));
        let ping = redis::cmd("PING");
        let check = ping.query_async::<String>(&mut connection);
        match tokio::time::timeout(wait, check).await {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => {
                return Err(StoreError::Unavailable(format!(
                    "Redis refused the start-up check: {}",
                    describe(&error)
                )));
            }
            Err(_) => {
                return Err(StoreError::Unavailable(
                    "Redis did not answer the start-up check".to_owned(),
                ));
            }
        }
        match eviction_policy(&mut connection, wait).await {
            Ok(policy) if policy.eq_ignore_ascii_case("noeviction") => {}
            Ok(policy) if self.allow_eviction => tracing::warn!(
                policy,
                "Redis maxmemory-policy evicts keys, accepted with allow_eviction(true): a \
                 retried delivery whose key was evicted runs its handler twice"
            ),
            Ok(policy) => {
                return Err(StoreError::Misconfigured(format!(
                    "Redis maxmemory-policy is {policy}: it evicts replay keys, so a retried \
                     delivery could run twice; set `maxmemory-policy noeviction` (on a Redis \
                     of the store's own if others need eviction), or accept the risk with \
                     RedisStoreBuilder::allow_eviction(true)"
                )));
            }
            Err(why) => tracing::warn!(
                %why,
                "cannot read Redis's maxmemory-policy: make sure it is noeviction, or a \
                 retried delivery whose key was evicted runs its handler twice"
            ),
        }
        Ok(RedisStore {
            inner: Arc::new(Inner {
                connection,
                prefix: self.prefix,
                lease: self.lease,
                retention: self.retention,
                timeout: self.timeout,
                claim: Script::new(CLAIM),
                complete: Script::new(COMPLETE),
                release: Script::new(RELEASE),
                token_seed: random_seed(),
                next_token: AtomicU64::new(0),
            }),
        })
    }
}
