//! Schemes: one provider's wire format, described as data.
//!
//! A [`Scheme`] says where the signature is and how it is written, which bytes are signed and in
//! which order, where the timestamp, the deduplication id, the event type and the tenant come
//! from, and how long a delivery stays fresh. The built-in schemes are constructors
//! ([`Scheme::audit_trail`], [`Scheme::palo`], [`Scheme::standard_webhooks`],
//! [`Scheme::github`], [`Scheme::stripe`], [`Scheme::slack`], [`Scheme::shopify`],
//! [`Scheme::paddle`], [`Scheme::linear`], [`Scheme::zoom`], [`Scheme::square`],
//! [`Scheme::dropbox`], [`Scheme::typeform`], [`Scheme::sentry`],
//! [`Scheme::coinbase_commerce`], [`Scheme::razorpay`], [`Scheme::bitbucket`],
//! [`Scheme::calendly`], [`Scheme::mux`], [`Scheme::meta`], [`Scheme::twitch`],
//! [`Scheme::xero`], [`Scheme::hubspot`], [`Scheme::box_com`], [`Scheme::gitlab`],
//! [`Scheme::postmark`], [`Scheme::okta`], [`Scheme::asana`], [`Scheme::mailgun`],
//! [`Scheme::msgraph`]; the senders built on Standard
//! Webhooks, each under its own name: [`Scheme::clerk`] and [`Scheme::resend`] (Svix's `svix-*`
//! headers), [`Scheme::openai`] and [`Scheme::replicate`] (`webhook-*`); with the `sha1`
//! feature `Scheme::twilio`, `Scheme::intercom`, `Scheme::vercel` and `Scheme::trello`; with `ed25519`
//! `Scheme::discord` and `Scheme::standard_webhooks_ed25519`; with `ecdsa`
//! `Scheme::sendgrid` and `Scheme::plaid`; with `rsa` `Scheme::paypal`, `Scheme::sns` and
//! `Scheme::pubsub`);
//! another provider is described
//! with [`Scheme::builder`], without forking the crate (`examples/custom_scheme.rs` walks
//! through one):
//!
//! ```
//! use std::time::Duration;
//! use webhook_guard::scheme::{Field, IdBinding, Scheme, SignedPart, TimestampFormat};
//! use webhook_guard::signature::SignatureFormat;
//! use webhook_guard::Freshness;
//!
//! // "Acme" signs `<timestamp>:<body>` with `X-Acme-Signature: v1=<hex>`.
//! let acme = Scheme::builder("acme")
//!     .signature("X-Acme-Signature", SignatureFormat::prefixed_hex("v1="))
//!     .signed_content([SignedPart::Timestamp, SignedPart::literal(":"), SignedPart::Body])
//!     .timestamp(Field::header("X-Acme-Timestamp"), TimestampFormat::UnixSeconds)
//!     .freshness(Freshness::new(Duration::from_secs(300), Duration::from_secs(30)))
//!     .id(Field::body("id"), IdBinding::Signed)
//!     .event_type(Field::body("kind"))
//!     .build()
//!     .unwrap();
//! assert_eq!(acme.name(), "acme");
//! ```
//!
//! # Where this module stands
//!
//! `scheme` is the ground floor: plain data that `verify` interprets. The handshakes
//! ([`Handshake`], `handshake.rs`), the signature's alphabets
//! ([`Encoding`](crate::signature::Encoding), `encoding.rs`), the signature header's formats
//! ([`SignatureFormat`], `signature_format.rs`), the algorithms ([`Algorithm`], `algorithm.rs`),
//! the freshness window ([`Freshness`], `freshness.rs`) and the limits on a
//! scheme's fields (`MAX_FIELDS`) are defined here; reading a header in a format
//! ([`SignatureFormat::parse`]), the scheme's signature header ([`Scheme::parse_signature`]) and
//! checking a timestamp ([`Freshness::check`](crate::Freshness::check)) are `verify`'s, each an
//! `impl` block there, at the path callers know. Key material ([`Secret`]) is
//! in the ground module `secret`. `scheme` imports nothing that stands above it: besides
//! `secret`, only `event::native::EventModel` (plain data: which provider enum Audit Trail's
//! and PALO's deliveries are read into), and `event` imports no scheme.
//!
//! Each provider's catalog entry (a realistic signed delivery and its verifier, feature
//! `testing`) is in `testing::catalog`, one file per provider, so the schemes know nothing of
//! the tests that drive them.

pub(crate) mod algorithm;
mod asana;
mod audit_trail;
mod bitbucket;
mod box_com;
mod calendly;
mod clerk;
mod coinbase;
#[cfg(feature = "ed25519")]
mod discord;
mod dropbox;
pub(crate) mod encoding;
mod envelope;
pub(crate) mod freshness;
mod github;
mod gitlab;
pub(crate) mod handshake;
mod hubspot;
#[cfg(feature = "sha1")]
mod intercom;
mod linear;
mod mailgun;
mod meta;
mod msgraph;
mod mux;
mod okta;
mod openai;
mod paddle;
mod palo;
#[cfg(feature = "rsa")]
mod paypal;
#[cfg(feature = "ecdsa")]
mod plaid;
mod postmark;
#[cfg(feature = "rsa")]
mod pubsub;
mod razorpay;
mod replicate;
mod resend;
#[cfg(feature = "ecdsa")]
mod sendgrid;
mod sentry;
mod shopify;
pub(crate) mod signature_format;
mod slack;
#[cfg(feature = "rsa")]
mod sns;
mod square;
mod standard_webhooks;
mod stripe;
#[cfg(feature = "sha1")]
mod trello;
#[cfg(feature = "sha1")]
mod twilio;
mod twitch;
mod typeform;
#[cfg(feature = "sha1")]
mod vercel;
mod xero;
mod zoom;

pub(crate) use envelope::allowed_url_host;
pub use envelope::{
    Envelope, FieldList, JwtRules, SignatureHash, SignedFields, TypeNames, body_sha256_hex,
    host_matches,
};
pub use palo::PALO_MIN_SECRET_LEN;
#[cfg(feature = "rsa")]
pub use pubsub::GOOGLE_CERTS_URL;
#[cfg(feature = "rsa")]
pub use sns::{SNS_CERTIFICATE_HOSTS, sns_string_to_sign};

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use crate::secret::{Secret, SecretError};
use algorithm::Algorithm;
use encoding::decode_base64_vec;
use freshness::Freshness;
use handshake::Handshake;
use signature_format::SignatureFormat;

/// The most pieces a scheme's signed content may have.
///
/// The verifier gathers the pieces on the stack, so a description with more is refused when it
/// is built, not when a delivery arrives:
///
/// ```
/// use webhook_guard::scheme::{Field, IdBinding, MAX_SIGNED_PARTS, Scheme, SchemeError, SignedPart};
/// use webhook_guard::signature::SignatureFormat;
///
/// let mut parts = vec![SignedPart::literal("."); MAX_SIGNED_PARTS];
/// parts[0] = SignedPart::Body;
/// let build = |parts: Vec<SignedPart>| {
///     Scheme::builder("acme")
///         .signature("X-Acme-Signature", SignatureFormat::prefixed_hex("v1="))
///         .signed_content(parts)
///         .id(Field::body("id"), IdBinding::Signed)
///         .build()
/// };
/// assert!(build(parts.clone()).is_ok());
/// parts.push(SignedPart::literal("."));
/// assert_eq!(build(parts).unwrap_err(), SchemeError::TooManySignedParts);
/// ```
pub const MAX_SIGNED_PARTS: usize = 8;

