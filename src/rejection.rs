//! Why a delivery was not handed to the handler: one enum for the whole verification path.
//!
//! ```
//! use webhook_guard::Rejection;
//!
//! let rejection = Rejection::InvalidSignature;
//! assert_eq!(rejection.status(), 401);
//! assert_eq!(rejection.reason(), "invalid signature");
//! assert_eq!(Rejection::AlreadyProcessed.status(), 200);
//! ```

use std::fmt;
use std::time::Duration;

use bytes::Bytes;

use crate::scheme::handshake::HandshakeResponse;

/// A delivery that did not reach the handler, with the answer the sender gets.
///
/// Every variant maps to one HTTP status ([`status`](Self::status)), a short reason that says
/// what was wrong without leaking the expected signature or a secret ([`reason`](Self::reason)),
/// a stable machine name for logs and metrics ([`code`](Self::code)) and, where the sender should
/// come back later, a `Retry-After` ([`retry_after`](Self::retry_after)).
///
/// The statuses follow the providers' retry rules: anything but 2xx is retried, so a duplicate of
/// a delivery already handled gets 200 (a retry would be wasted), while a duplicate of one still
/// in flight gets 409 (a 2xx there could lose the event if the first attempt then fails).
///
/// ```
/// use std::time::Duration;
/// use webhook_guard::Rejection;
///
/// let busy = Rejection::InFlight { retry_after: Duration::from_secs(10) };
/// assert_eq!(busy.status(), 409);
/// assert_eq!(busy.retry_after(), Some(Duration::from_secs(10)));
/// assert_eq!(busy.code(), "in_flight");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// The body is larger than the configured limit (413).
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body could not be read (the client went away mid-body, or a transport error) (400).
    BodyRead,
    /// The body did not arrive in time: past the total deadline, or slower than the minimum
    /// rate (see [`BodyTimeouts`](crate::limits::BodyTimeouts)) (408).
    BodyTimeout,
    /// Too many body bytes are being read right now across all requests (the
    /// [`BodyBudget`](crate::limits::BodyBudget) is spent): refused before the body is read,
    /// the sender retries later (503).
    Overloaded {
        /// When to come back.
        retry_after: Duration,
    },
    /// A security header (signature, timestamp or delivery id) is sent more than once: which
    /// one counts would be a guess, so none does (400).
    RepeatedHeader,
    /// The signature header is absent (401).
    MissingSignature,
    /// The signature header holds no entry in the scheme's format (401).
    MalformedSignature,
    /// No signature entry matches any active secret (401).
    InvalidSignature,
    /// No secret is configured for this delivery (for instance an unknown tenant) (401).
    UnknownSigner,
    /// The timestamp is absent (400).
    MissingTimestamp,
    /// The timestamp is not in the scheme's format (400).
    MalformedTimestamp,
    /// The timestamp is older than the freshness window allows (400).
    StaleTimestamp,
    /// The timestamp is further in the future than the allowed clock skew (400).
    FutureTimestamp,
    /// The body is not in the scheme's format (JSON for most schemes) (400).
    MalformedBody,
    /// The delivery carries no id to deduplicate on (400).
    MissingId,
    /// The delivery id is not valid UTF-8 or is too long (400).
    MalformedId,
    /// The unsigned id header disagrees with the id in the signed content (400).
    IdMismatch,
    /// The delivery was already handled successfully; the handler is not run again (200).
    AlreadyProcessed,
    /// The same delivery is being handled right now; come back later (409).
    InFlight {
        /// When to come back.
        retry_after: Duration,
    },
    /// The replay store cannot take a new delivery without forgetting one that could still be
    /// replayed; nothing is lost, the sender retries later (503).
    StoreFull {
        /// When to come back.
        retry_after: Duration,
    },
    /// The replay store (or the secret resolver) cannot be reached; the handler is not run and the
    /// sender retries later (503).
    Unavailable {
        /// When to come back.
        retry_after: Duration,
    },
    /// Not a delivery but a handshake (a URL verification, a PING, a challenge), answered by
    /// the layer itself with this response (200); see [`Handshake`](crate::Handshake).
    Answered(HandshakeResponse),
}

impl Rejection {
    /// The HTTP status code the sender gets.
    pub fn status(&self) -> u16 {
        self.row().0
    }

