//! Audit Trail events: the envelope `{ id, type, timestamp, tenantId, data }` with `data` typed
//! per event type.
//!
//! Field names are camelCase on the wire (`tenantId`, `ruleName`, `triggeringEvents`) and
//! snake_case in Rust. Open-ended values (actor, action and resource types, severities) are
//! strings, so a new value never makes an event unparseable. Timestamps are kept as the
//! strings sent (RFC 3339 in the spec).
//!
//! # What the spec guarantees, field by field
//!
//! `audit-trail-webhooks.md` shows one full payload ("Structure", an `event.created`) and two
//! examples, one of which elides the audit event (`"event": { ... }`) and one the triggering
//! events (`{ "id": "event-1", ... }`). It shows no data at all for the four other types. So:
//!
//! | field | typed as | why |
//! |---|---|---|
//! | `id` | `String` | the delivery id; the scheme checks it against `X-Audit-Trail-Delivery-Id` before any parsing |
//! | `type` | the variant | routes the event; absent or not a string: [`AuditTrailEvent::Unparsed`] |
//! | `timestamp`, `tenantId` | `String` | in every payload the spec shows ("Structure" and both examples) |
//! | `data.event` (`event.created`) | [`AuditEvent`] | in both payloads of that type |
//! | `data.alert` (`alert.triggered`) | [`Alert`] | the subject of the event, in its one example |
//! | `data.triggeringEvents` | `Vec`, empty if absent | a rule may fire without matching events |
//! | audit event `id`, actor `id`, resource `id`, alert `id` | `String` | the identity of the object, shown wherever the object is |
//! | every other field (actor `name`/`type`, action, resource `name`/`type`, alert `ruleName`/`severity`/`title`/`description`, audit event `timestamp`/`actor`/`action`/`resource`) | `Option` | elided in an example (`...`), or plausibly absent (a service account has no display name) |
//! | data of `event.batch.created`, `alert.resolved`, `report.completed`, `report.failed` | all `Option` | the spec shows none of it |
//!
//! A payload that still does not fit (a guaranteed field missing, a number where the spec shows
//! a string) is not an error: it is [`AuditTrailEvent::Unparsed`], with the raw JSON and the
//! reason, and reaches the handler like any other.
//!
//! ```
//! use webhook_guard::event::audit_trail::AuditTrailEvent;
//! use webhook_guard::testing::audit_trail_sample_with_id;
//!
//! let body = audit_trail_sample_with_id("event.created", "whd_xyz789").expect("known type");
//! match AuditTrailEvent::from_slice(body.as_bytes())? {
//!     AuditTrailEvent::EventCreated(created) => {
//!         assert_eq!(created.id, "whd_xyz789");
//!         assert_eq!(created.tenant_id, "tenant-001");
//!         let action = created.data.event.action.as_ref().expect("in the sample");
//!         assert_eq!(action.kind.as_deref(), Some("CREATE"));
//!     }
//!     other => panic!("unexpected {}", other.event_type()),
//! }
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde_json::Value;

use super::{EventData, Extra};

