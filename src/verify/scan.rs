//! One walk over a JSON object: its top-level fields found, the whole body validated, nothing
//! built.
//!
//! serde_json validates what it skips through `ignore_value`, which pays a call, a peek and a
//! match per token; on a realistic 1 KiB delivery (many short strings) that is most of what
//! verification costs after the signature. This walker accepts exactly the JSON serde_json's
//! `from_str` accepts for the verifier's readers (`fields::json_fields` and the providers'
//! one-pass parse): the same grammar for skipped values (strings without control characters,
//! escapes of `"\/bfnrtu` with four hex digits, RFC 8259 numbers, `true`/`false`/`null`, any
//! nesting: `ignore_value` has no depth limit), top-level keys decoded as strictly as serde_json
//! decodes a `&str` (a key with an escape is handed to serde_json), only whitespace after the
//! object. The values of the fields asked for are returned as their raw JSON text: the caller
//! decodes those few with serde_json, which judges them exactly as before. The text must be
//! `&str` (UTF-8 checked once, by the caller). Properties tests compare it with serde_json on
//! hostile bodies (`tests`, and the `verify` fuzz target through `json_fields`).

use std::borrow::Cow;

/// What the caller of [`object`] wants after a field.
pub(crate) enum Flow {
    /// Go on to the next field.
    Continue,
    /// Stop here: the rest of the body is not walked (nor validated).
    Stop,
}

/// The body is not one JSON object as serde_json reads it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Malformed;

/// Walks `text` as one JSON object. For each top-level key equal to `names[i]` (decoded, so
/// `"i\u0064"` is `id`), calls `field(i, value)` with the value's raw JSON text, in body order
/// and for every occurrence. Returns `Ok(true)` when the whole text was walked and is valid,
/// `Ok(false)` when `field` stopped the walk.
pub(crate) fn object<'b, E: From<Malformed>>(
    text: &'b str,
    names: &[Option<&str>],
    mut field: impl FnMut(usize, &'b str) -> Result<Flow, E>,
) -> Result<bool, E> {
    let mut walk = Walk {
        bytes: text.as_bytes(),
        at: 0,
    };
    walk.whitespace();
    walk.expect(b'{')?;
    walk.whitespace();
    if walk.peek() == Some(b'}') {
        walk.at += 1;
    } else {
        loop {
            walk.expect(b'"')?;
            let start = walk.at;
            let escaped = walk.string()?;
            let key: Cow<'b, str> = if escaped {
                // As strict as serde_json's `&str` keys (a lone surrogate is an error).
                Cow::Owned(
                    serde_json::from_str::<String>(&text[start - 1..walk.at])
                        .map_err(|_| Malformed)?,
                )
            } else {
                Cow::Borrowed(&text[start..walk.at - 1])
            };
            walk.whitespace();
            walk.expect(b':')?;
            walk.whitespace();
            let value_start = walk.at;
            walk.value()?;
            if let Some(i) = names.iter().position(|name| *name == Some(&*key))
                && let Flow::Stop = field(i, &text[value_start..walk.at])?
            {
                return Ok(false);
            }
            walk.whitespace();
            match walk.next() {
                Some(b',') => walk.whitespace(),
                Some(b'}') => break,
                _ => return Err(Malformed.into()),
            }
        }
    }
    walk.whitespace();
    if walk.at == walk.bytes.len() {
        Ok(true)
    } else {
        Err(Malformed.into())
    }
}

/// A JSON string value's text when it has no escape: its content, borrowed; `None` for any
/// other value (the caller then asks serde_json).
pub(crate) fn plain_string(token: &str) -> Option<&str> {
    let inner = token.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('\\')).then_some(inner)
}

