//! The first 17 routes of the example receivers (the others come from the library's catalog,
//! `catalog.rs`), as the command knows them: each route's path, its
//! scheme, where its secret or key comes from (the same environment variables and demo values
//! as `cargo run --example receiver`, listed in the README's "example receivers' interface"
//! table; the values themselves are `webhook_guard::testing::demo`), a realistic sample body
//! (the provider's documented example, with the delivery id and, where it is signed, the time
//! put in), and how a sender signs it (an HMAC with `webhook_guard::Signer`, or the provider's
//! private key for the public-key schemes).

use std::time::{SystemTime, UNIX_EPOCH};

use ed25519_dalek::Signer as _;
use sha2::{Digest as _, Sha256};
use webhook_guard::signature::{Encoding, SecretSet};
use webhook_guard::testing::{audit_trail_sample_with_id, demo, palo_sample_with_id};
use webhook_guard::time::format_rfc3339;
use webhook_guard::{PublicKey, Scheme, Signer, Verifier};

/// The demo PayPal certificate and its private key (the receivers' `examples/common/demo/`).
const DEMO_PAYPAL_CERT: &str = include_str!("../../examples/common/demo/paypal-demo-cert.pem");
const DEMO_PAYPAL_KEY: &str = include_str!("../../examples/common/demo/paypal-demo-key.pem");

/// The route names `send`, `sign` and `verify` take.
pub const NAMES: [&str; 17] = [
    "audit-trail",
    "palo",
    "palo-test",
    "standard",
    "github",
    "stripe",
    "slack",
    "shopify",
    "twilio",
    "square",
    "paddle",
    "linear",
    "zoom",
    "dropbox",
    "discord",
    "sendgrid",
    "paypal",
];

/// Every name `send`, `sign` and `verify` take: the command's table, then the catalog's.
pub fn all_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = NAMES.to_vec();
    names.extend(
        webhook_guard::testing::catalog::providers()
            .iter()
            .map(|p| p.name)
            .filter(|name| !NAMES.contains(name)),
    );
    names
}

/// How a route's deliveries are signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keys {
    /// A shared secret: the variable and the demo value when it is unset.
    Hmac(&'static str, &'static str),
    /// Discord's Ed25519 (public key `DISCORD_PUBLIC_KEY`, hex).
    Discord,
    /// SendGrid's ECDSA P-256 (public key `SENDGRID_WEBHOOK_PUBLIC_KEY`, base64 DER).
    SendGrid,
    /// PayPal's RSA (certificate `PAYPAL_CERT_PEM`, webhook id `PAYPAL_WEBHOOK_ID`).
    PayPal,
}

/// One route of the receivers.
#[derive(Debug, Clone)]
pub struct Provider {
    /// The name on the command line.
    pub name: &'static str,
    /// The route's path on the receivers.
    pub path: &'static str,
    /// Standard Webhooks' asymmetric `v1a` signature (Ed25519) instead of `v1` (HMAC).
    pub v1a: bool,
    keys: Keys,
    default_type: &'static str,
}

