//! Signatures: MAC algorithms and public-key ones, keyed secrets, signature headers,
//! constant-time checks.
//!
//! The MAC is fed the signed pieces one after another (for Audit Trail: the timestamp header,
//! `.`, then the raw body), so the body is never copied or re-serialised. The received
//! signatures are decoded into bytes and compared with [`subtle`] in constant time; the expected
//! signature is never formatted as text, so it cannot end up in a log or a response.
//!
//! ```
//! use webhook_guard::signature::{Algorithm, SecretSet, SignatureFormat};
//! use webhook_guard::Secret;
//!
//! let secrets = SecretSet::new([Secret::new("whsec_abc123def456").unwrap()]);
//! let format = SignatureFormat::prefixed_hex("sha256=");
//! let mac = secrets.sign_with(Algorithm::HmacSha256, &[b"1705312200", b".", b"{}"]).unwrap();
//! let header = format.format(mac.as_bytes(), None);
//! assert!(header.starts_with("sha256="));
//! let parsed = format.parse(header.as_bytes()).unwrap();
//! assert_eq!(parsed.tags().next(), Some(mac));
//! ```

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::OnceLock;

use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha512};
use subtle::{ConditionallySelectable, ConstantTimeEq};

use super::public_key::PublicKey;
use crate::Rejection;
pub use crate::scheme::algorithm::Algorithm;
pub use crate::scheme::encoding::{Encoding, MAX_TAG_LEN, Tag};
pub use crate::scheme::signature_format::SignatureFormat;
use crate::secret::Secret;

/// The longest signature entry read, in characters: a 8192-bit RSA signature in base64.
pub const MAX_ENTRY_LEN: usize = 1400;

/// An HMAC-SHA256 output.
///
/// Signature entries are decoded into digests before they are compared, so a wrong length is
/// refused before any comparison and hex case does not matter.
///
/// ```
/// use webhook_guard::signature::{Algorithm, Digest, SecretSet};
/// use webhook_guard::Secret;
///
/// let tag = SecretSet::new([Secret::new("s").unwrap()]).sign_with(Algorithm::HmacSha256, &[b"{}"]).unwrap();
/// let mac: Digest = tag.as_bytes().try_into().unwrap();
/// assert_eq!(mac.len(), 32);
/// ```
pub type Digest = [u8; 32];

/// The most signature entries one header may carry. A real sender sends one, or a few during a
/// secret rotation; more is refused as malformed, so that the work per request stays bounded
/// (entries are compared, never re-hashed: the MAC is computed once per active secret).
///
/// ```
/// use webhook_guard::Rejection;
/// use webhook_guard::signature::{MAX_SIGNATURE_ENTRIES, SignatureFormat};
///
/// let format = SignatureFormat::prefixed_hex("sha256=");
/// let entry = format!("sha256={}", "ab".repeat(32));
/// let header = |n: usize| vec![entry.as_str(); n].join(",");
/// let (most, too_many) = (header(MAX_SIGNATURE_ENTRIES), header(MAX_SIGNATURE_ENTRIES + 1));
/// assert!(format.parse(most.as_bytes()).is_ok());
/// assert_eq!(format.parse(too_many.as_bytes()).unwrap_err(), Rejection::MalformedSignature);
/// ```
pub const MAX_SIGNATURE_ENTRIES: usize = 16;

