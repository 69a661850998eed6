//! Why a delivery was refused, in words a person can act on: for logs, and for tools that
//! check a captured request (`webhook-guard verify`).
//!
//! The answer the sender gets stays the uniform [`Rejection`] (its status and short reason);
//! the diagnosis is for whoever operates the receiver. It names headers, counts seconds and
//! says which way a clock is off, and when a signature does not match it says whether it would
//! match with the secret read another way (a `whsec_` prefix kept or dropped, base64 decoded
//! or not) or with the body as it most likely was before a proxy or a framework changed it.
//! It never contains the expected signature, a secret, or a part of one.
//!
//! ```
//! use webhook_guard::{Scheme, Signer, Verifier};
//!
//! let scheme = Scheme::audit_trail();
//! let secret = scheme.secret("whsec_abc123def456").unwrap();
//! let body = br#"{"id":"whd_1","type":"event.created"}"#;
//! let headers = Signer::new(scheme.clone(), secret.clone()).headers(body, 1_705_312_200, "whd_1");
//! let verifier = Verifier::new(scheme, [secret]);
//! let diagnosis = verifier
//!     .diagnose(&headers, "/webhooks/audit-trail", body.to_vec().into(), 1_705_312_600)
//!     .unwrap_err();
//! assert_eq!(diagnosis.rejection().code(), "stale_timestamp");
//! assert!(diagnosis.detail().contains("signed 400 s ago"), "{diagnosis}");
//! ```

use std::fmt;

use bytes::Bytes;

use super::signature::SecretSet;
use super::{Verifier, security_headers};
use crate::scheme::encoding::Encoding;
use crate::scheme::{BodyFormat, Field, IdBinding, SignedPart, TimestampFormat};
use crate::time::{parse_rfc3339, parse_unix_millis, parse_unix_seconds};
use crate::{Delivery, HeaderLookup, Rejection, Secret};

/// A refused delivery's [`Rejection`] and a sentence on its cause
/// ([`Verifier::diagnose`]). `Display` writes both: `timestamp too old: signed 400 s ago ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    rejection: Rejection,
    detail: String,
}

impl Diagnosis {
    /// The rejection the sender gets (the uniform answer).
    pub fn rejection(&self) -> &Rejection {
        &self.rejection
    }

    /// What to do about it, for a person: names, numbers, directions; never a secret or the
    /// expected signature.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.rejection.reason(), self.detail)
    }
}

impl std::error::Error for Diagnosis {}

impl Verifier {
    /// Verifies like [`verify_target`](Self::verify_target) with the verifier's own secrets,
    /// and explains a refusal ([`Diagnosis`]). It costs more than a verification (a refused
    /// signature is tried again with the secret and the body read other ways), so call it for
    /// logs and tools, not on every request of a flood.
    ///
    /// ```
    /// use webhook_guard::{Scheme, Signer, Verifier};
    ///
    /// // Stripe signs with the whole `whsec_...` string; a secret pasted without its prefix
    /// // does not match, and the diagnosis says so.
    /// let body = br#"{"id":"evt_1","type":"charge.succeeded"}"#;
    /// let right = Scheme::stripe().secret("whsec_demo").unwrap();
    /// let headers = Signer::new(Scheme::stripe(), right).headers(body, 1_705_312_200, "evt_1");
    /// let pasted = Scheme::stripe().secret("demo").unwrap();
    /// let verifier = Verifier::new(Scheme::stripe(), [pasted]);
    /// let diagnosis = verifier.diagnose(&headers, "/", body.to_vec().into(), 1_705_312_200).unwrap_err();
    /// assert_eq!(diagnosis.rejection().code(), "invalid_signature");
    /// assert!(diagnosis.detail().contains("with the `whsec_` prefix"), "{diagnosis}");
    /// ```
    pub fn diagnose<H: HeaderLookup + ?Sized>(
        &self,
        headers: &H,
        target: &str,
        body: Bytes,
        now: i64,
    ) -> Result<Delivery, Diagnosis> {
        let rejection = match self.verify_target(headers, target, body.clone(), &self.secrets, now)
        {
            Ok(delivery) => return Ok(delivery),
            Err(rejection) => rejection,
        };
        let detail = self.explain(&rejection, headers, target, &body, now);
        Err(Diagnosis { rejection, detail })
    }

