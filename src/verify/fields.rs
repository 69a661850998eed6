//! Reading a few top-level fields of a signed body without building a JSON tree: a JSON
//! object, or a form (`application/x-www-form-urlencoded`) whose fields may hold one.

use std::borrow::Cow;
use std::fmt;

#[cfg(test)]
use serde::de::DeserializeSeed;
use serde::de::{self, IgnoredAny, MapAccess, Visitor};

use crate::Rejection;
use crate::scan;

pub(crate) use crate::scheme::MAX_FIELDS;

/// The values of the wanted top-level fields, in the order they were asked for.
pub(crate) type Fields<'b> = [Option<Cow<'b, str>>; MAX_FIELDS];

/// Parses `body` as one JSON object (validating all of it) and returns the string (or number)
/// values of the top-level `names`. Nested values are skipped without being built.
pub(crate) fn json_fields<'b>(
    body: &'b [u8],
    names: &[Option<&str>],
) -> Result<Fields<'b>, Rejection> {
    // JSON is UTF-8 (RFC 8259), and neither serde_json nor the walk checks the strings they
    // skip: check the whole body first, so a body the typed parser would refuse is refused here
    // too.
    let text = scan::utf8(body).ok_or(Rejection::MalformedBody)?;
    let mut out: Fields<'b> = Default::default();
    // One walk: the body validated whole, each wanted value's text handed over as it passes.
    scan::object(text, names, |i, token| {
        let value = scalar(token)?;
        if out[i].is_some() {
            return Err(Rejection::MalformedBody);
        }
        // A field asked for twice (the same name in two roles) gets the value in both.
        for (j, name) in names.iter().enumerate().skip(i) {
            if *name == names[i] {
                out[j] = value.clone();
            }
        }
        Ok(scan::Flow::Continue)
    })?;
    Ok(out)
}

impl From<scan::Malformed> for Rejection {
    fn from(_: scan::Malformed) -> Self {
        Rejection::MalformedBody
    }
}

/// A top-level value's text as [`Scalar`] reads it: a string without escapes borrowed as is,
/// anything else judged by serde_json (strictly: a wanted string must decode).
pub(crate) fn scalar(token: &str) -> Result<Option<Cow<'_, str>>, Rejection> {
    if let Some(plain) = scan::plain_string(token) {
        return Ok(Some(Cow::Borrowed(plain)));
    }
    serde_json::from_str::<Scalar<'_>>(token)
        .map(|scalar| scalar.0)
        .map_err(|_| Rejection::MalformedBody)
}

/// Reads a body that is either a JSON object (its first non-blank byte is `{`) or a form:
/// see [`BodyFormat::FormOrJson`](crate::scheme::BodyFormat::FormOrJson). In a form, the fields
/// it lacks are read from the JSON object held by its field `json_field`, when there is one.
pub(crate) fn form_or_json_fields<'b>(
    body: &'b [u8],
    names: &[Option<&str>],
    json_field: Option<&str>,
) -> Result<Fields<'b>, Rejection> {
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        return json_fields(body, names);
    }
    let mut out: Fields<'b> = Default::default();
    let mut nested: Option<Cow<'b, str>> = None;
    for pair in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        let (key, value) = match pair.iter().position(|&b| b == b'=') {
            Some(eq) => (&pair[..eq], &pair[eq + 1..]),
            None => (pair, &[][..]),
        };
        // Every pair is decoded, wanted or not: a malformed form is refused whole, as a
        // malformed JSON body is.
        let key = percent_decode(key)?;
        let value = percent_decode(value)?;
        if json_field == Some(&*key) {
            if nested.is_some() {
                return Err(Rejection::MalformedBody);
            }
            nested = Some(value.clone());
        }
        for (slot, name) in out.iter_mut().zip(names) {
            if *name == Some(&*key) {
                if slot.is_some() {
                    return Err(Rejection::MalformedBody);
                }
                *slot = Some(value.clone());
            }
        }
    }
    if let Some(json) = nested {
        let inner = json_fields(json.as_bytes(), names)?;
        for (slot, value) in out.iter_mut().zip(inner) {
            if slot.is_none() {
                *slot = value.map(|v| Cow::Owned(v.into_owned()));
            }
        }
    }
    Ok(out)
}

/// One decoded `name=value` pair of a form.
pub(crate) type FormPair<'b> = (Cow<'b, str>, Cow<'b, str>);

