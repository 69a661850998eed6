//! What identifies a delivery for deduplication, and the two ways a store turns it into a
//! fixed-size key.

use std::fmt;
use std::hash::{BuildHasher, Hasher, RandomState};

use sha2::{Digest as _, Sha256};
use siphasher::sip128::{Hasher128 as _, SipHasher13};

/// What identifies a delivery for deduplication: the scheme, the tenant, and the delivery id
/// (or, for schemes whose id is not signed, the signature).
///
/// A store turns it into its own fixed-size key: the in-memory stores with a keyed hash
/// ([`KeyHasher`], a few hundred instructions), a store shared between processes with
/// [`digest`](Self::digest) (SHA-256, the same in every process). Either way a key takes 16
/// bytes whatever a sender puts in its ids.
///
/// ```
/// use webhook_guard::replay::{KeyHasher, ReplayKey};
///
/// let id = ReplayKey::new("audit-trail", Some("tenant-001"), "whd_abc123");
/// assert_eq!(id, ReplayKey::new("audit-trail", Some("tenant-001"), "whd_abc123"));
/// assert_ne!(id, ReplayKey::new("audit-trail", Some("tenant-002"), "whd_abc123"));
///
/// let hasher = KeyHasher::new();
/// assert_eq!(hasher.hash(&id), hasher.hash(&ReplayKey::new("audit-trail", Some("tenant-001"), "whd_abc123")));
/// assert_ne!(hasher.hash(&id), hasher.hash(&ReplayKey::new("palo", Some("tenant-001"), "whd_abc123")));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReplayKey<'a> {
    kind: Kind,
    scheme: &'a str,
    tenant: Option<&'a str>,
    value: &'a [u8],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Id,
    Signature,
}

impl<'a> ReplayKey<'a> {
    /// The key of delivery `id` of `scheme` for `tenant`.
    pub fn new(scheme: &'a str, tenant: Option<&'a str>, id: &'a str) -> Self {
        Self {
            kind: Kind::Id,
            scheme,
            tenant,
            value: id.as_bytes(),
        }
    }

    /// The key of a signature (the MAC of the signed content), for schemes whose id is not
    /// signed: a copy re-sent with a new id is still recognised. It never equals an id's key.
    ///
    /// ```
    /// use webhook_guard::replay::ReplayKey;
    ///
    /// let signature = ReplayKey::signature("github", None, b"\x01\x02");
    /// assert_ne!(signature.digest(), ReplayKey::new("github", None, "\u{1}\u{2}").digest());
    /// ```
    pub fn signature(scheme: &'a str, tenant: Option<&'a str>, mac: &'a [u8]) -> Self {
        Self {
            kind: Kind::Signature,
            scheme,
            tenant,
            value: mac,
        }
    }

    /// The first 128 bits of SHA-256 over the key: the same in every process and every version
    /// of this crate, for a store that several processes share (the Redis store's keys are
    /// these). About 7,000 instructions: the in-memory stores use a [`KeyHasher`] instead.
    ///
    /// ```
    /// use webhook_guard::replay::ReplayKey;
    ///
    /// let key = ReplayKey::new("audit-trail", Some("tenant-001"), "whd_abc123");
    /// assert_eq!(format!("{:032x}", key.digest()), "888b6c8fbe6d7488f82a5d46339f4e3f");
    /// ```
    pub fn digest(&self) -> u128 {
        let mut sha = Sha256Sink(Sha256::new());
        self.feed(&mut sha);
        let digest = sha.0.finalize();
        let mut first = [0u8; 16];
        first.copy_from_slice(&digest[..16]);
        u128::from_le_bytes(first)
    }

    /// Feeds the key to `sink` as one unambiguous byte string: each part length-prefixed (so
    /// `("ab", "c")` and `("a", "bc")` differ), then whether there is a tenant (so `None` and
    /// `Some("")` differ). The digest of this string is what the keys were before the in-memory
    /// stores had their own: keep it byte for byte, or Redis keys change on upgrade.
    fn feed(&self, sink: &mut impl Sink) {
        let tag: &[u8] = match self.kind {
            Kind::Id => b"id",
            Kind::Signature => b"sig",
        };
        for part in [
            tag,
            self.scheme.as_bytes(),
            self.tenant.unwrap_or("").as_bytes(),
            self.value,
        ] {
            sink.put_len(part.len() as u64);
            sink.put(part);
        }
        sink.put_flag(self.tenant.is_some());
    }
}