impl Provider {
    /// The route called `name`, for `v1a` signatures when asked (Standard Webhooks only).
    pub fn find(name: &str, v1a: bool) -> Result<Self, String> {
        let hmac = |var, demo| Keys::Hmac(var, demo);
        let (path, keys, default_type) = match name {
            "audit-trail" => (
                "/webhooks/audit-trail",
                hmac("AUDIT_TRAIL_SECRET", demo::DEMO_AUDIT_TRAIL_SECRET),
                "event.created",
            ),
            "palo" => (
                "/webhooks/palo",
                hmac("PALO_SECRET", demo::DEMO_PALO_SECRET),
                "ticket.created",
            ),
            "palo-test" => (
                "/webhook-test",
                hmac(
                    if std::env::var("PALO_TEST_SECRET").is_ok_and(|v| !v.is_empty()) {
                        "PALO_TEST_SECRET"
                    } else {
                        "PALO_SECRET"
                    },
                    demo::DEMO_PALO_SECRET,
                ),
                "ticket.created",
            ),
            "standard" => (
                "/webhooks/standard",
                hmac(
                    "STANDARD_WEBHOOKS_SECRET",
                    demo::DEMO_STANDARD_WEBHOOKS_SECRET,
                ),
                "contact.created",
            ),
            "github" => (
                "/webhooks/github",
                hmac("GITHUB_WEBHOOK_SECRET", demo::DEMO_GITHUB_SECRET),
                "push",
            ),
            "stripe" => (
                "/webhooks/stripe",
                hmac("STRIPE_WEBHOOK_SECRET", demo::DEMO_STRIPE_SECRET),
                "payment_intent.succeeded",
            ),
            "slack" => (
                "/webhooks/slack",
                hmac("SLACK_SIGNING_SECRET", demo::DEMO_SLACK_SECRET),
                "event_callback",
            ),
            "shopify" => (
                "/webhooks/shopify",
                hmac("SHOPIFY_WEBHOOK_SECRET", demo::DEMO_SHOPIFY_SECRET),
                "orders/create",
            ),
            "twilio" => (
                "/webhooks/twilio",
                hmac("TWILIO_AUTH_TOKEN", demo::DEMO_TWILIO_TOKEN),
                "",
            ),
            "square" => (
                "/webhooks/square",
                hmac("SQUARE_SIGNATURE_KEY", demo::DEMO_SQUARE_KEY),
                "payment.created",
            ),
            "paddle" => (
                "/webhooks/paddle",
                hmac("PADDLE_WEBHOOK_SECRET", demo::DEMO_PADDLE_SECRET),
                "transaction.completed",
            ),
            "linear" => (
                "/webhooks/linear",
                hmac("LINEAR_WEBHOOK_SECRET", demo::DEMO_LINEAR_SECRET),
                "Issue",
            ),
            "zoom" => (
                "/webhooks/zoom",
                hmac("ZOOM_WEBHOOK_SECRET_TOKEN", demo::DEMO_ZOOM_SECRET),
                "meeting.started",
            ),
            "dropbox" => (
                "/webhooks/dropbox",
                hmac("DROPBOX_APP_SECRET", demo::DEMO_DROPBOX_SECRET),
                "",
            ),
            "discord" => ("/webhooks/discord", Keys::Discord, "2"),
            "sendgrid" => ("/webhooks/sendgrid", Keys::SendGrid, "delivered"),
            "paypal" => (
                "/webhooks/paypal",
                Keys::PayPal,
                "PAYMENT.CAPTURE.COMPLETED",
            ),
            other => {
                return Err(format!(
                    "unknown provider {other:?}: one of {}",
                    all_names().join(", ")
                ));
            }
        };
        if v1a && name != "standard" {
            return Err("--v1a is for `standard` (Standard Webhooks) only".into());
        }
        Ok(Self {
            name: NAMES.iter().copied().find(|n| *n == name).unwrap_or("?"),
            path,
            v1a,
            keys,
            default_type,
        })
    }

    /// The route's scheme, as the receivers configure it.
    pub fn scheme(&self) -> Scheme {
        match self.name {
            "audit-trail" => Scheme::audit_trail(),
            "palo" => Scheme::palo(),
            "palo-test" => Scheme::palo().with_name("palo-test"),
            "standard" if self.v1a => Scheme::standard_webhooks_ed25519(),
            "standard" => Scheme::standard_webhooks(),
            "github" => Scheme::github(),
            "stripe" => Scheme::stripe(),
            "slack" => Scheme::slack(),
            "shopify" => Scheme::shopify(),
            "twilio" => Scheme::twilio(),
            "square" => Scheme::square(),
            "paddle" => Scheme::paddle(),
            "linear" => Scheme::linear(),
            "zoom" => Scheme::zoom(),
            "dropbox" => Scheme::dropbox(),
            "discord" => Scheme::discord(),
            "sendgrid" => Scheme::sendgrid(),
            _ => Scheme::paypal(paypal_webhook_id()),
        }
    }

