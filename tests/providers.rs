//! Every provider added for issue 19, on both adapters, as a table: a valid delivery is
//! handled once; a retry (signed anew where the scheme signs a timestamp) is not handled again;
//! one flipped bit in the body, the signature, the timestamp or the signed URL is a 401; a
//! stale delivery is a 400; a handshake is answered without running the handler.
//!
//! Requests go through the real adapters (axum's `oneshot` on a `Router`, actix-web's
//! `test::call_service`) with no network; the handler counts its runs per delivery id.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use ed25519_dalek::Signer as _;
use webhook_guard::signature::{Encoding, SecretSet};
use webhook_guard::{Delivery, Guard, PublicKey, Scheme, Secret, Signer, Verifier};

const BASE: &str = "https://hooks.example.com";
const ED25519_SEED: [u8; 32] = [7; 32];

type Headers = Vec<(String, String)>;
type Runs = Arc<Mutex<HashMap<String, u32>>>;
/// Signs `body` at `ts` with id `id` with a provider's private key.
type SignFn = fn(body: &[u8], ts: i64, id: &str) -> Headers;

/// Where a provider's timestamp is, to flip it and to make a delivery stale.
#[derive(Clone, Copy)]
enum Timestamp {
    None,
    Header(&'static str),
    /// In the signature header, after this key (Paddle's `ts=`).
    InSignature(&'static str),
    /// In the signed body (Linear): flipping it is flipping the body.
    Body,
}

struct Provider {
    scheme: Scheme,
    keys: SecretSet,
    secret: Option<Secret>,
    timestamp: Timestamp,
    max_age: i64,
    signs_url: bool,
    body: fn(n: u64, ts: i64) -> String,
    /// Signs with the provider's private key, for the public-key schemes.
    sign: Option<SignFn>,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn secret_provider(scheme: Scheme, secret: &str) -> (Scheme, SecretSet, Option<Secret>) {
    let secret = scheme.secret(secret).unwrap();
    (scheme, SecretSet::new([secret.clone()]), Some(secret))
}

fn ed25519_keys() -> SecretSet {
    let signing = ed25519_dalek::SigningKey::from_bytes(&ED25519_SEED);
    SecretSet::public_keys([PublicKey::ed25519(signing.verifying_key().as_bytes()).unwrap()])
}

fn discord_sign(body: &[u8], ts: i64, _id: &str) -> Headers {
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

fn v1a_sign(body: &[u8], ts: i64, id: &str) -> Headers {
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
const PAYPAL_WEBHOOK_ID: &str = "1JE4291016473214C";
const PAYPAL_KEY: &str = include_str!("../examples/common/demo/paypal-demo-key.pem");
const PAYPAL_CERT: &str = include_str!("../examples/common/demo/paypal-demo-cert.pem");

fn sendgrid_keys() -> SecretSet {
    use p256::pkcs8::EncodePublicKey;
    let signing = p256::ecdsa::SigningKey::from_bytes(&P256_SECRET.into()).unwrap();
    let der = signing.verifying_key().to_public_key_der().unwrap();
    let key = PublicKey::p256_base64_der(Encoding::Base64.encode(der.as_bytes())).unwrap();
    SecretSet::public_keys([key])
}

fn sendgrid_sign(body: &[u8], ts: i64, _id: &str) -> Headers {
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

fn paypal_keys() -> SecretSet {
    SecretSet::public_keys([PublicKey::rsa_certificate_pem(PAYPAL_CERT).unwrap()])
}

fn paypal_sign(body: &[u8], ts: i64, _id: &str) -> Headers {
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

fn providers() -> Vec<Provider> {
    let hmac = |scheme: Scheme,
                secret: &str,
                timestamp: Timestamp,
                max_age: i64,
                signs_url: bool,
                body: fn(u64, i64) -> String| {
        let (scheme, keys, secret) = secret_provider(scheme, secret);
        Provider {
            scheme,
            keys,
            secret,
            timestamp,
            max_age,
            signs_url,
            body,
            sign: None,
        }
    };
    vec![
        hmac(
            Scheme::shopify(),
            "shopify-secret",
            Timestamp::None,
            0,
            false,
            |n, _| format!(r#"{{"id":{n},"total":"1.00"}}"#),
        ),
        hmac(
            Scheme::paddle(),
            "pdl_ntfset_test_secret",
            Timestamp::InSignature("ts="),
            5,
            false,
            |n, _| {
                format!(
                    r#"{{"notification_id":"ntf_{n}","event_type":"transaction.completed","data":{{}}}}"#
                )
            },
        ),
        hmac(
            Scheme::linear(),
            "lin_wh_test",
            Timestamp::Body,
            60,
            false,
            |n, ts| {
                format!(
                    r#"{{"action":"create","type":"Issue","data":{{"n":{n}}},"webhookTimestamp":{}}}"#,
                    ts * 1000 + 123
                )
            },
        ),
        hmac(
            Scheme::zoom(),
            "zoom-secret-token",
            Timestamp::Header("x-zm-request-timestamp"),
            300,
            false,
            |n, _| format!(r#"{{"event":"meeting.started","event_ts":{n},"payload":{{}}}}"#),
        ),
        hmac(
            Scheme::square(),
            "square-signature-key",
            Timestamp::None,
            0,
            true,
            |n, _| format!(r#"{{"event_id":"evt_{n}","type":"payment.created","data":{{}}}}"#),
        ),
        hmac(
            Scheme::dropbox(),
            "dropbox-app-secret",
            Timestamp::None,
            0,
            false,
            |n, _| {
                format!(
                    r#"{{"list_folder":{{"accounts":["dbid:{n}"]}},"delta":{{"users":[{n}]}}}}"#
                )
            },
        ),
        hmac(
            Scheme::twilio(),
            "twilio-auth-token",
            Timestamp::None,
            0,
            true,
            |n, _| format!("CallSid=CA{n}&From=%2B15551234567&To=%2B15557654321&Body=hello+world"),
        ),
        Provider {
            scheme: Scheme::discord(),
            keys: ed25519_keys(),
            secret: None,
            timestamp: Timestamp::Header("x-signature-timestamp"),
            max_age: 300,
            signs_url: false,
            body: |n, _| format!(r#"{{"id":"{n}","type":2,"data":{{"name":"ping"}}}}"#),
            sign: Some(discord_sign),
        },
        Provider {
            scheme: Scheme::standard_webhooks_ed25519(),
            keys: ed25519_keys(),
            secret: None,
            timestamp: Timestamp::Header("webhook-timestamp"),
            max_age: 300,
            signs_url: false,
            body: |n, _| format!(r#"{{"type":"invoice.paid","data":{{"n":{n}}}}}"#),
            sign: Some(v1a_sign),
        },
        Provider {
            scheme: Scheme::sendgrid(),
            keys: sendgrid_keys(),
            secret: None,
            timestamp: Timestamp::Header("x-twilio-email-event-webhook-timestamp"),
            max_age: 24 * 3600 + 300,
            signs_url: false,
            body: |n, ts| {
                format!(
                    r#"[{{"email":"a@example.com","event":"delivered","sg_event_id":"ev{n}","timestamp":{ts}}}]"#
                )
            },
            sign: Some(sendgrid_sign),
        },
        Provider {
            scheme: Scheme::paypal(PAYPAL_WEBHOOK_ID),
            keys: paypal_keys(),
            secret: None,
            timestamp: Timestamp::Header("paypal-transmission-time"),
            max_age: 300,
            signs_url: false,
            body: |n, _| {
                format!(
                    r#"{{"id":"WH-{n}","event_type":"PAYMENT.SALE.COMPLETED","resource":{{"amount":"1.00"}}}}"#
                )
            },
            sign: Some(paypal_sign),
        },
    ]
}

impl Provider {
    fn guard(&self) -> Guard {
        let verifier =
            Verifier::with_secret_set(self.scheme.clone(), self.keys.clone()).public_url(BASE);
        Guard::new(verifier)
    }

    fn headers(&self, body: &str, ts: i64, id: &str) -> Headers {
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
fn flip_header(headers: &Headers, name: &str, after: Option<&str>) -> Headers {
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

struct Answer {
    status: u16,
    body: Bytes,
    nosniff: bool,
}

trait App {
    async fn send(&self, method: &str, target: &str, headers: &Headers, body: &str) -> Answer;
}

mod axum_app {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::routing::any;
    use tower::ServiceExt;
    use webhook_guard::axum::WebhookLayer;

    pub struct AxumApp(Router);

    pub fn app(guard: Guard, runs: Runs) -> AxumApp {
        let handler = move |delivery: Delivery| {
            let runs = Arc::clone(&runs);
            async move {
                *runs
                    .lock()
                    .unwrap()
                    .entry(delivery.id().to_owned())
                    .or_default() += 1;
                "ok"
            }
        };
        let layer = WebhookLayer::new(guard);
        AxumApp(
            Router::new()
                .route("/hook", any(handler.clone()))
                .route("/other", any(handler))
                .layer(layer),
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

mod actix_app {
    use super::*;
    use actix_web::dev::{Service, ServiceResponse};
    use actix_web::{HttpResponse, test, web};
    use webhook_guard::actix::WebhookMiddleware;

    pub struct ActixApp<S>(S);

    async fn handler(runs: web::Data<Runs>, delivery: Delivery) -> HttpResponse {
        *runs
            .lock()
            .unwrap()
            .entry(delivery.id().to_owned())
            .or_default() += 1;
        HttpResponse::Ok().body("ok")
    }

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

/// The whole table for one provider against one app.
async fn check_provider(provider: &Provider, app: &impl App, runs: &Runs) {
    let name = provider.scheme.name().to_owned();
    let ts = now();
    let n = 1_000 + u64::from(name.len() as u32);
    let id = format!("delivery-{n}");
    let body = (provider.body)(n, ts);
    let headers = provider.headers(&body, ts, &id);
    let total = || runs.lock().unwrap().values().sum::<u32>();

    // Valid: handled once.
    let first = app.send("POST", "/hook", &headers, &body).await;
    assert_eq!(
        first.status, 200,
        "{name}: valid delivery: {:?}",
        first.body
    );
    assert_eq!(total(), 1, "{name}: handled once");

    // The same request again, and a retry signed anew: not handled again.
    let again = app.send("POST", "/hook", &headers, &body).await;
    assert_eq!(
        (again.status, &again.body[..]),
        (200, &b"already processed"[..]),
        "{name}: copy"
    );
    let resigned = provider.headers(&body, ts + 1, &id);
    let retry = app.send("POST", "/hook", &resigned, &body).await;
    assert_eq!(retry.status, 200, "{name}: retry");
    assert_eq!(&retry.body[..], b"already processed", "{name}: retry");
    assert_eq!(total(), 1, "{name}: a retry is not handled again");

    // One flipped bit: 401.
    let n2 = n + 1;
    let id2 = format!("delivery-{n2}");
    let body2 = (provider.body)(n2, ts);
    let headers2 = provider.headers(&body2, ts, &id2);
    let mut flipped_body = body2.clone().into_bytes();
    let middle = flipped_body.len() / 2;
    flipped_body[middle] ^= 1;
    let flipped_body = String::from_utf8(flipped_body).unwrap();
    let answer = app.send("POST", "/hook", &headers2, &flipped_body).await;
    assert_eq!(answer.status, 401, "{name}: flipped body");
    let signature = provider.scheme.signature_header();
    let answer = app
        .send(
            "POST",
            "/hook",
            &flip_header(&headers2, signature, None),
            &body2,
        )
        .await;
    assert_eq!(answer.status, 401, "{name}: flipped signature");
    match provider.timestamp {
        Timestamp::Header(header) => {
            // The first digit's lowest bit: still a number, another time.
            let flipped = flip_header(&headers2, header, Some(""));
            let answer = app.send("POST", "/hook", &flipped, &body2).await;
            // Its first digit flipped, the timestamp is years away: refused on the head
            // (stale or future, 400), before the body or the signature is looked at.
            assert_eq!(answer.status, 400, "{name}: flipped timestamp");
        }
        Timestamp::InSignature(key) => {
            let flipped = flip_header(&headers2, signature, Some(key));
            let answer = app.send("POST", "/hook", &flipped, &body2).await;
            assert_eq!(answer.status, 400, "{name}: flipped timestamp");
        }
        Timestamp::Body | Timestamp::None => {}
    }
    if provider.signs_url {
        let answer = app.send("POST", "/other", &headers2, &body2).await;
        assert_eq!(answer.status, 401, "{name}: another URL");
        let answer = app.send("POST", "/hook?x=1", &headers2, &body2).await;
        assert_eq!(answer.status, 401, "{name}: another query");
    }
    assert_eq!(total(), 1, "{name}: nothing flipped was handled");
    // The untouched one still goes through.
    assert_eq!(
        app.send("POST", "/hook", &headers2, &body2).await.status,
        200,
        "{name}"
    );
    assert_eq!(total(), 2, "{name}");

    // Stale: 400.
    if !matches!(provider.timestamp, Timestamp::None) {
        let n3 = n + 2;
        let old = ts - provider.max_age - 10;
        let body3 = (provider.body)(n3, old);
        let headers3 = provider.headers(&body3, old, &format!("delivery-{n3}"));
        let answer = app.send("POST", "/hook", &headers3, &body3).await;
        assert_eq!(answer.status, 400, "{name}: stale: {:?}", answer.body);
        assert_eq!(total(), 2, "{name}: a stale delivery is not handled");
    }
}

#[tokio::test]
async fn every_new_provider_on_axum() {
    for provider in providers() {
        let runs = Runs::default();
        let app = axum_app::app(provider.guard(), Arc::clone(&runs));
        check_provider(&provider, &app, &runs).await;
    }
}

#[actix_web::test]
async fn every_new_provider_on_actix() {
    for provider in providers() {
        let runs = Runs::default();
        let app = actix_app::app(provider.guard(), Arc::clone(&runs)).await;
        check_provider(&provider, &app, &runs).await;
    }
}

/// The handshakes: answered by the layer, only once verified (Dropbox's unsigned echo aside),
/// never by the handler, and never deduplicated (the same check twice is answered twice).
async fn check_handshakes(app_for: impl AsyncFn(Guard, Runs) -> Box<dyn AppDyn>) {
    use hmac::{Hmac, Mac};
    let ts = now();

    // Slack's url_verification.
    let secret = Secret::new("8f742231b10e8888abcd99yyyzzz85a5").unwrap();
    let runs = Runs::default();
    let app = app_for(
        Guard::new(Verifier::new(Scheme::slack(), [secret.clone()])),
        Arc::clone(&runs),
    )
    .await;
    let body = r#"{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#;
    let headers = Signer::new(Scheme::slack(), secret.clone()).headers(body.as_bytes(), ts, "");
    for _ in 0..2 {
        let answer = app.send_dyn("POST", "/hook", &headers, body).await;
        assert_eq!(answer.status, 200);
        assert_eq!(
            &answer.body[..],
            b"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
        );
    }
    let forged = Signer::new(Scheme::slack(), Secret::new("not-the-secret").unwrap()).headers(
        body.as_bytes(),
        ts,
        "",
    );
    assert_eq!(
        app.send_dyn("POST", "/hook", &forged, body).await.status,
        401
    );
    assert!(runs.lock().unwrap().is_empty(), "the handler never ran");

    // Zoom's endpoint.url_validation.
    let secret = Secret::new("zoom-secret-token").unwrap();
    let runs = Runs::default();
    let app = app_for(
        Guard::new(Verifier::new(Scheme::zoom(), [secret.clone()])),
        Arc::clone(&runs),
    )
    .await;
    let body = r#"{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}"#;
    let headers = Signer::new(Scheme::zoom(), secret).headers(body.as_bytes(), ts, "");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"zoom-secret-token").unwrap();
    mac.update(b"qgg8vlvZRS6UYooatFL8Aw");
    let expected = Encoding::Hex.encode(&mac.finalize().into_bytes());
    for _ in 0..2 {
        let answer = app.send_dyn("POST", "/hook", &headers, body).await;
        assert_eq!(answer.status, 200);
        let json: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
        assert_eq!(json["plainToken"], "qgg8vlvZRS6UYooatFL8Aw");
        assert_eq!(json["encryptedToken"], expected.as_str());
    }
    let stale = Signer::new(Scheme::zoom(), Secret::new("zoom-secret-token").unwrap()).headers(
        body.as_bytes(),
        ts - 400,
        "",
    );
    assert_eq!(
        app.send_dyn("POST", "/hook", &stale, body).await.status,
        400
    );
    assert!(runs.lock().unwrap().is_empty(), "the handler never ran");

    // Discord's PING.
    let runs = Runs::default();
    let app = app_for(
        Guard::new(Verifier::with_secret_set(Scheme::discord(), ed25519_keys())),
        Arc::clone(&runs),
    )
    .await;
    let body = r#"{"id":"123","application_id":"456","type":1,"version":1}"#;
    for delay in [0, 1] {
        let headers = discord_sign(body.as_bytes(), ts + delay, "");
        let answer = app.send_dyn("POST", "/hook", &headers, body).await;
        assert_eq!(
            (answer.status, &answer.body[..]),
            (200, &br#"{"type":1}"#[..])
        );
    }
    let mut forged = discord_sign(body.as_bytes(), ts, "");
    forged[1].1 = (ts + 2).to_string();
    assert_eq!(
        app.send_dyn("POST", "/hook", &forged, body).await.status,
        401
    );
    assert!(runs.lock().unwrap().is_empty(), "the handler never ran");

    // Dropbox's unsigned GET ?challenge=, echoed as plain text with nosniff; nothing else is.
    let runs = Runs::default();
    let guard = Guard::new(Verifier::new(
        Scheme::dropbox(),
        [Secret::new("dropbox-app-secret").unwrap()],
    ));
    let app = app_for(guard, Arc::clone(&runs)).await;
    let answer = app
        .send_dyn("GET", "/hook?challenge=a1B2-c3_d4.e5~", &Vec::new(), "")
        .await;
    assert_eq!(
        (answer.status, &answer.body[..], answer.nosniff),
        (200, &b"a1B2-c3_d4.e5~"[..], true)
    );
    let markup = app
        .send_dyn("GET", "/hook?challenge=%3Cscript%3E", &Vec::new(), "")
        .await;
    assert_eq!(markup.status, 401);
    assert_eq!(
        app.send_dyn("GET", "/hook", &Vec::new(), "").await.status,
        401
    );
    assert!(runs.lock().unwrap().is_empty(), "the handler never ran");
}

/// `App` as a trait object, so one table drives both adapters.
trait AppDyn {
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

#[tokio::test]
async fn handshakes_on_axum() {
    check_handshakes(async |guard, runs| Box::new(axum_app::app(guard, runs)) as Box<dyn AppDyn>)
        .await;
}

#[actix_web::test]
async fn handshakes_on_actix() {
    check_handshakes(async |guard, runs| {
        Box::new(actix_app::app(guard, runs).await) as Box<dyn AppDyn>
    })
    .await;
}

/// Standard Webhooks with a secret and a public key: `v1` (HMAC) and `v1a` (Ed25519) entries
/// both verify, in either order and side by side; with the secret alone a `v1a`-only header is
/// refused, and a `v1a` entry under another key never passes.
#[test]
fn standard_webhooks_accepts_v1_and_v1a_with_both_keys() {
    use webhook_guard::Rejection;
    let scheme = Scheme::standard_webhooks();
    let secret = scheme
        .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        .unwrap();
    let signing = ed25519_dalek::SigningKey::from_bytes(&ED25519_SEED);
    let key = PublicKey::ed25519(signing.verifying_key().as_bytes()).unwrap();
    let both = Verifier::with_secret_set(
        scheme.clone(),
        SecretSet::new([secret.clone()]).with_public_keys([key]),
    );
    let secret_only = Verifier::new(scheme.clone(), [secret.clone()]);
    let ts = 1_736_937_000;
    let body = r#"{"type":"invoice.paid","data":{}}"#;
    let v1 = Signer::new(scheme.clone(), secret).headers(body.as_bytes(), ts, "msg_1");
    let v1a = v1a_sign(body.as_bytes(), ts, "msg_1");
    let v1_entry = v1[0].1.clone();
    let v1a_entry = v1a[0].1.split(' ').nth(1).unwrap().to_owned();
    let with = |signature: String| {
        let mut headers = v1.clone();
        headers[0].1 = signature;
        headers
    };
    for header in [
        v1_entry.clone(),
        v1a_entry.clone(),
        format!("{v1a_entry} {v1_entry}"),
        format!("{v1_entry} {v1a_entry}"),
    ] {
        let delivery = both.verify_at(&with(header.clone()), body.into(), ts);
        assert_eq!(delivery.unwrap().id(), "msg_1", "{header}");
    }
    assert!(
        secret_only
            .verify_at(&with(v1_entry), body.into(), ts)
            .is_ok()
    );
    assert_eq!(
        secret_only
            .verify_at(&with(v1a_entry.clone()), body.into(), ts)
            .unwrap_err(),
        Rejection::MalformedSignature
    );
    let other = ed25519_dalek::SigningKey::from_bytes(&[8; 32]);
    let message = [b"msg_1.", ts.to_string().as_bytes(), b".", body.as_bytes()].concat();
    let forged = format!(
        "v1a,{}",
        Encoding::Base64.encode(&other.sign(&message).to_bytes())
    );
    assert_eq!(
        both.verify_at(&with(forged), body.into(), ts).unwrap_err(),
        Rejection::InvalidSignature
    );
}
