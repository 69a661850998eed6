//! Typed events: the JSON bodies of each provider, parsed into one enum per provider.
//!
//! Each provider module ([`audit_trail`], [`palo`]) has an enum with one variant per event type
//! its spec documents, each carrying an `Envelope<Data>` (the common envelope fields plus the
//! typed `data`), and an `Unknown` variant for every other type:
//!
//! - an event whose type is **not known** is not an error: it parses into `Unknown`, which keeps
//!   the type name, the id and the raw JSON text of the whole event, byte for byte
//!   ([`UnknownEvent`]), so a new provider event type never breaks a receiver;
//! - an event whose type **is known** but whose data does not match the model is an error, with
//!   serde's precise message (such as: missing field `ruleName`);
//! - fields that are not modelled are kept (`extra` maps on the envelope and on every data
//!   struct), so re-serialising an event loses nothing the sender sent.
//!
//! Every event, known or not, must be a JSON object with a string type field and a string id
//! field (the envelope both specs share): without them a receiver could neither route nor
//! deduplicate it, so their absence is an error.
//!
//! Parse with `serde_json::from_slice`/`from_str`/`from_reader`, or with the enums' own
//! `from_slice` and [`FromStr`](std::str::FromStr) (these keep serde_json's line and column in the
//! error). The `Deserialize` impls need a `serde_json` deserializer (this includes
//! `serde_json::from_value`): the `Unknown` variant holds a [`serde_json::value::RawValue`].
//!
//! ```
//! use webhook_guard::event::TypedEvent;
//! use webhook_guard::event::audit_trail::{self, AuditTrailEvent};
//!
//! let body = audit_trail::sample("alert.triggered").expect("a known type");
//! let event: AuditTrailEvent = serde_json::from_str(&body)?;
//! match &event {
//!     AuditTrailEvent::AlertTriggered(alert) => {
//!         assert_eq!(alert.data.alert.severity, "HIGH");
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
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::de::{self, DeserializeOwned, Unexpected};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

pub mod audit_trail;
pub mod palo;

pub use audit_trail::AuditTrailEvent;
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
/// let audit = webhook_guard::event::audit_trail::sample("report.failed").unwrap();
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

    /// Parses a raw JSON body, keeping serde_json's line and column in the error.
    fn from_json(body: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(body)
    }
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
#[derive(Debug, Clone)]
pub struct UnknownEvent {
    event_type: String,
    id: String,
    tenant_id: Option<String>,
    raw: Box<RawValue>,
}

impl UnknownEvent {
    pub(crate) fn new(
        event_type: String,
        id: String,
        tenant_id: Option<String>,
        raw: Box<RawValue>,
    ) -> Self {
        Self {
            event_type,
            id,
            tenant_id,
            raw,
        }
    }

    /// The event type, as sent.
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The envelope's id (Audit Trail `id`, PALO `event_id`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The envelope's tenant (Audit Trail `tenantId`, PALO `organization_id`), if it is present
    /// and a string.
    pub fn tenant_id(&self) -> Option<&str> {
        self.tenant_id.as_deref()
    }

    /// The whole event as raw JSON: the exact bytes of the value that was parsed (whitespace
    /// around the top-level value is not part of it).
    pub fn raw(&self) -> &RawValue {
        &self.raw
    }

    /// The whole event's JSON text, as received.
    pub fn json(&self) -> &str {
        self.raw.get()
    }

    /// Parses the raw text into a [`serde_json::Value`] (an owned tree, for inspection).
    pub fn to_value(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str(self.raw.get())
    }

    /// Parses the raw text as `T`, for a type the caller models itself.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.raw.get())
    }

    /// Gives back the raw JSON.
    pub fn into_raw(self) -> Box<RawValue> {
        self.raw
    }
}

impl PartialEq for UnknownEvent {
    fn eq(&self, other: &Self) -> bool {
        self.event_type == other.event_type
            && self.id == other.id
            && self.tenant_id == other.tenant_id
            && self.raw.get() == other.raw.get()
    }
}

impl Eq for UnknownEvent {}

impl Serialize for UnknownEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(serializer)
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
    serde_json::from_str(json)
}

/// The envelope's tenant as a string, if the field is a string; any other JSON is ignored
/// (an unknown event is not rejected for an odd tenant field).
pub(crate) fn string_or_none(value: Option<serde_json::Value>) -> Option<String> {
    match value {
        Some(serde_json::Value::String(s)) => Some(s),
        _ => None,
    }
}