    /// The event type a sample has when none is given.
    pub fn default_type(&self) -> &'static str {
        self.default_type
    }

    /// A fresh delivery id in the provider's own shape, from `unique` (nanoseconds).
    pub fn new_id(&self, unique: u128) -> String {
        let hex = format!("{unique:x}");
        match self.name {
            "audit-trail" => format!("whd_{hex}"),
            "palo" | "palo-test" | "stripe" => format!("evt_{hex}"),
            "standard" => format!("msg_{hex}"),
            "slack" => format!("Ev{}", hex.to_uppercase()),
            "paddle" => format!("ntf_{hex}"),
            "paypal" => format!("WH-{}", hex.to_uppercase()),
            "sendgrid" => format!("sg_{hex}"),
            // Zoom's id is its `event_ts` (milliseconds); Discord's a snowflake: numbers.
            "zoom" | "discord" => (unique / 1000).to_string(),
            _ => uuid_like(&hex),
        }
    }

    /// The sample body of `event_type` with delivery id `id`, signed at `now`; its content
    /// type, and the headers a sender adds that the signature does not cover (GitHub's
    /// `X-GitHub-Event`, Shopify's topic, ...).
    pub fn sample(&self, event_type: &str, id: &str, now: i64) -> Result<Sample, String> {
        let q = |text: &str| serde_json::Value::from(text).to_string();
        let (t, i) = (q(event_type), q(id));
        let json = |body: String| Sample {
            body: body.into_bytes(),
            content_type: "application/json",
            headers: Vec::new(),
        };
        let header = |name: &str, value: &str| (name.to_owned(), value.to_owned());
        let mut sample = match self.name {
            "audit-trail" => json(audit_trail_sample_with_id(event_type, id).ok_or_else(|| {
                format!("no Audit Trail sample of type {event_type:?}: give the body with --body")
            })?),
            "palo" | "palo-test" => {
                let body = palo_sample_with_id(event_type, id).ok_or_else(|| {
                    format!("no PALO sample of type {event_type:?}: give the body with --body")
                })?;
                // PALO signs the event time inside the body: make the sample's time now.
                let mut value: serde_json::Value =
                    serde_json::from_str(&body).map_err(|e| e.to_string())?;
                value["timestamp"] = format_rfc3339(now).into();
                json(value.to_string())
            }
            "standard" => json(format!(
                r#"{{"type":{t},"timestamp":{},"data":{{"id":"1f81eb52-5198-4599-803e-771906343485","type":"contact"}}}}"#,
                q(&format_rfc3339(now))
            )),
            "github" => {
                let sha = digest_hex(id, 40);
                let mut sample = json(format!(
                    r#"{{"ref":"refs/heads/main","before":"0000000000000000000000000000000000000000","after":"{sha}","repository":{{"id":1296269,"name":"Hello-World","full_name":"octocat/Hello-World","private":false,"html_url":"https://github.com/octocat/Hello-World"}},"pusher":{{"name":"octocat","email":"octocat@github.com"}},"sender":{{"login":"octocat","id":1,"type":"User"}},"commits":[{{"id":"{sha}","message":"Update README.md","timestamp":"2011-01-26T19:06:43Z","author":{{"name":"Monalisa Octocat","email":"mona@github.com"}}}}]}}"#
                ));
                sample.headers = vec![
                    header("X-GitHub-Event", event_type),
                    header("X-GitHub-Hook-ID", "292430182"),
                    header("User-Agent", "GitHub-Hookshot/044aadd"),
                ];
                sample
            }
            "stripe" => json(format!(
                r#"{{"id":{i},"object":"event","api_version":"2024-06-20","created":{now},"data":{{"object":{{"id":"pi_3MtwBwLkdIwHu7ix28a3tqPa","object":"payment_intent","amount":2000,"currency":"usd","status":"succeeded"}}}},"livemode":false,"pending_webhooks":1,"request":{{"id":null,"idempotency_key":null}},"type":{t}}}"#
            )),
            "slack" => json(format!(
                r#"{{"token":"XXYYZZ","team_id":"T123ABC456","api_app_id":"A123ABC456","event":{{"type":"app_mention","user":"U123ABC456","text":"<@U0LAN0Z89> is it everything a river should be?","ts":"1515449522.000016","channel":"C123ABC456","event_ts":"1515449522000016"}},"type":{t},"event_id":{i},"event_time":{now},"authed_users":["U123ABC456"]}}"#
            )),
            "shopify" => {
                let order = digest_number(id);
                let mut sample = json(format!(
                    r#"{{"id":{order},"admin_graphql_api_id":"gid://shopify/Order/{order}","email":"jon@example.com","created_at":"2021-12-31T19:00:00-05:00","currency":"USD","total_price":"403.00","financial_status":"paid","line_items":[{{"id":866550311766439020,"title":"IPod Nano - 8GB","quantity":1,"price":"199.00"}}]}}"#
                ));
                sample.headers = vec![
                    header("X-Shopify-Topic", event_type),
                    header("X-Shopify-Shop-Domain", "example.myshopify.com"),
                    header("X-Shopify-API-Version", "2024-07"),
                ];
                sample
            }
            "twilio" => Sample {
                // An incoming SMS, as Twilio posts it (form-encoded).
                body: format!(
                    "AccountSid=ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX&ApiVersion=2010-04-01&Body=Hello+from+webhook-guard&From=%2B15017122661&MessageSid=SM{}&NumMedia=0&To=%2B15558675310",
                    digest_hex(id, 32)
                )
                .into_bytes(),
                content_type: "application/x-www-form-urlencoded",
                headers: Vec::new(),
            },
            "square" => json(format!(
                r#"{{"merchant_id":"6SSW7HV8K2ST5","type":{t},"event_id":{i},"created_at":"2020-02-06T21:27:30.792Z","data":{{"type":"payment","id":"KkAkhdMsgzn59SM8A89WgKwekxLZY","object":{{"payment":{{"id":"KkAkhdMsgzn59SM8A89WgKwekxLZY","amount_money":{{"amount":100,"currency":"USD"}},"status":"APPROVED","source_type":"CARD"}}}}}}}}"#
            )),
            "paddle" => json(format!(
                r#"{{"event_id":"evt_01hv8x2acma9e4zgb0dpvsxbr5","event_type":{t},"occurred_at":{},"notification_id":{i},"data":{{"id":"txn_01hv8wptq8987qeep44cyrewp9","status":"completed","customer_id":"ctm_01hv6y1jedq4p1n0yqn5ba3ky4","currency_code":"USD","details":{{"totals":{{"total":"2400","currency_code":"USD"}}}}}}}}"#,
                q(&format_rfc3339(now))
            )),
            "linear" => {
                // Linear signs its time inside the body, in milliseconds.
                let millis = i128::from(now) * 1000;
                let mut sample = json(format!(
                    r#"{{"action":"create","type":{t},"createdAt":{},"data":{{"id":"{}","title":"Fix the webhook receiver","priority":2,"team":{{"key":"ENG","name":"Engineering"}}}},"url":"https://linear.app/acme/issue/ENG-123","organizationId":"9b3a4f4e-0b37-4b8e-8f8b-3c2a1c9d0e11","webhookTimestamp":{millis},"webhookId":"000042e3-d123-4980-b49f-8e140eef9329"}}"#,
                    q(&format_rfc3339(now)),
                    uuid_like(&digest_hex(id, 32))
                ));
                sample.headers = vec![header("Linear-Event", event_type)];
                sample
            }
            "zoom" => {
                // Zoom's `event_ts` is a number; an id that is not one is kept as text.
                let ts = id.parse::<u64>().map_or_else(|_| i.clone(), |n| n.to_string());
                json(format!(
                    r#"{{"event":{t},"event_ts":{ts},"payload":{{"account_id":"AAAAAABBBB","object":{{"id":"1234567890","uuid":"4444AAAiAAAAAiAAAiA==","host_id":"x1yCzABCDEfg23HiJKl4mN","topic":"My Meeting","type":2,"start_time":"2021-07-13T21:44:51Z","timezone":"America/Los_Angeles","duration":60}}}}}}"#
                ))
            }
            "dropbox" => json(format!(
                // Dropbox's notification has no id: the changed account carries this one.
                r#"{{"list_folder":{{"accounts":[{}]}},"delta":{{"users":[12345678]}}}}"#,
                q(&format!("dbid:{id}"))
            )),
            "discord" => {
                let kind: u8 = event_type
                    .parse()
                    .map_err(|_| format!("Discord's type is a number (2: a command), not {t}"))?;
                json(format!(
                    r#"{{"app_permissions":"442368","application_id":"1234567890123456789","channel_id":"1140000000000000000","data":{{"id":"1142000000000000000","name":"hello","type":1}},"guild_id":"1130000000000000000","id":{i},"token":"aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OQ","type":{kind},"version":1}}"#
                ))
            }
            "sendgrid" => json(format!(
                // The event's own time is the documented one: a second send of the same id
                // is then the same bytes, as a SendGrid retry is.
                r#"[{{"email":"example@test.com","timestamp":1513299569,"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":{t},"category":"cat facebook","sg_event_id":{i},"sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0"}}]"#
            )),
            _ => json(format!(
                r#"{{"id":{i},"create_time":"2024-05-14T10:00:00.000Z","resource_type":"capture","event_type":{t},"summary":"Payment completed for $ 10.0 USD","resource":{{"id":"42311647XV020574X","status":"COMPLETED","amount":{{"currency_code":"USD","value":"10.00"}},"final_capture":true}},"event_version":"1.0","resource_version":"2.0"}}"#
            )),
        };
        sample.headers.insert(
            0,
            ("Content-Type".to_owned(), sample.content_type.to_owned()),
        );
        Ok(sample)
    }

    /// The headers that sign `body` for delivery `id` at `now`; `url` is the URL the sender
    /// calls (signed by Twilio and Square), `key` a secret (HMAC) or a private key file's
    /// contents (the public-key schemes); `None` takes the environment, else the demo.
    pub fn sign(
        &self,
        body: &[u8],
        id: &str,
        now: i64,
        url: &str,
        key: Option<&str>,
    ) -> Result<Vec<(String, String)>, String> {
        if self.v1a {
            let signing = ed25519_key(key, demo::DEMO_STANDARD_WEBHOOKS_SEED)?;
            let message = [id.as_bytes(), b".", now.to_string().as_bytes(), b".", body].concat();
            let signature = Encoding::Base64.encode(&signing.sign(&message).to_bytes());
            return Ok(vec![
                ("webhook-id".into(), id.into()),
                ("webhook-timestamp".into(), now.to_string()),
                ("webhook-signature".into(), format!("v1a,{signature}")),
            ]);
        }
        match self.keys {
            Keys::Hmac(var, demo) => {
                let text = key.map(str::to_owned).unwrap_or_else(|| env_or(var, demo));
                let scheme = self.scheme();
                let secret = scheme.secret(&text).map_err(|e| format!("{var}: {e}"))?;
                // The Signer sets the id header too where the scheme reads one (Twilio,
                // Linear, GitHub, Shopify, Audit Trail).
                Ok(Signer::new(scheme, secret).url(url).headers(body, now, id))
            }
            Keys::Discord => {
                let signing = ed25519_key(key, demo::DEMO_DISCORD_SEED)?;
                let message = [now.to_string().as_bytes(), body].concat();
                Ok(vec![
                    (
                        "X-Signature-Ed25519".into(),
                        Encoding::Hex.encode(&signing.sign(&message).to_bytes()),
                    ),
                    ("X-Signature-Timestamp".into(), now.to_string()),
                ])
            }
            Keys::SendGrid => {
                use p256::ecdsa::signature::Signer as _;
                let signing = p256_key(key)?;
                let message = [now.to_string().as_bytes(), body].concat();
                let signature: p256::ecdsa::Signature = signing.sign(&message);
                Ok(vec![
                    (
                        "X-Twilio-Email-Event-Webhook-Signature".into(),
                        Encoding::Base64.encode(signature.to_der().as_bytes()),
                    ),
                    (
                        "X-Twilio-Email-Event-Webhook-Timestamp".into(),
                        now.to_string(),
                    ),
                ])
            }
            Keys::PayPal => {
                use rsa::pkcs1::DecodeRsaPrivateKey as _;
                use rsa::pkcs8::DecodePrivateKey as _;
                use rsa::signature::{SignatureEncoding as _, Signer as _};
                let pem = key.unwrap_or(DEMO_PAYPAL_KEY);
                let private = rsa::RsaPrivateKey::from_pkcs8_pem(pem)
                    .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(pem))
                    .map_err(|e| format!("the PayPal private key (PEM, PKCS#8 or PKCS#1): {e}"))?;
                let signing = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(private);
                // Each transmission has an id of its own, a retry's included.
                let transmission = uuid_like(&format!("{:x}", unique_nanos()));
                let time = format_rfc3339(now);
                let message = format!(
                    "{transmission}|{time}|{}|{}",
                    paypal_webhook_id(),
                    crc32fast::hash(body)
                );
                let signature = signing.sign(message.as_bytes()).to_bytes();
                Ok(vec![
                    (
                        "PAYPAL-TRANSMISSION-SIG".into(),
                        Encoding::Base64.encode(&signature),
                    ),
                    ("PAYPAL-TRANSMISSION-ID".into(), transmission),
                    ("PAYPAL-TRANSMISSION-TIME".into(), time),
                    ("PAYPAL-AUTH-ALGO".into(), "SHA256withRSA".into()),
                ])
            }
        }
    }

    /// The verifier the receivers build for this route: its secret (`secret`, else the
    /// environment, else the demo) or public key, and `public_url` for the schemes that sign
    /// the URL. For a public-key route, `secret` is the public key as the receivers' variable
    /// takes it (hex for Discord, `whpk_` for `v1a`, base64 DER for SendGrid, a PEM file's
    /// contents for PayPal).
    pub fn verifier(&self, secret: Option<&str>, public_url: &str) -> Result<Verifier, String> {
        let scheme = self.scheme();
        let keys = match self.keys {
            Keys::Hmac(var, demo) => {
                let text = secret
                    .map(str::to_owned)
                    .unwrap_or_else(|| env_or(var, demo));
                let shared = scheme.secret(&text).map_err(|e| format!("{var}: {e}"))?;
                if self.name == "standard" {
                    // The receiver's route takes both `v1` and `v1a` entries.
                    let demo_key = format!(
                        "whpk_{}",
                        Encoding::Base64.encode(
                            ed25519_key(None, demo::DEMO_STANDARD_WEBHOOKS_SEED)?
                                .verifying_key()
                                .as_bytes()
                        )
                    );
                    let text = if self.v1a {
                        secret.map(str::to_owned)
                    } else {
                        None
                    }
                    .unwrap_or_else(|| env_or("STANDARD_WEBHOOKS_PUBLIC_KEY", &demo_key));
                    let key = PublicKey::ed25519_whpk(&text)
                        .map_err(|e| format!("STANDARD_WEBHOOKS_PUBLIC_KEY: {e}"))?;
                    let shared = if self.v1a {
                        scheme
                            .secret(env_or(var, demo))
                            .map_err(|e| format!("{var}: {e}"))?
                    } else {
                        shared
                    };
                    SecretSet::new([shared]).with_public_keys([key])
                } else {
                    SecretSet::new([shared])
                }
            }
            Keys::Discord => {
                let demo_key = Encoding::Hex.encode(
                    ed25519_key(None, demo::DEMO_DISCORD_SEED)?
                        .verifying_key()
                        .as_bytes(),
                );
                let text = secret
                    .map(str::to_owned)
                    .unwrap_or_else(|| env_or("DISCORD_PUBLIC_KEY", &demo_key));
                SecretSet::public_keys([PublicKey::ed25519_hex(&text)
                    .map_err(|e| format!("DISCORD_PUBLIC_KEY: {e}"))?])
            }
            Keys::SendGrid => {
                use p256::pkcs8::EncodePublicKey as _;
                let der = p256_key(None)?
                    .verifying_key()
                    .to_public_key_der()
                    .map_err(|e| e.to_string())?;
                let demo_key = Encoding::Base64.encode(der.as_bytes());
                let text = secret
                    .map(str::to_owned)
                    .unwrap_or_else(|| env_or("SENDGRID_WEBHOOK_PUBLIC_KEY", &demo_key));
                SecretSet::public_keys([PublicKey::p256_base64_der(&text)
                    .map_err(|e| format!("SENDGRID_WEBHOOK_PUBLIC_KEY: {e}"))?])
            }
            Keys::PayPal => {
                let pem = match secret {
                    Some(pem) => pem.to_owned(),
                    None => match std::env::var("PAYPAL_CERT_PEM")
                        .ok()
                        .filter(|v| !v.is_empty())
                    {
                        Some(path) => std::fs::read_to_string(&path)
                            .map_err(|e| format!("PAYPAL_CERT_PEM {path}: {e}"))?,
                        None => DEMO_PAYPAL_CERT.to_owned(),
                    },
                };
                SecretSet::public_keys([PublicKey::rsa_certificate_pem(&pem)
                    .map_err(|e| format!("PAYPAL_CERT_PEM: {e}"))?])
            }
        };
        Ok(Verifier::with_secret_set(scheme, keys).public_url(public_url))
    }
}

