//! A `serde` deserializer over a body's text driven by our own walk ([`crate::scan`]), tried
//! before serde_json for the events of a known type (`NativeEvent::one_pass_json`).
//!
//! It is a shortcut, never a judge: it reads only what is plainly common and **bails out** (an
//! error whose message is never shown) on anything else, and then serde_json reads the body
//! from the start and decides, so verdicts and messages are serde_json's by construction. The
//! one obligation is that whatever it reads (`Ok`) is exactly what serde_json reads from the same
//! text: the same values, the same [`Extra`](super::Extra) raw texts, the same `Unknown`
//! decisions (the tests below compare both on samples and thousands of
//! generated and mutated bodies). Hence:
//!
//! - numbers are not parsed here: the number's text (its grammar checked by the walk) goes to a
//!   serde_json deserializer of its own, through the same method, so every number means what it
//!   means to serde_json;
//! - string escapes are decoded as serde_json decodes them (a surrogate `\u` escape only as
//!   the high half of a pair; a lone one bails); a control character in a string bails
//!   (serde_json refuses it);
//! - a value of the wrong type for the method asked bails (never a visit serde_json would not
//!   make), as do nesting deeper than [`MAX_NESTING`], bytes, chars and enums;
//! - serde_json's [`RawValue`](serde_json::value::RawValue) token is served as serde_json
//!   serves it (the raw text of the value, whitespace around it excluded);
//! - [`CAPTURE`] is our own token, for `Extra`: the value's raw text, given only when the walk
//!   found it nested at most `scan::MAX_VALUE_DEPTH` deep with every number in `f64`'s range (the
//!   checks `Extra` otherwise runs again over the captured text).
//!
//! Why: serde_json reads a value through a call, a peek and a match per token and skips a
//! string a byte at a time (`BENCHMARKS.md` §16); the walk reads strings eight bytes at a time.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;

use crate::scan;

/// serde_json's name for its [`RawValue`](serde_json::value::RawValue) newtype: a deserializer
/// that knows it gives the value's raw text (`serde_json/src/raw.rs`, `TOKEN`). Should serde_json
/// change it, `RawValue` no longer reads through this reader, which then bails every time (the
/// differential test's count of bodies read here would fall to zero).
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// Our name for a value captured by [`Extra`](super::Extra), already checked by the walk. A
/// deserializer that does not know it (serde_json) gives `visit_newtype_struct`, and `Extra`
/// then checks the text itself.
pub(crate) const CAPTURE: &str = "$webhook_guard::private::CheckedRaw";

/// How deep the values read through `visit_map`/`visit_seq` may nest: well under serde_json's
/// recursion limit (128), so nothing read here is refused there for depth.
const MAX_NESTING: usize = 100;

/// Why the reader gave up; serde_json's parse decides in either case, so neither carries a
/// message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Bail {
    /// The text holds something the reader leaves to serde_json (a lone surrogate escape, an
    /// enum, invalid JSON...): the one-pass parse may still read it.
    Left,
    /// The values read so far, read exactly as serde_json reads them, do not fit the model (a
    /// missing or repeated field, a value of the wrong type): the one-pass parse would stop at
    /// the same place, so only the reference parse is left (for `Unparsed` and its message).
    Misfit,
}

impl fmt::Display for Bail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("left to serde_json")
    }
}

impl std::error::Error for Bail {}

impl de::Error for Bail {
    fn custom<T: fmt::Display>(_: T) -> Self {
        // Only a visitor of the model calls this (the reader's own refusals are `Left`); no
        // message is formatted: it would never be read.
        Bail::Misfit
    }
}

impl From<scan::Malformed> for Bail {
    fn from(_: scan::Malformed) -> Self {
        Bail::Left
    }
}

/// Reads one JSON value from a text already known to be UTF-8.
pub(crate) struct Reader<'de> {
    text: &'de str,
    at: usize,
    depth: usize,
    /// A string with escapes, decoded (reused).
    scratch: String,
}

/// Reads `text` as one value of `T` followed by nothing but whitespace; `Err` wherever the
/// reader bails (then serde_json decides).
pub(crate) fn read<'de, T>(
    text: &'de str,
    read: impl FnOnce(&mut Reader<'de>) -> Result<T, Bail>,
) -> Result<T, Bail> {
    let mut reader = Reader {
        text,
        at: 0,
        depth: 0,
        scratch: String::new(),
    };
    let value = read(&mut reader)?;
    if scan::whitespace(text.as_bytes(), reader.at) == text.len() {
        Ok(value)
    } else {
        Err(Bail::Left)
    }
}

