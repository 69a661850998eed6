//! [`Extra`]: the fields of an event object that its model does not name, kept as the raw JSON
//! text the sender sent.

use std::fmt;

use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::envelope::Str;
use super::reader;
use crate::scan::MAX_VALUE_DEPTH as MAX_DEPTH;

/// The fields of an event object that its model does not name (on every data struct and on the
/// envelope), in the order sent, each value kept as its raw JSON text.
///
/// Reading an event does not build a [`Value`] tree for them (which cost more than the rest of
/// the typed parse of a realistic event, `BENCHMARKS.md` §13): the text of each value is
/// captured in the same visit of the object as the modelled fields, and parsed only when asked
/// ([`value`](Self::value), [`parse`](Self::parse), [`to_map`](Self::to_map)). Written back
/// (`Serialize`), each value is its text as sent, byte for byte, so re-serialising an event
/// loses nothing the sender sent.
///
/// A key sent twice keeps its last value (as a [`serde_json::Map`] does), in the place of its
/// first. A value is kept only if `serde_json` can parse it into a [`Value`] on its own (its
/// numbers fit an `f64`, it nests at most 126 levels), so [`value`](Self::value) never fails;
/// a value beyond that makes the object fail to parse with serde_json's message, as a `Value`
/// would have. Reading one needs a `serde_json` deserializer (including
/// `serde_json::from_value`), as [`RawValue`] does.
///
/// ```
/// use serde_json::json;
/// use webhook_guard::event::audit_trail::Actor;
///
/// let actor: Actor = serde_json::from_str(
///     r#"{"id":"user-123","ip":"10.0.0.1","geo":{"country": "DE"}}"#,
/// )?;
/// assert_eq!(actor.extra.keys().collect::<Vec<_>>(), ["ip", "geo"]);
/// assert_eq!(actor.extra.value("ip"), Some(json!("10.0.0.1")));
/// assert_eq!(actor.extra.get("geo").map(|raw| raw.get()), Some(r#"{"country": "DE"}"#));
/// // Written back as sent (the space inside `geo` too).
/// assert_eq!(
///     serde_json::to_string(&actor)?,
///     r#"{"id":"user-123","ip":"10.0.0.1","geo":{"country": "DE"}}"#,
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct Extra {
    entries: Vec<Entry>,
}

/// A field: its key (unescaped) and its value's raw text.
type Entry = (String, Box<RawValue>);

/// Above this many entries, repeated keys are found by sorting rather than by comparing each
/// pair (a hostile body may send thousands of fields).
const PAIRWISE_UP_TO: usize = 16;