    /// The words for a refusal of the head alone (before the body is read), for the guard's
    /// logs.
    pub(crate) fn explain_head<H: HeaderLookup + ?Sized>(
        &self,
        rejection: &Rejection,
        headers: &H,
        now: i64,
    ) -> String {
        self.explain(rejection, headers, "", &Bytes::new(), now)
    }

    fn explain<H: HeaderLookup + ?Sized>(
        &self,
        rejection: &Rejection,
        headers: &H,
        target: &str,
        body: &Bytes,
        now: i64,
    ) -> String {
        let scheme = &*self.scheme;
        let name = scheme.name();
        match rejection {
            Rejection::MissingSignature if scheme.signature_field.is_some() => format!(
                "no signature at the body's {}: the request is not signed the {name} way (is \
                 this the route of its provider?)",
                scheme
                    .signature_field
                    .as_ref()
                    .map(field_place)
                    .unwrap_or_default()
            ),
            Rejection::MissingSignature => format!(
                "no `{}` header: the request is not signed the {name} way (is this the route \
                 of its provider? a proxy may strip the header)",
                scheme.signature_header
            ),
            Rejection::MalformedSignature => format!(
                "the `{}` header holds no entry in the {name} format (for instance `{}`)",
                scheme.signature_header,
                scheme
                    .signature_format
                    .format(b"\x01\x02", Some("TIMESTAMP"))
            ),
            Rejection::RepeatedHeader => {
                let repeated: Vec<_> = security_headers(scheme)
                    .into_iter()
                    .flatten()
                    .filter(|name| headers.is_repeated(name))
                    .map(|name| format!("`{name}`"))
                    .collect();
                format!(
                    "{} sent more than once: which copy counts would be a guess",
                    repeated.join(", ")
                )
            }
            Rejection::MissingTimestamp => format!("no timestamp: {}", timestamp_place(self)),
            Rejection::MalformedTimestamp => format!(
                "the timestamp ({}) is not {}",
                timestamp_place(self),
                match scheme.timestamp {
                    Some((_, TimestampFormat::UnixMillis)) => "Unix milliseconds",
                    Some((_, TimestampFormat::Rfc3339)) => "an RFC 3339 date-time",
                    _ => "Unix seconds",
                }
            ),
            Rejection::StaleTimestamp | Rejection::FutureTimestamp => {
                self.explain_time(headers, body, now)
            }
            Rejection::MissingId => format!("no delivery id: {}", field_place(&scheme.id)),
            Rejection::MalformedId => format!(
                "the delivery id ({}) is not UTF-8 or longer than {} bytes",
                field_place(&scheme.id),
                crate::limits::MAX_ID_LEN
            ),
            Rejection::IdMismatch => match &scheme.id_binding {
                IdBinding::MatchesBodyField(field) => format!(
                    "the id header ({}) differs from the signed body's `{field}`: the header \
                     was changed, or belongs to another delivery",
                    field_place(&scheme.id)
                ),
                _ => "the unsigned id differs from the signed one".to_owned(),
            },
            Rejection::MalformedBody => match scheme.body_format {
                BodyFormat::FormOrJson { .. } => {
                    "the body is neither a JSON object nor a well-formed form".to_owned()
                }
                _ => "the body is not a JSON object".to_owned(),
            },
            Rejection::UnknownSigner => format!(
                "no key configured for the {name} signature's algorithm ({:?})",
                scheme.algorithm
            ),
            Rejection::InvalidSignature => self.explain_signature(headers, target, body, now),
            Rejection::BodyTooLarge { limit } => format!("the body is over {limit} bytes"),
            other => other.reason().to_owned(),
        }
    }

