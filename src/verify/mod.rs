//! Verification: request head + raw body in, verified [`Delivery`] or [`Rejection`] out.
//!
//! `verify` interprets the schemes' data ([`crate::scheme`]: formats, encodings, handshakes,
//! fields) in named phases, each a small function of this module, each run only once the one
//! before it held (see `Verifier::verify_read`): the unsigned handshakes, the signature as
//! sent, the signed message ([`signed_message`], which the [`Signer`](crate::Signer) assembles
//! with the same function), the signature check, the body's fields, the timestamp, the id,
//! the handshakes answered once verified, then the [`Delivery`].
//!
//! The parts, each a file: the head ([`headers`]), the signature ([`signature`],
//! [`public_key`], [`secret`]), the timestamp ([`freshness`], [`time`]), the
//! body's fields ([`fields`], [`body_values`]), handshakes ([`handshake`]), and what comes
//! out ([`delivery`]). [`signer`] is the mirror image, for tests and senders. This module
//! knows nothing of admission or of any framework.
//!
//! Two imports run from here to modules beside or above it, named on purpose: `delivery`
//! computes [`Delivery::replay_keys`] with `replay::ReplayKey` (the keys are a function of the
//! verified fields alone; their home is `replay`, as a constructor from a `Delivery`, once
//! `delivery.rs` is free of concurrent work), and `Delivery::parse` calls
//! `event::parse_body` (the typed hand-off, to be reworked with it).

pub(crate) mod body_values;
pub(crate) mod delivery;
use delivery::Text;
pub(crate) mod diagnosis;
pub(crate) mod envelope;
pub(crate) mod fields;
mod freshness;
pub(crate) mod handshake;
pub(crate) mod headers;
pub(crate) mod public_key;
pub mod signature;
pub(crate) mod signed_message;
pub(crate) mod signer;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

use sha2::{Digest as _, Sha256};

use crate::limits::{DEFAULT_BODY_LIMIT, MAX_ID_LEN, check_body_size};
use crate::scheme::encoding::encode_hex;
use crate::scheme::handshake::Handshake;
use crate::scheme::{BodyFormat, Field, IdBinding, IdFallback, SignedPart, TimestampFormat};
use crate::time::{Clock, SystemClock, parse_rfc3339, parse_unix_millis, parse_unix_seconds};
use crate::{Delivery, HandshakeResponse, HeaderLookup, Rejection, Scheme, Secret};
use body_values::BodyValues;
use fields::{Fields, form_or_json_fields, json_fields};
use signature::{Algorithm, SecretSet, Tag};
use signed_message::{Derived, SignedSource, signed_message};

/// Verifies deliveries of one scheme. Cheap to clone.
///
/// Checks run in this order, each only if the previous one passed: body size, signature,
/// timestamp, id. The body is parsed (once, without building a tree) only after the signature
/// holds, so an unauthenticated request never costs a JSON parse.
///
/// ```
/// use webhook_guard::{Rejection, Scheme, Secret, Signer, Verifier};
///
/// let secret = Scheme::palo().secret("votre_secret_hmac_32_chars_min__").unwrap();
/// let verifier = Verifier::new(Scheme::palo(), [secret.clone()]);
/// let body = r#"{"event_id":"evt_1","event_type":"ticket.created","timestamp":"2026-02-19T10:30:00Z","data":{}}"#;
/// let headers = Signer::new(Scheme::palo(), secret).headers(body.as_bytes(), 0, "evt_1");
/// let now = 1_771_497_000; // 2026-02-19T10:30:00Z
/// assert_eq!(verifier.verify_at(&headers, body.into(), now).unwrap().id(), "evt_1");
/// let tampered = body.replace("p3", "p1").replace("evt_1", "evt_2");
/// assert_eq!(verifier.verify_at(&headers, tampered.into(), now).unwrap_err(), Rejection::InvalidSignature);
/// ```
///
/// ```
/// use webhook_guard::{Scheme, Secret, Verifier};
///
/// let verifier = Verifier::new(Scheme::audit_trail(), [Secret::new("whsec_abc123def456").unwrap()])
///     .body_limit(256 * 1024);
/// assert_eq!(verifier.limit(), 256 * 1024);
/// ```
#[derive(Clone)]
pub struct Verifier {
    scheme: Arc<Scheme>,
    scheme_name: Arc<str>,
    secrets: SecretSet,
    body_limit: usize,
    clock: Arc<dyn Clock>,
    public_url: Option<Arc<str>>,
    /// The scheme's header names, parsed once (see [`HeaderLookup::header_by`]).
    header_names: Arc<[http::HeaderName]>,
    /// Whether a built-in scheme's body is read as its provider's event (see
    /// [`Verifier::typed_events`]).
    typed_events: bool,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("scheme", &self.scheme.name)
            .field("secrets", &self.secrets)
            .field("body_limit", &self.body_limit)
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// A verifier for `scheme` accepting any of `secrets` (several during a rotation).
    pub fn new(scheme: Scheme, secrets: impl IntoIterator<Item = Secret>) -> Self {
        Self::with_secret_set(scheme, SecretSet::new(secrets))
    }

    /// A verifier with secrets already keyed.
    pub fn with_secret_set(scheme: Scheme, secrets: SecretSet) -> Self {
        Self {
            scheme_name: Arc::from(scheme.name()),
            header_names: header_names(&scheme),
            scheme: Arc::new(scheme),
            secrets,
            body_limit: DEFAULT_BODY_LIMIT,
            clock: Arc::new(SystemClock),
            public_url: None,
            typed_events: true,
        }
    }

