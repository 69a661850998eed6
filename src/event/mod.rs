//! Typed events: the JSON bodies of each provider, parsed into one enum per provider.
//!
//! Each provider module ([`audit_trail`], [`palo`]) has an enum with one variant per event type
//! its spec documents, each carrying an `Envelope<Data>` (the common envelope fields plus the
//! typed `data`), and two fallbacks, so that **a handler written against the enum sees every
//! verified delivery** and nothing is ever refused for its shape:
//!
//! - an event whose type is **not known** parses into `Unknown`, which keeps the type name, the
//!   id and the raw JSON text of the whole event, byte for byte ([`UnknownEvent`]), so a new
//!   provider event type never breaks a receiver;
//! - an event whose type **is known** but whose fields do not fit the model (a field the spec
//!   shows that is absent, a number where the spec shows a string, ...) parses into `Unparsed`
//!   ([`UnparsedEvent`]): the type, the id, the raw JSON and serde's precise message (such as
//!   "invalid type: integer `3`, expected a string"), so the handler decides what to do with it;
//! - the models type only what the specs show: every field a spec elides (`...`, `{ ... }`),
//!   shows in only some examples, or that could plausibly be absent is an `Option` (or a
//!   defaulted list). Each type's docs say which fields are guaranteed and why;
//! - fields that are not modelled are kept, in the order sent, as their raw JSON text
//!   ([`Extra`]: `extra` on the envelope and on every data struct, parsed only when asked), so
//!   re-serialising an event loses nothing the sender sent.
//!
//! The one thing an enum cannot do without is the id (a JSON object with a string id field):
//! without it a receiver could not deduplicate. Every delivery of the matching scheme has it
//! (verification refuses the others before any parsing), so behind the layer the enums never
//! fail. An envelope without a string type is `Unparsed` with an empty type.
//!
//! Parse with the enums' own `from_slice`, [`FromStr`](std::str::FromStr) or
//! [`TypedEvent::from_json`] (these keep serde_json's line and column in the error), or with
//! `serde_json::from_slice`/`from_str`/`from_reader`. The enums' own functions read a delivery
//! in one pass; through `Deserialize`, serde_json first captures the whole event as raw JSON
//! (the `Unknown` variant keeps it), which is a second pass over the body (about 1.5× the
//! instructions at 1 KiB, `BENCHMARKS.md` §7), with the same result. The `Deserialize` impls
//! need a `serde_json` deserializer (this includes `serde_json::from_value`): the `Unknown`
//! variant and every [`Extra`] hold [`serde_json::value::RawValue`]s.
//!
//! Each provider's enum, its `Envelope<D>` and their impls are written by one macro from the
//! provider's table of variants and wire names (`event/envelope.rs`): a new provider is that
//! table, its data structs and its samples (in [`testing`](crate::testing)). The data structs
//! are written by another (`event/model.rs`) from a table of their fields and wire names: their
//! `Deserialize` reads an object's keys once, each modelled one straight into its field and any
//! other into `extra`, which serde's derive with `flatten` could only do by buffering the object
//! first (`BENCHMARKS.md` §13).
//!
//! ```
//! use webhook_guard::event::TypedEvent;
//! use webhook_guard::event::audit_trail::AuditTrailEvent;
//! use webhook_guard::testing::audit_trail_sample;
//!
//! let body = audit_trail_sample("alert.triggered").expect("a known type");
//! let event: AuditTrailEvent = serde_json::from_str(&body)?;
//! match &event {
//!     AuditTrailEvent::AlertTriggered(alert) => {
//!         assert_eq!(alert.data.alert.severity.as_deref(), Some("HIGH"));
//!     }
//!     other => panic!("unexpected {}", other.event_type()),
//! }
//! assert_eq!(event.event_id(), "whd_def456");
//!
//! let unknown = r#"{"id":"whd_1","type":"user.deleted","data":{"userId":"u-1"}}"#;
//! let event = AuditTrailEvent::from_slice(unknown.as_bytes())?;
//! let AuditTrailEvent::Unknown(raw) = &event else { panic!("not unknown") };
//! assert_eq!(raw.event_type(), "user.deleted");
//! assert_eq!(raw.json(), unknown);
//!
//! // A known type whose data does not fit still reaches the handler, with the reason.
//! let odd = r#"{"id":"whd_2","type":"alert.triggered","timestamp":"2025-01-15T10:30:00Z","tenantId":"t1","data":{"alert":{"id":"a-1","severity":3}}}"#;
//! let AuditTrailEvent::Unparsed(unparsed) = AuditTrailEvent::from_slice(odd.as_bytes())? else { panic!("not unparsed") };
//! assert_eq!((unparsed.event_type(), unparsed.id()), ("alert.triggered", "whd_2"));
//! assert!(unparsed.error().contains("invalid type: integer `3`"));
//! assert_eq!(unparsed.json(), odd);
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::any::Any;
use std::fmt;
use std::sync::OnceLock;