/// The most fallbacks a scheme's id may have ([`SchemeBuilder::id_fallbacks`]).
///
/// ```
/// use webhook_guard::scheme::{Field, IdBinding, IdFallback, MAX_ID_FALLBACKS, Scheme, SchemeError};
/// use webhook_guard::signature::SignatureFormat;
///
/// let fallbacks = (0..=MAX_ID_FALLBACKS).map(|i| IdFallback::Field(Field::body(format!("id{i}"))));
/// let err = Scheme::builder("acme")
///     .signature("X-Acme-Signature", SignatureFormat::prefixed_hex("v1="))
///     .id(Field::body("id"), IdBinding::Signed)
///     .id_fallbacks(fallbacks)
///     .build()
///     .unwrap_err();
/// assert_eq!(err, SchemeError::TooManyIdFallbacks);
/// ```
pub const MAX_ID_FALLBACKS: usize = 2;

/// The most body fields one scan reads: id, type, tenant, timestamp, a signed-id binding and
/// the id fallbacks. A limit of the schemes' data, which the field scan (`verify`) sizes its
/// array by.
pub(crate) const MAX_FIELDS: usize = 5 + MAX_ID_FALLBACKS;

/// Where a value comes from in a request.
///
/// ```
/// use webhook_guard::scheme::Field;
///
/// assert_eq!(Field::header("X-Audit-Trail-Delivery-Id"), Field::Header("x-audit-trail-delivery-id".into()));
/// assert_eq!(Field::body("event_id"), Field::Body("event_id".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Field {
    /// A request header (names are kept in lower case).
    Header(Cow<'static, str>),
    /// A top-level field of the (signed) body, a string or a number (for a form body, a form
    /// field; see [`BodyFormat::FormOrJson`]).
    Body(Cow<'static, str>),
    /// The timestamp carried inside the signature header (Stripe's `t=`).
    SignatureTimestamp,
    /// A digest of the raw body, `body_` and 32 hex digits, as the id of payloads that carry
    /// no single one (SendGrid posts a batch of events): a retry of the same batch is the same
    /// bytes, so the same id. Signed whenever the body is.
    BodyDigest,
    /// A value nested in the body, named by a JSON Pointer (RFC 6901: `/signature/token`);
    /// the segment `*` stands for every element of an array, whose values must then all be
    /// present and equal (Microsoft Graph's `/value/*/clientState`), else the field is absent.
    /// A string or a number. In a form body, which nests nothing, it is the form field named
    /// by the pointer's last segment (Mailgun sends `signature.token` in JSON, `token` in its
    /// older forms). See [`Field::pointer`].
    BodyPointer(Cow<'static, str>),
    /// A digest of the JSON body with every member of this name removed, at any depth, as the
    /// id of payloads whose sender counts its attempts inside the signed body: HubSpot's
    /// retry of a batch carries each event's `attemptNumber` one higher, and is the same
    /// delivery. `body_` and 32 hex digits, of the body re-written compactly without those
    /// members (the same structure always gives the same text). Signed whenever the body is;
    /// a body that is not JSON is refused
    /// ([`Rejection::MalformedBody`](crate::Rejection::MalformedBody)).
    ///
    /// ```
    /// use webhook_guard::scheme::{BodyFormat, Field, IdBinding, Scheme};
    /// use webhook_guard::signature::SignatureFormat;
    /// use webhook_guard::{Secret, Signer, Verifier};
    ///
    /// let scheme = Scheme::builder("acme")
    ///     .signature("X-Acme-Signature", SignatureFormat::prefixed_hex("v1="))
    ///     .body_format(BodyFormat::Opaque)
    ///     .id(Field::BodyDigestWithout("attempt".into()), IdBinding::Signed)
    ///     .build()
    ///     .unwrap();
    /// let secret = Secret::new("acme-secret").unwrap();
    /// let id_of = |body: &'static [u8]| {
    ///     let headers = Signer::new(scheme.clone(), secret.clone()).headers(body, 0, "");
    ///     Verifier::new(scheme.clone(), [secret.clone()]).verify_at(&headers, body.into(), 0).unwrap().id().to_owned()
    /// };
    /// let first = id_of(br#"[{"eventId":1,"attempt":0}]"#);
    /// assert_eq!(first, id_of(br#"[{"eventId":1,"attempt":1}]"#));
    /// assert_ne!(first, id_of(br#"[{"eventId":2,"attempt":0}]"#));
    /// ```
    BodyDigestWithout(Cow<'static, str>),
}

impl Field {
    /// A request header.
    pub fn header(name: impl Into<Cow<'static, str>>) -> Self {
        let name = name.into();
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            Self::Header(Cow::Owned(name.to_ascii_lowercase()))
        } else {
            Self::Header(name)
        }
    }

    /// A top-level body field.
    pub fn body(name: impl Into<Cow<'static, str>>) -> Self {
        Self::Body(name.into())
    }

    /// A value nested in the body, by JSON Pointer ([`Field::BodyPointer`]).
    ///
    /// ```
    /// use webhook_guard::scheme::Field;
    ///
    /// assert_eq!(Field::pointer("/event-data/id"), Field::BodyPointer("/event-data/id".into()));
    /// ```
    pub fn pointer(pointer: impl Into<Cow<'static, str>>) -> Self {
        Self::BodyPointer(pointer.into())
    }

    pub(crate) fn is_signed(&self, signed_content: &[SignedPart]) -> bool {
        match self {
            Self::Body(_)
            | Self::BodyDigest
            | Self::BodyPointer(_)
            | Self::BodyDigestWithout(_) => {
                signed_content.iter().any(SignedPart::covers_body)
                    || signed_content.contains(&SignedPart::Field(self.clone()))
            }
            Self::Header(_) | Self::SignatureTimestamp => false,
        }
    }
}

/// How a timestamp is written.
///
/// The verifier parses it in this format, and the [`Signer`](crate::Signer) writes it so:
///
/// ```
/// use std::time::Duration;
/// use webhook_guard::scheme::{Field, IdBinding, Scheme, TimestampFormat};
/// use webhook_guard::signature::SignatureFormat;
/// use webhook_guard::{Freshness, Secret, Signer, Verifier};
///
/// let scheme = Scheme::builder("acme")
///     .signature("X-Acme-Signature", SignatureFormat::prefixed_hex("v1="))
///     .timestamp(Field::header("X-Acme-Sent-At"), TimestampFormat::Rfc3339)
///     .freshness(Freshness::new(Duration::from_secs(300), Duration::from_secs(60)))
///     .id(Field::body("id"), IdBinding::Signed)
///     .build()
///     .unwrap();
/// let secret = Secret::new("acme-secret").unwrap();
/// let body = br#"{"id":"a1"}"#;
/// let headers = Signer::new(scheme.clone(), secret.clone()).headers(body, 1_736_937_000, "a1");
/// assert_eq!(headers[1], ("x-acme-sent-at".to_string(), "2025-01-15T10:30:00Z".to_string()));
/// let delivery = Verifier::new(scheme, [secret]).verify_at(&headers, body.to_vec().into(), 1_736_937_000);
/// assert_eq!(delivery.unwrap().timestamp(), Some(1_736_937_000));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimestampFormat {
    /// Whole seconds since the Unix epoch, in decimal (`1705312200`).
    UnixSeconds,
    /// Milliseconds since the Unix epoch, in decimal (`1705312200123`; Linear's
    /// `webhookTimestamp`). Freshness is checked to the second.
    UnixMillis,
    /// An RFC 3339 date-time (`2026-02-19T10:30:00Z`).
    Rfc3339,
}

/// One piece of the signed content; the MAC is fed the pieces in order.
///
/// ```
/// use webhook_guard::scheme::SignedPart;
///
/// // Audit Trail signs "<timestamp>.<raw body>".
/// let audit_trail = [SignedPart::Timestamp, SignedPart::literal("."), SignedPart::Body];
/// # let _ = audit_trail;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignedPart {
    /// The raw timestamp text, exactly as received.
    Timestamp,
    /// The raw delivery id, exactly as received (Standard Webhooks signs it).
    Id,
    /// The raw body bytes, exactly as received: never a re-serialised copy.
    Body,
    /// Fixed bytes (a separator such as `.`, or a version prefix such as `v0:`).
    Literal(Cow<'static, [u8]>),
    /// The raw value of a request header (lower-case name), exactly as received (PayPal signs
    /// its `PAYPAL-TRANSMISSION-ID`). A request without it is
    /// [`Rejection::MissingSignature`](crate::Rejection::MissingSignature).
    Header(Cow<'static, str>),
    /// The request's public URL: the base URL configured on the verifier
    /// ([`Verifier::public_url`](crate::Verifier::public_url)) followed by the request's path
    /// and query as received. Never built from the `Host` header, which the sender of a copy
    /// chooses (Square signs its notification URL, Twilio the URL it requested).
    Url,
    /// The body's form parameters sorted by name, each name followed by its value, decoded,
    /// with nothing between them (Twilio). The body must be a form.
    SortedForm,
    /// The CRC32 of the raw body, in decimal (PayPal). CRC32 is not a cryptographic hash: a
    /// body can be forged to have any CRC32, so with it the signature covers the body only
    /// as well as a checksum does (see [`Scheme::paypal`]).
    #[cfg(feature = "rsa")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rsa")))]
    BodyCrc32,
    /// The request's method (`POST`), as the adapter received it (HubSpot's v3 signature
    /// begins with it). The adapters hand it to the verifier as the `:method` pseudo-header
    /// ([`WithMethod`](crate::WithMethod)); a request whose method the verifier is not told
    /// verifies nothing ([`Rejection::InvalidSignature`](crate::Rejection::InvalidSignature)).
    /// The [`Signer`](crate::Signer) signs `POST` unless told otherwise
    /// ([`Signer::method`](crate::Signer::method)).
    Method,
    /// The text of a body field ([`Field::Body`] or [`Field::BodyPointer`]), read before the
    /// signature is checked, for a provider that signs values inside the body rather than the
    /// body (Mailgun signs its `timestamp` and `token`; see
    /// [`SchemeBuilder::body_unsigned`]). A request without it is
    /// [`Rejection::MissingSignature`](crate::Rejection::MissingSignature).
    Field(Field),
}

impl SignedPart {
    /// Fixed bytes in the signed content.
    pub fn literal(text: &'static str) -> Self {
        Self::Literal(Cow::Borrowed(text.as_bytes()))
    }

    /// True for the parts that stand for the body.
    pub(crate) fn covers_body(&self) -> bool {
        match self {
            Self::Body | Self::SortedForm => true,
            #[cfg(feature = "rsa")]
            Self::BodyCrc32 => true,
            _ => false,
        }
    }
}

/// Whether the delivery id is covered by the signature, which decides how replays under a
/// rewritten id are caught.
///
/// An id that is not signed can be changed by anyone who captured one delivery: replaying it
/// under a new id inside the freshness window would pass a dedup keyed on the id alone.
///
/// The builder refuses a binding the signed content does not back:
///
/// ```
/// use webhook_guard::scheme::{Field, IdBinding, Scheme, SchemeError};
/// use webhook_guard::signature::SignatureFormat;
///
/// assert_eq!(Scheme::audit_trail().id_binding(), &IdBinding::MatchesBodyField("id".into()));
/// // A header is never part of the signed body: calling it signed is an error, not a guess.
/// let err = Scheme::builder("acme")
///     .signature("X-Acme-Signature", SignatureFormat::prefixed_hex("v1="))
///     .id(Field::header("X-Acme-Id"), IdBinding::Signed)
///     .build()
///     .unwrap_err();
/// assert_eq!(err, SchemeError::IdNotSigned);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdBinding {
    /// The id is part of the signed content (a body field of a signed body, or
    /// [`SignedPart::Id`]): PALO's `event_id`, Standard Webhooks' `webhook-id`, Stripe's `id`.
    Signed,
    /// The id is read from an unsigned place but the signed body repeats it in this top-level
    /// field: dedup uses the signed value, and a request whose unsigned id disagrees is
    /// rejected ([`Rejection::IdMismatch`](crate::Rejection::IdMismatch)). Audit Trail: the
    /// `X-Audit-Trail-Delivery-Id` header must equal the body's `id`.
    MatchesBodyField(Cow<'static, str>),
    /// Nothing signed carries the id (GitHub's `X-GitHub-Delivery`): the replay store also
    /// remembers the signature itself for the replay window, so a second request with the same
    /// valid signature is a duplicate whatever its id says. Two distinct deliveries share a
    /// signature only when their signed content is byte-identical (same body, and same
    /// timestamp where one is signed); the second is then answered as a duplicate, which is
    /// the safe side: it carries exactly the same information.
    Unsigned,
}

/// Where the id is taken from when the scheme's id field is absent; see
/// [`SchemeBuilder::id_fallbacks`].
///
/// ```
/// use webhook_guard::scheme::{Field, IdFallback};
///
/// // Slack: `event_id` (Events API), else `trigger_id` (slash commands, interactivity), else
/// // the signature.
/// let fallbacks = [IdFallback::Field(Field::body("trigger_id")), IdFallback::Signature];
/// # let _ = fallbacks;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdFallback {
    /// Another field.
    Field(Field),
    /// The signature that verified, for payloads that carry no id at all: the id is
    /// `sig_` and 32 hex digits of a SHA-256 digest of the MAC (never the signature text, which
    /// stays out of logs). The same signed request sent twice has the same id, so a copy is a
    /// duplicate; the sender's own retry, signed anew (with a new timestamp), is a new
    /// delivery. It always yields an id: fallbacks after it are never reached.
    Signature,
}

/// How secrets are written for this scheme; [`Scheme::secret`] decodes accordingly.
///
/// ```
/// use webhook_guard::Scheme;
///
/// // Raw: the key is the text itself, prefix included.
/// assert_eq!(Scheme::audit_trail().secret("whsec_abc123def456").unwrap().len(), 18);
/// // WhsecBase64: the key is the 24 bytes the base64 after `whsec_` decodes to.
/// let key = Scheme::standard_webhooks().secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
/// assert_eq!(key.len(), 24);
/// assert!(Scheme::standard_webhooks().secret("whsec_not base64!").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretEncoding {
    /// The secret's bytes are the text as given.
    Raw,
    /// `whsec_<base64>`: the key is the decoded base64 (Standard Webhooks, Svix).
    WhsecBase64,
}

