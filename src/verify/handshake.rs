//! Handshakes: the requests a provider sends to check the endpoint, which the layer answers
//! itself instead of running the handler.
//!
//! A signed handshake (Slack's `url_verification`, Zoom's `endpoint.url_validation`, Discord's
//! PING) is answered only once its signature, timestamp and id held, and it is never claimed in
//! the replay store: a provider's next check is answered too, and a copy gains nothing (the
//! answer says nothing the copy does not already hold). A few checks carry no signature, and
//! their answers are echoes of what the request itself carries, nothing else: Dropbox's
//! `GET ?challenge=` (plain text, `X-Content-Type-Options: nosniff`), Meta's
//! `GET ?hub.challenge=` (only for a request that carries the verify token configured on the
//! scheme), Microsoft Graph's `?validationToken=` (decoded, plain text), Okta's
//! `X-Okta-Verification-Challenge` (a JSON object), Asana's `X-Hook-Secret` (the same header
//! back). Each is exactly as its provider documents it, bounded in length and alphabet, and
//! never claimed either.
//!
//! The decision is the core's: [`Guard::admit`](crate::Guard::admit) answers
//! [`Rejection::Answered`](crate::Rejection::Answered) with the [`HandshakeResponse`], which
//! each adapter only turns into a response.
//!
//! ```
//! use webhook_guard::{Guard, Rejection, Scheme, Secret, Signer, Verifier};
//!
//! # futures::executor::block_on(async {
//! let secret = Secret::new("8f742231b10e8888abcd99yyyzzz85a5").unwrap();
//! let guard = Guard::new(Verifier::new(Scheme::slack(), [secret.clone()]));
//! let body = r#"{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV","type":"url_verification"}"#;
//! let headers = Signer::new(Scheme::slack(), secret).headers(body.as_bytes(), guard.verifier().now(), "");
//! let Err(Rejection::Answered(answer)) = guard.admit(&headers, "/webhooks/slack", body.into()).await else {
//!     panic!("a handshake")
//! };
//! assert_eq!(answer.body, "3eZbrw1aBm2rZgRNFdxV");
//! assert_eq!(answer.content_type, "text/plain; charset=utf-8");
//! # });
//! ```

use std::borrow::Cow;

use bytes::Bytes;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::Secret;
use crate::verify::fields::percent_decode;

