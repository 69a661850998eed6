//! What every provider's event enum shares: [`event_enum!`], which writes a provider's enum,
//! its `Envelope<D>` and their impls from a table of variants and wire names, and the one-pass
//! parser behind their `from_slice`.
//!
//! # One pass, and the reference parse for everything else
//!
//! A delivery whose envelope is well formed (the common case: every verified delivery of a
//! known or an unknown type) is read in **one pass** ([`parse_one_pass`]): the envelope's keys
//! are matched as borrowed strings, the type is looked up as soon as it is read, and the `data`
//! that follows it is deserialised straight into its type from the same stream. Only what comes
//! before the type (the spec puts the type second, after the id) is kept as raw slices and
//! parsed once the type is known.
//!
//! Anything else (invalid JSON, a missing or repeated envelope field, a field of the wrong type,
//! data that does not fit its model) is handed to the **reference parse**: the raw value, the
//! envelope keys (`Peek`), then the typed envelope (`read_wire_envelope`). It is what produced
//! every result before the one-pass parser existed, so the errors and the `Unparsed` messages
//! (with serde_json's line and column relative to the whole event) are exactly its own, and a
//! result of the one-pass parser is always the one the reference parse gives (the tests check
//! both on the same bodies). The reference parse costs a few passes, but only for bodies that
//! are refused or `Unparsed`.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use bytes::Bytes;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use super::{Extra, JsonText};

/// The wire names of a provider's envelope fields (its `data` is `data` for every provider).
pub(crate) struct WireKeys {
    pub(crate) id: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) timestamp: &'static str,
    pub(crate) tenant: &'static str,
}

/// The typed `data` of a provider's known types, one variant per type (written by
/// [`event_enum!`]): what the one-pass parser needs of a provider.
pub(crate) trait WireData: Sized {
    const KEYS: WireKeys;
    const KNOWN_TYPES: &'static [&'static str];

    /// Deserialises the `data` of `kind`, one of [`KNOWN_TYPES`](Self::KNOWN_TYPES).
    fn deserialize_known<'de, D: Deserializer<'de>>(
        kind: &'static str,
        deserializer: D,
    ) -> Result<Self, D::Error>;
}

/// What the one-pass parser read: a known type's envelope parts, or an unknown type's keys.
pub(crate) enum OnePass<K> {
    Known {
        id: String,
        timestamp: String,
        tenant: String,
        data: K,
        extra: Extra,
    },
    Unknown {
        kind: String,
        id: String,
        tenant: Option<String>,
    },
}

/// Reads an event in one pass; `None` when the body is anything but a well-formed envelope
/// (then the reference parse decides, see the module docs).
pub(crate) fn parse_one_pass<K: WireData>(json: &str) -> Option<OnePass<K>> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let parsed = deserializer
        .deserialize_map(EnvelopeVisitor(PhantomData))
        .ok()?;
    deserializer.end().ok()?;
    Some(parsed)
}

/// [`parse_one_pass`] through the body's own reader (`event::reader`); why it gave up when it
/// does, and then serde_json's parses read the body and decide.
pub(crate) fn read_one_pass<K: WireData>(json: &str) -> Result<OnePass<K>, super::reader::Bail> {
    super::reader::read(json, |reader| {
        reader.deserialize_map(EnvelopeVisitor(PhantomData))
    })
}

/// The whole event's raw JSON for an unknown type read by [`parse_one_pass`] from `json`: the
/// text without the whitespace around it, as `serde_json` gives a [`RawValue`]. A copy of it,
/// not validated again (the one pass did).
pub(crate) fn raw_of(json: &str) -> Option<JsonText> {
    Some(JsonText::checked(Bytes::copy_from_slice(
        trimmed(json).as_bytes(),
    )))
}

/// [`raw_of`] for `json` read from `body`: a slice of the body, no copy.
pub(crate) fn shared_raw_of(body: &Bytes, json: &str) -> Option<JsonText> {
    let text = trimmed(json).as_bytes();
    // `json` is `body` read as text; anything else is copied.
    if body.as_ptr_range().contains(&text.as_ptr()) || text.is_empty() {
        Some(JsonText::checked(body.slice_ref(text)))
    } else {
        raw_of(json)
    }
}

/// JSON text without the whitespace around its value.
fn trimmed(json: &str) -> &str {
    json.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
}

/// The error that sends a body to the reference parse: its message is never shown.
fn refer<E: de::Error>() -> E {
    E::custom("not a well-formed envelope")
}

struct EnvelopeVisitor<K>(PhantomData<K>);

