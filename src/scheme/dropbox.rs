use super::encoding::Encoding;
use super::handshake::Handshake;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, IdFallback, Scheme};

impl Scheme {
    /// Dropbox webhooks, as "Webhooks" documents them
    /// (developers.dropbox.com/detecting-changes-guide).
    ///
    /// - `X-Dropbox-Signature`: the hex HMAC-SHA256 of the raw body, keyed with the app
    ///   secret (used as written);
    /// - the body (`{"list_folder": {"accounts": [...]}, "delta": {...}}`) says which
    ///   accounts changed; it carries no id and no timestamp, so the id is derived from the
    ///   signature ([`IdFallback::Signature`]): the same notification sent twice is one
    ///   delivery. Two notifications with byte-identical bodies inside the store's retention
    ///   are one too: the second is answered "already processed". Dropbox's notifications only
    ///   say "look again" and the handler reads the changes with its cursor, so the first
    ///   one's handling covers the second's changes only if it runs after them: keep the
    ///   retention short for Dropbox (`MemoryStore::builder().retention(..)`).
    /// - the verification request, `GET ?challenge=<value>`, is unsigned: the layer echoes the
    ///   value as plain text with `X-Content-Type-Options: nosniff`, as Dropbox documents
    ///   ([`Handshake::EchoQuery`]), and nothing else.
    ///
    /// ```
    /// use webhook_guard::{Rejection, Scheme, Secret, Verifier};
    ///
    /// let verifier = Verifier::new(Scheme::dropbox(), [Secret::new("app-secret").unwrap()]);
    /// let none: &[(&str, &str)] = &[];
    /// let Err(Rejection::Answered(answer)) = verifier.verify_target(none, "/webhooks/dropbox?challenge=abc123", "".into(), verifier.secrets(), 0) else {
    ///     panic!("echoed")
    /// };
    /// assert_eq!((answer.body.as_ref(), answer.nosniff), (&b"abc123"[..], true));
    /// ```
    pub fn dropbox() -> Self {
        Scheme::builder("dropbox")
            .signature(
                "x-dropbox-signature",
                SignatureFormat::Bare {
                    encoding: Encoding::Hex,
                },
            )
            // Dropbox's bodies have no `id`: the signature is the id.
            .id(Field::body("id"), IdBinding::Signed)
            .id_fallbacks([IdFallback::Signature])
            .handshake(Handshake::EchoQuery {
                param: "challenge".into(),
            })
            .build()
            .unwrap_or_else(|e| unreachable!("the Dropbox scheme is valid: {e}"))
    }
}