/// The byte at `at`, or 0 past the end (0 is no token).
#[inline(always)]
fn byte(bytes: &[u8], at: usize) -> u8 {
    bytes.get(at).copied().unwrap_or(0)
}

impl<'de> Reader<'de> {
    /// The next token's first byte, whitespace skipped.
    #[inline(always)]
    fn peek(&mut self) -> u8 {
        self.at = scan::whitespace(self.text.as_bytes(), self.at);
        byte(self.text.as_bytes(), self.at)
    }

    /// Past the literal `word` at the current position.
    fn literal(&mut self, word: &str) -> Result<(), Bail> {
        let rest = self.text.as_bytes().get(self.at..).unwrap_or_default();
        if rest.starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(())
        } else {
            Err(Bail::Left)
        }
    }

    /// The number at the current position (its grammar checked), as text.
    fn number(&mut self) -> Result<&'de str, Bail> {
        let start = self.at;
        let digits = if byte(self.text.as_bytes(), start) == b'-' {
            start + 1
        } else {
            start
        };
        self.at = scan::number(self.text.as_bytes(), digits)?;
        self.text.get(start..self.at).ok_or(Bail::Left)
    }

    /// The raw text of the value at the current position (whitespace skipped), walked.
    fn raw(&mut self, checked: bool) -> Result<&'de str, Bail> {
        self.peek();
        let start = self.at;
        self.at = if checked {
            checked_value(self.text, start)?
        } else {
            scan::value(self.text.as_bytes(), start)?
        };
        self.text.get(start..self.at).ok_or(Bail::Left)
    }

    /// Into a container whose opening byte is at the current position.
    fn enter(&mut self) -> Result<(), Bail> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(Bail::Left);
        }
        self.at += 1;
        Ok(())
    }

    /// Out of a container, at its closing byte `close`.
    fn leave(&mut self, close: u8) -> Result<(), Bail> {
        if self.peek() != close {
            return Err(Bail::Left);
        }
        self.at += 1;
        self.depth -= 1;
        Ok(())
    }

    /// The string at the current position (its opening quote), to `visitor`: borrowed from the
    /// text without escapes, decoded into the scratch buffer with (as serde_json does).
    fn string<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, Bail> {
        if self.peek() != b'"' {
            return Err(Bail::Left);
        }
        let start = self.at + 1;
        let (end, escaped) = scan::string(self.text.as_bytes(), start)?;
        self.at = end;
        let content = self.text.get(start..end - 1).ok_or(Bail::Left)?;
        if escaped {
            unescape(content, &mut self.scratch)?;
            visitor.visit_str(&self.scratch)
        } else {
            visitor.visit_borrowed_str(content)
        }
    }
}

/// Decodes `content` (a string's text between its quotes, escapes checked by the walk) into
/// `out` as serde_json does; a surrogate `\u` escape that is not the high half of a pair bails
/// (serde_json's rules for lone ones are its own).
fn unescape(content: &str, out: &mut String) -> Result<(), Bail> {
    out.clear();
    let mut rest = content;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let escape = rest.as_bytes().get(at + 1).copied().ok_or(Bail::Left)?;
        rest = rest.get(at + 2..).ok_or(Bail::Left)?;
        out.push(match escape {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hex = rest.get(..4).ok_or(Bail::Left)?;
                rest = &rest[4..];
                let code = u32::from_str_radix(hex, 16).map_err(|_| Bail::Left)?;
                if (0xd800..0xdc00).contains(&code) {
                    // A high surrogate: only a pair with a low one (`\uD83D\uDE00`, an emoji
                    // as some senders escape it) is read here; anything else serde_json judges.
                    let low = rest
                        .strip_prefix("\\u")
                        .and_then(|low| low.get(..4))
                        .and_then(|low| u32::from_str_radix(low, 16).ok())
                        .filter(|low| (0xdc00..0xe000).contains(low))
                        .ok_or(Bail::Left)?;
                    rest = &rest[6..];
                    char::from_u32(0x1_0000 + ((code - 0xd800) << 10) + (low - 0xdc00))
                        .ok_or(Bail::Left)?
                } else {
                    // `from_u32` refuses exactly the surrogates left (a lone low one).
                    char::from_u32(code).ok_or(Bail::Left)?
                }
            }
            _ => return Err(Bail::Left),
        });
    }
    out.push_str(rest);
    Ok(())
}