/// A handshake a scheme answers, as data.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Handshake {
    /// A verified delivery of this event type is answered with the text of one of its
    /// top-level body fields (Slack: `url_verification`, answered with its `challenge`).
    EchoField {
        /// The event type that is a handshake.
        event_type: Cow<'static, str>,
        /// The field whose value is the answer.
        field: Cow<'static, str>,
    },
    /// A verified delivery of this event type is answered with a fixed JSON body (Discord:
    /// interaction type `1`, PING, answered `{"type":1}`, PONG).
    Reply {
        /// The event type that is a handshake.
        event_type: Cow<'static, str>,
        /// The JSON answer.
        json: &'static str,
    },
    /// Zoom's `endpoint.url_validation`: a verified delivery of this event type is answered
    /// with `{"plainToken": <payload.plainToken>, "encryptedToken": <hex HMAC-SHA256 of the
    /// plain token under the secret that verified the request>}`.
    ZoomUrlValidation,
    /// An unsigned request with this query parameter and no signature header is answered with
    /// the parameter's value, as plain text with `X-Content-Type-Options: nosniff` (Dropbox's
    /// `GET /webhook?challenge=...`). The value is echoed exactly: at most
    /// 256 bytes, and only a value of unreserved URL characters, so nothing
    /// markup-like is reflected.
    EchoQuery {
        /// The parameter (`challenge`).
        param: Cow<'static, str>,
    },
    /// An unsigned request with no signature header is answered with the value of `param`,
    /// as [`EchoQuery`](Self::EchoQuery) answers it, only when its query's `token_param` equals
    /// the token configured on the scheme ([`Scheme::with_handshake_token`](crate::Scheme::with_handshake_token)),
    /// compared in constant time, and `mode`'s parameter, when given, has its value. Meta's
    /// subscription check: `GET ?hub.mode=subscribe&hub.verify_token=<token>&hub.challenge=<n>`.
    ///
    /// Without a configured token it is never answered. The token proves only that the
    /// request comes from whoever was given it (it travels in the URL); the answer, the
    /// challenge sent in the same URL, tells the requester nothing it did not hold.
    ///
    /// ```
    /// use webhook_guard::{Guard, Handshake, Rejection, Scheme, Secret, Verifier};
    ///
    /// # futures::executor::block_on(async {
    /// let scheme = Scheme::meta().with_handshake_token(Secret::new("my verify token").unwrap());
    /// assert!(matches!(scheme.handshakes()[0], Handshake::EchoQueryWithToken { .. }));
    /// let guard = Guard::new(Verifier::new(scheme, [Secret::new("app-secret").unwrap()]));
    /// let none: &[(&str, &str)] = &[];
    /// let good = "/webhooks/meta?hub.mode=subscribe&hub.verify_token=my+verify+token&hub.challenge=1158201444";
    /// let Err(Rejection::Answered(answer)) = guard.admit(none, good, "".into()).await else { panic!() };
    /// assert_eq!(answer.body, "1158201444");
    /// let bad = "/webhooks/meta?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444";
    /// assert_eq!(guard.admit(none, bad, "".into()).await.unwrap_err(), Rejection::MissingSignature);
    /// # });
    /// ```
    EchoQueryWithToken {
        /// The parameter whose value is the answer (`hub.challenge`).
        param: Cow<'static, str>,
        /// The parameter that carries the token (`hub.verify_token`), percent-decoded before
        /// the comparison.
        token_param: Cow<'static, str>,
        /// A parameter and the value it must have (`hub.mode`, `subscribe`).
        mode: Option<(Cow<'static, str>, Cow<'static, str>)>,
        /// The token; `None` until one is configured.
        token: Option<Secret>,
    },
    /// A verified delivery whose top-level `field` is an empty array is answered `200 OK`
    /// with an empty body, without running the handler or claiming it: Xero's "intent to
    /// receive" check sends signed payloads with `"events": []` (and badly signed ones, which
    /// are refused like any other, `401`).
    ///
    /// ```
    /// use webhook_guard::{Guard, Rejection, Scheme, Secret, Signer, Verifier};
    ///
    /// # futures::executor::block_on(async {
    /// let key = Secret::new("xero-webhook-key").unwrap();
    /// let guard = Guard::new(Verifier::new(Scheme::xero(), [key.clone()]));
    /// let body = r#"{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"S0m3r4Nd0mt3xt"}"#;
    /// let headers = Signer::new(Scheme::xero(), key).headers(body.as_bytes(), 0, "");
    /// let Err(Rejection::Answered(answer)) = guard.admit(&headers, "/webhooks/xero", body.into()).await else {
    ///     panic!("answered")
    /// };
    /// assert!(answer.body.is_empty());
    /// # });
    /// ```
    EmptyArray {
        /// The top-level field (`events`).
        field: Cow<'static, str>,
    },
    /// An unsigned request with this method and no signature header is answered `200 OK` with
    /// an empty body: Trello checks a new webhook's callback URL with a `HEAD` request, and
    /// creates the webhook only if it is answered `200`. The answer says nothing, and nothing
    /// is claimed. The method is read as [`WithMethod`](crate::WithMethod) passes it.
    ///
    /// ```
    /// use webhook_guard::scheme::{Field, IdBinding};
    /// use webhook_guard::signature::SignatureFormat;
    /// use webhook_guard::{Guard, Handshake, Rejection, Scheme, Secret, Verifier, WithMethod};
    ///
    /// # futures::executor::block_on(async {
    /// // As `Scheme::trello` (feature `sha1`) answers it.
    /// let scheme = Scheme::builder("acme")
    ///     .signature("X-Acme-Signature", SignatureFormat::prefixed_hex("v1="))
    ///     .id(Field::BodyDigest, IdBinding::Signed)
    ///     .handshake(Handshake::AnswerMethod { method: "HEAD".into() })
    ///     .build()
    ///     .unwrap();
    /// let guard = Guard::new(Verifier::new(scheme, [Secret::new("acme-secret").unwrap()]));
    /// let headers = http::HeaderMap::new();
    /// let head = WithMethod::new("HEAD", &headers);
    /// let Err(Rejection::Answered(answer)) = guard.admit(&head, "/hook", "".into()).await else {
    ///     panic!("answered")
    /// };
    /// assert!(answer.body.is_empty());
    /// let post = WithMethod::new("POST", &headers);
    /// assert_eq!(guard.admit(&post, "/hook", "".into()).await.unwrap_err(), Rejection::MissingSignature);
    /// # });
    /// ```
    AnswerMethod {
        /// The method (`HEAD`), compared exactly.
        method: Cow<'static, str>,
    },
    /// A request carrying this header and no signature header is answered `200` with the same
    /// header and value, and an empty body (Asana's `X-Hook-Secret`, sent once when a webhook
    /// is created). The value is echoed only when it is at most 256 visible ASCII characters.
    EchoHeader {
        /// The header (lower case).
        header: Cow<'static, str>,
    },
    /// A request carrying this header is answered `{"<key>": "<value>"}` as JSON, whatever else
    /// it carries (Okta's one-time verification `GET` with `X-Okta-Verification-Challenge`,
    /// answered `{"verification": ...}`). The value is echoed only when it is at most 256
    /// visible ASCII characters. The answer holds nothing the request did not: it is not
    /// signed, and nothing is claimed.
    HeaderToJson {
        /// The header (lower case).
        header: Cow<'static, str>,
        /// The JSON answer's one key.
        key: Cow<'static, str>,
    },
    /// A request with this query parameter is answered with the parameter's value
    /// percent-decoded (`+` a space), as plain text with `X-Content-Type-Options: nosniff`,
    /// whatever else it carries (Microsoft Graph's `POST ?validationToken=...`). The decoded
    /// value is echoed only when it is at most 1024 printable ASCII characters (spaces
    /// included); as plain text, not sniffed, it is never taken for markup.
    EchoQueryDecoded {
        /// The parameter (`validationToken`).
        param: Cow<'static, str>,
    },
}

