//! `model!`: writes an event data struct and its serde impls from one table of fields and
//! wire names.
//!
//! Every data struct keeps the fields it does not model in `extra`. serde's derive can do that
//! only with `#[serde(flatten)]`, which reads the object through serde's private buffer: the
//! unmodelled keys and values are copied into it, then read again into the map, at every level
//! of nesting. With a realistic 1 KiB Audit Trail event (a request context and a list of
//! changes in the audit event) that was 12.4k of the 107k instructions a typed request added to
//! a bare one (`BENCHMARKS.md` §13).
//!
//! The impls written here visit the object's keys once: a modelled key is deserialised
//! straight into its field, any other key's value straight into `extra` as its raw JSON text
//! ([`Extra`](crate::event::Extra): no `Value` tree is built). They behave as the derive with
//! `flatten` and a `Map<String, Value>` did (the test twin below is that derive, written from
//! the same table, and the tests compare both on hostile bodies, `extra` as a map of values):
//!
//! - `required` fields: a missing one is serde's "missing field `id`" error, reported for the
//!   first missing field in declaration order, once the object is read;
//! - `optional` (`Option<T>`) and `list` (`Vec<T>`) fields: missing is `None` or empty, and
//!   they are not written when `None` or empty;
//! - a modelled key sent twice is serde's "duplicate field `id`" error; an unmodelled one sent
//!   twice keeps the last value (as the map would), in its first place;
//! - anything but an object is "invalid type: ..., expected struct Name";
//! - written back: the modelled fields in declaration order, then `extra` in the order sent,
//!   each value as its text was sent (the map wrote its own key order and re-formatted values).

