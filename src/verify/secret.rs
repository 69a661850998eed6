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
pub struct Secret(Box<[u8]>);

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
        Ok(Self(bytes.into()))
    }

    /// The secret's bytes, to key a MAC. Never log them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The secret's length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a secret is never empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
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