/// Where the body's fields are read from.
///
/// ```
/// use webhook_guard::scheme::{BodyFormat, Field, IdBinding, Scheme, SchemeError};
/// use webhook_guard::signature::SignatureFormat;
///
/// assert_eq!(Scheme::palo().body_format(), BodyFormat::Json);
/// assert_eq!(Scheme::github().body_format(), BodyFormat::Opaque);
/// // An opaque body has no fields to read the id from.
/// let err = Scheme::builder("acme")
///     .signature("X-Acme-Signature", SignatureFormat::prefixed_hex("v1="))
///     .body_format(BodyFormat::Opaque)
///     .id(Field::body("id"), IdBinding::Signed)
///     .build()
///     .unwrap_err();
/// assert_eq!(err, SchemeError::BodyFieldInOpaqueBody);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyFormat {
    /// A JSON object; a body that is not one is rejected
    /// ([`Rejection::MalformedBody`](crate::Rejection::MalformedBody)).
    Json,
    /// An `application/x-www-form-urlencoded` body (`name=value` pairs joined by `&`,
    /// percent-decoded, `+` for a space), or a JSON object, for a provider that sends both to
    /// one URL (Slack: the Events API in JSON, slash commands and interactivity as forms).
    ///
    /// A body whose first non-blank byte is `{` is read as [`Json`](Self::Json), any other as
    /// a form. The choice is made from the signed bytes, never from the unsigned
    /// `Content-Type`: a copy relabelled by whoever replays it reads the same fields, so it
    /// cannot get a new id past the replay store. A form with a malformed escape, a value that
    /// is not UTF-8, or a wanted field given twice is rejected
    /// ([`Rejection::MalformedBody`](crate::Rejection::MalformedBody)).
    ///
    /// ```
    /// use webhook_guard::scheme::{BodyFormat, Field, IdBinding, Scheme};
    /// use webhook_guard::signature::SignatureFormat;
    /// use webhook_guard::{Secret, Signer, Verifier};
    ///
    /// let scheme = Scheme::builder("forms")
    ///     .signature("X-Signature", SignatureFormat::prefixed_hex("sha256="))
    ///     .body_format(BodyFormat::FormOrJson { json_field: Some("payload") })
    ///     .id(Field::body("id"), IdBinding::Signed)
    ///     .event_type(Field::body("type"))
    ///     .build()
    ///     .unwrap();
    /// let secret = Secret::new("form-secret").unwrap();
    /// let verifier = Verifier::new(scheme.clone(), [secret.clone()]);
    /// for body in [
    ///     &b"id=42&type=order+paid"[..],
    ///     b"payload=%7B%22id%22%3A42%2C%22type%22%3A%22order%20paid%22%7D",
    ///     br#"{"id":42,"type":"order paid"}"#,
    /// ] {
    ///     let headers = Signer::new(scheme.clone(), secret.clone()).headers(body, 0, "");
    ///     let delivery = verifier.verify_at(&headers, body.to_vec().into(), 0).unwrap();
    ///     assert_eq!((delivery.id(), delivery.event_type()), ("42", Some("order paid")));
    /// }
    /// ```
    FormOrJson {
        /// A form field whose value is a JSON object: the fields the form itself lacks are
        /// read from that object's top level (Slack's interactivity `payload`).
        json_field: Option<&'static str>,
    },
    /// Not parsed: every field the scheme reads comes from headers.
    Opaque,
}