    /// The public base URL the sender calls (`https://hooks.example.com`), for schemes that
    /// sign the request's URL ([`SignedPart::Url`]): the signed URL is this base followed by
    /// the request's path and query as the adapter sees them. It is configuration, never read
    /// from the request's `Host`, which whoever sends a copy chooses. Include any prefix a
    /// proxy or a nested router strips before the layer sees the path. Without it, such a
    /// scheme verifies nothing ([`Rejection::InvalidSignature`]).
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Signer, Verifier};
    ///
    /// let secret = Secret::new("square-signature-key").unwrap();
    /// let verifier = Verifier::new(Scheme::square(), [secret.clone()]).public_url("https://hooks.example.com");
    /// let body = br#"{"event_id":"e1","type":"payment.created"}"#;
    /// let headers = Signer::new(Scheme::square(), secret)
    ///     .url("https://hooks.example.com/webhooks/square")
    ///     .headers(body, 0, "");
    /// let delivery = verifier.verify_target(&headers, "/webhooks/square", body.to_vec().into(), verifier.secrets(), 0);
    /// assert_eq!(delivery.unwrap().id(), "e1");
    /// let elsewhere = verifier.verify_target(&headers, "/other", body.to_vec().into(), verifier.secrets(), 0);
    /// assert!(elsewhere.is_err());
    /// ```
    #[must_use]
    pub fn public_url(mut self, base: impl AsRef<str>) -> Self {
        self.public_url = Some(Arc::from(base.as_ref().trim_end_matches('/')));
        self
    }

    /// The largest body accepted, in bytes (default 1 MiB).
    #[must_use]
    pub fn body_limit(mut self, limit: usize) -> Self {
        self.body_limit = limit;
        self
    }

    /// Whether the built-in Audit Trail and PALO schemes read a verified body as their
    /// provider's event (default `true`): one pass that is both the body's validation and the
    /// typed event, which `Verified<AuditTrailEvent>` / `Verified<PaloEvent>` then take without
    /// parsing again. Turn it off for routes whose handlers take the raw body or their own type:
    /// verification then scans the body for the fields it needs only, which costs less than a
    /// typed parse (see BENCHMARKS.md). What verifies, and its metadata, do not change.
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Verifier};
    ///
    /// let secret = Secret::new("whsec_abc123def456").unwrap();
    /// let raw_body_route = Verifier::new(Scheme::audit_trail(), [secret]).typed_events(false);
    /// # let _ = raw_body_route;
    /// ```
    #[must_use]
    pub fn typed_events(mut self, typed: bool) -> Self {
        self.typed_events = typed;
        self
    }

    /// Where "now" comes from (default the system clock).
    #[must_use]
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The body limit.
    pub fn limit(&self) -> usize {
        self.body_limit
    }

    /// The scheme.
    pub fn scheme(&self) -> &Scheme {
        &self.scheme
    }

    /// The configured secrets.
    pub fn secrets(&self) -> &SecretSet {
        &self.secrets
    }

    /// The current time of the verifier's clock.
    pub fn now(&self) -> i64 {
        self.clock.now_unix()
    }

    /// Before verifying with `secrets`: when they are a [`KeySource`](crate::keys::KeySource)'s,
    /// loads them if they were never loaded or have expired, and loads again (at most once
    /// per interval) when the request names a key id they lack. What the
    /// [`Guard`](crate::Guard) awaits before each verification; call it yourself before
    /// [`verify_with`](Self::verify_with) outside a guard.
    ///
    /// Fails closed: when no key could be loaded, [`Rejection::Unavailable`] (503, the sender
    /// retries later); a key id still unknown after a load is left to the verification, which
    /// answers [`Rejection::UnknownSigner`] (401).
    pub async fn prepare_keys<H: HeaderLookup + ?Sized>(
        &self,
        secrets: &SecretSet,
        headers: &H,
        body: &[u8],
    ) -> Result<(), Rejection> {
        let Some(live) = secrets.source() else {
            return Ok(());
        };
        let hint = envelope::key_hint(&self.scheme, headers, body);
        live.prepare(hint.as_deref()).await
    }

    /// Verifies a delivery with the configured secrets and clock.
    pub fn verify<H: HeaderLookup + ?Sized>(
        &self,
        headers: &H,
        body: Bytes,
    ) -> Result<Delivery, Rejection> {
        self.verify_with(headers, body, &self.secrets, self.clock.now_unix())
    }

    /// Verifies a delivery as of `now` (Unix seconds).
    pub fn verify_at<H: HeaderLookup + ?Sized>(
        &self,
        headers: &H,
        body: Bytes,
        now: i64,
    ) -> Result<Delivery, Rejection> {
        self.verify_with(headers, body, &self.secrets, now)
    }

    /// Checks everything the request head alone can tell, before a body byte is read.
    ///
    /// Refuses a request without a well-formed signature header, without a timestamp (when the
    /// scheme carries it in a header or in the signature header) or with one outside the
    /// freshness window, without the id header (when the id can come from nowhere else), or
    /// with a security header (signature, timestamp, id, tenant) sent more than once. The
    /// adapters call it before reading the body, so a client without a plausible head never
    /// gets a byte of body buffered (nor a `100 Continue` from hyper); the
    /// [`Guard`](crate::Guard) runs it again before verifying, so the answer does not depend on
    /// whether it was called. A scheme with an unsigned handshake
    /// ([`Handshake::EchoQuery`], [`Handshake::EchoQueryWithToken`], [`Handshake::AnswerMethod`],
    /// [`Handshake::EchoHeader`], [`Handshake::HeaderToJson`], [`Handshake::EchoQueryDecoded`])
    /// lets a head without a signature through: the verify step answers it, or refuses it. So
    /// does a scheme whose signature is in the body
    /// ([`SchemeBuilder::signature_field`](crate::scheme::SchemeBuilder::signature_field)).
    ///
    /// A head that passes proves nothing (anyone can write a well-formed header): only the
    /// signature, checked over the body, does.
    ///
    /// ```
    /// use webhook_guard::{Rejection, Scheme, Secret, Signer, Verifier};
    ///
    /// let secret = Secret::new("whsec_abc123def456").unwrap();
    /// let verifier = Verifier::new(Scheme::audit_trail(), [secret.clone()]);
    /// let now = 1_705_312_200;
    /// let signed = Signer::new(Scheme::audit_trail(), secret).headers(b"{}", now, "whd_1");
    /// assert_eq!(verifier.check_head(&signed, now), Ok(()));
    ///
    /// let unsigned: &[(&str, &str)] = &[("content-length", "1048576")];
    /// assert_eq!(verifier.check_head(unsigned, now), Err(Rejection::MissingSignature));
    /// assert_eq!(verifier.check_head(&signed, now + 3600), Err(Rejection::StaleTimestamp));
    ///
    /// let mut twice = signed.clone();
    /// twice.push(("X-Audit-Trail-Signature".into(), "sha256=00".into()));
    /// assert_eq!(verifier.check_head(&twice, now), Err(Rejection::RepeatedHeader));
    /// ```
    pub fn check_head<H: HeaderLookup + ?Sized>(
        &self,
        headers: &H,
        now: i64,
    ) -> Result<(), Rejection> {
        self.checked_head(headers, now).map(drop)
    }

    /// [`check_head`](Self::check_head), keeping what it read for
    /// [`verify_read`](Self::verify_read): the guard reads each header and parses the signature
    /// once per request.
    pub(crate) fn checked_head<'h, H: HeaderLookup + ?Sized>(
        &self,
        headers: &'h H,
        now: i64,
    ) -> Result<HeadRead<'h>, Rejection> {
        let scheme = &*self.scheme;
        let head = Head {
            headers,
            names: &self.header_names,
        };
        let read = HeadRead::new(scheme, &head);
        if read.repeated {
            return Err(Rejection::RepeatedHeader);
        }
        // A signature in the body waits for the body.
        if scheme.signature_field.is_some() {
            return Ok(read);
        }
        // A challenge answered whatever else the request carries: the verify step answers it.
        let challenged = scheme.handshakes.iter().any(|handshake| {
            matches!(handshake, Handshake::HeaderToJson { header, .. } if head.get(header).is_some())
        });
        if challenged {
            return Ok(read);
        }
        let Some(signature) = &read.signature else {
            return if handshake::answers_unsigned(&scheme.handshakes) {
                Ok(read)
            } else {
                Err(Rejection::MissingSignature)
            };
        };
        // With alternatives, a header the first format cannot read may still hold another's:
        // the verify step decides.
        if let Err(rejection) = signature
            && scheme.alternatives.is_empty()
        {
            return Err(rejection.clone());
        }
        // A timestamp in the body (PALO's) waits for the body.
        if let (Some(raw), Some((_, format))) = (read.timestamp(scheme)?, &scheme.timestamp) {
            fresh_timestamp(scheme, *format, raw, now)?;
        }
        if let Field::Header(_) = &scheme.id
            && scheme.id_fallbacks.is_empty()
            && read.id_header.is_none()
        {
            return Err(Rejection::MissingId);
        }
        Ok(read)
    }

    /// Verifies a delivery with `secrets` (chosen for this request) as of `now`.
    ///
    /// One verifier serves many senders this way, each with its own secrets; the
    /// [`Guard`](crate::Guard) does it for you with a [`SecretResolver`](crate::SecretResolver).
    ///
    /// ```
    /// use webhook_guard::signature::SecretSet;
    /// use webhook_guard::{Rejection, Scheme, Secret, Signer, Verifier};
    ///
    /// let (one, two) = (Secret::new("tenant-one").unwrap(), Secret::new("tenant-two").unwrap());
    /// let verifier = Verifier::new(Scheme::github(), []); // no fixed secret
    /// let headers = Signer::new(Scheme::github(), one.clone()).headers(b"{}", 0, "d-1");
    /// let verify = |secret: &Secret| {
    ///     verifier.verify_with(&headers, "{}".into(), &SecretSet::new([secret.clone()]), 0)
    /// };
    /// assert!(verify(&one).is_ok());
    /// assert_eq!(verify(&two).unwrap_err(), Rejection::InvalidSignature);
    /// ```
    pub fn verify_with<H: HeaderLookup + ?Sized>(
        &self,
        headers: &H,
        body: Bytes,
        secrets: &SecretSet,
        now: i64,
    ) -> Result<Delivery, Rejection> {
        self.verify_target(headers, "", body, secrets, now)
    }

    /// Verifies a delivery sent to `target` (the request's path and query, as received) with
    /// `secrets` as of `now`: what the [`Guard`](crate::Guard) calls. The target matters to
    /// schemes that sign the URL ([`Verifier::public_url`]) and to the unsigned handshakes
    /// ([`Handshake::EchoQuery`]).
    ///
    /// See the example on [`Verifier::public_url`].
    pub fn verify_target<H: HeaderLookup + ?Sized>(
        &self,
        headers: &H,
        target: &str,
        body: Bytes,
        secrets: &SecretSet,
        now: i64,
    ) -> Result<Delivery, Rejection> {
        let head = Head {
            headers,
            names: &self.header_names,
        };
        let read = HeadRead::new(&self.scheme, &head);
        self.verify_read(headers, read, target, body, secrets, now)
    }

    /// Verifies with what the head check read ([`checked_head`](Self::checked_head), or
    /// [`HeadRead::new`] for a head nobody checked), in named phases, each only once the one
    /// before it held: the body's size; the handshakes answered unsigned
    /// ([`unsigned_handshake`]); the signature as sent ([`Claim::read`]); the signed message
    /// ([`signed_message`]) and its signature ([`Verifier::check_signature`]); the body's fields
    /// ([`Verifier::body_fields`]); the timestamp ([`checked_timestamp`]); the id
    /// ([`delivery_id`], [`bind_id`]); the handshakes answered once verified
    /// ([`handshake::verified_answer`]); then the [`Delivery`].
    pub(crate) fn verify_read<'h, H: HeaderLookup + ?Sized>(
        &self,
        headers: &'h H,
        read: HeadRead<'h>,
        target: &str,
        body: Bytes,
        secrets: &SecretSet,
        now: i64,
    ) -> Result<Delivery, Rejection> {
        let scheme = &*self.scheme;
        let head = Head {
            headers,
            names: &self.header_names,
        };
        check_body_size(body.len() as u64, self.body_limit)?;
        if let Some(answer) = unsigned_handshake(scheme, &head, &read, target) {
            return Err(Rejection::Answered(answer));
        }

        // Values the scheme carries inside the body that its signature needs, read ahead of it
        // (none, and no parse, for most schemes).
        let ahead = body_values::needed_ahead(scheme);
        let lifted = if ahead {
            BodyValues::read(scheme, &body)?
        } else {
            BodyValues::default()
        };
        let Claim {
            signature,
            timestamp: raw_timestamp,
            id: raw_id,
        } = Claim::read(scheme, read, &lifted)?;
        let source = SignedContent {
            head: &head,
            target,
            body: &body,
            timestamp: raw_timestamp,
            id: raw_id,
            lifted: &lifted,
        };
        let matched = self.check_signature(&source, signature, secrets, now)?;

        // Values by pointer that the signature did not need, read now that it holds (none, and
        // no parse, for most schemes).
        let late = if ahead {
            BodyValues::default()
        } else {
            BodyValues::read(scheme, &body)?
        };
        let (fields, event) = self.body_fields(&body)?;
        let [
            body_id,
            body_type,
            body_tenant,
            body_timestamp,
            body_signed_id,
            body_fallback_0,
            body_fallback_1,
        ] = fields;
        let values = Values {
            head: &head,
            body: &body,
            lifted: &lifted,
            late: &late,
        };
        // A signature that carries its own signing time (a token's `iat`, SNS's `Timestamp`)
        // stands in for a scheme without a timestamp field.
        let timestamp = checked_timestamp(scheme, raw_timestamp, body_timestamp.as_deref(), now)?
            .or(matched.signed_at);
        let id = delivery_id(
            scheme,
            &values,
            raw_id,
            body_id,
            [body_fallback_0, body_fallback_1],
            &matched.tag,
        )?;
        bind_id(scheme, id.as_str(), body_signed_id.as_deref())?;
        let event_type = values.text(scheme.event_type.as_ref(), body_type);
        let handshake = handshake::verified_answer(
            &scheme.handshakes,
            event_type.as_ref().map(Text::as_str),
            &body,
            secrets,
            matched.key,
        )?;
        let tenant = values.text(scheme.tenant.as_ref(), body_tenant);
        Ok(Delivery {
            scheme: Arc::clone(&self.scheme_name),
            id,
            timestamp,
            event_type,
            tenant,
            body,
            unsigned_id_mac: scheme.remembers_signature().then(|| Box::new(matched.tag)),
            handshake: handshake.map(Box::new),
            event,
            key_id: matched.key_id,
        })
    }

    /// The signature phase: the signed message assembled from the request, then checked
    /// against the signature as sent, against the second signature header's when the first
    /// does not verify (Box's secondary key), or by the scheme's envelope (a token, a body
    /// that signs its own fields), with the keys valid at `now`.
    fn check_signature<H: HeaderLookup + ?Sized>(
        &self,
        source: &SignedContent<'_, '_, '_, H>,
        sent: SentSignature<'_>,
        secrets: &SecretSet,
        now: i64,
    ) -> Result<signature::Matched, Rejection> {
        let scheme = &*self.scheme;
        let derived = Derived::of(scheme, source.body)?;
        let header = |name: &str| source.head.get(name);
        let field = |field: &Field| source.lifted.get(field).map(str::as_bytes);
        let method = || source.head.headers.header(headers::METHOD);
        let message = SignedSource {
            body: source.body,
            timestamp: source.timestamp,
            id: source.id,
            // Without a configured base there is no URL to check against.
            url: self
                .public_url
                .as_deref()
                .map(|base| (base.as_bytes(), source.target.as_bytes())),
            method: &method,
            header: &header,
            field: &field,
        };
        let pieces = signed_message(scheme, &message, &derived)?;
        match verify_signature(scheme, sent.raw, sent.parsed, secrets, &pieces, now) {
            Ok(matched) => Ok(matched),
            // The second signature header, made with another key (Box's secondary).
            Err(refusal) if sent.second.is_some() && scheme.envelope.is_none() => {
                let second = sent.second.ok_or_else(|| refusal.clone())?;
                let parsed = scheme.parse_signature(second);
                verify_signature(scheme, second, parsed, secrets, &pieces, now).map_err(|_| refusal)
            }
            // A signature the scheme's envelope describes (a token, a signed body).
            Err(refusal) => envelope::verify(scheme, refusal, sent.raw, source.body, secrets, now),
        }
    }

    /// The body-fields phase, once the signature holds: the fields the scheme reads from the
    /// body, and the provider's typed event when the scheme has one and this verifier reads it
    /// (one pass for both). A JSON scheme rejects a body that is not a JSON object even when
    /// it reads no field.
    fn body_fields<'b>(
        &self,
        body: &'b Bytes,
    ) -> Result<(Fields<'b>, Option<Box<crate::event::native::ReadEvent>>), Rejection> {
        let scheme = &*self.scheme;
        let names = scheme.body_field_names();
        match scheme.body_format {
            BodyFormat::Json => {
                let native = scheme
                    .native_event
                    .filter(|_| self.typed_events)
                    .and_then(|native| native.0.read(body, &names));
                match native {
                    Some((Some(fields), event)) => Ok((fields, Some(Box::new(event)))),
                    Some((None, event)) => Ok((json_fields(body, &names)?, Some(Box::new(event)))),
                    None => Ok((json_fields(body, &names)?, None)),
                }
            }
            BodyFormat::FormOrJson { json_field } => {
                Ok((form_or_json_fields(body, &names, json_field)?, None))
            }
            BodyFormat::Opaque => Ok((Default::default(), None)),
        }
    }
}