/// The longest value [`Handshake::EchoQuery`] echoes.
pub(crate) const MAX_ECHO_LEN: usize = 256;

/// The answer to a handshake: always `200 OK`.
///
/// ```
/// use webhook_guard::HandshakeResponse;
///
/// let pong = HandshakeResponse::json(r#"{"type":1}"#);
/// assert_eq!(pong.content_type, "application/json");
/// assert!(!pong.nosniff);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HandshakeResponse {
    /// The `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: Bytes,
    /// Whether to send `X-Content-Type-Options: nosniff`.
    pub nosniff: bool,
    /// Headers the answer carries besides those ([`Handshake::EchoHeader`]).
    pub headers: Vec<(http::HeaderName, http::HeaderValue)>,
}

impl HandshakeResponse {
    /// A JSON answer.
    pub fn json(body: impl Into<Bytes>) -> Self {
        Self {
            content_type: "application/json",
            body: body.into(),
            nosniff: false,
            headers: Vec::new(),
        }
    }

    /// A plain-text answer.
    ///
    /// ```
    /// use webhook_guard::HandshakeResponse;
    ///
    /// assert_eq!(HandshakeResponse::text("abc").body, "abc");
    /// ```
    pub fn text(body: impl Into<Bytes>) -> Self {
        Self {
            content_type: "text/plain; charset=utf-8",
            body: body.into(),
            nosniff: true,
            headers: Vec::new(),
        }
    }

    /// The same answer with one more header.
    ///
    /// ```
    /// use http::{HeaderName, HeaderValue};
    /// use webhook_guard::HandshakeResponse;
    ///
    /// let answer = HandshakeResponse::text("")
    ///     .with_header(HeaderName::from_static("x-hook-secret"), HeaderValue::from_static("abc"));
    /// assert_eq!(answer.headers.len(), 1);
    /// ```
    #[must_use]
    pub fn with_header(mut self, name: http::HeaderName, value: http::HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }
}

/// The longest value [`Handshake::EchoQueryDecoded`] echoes, decoded.
pub(crate) const MAX_DECODED_ECHO_LEN: usize = 1024;

