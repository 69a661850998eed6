//! Senders' public keys, for the public-key signature algorithms.
//!
//! A [`PublicKey`] is configured, never fetched at request time: a key that changes is a new
//! configuration, rotated like a secret (several keys active at once in a
//! [`SecretSet`](crate::signature::SecretSet)). `Debug` prints the algorithm only.
//!
//! ```
//! # #[cfg(feature = "ed25519")] {
//! use webhook_guard::PublicKey;
//!
//! let key = PublicKey::ed25519_hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a").unwrap();
//! assert_eq!(format!("{key:?}"), "PublicKey(Ed25519, [redacted])");
//! assert!(PublicKey::ed25519_hex("not hex").is_err());
//! # }
//! ```

use std::fmt;

use crate::scheme::algorithm::Algorithm;
#[cfg(any(feature = "ed25519", feature = "ecdsa"))]
use crate::scheme::encoding::Encoding;
use crate::secret::KeyMeta;

/// A sender's public key.
///
/// Built with the constructor for the way the provider shows it (hex, base64 DER, a PEM
/// certificate). Each algorithm's constructors need its cargo feature.
#[derive(Clone)]
pub struct PublicKey {
    key: Key,
    meta: KeyMeta,
}

#[derive(Clone)]
enum Key {
    #[cfg(feature = "ed25519")]
    Ed25519(ed25519_dalek::VerifyingKey),
    #[cfg(feature = "ecdsa")]
    P256(p256::ecdsa::VerifyingKey),
    #[cfg(feature = "rsa")]
    Rsa(rsa::pkcs1v15::VerifyingKey<sha2::Sha256>),
}

/// Why a public key could not be read.
///
/// ```
/// # #[cfg(feature = "ed25519")] {
/// use webhook_guard::KeyError;
/// use webhook_guard::PublicKey;
///
/// assert_eq!(PublicKey::ed25519_hex("abcd").unwrap_err(), KeyError("expected 32 bytes in hex"));
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyError(pub &'static str);

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "public key is malformed: {}", self.0)
    }
}

impl std::error::Error for KeyError {}

impl PublicKey {
    /// An Ed25519 key written as 64 hex digits (Discord's "Public Key").
    ///
    /// See [`PublicKey`].
    #[cfg(feature = "ed25519")]
    #[cfg_attr(docsrs, doc(cfg(feature = "ed25519")))]
    pub fn ed25519_hex(text: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        let bytes = Encoding::Hex
            .decode(text.as_ref().trim_ascii())
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or(KeyError("expected 32 bytes in hex"))?;
        Self::ed25519(&bytes)
    }

    /// An Ed25519 key from its 32 bytes.
    ///
    /// ```
    /// use webhook_guard::PublicKey;
    ///
    /// assert!(PublicKey::ed25519(&[0x11; 32]).is_ok());
    /// ```
    #[cfg(feature = "ed25519")]
    #[cfg_attr(docsrs, doc(cfg(feature = "ed25519")))]
    pub fn ed25519(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map(|key| Self::from_key(Key::Ed25519(key)))
            .map_err(|_| KeyError("not an Ed25519 point"))
    }

    /// An Ed25519 key written as Standard Webhooks writes them: `whpk_<base64>` (the prefix
    /// optional).
    ///
    /// ```
    /// use webhook_guard::PublicKey;
    ///
    /// let key = PublicKey::ed25519_whpk("whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=").unwrap();
    /// # let _ = key;
    /// ```
    #[cfg(feature = "ed25519")]
    #[cfg_attr(docsrs, doc(cfg(feature = "ed25519")))]
    pub fn ed25519_whpk(text: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        let text = text.as_ref().trim_ascii();
        let text = text.strip_prefix(b"whpk_").unwrap_or(text);
        let bytes = Encoding::Base64
            .decode(text)
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or(KeyError("expected whpk_<base64 of 32 bytes>"))?;
        Self::ed25519(&bytes)
    }

    /// A P-256 key as SendGrid shows it: the base64 of its DER `SubjectPublicKeyInfo`.
    ///
    /// ```
    /// use webhook_guard::PublicKey;
    ///
    /// let sendgrid = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEV2pTGUWK+SjemWDEW20ecuP4/9t+WBw+iK7foR2S81nMQQ2ByN9OGcj97GXONboiNFo7T8zjRjR6UjFhFv/tQ==";
    /// assert!(PublicKey::p256_base64_der(sendgrid).is_ok());
    /// assert!(PublicKey::p256_base64_der("AAAA").is_err());
    /// ```
    #[cfg(feature = "ecdsa")]
    #[cfg_attr(docsrs, doc(cfg(feature = "ecdsa")))]
    pub fn p256_base64_der(text: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        use p256::pkcs8::DecodePublicKey;
        let der = Encoding::Base64
            .decode(text.as_ref().trim_ascii())
            .ok_or(KeyError("expected base64"))?;
        p256::ecdsa::VerifyingKey::from_public_key_der(&der)
            .map(|key| Self::from_key(Key::P256(key)))
            .map_err(|_| KeyError("expected a P-256 SubjectPublicKeyInfo in DER"))
    }