/// The handshakes phase before the signature: the answer to a request that a handshake
/// answers unsigned (an echo of a challenge the request carries, nothing else), if it is one.
fn unsigned_handshake<H: HeaderLookup + ?Sized>(
    scheme: &Scheme,
    head: &Head<'_, '_, H>,
    read: &HeadRead<'_>,
    target: &str,
) -> Option<HandshakeResponse> {
    let signed = read.signature_header.is_some();
    let method = head.headers.header(headers::METHOD);
    handshake::unsigned_answer(&scheme.handshakes, target, method, signed, |name| {
        head.get(name)
    })
}

/// The signature as the request carries it: its text, parsed in the scheme's format, and the
/// second signature header's text, if any.
struct SentSignature<'r> {
    raw: &'r [u8],
    parsed: Result<signature::ParsedSignature<'r>, Rejection>,
    second: Option<&'r [u8]>,
}

/// The signature-header phase: the signature as sent, and the timestamp and id read beside
/// it (from the head, the signature header itself, or the values read from the body ahead of
/// the signature).
struct Claim<'r> {
    signature: SentSignature<'r>,
    timestamp: Option<&'r [u8]>,
    id: Option<&'r [u8]>,
}

impl<'r> Claim<'r> {
    fn read(
        scheme: &Scheme,
        read: HeadRead<'r>,
        lifted: &'r BodyValues,
    ) -> Result<Self, Rejection> {
        let (raw, parsed) = match (&scheme.signature_field, read.signature_header) {
            (Some(field), _) => {
                let raw = lifted
                    .get(field)
                    .ok_or(Rejection::MissingSignature)?
                    .as_bytes();
                (raw, scheme.parse_signature(raw))
            }
            (None, Some(raw)) => (raw, read.signature.ok_or(Rejection::MissingSignature)?),
            (None, None) => return Err(Rejection::MissingSignature),
        };
        // With alternatives, a header the first format cannot read may still hold another's.
        let parsed = match parsed {
            Err(rejection) if scheme.alternatives.is_empty() && read.second_signature.is_none() => {
                return Err(rejection);
            }
            parsed => parsed,
        };
        if matches!(scheme.timestamp, Some((Field::SignatureTimestamp, _))) {
            // The timestamp is inside the signature header: that header must read.
            parsed.as_ref().map_err(Clone::clone)?;
        }
        let lifted_timestamp = match &scheme.timestamp {
            Some((field @ Field::BodyPointer(_), _)) => lifted.get(field).map(str::as_bytes),
            _ => None,
        };
        let timestamp = match lifted_timestamp {
            Some(raw) => Some(raw),
            None => HeadRead::timestamp_in(scheme, read.timestamp_header, parsed.as_ref().ok())?,
        };
        // An id header is required before the signature only when it is signed
        // (`SignedPart::Id`); otherwise its absence is reported after the signature holds.
        let id = match &scheme.id {
            field @ Field::BodyPointer(_) => lifted.get(field).map(str::as_bytes),
            _ => read.id_header,
        };
        Ok(Self {
            signature: SentSignature {
                raw,
                parsed,
                second: read.second_signature,
            },
            timestamp,
            id,
        })
    }
}