/// Every `name=value` pair of a form body, decoded (for [`SignedPart::SortedForm`](crate::scheme::SignedPart::SortedForm)).
pub(crate) fn form_pairs(body: &[u8]) -> Result<Vec<FormPair<'_>>, Rejection> {
    body.split(|&b| b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (key, value) = match pair.iter().position(|&b| b == b'=') {
                Some(eq) => (&pair[..eq], &pair[eq + 1..]),
                None => (pair, &[][..]),
            };
            Ok((percent_decode(key)?, percent_decode(value)?))
        })
        .collect()
}

/// Decodes one form name or value: `+` is a space, `%XX` a byte; the result must be UTF-8.
pub(crate) fn percent_decode(raw: &[u8]) -> Result<Cow<'_, str>, Rejection> {
    if !raw.iter().any(|&b| b == b'%' || b == b'+') {
        return std::str::from_utf8(raw)
            .map(Cow::Borrowed)
            .map_err(|_| Rejection::MalformedBody);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = |b: Option<&u8>| {
                    b.and_then(|b| char::from(*b).to_digit(16))
                        .ok_or(Rejection::MalformedBody)
                };
                let byte = hex(raw.get(i + 1))? << 4 | hex(raw.get(i + 2))?;
                // Two hex digits: at most 0xff.
                out.push(byte as u8);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| Rejection::MalformedBody)
}

/// The reader before the walk (serde_json's `IgnoredAny` for the skipped values), kept as the
/// reference the tests compare the walk with.
#[cfg(test)]
struct FieldSeed<'n> {
    names: &'n [Option<&'n str>],
}

#[cfg(test)]
impl<'de> DeserializeSeed<'de> for FieldSeed<'_> {
    type Value = Fields<'de>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