event_enum! {
    module: audit_trail,
    /// The event types [`AuditTrailEvent`] models as variants (all others parse as
    /// [`AuditTrailEvent::Unknown`]).
    ///
    /// ```
    /// use webhook_guard::event::audit_trail::{AuditTrailEvent, KNOWN_TYPES};
    /// use webhook_guard::testing::audit_trail_sample;
    ///
    /// assert!(KNOWN_TYPES.contains(&"alert.triggered"));
    /// for kind in KNOWN_TYPES {
    ///     let body = audit_trail_sample(kind).unwrap();
    ///     assert!(!AuditTrailEvent::from_slice(body.as_bytes()).unwrap().is_unknown());
    /// }
    /// ```
    known_types: KNOWN_TYPES,
    /// An Audit Trail webhook event: one variant per known type, [`Unknown`](Self::Unknown) for
    /// the others.
    ///
    /// Parse it with `serde_json` (see the [module docs](super) for the rules) and write it back
    /// with `serde_json::to_string`: a known event comes back with the same fields (the envelope
    /// fields first, then `extra`), an unknown one with its exact original text.
    ///
    /// The enum is `#[non_exhaustive]`: a new variant in a later version is not a breaking change,
    /// so a `match` needs a catch-all arm, which is where unknown types land too.
    ///
    /// ```
    /// use webhook_guard::event::audit_trail::AuditTrailEvent;
    /// use webhook_guard::testing::audit_trail_sample;
    ///
    /// fn handle(event: &AuditTrailEvent) -> String {
    ///     match event {
    ///         AuditTrailEvent::AlertTriggered(e) => {
    ///             format!("page on-call: {}", e.data.alert.title.as_deref().unwrap_or("an alert"))
    ///         }
    ///         AuditTrailEvent::Unparsed(e) => format!("look at {} by hand: {}", e.id(), e.error()),
    ///         AuditTrailEvent::AlertResolved(_) => "close the page".to_string(),
    ///         other => format!("ignored {}", other.event_type()),
    ///     }
    /// }
    ///
    /// let body = audit_trail_sample("alert.triggered").unwrap();
    /// let event: AuditTrailEvent = body.parse()?;
    /// assert_eq!(handle(&event), "page on-call: Multiple failed logins detected");
    /// assert_eq!(event.tenant_id(), Some("tenant-001"));
    /// // Written back, a known event has the same fields it was parsed from.
    /// assert_eq!(serde_json::to_string(&event)?, body);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    enum AuditTrailEvent {
        /// `event.created`: a new audit event was recorded.
        EventCreated(EventCreated),
        /// `event.batch.created`: a batch of audit events was recorded.
        EventBatchCreated(EventBatchCreated),
        /// `alert.triggered`: a rule raised an alert.
        AlertTriggered(AlertTriggered),
        /// `alert.resolved`: an alert was resolved.
        AlertResolved(AlertResolved),
        /// `report.completed`: a report was generated.
        ReportCompleted(ReportCompleted),
        /// `report.failed`: a report could not be generated.
        ReportFailed(ReportFailed),
    }
    /// The envelope of a known event type, with its typed `data`.
    ///
    /// The `type` field is not stored: it is `D::EVENT_TYPE` ([`event_type`](Self::event_type)).
    /// Parsing an `Envelope<D>` on its own checks that the `type` sent is that one.
    ///
    /// ```
    /// use webhook_guard::event::audit_trail::{AlertResolved, Envelope};
    ///
    /// // A handler for one type can parse the envelope directly.
    /// let body = r#"{"id":"whd_1","type":"alert.resolved","timestamp":"2025-01-15T11:00:00Z","tenantId":"t1","data":{"resolvedBy":"user-123"}}"#;
    /// let resolved: Envelope<AlertResolved> = serde_json::from_str(body)?;
    /// assert_eq!(resolved.data.resolved_by.as_deref(), Some("user-123"));
    /// assert_eq!(resolved.event_type(), "alert.resolved");
    /// // Any other type is an error, not a silently empty `AlertResolved`.
    /// let other = body.replace("alert.resolved", "alert.triggered");
    /// assert!(serde_json::from_str::<Envelope<AlertResolved>>(&other).is_err());
    ///
    /// // Building one (a test sender): the type is written from `D`.
    /// let built = Envelope::new("whd_2", "2025-01-15T11:00:00Z", "t1", AlertResolved::default());
    /// assert!(serde_json::to_string(&built)?.contains(r#""type":"alert.resolved""#));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    struct Envelope {
        /// The delivery id (`id`, e.g. `whd_abc123`), also sent as `X-Audit-Trail-Delivery-Id`.
        id: "id",
        type: "type",
        /// When the event happened (`timestamp`), as sent (`2025-01-15T10:30:00Z`).
        timestamp: "timestamp",
        /// The tenant the event belongs to (`tenantId`).
        tenant_id: "tenantId",
    }
    /// The delivery id (`id`, also sent as the `X-Audit-Trail-Delivery-Id` header): the
    /// deduplication key.
    fn id;
    /// The tenant (`tenantId`); `None` only for an unknown event without a string `tenantId`.
    fn tenant_id;
    example: AlertResolved,
}

