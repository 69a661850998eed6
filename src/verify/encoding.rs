//! How signature bytes are written as text (hex, base64), and the decoders the verifier uses
//! without allocating.

use std::fmt;

/// The longest fixed-length signature: HMAC-SHA512 and Ed25519, 64 bytes.
pub const MAX_TAG_LEN: usize = 64;

/// A fixed-length signature (a MAC or an Ed25519 signature), decoded.
///
/// `Debug` prints its length only: a tag identifies a delivery and stays out of logs.
///
/// ```
/// use webhook_guard::signature::{Encoding, SignatureFormat};
///
/// let format = SignatureFormat::Bare { encoding: Encoding::Base64 };
/// let parsed = format.parse_len(b"AAECAw==", Some(4)).unwrap();
/// let tag = parsed.tags().next().unwrap();
/// assert_eq!(tag.as_bytes(), &[0, 1, 2, 3]);
/// assert_eq!(format!("{tag:?}"), "Tag(4 bytes)");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Tag {
    pub(super) bytes: [u8; MAX_TAG_LEN],
    pub(super) len: u8,
}

impl Tag {
    /// The tag's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    pub(crate) fn from_slice(bytes: &[u8]) -> Self {
        let mut tag = Tag {
            bytes: [0; MAX_TAG_LEN],
            len: 0,
        };
        let len = bytes.len().min(MAX_TAG_LEN);
        tag.bytes[..len].copy_from_slice(&bytes[..len]);
        tag.len = len as u8;
        tag
    }
}

impl Default for Tag {
    fn default() -> Self {
        Self {
            bytes: [0; MAX_TAG_LEN],
            len: 0,
        }
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({} bytes)", self.len)
    }
}

/// How signature bytes are written as text.
///
/// ```
/// use webhook_guard::signature::Encoding;
///
/// assert_eq!(Encoding::Hex.encode(&[0xfb, 0xff]), "fbff");
/// assert_eq!(Encoding::Base64.encode(&[0xfb, 0xff]), "+/8=");
/// assert_eq!(Encoding::Base64Url.encode(&[0xfb, 0xff]), "-_8=");
/// assert_eq!(Encoding::Base64Url.decode(b"-_8"), Some(vec![0xfb, 0xff]));
/// assert_eq!(Encoding::Hex.decode(b"FBFF"), Some(vec![0xfb, 0xff]));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Encoding {
    /// Hex digits, either case.
    Hex,
    /// Standard base64 (`+/`), padding optional.
    Base64,
    /// URL-safe base64 (`-_`), padding optional.
    Base64Url,
    /// The bytes as they are: a token sent as text, not a signature written in an alphabet
    /// (GitLab's `X-Gitlab-Token`, with [`Algorithm::SharedToken`](crate::signature::Algorithm::SharedToken)).
    Text,
}

impl Encoding {
    /// Writes `bytes` (hex in lower case, base64 padded).
    pub fn encode(self, bytes: &[u8]) -> String {
        match self {
            Self::Hex => encode_hex(bytes),
            Self::Base64 => encode_base64_with(bytes, BASE64),
            Self::Base64Url => encode_base64_with(bytes, BASE64_URL),
            Self::Text => String::from_utf8_lossy(bytes).into_owned(),
        }
    }

    /// Reads text of any length; `None` on a character outside the alphabet.
    pub fn decode(self, text: &[u8]) -> Option<Vec<u8>> {
        match self {
            Self::Hex => {
                if !text.len().is_multiple_of(2) {
                    return None;
                }
                let mut out = vec![0; text.len() / 2];
                decode_hex_into(text, &mut out).then_some(out)
            }
            Self::Base64 => decode_base64_with(text, false),
            Self::Base64Url => decode_base64_with(text, true),
            Self::Text => Some(text.to_vec()),
        }
    }