/// One provider's wire format. See the [module docs](self).
///
/// A scheme is plain data: the [`Verifier`](crate::Verifier) reads it to check deliveries, and
/// the [`Signer`](crate::Signer) reads the same description to produce them.
///
/// ```
/// use webhook_guard::scheme::IdBinding;
/// use webhook_guard::{Scheme, Secret, Signer, Verifier};
///
/// let scheme = Scheme::stripe();
/// assert_eq!(scheme.signature_header(), "stripe-signature");
/// assert_eq!(scheme.id_binding(), &IdBinding::Signed);
///
/// let secret = scheme.secret("whsec_test_secret").unwrap();
/// let body = br#"{"id":"evt_1","type":"invoice.paid"}"#;
/// let headers = Signer::new(scheme.clone(), secret.clone()).headers(body, 1_705_312_200, "");
/// let delivery = Verifier::new(scheme, [secret]).verify_at(&headers, body.to_vec().into(), 1_705_312_200).unwrap();
/// assert_eq!((delivery.id(), delivery.event_type()), ("evt_1", Some("invoice.paid")));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Scheme {
    pub(crate) name: Cow<'static, str>,
    pub(crate) signature_header: Cow<'static, str>,
    pub(crate) signature_format: SignatureFormat,
    pub(crate) signed_content: Vec<SignedPart>,
    pub(crate) timestamp: Option<(Field, TimestampFormat)>,
    pub(crate) freshness: Freshness,
    pub(crate) id: Field,
    pub(crate) id_binding: IdBinding,
    pub(crate) id_fallbacks: Vec<IdFallback>,
    pub(crate) event_type: Option<Field>,
    pub(crate) tenant: Option<Field>,
    pub(crate) body_format: BodyFormat,
    pub(crate) min_secret_len: usize,
    pub(crate) secret_encoding: SecretEncoding,
    pub(crate) algorithm: Algorithm,
    pub(crate) alternatives: Vec<(SignatureFormat, Algorithm)>,
    pub(crate) handshakes: Vec<Handshake>,
    /// A second header carrying a signature of the same content in the same format, made
    /// with another key ([`SchemeBuilder::second_signature_header`]).
    pub(crate) second_signature_header: Option<Cow<'static, str>>,
    /// Where the signature is read when it travels in the body, not in a header
    /// ([`SchemeBuilder::signature_field`]); the signature header's name is then empty.
    pub(crate) signature_field: Option<Field>,
    /// The provider's event enum, for the built-in schemes whose events this crate models.
    pub(crate) native_event: Option<NativeParse>,
    /// Where the signature is when it is not a header over the signed pieces.
    pub(crate) envelope: Option<Envelope>,
}

/// Reads a verified body's fields and its typed event in one pass (see
/// `event::parse_native`): an optimisation of the built-in schemes, not part of what a scheme
/// accepts, so it does not take part in comparisons.
#[derive(Clone, Copy)]
pub(crate) struct NativeParse(pub(crate) crate::event::native::EventModel);

impl PartialEq for NativeParse {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for NativeParse {}

impl fmt::Debug for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scheme")
            .field("name", &self.name)
            .field("signature_header", &self.signature_header)
            .field("signature_format", &self.signature_format)
            .field("algorithm", &self.algorithm)
            .field("timestamp", &self.timestamp)
            .field("freshness", &self.freshness)
            .field("id", &self.id)
            .field("id_binding", &self.id_binding)
            .field("id_fallbacks", &self.id_fallbacks)
            .field("body_format", &self.body_format)
            .finish_non_exhaustive()
    }
}

impl Scheme {
    /// Starts describing a provider named `name` (used in replay keys and logs). See
    /// [`SchemeBuilder`] and the [module docs](crate::scheme).
    pub fn builder(name: impl Into<Cow<'static, str>>) -> SchemeBuilder {
        SchemeBuilder {
            name: name.into(),
            signature: None,
            signed_content: vec![SignedPart::Body],
            timestamp: None,
            freshness: None,
            id: None,
            id_fallbacks: Vec::new(),
            event_type: None,
            tenant: None,
            body_format: BodyFormat::Json,
            min_secret_len: 1,
            secret_encoding: SecretEncoding::Raw,
            algorithm: Algorithm::HmacSha256,
            alternatives: Vec::new(),
            handshakes: Vec::new(),
            second_signature_header: None,
            signature_field: None,
            body_unsigned: false,
            envelope: None,
        }
    }

