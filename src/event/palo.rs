//! PALO Platform events: the envelope `{ event_id, event_type, timestamp, organization_id, data }`
//! with `data` typed per event type.
//!
//! Field names are snake_case on the wire and in Rust. Open-ended values (priorities, statuses,
//! severities) are strings, so a new value never makes an event unparseable. Timestamps are
//! kept as the strings sent (RFC 3339 in the spec).
//!
//! # What the spec guarantees, field by field
//!
//! `palo-webhooks.md` shows the envelope once ("Structure du payload", whose `data` is a
//! comment) and each event type's `data` alone, several values elided (`"..."`). So:
//!
//! | field | typed as | why |
//! |---|---|---|
//! | `event_id` | `String` | the deduplication key; the scheme refuses a delivery without it before any parsing |
//! | `event_type` | the variant | routes the event; absent or not a string: [`PaloEvent::Unparsed`] |
//! | `timestamp` | `String` | the scheme reads it for freshness: a delivery without it never verifies |
//! | `organization_id` | `String` | in the envelope every payload "follows" |
//! | `ticket_id`, `incident_id` | `String` | the object the event is about, in every example of its types |
//! | every other data field (`title`, `priority`, `project_id`, `created_by`, `old_status`, `new_status`, `changed_by`, `resolved_by`, `resolution_time_hours`, `severity`, `status`) | `Option` | elided (`"..."`) or plausibly absent (a ticket resolved by automation has no `resolved_by`, nor perhaps a duration) |
//! | `affected_services` | `Vec`, empty if absent | as above |
//!
//! A payload that still does not fit (a guaranteed field missing, a number where the spec
//! shows a string, such as a numeric `priority`) is not an error: it is
//! [`PaloEvent::Unparsed`], with the raw JSON and the reason, and reaches the handler like any
//! other.
//!
//! ```
//! use webhook_guard::event::palo::PaloEvent;
//! use webhook_guard::testing::palo_sample;
//!
//! let body = palo_sample("system.incident").expect("known type");
//! match body.parse::<PaloEvent>()? {
//!     PaloEvent::SystemIncident(incident) => {
//!         assert_eq!(incident.data.incident_id, "INC-001");
//!         assert_eq!(incident.data.affected_services, ["api", "ui"]);
//!     }
//!     other => panic!("unexpected {}", other.event_type()),
//! }
//! # Ok::<(), serde_json::Error>(())
//! ```

use super::{EventData, Extra};

event_enum! {
    module: palo,
    /// The event types [`PaloEvent`] models as variants (all others parse as
    /// [`PaloEvent::Unknown`]).
    ///
    /// ```
    /// use webhook_guard::event::palo::KNOWN_TYPES;
    /// use webhook_guard::testing::palo_sample;
    ///
    /// assert_eq!(KNOWN_TYPES.len(), 4);
    /// assert!(KNOWN_TYPES.iter().all(|kind| palo_sample(kind).is_some()));
    /// assert!(palo_sample("ticket.deleted").is_none());
    /// ```
    known_types: KNOWN_TYPES,
    /// A PALO webhook event: one variant per known type, [`Unknown`](Self::Unknown) for the others.
    ///
    /// Parse it with `serde_json` (see the [module docs](super) for the rules) and write it back
    /// with `serde_json::to_string`: a known event comes back with the same fields (the envelope
    /// fields first, then `extra`), an unknown one with its exact original text.
    ///
    /// The enum is `#[non_exhaustive]`: a `match` needs a catch-all arm, which is where unknown
    /// types land too.
    ///
    /// ```
    /// use webhook_guard::event::palo::PaloEvent;
    ///
    /// let body = r#"{"event_id":"evt_1","event_type":"ticket.resolved","timestamp":"2026-02-19T10:30:00Z",
    ///     "organization_id":"org_7f3a9c","data":{"ticket_id":"TKT-00512","resolved_by":"usr_2048","resolution_time_hours":2.5}}"#;
    /// let event: PaloEvent = body.parse()?;
    /// let hours = match &event {
    ///     PaloEvent::TicketResolved(resolved) => resolved.data.resolution_time_hours,
    ///     _ => None,
    /// };
    /// assert_eq!(hours, Some(2.5));
    /// assert_eq!((event.id(), event.organization_id()), ("evt_1", Some("org_7f3a9c")));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    enum PaloEvent {
        /// `ticket.created`: a ticket was opened.
        TicketCreated(TicketCreated),
        /// `ticket.status_changed`: a ticket moved to another status.
        TicketStatusChanged(TicketStatusChanged),
        /// `ticket.resolved`: a ticket was resolved.
        TicketResolved(TicketResolved),
        /// `system.incident`: a platform incident was declared or updated.
        SystemIncident(SystemIncident),
    }
    /// The envelope of a known event type, with its typed `data`.
    ///
    /// The `event_type` field is not stored: it is `D::EVENT_TYPE`
    /// ([`event_type`](Self::event_type)). Parsing an `Envelope<D>` on its own checks that the
    /// `event_type` sent is that one.
    ///
    /// ```
    /// use webhook_guard::event::palo::{Envelope, TicketStatusChanged};
    ///
    /// let data = TicketStatusChanged {
    ///     ticket_id: "TKT-00512".into(),
    ///     old_status: Some("open".into()),
    ///     new_status: Some("in_progress".into()),
    ///     changed_by: Some("usr_2048".into()),
    ///     extra: Default::default(),
    /// };
    /// let event = Envelope::new("evt_1", "2026-02-19T10:30:00Z", "org_7f3a9c", data);
    /// let json = serde_json::to_string(&event)?;
    /// assert!(json.starts_with(r#"{"event_id":"evt_1","event_type":"ticket.status_changed","#));
    /// assert_eq!(serde_json::from_str::<Envelope<TicketStatusChanged>>(&json)?, event);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    struct Envelope {
        /// The event id (`event_id`, e.g. `evt_01HX...`), the key to deduplicate on.
        event_id: "event_id",
        type: "event_type",
        /// When the event happened (`timestamp`), as sent (`2026-02-19T10:30:00Z`).
        timestamp: "timestamp",
        /// The organization the event belongs to (`organization_id`).
        organization_id: "organization_id",
    }
    /// The event id (`event_id`): the deduplication key.
    fn id;
    /// The organization (`organization_id`); `None` only for an unknown event without a string
    /// `organization_id`.
    fn organization_id;
    example: TicketResolved,
}