#[cfg(test)]
impl<'de> Visitor<'de> for FieldSeed<'_> {
    type Value = Fields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out: Fields<'de> = Default::default();
        let names = self.names;
        while let Some(wanted) = map.next_key_seed(KeyIndex { names })? {
            match wanted {
                Some(i) => {
                    let value = map.next_value::<Scalar<'de>>()?.0;
                    if out[i].is_some() {
                        return Err(de::Error::custom("duplicate field"));
                    }
                    // A field asked for twice (the same name in two roles) gets the value in both.
                    for (j, name) in names.iter().enumerate().skip(i) {
                        if *name == names[i] {
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

/// Reads an object key and says which wanted name it is, without allocating it (serde's
/// `Cow<str>` would copy every key).
#[cfg(test)]
struct KeyIndex<'n> {
    names: &'n [Option<&'n str>],
}

#[cfg(test)]
impl<'de> DeserializeSeed<'de> for KeyIndex<'_> {
    type Value = Option<usize>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

#[cfg(test)]
impl<'de> Visitor<'de> for KeyIndex<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.names.iter().position(|n| *n == Some(key)))
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
    fn rejects_invalid_utf8_even_in_a_skipped_string() {
        let body = b"{\"id\":\"whd_1\",\"data\":{\"note\":\"\xff\xfe\"}}";
        assert_eq!(
            json_fields(body, &[Some("id")]),
            Err(Rejection::MalformedBody)
        );
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
    fn reads_form_fields_percent_decoded() {
        // Slack's documented slash command body (`Verifying requests from Slack`).
        let body = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&command=%2Fwebhook-collect\
            &text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J\
            &trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c&x=a+b%20c&flag";
        let f = form_or_json_fields(
            body,
            &[
                Some("trigger_id"),
                Some("command"),
                Some("text"),
                Some("response_url"),
                Some("x"),
                Some("flag"),
                Some("missing"),
            ],
            Some("payload"),
        )
        .unwrap();
        assert_eq!(
            f[0].as_deref(),
            Some("398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
        );
        assert_eq!(f[1].as_deref(), Some("/webhook-collect"));
        assert_eq!(f[2].as_deref(), Some(""));
        assert_eq!(
            f[3].as_deref(),
            Some("https://hooks.slack.com/commands/T1DC2JH3J")
        );
        assert_eq!(f[4].as_deref(), Some("a b c"));
        assert_eq!(f[5].as_deref(), Some(""));
        assert_eq!(f[6], None);
    }

    #[test]
    fn reads_the_json_held_by_a_form_field_and_json_bodies() {
        let body = b"payload=%7B%22type%22%3A%22block_actions%22%2C%22trigger_id%22%3A%2213.42%22%2C%22team%22%3A%7B%22id%22%3A%22T1%22%7D%7D&type=outer";
        let names = [Some("trigger_id"), Some("type"), Some("team")];
        let f = form_or_json_fields(body, &names, Some("payload")).unwrap();
        assert_eq!(f[0].as_deref(), Some("13.42"));
        // The form's own field comes first.
        assert_eq!(f[1].as_deref(), Some("outer"));
        assert_eq!(f[2], None);
        // Without `json_field`, the payload is an ordinary (unwanted) field.
        let f = form_or_json_fields(body, &names, None).unwrap();
        assert_eq!((f[0].as_deref(), f[1].as_deref()), (None, Some("outer")));
        // A body starting with `{` is JSON, whatever it holds.
        let json = b" {\"type\":\"event_callback\",\"event_id\":\"Ev1\",\"t\":\"a&type=x\"}";
        let f =
            form_or_json_fields(json, &[Some("event_id"), Some("type")], Some("payload")).unwrap();
        assert_eq!(
            (f[0].as_deref(), f[1].as_deref()),
            (Some("Ev1"), Some("event_callback"))
        );
    }

    #[test]
    fn rejects_malformed_forms() {
        for body in [
            &b"a=%"[..],
            b"a=%4",
            b"a=%zz",
            b"a=%ff",
            b"\xff=1",
            b"id=1&id=2",
            b"payload=%7B&id=1",
            b"payload=%5B%5D",
            b"payload=%7B%7D&payload=%7B%7D",
            b"{not json",
        ] {
            assert_eq!(
                form_or_json_fields(body, &[Some("id")], Some("payload")),
                Err(Rejection::MalformedBody),
                "{body:?}"
            );
        }
        // An empty body is an empty form; unwanted duplicates are the handler's business.
        assert!(form_or_json_fields(b"", &[Some("id")], None).unwrap()[0].is_none());
        assert!(form_or_json_fields(b"x=1&x=2&&", &[Some("id")], None).is_ok());
    }

    /// The reader before the walk: serde_json with `FieldSeed`.
    fn reference<'b>(body: &'b [u8], names: &[Option<&str>]) -> Result<Fields<'b>, Rejection> {
        let text = std::str::from_utf8(body).map_err(|_| Rejection::MalformedBody)?;
        let mut de = serde_json::Deserializer::from_str(text);
        let fields = FieldSeed { names }
            .deserialize(&mut de)
            .map_err(|_| Rejection::MalformedBody)?;
        de.end().map_err(|_| Rejection::MalformedBody)?;
        Ok(fields)
    }

    /// Hostile bodies: envelope keys (escaped too) with values of every kind, valid or not,
    /// repeated, nested, with bytes that are not UTF-8.
    fn hostile() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let key = prop::sample::select(vec![
            "\"id\"",
            "\"type\"",
            "\"i\\u0064\"",
            "\"tenantId\"",
            "\"data\"",
            "\"x\"",
            "\"\\ud800\"",
            "id",
        ]);
        let value = prop::sample::select(vec![
            "\"whd_1\"",
            "\"a\\\"b\"",
            "\"\\ud800\"",
            "\"\\u00e9\"",
            "\"\\q\"",
            "\"t\tb\"",
            "42",
            "-0",
            "1.5",
            "1e400",
            "01",
            "12345678901234567890",
            "123456789012345678901",
            "-9223372036854775809",
            "true",
            "nul",
            "null",
            "{}",
            "{\"a\":[1,{\"b\":\"\\ud800\"}]}",
            "[1,]",
            "[",
            "\"<FF>\"",
        ]);
        let sep = prop::sample::select(vec![",", ", ", " ,", "", ",,", ":"]);
        prop::collection::vec(
            (key, prop::sample::select(vec![":", " : ", ""]), value, sep),
            0..7,
        )
        .prop_map(|fields| {
            let mut body = b"{".to_vec();
            for (i, (key, colon, value, sep)) in fields.iter().enumerate() {
                if i > 0 {
                    body.extend_from_slice(sep.as_bytes());
                }
                body.extend_from_slice(key.as_bytes());
                body.extend_from_slice(colon.as_bytes());
                if *value == "\"<FF>\"" {
                    // Not UTF-8.
                    body.extend_from_slice(b"\"\xff\"");
                } else {
                    body.extend_from_slice(value.as_bytes());
                }
            }
            body.push(b'}');
            body
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]

        #[test]
        fn the_walk_reads_what_serde_json_read(body in hostile(), trailing in proptest::prelude::any::<bool>()) {
            let mut body = body;
            if trailing {
                body.extend_from_slice(b" \n");
            }
            let names = [Some("id"), Some("type"), Some("tenantId"), None, Some("id"), Some("data"), None];
            let ours = json_fields(&body, &names);
            let theirs = reference(&body, &names);
            proptest::prop_assert_eq!(ours, theirs, "{}", String::from_utf8_lossy(&body));
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