impl fmt::Debug for ReplayKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // No MAC bytes: a key may be logged.
        let mut debug = f.debug_struct("ReplayKey");
        debug
            .field("scheme", &self.scheme)
            .field("tenant", &self.tenant);
        match self.kind {
            Kind::Id => debug.field("id", &String::from_utf8_lossy(self.value)),
            Kind::Signature => {
                debug.field("signature", &format_args!("<{} bytes>", self.value.len()))
            }
        };
        debug.finish()
    }
}

/// Where [`ReplayKey::feed`] writes: both sinks see the same byte string.
trait Sink {
    fn put(&mut self, bytes: &[u8]);
    /// A length, as 8 little-endian bytes.
    fn put_len(&mut self, len: u64);
    /// One byte, 0 or 1.
    fn put_flag(&mut self, flag: bool);
}

struct Sha256Sink(Sha256);

impl Sink for Sha256Sink {
    fn put(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn put_len(&mut self, len: u64) {
        self.0.update(len.to_le_bytes());
    }

    fn put_flag(&mut self, flag: bool) {
        self.0.update([u8::from(flag)]);
    }
}

/// A key laid out on the stack; `len` past `bytes` once it does not fit.
struct StackBytes {
    bytes: [u8; 160],
    len: usize,
}

impl Sink for StackBytes {
    fn put(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        if let Some(room) = self.bytes.get_mut(self.len..end) {
            room.copy_from_slice(bytes);
        }
        self.len = end;
    }

    fn put_len(&mut self, len: u64) {
        self.put(&len.to_le_bytes());
    }

    fn put_flag(&mut self, flag: bool) {
        self.put(&[u8::from(flag)]);
    }
}

impl Sink for SipHasher13 {
    fn put(&mut self, bytes: &[u8]) {
        self.write(bytes);
    }

    // siphasher's integer writes are the same bytes (little-endian), cheaper than its
    // byte-slice path.
    fn put_len(&mut self, len: u64) {
        self.write_u64(len);
    }

    fn put_flag(&mut self, flag: bool) {
        self.write_u8(u8::from(flag));
    }
}

/// A keyed 128-bit hash of [`ReplayKey`]s under a random key of its own: what the in-memory
/// stores key by, at a few hundred instructions a key instead of SHA-256's thousands.
///
/// It is SipHash-1-3 with its 128-bit output, keyed from the operating system's randomness
/// (`getrandom`). A sender does not know the key, so it cannot choose ids
/// whose keys collide: two different `ReplayKey`s get the same hash with probability about
/// 2⁻¹²⁸ each. The key is drawn anew for every `KeyHasher`, so hashes mean nothing to another
/// process (or another store): a store that several processes share keys by
/// [`ReplayKey::digest`] instead.
///
/// A store of your own that lives in one process can use one too:
///
/// ```
/// use webhook_guard::replay::{KeyHasher, ReplayKey};
///
/// let hasher = KeyHasher::new();
/// let key = ReplayKey::new("palo", Some("org-1"), "evt_1");
/// assert_eq!(hasher.hash(&key), hasher.hash(&key));
/// // Another hasher has another random key.
/// assert_ne!(KeyHasher::new().hash(&key), hasher.hash(&key));
/// ```
#[derive(Clone)]
pub struct KeyHasher {
    keys: (u64, u64),
}

impl KeyHasher {
    /// A hasher with a new random key.
    pub fn new() -> Self {
        // A fresh 128-bit key from the operating system for every hasher.
        let mut bytes = [0u8; 16];
        if getrandom::fill(&mut bytes).is_err() {
            // No randomness to be had from the OS now (it cannot happen on the platforms we
            // build for once they booted): std's `RandomState` holds a key it drew from the OS
            // at start-up, and its hashes of two fixed inputs are two outputs of a keyed PRF,
            // unpredictable without that key.
            let seed = RandomState::new();
            return Self {
                keys: (seed.hash_one(0u8), seed.hash_one(1u8)),
            };
        }
        let (low, high) = bytes.split_at(8);
        let word = |half: &[u8]| u64::from_le_bytes(half.try_into().unwrap_or_default());
        Self {
            keys: (word(low), word(high)),
        }
    }