    /// The RSA key of a PEM X.509 certificate (PayPal's signing certificate, downloaded once
    /// and configured: nothing is fetched at request time). The certificate's dates and chain
    /// are not checked here: checking them is for whoever downloads it.
    #[cfg(feature = "rsa")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rsa")))]
    pub fn rsa_certificate_pem(pem: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        use rsa::pkcs8::DecodePublicKey;
        use x509_cert::der::{DecodePem, Encode};
        let certificate = x509_cert::Certificate::from_pem(pem.as_ref())
            .map_err(|_| KeyError("expected a PEM X.509 certificate"))?;
        let spki = certificate
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|_| KeyError("unreadable SubjectPublicKeyInfo"))?;
        let key = rsa::RsaPublicKey::from_public_key_der(&spki)
            .map_err(|_| KeyError("the certificate's key is not RSA"))?;
        Ok(Self::from_key(Key::Rsa(rsa::pkcs1v15::VerifyingKey::new(
            key,
        ))))
    }

    /// A P-256 key from its affine coordinates, 32 bytes each (a JWK's `x` and `y`).
    #[cfg(feature = "ecdsa")]
    #[cfg_attr(docsrs, doc(cfg(feature = "ecdsa")))]
    pub fn p256_coordinates(x: &[u8], y: &[u8]) -> Result<Self, KeyError> {
        let (Ok(x), Ok(y)) = (<[u8; 32]>::try_from(x), <[u8; 32]>::try_from(y)) else {
            return Err(KeyError("expected 32-byte P-256 coordinates"));
        };
        let point = p256::EncodedPoint::from_affine_coordinates(&x.into(), &y.into(), false);
        p256::ecdsa::VerifyingKey::from_encoded_point(&point)
            .map(|key| Self::from_key(Key::P256(key)))
            .map_err(|_| KeyError("not a P-256 point"))
    }

    /// An RSA key from its modulus and public exponent, big-endian (a JWK's `n` and `e`).
    /// Keys under 2048 bits are refused.
    #[cfg(feature = "rsa")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rsa")))]
    pub fn rsa_components(modulus: &[u8], exponent: &[u8]) -> Result<Self, KeyError> {
        let n = rsa::BigUint::from_bytes_be(modulus);
        if n.bits() < 2048 {
            return Err(KeyError("an RSA modulus under 2048 bits"));
        }
        let key = rsa::RsaPublicKey::new(n, rsa::BigUint::from_bytes_be(exponent))
            .map_err(|_| KeyError("not an RSA public key"))?;
        Ok(Self::from_key(Key::Rsa(rsa::pkcs1v15::VerifyingKey::new(
            key,
        ))))
    }

    /// True when `signature` is a JWS signature (RFC 7518) of `input` under this key:
    /// `ES256` (P-256, the 64-byte `r || s`) or `RS256` (RSA PKCS#1 v1.5, SHA-256).
    #[allow(unused_variables)]
    pub(crate) fn verify_jws(&self, alg: &str, input: &[u8], signature: &[u8]) -> bool {
        match (&self.key, alg) {
            #[cfg(feature = "ecdsa")]
            (Key::P256(key), "ES256") => {
                use p256::ecdsa::signature::hazmat::PrehashVerifier;
                let Ok(signature) = p256::ecdsa::Signature::from_slice(signature) else {
                    return false;
                };
                key.verify_prehash(&prehash(&[input]), &signature).is_ok()
            }
            #[cfg(feature = "rsa")]
            (Key::Rsa(key), "RS256") => {
                use rsa::signature::hazmat::PrehashVerifier;
                let Ok(signature) = rsa::pkcs1v15::Signature::try_from(signature) else {
                    return false;
                };
                key.verify_prehash(&prehash(&[input]), &signature).is_ok()
            }
            _ => false,
        }
    }

    /// True when `signature` is an RSA PKCS#1 v1.5 signature of `pieces` with SHA-1 (AWS
    /// SNS's `SignatureVersion` 1); false for any other key.
    #[cfg(all(feature = "rsa", feature = "sha1"))]
    pub(crate) fn verify_rsa_sha1(&self, signature: &[u8], pieces: &[&[u8]]) -> bool {
        use sha1::Digest as _;
        #[allow(irrefutable_let_patterns)]
        let Key::Rsa(key) = &self.key else {
            return false;
        };
        let mut hasher = sha1::Sha1::new();
        for piece in pieces {
            hasher.update(piece);
        }
        let public: &rsa::RsaPublicKey = key.as_ref();
        rsa::RsaPublicKey::verify(
            public,
            rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
            &hasher.finalize(),
            signature,
        )
        .is_ok()
    }

    #[cfg_attr(
        not(any(feature = "ed25519", feature = "ecdsa", feature = "rsa")),
        allow(dead_code)
    )]
    fn from_key(key: Key) -> Self {
        Self {
            key,
            meta: KeyMeta::default(),
        }
    }

    /// Names the key (a JWKS `kid`, a certificate's URL, `"2026-q4"`): reported as
    /// [`Delivery::key_id`](crate::Delivery::key_id) and in the metrics when it matched.
    ///
    /// ```
    /// # #[cfg(feature = "ed25519")] {
    /// use webhook_guard::PublicKey;
    ///
    /// let key = PublicKey::ed25519(&[0x11; 32]).unwrap().with_id("k1").not_before(1_700_000_000);
    /// assert_eq!(key.meta().id(), Some("k1"));
    /// assert!(!key.meta().is_valid_at(1_699_999_999));
    /// # }
    /// ```
    #[must_use]
    pub fn with_id(mut self, id: impl AsRef<str>) -> Self {
        self.meta.id = Some(std::sync::Arc::from(id.as_ref()));
        self
    }

    /// The first second (Unix time) the key is accepted. See [`KeyMeta`].
    #[must_use]
    pub fn not_before(mut self, unix_seconds: i64) -> Self {
        self.meta.not_before = Some(unix_seconds);
        self
    }

    /// The last second (Unix time) the key is accepted. See [`KeyMeta`].
    #[must_use]
    pub fn not_after(mut self, unix_seconds: i64) -> Self {
        self.meta.not_after = Some(unix_seconds);
        self
    }

    /// The key's id and validity window.
    pub fn meta(&self) -> &KeyMeta {
        &self.meta
    }

    /// [`rsa_certificate_pem`](Self::rsa_certificate_pem), the key valid only within the
    /// certificate's `notBefore`/`notAfter` ([`KeyMeta`]).
    #[cfg(feature = "rsa")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rsa")))]
    pub fn rsa_certificate_pem_with_validity(pem: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        use x509_cert::der::DecodePem;
        let certificate = x509_cert::Certificate::from_pem(pem.as_ref())
            .map_err(|_| KeyError("expected a PEM X.509 certificate"))?;
        let validity = &certificate.tbs_certificate.validity;
        let unix = |time: x509_cert::time::Time| {
            i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
        };
        let (start, end) = (unix(validity.not_before), unix(validity.not_after));
        Ok(Self::rsa_certificate_pem(pem)?
            .not_before(start)
            .not_after(end))
    }

    /// The algorithm this key verifies.
    pub fn algorithm(&self) -> Algorithm {
        match self.key {
            #[cfg(feature = "ed25519")]
            Key::Ed25519(_) => Algorithm::Ed25519,
            #[cfg(feature = "ecdsa")]
            Key::P256(_) => Algorithm::EcdsaP256Sha256,
            #[cfg(feature = "rsa")]
            Key::Rsa(_) => Algorithm::RsaSha256,
        }
    }

    /// True when `signature` is a valid `algorithm` signature of the concatenated `pieces`
    /// under this key; false for a key of another algorithm.
    #[allow(unused_variables)]
    pub(crate) fn verify(&self, algorithm: Algorithm, signature: &[u8], pieces: &[&[u8]]) -> bool {
        if algorithm != self.algorithm() {
            return false;
        }
        match &self.key {
            #[cfg(feature = "ed25519")]
            Key::Ed25519(key) => {
                let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else {
                    return false;
                };
                // Ed25519 hashes the message twice over: dalek's strict check (which refuses
                // small-order points and non-canonical signatures, so a signature cannot be
                // reshaped into another valid one) needs it whole, hence this one copy.
                let message = pieces.concat();
                key.verify_strict(&message, &signature).is_ok()
            }
            #[cfg(feature = "ecdsa")]
            Key::P256(key) => {
                use p256::ecdsa::signature::hazmat::PrehashVerifier;
                let Ok(signature) = p256::ecdsa::DerSignature::try_from(signature) else {
                    return false;
                };
                key.verify_prehash(&prehash(pieces), &signature).is_ok()
            }
            #[cfg(feature = "rsa")]
            Key::Rsa(key) => {
                use rsa::signature::hazmat::PrehashVerifier;
                let Ok(signature) = rsa::pkcs1v15::Signature::try_from(signature) else {
                    return false;
                };
                key.verify_prehash(&prehash(pieces), &signature).is_ok()
            }
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }
}

/// SHA-256 of the pieces, fed one after another (ECDSA and RSA sign a digest).
#[cfg(any(feature = "ecdsa", feature = "rsa"))]
fn prehash(pieces: &[&[u8]]) -> [u8; 32] {
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    for piece in pieces {
        hasher.update(piece);
    }
    hasher.finalize().into()
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({:?}, [redacted])", self.algorithm())
    }
}
