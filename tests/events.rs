//! Typed events: every known type parses into its variant, unknown types are kept raw, bad
//! shapes are errors, and serialising loses nothing.

use serde_json::{Value, json};
use webhook_guard::event::audit_trail::{self, AlertTriggered, AuditTrailEvent};
use webhook_guard::event::palo::{self, PaloEvent};
use webhook_guard::event::{EventData, TypedEvent};
use webhook_guard::testing::{
    audit_trail_sample, audit_trail_sample_with_id, palo_sample, palo_sample_with_id,
};

fn audit(body: &str) -> AuditTrailEvent {
    match serde_json::from_str(body) {
        Ok(event) => event,
        Err(e) => panic!("{body} does not parse: {e}"),
    }
}

fn palo_event(body: &str) -> PaloEvent {
    match serde_json::from_str(body) {
        Ok(event) => event,
        Err(e) => panic!("{body} does not parse: {e}"),
    }
}

fn sample_of(module_sample: fn(&str) -> Option<String>, event_type: &str) -> String {
    module_sample(event_type).unwrap_or_else(|| panic!("no sample for {event_type}"))
}

// ---------------------------------------------------------------------------------------------
// Audit Trail: each known type from its sample.

#[test]
fn audit_trail_event_created_sample() {
    let event = audit(&sample_of(audit_trail_sample, "event.created"));
    let AuditTrailEvent::EventCreated(env) = &event else {
        panic!("wrong variant: {event:?}")
    };
    assert_eq!(env.id, "whd_abc123");
    assert_eq!(env.timestamp, "2025-01-15T10:30:00Z");
    assert_eq!(env.tenant_id, "tenant-001");
    let e = &env.data.event;
    assert_eq!(e.id, "550e8400-e29b-41d4-a716-446655440000");
    assert_eq!(e.timestamp.as_deref(), Some("2025-01-15T10:30:00Z"));
    let actor = e.actor.as_ref().expect("the sample has an actor");
    assert_eq!(
        (
            actor.id.as_str(),
            actor.kind.as_deref(),
            actor.name.as_deref()
        ),
        ("user-123", Some("USER"), Some("John Doe"))
    );
    let action = e.action.as_ref().expect("the sample has an action");
    assert_eq!(
        (action.kind.as_deref(), action.description.as_deref()),
        (Some("CREATE"), Some("Created document"))
    );
    let resource = e.resource.as_ref().expect("the sample has a resource");
    assert_eq!(
        (
            resource.id.as_str(),
            resource.kind.as_deref(),
            resource.name.as_deref()
        ),
        ("doc-456", Some("DOCUMENT"), Some("Q4 Report"))
    );
    assert_eq!(event.event_type(), "event.created");
    assert_eq!(event.id(), "whd_abc123");
    assert_eq!(event.tenant_id(), Some("tenant-001"));
    assert_eq!(event.timestamp(), Some("2025-01-15T10:30:00Z"));
    assert!(!event.is_unknown());
}

#[test]
fn audit_trail_batch_created_sample() {
    let event = audit(&sample_of(audit_trail_sample, "event.batch.created"));
    let AuditTrailEvent::EventBatchCreated(env) = &event else {
        panic!("wrong variant: {event:?}")
    };
    assert_eq!(env.id, "whd_ghi789");
    assert_eq!(env.data.batch_id.as_deref(), Some("batch-001"));
    assert_eq!(env.data.count, Some(2));
    let ids: Vec<_> = env.data.events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["event-1", "event-2"]);
    assert_eq!(
        env.data.events[1]
            .action
            .as_ref()
            .and_then(|a| a.kind.as_deref()),
        Some("UPDATE")
    );
    assert_eq!(event.event_type(), "event.batch.created");
}

#[test]
fn audit_trail_alert_triggered_sample() {
    let event = audit(&sample_of(audit_trail_sample, "alert.triggered"));
    let AuditTrailEvent::AlertTriggered(env) = &event else {
        panic!("wrong variant: {event:?}")
    };
    assert_eq!(env.id, "whd_def456");
    assert_eq!(env.tenant_id, "tenant-001");
    let alert = &env.data.alert;
    assert_eq!(alert.rule_name.as_deref(), Some("Failed Login Detection"));
    assert_eq!(alert.severity.as_deref(), Some("HIGH"));
    assert_eq!(
        alert.title.as_deref(),
        Some("Multiple failed logins detected")
    );
    assert_eq!(
        alert.description.as_deref(),
        Some("5 failed login attempts from user-123")
    );
    let ids: Vec<_> = env
        .data
        .triggering_events
        .iter()
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(ids, ["event-1", "event-2"]);
    assert_eq!(event.event_type(), "alert.triggered");
}

