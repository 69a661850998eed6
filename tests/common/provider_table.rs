//! The table of every built-in scheme, written once for the tests that run each of them end to
//! end (tests/providers.rs, tests/modes.rs): how to sign a delivery of each (a secret through
//! [`Signer`], or a private key for the public-key schemes), where its timestamp is and how
//! long its window, whether it signs the URL, and which id headers are unsigned (a replayer
//! can rewrite them) or bound to the signed body (a rewrite is refused). And the two adapters
//! (axum's `oneshot` on a `Router`, actix-web's `test::call_service`), with a route that counts
//! its runs inline or one that stores into an inbox.
//!
//! Include it with `#[path = "common/provider_table.rs"] mod provider_table;` (it needs the
//! signing crates and the optional algorithms, so it is not part of `common/mod.rs`).
#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use ed25519_dalek::Signer as _;
use webhook_guard::signature::{Encoding, SecretSet};
use webhook_guard::testing::{audit_trail_sample_with_id, palo_sample_with_id};
use webhook_guard::{Guard, PublicKey, Scheme, Secret, Signer, Verifier};

pub const BASE: &str = "https://hooks.example.com";
pub const ED25519_SEED: [u8; 32] = [7; 32];

pub type Headers = Vec<(String, String)>;
/// Successful runs of the handler, per `scheme/id`.
pub type Runs = Arc<Mutex<HashMap<String, u32>>>;
/// Signs `body` at `ts` with id `id` with a provider's private key.
pub type SignFn = fn(body: &[u8], ts: i64, id: &str) -> Headers;

/// The key a handler counts a run under.
pub fn run_key(scheme: &str, id: &str) -> String {
    format!("{scheme}/{id}")
}

/// Total runs counted in `runs`.
pub fn total(runs: &Runs) -> u32 {
    runs.lock().unwrap().values().sum()
}