/// What the verifier assembles the signed message from: the request, and what the claim read.
struct SignedContent<'v, 'h, 'r, H: ?Sized> {
    head: &'v Head<'v, 'h, H>,
    target: &'v str,
    body: &'v [u8],
    timestamp: Option<&'r [u8]>,
    id: Option<&'r [u8]>,
    lifted: &'v BodyValues,
}

/// The texts a verified delivery's metadata is read from: its head, its body, and the values
/// read from the body by pointer (ahead of the signature, or after it).
struct Values<'v, 'h, H: ?Sized> {
    head: &'v Head<'v, 'h, H>,
    body: &'v [u8],
    lifted: &'v BodyValues,
    late: &'v BodyValues,
}

impl<H: HeaderLookup + ?Sized> Values<'_, '_, H> {
    /// A value read by pointer.
    fn pointed(&self, field: &Field) -> Option<&str> {
        self.lifted.get(field).or_else(|| self.late.get(field))
    }

    /// The text of `field`, where `from_body` is what the body-fields phase read for it.
    fn text(&self, field: Option<&Field>, from_body: Option<Cow<'_, str>>) -> Option<Text> {
        match field? {
            Field::Header(name) => self
                .head
                .get(name)
                .and_then(|v| std::str::from_utf8(v).ok())
                .map(Text::from),
            Field::Body(_) => from_body.map(Text::from),
            field @ Field::BodyPointer(_) => self.pointed(field).map(Text::from),
            Field::BodyDigest => Some(body_digest_id(self.body).into()),
            Field::BodyDigestWithout(name) => {
                body_digest_without_id(self.body, name).ok().map(Text::from)
            }
            Field::SignatureTimestamp => None,
        }
    }
}