struct Walk<'b> {
    bytes: &'b [u8],
    at: usize,
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `word` (little-endian) that is a quote, a backslash or a
/// control character, exact at the lowest one (bytes from 0x80 up, UTF-8, are never flagged;
/// each term may flag bytes above its first true one, never below, so the lowest of all three
/// is a true one).
#[inline(always)]
fn special(word: u64) -> u64 {
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    (quote.wrapping_sub(ONES) & !quote
        | backslash.wrapping_sub(ONES) & !backslash
        | word.wrapping_sub(ONES * 0x20) & !word)
        & HIGHS
}

impl Walk<'_> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    #[inline(always)]
    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    #[inline(always)]
    fn expect(&mut self, byte: u8) -> Result<(), Malformed> {
        if self.next() == Some(byte) {
            Ok(())
        } else {
            Err(Malformed)
        }
    }

    #[inline(always)]
    fn whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// The rest of a string whose opening quote was read, up to and including its closing one;
    /// whether it holds an escape.
    #[inline(always)]
    fn string(&mut self) -> Result<bool, Malformed> {
        // Locals, not fields: the loop keeps its position in a register.
        let bytes = self.bytes;
        let mut at = self.at;
        let mut escaped = false;
        loop {
            // To the first quote, backslash or control character: one word of eight bytes
            // (most strings end in it), then two words at a time.
            let rest = bytes.get(at..).unwrap_or_default();
            let mut skipped = 0;
            if let Some(first) = rest.first_chunk::<8>() {
                let found = special(u64::from_le_bytes(*first));
                if found == 0 {
                    skipped = 8;
                    for pair in rest.get(8..).unwrap_or_default().chunks_exact(16) {
                        let (Some(low), Some(high)) =
                            (pair.first_chunk::<8>(), pair.last_chunk::<8>())
                        else {
                            break;
                        };
                        let (low, high) = (
                            special(u64::from_le_bytes(*low)),
                            special(u64::from_le_bytes(*high)),
                        );
                        if low | high != 0 {
                            skipped += if low != 0 {
                                (low.trailing_zeros() / 8) as usize
                            } else {
                                8 + (high.trailing_zeros() / 8) as usize
                            };
                            break;
                        }
                        skipped += 16;
                    }
                } else {
                    skipped = (found.trailing_zeros() / 8) as usize;
                }
            }
            at += skipped;
            let &byte = bytes.get(at).ok_or(Malformed)?;
            at += 1;
            match byte {
                b'"' => {
                    self.at = at;
                    return Ok(escaped);
                }
                b'\\' => {
                    escaped = true;
                    match bytes.get(at).ok_or(Malformed)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => at += 1,
                        b'u' => {
                            let hex = bytes.get(at + 1..at + 5).ok_or(Malformed)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return Err(Malformed);
                            }
                            at += 5;
                        }
                        _ => return Err(Malformed),
                    }
                }
                byte if byte < 0x20 => return Err(Malformed),
                // A byte the word scan passed over in the tail (under 8 bytes left).
                _ => {}
            }
        }
    }

    #[inline(always)]
    fn digits(&mut self) -> usize {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        self.at - start
    }

    /// A number whose sign, if any, was read: RFC 8259's grammar, as serde_json checks it.
    #[inline(always)]
    fn number(&mut self) -> Result<(), Malformed> {
        match self.next() {
            Some(b'0') => {
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(Malformed);
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(Malformed),
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return Err(Malformed);
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(Malformed);
            }
        }
        Ok(())
    }

    fn literal(&mut self, rest: &[u8]) -> Result<(), Malformed> {
        if self.bytes[self.at..].starts_with(rest) {
            self.at += rest.len();
            Ok(())
        } else {
            Err(Malformed)
        }
    }

    /// One value of any kind, skipped (no depth limit, as serde_json's `ignore_value`).
    fn value(&mut self) -> Result<(), Malformed> {
        let mut open = Nesting::default();
        loop {
            // A value.
            match self.next().ok_or(Malformed)? {
                b'"' => {
                    self.string()?;
                }
                b'-' => self.number()?,
                b'0'..=b'9' => {
                    self.at -= 1;
                    self.number()?;
                }
                b'n' => self.literal(b"ull")?,
                b't' => self.literal(b"rue")?,
                b'f' => self.literal(b"alse")?,
                b'[' => {
                    self.whitespace();
                    if self.peek() == Some(b']') {
                        self.at += 1;
                    } else {
                        open.push(false);
                        continue;
                    }
                }
                b'{' => {
                    self.whitespace();
                    if self.peek() == Some(b'}') {
                        self.at += 1;
                    } else {
                        open.push(true);
                        self.key()?;
                        continue;
                    }
                }
                _ => return Err(Malformed),
            }
            // After a value: the end of the enclosing containers, or a comma and the next.
            loop {
                let Some(object) = open.top() else {
                    return Ok(());
                };
                self.whitespace();
                match self.next() {
                    Some(b',') => {
                        self.whitespace();
                        if object {
                            self.key()?;
                        }
                        break;
                    }
                    Some(b']') if !object => open.pop(),
                    Some(b'}') if object => open.pop(),
                    _ => return Err(Malformed),
                }
            }
        }
    }

    /// A key inside a skipped object and its colon, up to the value (whitespace skipped).
    #[inline(always)]
    fn key(&mut self) -> Result<(), Malformed> {
        self.expect(b'"')?;
        self.string()?;
        self.whitespace();
        self.expect(b':')?;
        self.whitespace();
        Ok(())
    }
}

