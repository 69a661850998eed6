//! Signing deliveries: for users' tests, for senders, and for the examples.
//!
//! The signer builds the signed content from the same [`Scheme`] description the verifier
//! reads, so what it signs is exactly what the verifier checks.
//!
//! ```
//! use webhook_guard::{Scheme, Secret, Signer, Verifier};
//!
//! let secret = Secret::new("whsec_abc123def456").unwrap();
//! let body = br#"{"id":"whd_abc123","type":"alert.resolved","tenantId":"t1","data":{}}"#;
//! let headers = Signer::new(Scheme::audit_trail(), secret.clone()).headers(body, 1_705_312_200, "whd_abc123");
//! assert_eq!(headers[1], ("x-audit-trail-timestamp".to_string(), "1705312200".to_string()));
//! let verifier = Verifier::new(Scheme::audit_trail(), [secret]);
//! assert!(verifier.verify_at(&headers, body.to_vec().into(), 1_705_312_230).is_ok());
//! ```

use crate::scheme::{Field, TimestampFormat};
use crate::time::format_rfc3339;
use crate::verify::signature::SecretSet;
use crate::verify::signed_message::{Derived, SignedSource, signed_message};
use crate::{Scheme, Secret};

/// Signs bodies the way a scheme's sender does.
///
/// A signer holds a shared secret: the schemes signed with a sender's private key (an
/// [`Envelope`](crate::scheme::Envelope): Plaid's and Pub/Sub's tokens, SNS's body signature;
/// the public-key algorithms) are not signed here; `testing::catalog`'s entries show how with
/// a demo private key.
///
/// Useful to test a handler without the provider, or to send deliveries yourself. For a
/// scheme whose id and timestamp live in the body (PALO), only the signature header is
/// returned:
///
/// ```
/// use webhook_guard::{Scheme, Signer};
///
/// let secret = Scheme::palo().secret("votre_secret_hmac_32_chars_min__").unwrap();
/// let signer = Signer::new(Scheme::palo(), secret);
/// let body = br#"{"event_id":"evt_1","event_type":"ticket.created","timestamp":"2026-02-19T10:30:00Z"}"#;
/// let headers = signer.headers(body, 0, "ignored");
/// assert_eq!(headers.len(), 1);
/// assert_eq!(headers[0].0, "x-palo-signature");
/// assert!(headers[0].1.starts_with("sha256="));
/// ```
#[derive(Debug, Clone)]
pub struct Signer {
    scheme: Scheme,
    secrets: SecretSet,
    url: Option<String>,
    method: String,
    second: Option<SecretSet>,
}

impl Signer {
    /// A signer for `scheme` with `secret`.
    pub fn new(scheme: Scheme, secret: Secret) -> Self {
        Self {
            scheme,
            secrets: SecretSet::new([secret]),
            url: None,
            method: "POST".to_owned(),
            second: None,
        }
    }

