//! How a signature header is written ([`SignatureFormat`]): plain data. Reading a header in a
//! format (`parse`) is the verifier's, in `verify::signature`; writing one
//! ([`SignatureFormat::format`]) is here, for the `Signer` and senders.

use std::borrow::Cow;

use super::encoding::Encoding;

/// How a signature header is written.
///
/// ```
/// use webhook_guard::signature::{Encoding, SignatureFormat};
///
/// let audit_trail = SignatureFormat::prefixed_hex("sha256=");
/// assert!(audit_trail.parse(b"sha256=zz").is_err());
/// // Paddle: `ts=<unix>;h1=<hex>`.
/// let paddle = SignatureFormat::KeyValue {
///     separator: b';',
///     timestamp_key: Some("ts".into()),
///     signature_key: "h1".into(),
///     encoding: Encoding::Hex,
/// };
/// let header = format!("ts=1671552777;h1={}", "ab".repeat(32));
/// let parsed = paddle.parse(header.as_bytes()).unwrap();
/// assert_eq!(parsed.timestamp(), Some(&b"1671552777"[..]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureFormat {
    /// Entries `<prefix><hex>` separated by commas or spaces (Audit Trail and PALO `sha256=`,
    /// GitHub `sha256=`, Slack `v0=`). The prefix is required and matched exactly; the hex may
    /// be upper or lower case.
    PrefixedHex {
        /// The prefix before the hex digits.
        prefix: Cow<'static, str>,
    },
    /// Comma-separated `key=value` pairs where one key carries the timestamp and every entry
    /// with the version key is a hex signature (Stripe: `t=<ts>,v1=<hex>,v1=<hex>,v0=<hex>`);
    /// other keys are ignored.
    KeyedHex {
        /// The key of the timestamp (`t`).
        timestamp_key: Cow<'static, str>,
        /// The key of the signatures that count (`v1`).
        version_key: Cow<'static, str>,
    },
    /// Space-separated `<version>,<base64>` entries (Standard Webhooks: `v1,<base64>`, and
    /// `v1a,<base64>` for its Ed25519 signatures); other versions are ignored.
    VersionedBase64 {
        /// The version that counts (`v1`, `v1a`).
        version: Cow<'static, str>,
    },
    /// `key=value` pairs joined by `separator` (spaces around them ignored), with an optional
    /// timestamp key; every entry with the signature key counts, other keys are ignored
    /// (Paddle: `ts=<unix>;h1=<hex>`).
    KeyValue {
        /// The byte between pairs (`,` or `;`).
        separator: u8,
        /// The key of the timestamp, if the header carries one (`ts`).
        timestamp_key: Option<Cow<'static, str>>,
        /// The key of the signatures that count (`h1`).
        signature_key: Cow<'static, str>,
        /// How each signature is written.
        encoding: Encoding,
    },
    /// The whole header value (surrounding spaces ignored) is one signature (Shopify's
    /// base64, Discord's hex).
    Bare {
        /// How the signature is written.
        encoding: Encoding,
    },
    /// HTTP Basic credentials (RFC 7617), `Basic <base64 of user:password>` (the scheme name in
    /// any case): the one entry is the decoded `user:password`, for
    /// [`Algorithm::SharedToken`](super::algorithm::Algorithm::SharedToken) with the secret `user:password` (Postmark).
    ///
    /// ```
    /// use webhook_guard::Scheme;
    /// use webhook_guard::signature::SignatureFormat;
    ///
    /// let basic = SignatureFormat::HttpBasic;
    /// assert_eq!(basic.format(b"user:pass", None), "Basic dXNlcjpwYXNz");
    /// // Postmark's scheme reads its `Authorization` header in this format.
    /// let postmark = Scheme::postmark();
    /// assert!(postmark.parse_signature(b"basic dXNlcjpwYXNz").is_ok());
    /// assert!(postmark.parse_signature(b"Bearer dXNlcjpwYXNz").is_err());
    /// ```
    HttpBasic,
}

impl SignatureFormat {
    /// `<prefix><hex>` entries.
    pub fn prefixed_hex(prefix: impl Into<Cow<'static, str>>) -> Self {
        Self::PrefixedHex {
            prefix: prefix.into(),
        }
    }

    /// How this format writes a signature.
    pub fn encoding(&self) -> Encoding {
        match self {
            Self::PrefixedHex { .. } | Self::KeyedHex { .. } => Encoding::Hex,
            Self::VersionedBase64 { .. } | Self::HttpBasic => Encoding::Base64,
            Self::KeyValue { encoding, .. } | Self::Bare { encoding } => *encoding,
        }
    }

    /// True when the header carries a timestamp ([`Field::SignatureTimestamp`](crate::scheme::Field::SignatureTimestamp)).
    pub fn carries_timestamp(&self) -> bool {
        matches!(
            self,
            Self::KeyedHex { .. }
                | Self::KeyValue {
                    timestamp_key: Some(_),
                    ..
                }
        )
    }

    /// Writes a signature header for `signature` (and, for formats that carry it,
    /// `timestamp`).
    pub fn format(&self, signature: &[u8], timestamp: Option<&str>) -> String {
        let text = self.encoding().encode(signature);
        match self {
            Self::PrefixedHex { prefix } => format!("{prefix}{text}"),
            Self::KeyedHex {
                timestamp_key,
                version_key,
            } => format!(
                "{timestamp_key}={},{version_key}={text}",
                timestamp.unwrap_or_default(),
            ),
            Self::VersionedBase64 { version } => format!("{version},{text}"),
            Self::KeyValue {
                separator,
                timestamp_key,
                signature_key,
                ..
            } => match timestamp_key {
                Some(key) => format!(
                    "{key}={}{}{signature_key}={text}",
                    timestamp.unwrap_or_default(),
                    char::from(*separator)
                ),
                None => format!("{signature_key}={text}"),
            },
            Self::Bare { .. } => text,
            Self::HttpBasic => format!("Basic {text}"),
        }
    }
}
