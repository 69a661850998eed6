//! One walk over a JSON object: its top-level fields found, the whole body validated, nothing
//! built. A ground-floor module: it knows JSON only, so both the verifier's field readers
//! (`verify::fields`) and the providers' one-pass parse (`event`) stand on it, and `event`
//! stays below `verify`.
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
//!
//! Its cost is per token, not per byte (a realistic body is mostly short strings), so the hot
//! path does the least per token: the end of the text reads as a 0 byte (never valid outside a
//! string, and a control character inside one), so a read is one compare and no `Option`; a
//! string's end is found eight bytes at a time and its closing byte is read from the word
//! already loaded (a long string's, 64 bytes at a time); whitespace, rare in deliveries, is
//! one compare when absent; the open containers are bits of one word. `bench/scan.sh` counts it against serde_json and the SIMD
//! JSON crates (BENCHMARKS.md §14).

use std::borrow::Cow;

/// `bytes` as text when they are UTF-8 (the same verdict as `std::str::from_utf8`, with SIMD:
/// a whole body is checked once per JSON delivery).
pub(crate) fn utf8(bytes: &[u8]) -> Option<&str> {
    simdutf8::basic::from_utf8(bytes).ok()
}

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

/// How deep a value inside an object may nest for serde_json to parse it into a `Value` on its
/// own: one level less than serde_json's recursion limit (128), as for a value of the top-level
/// object. A value `event::Extra` keeps is walked against it (so that `Extra::value` parses any
/// kept value), by `Extra` itself or by the event reader as it reads it.
pub(crate) const MAX_VALUE_DEPTH: usize = 126;

/// Walks `text` as one JSON object. For each top-level key equal to `names[i]` (decoded, so
/// `"i\u0064"` is `id`), calls `field(i, value)` with the value's raw JSON text, in body order
/// and for every occurrence. Returns `Ok(true)` when the whole text was walked and is valid,
/// `Ok(false)` when `field` stopped the walk.
pub(crate) fn object<'b, E: From<Malformed>>(
    text: &'b str,
    names: &[Option<&str>],
    mut field: impl FnMut(usize, &'b str) -> Result<Flow, E>,
) -> Result<bool, E> {
    let bytes = text.as_bytes();
    let mut at = whitespace(bytes, 0);
    if byte(bytes, at) != b'{' {
        return Err(Malformed.into());
    }
    at = whitespace(bytes, at + 1);
    if byte(bytes, at) == b'}' {
        at += 1;
    } else {
        loop {
            if byte(bytes, at) != b'"' {
                return Err(Malformed.into());
            }
            let start = at + 1;
            let (end, escaped) = string(bytes, start)?;
            let key: Cow<'b, str> = if escaped {
                // As strict as serde_json's `&str` keys (a lone surrogate is an error).
                Cow::Owned(
                    serde_json::from_str::<String>(text.get(start - 1..end).ok_or(Malformed)?)
                        .map_err(|_| Malformed)?,
                )
            } else {
                Cow::Borrowed(text.get(start..end - 1).ok_or(Malformed)?)
            };
            let value_start = colon(bytes, end)?;
            at = value(bytes, value_start)?;
            if let Some(i) = names.iter().position(|name| *name == Some(&*key))
                && let Flow::Stop = field(i, text.get(value_start..at).ok_or(Malformed)?)?
            {
                return Ok(false);
            }
            at = whitespace(bytes, at);
            match byte(bytes, at) {
                b',' => at = whitespace(bytes, at + 1),
                b'}' => {
                    at += 1;
                    break;
                }
                _ => return Err(Malformed.into()),
            }
        }
    }
    if whitespace(bytes, at) == bytes.len() {
        Ok(true)
    } else {
        Err(Malformed.into())
    }
}

/// A JSON string value's text when it has no escape: its content, borrowed; `None` for any
/// other value (the caller then asks serde_json).
pub(crate) fn plain_string(token: &str) -> Option<&str> {
    let inner = token.strip_prefix('"')?.strip_suffix('"')?;
    // A word at a time: the fields asked for are short (ids, types, times), where a call to
    // `memchr` costs more than the search.
    let mut words = inner.as_bytes().chunks_exact(8);
    let escaped = words.by_ref().any(|word| {
        let word = word
            .first_chunk::<8>()
            .map_or(0, |word| u64::from_le_bytes(*word));
        let backslash = word ^ (ONES * u64::from(b'\\'));
        backslash.wrapping_sub(ONES) & !backslash & HIGHS != 0
    }) || words.remainder().contains(&b'\\');
    (!escaped).then_some(inner)
}