/// Reading a header in a [`SignatureFormat`] (the format itself is scheme data,
/// `src/scheme/signature_format.rs`).
impl SignatureFormat {
    /// Parses a header value into its HMAC-SHA256 signature entries (32 bytes each): with no
    /// entry of that length, or more than [`MAX_SIGNATURE_ENTRIES`],
    /// [`Rejection::MalformedSignature`]; never a panic.
    pub fn parse<'h>(&self, header: &'h [u8]) -> Result<ParsedSignature<'h>, Rejection> {
        self.parse_sized(header, Some(32))
    }

    /// Parses a header value into its signature entries of `len` bytes (any, with `None`).
    /// Behind the `testing` feature: the fuzz targets and tests drive the parser with every
    /// length; a receiver reads headers through [`parse`](Self::parse) or a
    /// [`Verifier`](crate::Verifier).
    ///
    /// ```
    /// use webhook_guard::signature::SignatureFormat;
    ///
    /// let header = format!("v1={}", "ab".repeat(20));
    /// let format = SignatureFormat::prefixed_hex("v1=");
    /// assert_eq!(format.parse_len(header.as_bytes(), Some(20)).unwrap().len(), 1);
    /// assert!(format.parse_len(header.as_bytes(), Some(32)).is_err());
    /// ```
    #[cfg(any(test, feature = "testing"))]
    #[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
    pub fn parse_len<'h>(
        &self,
        header: &'h [u8],
        len: Option<usize>,
    ) -> Result<ParsedSignature<'h>, Rejection> {
        self.parse_sized(header, len)
    }

    /// Parses a header value into its signature entries (and, for formats that carry one, the
    /// raw timestamp).
    ///
    /// With `len`, entries are decoded into [`Tag`]s and those that do not decode to exactly
    /// `len` bytes (wrong length, wrong alphabet, wrong prefix) are dropped: they can never
    /// match. Without it (DER or key-sized signatures), entries are kept as text, checked
    /// against the alphabet, decoded when verified. A header left with no entry, or with more
    /// than [`MAX_SIGNATURE_ENTRIES`], is [`Rejection::MalformedSignature`]; never a panic.
    pub(crate) fn parse_sized<'h>(
        &self,
        header: &'h [u8],
        len: Option<usize>,
    ) -> Result<ParsedSignature<'h>, Rejection> {
        let mut parsed = ParsedSignature::default();
        let encoding = self.encoding();
        let mut seen = 0usize;
        let mut count = |limit: usize| {
            seen += 1;
            if seen > limit {
                Err(Rejection::MalformedSignature)
            } else {
                Ok(())
            }
        };
        let tokens = tokens(header);
        match self {
            Self::PrefixedHex { prefix } => {
                for token in tokens {
                    count(MAX_SIGNATURE_ENTRIES)?;
                    if let Some(text) = token.strip_prefix(prefix.as_bytes()) {
                        parsed.push(text, encoding, len);
                    }
                }
            }
            Self::KeyedHex {
                timestamp_key,
                version_key,
            } => {
                for token in tokens {
                    count(MAX_SIGNATURE_ENTRIES)?;
                    parsed.key_value(token, Some(timestamp_key), version_key, encoding, len)?;
                }
            }
            Self::KeyValue {
                separator,
                timestamp_key,
                signature_key,
                ..
            } => {
                let pairs = header
                    .split(|b| b == separator)
                    .map(<[u8]>::trim_ascii)
                    .filter(|t| !t.is_empty());
                for pair in pairs {
                    count(MAX_SIGNATURE_ENTRIES)?;
                    parsed.key_value(
                        pair,
                        timestamp_key.as_deref(),
                        signature_key,
                        encoding,
                        len,
                    )?;
                }
            }
            Self::VersionedBase64 { version } => {
                // Entries are `v1,<base64>`: the tokens alternate version, signature.
                let mut pending_version = false;
                for token in tokens {
                    count(2 * MAX_SIGNATURE_ENTRIES)?;
                    if pending_version {
                        parsed.push(token, encoding, len);
                        pending_version = false;
                    } else {
                        pending_version = token == version.as_bytes();
                    }
                }
            }
            Self::Bare { .. } => parsed.push(header.trim_ascii(), encoding, len),
            Self::HttpBasic => {
                let value = header.trim_ascii();
                let space = value.iter().position(|&b| b == b' ');
                if let Some(space) = space
                    && value[..space].eq_ignore_ascii_case(b"basic")
                {
                    parsed.push(value[space + 1..].trim_ascii(), encoding, len);
                }
            }
        }
        if parsed.len == 0 {
            return Err(Rejection::MalformedSignature);
        }
        Ok(parsed)
    }
}

/// The entries of one signature header, decoded.
///
/// ```
/// use webhook_guard::signature::SignatureFormat;
///
/// let format = SignatureFormat::prefixed_hex("sha256=");
/// let header = format!("sha256={}, sha256={}", "ab".repeat(32), "CD".repeat(32));
/// assert_eq!(format.parse(header.as_bytes()).unwrap().len(), 2);
/// ```
#[derive(Clone, Default)]
pub struct ParsedSignature<'h> {
    // The entries stay text, checked at parse time and decoded when compared: the parsed value
    // is carried from the head check to the verification, and 16 decoded tags would make it
    // 1.3 KB to move instead of 300 bytes.
    raw: [&'h [u8]; MAX_SIGNATURE_ENTRIES],
    encoding: Option<Encoding>,
    tag_len: Option<usize>,
    len: usize,
    dropped: usize,
    timestamp: Option<&'h [u8]>,
}

impl<'h> ParsedSignature<'h> {
    /// A signature that is a whole token (a JWT), kept as text for its envelope to read.
    pub(crate) fn token(token: &'h [u8]) -> Self {
        let mut parsed = Self::default();
        parsed.raw[0] = token;
        parsed.len = 1;
        parsed
    }

    fn push(&mut self, text: &'h [u8], encoding: Encoding, len: Option<usize>) {
        self.encoding = Some(encoding);
        self.tag_len = len;
        if self.len == MAX_SIGNATURE_ENTRIES || text.len() > MAX_ENTRY_LEN {
            self.dropped += 1;
            return;
        }
        let accepted = match len {
            Some(len) => encoding.fits_tag(text, len),
            None => encoding.is_valid(text),
        };
        if accepted {
            self.raw[self.len] = text;
            self.len += 1;
        } else {
            self.dropped += 1;
        }
    }

