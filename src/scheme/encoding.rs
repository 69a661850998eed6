//! How signature bytes are written as text (hex, base64), as data, and the decoders the
//! verifier uses without allocating.
//!
//! The alphabets are the `hex` and `base64` crates'. Nothing here needs constant time: what is
//! decoded is the signature a request carries, which its sender already knows; the comparison
//! with the expected tag is the one constant-time step, and it runs on the decoded bytes
//! (`SecretSet::verify_with`).

use std::fmt;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

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
/// let header = Encoding::Base64.encode(&[7; 32]);
/// let parsed = format.parse(header.as_bytes()).unwrap();
/// let tag = parsed.tags().next().unwrap();
/// assert_eq!(tag.as_bytes(), &[7; 32]);
/// assert_eq!(format!("{tag:?}"), "Tag(32 bytes)");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Tag {
    pub(crate) bytes: [u8; MAX_TAG_LEN],
    pub(crate) len: u8,
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
            Self::Base64 => BASE64.encode(bytes),
            Self::Base64Url => BASE64_URL.encode(bytes),
            Self::Text => String::from_utf8_lossy(bytes).into_owned(),
        }
    }

    /// Reads text of any length; `None` on a character outside the alphabet.
    pub fn decode(self, text: &[u8]) -> Option<Vec<u8>> {
        match self {
            // `check_raw` first: `const_hex::decode` would strip a `0x` prefix.
            Self::Hex => const_hex::check_raw(text)
                .then(|| const_hex::decode(text).ok())
                .flatten(),
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
                // Exactly `2 * len` digits: a `0x` prefix (which `const_hex` strips) would leave
                // too few, so it is refused as before.
                const_hex::decode_to_slice(text, &mut tag.bytes[..len])
                    .is_ok()
                    .then_some(tag)
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
                Self::Hex => const_hex::check_raw(text),
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

/// Lower-case hex of `bytes`.
pub(crate) fn encode_hex(bytes: &[u8]) -> String {
    const_hex::encode(bytes)
}

/// Padding is written on encoding; on decoding it is optional, so it is stripped first (up to
/// two `=`, as many senders write it, right or not) and what remains must have none. Bits past
/// the last whole byte are ignored, as senders' encoders leave them.
const CONFIG: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_encode_padding(true)
    .with_decode_padding_mode(DecodePaddingMode::RequireNone)
    .with_decode_allow_trailing_bits(true);
const BASE64: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, CONFIG);
const BASE64_URL: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, CONFIG);

/// `text` without the padding a sender may or may not have written.
fn unpadded(text: &[u8]) -> &[u8] {
    text.strip_suffix(b"==")
        .or_else(|| text.strip_suffix(b"="))
        .unwrap_or(text)
}

fn engine(url_safe: bool) -> &'static GeneralPurpose {
    if url_safe { &BASE64_URL } else { &BASE64 }
}

/// Decodes standard base64 (padding optional) of any length; `None` on any other character.
pub(crate) fn decode_base64_vec(text: &[u8]) -> Option<Vec<u8>> {
    decode_base64_with(text, false)
}

fn decode_base64_with(text: &[u8], url_safe: bool) -> Option<Vec<u8>> {
    engine(url_safe).decode(unpadded(text)).ok()
}

