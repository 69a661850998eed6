//! Reading a few top-level fields of a signed body without building a JSON tree.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use crate::Rejection;

/// The most top-level fields a scheme reads from a body (id, type, tenant, timestamp, and the
/// signed id that the id header must match).
pub(crate) const MAX_FIELDS: usize = 5;

/// The values of the wanted top-level fields, in the order they were asked for.
pub(crate) type Fields<'b> = [Option<Cow<'b, str>>; MAX_FIELDS];

/// Parses `body` as one JSON object (validating all of it) and returns the string (or number)
/// values of the top-level `names`. Nested values are skipped without being built.
pub(crate) fn json_fields<'b>(
    body: &'b [u8],
    names: &[Option<&str>],
) -> Result<Fields<'b>, Rejection> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let fields = FieldSeed { names }
        .deserialize(&mut de)
        .map_err(|_| Rejection::MalformedBody)?;
    de.end().map_err(|_| Rejection::MalformedBody)?;
    Ok(fields)
}

struct FieldSeed<'n> {
    names: &'n [Option<&'n str>],
}

impl<'de> DeserializeSeed<'de> for FieldSeed<'_> {
    type Value = Fields<'de>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed<'_> {
    type Value = Fields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out: Fields<'de> = Default::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match self.names.iter().position(|n| *n == Some(&*key)) {
                Some(i) => {
                    let value = map.next_value::<Scalar<'de>>()?.0;
                    if out[i].is_some() {
                        return Err(de::Error::custom("duplicate field"));
                    }
                    // A field asked for twice (the same name in two roles) gets the value in both.
                    for (j, name) in self.names.iter().enumerate() {
                        if *name == Some(&*key) {
                            out[j] = value.clone();
                        }
                    }
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// A top-level value kept as text when it is a string or a number, dropped otherwise.
struct Scalar<'de>(Option<Cow<'de, str>>);

impl<'de> de::Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl<'de> Visitor<'de> for ScalarVisitor {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Owned(v))))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Scalar(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Scalar(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Scalar(None))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar(None))
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_strings_and_numbers_and_skips_the_rest() {
        let body =
            br#"{"data":{"id":"nested"},"id":"whd_1","n":42,"type":"a\"b","list":[1,{"x":2}]}"#;
        let f = json_fields(
            body,
            &[
                Some("id"),
                Some("type"),
                Some("n"),
                Some("missing"),
                Some("data"),
            ],
        )
        .unwrap();
        assert_eq!(f[0].as_deref(), Some("whd_1"));
        assert_eq!(f[1].as_deref(), Some("a\"b"));
        assert_eq!(f[2].as_deref(), Some("42"));
        assert_eq!(f[3], None);
        assert_eq!(f[4], None);
    }

    #[test]
    fn rejects_what_is_not_one_json_object() {
        for body in [
            &b""[..],
            b"[]",
            b"\"id\"",
            b"{",
            b"{} {}",
            b"{\"id\":1,}",
            b"\xff",
        ] {
            assert_eq!(
                json_fields(body, &[Some("id")]),
                Err(Rejection::MalformedBody),
                "{body:?}"
            );
        }
    }

    #[test]
    fn rejects_a_duplicated_wanted_field() {
        let body = br#"{"id":"a","id":"b"}"#;
        assert_eq!(
            json_fields(body, &[Some("id")]),
            Err(Rejection::MalformedBody)
        );
        // An unwanted duplicate is the typed parser's business, not ours.
        assert!(json_fields(br#"{"x":1,"x":2}"#, &[Some("id")]).is_ok());
    }
}