/// The value of `param` in `target`'s query, percent-decoded, when it is one
/// [`Handshake::EchoQueryDecoded`] echoes.
pub(crate) fn decoded_query(target: &str, param: &str) -> Option<String> {
    let (_, query) = target.split_once('?')?;
    let raw = query
        .split('&')
        .find_map(|pair| pair.strip_prefix(param)?.strip_prefix('='))?;
    if raw.len() > 3 * MAX_DECODED_ECHO_LEN {
        return None;
    }
    let mut out = Vec::with_capacity(raw.len());
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = |at: usize| bytes.get(at).and_then(|b| char::from(*b).to_digit(16));
                let (high, low) = (hex(i + 1)?, hex(i + 2)?);
                // Two hex digits: at most 0xff.
                out.push((high << 4 | low) as u8);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    let printable = out.iter().all(|&b| b == b' ' || b.is_ascii_graphic());
    (!out.is_empty() && out.len() <= MAX_DECODED_ECHO_LEN && printable)
        .then(|| String::from_utf8(out).ok())
        .flatten()
}

/// The answer to a verified body that is a [`Handshake::EmptyArray`] check, if it is one.
pub(crate) fn empty_array_answer(
    handshakes: &[Handshake],
    body: &[u8],
) -> Option<HandshakeResponse> {
    handshakes.iter().find_map(|handshake| match handshake {
        Handshake::EmptyArray { field } if empty_array_field(body, field) => {
            Some(HandshakeResponse::text(Bytes::new()))
        }
        _ => None,
    })
}

/// True when `body` is a JSON object whose top-level `name` is an empty array. The body is
/// scanned without building anything; a body that is not such an object is simply not the
/// check.
pub(crate) fn empty_array_field(body: &[u8], name: &str) -> bool {
    use serde::de::{self, Deserializer as _, IgnoredAny, MapAccess, SeqAccess, Visitor};

    struct Object<'n>(&'n str);
    struct EmptySeq;

    impl<'de> Visitor<'de> for EmptySeq {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
            let empty = seq.next_element::<IgnoredAny>()?.is_none();
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(empty)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(false)
        }
        fn visit_str<E>(self, _: &str) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_unit<E>(self) -> Result<bool, E> {
            Ok(false)
        }
    }

    impl<'de> de::DeserializeSeed<'de> for EmptySeq {
        type Value = bool;
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Object<'_> {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
            let mut found = None;
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if key == self.0 && found.is_none() {
                    found = Some(map.next_value_seed(EmptySeq)?);
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(found == Some(true))
        }
    }

    let mut de = serde_json::Deserializer::from_slice(body);
    de.deserialize_map(Object(name)).unwrap_or(false) && de.end().is_ok()
}

/// The value of `param` in `target`'s query, when it is one [`Handshake::EchoQuery`] echoes.
pub(crate) fn echo_query<'t>(target: &'t str, param: &str) -> Option<&'t str> {
    let (_, query) = target.split_once('?')?;
    let value = query
        .split('&')
        .find_map(|pair| pair.strip_prefix(param)?.strip_prefix('='))?;
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
    (!value.is_empty() && value.len() <= MAX_ECHO_LEN && value.bytes().all(unreserved))
        .then_some(value)
}

/// Whether the request may be answered unsigned at all: the scheme has a handshake that
/// answers one.
pub(crate) fn answers_unsigned(handshakes: &[Handshake]) -> bool {
    handshakes.iter().any(|handshake| {
        matches!(
            handshake,
            Handshake::EchoQuery { .. }
                | Handshake::EchoQueryWithToken { .. }
                | Handshake::AnswerMethod { .. }
                | Handshake::EchoHeader { .. }
                | Handshake::HeaderToJson { .. }
                | Handshake::EchoQueryDecoded { .. }
        )
    })
}

