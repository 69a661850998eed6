//! Handshakes as data: the requests a provider sends to check an endpoint, and the answers.
//!
//! A [`Handshake`] says which request is a check and what answers it; the verifier
//! (`verify::handshake`) interprets it, only once the request verified for the signed ones.
//! [`HandshakeResponse`] is what the layer sends back, which each adapter only turns into a
//! response.

use std::borrow::Cow;

use bytes::Bytes;

use crate::secret::Secret;

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
    /// A verified delivery of this event type is answered with a JSON object of two members:
    /// the text of one body field, as sent, under `value_key`, and its HMAC-SHA256 in lower-case
    /// hex, keyed with the secret that verified the request, under `mac_key`. Zoom's
    /// `endpoint.url_validation` ([`Scheme::zoom`](crate::Scheme::zoom)):
    /// `{"plainToken": <payload.plainToken>, "encryptedToken": <hex HMAC>}`. The answer proves
    /// the receiver holds the secret without showing it.
    ///
    /// ```
    /// use webhook_guard::{Guard, Handshake, Rejection, Scheme, Secret, Signer, Verifier};
    ///
    /// # futures::executor::block_on(async {
    /// let scheme = Scheme::zoom();
    /// assert!(matches!(&scheme.handshakes()[0], Handshake::EchoFieldWithMac { pointer, .. } if pointer == "/payload/plainToken"));
    /// let secret = Secret::new("zoom-secret-token").unwrap();
    /// let guard = Guard::new(Verifier::new(scheme.clone(), [secret.clone()]));
    /// let body = r#"{"event":"endpoint.url_validation","payload":{"plainToken":"abc"},"event_ts":1}"#;
    /// let headers = Signer::new(scheme, secret).headers(body.as_bytes(), guard.verifier().now(), "");
    /// let Err(Rejection::Answered(answer)) = guard.admit(&headers, "/zoom", body.into()).await else {
    ///     panic!("answered")
    /// };
    /// let answer: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    /// assert_eq!(answer["plainToken"], "abc");
    /// assert_eq!(answer["encryptedToken"].as_str().unwrap().len(), 64);
    /// # });
    /// ```
    EchoFieldWithMac {
        /// The event type that is a handshake (`endpoint.url_validation`).
        event_type: Cow<'static, str>,
        /// The body field whose text is echoed and MACed, as a JSON pointer
        /// (`/payload/plainToken`).
        pointer: Cow<'static, str>,
        /// The answer's member for the text as sent (`plainToken`).
        value_key: Cow<'static, str>,
        /// The answer's member for its MAC (`encryptedToken`).
        mac_key: Cow<'static, str>,
    },
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