    /// Where the signature is when it is not a header over the signed pieces (see
    /// [`Envelope`]).
    pub fn envelope(&self) -> Option<&Envelope> {
        self.envelope.as_ref()
    }

    /// The signature algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The handshakes the layer answers itself.
    pub fn handshakes(&self) -> &[Handshake] {
        &self.handshakes
    }

    /// True when the signed content includes the request's URL ([`SignedPart::Url`]).
    pub fn signs_url(&self) -> bool {
        self.signed_content.contains(&SignedPart::Url)
    }

    /// The provider's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The freshness window (unbounded for schemes without a timestamp).
    pub fn freshness(&self) -> Freshness {
        self.freshness
    }

    /// The same wire format under another name: a second endpoint of one provider (a test
    /// endpoint, a staging account) whose deliveries are deduplicated apart from the first's,
    /// since replay keys are scoped by the scheme's name.
    ///
    /// ```
    /// use webhook_guard::Scheme;
    ///
    /// let test = Scheme::palo().with_name("palo-test");
    /// assert_eq!(test.name(), "palo-test");
    /// assert_eq!(test.signature_header(), Scheme::palo().signature_header());
    /// ```
    #[must_use]
    pub fn with_name(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.name = name.into();
        self
    }

    /// Replaces the freshness window (for instance a larger skew for a sender whose clock
    /// drifts).
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_guard::{Freshness, Scheme};
    ///
    /// let scheme = Scheme::audit_trail().with_freshness(Freshness::new(Duration::from_secs(600), Duration::from_secs(60)));
    /// assert_eq!(scheme.freshness().max_age(), Duration::from_secs(600));
    /// ```
    #[must_use]
    pub fn with_freshness(mut self, freshness: Freshness) -> Self {
        self.freshness = freshness;
        self
    }

    /// The token the scheme's token-guarded handshakes compare against
    /// ([`Handshake::EchoQueryWithToken`]: Meta's verify token, chosen by you when the
    /// subscription is made). Without one, such a handshake is never answered. The token is
    /// kept like a secret: it never appears in `Debug` output or logs.
    ///
    /// See the example on [`Handshake::EchoQueryWithToken`].
    #[must_use]
    pub fn with_handshake_token(mut self, token: Secret) -> Self {
        for handshake in &mut self.handshakes {
            if let Handshake::EchoQueryWithToken { token: slot, .. } = handshake {
                *slot = Some(token.clone());
            }
        }
        self
    }

    /// True when the scheme reads a timestamp (and so checks freshness): a timestamp field,
    /// or a token's `iat`.
    pub fn has_timestamp(&self) -> bool {
        self.timestamp.is_some() || matches!(self.envelope, Some(Envelope::Jwt(_)))
    }

    /// True when the replay store also remembers the signature ([`IdBinding::Unsigned`]),
    /// unless the signature is a bearer token that does not sign the body: a sender may
    /// reuse one token for many deliveries (Google's for Pub/Sub push), which would make
    /// every delivery after the first a duplicate.
    pub(crate) fn remembers_signature(&self) -> bool {
        let body_free_token = matches!(
            &self.envelope,
            Some(Envelope::Jwt(rules)) if rules.body_sha256_claim.is_none()
        );
        self.id_binding == IdBinding::Unsigned && !body_free_token
    }

    /// How the id is bound to the signature.
    pub fn id_binding(&self) -> &IdBinding {
        &self.id_binding
    }

    /// The header that carries the signature (lower case); empty for a scheme that carries it
    /// in the body ([`SchemeBuilder::signature_field`]).
    pub fn signature_header(&self) -> &str {
        &self.signature_header
    }

    /// The shortest secret this provider allows.
    pub fn min_secret_len(&self) -> usize {
        self.min_secret_len
    }

    /// Builds a secret for this scheme: decodes it where the scheme writes secrets encoded
    /// (`whsec_...`) and refuses one shorter than the scheme's minimum.
    ///
    /// ```
    /// use webhook_guard::Scheme;
    ///
    /// let err = Scheme::palo().secret("too-short").unwrap_err();
    /// assert_eq!(err.to_string(), "secret is 9 characters long, the minimum is 32");
    /// assert!(Scheme::palo().secret("votre_secret_hmac_32_chars_min__").is_ok());
    /// ```
    pub fn secret(&self, text: impl AsRef<[u8]>) -> Result<Secret, SecretError> {
        let text = text.as_ref();
        match self.secret_encoding {
            SecretEncoding::Raw => Secret::with_min_len(text, self.min_secret_len),
            SecretEncoding::WhsecBase64 => {
                let encoded = text.strip_prefix(b"whsec_").unwrap_or(text);
                let key = decode_base64_vec(encoded)
                    .ok_or(SecretError::Malformed("expected whsec_<base64>"))?;
                Secret::with_min_len(key, self.min_secret_len)
            }
        }
    }

    /// Where the id is taken from when its field is absent, in order.
    pub fn id_fallbacks(&self) -> &[IdFallback] {
        &self.id_fallbacks
    }

    /// How the body is read.
    pub fn body_format(&self) -> BodyFormat {
        self.body_format
    }

    /// The request headers the scheme reads: the signature's, then the timestamp's, id's,
    /// type's, tenant's and fallbacks' when they come from headers.
    pub(crate) fn header_names(&self) -> impl Iterator<Item = &str> {
        let fields = [
            self.timestamp.as_ref().map(|(field, _)| field),
            Some(&self.id),
            self.event_type.as_ref(),
            self.tenant.as_ref(),
        ];
        let fallbacks = self.id_fallbacks.iter().filter_map(|f| match f {
            IdFallback::Field(field) => Some(field),
            IdFallback::Signature => None,
        });
        // Headers that are signed as they are (PayPal's transmission id) are kept too.
        let signed = self.signed_content.iter().filter_map(|part| match part {
            SignedPart::Header(name) => Some(name.as_ref()),
            _ => None,
        });
        std::iter::once(self.signature_header.as_ref())
            .filter(|name| !name.is_empty())
            .chain(self.second_signature_header.as_deref())
            .chain(
                fields
                    .into_iter()
                    .flatten()
                    .chain(fallbacks)
                    .filter_map(|field| match field {
                        Field::Header(name) => Some(name.as_ref()),
                        Field::Body(_)
                        | Field::SignatureTimestamp
                        | Field::BodyDigest
                        | Field::BodyPointer(_)
                        | Field::BodyDigestWithout(_) => None,
                    }),
            )
            .chain(signed)
    }

    /// The body fields the verifier reads, in a fixed order: id, type, tenant, timestamp,
    /// signed id, then the id's fallbacks.
    pub(crate) fn body_field_names(&self) -> [Option<&str>; MAX_FIELDS] {
        fn body(field: Option<&Field>) -> Option<&str> {
            match field {
                Some(Field::Body(name)) => Some(name),
                _ => None,
            }
        }
        let signed_id = match &self.id_binding {
            IdBinding::MatchesBodyField(name) => Some(&**name),
            _ => None,
        };
        let fallback = |i: usize| match self.id_fallbacks.get(i) {
            Some(IdFallback::Field(field)) => body(Some(field)),
            _ => None,
        };
        [
            body(Some(&self.id)),
            body(self.event_type.as_ref()),
            body(self.tenant.as_ref()),
            body(self.timestamp.as_ref().map(|(f, _)| f)),
            signed_id,
            fallback(0),
            fallback(1),
        ]
    }
}

