//! Handshakes: the requests a provider sends to check the endpoint, which the layer answers
//! itself instead of running the handler.
//!
//! A signed handshake (Slack's `url_verification`, Zoom's `endpoint.url_validation`, Discord's
//! PING) is answered only once its signature, timestamp and id held, and it is never claimed in
//! the replay store: a provider's next check is answered too, and a copy gains nothing (the
//! answer says nothing the copy does not already hold). Dropbox's `GET ?challenge=` carries no
//! signature; its echo is the one unsigned answer, exactly as Dropbox documents it (plain
//! text, `X-Content-Type-Options: nosniff`).
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
}
