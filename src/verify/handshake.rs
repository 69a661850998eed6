//! Handshakes: the requests a provider sends to check the endpoint, which the layer answers
//! itself instead of running the handler.
//!
//! A signed handshake (Slack's `url_verification`, Zoom's `endpoint.url_validation`, Discord's
//! PING) is answered only once its signature, timestamp and id held, and it is never claimed in
//! the replay store: a provider's next check is answered too, and a copy gains nothing (the
//! answer says nothing the copy does not already hold). A few checks carry no signature, and
//! their answers are echoes of what the request itself carries, nothing else: Dropbox's
//! `GET ?challenge=` (plain text, `X-Content-Type-Options: nosniff`), Microsoft Graph's
//! `?validationToken=` (decoded, plain text), Okta's `X-Okta-Verification-Challenge` (a JSON
//! object), Asana's `X-Hook-Secret` (the same header back). Each is exactly as its provider
//! documents it, bounded in length and alphabet, and never claimed either.
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

/// The answer to a handshake that needs no signature ([`Handshake::EchoQuery`],
/// [`Handshake::EchoHeader`], [`Handshake::HeaderToJson`], [`Handshake::EchoQueryDecoded`]),
/// if `target` and the headers (`header`) carry one; `signed` says whether the request carries
/// the scheme's signature header.
pub(crate) fn unsigned_answer<'h>(
    handshakes: &[Handshake],
    target: &str,
    signed: bool,
    header: impl Fn(&str) -> Option<&'h [u8]>,
) -> Option<HandshakeResponse> {
    let visible = |value: &[u8]| {
        !value.is_empty()
            && value.len() <= MAX_ECHO_LEN
            && value.iter().all(|b| b.is_ascii_graphic())
    };
    for handshake in handshakes {
        match handshake {
            Handshake::EchoQuery { param } if !signed => {
                if let Some(value) = echo_query(target, param) {
                    return Some(HandshakeResponse::text(Bytes::copy_from_slice(
                        value.as_bytes(),
                    )));
                }
            }
            Handshake::EchoHeader { header: name } if !signed => {
                let Some(value) = header(name).filter(|value| visible(value)) else {
                    continue;
                };
                let (Ok(name), Ok(value)) = (
                    http::HeaderName::from_bytes(name.as_bytes()),
                    http::HeaderValue::from_bytes(value),
                ) else {
                    continue;
                };
                return Some(HandshakeResponse::text(Bytes::new()).with_header(name, value));
            }
            Handshake::HeaderToJson { header: name, key } => {
                // Visible ASCII: valid UTF-8, and JSON-escaped by the serializer.
                if let Some(value) = header(name).filter(|value| visible(value)) {
                    let value = String::from_utf8_lossy(value);
                    let mut answer = serde_json::Map::new();
                    answer.insert(key.to_string(), serde_json::Value::from(value));
                    return Some(HandshakeResponse::json(
                        serde_json::Value::Object(answer).to_string(),
                    ));
                }
            }
            Handshake::EchoQueryDecoded { param } => {
                if let Some(value) = decoded_query(target, param) {
                    return Some(HandshakeResponse::text(value));
                }
            }
            _ => {}
        }
    }
    None
}

/// True when the scheme answers some requests without a signature, so a head without one
/// may pass the head check (the verify step answers it, or refuses it).
pub(crate) fn answers_unsigned(handshakes: &[Handshake]) -> bool {
    handshakes.iter().any(|handshake| {
        matches!(
            handshake,
            Handshake::EchoQuery { .. }
                | Handshake::EchoHeader { .. }
                | Handshake::HeaderToJson { .. }
                | Handshake::EchoQueryDecoded { .. }
        )
    })
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
