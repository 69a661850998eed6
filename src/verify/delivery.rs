//! A delivery that passed verification.

use std::sync::Arc;

use bytes::Bytes;

pub(crate) use crate::text::Text;

use crate::replay::ReplayKey;
use crate::verify::signature::Tag;

/// A delivery whose signature, timestamp and id held: what the handler is given.
///
/// ```
/// use webhook_guard::{Scheme, Signer, Verifier, Secret};
///
/// let secret = Secret::new("whsec_abc123def456").unwrap();
/// let body = r#"{"id":"whd_abc123","type":"event.created","tenantId":"tenant-001","data":{}}"#;
/// let signer = Signer::new(Scheme::audit_trail(), secret.clone());
/// let headers = signer.headers(body.as_bytes(), 1_705_312_200, "whd_abc123");
/// let verifier = Verifier::new(Scheme::audit_trail(), [secret]);
/// let delivery = verifier.verify_at(&headers, body.into(), 1_705_312_200).unwrap();
/// assert_eq!(delivery.id(), "whd_abc123");
/// assert_eq!(delivery.event_type(), Some("event.created"));
/// assert_eq!(delivery.tenant(), Some("tenant-001"));
/// assert_eq!(delivery.timestamp(), Some(1_705_312_200));
/// ```
pub struct Delivery {
    pub(crate) scheme: Arc<str>,
    pub(crate) id: Text,
    pub(crate) timestamp: Option<i64>,
    pub(crate) event_type: Option<Text>,
    pub(crate) tenant: Option<Text>,
    pub(crate) body: Bytes,
    /// The MAC that matched, kept only for schemes whose id is not signed.
    /// Boxed, as the handshake: rare, and the delivery is moved a few times per request.
    pub(crate) unsigned_id_mac: Option<Box<Tag>>,
    /// The answer, when the delivery is a handshake the layer answers itself.
    pub(crate) handshake: Option<Box<crate::HandshakeResponse>>,
    /// The provider's typed event, when verification read the body as one (the built-in
    /// Audit Trail and PALO schemes): taken once by the extractors, never cloned.
    #[cfg_attr(not(any(feature = "axum", feature = "actix")), allow(dead_code))]
    pub(crate) event: Option<Box<crate::event::native::ReadEvent>>,
    /// The id of the key that verified, if it has one.
    pub(crate) key_id: Option<Arc<str>>,
}