impl Extra {
    /// No fields.
    ///
    /// ```
    /// let extra = webhook_guard::event::Extra::new();
    /// assert!(extra.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The raw JSON text of the value of `key` (`.get()` on it gives the `&str`), `None` if the
    /// key was not sent.
    ///
    /// ```
    /// use webhook_guard::event::Extra;
    ///
    /// let extra: Extra = serde_json::from_str(r#"{"tags": ["a", 3]}"#)?;
    /// assert_eq!(extra.get("tags").map(|raw| raw.get()), Some(r#"["a", 3]"#));
    /// assert!(extra.get("other").is_none());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn get(&self, key: &str) -> Option<&RawValue> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, raw)| &**raw)
    }

    /// The value of `key` parsed into a [`Value`] (a new tree on each call), `None` if the key
    /// was not sent. A value read from JSON always parses (see the [type docs](Self)); one
    /// added through `Extend` that `serde_json` cannot parse into a `Value` gives `Value::Null`.
    ///
    /// ```
    /// use serde_json::json;
    /// use webhook_guard::event::Extra;
    ///
    /// let extra: Extra = serde_json::from_str(r#"{"ratio": 0.25, "tags": ["a", 3]}"#)?;
    /// assert_eq!(extra.value("ratio"), Some(json!(0.25)));
    /// assert_eq!(extra.value("tags"), Some(json!(["a", 3])));
    /// assert_eq!(extra.value("other"), None);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn value(&self, key: &str) -> Option<Value> {
        self.get(key).map(to_value)
    }

    /// The value of `key` deserialised into `T`, `None` if the key was not sent, an error if
    /// it does not fit `T`.
    ///
    /// ```
    /// use webhook_guard::event::Extra;
    ///
    /// let extra: Extra = serde_json::from_str(r#"{"attempt": 2, "ip": "10.0.0.1"}"#)?;
    /// assert_eq!(extra.parse::<u32>("attempt").transpose()?, Some(2));
    /// assert!(extra.parse::<u32>("ip").unwrap().is_err());
    /// assert!(extra.parse::<u32>("other").is_none());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn parse<T: DeserializeOwned>(&self, key: &str) -> Option<Result<T, serde_json::Error>> {
        self.get(key).map(|raw| serde_json::from_str(raw.get()))
    }

    /// The fields in the order sent: each key and its raw JSON text.
    ///
    /// ```
    /// use webhook_guard::event::Extra;
    ///
    /// let extra: Extra = serde_json::from_str(r#"{"b": 1, "a": [true]}"#)?;
    /// let fields: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (k, v.get())).collect();
    /// assert_eq!(fields, [("b", "1"), ("a", "[true]")]);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &RawValue)> + '_ {
        self.entries.iter().map(|(k, raw)| (k.as_str(), &**raw))
    }

    /// The keys in the order sent.
    ///
    /// ```
    /// use webhook_guard::event::Extra;
    ///
    /// let extra: Extra = serde_json::from_str(r#"{"b": 1, "a": 2}"#)?;
    /// assert_eq!(extra.keys().collect::<Vec<_>>(), ["b", "a"]);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.entries.iter().map(|(k, _)| k.as_str())
    }

    /// How many fields there are.
    ///
    /// ```
    /// use webhook_guard::event::Extra;
    ///
    /// let extra: Extra = serde_json::from_str(r#"{"a": 1, "b": 2, "a": 3}"#)?;
    /// assert_eq!(extra.len(), 2); // `a` sent twice is one field
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no field.
    ///
    /// ```
    /// use webhook_guard::event::Extra;
    ///
    /// assert!(Extra::default().is_empty());
    /// assert!(!serde_json::from_str::<Extra>(r#"{"a": null}"#)?.is_empty());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether `key` was sent.
    ///
    /// ```
    /// use webhook_guard::event::Extra;
    ///
    /// let extra: Extra = serde_json::from_str(r#"{"comment": null}"#)?;
    /// assert!(extra.contains_key("comment"));
    /// assert!(!extra.contains_key("other"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Every field parsed into a [`Value`], as a [`serde_json::Map`] (the type `extra` had
    /// before; its key order is the map's own).
    ///
    /// ```
    /// use serde_json::json;
    /// use webhook_guard::event::Extra;
    ///
    /// let extra: Extra = serde_json::from_str(r#"{"ip": "10.0.0.1", "n": [1, 2]}"#)?;
    /// assert_eq!(
    ///     serde_json::Value::Object(extra.to_map()),
    ///     json!({"ip": "10.0.0.1", "n": [1, 2]}),
    /// );
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn to_map(&self) -> Map<String, Value> {
        self.entries
            .iter()
            .map(|(k, raw)| (k.clone(), to_value(raw)))
            .collect()
    }

    /// Reads the next value of `map` as the field `key` (during a visit of an object's keys:
    /// the unmodelled ones). [`finish`](Self::finish) must follow the visit.
    pub(crate) fn read_next<'de, A: MapAccess<'de>>(
        &mut self,
        key: String,
        map: &mut A,
    ) -> Result<(), A::Error> {
        let Captured(raw, checked) = map.next_value()?;
        if !checked {
            check(&raw)?;
        }
        self.entries.push((key, raw));
        Ok(())
    }

    /// Keeps `raw` (borrowed from the body) as the field `key`, checked as
    /// [`read_next`](Self::read_next) checks. [`finish`](Self::finish) must follow.
    pub(crate) fn push_raw<E: de::Error>(&mut self, key: String, raw: &RawValue) -> Result<(), E> {
        check(raw)?;
        self.entries.push((key, raw.to_owned()));
        Ok(())
    }

    /// Once every field is in: a key given twice keeps its last value, in its first place.
    #[inline]
    pub(crate) fn finish(&mut self) {
        // Inline: most objects have no unmodelled field, or one.
        if self.entries.len() > 1 {
            self.dedup();
        }
    }

    /// [`finish`](Self::finish) for two fields or more.
    fn dedup(&mut self) {
        let entries = &mut self.entries;
        let mut removed = vec![false; entries.len()];
        let mut any = false;
        if entries.len() <= PAIRWISE_UP_TO {
            for later in 1..entries.len() {
                if let Some(first) = (0..later)
                    .find(|&first| !removed[first] && entries[first].0 == entries[later].0)
                {
                    // The first place takes the later value (the key is the same).
                    entries.swap(first, later);
                    removed[later] = true;
                    any = true;
                }
            }
        } else {
            // Equal keys side by side, each run in the order sent (a stable sort).
            let mut order: Vec<usize> = (0..entries.len()).collect();
            order.sort_by(|&a, &b| entries[a].0.cmp(&entries[b].0));
            let mut start = 0;
            while start < order.len() {
                let mut end = start + 1;
                while end < order.len() && entries[order[end]].0 == entries[order[start]].0 {
                    end += 1;
                }
                if end - start > 1 {
                    // The first place takes the last value (the key is the same).
                    entries.swap(order[start], order[end - 1]);
                    for &later in &order[start + 1..end] {
                        removed[later] = true;
                    }
                    any = true;
                }
                start = end;
            }
        }
        if any {
            let mut index = 0;
            entries.retain(|_| {
                index += 1;
                !removed[index - 1]
            });
        }
    }
}

