//! The signature algorithms: MACs with a shared secret, public-key signatures. Plain data,
//! which `verify::signature` and `verify::public_key` interpret.

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
    /// No signature: the header carries the shared secret itself (GitLab's `X-Gitlab-Token`,
    /// the password of HTTP Basic credentials), compared with each secret in constant time (as
    /// SHA-256 digests, so not even its length shows in the timing).
    ///
    /// A token proves only that the sender knows it. It binds nothing: whoever holds one
    /// delivery (a log, a proxy, a misrouted copy) holds the token, and can send any body, any
    /// id, at any time. The scheme's signed content is then what identifies a delivery rather
    /// than what is signed: the match is a digest of it (for a body, of the body), never of the
    /// token, which is the same in every delivery. A scheme with an unsigned id
    /// ([`IdBinding::Unsigned`](crate::scheme::IdBinding::Unsigned)) remembers that digest, so
    /// the same body resent under a new id is a duplicate; a changed body is a new delivery.
    /// Prefer a signing scheme wherever the provider offers one.
    ///
    /// ```
    /// use webhook_guard::scheme::{BodyFormat, Field, IdBinding, Scheme};
    /// use webhook_guard::signature::{Algorithm, Encoding, SignatureFormat};
    /// use webhook_guard::{Rejection, Secret, Verifier};
    ///
    /// let scheme = Scheme::builder("acme")
    ///     .signature("X-Acme-Token", SignatureFormat::Bare { encoding: Encoding::Text })
    ///     .algorithm(Algorithm::SharedToken)
    ///     .body_format(BodyFormat::Opaque)
    ///     .id(Field::header("X-Acme-Delivery"), IdBinding::Unsigned)
    ///     .build()
    ///     .unwrap();
    /// let verifier = Verifier::new(scheme, [Secret::new("s3cret-token").unwrap()]);
    /// let request = |token| [("X-Acme-Token", token), ("X-Acme-Delivery", "d1")];
    /// assert!(verifier.verify_at(&request("s3cret-token")[..], "{}".into(), 0).is_ok());
    /// assert_eq!(
    ///     verifier.verify_at(&request("s3cret-tokem")[..], "{}".into(), 0).unwrap_err(),
    ///     Rejection::InvalidSignature
    /// );
    /// ```
    SharedToken,
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
            Self::SharedToken => None,
        }
    }

    /// True when the algorithm is checked with the scheme's shared secrets (the MACs and
    /// [`SharedToken`](Self::SharedToken)), not with public keys.
    pub fn uses_secrets(self) -> bool {
        self.is_mac() || self == Self::SharedToken
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