/// The answer to a request sent to `target` with `method` (if known) that one of the
/// handshakes answers without a signature, if any; `signed` says whether the request carries
/// the scheme's signature header, `header` reads its headers. [`Handshake::AnswerMethod`],
/// [`Handshake::EchoQuery`], [`Handshake::EchoQueryWithToken`] and [`Handshake::EchoHeader`]
/// answer only a request without the signature header; [`Handshake::HeaderToJson`] and
/// [`Handshake::EchoQueryDecoded`] whatever it carries.
pub(crate) fn unsigned_answer<'h>(
    handshakes: &[Handshake],
    target: &str,
    method: Option<&[u8]>,
    signed: bool,
    header: impl Fn(&str) -> Option<&'h [u8]>,
) -> Option<HandshakeResponse> {
    let echo = |value: &str| HandshakeResponse::text(Bytes::copy_from_slice(value.as_bytes()));
    let visible = |value: &&[u8]| {
        !value.is_empty()
            && value.len() <= MAX_ECHO_LEN
            && value.iter().all(|b| b.is_ascii_graphic())
    };
    handshakes.iter().find_map(|handshake| match handshake {
        Handshake::AnswerMethod { method: wanted }
            if !signed && method == Some(wanted.as_bytes()) =>
        {
            Some(HandshakeResponse::text(Bytes::new()))
        }
        Handshake::EchoQuery { param } if !signed => echo_query(target, param).map(echo),
        Handshake::EchoQueryWithToken { .. } if !signed => {
            echo_with_token(handshake, target).map(echo)
        }
        Handshake::EchoHeader { header: name } if !signed => {
            let value = header(name).filter(visible)?;
            let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_bytes(value),
            ) else {
                return None;
            };
            Some(HandshakeResponse::text(Bytes::new()).with_header(name, value))
        }
        Handshake::HeaderToJson { header: name, key } => {
            // Visible ASCII: valid UTF-8, and JSON-escaped by the serializer.
            let value = String::from_utf8_lossy(header(name).filter(visible)?);
            let mut answer = serde_json::Map::new();
            answer.insert(key.to_string(), serde_json::Value::from(value));
            Some(HandshakeResponse::json(
                serde_json::Value::Object(answer).to_string(),
            ))
        }
        Handshake::EchoQueryDecoded { param } => {
            decoded_query(target, param).map(HandshakeResponse::text)
        }
        _ => None,
    })
}

/// The value a [`Handshake::EchoQueryWithToken`] echoes for `target`, if the token matches.
fn echo_with_token<'t>(handshake: &Handshake, target: &'t str) -> Option<&'t str> {
    let Handshake::EchoQueryWithToken {
        param,
        token_param,
        mode,
        token,
    } = handshake
    else {
        return None;
    };
    let token = token.as_ref()?;
    if let Some((mode_param, wanted)) = mode
        && query_value(target, mode_param)?.as_ref() != wanted.as_ref()
    {
        return None;
    }
    let sent = query_value(target, token_param)?;
    // Digests of equal length, compared in constant time: neither the token nor its length
    // shows in the time taken.
    let digest = |bytes: &[u8]| Sha256::digest(bytes);
    let equal = digest(sent.as_bytes()).ct_eq(&digest(token.expose()));
    if bool::from(equal) {
        echo_query(target, param)
    } else {
        None
    }
}

