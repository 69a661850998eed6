//! Fixtures to test a handler or a receiver with realistic deliveries: a one-line JSON body for
//! each event type the [`event`](crate::event) models know, with the values of the providers'
//! spec examples. Sign one with [`Signer`](crate::Signer), the same code the verifier reads, and
//! send it through your router or hand it to a [`Verifier`](crate::Verifier): your code sees
//! what a provider's delivery would give it, without the provider.
//!
//! ```
//! use webhook_guard::event::AuditTrailEvent;
//! use webhook_guard::testing::audit_trail_sample;
//! use webhook_guard::{Scheme, Signer, Verifier};
//!
//! let scheme = Scheme::audit_trail();
//! let secret = scheme.secret("whsec_abc123def456").unwrap();
//! let body = audit_trail_sample("alert.triggered").expect("a known type");
//! let now = 1_705_312_200;
//! // The id of the `alert.triggered` sample: the scheme checks the header against the body's.
//! let headers = Signer::new(scheme.clone(), secret.clone()).headers(body.as_bytes(), now, "whd_def456");
//!
//! let verifier = Verifier::new(scheme, [secret]);
//! let delivery = verifier.verify_at(&headers, body.into(), now).expect("signed with the secret");
//! let event: AuditTrailEvent = delivery.parse()?;
//! assert!(matches!(event, AuditTrailEvent::AlertTriggered(_)));
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde_json::Value;

use crate::event::audit_trail::{
    self, Action, Actor, Alert, AlertResolved, AlertTriggered, AuditEvent, AuditTrailEvent,
    EventBatchCreated, EventCreated, Report, ReportCompleted, ReportFailed, Resource,
};
use crate::event::palo::{
    self, PaloEvent, SystemIncident, TicketCreated, TicketResolved, TicketStatusChanged,
};
use crate::event::{EventData, Extra};

/// A realistic one-line Audit Trail body of `event_type`, with the spec's example values and a
/// delivery id of its own per type; `None` for a type that is not in
/// [`audit_trail::KNOWN_TYPES`].
///
/// ```
/// use webhook_guard::event::audit_trail::{AuditTrailEvent, KNOWN_TYPES};
/// use webhook_guard::testing::audit_trail_sample;
///
/// let body = audit_trail_sample("event.created").unwrap();
/// assert!(body.starts_with(r#"{"id":"whd_abc123","type":"event.created","#));
/// for kind in KNOWN_TYPES {
///     let event: AuditTrailEvent = audit_trail_sample(kind).unwrap().parse()?;
///     assert_eq!(event.event_type(), *kind);
/// }
/// assert_eq!(audit_trail_sample("user.deleted"), None);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn audit_trail_sample(event_type: &str) -> Option<String> {
    let id = match event_type {
        EventCreated::EVENT_TYPE => "whd_abc123",
        EventBatchCreated::EVENT_TYPE => "whd_ghi789",
        AlertTriggered::EVENT_TYPE => "whd_def456",
        AlertResolved::EVENT_TYPE => "whd_jkl012",
        ReportCompleted::EVENT_TYPE => "whd_mno345",
        ReportFailed::EVENT_TYPE => "whd_pqr678",
        _ => return None,
    };
    audit_trail_sample_with_id(event_type, id)
}

/// Like [`audit_trail_sample`], with the given delivery id (`id`): a replay store answers a
/// second delivery of the same id without running the handler, so a test that sends several
/// gives each its own.
///
/// ```
/// use webhook_guard::event::AuditTrailEvent;
/// use webhook_guard::testing::audit_trail_sample_with_id;
///
/// let body = audit_trail_sample_with_id("alert.resolved", "whd_test_1").unwrap();
/// assert_eq!(body.parse::<AuditTrailEvent>()?.id(), "whd_test_1");
/// assert_eq!(audit_trail_sample_with_id("user.deleted", "whd_test_2"), None);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn audit_trail_sample_with_id(event_type: &str, id: &str) -> Option<String> {
    serde_json::to_string(&audit_trail_event(event_type, id)?).ok()
}