/// The byte at `at`, or 0 past the end: 0 is invalid wherever the walk reads a byte (outside a
/// string it is no token, inside one a control character), so the end needs no case of its own.
#[inline(always)]
fn byte(bytes: &[u8], at: usize) -> u8 {
    bytes.get(at).copied().unwrap_or(0)
}

/// The first position from `at` that is not JSON whitespace. A body rarely has any between
/// tokens: then this is one compare.
#[inline(always)]
pub(crate) fn whitespace(bytes: &[u8], mut at: usize) -> usize {
    if byte(bytes, at) > b' ' {
        return at;
    }
    while let b' ' | b'\t' | b'\n' | b'\r' = byte(bytes, at) {
        at += 1;
    }
    at
}

/// After a key ending before `at`: its colon and the whitespace around it, up to the value.
#[inline(always)]
fn colon(bytes: &[u8], mut at: usize) -> Result<usize, Malformed> {
    if byte(bytes, at) != b':' {
        at = whitespace(bytes, at);
        if byte(bytes, at) != b':' {
            return Err(Malformed);
        }
    }
    Ok(whitespace(bytes, at + 1))
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `word` (little-endian) that is a quote, a backslash or a
/// control character, exact at the lowest one. Each of the three differences borrows into a
/// byte's high bit where that byte is below the bound (0 after the XOR: the quote, the
/// backslash; below 0x20: a control), and may flag bytes above the first true one through the
/// borrow, never below, so the lowest flagged byte is a true one. `!word` drops bytes from 0x80
/// up (UTF-8): XOR with `"` or `\` keeps a byte's high bit, so one mask serves all three.
#[inline(always)]
fn special(word: u64) -> u64 {
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    (quote.wrapping_sub(ONES) | backslash.wrapping_sub(ONES) | word.wrapping_sub(ONES * 0x20))
        & !word
        & HIGHS
}

/// The rest of a string whose opening quote ends before `at`: the position after its closing
/// quote, and whether it holds an escape.
#[inline(always)]
pub(crate) fn string(bytes: &[u8], mut at: usize) -> Result<(usize, bool), Malformed> {
    let mut escaped = false;
    loop {
        // To the first quote, backslash or control character: one word of eight bytes (most
        // strings end in it; the byte found is read from the word already loaded), or, past
        // it, the loop for long strings.
        let special_byte = match bytes.get(at..).and_then(<[u8]>::first_chunk::<8>) {
            Some(first) => {
                let word = u64::from_le_bytes(*first);
                let found = special(word);
                if found != 0 {
                    let bit = found.trailing_zeros();
                    at += (bit / 8) as usize;
                    (word >> (bit - 7)) as u8
                } else if let Some(second) = bytes.get(at + 8..).and_then(<[u8]>::first_chunk::<8>)
                    && let word = u64::from_le_bytes(*second)
                    && let found = special(word)
                    && found != 0
                {
                    let bit = found.trailing_zeros();
                    at += 8 + (bit / 8) as usize;
                    (word >> (bit - 7)) as u8
                } else {
                    let (end, byte) = long_string(bytes, at + 8);
                    at = end;
                    byte
                }
            }
            None => {
                let (end, byte) = long_string(bytes, at);
                at = end;
                byte
            }
        };
        at += 1;
        match special_byte {
            b'"' => return Ok((at, escaped)),
            b'\\' => {
                escaped = true;
                match byte(bytes, at) {
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
            _ => return Err(Malformed),
        }
    }
}

/// From `at` in a string to its first quote, backslash or control character (0 at the end of
/// the text): its position and the byte. Apart from [`string`] (not inlined): only strings
/// longer than two words come here.
#[inline(never)]
fn long_string(bytes: &[u8], mut at: usize) -> (usize, u8) {
    // Two words at a time up to 64 bytes (most strings end there), then blocks of 64 bytes
    // with none of the three skipped: a test written byte by byte without an early exit,
    // which the compiler turns into vector compares (SSE2 on any x86_64, NEON on aarch64)
    // with no `unsafe` and no feature detection; then the block that holds it, or the tail.
    let pairs = |mut at: usize, most: usize| {
        for pair in bytes
            .get(at..)
            .unwrap_or_default()
            .chunks_exact(16)
            .take(most)
        {
            let (Some(low), Some(high)) = (pair.first_chunk::<8>(), pair.last_chunk::<8>()) else {
                break;
            };
            let (low, high) = (u64::from_le_bytes(*low), u64::from_le_bytes(*high));
            let (found_low, found_high) = (special(low), special(high));
            if found_low | found_high != 0 {
                let (word, found, skip) = if found_low != 0 {
                    (low, found_low, 0)
                } else {
                    (high, found_high, 8)
                };
                let bit = found.trailing_zeros();
                return Ok((at + skip + (bit / 8) as usize, (word >> (bit - 7)) as u8));
            }
            at += 16;
        }
        Err(at)
    };
    at = match pairs(at, 4) {
        Ok(found) => return found,
        Err(at) => at,
    };
    for block in bytes.get(at..).unwrap_or_default().chunks_exact(64) {
        let mut any = 0u8;
        for &b in block {
            any |= u8::from(b == b'"') | u8::from(b == b'\\') | u8::from(b < 0x20);
        }
        if any != 0 {
            break;
        }
        at += 64;
    }
    at = match pairs(at, usize::MAX) {
        Ok(found) => return found,
        Err(at) => at,
    };
    if let Some(word) = bytes.get(at..).and_then(<[u8]>::first_chunk::<8>) {
        let word = u64::from_le_bytes(*word);
        let found = special(word);
        if found != 0 {
            let bit = found.trailing_zeros();
            return (at + (bit / 8) as usize, (word >> (bit - 7)) as u8);
        }
        at += 8;
    }
    loop {
        let byte = byte(bytes, at);
        if let b'"' | b'\\' | 0..0x20 = byte {
            return (at, byte);
        }
        at += 1;
    }
}

/// The position after the digits from `at`, and whether there was one.
#[inline(always)]
fn digits(bytes: &[u8], mut at: usize) -> (usize, bool) {
    let start = at;
    while byte(bytes, at).is_ascii_digit() {
        at += 1;
    }
    (at, at > start)
}

/// A number from `at` (its sign, if any, already passed): RFC 8259's grammar, as serde_json
/// checks it; the position after it.
#[inline(always)]
pub(crate) fn number(bytes: &[u8], mut at: usize) -> Result<usize, Malformed> {
    match byte(bytes, at) {
        b'0' => {
            at += 1;
            if byte(bytes, at).is_ascii_digit() {
                return Err(Malformed);
            }
        }
        b'1'..=b'9' => at = digits(bytes, at + 1).0,
        _ => return Err(Malformed),
    }
    if byte(bytes, at) == b'.' {
        let (end, any) = digits(bytes, at + 1);
        if !any {
            return Err(Malformed);
        }
        at = end;
    }
    if let b'e' | b'E' = byte(bytes, at) {
        at += 1;
        if let b'+' | b'-' = byte(bytes, at) {
            at += 1;
        }
        let (end, any) = digits(bytes, at);
        if !any {
            return Err(Malformed);
        }
        at = end;
    }
    Ok(at)
}

/// `rest` of a literal whose first byte ends before `at`; the position after it.
fn literal(bytes: &[u8], at: usize, rest: &[u8]) -> Result<usize, Malformed> {
    if bytes.get(at..).is_some_and(|tail| tail.starts_with(rest)) {
        Ok(at + rest.len())
    } else {
        Err(Malformed)
    }
}

/// One value of any kind from `at` (no whitespace before it), skipped (no depth limit, as
/// serde_json's `ignore_value`); the position after it.
pub(crate) fn value(bytes: &[u8], mut at: usize) -> Result<usize, Malformed> {
    let mut open = Nesting::new();
    loop {
        // A value.
        let first = byte(bytes, at);
        at += 1;
        match first {
            b'"' => at = string(bytes, at)?.0,
            b'-' => at = number(bytes, at)?,
            b'0'..=b'9' => at = number(bytes, at - 1)?,
            b'n' => at = literal(bytes, at, b"ull")?,
            b't' => at = literal(bytes, at, b"rue")?,
            b'f' => at = literal(bytes, at, b"alse")?,
            b'[' => {
                at = whitespace(bytes, at);
                if byte(bytes, at) == b']' {
                    at += 1;
                } else {
                    open.push(false);
                    continue;
                }
            }
            b'{' => {
                at = whitespace(bytes, at);
                if byte(bytes, at) == b'}' {
                    at += 1;
                } else {
                    open.push(true);
                    at = key(bytes, at)?;
                    continue;
                }
            }
            _ => return Err(Malformed),
        }
        // After a value: the end of the enclosing containers, or a comma and the next.
        loop {
            let Some(object) = open.top() else {
                return Ok(at);
            };
            at = whitespace(bytes, at);
            let next = byte(bytes, at);
            at += 1;
            match next {
                b',' => {
                    at = whitespace(bytes, at);
                    if object {
                        at = key(bytes, at)?;
                    }
                    break;
                }
                b']' if !object => open.pop(),
                b'}' if object => open.pop(),
                _ => return Err(Malformed),
            }
        }
    }
}

/// A key inside a skipped object, from its opening quote, and its colon; the position of the
/// value (whitespace skipped).
#[inline(always)]
fn key(bytes: &[u8], at: usize) -> Result<usize, Malformed> {
    if byte(bytes, at) != b'"' {
        return Err(Malformed);
    }
    let (end, _) = string(bytes, at + 1)?;
    colon(bytes, end)
}

/// The open containers of a skipped value (object or array each), as the bits of one word
/// under a marker bit (`1` when none is open); a full word is set aside in `spilled` (past 63
/// levels), so no allocation below that.
struct Nesting {
    bits: u64,
    spilled: Vec<u64>,
}

impl Nesting {
    #[inline(always)]
    fn new() -> Self {
        Nesting {
            bits: 1,
            spilled: Vec::new(),
        }
    }

    #[inline(always)]
    fn push(&mut self, object: bool) {
        if self.bits >> 63 == 1 {
            self.spilled.push(self.bits);
            self.bits = 1;
        }
        self.bits = self.bits << 1 | u64::from(object);
    }

    #[inline(always)]
    fn pop(&mut self) {
        self.bits >>= 1;
        if self.bits == 1
            && let Some(bits) = self.spilled.pop()
        {
            self.bits = bits;
        }
    }

    /// Whether the innermost open container is an object; `None` when none is open.
    #[inline(always)]
    fn top(&self) -> Option<bool> {
        (self.bits != 1).then_some(self.bits & 1 == 1)
    }
}

#[cfg(test)]
mod tests {
    /// The SIMD check's verdict is std's, on valid text and on every kind of broken sequence
    /// (overlong, surrogates, past U+10FFFF, truncated at the end and in 64-byte blocks).
    #[test]
    fn utf8_is_judged_as_std_judges_it() {
        let mut cases: Vec<Vec<u8>> = vec![
            b"{}".to_vec(),
            "{\"a\":\"\u{e9}\u{1F600}\"}".as_bytes().to_vec(),
            vec![0xC0, 0x80],
            vec![0xED, 0xA0, 0x80],
            vec![0xF4, 0x90, 0x80, 0x80],
            vec![0xE2, 0x82],
            vec![0xFF],
        ];
        for bad in [&[0xC3u8][..], &[0xED, 0xBF, 0xBF], &[0xF0, 0x9F, 0x98]] {
            for at in [0, 1, 31, 63, 64, 65, 127, 1000] {
                let mut text = "x".repeat(at).into_bytes();
                text.extend_from_slice(bad);
                text.extend_from_slice(b"tail");
                cases.push(text.clone());
                text.truncate(at + bad.len());
                cases.push(text);
            }
        }
        for case in cases {
            assert_eq!(
                super::utf8(&case),
                std::str::from_utf8(&case).ok(),
                "{case:?}"
            );
        }
    }

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
        // two-word scans, in strings of every length up to six words, and around the edges of
        // the 64-byte blocks of long strings (they start 72 bytes in).
        let lengths = (0..48).chain([70, 71, 72, 73, 74, 134, 135, 136, 137, 138, 199, 200, 201]);
        for len in lengths {
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
        for len in 0..40 {
            for at in 0..len {
                let mut inner = "x".repeat(len);
                assert_eq!(plain_string(&format!("\"{inner}\"")), Some(&*inner));
                inner.replace_range(at..=at, "\\");
                assert_eq!(plain_string(&format!("\"{inner}\"")), None, "{inner}");
            }
        }
        assert_eq!(plain_string(r#""a\"b""#), None);
        assert_eq!(plain_string("-4"), None);
    }

    #[test]
    fn keeps_track_of_containers_past_a_word_of_them() {
        // Objects and arrays alternating, open 1 to 200 deep (the bits spill at 64 and 127),
        // closed in order, closed with the wrong bracket at every depth, or not closed.
        for depth in [1, 2, 62, 63, 64, 65, 66, 126, 127, 128, 129, 200] {
            let (mut open, mut close) = (String::new(), String::new());
            for level in 0..depth {
                if level % 3 == 0 {
                    open.push_str("{\"k\":");
                    close.insert(0, '}');
                } else {
                    open.push('[');
                    close.insert(0, ']');
                }
            }
            let body = format!("{{\"a\":{open}1{close},\"id\":\"x\"}}");
            assert!(walks(&body), "{depth}");
            let mut found = Vec::new();
            object::<Malformed>(&body, &[Some("id")], |i, token| {
                found.push((i, token));
                Ok(Flow::Continue)
            })
            .unwrap();
            assert_eq!(found, [(0, "\"x\"")]);
            for at in 0..close.len() {
                let swapped: String = close
                    .char_indices()
                    .map(|(j, c)| match (j == at, c) {
                        (true, '}') => ']',
                        (true, _) => '}',
                        (false, c) => c,
                    })
                    .collect();
                let body = format!("{{\"a\":{open}1{swapped}}}");
                assert!(!walks(&body), "{body}");
                assert_eq!(walks(&body), serde_accepts(&body), "{body}");
            }
            let unclosed = format!("{{\"a\":{open}1{}}}", &close[1..]);
            assert!(!walks(&unclosed));
        }
    }

    /// Any JSON value, as serde_json writes it (strings with quotes, escapes, controls and
    /// non-ASCII; integers, floats; nested arrays and objects).
    fn json_value() -> impl Strategy<Value = serde_json::Value> {
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
        leaf.prop_recursive(6, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
                prop::collection::btree_map(".{0,8}", inner, 0..6)
                    .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
            ]
        })
    }

    /// A delivery of generated fields (`id`, `type` and others), written compactly or pretty.
    fn json_body() -> impl Strategy<Value = String> {
        (
            prop::collection::btree_map("[a-z]{1,6}", json_value(), 0..6),
            json_value(),
            any::<bool>(),
        )
            .prop_map(|(mut fields, id, pretty)| {
                fields.insert("id".into(), id);
                let object = serde_json::Value::Object(fields.into_iter().collect());
                if pretty {
                    serde_json::to_string_pretty(&object).unwrap()
                } else {
                    object.to_string()
                }
            })
    }

    /// `body` with one character replaced, removed or inserted at `at` (modulo its length):
    /// a JSON byte, a control, an escape's letter, a digit, a non-ASCII character.
    fn mutated(body: &str, at: usize, how: u8, with: char) -> String {
        let mut chars: Vec<char> = body.chars().collect();
        let at = at % (chars.len() + 1);
        match how % 3 {
            0 if at < chars.len() => chars[at] = with,
            1 if at < chars.len() => {
                chars.remove(at);
            }
            _ => chars.insert(at, with),
        }
        chars.into_iter().collect()
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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4_000))]

        #[test]
        fn any_delivery_is_walked_and_its_fields_found(body in json_body()) {
            let parsed: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&body).unwrap();
            let mut found = Vec::new();
            let whole = object::<Malformed>(&body, &[Some("id")], |i, token| {
                found.push((i, token));
                Ok(Flow::Continue)
            });
            prop_assert_eq!(whole, Ok(true), "{:?}", body);
            prop_assert_eq!(found.len(), 1);
            let token: serde_json::Value = serde_json::from_str(found[0].1).unwrap();
            prop_assert_eq!(&token, &parsed["id"]);
        }

        #[test]
        fn any_delivery_with_one_character_changed_is_judged_as_serde_json_does(
            body in json_body(),
            at in any::<usize>(),
            how in any::<u8>(),
            with in prop::sample::select(vec![
                '"', '\\', '{', '}', '[', ']', ',', ':', ' ', '\n', '0', '1', '-', '+', '.',
                'e', 'u', 'd', 'n', 't', 'f', '\u{0}', '\u{1f}', '\u{7f}', '\u{e9}', 'x',
            ]),
        ) {
            let text = mutated(&body, at, how, with);
            prop_assert_eq!(walks(&text), serde_accepts(&text), "{:?}", text);
        }
    }
}