impl Provider {
    /// The verifier of a configured route (`serve`): `keys` are its secrets (several during a
    /// rotation) or, for a public-key route, its public keys as the receivers' variables take
    /// them (hex for Discord, base64 DER for SendGrid, a certificate PEM for PayPal); Standard
    /// Webhooks takes both, its `whpk_...` keys verifying `v1a` entries. The `n`th key's error
    /// names it by its index.
    pub fn verifier_from(
        &self,
        keys: &[String],
        public_url: Option<&str>,
    ) -> Result<Verifier, (usize, String)> {
        let scheme = self.scheme();
        let mut secrets = Vec::new();
        let mut public = Vec::new();
        for (n, text) in keys.iter().enumerate() {
            let key = match self.keys {
                Keys::Hmac(..) if self.name == "standard" && text.starts_with("whpk_") => {
                    PublicKey::ed25519_whpk(text).map(Some)
                }
                Keys::Hmac(..) => {
                    secrets.push(scheme.secret(text).map_err(|e| (n, e.to_string()))?);
                    Ok(None)
                }
                Keys::Discord => PublicKey::ed25519_hex(text).map(Some),
                Keys::SendGrid => PublicKey::p256_base64_der(text).map(Some),
                Keys::PayPal => PublicKey::rsa_certificate_pem(text).map(Some),
            }
            .map_err(|e| (n, e.to_string()))?;
            public.extend(key);
        }
        let set = SecretSet::new(secrets).with_public_keys(public);
        let verifier = Verifier::with_secret_set(scheme, set);
        Ok(match public_url {
            Some(url) => verifier.public_url(url),
            None => verifier,
        })
    }
}