/// The timestamp phase: the timestamp as the scheme carries it (`raw`, or `from_body` for a
/// body field), parsed and checked against the freshness window.
fn checked_timestamp(
    scheme: &Scheme,
    raw: Option<&[u8]>,
    from_body: Option<&str>,
    now: i64,
) -> Result<Option<i64>, Rejection> {
    let Some((field, format)) = &scheme.timestamp else {
        return Ok(None);
    };
    let raw = match field {
        Field::Body(_) => from_body.map(str::as_bytes),
        _ => raw,
    }
    .ok_or(Rejection::MissingTimestamp)?;
    fresh_timestamp(scheme, *format, raw, now).map(Some)
}

/// The id phase: the id field, else the fallbacks in order (`fallbacks` holds what the
/// body-fields phase read for them); an id that is empty, too long or holds a control
/// character is refused.
fn delivery_id<H: HeaderLookup + ?Sized>(
    scheme: &Scheme,
    values: &Values<'_, '_, H>,
    raw: Option<&[u8]>,
    from_body: Option<Cow<'_, str>>,
    fallbacks: [Option<Cow<'_, str>>; 2],
    mac: &Tag,
) -> Result<Text, Rejection> {
    let id = match raw {
        Some(raw) => Some(Text::from(
            std::str::from_utf8(raw).map_err(|_| Rejection::MalformedId)?,
        )),
        None => match &scheme.id {
            Field::BodyDigest => Some(body_digest_id(values.body).into()),
            Field::BodyPointer(_) => values.pointed(&scheme.id).map(Text::from),
            Field::BodyDigestWithout(name) => {
                Some(body_digest_without_id(values.body, name)?.into())
            }
            _ => from_body.map(Text::from),
        },
    };
    let mut id = id.filter(|id| !id.as_str().is_empty());
    for (fallback, from_body) in scheme.id_fallbacks.iter().zip(fallbacks) {
        if id.is_some() {
            break;
        }
        id = match fallback {
            IdFallback::Field(field) => values.text(Some(field), from_body),
            IdFallback::Signature => Some(signature_id(mac).into()),
        }
        .filter(|id| !id.as_str().is_empty());
    }
    let id = id.ok_or(Rejection::MissingId)?;
    if id.as_str().len() > MAX_ID_LEN || has_control(id.as_str()) {
        return Err(Rejection::MalformedId);
    }
    Ok(id)
}

/// Whether `text` holds a control character (`char::is_control`): byte by byte for the ASCII
/// ids nearly every sender uses, char by char otherwise.
fn has_control(text: &str) -> bool {
    if text.is_ascii() {
        // No early exit: the fold compiles to a vector loop over the whole id.
        text.bytes()
            .fold(false, |found, byte| found | byte.is_ascii_control())
    } else {
        text.chars().any(char::is_control)
    }
}

/// The id binding: a scheme whose id must match a signed body field
/// ([`IdBinding::MatchesBodyField`]) refuses one that does not.
fn bind_id(scheme: &Scheme, id: &str, signed_id: Option<&str>) -> Result<(), Rejection> {
    if matches!(scheme.id_binding, IdBinding::MatchesBodyField(_)) && signed_id != Some(id) {
        return Err(Rejection::IdMismatch);
    }
    Ok(())
}

/// Checks the signature header in the scheme's format, then in each alternative one whose keys
/// are configured ([`SchemeBuilder::alternative_signature`](crate::scheme::SchemeBuilder::alternative_signature)). Without alternatives this is
/// the first check alone. When none verifies, the most telling refusal wins: an entry that
/// was checked and did not match, else a header no format could read, else no key at all.
fn verify_signature(
    scheme: &Scheme,
    raw: &[u8],
    first: Result<signature::ParsedSignature<'_>, Rejection>,
    secrets: &SecretSet,
    pieces: &[&[u8]],
    now: i64,
) -> Result<signature::Matched, Rejection> {
    if scheme.envelope.is_some() {
        // Verified by `envelope::verify`, which this refusal hands over to.
        return Err(Rejection::UnknownSigner);
    }
    if scheme.alternatives.is_empty() {
        let first = first?;
        return secrets.verify_with(scheme.algorithm, &first, pieces, now);
    }
    let rank = |rejection: &Rejection| match rejection {
        Rejection::InvalidSignature => 3,
        Rejection::MalformedSignature => 2,
        _ => 1,
    };
    let mut refusal = Rejection::UnknownSigner;
    let mut attempt = |parsed: Result<signature::ParsedSignature<'_>, Rejection>,
                       algorithm: Algorithm| {
        if !secrets.has_keys_for(algorithm) {
            return None;
        }
        let result = parsed.and_then(|parsed| secrets.verify_with(algorithm, &parsed, pieces, now));
        match result {
            Ok(matched) => Some(matched),
            Err(rejection) => {
                if rank(&rejection) > rank(&refusal) {
                    refusal = rejection;
                }
                None
            }
        }
    };
    if let Some(matched) = attempt(first, scheme.algorithm) {
        return Ok(matched);
    }
    for (format, algorithm) in &scheme.alternatives {
        let parsed = format.parse_sized(raw, algorithm.signature_len());
        if let Some(matched) = attempt(parsed, *algorithm) {
            return Ok(matched);
        }
    }
    Err(refusal)
}

/// The body's CRC-32 in decimal, as PayPal signs it ([`SignedPart::BodyCrc32`]); empty for
/// the schemes that do not sign it, so they do not pay for it.
#[cfg(feature = "rsa")]
pub(crate) fn signed_crc32(scheme: &Scheme, body: &[u8]) -> String {
    if scheme.signed_content.contains(&SignedPart::BodyCrc32) {
        crc32fast::hash(body).to_string()
    } else {
        String::new()
    }
}

/// The id of a delivery identified by its whole body ([`Field::BodyDigest`]).
fn body_digest_id(body: &[u8]) -> String {
    let digest = Sha256::new_with_prefix(b"webhook-guard body id\0")
        .chain_update(body)
        .finalize();
    format!("body_{}", encode_hex(&digest[..16]))
}

/// The id of a delivery identified by its body less a retry counter
/// ([`Field::BodyDigestWithout`]): the body parsed, every member called `name` removed at any
/// depth, written back compactly, then digested.
fn body_digest_without_id(body: &[u8], name: &str) -> Result<String, Rejection> {
    fn strip(value: &mut serde_json::Value, name: &str) {
        match value {
            serde_json::Value::Object(map) => {
                map.remove(name);
                map.values_mut().for_each(|value| strip(value, name));
            }
            serde_json::Value::Array(items) => {
                items.iter_mut().for_each(|value| strip(value, name))
            }
            _ => {}
        }
    }
    let mut value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| Rejection::MalformedBody)?;
    strip(&mut value, name);
    let canonical = serde_json::to_vec(&value).map_err(|_| Rejection::MalformedBody)?;
    let digest = Sha256::new_with_prefix(b"webhook-guard body id without\0")
        .chain_update(name.as_bytes())
        .chain_update(b"\0")
        .chain_update(&canonical)
        .finalize();
    Ok(format!("body_{}", encode_hex(&digest[..16])))
}