impl Clone for Delivery {
    /// A copy of the metadata and the body; the typed event read during verification stays
    /// with the original (the extractors take it from there).
    fn clone(&self) -> Self {
        Self {
            scheme: Arc::clone(&self.scheme),
            id: self.id.clone(),
            timestamp: self.timestamp,
            event_type: self.event_type.clone(),
            tenant: self.tenant.clone(),
            body: self.body.clone(),
            unsigned_id_mac: self.unsigned_id_mac.clone(),
            handshake: self.handshake.clone(),
            event: None,
            key_id: self.key_id.clone(),
        }
    }
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No body bytes and no MAC: a delivery may be logged.
        f.debug_struct("Delivery")
            .field("scheme", &self.scheme)
            .field("id", &self.id)
            .field("timestamp", &self.timestamp)
            .field("event_type", &self.event_type)
            .field("tenant", &self.tenant)
            .field("key_id", &self.key_id)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Delivery {
    /// The scheme's name (`audit-trail`, `palo`, ...).
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The deduplication id (the delivery id, or the event id, as the scheme says).
    pub fn id(&self) -> &str {
        self.id.as_str()
    }

    /// The signed timestamp, in Unix seconds, for schemes that have one.
    pub fn timestamp(&self) -> Option<i64> {
        self.timestamp
    }

    /// The event type, where the scheme says where it is.
    pub fn event_type(&self) -> Option<&str> {
        self.event_type.as_ref().map(Text::as_str)
    }

    /// The tenant, where the scheme has one.
    pub fn tenant(&self) -> Option<&str> {
        self.tenant.as_ref().map(Text::as_str)
    }

    /// The id of the key that verified the signature ([`Secret::with_id`](crate::Secret::with_id),
    /// [`PublicKey::with_id`](crate::PublicKey::with_id), a JWKS `kid`), if it has one: once
    /// no delivery names an old key any more, it is safe to remove.
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Signer, Verifier};
    ///
    /// let old = Secret::new("old-secret").unwrap().with_id("2026-q3").not_after(1_800_000_000);
    /// let new = Secret::new("new-secret").unwrap().with_id("2026-q4");
    /// let verifier = Verifier::new(Scheme::github(), [new, old.clone()]);
    /// let headers = Signer::new(Scheme::github(), old).headers(b"{}", 0, "d-1");
    /// let delivery = verifier.verify_at(&headers, "{}".into(), 1_700_000_000).unwrap();
    /// assert_eq!(delivery.key_id(), Some("2026-q3"));
    /// // Past its `not_after`, the old secret verifies nothing.
    /// assert!(verifier.verify_at(&headers, "{}".into(), 1_800_000_001).is_err());
    /// ```
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    /// The raw body, exactly the bytes that were verified (the same buffer, not a copy).
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Parses the body as `T` (a typed event, or any `Deserialize` type).
    ///
    /// ```
    /// # use webhook_guard::{Scheme, Signer, Verifier, Secret};
    /// use webhook_guard::event::audit_trail::AuditTrailEvent;
    /// # let secret = Secret::new("whsec_abc123def456").unwrap();
    /// # let body = webhook_guard::testing::audit_trail_sample_with_id("alert.triggered", "whd_abc123").unwrap();
    /// # let signer = Signer::new(Scheme::audit_trail(), secret.clone());
    /// # let headers = signer.headers(body.as_bytes(), 1_705_312_200, "whd_abc123");
    /// # let verifier = Verifier::new(Scheme::audit_trail(), [secret]);
    /// # let delivery = verifier.verify_at(&headers, body.into(), 1_705_312_200).unwrap();
    /// let event: AuditTrailEvent = delivery.parse().unwrap();
    /// assert_eq!(event.event_type(), "alert.triggered");
    /// ```
    pub fn parse<T: serde::de::DeserializeOwned + 'static>(&self) -> Result<T, serde_json::Error> {
        crate::event::parse_body(&self.body)
    }

    /// The replay keys to claim: the id's, and for schemes whose id is not signed, the
    /// signature's too. They borrow the delivery: each store derives its own fixed-size key
    /// from them when claiming.
    ///
    /// ```
    /// use webhook_guard::replay::ReplayKey;
    /// use webhook_guard::{Scheme, Secret, Signer, Verifier};
    ///
    /// let secret = Secret::new("whsec_abc123def456").unwrap();
    /// let body = r#"{"id":"whd_abc123","type":"event.created","tenantId":"tenant-001","data":{}}"#;
    /// let headers = Signer::new(Scheme::audit_trail(), secret.clone()).headers(body.as_bytes(), 1_705_312_200, "whd_abc123");
    /// let delivery = Verifier::new(Scheme::audit_trail(), [secret])
    ///     .verify_at(&headers, body.into(), 1_705_312_200)
    ///     .unwrap();
    /// // The Audit Trail signs its ids: the id's key alone.
    /// let (id, signature) = delivery.replay_keys();
    /// assert_eq!(id, ReplayKey::new("audit-trail", Some("tenant-001"), "whd_abc123"));
    /// assert!(signature.is_none());
    /// ```
    pub fn replay_keys(&self) -> (ReplayKey<'_>, Option<ReplayKey<'_>>) {
        let tenant = self.tenant();
        (
            ReplayKey::new(&self.scheme, tenant, self.id()),
            self.unsigned_id_mac
                .as_ref()
                .map(|mac| ReplayKey::signature(&self.scheme, tenant, mac.as_bytes())),
        )
    }

    /// True when the delivery is a handshake the layer answers itself (the
    /// [`Guard`](crate::Guard) never hands one to a handler).
    ///
    /// ```
    /// use webhook_guard::{Scheme, Secret, Signer, Verifier};
    ///
    /// let secret = Secret::new("8f742231b10e8888abcd99yyyzzz85a5").unwrap();
    /// let body = r#"{"challenge":"c1","type":"url_verification"}"#;
    /// let headers = Signer::new(Scheme::slack(), secret.clone()).headers(body.as_bytes(), 0, "");
    /// let delivery = Verifier::new(Scheme::slack(), [secret]).verify_at(&headers, body.into(), 0).unwrap();
    /// assert!(delivery.is_handshake());
    /// ```
    pub fn is_handshake(&self) -> bool {
        self.handshake.is_some()
    }

    /// The typed event verification read, if it is a `T`; taken, so a second call parses.
    #[cfg_attr(not(any(feature = "axum", feature = "actix")), allow(dead_code))]
    pub(crate) fn take_event<T: 'static>(&mut self) -> Option<T> {
        crate::event::native::ReadEvent::take(&mut self.event)
    }

    /// Consumes the delivery, returning the body.
    pub fn into_body(self) -> Bytes {
        self.body
    }
}
