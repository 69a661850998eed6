//! HMAC-SHA256 signatures: keyed secrets, signature headers, constant-time checks.
//!
//! The MAC is fed the signed pieces one after another (for Audit Trail: the timestamp header,
//! `.`, then the raw body), so the body is never copied or re-serialised. The received
//! signatures are decoded into bytes and compared with [`subtle`] in constant time; the expected
//! signature is never formatted as text, so it cannot end up in a log or a response.
//!
//! ```
//! use webhook_guard::signature::{SecretSet, SignatureFormat};
//! use webhook_guard::Secret;
//!
//! let secrets = SecretSet::new([Secret::new("whsec_abc123def456").unwrap()]);
//! let format = SignatureFormat::prefixed_hex("sha256=");
//! let mac = secrets.sign(&[b"1705312200", b".", b"{}"]).unwrap();
//! let header = format.format(&mac, None);
//! assert!(header.starts_with("sha256="));
//! let parsed = format.parse(header.as_bytes()).unwrap();
//! assert!(secrets.verify(&parsed, &[b"1705312200", b".", b"{}"]).is_ok());
//! assert!(secrets.verify(&parsed, &[b"1705312201", b".", b"{}"]).is_err());
//! ```

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::{ConditionallySelectable, ConstantTimeEq};

use crate::{Rejection, Secret};

/// An HMAC-SHA256 output.
///
/// Signature entries are decoded into digests before they are compared, so a wrong length is
/// refused before any comparison and hex case does not matter:
///
/// ```
/// use webhook_guard::signature::{Digest, decode_hex};
///
/// let mac: Digest = decode_hex("AB".repeat(32).as_bytes()).unwrap();
/// assert_eq!(mac, [0xab; 32]);
/// assert_eq!(decode_hex(b"abcd"), None); // 2 bytes, not 32
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

/// How a signature header is written.
///
/// ```
/// use webhook_guard::signature::SignatureFormat;
///
/// let audit_trail = SignatureFormat::prefixed_hex("sha256=");
/// assert!(audit_trail.parse(b"sha256=zz").is_err());
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
    /// Space-separated `<version>,<base64>` entries (Standard Webhooks: `v1,<base64>`); other
    /// versions are ignored.
    VersionedBase64 {
        /// The version that counts (`v1`).
        version: Cow<'static, str>,
    },
}

impl SignatureFormat {
    /// `<prefix><hex>` entries.
    pub fn prefixed_hex(prefix: impl Into<Cow<'static, str>>) -> Self {
        Self::PrefixedHex {
            prefix: prefix.into(),
        }
    }

    /// Parses a header value into its signature entries (and, for formats that carry one, the
    /// raw timestamp).
    ///
    /// Entries that do not decode to 32 bytes (wrong length, not hex, wrong prefix) are
    /// dropped: they can never match. A header left with no entry, or with more than
    /// [`MAX_SIGNATURE_ENTRIES`], is [`Rejection::MalformedSignature`]; never a panic.
    pub fn parse<'h>(&self, header: &'h [u8]) -> Result<ParsedSignature<'h>, Rejection> {
        let mut parsed = ParsedSignature::default();
        let mut seen = 0usize;
        let tokens = header
            .split(|b| matches!(b, b',' | b' ' | b'\t'))
            .filter(|t| !t.is_empty());
        match self {
            Self::PrefixedHex { prefix } => {
                for token in tokens {
                    seen += 1;
                    if seen > MAX_SIGNATURE_ENTRIES {
                        return Err(Rejection::MalformedSignature);
                    }
                    if let Some(hex) = token.strip_prefix(prefix.as_bytes()) {
                        parsed.push(decode_hex(hex));
                    }
                }
            }
            Self::KeyedHex {
                timestamp_key,
                version_key,
            } => {
                for token in tokens {
                    seen += 1;
                    if seen > MAX_SIGNATURE_ENTRIES {
                        return Err(Rejection::MalformedSignature);
                    }
                    let Some(eq) = token.iter().position(|&b| b == b'=') else {
                        continue;
                    };
                    let (key, value) = (&token[..eq], &token[eq + 1..]);
                    if key == timestamp_key.as_bytes() {
                        if parsed.timestamp.is_some() {
                            return Err(Rejection::MalformedSignature);
                        }
                        parsed.timestamp = Some(value);
                    } else if key == version_key.as_bytes() {
                        parsed.push(decode_hex(value));
                    }
                }
            }
            Self::VersionedBase64 { version } => {
                // Entries are `v1,<base64>`: the tokens alternate version, signature.
                let mut pending_version = false;
                for token in tokens {
                    seen += 1;
                    if seen > 2 * MAX_SIGNATURE_ENTRIES {
                        return Err(Rejection::MalformedSignature);
                    }
                    if pending_version {
                        parsed.push(decode_base64(token));
                        pending_version = false;
                    } else {
                        pending_version = token == version.as_bytes();
                    }
                }
            }
        }
        if parsed.len == 0 {
            return Err(Rejection::MalformedSignature);
        }
        Ok(parsed)
    }

    /// Writes a signature header for `mac` (and, for formats that carry it, `timestamp`).
    pub fn format(&self, mac: &Digest, timestamp: Option<&str>) -> String {
        match self {
            Self::PrefixedHex { prefix } => format!("{prefix}{}", encode_hex(mac)),
            Self::KeyedHex {
                timestamp_key,
                version_key,
            } => format!(
                "{timestamp_key}={},{version_key}={}",
                timestamp.unwrap_or_default(),
                encode_hex(mac)
            ),
            Self::VersionedBase64 { version } => format!("{version},{}", encode_base64(mac)),
        }
    }
}