    fn key_value(
        &mut self,
        pair: &'h [u8],
        timestamp_key: Option<&str>,
        signature_key: &str,
        encoding: Encoding,
        len: Option<usize>,
    ) -> Result<(), Rejection> {
        let Some(eq) = pair.iter().position(|&b| b == b'=') else {
            return Ok(());
        };
        let (key, value) = (&pair[..eq], &pair[eq + 1..]);
        if Some(key) == timestamp_key.map(str::as_bytes) {
            if self.timestamp.is_some() {
                return Err(Rejection::MalformedSignature);
            }
            self.timestamp = Some(value);
        } else if key == signature_key.as_bytes() {
            self.push(value, encoding, len);
        }
        Ok(())
    }

    /// How many entries were kept.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no entry was kept (never, for a parse that succeeded).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The decoded entries, for a parse with a fixed length ([`SignatureFormat::parse`], a
    /// [`Scheme::parse_signature`](crate::Scheme::parse_signature) of a MAC scheme); none
    /// otherwise.
    pub fn tags(&self) -> impl ExactSizeIterator<Item = Tag> + '_ {
        let entries = if self.tag_len.is_some() {
            self.entries()
        } else {
            &[]
        };
        entries.iter().map(|entry| self.tag(entry))
    }

    /// An entry checked at parse time ([`Encoding::fits_tag`]), decoded.
    fn tag(&self, entry: &[u8]) -> Tag {
        self.encoding
            .zip(self.tag_len)
            .and_then(|(encoding, len)| encoding.decode_tag(entry, len))
            .unwrap_or_default()
    }

    /// The entries as received (their text).
    pub(crate) fn entries(&self) -> &[&'h [u8]] {
        &self.raw[..self.len]
    }

    /// The entries as received (their text). Behind the `testing` feature: the fuzz targets
    /// check that each entry is a slice of the header.
    ///
    /// ```
    /// use webhook_guard::signature::SignatureFormat;
    ///
    /// let header = format!("sha256={}", "ab".repeat(32));
    /// let parsed = SignatureFormat::prefixed_hex("sha256=").parse(header.as_bytes()).unwrap();
    /// assert_eq!(parsed.raw_entries(), [&header.as_bytes()[7..]]);
    /// ```
    #[cfg(any(test, feature = "testing"))]
    #[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
    pub fn raw_entries(&self) -> &[&'h [u8]] {
        self.entries()
    }

    /// The raw timestamp carried in the header (`t=` for Stripe), if the format has one.
    pub fn timestamp(&self) -> Option<&'h [u8]> {
        self.timestamp
    }

    #[allow(dead_code)] // Only the public-key algorithms decode entries late.
    fn decode(&self, entry: &[u8]) -> Option<Vec<u8>> {
        self.encoding?.decode(entry)
    }
}

impl fmt::Debug for ParsedSignature<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParsedSignature")
            .field("entries", &self.len)
            .field("dropped", &self.dropped)
            .finish_non_exhaustive()
    }
}

/// The secrets (and public keys) active at once for one sender, keyed once.
///
/// During a rotation the sender signs with the new secret while old deliveries (and retries)
/// still carry the old one: with both in the set, either verifies. Each secret's HMAC state is
/// keyed once (HMAC-SHA256 when the set is built, the other MACs on first use) and cloned per
/// message, which is cheaper than keying per request. Public keys rotate the same way
/// ([`SecretSet::public_keys`]). Cloning the set is an `Arc` clone.
///
/// ```
/// use webhook_guard::signature::{Algorithm, SecretSet};
/// use webhook_guard::Secret;
///
/// let old = Secret::new("old-secret").unwrap();
/// let new = Secret::new("new-secret").unwrap();
/// let during_rotation = SecretSet::new([new, old.clone()]);
/// let mac = SecretSet::new([old]).sign_with(Algorithm::HmacSha256, &[b"body"]).unwrap();
/// assert_eq!(during_rotation.len(), 2);
/// assert!(format!("{during_rotation:?}").contains("redacted"));
/// ```
#[derive(Clone)]
pub struct SecretSet {
    secrets: Arc<[KeyedSecret]>,
    public_keys: Arc<[PublicKey]>,
    /// The cell of a [`KeySource`](crate::keys::KeySource): when set, the keys are the cell's
    /// current ones, read once per verification (the two fields above are then empty).
    live: Option<Arc<dyn LiveKeys>>,
}

/// Keys that change while the service runs: the cell behind a
/// [`KeySource`](crate::keys::KeySource), as a live [`SecretSet`] and the verifier see it.
///
/// A trait, so that `verify` reads a source's keys without importing `keys` (which stands above
/// it: a key source builds `SecretSet`s and `PublicKey`s, and reads deliveries).
pub(crate) trait LiveKeys: Send + Sync {
    /// The current keys (a fixed set).
    fn current(&self) -> SecretSet;