/// A sample delivery: its body, content type and the sender's other headers (the content
/// type first).
#[derive(Debug, Clone)]
pub struct Sample {
    pub body: Vec<u8>,
    pub content_type: &'static str,
    pub headers: Vec<(String, String)>,
}

/// A variable's value, else the demo value (as the receivers read them).
pub fn env_or(var: &str, demo: &str) -> String {
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| demo.to_owned())
}

fn paypal_webhook_id() -> String {
    env_or("PAYPAL_WEBHOOK_ID", demo::DEMO_PAYPAL_WEBHOOK_ID)
}

/// Nanoseconds since the epoch: distinct ids for distinct sends.
pub fn unique_nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// An Ed25519 signing key from a key file's contents (a 32-byte seed in hex or base64), or
/// the demo seed.
fn ed25519_key(file: Option<&str>, demo_seed: &str) -> Result<ed25519_dalek::SigningKey, String> {
    let text = file.unwrap_or(demo_seed).trim();
    let seed = Encoding::Hex
        .decode(text.as_bytes())
        .or_else(|| Encoding::Base64.decode(text.as_bytes()))
        .and_then(|seed| <[u8; 32]>::try_from(seed).ok())
        .ok_or("the Ed25519 private key: expected a 32-byte seed in hex or base64")?;
    Ok(ed25519_dalek::SigningKey::from_bytes(&seed))
}