    /// A short reason for the response body. It never contains the expected signature, the
    /// secret, or anything taken from the request.
    pub fn reason(&self) -> &'static str {
        self.row().2
    }

    /// A stable snake_case name, for the `reason` field of logs and metrics.
    pub fn code(&self) -> &'static str {
        self.row().1
    }

    /// Each rejection's row of the one table: (status, code, reason).
    fn row(&self) -> (u16, &'static str, &'static str) {
        match self {
            Self::BodyTooLarge { .. } => (413, "body_too_large", "body too large"),
            Self::BodyRead => (400, "body_read", "could not read body"),
            Self::BodyTimeout => (408, "body_timeout", "body not received in time"),
            Self::Overloaded { .. } => (
                503,
                "overloaded",
                "too many requests in progress, retry later",
            ),
            Self::RepeatedHeader => (
                400,
                "repeated_header",
                "security header sent more than once",
            ),
            Self::MissingSignature => (401, "missing_signature", "missing signature"),
            Self::MalformedSignature => (401, "malformed_signature", "malformed signature"),
            Self::InvalidSignature => (401, "invalid_signature", "invalid signature"),
            Self::UnknownSigner => (401, "unknown_signer", "no secret for this sender"),
            Self::MissingTimestamp => (400, "missing_timestamp", "missing timestamp"),
            Self::MalformedTimestamp => (400, "malformed_timestamp", "malformed timestamp"),
            Self::StaleTimestamp => (400, "stale_timestamp", "timestamp too old"),
            Self::FutureTimestamp => (400, "future_timestamp", "timestamp in the future"),
            Self::MalformedBody => (400, "malformed_body", "malformed body"),
            Self::MissingId => (400, "missing_id", "missing delivery id"),
            Self::MalformedId => (400, "malformed_id", "malformed delivery id"),
            Self::IdMismatch => (
                400,
                "id_mismatch",
                "delivery id does not match the signed payload",
            ),
            Self::AlreadyProcessed => (200, "already_processed", "already processed"),
            Self::InFlight { .. } => (409, "in_flight", "delivery in progress, retry later"),
            Self::StoreFull { .. } => (503, "store_full", "replay store full, retry later"),
            Self::Unavailable { .. } => {
                (503, "unavailable", "temporarily unavailable, retry later")
            }
            Self::Answered(_) => (200, "handshake", "handshake answered"),
        }
    }

    /// How long the sender should wait before retrying, for the `Retry-After` header.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::InFlight { retry_after }
            | Self::StoreFull { retry_after }
            | Self::Unavailable { retry_after }
            | Self::Overloaded { retry_after } => Some(*retry_after),
            _ => None,
        }
    }

    /// `Retry-After` as whole seconds (at least 1), ready for the header.
    pub fn retry_after_secs(&self) -> Option<u64> {
        self.retry_after().map(|d| d.as_secs().max(1))
    }

    /// True for the duplicate answers (`AlreadyProcessed`, `InFlight`).
    pub fn is_duplicate(&self) -> bool {
        matches!(self, Self::AlreadyProcessed | Self::InFlight { .. })
    }
}

impl Rejection {
    /// The answer as an [`http::Response`], for adapters on the `http` types (tower, axum,
    /// hyper): a handshake's own answer, else the status, the [`reason`](Self::reason) as
    /// plain text and, where the sender should come back, `Retry-After`.
    ///
    /// ```
    /// use webhook_guard::Rejection;
    /// use std::time::Duration;
    ///
    /// let busy = Rejection::Unavailable { retry_after: Duration::from_secs(5) };
    /// let response: http::Response<bytes::Bytes> = busy.to_http_response();
    /// assert_eq!(response.status(), 503);
    /// assert_eq!(response.headers()["retry-after"], "5");
    /// assert_eq!(response.body(), "temporarily unavailable, retry later");
    /// ```
    pub fn to_http_response<B: From<Bytes>>(&self) -> http::Response<B> {
        use http::{HeaderValue, StatusCode, header};

        let (status, content_type, body, nosniff) = match self {
            Self::Answered(answer) => (
                StatusCode::OK,
                answer.content_type,
                answer.body.clone(),
                answer.nosniff,
            ),
            rejection => (
                StatusCode::from_u16(rejection.status())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                "text/plain; charset=utf-8",
                Bytes::from_static(rejection.reason().as_bytes()),
                false,
            ),
        };
        let mut response = http::Response::new(B::from(body));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if nosniff {
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
        }
        if let Some(secs) = self.retry_after_secs() {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Self::Answered(answer) = self {
            for (name, value) in &answer.headers {
                headers.insert(name.clone(), value.clone());
            }
        }
        response
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

impl std::error::Error for Rejection {}