model! {
    /// `data` of `event.created`.
    ///
    /// ```
    /// use webhook_guard::event::audit_trail::{Envelope, EventCreated};
    /// use webhook_guard::testing::audit_trail_sample;
    ///
    /// let body = audit_trail_sample("event.created").unwrap();
    /// let created: Envelope<EventCreated> = serde_json::from_str(&body)?;
    /// assert_eq!(created.data.event.actor.map(|a| a.id).as_deref(), Some("user-123"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[derive(Debug, Clone, PartialEq)]
    pub struct EventCreated {
        /// The audit event that was recorded.
        pub event: AuditEvent => required("event"),
        /// Fields not modelled, kept as sent.
        pub extra: Extra => extra,
    }
}

impl EventData for EventCreated {
    const EVENT_TYPE: &'static str = "event.created";
}

model! {
    /// `data` of `event.batch.created` (not shown in the spec: every field is optional).
    ///
    /// ```
    /// use webhook_guard::event::audit_trail::EventBatchCreated;
    ///
    /// let batch: EventBatchCreated = serde_json::from_str(r#"{"batchId":"batch-001","count":2}"#)?;
    /// assert_eq!((batch.batch_id.as_deref(), batch.count, batch.events.len()), (Some("batch-001"), Some(2), 0));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct EventBatchCreated {
        /// The batch's id (`batchId`), if sent.
        pub batch_id: Option<String> => optional("batchId"),
        /// How many events the batch holds (`count`), if sent.
        pub count: Option<u64> => optional("count"),
        /// The audit events of the batch (`events`); empty if not sent.
        pub events: Vec<AuditEvent> => list("events"),
        /// Fields not modelled, kept as sent.
        pub extra: Extra => extra,
    }
}

impl EventData for EventBatchCreated {
    const EVENT_TYPE: &'static str = "event.batch.created";
}

model! {
    /// `data` of `alert.triggered`.
    ///
    /// ```
    /// use webhook_guard::event::audit_trail::{AlertTriggered, Envelope};
    /// use webhook_guard::testing::audit_trail_sample;
    ///
    /// let body = audit_trail_sample("alert.triggered").unwrap();
    /// let triggered: Envelope<AlertTriggered> = serde_json::from_str(&body)?;
    /// assert_eq!(triggered.data.triggering_events.len(), 2);
    /// // The spec shows `alert`: without it the event is refused, with serde's message.
    /// let err = serde_json::from_str::<AlertTriggered>(r#"{"triggeringEvents":[]}"#).unwrap_err();
    /// assert!(err.to_string().contains("missing field `alert`"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[derive(Debug, Clone, PartialEq)]
    pub struct AlertTriggered {
        /// The alert.
        pub alert: Alert => required("alert"),
        /// The audit events that matched the rule (`triggeringEvents`); empty if not sent.
        pub triggering_events: Vec<AuditEvent> => list("triggeringEvents"),
        /// Fields not modelled, kept as sent.
        pub extra: Extra => extra,
    }
}

impl EventData for AlertTriggered {
    const EVENT_TYPE: &'static str = "alert.triggered";
}

model! {
    /// `data` of `alert.resolved` (not shown in the spec: every field is optional).
    ///
    /// ```
    /// use webhook_guard::event::audit_trail::AlertResolved;
    ///
    /// let resolved: AlertResolved = serde_json::from_str(r#"{"resolvedAt":"2025-01-15T11:00:00Z"}"#)?;
    /// assert_eq!(resolved.resolved_at.as_deref(), Some("2025-01-15T11:00:00Z"));
    /// assert!(resolved.alert.is_none());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct AlertResolved {
        /// The alert that was resolved, if sent.
        pub alert: Option<Alert> => optional("alert"),
        /// When it was resolved (`resolvedAt`), as sent.
        pub resolved_at: Option<String> => optional("resolvedAt"),
        /// Who resolved it (`resolvedBy`).
        pub resolved_by: Option<String> => optional("resolvedBy"),
        /// Fields not modelled, kept as sent.
        pub extra: Extra => extra,
    }
}