use bytes::Bytes;
use serde::de::{self, DeserializeOwned, Unexpected};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use crate::text::Text;

#[macro_use]
mod model;
#[macro_use]
mod envelope;
pub mod audit_trail;
mod extra;
pub(crate) mod native;
pub mod palo;
mod reader;

pub use audit_trail::AuditTrailEvent;
pub use extra::Extra;
pub use palo::PaloEvent;

/// A provider's event enum: what the rest of the crate (extractors, test senders) needs to know
/// about an event without matching on its variants.
///
/// Code generic over it works for every provider:
///
/// ```
/// use webhook_guard::event::{AuditTrailEvent, PaloEvent, TypedEvent};
///
/// fn describe<E: TypedEvent>(body: &[u8]) -> Result<String, serde_json::Error> {
///     let event = E::from_json(body)?;
///     let known = if event.is_unknown() { "unknown" } else { "known" };
///     Ok(format!("{} {} ({known})", event.event_type(), event.event_id()))
/// }
///
/// let palo = br#"{"event_id":"evt_9","event_type":"ticket.merged","organization_id":"org_1"}"#;
/// assert_eq!(describe::<PaloEvent>(palo)?, "ticket.merged evt_9 (unknown)");
/// let audit = webhook_guard::testing::audit_trail_sample("report.failed").unwrap();
/// assert_eq!(describe::<AuditTrailEvent>(audit.as_bytes())?, "report.failed whd_pqr678 (known)");
/// assert!(AuditTrailEvent::KNOWN_TYPES.contains(&"report.failed"));
/// # Ok::<(), serde_json::Error>(())
/// ```
pub trait TypedEvent: DeserializeOwned {
    /// The event types this provider's enum models as variants (all others parse as unknown).
    const KNOWN_TYPES: &'static [&'static str];

    /// The event type, as sent (`alert.triggered`, `ticket.created`, or an unknown one).
    fn event_type(&self) -> &str;

    /// The event's id from its envelope, the key to deduplicate on (Audit Trail `id`, which is
    /// the delivery id, or PALO `event_id`).
    fn event_id(&self) -> &str;

    /// Whether the event's type is not one of [`KNOWN_TYPES`](Self::KNOWN_TYPES).
    fn is_unknown(&self) -> bool;

    /// Why a known type's fields did not fit its model (the event is the enum's `Unparsed`
    /// variant, carrying the raw JSON); `None` for a typed or an unknown event.
    fn parse_error(&self) -> Option<&str>;

    /// Parses a raw JSON body, keeping serde_json's line and column in the error.
    fn from_json(body: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(body)
    }
}

/// Parses a verified body as `T`: with the event enums' own one-pass `from_slice` when `T` is
/// one of them, with `serde_json::from_slice` for any other type. The same result (and error
/// text) either way; through `Deserialize` an enum costs a second pass, as serde_json must
/// capture the raw event first (`BENCHMARKS.md` §7).
///
/// For the code generic over any `DeserializeOwned` body type (the extractors, `Delivery::parse`),
/// which cannot name the enums' `from_slice` without specialisation.
pub(crate) fn parse_body<T: DeserializeOwned + 'static>(
    body: &[u8],
) -> Result<T, serde_json::Error> {
    let mut parsed: Option<T> = None;
    let slot: &mut dyn Any = &mut parsed;
    if let Some(slot) = slot.downcast_mut::<Option<AuditTrailEvent>>() {
        *slot = Some(AuditTrailEvent::from_slice(body)?);
    } else if let Some(slot) = slot.downcast_mut::<Option<PaloEvent>>() {
        *slot = Some(PaloEvent::from_slice(body)?);
    }
    match parsed {
        Some(event) => Ok(event),
        None => serde_json::from_slice(body),
    }
}

/// A provider enum the verifier can read in its one pass over a verified body (the built-in
/// schemes of the providers whose events this crate models): the typed event is then the body's
/// validation, and the envelope fields the scheme reads come from it.
pub(crate) trait NativeEvent: Any + Send + Sync + Sized {
    /// The one-pass parse of `json`, which is `body` read as text (an unknown event's raw
    /// JSON is a slice of it); `None` for anything but a well-formed envelope.
    fn one_pass_json(body: &Bytes, json: &str) -> Option<Self>;

    /// The reference parse of `json` (see `event::envelope`): the event `from_slice` gives
    /// when neither one pass reads the body (data that does not fit its model: `Unparsed`),
    /// `None` where `from_slice` fails.
    fn reference_json(json: &str) -> Option<Self>;

    /// The wire names of the envelope's fields.
    const KEYS: envelope::WireKeys;

    /// The types the enum models.
    const KNOWN: &'static [&'static str];

    /// The enum's `Unknown` variant.
    fn from_unknown(event: UnknownEvent) -> Self;

    /// The value of the top-level field `name`, when it is an envelope field this event holds
    /// as a string; `None` when it is not (the verifier then scans the body itself).
    fn envelope_field(&self, name: &str) -> Option<&str>;
}