    /// The full URL the delivery is sent to, for schemes that sign it
    /// ([`SignedPart::Url`](crate::scheme::SignedPart::Url)); see [`Verifier::public_url`](crate::Verifier::public_url).
    #[must_use]
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The method the delivery is sent with (default `POST`), for schemes that sign it
    /// ([`SignedPart::Method`](crate::scheme::SignedPart::Method)).
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Signer};
    ///
    /// let secret = Secret::new("hubspot-client-secret").unwrap();
    /// let signer = Signer::new(Scheme::hubspot(), secret).url("https://hooks.example.com/webhooks/hubspot");
    /// let post = signer.clone().headers(b"[]", 1_700_000_000, "");
    /// let get = signer.method("GET").headers(b"[]", 1_700_000_000, "");
    /// assert_ne!(post[0], get[0]);
    /// ```
    #[must_use]
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = method.into();
        self
    }

    /// The key the scheme's second signature header is signed with
    /// ([`SchemeBuilder::second_signature_header`](crate::scheme::SchemeBuilder::second_signature_header));
    /// without one, only the first header is written.
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Signer};
    ///
    /// let (primary, secondary) = (Secret::new("box-primary").unwrap(), Secret::new("box-secondary").unwrap());
    /// let headers = Signer::new(Scheme::box_com(), primary).second_secret(secondary).headers(b"{}", 0, "");
    /// assert!(headers.iter().any(|(name, _)| name == "box-signature-secondary"));
    /// ```
    #[must_use]
    pub fn second_secret(mut self, secret: Secret) -> Self {
        self.second = Some(SecretSet::new([secret]));
        self
    }

    /// The scheme.
    pub fn scheme(&self) -> &Scheme {
        &self.scheme
    }

    /// The headers to send with `body`, signed at `timestamp` (Unix seconds) with delivery id
    /// `id`. Headers the scheme does not use are left out: for a scheme whose timestamp and id
    /// are in the body (PALO), put them in the body yourself; `timestamp` and `id` are then
    /// ignored.
    ///
    /// A scheme that carries its signature in the body
    /// ([`SchemeBuilder::signature_field`](crate::scheme::SchemeBuilder::signature_field)) gets
    /// no signature header: put [`signature`](Self::signature) in the body yourself.
    pub fn headers(&self, body: &[u8], timestamp: i64, id: &str) -> Vec<(String, String)> {
        let scheme = &self.scheme;
        let timestamp_text = self.timestamp_text(timestamp);
        let mut headers = Vec::new();
        if scheme.signature_field.is_none() {
            headers.push((
                scheme.signature_header.to_string(),
                self.signature_with(&self.secrets, body, timestamp, id),
            ));
        }
        if let (Some(name), Some(second)) = (&scheme.second_signature_header, &self.second) {
            headers.push((
                name.to_string(),
                self.signature_with(second, body, timestamp, id),
            ));
        }
        if let Some((Field::Header(name), _)) = &scheme.timestamp {
            headers.push((name.to_string(), timestamp_text.clone()));
        }
        if let Field::Header(name) = &scheme.id {
            headers.push((name.to_string(), id.to_owned()));
        }
        headers
    }

    /// The timestamp as the scheme writes it.
    fn timestamp_text(&self, timestamp: i64) -> String {
        match &self.scheme.timestamp {
            Some((_, TimestampFormat::Rfc3339)) => format_rfc3339(timestamp),
            Some((_, TimestampFormat::UnixMillis)) => (i128::from(timestamp) * 1000).to_string(),
            _ => timestamp.to_string(),
        }
    }

    /// The signature of `body` signed at `timestamp` with delivery id `id`, written in the
    /// scheme's format: the signature header's value, or, for a scheme that carries it in the
    /// body, the value to put there. Values the scheme signs from inside the body
    /// ([`SignedPart::Field`](crate::scheme::SignedPart::Field)) are read from `body`, which must then hold them already.
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Signer};
    ///
    /// let signer = Signer::new(Scheme::github(), Secret::new("It's a Secret to Everybody").unwrap());
    /// assert_eq!(
    ///     signer.signature(b"Hello, World!", 0, ""),
    ///     "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    /// );
    /// ```
    pub fn signature(&self, body: &[u8], timestamp: i64, id: &str) -> String {
        self.signature_with(&self.secrets, body, timestamp, id)
    }

    /// [`signature`](Self::signature) with the first key of `secrets`.
    fn signature_with(&self, secrets: &SecretSet, body: &[u8], timestamp: i64, id: &str) -> String {
        let scheme = &self.scheme;
        let timestamp_text = self.timestamp_text(timestamp);
        let lifted = super::body_values::BodyValues::read(scheme, body).unwrap_or_default();
        // A form that does not decode is signed without its pairs: the verifier refuses it.
        let derived = Derived::of(scheme, body).unwrap_or_default();
        let source = SignedSource {
            body,
            timestamp: Some(timestamp_text.as_bytes()),
            id: Some(id.as_bytes()),
            url: Some((self.url.as_deref().unwrap_or_default().as_bytes(), b"")),
            method: &|| Some(self.method.as_bytes()),
            // A header the scheme signs but does not set: the caller adds it, signed empty.
            header: &|_| Some(b""),
            field: &|field| Some(lifted.get(field).unwrap_or_default().as_bytes()),
        };
        // Every piece is given, so the message is always assembled.
        let pieces = signed_message(scheme, &source, &derived).unwrap_or_default();
        // A public-key scheme is signed by the sender's private key, which a signer never has.
        let mac = secrets
            .sign_with(scheme.algorithm, &pieces)
            .unwrap_or_default();
        // A shared token is sent as it is.
        let shared = secrets.shared_secrets();
        let token = shared.first().map(Secret::expose);
        let mac = match (scheme.algorithm, token) {
            (crate::signature::Algorithm::SharedToken, Some(token)) => token,
            _ => mac.as_bytes(),
        };
        let signature_timestamp = matches!(scheme.timestamp, Some((Field::SignatureTimestamp, _)));
        scheme
            .signature_format
            .format(mac, signature_timestamp.then_some(timestamp_text.as_str()))
    }
}