/// The security headers as a request's head carries them, each looked up once, and the
/// signature header parsed once: read by the head check, then used by the verification.
pub(crate) struct HeadRead<'h> {
    signature_header: Option<&'h [u8]>,
    /// The signature header parsed in the scheme's format; `None` without the header.
    signature: Option<Result<signature::ParsedSignature<'h>, Rejection>>,
    timestamp_header: Option<&'h [u8]>,
    /// The id header, if the scheme has one and it is not empty.
    id_header: Option<&'h [u8]>,
    /// The scheme's second signature header, when the first is present too (when it is
    /// not, the second is read as the first).
    second_signature: Option<&'h [u8]>,
    /// One of the security headers (signature, timestamp, id, tenant) is sent more than once.
    repeated: bool,
}

impl<'h> HeadRead<'h> {
    fn new<H: HeaderLookup + ?Sized>(scheme: &Scheme, head: &Head<'_, 'h, H>) -> Self {
        let mut repeated = false;
        let mut header = |name: Option<&str>| {
            let (value, twice) = name.map_or((None, false), |name| head.get_with_repeat(name));
            repeated |= twice;
            value
        };
        // The security headers, each looked up once: its value and whether it is repeated.
        let [signature_header, timestamp_header, id_header, _tenant] =
            security_headers(scheme).map(&mut header);
        let id_header = id_header.filter(|id| !id.is_empty());
        let second = header(scheme.second_signature_header.as_deref());
        let (signature_header, second_signature) = match signature_header {
            Some(first) => (Some(first), second),
            None => (second, None),
        };
        // A body that carries its own signature has no signature header to require.
        let signature_header = match &scheme.envelope {
            Some(crate::scheme::Envelope::SignedFields(_)) => {
                Some(signature_header.unwrap_or_default())
            }
            _ => signature_header,
        };
        Self {
            signature_header,
            signature: signature_header.map(|raw| scheme.parse_signature(raw)),
            timestamp_header,
            id_header,
            second_signature,
            repeated,
        }
    }