/// A value's raw text, and whether [`check`] is known to pass on it. The body's own reader
/// (`event::reader`) walks the value with those checks as it reads it and hands it over under
/// its token ([`reader::CAPTURE`]); serde_json does not know the token, so it gives the value
/// as a [`RawValue`], which is then checked here.
struct Captured(Box<RawValue>, bool);

impl<'de> Deserialize<'de> for Captured {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CapturedVisitor;

        impl<'de> Visitor<'de> for CapturedVisitor {
            type Value = Captured;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any valid JSON value")
            }

            fn visit_newtype_struct<D: Deserializer<'de>>(
                self,
                deserializer: D,
            ) -> Result<Captured, D::Error> {
                Ok(Captured(Box::<RawValue>::deserialize(deserializer)?, false))
            }

            /// The reader's token, then the value's text, walked and checked (the protocol
            /// serde_json's own `RawValue` token follows).
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Captured, A::Error> {
                match map.next_key::<Str<'de>>()? {
                    Some(Str(key)) if key == reader::CAPTURE => {}
                    _ => return Err(de::Error::custom("unexpected raw value")),
                }
                let Str(text) = map.next_value()?;
                let raw = reader::borrowed_raw(&text)
                    .map(ToOwned::to_owned)
                    .ok_or_else(|| de::Error::custom("unexpected raw value"))?;
                Ok(Captured(raw, true))
            }
        }

        deserializer.deserialize_newtype_struct(reader::CAPTURE, CapturedVisitor)
    }
}

/// A kept value parsed into a [`Value`]; [`check`] made sure that a value read from JSON parses
/// (the `Null` is for one added through `Extend` that does not).
fn to_value(raw: &RawValue) -> Value {
    serde_json::from_str(raw.get()).unwrap_or(Value::Null)
}