/// Where a provider's timestamp is, to flip it and to make a delivery stale.
#[derive(Clone, Copy, Debug)]
pub enum Timestamp {
    None,
    Header(&'static str),
    /// In the signature header, after this key (Paddle's `ts=`, Stripe's `t=`).
    InSignature(&'static str),
    /// In the signed body (Linear, PALO): flipping it is flipping the body.
    Body,
}

pub struct Provider {
    pub scheme: Scheme,
    pub keys: SecretSet,
    pub secret: Option<Secret>,
    pub timestamp: Timestamp,
    /// The window's age bound, in seconds (0 without a timestamp).
    pub max_age: i64,
    pub signs_url: bool,
    /// Delivery `n` signed at `ts`; its id, where the body holds one the scheme reads as the
    /// id, is unique per `n` (see [`delivery_id`] for the id passed to the signer).
    pub body: fn(n: u64, ts: i64) -> String,
    /// Signs with the provider's private key, for the public-key schemes.
    pub sign: Option<SignFn>,
    /// Id headers that no signature covers: a replayer can put any value in them, so the
    /// dedup must not rest on them alone (issue 24). Empty where the id is signed (in a signed
    /// header or the body) or is the signature itself.
    pub unsigned_id_headers: &'static [&'static str],
    /// An id header checked against the id in the signed body: a rewrite is refused (400).
    pub bound_id_header: Option<&'static str>,
}

/// The id the signer is given for delivery `n` (the id header of the schemes that have one).
pub fn delivery_id(n: u64) -> String {
    format!("delivery-{n}")
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A provider signed with a secret, with no timestamp, URL or id header of note: the table
/// sets what differs.
fn hmac(scheme: Scheme, secret: &str) -> Provider {
    let secret = scheme.secret(secret).unwrap();
    Provider {
        scheme,
        keys: SecretSet::new([secret.clone()]),
        secret: Some(secret),
        timestamp: Timestamp::None,
        max_age: 0,
        signs_url: false,
        body: |n, _| format!(r#"{{"n":{n}}}"#),
        sign: None,
        unsigned_id_headers: &[],
        bound_id_header: None,
    }
}

/// A provider signed with a private key (`sign`), verified with `keys`.
fn public_key(scheme: Scheme, keys: SecretSet, sign: SignFn) -> Provider {
    Provider {
        scheme,
        keys,
        secret: None,
        timestamp: Timestamp::None,
        max_age: 0,
        signs_url: false,
        body: |n, _| format!(r#"{{"n":{n}}}"#),
        sign: Some(sign),
        unsigned_id_headers: &[],
        bound_id_header: None,
    }
}

pub fn ed25519_keys() -> SecretSet {
    let signing = ed25519_dalek::SigningKey::from_bytes(&ED25519_SEED);
    SecretSet::public_keys([PublicKey::ed25519(signing.verifying_key().as_bytes()).unwrap()])
}

pub fn discord_sign(body: &[u8], ts: i64, _id: &str) -> Headers {
    let signing = ed25519_dalek::SigningKey::from_bytes(&ED25519_SEED);
    let message = [ts.to_string().as_bytes(), body].concat();
    let signature = signing.sign(&message).to_bytes();
    vec![
        (
            "x-signature-ed25519".into(),
            Encoding::Hex.encode(&signature),
        ),
        ("x-signature-timestamp".into(), ts.to_string()),
    ]
}

pub fn v1a_sign(body: &[u8], ts: i64, id: &str) -> Headers {
    let signing = ed25519_dalek::SigningKey::from_bytes(&ED25519_SEED);
    let message = [id.as_bytes(), b".", ts.to_string().as_bytes(), b".", body].concat();
    let signature = signing.sign(&message).to_bytes();
    vec![
        (
            "webhook-signature".into(),
            format!("v1,AAAA v1a,{}", Encoding::Base64.encode(&signature)),
        ),
        ("webhook-id".into(), id.into()),
        ("webhook-timestamp".into(), ts.to_string()),
    ]
}

const P256_SECRET: [u8; 32] = [9; 32];
pub const PAYPAL_WEBHOOK_ID: &str = "1JE4291016473214C";
const PAYPAL_KEY: &str = include_str!("../../examples/common/demo/paypal-demo-key.pem");
const PAYPAL_CERT: &str = include_str!("../../examples/common/demo/paypal-demo-cert.pem");

pub fn sendgrid_keys() -> SecretSet {
    use p256::pkcs8::EncodePublicKey;
    let signing = p256::ecdsa::SigningKey::from_bytes(&P256_SECRET.into()).unwrap();
    let der = signing.verifying_key().to_public_key_der().unwrap();
    let key = PublicKey::p256_base64_der(Encoding::Base64.encode(der.as_bytes())).unwrap();
    SecretSet::public_keys([key])
}

pub fn sendgrid_sign(body: &[u8], ts: i64, _id: &str) -> Headers {
    use p256::ecdsa::signature::Signer as _;
    let signing = p256::ecdsa::SigningKey::from_bytes(&P256_SECRET.into()).unwrap();
    let message = [ts.to_string().as_bytes(), body].concat();
    let signature: p256::ecdsa::Signature = signing.sign(&message);
    vec![
        (
            "x-twilio-email-event-webhook-signature".into(),
            Encoding::Base64.encode(signature.to_der().as_bytes()),
        ),
        (
            "x-twilio-email-event-webhook-timestamp".into(),
            ts.to_string(),
        ),
    ]
}

pub fn paypal_keys() -> SecretSet {
    SecretSet::public_keys([PublicKey::rsa_certificate_pem(PAYPAL_CERT).unwrap()])
}

pub fn paypal_sign(body: &[u8], ts: i64, _id: &str) -> Headers {
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::signature::{SignatureEncoding, Signer as _};
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(PAYPAL_KEY).unwrap();
    let signing = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key);
    // Each transmission has its own id, a retry included.
    let transmission = format!("tx-{ts}-{}", body.len());
    let time = webhook_guard::time::format_rfc3339(ts);
    let message = format!(
        "{transmission}|{time}|{PAYPAL_WEBHOOK_ID}|{}",
        crc32fast::hash(body)
    );
    let signature = signing.sign(message.as_bytes()).to_bytes();
    vec![
        (
            "paypal-transmission-sig".into(),
            Encoding::Base64.encode(&signature),
        ),
        ("paypal-transmission-id".into(), transmission),
        ("paypal-transmission-time".into(), time),
        ("paypal-auth-algo".into(), "SHA256withRSA".into()),
    ]
}

/// The secrets of the table's HMAC providers (the PALO one has the 32 characters it needs).
pub const AUDIT_TRAIL_SECRET: &str = "whsec_test_audit_trail_secret";
pub const PALO_SECRET: &str = "test_palo_secret_at_least_32_chars!!";
pub const STANDARD_WEBHOOKS_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Every built-in scheme, one row each.
pub fn providers() -> Vec<Provider> {
    vec![
        // The two specs in /work/shared/specs: the id is in the signed body; the Audit Trail's
        // id header must agree with it.
        Provider {
            timestamp: Timestamp::Header("x-audit-trail-timestamp"),
            max_age: 300,
            body: |n, _| audit_trail_sample_with_id("event.created", &delivery_id(n)).unwrap(),
            bound_id_header: Some("x-audit-trail-delivery-id"),
            ..hmac(Scheme::audit_trail(), AUDIT_TRAIL_SECRET)
        },
        Provider {
            // PALO signs no timestamp: its window is on the event time in the signed body.
            timestamp: Timestamp::Body,
            max_age: 24 * 3600,
            body: |n, ts| {
                let body = palo_sample_with_id("ticket.created", &format!("evt_{n}")).unwrap();
                let mut value: serde_json::Value = serde_json::from_str(&body).unwrap();
                value["timestamp"] = webhook_guard::time::format_rfc3339(ts).into();
                value.to_string()
            },
            ..hmac(Scheme::palo(), PALO_SECRET)
        },
        Provider {
            // `webhook-id` is signed (`<id>.<timestamp>.<body>`).
            timestamp: Timestamp::Header("webhook-timestamp"),
            max_age: 300,
            body: |n, _| format!(r#"{{"type":"invoice.paid","data":{{"n":{n}}}}}"#),
            ..hmac(Scheme::standard_webhooks(), STANDARD_WEBHOOKS_SECRET)
        },
        Provider {
            body: |n, _| format!(r#"{{"action":"opened","number":{n}}}"#),
            unsigned_id_headers: &["x-github-delivery"],
            ..hmac(Scheme::github(), "github-secret")
        },
        Provider {
            timestamp: Timestamp::InSignature("t="),
            max_age: 300,
            body: |n, _| {
                format!(
                    r#"{{"id":"evt_{n}","object":"event","type":"payment_intent.succeeded","data":{{"object":{{}}}}}}"#
                )
            },
            ..hmac(Scheme::stripe(), "whsec_stripe_test_secret")
        },
        Provider {
            timestamp: Timestamp::Header("x-slack-request-timestamp"),
            max_age: 300,
            body: |n, ts| {
                format!(
                    r#"{{"token":"t","team_id":"T1","type":"event_callback","event_id":"Ev{n}","event_time":{ts},"event":{{"type":"app_mention"}}}}"#
                )
            },
            ..hmac(Scheme::slack(), "8f742231b10e8888abcd99yyyzzz85a5")
        },
        Provider {
            body: |n, _| format!(r#"{{"id":{n},"total":"1.00"}}"#),
            unsigned_id_headers: &["x-shopify-webhook-id"],
            ..hmac(Scheme::shopify(), "shopify-secret")
        },
        Provider {
            timestamp: Timestamp::InSignature("ts="),
            max_age: 5,
            body: |n, _| {
                format!(
                    r#"{{"notification_id":"ntf_{n}","event_type":"transaction.completed","data":{{}}}}"#
                )
            },
            ..hmac(Scheme::paddle(), "pdl_ntfset_test_secret")
        },
        Provider {
            timestamp: Timestamp::Body,
            max_age: 60,
            body: |n, ts| {
                format!(
                    r#"{{"action":"create","type":"Issue","data":{{"n":{n}}},"webhookTimestamp":{}}}"#,
                    ts * 1000 + 123
                )
            },
            unsigned_id_headers: &["linear-delivery"],
            ..hmac(Scheme::linear(), "lin_wh_test")
        },
        Provider {
            timestamp: Timestamp::Header("x-zm-request-timestamp"),
            max_age: 300,
            body: |n, _| format!(r#"{{"event":"meeting.started","event_ts":{n},"payload":{{}}}}"#),
            ..hmac(Scheme::zoom(), "zoom-secret-token")
        },
        Provider {
            signs_url: true,
            body: |n, _| {
                format!(r#"{{"event_id":"evt_{n}","type":"payment.created","data":{{}}}}"#)
            },
            ..hmac(Scheme::square(), "square-signature-key")
        },
        Provider {
            // No id at all: the signature is the id.
            body: |n, _| {
                format!(
                    r#"{{"list_folder":{{"accounts":["dbid:{n}"]}},"delta":{{"users":[{n}]}}}}"#
                )
            },
            ..hmac(Scheme::dropbox(), "dropbox-app-secret")
        },
        Provider {
            signs_url: true,
            body: |n, _| {
                format!("CallSid=CA{n}&From=%2B15551234567&To=%2B15557654321&Body=hello+world")
            },
            unsigned_id_headers: &["i-twilio-idempotency-token"],
            ..hmac(Scheme::twilio(), "twilio-auth-token")
        },
        Provider {
            timestamp: Timestamp::Header("x-signature-timestamp"),
            max_age: 300,
            body: |n, _| format!(r#"{{"id":"{n}","type":2,"data":{{"name":"ping"}}}}"#),
            ..public_key(Scheme::discord(), ed25519_keys(), discord_sign)
        },
        Provider {
            timestamp: Timestamp::Header("webhook-timestamp"),
            max_age: 300,
            body: |n, _| format!(r#"{{"type":"invoice.paid","data":{{"n":{n}}}}}"#),
            ..public_key(
                Scheme::standard_webhooks_ed25519(),
                ed25519_keys(),
                v1a_sign,
            )
        },
        Provider {
            timestamp: Timestamp::Header("x-twilio-email-event-webhook-timestamp"),
            max_age: 24 * 3600 + 300,
            body: |n, ts| {
                format!(
                    r#"[{{"email":"a@example.com","event":"delivered","sg_event_id":"ev{n}","timestamp":{ts}}}]"#
                )
            },
            ..public_key(Scheme::sendgrid(), sendgrid_keys(), sendgrid_sign)
        },
        Provider {
            // The transmission id is signed; the body's `id` is what dedups (with the
            // signature, as the body is signed only through its CRC32).
            timestamp: Timestamp::Header("paypal-transmission-time"),
            max_age: 300,
            body: |n, _| {
                format!(
                    r#"{{"id":"WH-{n}","event_type":"PAYMENT.SALE.COMPLETED","resource":{{"amount":"1.00"}}}}"#
                )
            },
            ..public_key(
                Scheme::paypal(PAYPAL_WEBHOOK_ID),
                paypal_keys(),
                paypal_sign,
            )
        },
        // Issue 28, helper H's schemes.
        Provider {
            // No id: the body's digest, signed.
            body: |n, _| {
                format!(
                    r#"{{"object":"page","entry":[{{"id":"{n}","time":1774041200,"changes":[]}}]}}"#
                )
            },
            ..hmac(Scheme::meta(), "meta-app-secret")
        },
        Provider {
            // The method, the URL, the body and the time (milliseconds) are signed.
            timestamp: Timestamp::Header("x-hubspot-request-timestamp"),
            max_age: 300,
            signs_url: true,
            body: |n, ts| {
                format!(
                    r#"[{{"eventId":{n},"subscriptionType":"contact.creation","occurredAt":{},"attemptNumber":0}}]"#,
                    ts * 1000
                )
            },
            ..hmac(Scheme::hubspot(), "hubspot-client-secret")
        },
        Provider {
            // The message id is signed with the timestamp and the body.
            timestamp: Timestamp::Header("twitch-eventsub-message-timestamp"),
            max_age: 600,
            body: |n, _| {
                format!(
                    r#"{{"subscription":{{"type":"channel.follow","version":"2"}},"event":{{"user_id":"{n}"}}}}"#
                )
            },
            ..hmac(Scheme::twitch(), "twitch-subscription-secret")
        },
        Provider {
            signs_url: true,
            body: |n, _| {
                format!(r#"{{"action":{{"id":"a{n}","type":"updateCard"}},"model":{{}}}}"#)
            },
            ..hmac(Scheme::trello(), "trello-app-secret")
        },
        Provider {
            timestamp: Timestamp::Header("box-delivery-timestamp"),
            max_age: 600,
            body: |n, _| {
                format!(r#"{{"type":"webhook_event","id":"box-{n}","trigger":"FILE.UPLOADED"}}"#)
            },
            ..hmac(Scheme::box_com(), "box-primary-key")
        },
        Provider {
            body: |n, _| {
                format!(
                    r#"{{"events":[{{"resourceId":"{n}","eventCategory":"CONTACT"}}],"firstEventSequence":1,"lastEventSequence":1,"entropy":"e{n}"}}"#
                )
            },
            ..hmac(Scheme::xero(), "xero-webhook-key")
        },
        Provider {
            body: |n, _| format!(r#"{{"push":{{"changes":[{n}]}}}}"#),
            unsigned_id_headers: &["x-request-uuid"],
            ..hmac(Scheme::bitbucket(), "bitbucket-secret")
        },
        Provider {
            timestamp: Timestamp::InSignature("t="),
            max_age: 180,
            body: |n, _| {
                format!(r#"{{"event":"invitee.created","payload":{{"uri":"invitees/{n}"}}}}"#)
            },
            ..hmac(Scheme::calendly(), "calendly-signing-key")
        },
        Provider {
            timestamp: Timestamp::InSignature("t="),
            max_age: 300,
            body: |n, _| format!(r#"{{"type":"video.asset.ready","id":"mux-{n}","data":{{}}}}"#),
            ..hmac(Scheme::mux(), "mux-signing-secret")
        },
        // Issue 28, helper M's schemes.
        Provider {
            // HMAC-SHA1 of the body; the notification id in the body.
            body: |n, ts| {
                format!(
                    r#"{{"type":"notification_event","id":"notif_{n}","topic":"conversation.user.created","delivery_attempts":1,"first_sent_at":{ts},"data":{{}}}}"#
                )
            },
            ..hmac(Scheme::intercom(), "intercom-client-secret")
        },
        Provider {
            body: |n, _| {
                format!(
                    r#"{{"event_id":"01HB{n}","event_type":"form_response","form_response":{{}}}}"#
                )
            },
            ..hmac(Scheme::typeform(), "typeform-secret")
        },
        Provider {
            body: |n, _| format!(r#"{{"action":"created","data":{{"issue":{{"id":"{n}"}}}}}}"#),
            unsigned_id_headers: &["request-id"],
            ..hmac(Scheme::sentry(), "sentry-client-secret")
        },
        Provider {
            body: |n, ts| {
                format!(
                    r#"{{"id":"vercel-{n}","type":"deployment.created","createdAt":{},"payload":{{}}}}"#,
                    ts * 1000
                )
            },
            ..hmac(Scheme::vercel(), "vercel-webhook-secret")
        },
        Provider {
            // The event type is nested (`event.type`): read by pointer.
            body: |n, _| {
                format!(
                    r#"{{"attempt_number":1,"event":{{"id":"e{n}","type":"charge:confirmed"}},"id":"coinbase-{n}"}}"#
                )
            },
            ..hmac(Scheme::coinbase_commerce(), "coinbase-shared-secret")
        },
        Provider {
            body: |n, _| {
                format!(
                    r#"{{"entity":"event","event":"payment.captured","payload":{{"payment":{{"entity":{{"id":"pay_{n}"}}}}}}}}"#
                )
            },
            unsigned_id_headers: &["x-razorpay-event-id"],
            ..hmac(Scheme::razorpay(), "razorpay-webhook-secret")
        },
        Provider {
            // Standard Webhooks under Svix's header names: `svix-id` is signed.
            timestamp: Timestamp::Header("svix-timestamp"),
            max_age: 300,
            body: |n, _| format!(r#"{{"type":"user.created","data":{{"id":"user_{n}"}}}}"#),
            ..hmac(Scheme::clerk(), STANDARD_WEBHOOKS_SECRET)
        },
        Provider {
            timestamp: Timestamp::Header("svix-timestamp"),
            max_age: 300,
            body: |n, _| format!(r#"{{"type":"email.sent","data":{{"email_id":"{n}"}}}}"#),
            ..hmac(Scheme::resend(), STANDARD_WEBHOOKS_SECRET)
        },
        Provider {
            timestamp: Timestamp::Header("webhook-timestamp"),
            max_age: 300,
            body: |n, _| {
                format!(
                    r#"{{"object":"event","type":"response.completed","data":{{"id":"resp_{n}"}}}}"#
                )
            },
            ..hmac(Scheme::openai(), STANDARD_WEBHOOKS_SECRET)
        },
        Provider {
            timestamp: Timestamp::Header("webhook-timestamp"),
            max_age: 300,
            body: |n, _| format!(r#"{{"id":"p{n}","status":"succeeded","output":[]}}"#),
            ..hmac(Scheme::replicate(), STANDARD_WEBHOOKS_SECRET)
        },
    ]
}

impl Provider {
    /// An inline guard (the default in-memory replay store) for the provider's `/hook`.
    pub fn guard(&self) -> Guard {
        let verifier =
            Verifier::with_secret_set(self.scheme.clone(), self.keys.clone()).public_url(BASE);
        Guard::new(verifier)
    }

    pub fn headers(&self, body: &str, ts: i64, id: &str) -> Headers {
        match (self.sign, &self.secret) {
            (Some(sign), _) => sign(body.as_bytes(), ts, id),
            (None, Some(secret)) => Signer::new(self.scheme.clone(), secret.clone())
                .url(format!("{BASE}/hook"))
                .headers(body.as_bytes(), ts, id),
            (None, None) => unreachable!("a provider has a secret or a signing function"),
        }
    }
}

/// Flips the lowest bit of the last digit (or signature character) of a header value.
pub fn flip_header(headers: &Headers, name: &str, after: Option<&str>) -> Headers {
    let mut headers = headers.clone();
    let value = &mut headers
        .iter_mut()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .unwrap_or_else(|| panic!("no header {name}"))
        .1;
    let mut bytes = value.clone().into_bytes();
    let at = match after {
        Some(key) => value.find(key).unwrap() + key.len(),
        // A character in the middle of the last entry: inside the signature, not its padding.
        None => bytes.len() - 6,
    };
    bytes[at] ^= 1;
    *value = String::from_utf8(bytes).unwrap();
    headers
}

/// `headers` with header `name` set to `value` (it must be there).
pub fn replace_header(headers: &Headers, name: &str, value: &str) -> Headers {
    let mut headers = headers.clone();
    let entry = headers
        .iter_mut()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .unwrap_or_else(|| panic!("no header {name}"));
    entry.1 = value.to_owned();
    headers
}

pub struct Answer {
    pub status: u16,
    pub body: Bytes,
    pub nosniff: bool,
}

pub trait App {
    async fn send(&self, method: &str, target: &str, headers: &Headers, body: &str) -> Answer;
}

/// `App` as a trait object, so one table drives both adapters.
pub trait AppDyn {
    fn send_dyn<'a>(
        &'a self,
        method: &'a str,
        target: &'a str,
        headers: &'a Headers,
        body: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Answer> + 'a>>;
}

impl<T: App> AppDyn for T {
    fn send_dyn<'a>(
        &'a self,
        method: &'a str,
        target: &'a str,
        headers: &'a Headers,
        body: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Answer> + 'a>> {
        Box::pin(self.send(method, target, headers, body))
    }
}

/// axum: a `Router` with `/hook` and `/other` behind the layer, called with `oneshot`.
pub mod axum_app {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::routing::any;
    use tower::ServiceExt;
    use webhook_guard::Delivery;
    use webhook_guard::axum::WebhookLayer;

    pub struct AxumApp(Router);

    /// Inline mode: the handler counts its runs in `runs`.
    pub fn app(guard: Guard, runs: Runs) -> AxumApp {
        let handler = move |delivery: Delivery| {
            let runs = Arc::clone(&runs);
            async move {
                *runs
                    .lock()
                    .unwrap()
                    .entry(run_key(delivery.scheme(), delivery.id()))
                    .or_default() += 1;
                "ok"
            }
        };
        routes(guard, any(handler))
    }

    /// Inbox mode: the routes store (`webhook_guard::axum::enqueue`); workers run later.
    pub fn enqueue_app(guard: Guard) -> AxumApp {
        routes(guard, any(webhook_guard::axum::enqueue))
    }

    fn routes(guard: Guard, route: axum::routing::MethodRouter) -> AxumApp {
        AxumApp(
            Router::new()
                .route("/hook", route.clone())
                .route("/other", route)
                .layer(WebhookLayer::new(guard)),
        )
    }

    impl App for AxumApp {
        async fn send(&self, method: &str, target: &str, headers: &Headers, body: &str) -> Answer {
            let mut request = http::Request::builder().method(method).uri(target);
            for (name, value) in headers {
                request = request.header(name, value);
            }
            let request = request.body(Body::from(body.to_owned())).unwrap();
            let response = self.0.clone().oneshot(request).await.unwrap();
            let status = response.status().as_u16();
            let nosniff = response.headers().get("x-content-type-options").is_some();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            Answer {
                status,
                body,
                nosniff,
            }
        }
    }
}

/// actix-web: a test service with `/hook` and `/other` behind the middleware.
pub mod actix_app {
    use super::*;
    use actix_web::dev::{Service, ServiceResponse};
    use actix_web::{HttpResponse, test, web};
    use webhook_guard::Delivery;
    use webhook_guard::actix::WebhookMiddleware;

    pub struct ActixApp<S>(S);

    async fn handler(runs: web::Data<Runs>, delivery: Delivery) -> HttpResponse {
        *runs
            .lock()
            .unwrap()
            .entry(run_key(delivery.scheme(), delivery.id()))
            .or_default() += 1;
        HttpResponse::Ok().body("ok")
    }

    /// Inline mode: the handler counts its runs in `runs`.
    pub async fn app(
        guard: Guard,
        runs: Runs,
    ) -> ActixApp<
        impl Service<
            actix_http::Request,
            Response = ServiceResponse<impl actix_web::body::MessageBody>,
            Error = actix_web::Error,
        >,
    > {
        let app = actix_web::App::new()
            .app_data(web::Data::new(runs))
            .service(
                web::resource(["/hook", "/other"])
                    .wrap(WebhookMiddleware::new(guard))
                    .route(web::route().to(handler)),
            );
        ActixApp(test::init_service(app).await)
    }

    /// Inbox mode: the routes store (`webhook_guard::actix::enqueue`); workers run later.
    pub async fn enqueue_app(
        guard: Guard,
    ) -> ActixApp<
        impl Service<
            actix_http::Request,
            Response = ServiceResponse<impl actix_web::body::MessageBody>,
            Error = actix_web::Error,
        >,
    > {
        let app = actix_web::App::new().service(
            web::resource(["/hook", "/other"])
                .wrap(WebhookMiddleware::new(guard))
                .route(web::route().to(webhook_guard::actix::enqueue)),
        );
        ActixApp(test::init_service(app).await)
    }

    impl<S, B> App for ActixApp<S>
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: actix_web::body::MessageBody,
    {
        async fn send(&self, method: &str, target: &str, headers: &Headers, body: &str) -> Answer {
            let mut request = test::TestRequest::default()
                .method(method.parse().unwrap())
                .uri(target);
            for (name, value) in headers {
                request = request.insert_header((name.as_str(), value.as_str()));
            }
            let response =
                test::call_service(&self.0, request.set_payload(body.to_owned()).to_request())
                    .await;
            let status = response.status().as_u16();
            let nosniff = response.headers().get("x-content-type-options").is_some();
            let body = test::read_body(response).await;
            Answer {
                status,
                body,
                nosniff,
            }
        }
    }
}