model! {
    /// `data` of `ticket.created`.
    ///
    /// ```
    /// use webhook_guard::event::palo::TicketCreated;
    ///
    /// let ticket: TicketCreated = serde_json::from_str(r#"{"ticket_id":"TKT-00512","title":"Export CSV fails","priority":"p3","project_id":"prj_42","created_by":"usr_1029"}"#)?;
    /// assert_eq!(ticket.priority.as_deref(), Some("p3"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[derive(Debug, Clone, PartialEq)]
    pub struct TicketCreated {
        /// The ticket's id (`TKT-00512`).
        pub ticket_id: String => required("ticket_id"),
        /// Its title.
        pub title: Option<String> => optional("title"),
        /// Its priority (`p3`).
        pub priority: Option<String> => optional("priority"),
        /// The project it belongs to.
        pub project_id: Option<String> => optional("project_id"),
        /// The user who opened it.
        pub created_by: Option<String> => optional("created_by"),
        /// Fields not modelled, kept as sent.
        pub extra: Extra => extra,
    }
}

impl EventData for TicketCreated {
    const EVENT_TYPE: &'static str = "ticket.created";
}

model! {
    /// `data` of `ticket.status_changed`.
    ///
    /// ```
    /// use webhook_guard::event::palo::TicketStatusChanged;
    ///
    /// let change: TicketStatusChanged = serde_json::from_str(r#"{"ticket_id":"TKT-00512","old_status":"open","new_status":"in_progress","changed_by":"usr_2048"}"#)?;
    /// assert_eq!((change.old_status.as_deref(), change.new_status.as_deref()), (Some("open"), Some("in_progress")));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[derive(Debug, Clone, PartialEq)]
    pub struct TicketStatusChanged {
        /// The ticket's id.
        pub ticket_id: String => required("ticket_id"),
        /// The status before the change (`open`).
        pub old_status: Option<String> => optional("old_status"),
        /// The status after the change (`in_progress`).
        pub new_status: Option<String> => optional("new_status"),
        /// The user who changed it.
        pub changed_by: Option<String> => optional("changed_by"),
        /// Fields not modelled, kept as sent.
        pub extra: Extra => extra,
    }
}

impl EventData for TicketStatusChanged {
    const EVENT_TYPE: &'static str = "ticket.status_changed";
}

model! {
    /// `data` of `ticket.resolved`.
    ///
    /// ```
    /// use webhook_guard::event::palo::TicketResolved;
    ///
    /// let resolved: TicketResolved = serde_json::from_str(r#"{"ticket_id":"TKT-00512","resolved_by":"usr_2048","resolution_time_hours":2.5}"#)?;
    /// assert_eq!(resolved.resolution_time_hours, Some(2.5));
    /// // The spec's example has it, but a ticket resolved by automation may not.
    /// let quick: TicketResolved = serde_json::from_str(r#"{"ticket_id":"TKT-00513"}"#)?;
    /// assert_eq!((quick.resolved_by, quick.resolution_time_hours), (None, None));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[derive(Debug, Clone, PartialEq)]
    pub struct TicketResolved {
        /// The ticket's id.
        pub ticket_id: String => required("ticket_id"),
        /// The user who resolved it.
        pub resolved_by: Option<String> => optional("resolved_by"),
        /// Hours from opening to resolution (`2.5`).
        pub resolution_time_hours: Option<f64> => optional("resolution_time_hours"),
        /// Fields not modelled, kept as sent.
        pub extra: Extra => extra,
    }
}

impl EventData for TicketResolved {
    const EVENT_TYPE: &'static str = "ticket.resolved";
}

model! {
    /// `data` of `system.incident`.
    ///
    /// ```
    /// use serde_json::json;
    /// use webhook_guard::event::palo::SystemIncident;
    ///
    /// let incident: SystemIncident = serde_json::from_str(r#"{"incident_id":"INC-001","severity":"critical","affected_services":["api"],"status":"investigating","region":"eu-west"}"#)?;
    /// assert_eq!(incident.affected_services, ["api"]);
    /// assert_eq!(incident.extra.value("region"), Some(json!("eu-west"))); // not modelled, kept
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[derive(Debug, Clone, PartialEq)]
    pub struct SystemIncident {
        /// The incident's id (`INC-001`).
        pub incident_id: String => required("incident_id"),
        /// Its severity (`critical`).
        pub severity: Option<String> => optional("severity"),
        /// The services it affects (`["api", "ui"]`); empty if not sent.
        pub affected_services: Vec<String> => list("affected_services"),
        /// Where it stands (`investigating`).
        pub status: Option<String> => optional("status"),
        /// Fields not modelled, kept as sent.
        pub extra: Extra => extra,
    }
}

impl EventData for SystemIncident {
    const EVENT_TYPE: &'static str = "system.incident";
}