/// Decodes base64 (padding optional) into `out`, which it must fill exactly: the received
/// signatures of the fixed-length algorithms are decoded without allocating. The caller has
/// bounded `text` to the padded length of `out.len()` bytes, so it decodes to at most two
/// bytes more than `out` holds.
fn decode_base64_into(text: &[u8], url_safe: bool, out: &mut [u8]) -> bool {
    let mut buffer = [0u8; MAX_TAG_LEN + 3];
    match engine(url_safe).decode_slice(unpadded(text), &mut buffer) {
        Ok(len) if len == out.len() => {
            out.copy_from_slice(&buffer[..len]);
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the hand-written decoder this replaced accepted, kept: padding optional and
    /// stripped up to two `=` whether right or not, bits past the last byte ignored; any other
    /// `=`, a length no encoding has, or a character of the other alphabet refused.
    /// Hex as the `hex` crate read it: either case, an even count, nothing else; a `0x` prefix
    /// (which `const_hex` strips when asked to decode) is refused everywhere.
    #[test]
    fn hex_reads_digits_only_without_a_prefix() {
        let hex = Encoding::Hex;
        assert_eq!(hex.decode(b"0aFf"), Some(vec![0x0a, 0xff]));
        assert_eq!(hex.decode(b""), Some(vec![]));
        for bad in [&b"0x0aff"[..], b"0X0aff", b"0g", b" 0a", b"0a\n"] {
            assert_eq!(hex.decode(bad), None, "{bad:?}");
            assert!(!hex.is_valid(bad), "{bad:?}");
        }
        // The alphabet alone, as before: an odd count is valid text that does not decode.
        assert!(hex.is_valid(b"0af"));
        assert_eq!(hex.decode(b"0af"), None);
        let digits = "ab".repeat(32);
        assert_eq!(
            hex.decode_tag(digits.as_bytes(), 32).map(|tag| tag.len),
            Some(32)
        );
        let prefixed = format!("0x{}", &digits[2..]);
        assert!(hex.decode_tag(prefixed.as_bytes(), 32).is_none());
        assert!(hex.decode_tag(prefixed.as_bytes(), 31).is_none());
        assert!(!hex.fits_tag(prefixed.as_bytes(), 32));
        assert_eq!(encode_hex(&[0x0a, 0xff]), "0aff");
    }

    #[test]
    fn base64_reads_as_leniently_as_before_and_no_more() {
        let read = |text: &[u8]| Encoding::Base64.decode(text);
        assert_eq!(read(b"AAECAw=="), Some(vec![0, 1, 2, 3]));
        assert_eq!(read(b"AAECAw="), Some(vec![0, 1, 2, 3]));
        assert_eq!(read(b"AAECAw"), Some(vec![0, 1, 2, 3]));
        assert_eq!(read(b"AAECAx=="), Some(vec![0, 1, 2, 3]), "trailing bits");
        assert_eq!(read(b""), Some(vec![]));
        for refused in [&b"AAECAw==="[..], b"AA=A", b"AAECA", b"AAECAw-_", b"AA AA"] {
            assert_eq!(read(refused), None, "{refused:?}");
        }
        assert_eq!(Encoding::Base64Url.decode(b"-_8"), Some(vec![0xfb, 0xff]));
        assert_eq!(Encoding::Base64Url.decode(b"+/8="), None);
        let tag = Encoding::Base64.decode_tag(b"AAECAw=", 4).unwrap();
        assert_eq!(tag.as_bytes(), &[0, 1, 2, 3]);
        assert_eq!(Encoding::Base64.decode_tag(b"AAECAw", 3), None);
        let longest = Encoding::Base64.encode(&[7; MAX_TAG_LEN]);
        let tag = Encoding::Base64
            .decode_tag(longest.as_bytes(), MAX_TAG_LEN)
            .unwrap();
        assert_eq!(tag.as_bytes(), &[7; MAX_TAG_LEN]);
    }

    #[test]
    fn hex_reads_either_case_and_an_even_length_only() {
        assert_eq!(Encoding::Hex.decode(b"0aFf"), Some(vec![0x0a, 0xff]));
        assert_eq!(Encoding::Hex.decode(b"0aF"), None);
        assert_eq!(Encoding::Hex.decode(b"0g"), None);
        assert!(Encoding::Hex.fits_tag(b"0aFf", 2));
        assert!(!Encoding::Hex.fits_tag(b"0aFg", 2));
        assert!(!Encoding::Hex.is_valid(b""));
        assert_eq!(encode_hex(&[0xab, 0x01]), "ab01");
    }
}