    /// Before a verification: loads the keys if they must be (never loaded, expired, or the
    /// request names a key id they lack); fails closed with `503`.
    fn prepare<'a>(
        &'a self,
        key_id: Option<&'a str>,
    ) -> Pin<Box<dyn Future<Output = Result<(), Rejection>> + Send + 'a>>;
}

struct KeyedSecret {
    secret: Secret,
    sha256: Hmac<Sha256>,
    sha512: OnceLock<Hmac<Sha512>>,
    #[cfg(feature = "sha1")]
    sha1: OnceLock<Hmac<sha1::Sha1>>,
}

/// What matched: the signature (for dedup on it) and which key.
#[derive(Debug, Clone)]
pub(crate) struct Matched {
    /// The MAC, or the public-key signature (hashed with SHA-256 when longer than a tag).
    pub(crate) tag: Tag,
    /// The index of the secret (or public key) that verified.
    pub(crate) key: usize,
    /// The id of the key that verified, if it has one ([`KeyMeta::id`](crate::KeyMeta::id)).
    pub(crate) key_id: Option<Arc<str>>,
    /// When the signature says it was made (a token's `iat`), for a scheme with no timestamp
    /// of its own.
    pub(crate) signed_at: Option<i64>,
}

impl SecretSet {
    /// The shared secrets, in order (for [`Verifier::diagnose`](crate::Verifier::diagnose)'s
    /// re-readings of a secret; never printed).
    pub(crate) fn shared_secrets(&self) -> Vec<Secret> {
        let set = self.current();
        set.secrets
            .iter()
            .map(|keyed| keyed.secret.clone())
            .collect()
    }