/// The values of the body fields a scheme asked for, in its order (`None` where it asked for
/// none, or the body has none): the verifier's `Fields`, of any length.
pub(crate) type FieldValues<'b, const N: usize> = [Option<std::borrow::Cow<'b, str>>; N];

/// The typed event of a verified JSON body, as `from_slice` gives it, and the scheme's body
/// fields when the same pass read them; `None` when `from_slice` would fail.
///
/// The fields are `None` (the verifier then scans the body as for any scheme, so the results
/// never differ) when a wanted field is not one of the envelope fields the event holds as a
/// string. Either way the delivery carries the event, so the handler's extractor does not
/// parse the body again.
///
/// When neither one pass reads the body (data that does not fit its model), the event is the
/// reference parse's (`Unparsed`, as `from_slice` gives it). Its envelope fields are taken only
/// where they are what the scan would read: the reference parse read the whole body strictly
/// (valid JSON, its envelope fields once each, the strings decoded as the scan decodes them),
/// and a field it holds as a non-empty string is that field's string; an empty one may stand for
/// a type that is missing or not a string, so then the scan reads them all.
pub(crate) fn parse_native<'b, E: NativeEvent, const N: usize>(
    body: &'b Bytes,
    names: &[Option<&str>; N],
) -> Option<(Option<FieldValues<'b, N>>, E)> {
    let json = crate::scan::utf8(body)?;
    match unknown_by_walk::<E, N>(body, json, names) {
        Walked::Unknown(fields, event) => Some((Some(fields), E::from_unknown(event))),
        Walked::Malformed => None,
        Walked::Other => {
            let (event, by_reference) = one_pass_or_reference::<E>(body, json)?;
            Some((envelope_fields(&event, names, by_reference), event))
        }
    }
}

/// The event of a body the walk leaves to the parses: the one pass's, else the reference
/// parse's (`true`); `None` when `from_slice` would fail.
fn one_pass_or_reference<E: NativeEvent>(body: &Bytes, json: &str) -> Option<(E, bool)> {
    match E::one_pass_json(body, json) {
        Some(event) => Some((event, false)),
        None => Some((E::reference_json(json)?, true)),
    }
}

/// The fields `names` from `event`'s envelope, when it holds each as a string (non-empty, for
/// an event of the reference parse: see [`parse_native`]); `None` leaves them to the scan.
fn envelope_fields<E: NativeEvent, const N: usize>(
    event: &E,
    names: &[Option<&str>; N],
    by_reference: bool,
) -> Option<FieldValues<'static, N>> {
    let mut fields: FieldValues<'static, N> = [const { None }; N];
    for (slot, name) in fields.iter_mut().zip(names) {
        if let Some(name) = name {
            let value = event
                .envelope_field(name)
                .filter(|value| !(by_reference && value.is_empty()))?;
            *slot = Some(std::borrow::Cow::Owned(value.to_owned()));
        }
    }
    Some(fields)
}

/// What [`unknown_by_walk`] found.
// Returned once per delivery and moved straight into the result: a box would only add an
// allocation.
#[allow(clippy::large_enum_variant)]
enum Walked<'b, const N: usize> {
    /// A well-formed envelope of a type the enum does not model, read whole: the event and the
    /// scheme's fields.
    Unknown(FieldValues<'b, N>, UnknownEvent),
    /// Not one JSON object (the one-pass parse would refuse it too).
    Malformed,
    /// A known type, or an envelope the walk leaves to the one-pass parse (a repeated or
    /// escaped envelope field, a tenant or timestamp that is not a plain string, a wanted field
    /// that is not the id, type or tenant).
    Other,
}