/// A value from `at` (no whitespace before it), as `scan::value` walks it, but refused when
/// `Extra` would refuse it: nested deeper than `scan::MAX_VALUE_DEPTH`, or a number out of `f64`'s
/// range. The position after it.
fn checked_value(text: &str, mut at: usize) -> Result<usize, Bail> {
    let bytes = text.as_bytes();
    // The open containers, one bit each (1: object) under a marker bit: 126 levels fit.
    let mut open: u128 = 1;
    let mut depth = 0usize;
    loop {
        let first = byte(bytes, at);
        at += 1;
        match first {
            b'"' => at = scan::string(bytes, at)?.0,
            b'-' | b'0'..=b'9' => {
                let start = at - 1;
                at = scan::number(bytes, if first == b'-' { at } else { start })?;
                let number = text.get(start..at).ok_or(Bail::Left)?;
                // Only an exponent or more digits than `f64::MAX` has can overflow (as
                // `extra::check` judges it).
                if (number.len() > 300 || number.contains(['e', 'E']))
                    && serde_json::from_str::<f64>(number).is_err()
                {
                    return Err(Bail::Left);
                }
            }
            b'n' | b't' | b'f' => {
                let rest: &[u8] = match first {
                    b'n' => b"ull",
                    b't' => b"rue",
                    _ => b"alse",
                };
                if !bytes.get(at..).unwrap_or_default().starts_with(rest) {
                    return Err(Bail::Left);
                }
                at += rest.len();
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > scan::MAX_VALUE_DEPTH {
                    return Err(Bail::Left);
                }
                let object = first == b'{';
                at = scan::whitespace(bytes, at);
                if byte(bytes, at) == if object { b'}' } else { b']' } {
                    at += 1;
                    depth -= 1;
                } else {
                    open = open << 1 | u128::from(object);
                    if object {
                        at = key(bytes, at)?;
                    }
                    continue;
                }
            }
            _ => return Err(Bail::Left),
        }
        // After a value: the ends of the enclosing containers, or a comma and the next value.
        loop {
            if depth == 0 {
                return Ok(at);
            }
            let object = open & 1 == 1;
            at = scan::whitespace(bytes, at);
            let next = byte(bytes, at);
            at += 1;
            match next {
                b',' => {
                    at = scan::whitespace(bytes, at);
                    if object {
                        at = key(bytes, at)?;
                    }
                    break;
                }
                b']' if !object => {}
                b'}' if object => {}
                _ => return Err(Bail::Left),
            }
            open >>= 1;
            depth -= 1;
        }
    }
}

/// A key in a captured value from `at` (its opening quote), and its colon: the position of the
/// value (whitespace skipped).
#[inline(always)]
fn key(bytes: &[u8], at: usize) -> Result<usize, Bail> {
    if byte(bytes, at) != b'"' {
        return Err(Bail::Left);
    }
    let (end, _) = scan::string(bytes, at + 1)?;
    let at = scan::whitespace(bytes, end);
    if byte(bytes, at) != b':' {
        return Err(Bail::Left);
    }
    Ok(scan::whitespace(bytes, at + 1))
}

/// A number read by serde_json's own deserializer, through the method the caller was asked for:
/// the same value, the same refusals.
macro_rules! number_methods {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
            match self.peek() {
                b'-' | b'0'..=b'9' => {
                    let number = self.number()?;
                    let mut json = serde_json::Deserializer::from_str(number);
                    let value = (&mut json).$method(visitor).map_err(|_| Bail::Left)?;
                    json.end().map_err(|_| Bail::Left)?;
                    Ok(value)
                }
                _ => Err(Bail::Left),
            }
        }
    )*};
}

/// Methods the reader leaves to serde_json.
macro_rules! bail_methods {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Bail> {
            Err(Bail::Left)
        }
    )*};
}