/// Refuses a value that `serde_json` would not parse into a [`Value`] on its own although it
/// is valid JSON (`serde_json` captures raw text without these checks): nested deeper than
/// [`MAX_DEPTH`], or a number out of `f64`'s range. The messages are serde_json's own.
fn check<E: de::Error>(raw: &RawValue) -> Result<(), E> {
    let text = raw.get();
    let bytes = text.as_bytes();
    // A string or a literal (most unmodelled values) is nothing to check: valid JSON starting
    // with a quote, `t`, `f` or `n` is that one token.
    if matches!(bytes.first(), Some(b'"' | b't' | b'f' | b'n')) {
        return Ok(());
    }
    let mut depth = 0usize;
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'"' => at = string_end(bytes, at + 1),
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(E::custom("recursion limit exceeded"));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'-' | b'0'..=b'9' => {
                let start = at;
                while matches!(
                    bytes.get(at),
                    Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                ) {
                    at += 1;
                }
                let number = text.get(start..at).unwrap_or_default();
                // Only an exponent or more digits than `f64::MAX` has can overflow.
                if (number.len() > 300 || number.contains(['e', 'E']))
                    && serde_json::from_str::<f64>(number).is_err()
                {
                    return Err(E::custom("number out of range"));
                }
                continue;
            }
            _ => {}
        }
        at += 1;
    }
    Ok(())
}

/// Where the string whose text starts at `at` ends: its closing quote, the first one not
/// escaped (the end of `bytes` if there is none, which valid JSON excludes).
///
/// Most of an event's unmodelled text is in strings, so they are read eight bytes at a time (a
/// word test for a quote or a backslash, without `unsafe` or a dependency), straight to the
/// first such byte: a byte at a time, this scan cost 6.1k instructions per request with the
/// realistic body.
fn string_end(bytes: &[u8], mut at: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    /// The high bit of each byte of `word` that is zero; the lowest one set is exactly the
    /// first zero byte (a borrow can only mark bytes above it).
    fn zeros(word: u64) -> u64 {
        word.wrapping_sub(ONES) & !word & HIGHS
    }
    loop {
        let next = match bytes.get(at..at + 8) {
            Some(chunk) => {
                let mut word = [0; 8];
                word.copy_from_slice(chunk);
                let word = u64::from_le_bytes(word);
                let found = zeros(word ^ (ONES * u64::from(b'"')))
                    | zeros(word ^ (ONES * u64::from(b'\\')));
                if found == 0 {
                    at += 8;
                    continue;
                }
                at + (found.trailing_zeros() / 8) as usize
            }
            // The last few bytes, one at a time.
            None => match bytes[at.min(bytes.len())..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\')
            {
                Some(offset) => at + offset,
                None => return bytes.len(),
            },
        };
        match bytes.get(next) {
            Some(b'\\') => at = next + 2,
            _ => return next,
        }
    }
}

impl fmt::Debug for Extra {
    /// A map of each key to its raw JSON text: `{"ip": "10.0.0.1", "n": [1, 2]}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Text<'a>(&'a str);

        impl fmt::Debug for Text<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.0)
            }
        }

        f.debug_map()
            .entries(self.entries.iter().map(|(k, raw)| (k, Text(raw.get()))))
            .finish()
    }
}

impl PartialEq for Extra {
    /// The same keys with the same raw text each, in any order.
    fn eq(&self, other: &Self) -> bool {
        if self.len() != other.len() {
            return false;
        }
        let same = |(a, x): &Entry, (b, y): &Entry| a == b && x.get() == y.get();
        if self
            .entries
            .iter()
            .zip(&other.entries)
            .all(|(a, b)| same(a, b))
        {
            return true;
        }
        fn sorted(extra: &Extra) -> Vec<&Entry> {
            let mut entries: Vec<_> = extra.entries.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            entries
        }
        sorted(self)
            .into_iter()
            .zip(sorted(other))
            .all(|(a, b)| same(a, b))
    }
}

impl Eq for Extra {}