/// The type field, once read.
enum Kind {
    Unseen,
    Known(&'static str),
    Unknown(String),
}

/// Where a `data` read before the type waits: it is parsed once the type is known.
enum DataSlot<'de, K> {
    Parsed(K),
    Raw(&'de RawValue),
    Skipped,
}

impl<'de, K: WireData> Visitor<'de> for EnvelopeVisitor<K> {
    type Value = OnePass<K>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object (an event envelope)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OnePass<K>, A::Error> {
        let keys = &K::KEYS;
        let mut id: Option<String> = None;
        let mut kind = Kind::Unseen;
        let mut timestamp: Option<Value> = None;
        let mut tenant: Option<Value> = None;
        let mut data: Option<DataSlot<'de, K>> = None;
        let mut extra = Extra::new();
        // Unmodelled fields before the type: kept raw until the type says whether they matter.
        let mut pending: Vec<(String, &'de RawValue)> = Vec::new();
        while let Some(Str(key)) = map.next_key::<Str<'de>>()? {
            let key = key.as_ref();
            if key == keys.id {
                // A repeated envelope field is the reference parse's to judge (an error, or
                // `Unparsed`, depending on the field).
                if id.is_some() {
                    return Err(refer());
                }
                id = Some(map.next_value()?);
            } else if key == keys.kind {
                if !matches!(kind, Kind::Unseen) {
                    return Err(refer());
                }
                let Str(name) = map.next_value()?;
                kind = match K::KNOWN_TYPES.iter().find(|known| **known == name) {
                    Some(known) => {
                        for (key, raw) in pending.drain(..) {
                            extra.push_raw(key, raw)?;
                        }
                        Kind::Known(known)
                    }
                    None => Kind::Unknown(name.into_owned()),
                };
            } else if key == keys.timestamp {
                if timestamp.is_some() {
                    return Err(refer());
                }
                timestamp = Some(map.next_value()?);
            } else if key == keys.tenant {
                if tenant.is_some() {
                    return Err(refer());
                }
                tenant = Some(map.next_value()?);
            } else if key == "data" {
                if data.is_some() {
                    return Err(refer());
                }
                data = Some(match kind {
                    Kind::Known(known) => {
                        DataSlot::Parsed(map.next_value_seed(DataSeed(known, PhantomData))?)
                    }
                    Kind::Unseen => DataSlot::Raw(map.next_value()?),
                    Kind::Unknown(_) => {
                        map.next_value::<IgnoredAny>()?;
                        DataSlot::Skipped
                    }
                });
            } else {
                match kind {
                    Kind::Known(_) => extra.read_next(key.to_owned(), &mut map)?,
                    Kind::Unseen => pending.push((key.to_owned(), map.next_value()?)),
                    Kind::Unknown(_) => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
        }
        let id = id.ok_or_else(refer)?;
        match kind {
            Kind::Unseen => Err(refer()),
            Kind::Unknown(kind) => Ok(OnePass::Unknown {
                kind,
                id,
                tenant: match tenant {
                    Some(Value::String(tenant)) => Some(tenant),
                    _ => None,
                },
            }),
            Kind::Known(known) => {
                let data = match data {
                    Some(DataSlot::Parsed(data)) => data,
                    Some(DataSlot::Raw(raw)) => parse_in_place(raw, DataSeed(known, PhantomData))?,
                    Some(DataSlot::Skipped) | None => return Err(refer()),
                };
                let (Some(Value::String(timestamp)), Some(Value::String(tenant))) =
                    (timestamp, tenant)
                else {
                    return Err(refer());
                };
                extra.finish();
                Ok(OnePass::Known {
                    id,
                    timestamp,
                    tenant,
                    data,
                    extra,
                })
            }
        }
    }
}

/// Parses a value kept raw (read before the type) as it would have been parsed where it stood:
/// one level deep (inside `[...]`), so that serde_json's nesting limit falls where it falls for
/// the whole event, and a value at the limit is refused here as it is by the reference parse.
fn parse_in_place<S, T, E>(raw: &RawValue, seed: S) -> Result<T, E>
where
    S: for<'a> DeserializeSeed<'a, Value = T>,
    E: de::Error,
{
    struct Nested<S>(S);

    impl<'a, S: DeserializeSeed<'a>> Visitor<'a> for Nested<S> {
        type Value = S::Value;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("one value")
        }

        fn visit_seq<A: de::SeqAccess<'a>>(self, mut seq: A) -> Result<S::Value, A::Error> {
            seq.next_element_seed(self.0)?.ok_or_else(refer)
        }
    }

    let nested = format!("[{}]", raw.get());
    let mut deserializer = serde_json::Deserializer::from_str(&nested);
    de::Deserializer::deserialize_seq(&mut deserializer, Nested(seed)).map_err(|_| refer())
}

/// Deserialises the `data` of one known type, in the envelope's stream.
struct DataSeed<K>(&'static str, PhantomData<K>);

impl<'de, K: WireData> DeserializeSeed<'de> for DataSeed<K> {
    type Value = K;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<K, D::Error> {
        K::deserialize_known(self.0, deserializer)
    }
}

/// A JSON string, borrowed from the body when it has no escapes (serde's own `Cow<str>` always
/// allocates).
pub(crate) struct Str<'de>(pub(crate) Cow<'de, str>);

impl<'de> Deserialize<'de> for Str<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor;

        impl<'de> Visitor<'de> for StrVisitor {
            type Value = Str<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Borrowed(s)))
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(s.to_owned())))
            }

            fn visit_string<E: de::Error>(self, s: String) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(s)))
            }
        }

        deserializer.deserialize_str(StrVisitor)
    }
}

/// A known type's envelope as the reference parse reads it (the type was checked before): its
/// fields, and the unmodelled ones in `extra`.
pub(crate) struct WireEnvelope<D> {
    pub(crate) id: String,
    pub(crate) timestamp: String,
    pub(crate) tenant: String,
    pub(crate) data: D,
    pub(crate) extra: Extra,
}

/// Reads a known type's envelope from `json` for the reference parse, in one visit of its keys:
/// each envelope field straight into its place, any other into `extra` (as `model!` does for
/// the data structs, and with the messages serde's derive with `flatten` gave: a missing field
/// in the order id, type, timestamp, tenant, data, a repeated one, serde_json's position).
pub(crate) fn read_wire_envelope<D: de::DeserializeOwned>(
    json: &str,
    keys: &'static WireKeys,
) -> Result<WireEnvelope<D>, serde_json::Error> {
    struct WireVisitor<D>(&'static WireKeys, PhantomData<D>);

    impl<'de, D: Deserialize<'de>> Visitor<'de> for WireVisitor<D> {
        type Value = WireEnvelope<D>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("struct EnvelopeIn")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WireEnvelope<D>, A::Error> {
            /// Reads a field's value, once.
            fn once<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
                slot: &mut Option<T>,
                map: &mut A,
                name: &'static str,
            ) -> Result<(), A::Error> {
                if slot.is_some() {
                    return Err(de::Error::duplicate_field(name));
                }
                *slot = Some(map.next_value()?);
                Ok(())
            }

            /// The field, or serde's "missing field" error.
            fn given<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
                slot.ok_or_else(|| de::Error::missing_field(name))
            }

            let keys = self.0;
            let (mut id, mut kind, mut timestamp, mut tenant, mut data) =
                (None, None::<IgnoredAny>, None, None, None);
            let mut extra = Extra::new();
            while let Some(Str(key)) = map.next_key()? {
                match &*key {
                    key if key == keys.id => once(&mut id, &mut map, keys.id)?,
                    key if key == keys.kind => once(&mut kind, &mut map, keys.kind)?,
                    key if key == keys.timestamp => {
                        once(&mut timestamp, &mut map, keys.timestamp)?;
                    }
                    key if key == keys.tenant => once(&mut tenant, &mut map, keys.tenant)?,
                    "data" => once(&mut data, &mut map, "data")?,
                    _ => extra.read_next(key.into_owned(), &mut map)?,
                }
            }
            extra.finish();
            let id = given(id, keys.id)?;
            given(kind, keys.kind)?;
            Ok(WireEnvelope {
                id,
                timestamp: given(timestamp, keys.timestamp)?,
                tenant: given(tenant, keys.tenant)?,
                data: given(data, "data")?,
                extra,
            })
        }
    }

    let mut deserializer = serde_json::Deserializer::from_str(json);
    let envelope = deserializer.deserialize_map(WireVisitor(keys, PhantomData))?;
    deserializer.end()?;
    Ok(envelope)
}