    /// How old (or far ahead) the signed time is, against the window, and what it means.
    fn explain_time<H: HeaderLookup + ?Sized>(
        &self,
        headers: &H,
        body: &Bytes,
        now: i64,
    ) -> String {
        let window = self.scheme.freshness;
        let (max_age, max_future) = (window.max_age().as_secs(), window.max_future().as_secs());
        let Some(signed) = signed_time(self, headers, body) else {
            return format!("the window accepts {max_age} s old and {max_future} s ahead");
        };
        let age = i128::from(now) - i128::from(signed);
        if age > 0 {
            format!(
                "signed {age} s ago ({}), {} s past the window ({max_age} s old at most): a \
                 stored capture must be verified at its own time (Unix {signed}); a live \
                 delivery this old means a slow retry or our clock is {} s or more ahead of \
                 the sender's",
                human(age),
                age - i128::from(max_age),
                age - i128::from(max_age)
            )
        } else {
            let ahead = -age;
            format!(
                "signed {ahead} s in the future ({}), {} s beyond the allowed skew ({max_future} \
                 s ahead at most): the sender's clock is ahead of ours, or ours is behind \
                 (check NTP)",
                human(ahead),
                ahead - i128::from(max_future)
            )
        }
    }

    /// A signature that matches no secret: would it with the secret read another way, or
    /// with the body as it was before a likely change?
    fn explain_signature<H: HeaderLookup + ?Sized>(
        &self,
        headers: &H,
        target: &str,
        body: &Bytes,
        now: i64,
    ) -> String {
        let matches = |secrets: &SecretSet, body: Bytes| {
            self.verify_target(headers, target, body, secrets, now)
                .is_ok()
        };
        for (index, secret) in self.secrets.shared_secrets().iter().enumerate() {
            for (reading, key) in secret_readings(secret.expose()) {
                let Ok(key) = Secret::new(key) else { continue };
                if matches(&SecretSet::new([key]), body.clone()) {
                    return format!(
                        "the signature matches secret #{} {reading}: fix how the secret is \
                         configured",
                        index + 1
                    );
                }
            }
        }
        let signs_body = self
            .scheme
            .signed_content
            .iter()
            .any(|part| matches!(part, SignedPart::Body | SignedPart::SortedForm));
        if signs_body {
            for (change, original) in body_readings(body) {
                if matches(&self.secrets, Bytes::from(original)) {
                    return format!(
                        "the signature matches the body {change}: verify the raw bytes as \
                         received, before any parser or proxy touches them"
                    );
                }
            }
        }
        let keys = self.secrets.len();
        let mut detail = format!(
            "no configured key ({keys} tried) produces this signature for these bytes: the \
             body was changed after signing (even one byte), or the signature was made with \
             another secret"
        );
        if self.scheme.signs_url() {
            detail.push_str(&format!(
                "; the URL is signed too: the public URL is {} and the request's path and \
                 query must be the ones the sender called",
                self.public_url.as_deref().unwrap_or("not configured")
            ));
        }
        detail
    }
}

/// Where the scheme reads its timestamp, in words.
fn timestamp_place(verifier: &Verifier) -> String {
    match &verifier.scheme.timestamp {
        Some((Field::SignatureTimestamp, _)) => format!(
            "the timestamp inside the `{}` header",
            verifier.scheme.signature_header
        ),
        Some((field, _)) => field_place(field),
        None => "the scheme signs no timestamp".to_owned(),
    }
}

fn field_place(field: &Field) -> String {
    match field {
        Field::Header(name) => format!("header `{name}`"),
        Field::Body(name) => format!("body field `{name}`"),
        Field::SignatureTimestamp => "the signature header's timestamp".to_owned(),
        Field::BodyDigest => "a digest of the body".to_owned(),
        Field::BodyPointer(pointer) => format!("body value `{pointer}`"),
        Field::BodyDigestWithout(name) => format!("a digest of the body without `{name}`"),
    }
}

