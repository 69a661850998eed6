//! Signing secrets that never print.
//!
//! ```
//! use webhook_guard::Secret;
//!
//! let secret = Secret::new("whsec_abc123def456").unwrap();
//! assert_eq!(format!("{secret:?}"), "Secret([redacted])");
//! assert_eq!(secret.to_string(), "[redacted]");
//! ```

use std::fmt;
use std::sync::Arc;

/// A signing secret shared with the sender.
///
/// `Debug` and `Display` print `[redacted]`, so a secret that ends up in a log line or a panic
/// message does not leak. The bytes are only reachable through [`Secret::expose`], which the
/// signature code uses to key the HMAC.
///
/// ```
/// use webhook_guard::Secret;
///
/// let secret = Secret::new("a-secret-of-at-least-32-characters!!").unwrap();
/// assert_eq!(secret.len(), 36);
/// assert!(Secret::new("").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    bytes: Box<[u8]>,
    meta: KeyMeta,
}

impl Secret {
    /// Builds a secret from its bytes as the sender's dashboard shows them.
    ///
    /// Refuses an empty secret. Use [`Secret::with_min_len`] (or the scheme's
    /// [`Scheme::secret`](crate::Scheme::secret)) to enforce a provider's minimum length.
    pub fn new(secret: impl AsRef<[u8]>) -> Result<Self, SecretError> {
        Self::with_min_len(secret, 1)
    }

    /// Builds a secret, refusing one shorter than `min_len` bytes.
    ///
    /// ```
    /// use webhook_guard::Secret;
    ///
    /// let err = Secret::with_min_len("short", 32).unwrap_err();
    /// assert_eq!(err.to_string(), "secret is 5 characters long, the minimum is 32");
    /// ```
    pub fn with_min_len(secret: impl AsRef<[u8]>, min_len: usize) -> Result<Self, SecretError> {
        let bytes = secret.as_ref();
        let min_len = min_len.max(1);
        if bytes.len() < min_len {
            return Err(SecretError::TooShort {
                len: bytes.len(),
                min_len,
            });
        }
        Ok(Self {
            bytes: bytes.into(),
            meta: KeyMeta::default(),
        })
    }

    /// The secret's bytes, to key a MAC. Never log them.
    pub fn expose(&self) -> &[u8] {
        &self.bytes
    }

    /// The secret's length in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Always false: a secret is never empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Names the secret (`"2026-q4"`): the name is what the logs, the metrics and
    /// [`Delivery::key_id`](crate::Delivery::key_id) say when it matched, so you can tell when
    /// an old secret is no longer used. Never the secret itself.
    ///
    /// ```
    /// use webhook_guard::Secret;
    ///
    /// let secret = Secret::new("whsec_abc123def456").unwrap().with_id("2026-q4").not_after(1_798_761_599);
    /// assert_eq!(secret.meta().id(), Some("2026-q4"));
    /// assert_eq!(secret.meta().not_after(), Some(1_798_761_599));
    /// assert!(secret.meta().is_valid_at(1_798_761_599));
    /// assert!(!secret.meta().is_valid_at(1_798_761_600));
    /// ```
    #[must_use]
    pub fn with_id(mut self, id: impl AsRef<str>) -> Self {
        self.meta.id = Some(Arc::from(id.as_ref()));
        self
    }

    /// The first second (Unix time) the secret is accepted; before it, a delivery it signed is
    /// refused. See [`KeyMeta`].
    #[must_use]
    pub fn not_before(mut self, unix_seconds: i64) -> Self {
        self.meta.not_before = Some(unix_seconds);
        self
    }

    /// The last second (Unix time) the secret is accepted; after it, a delivery it signed is
    /// refused and the refusal logged (`key <id> expired at ...`). See [`KeyMeta`].
    #[must_use]
    pub fn not_after(mut self, unix_seconds: i64) -> Self {
        self.meta.not_after = Some(unix_seconds);
        self
    }

    /// The secret's id and validity window.
    pub fn meta(&self) -> &KeyMeta {
        &self.meta
    }
}

/// A key's name and validity window, for a [`Secret`] or a
/// [`PublicKey`](crate::PublicKey): which key matched is reported by its id, and a key is tried
/// only within its window, at the verifier's clock.
///
/// The window is inclusive at both ends, in Unix seconds, as X.509's `notBefore`/`notAfter`.
/// A key outside it is not tried; if it is the one that would have matched, the refusal is
/// logged at WARN with the key's id and the date (never the key), and the sender is answered
/// as for any bad signature (`401 invalid_signature`): an expired key is not a reason a sender
/// needs to be told.
///
/// ```
/// use webhook_guard::KeyMeta;
///
/// let open = KeyMeta::default();
/// assert!(open.is_valid_at(i64::MIN) && open.is_valid_at(i64::MAX));
/// assert_eq!(open.id(), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyMeta {
    pub(crate) id: Option<Arc<str>>,
    pub(crate) not_before: Option<i64>,
    pub(crate) not_after: Option<i64>,
}

impl KeyMeta {
    /// The key's id, if it was given one.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The first second the key is accepted, if bounded.
    pub fn not_before(&self) -> Option<i64> {
        self.not_before
    }

    /// The last second the key is accepted, if bounded.
    pub fn not_after(&self) -> Option<i64> {
        self.not_after
    }

    /// True when `now` (Unix seconds) is inside the window.
    pub fn is_valid_at(&self, now: i64) -> bool {
        self.not_before.is_none_or(|start| now >= start)
            && self.not_after.is_none_or(|end| now <= end)
    }

    /// Logs why a key outside its window was not tried, when it is the one that would have
    /// matched: its id and date only.
    pub(crate) fn log_outside_window(&self, now: i64) {
        let id = self.id().unwrap_or("(unnamed)");
        let date = |t: i64| crate::time::format_rfc3339(t);
        match (self.not_before, self.not_after) {
            (_, Some(end)) if now > end => tracing::warn!(
                key_id = id,
                "key {id} expired at {}: the signature matches it, but it is no longer accepted",
                date(end)
            ),
            (Some(start), _) => tracing::warn!(
                key_id = id,
                "key {id} is not valid before {}: the signature matches it, but it is not yet accepted",
                date(start)
            ),
            _ => {}
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Why a [`Secret`] could not be built.
///
/// ```
/// use webhook_guard::{Secret, SecretError};
///
/// assert!(matches!(Secret::with_min_len("abc", 32), Err(SecretError::TooShort { len: 3, min_len: 32 })));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretError {
    /// The secret is shorter than the scheme's minimum.
    TooShort {
        /// Its length in bytes.
        len: usize,
        /// The minimum the scheme asks for.
        min_len: usize,
    },
    /// The secret is not in the form the scheme expects (for instance `whsec_<base64>`).
    Malformed(&'static str),
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooShort { len, min_len } => write!(
                f,
                "secret is {len} characters long, the minimum is {min_len}"
            ),
            Self::Malformed(why) => write!(f, "secret is malformed: {why}"),
        }
    }
}

impl std::error::Error for SecretError {}