/// Writes a data struct (its attributes, docs and fields as given) and its `Deserialize` and
/// `Serialize` impls. Each field is followed by its kind and wire name:
/// `pub alert: Alert => required("alert")`, `pub rule_name: Option<String> =>
/// optional("ruleName")`, `pub events: Vec<AuditEvent> => list("events")`, and the map of
/// unmodelled fields, last, `pub extra: Extra => extra`.
macro_rules! model {
    (
        $(#[$meta:meta])*
        pub struct $Name:ident {
            $(
                $(#[$field_meta:meta])*
                pub $field:ident: $ty:ty => $kind:ident $(($wire:literal))?,
            )+
        }
    ) => {
        $(#[$meta])*
        pub struct $Name {
            $( $(#[$field_meta])* pub $field: $ty, )+
        }

        impl<'de> ::serde::Deserialize<'de> for $Name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct FieldVisitor;

                impl<'de> ::serde::de::Visitor<'de> for FieldVisitor {
                    type Value = $Name;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("struct ", stringify!($Name)))
                    }

                    fn visit_map<A: ::serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> Result<$Name, A::Error> {
                        $( let mut $field: model!(@slot $kind $ty) = Default::default(); )+
                        while let Some($crate::event::envelope::Str(key)) = map.next_key()? {
                            $( model!(@read $kind $field key map $($wire)?); )+
                            $( model!(@rest $kind $field key map); )+
                        }
                        Ok($Name {
                            $( $field: model!(@missing $kind $field $($wire)?), )+
                        })
                    }
                }

                deserializer.deserialize_map(FieldVisitor)
            }
        }

        impl ::serde::Serialize for $Name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use ::serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(None)?;
                $( model!(@write $kind map self.$field $(, $wire)?); )+
                map.end()
            }
        }

        #[cfg(test)]
        impl $Name {
            /// The wire names of the modelled fields.
            pub(crate) const WIRE_KEYS: &'static [&'static str] = &[$($($wire,)?)+];

            /// Parses `json` as this struct and as its twin derived by serde with `flatten` (what
            /// this struct was before `model!`), and checks that both give the same value (as
            /// JSON written back) or the same error message.
            pub(crate) fn check_against_derive(json: &str) {
                // A local item: the twin has the same name, so its messages name the same struct.
                model!(@twin $Name {} $( $field: $ty => $kind $(($wire))?, )+);

                // The same value written back (read as JSON: `extra` keeps the order sent, the
                // twin's map its own order), the same unmodelled fields, or the same message.
                let ours = ::serde_json::from_str::<Self>(json)
                    .map(|value| {
                        let written = ::serde_json::to_string(&value).expect("writes");
                        let extra = model!(@extra_map value ours $( $kind $field )+);
                        (::serde_json::from_str::<::serde_json::Value>(&written).expect("JSON"), extra)
                    })
                    .map_err(|e| e.to_string());
                let derived = ::serde_json::from_str::<$Name>(json)
                    .map(|value| {
                        let written = ::serde_json::to_value(&value).expect("writes");
                        (written, model!(@extra_map value twin $( $kind $field )+))
                    })
                    .map_err(|e| e.to_string());
                assert_eq!(ours, derived, concat!(stringify!($Name), ": {}"), json);
            }
        }
    };

    // Where a field waits while the object is read: `None` until its key is seen, or the map.
    (@slot extra $ty:ty) => { $ty };
    (@slot $kind:ident $ty:ty) => { Option<$ty> };

    // A modelled key: its value straight into the field; the second time, serde's error.
    (@read extra $field:ident $key:ident $map:ident) => {};
    (@read $kind:ident $field:ident $key:ident $map:ident $wire:literal) => {
        if &*$key == $wire {
            if $field.is_some() {
                return Err(::serde::de::Error::duplicate_field($wire));
            }
            $field = Some($map.next_value()?);
            continue;
        }
    };

    // Any other key: its value into the map.
    (@rest extra $field:ident $key:ident $map:ident) => {
        $field.read_next($key.into_owned(), &mut $map)?;
    };
    (@rest $kind:ident $field:ident $key:ident $map:ident) => {};

    // The field once the object is read.
    (@missing required $field:ident $wire:literal) => {
        match $field {
            Some(value) => value,
            None => return Err(::serde::de::Error::missing_field($wire)),
        }
    };
    (@missing extra $field:ident) => {{
        let mut extra = $field;
        extra.finish();
        extra
    }};
    (@missing $kind:ident $field:ident $wire:literal) => { $field.unwrap_or_default() };

    // Written back: always, unless absent (`None`, empty); the map's entries last.
    (@write required $map:ident $value:expr, $wire:literal) => {
        $map.serialize_entry($wire, &$value)?;
    };
    (@write optional $map:ident $value:expr, $wire:literal) => {
        if $value.is_some() {
            $map.serialize_entry($wire, &$value)?;
        }
    };
    (@write list $map:ident $value:expr, $wire:literal) => {
        if !$value.is_empty() {
            $map.serialize_entry($wire, &$value)?;
        }
    };
    (@write extra $map:ident $value:expr) => {
        for (key, value) in $value.iter() {
            $map.serialize_entry(key, value)?;
        }
    };

    // The test twin: the struct as serde's derive with `flatten` reads and writes it.
    (@twin $Name:ident { $($done:tt)* }) => {
        #[derive(::serde::Deserialize, ::serde::Serialize)]
        struct $Name {
            $($done)*
        }
    };
    (@twin $Name:ident { $($done:tt)* } $field:ident: $ty:ty => required($wire:literal), $($rest:tt)*) => {
        model!(@twin $Name { $($done)* #[serde(rename = $wire)] $field: $ty, } $($rest)*);
    };
    (@twin $Name:ident { $($done:tt)* } $field:ident: $ty:ty => optional($wire:literal), $($rest:tt)*) => {
        model!(@twin $Name {
            $($done)*
            #[serde(rename = $wire, default, skip_serializing_if = "Option::is_none")]
            $field: $ty,
        } $($rest)*);
    };
    (@twin $Name:ident { $($done:tt)* } $field:ident: $ty:ty => list($wire:literal), $($rest:tt)*) => {
        model!(@twin $Name {
            $($done)*
            #[serde(rename = $wire, default, skip_serializing_if = "Vec::is_empty")]
            $field: $ty,
        } $($rest)*);
    };
    (@twin $Name:ident { $($done:tt)* } $field:ident: $ty:ty => extra, $($rest:tt)*) => {
        model!(@twin $Name {
            $($done)*
            #[serde(flatten)]
            $field: ::serde_json::Map<String, ::serde_json::Value>,
        } $($rest)*);
    };

    // The unmodelled fields of a parsed value as a map: ours (`Extra`), the twin's (a map).
    (@extra_map $value:ident $mine:tt $( $kind:ident $field:ident )+) => {{
        // Assigned once: each struct has one `extra`.
        let map: ::serde_json::Map<String, ::serde_json::Value>;
        $( model!(@extra_of $kind $mine map $value.$field); )+
        map
    }};
    (@extra_of extra ours $map:ident $extra:expr) => { $map = $extra.to_map(); };
    (@extra_of extra twin $map:ident $extra:expr) => { $map = $extra.clone(); };
    (@extra_of $kind:ident $mine:tt $map:ident $extra:expr) => {};
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use crate::event::audit_trail::{
        Action, Actor, Alert, AlertResolved, AlertTriggered, AuditEvent, EventBatchCreated,
        EventCreated, Report, ReportCompleted, ReportFailed, Resource,
    };
    use crate::event::palo::{SystemIncident, TicketCreated, TicketResolved, TicketStatusChanged};

    /// Each model against its serde-derived twin (see the module docs) on `json`.
    fn all_against_derive(json: &str) {
        EventCreated::check_against_derive(json);
        EventBatchCreated::check_against_derive(json);
        AlertTriggered::check_against_derive(json);
        AlertResolved::check_against_derive(json);
        ReportCompleted::check_against_derive(json);
        ReportFailed::check_against_derive(json);
        AuditEvent::check_against_derive(json);
        Actor::check_against_derive(json);
        Action::check_against_derive(json);
        Resource::check_against_derive(json);
        Alert::check_against_derive(json);
        Report::check_against_derive(json);
        TicketCreated::check_against_derive(json);
        TicketStatusChanged::check_against_derive(json);
        TicketResolved::check_against_derive(json);
        SystemIncident::check_against_derive(json);
    }

    fn wire_keys() -> Vec<&'static str> {
        let mut keys: Vec<&'static str> = [
            EventCreated::WIRE_KEYS,
            EventBatchCreated::WIRE_KEYS,
            AlertTriggered::WIRE_KEYS,
            AlertResolved::WIRE_KEYS,
            ReportCompleted::WIRE_KEYS,
            ReportFailed::WIRE_KEYS,
            AuditEvent::WIRE_KEYS,
            Actor::WIRE_KEYS,
            Action::WIRE_KEYS,
            Resource::WIRE_KEYS,
            Alert::WIRE_KEYS,
            Report::WIRE_KEYS,
            TicketCreated::WIRE_KEYS,
            TicketStatusChanged::WIRE_KEYS,
            TicketResolved::WIRE_KEYS,
            SystemIncident::WIRE_KEYS,
        ]
        .concat();
        // Escaped keys (the same names once unescaped), and unmodelled ones.
        keys.extend(["i\\u0064", "ty\\u0070e", "x", "extra", "ip", "\\u00e9"]);
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    #[test]
    fn the_samples_and_odd_shapes_parse_as_with_the_derive() {
        let bodies = [
            "{}",
            "[]",
            "[\"a\",\"b\"]",
            "7",
            "null",
            "\"s\"",
            r#"{"id":"a","id":"b"}"#,
            r#"{"x":1,"x":{"y":2}}"#,
            r#"{"event":{"id":"e","actor":{"id":"u","type":"USER","ip":"10.0.0.1"}},"k":[1,2.5,-3,null,true]}"#,
            r#"{"alert":{"id":"a","severity":3}}"#,
            r#"{"ticket_id":"T","priority":3}"#,
            r#"{"incident_id":"I","affected_services":["api",2]}"#,
            r#"{"incident_id":"I","affected_services":null}"#,
            r#"{"count":1.5}"#,
            r#"{"count":-1}"#,
            r#"{"resolution_time_hours":2,"ticket_id":"T"}"#,
            r#"{"error":null,"report":null}"#,
            r#"{"big":123456789012345678901234567890,"neg":-0,"exp":1e5}"#,
            r#"{"id":"a","x":tru}"#,
            r#"{"id":"a","#,
        ];
        for body in bodies {
            all_against_derive(body);
        }
        let samples = crate::event::audit_trail::KNOWN_TYPES
            .iter()
            .filter_map(|t| crate::testing::audit_trail_sample(t))
            .chain(
                crate::event::palo::KNOWN_TYPES
                    .iter()
                    .filter_map(|t| crate::testing::palo_sample(t)),
            );
        for sample in samples {
            let data: serde_json::Value = serde_json::from_str(&sample).expect("a sample");
            all_against_derive(&data["data"].to_string());
            for nested in ["event", "alert", "report"] {
                all_against_derive(&data["data"][nested].to_string());
            }
        }
    }

    fn value() -> impl Strategy<Value = String> {
        let leaf = prop::sample::select(vec![
            r#""s""#,
            r#""\u00e9\n""#,
            "0",
            "-7",
            "2.5",
            "18446744073709551616",
            "null",
            "true",
            "[]",
            "{}",
            r#"["a","b"]"#,
            r#"[{"id":"e"}]"#,
            r#"{"id":"x"}"#,
            r#"{"id":"x","type":"T","name":null,"z":[1]}"#,
            r#"{"id":3}"#,
        ])
        .prop_map(str::to_owned);
        leaf.prop_recursive(2, 12, 4, |inner| {
            prop::collection::vec((prop::sample::select(wire_keys()), inner), 0..4).prop_map(
                |fields| {
                    let pairs: Vec<String> = fields
                        .iter()
                        .map(|(k, v)| format!(r#""{k}":{v}"#))
                        .collect();
                    format!("{{{}}}", pairs.join(","))
                },
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn any_object_parses_as_with_the_derive(
            fields in prop::collection::vec((prop::sample::select(wire_keys()), value()), 0..8),
            space in prop::bool::ANY,
        ) {
            let pairs: Vec<String> = fields.iter().map(|(k, v)| format!(r#""{k}":{v}"#)).collect();
            let sep = if space { " , " } else { "," };
            all_against_derive(&format!("{{{}}}", pairs.join(sep)));
        }
    }
}