/// A P-256 signing key from a key file's contents (PEM, PKCS#8 or SEC1, or a hex scalar), or
/// the demo scalar.
fn p256_key(file: Option<&str>) -> Result<p256::ecdsa::SigningKey, String> {
    use p256::pkcs8::DecodePrivateKey as _;
    let text = file.unwrap_or(demo::DEMO_SENDGRID_SECRET).trim();
    if text.starts_with("-----BEGIN") {
        return p256::ecdsa::SigningKey::from_pkcs8_pem(text)
            .or_else(|_| p256::SecretKey::from_sec1_pem(text).map(Into::into))
            .map_err(|e| format!("the P-256 private key (PEM): {e}"));
    }
    let scalar: [u8; 32] = Encoding::Hex
        .decode(text.as_bytes())
        .and_then(|s| s.try_into().ok())
        .ok_or("the P-256 private key: expected PEM or a 32-byte hex scalar")?;
    p256::ecdsa::SigningKey::from_bytes(&scalar.into()).map_err(|e| e.to_string())
}

/// `len` hex digits of a digest of `id`: data that differs per delivery, the same for one id.
fn digest_hex(id: &str, len: usize) -> String {
    let digest = Sha256::digest(id.as_bytes());
    let mut hex = Encoding::Hex.encode(&digest);
    hex.truncate(len);
    hex
}