impl Serialize for Extra {
    /// A map of each key to its value's raw text, in the order sent.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (key, raw) in &self.entries {
            map.serialize_entry(key, raw)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Extra {
    /// Every field of a JSON object (needs a `serde_json` deserializer).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ExtraVisitor;

        impl<'de> Visitor<'de> for ExtraVisitor {
            type Value = Extra;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Extra, A::Error> {
                let mut extra = Extra::new();
                while let Some(Str(key)) = map.next_key()? {
                    extra.read_next(key.into_owned(), &mut map)?;
                }
                extra.finish();
                Ok(extra)
            }
        }

        deserializer.deserialize_map(ExtraVisitor)
    }
}

impl FromIterator<(String, Box<RawValue>)> for Extra {
    /// The fields in the iterator's order; a key given twice keeps its last value, in its
    /// first place.
    ///
    /// ```
    /// use serde_json::value::RawValue;
    /// use webhook_guard::event::Extra;
    ///
    /// let raw = |text: &str| RawValue::from_string(text.to_owned()).unwrap();
    /// let extra: Extra = [("a".to_owned(), raw("1")), ("b".to_owned(), raw("[2]"))]
    ///     .into_iter()
    ///     .collect();
    /// assert_eq!(serde_json::to_string(&extra)?, r#"{"a":1,"b":[2]}"#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    fn from_iter<I: IntoIterator<Item = (String, Box<RawValue>)>>(iter: I) -> Self {
        let mut extra = Self::new();
        extra.extend(iter);
        extra
    }
}

impl Extend<(String, Box<RawValue>)> for Extra {
    /// Adds the fields; a key already there (or given twice) keeps the last value, in its
    /// first place.
    ///
    /// ```
    /// use serde_json::value::RawValue;
    /// use webhook_guard::event::Extra;
    ///
    /// let mut extra: Extra = serde_json::from_str(r#"{"a": 1, "b": 2}"#)?;
    /// extra.extend([("a".to_owned(), RawValue::from_string("3".to_owned())?)]);
    /// assert_eq!(serde_json::to_string(&extra)?, r#"{"a":3,"b":2}"#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    fn extend<I: IntoIterator<Item = (String, Box<RawValue>)>>(&mut self, iter: I) {
        self.entries.extend(iter);
        self.finish();
    }
}