/// A realistic one-line PALO body of `event_type`, with the spec's example values and an event
/// id of its own per type; `None` for a type that is not in [`palo::KNOWN_TYPES`].
///
/// PALO signs the event time inside the body (`timestamp`, `2026-02-19T10:30:00Z` in every
/// sample), so verify a sample at that time, or replace the time before signing it.
///
/// ```
/// use webhook_guard::event::PaloEvent;
/// use webhook_guard::testing::palo_sample;
/// use webhook_guard::time::parse_rfc3339;
/// use webhook_guard::{Scheme, Signer, Verifier};
///
/// let body = palo_sample("system.incident").unwrap();
/// let scheme = Scheme::palo();
/// let secret = scheme.secret("votre_secret_hmac_32_chars_min__").unwrap();
/// let headers = Signer::new(scheme.clone(), secret.clone()).headers(body.as_bytes(), 0, "ignored");
/// let sent = parse_rfc3339(b"2026-02-19T10:30:00Z").unwrap();
/// let delivery = Verifier::new(scheme, [secret]).verify_at(&headers, body.into(), sent).unwrap();
/// let PaloEvent::SystemIncident(incident) = delivery.parse()? else { panic!("not an incident") };
/// assert_eq!(incident.data.affected_services, ["api", "ui"]);
/// assert_eq!(palo_sample("ticket.deleted"), None);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn palo_sample(event_type: &str) -> Option<String> {
    let id = match event_type {
        TicketCreated::EVENT_TYPE => "evt_01HXA3B4C5D6E7F8G9H0JKMNPQ",
        TicketStatusChanged::EVENT_TYPE => "evt_01HXA3B4C5D6E7F8G9H0JKMNPR",
        TicketResolved::EVENT_TYPE => "evt_01HXA3B4C5D6E7F8G9H0JKMNPS",
        SystemIncident::EVENT_TYPE => "evt_01HXA3B4C5D6E7F8G9H0JKMNPT",
        _ => return None,
    };
    palo_sample_with_id(event_type, id)
}

/// Like [`palo_sample`], with the given event id (`event_id`), the key a replay store
/// deduplicates on.
///
/// ```
/// use webhook_guard::event::PaloEvent;
/// use webhook_guard::testing::palo_sample_with_id;
///
/// let body = palo_sample_with_id("ticket.created", "evt_test_1").unwrap();
/// assert_eq!(body.parse::<PaloEvent>()?.id(), "evt_test_1");
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn palo_sample_with_id(event_type: &str, id: &str) -> Option<String> {
    serde_json::to_string(&palo_event(event_type, id)?).ok()
}

const AUDIT_TRAIL_TIMESTAMP: &str = "2025-01-15T10:30:00Z";
const AUDIT_TRAIL_TENANT: &str = "tenant-001";

fn audit_trail_event(event_type: &str, id: &str) -> Option<AuditTrailEvent> {
    fn envelope<D: EventData>(id: &str, data: D) -> audit_trail::Envelope<D> {
        audit_trail::Envelope::new(id, AUDIT_TRAIL_TIMESTAMP, AUDIT_TRAIL_TENANT, data)
    }
    let report = || Report {
        id: Some("rpt-789".into()),
        name: Some("Q4 Compliance Report".into()),
        kind: Some("COMPLIANCE".into()),
        format: Some("PDF".into()),
        download_url: None,
        extra: Extra::new(),
    };
    Some(match event_type {
        EventCreated::EVENT_TYPE => AuditTrailEvent::EventCreated(envelope(
            id,
            EventCreated {
                event: sample_audit_event(
                    "550e8400-e29b-41d4-a716-446655440000",
                    ("CREATE", "Created document"),
                    DOCUMENT,
                ),
                extra: Extra::new(),
            },
        )),
        EventBatchCreated::EVENT_TYPE => AuditTrailEvent::EventBatchCreated(envelope(
            id,
            EventBatchCreated {
                batch_id: Some("batch-001".into()),
                count: Some(2),
                events: vec![
                    sample_audit_event("event-1", ("CREATE", "Created document"), DOCUMENT),
                    sample_audit_event("event-2", ("UPDATE", "Updated document"), DOCUMENT),
                ],
                extra: Extra::new(),
            },
        )),
        AlertTriggered::EVENT_TYPE => AuditTrailEvent::AlertTriggered(envelope(
            id,
            AlertTriggered {
                alert: sample_alert(),
                triggering_events: vec![
                    sample_audit_event("event-1", FAILED_LOGIN, PORTAL),
                    sample_audit_event("event-2", FAILED_LOGIN, PORTAL),
                ],
                extra: Extra::new(),
            },
        )),
        AlertResolved::EVENT_TYPE => AuditTrailEvent::AlertResolved(envelope(
            id,
            AlertResolved {
                alert: Some(sample_alert()),
                resolved_at: Some("2025-01-15T11:00:00Z".into()),
                resolved_by: Some("user-123".into()),
                extra: Extra::new(),
            },
        )),
        ReportCompleted::EVENT_TYPE => AuditTrailEvent::ReportCompleted(envelope(
            id,
            ReportCompleted {
                report: Some(Report {
                    download_url: Some(
                        "https://api.audit-trail.io/api/v1/reports/rpt-789/download".into(),
                    ),
                    ..report()
                }),
                extra: Extra::new(),
            },
        )),
        ReportFailed::EVENT_TYPE => AuditTrailEvent::ReportFailed(envelope(
            id,
            ReportFailed {
                report: Some(report()),
                error: Some(Value::String("Report generation timed out".into())),
                extra: Extra::new(),
            },
        )),
        _ => return None,
    })
}