/// A 15-digit number from a digest of `id`.
fn digest_number(id: &str) -> u64 {
    let digest = Sha256::digest(id.as_bytes());
    let mut first = [0; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % 1_000_000_000_000_000
}

/// Hex digits in the 8-4-4-4-12 shape of a UUID (GitHub's, Shopify's, Linear's ids).
fn uuid_like(hex: &str) -> String {
    let hex = format!("{hex:0>32}");
    let hex = &hex[hex.len() - 32..];
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every route's sample, signed by the command, verifies with the verifier the receivers
    /// build (the library's, with the demo keys), and gives the id and type asked for.
    #[test]
    fn every_sample_signed_here_verifies_as_the_receivers_verify_it() {
        let now = webhook_guard::time::parse_rfc3339(b"2026-12-06T10:00:00Z").unwrap();
        let base = "http://127.0.0.1:3000";
        for (name, v1a) in NAMES
            .iter()
            .map(|n| (*n, false))
            .chain([("standard", true)])
        {
            let provider = Provider::find(name, v1a).unwrap();
            let id = provider.new_id(1_765_000_000_123_456_789);
            let sample = provider.sample(provider.default_type(), &id, now).unwrap();
            let url = format!("{base}{}", provider.path);
            let mut headers = provider.sign(&sample.body, &id, now, &url, None).unwrap();
            headers.extend(sample.headers);
            let verifier = provider.verifier(None, base).unwrap();
            let delivery = verifier
                .verify_target(
                    &headers,
                    provider.path,
                    sample.body.clone().into(),
                    verifier.secrets(),
                    now,
                )
                .unwrap_or_else(|e| panic!("{name} (v1a: {v1a}): {e}"));
            match name {
                // The id is the signature's digest, or the body's.
                "dropbox" | "sendgrid" => {}
                _ => assert_eq!(delivery.id(), id, "{name}"),
            }
            let expected = match name {
                "dropbox" | "twilio" | "sendgrid" => None,
                _ => Some(provider.default_type()),
            };
            assert_eq!(delivery.event_type(), expected, "{name}");
        }
    }

    #[test]
    fn an_unknown_provider_lists_the_known_ones() {
        let error = Provider::find("no-such-provider", false).unwrap_err();
        assert!(
            error.contains("audit-trail") && error.contains("paypal"),
            "{error}"
        );
        assert!(Provider::find("github", true).is_err());
    }
}