#[test]
fn audit_trail_alert_resolved_sample() {
    let event = audit(&sample_of(audit_trail_sample, "alert.resolved"));
    let AuditTrailEvent::AlertResolved(env) = &event else {
        panic!("wrong variant: {event:?}")
    };
    assert_eq!(env.id, "whd_jkl012");
    let alert = env.data.alert.as_ref().expect("sample has the alert");
    assert_eq!(alert.rule_name.as_deref(), Some("Failed Login Detection"));
    assert_eq!(
        env.data.resolved_at.as_deref(),
        Some("2025-01-15T11:00:00Z")
    );
    assert_eq!(env.data.resolved_by.as_deref(), Some("user-123"));
}

#[test]
fn audit_trail_report_samples() {
    let event = audit(&sample_of(audit_trail_sample, "report.completed"));
    let AuditTrailEvent::ReportCompleted(env) = &event else {
        panic!("wrong variant: {event:?}")
    };
    let report = env.data.report.as_ref().expect("sample has the report");
    assert_eq!(report.id.as_deref(), Some("rpt-789"));
    assert_eq!(report.format.as_deref(), Some("PDF"));
    assert!(
        report
            .download_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    );

    let event = audit(&sample_of(audit_trail_sample, "report.failed"));
    let AuditTrailEvent::ReportFailed(env) = &event else {
        panic!("wrong variant: {event:?}")
    };
    assert_eq!(env.id, "whd_pqr678");
    assert_eq!(
        env.data.report.as_ref().and_then(|r| r.id.as_deref()),
        Some("rpt-789")
    );
    assert_eq!(env.data.error, Some(json!("Report generation timed out")));
}

#[test]
fn audit_trail_data_not_shown_in_spec_is_optional() {
    for event_type in [
        "event.batch.created",
        "alert.resolved",
        "report.completed",
        "report.failed",
    ] {
        let body = format!(
            r#"{{"id":"whd_1","type":"{event_type}","timestamp":"2025-01-15T10:30:00Z","tenantId":"t","data":{{}}}}"#
        );
        let event = audit(&body);
        assert!(!event.is_unknown(), "{event_type}");
        assert_eq!(event.event_type(), event_type);
    }
}

#[test]
fn audit_trail_samples_cover_exactly_the_known_types() {
    assert_eq!(audit_trail::KNOWN_TYPES.len(), 6);
    assert_eq!(AuditTrailEvent::KNOWN_TYPES, audit_trail::KNOWN_TYPES);
    for &event_type in audit_trail::KNOWN_TYPES {
        let body = sample_of(audit_trail_sample, event_type);
        assert!(!body.contains('\n'), "sample is one line");
        let event = audit(&body);
        assert_eq!(event.event_type(), event_type);
        assert!(!event.is_unknown());
        assert!(event.id().starts_with("whd_"));
        // Known types serialise with the spec's field order.
        assert!(body.starts_with(&format!(
            r#"{{"id":"{}","type":"{event_type}","#,
            event.id()
        )));
    }
    assert_eq!(audit_trail_sample("user.deleted"), None);
    assert_eq!(audit_trail_sample_with_id("", "whd_1"), None);
}

// ---------------------------------------------------------------------------------------------
// PALO: each known type from its sample.

#[test]
fn palo_ticket_created_sample() {
    let event = palo_event(&sample_of(palo_sample, "ticket.created"));
    let PaloEvent::TicketCreated(env) = &event else {
        panic!("wrong variant: {event:?}")
    };
    assert!(env.event_id.starts_with("evt_01HX"));
    assert_eq!(env.timestamp, "2026-02-19T10:30:00Z");
    assert_eq!(env.organization_id, "org_7f3a9c");
    assert_eq!(env.data.ticket_id, "TKT-00512");
    assert_eq!(env.data.priority.as_deref(), Some("p3"));
    assert_eq!(env.data.project_id.as_deref(), Some("prj_42"));
    assert_eq!(env.data.created_by.as_deref(), Some("usr_1029"));
    assert!(env.data.title.as_deref().is_some_and(|t| !t.is_empty()));
    assert_eq!(event.event_type(), "ticket.created");
    assert_eq!(event.organization_id(), Some("org_7f3a9c"));
    assert_eq!(event.timestamp(), Some("2026-02-19T10:30:00Z"));
}

#[test]
fn palo_ticket_status_changed_sample() {
    let event = palo_event(&sample_of(palo_sample, "ticket.status_changed"));
    let PaloEvent::TicketStatusChanged(env) = &event else {
        panic!("wrong variant: {event:?}")
    };
    assert_eq!(env.data.ticket_id, "TKT-00512");
    assert_eq!(env.data.old_status.as_deref(), Some("open"));
    assert_eq!(env.data.new_status.as_deref(), Some("in_progress"));
    assert_eq!(env.data.changed_by.as_deref(), Some("usr_2048"));
}