/// Writes an envelope: its fields in the spec's order, then `extra` (as serde's derive with
/// `flatten` wrote it).
#[allow(clippy::too_many_arguments)]
pub(crate) fn write_envelope<S: serde::Serializer, D: serde::Serialize>(
    serializer: S,
    keys: &WireKeys,
    [id, kind, timestamp, tenant]: [&str; 4],
    data: &D,
    extra: &Extra,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(None)?;
    map.serialize_entry(keys.id, id)?;
    map.serialize_entry(keys.kind, kind)?;
    map.serialize_entry(keys.timestamp, timestamp)?;
    map.serialize_entry(keys.tenant, tenant)?;
    map.serialize_entry("data", data)?;
    for (key, raw) in extra.iter() {
        map.serialize_entry(key, raw)?;
    }
    map.end()
}

/// Writes a provider's event enum, its `Envelope<D>` and every impl they share, from the
/// provider's table: its variants (`Variant(DataStruct)`, each data struct implementing
/// [`EventData`](crate::event::EventData)), the wire names of its envelope fields and the docs
/// that differ per provider. Adding a provider is this table, its data structs and its samples
/// (in `crate::testing`).
///
/// The enum gets `Unknown` and `Unparsed`, `from_slice`/`from_raw` (one pass, see the module
/// docs), the accessors (`event_type`, `id`, the tenant accessor named after the tenant field,
/// `timestamp`, `is_unknown`, `parse_error`), `TypedEvent`, `FromStr`, `Deserialize` and
/// `Serialize`; the envelope its fields, `new`, `event_type`, `from_raw`, `Deserialize` (which
/// checks the type) and `Serialize` (the fields in the spec's order, then `extra`).
macro_rules! event_enum {
    (
        module: $module:ident,
        $(#[$known_meta:meta])*
        known_types: $KNOWN:ident,
        $(#[$enum_meta:meta])*
        enum $Enum:ident {
            $( $(#[$variant_meta:meta])* $Variant:ident($Data:ident), )+
        }
        $(#[$envelope_meta:meta])*
        struct Envelope {
            $(#[$id_meta:meta])* $id:ident: $id_key:literal,
            type: $type_key:literal,
            $(#[$timestamp_meta:meta])* timestamp: $timestamp_key:literal,
            $(#[$tenant_meta:meta])* $tenant:ident: $tenant_key:literal,
        }
        $(#[$id_fn_meta:meta])*
        fn id;
        $(#[$tenant_fn_meta:meta])*
        fn $tenant_fn:ident;
        example: $Example:ident,
    ) => {
        $(#[$known_meta])*
        pub const $KNOWN: &[&str] = &[$($Data::EVENT_TYPE),+];

        $(#[$enum_meta])*
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum $Enum {
            $( $(#[$variant_meta])* $Variant(Envelope<$Data>), )+
            /// Any other type, kept raw.
            Unknown($crate::event::UnknownEvent),
            #[doc = concat!("A known type whose fields do not fit the model (or an envelope \
                without a string `", $type_key, "`), kept raw with the reason: the handler \
                still sees it.")]
            Unparsed($crate::event::UnparsedEvent),
        }

        /// The typed `data` of each known type, for the one-pass parser.
        enum KnownData {
            $( $Variant($Data), )+
        }

        /// The wire names of the envelope's fields.
        const WIRE_KEYS: $crate::event::envelope::WireKeys = $crate::event::envelope::WireKeys {
            id: $id_key,
            kind: $type_key,
            timestamp: $timestamp_key,
            tenant: $tenant_key,
        };

        impl $crate::event::envelope::WireData for KnownData {
            const KEYS: $crate::event::envelope::WireKeys = WIRE_KEYS;
            const KNOWN_TYPES: &'static [&'static str] = $KNOWN;

            fn deserialize_known<'de, D: ::serde::de::Deserializer<'de>>(
                kind: &'static str,
                deserializer: D,
            ) -> Result<Self, D::Error> {
                $(
                    if kind == $Data::EVENT_TYPE {
                        return <$Data as ::serde::Deserialize>::deserialize(deserializer)
                            .map(Self::$Variant);
                    }
                )+
                // `kind` comes from KNOWN_TYPES, which lists exactly the types above.
                Err(::serde::de::Error::custom("not a known type"))
            }
        }

        impl $Enum {
            /// Parses a raw JSON body. Same result as `serde_json::from_slice`, but an error in
            /// a known type's data keeps its line and column ([`serde_json::Error::line`]).
            ///
            /// ```
            #[doc = concat!("use webhook_guard::event::", stringify!($module), "::{self, ", stringify!($Enum), "};")]
            ///
            #[doc = concat!("let body = webhook_guard::testing::", stringify!($module), "_sample(", stringify!($module), "::KNOWN_TYPES[0]).unwrap();")]
            #[doc = concat!("let event = ", stringify!($Enum), "::from_slice(body.as_bytes())?;")]
            #[doc = concat!("assert_eq!(event.event_type(), ", stringify!($module), "::KNOWN_TYPES[0]);")]
            #[doc = concat!("assert!(", stringify!($Enum), "::from_slice(b\"[1, 2]\").is_err());")]
            /// # Ok::<(), serde_json::Error>(())
            /// ```
            pub fn from_slice(body: &[u8]) -> Result<Self, serde_json::Error> {
                if let Some(event) = $crate::scan::utf8(body).and_then(|json| {
                    Self::one_pass(json, || $crate::event::envelope::raw_of(json))
                }) {
                    return Ok(event);
                }
                let raw: &::serde_json::value::RawValue = serde_json::from_slice(body)?;
                Self::from_raw_reference(raw)
            }

            /// Parses an event held as raw JSON.
            ///
            #[doc = concat!("Fails only when the JSON is not an object with a string `", $id_key, "`: every other body is a variant, [`Unknown`](Self::Unknown) or [`Unparsed`](Self::Unparsed) included.")]
            ///
            /// ```
            #[doc = concat!("use webhook_guard::event::", stringify!($module), "::{self, ", stringify!($Enum), "};")]
            ///
            #[doc = concat!("let body = webhook_guard::testing::", stringify!($module), "_sample(", stringify!($module), "::KNOWN_TYPES[1]).unwrap();")]
            /// let raw: &serde_json::value::RawValue = serde_json::from_str(&body)?;
            #[doc = concat!("assert_eq!(", stringify!($Enum), "::from_raw(raw)?, ", stringify!($Enum), "::from_slice(body.as_bytes())?);")]
            /// # Ok::<(), serde_json::Error>(())
            /// ```
            pub fn from_raw(raw: &::serde_json::value::RawValue) -> Result<Self, serde_json::Error> {
                match Self::one_pass(raw.get(), || Some($crate::event::JsonText::Raw(raw.to_owned()))) {
                    Some(event) => Ok(event),
                    None => Self::from_raw_reference(raw),
                }
            }

            /// The one-pass parse; `None` sends the body to the reference parse.
            pub(crate) fn one_pass(
                json: &str,
                raw: impl FnOnce() -> Option<$crate::event::JsonText>,
            ) -> Option<Self> {
                Self::from_one_pass($crate::event::envelope::parse_one_pass::<KnownData>(json)?, raw)
            }

            /// [`one_pass`](Self::one_pass) through the body's own reader only; `None` when it
            /// bails out.
            #[cfg(test)]
            pub(crate) fn one_pass_read(
                json: &str,
                raw: impl FnOnce() -> Option<$crate::event::JsonText>,
            ) -> Option<Self> {
                Self::from_one_pass($crate::event::envelope::read_one_pass::<KnownData>(json).ok()?, raw)
            }

            /// Why the reader gave up on `json`, if it did.
            #[cfg(test)]
            pub(crate) fn one_pass_bail(json: &str) -> Option<$crate::event::reader::Bail> {
                $crate::event::envelope::read_one_pass::<KnownData>(json).err()
            }

            /// The event the one-pass parse read.
            fn from_one_pass(
                parsed: $crate::event::envelope::OnePass<KnownData>,
                raw: impl FnOnce() -> Option<$crate::event::JsonText>,
            ) -> Option<Self> {
                use $crate::event::envelope::OnePass;
                Some(match parsed {
                    OnePass::Known { id, timestamp, tenant, data, extra } => match data {
                        $(
                            KnownData::$Variant(data) => Self::$Variant(Envelope {
                                $id: id,
                                timestamp,
                                $tenant: tenant,
                                data,
                                extra,
                            }),
                        )+
                    },
                    OnePass::Unknown { kind, id, tenant } => Self::Unknown(
                        $crate::event::UnknownEvent::new(kind, id, tenant, raw()?),
                    ),
                })
            }

            /// The reference parse (see `event::envelope`): the type first, then the variant.
            pub(crate) fn from_raw_reference(
                raw: &::serde_json::value::RawValue,
            ) -> Result<Self, serde_json::Error> {
                let peek: Peek = $crate::event::peek(raw)?;
                let keys = $crate::event::EnvelopeKeys::new(peek.kind, peek.id, peek.tenant);
                let json = raw.get();
                let parsed = match keys.event_type.as_deref() {
                    $(
                        Some($Data::EVENT_TYPE) => {
                            Envelope::from_wire_json(json).map(Self::$Variant)
                        }
                    )+
                    Some(_) => return Ok(Self::Unknown(keys.into_raw_event(raw))),
                    None => Err(::serde::de::Error::custom(concat!(
                        "the envelope has no string `", $type_key, "`"
                    ))),
                };
                Ok($crate::event::known_or_unparsed(parsed, keys, raw, Self::Unparsed))
            }

            #[doc = concat!("The event type (`", $type_key, "`), as sent.")]
            ///
            /// ```
            #[doc = concat!("use webhook_guard::event::", stringify!($module), "::{self, ", stringify!($Enum), "};")]
            ///
            #[doc = concat!("for kind in ", stringify!($module), "::KNOWN_TYPES {")]
            #[doc = concat!("    let body = webhook_guard::testing::", stringify!($module), "_sample(kind).unwrap();")]
            #[doc = concat!("    assert_eq!(body.parse::<", stringify!($Enum), ">()?.event_type(), *kind);")]
            /// }
            /// # Ok::<(), serde_json::Error>(())
            /// ```
            pub fn event_type(&self) -> &str {
                match self {
                    $( Self::$Variant(envelope) => envelope.event_type(), )+
                    Self::Unknown(unknown) => unknown.event_type(),
                    Self::Unparsed(unparsed) => unparsed.event_type(),
                }
            }

            $(#[$id_fn_meta])*
            ///
            /// ```
            #[doc = concat!("use webhook_guard::event::", stringify!($module), "::{self, ", stringify!($Enum), "};")]
            ///
            #[doc = concat!("let body = webhook_guard::testing::", stringify!($module), "_sample_with_id(", stringify!($module), "::KNOWN_TYPES[0], \"delivery-7\").unwrap();")]
            #[doc = concat!("assert_eq!(body.parse::<", stringify!($Enum), ">()?.id(), \"delivery-7\");")]
            /// # Ok::<(), serde_json::Error>(())
            /// ```
            pub fn id(&self) -> &str {
                match self {
                    $( Self::$Variant(envelope) => &envelope.$id, )+
                    Self::Unknown(unknown) => unknown.id(),
                    Self::Unparsed(unparsed) => unparsed.id(),
                }
            }

            $(#[$tenant_fn_meta])*
            ///
            /// ```
            #[doc = concat!("use webhook_guard::event::", stringify!($Enum), ";")]
            ///
            #[doc = concat!("let event: ", stringify!($Enum), " = r#\"{\"", $id_key, "\":\"1\",\"", $type_key, "\":\"new.type\",\"", $tenant_key, "\":\"t-1\"}\"#.parse()?;")]
            #[doc = concat!("assert_eq!(event.", stringify!($tenant_fn), "(), Some(\"t-1\"));")]
            #[doc = concat!("let event: ", stringify!($Enum), " = r#\"{\"", $id_key, "\":\"1\",\"", $type_key, "\":\"new.type\",\"", $tenant_key, "\":7}\"#.parse()?;")]
            #[doc = concat!("assert_eq!(event.", stringify!($tenant_fn), "(), None);")]
            /// # Ok::<(), serde_json::Error>(())
            /// ```
            pub fn $tenant_fn(&self) -> Option<&str> {
                match self {
                    $( Self::$Variant(envelope) => Some(&envelope.$tenant), )+
                    Self::Unknown(unknown) => unknown.tenant_id(),
                    Self::Unparsed(unparsed) => unparsed.tenant_id(),
                }
            }

            #[doc = concat!("The envelope's `", $timestamp_key, "`, as sent; `None` for an unknown or unparsed event (read it from the raw JSON).")]
            ///
            /// ```
            #[doc = concat!("use webhook_guard::event::", stringify!($module), "::{self, ", stringify!($Enum), "};")]
            ///
            #[doc = concat!("let body = webhook_guard::testing::", stringify!($module), "_sample(", stringify!($module), "::KNOWN_TYPES[0]).unwrap();")]
            #[doc = concat!("assert!(body.parse::<", stringify!($Enum), ">()?.timestamp().is_some_and(|t| t.ends_with('Z')));")]
            /// # Ok::<(), serde_json::Error>(())
            /// ```
            pub fn timestamp(&self) -> Option<&str> {
                match self {
                    $( Self::$Variant(envelope) => Some(&envelope.timestamp), )+
                    Self::Unknown(_) | Self::Unparsed(_) => None,
                }
            }

            /// Whether this is [`Unknown`](Self::Unknown).
            ///
            /// ```
            #[doc = concat!("use webhook_guard::event::", stringify!($Enum), ";")]
            ///
            #[doc = concat!("let event: ", stringify!($Enum), " = r#\"{\"", $id_key, "\":\"1\",\"", $type_key, "\":\"new.type\"}\"#.parse()?;")]
            /// assert!(event.is_unknown());
            /// # Ok::<(), serde_json::Error>(())
            /// ```
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }

            /// Why a known type did not fit its model, for [`Unparsed`](Self::Unparsed); `None`
            /// otherwise.
            ///
            /// ```
            #[doc = concat!("use webhook_guard::event::", stringify!($module), "::{self, ", stringify!($Enum), "};")]
            ///
            #[doc = concat!("let body = format!(r#\"{{\"", $id_key, "\":\"1\",\"", $type_key, "\":\"{}\",\"data\":7}}\"#, ", stringify!($module), "::KNOWN_TYPES[0]);")]
            #[doc = concat!("let event: ", stringify!($Enum), " = body.parse()?;")]
            /// assert!(event.parse_error().is_some_and(|e| e.contains("invalid type: integer `7`")));
            /// # Ok::<(), serde_json::Error>(())
            /// ```
            pub fn parse_error(&self) -> Option<&str> {
                match self {
                    Self::Unparsed(unparsed) => Some(unparsed.error()),
                    _ => None,
                }
            }
        }

        impl $crate::event::NativeEvent for $Enum {
            fn one_pass_json(body: &::bytes::Bytes, json: &str) -> Option<Self> {
                use $crate::event::reader::Bail;
                let raw = || $crate::event::envelope::shared_raw_of(body, json);
                match $crate::event::envelope::read_one_pass::<KnownData>(json) {
                    Ok(parsed) => Self::from_one_pass(parsed, raw),
                    // serde_json's one pass reads what the reader leaves to it.
                    Err(Bail::Left) => Self::one_pass(json, raw),
                    // The values do not fit the model where the reader read exactly what the
                    // one pass would: it would fail at the same place (and the reference parse,
                    // whose result it is a shortcut to, decides anyway).
                    Err(Bail::Misfit) => None,
                }
            }

            fn reference_json(json: &str) -> Option<Self> {
                // The text as a `RawValue` without a pass of its own: the reference parse's
                // first step reads all of it strictly to its end (the envelope's keys, by the
                // body's reader or by serde_json), and fails on anything
                // `serde_json::from_str::<&RawValue>` would have refused; the same text,
                // whitespace around it excluded.
                let text = json.trim_matches([' ', '\t', '\n', '\r']);
                Self::from_raw_reference($crate::event::reader::borrowed_raw(text)?).ok()
            }

            const KEYS: $crate::event::envelope::WireKeys =
                <KnownData as $crate::event::envelope::WireData>::KEYS;
            const KNOWN: &'static [&'static str] = $KNOWN;

            fn from_unknown(event: $crate::event::UnknownEvent) -> Self {
                Self::Unknown(event)
            }

            fn envelope_field(&self, name: &str) -> Option<&str> {
                let keys = <KnownData as $crate::event::envelope::WireData>::KEYS;
                if name == keys.id {
                    Some(self.id())
                } else if name == keys.kind {
                    Some(self.event_type())
                } else if name == keys.tenant {
                    self.$tenant_fn()
                } else if name == keys.timestamp {
                    self.timestamp()
                } else {
                    None
                }
            }
        }

        impl $crate::event::TypedEvent for $Enum {
            const KNOWN_TYPES: &'static [&'static str] = $KNOWN;

            fn event_type(&self) -> &str {
                $Enum::event_type(self)
            }

            fn event_id(&self) -> &str {
                $Enum::id(self)
            }

            fn is_unknown(&self) -> bool {
                $Enum::is_unknown(self)
            }

            fn parse_error(&self) -> Option<&str> {
                $Enum::parse_error(self)
            }

            fn from_json(body: &[u8]) -> Result<Self, serde_json::Error> {
                Self::from_slice(body)
            }
        }

        impl ::std::str::FromStr for $Enum {
            type Err = serde_json::Error;

            fn from_str(body: &str) -> Result<Self, Self::Err> {
                Self::from_slice(body.as_bytes())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $Enum {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = <Box<::serde_json::value::RawValue>>::deserialize(deserializer)?;
                Self::from_raw(&raw).map_err(::serde::de::Error::custom)
            }
        }

        impl ::serde::Serialize for $Enum {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    $( Self::$Variant(envelope) => envelope.serialize(serializer), )+
                    Self::Unknown(unknown) => unknown.serialize(serializer),
                    Self::Unparsed(unparsed) => unparsed.serialize(serializer),
                }
            }
        }

        /// The envelope fields read before choosing the variant (reference parse): only the id
        /// must be there.
        #[derive(::serde::Deserialize)]
        struct Peek {
            #[serde(rename = $type_key, default)]
            kind: Option<::serde_json::Value>,
            #[serde(rename = $id_key)]
            id: String,
            #[serde(rename = $tenant_key, default)]
            tenant: Option<::serde_json::Value>,
        }

        $(#[$envelope_meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct Envelope<D> {
            $(#[$id_meta])*
            pub $id: String,
            $(#[$timestamp_meta])*
            pub timestamp: String,
            $(#[$tenant_meta])*
            pub $tenant: String,
            /// The typed `data`.
            pub data: D,
            /// Top-level fields the envelope does not model, in the order sent, each as its raw
            /// JSON text. Keys must not repeat the modelled ones (they would be written twice).
            pub extra: $crate::event::Extra,
        }

        impl<D: $crate::event::EventData> Envelope<D> {
            /// An envelope with no extra fields.
            ///
            /// ```
            #[doc = concat!("use webhook_guard::event::", stringify!($module), "::{Envelope, ", stringify!($Example), "};")]
            ///
            /// use webhook_guard::event::EventData;
            ///
            #[doc = concat!("let body = webhook_guard::testing::", stringify!($module), "_sample(", stringify!($Example), "::EVENT_TYPE).unwrap();")]
            #[doc = concat!("let parsed: Envelope<", stringify!($Example), "> = serde_json::from_str(&body)?;")]
            #[doc = concat!("let built = Envelope::new(parsed.", stringify!($id), ".clone(), parsed.timestamp.clone(), parsed.", stringify!($tenant), ".clone(), parsed.data.clone());")]
            /// assert!(built.extra.is_empty());
            /// assert_eq!(built, parsed);
            /// assert_eq!(serde_json::to_string(&built)?, body);
            /// # Ok::<(), serde_json::Error>(())
            /// ```
            pub fn new(
                $id: impl Into<String>,
                timestamp: impl Into<String>,
                $tenant: impl Into<String>,
                data: D,
            ) -> Self {
                Self {
                    $id: $id.into(),
                    timestamp: timestamp.into(),
                    $tenant: $tenant.into(),
                    data,
                    extra: $crate::event::Extra::new(),
                }
            }

            /// The event type, `D::EVENT_TYPE`.
            ///
            /// ```
            #[doc = concat!("use webhook_guard::event::", stringify!($module), "::{Envelope, ", stringify!($Example), "};")]
            /// use webhook_guard::event::EventData;
            ///
            #[doc = concat!("let body = webhook_guard::testing::", stringify!($module), "_sample(", stringify!($Example), "::EVENT_TYPE).unwrap();")]
            #[doc = concat!("let envelope: Envelope<", stringify!($Example), "> = serde_json::from_str(&body)?;")]
            #[doc = concat!("assert_eq!(envelope.event_type(), ", stringify!($Example), "::EVENT_TYPE);")]
            /// # Ok::<(), serde_json::Error>(())
            /// ```
            pub fn event_type(&self) -> &'static str {
                D::EVENT_TYPE
            }
        }

        impl<'de, D: $crate::event::EventData + ::serde::de::DeserializeOwned> ::serde::Deserialize<'de>
            for Envelope<D>
        {
            fn deserialize<De: ::serde::Deserializer<'de>>(deserializer: De) -> Result<Self, De::Error> {
                let raw = <Box<::serde_json::value::RawValue>>::deserialize(deserializer)?;
                Self::from_raw(&raw).map_err(::serde::de::Error::custom)
            }
        }

        impl<D: $crate::event::EventData + ::serde::de::DeserializeOwned> Envelope<D> {
            /// Parses an event of type `D::EVENT_TYPE` held as raw JSON; another type is an
            /// error (reported before any error in its data).
            ///
            /// ```
            #[doc = concat!("use webhook_guard::event::", stringify!($module), "::{Envelope, ", stringify!($Example), "};")]
            /// use webhook_guard::event::EventData;
            ///
            #[doc = concat!("let body = webhook_guard::testing::", stringify!($module), "_sample(", stringify!($Example), "::EVENT_TYPE).unwrap();")]
            /// let raw: &serde_json::value::RawValue = serde_json::from_str(&body)?;
            #[doc = concat!("assert!(Envelope::<", stringify!($Example), ">::from_raw(raw).is_ok());")]
            #[doc = concat!("let other = body.replace(", stringify!($Example), "::EVENT_TYPE, \"other.type\");")]
            /// let raw: &serde_json::value::RawValue = serde_json::from_str(&other)?;
            #[doc = concat!("assert!(Envelope::<", stringify!($Example), ">::from_raw(raw).is_err());")]
            /// # Ok::<(), serde_json::Error>(())
            /// ```
            pub fn from_raw(raw: &::serde_json::value::RawValue) -> Result<Self, serde_json::Error> {
                let peek: Peek = $crate::event::peek(raw)?;
                $crate::event::expect_type(peek.kind.as_ref(), D::EVENT_TYPE)?;
                Self::from_wire_json(raw.get())
            }

            /// Parses the wire form, whose type is known to be `D::EVENT_TYPE`.
            fn from_wire_json(json: &str) -> Result<Self, serde_json::Error> {
                let wire: $crate::event::envelope::WireEnvelope<D> =
                    $crate::event::envelope::read_wire_envelope(json, &WIRE_KEYS)?;
                Ok(Self {
                    $id: wire.id,
                    timestamp: wire.timestamp,
                    $tenant: wire.tenant,
                    data: wire.data,
                    extra: wire.extra,
                })
            }
        }

        impl<D: $crate::event::EventData + ::serde::Serialize> ::serde::Serialize for Envelope<D> {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $crate::event::envelope::write_envelope(
                    serializer,
                    &WIRE_KEYS,
                    [&self.$id, D::EVENT_TYPE, &self.timestamp, &self.$tenant],
                    &self.data,
                    &self.extra,
                )
            }
        }
    };
}

#[cfg(test)]
pub(in crate::event) mod tests {
    use proptest::prelude::*;
    use serde_json::value::RawValue;

    use crate::event::audit_trail::{self, AuditTrailEvent};
    use crate::event::palo::{self, PaloEvent};
    use crate::testing::{audit_trail_sample, palo_sample};

    /// The one-pass parse and the reference parse give the same result for `body`: the same
    /// event, or errors with the same message.
    fn same_as_reference(body: &str) {
        let reference = |parse: fn(&RawValue) -> Result<String, String>| {
            serde_json::from_str::<&RawValue>(body)
                .map_err(|e| e.to_string())
                .and_then(parse)
        };
        let at = AuditTrailEvent::from_slice(body.as_bytes()).map_err(|e| e.to_string());
        let at_ref = reference(|raw| {
            AuditTrailEvent::from_raw_reference(raw)
                .map(|e| format!("{e:?}"))
                .map_err(|e| e.to_string())
        });
        assert_eq!(at.map(|e| format!("{e:?}")), at_ref, "Audit Trail: {body}");
        let palo = PaloEvent::from_slice(body.as_bytes()).map_err(|e| e.to_string());
        let palo_ref = reference(|raw| {
            PaloEvent::from_raw_reference(raw)
                .map(|e| format!("{e:?}"))
                .map_err(|e| e.to_string())
        });
        assert_eq!(palo.map(|e| format!("{e:?}")), palo_ref, "PALO: {body}");
    }

    /// A sample of every known type of both providers (the reader's tests use them too).
    pub(in crate::event) fn samples() -> Vec<String> {
        let mut out: Vec<String> = audit_trail::KNOWN_TYPES
            .iter()
            .filter_map(|t| audit_trail_sample(t))
            .collect();
        out.extend(palo::KNOWN_TYPES.iter().filter_map(|t| palo_sample(t)));
        assert_eq!(
            out.len(),
            audit_trail::KNOWN_TYPES.len() + palo::KNOWN_TYPES.len()
        );
        out
    }

    #[test]
    fn samples_take_the_one_pass_path_with_the_reference_result() {
        for body in samples() {
            let one_pass = AuditTrailEvent::one_pass(&body, || None)
                .map(|e| format!("{e:?}"))
                .or_else(|| PaloEvent::one_pass(&body, || None).map(|e| format!("{e:?}")));
            assert!(one_pass.is_some(), "{body}");
            same_as_reference(&body);
        }
    }

    #[test]
    fn reordered_escaped_and_padded_envelopes_take_the_one_pass_path() {
        let bodies = [
            // The data before the type, an unmodelled field before it too.
            r#"{"data":{"resolvedBy":"u-1","x":[1,{"y":null}]},"apiVersion":"2025-01","id":"whd_1","timestamp":"t","tenantId":"t1","type":"alert.resolved","z":-0.5}"#,
            // Escapes in a key and in the type.
            r#" {"i\u0064":"whd_2","type":"alert.resolv\u0065d","timestamp":"t","tenantId":"t1","data":{}} "#,
            // An unknown type, its data skipped; the tenant not a string.
            "{\"id\":\"whd_3\",\"type\":\"user.deleted\",\"tenantId\":7,\"data\":[1,2]}\n",
            r#"{"event_id":"evt_1","event_type":"ticket.resolved","timestamp":"t","organization_id":"o","data":{"ticket_id":"T"},"extra":"e"}"#,
        ];
        for body in bodies {
            let at = AuditTrailEvent::one_pass(body, || super::raw_of(body));
            let palo = PaloEvent::one_pass(body, || super::raw_of(body));
            assert!(at.is_some() || palo.is_some(), "{body}");
            same_as_reference(body);
        }
        let Some(AuditTrailEvent::AlertResolved(resolved)) =
            AuditTrailEvent::one_pass(bodies[0], || None)
        else {
            panic!("not the one-pass alert.resolved")
        };
        assert_eq!(resolved.extra.len(), 2);
        assert_eq!(
            resolved.data.extra.value("x"),
            Some(serde_json::json!([1, {"y": null}]))
        );
        assert_eq!(
            resolved.data.extra.get("x").map(|raw| raw.get()),
            Some(r#"[1,{"y":null}]"#)
        );
        // The envelope's unmodelled fields in the order sent, the one before the type too.
        assert_eq!(
            resolved.extra.keys().collect::<Vec<_>>(),
            ["apiVersion", "z"]
        );
        assert_eq!(resolved.extra.value("z"), Some(serde_json::json!(-0.5)));
    }

    #[test]
    fn odd_envelopes_get_the_reference_result() {
        for body in [
            "",
            "[]",
            "null",
            r#"{"id":"whd_1","type":"alert.resolved","timestamp":"t","tenantId":"t1","data":{},"data":{}}"#,
            r#"{"id":"whd_1","id":"whd_2","type":"x"}"#,
            r#"{"id":"whd_1","type":"x","type":"y"}"#,
            r#"{"id":"whd_1","type":"x","tenantId":"a","tenantId":"b"}"#,
            r#"{"id":"whd_1","type":"x","timestamp":1,"timestamp":2}"#,
            r#"{"id":"whd_1","type":"x","data":1,"data":2}"#,
            r#"{"id":"whd_1","type":7}"#,
            r#"{"id":"whd_1"}"#,
            r#"{"id":3,"type":"x"}"#,
            r#"{"type":"x"}"#,
            r#"{"id":"whd_1","type":"alert.resolved","tenantId":"t1","data":{}}"#,
            r#"{"id":"whd_1","type":"alert.resolved","timestamp":"t","tenantId":null,"data":{}}"#,
            r#"{"id":"whd_1","type":"alert.resolved","timestamp":"t","tenantId":"t1"}"#,
            r#"{"id":"whd_1","type":"alert.resolved","timestamp":"t","tenantId":"t1","data":{"alert":3}}"#,
            r#"{"data":{"alert":3},"id":"whd_1","type":"alert.resolved","timestamp":"t","tenantId":"t1"}"#,
            r#"{"id":"whd_1","type":"alert.resolved","timestamp":"t","tenantId":"t1","data":{}} x"#,
            r#"{"id":"whd_1","type":"x","data":{"a":tru}}"#,
        ] {
            same_as_reference(body);
        }
    }

    #[test]
    fn nesting_at_serde_json_limit_is_judged_as_in_the_reference() {
        for depth in 122..130 {
            let deep = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let data = format!(r#""data":{{"error":{deep}}}"#);
            let extra = format!(r#""deep":{deep}"#);
            let head = r#""id":"whd_1","type":"report.failed","timestamp":"t","tenantId":"t1""#;
            for body in [
                format!("{{{head},{data}}}"),
                format!("{{{data},{head}}}"),
                format!(r#"{{{extra},{head},"data":{{}}}}"#),
                format!(r#"{{{head},{extra},"data":{{}}}}"#),
            ] {
                same_as_reference(&body);
            }
        }
    }

    /// One envelope field or an unmodelled one, with a value that fits or not.
    fn field() -> impl Strategy<Value = (String, String)> {
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
        ]);
        let value = prop::sample::select(vec![
            r#""whd_1""#,
            r#""alert.resolved""#,
            r#""ticket.resolved""#,
            r#""system.incident""#,
            r#""new.type""#,
            r#""2025-01-15T10:30:00Z""#,
            r#"{}"#,
            r#"{"ticket_id":"T","resolved_by":null}"#,
            r#"{"incident_id":"I","affected_services":["a"],"k":{"n":1.5}}"#,
            r#"{"resolvedBy":"u","alert":{"id":"a"}}"#,
            r#"{"alert":7}"#,
            r#"[1,"two",null]"#,
            "-0",
            "12345678901234567890",
            "null",
            "true",
        ]);
        (key, value).prop_map(|(k, v)| (k.to_owned(), v.to_owned()))
    }

    /// The reference parse's envelope reader against what it was: serde's derive with
    /// `flatten`, on `body` (the same envelope and data, or the same message).
    fn wire_envelope_as_derived(body: &str) {
        #[derive(serde::Deserialize)]
        struct EnvelopeIn {
            id: String,
            #[serde(rename = "type")]
            _kind: serde::de::IgnoredAny,
            timestamp: String,
            #[serde(rename = "tenantId")]
            tenant: String,
            data: audit_trail::AlertTriggered,
            #[serde(flatten)]
            extra: serde_json::Map<String, serde_json::Value>,
        }
        const KEYS: super::WireKeys = super::WireKeys {
            id: "id",
            kind: "type",
            timestamp: "timestamp",
            tenant: "tenantId",
        };
        // `extra` as a map of values: ours keeps raw text, the derive's was that map.
        let ours = super::read_wire_envelope::<audit_trail::AlertTriggered>(body, &KEYS)
            .map(|e| {
                format!(
                    "{:?}",
                    (e.id, e.timestamp, e.tenant, e.data, e.extra.to_map())
                )
            })
            .map_err(|e| e.to_string());
        let derived = serde_json::from_str::<EnvelopeIn>(body)
            .map(|e| format!("{:?}", (e.id, e.timestamp, e.tenant, e.data, e.extra)))
            .map_err(|e| e.to_string());
        assert_eq!(ours, derived, "{body}");
    }

    #[test]
    fn the_wire_envelope_reads_as_the_derive_did() {
        for body in samples() {
            wire_envelope_as_derived(&body);
        }
        for body in [
            "[]",
            "{}",
            r#"{"id":"a","id":"b"}"#,
            r#"{"type":"x","type":"y","id":1}"#,
            r#"{"id":"whd_1","type":"alert.triggered","timestamp":"t","tenantId":"t1","data":{"alert":{"id":"a","severity":3}},"z":[1]}"#,
            r#"{"id":"whd_1","type":"alert.triggered","timestamp":"t","tenantId":"t1","data":{"alert":{"id":"a"}}} x"#,
        ] {
            wire_envelope_as_derived(body);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn any_wire_envelope_reads_as_the_derive_did(
            fields in prop::collection::vec(field(), 0..9),
        ) {
            let pairs: Vec<String> = fields.iter().map(|(k, v)| format!(r#""{k}":{v}"#)).collect();
            wire_envelope_as_derived(&format!("{{{}}}", pairs.join(",")));
        }

        #[test]
        fn any_envelope_gets_the_reference_result(
            fields in prop::collection::vec(field(), 0..9),
            space in prop::bool::ANY,
        ) {
            let pairs: Vec<String> = fields.iter().map(|(k, v)| format!(r#""{k}":{v}"#)).collect();
            let sep = if space { ", " } else { "," };
            same_as_reference(&format!("{{{}}}", pairs.join(sep)));
        }
    }
}