    /// Decodes into a tag of exactly `len` bytes (at most [`MAX_TAG_LEN`]), without allocating.
    pub(crate) fn decode_tag(self, text: &[u8], len: usize) -> Option<Tag> {
        if len > MAX_TAG_LEN {
            return None;
        }
        let mut tag = Tag {
            bytes: [0; MAX_TAG_LEN],
            len: len as u8,
        };
        match self {
            Self::Hex => {
                if text.len() != 2 * len {
                    return None;
                }
                decode_hex_into(text, &mut tag.bytes[..len]).then_some(tag)
            }
            Self::Base64 | Self::Base64Url => {
                // Anything longer than the padded encoding cannot decode to `len` bytes.
                if text.len() > len.div_ceil(3) * 4 {
                    return None;
                }
                let url_safe = self == Self::Base64Url;
                decode_base64_into(text, url_safe, &mut tag.bytes[..len]).then_some(tag)
            }
            Self::Text => {
                if text.len() != len {
                    return None;
                }
                tag.bytes[..len].copy_from_slice(text);
                Some(tag)
            }
        }
    }

    /// True when `text` decodes to exactly `len` bytes ([`decode_tag`](Self::decode_tag)
    /// would succeed); hex is checked without decoding.
    pub(crate) fn fits_tag(self, text: &[u8], len: usize) -> bool {
        match self {
            Self::Hex => len <= MAX_TAG_LEN && text.len() == 2 * len && self.is_valid(text),
            Self::Base64 | Self::Base64Url | Self::Text => self.decode_tag(text, len).is_some(),
        }
    }

    pub(crate) fn is_valid(self, text: &[u8]) -> bool {
        !text.is_empty()
            && match self {
                Self::Hex => text.iter().all(|&b| HEX_VALUES[usize::from(b)] != 0xff),
                Self::Base64 => text
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)),
                Self::Base64Url => text
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b"-_=".contains(&b)),
                Self::Text => true,
            }
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

/// Decodes `2 * out.len()` hex digits into `out`; false on any other byte.
fn decode_hex_into(hex: &[u8], out: &mut [u8]) -> bool {
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
    invalid == 0 && hex.len() == 2 * out.len()
}

/// Lower-case hex of `bytes`.
pub(crate) fn encode_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64_URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn encode_base64_with(bytes: &[u8], alphabet: &[u8; 64]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(alphabet[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 (padding optional) of any length; `None` on any other character.
pub(crate) fn decode_base64_vec(text: &[u8]) -> Option<Vec<u8>> {
    decode_base64_with(text, false)
}

fn decode_base64_with(text: &[u8], url_safe: bool) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    decode_base64_each(text, url_safe, |byte| {
        out.push(byte);
        true
    })?;
    Some(out)
}

/// Decodes base64 (padding optional) into `out`, which it must fill exactly: the received
/// signatures of the fixed-length algorithms are decoded without allocating.
fn decode_base64_into(text: &[u8], url_safe: bool, out: &mut [u8]) -> bool {
    let mut at = 0;
    let decoded = decode_base64_each(text, url_safe, |byte| match out.get_mut(at) {
        Some(slot) => {
            *slot = byte;
            at += 1;
            true
        }
        None => false,
    });
    decoded.is_some() && at == out.len()
}

/// Decodes base64 byte by byte into `push` (which may refuse one: too long); `None` on any
/// character outside the alphabet, a refused byte, or an impossible length.
fn decode_base64_each(text: &[u8], url_safe: bool, mut push: impl FnMut(u8) -> bool) -> Option<()> {
    let text = text
        .strip_suffix(b"==")
        .or_else(|| text.strip_suffix(b"="))
        .unwrap_or(text);
    if text.len() % 4 == 1 {
        return None;
    }
    let mut acc = 0u32;
    let mut bits = 0u32;
    for &c in text {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' if !url_safe => 62,
            b'/' if !url_safe => 63,
            b'-' if url_safe => 62,
            b'_' if url_safe => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            if !push((acc >> bits) as u8) {
                return None;
            }
            acc &= (1 << bits) - 1;
        }
    }
    Some(())
}