/// The one pass for the ordinary case of a type the enum does not model: a walk of the body
/// (`crate::scan`, which also validates it) that reads the envelope's fields, and the event
/// from them, its raw JSON a slice of the body. The walk stops at a known type's name (then the
/// one-pass parse reads the event, as it always did). Whatever it returns as `Unknown` is what
/// the one-pass parse gives for the same body, and the tests check it on the same bodies.
fn unknown_by_walk<'b, E: NativeEvent, const N: usize>(
    body: &Bytes,
    json: &'b str,
    names: &[Option<&str>; N],
) -> Walked<'b, N> {
    use crate::scan::{self, Flow, plain_string};
    let keys = &E::KEYS;
    let envelope = [
        Some(keys.id),
        Some(keys.kind),
        Some(keys.tenant),
        Some(keys.timestamp),
        Some("data"),
    ];
    let mut seen = [0u8; 5];
    let mut read: [Option<&str>; 3] = [None; 3];
    let mut other = false;
    let walked = scan::object(json, &envelope, |i, token| {
        seen[i] += 1;
        let plain = plain_string(token);
        // A repeated envelope field, or one the one-pass parse reads strictly that is not a
        // plain string (the timestamp's and tenant's values are parsed as JSON values, which
        // may refuse a number such as 1e400): the one-pass parse decides.
        if seen[i] > 1 || (i < 4 && plain.is_none()) {
            other = true;
            return Ok::<_, scan::Malformed>(Flow::Stop);
        }
        if i == 1 && plain.is_some_and(|kind| E::KNOWN.contains(&kind)) {
            other = true;
            return Ok(Flow::Stop);
        }
        if let Some(slot) = read.get_mut(i) {
            *slot = plain;
        }
        Ok(Flow::Continue)
    });
    match walked {
        Err(_) => return Walked::Malformed,
        Ok(false) => return Walked::Other,
        Ok(true) if other => return Walked::Other,
        Ok(true) => {}
    }
    let [Some(id), Some(kind), tenant] = read else {
        return Walked::Other;
    };
    let mut fields: FieldValues<'b, N> = [const { None }; N];
    for (slot, name) in fields.iter_mut().zip(names) {
        let Some(name) = *name else { continue };
        let value = if name == keys.id {
            id
        } else if name == keys.kind {
            kind
        } else if name == keys.tenant
            && let Some(tenant) = tenant
        {
            tenant
        } else {
            return Walked::Other;
        };
        *slot = Some(std::borrow::Cow::Borrowed(value));
    }
    let Some(text) = envelope::shared_raw_of(body, json) else {
        return Walked::Other;
    };
    Walked::Unknown(fields, UnknownEvent::new(kind, id, tenant, text))
}

/// The data of one known event type: ties a data struct to its type name, so an
/// `Envelope<Data>` knows which type to write and to expect.
///
/// ```
/// use webhook_guard::event::EventData;
/// use webhook_guard::event::palo::TicketResolved;
///
/// assert_eq!(TicketResolved::EVENT_TYPE, "ticket.resolved");
/// // A generic handler can check a raw type against a data struct.
/// fn is_a<D: EventData>(event_type: &str) -> bool {
///     event_type == D::EVENT_TYPE
/// }
/// assert!(is_a::<TicketResolved>("ticket.resolved"));
/// ```
pub trait EventData {
    /// The event type whose `data` this struct models (`alert.triggered`, `ticket.created`...).
    const EVENT_TYPE: &'static str;
}

/// An event whose type is not one of its provider's known types, kept as the raw JSON text.
///
/// Equality compares the type, id, tenant and the raw text (not the JSON value: two events
/// that differ only in whitespace or key order are not equal). Serialising writes the raw text
/// back unchanged (with `serde_json`).
///
/// ```
/// use serde::Deserialize;
/// use webhook_guard::event::PaloEvent;
///
/// let body = r#"{"event_id":"evt_9","event_type":"ticket.merged","organization_id":"org_1","data":{"into":"TKT-1"}}"#;
/// let PaloEvent::Unknown(unknown) = body.parse::<PaloEvent>()? else { panic!("a new type") };
/// assert_eq!((unknown.event_type(), unknown.id(), unknown.tenant_id()), ("ticket.merged", "evt_9", Some("org_1")));
///
/// // Model the new type yourself, from the raw text.
/// #[derive(Deserialize)]
/// struct Merged {
///     data: MergedData,
/// }
/// #[derive(Deserialize)]
/// struct MergedData {
///     into: String,
/// }
/// assert_eq!(unknown.parse::<Merged>()?.data.into, "TKT-1");
/// assert_eq!(serde_json::to_string(&unknown)?, body); // byte for byte
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone)]
pub struct UnknownEvent {
    // Inline when short, as nearly all are: no allocation for them per unknown event.
    event_type: Text,
    id: Text,
    tenant_id: Option<Text>,
    json: JsonText,
}

/// An event's JSON text, checked (one JSON value, no whitespace around it).
#[derive(Clone)]
pub(crate) enum JsonText {
    /// As the reference parse captured it.
    Raw(Box<RawValue>),
    /// A slice of the text the one-pass parser read and validated whole: a verified body's
    /// `Bytes` (no copy), or a copy of the caller's text. Its [`RawValue`] is made only if it
    /// is asked for (serde_json would validate the text again to make one).
    Checked {
        text: Bytes,
        raw: OnceLock<Box<RawValue>>,
    },
}

impl JsonText {
    /// Text the one-pass parser validated (its UTF-8 included).
    pub(crate) fn checked(text: Bytes) -> Self {
        Self::Checked {
            text,
            raw: OnceLock::new(),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            Self::Raw(raw) => raw.get(),
            // Valid UTF-8 by construction (the one pass read it as a `&str`): the check cannot
            // fail, and costs a fraction of a JSON walk, only when a handler asks for the text.
            Self::Checked { text, .. } => crate::scan::utf8(text).unwrap_or_default(),
        }
    }