impl<'de> Deserializer<'de> for &mut Reader<'de> {
    type Error = Bail;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        match self.peek() {
            b'"' => self.string(visitor),
            b'-' | b'0'..=b'9' => {
                let number = self.number()?;
                let mut json = serde_json::Deserializer::from_str(number);
                let value = (&mut json)
                    .deserialize_any(visitor)
                    .map_err(|_| Bail::Left)?;
                json.end().map_err(|_| Bail::Left)?;
                Ok(value)
            }
            b'n' => {
                self.literal("null")?;
                visitor.visit_unit()
            }
            b't' | b'f' => self.deserialize_bool(visitor),
            b'[' => self.deserialize_seq(visitor),
            b'{' => self.deserialize_map(visitor),
            _ => Err(Bail::Left),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        match self.peek() {
            b't' => {
                self.literal("true")?;
                visitor.visit_bool(true)
            }
            b'f' => {
                self.literal("false")?;
                visitor.visit_bool(false)
            }
            _ => Err(Bail::Left),
        }
    }

    number_methods! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64
    }

    bail_methods! { deserialize_char deserialize_bytes deserialize_byte_buf }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        self.string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        self.string(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        self.string(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        if self.peek() == b'n' {
            self.literal("null")?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        if self.peek() != b'n' {
            return Err(Bail::Left);
        }
        self.literal("null")?;
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Bail> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Bail> {
        if name == RAW_VALUE_TOKEN || name == CAPTURE {
            let text = self.raw(name == CAPTURE)?;
            visitor.visit_map(RawMap {
                key: Some(name),
                text,
            })
        } else {
            visitor.visit_newtype_struct(self)
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        if self.peek() != b'[' {
            return Err(Bail::Left);
        }
        self.enter()?;
        let value = visitor.visit_seq(Elements {
            reader: &mut *self,
            first: true,
        })?;
        self.leave(b']')?;
        Ok(value)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, Bail> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, Bail> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        if self.peek() != b'{' {
            return Err(Bail::Left);
        }
        self.enter()?;
        let value = visitor.visit_map(Fields {
            reader: &mut *self,
            first: true,
        })?;
        self.leave(b'}')?;
        Ok(value)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Bail> {
        // serde_json also reads a struct from an array: left to it.
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Bail> {
        Err(Bail::Left)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        // serde_json's `ignore_value`: the grammar checked, no depth limit, as the walk.
        self.raw(false)?;
        visitor.visit_unit()
    }
}

/// The elements of an array.
struct Elements<'a, 'de> {
    reader: &'a mut Reader<'de>,
    first: bool,
}

impl<'de> SeqAccess<'de> for Elements<'_, 'de> {
    type Error = Bail;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Bail> {
        let next = self.reader.peek();
        if next == b']' {
            return Ok(None);
        }
        if !self.first {
            if next != b',' {
                return Err(Bail::Left);
            }
            self.reader.at += 1;
            // `[1,]`: serde_json refuses the trailing comma.
            if self.reader.peek() == b']' {
                return Err(Bail::Left);
            }
        }
        self.first = false;
        seed.deserialize(&mut *self.reader).map(Some)
    }
}

/// The fields of an object.
struct Fields<'a, 'de> {
    reader: &'a mut Reader<'de>,
    first: bool,
}

impl<'de> MapAccess<'de> for Fields<'_, 'de> {
    type Error = Bail;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Bail> {
        let mut next = self.reader.peek();
        if next == b'}' {
            return Ok(None);
        }
        if !self.first {
            if next != b',' {
                return Err(Bail::Left);
            }
            self.reader.at += 1;
            next = self.reader.peek();
        }
        self.first = false;
        // Also refuses `{"a":1,}`.
        if next != b'"' {
            return Err(Bail::Left);
        }
        seed.deserialize(Key(&mut *self.reader)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Bail> {
        if self.reader.peek() != b':' {
            return Err(Bail::Left);
        }
        self.reader.at += 1;
        seed.deserialize(&mut *self.reader)
    }
}

/// An object's key: read as a string only (serde_json reads keys as numbers, options and
/// newtypes too, with rules of its own: left to it).
struct Key<'a, 'de>(&'a mut Reader<'de>);

impl<'de> Deserializer<'de> for Key<'_, 'de> {
    type Error = Bail;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        self.0.string(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        self.0.string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        self.0.string(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        self.0.string(visitor)
    }

    bail_methods! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_bytes
        deserialize_byte_buf deserialize_option deserialize_unit deserialize_seq deserialize_map
        deserialize_ignored_any
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: V,
    ) -> Result<V::Value, Bail> {
        Err(Bail::Left)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: V,
    ) -> Result<V::Value, Bail> {
        Err(Bail::Left)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, Bail> {
        Err(Bail::Left)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        _: V,
    ) -> Result<V::Value, Bail> {
        Err(Bail::Left)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Bail> {
        Err(Bail::Left)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Bail> {
        Err(Bail::Left)
    }
}

/// A raw value as serde_json hands one to `RawValue` (a map of one entry: the token, then the
/// text as a borrowed string), for serde_json's token or ours.
struct RawMap<'de> {
    key: Option<&'static str>,
    text: &'de str,
}

impl<'de> MapAccess<'de> for RawMap<'de> {
    type Error = Bail;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Bail> {
        match self.key.take() {
            Some(key) => seed.deserialize(Borrowed(key)).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Bail> {
        seed.deserialize(Borrowed(self.text))
    }
}

/// A string borrowed from the body, to any method.
struct Borrowed<'de>(&'de str);

impl<'de> Deserializer<'de> for Borrowed<'de> {
    type Error = Bail;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        visitor.visit_borrowed_str(self.0)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// A borrowed [`RawValue`](serde_json::value::RawValue) over `text`, as serde_json's deserializer
/// lends one (through its token), without reading the text again (`RawValue::from_string`
/// would parse it): for text the walk has validated as one JSON value without whitespace
/// around it (`.to_owned()` then copies it once into a box), or for a caller that has it read
/// by serde_json right after and drops the value if that fails.
pub(crate) fn borrowed_raw(text: &str) -> Option<&serde_json::value::RawValue> {
    use serde::Deserialize;
    use serde::de::value::{BorrowedStrDeserializer, Error, MapDeserializer};
    let entry = std::iter::once((RAW_VALUE_TOKEN, BorrowedStrDeserializer::<Error>::new(text)));
    <&serde_json::value::RawValue>::deserialize(MapDeserializer::<_, Error>::new(entry)).ok()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{Bail, unescape};
    use crate::event::NativeEvent;
    use crate::event::audit_trail::AuditTrailEvent;
    use crate::event::envelope::raw_of;
    use crate::event::envelope::tests::samples;
    use crate::event::palo::PaloEvent;
    use crate::testing::audit_trail_sample;

    /// Reads `body` with the reader and with serde_json (each provider's enum); whenever the
    /// reader reads it, serde_json's one-pass parse reads the same event (its `Debug`: every
    /// field, `extra` in the order sent, its raw texts). How many enums the reader read it as.
    fn compare(body: &str) -> usize {
        let mut read = 0;
        if let Some(ours) = AuditTrailEvent::one_pass_read(body, || raw_of(body)) {
            let theirs = AuditTrailEvent::one_pass(body, || raw_of(body));
            assert_eq!(
                Some(format!("{ours:?}")),
                theirs.as_ref().map(|e| format!("{e:?}")),
                "Audit Trail: {body}"
            );
            assert_eq!(Some(ours), theirs);
            read += 1;
        }
        if let Some(ours) = PaloEvent::one_pass_read(body, || raw_of(body)) {
            let theirs = PaloEvent::one_pass(body, || raw_of(body));
            assert_eq!(
                Some(format!("{ours:?}")),
                theirs.as_ref().map(|e| format!("{e:?}")),
                "PALO: {body}"
            );
            assert_eq!(Some(ours), theirs);
            read += 1;
        }
        read
    }

    /// Reads `body` with the reader of each provider's enum; where the reader says the values
    /// do not fit the model ([`Bail::Misfit`], on which verification skips serde_json's one
    /// pass), serde_json's one pass must not read it either. How many enums said so.
    fn misfits(body: &str) -> usize {
        let mut misfits = 0;
        if AuditTrailEvent::one_pass_bail(body) == Some(Bail::Misfit) {
            assert!(
                AuditTrailEvent::one_pass(body, || raw_of(body)).is_none(),
                "Audit Trail: a misfit serde_json reads: {body}"
            );
            // What verification then gives: the event `from_slice` gives.
            assert_eq!(
                <AuditTrailEvent as NativeEvent>::reference_json(body),
                AuditTrailEvent::from_slice(body.as_bytes()).ok(),
                "Audit Trail: {body}"
            );
            misfits += 1;
        }
        if PaloEvent::one_pass_bail(body) == Some(Bail::Misfit) {
            assert!(
                PaloEvent::one_pass(body, || raw_of(body)).is_none(),
                "PALO: a misfit serde_json reads: {body}"
            );
            assert_eq!(
                <PaloEvent as NativeEvent>::reference_json(body),
                PaloEvent::from_slice(body.as_bytes()).ok(),
                "PALO: {body}"
            );
            misfits += 1;
        }
        misfits
    }

    /// The load generator's bodies (examples/load_gen.rs): the `event.created` sample padded
    /// with one long string, and the realistic one (many short strings, a few escapes).
    fn load_bodies() -> Vec<String> {
        let sample = audit_trail_sample("event.created").expect("a sample");
        let head = sample.strip_suffix('}').expect("an object");
        let padded = format!(r#"{head},"padding":"{}"}}"#, "x".repeat(700));
        let head = sample
            .strip_suffix("}}}")
            .expect("the event.created sample");
        let mut realistic = format!(
            r#"{head},"context":{{"ip":"203.0.113.7","userAgent":"Mozilla\/5.0 (X11; Linux x86_64)","requestId":"req-7f3a9c","sessionId":"sess-41d2","origin":"web","locale":"en-GB"}},"changes":["#
        );
        for i in 0..8 {
            realistic.push_str(&format!(
                r#"{{"field":"f{i:02}","from":"value {i}","to":"value {}","by":"user-123"}},"#,
                i + 1
            ));
        }
        realistic.push_str(r#"{"note":"nnnnnnnnnnnnnnnnnnnn"}]}}}"#);
        vec![padded, realistic]
    }

    /// JSON fragments, valid and not, for every place a value goes.
    fn values() -> Vec<String> {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        let deep_object = |n: usize| format!("{}1{}", r#"{"a":"#.repeat(n), "}".repeat(n));
        let mut values: Vec<String> = [
            r#""plain""#,
            r#""a\"b""#,
            r#""\\""#,
            r#""\/""#,
            r#""\b\f\n\r\t""#,
            r#""\u00e9x""#,
            r#""\u0041\u20AC""#,
            r#""\uD83D\uDE00""#,
            r#""\uD800""#,
            r#""\uDC00x""#,
            r#""\u0000""#,
            "\"a\u{1}b\"",
            "\"\t\"",
            r#""\x""#,
            r#""\u12""#,
            "\"é😀\"",
            r#""""#,
            "1e400",
            "-1e400",
            "1e308",
            "1e-400",
            "-0",
            "-0.0",
            "0",
            "7",
            "1.5",
            "1E5",
            "123456789012345678901234567890",
            "18446744073709551616",
            "-9223372036854775809",
            "01",
            "1.",
            "-",
            "+1",
            ".5",
            "true",
            "false",
            "null",
            "nul",
            "tru",
            "[]",
            "{}",
            "[1,]",
            r#"{"a":1,}"#,
            r#"{"a":1,"a":[2]}"#,
            r#"[1,{"b":[null,true,"x"]}]"#,
            r#"{"$serde_json::private::RawValue":"1"}"#,
            r#"{"$webhook_guard::private::CheckedRaw":"1"}"#,
            "[1e400]",
            r#"{"n":1e309}"#,
            r#"{"n":-2E+400,"m":1e-999}"#,
            " \"spaced\" ",
            "[ 1 , 2 ]",
            r#"{ "k" : "v" }"#,
            r#"{"k" "v"}"#,
            "[1 2]",
        ]
        .iter()
        .map(|v| (*v).to_owned())
        .collect();
        for n in [50, 98, 99, 100, 101, 125, 126, 127, 128, 130] {
            values.push(deep(n));
            values.push(deep_object(n));
        }
        values.push(format!("1{}", "0".repeat(310)));
        values.push(format!("1{}.5", "0".repeat(290)));
        values
    }

    /// Where each string value of `body` starts and ends (after a colon, or in an array).
    fn string_values(body: &str) -> Vec<(usize, usize)> {
        let bytes = body.as_bytes();
        let mut out = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            if bytes[at] == b'"' {
                let (end, _) = crate::scan::string(bytes, at + 1).expect("a valid sample");
                let before = body[..at].trim_end();
                if before.ends_with([':', '[', ',']) && !body[end..].trim_start().starts_with(':') {
                    out.push((at, end));
                }
                at = end;
            } else {
                at += 1;
            }
        }
        out
    }

    #[test]
    fn reads_every_sample_and_load_body_as_serde_json_does() {
        for body in samples().iter().chain(&load_bodies()) {
            assert_eq!(compare(body), 1, "the reader bailed on {body}");
            // With whitespace everywhere whitespace may go.
            let spaced = serde_json::to_string_pretty(
                &serde_json::from_str::<serde_json::Value>(body).expect("JSON"),
            )
            .expect("writes");
            assert_eq!(compare(&format!("\n {spaced}\r\n")), 1, "{spaced}");
        }
    }

    #[test]
    fn reads_generated_bodies_as_serde_json_does_or_bails() {
        let values = values();
        let keys = [
            "x",
            "id",
            "type",
            "data",
            "timestamp",
            "tenantId",
            "event_id",
            "event_type",
            "organization_id",
            r"i\u0064",
            r"k\n",
        ];
        let (mut bodies, mut read, mut misfit) = (0usize, 0usize, 0usize);
        let mut read_value = vec![0usize; values.len()];
        let mut check = |body: &str, value: Option<usize>| {
            bodies += 1;
            misfit += misfits(body);
            let n = compare(body);
            read += n;
            if let Some(i) = value {
                read_value[i] += n;
            }
        };
        for base in samples().iter().chain(&load_bodies()) {
            let inner = base.strip_prefix('{').expect("an object");
            let head = base.strip_suffix('}').expect("an object");
            // Every string value replaced by each value.
            for (start, end) in string_values(base) {
                for (i, value) in values.iter().enumerate() {
                    check(
                        &format!("{}{value}{}", &base[..start], &base[end..]),
                        Some(i),
                    );
                }
            }
            for (i, value) in values.iter().enumerate() {
                for key in keys {
                    // A field before the envelope's (kept until the type is read), after them,
                    // and in `data`.
                    check(&format!(r#"{{"{key}":{value},{inner}"#), Some(i));
                    check(&format!(r#"{head},"{key}":{value}}}"#), Some(i));
                    if let Some(at) = base.find(r#""data":{"#) {
                        let at = at + r#""data":{"#.len();
                        let (before, after) = base.split_at(at);
                        let comma = if after.starts_with('}') { "" } else { "," };
                        check(
                            &format!(r#"{before}"{key}":{value}{comma}{after}"#),
                            Some(i),
                        );
                    }
                }
            }
            // Trailing text, and text before.
            for tail in ["", " ", "\n", "x", "{}", ",", "}", "\u{0}", "/"] {
                check(&format!("{base}{tail}"), None);
                check(&format!("{tail}{base}"), None);
            }
        }
        // Every value as read through a modelled field of another type (`count: Option<u64>`,
        // `resolution_time_hours: Option<f64>`, `affected_services: Vec<String>`).
        for (i, value) in values.iter().enumerate() {
            check(
                &format!(
                    r#"{{"id":"1","type":"event.batch.created","timestamp":"t","tenantId":"t","data":{{"count":{value}}}}}"#
                ),
                Some(i),
            );
            check(
                &format!(
                    r#"{{"event_id":"1","event_type":"ticket.resolved","timestamp":"t","organization_id":"o","data":{{"ticket_id":"T","resolution_time_hours":{value}}}}}"#
                ),
                Some(i),
            );
            check(
                &format!(
                    r#"{{"event_id":"1","event_type":"system.incident","timestamp":"t","organization_id":"o","data":{{"incident_id":"I","affected_services":[{value}]}}}}"#
                ),
                Some(i),
            );
        }
        // One byte changed, inserted or removed anywhere (a fixed pseudo-random sequence).
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let inserts = b"\"\\{}[],:0-e.tnu \x01/";
        let bases: Vec<String> = samples().into_iter().chain(load_bodies()).collect();
        for _ in 0..6000 {
            let base = &bases[(next() % bases.len() as u64) as usize];
            let mut bytes = base.as_bytes().to_vec();
            for _ in 0..1 + next() % 2 {
                let at = (next() % bytes.len() as u64) as usize;
                let with = inserts[(next() % inserts.len() as u64) as usize];
                match next() % 3 {
                    0 => bytes[at] = with,
                    1 => bytes.insert(at, with),
                    _ => {
                        bytes.remove(at);
                    }
                }
            }
            if let Ok(body) = String::from_utf8(bytes) {
                check(&body, None);
            }
        }
        eprintln!(
            "the reader read {read} of {bodies} generated bodies (x2 enums), {misfit} misfits"
        );
        // A body of each enum's shape read as the other is a misfit, at least.
        assert!(misfit > bodies / 4, "{misfit} misfits of {bodies}");
        // The reader must be worth its keep: the common shapes are read, not left to serde_json.
        for must_read in [
            r#""a\"b""#,
            r#""\b\f\n\r\t""#,
            r#""\u00e9x""#,
            "-0",
            "1.5",
            "1e308",
            "123456789012345678901234567890",
            "null",
            r#"{"a":1,"a":[2]}"#,
            "[ 1 , 2 ]",
        ] {
            let i = values.iter().position(|v| v == must_read).expect("listed");
            assert!(read_value[i] > 0, "never read: {must_read}");
        }
        // Invalid JSON anywhere is left to serde_json.
        for must_bail in ["\"a\u{1}b\"", "01", "[1,]", r#"{"a":1,}"#, r#""\x""#] {
            let i = values.iter().position(|v| v == must_bail).expect("listed");
            assert_eq!(read_value[i], 0, "read: {must_bail}");
        }
    }

    #[test]
    fn leaves_surrogates_and_numbers_out_of_range_to_serde_json() {
        let body = |field: &str, value: &str| {
            format!(
                r#"{{"event_id":"1","event_type":"ticket.resolved","timestamp":"t","organization_id":"o","data":{{"ticket_id":"T","{field}":{value}}}}}"#
            )
        };
        // A modelled string with a lone surrogate is left to serde_json (which keeps the
        // event from its one pass); captured in `extra` (as raw text) it is read here, and so
        // is a pair (an emoji) in a modelled string.
        for lone in [r#""\uD83D""#, r#""\uDE00\uD83D""#, r#""\uD83Dx\uDE00""#] {
            assert!(PaloEvent::one_pass_read(&body("resolved_by", lone), || None).is_none());
            assert!(PaloEvent::one_pass(&body("resolved_by", lone), || None).is_none());
            assert_eq!(compare(&body("other", lone)), 1);
        }
        let pair = r#""\uD83D\uDE00""#;
        assert_eq!(compare(&body("resolved_by", pair)), 1);
        assert_eq!(compare(&body("other", pair)), 1);
        // A number out of `f64`'s range, or nested too deep, in `extra`: serde_json decides
        // (and refuses the event's one pass).
        let deep = format!("{}{}", "[".repeat(127), "]".repeat(127));
        for value in ["1e400", &format!("[{}1]", "0".repeat(310)), &deep] {
            assert!(PaloEvent::one_pass_read(&body("other", value), || None).is_none());
            assert!(PaloEvent::one_pass(&body("other", value), || None).is_none());
        }
        // In range, at the limit: read here.
        let deep = format!("{}{}", "[".repeat(126), "]".repeat(126));
        for value in ["1e308", "-1.5E-400", &deep] {
            assert_eq!(compare(&body("other", value)), 1, "{value}");
        }
    }

    /// Any JSON value, as serde_json writes it (strings with quotes, escapes, controls and
    /// non-ASCII; integers, floats; nested arrays and objects, keys repeated).
    fn json_value() -> impl Strategy<Value = String> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            ".{0,24}".prop_map(Value::from),
            "[\"\\\\/a\u{1}\u{1f}\u{e9}\u{1F600}]{0,20}".prop_map(Value::from),
        ];
        let value = leaf.prop_recursive(6, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                prop::collection::btree_map("[ab\\\"]{0,3}", inner, 0..6)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        });
        (value, any::<bool>(), "[a-z]{0,3}").prop_map(|(value, pretty, repeated)| {
            let mut text = if pretty {
                serde_json::to_string_pretty(&value)
            } else {
                serde_json::to_string(&value)
            }
            .expect("writes");
            // A key sent twice, in an object of its own.
            if !repeated.is_empty() {
                text = format!(r#"{{"{repeated}":1,"k":{text},"{repeated}":[{text}]}}"#);
            }
            text
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn reads_any_generated_value_as_serde_json_does(
            value in json_value(),
            key in "x|id|type|data|timestamp|count|resolved_by|resolution_time_hours|affected_services",
            at in 0usize..64,
        ) {
            for base in samples() {
                let inner = base.strip_prefix('{').expect("an object");
                compare(&format!(r#"{{"{key}":{value},{inner}"#));
                if let Some(data) = base.find(r#""data":{"#) {
                    let (before, after) = base.split_at(data + r#""data":{"#.len());
                    let comma = if after.starts_with('}') { "" } else { "," };
                    compare(&format!(r#"{before}"{key}":{value}{comma}{after}"#));
                }
                let strings = string_values(&base);
                let (start, end) = strings[at % strings.len()];
                compare(&format!("{}{value}{}", &base[..start], &base[end..]));
            }
        }
    }

    #[test]
    fn decodes_every_escape_as_serde_json_does() {
        let mut out = String::new();
        for escape in ["\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"] {
            let text = format!("a{escape}b{escape}");
            unescape(&text, &mut out).expect("decoded");
            assert_eq!(
                out,
                serde_json::from_str::<String>(&format!("\"{text}\"")).unwrap()
            );
        }
        for code in 0..=0xffffu32 {
            let text = format!("x\\u{code:04X}y\\u{code:04x}");
            let ours = unescape(&text, &mut out).map(|()| out.clone());
            let theirs = serde_json::from_str::<String>(&format!("\"{text}\""));
            match ours {
                Ok(ours) => assert_eq!(ours, theirs.unwrap(), "{text}"),
                // Only the surrogates bail here: lone ones.
                Err(bail) => {
                    assert_eq!(bail, Bail::Left, "{text}");
                    assert!((0xd800..=0xdfff).contains(&code), "{text}");
                }
            }
        }
        // Pairs: each high half with lows across the range, and what is not a low after it.
        for high in 0xd800..=0xdbffu32 {
            for low in [0xdc00u32, 0xdc01, 0xde00, 0xdfff, 0xdbff, 0xe000, 0x0041] {
                let text = format!("\\u{high:04x}\\u{low:04X}z");
                let ours = unescape(&text, &mut out).map(|()| out.clone());
                let theirs = serde_json::from_str::<String>(&format!("\"{text}\""));
                match ours {
                    Ok(ours) => assert_eq!(ours, theirs.unwrap(), "{text}"),
                    Err(bail) => {
                        assert_eq!(bail, Bail::Left, "{text}");
                        assert!(!(0xdc00..=0xdfff).contains(&low), "{text}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_raw_value_built_from_walked_text_is_that_text() {
        for text in [r#"{"a":[1,"x"]}"#, "-0.5", r#""s\"""#, "null"] {
            let raw = super::borrowed_raw(text).expect("built").to_owned();
            assert_eq!(raw.get(), text);
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(raw.get()).unwrap(),
                serde_json::from_str::<serde_json::Value>(text).unwrap()
            );
        }
    }
}