/// The entries of one signature header, decoded.
///
/// ```
/// use webhook_guard::signature::SignatureFormat;
///
/// let format = SignatureFormat::prefixed_hex("sha256=");
/// let header = format!("sha256={}, sha256={}", "ab".repeat(32), "CD".repeat(32));
/// assert_eq!(format.parse(header.as_bytes()).unwrap().entries().len(), 2);
/// ```
#[derive(Clone, Default)]
pub struct ParsedSignature<'h> {
    entries: [Digest; MAX_SIGNATURE_ENTRIES],
    len: usize,
    dropped: usize,
    timestamp: Option<&'h [u8]>,
}

impl<'h> ParsedSignature<'h> {
    fn push(&mut self, entry: Option<Digest>) {
        match entry {
            Some(digest) if self.len < MAX_SIGNATURE_ENTRIES => {
                self.entries[self.len] = digest;
                self.len += 1;
            }
            _ => self.dropped += 1,
        }
    }

    /// The entries that decoded to a 32-byte signature.
    pub fn entries(&self) -> &[Digest] {
        &self.entries[..self.len]
    }

    /// The raw timestamp carried in the header (`t=` for Stripe), if the format has one.
    pub fn timestamp(&self) -> Option<&'h [u8]> {
        self.timestamp
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

/// The secrets active at once for one sender, keyed once.
///
/// During a rotation the sender signs with the new secret while old deliveries (and retries)
/// still carry the old one: with both in the set, either verifies. Each secret's HMAC state is
/// keyed once when the set is built and cloned per message, which is cheaper than keying per
/// request. Cloning the set is an `Arc` clone.
///
/// ```
/// use webhook_guard::signature::SecretSet;
/// use webhook_guard::Secret;
///
/// let old = Secret::new("old-secret").unwrap();
/// let new = Secret::new("new-secret").unwrap();
/// let during_rotation = SecretSet::new([new, old.clone()]);
/// let mac = SecretSet::new([old]).sign(&[b"body"]).unwrap();
/// assert_eq!(during_rotation.len(), 2);
/// assert!(format!("{during_rotation:?}").contains("redacted"));
/// ```
#[derive(Clone)]
pub struct SecretSet(Arc<[KeyedSecret]>);

#[derive(Clone)]
struct KeyedSecret {
    mac: Hmac<Sha256>,
}

impl SecretSet {
    /// Keys each secret. An empty set verifies nothing ([`Rejection::UnknownSigner`]).
    pub fn new(secrets: impl IntoIterator<Item = Secret>) -> Self {
        Self(
            secrets
                .into_iter()
                .map(|secret| KeyedSecret {
                    // HMAC accepts keys of any length: this never fails.
                    mac: <Hmac<Sha256> as Mac>::new_from_slice(secret.expose())
                        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length")),
                })
                .collect(),
        )
    }