    fn raw(&self) -> &RawValue {
        match self {
            Self::Raw(raw) => raw,
            Self::Checked { text, raw } => raw.get_or_init(|| raw_value(text)),
        }
    }

    fn into_raw(self) -> Box<RawValue> {
        match self {
            Self::Raw(raw) => raw,
            Self::Checked { text, raw } => raw.into_inner().unwrap_or_else(|| raw_value(&text)),
        }
    }
}

/// The [`RawValue`] of text the one-pass parser validated.
fn raw_value(text: &Bytes) -> Box<RawValue> {
    let text = std::str::from_utf8(text).unwrap_or_default().to_owned();
    // Valid JSON by construction; `null` keeps this total without a panic.
    RawValue::from_string(text).unwrap_or_else(|_| RawValue::NULL.to_owned())
}

impl fmt::Debug for UnknownEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // As the derived `Debug` with a `Box<RawValue>` field wrote it.
        struct Raw<'a>(&'a str);
        impl fmt::Debug for Raw<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple("RawValue")
                    .field(&format_args!("{}", self.0))
                    .finish()
            }
        }
        f.debug_struct("UnknownEvent")
            .field("event_type", &self.event_type)
            .field("id", &self.id)
            .field("tenant_id", &self.tenant_id)
            .field("raw", &Raw(self.json.as_str()))
            .finish()
    }
}

impl UnknownEvent {
    pub(crate) fn new(
        event_type: impl Into<Text>,
        id: impl Into<Text>,
        tenant_id: Option<impl Into<Text>>,
        json: JsonText,
    ) -> Self {
        Self {
            event_type: event_type.into(),
            id: id.into(),
            tenant_id: tenant_id.map(Into::into),
            json,
        }
    }

    /// The event type, as sent.
    pub fn event_type(&self) -> &str {
        self.event_type.as_str()
    }

    /// The envelope's id (Audit Trail `id`, PALO `event_id`).
    pub fn id(&self) -> &str {
        self.id.as_str()
    }

    /// The envelope's tenant (Audit Trail `tenantId`, PALO `organization_id`), if it is present
    /// and a string.
    pub fn tenant_id(&self) -> Option<&str> {
        self.tenant_id.as_ref().map(Text::as_str)
    }

    /// The whole event as raw JSON: the exact bytes of the value that was parsed (whitespace
    /// around the top-level value is not part of it).
    ///
    /// Made on the first call: a verified delivery of an unknown type is not copied (its text
    /// is a slice of the body) until a handler asks for a `RawValue`; [`json`](Self::json)
    /// gives the same text without one.
    pub fn raw(&self) -> &RawValue {
        self.json.raw()
    }

    /// The whole event's JSON text, as received.
    pub fn json(&self) -> &str {
        self.json.as_str()
    }

    /// Parses the raw text into a [`serde_json::Value`] (an owned tree, for inspection).
    pub fn to_value(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str(self.json())
    }

    /// Parses the raw text as `T`, for a type the caller models itself.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.json())
    }

    /// Gives back the raw JSON.
    pub fn into_raw(self) -> Box<RawValue> {
        self.json.into_raw()
    }
}

impl PartialEq for UnknownEvent {
    fn eq(&self, other: &Self) -> bool {
        self.event_type == other.event_type
            && self.id == other.id
            && self.tenant_id == other.tenant_id
            && self.json() == other.json()
    }
}

impl Eq for UnknownEvent {}

impl Serialize for UnknownEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.raw().serialize(serializer)
    }
}

/// An event of a known type whose fields do not fit the model, kept as the raw JSON with the
/// reason: the handler still receives it (as the enum's `Unparsed` variant), and decides.
///
/// The type is the one sent (empty when the envelope has no string type); the error is
/// serde_json's message, with its line and column.
///
/// ```
/// use webhook_guard::event::PaloEvent;
///
/// // The spec shows `priority: "p3"`; a sender that sends a number loses nothing.
/// let body = r#"{"event_id":"evt_7","event_type":"ticket.created","timestamp":"2026-02-19T10:30:00Z","organization_id":"org_1","data":{"ticket_id":"TKT-1","priority":3}}"#;
/// let PaloEvent::Unparsed(unparsed) = body.parse::<PaloEvent>()? else { panic!("not unparsed") };
/// assert_eq!((unparsed.event_type(), unparsed.id(), unparsed.tenant_id()), ("ticket.created", "evt_7", Some("org_1")));
/// assert!(unparsed.error().contains("expected a string"), "{}", unparsed.error());
///
/// // Read it your own way from the raw text.
/// let value = unparsed.to_value()?;
/// assert_eq!(value["data"]["priority"], 3);
/// assert_eq!(serde_json::to_string(&unparsed)?, body); // byte for byte
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnparsedEvent {
    event: UnknownEvent,
    error: String,
}