impl<'a> IntoIterator for &'a Extra {
    type Item = (&'a str, &'a RawValue);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, Box<RawValue>)>,
        fn(&'a Entry) -> (&'a str, &'a RawValue),
    >;

    /// [`Extra::iter`].
    fn into_iter(self) -> Self::IntoIter {
        let entry: fn(&'a Entry) -> (&'a str, &'a RawValue) = |(k, raw)| (k.as_str(), &**raw);
        self.entries.iter().map(entry)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::Extra;

    fn read(json: &str) -> Result<Extra, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    fn pairs(extra: &Extra) -> Vec<(&str, &str)> {
        extra.iter().map(|(k, raw)| (k, raw.get())).collect()
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value_in_its_first_place() {
        let extra = read(r#"{"a":1,"b":2,"a":3,"c":4,"a":[5]}"#).unwrap();
        assert_eq!(pairs(&extra), [("a", "[5]"), ("b", "2"), ("c", "4")]);
        // The same past the pairwise comparison: 40 keys, each sent twice, then one more time.
        let mut fields: Vec<String> = (0..40).map(|i| format!(r#""k{i}":{i}"#)).collect();
        fields.extend((0..40).rev().map(|i| format!(r#""k{i}":"second {i}""#)));
        fields.push(r#""k7":"third""#.to_owned());
        let extra = read(&format!("{{{}}}", fields.join(","))).unwrap();
        assert_eq!(extra.len(), 40);
        for (i, (key, raw)) in extra.iter().enumerate() {
            assert_eq!(key, format!("k{i}"));
            let expected = if i == 7 {
                r#""third""#.to_owned()
            } else {
                format!(r#""second {i}""#)
            };
            assert_eq!(raw.get(), expected);
        }
        // As the map the derive kept: the same values.
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&format!("{{{}}}", fields.join(","))).unwrap();
        assert_eq!(extra.to_map(), map);
    }

    #[test]
    fn a_value_is_kept_only_if_it_parses_on_its_own() {
        let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let at_limit = read(&format!(r#"{{"deep":{}}}"#, nested(126))).unwrap();
        assert_eq!(
            at_limit.value("deep"),
            serde_json::from_str(&nested(126)).ok()
        );
        // Brackets inside strings do not count.
        let text = format!(r#"{{"s":"{}","n":{}}}"#, "[".repeat(300), nested(126));
        assert_eq!(read(&text).unwrap().len(), 2);
        // Escaped quotes and backslashes anywhere in a string (the word-wise skip sees them).
        for len in 0..24 {
            for escape in [r#"\""#, r"\\", r"\u0022"] {
                for at in 0..=len {
                    let (head, tail) = ("a".repeat(at), "b".repeat(len - at));
                    let string = format!(r#""{head}{escape}{tail}{}""#, "[".repeat(200));
                    let extra = read(&format!(r#"{{"s":{string},"t":{}}}"#, nested(126)));
                    assert_eq!(extra.unwrap().get("s").map(|raw| raw.get()), Some(&*string));
                    // The string ends where it ends: what follows it is counted.
                    let body = format!(r#"{{"s":[{string},{}]}}"#, nested(126));
                    assert!(read(&body).is_err(), "{body}");
                }
            }
        }
        let err = read(&format!(r#"{{"deep":{}}}"#, nested(127))).unwrap_err();
        assert!(
            err.starts_with("recursion limit exceeded at line 1"),
            "{err}"
        );

        for number in [
            "1e308",
            "-1.7976931348623157e308",
            "1e-400",
            "12345678901234567890123",
        ] {
            let extra = read(&format!(r#"{{"n":{number}}}"#)).unwrap();
            let value = extra.value("n").expect("kept");
            assert_eq!(Some(value), serde_json::from_str(number).ok(), "{number}");
        }
        for number in ["1e309", "-2E+400", &format!("1{}", "0".repeat(310))] {
            let err = read(&format!(r#"{{"a":"1e999","n":[{number}]}}"#)).unwrap_err();
            assert!(
                err.starts_with("number out of range at line 1"),
                "{number}: {err}"
            );
            // What serde_json says of the same value as a `Value`.
            assert!(serde_json::from_str::<serde_json::Value>(number).is_err());
        }
    }

    #[test]
    fn equal_by_key_and_raw_text_in_any_order() {
        let a = read(r#"{"x":1,"y":[2]}"#).unwrap();
        assert_eq!(a, read(r#"{"y":[2],"x":1}"#).unwrap());
        assert_ne!(a, read(r#"{"x":1,"y":[2],"z":3}"#).unwrap());
        assert_ne!(
            a,
            read(r#"{"x":1,"y":[ 2 ]}"#).unwrap(),
            "the raw text differs"
        );
        assert_ne!(a, read(r#"{"x":1,"w":[2]}"#).unwrap());
        assert_eq!(format!("{a:?}"), r#"{"x": 1, "y": [2]}"#);
    }

    #[test]
    fn written_back_as_sent_and_read_from_a_value() {
        let text = r#"{"b":{ "k" : [1 , 2.50] },"a":"\u00e9","c":-0}"#;
        let extra = read(text).unwrap();
        assert_eq!(serde_json::to_string(&extra).unwrap(), text);
        // `serde_json::from_value` works too (serde_json writes each value's text).
        let from_value: Extra = serde_json::from_value(json!({"a": [1, {"b": null}]})).unwrap();
        assert_eq!(pairs(&from_value), [("a", r#"[1,{"b":null}]"#)]);
        assert_eq!(
            read("[1]").unwrap_err(),
            "invalid type: sequence, expected a JSON object at line 1 column 0"
        );
    }
}
