//! The signature algorithms: MACs with a shared secret, public-key signatures.

/// How the signature is computed: a MAC with a shared secret, or a public-key signature checked
/// with the sender's public key.
///
/// The MACs use the scheme's secrets ([`SecretSet::new`](crate::signature::SecretSet::new)), the public-key algorithms its
/// public keys ([`SecretSet::public_keys`](crate::signature::SecretSet::public_keys)); both rotate the same way, several active at once.
///
/// ```
/// use webhook_guard::signature::Algorithm;
///
/// assert_eq!(Algorithm::HmacSha256.signature_len(), Some(32));
/// assert_eq!(Algorithm::HmacSha512.signature_len(), Some(64));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC-SHA256 (the default; most providers).
    #[default]
    HmacSha256,
    /// HMAC-SHA512.
    HmacSha512,
    /// HMAC-SHA1, **legacy**: only for providers that still sign with it (Twilio). SHA-1's
    /// collisions do not break HMAC-SHA1 as a MAC, but prefer anything else for a new scheme.
    #[cfg(feature = "sha1")]
    #[cfg_attr(docsrs, doc(cfg(feature = "sha1")))]
    HmacSha1,
    /// Ed25519 (RFC 8032), strict verification: the 64-byte signature over the signed content.
    #[cfg(feature = "ed25519")]
    #[cfg_attr(docsrs, doc(cfg(feature = "ed25519")))]
    Ed25519,
    /// ECDSA over P-256 with SHA-256, the signature DER-encoded (SendGrid).
    #[cfg(feature = "ecdsa")]
    #[cfg_attr(docsrs, doc(cfg(feature = "ecdsa")))]
    EcdsaP256Sha256,
    /// RSA PKCS#1 v1.5 with SHA-256 (PayPal).
    #[cfg(feature = "rsa")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rsa")))]
    RsaSha256,
}

impl Algorithm {
    /// The signature's length in bytes when it is fixed (`None`: DER or key-sized).
    pub fn signature_len(self) -> Option<usize> {
        match self {
            Self::HmacSha256 => Some(32),
            Self::HmacSha512 => Some(64),
            #[cfg(feature = "sha1")]
            Self::HmacSha1 => Some(20),
            #[cfg(feature = "ed25519")]
            Self::Ed25519 => Some(64),
            #[cfg(feature = "ecdsa")]
            Self::EcdsaP256Sha256 => None,
            #[cfg(feature = "rsa")]
            Self::RsaSha256 => None,
        }
    }

    /// True for the MACs (keyed with a shared secret).
    pub fn is_mac(self) -> bool {
        match self {
            Self::HmacSha256 | Self::HmacSha512 => true,
            #[cfg(feature = "sha1")]
            Self::HmacSha1 => true,
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }
}