impl UnparsedEvent {
    pub(crate) fn new(event: UnknownEvent, error: &serde_json::Error) -> Self {
        Self {
            event,
            error: error.to_string(),
        }
    }

    /// The event type, as sent (empty when the envelope has no string type).
    pub fn event_type(&self) -> &str {
        self.event.event_type()
    }

    /// The envelope's id (Audit Trail `id`, PALO `event_id`): still the deduplication key.
    pub fn id(&self) -> &str {
        self.event.id()
    }

    /// The envelope's tenant, if it is present and a string.
    pub fn tenant_id(&self) -> Option<&str> {
        self.event.tenant_id()
    }

    /// Why the fields did not fit: serde_json's message, with line and column.
    pub fn error(&self) -> &str {
        &self.error
    }

    /// The whole event's JSON text, as received.
    pub fn json(&self) -> &str {
        self.event.json()
    }

    /// The whole event as raw JSON.
    pub fn raw(&self) -> &RawValue {
        self.event.raw()
    }

    /// Parses the raw text into a [`serde_json::Value`].
    pub fn to_value(&self) -> Result<serde_json::Value, serde_json::Error> {
        self.event.to_value()
    }

    /// Parses the raw text as `T`, for a type the caller models itself.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        self.event.parse()
    }

    /// Gives back the raw JSON.
    pub fn into_raw(self) -> Box<RawValue> {
        self.event.into_raw()
    }
}

impl Serialize for UnparsedEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.event.serialize(serializer)
    }
}

/// The variant for a known type: the typed envelope, or [`UnparsedEvent`] when its fields do
/// not fit. `keys` are the envelope's type, id and tenant, already read.
pub(crate) fn known_or_unparsed<E>(
    parsed: Result<E, serde_json::Error>,
    keys: EnvelopeKeys,
    raw: &RawValue,
    unparsed: impl FnOnce(UnparsedEvent) -> E,
) -> E {
    parsed.unwrap_or_else(|error| unparsed(UnparsedEvent::new(keys.into_raw_event(raw), &error)))
}

/// The envelope fields both providers share, read before choosing the variant.
pub(crate) struct EnvelopeKeys {
    pub(crate) event_type: Option<String>,
    pub(crate) id: String,
    pub(crate) tenant_id: Option<String>,
}

impl EnvelopeKeys {
    pub(crate) fn new(
        event_type: Option<serde_json::Value>,
        id: String,
        tenant_id: Option<serde_json::Value>,
    ) -> Self {
        Self {
            event_type: string_or_none(event_type),
            id,
            tenant_id: string_or_none(tenant_id),
        }
    }

    pub(crate) fn into_raw_event(self, raw: &RawValue) -> UnknownEvent {
        UnknownEvent::new(
            self.event_type.unwrap_or_default(),
            self.id,
            self.tenant_id,
            JsonText::Raw(raw.to_owned()),
        )
    }
}

/// Reads the envelope fields a provider needs before choosing the variant (`T`), once it is
/// sure the event is a JSON object: a derived struct would also accept a JSON array, taking its
/// items as the fields in order.
pub(crate) fn peek<T: DeserializeOwned>(raw: &RawValue) -> Result<T, serde_json::Error> {
    let json = raw.get();
    if !json.starts_with('{') {
        let found = match json.as_bytes().first() {
            Some(b'[') => Unexpected::Seq,
            Some(b'"') => Unexpected::Other("string"),
            Some(b't') => Unexpected::Bool(true),
            Some(b'f') => Unexpected::Bool(false),
            Some(b'n') => Unexpected::Unit,
            _ => Unexpected::Other("number"),
        };
        return Err(de::Error::invalid_type(
            found,
            &"a JSON object (an event envelope)",
        ));
    }
    // The body's own reader first (what it reads is what serde_json reads); serde_json for
    // whatever it gives up on, and for the error.
    if let Ok(peeked) = reader::read(json, |reader| T::deserialize(reader)) {
        return Ok(peeked);
    }
    serde_json::from_str(json)
}

/// Checks that an envelope parsed as `Envelope<D>` on its own has type `expected`: another
/// type is an error, not a silently empty `D`.
pub(crate) fn expect_type(
    found: Option<&serde_json::Value>,
    expected: &'static str,
) -> Result<(), serde_json::Error> {
    let found = match found {
        Some(serde_json::Value::String(kind)) if kind == expected => return Ok(()),
        Some(serde_json::Value::String(kind)) => Unexpected::Str(kind),
        Some(_) => Unexpected::Other("a type that is not a string"),
        None => Unexpected::Other("no type"),
    };
    Err(de::Error::invalid_value(found, &expected))
}

