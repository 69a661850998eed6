use super::algorithm::Algorithm;
use super::encoding::Encoding;
use super::signature_format::SignatureFormat;
use super::{BodyFormat, Field, IdBinding, IdFallback, Scheme, SignedPart};

impl Scheme {
    /// Twilio webhooks (form-encoded requests), as "Webhooks security" documents them
    /// (www.twilio.com/docs/usage/webhooks/webhooks-security).
    ///
    /// - `X-Twilio-Signature`: the base64 **HMAC-SHA1** (legacy, Twilio's choice) of the full
    ///   URL Twilio requested followed by each POST parameter's name and value, sorted by name,
    ///   keyed with the account's auth token (used as written). The URL is the configured
    ///   public base ([`Verifier::public_url`](crate::Verifier::public_url), never `Host`)
    ///   followed by the request's path and query;
    /// - `I-Twilio-Idempotency-Token`: the dedup id, the same on Twilio's retries. It is a
    ///   header, not signed: [`IdBinding::Unsigned`], so the replay store also remembers the
    ///   MAC. A request without it falls back to an id derived from the signature.
    ///
    /// No timestamp is signed: no freshness window, replays are caught by the replay store
    /// for its retention. The form is signed parameter by parameter, not as raw bytes: a copy
    /// with its parameters reordered verifies too, and reads the same.
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Verifier};
    ///
    /// // Twilio's documentation example.
    /// let verifier = Verifier::new(Scheme::twilio(), [Secret::new("12345").unwrap()])
    ///     .public_url("https://mycompany.com");
    /// let headers: &[(&str, &str)] = &[
    ///     ("X-Twilio-Signature", "0/KCTR6DLpKmkAf8muzZqo1nDgQ="),
    ///     ("I-Twilio-Idempotency-Token", "a1b2c3"),
    /// ];
    /// let body = "CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030&To=%2B18005551212";
    /// let delivery = verifier.verify_target(headers, "/myapp.php?foo=1&bar=2", body.into(), verifier.secrets(), 0);
    /// assert_eq!(delivery.unwrap().id(), "a1b2c3");
    /// ```
    #[cfg(feature = "sha1")]
    #[cfg_attr(docsrs, doc(cfg(feature = "sha1")))]
    pub fn twilio() -> Self {
        Scheme::builder("twilio")
            .signature(
                "x-twilio-signature",
                SignatureFormat::Bare {
                    encoding: Encoding::Base64,
                },
            )
            .algorithm(Algorithm::HmacSha1)
            .signed_content([SignedPart::Url, SignedPart::SortedForm])
            .id(
                Field::header("i-twilio-idempotency-token"),
                IdBinding::Unsigned,
            )
            .id_fallbacks([IdFallback::Signature])
            .body_format(BodyFormat::Opaque)
            .build()
            .unwrap_or_else(|e| unreachable!("the Twilio scheme is valid: {e}"))
    }
}