    /// How many secrets are active.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when no secret is active.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The MAC of the signed pieces with the first (newest) secret, for signers.
    pub fn sign(&self, pieces: &[&[u8]]) -> Option<Digest> {
        self.0.first().map(|keyed| keyed.mac(pieces))
    }

    /// Checks the parsed entries against the MAC of `pieces` under each secret, in constant
    /// time per comparison. Any entry matching any secret passes; the matching MAC is returned
    /// (it identifies the signed content, for schemes whose id is not signed).
    pub fn verify(
        &self,
        signature: &ParsedSignature<'_>,
        pieces: &[&[u8]],
    ) -> Result<Digest, Rejection> {
        if self.0.is_empty() {
            return Err(Rejection::UnknownSigner);
        }
        let mut matched = subtle::Choice::from(0);
        let mut matching: Digest = [0; 32];
        for keyed in self.0.iter() {
            let expected = keyed.mac(pieces);
            let mut this_secret = subtle::Choice::from(0);
            for entry in signature.entries() {
                this_secret |= expected.ct_eq(entry);
            }
            for (out, byte) in matching.iter_mut().zip(expected) {
                out.conditional_assign(&byte, this_secret & !matched);
            }
            matched |= this_secret;
        }
        if bool::from(matched) {
            Ok(matching)
        } else {
            Err(Rejection::InvalidSignature)
        }
    }
}

impl KeyedSecret {
    fn mac(&self, pieces: &[&[u8]]) -> Digest {
        let mut mac = self.mac.clone();
        for piece in pieces {
            mac.update(piece);
        }
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Debug for SecretSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretSet({} × [redacted])", self.0.len())
    }
}

/// The value of each ASCII hex digit, `0xff` for any other byte.
const HEX_VALUES: [u8; 256] = {
    let mut table = [0xff; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

/// Decodes 64 hex digits (either case) into a digest; anything else is `None`.
pub fn decode_hex(hex: &[u8]) -> Option<Digest> {
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    // Accumulate an "invalid" flag instead of returning early: one branch per signature.
    let mut invalid = 0u8;
    for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        let (high, low) = (
            HEX_VALUES[usize::from(pair[0])],
            HEX_VALUES[usize::from(pair[1])],
        );
        invalid |= (high | low) & 0xf0;
        *byte = (high << 4) | (low & 0x0f);
    }
    (invalid == 0).then_some(out)
}

/// Lower-case hex of `bytes`.
pub fn encode_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 (with padding) of `bytes`.
pub fn encode_base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(BASE64[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 (padding optional) of any length; `None` on any other character.
pub fn decode_base64_vec(text: &[u8]) -> Option<Vec<u8>> {
    let text = text
        .strip_suffix(b"==")
        .or_else(|| text.strip_suffix(b"="))
        .unwrap_or(text);
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for &c in text {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Decodes base64 into a digest; `None` unless it is exactly 32 bytes.
pub fn decode_base64(text: &[u8]) -> Option<Digest> {
    if text.len() > 44 {
        return None;
    }
    decode_base64_vec(text)?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_decoding_accepts_both_cases_and_nothing_else() {
        let bytes: Digest = std::array::from_fn(|i| (i * 37) as u8);
        let lower = encode_hex(&bytes);
        assert_eq!(decode_hex(lower.as_bytes()), Some(bytes));
        assert_eq!(
            decode_hex(lower.to_ascii_uppercase().as_bytes()),
            Some(bytes)
        );
        for bad in 0..=255u8 {
            if bad.is_ascii_hexdigit() {
                continue;
            }
            let mut text = lower.clone().into_bytes();
            text[17] = bad;
            assert_eq!(decode_hex(&text), None, "byte {bad:#x}");
        }
        assert_eq!(decode_hex(&lower.as_bytes()[..62]), None);
    }

    #[test]
    fn base64_round_trips() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 91 + 7) as u8).collect();
            assert_eq!(
                decode_base64_vec(encode_base64(&bytes).as_bytes()),
                Some(bytes)
            );
        }
        assert_eq!(decode_base64_vec(b"ab!d"), None);
    }
}