/// The field as a string, if it is a string; any other JSON is ignored (an event is not
/// rejected for an odd tenant or type field).
fn string_or_none(value: Option<serde_json::Value>) -> Option<String> {
    match value {
        Some(serde_json::Value::String(s)) => Some(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{audit_trail_sample, palo_sample};

    /// `parse_body` gives what `serde_json::from_slice` gives, for the enums and other types.
    #[test]
    fn parse_body_is_serde_json_from_slice() {
        let mut bodies: Vec<String> = audit_trail::KNOWN_TYPES
            .iter()
            .chain(palo::KNOWN_TYPES)
            .filter_map(|t| audit_trail_sample(t).or_else(|| palo_sample(t)))
            .collect();
        bodies.extend(
            [
                r#"{"id":"whd_1","event_id":"evt_1","type":"x","event_type":"y"}"#,
                r#"{"id":"whd_1","type":"alert.resolved","data":{}}"#,
                r#"{"id":3}"#,
                "[1]",
                "{",
            ]
            .map(String::from),
        );
        fn same<T: DeserializeOwned + PartialEq + std::fmt::Debug + 'static>(body: &str) {
            let ours = parse_body::<T>(body.as_bytes()).map_err(|e| e.to_string());
            let serde = serde_json::from_slice::<T>(body.as_bytes()).map_err(|e| e.to_string());
            assert_eq!(ours, serde, "{body}");
        }
        for body in &bodies {
            same::<AuditTrailEvent>(body);
            same::<PaloEvent>(body);
            same::<serde_json::Value>(body);
        }
        let event: AuditTrailEvent = parse_body(bodies[0].as_bytes()).expect("a sample");
        assert!(!event.is_unknown());
    }

    /// `parse_native` without the walk: the one-pass parse (else the reference parse), then
    /// its envelope fields.
    fn one_pass_native<E: NativeEvent + fmt::Debug>(
        body: &Bytes,
        names: &[Option<&str>],
    ) -> Option<(FieldValues<'static, 7>, String)> {
        let json = std::str::from_utf8(body).ok()?;
        let (event, by_reference) = one_pass_or_reference::<E>(body, json)?;
        let mut padded = [None; 7];
        padded[..names.len()].copy_from_slice(names);
        let fields = envelope_fields(&event, &padded, by_reference)?;
        Some((fields, format!("{event:?}")))
    }

    fn native_by_walk<'b, E: NativeEvent + fmt::Debug>(
        body: &'b Bytes,
        names: &[Option<&str>],
    ) -> Option<(FieldValues<'b, 7>, String)> {
        // The verifier asks for its fields in an array of its own length; these tests, for up
        // to seven.
        let mut padded = [None; 7];
        padded[..names.len()].copy_from_slice(names);
        // What the one pass read: a reference parse's event comes without fields.
        let (Some(fields), event) = parse_native::<E, 7>(body, &padded)? else {
            return None;
        };
        Some((fields, format!("{event:?}")))
    }

    fn envelope_field() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let key = prop::sample::select(vec![
            "id",
            "type",
            "timestamp",
            "tenantId",
            "event_id",
            "event_type",
            "organization_id",
            "data",
            "extra",
            "i\\u0064",
            "ty\\u0070e",
        ]);
        let value = prop::sample::select(vec![
            r#""whd_1""#,
            r#""alert.resolved""#,
            r#""ticket.resolved""#,
            r#""new.type""#,
            r#""new\u002etype""#,
            r#""2025-01-15T10:30:00Z""#,
            r#""t1""#,
            "{}",
            r#"{"alert":7}"#,
            r#"[1,"two",null]"#,
            "1e400",
            "-0",
            "null",
            "true",
            "[1,]",
            r#""\ud800""#,
        ]);
        (key, value).prop_map(|(k, v)| format!(r#""{k}":{v}"#))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(8000))]

        /// The walk's unknown events and fields are the one-pass parse's, whatever the body.
        #[test]
        fn the_walk_reads_unknown_events_as_the_one_pass_parse(
            fields in proptest::collection::vec(envelope_field(), 0..8),
            space in proptest::prelude::any::<bool>(),
        ) {
            let body = Bytes::from(format!("{{{}}}{}", fields.join(","), if space { " " } else { "" }));
            for names in [
                &[Some("id"), Some("type"), Some("tenantId"), None, Some("id"), None, None][..],
                &[Some("id"), Some("type")],
                &[Some("id"), Some("timestamp")],
                &[Some("event_id"), Some("event_type"), Some("organization_id")],
            ] {
                proptest::prop_assert_eq!(
                    native_by_walk::<AuditTrailEvent>(&body, names),
                    one_pass_native::<AuditTrailEvent>(&body, names)
                );
                proptest::prop_assert_eq!(
                    native_by_walk::<PaloEvent>(&body, names),
                    one_pass_native::<PaloEvent>(&body, names)
                );
            }
        }
    }

    /// The top-level string fields `names`, as a walk of the body reads them (decoded).
    fn scan_fields<'t>(
        body: &'t str,
        names: &[Option<&str>],
    ) -> Vec<Option<std::borrow::Cow<'t, str>>> {
        let mut out = vec![None; names.len()];
        crate::scan::object(body, names, |i, token| {
            out[i] = serde_json::from_str::<String>(token)
                .ok()
                .map(std::borrow::Cow::Owned);
            Ok::<_, crate::scan::Malformed>(crate::scan::Flow::Continue)
        })
        .expect("valid JSON");
        out
    }

    /// A known type whose data does not fit its model comes out of verification as the
    /// `Unparsed` event `from_slice` gives (serde_json's message included), with the fields the
    /// scan reads or none (the verifier then reads them itself); a body that is no event, as
    /// nothing.
    #[test]
    fn a_body_that_does_not_fit_its_model_is_read_as_from_slice_reads_it() {
        let created = crate::testing::audit_trail_sample("event.created").expect("a sample");
        let names = [Some("id"), Some("type"), Some("tenantId")];
        for body in [
            // The data of another type: `alert` missing.
            created.replacen("\"event.created\"", "\"alert.triggered\"", 1),
            // A modelled field of the wrong type.
            created.replacen("\"tenantId\":\"tenant-001\"", "\"tenantId\":7", 1),
            created.replacen("\"name\":\"John Doe\"", "\"name\":[1]", 1),
            // JSON whitespace around the event: not part of its raw text.
            format!(
                " \n{}\t\r",
                created.replacen("\"event.created\"", "\"alert.triggered\"", 1)
            ),
        ] {
            let bytes = Bytes::from(body.clone());
            let (fields, event) =
                parse_native::<AuditTrailEvent, 3>(&bytes, &names).expect("an event");
            let AuditTrailEvent::Unparsed(unparsed) = &event else {
                panic!("not unparsed: {body}")
            };
            assert_eq!(event, AuditTrailEvent::from_slice(body.as_bytes()).unwrap());
            assert!(
                unparsed.error().contains("line 1 column"),
                "{}",
                unparsed.error()
            );
            // The fields it read are the scan's; a tenant that is not a string is left to it.
            let scanned = scan_fields(&body, &names);
            match fields {
                Some(fields) => assert_eq!(fields.to_vec(), scanned, "{body}"),
                None => assert_eq!(unparsed.tenant_id(), None, "{body}"),
            }
        }
        for no_event in [
            r#"{"type":"event.created"}"#,
            "[1]",
            r#"{"id":"1""#,
            // Text after the event, or a character that is not JSON whitespace before it.
            r#"{"id":"1","type":"alert.triggered","data":{}} x"#,
            "\u{feff}{\"id\":\"1\",\"type\":\"alert.triggered\",\"data\":{}}",
        ] {
            let bytes = Bytes::from(no_event);
            assert!(parse_native::<AuditTrailEvent, 3>(&bytes, &names).is_none());
            assert!(AuditTrailEvent::from_slice(no_event.as_bytes()).is_err());
        }
    }

    /// A verified body of an unknown type is read once: its event's text is the body's own
    /// bytes (no copy, no second walk), and gives what the reference parse's `RawValue` does.
    #[test]
    fn an_unknown_event_from_a_verified_body_shares_its_bytes() {
        let text = " {\"id\":\"whd_1\",\"type\":\"user.deleted\",\"tenantId\":\"t1\",\"data\":{\"a\":[1,\"\\u00e9\"]}}\n";
        let body = Bytes::from(text);
        let (fields, event) =
            parse_native::<AuditTrailEvent, 2>(&body, &[Some("id"), Some("type")])
                .expect("one pass");
        let fields = fields.expect("read in the same pass");
        assert_eq!(fields[0].as_deref(), Some("whd_1"));
        assert_eq!(fields[1].as_deref(), Some("user.deleted"));
        let AuditTrailEvent::Unknown(unknown) = event else {
            panic!("not unknown")
        };
        let json = unknown.json();
        assert_eq!(json, text.trim());
        assert!(body.as_ptr_range().contains(&json.as_ptr()), "a copy");
        let reference: Box<RawValue> = serde_json::from_str(text).unwrap();
        assert_eq!(unknown.raw().get(), reference.get());
        assert_eq!(
            serde_json::to_string(&unknown).unwrap(),
            serde_json::to_string(&reference).unwrap()
        );
        assert_eq!(
            format!("{unknown:?}"),
            format!("{:?}", {
                let AuditTrailEvent::Unknown(copy) =
                    AuditTrailEvent::from_raw_reference(&reference).unwrap()
                else {
                    panic!("not unknown")
                };
                copy
            })
        );
        assert_eq!(unknown.clone().into_raw().get(), reference.get());
        // Not asked for before `into_raw`: made then.
        let fresh = AuditTrailEvent::from_slice(text.as_bytes()).unwrap();
        let AuditTrailEvent::Unknown(fresh) = fresh else {
            panic!("not unknown")
        };
        assert_eq!(fresh.into_raw().get(), reference.get());
    }
}