impl EventData for AlertResolved {
    const EVENT_TYPE: &'static str = "alert.resolved";
}

model! {
    /// `data` of `report.completed` (not shown in the spec: every field is optional).
    ///
    /// ```
    /// use webhook_guard::event::audit_trail::ReportCompleted;
    ///
    /// let done: ReportCompleted = serde_json::from_str(r#"{"report":{"id":"rpt-789","format":"PDF"}}"#)?;
    /// assert_eq!(done.report.unwrap().format.as_deref(), Some("PDF"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct ReportCompleted {
        /// The report that was generated, if sent.
        pub report: Option<Report> => optional("report"),
        /// Fields not modelled, kept as sent.
        pub extra: Extra => extra,
    }
}

impl EventData for ReportCompleted {
    const EVENT_TYPE: &'static str = "report.completed";
}

model! {
    /// `data` of `report.failed` (not shown in the spec: every field is optional).
    ///
    /// ```
    /// use webhook_guard::event::audit_trail::ReportFailed;
    ///
    /// let failed: ReportFailed = serde_json::from_str(r#"{"error":{"code":"TIMEOUT"}}"#)?;
    /// assert_eq!(failed.error.unwrap()["code"], "TIMEOUT");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct ReportFailed {
        /// The report that failed, if sent.
        pub report: Option<Report> => optional("report"),
        /// Why it failed (`error`). Its shape is not specified (a message or an object), so it is
        /// kept as JSON.
        pub error: Option<Value> => optional("error"),
        /// Fields not modelled, kept as sent.
        pub extra: Extra => extra,
    }
}

impl EventData for ReportFailed {
    const EVENT_TYPE: &'static str = "report.failed";
}

model! {
    /// An audit event: who did what to which resource, and when.
    ///
    /// ```
    /// use webhook_guard::event::audit_trail::AuditEvent;
    ///
    /// let event: AuditEvent = serde_json::from_str(r#"{
    ///     "id": "event-1", "timestamp": "2025-01-15T10:30:00Z",
    ///     "actor": {"id": "user-123", "type": "USER", "name": "John Doe"},
    ///     "action": {"type": "DELETE", "description": "Deleted document"},
    ///     "resource": {"id": "doc-456", "type": "DOCUMENT", "name": "Q4 Report"}
    /// }"#)?;
    /// assert_eq!(event.action.and_then(|a| a.kind).as_deref(), Some("DELETE"));
    /// assert_eq!(event.resource.map(|r| r.id).as_deref(), Some("doc-456"));
    ///
    /// // The spec elides the triggering events of an alert (`{ "id": "event-1", ... }`): that parses.
    /// let elided: AuditEvent = serde_json::from_str(r#"{"id":"event-1"}"#)?;
    /// assert!(elided.actor.is_none());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[derive(Debug, Clone, PartialEq)]
    pub struct AuditEvent {
        /// The audit event's id (a UUID in the spec; not the delivery id).
        pub id: String => required("id"),
        /// When it happened, as sent.
        pub timestamp: Option<String> => optional("timestamp"),
        /// Who did it.
        pub actor: Option<Actor> => optional("actor"),
        /// What was done.
        pub action: Option<Action> => optional("action"),
        /// What it was done to.
        pub resource: Option<Resource> => optional("resource"),
        /// Fields not modelled, kept as sent.
        pub extra: Extra => extra,
    }
}