/// The first value of `param` in `target`'s query, percent-decoded (`+` a space); `None` when
/// absent or malformed.
fn query_value<'t>(target: &'t str, param: &str) -> Option<Cow<'t, str>> {
    let (_, query) = target.split_once('?')?;
    let raw = query
        .split('&')
        .find_map(|pair| pair.strip_prefix(param)?.strip_prefix('='))?;
    percent_decode(raw.as_bytes()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_empty_array_is_the_empty_array_check() {
        assert!(empty_array_field(
            br#"{"events":[],"entropy":"x"}"#,
            "events"
        ));
        assert!(empty_array_field(
            br#" {"a":{"events":[1]}, "events" : [ ] } "#,
            "events"
        ));
        for body in [
            &br#"{"events":[{}]}"#[..],
            br#"{"events":{}}"#,
            br#"{"events":null}"#,
            br#"{"events":"[]"}"#,
            br#"{"other":[]}"#,
            br#"{"events":[]"#,
            br#"{"events":[]} {}"#,
            br#"[]"#,
            b"",
        ] {
            assert!(!empty_array_field(body, "events"), "{body:?}");
        }
        let xero = [Handshake::EmptyArray {
            field: "events".into(),
        }];
        let answer = empty_array_answer(&xero, br#"{"events":[]}"#).unwrap();
        assert!(answer.body.is_empty());
        assert!(empty_array_answer(&xero, br#"{"events":[{"a":1}]}"#).is_none());
    }

    #[test]
    fn a_guarded_echo_needs_the_token_and_the_mode() {
        let guarded = |token: Option<&str>| {
            [Handshake::EchoQueryWithToken {
                param: "hub.challenge".into(),
                token_param: "hub.verify_token".into(),
                mode: Some(("hub.mode".into(), "subscribe".into())),
                token: token.map(|t| Secret::new(t).unwrap()),
            }]
        };
        let answer = |token: Option<&str>, target: &str| {
            unsigned_answer(&guarded(token), target, None, false, |_| None)
                .map(|answer| String::from_utf8(answer.body.to_vec()).unwrap())
        };
        let target = "/m?hub.mode=subscribe&hub.verify_token=a%20b&hub.challenge=42";
        assert_eq!(answer(Some("a b"), target).as_deref(), Some("42"));
        assert_eq!(answer(Some("a c"), target), None);
        assert_eq!(answer(Some("a b "), target), None);
        assert_eq!(
            answer(None, target),
            None,
            "no token configured: never answered"
        );
        let unsubscribe = target.replace("=subscribe", "=unsubscribe");
        assert_eq!(answer(Some("a b"), &unsubscribe), None);
        let no_mode = "/m?hub.verify_token=a+b&hub.challenge=42";
        assert_eq!(answer(Some("a b"), no_mode), None);
        let no_token = "/m?hub.mode=subscribe&hub.challenge=42";
        assert_eq!(answer(Some("a b"), no_token), None);
        let markup = "/m?hub.mode=subscribe&hub.verify_token=a+b&hub.challenge=%3Cb%3E";
        assert_eq!(answer(Some("a b"), markup), None);
        let malformed = "/m?hub.mode=subscribe&hub.verify_token=%zz&hub.challenge=42";
        assert_eq!(answer(Some("a b"), malformed), None);
        assert!(answers_unsigned(&guarded(None)));
    }

    #[test]
    fn only_plain_values_are_echoed() {
        assert_eq!(
            echo_query("/hook?challenge=abc-123", "challenge"),
            Some("abc-123")
        );
        assert_eq!(
            echo_query("/hook?x=1&challenge=abc", "challenge"),
            Some("abc")
        );
        assert_eq!(echo_query("/hook?challenges=abc", "challenge"), None);
        assert_eq!(echo_query("/hook?challenge=", "challenge"), None);
        assert_eq!(echo_query("/hook?challenge=%3Cb%3E", "challenge"), None);
        assert_eq!(echo_query("/hook", "challenge"), None);
        let long = format!("/hook?challenge={}", "a".repeat(MAX_ECHO_LEN + 1));
        assert_eq!(echo_query(&long, "challenge"), None);
    }

    #[test]
    fn decoded_values_are_printable_text_only() {
        let token = |target: &str| decoded_query(target, "validationToken");
        assert_eq!(
            token("/hook?validationToken=Validation%3A+Testing+client+application+reachability")
                .as_deref(),
            Some("Validation: Testing client application reachability")
        );
        assert_eq!(
            token("/hook?a=1&validationToken=x%3Cb%3E").as_deref(),
            Some("x<b>")
        );
        for refused in [
            "/hook?validationToken=",
            "/hook?validationToken=a%0Ab",
            "/hook?validationToken=%zz",
            "/hook?validationToken=%E2%82%AC",
            "/hook?validationTokens=abc",
            "/hook",
        ] {
            assert_eq!(token(refused), None, "{refused}");
        }
        let long = format!(
            "/hook?validationToken={}",
            "a".repeat(MAX_DECODED_ECHO_LEN + 1)
        );
        assert_eq!(token(&long), None);
        let longest = format!("/hook?validationToken={}", "a".repeat(MAX_DECODED_ECHO_LEN));
        assert_eq!(token(&longest).map(|t| t.len()), Some(MAX_DECODED_ECHO_LEN));
    }
}