    /// The raw timestamp, if the head carries it; `None` for a scheme that reads it from the
    /// body, or has none.
    fn timestamp(&self, scheme: &Scheme) -> Result<Option<&'h [u8]>, Rejection> {
        let signature = self
            .signature
            .as_ref()
            .and_then(|parsed| parsed.as_ref().ok());
        Self::timestamp_in(scheme, self.timestamp_header, signature)
    }

    /// The timestamp as the head carries it: a header, or the signature header's own
    /// (`signature`, once it parsed).
    fn timestamp_in(
        scheme: &Scheme,
        header: Option<&'h [u8]>,
        signature: Option<&signature::ParsedSignature<'h>>,
    ) -> Result<Option<&'h [u8]>, Rejection> {
        match &scheme.timestamp {
            Some((Field::Header(_), _)) => header.map(Some).ok_or(Rejection::MissingTimestamp),
            Some((Field::SignatureTimestamp, _)) => signature
                .map(|signature| signature.timestamp().ok_or(Rejection::MissingTimestamp))
                .transpose(),
            _ => Ok(None),
        }
    }
}

/// Parses a timestamp sent in `format` and checks it against the scheme's window.
fn fresh_timestamp(
    scheme: &Scheme,
    format: TimestampFormat,
    raw: &[u8],
    now: i64,
) -> Result<i64, Rejection> {
    let parsed = match format {
        TimestampFormat::UnixSeconds => parse_unix_seconds(raw),
        TimestampFormat::UnixMillis => parse_unix_millis(raw),
        TimestampFormat::Rfc3339 => parse_rfc3339(raw),
    }
    .ok_or(Rejection::MalformedTimestamp)?;
    scheme.freshness.check(parsed, now)?;
    Ok(parsed)
}

/// The id of a delivery that carries none ([`IdFallback::Signature`]): a digest of the MAC,
/// so the signature itself never reaches the handler's logs.
fn signature_id(mac: &Tag) -> String {
    let digest = Sha256::new_with_prefix(b"webhook-guard signature id\0")
        .chain_update(mac.as_bytes())
        .finalize();
    format!("sig_{}", encode_hex(&digest[..16]))
}

/// The scheme's header names (the security headers, the event type's, the signed ones),
/// parsed once; a name `http` does not accept is left out (then looked up as text).
fn header_names(scheme: &Scheme) -> Arc<[http::HeaderName]> {
    let signed = scheme.signed_content.iter().filter_map(|part| match part {
        SignedPart::Header(name) => Some(&**name),
        _ => None,
    });
    security_headers(scheme)
        .into_iter()
        .chain([
            header_field(scheme.event_type.as_ref()),
            scheme.second_signature_header.as_deref(),
        ])
        .flatten()
        .chain(signed)
        .filter_map(|name| http::HeaderName::from_bytes(name.as_bytes()).ok())
        .collect()
}

/// The headers that say who signed what, and when: each must be sent at most once.
fn security_headers(scheme: &Scheme) -> [Option<&str>; 4] {
    [
        Some(&*scheme.signature_header).filter(|name| !name.is_empty()),
        header_field(scheme.timestamp.as_ref().map(|(field, _)| field)),
        header_field(Some(&scheme.id)),
        header_field(scheme.tenant.as_ref()),
    ]
}

/// The header a field is read from, if it is one.
fn header_field(field: Option<&Field>) -> Option<&str> {
    match field {
        Some(Field::Header(name)) => Some(name),
        _ => None,
    }
}

/// A request's headers with the verifier's parsed names: a lookup by one of them parses
/// nothing.
struct Head<'v, 'h, H: ?Sized> {
    headers: &'h H,
    names: &'v [http::HeaderName],
}

impl<'v, 'h, H: HeaderLookup + ?Sized> Head<'v, 'h, H> {
    fn known(&self, name: &str) -> Option<&'v http::HeaderName> {
        self.names.iter().find(|known| known.as_str() == name)
    }

    fn get(&self, name: &str) -> Option<&'h [u8]> {
        match self.known(name) {
            Some(known) => self.headers.header_by(known),
            None => self.headers.header(name),
        }
    }

    fn get_with_repeat(&self, name: &str) -> (Option<&'h [u8]>, bool) {
        match self.known(name) {
            Some(known) => self.headers.header_with_repeat_by(known),
            None => self.headers.header_with_repeat(name),
        }
    }
}

#[cfg(test)]
mod one_pass_tests {
    //! The built-in Audit Trail and PALO schemes read a verified body once, through their
    //! provider enum; every body must verify exactly as the plain field scan would have it.

    use super::*;
    use crate::event::{AuditTrailEvent, PaloEvent, audit_trail, palo};
    use crate::testing::{audit_trail_sample, palo_sample};