model! {
    /// The actor of an audit event.
    ///
    /// ```
    /// use serde_json::json;
    /// use webhook_guard::event::audit_trail::Actor;
    ///
    /// let actor: Actor = serde_json::from_str(r#"{"id":"user-123","type":"USER","name":"John Doe","ip":"10.0.0.1"}"#)?;
    /// assert_eq!(actor.kind.as_deref(), Some("USER"));
    /// assert_eq!(actor.extra.value("ip"), Some(json!("10.0.0.1"))); // not modelled, still there
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[derive(Debug, Clone, PartialEq)]
    pub struct Actor {
        /// The actor's id (`user-123`).
        pub id: String => required("id"),
        /// The kind of actor (`type`, e.g. `USER`).
        pub kind: Option<String> => optional("type"),
        /// The actor's display name (a service account may have none).
        pub name: Option<String> => optional("name"),
        /// Fields not modelled, kept as sent.
        pub extra: Extra => extra,
    }
}

model! {
    /// The action of an audit event.
    ///
    /// ```
    /// use webhook_guard::event::audit_trail::Action;
    ///
    /// let action: Action = serde_json::from_str(r#"{"type":"CREATE","description":"Created document"}"#)?;
    /// assert_eq!(action.kind.as_deref(), Some("CREATE"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[derive(Debug, Clone, PartialEq)]
    pub struct Action {
        /// The kind of action (`type`, e.g. `CREATE`).
        pub kind: Option<String> => optional("type"),
        /// What was done, in words.
        pub description: Option<String> => optional("description"),
        /// Fields not modelled, kept as sent.
        pub extra: Extra => extra,
    }
}

model! {
    /// The resource an audit event acted on.
    ///
    /// ```
    /// use webhook_guard::event::audit_trail::Resource;
    ///
    /// let resource: Resource = serde_json::from_str(r#"{"id":"doc-456","type":"DOCUMENT","name":"Q4 Report"}"#)?;
    /// assert_eq!(resource.name.as_deref(), Some("Q4 Report"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[derive(Debug, Clone, PartialEq)]
    pub struct Resource {
        /// The resource's id (`doc-456`).
        pub id: String => required("id"),
        /// The kind of resource (`type`, e.g. `DOCUMENT`).
        pub kind: Option<String> => optional("type"),
        /// The resource's display name.
        pub name: Option<String> => optional("name"),
        /// Fields not modelled, kept as sent.
        pub extra: Extra => extra,
    }
}

model! {
    /// An alert raised by a rule.
    ///
    /// ```
    /// use webhook_guard::event::audit_trail::Alert;
    ///
    /// let alert: Alert = serde_json::from_str(r#"{"id":"a-1","ruleName":"Failed Login Detection","severity":"HIGH","title":"Failed logins","description":"5 attempts"}"#)?;
    /// assert_eq!(alert.rule_name.as_deref(), Some("Failed Login Detection"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[derive(Debug, Clone, PartialEq)]
    pub struct Alert {
        /// The alert's id.
        pub id: String => required("id"),
        /// The rule that raised it (`ruleName`).
        pub rule_name: Option<String> => optional("ruleName"),
        /// Its severity (e.g. `HIGH`).
        pub severity: Option<String> => optional("severity"),
        /// A one-line title.
        pub title: Option<String> => optional("title"),
        /// A longer description.
        pub description: Option<String> => optional("description"),
        /// Fields not modelled, kept as sent.
        pub extra: Extra => extra,
    }
}

model! {
    /// A report (not shown in the spec: every field is optional).
    ///
    /// ```
    /// use webhook_guard::event::audit_trail::Report;
    ///
    /// let report: Report = serde_json::from_str(r#"{"downloadUrl":"https://example.com/rpt-789.pdf"}"#)?;
    /// assert_eq!(report.download_url.as_deref(), Some("https://example.com/rpt-789.pdf"));
    /// assert_eq!(serde_json::from_str::<Report>("{}")?, Report::default());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct Report {
        /// The report's id.
        pub id: Option<String> => optional("id"),
        /// Its name.
        pub name: Option<String> => optional("name"),
        /// Its kind (`type`).
        pub kind: Option<String> => optional("type"),
        /// Its file format (`PDF`, `CSV`...).
        pub format: Option<String> => optional("format"),
        /// Where to download it (`downloadUrl`).
        pub download_url: Option<String> => optional("downloadUrl"),
        /// Fields not modelled, kept as sent.
        pub extra: Extra => extra,
    }
}