#[test]
fn palo_ticket_resolved_sample() {
    let event = palo_event(&sample_of(palo_sample, "ticket.resolved"));
    let PaloEvent::TicketResolved(env) = &event else {
        panic!("wrong variant: {event:?}")
    };
    assert_eq!(env.data.ticket_id, "TKT-00512");
    assert_eq!(env.data.resolved_by.as_deref(), Some("usr_2048"));
    assert_eq!(env.data.resolution_time_hours, Some(2.5));
}

#[test]
fn palo_system_incident_sample() {
    let event = palo_event(&sample_of(palo_sample, "system.incident"));
    let PaloEvent::SystemIncident(env) = &event else {
        panic!("wrong variant: {event:?}")
    };
    assert_eq!(env.data.incident_id, "INC-001");
    assert_eq!(env.data.severity.as_deref(), Some("critical"));
    assert_eq!(env.data.affected_services, ["api", "ui"]);
    assert_eq!(env.data.status.as_deref(), Some("investigating"));
}

#[test]
fn palo_samples_cover_exactly_the_known_types() {
    assert_eq!(palo::KNOWN_TYPES.len(), 4);
    assert_eq!(PaloEvent::KNOWN_TYPES, palo::KNOWN_TYPES);
    let mut ids = Vec::new();
    for &event_type in palo::KNOWN_TYPES {
        let body = sample_of(palo_sample, event_type);
        assert!(!body.contains('\n'), "sample is one line");
        let event = palo_event(&body);
        assert_eq!(event.event_type(), event_type);
        assert!(!event.is_unknown());
        assert!(body.starts_with(&format!(r#"{{"event_id":"{}","#, event.id())));
        ids.push(event.id().to_owned());
    }
    ids.dedup();
    assert_eq!(ids.len(), 4, "each sample has its own id");
    assert_eq!(palo_sample("ticket.deleted"), None);
}

#[test]
fn palo_spec_example_parses() {
    // The spec's envelope with the spec's ticket.created data, as a provider would send it.
    let body = r#"{
        "event_id": "evt_01HXZZZ",
        "event_type": "ticket.created",
        "timestamp": "2026-02-19T10:30:00Z",
        "organization_id": "org_1",
        "data": {"ticket_id": "TKT-00512", "title": "...", "priority": "p3", "project_id": "...", "created_by": "user_id"}
    }"#;
    let event = palo_event(body);
    let PaloEvent::TicketCreated(env) = &event else {
        panic!("wrong variant: {event:?}")
    };
    assert_eq!(env.event_id, "evt_01HXZZZ");
    assert_eq!(env.data.created_by.as_deref(), Some("user_id"));
}

// ---------------------------------------------------------------------------------------------
// Sample ids.

#[test]
fn sample_with_id_sets_the_id_and_escapes_it() {
    let body = audit_trail_sample_with_id("alert.triggered", "whd_custom").expect("known");
    assert_eq!(audit(&body).id(), "whd_custom");

    let body = palo_sample_with_id("ticket.resolved", "evt_custom").expect("known");
    assert_eq!(palo_event(&body).id(), "evt_custom");

    let tricky = "a\"b\\c\u{0}é";
    let body = audit_trail_sample_with_id("event.created", tricky).expect("known");
    assert_eq!(audit(&body).id(), tricky);
    let body = palo_sample_with_id("system.incident", tricky).expect("known");
    assert_eq!(palo_event(&body).id(), tricky);
}

// ---------------------------------------------------------------------------------------------
// Unknown types.

#[test]
fn unknown_audit_trail_type_keeps_the_raw_json_byte_for_byte() {
    // Odd spacing, key order, escapes and a big number: none may be normalised.
    let body = r#"{ "data" : {"userId":"u-1","n":12345678901234567890123, "s":"caf\u00e9"},
      "type":"user.deleted", "tenantId":"tenant-009", "id":"whd_zzz" }"#;
    let event = audit(body);
    let AuditTrailEvent::Unknown(raw) = &event else {
        panic!("wrong variant: {event:?}")
    };
    assert_eq!(raw.event_type(), "user.deleted");
    assert_eq!(raw.id(), "whd_zzz");
    assert_eq!(raw.tenant_id(), Some("tenant-009"));
    assert_eq!(raw.json(), body);
    assert_eq!(raw.raw().get(), body);
    assert_eq!(raw.to_value().expect("valid")["data"]["userId"], "u-1");
    assert_eq!(event.event_type(), "user.deleted");
    assert_eq!(event.id(), "whd_zzz");
    assert_eq!(event.tenant_id(), Some("tenant-009"));
    assert_eq!(event.timestamp(), None);
    assert!(event.is_unknown());
    assert!(TypedEvent::is_unknown(&event));

    // Written back unchanged.
    assert_eq!(serde_json::to_string(&event).expect("serialise"), body);

    // The same through from_slice and FromStr.
    assert_eq!(
        AuditTrailEvent::from_slice(body.as_bytes()).expect("parse"),
        event
    );
    assert_eq!(body.parse::<AuditTrailEvent>().expect("parse"), event);
}

#[test]
fn unknown_palo_type_keeps_the_raw_json_byte_for_byte() {
    let body = r#"{"event_type":"project.archived","event_id":"evt_9","organization_id":"org_2","data":{"project_id":"prj_1","archived":true}}"#;
    let event = palo_event(body);
    let PaloEvent::Unknown(raw) = &event else {
        panic!("wrong variant: {event:?}")
    };
    assert_eq!(raw.event_type(), "project.archived");
    assert_eq!(raw.json(), body);
    assert_eq!(event.id(), "evt_9");
    assert_eq!(event.organization_id(), Some("org_2"));
    assert_eq!(serde_json::to_string(&event).expect("serialise"), body);
    let back: PaloEvent =
        serde_json::from_str(&serde_json::to_string(&event).expect("ser")).expect("parse back");
    assert_eq!(back, event);
}

#[test]
fn unknown_type_needs_only_type_and_id() {
    let event = audit(r#"{"type":"x","id":"whd_1"}"#);
    assert!(event.is_unknown());
    assert_eq!(event.tenant_id(), None);
    // A tenant that is not a string does not make an unknown event fail.
    let event = audit(r#"{"type":"x","id":"whd_1","tenantId":7}"#);
    assert_eq!(event.tenant_id(), None);

    let event = palo_event(r#"{"event_type":"x","event_id":"evt_1"}"#);
    assert!(event.is_unknown());
    assert_eq!(event.organization_id(), None);
}

#[test]
fn type_names_are_case_sensitive_and_exact() {
    for t in [
        "Event.Created",
        "event.created ",
        "alert",
        "alert.triggered.v2",
    ] {
        let body = format!(r#"{{"type":{},"id":"whd_1","data":{{}}}}"#, json!(t));
        let event = audit(&body);
        assert!(event.is_unknown(), "{t:?}");
        assert_eq!(event.event_type(), t);
    }
    // A PALO type name in an Audit Trail body is unknown too.
    assert!(audit(r#"{"type":"ticket.created","id":"whd_1"}"#).is_unknown());
}

// ---------------------------------------------------------------------------------------------
// Errors.

fn audit_err(body: &str) -> String {
    match serde_json::from_str::<AuditTrailEvent>(body) {
        Ok(event) => panic!("{body} parsed: {event:?}"),
        Err(e) => e.to_string(),
    }
}

fn palo_err(body: &str) -> String {
    match serde_json::from_str::<PaloEvent>(body) {
        Ok(event) => panic!("{body} parsed: {event:?}"),
        Err(e) => e.to_string(),
    }
}

/// The `Unparsed` variant of a body that must parse as one: its type, id and reason.
fn audit_unparsed(body: &str) -> (String, String, String) {
    match audit(body) {
        AuditTrailEvent::Unparsed(u) => {
            assert_eq!(u.json(), body, "the raw JSON is kept byte for byte");
            (
                u.event_type().to_owned(),
                u.id().to_owned(),
                u.error().to_owned(),
            )
        }
        other => panic!("{body} parsed as {other:?}, not unparsed"),
    }
}

fn palo_unparsed(body: &str) -> (String, String, String) {
    match palo_event(body) {
        PaloEvent::Unparsed(u) => {
            assert_eq!(u.json(), body, "the raw JSON is kept byte for byte");
            (
                u.event_type().to_owned(),
                u.id().to_owned(),
                u.error().to_owned(),
            )
        }
        other => panic!("{body} parsed as {other:?}, not unparsed"),
    }
}

#[test]
fn known_type_with_wrong_data_is_unparsed_not_unknown_nor_an_error() {
    let mut body: Value =
        serde_json::from_str(&sample_of(audit_trail_sample, "alert.triggered")).expect("json");
    body["data"]["alert"] = json!("not an object");
    let (kind, id, err) = audit_unparsed(&body.to_string());
    assert_eq!(
        (kind.as_str(), id.as_str()),
        ("alert.triggered", "whd_def456")
    );
    assert!(err.contains("invalid type"), "{err}");

    // The alert's id is guaranteed (it identifies the alert); its rule name is not.
    let mut body: Value =
        serde_json::from_str(&sample_of(audit_trail_sample, "alert.triggered")).expect("json");
    body["data"]["alert"]
        .as_object_mut()
        .expect("alert")
        .remove("id");
    let (_, _, err) = audit_unparsed(&body.to_string());
    assert!(err.contains("missing field `id`"), "{err}");

    let (kind, _, err) = audit_unparsed(
        r#"{"id":"whd_1","type":"event.created","timestamp":"t","tenantId":"t","data":{}}"#,
    );
    assert_eq!(kind, "event.created");
    assert!(err.contains("missing field `event`"), "{err}");

    let (_, _, err) = audit_unparsed(
        r#"{"id":"whd_1","type":"event.batch.created","timestamp":"t","tenantId":"t","data":{"count":"two"}}"#,
    );
    assert!(err.contains("invalid type"), "{err}");

    let (_, _, err) =
        audit_unparsed(r#"{"id":"whd_1","type":"report.failed","timestamp":"t","tenantId":"t"}"#);
    assert!(err.contains("missing field `data`"), "{err}");

    let mut body: Value =
        serde_json::from_str(&sample_of(palo_sample, "ticket.resolved")).expect("json");
    body["data"]["resolution_time_hours"] = json!("2.5");
    let (kind, _, err) = palo_unparsed(&body.to_string());
    assert_eq!(kind, "ticket.resolved");
    assert!(
        err.contains("invalid type: string \"2.5\", expected f64"),
        "{err}"
    );

    let mut body: Value =
        serde_json::from_str(&sample_of(palo_sample, "system.incident")).expect("json");
    body["data"]["affected_services"] = json!("api");
    assert!(palo_unparsed(&body.to_string()).2.contains("invalid type"));

    let mut body: Value =
        serde_json::from_str(&sample_of(palo_sample, "ticket.created")).expect("json");
    body["data"]["priority"] = json!(3);
    let (_, id, err) = palo_unparsed(&body.to_string());
    assert_eq!(id, "evt_01HXA3B4C5D6E7F8G9H0JKMNPQ");
    assert!(err.contains("invalid type: integer `3`"), "{err}");

    let mut body: Value =
        serde_json::from_str(&sample_of(palo_sample, "ticket.created")).expect("json");
    if let Some(envelope) = body.as_object_mut() {
        envelope.remove("organization_id");
    }
    assert!(
        palo_unparsed(&body.to_string())
            .2
            .contains("missing field `organization_id`")
    );
}

#[test]
fn fields_the_specs_do_not_guarantee_may_be_absent() {
    // The Audit Trail spec's own alert.triggered example, its elisions taken at their word.
    let event = audit(
        r#"{"id":"whd_def456","type":"alert.triggered","timestamp":"2025-01-15T10:30:00Z","tenantId":"tenant-001","data":{"alert":{"id":"550e8400-..."},"triggeringEvents":[{"id":"event-1"},{"id":"event-2"}]}}"#,
    );
    let AuditTrailEvent::AlertTriggered(env) = &event else {
        panic!("{event:?}")
    };
    assert_eq!(env.data.triggering_events.len(), 2);
    assert_eq!(env.data.alert.severity, None);
    // A service account has no display name.
    let event = audit(
        r#"{"id":"whd_1","type":"event.created","timestamp":"t","tenantId":"t","data":{"event":{"id":"e-1","actor":{"id":"svc-backup","type":"SERVICE"}}}}"#,
    );
    let AuditTrailEvent::EventCreated(env) = &event else {
        panic!("{event:?}")
    };
    assert_eq!(
        env.data
            .event
            .actor
            .as_ref()
            .and_then(|a| a.name.as_deref()),
        None
    );
    // A ticket resolved without a duration.
    let event = palo_event(
        r#"{"event_id":"evt_1","event_type":"ticket.resolved","timestamp":"t","organization_id":"o","data":{"ticket_id":"TKT-1"}}"#,
    );
    let PaloEvent::TicketResolved(env) = &event else {
        panic!("{event:?}")
    };
    assert_eq!(env.data.resolution_time_hours, None);
    assert_eq!(event.parse_error(), None);
}

#[test]
fn unparsed_errors_keep_their_position() {
    let body = "{\"id\":\"whd_1\",\"type\":\"alert.triggered\",\"timestamp\":\"t\",\n\"tenantId\":\"t\",\"data\":{\"alert\":5}}";
    let event = AuditTrailEvent::from_slice(body.as_bytes()).expect("an unparsed event");
    let err = event.parse_error().expect("unparsed");
    assert!(err.contains("at line 2 column"), "{err}");
}

#[test]
fn missing_or_bad_id_is_an_error() {
    assert!(audit_err(r#"{"type":"user.deleted"}"#).contains("missing field `id`"));
    assert!(audit_err(r#"{"type":"event.created"}"#).contains("missing field `id`"));
    assert!(audit_err(r#"{"id":5,"type":"event.created"}"#).contains("invalid type"));
    assert!(audit_err(r#"{"id":"a","type":"x","type":"y"}"#).contains("duplicate field"));
    // The other provider's field names do not count.
    assert!(audit_err(r#"{"event_id":"e","event_type":"x"}"#).contains("missing field"));

    assert!(palo_err(r#"{"event_type":"x"}"#).contains("missing field `event_id`"));
    assert!(palo_err(r#"{"id":"whd_1","type":"ticket.created"}"#).contains("missing field"));
}

#[test]
fn missing_or_bad_type_is_unparsed_with_an_empty_type() {
    for body in [
        r#"{"id":"whd_1","data":{}}"#,
        r#"{"id":"whd_1","type":null}"#,
        r#"{"id":"whd_1","type":5}"#,
    ] {
        let (kind, id, err) = audit_unparsed(body);
        assert_eq!((kind.as_str(), id.as_str()), ("", "whd_1"), "{body}");
        assert!(err.contains("no string `type`"), "{err}");
    }
    let (kind, id, err) = palo_unparsed(r#"{"event_id":"evt_1","data":{}}"#);
    assert_eq!((kind.as_str(), id.as_str()), ("", "evt_1"));
    assert!(err.contains("no string `event_type`"), "{err}");
}

#[test]
fn invalid_json_is_an_error() {
    let bodies: [&[u8]; 10] = [
        b"",
        b"{",
        b"not json",
        b"{\"id\":\"whd_1\",\"type\":\"event.created\"",
        b"{\"id\":\"whd_1\",\"type\":\"x\"} trailing",
        b"{\"id\":\"whd_1\",\"type\":\"x\",}",
        b"\xff\xfe{}",
        b"{\"id\":\"whd_1\",\"type\":\"x\xff\"}",
        b"null",
        b"[\"whd_1\",\"x\"]",
    ];
    for body in bodies {
        assert!(
            serde_json::from_slice::<AuditTrailEvent>(body).is_err(),
            "{body:?}"
        );
        assert!(AuditTrailEvent::from_slice(body).is_err(), "{body:?}");
        assert!(
            serde_json::from_slice::<PaloEvent>(body).is_err(),
            "{body:?}"
        );
        assert!(PaloEvent::from_json(body).is_err(), "{body:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Round trips and extra fields.

#[test]
fn every_known_event_round_trips() {
    for &event_type in audit_trail::KNOWN_TYPES {
        let event = audit(&sample_of(audit_trail_sample, event_type));
        let text = serde_json::to_string(&event).expect("serialise");
        assert_eq!(audit(&text), event, "{event_type}");
        let value = serde_json::to_value(&event).expect("to_value");
        assert_eq!(value["type"], event_type);
        let back: AuditTrailEvent = serde_json::from_value(value).expect("from_value");
        assert_eq!(back, event, "{event_type}");
    }
    for &event_type in palo::KNOWN_TYPES {
        let event = palo_event(&sample_of(palo_sample, event_type));
        let text = serde_json::to_string_pretty(&event).expect("serialise");
        assert_eq!(palo_event(&text), event, "{event_type}");
        let back: PaloEvent = serde_json::from_reader(text.as_bytes()).expect("from_reader");
        assert_eq!(back, event, "{event_type}");
    }
}

#[test]
fn unmodelled_fields_are_kept_and_written_back() {
    let body = json!({
        "id": "whd_x",
        "type": "alert.triggered",
        "timestamp": "2025-01-15T10:30:00Z",
        "tenantId": "tenant-001",
        "apiVersion": "2025-01",
        "data": {
            "alert": {
                "id": "a-1",
                "ruleName": "R",
                "severity": "LOW",
                "title": "T",
                "description": "D",
                "status": "OPEN",
                "tags": ["auth", 3]
            },
            "triggeringEvents": [{
                "id": "event-1",
                "timestamp": "2025-01-15T10:29:00Z",
                "actor": {"id": "u", "type": "USER", "name": "N", "ip": "10.0.0.1"},
                "action": {"type": "LOGIN", "description": "d"},
                "resource": {"id": "r", "type": "APP", "name": "n"},
                "metadata": {"attempt": 5, "ok": false, "ratio": 0.25}
            }],
            "ruleId": "rule-9"
        }
    });
    let event = audit(&body.to_string());
    let AuditTrailEvent::AlertTriggered(env) = &event else {
        panic!("wrong variant: {event:?}")
    };
    assert_eq!(env.extra.value("apiVersion"), Some(json!("2025-01")));
    assert_eq!(
        env.extra.len(),
        1,
        "type and modelled fields are not in extra"
    );
    assert_eq!(env.data.extra.value("ruleId"), Some(json!("rule-9")));
    assert_eq!(env.data.alert.extra.value("status"), Some(json!("OPEN")));
    assert_eq!(env.data.alert.extra.value("tags"), Some(json!(["auth", 3])));
    assert_eq!(
        env.data.alert.extra.get("tags").map(|raw| raw.get()),
        Some(r#"["auth",3]"#)
    );
    let trigger = &env.data.triggering_events[0];
    assert_eq!(
        trigger.actor.as_ref().and_then(|a| a.extra.value("ip")),
        Some(json!("10.0.0.1"))
    );
    let metadata = trigger.extra.value("metadata").expect("metadata kept");
    assert_eq!(metadata["ratio"], json!(0.25));
    assert_eq!(
        trigger.extra.parse::<f64>("metadata").map(|r| r.is_err()),
        Some(true)
    );

    // Nothing lost: the re-serialised event is the same JSON value as the body.
    assert_eq!(serde_json::to_value(&event).expect("to_value"), body);

    let body = json!({
        "event_id": "evt_1",
        "event_type": "ticket.status_changed",
        "timestamp": "2026-02-19T10:30:00Z",
        "organization_id": "org_1",
        "delivery_attempt": 2,
        "data": {
            "ticket_id": "TKT-1",
            "old_status": "open",
            "new_status": "in_progress",
            "changed_by": "u",
            "comment": null
        }
    });
    let event = palo_event(&body.to_string());
    let PaloEvent::TicketStatusChanged(env) = &event else {
        panic!("wrong variant: {event:?}")
    };
    assert_eq!(
        env.extra.parse::<u32>("delivery_attempt").transpose().ok(),
        Some(Some(2))
    );
    assert_eq!(env.data.extra.value("comment"), Some(Value::Null));
    assert_eq!(serde_json::to_value(&event).expect("to_value"), body);
}

#[test]
fn unmodelled_values_are_written_back_byte_for_byte() {
    // Spacing, escapes, number forms and key order inside and between the unmodelled values
    // are the sender's: written back as sent, on the envelope and at each level of data.
    let body = concat!(
        r#"{"id":"whd_b","type":"event.created","timestamp":"2025-01-15T10:30:00Z","#,
        r#""tenantId":"t","zeta":{ "b" : [1 , 2.50, -0, 1E2] , "a":"\u00e9\n" },"#,
        r#""data":{"event":{"id":"e-1","timestamp":"t","#,
        r#""actor":{"id":"u","ip":  "10.0.0.1","geo":{"lat":  48.1,"lon":11.5}},"#,
        r#""changes":[ {"field" :"x"} ],"context":{}},"w":  null},"alpha":"\/"}"#
    );
    let event = audit(body);
    let AuditTrailEvent::EventCreated(env) = &event else {
        panic!("wrong variant: {event:?}")
    };
    assert_eq!(env.extra.keys().collect::<Vec<_>>(), ["zeta", "alpha"]);
    assert_eq!(
        env.extra.get("zeta").map(|raw| raw.get()),
        Some(r#"{ "b" : [1 , 2.50, -0, 1E2] , "a":"\u00e9\n" }"#)
    );
    assert_eq!(
        env.extra.value("zeta"),
        Some(json!({"b": [1, 2.5, -0.0, 100.0], "a": "é\n"}))
    );
    let actor = env.data.event.actor.as_ref().expect("actor");
    assert_eq!(
        actor.extra.get("geo").map(|raw| raw.get()),
        Some(r#"{"lat":  48.1,"lon":11.5}"#)
    );
    // Written back: the modelled fields re-formatted (none had spacing here), every
    // unmodelled value as sent.
    let written = serde_json::to_string(&event).expect("serialise");
    let expected = concat!(
        r#"{"id":"whd_b","type":"event.created","timestamp":"2025-01-15T10:30:00Z","#,
        r#""tenantId":"t","data":{"event":{"id":"e-1","timestamp":"t","#,
        r#""actor":{"id":"u","ip":"10.0.0.1","geo":{"lat":  48.1,"lon":11.5}},"#,
        r#""changes":[ {"field" :"x"} ],"context":{}},"w":null},"#,
        r#""zeta":{ "b" : [1 , 2.50, -0, 1E2] , "a":"\u00e9\n" },"alpha":"\/"}"#
    );
    assert_eq!(written, expected);
    assert_eq!(audit(&written), event);
}

#[test]
fn envelope_parses_on_its_own_and_checks_its_type() {
    let body = sample_of(audit_trail_sample, "alert.triggered");
    let env: audit_trail::Envelope<AlertTriggered> =
        serde_json::from_str(&body).expect("alert.triggered envelope");
    assert_eq!(env.event_type(), AlertTriggered::EVENT_TYPE);
    assert_eq!(serde_json::to_string(&env).expect("serialise"), body);

    let other = sample_of(audit_trail_sample, "alert.resolved");
    let err = serde_json::from_str::<audit_trail::Envelope<AlertTriggered>>(&other)
        .expect_err("wrong type");
    assert!(err.to_string().contains("alert.resolved"), "{err}");

    let other = sample_of(palo_sample, "ticket.created");
    let err = serde_json::from_str::<palo::Envelope<palo::TicketResolved>>(&other)
        .expect_err("wrong type");
    assert!(err.to_string().contains("ticket.created"), "{err}");
}

#[test]
fn events_built_in_code_serialise_to_what_parses_back() {
    let env = palo::Envelope::new(
        "evt_built",
        "2026-02-19T11:00:00Z",
        "org_1",
        palo::TicketResolved {
            ticket_id: "TKT-2".into(),
            resolved_by: Some("u".into()),
            resolution_time_hours: Some(0.75),
            extra: Default::default(),
        },
    );
    let event = PaloEvent::TicketResolved(env);
    let text = serde_json::to_string(&event).expect("serialise");
    assert_eq!(
        text,
        r#"{"event_id":"evt_built","event_type":"ticket.resolved","timestamp":"2026-02-19T11:00:00Z","organization_id":"org_1","data":{"ticket_id":"TKT-2","resolved_by":"u","resolution_time_hours":0.75}}"#
    );
    assert_eq!(palo_event(&text), event);

    let env = audit_trail::Envelope::new(
        "whd_built",
        "2025-01-15T10:30:00Z",
        "tenant-002",
        audit_trail::ReportCompleted::default(),
    );
    let text = serde_json::to_string(&AuditTrailEvent::ReportCompleted(env)).expect("serialise");
    assert_eq!(
        text,
        r#"{"id":"whd_built","type":"report.completed","timestamp":"2025-01-15T10:30:00Z","tenantId":"tenant-002","data":{}}"#
    );
}

// ---------------------------------------------------------------------------------------------
// The trait, used generically.

fn summary<E: TypedEvent>(body: &[u8]) -> Result<(String, String, bool), serde_json::Error> {
    let event = E::from_json(body)?;
    Ok((
        event.event_type().to_owned(),
        event.event_id().to_owned(),
        event.is_unknown(),
    ))
}

#[test]
fn typed_event_trait_works_for_both_providers() {
    let body = sample_of(audit_trail_sample, "report.failed");
    assert_eq!(
        summary::<AuditTrailEvent>(body.as_bytes()).expect("parse"),
        ("report.failed".to_owned(), "whd_pqr678".to_owned(), false)
    );
    let body = sample_of(palo_sample, "ticket.created");
    assert_eq!(
        summary::<PaloEvent>(body.as_bytes()).expect("parse"),
        (
            "ticket.created".to_owned(),
            "evt_01HXA3B4C5D6E7F8G9H0JKMNPQ".to_owned(),
            false
        )
    );
    assert_eq!(
        summary::<PaloEvent>(br#"{"event_type":"x.y","event_id":"evt_2"}"#).expect("parse"),
        ("x.y".to_owned(), "evt_2".to_owned(), true)
    );
    assert!(summary::<PaloEvent>(b"{}").is_err());
}

#[test]
fn an_event_must_be_a_json_object() {
    for body in [
        r#"["whd_1","x"]"#,
        "null",
        "true",
        "12",
        r#""event.created""#,
    ] {
        let err = audit_err(body);
        assert!(err.contains("expected a JSON object"), "{body}: {err}");
        let err = palo_err(body);
        assert!(err.contains("expected a JSON object"), "{body}: {err}");
    }
}

#[test]
fn truncated_or_corrupted_samples_never_panic() {
    let mut bodies: Vec<String> = audit_trail::KNOWN_TYPES
        .iter()
        .filter_map(|t| audit_trail_sample(t))
        .collect();
    bodies.extend(palo::KNOWN_TYPES.iter().filter_map(|t| palo_sample(t)));
    for body in &bodies {
        let bytes = body.as_bytes();
        for cut in 0..bytes.len() {
            // A cut body is never a whole event.
            assert!(AuditTrailEvent::from_slice(&bytes[..cut]).is_err());
            assert!(PaloEvent::from_slice(&bytes[..cut]).is_err());
            let mut corrupted = bytes.to_vec();
            for replacement in [b'"', b'{', b'}', b'0', 0xff] {
                corrupted[cut] = replacement;
                // Either result is fine; what matters is no panic.
                let _ = AuditTrailEvent::from_slice(&corrupted);
                let _ = PaloEvent::from_slice(&corrupted);
            }
            corrupted[cut] = bytes[cut];
        }
    }
}