/// The open containers of a skipped value (object or array each), as bits: no allocation up
/// to 64 levels.
#[derive(Default)]
struct Nesting {
    depth: usize,
    low: u64,
    high: Vec<bool>,
}

impl Nesting {
    fn push(&mut self, object: bool) {
        if self.depth < 64 {
            self.low = self.low & !(1 << self.depth) | u64::from(object) << self.depth;
        } else {
            self.high.push(object);
        }
        self.depth += 1;
    }

    fn pop(&mut self) {
        self.depth -= 1;
        if self.depth >= 64 {
            self.high.pop();
        }
    }

    fn top(&self) -> Option<bool> {
        match self.depth {
            0 => None,
            depth @ 1..=64 => Some(self.low >> (depth - 1) & 1 == 1),
            _ => self.high.last().copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::de::IgnoredAny;

    /// serde_json's judgement of a body as the verifier read it before: one object, its values
    /// skipped, its keys read as `&str`.
    fn serde_accepts(text: &str) -> bool {
        #[derive(serde::Deserialize)]
        struct Keys(#[allow(dead_code)] std::collections::HashMap<Key, IgnoredAny>);
        #[derive(PartialEq, Eq, Hash)]
        struct Key;
        impl<'de> serde::Deserialize<'de> for Key {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                <Cow<'de, str> as serde::Deserialize>::deserialize(d).map(|_| Key)
            }
        }
        let mut de = serde_json::Deserializer::from_str(text);
        // A map of unit keys: duplicates are fine, every key is decoded.
        serde::Deserialize::deserialize(&mut de)
            .map(|_: Keys| ())
            .and_then(|()| de.end())
            .is_ok()
    }

    fn walks(text: &str) -> bool {
        object::<Malformed>(text, &[], |_, _| Ok(Flow::Continue)).is_ok()
    }

    #[test]
    fn judges_bodies_as_serde_json_does() {
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(300), "]".repeat(300));
        for text in [
            "{}",
            " { } ",
            "{\"a\":1}",
            "{\"a\":-0.5e+3,\"b\":[true,false,null,{\"c\":\"\\u00e9\\n\"}],\"d\":{}}",
            "{\"i\\u0064\":\"x\"}",
            "{\"\\ud800\":1}",
            "{\"a\":\"\\ud800\"}",
            "{\"a\":\"\\u12\"}",
            "{\"a\":\"\\x\"}",
            "{\"a\":\"tab\there\"}",
            "{\"a\":01}",
            "{\"a\":1.}",
            "{\"a\":1e}",
            "{\"a\":-}",
            "{\"a\":+1}",
            "{\"a\":.5}",
            "{\"a\":1,}",
            "{\"a\":[1,]}",
            "{\"a\":{\"b\":1,}}",
            "{\"a\":{1:2}}",
            "{\"a\":tru}",
            "{\"a\":nulll}",
            "{\"a\" 1}",
            "{\"a\":1 \"b\":2}",
            "{\"a\":1}}",
            "{\"a\":1} x",
            "[]",
            "",
            "   ",
            "{",
            "{\"a\":[}",
            "{\"a\":\"unterminated}",
            "{\"a\":\"12345678\\\"12345678\"}",
            "{\"a\":\"\u{e9}\u{1F600}\u{7f}\"}",
            &deep,
        ] {
            assert_eq!(walks(text), serde_accepts(text), "{text:?}");
        }
    }

    #[test]
    fn finds_the_end_of_a_string_wherever_it_falls() {
        // A quote, an escape or a control character at every offset of the one-word and
        // two-word scans, in strings of every length up to five words.
        for len in 0..40 {
            for at in 0..=len {
                let mut text = "x".repeat(len);
                for (special, valid) in [("\\n", true), ("\u{1}", false), ("\\q", false)] {
                    text.replace_range(at..at, special);
                    let body = format!("{{\"a\":\"{text}\",\"b\":1}}");
                    assert_eq!(walks(&body), valid, "{body:?}");
                    assert_eq!(walks(&body), serde_accepts(&body), "{body:?}");
                    text = "x".repeat(len);
                }
                let unterminated = format!("{{\"a\":\"{}", "x".repeat(len));
                assert!(!walks(&unterminated));
            }
        }
    }

    #[test]
    fn finds_the_fields_asked_for_and_can_stop() {
        let text = r#"{"data":{"id":"nested"},"id":"whd_1","n":-4,"type":"a\"b","id":[1]}"#;
        let mut seen = Vec::new();
        let whole = object::<Malformed>(
            text,
            &[Some("id"), Some("type"), None, Some("n")],
            |i, token| {
                seen.push((i, token));
                Ok(Flow::Continue)
            },
        );
        assert_eq!(whole, Ok(true));
        assert_eq!(
            seen,
            [(0, "\"whd_1\""), (3, "-4"), (1, r#""a\"b""#), (0, "[1]")]
        );
        let stopped = object::<Malformed>(text, &[Some("n")], |_, _| Ok(Flow::Stop));
        assert_eq!(stopped, Ok(false));
        assert_eq!(plain_string("\"whd_1\""), Some("whd_1"));
        assert_eq!(plain_string(r#""a\"b""#), None);
        assert_eq!(plain_string("-4"), None);
    }

    /// JSON-ish text: tokens of every kind, valid or nearly so, in any order.
    fn hostile() -> impl Strategy<Value = String> {
        let token = prop::sample::select(vec![
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            " ",
            "\n",
            "\"",
            "\"k\"",
            "\"i\\u0064\"",
            "\"\\ud800\"",
            "\"\\u00\"",
            "\"\\q\"",
            "\"a\tb\"",
            "\"abcdefghijklmnop\"",
            "\"\u{e9}\u{1F600}\"",
            "0",
            "-0",
            "01",
            "1.5",
            "1.",
            "-",
            "2e10",
            "2E+",
            "1e-3",
            ".5",
            "true",
            "tru",
            "false",
            "null",
            "nul",
            "x",
        ]);
        prop::collection::vec(token, 0..24).prop_map(|tokens| tokens.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn any_text_is_judged_as_serde_json_does(body in hostile()) {
            prop_assert_eq!(walks(&body), serde_accepts(&body), "{:?}", body);
        }

        #[test]
        fn any_object_is_judged_as_serde_json_does(body in hostile()) {
            let text = format!("{{\"a\":{body}}}");
            prop_assert_eq!(walks(&text), serde_accepts(&text), "{:?}", text);
            let text = format!("{{{body}}}");
            prop_assert_eq!(walks(&text), serde_accepts(&text), "{:?}", text);
        }
    }
}