    /// The keys as they are now: these, or a live set's current ones (a snapshot: a reload
    /// during one verification does not change the keys it uses).
    pub(crate) fn current(&self) -> Cow<'_, SecretSet> {
        match &self.live {
            None => Cow::Borrowed(self),
            Some(live) => Cow::Owned(live.current()),
        }
    }

    /// A set whose keys are a [`KeySource`](crate::keys::KeySource)'s, whatever they are when
    /// a delivery is verified.
    pub(crate) fn live(live: Arc<dyn LiveKeys>) -> Self {
        Self {
            secrets: Arc::new([]),
            public_keys: Arc::new([]),
            live: Some(live),
        }
    }

    /// The public keys (of a fixed set: call on [`current`](Self::current)).
    pub(crate) fn public_key_list(&self) -> &[PublicKey] {
        &self.public_keys
    }

    /// The key source behind a live set.
    pub(crate) fn source(&self) -> Option<&Arc<dyn LiveKeys>> {
        self.live.as_ref()
    }

    /// The ids of the keys (for a lookup by `kid`).
    pub(crate) fn has_key_id(&self, id: &str) -> bool {
        let set = self.current();
        set.secrets.iter().any(|k| k.secret.meta().id() == Some(id))
            || set.public_keys.iter().any(|k| k.meta().id() == Some(id))
    }

    /// Only the keys named `id` (a JWT's `kid`): a token names the key that signed it.
    pub(crate) fn only_id(&self, id: &str) -> SecretSet {
        let set = self.current();
        SecretSet {
            secrets: set
                .secrets
                .iter()
                .filter(|k| k.secret.meta().id() == Some(id))
                .map(|k| KeyedSecret::new(k.secret.clone()))
                .collect(),
            public_keys: set
                .public_keys
                .iter()
                .filter(|k| k.meta().id() == Some(id))
                .cloned()
                .collect(),
            live: None,
        }
    }

    /// Keys each secret. An empty set verifies nothing ([`Rejection::UnknownSigner`]).
    pub fn new(secrets: impl IntoIterator<Item = Secret>) -> Self {
        Self {
            secrets: secrets.into_iter().map(KeyedSecret::new).collect(),
            public_keys: Arc::new([]),
            live: None,
        }
    }

    /// A set of the sender's public keys, for the public-key algorithms (several during a
    /// rotation, like secrets).
    ///
    /// ```
    /// # #[cfg(feature = "ed25519")] {
    /// use webhook_guard::PublicKey;
    /// use webhook_guard::signature::SecretSet;
    ///
    /// // Discord's developer portal shows the application's public key in hex.
    /// let key = PublicKey::ed25519_hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a").unwrap();
    /// let keys = SecretSet::public_keys([key]);
    /// assert_eq!(keys.len(), 1);
    /// assert!(format!("{keys:?}").contains("redacted"));
    /// # }
    /// ```
    pub fn public_keys(keys: impl IntoIterator<Item = PublicKey>) -> Self {
        Self {
            secrets: Arc::new([]),
            public_keys: keys.into_iter().collect(),
            live: None,
        }
    }

    /// The same secrets, with `keys` as public keys beside them: a sender that signs with
    /// either (Standard Webhooks' `v1` and `v1a`).
    ///
    /// ```
    /// # #[cfg(feature = "ed25519")] {
    /// use webhook_guard::signature::SecretSet;
    /// use webhook_guard::{PublicKey, Secret};
    ///
    /// let key = PublicKey::ed25519(&[0x11; 32]).unwrap();
    /// let both = SecretSet::new([Secret::new("s").unwrap()]).with_public_keys([key]);
    /// assert_eq!(both.len(), 2);
    /// # }
    /// ```
    #[must_use]
    pub fn with_public_keys(self, keys: impl IntoIterator<Item = PublicKey>) -> Self {
        let mut set = self.current().into_owned();
        set.public_keys = set.public_keys.iter().cloned().chain(keys).collect();
        set.live = None;
        set
    }

    /// True when the set holds a key for `algorithm` (a secret for a MAC, a public key of
    /// that algorithm otherwise).
    pub fn has_keys_for(&self, algorithm: Algorithm) -> bool {
        let set = self.current();
        if algorithm.uses_secrets() {
            !set.secrets.is_empty()
        } else {
            set.public_keys
                .iter()
                .any(|key| key.algorithm() == algorithm)
        }
    }

    /// How many secrets and public keys are active.
    pub fn len(&self) -> usize {
        let set = self.current();
        set.secrets.len() + set.public_keys.len()
    }

    /// True when no secret or key is active.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The HMAC-SHA256 of the signed pieces with the first (newest) secret. Behind the
    /// `testing` feature: a test's shortcut; a signer uses [`sign_with`](Self::sign_with) or
    /// the [`Signer`](crate::Signer).
    ///
    /// ```
    /// use webhook_guard::signature::{Algorithm, SecretSet};
    /// use webhook_guard::Secret;
    ///
    /// let set = SecretSet::new([Secret::new("key").unwrap()]);
    /// let tag = set.sign_with(Algorithm::HmacSha256, &[b"{}"]).unwrap();
    /// assert_eq!(set.sign(&[b"{}"]).unwrap(), tag.as_bytes());
    /// ```
    #[cfg(any(test, feature = "testing"))]
    #[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
    pub fn sign(&self, pieces: &[&[u8]]) -> Option<Digest> {
        let tag = self.sign_with(Algorithm::HmacSha256, pieces)?;
        tag.as_bytes().try_into().ok()
    }

    /// The MAC of the signed pieces under `algorithm` with the first (newest) secret, for
    /// signers; `None` without a secret, or for a public-key algorithm (sign with the private
    /// key yourself).
    ///
    /// ```
    /// use webhook_guard::signature::{Algorithm, SecretSet};
    /// use webhook_guard::Secret;
    ///
    /// let set = SecretSet::new([Secret::new("key").unwrap()]);
    /// let tag = set.sign_with(Algorithm::HmacSha512, &[b"The quick brown fox ", b"jumps over the lazy dog"]).unwrap();
    /// assert_eq!(&tag.as_bytes()[..4], &[0xb4, 0x2a, 0xf0, 0x90]); // Wikipedia's HMAC example
    /// ```
    pub fn sign_with(&self, algorithm: Algorithm, pieces: &[&[u8]]) -> Option<Tag> {
        self.sign_index(algorithm, 0, pieces)
    }

    pub(crate) fn sign_index(
        &self,
        algorithm: Algorithm,
        index: usize,
        pieces: &[&[u8]],
    ) -> Option<Tag> {
        self.current().secrets.get(index)?.mac(algorithm, pieces)
    }

    /// Checks the parsed entries against the HMAC-SHA256 of `pieces` under each secret valid
    /// now (system clock; see [`KeyMeta`](crate::KeyMeta)), in constant time per comparison. Any entry
    /// matching any secret passes; the matching MAC is returned. (The
    /// [`Verifier`](crate::Verifier) checks the other algorithms the scheme names the same
    /// way, at its own clock.) Behind the `testing` feature: a test's check of one header; a
    /// receiver verifies through a [`Verifier`](crate::Verifier).
    ///
    /// ```
    /// use webhook_guard::signature::{Algorithm, SecretSet, SignatureFormat};
    /// use webhook_guard::Secret;
    ///
    /// let secrets = SecretSet::new([Secret::new("whsec_abc123def456").unwrap()]);
    /// let format = SignatureFormat::prefixed_hex("sha256=");
    /// let mac = secrets.sign_with(Algorithm::HmacSha256, &[b"1705312200", b".", b"{}"]).unwrap();
    /// let header = format.format(mac.as_bytes(), None);
    /// let parsed = format.parse(header.as_bytes()).unwrap();
    /// assert!(secrets.verify(&parsed, &[b"1705312200", b".", b"{}"]).is_ok());
    /// assert!(secrets.verify(&parsed, &[b"1705312201", b".", b"{}"]).is_err());
    /// ```
    #[cfg(any(test, feature = "testing"))]
    #[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
    pub fn verify(
        &self,
        signature: &ParsedSignature<'_>,
        pieces: &[&[u8]],
    ) -> Result<Digest, Rejection> {
        use crate::time::Clock as _;
        let now = crate::time::SystemClock.now_unix();
        let matched = self.verify_with(Algorithm::HmacSha256, signature, pieces, now)?;
        matched
            .tag
            .as_bytes()
            .try_into()
            .map_err(|_| Rejection::InvalidSignature)
    }

    /// Checks the parsed entries (parsed with the algorithm's length) against `pieces`: for a
    /// MAC, the MAC under each secret, compared in constant time; for a public-key algorithm,
    /// each entry under each public key. Any entry matching any key valid at `now` passes; a
    /// key outside its window is not tried, and when it alone would have matched, the
    /// refusal is logged ([`KeyMeta`](crate::KeyMeta)).
    pub(crate) fn verify_with(
        &self,
        algorithm: Algorithm,
        signature: &ParsedSignature<'_>,
        pieces: &[&[u8]],
        now: i64,
    ) -> Result<Matched, Rejection> {
        if self.live.is_some() {
            return self
                .current()
                .verify_with(algorithm, signature, pieces, now);
        }
        if algorithm == Algorithm::SharedToken {
            return self.verify_shared_token(signature, pieces, now);
        }
        if !algorithm.is_mac() {
            return self.verify_public(algorithm, signature, pieces, now);
        }
        if self.secrets.is_empty() {
            return Err(Rejection::UnknownSigner);
        }
        let tags: arrayvec::ArrayVec<Tag, MAX_SIGNATURE_ENTRIES> = signature.tags().collect();
        let mut matched: Option<(Tag, usize)> = None;
        // Whether a key is in its window is no secret: skipping one leaks nothing.
        for (index, keyed) in self.secrets.iter().enumerate() {
            if !keyed.secret.meta().is_valid_at(now) {
                continue;
            }
            let Some(expected) = keyed.mac(algorithm, pieces) else {
                return Err(Rejection::UnknownSigner);
            };
            let mut this_secret = subtle::Choice::from(0);
            for entry in &tags {
                this_secret |= same_tag(&expected, entry);
            }
            // Branching on the outcome of a whole comparison tells the sender only whether a
            // signature it sent is valid (which the answer tells it anyway) and under which key
            // (which it signed with): the bytes compared stay in constant time. The first key
            // that matches is kept, and the others still run, so the time does not depend on it.
            if bool::from(this_secret) && matched.is_none() {
                matched = Some((expected, index));
            }
        }
        if let Some((tag, key)) = matched {
            return Ok(Matched {
                tag,
                key,
                key_id: self.secrets[key].secret.meta().id.clone(),
                signed_at: None,
            });
        }
        // Refused: would a key outside its window have matched? Only to say so in the log.
        for keyed in self.secrets.iter() {
            let meta = keyed.secret.meta();
            if meta.is_valid_at(now) {
                continue;
            }
            if let Some(expected) = keyed.mac(algorithm, pieces)
                && tags
                    .iter()
                    .any(|entry| bool::from(same_tag(&expected, entry)))
            {
                meta.log_outside_window(now);
                break;
            }
        }
        Err(Rejection::InvalidSignature)
    }

    /// [`Algorithm::SharedToken`]: an entry equal to a secret. Both sides are compared as
    /// SHA-256 digests, in constant time, so neither the secret's bytes nor its length show in
    /// the timing. What matched is a digest of `pieces` (the delivery), not of the token.
    fn verify_shared_token(
        &self,
        signature: &ParsedSignature<'_>,
        pieces: &[&[u8]],
        now: i64,
    ) -> Result<Matched, Rejection> {
        use sha2::Digest as _;
        if self.secrets.is_empty() {
            return Err(Rejection::UnknownSigner);
        }
        let received: Vec<[u8; 32]> = signature
            .entries()
            .iter()
            .filter_map(|entry| signature.decode(entry))
            .map(|token| Sha256::digest(&token).into())
            .collect();
        let mut matched = subtle::Choice::from(0);
        let mut key = 0u64;
        for (index, keyed) in self.secrets.iter().enumerate() {
            // Whether a key is in its window is no secret: skipping one leaks nothing.
            if !keyed.secret.meta().is_valid_at(now) {
                continue;
            }
            let expected: [u8; 32] = Sha256::digest(keyed.secret.expose()).into();
            let mut this_secret = subtle::Choice::from(0);
            for entry in &received {
                this_secret |= expected.ct_eq(entry);
            }
            key.conditional_assign(&(index as u64), this_secret & !matched);
            matched |= this_secret;
        }
        if !bool::from(matched) {
            return Err(Rejection::InvalidSignature);
        }
        let mut digest = Sha256::new_with_prefix(b"webhook-guard token delivery\0");
        for piece in pieces {
            digest.update(piece);
        }
        let key = key as usize;
        Ok(Matched {
            tag: Tag::from_slice(&digest.finalize()),
            key,
            key_id: self.secrets[key].secret.meta().id.clone(),
            signed_at: None,
        })
    }

    fn verify_public(
        &self,
        algorithm: Algorithm,
        signature: &ParsedSignature<'_>,
        pieces: &[&[u8]],
        now: i64,
    ) -> Result<Matched, Rejection> {
        if self.public_keys.is_empty() {
            return Err(Rejection::UnknownSigner);
        }
        let valid = |key: &PublicKey| key.meta().is_valid_at(now);
        match self.verify_public_keys(algorithm, signature, pieces, valid) {
            Some(matched) => Ok(matched),
            None => {
                // Only to say in the log that an expired (or not yet valid) key matched.
                if let Some(matched) =
                    self.verify_public_keys(algorithm, signature, pieces, |key| !valid(key))
                {
                    self.public_keys[matched.key].meta().log_outside_window(now);
                }
                Err(Rejection::InvalidSignature)
            }
        }
    }

    /// The first entry that verifies under one of the public keys `try_key` accepts.
    fn verify_public_keys(
        &self,
        algorithm: Algorithm,
        signature: &ParsedSignature<'_>,
        pieces: &[&[u8]],
        try_key: impl Fn(&PublicKey) -> bool,
    ) -> Option<Matched> {
        // Public-key checks need no constant time: nothing secret is compared.
        for (index, key) in self.public_keys.iter().enumerate() {
            if !try_key(key) {
                continue;
            }
            for entry in signature.entries() {
                let decoded = match algorithm.signature_len() {
                    Some(_) => signature.tag(entry).as_bytes().to_vec(),
                    None => match signature.decode(entry) {
                        Some(bytes) => bytes,
                        None => continue,
                    },
                };
                if key.verify(algorithm, &decoded, pieces) {
                    let tag = if decoded.len() <= MAX_TAG_LEN {
                        Tag::from_slice(&decoded)
                    } else {
                        use sha2::Digest as _;
                        Tag::from_slice(&Sha256::digest(&decoded))
                    };
                    return Some(Matched {
                        tag,
                        key: index,
                        key_id: key.meta().id.clone(),
                        signed_at: None,
                    });
                }
            }
        }
        None
    }
}