/// `(type, description)` of a sample action; `(id, type, name)` of a sample resource.
type SampleAction = (&'static str, &'static str);
type SampleResource = (&'static str, &'static str, &'static str);

const DOCUMENT: SampleResource = ("doc-456", "DOCUMENT", "Q4 Report");
const PORTAL: SampleResource = ("app-web", "APPLICATION", "Web Portal");
const FAILED_LOGIN: SampleAction = ("LOGIN_FAILED", "Failed login attempt");

fn sample_audit_event(
    id: &str,
    (action, description): SampleAction,
    (resource_id, resource_kind, resource_name): SampleResource,
) -> AuditEvent {
    AuditEvent {
        id: id.into(),
        timestamp: Some(AUDIT_TRAIL_TIMESTAMP.into()),
        actor: Some(Actor {
            id: "user-123".into(),
            kind: Some("USER".into()),
            name: Some("John Doe".into()),
            extra: Extra::new(),
        }),
        action: Some(Action {
            kind: Some(action.into()),
            description: Some(description.into()),
            extra: Extra::new(),
        }),
        resource: Some(Resource {
            id: resource_id.into(),
            kind: Some(resource_kind.into()),
            name: Some(resource_name.into()),
            extra: Extra::new(),
        }),
        extra: Extra::new(),
    }
}

fn sample_alert() -> Alert {
    Alert {
        id: "550e8400-e29b-41d4-a716-446655440001".into(),
        rule_name: Some("Failed Login Detection".into()),
        severity: Some("HIGH".into()),
        title: Some("Multiple failed logins detected".into()),
        description: Some("5 failed login attempts from user-123".into()),
        extra: Extra::new(),
    }
}

fn palo_event(event_type: &str, id: &str) -> Option<PaloEvent> {
    fn envelope<D: EventData>(id: &str, data: D) -> palo::Envelope<D> {
        palo::Envelope::new(id, "2026-02-19T10:30:00Z", "org_7f3a9c", data)
    }
    Some(match event_type {
        TicketCreated::EVENT_TYPE => PaloEvent::TicketCreated(envelope(
            id,
            TicketCreated {
                ticket_id: "TKT-00512".into(),
                title: Some("Export CSV échoue sur les grands projets".into()),
                priority: Some("p3".into()),
                project_id: Some("prj_42".into()),
                created_by: Some("usr_1029".into()),
                extra: Extra::new(),
            },
        )),
        TicketStatusChanged::EVENT_TYPE => PaloEvent::TicketStatusChanged(envelope(
            id,
            TicketStatusChanged {
                ticket_id: "TKT-00512".into(),
                old_status: Some("open".into()),
                new_status: Some("in_progress".into()),
                changed_by: Some("usr_2048".into()),
                extra: Extra::new(),
            },
        )),
        TicketResolved::EVENT_TYPE => PaloEvent::TicketResolved(envelope(
            id,
            TicketResolved {
                ticket_id: "TKT-00512".into(),
                resolved_by: Some("usr_2048".into()),
                resolution_time_hours: Some(2.5),
                extra: Extra::new(),
            },
        )),
        SystemIncident::EVENT_TYPE => PaloEvent::SystemIncident(envelope(
            id,
            SystemIncident {
                incident_id: "INC-001".into(),
                severity: Some("critical".into()),
                affected_services: vec!["api".into(), "ui".into()],
                status: Some("investigating".into()),
                extra: Extra::new(),
            },
        )),
        _ => return None,
    })
}

/// The demo secrets and keys of the example receivers and of the `webhook-guard` command
/// (`cli/`): one source for both, so that every command works against
/// `cargo run --example receiver` without flags. The README's "example receivers' interface"
/// table lists which environment variable replaces each. They are public test values: never use
/// them in production.
///
/// ```
/// use webhook_guard::Scheme;
/// use webhook_guard::testing::demo;
///
/// // Each is a valid secret for its scheme.
/// assert!(Scheme::palo().secret(demo::DEMO_PALO_SECRET).is_ok());
/// assert!(Scheme::standard_webhooks().secret(demo::DEMO_STANDARD_WEBHOOKS_SECRET).is_ok());
/// ```
pub mod demo {
    /// `/webhooks/audit-trail` (`AUDIT_TRAIL_SECRET`).
    pub const DEMO_AUDIT_TRAIL_SECRET: &str = "whsec_abc123def456";
    /// `/webhooks/palo` and `/webhook-test` (`PALO_SECRET`).
    pub const DEMO_PALO_SECRET: &str = "demo_palo_secret_32_chars_min___";
    /// `/webhooks/standard` (`STANDARD_WEBHOOKS_SECRET`): the Standard Webhooks
    /// specification's test-vector secret (`whsec_<base64>`, 24 bytes).
    pub const DEMO_STANDARD_WEBHOOKS_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    /// `/webhooks/github` (`GITHUB_WEBHOOK_SECRET`).
    pub const DEMO_GITHUB_SECRET: &str = "demo_github_webhook_secret";
    /// `/webhooks/stripe` (`STRIPE_WEBHOOK_SECRET`): Stripe endpoint secrets look like this
    /// and are used as written (not base64-decoded).
    pub const DEMO_STRIPE_SECRET: &str = "whsec_demo_stripe_endpoint_secret";
    /// `/webhooks/slack` (`SLACK_SIGNING_SECRET`).
    pub const DEMO_SLACK_SECRET: &str = "demo_slack_signing_secret";
    /// `/webhooks/shopify` (`SHOPIFY_WEBHOOK_SECRET`).
    pub const DEMO_SHOPIFY_SECRET: &str = "demo_shopify_client_secret";
    /// `/webhooks/twilio` (`TWILIO_AUTH_TOKEN`).
    pub const DEMO_TWILIO_TOKEN: &str = "demo_twilio_auth_token";
    /// `/webhooks/square` (`SQUARE_SIGNATURE_KEY`).
    pub const DEMO_SQUARE_KEY: &str = "demo_square_signature_key";
    /// `/webhooks/paddle` (`PADDLE_WEBHOOK_SECRET`).
    pub const DEMO_PADDLE_SECRET: &str = "pdl_ntfset_demo_paddle_secret";
    /// `/webhooks/linear` (`LINEAR_WEBHOOK_SECRET`).
    pub const DEMO_LINEAR_SECRET: &str = "lin_wh_demo_linear_secret";
    /// `/webhooks/zoom` (`ZOOM_WEBHOOK_SECRET_TOKEN`).
    pub const DEMO_ZOOM_SECRET: &str = "demo_zoom_secret_token";
    /// `/webhooks/dropbox` (`DROPBOX_APP_SECRET`).
    pub const DEMO_DROPBOX_SECRET: &str = "demo_dropbox_app_secret";
    /// The demo Discord application's private seed (hex): its public key is used when
    /// `DISCORD_PUBLIC_KEY` is unset, so a sender can sign with it.
    pub const DEMO_DISCORD_SEED: &str =
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    /// The demo SendGrid signing key's scalar (hex): its public key is used when
    /// `SENDGRID_WEBHOOK_PUBLIC_KEY` is unset.
    pub const DEMO_SENDGRID_SECRET: &str =
        "0909090909090909090909090909090909090909090909090909090909090909";
    /// `/webhooks/paypal` (`PAYPAL_WEBHOOK_ID`); the demo certificate and its private key are
    /// `examples/common/demo/paypal-demo-{cert,key}.pem`.
    pub const DEMO_PAYPAL_WEBHOOK_ID: &str = "1JE4291016473214C";
    /// The demo Standard Webhooks Ed25519 seed (hex): its public key verifies `v1a`
    /// signatures when `STANDARD_WEBHOOKS_PUBLIC_KEY` is unset.
    pub const DEMO_STANDARD_WEBHOOKS_SEED: &str =
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
}

pub mod catalog;