/// The signed time (Unix seconds) as the request carries it, when it can be read.
fn signed_time<H: HeaderLookup + ?Sized>(
    verifier: &Verifier,
    headers: &H,
    body: &[u8],
) -> Option<i64> {
    let scheme = &*verifier.scheme;
    let (field, format) = scheme.timestamp.as_ref()?;
    let owned;
    let raw: &[u8] = match field {
        Field::Header(name) => headers.header(name)?,
        Field::SignatureTimestamp => scheme
            .parse_signature(headers.header(&scheme.signature_header)?)
            .ok()?
            .timestamp()?,
        Field::Body(name) => {
            let value: serde_json::Value = serde_json::from_slice(body).ok()?;
            owned = match value.get(name.as_ref())? {
                serde_json::Value::String(text) => text.clone(),
                serde_json::Value::Number(number) => number.to_string(),
                _ => return None,
            };
            owned.as_bytes()
        }
        field @ Field::BodyPointer(_) => {
            owned = super::body_values::BodyValues::read(scheme, body)
                .ok()?
                .get(field)?
                .to_owned();
            owned.as_bytes()
        }
        Field::BodyDigest | Field::BodyDigestWithout(_) => return None,
    };
    match format {
        TimestampFormat::UnixSeconds => parse_unix_seconds(raw),
        TimestampFormat::UnixMillis => parse_unix_millis(raw),
        TimestampFormat::Rfc3339 => parse_rfc3339(raw),
    }
}

/// `400 s` as `6 min 40 s`, `2 d 3 h`: the size of a gap at a glance.
fn human(seconds: i128) -> String {
    let (d, h, m, s) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
        seconds % 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, _) => format!("{m} min {s} s"),
        (0, _, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}

/// The other ways a secret's text is commonly read, with how to say each (never the value).
fn secret_readings(secret: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let mut readings = Vec::new();
    if let Some(rest) = secret.strip_prefix(b"whsec_") {
        readings.push(("without its `whsec_` prefix", rest.to_vec()));
        if let Some(key) = Encoding::Base64.decode(rest) {
            readings.push((
                "read as `whsec_<base64>` (the key is the decoded part after the prefix, as \
                 Standard Webhooks and Svix use it)",
                key,
            ));
        }
    } else {
        readings.push((
            "with the `whsec_` prefix the provider shows (Stripe-style secrets are used whole, \
             prefix included)",
            [b"whsec_".as_slice(), secret].concat(),
        ));
        if let Some(key) = Encoding::Base64.decode(secret) {
            readings.push(("base64-decoded", key));
        }
    }
    let encoded = Encoding::Base64.encode(secret);
    readings.push((
        "taken as the text `whsec_<base64>` itself (the sender uses the secret as written, \
         not decoded)",
        format!("whsec_{encoded}").into_bytes(),
    ));
    readings.push((
        "taken as its base64 text, not decoded",
        encoded.into_bytes(),
    ));
    readings.retain(|(_, key)| !key.is_empty() && key != secret);
    readings
}