impl KeyedSecret {
    fn new(secret: Secret) -> Self {
        Self {
            // HMAC accepts keys of any length: this never fails.
            sha256: <Hmac<Sha256> as Mac>::new_from_slice(secret.expose())
                .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length")),
            secret,
            sha512: OnceLock::new(),
            #[cfg(feature = "sha1")]
            sha1: OnceLock::new(),
        }
    }

    fn mac(&self, algorithm: Algorithm, pieces: &[&[u8]]) -> Option<Tag> {
        fn run<M: Mac + Clone>(keyed: &M, pieces: &[&[u8]]) -> Tag {
            let mut mac = keyed.clone();
            for piece in pieces {
                mac.update(piece);
            }
            Tag::from_slice(&mac.finalize().into_bytes())
        }
        fn keyed<M: Mac + hmac::digest::KeyInit>(secret: &Secret) -> M {
            <M as Mac>::new_from_slice(secret.expose())
                .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"))
        }
        Some(match algorithm {
            Algorithm::HmacSha256 => run(&self.sha256, pieces),
            Algorithm::HmacSha512 => run(self.sha512.get_or_init(|| keyed(&self.secret)), pieces),
            #[cfg(feature = "sha1")]
            Algorithm::HmacSha1 => run(self.sha1.get_or_init(|| keyed(&self.secret)), pieces),
            #[allow(unreachable_patterns)]
            _ => return None,
        })
    }
}

