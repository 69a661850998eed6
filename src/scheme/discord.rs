use std::time::Duration;

use super::algorithm::Algorithm;
use super::encoding::Encoding;
use super::freshness::Freshness;
use super::handshake::Handshake;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, IdFallback, Scheme, SignedPart, TimestampFormat};

impl Scheme {
    /// Discord interactions (the HTTP "Interactions Endpoint URL"), as "Receiving and
    /// Responding" documents them
    /// (discord.com/developers/docs/interactions/receiving-and-responding).
    ///
    /// - `X-Signature-Ed25519`: the hex **Ed25519** signature of `<timestamp><raw body>`, under
    ///   the application's public key ([`PublicKey::ed25519_hex`](crate::PublicKey::ed25519_hex),
    ///   in a [`SecretSet::public_keys`](crate::signature::SecretSet::public_keys));
    /// - `X-Signature-Timestamp`: Unix seconds, signed; the window is 5 minutes either way;
    /// - PING (`"type": 1`) is answered by the layer with PONG (`{"type":1}`) once verified,
    ///   before any handler ([`Handshake::Reply`]);
    /// - the dedup id is the interaction's `id` (signed), else the signature itself: Ed25519
    ///   signatures are deterministic and checked strictly, so a copy carries the same one.
    ///
    /// ```
    /// use webhook_guard::signature::SecretSet;
    /// use webhook_guard::{PublicKey, Scheme, Verifier};
    ///
    /// let key = PublicKey::ed25519_hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a").unwrap();
    /// let verifier = Verifier::with_secret_set(Scheme::discord(), SecretSet::public_keys([key]));
    /// assert_eq!(verifier.scheme().name(), "discord");
    /// ```
    #[cfg(feature = "ed25519")]
    #[cfg_attr(docsrs, doc(cfg(feature = "ed25519")))]
    pub fn discord() -> Self {
        Scheme::builder("discord")
            .signature(
                "x-signature-ed25519",
                SignatureFormat::Bare {
                    encoding: Encoding::Hex,
                },
            )
            .algorithm(Algorithm::Ed25519)
            .signed_content([SignedPart::Timestamp, SignedPart::Body])
            .timestamp(
                Field::header("x-signature-timestamp"),
                TimestampFormat::UnixSeconds,
            )
            .freshness(Freshness::new(
                Duration::from_secs(5 * 60),
                Duration::from_secs(5 * 60),
            ))
            .id(Field::body("id"), IdBinding::Signed)
            .id_fallbacks([IdFallback::Signature])
            .event_type(Field::body("type"))
            .handshake(Handshake::Reply {
                event_type: "1".into(),
                json: r#"{"type":1}"#,
            })
            .build()
            .unwrap_or_else(|e| unreachable!("the Discord scheme is valid: {e}"))
    }
}