/// Builds a [`Scheme`]; see [`Scheme::builder`].
///
/// A signature header and an id are required; everything else has a default (the body alone
/// is signed, no timestamp, JSON body, raw secrets). [`build`](Self::build) checks the
/// description as a whole, so a scheme that would accept unauthenticated data never exists.
///
/// ```
/// use webhook_guard::scheme::{Field, IdBinding, Scheme, SchemeError, TimestampFormat};
/// use webhook_guard::signature::SignatureFormat;
///
/// let minimal = Scheme::builder("acme")
///     .signature("X-Acme-Signature", SignatureFormat::prefixed_hex("sha256="))
///     .id(Field::header("X-Acme-Delivery"), IdBinding::Unsigned);
/// let scheme = minimal.clone().build().unwrap();
/// assert!(!scheme.has_timestamp());
/// assert_eq!(scheme.signature_header(), "x-acme-signature"); // names are kept in lower case
///
/// // A timestamp without a window would be read and never checked.
/// let no_window = minimal.timestamp(Field::header("X-Acme-Time"), TimestampFormat::UnixSeconds);
/// assert_eq!(no_window.build().unwrap_err(), SchemeError::NoFreshness);
/// assert_eq!(Scheme::builder("acme").build().unwrap_err(), SchemeError::NoSignature);
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct SchemeBuilder {
    name: Cow<'static, str>,
    signature: Option<(Cow<'static, str>, SignatureFormat)>,
    signed_content: Vec<SignedPart>,
    timestamp: Option<(Field, TimestampFormat)>,
    freshness: Option<Freshness>,
    id: Option<(Field, IdBinding)>,
    id_fallbacks: Vec<IdFallback>,
    event_type: Option<Field>,
    tenant: Option<Field>,
    body_format: BodyFormat,
    min_secret_len: usize,
    secret_encoding: SecretEncoding,
    algorithm: Algorithm,
    alternatives: Vec<(SignatureFormat, Algorithm)>,
    handshakes: Vec<Handshake>,
    envelope: Option<Envelope>,
    second_signature_header: Option<Cow<'static, str>>,
    signature_field: Option<Field>,
    body_unsigned: bool,
}

impl SchemeBuilder {
    /// The signature is not a header over the signed pieces but a token in the signature
    /// header, or fields of the body ([`Envelope`]); the signature format is then not used
    /// (give [`SignatureFormat::Bare`]), and the keys are public keys chosen by the id the
    /// request names. A token that does not sign the body
    /// ([`JwtRules::body_sha256_claim`] unset) cannot back a signed id
    /// ([`SchemeError::IdNotSigned`]).
    ///
    /// See [`Scheme::plaid`](Scheme::plaid) and [`Scheme::sns`](Scheme::sns).
    pub fn envelope(mut self, envelope: Envelope) -> Self {
        self.envelope = Some(envelope);
        self
    }

    /// The signature travels in the body, not in a header (Mailgun's
    /// `signature.signature`; Microsoft Graph's `clientState` in every notification, with
    /// [`Algorithm::SharedToken`]): instead of [`signature`](Self::signature). The body is
    /// parsed to read it before the signature is checked, so such a scheme pays for a parse
    /// of unauthenticated bodies (within the body limit).
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_guard::scheme::{BodyFormat, Field, IdBinding, Scheme, SignedPart, TimestampFormat};
    /// use webhook_guard::signature::{Encoding, SignatureFormat};
    /// use webhook_guard::{Freshness, Rejection, Secret, Signer, Verifier};
    ///
    /// let scheme = Scheme::builder("acme")
    ///     .signature_field(Field::pointer("/auth/mac"), SignatureFormat::Bare { encoding: Encoding::Hex })
    ///     .signed_content([SignedPart::Timestamp, SignedPart::Field(Field::pointer("/auth/nonce"))])
    ///     .body_unsigned()
    ///     .timestamp(Field::pointer("/auth/ts"), TimestampFormat::UnixSeconds)
    ///     .freshness(Freshness::new(Duration::from_secs(300), Duration::from_secs(60)))
    ///     .id(Field::pointer("/auth/nonce"), IdBinding::Signed)
    ///     .build()
    ///     .unwrap();
    /// let secret = Secret::new("acme-key").unwrap();
    /// let unsigned = r#"{"auth":{"ts":"1700000000","nonce":"n-1"},"data":{}}"#;
    /// let mac = Signer::new(scheme.clone(), secret.clone()).signature(unsigned.as_bytes(), 1_700_000_000, "");
    /// let body = unsigned.replace(r#""nonce":"n-1""#, &format!(r#""nonce":"n-1","mac":"{mac}""#));
    /// let verifier = Verifier::new(scheme, [secret]);
    /// let none: &[(&str, &str)] = &[];
    /// assert_eq!(verifier.verify_at(none, body.clone().into(), 1_700_000_000).unwrap().id(), "n-1");
    /// let forged = body.replace("n-1", "n-2");
    /// assert_eq!(verifier.verify_at(none, forged.into(), 1_700_000_000).unwrap_err(), Rejection::InvalidSignature);
    /// ```
    pub fn signature_field(mut self, field: Field, format: SignatureFormat) -> Self {
        self.signature = Some((Cow::Borrowed(""), format));
        self.signature_field = Some(field);
        self
    }

    /// The signature covers values in the body ([`SignedPart::Field`]) and a timestamp, but
    /// not the body itself (Mailgun): the rest of the body is not authenticated, by anything.
    /// What still holds: a signature is accepted once (the id is signed, or, unsigned, the
    /// replay store remembers the signature with it) and only while its timestamp is fresh, so
    /// a copy with a changed body is a duplicate or stale; the first request to carry a
    /// signature is the one handled. Without it, a signed content that leaves out the body is
    /// refused ([`SchemeError::BodyNotSigned`]); with it, one without
    /// [`SignedPart::Timestamp`] still is.
    pub fn body_unsigned(mut self) -> Self {
        self.body_unsigned = true;
        self
    }

    /// A second header that carries a signature of the same content, in the same format,
    /// made with another key: Box sends `BOX-SIGNATURE-PRIMARY` and `BOX-SIGNATURE-SECONDARY`,
    /// one per key of the application, so that a key can be rotated while the other one
    /// verifies. A request verifies when either header's signature verifies with any
    /// configured key; either header may be absent, not both. The
    /// [`Signer`](crate::Signer) writes it when given a second key
    /// ([`Signer::second_secret`](crate::Signer::second_secret)).
    ///
    /// See [`Scheme::box_com`].
    pub fn second_signature_header(mut self, header: impl Into<Cow<'static, str>>) -> Self {
        let header = header.into();
        self.second_signature_header = Some(Cow::Owned(header.to_ascii_lowercase()));
        self
    }

    /// Another way the same signature header may be signed, checked when the keys for it are
    /// configured and the first way does not verify (Standard Webhooks: `v1,<HMAC>` entries or
    /// `v1a,<Ed25519>` ones). The signed content is the same; a timestamp inside the signature
    /// header cannot be combined with alternatives
    /// ([`SchemeError::AlternativeWithSignatureTimestamp`]).
    ///
    /// See [`Scheme::standard_webhooks`].
    pub fn alternative_signature(mut self, format: SignatureFormat, algorithm: Algorithm) -> Self {
        self.alternatives.push((format, algorithm));
        self
    }

    /// The signature algorithm (default HMAC-SHA256). The public-key algorithms verify with
    /// the sender's public keys ([`SecretSet::public_keys`](crate::signature::SecretSet::public_keys)).
    ///
    /// ```
    /// use webhook_guard::scheme::{Field, IdBinding, Scheme};
    /// use webhook_guard::signature::{Algorithm, Encoding, SignatureFormat};
    /// use webhook_guard::{Secret, Signer, Verifier};
    ///
    /// let scheme = Scheme::builder("acme")
    ///     .signature("X-Acme-Signature", SignatureFormat::Bare { encoding: Encoding::Base64Url })
    ///     .algorithm(Algorithm::HmacSha512)
    ///     .id(Field::body("id"), IdBinding::Signed)
    ///     .build()
    ///     .unwrap();
    /// let secret = Secret::new("acme-secret").unwrap();
    /// let body = br#"{"id":"a1"}"#;
    /// let headers = Signer::new(scheme.clone(), secret.clone()).headers(body, 0, "a1");
    /// assert_eq!(headers[0].1.len(), 88); // 64 bytes in base64
    /// assert!(Verifier::new(scheme, [secret]).verify_at(&headers, body.to_vec().into(), 0).is_ok());
    /// ```
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// A handshake the layer answers itself, after verification (unsigned ones aside, see
    /// [`Handshake`]), without running the handler or deduplicating it.
    pub fn handshake(mut self, handshake: Handshake) -> Self {
        self.handshakes.push(handshake);
        self
    }

    /// The signature header and how it is written (required).
    ///
    /// See the example on [`SchemeBuilder`].
    pub fn signature(
        mut self,
        header: impl Into<Cow<'static, str>>,
        format: SignatureFormat,
    ) -> Self {
        let header = header.into();
        self.signature = Some((Cow::Owned(header.to_ascii_lowercase()), format));
        self.signature_field = None;
        self
    }

    /// The signed content, piece by piece (default: the body alone). It must include
    /// [`SignedPart::Body`], and [`SignedPart::Timestamp`] only with a
    /// [`timestamp`](Self::timestamp). See the [module docs](crate::scheme) for a scheme that signs
    /// `<timestamp>:<body>`.
    pub fn signed_content(mut self, parts: impl IntoIterator<Item = SignedPart>) -> Self {
        self.signed_content = parts.into_iter().collect();
        self
    }

    /// Where the timestamp is and how it is written. Without one, no freshness is checked and
    /// replays are caught by the replay store alone.
    pub fn timestamp(mut self, field: Field, format: TimestampFormat) -> Self {
        self.timestamp = Some((field, format));
        self
    }

    /// The freshness window (required with a timestamp; ignored without one).
    ///
    /// See the example on [`SchemeBuilder`].
    pub fn freshness(mut self, freshness: Freshness) -> Self {
        self.freshness = Some(freshness);
        self
    }

    /// Where the deduplication id is, and whether it is signed (required). See [`IdBinding`]
    /// for what each binding costs and the example on [`SchemeBuilder`].
    pub fn id(mut self, field: Field, binding: IdBinding) -> Self {
        self.id = Some((field, binding));
        self
    }

    /// Where else the id may be, tried in order when the id field is absent (at most
    /// [`MAX_ID_FALLBACKS`]; default none: a delivery without an id is rejected,
    /// [`Rejection::MissingId`](crate::Rejection::MissingId)).
    ///
    /// With [`IdBinding::Signed`], a fallback field must be signed too.
    ///
    /// ```
    /// use webhook_guard::scheme::{Field, IdBinding, IdFallback, Scheme};
    /// use webhook_guard::signature::SignatureFormat;
    /// use webhook_guard::{Secret, Signer, Verifier};
    ///
    /// let scheme = Scheme::builder("acme")
    ///     .signature("X-Acme-Signature", SignatureFormat::prefixed_hex("v1="))
    ///     .id(Field::body("id"), IdBinding::Signed)
    ///     .id_fallbacks([IdFallback::Field(Field::body("request_id")), IdFallback::Signature])
    ///     .build()
    ///     .unwrap();
    /// let secret = Secret::new("acme-secret").unwrap();
    /// let verifier = Verifier::new(scheme.clone(), [secret.clone()]);
    /// let id_of = |body: &'static [u8]| {
    ///     let headers = Signer::new(scheme.clone(), secret.clone()).headers(body, 0, "");
    ///     verifier.verify_at(&headers, body.into(), 0).unwrap().id().to_owned()
    /// };
    /// assert_eq!(id_of(br#"{"id":"a1","request_id":"r1"}"#), "a1");
    /// assert_eq!(id_of(br#"{"request_id":"r1"}"#), "r1");
    /// assert!(id_of(br#"{}"#).starts_with("sig_")); // derived from the MAC, never the signature
    /// ```
    pub fn id_fallbacks(mut self, fallbacks: impl IntoIterator<Item = IdFallback>) -> Self {
        self.id_fallbacks = fallbacks.into_iter().collect();
        self
    }

    /// Where the event type is ([`Delivery::event_type`](crate::Delivery::event_type)).
    ///
    /// See the [module docs](crate::scheme).
    pub fn event_type(mut self, field: Field) -> Self {
        self.event_type = Some(field);
        self
    }

    /// Where the tenant is; replay keys are scoped by it, so two tenants may use the same
    /// delivery id without one being taken for a duplicate of the other. The
    /// [Audit Trail scheme](Scheme::audit_trail) reads it from the body's `tenantId`.
    pub fn tenant(mut self, field: Field) -> Self {
        self.tenant = Some(field);
        self
    }

    /// How the body is parsed (default JSON). See [`BodyFormat`].
    pub fn body_format(mut self, format: BodyFormat) -> Self {
        self.body_format = format;
        self
    }

    /// The shortest secret the provider allows (default 1; 0 counts as 1, since an empty key
    /// authenticates nothing). [`Scheme::secret`] enforces it.
    pub fn min_secret_len(mut self, len: usize) -> Self {
        self.min_secret_len = len.max(1);
        self
    }

    /// How secrets are written (default raw). See [`SecretEncoding`].
    pub fn secret_encoding(mut self, encoding: SecretEncoding) -> Self {
        self.secret_encoding = encoding;
        self
    }

    /// Checks the description and builds the scheme; each [`SchemeError`] names what is
    /// missing or unsafe.
    ///
    /// See the example on [`SchemeBuilder`].
    pub fn build(self) -> Result<Scheme, SchemeError> {
        let (signature_header, signature_format) =
            self.signature.ok_or(SchemeError::NoSignature)?;
        let (id, id_binding) = self.id.ok_or(SchemeError::NoId)?;
        if self.signed_content.len() > MAX_SIGNED_PARTS {
            return Err(SchemeError::TooManySignedParts);
        }
        if self.id_fallbacks.len() > MAX_ID_FALLBACKS {
            return Err(SchemeError::TooManyIdFallbacks);
        }
        let fallback_fields = || {
            self.id_fallbacks.iter().filter_map(|f| match f {
                IdFallback::Field(field) => Some(field),
                IdFallback::Signature => None,
            })
        };
        let signed_instead = self.body_unsigned
            && self.signed_content.contains(&SignedPart::Timestamp)
            && self.timestamp.is_some();
        if !self.signed_content.iter().any(SignedPart::covers_body) && !signed_instead {
            return Err(SchemeError::BodyNotSigned);
        }
        if self.signed_content.contains(&SignedPart::Timestamp) && self.timestamp.is_none() {
            return Err(SchemeError::SignedTimestampWithoutSource);
        }
        let uses_body = [Some(&id), self.event_type.as_ref(), self.tenant.as_ref()]
            .into_iter()
            .chain([self.timestamp.as_ref().map(|(f, _)| f)])
            .flatten()
            .chain(fallback_fields())
            .chain(self.signature_field.as_ref())
            .any(|f| matches!(f, Field::Body(_) | Field::BodyPointer(_)))
            || matches!(id_binding, IdBinding::MatchesBodyField(_));
        if uses_body && self.body_format == BodyFormat::Opaque {
            return Err(SchemeError::BodyFieldInOpaqueBody);
        }
        let token_signs_body = match &self.envelope {
            Some(Envelope::Jwt(rules)) => rules.body_sha256_claim.is_some(),
            _ => true,
        };
        let id_is_signed = token_signs_body
            && (id.is_signed(&self.signed_content)
                || self.signed_content.contains(&SignedPart::Id));
        if id_binding == IdBinding::Signed
            && (!id_is_signed || fallback_fields().any(|f| !f.is_signed(&self.signed_content)))
        {
            return Err(SchemeError::IdNotSigned);
        }
        if matches!(self.timestamp, Some((Field::SignatureTimestamp, _)))
            && !signature_format.carries_timestamp()
        {
            return Err(SchemeError::NoTimestampInSignature);
        }
        if matches!(self.timestamp, Some((Field::SignatureTimestamp, _)))
            && !self.alternatives.is_empty()
        {
            return Err(SchemeError::AlternativeWithSignatureTimestamp);
        }
        // A token's `iat` is a timestamp too.
        let timed = self.timestamp.is_some() || matches!(self.envelope, Some(Envelope::Jwt(_)));
        let freshness = match (timed, self.freshness) {
            (true, Some(freshness)) => freshness,
            (true, None) => return Err(SchemeError::NoFreshness),
            (false, _) => Freshness::new(Duration::MAX, Duration::MAX),
        };
        Ok(Scheme {
            name: self.name,
            signature_header,
            signature_format,
            signed_content: self.signed_content,
            timestamp: self.timestamp,
            freshness,
            id,
            id_binding,
            id_fallbacks: self.id_fallbacks,
            event_type: self.event_type,
            tenant: self.tenant,
            body_format: self.body_format,
            min_secret_len: self.min_secret_len,
            secret_encoding: self.secret_encoding,
            algorithm: self.algorithm,
            alternatives: self.alternatives,
            handshakes: self.handshakes,
            second_signature_header: self.second_signature_header,
            signature_field: self.signature_field,
            native_event: None,
            envelope: self.envelope,
        })
    }
}

/// Why a scheme description was refused.
///
/// Its `Display` is a sentence for a start-up error message:
///
/// ```
/// use webhook_guard::scheme::{Field, IdBinding, Scheme, SchemeError};
///
/// let err = Scheme::builder("acme").id(Field::body("id"), IdBinding::Signed).build().unwrap_err();
/// assert_eq!(err, SchemeError::NoSignature);
/// assert_eq!(err.to_string(), "the scheme needs a signature header");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SchemeError {
    /// No signature header was given.
    NoSignature,
    /// No id was given: without one, retries cannot be deduplicated.
    NoId,
    /// The signed content does not include the body: the body would be unauthenticated.
    BodyNotSigned,
    /// The signed content includes a timestamp but the scheme does not say where it is.
    SignedTimestampWithoutSource,
    /// A timestamp without a freshness window.
    NoFreshness,
    /// A field is read from the body but the body is opaque.
    BodyFieldInOpaqueBody,
    /// `IdBinding::Signed` for an id (or an id fallback) that is not in the signed content.
    IdNotSigned,
    /// `Field::SignatureTimestamp` with a signature format that carries no timestamp.
    NoTimestampInSignature,
    /// More than [`MAX_SIGNED_PARTS`] pieces of signed content.
    TooManySignedParts,
    /// More than [`MAX_ID_FALLBACKS`] id fallbacks.
    TooManyIdFallbacks,
    /// An alternative signature with a timestamp inside the signature header.
    AlternativeWithSignatureTimestamp,
}