/// Whether two tags are the same, in constant time: their lengths (public: a scheme's tag
/// length) and their bytes, compared a word at a time (eight words where byte by byte took
/// thirty-two steps for a SHA-256 tag, each behind `subtle`'s optimisation barrier). Both tags
/// are zero past their length, so the words past it compare equal.
fn same_tag(a: &Tag, b: &Tag) -> subtle::Choice {
    const WORDS: usize = MAX_TAG_LEN / 8;
    let words = |tag: &Tag| -> [u64; WORDS] {
        std::array::from_fn(|i| {
            let mut word = [0u8; 8];
            word.copy_from_slice(&tag.bytes[i * 8..i * 8 + 8]);
            u64::from_le_bytes(word)
        })
    };
    words(a)[..].ct_eq(&words(b)[..]) & a.len.ct_eq(&b.len)
}

impl fmt::Debug for SecretSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = self.current();
        if self.live.is_some() {
            f.write_str("live ")?;
        }
        write!(f, "SecretSet({} × [redacted]", set.secrets.len())?;
        if !set.public_keys.is_empty() {
            write!(f, ", {} public keys [redacted]", set.public_keys.len())?;
        }
        f.write_str(")")
    }
}

/// The header's tokens between commas, spaces and tabs, empty ones skipped; the separators
/// found with memchr's SIMD search, as a signature header is mostly one long token.
fn tokens(header: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = header;
    std::iter::from_fn(move || {
        while !rest.is_empty() {
            let end = memchr::memchr3(b',', b' ', b'\t', rest).unwrap_or(rest.len());
            let token = &rest[..end];
            rest = rest.get(end + 1..).unwrap_or_default();
            if !token.is_empty() {
                return Some(token);
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheme::encoding::{decode_base64_vec, encode_hex};

    /// The memchr tokenizer cuts a header as splitting on `,`, ` ` and tab did, empty tokens
    /// skipped, on every header of up to six bytes from an alphabet of separators and letters.
    #[test]
    fn tokens_are_the_split_on_separators() {
        let alphabet = b", \ta=";
        for len in 0..=6u32 {
            for mut code in 0..alphabet.len().pow(len) {
                let header: Vec<u8> = (0..len)
                    .map(|_| {
                        let byte = alphabet[code % alphabet.len()];
                        code /= alphabet.len();
                        byte
                    })
                    .collect();
                let split: Vec<&[u8]> = header
                    .split(|b| matches!(b, b',' | b' ' | b'\t'))
                    .filter(|t| !t.is_empty())
                    .collect();
                assert_eq!(tokens(&header).collect::<Vec<_>>(), split, "{header:?}");
            }
        }
    }

    #[test]
    fn hex_decoding_accepts_both_cases_and_nothing_else() {
        let bytes: Digest = std::array::from_fn(|i| (i * 37) as u8);
        let lower = encode_hex(&bytes);
        assert_eq!(Encoding::Hex.decode(lower.as_bytes()), Some(bytes.to_vec()));
        assert_eq!(
            Encoding::Hex.decode(lower.to_ascii_uppercase().as_bytes()),
            Some(bytes.to_vec())
        );
        for bad in 0..=255u8 {
            if bad.is_ascii_hexdigit() {
                continue;
            }
            let mut text = lower.clone().into_bytes();
            text[17] = bad;
            assert_eq!(Encoding::Hex.decode(&text), None, "byte {bad:#x}");
        }
        assert_eq!(Encoding::Hex.decode_tag(&lower.as_bytes()[..62], 32), None);
    }

    #[test]
    fn tags_are_the_same_only_with_the_same_length_and_every_byte() {
        let bytes: Vec<u8> = (0..64).map(|i| (i * 37 + 5) as u8).collect();
        for len in [20, 32, 64] {
            let tag = Tag::from_slice(&bytes[..len]);
            assert!(bool::from(same_tag(&tag, &Tag::from_slice(&bytes[..len]))));
            // One byte changed anywhere, in any word: not the same.
            for at in 0..len {
                let mut changed = bytes[..len].to_vec();
                changed[at] ^= 0x01;
                assert!(
                    !bool::from(same_tag(&tag, &Tag::from_slice(&changed))),
                    "{len} {at}"
                );
            }
            // A prefix, or the same bytes one longer (a zero past the end): not the same.
            assert!(!bool::from(same_tag(
                &tag,
                &Tag::from_slice(&bytes[..len - 1])
            )));
            let mut longer = bytes[..len].to_vec();
            longer.push(0);
            if longer.len() <= MAX_TAG_LEN {
                assert!(!bool::from(same_tag(&tag, &Tag::from_slice(&longer))));
            }
        }
    }

    #[test]
    fn tags_decode_exactly_their_length_in_every_encoding() {
        let bytes: Vec<u8> = (0..64).map(|i| (i * 53 + 11) as u8).collect();
        for encoding in [Encoding::Hex, Encoding::Base64, Encoding::Base64Url] {
            for len in [20, 32, 64] {
                let text = encoding.encode(&bytes[..len]);
                let tag = encoding.decode_tag(text.as_bytes(), len).unwrap();
                assert_eq!(tag.as_bytes(), &bytes[..len], "{encoding:?} {len}");
                // Too short, too long, unpadded: refused or read alike, never another tag.
                assert_eq!(encoding.decode_tag(text.as_bytes(), len + 1), None);
                assert_eq!(encoding.decode_tag(text.as_bytes(), len - 1), None);
                let unpadded = text.trim_end_matches('=');
                assert_eq!(
                    encoding
                        .decode_tag(unpadded.as_bytes(), len)
                        .map(|t| t.as_bytes().to_vec()),
                    Some(bytes[..len].to_vec())
                );
            }
        }
        // The alphabets do not mix.
        assert_eq!(Encoding::Base64.decode_tag(b"-_8=", 2), None);
        assert_eq!(Encoding::Base64Url.decode_tag(b"+/8=", 2), None);
    }

    #[test]
    fn base64_round_trips() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 91 + 7) as u8).collect();
            assert_eq!(
                Encoding::Base64.decode(Encoding::Base64.encode(&bytes).as_bytes()),
                Some(bytes)
            );
        }
        assert_eq!(decode_base64_vec(b"ab!d"), None);
    }
}
