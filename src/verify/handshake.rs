//! Handshakes: the requests a provider sends to check the endpoint, which the layer answers
//! itself instead of running the handler.
//!
//! A signed handshake (Slack's `url_verification`, Zoom's `endpoint.url_validation`, Discord's
//! PING) is answered only once its signature, timestamp and id held, and it is never claimed in
//! the replay store: a provider's next check is answered too, and a copy gains nothing (the
//! answer says nothing the copy does not already hold). Dropbox's `GET ?challenge=` carries no
//! signature; its echo is an unsigned answer, exactly as Dropbox documents it (plain
//! text, `X-Content-Type-Options: nosniff`). Meta's `GET ?hub.challenge=` is the other one, and
//! only for a request that carries the verify token configured on the scheme.
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
}

impl HandshakeResponse {
    /// A JSON answer.
    pub fn json(body: impl Into<Bytes>) -> Self {
        Self {
            content_type: "application/json",
            body: body.into(),
            nosniff: false,
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
        }
    }
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
        )
    })
}

/// The answer to an unsigned request sent to `target` with `method` (if known), if one of the
/// handshakes answers it.
pub(crate) fn unsigned_answer(
    handshakes: &[Handshake],
    target: &str,
    method: Option<&[u8]>,
) -> Option<HandshakeResponse> {
    let echo = |value: &str| HandshakeResponse::text(Bytes::copy_from_slice(value.as_bytes()));
    handshakes.iter().find_map(|handshake| match handshake {
        Handshake::AnswerMethod { method: wanted } if method == Some(wanted.as_bytes()) => {
            Some(HandshakeResponse::text(Bytes::new()))
        }
        Handshake::EchoQuery { param } => echo_query(target, param).map(echo),
        Handshake::EchoQueryWithToken { .. } => echo_with_token(handshake, target).map(echo),
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
            unsigned_answer(&guarded(token), target, None)
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
}