/// The body as it likely was before a capture, a proxy or a framework changed it.
fn body_readings(body: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let mut readings = Vec::new();
    if let Some(stripped) = body
        .strip_suffix(b"\r\n")
        .or_else(|| body.strip_suffix(b"\n"))
    {
        readings.push((
            "without its trailing newline (added after signing)",
            stripped.to_vec(),
        ));
    } else {
        readings.push((
            "with a trailing newline (removed after signing)",
            [body, b"\n"].concat(),
        ));
    }
    if body.windows(2).any(|pair| pair == b"\r\n") {
        let lf = String::from_utf8_lossy(body).replace("\r\n", "\n");
        readings.push(("with LF line ends (CRLF after signing)", lf.into_bytes()));
    } else if body.contains(&b'\n') {
        let crlf = String::from_utf8_lossy(body).replace('\n', "\r\n");
        readings.push(("with CRLF line ends (LF after signing)", crlf.into_bytes()));
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        for (change, text) in [
            (
                "re-serialised compactly (it was re-serialised after signing)",
                serde_json::to_string(&value),
            ),
            (
                "pretty-printed (it was re-serialised after signing)",
                serde_json::to_string_pretty(&value),
            ),
        ] {
            if let Ok(text) = text
                && text.as_bytes() != body
            {
                readings.push((change, text.into_bytes()));
            }
        }
    }
    readings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Scheme, Signer};

    const NOW: i64 = 1_705_312_200;

    fn audit_trail() -> (Verifier, Vec<(String, String)>, Bytes) {
        let scheme = Scheme::audit_trail();
        let secret = scheme.secret("whsec_abc123def456").unwrap();
        let body = br#"{"id":"whd_1","type":"event.created","data":{}}"#;
        let headers = Signer::new(scheme.clone(), secret.clone()).headers(body, NOW, "whd_1");
        (
            Verifier::new(scheme, [secret]),
            headers,
            body.to_vec().into(),
        )
    }

    #[test]
    fn a_stale_capture_says_how_old_and_the_window() {
        let (verifier, headers, body) = audit_trail();
        let diagnosis = verifier
            .diagnose(&headers, "/", body, NOW + 400)
            .unwrap_err();
        assert_eq!(diagnosis.rejection(), &Rejection::StaleTimestamp);
        let detail = diagnosis.detail();
        assert!(detail.contains("signed 400 s ago (6 min 40 s)"), "{detail}");
        assert!(
            detail.contains("100 s past the window (300 s old at most)"),
            "{detail}"
        );
    }

    #[test]
    fn a_future_timestamp_says_which_clock_is_ahead() {
        let (verifier, headers, body) = audit_trail();
        let diagnosis = verifier
            .diagnose(&headers, "/", body, NOW - 90)
            .unwrap_err();
        assert_eq!(diagnosis.rejection(), &Rejection::FutureTimestamp);
        assert!(
            diagnosis.detail().contains("signed 90 s in the future"),
            "{diagnosis}"
        );
        assert!(diagnosis.detail().contains("30 s beyond"), "{diagnosis}");
    }

    #[test]
    fn a_changed_body_is_told_apart_from_a_trailing_newline() {
        let (verifier, headers, body) = audit_trail();
        let mut changed = body.to_vec();
        changed[10] ^= 1;
        let diagnosis = verifier
            .diagnose(&headers, "/", changed.into(), NOW)
            .unwrap_err();
        assert_eq!(diagnosis.rejection(), &Rejection::InvalidSignature);
        assert!(
            diagnosis.detail().contains("body was changed"),
            "{diagnosis}"
        );

        let with_newline = [&body[..], b"\n"].concat();
        let diagnosis = verifier
            .diagnose(&headers, "/", with_newline.into(), NOW)
            .unwrap_err();
        assert!(
            diagnosis.detail().contains("without its trailing newline"),
            "{diagnosis}"
        );
    }

    #[test]
    fn a_missing_header_is_named_and_no_secret_is_ever_printed() {
        let (verifier, headers, body) = audit_trail();
        let unsigned: Vec<_> = headers[1..].to_vec();
        let diagnosis = verifier
            .diagnose(&unsigned, "/", body.clone(), NOW)
            .unwrap_err();
        assert_eq!(diagnosis.rejection(), &Rejection::MissingSignature);
        assert!(
            diagnosis.detail().contains("`x-audit-trail-signature`"),
            "{diagnosis}"
        );
        let no_time: Vec<_> = headers
            .iter()
            .filter(|(name, _)| name != "x-audit-trail-timestamp")
            .cloned()
            .collect();
        let diagnosis = verifier.diagnose(&no_time, "/", body, NOW).unwrap_err();
        assert_eq!(diagnosis.rejection(), &Rejection::MissingTimestamp);
        assert!(
            diagnosis.detail().contains("`x-audit-trail-timestamp`"),
            "{diagnosis}"
        );
        assert!(!diagnosis.to_string().contains("abc123def456"));
    }

    #[test]
    fn a_standard_webhooks_secret_used_as_text_is_recognised() {
        // The sender keyed its HMAC with the `whsec_...` text itself; we decode it.
        let text = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let scheme = Scheme::standard_webhooks();
        let body = br#"{"type":"contact.created"}"#;
        let headers =
            Signer::new(scheme.clone(), Secret::new(text).unwrap()).headers(body, NOW, "msg_1");
        let verifier = Verifier::new(scheme.clone(), [scheme.secret(text).unwrap()]);
        let diagnosis = verifier
            .diagnose(&headers, "/", body.to_vec().into(), NOW)
            .unwrap_err();
        assert!(
            diagnosis
                .detail()
                .contains("taken as the text `whsec_<base64>` itself"),
            "{diagnosis}"
        );
        assert!(
            !diagnosis
                .to_string()
                .contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        );
    }

    #[test]
    fn a_valid_delivery_is_no_diagnosis() {
        let (verifier, headers, body) = audit_trail();
        assert_eq!(
            verifier.diagnose(&headers, "/", body, NOW).unwrap().id(),
            "whd_1"
        );
    }
}