    /// A body (valid, odd or malformed) and its verification, with and without the one pass.
    fn both(scheme: Scheme, secret: &str, body: &str, now: i64, accepted: &std::cell::Cell<u32>) {
        let mut scanned = scheme.clone();
        scanned.native_event = None;
        let secret = scheme.secret(secret).unwrap();
        // The delivery-id header Audit Trail binds to the body's `id` (as the sender sets it).
        let id = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|value| value["id"].as_str().map(str::to_owned))
            .unwrap_or_default();
        let headers =
            crate::Signer::new(scheme.clone(), secret.clone()).headers(body.as_bytes(), now, &id);
        let verify = |scheme: Scheme| {
            Verifier::new(scheme, [secret.clone()]).verify_at(&headers, body.to_owned().into(), now)
        };
        let (mut native, plain) = (verify(scheme), verify(scanned));
        // The event the delivery carries is the one `from_slice` gives (data that does not fit
        // its model included: `Unparsed`).
        if let Ok(delivery) = &mut native {
            if let Some(event) = delivery.take_event::<AuditTrailEvent>() {
                assert_eq!(
                    Some(event),
                    AuditTrailEvent::from_slice(body.as_bytes()).ok()
                );
            } else if let Some(event) = delivery.take_event::<PaloEvent>() {
                assert_eq!(Some(event), PaloEvent::from_slice(body.as_bytes()).ok());
            }
        }
        match (&native, &plain) {
            (Ok(a), Ok(b)) => {
                let meta = |d: &Delivery| {
                    (
                        d.id.clone(),
                        d.event_type.clone(),
                        d.tenant.clone(),
                        d.timestamp,
                    )
                };
                assert_eq!(meta(a), meta(b), "{body}");
                assert!(b.event.is_none());
                accepted.set(accepted.get() + 1);
            }
            _ => assert_eq!(
                native.as_ref().map(|_| ()).unwrap_err(),
                plain.as_ref().map(|_| ()).unwrap_err(),
                "{body}"
            ),
        }
    }

    fn odd_variants(body: &str, id_key: &str, tenant_key: &str) -> Vec<String> {
        let value: serde_json::Value = serde_json::from_str(body).unwrap();
        let mut out = vec![body.to_owned()];
        let mut numeric_tenant = value.clone();
        numeric_tenant[tenant_key] = serde_json::json!(42);
        out.push(numeric_tenant.to_string());
        let mut no_tenant = value.clone();
        no_tenant.as_object_mut().unwrap().remove(tenant_key);
        out.push(no_tenant.to_string());
        let mut unknown = value.clone();
        unknown["type"] = serde_json::json!("brand.new");
        unknown["event_type"] = serde_json::json!("brand.new");
        out.push(unknown.to_string());
        // A repeated envelope key, and one the scan does not read.
        out.push(body.replacen('{', &format!("{{\"{id_key}\":\"other\","), 1));
        out.push(body.replacen('{', "{\"extra\":1,\"extra\":2,", 1));
        out.push(format!("{body} trailing"));
        out.push(body.replacen("\"data\"", "\"data\":null,\"ignored\"", 1));
        // Data that does not fit its model (`Unparsed`, read by the reference parse), alone and
        // with an envelope field of another shape or empty.
        let mut misfits = Vec::new();
        for data in [
            serde_json::json!({"x": 1}),
            serde_json::json!(7),
            serde_json::json!([]),
        ] {
            let mut misfit = value.clone();
            misfit["data"] = data;
            misfits.push(misfit);
        }
        for misfit in misfits {
            out.push(misfit.to_string());
            for (key, odd) in [
                (tenant_key, serde_json::json!(42)),
                (tenant_key, serde_json::json!("")),
                (id_key, serde_json::json!("")),
                ("type", serde_json::json!("")),
                ("event_type", serde_json::json!("")),
                ("type", serde_json::json!(3)),
                ("event_type", serde_json::json!(3)),
            ] {
                let mut odd_misfit = misfit.clone();
                if odd_misfit.get(key).is_some() {
                    odd_misfit[key] = odd;
                    out.push(odd_misfit.to_string());
                }
            }
            let mut no_tenant = misfit.clone();
            no_tenant.as_object_mut().unwrap().remove(tenant_key);
            out.push(no_tenant.to_string());
        }
        out
    }

    #[test]
    fn audit_trail_bodies_verify_as_the_scan_has_them() {
        let now = 1_705_312_200;
        let accepted = std::cell::Cell::new(0);
        for kind in audit_trail::KNOWN_TYPES {
            let body = audit_trail_sample(kind).unwrap();
            for variant in odd_variants(&body, "id", "tenantId") {
                both(
                    Scheme::audit_trail(),
                    "whsec_abc123def456",
                    &variant,
                    now,
                    &accepted,
                );
            }
        }
        // Most variants verify (the comparison is of deliveries, not only of errors).
        assert!(
            accepted.get() >= audit_trail::KNOWN_TYPES.len() as u32 * 4,
            "{}",
            accepted.get()
        );
    }

    #[test]
    fn palo_bodies_verify_as_the_scan_has_them() {
        let accepted = std::cell::Cell::new(0);
        for kind in palo::KNOWN_TYPES {
            let body = palo_sample(kind).unwrap();
            let value: serde_json::Value = serde_json::from_str(&body).unwrap();
            let sent = crate::time::parse_rfc3339(value["timestamp"].as_str().unwrap().as_bytes())
                .unwrap();
            for variant in odd_variants(&body, "event_id", "organization_id") {
                both(
                    Scheme::palo(),
                    "votre_secret_hmac_32_chars_min__",
                    &variant,
                    sent,
                    &accepted,
                );
            }
        }
        assert!(
            accepted.get() >= palo::KNOWN_TYPES.len() as u32 * 4,
            "{}",
            accepted.get()
        );
    }

    #[test]
    fn the_event_read_once_is_the_one_a_handler_would_parse() {
        let body = audit_trail_sample(audit_trail::KNOWN_TYPES[0]).unwrap();
        let secret = Scheme::audit_trail().secret("whsec_abc123def456").unwrap();
        let now = 1_705_312_200;
        let id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let headers = crate::Signer::new(Scheme::audit_trail(), secret.clone()).headers(
            body.as_bytes(),
            now,
            &id,
        );
        let mut delivery = Verifier::new(Scheme::audit_trail(), [secret])
            .verify_at(&headers, body.clone().into(), now)
            .unwrap();
        // A copy (the `Delivery` extractor's) carries no event; the original gives it once.
        assert!(delivery.clone().take_event::<AuditTrailEvent>().is_none());
        assert!(delivery.take_event::<PaloEvent>().is_none());
        let event = delivery.take_event::<AuditTrailEvent>().unwrap();
        assert_eq!(event, AuditTrailEvent::from_slice(body.as_bytes()).unwrap());
        assert!(delivery.take_event::<AuditTrailEvent>().is_none());

        // Turned off, verification scans the fields only: same metadata, no event.
        let secret = Scheme::audit_trail().secret("whsec_abc123def456").unwrap();
        let scanned = Verifier::new(Scheme::audit_trail(), [secret])
            .typed_events(false)
            .verify_at(&headers, body.into(), now)
            .unwrap();
        assert!(scanned.event.is_none());
        assert_eq!(
            (scanned.id(), scanned.tenant()),
            (delivery.id(), delivery.tenant())
        );
    }
}

#[cfg(test)]
mod control_tests {
    /// The ASCII shortcut answers as `char::is_control` does, for every character class.
    #[test]
    fn control_characters_are_found_as_char_is_control_finds_them() {
        let mut texts: Vec<String> = (0u32..0x300)
            .filter_map(char::from_u32)
            .map(|c| format!("dlv_{c}1"))
            .collect();
        texts.extend([
            "plain-ascii-id".into(),
            "é-id".into(),
            "\u{2028}".into(),
            String::new(),
        ]);
        for text in texts {
            assert_eq!(
                super::has_control(&text),
                text.chars().any(char::is_control),
                "{text:?}"
            );
        }
    }
}