    /// The 128-bit hash of `key` under this hasher's key.
    pub fn hash(&self, key: &ReplayKey<'_>) -> u128 {
        let sip = SipHasher13::new_with_keys(self.keys.0, self.keys.1);
        // The usual key (ids of a few dozen bytes) is laid out on the stack and hashed in one
        // call: SipHash then reads whole words, where piece by piece it would assemble each
        // piece's unaligned ends byte by byte (about twice the instructions). The hash of a
        // byte string does not depend on how it is cut, so a long key streamed gets the same.
        let mut laid_out = StackBytes {
            bytes: [0; 160],
            len: 0,
        };
        key.feed(&mut laid_out);
        if let Some(bytes) = laid_out.bytes.get(..laid_out.len) {
            return sip.hash(bytes).as_u128();
        }
        let mut sip = sip;
        key.feed(&mut sip);
        sip.finish128().as_u128()
    }
}

impl Default for KeyHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for KeyHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the key: with it a sender could choose colliding ids.
        f.debug_struct("KeyHasher").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_encoding_is_unambiguous() {
        // Every pair differs in one way the encoding must tell apart.
        let keys = [
            ReplayKey::new("audit-trail", Some("tenant-001"), "whd_1"),
            ReplayKey::new("audit-trail", Some("tenant-002"), "whd_1"),
            ReplayKey::new("audit-trail", None, "whd_1"),
            ReplayKey::new("audit-trail", Some(""), "whd_1"),
            ReplayKey::new("palo", Some("tenant-001"), "whd_1"),
            ReplayKey::new("audit-trail", Some("tenant-00"), "1whd_1"),
            ReplayKey::new("audit-trail", Some("tenant-001"), "whd_2"),
            ReplayKey::signature("audit-trail", Some("tenant-001"), b"whd_1"),
        ];
        let hasher = KeyHasher::new();
        let mut digests: Vec<u128> = keys.iter().map(ReplayKey::digest).collect();
        let mut hashes: Vec<u128> = keys.iter().map(|k| hasher.hash(k)).collect();
        digests.sort_unstable();
        digests.dedup();
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(digests.len(), keys.len());
        assert_eq!(hashes.len(), keys.len());
    }

    #[test]
    fn digests_are_the_same_in_every_process_and_version() {
        // Fixed values (also computed apart, from the encoding, with Python's hashlib): Redis
        // keys written by another replica, or by the version before the in-memory stores had
        // keys of their own, must be found again.
        let id = ReplayKey::new("audit-trail", Some("tenant-001"), "whd_abc123");
        assert_eq!(
            format!("{:032x}", id.digest()),
            "888b6c8fbe6d7488f82a5d46339f4e3f"
        );
        let signature = ReplayKey::signature("github", None, &[1, 2]);
        assert_eq!(
            format!("{:032x}", signature.digest()),
            "f980df38c11e9fb9b01d36cce42837a4"
        );
    }

    #[test]
    fn a_long_key_hashes_as_if_laid_out_whole() {
        // Keys too long for the stack layout are streamed: same byte string, same hash.
        let hasher = KeyHasher::new();
        let long = "x".repeat(500);
        let key = ReplayKey::new("audit-trail", Some("tenant-001"), &long);
        let mut whole = Vec::new();
        struct VecSink<'a>(&'a mut Vec<u8>);
        impl Sink for VecSink<'_> {
            fn put(&mut self, bytes: &[u8]) {
                self.0.extend_from_slice(bytes);
            }
            fn put_len(&mut self, len: u64) {
                self.put(&len.to_le_bytes());
            }
            fn put_flag(&mut self, flag: bool) {
                self.put(&[u8::from(flag)]);
            }
        }
        key.feed(&mut VecSink(&mut whole));
        let (k0, k1) = hasher.keys;
        let expected = SipHasher13::new_with_keys(k0, k1).hash(&whole).as_u128();
        assert_eq!(hasher.hash(&key), expected);
        // And a short one too (laid out on the stack).
        let short = ReplayKey::new("audit-trail", None, "whd_1");
        let mut bytes = Vec::new();
        short.feed(&mut VecSink(&mut bytes));
        assert!(bytes.len() < 160);
        let expected = SipHasher13::new_with_keys(k0, k1).hash(&bytes).as_u128();
        assert_eq!(hasher.hash(&short), expected);
        // The streamed key and the digest's input are the same bytes.
        let mut sha = Sha256::new();
        sha.update(&whole);
        assert_eq!(
            u128::from_le_bytes(sha.finalize()[..16].try_into().unwrap()),
            key.digest()
        );
    }

    #[test]
    fn two_hashers_have_independent_keys() {
        let (a, b) = (KeyHasher::new(), KeyHasher::new());
        assert_ne!(a.keys, b.keys);
        assert_ne!(a.keys.0, a.keys.1);
        let key = ReplayKey::new("audit-trail", None, "whd_1");
        assert_ne!(a.hash(&key), b.hash(&key));
        // A clone is the same hasher.
        assert_eq!(a.clone().hash(&key), a.hash(&key));
    }

    #[test]
    fn debug_shows_no_mac_and_no_hash_key() {
        let signature = ReplayKey::signature("github", None, b"secret-mac");
        assert!(!format!("{signature:?}").contains("secret"));
        assert_eq!(format!("{:?}", KeyHasher::new()), "KeyHasher { .. }");
    }
}