impl fmt::Display for SchemeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NoSignature => "the scheme needs a signature header",
            Self::NoId => "the scheme needs an id to deduplicate on",
            Self::BodyNotSigned => "the signed content must include the body",
            Self::SignedTimestampWithoutSource => {
                "the signed content has a timestamp but the scheme says not where it is"
            }
            Self::NoFreshness => "a scheme with a timestamp needs a freshness window",
            Self::BodyFieldInOpaqueBody => {
                "a field is read from the body but the body format is opaque"
            }
            Self::IdNotSigned => "IdBinding::Signed but the id is not part of the signed content",
            Self::NoTimestampInSignature => "the signature format carries no timestamp",
            Self::TooManySignedParts => "the signed content has more than 8 pieces",
            Self::TooManyIdFallbacks => "the id has more than 2 fallbacks",
            Self::AlternativeWithSignatureTimestamp => {
                "an alternative signature cannot be combined with a timestamp in the signature header"
            }
        })
    }
}

impl std::error::Error for SchemeError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_fallbacks(
        binding: IdBinding,
        format: BodyFormat,
        fallbacks: impl IntoIterator<Item = IdFallback>,
    ) -> Result<Scheme, SchemeError> {
        Scheme::builder("t")
            .signature("x-sig", SignatureFormat::prefixed_hex("v1="))
            .body_format(format)
            .id(Field::header("x-id"), binding)
            .id_fallbacks(fallbacks)
            .build()
    }

    #[test]
    fn id_fallbacks_are_checked_like_the_id() {
        let form = BodyFormat::FormOrJson { json_field: None };
        let body = || IdFallback::Field(Field::body("n"));
        let header = || IdFallback::Field(Field::header("x-other"));
        assert!(with_fallbacks(IdBinding::Unsigned, form, [body(), IdFallback::Signature]).is_ok());
        assert_eq!(
            with_fallbacks(
                IdBinding::Unsigned,
                form,
                [body(), header(), IdFallback::Signature]
            )
            .unwrap_err(),
            SchemeError::TooManyIdFallbacks
        );
        assert_eq!(
            with_fallbacks(IdBinding::Unsigned, BodyFormat::Opaque, [body()]).unwrap_err(),
            SchemeError::BodyFieldInOpaqueBody
        );
        // A signed id whose fallback is an unsigned header would let a copy pick its own id.
        let signed_id = |fallback: IdFallback| {
            Scheme::builder("t")
                .signature("x-sig", SignatureFormat::prefixed_hex("v1="))
                .id(Field::body("id"), IdBinding::Signed)
                .id_fallbacks([fallback])
                .build()
        };
        assert_eq!(signed_id(header()).unwrap_err(), SchemeError::IdNotSigned);
        assert!(signed_id(body()).is_ok());
        assert!(signed_id(IdFallback::Signature).is_ok());
    }
}
