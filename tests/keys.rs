//! Keys that carry an id and a validity window: the matched key's id on the delivery, keys
//! outside their window not tried, and the refusal logged with the key's id (never the key).

use std::io::Write;
use std::sync::{Arc, Mutex};

use p256::ecdsa::signature::Signer as _;
use webhook_guard::signature::SecretSet;
use webhook_guard::{PublicKey, Rejection, Scheme, Secret, Signer, Verifier};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn subscriber(captured: &Captured) -> impl tracing::Subscriber + Send + Sync {
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .finish()
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Runs `f` with a subscriber that keeps what is logged.
fn logged<T>(f: impl FnOnce() -> T) -> (T, String) {
    let captured = Captured::default();
    let out = tracing::subscriber::with_default(subscriber(&captured), f);
    (out, captured.text())
}

const NOW: i64 = 1_790_000_000;

#[test]
fn the_matched_secret_is_named_and_an_expired_one_is_refused_with_a_logged_reason() {
    let old = Secret::new("old-secret-value-1234")
        .unwrap()
        .with_id("2026-q3")
        .not_after(NOW);
    let new = Secret::new("new-secret-value-5678")
        .unwrap()
        .with_id("2026-q4")
        .not_before(NOW - 10);
    let verifier = Verifier::new(Scheme::github(), [new.clone(), old.clone()]);
    let by_old = Signer::new(Scheme::github(), old).headers(b"{}", 0, "d-1");
    let by_new = Signer::new(Scheme::github(), new).headers(b"{}", 0, "d-2");

    let at =
        |headers: &Vec<(String, String)>, now: i64| verifier.verify_at(headers, "{}".into(), now);
    assert_eq!(at(&by_old, NOW).unwrap().key_id(), Some("2026-q3"));
    assert_eq!(at(&by_new, NOW).unwrap().key_id(), Some("2026-q4"));

    // One second past `not_after`: not tried, and the log says which key and when.
    let (refused, log) = logged(|| at(&by_old, NOW + 1));
    assert_eq!(refused.unwrap_err(), Rejection::InvalidSignature);
    assert!(log.contains("key 2026-q3 expired at 2026-09-21T"), "{log}");
    assert!(!log.contains("old-secret-value"), "{log}");
    // Before `not_before`: the new key is not tried either, and said so.
    let (early, log) = logged(|| at(&by_new, NOW - 11));
    assert_eq!(early.unwrap_err(), Rejection::InvalidSignature);
    assert!(log.contains("key 2026-q4 is not valid before"), "{log}");
    // A signature no key matches logs nothing about windows.
    let stranger =
        Signer::new(Scheme::github(), Secret::new("other").unwrap()).headers(b"{}", 0, "d-3");
    let (refused, log) = logged(|| at(&stranger, NOW + 1));
    assert_eq!(refused.unwrap_err(), Rejection::InvalidSignature);
    assert!(!log.contains("expired"), "{log}");
}

#[test]
fn an_unnamed_secret_verifies_as_before() {
    let secret = Secret::new("plain").unwrap();
    let verifier = Verifier::new(Scheme::github(), [secret.clone()]);
    let headers = Signer::new(Scheme::github(), secret).headers(b"{}", 0, "d-1");
    let delivery = verifier.verify_at(&headers, "{}".into(), i64::MAX).unwrap();
    assert_eq!(delivery.key_id(), None);
}

#[test]
fn an_expired_public_key_is_not_tried() {
    let signing = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
    let der = {
        use p256::pkcs8::EncodePublicKey;
        signing.verifying_key().to_public_key_der().unwrap()
    };
    let base64 = webhook_guard::signature::Encoding::Base64.encode(der.as_bytes());
    let key = PublicKey::p256_base64_der(&base64)
        .unwrap()
        .with_id("sg-2026")
        .not_after(NOW);
    let verifier = Verifier::with_secret_set(Scheme::sendgrid(), SecretSet::public_keys([key]));
    let body = br#"[{"sg_event_id":"e1"}]"#;
    let timestamp = NOW.to_string();
    let signature: p256::ecdsa::DerSignature = signing.sign(&[timestamp.as_bytes(), body].concat());
    let headers = vec![
        (
            "x-twilio-email-event-webhook-signature".to_owned(),
            webhook_guard::signature::Encoding::Base64.encode(signature.as_bytes()),
        ),
        (
            "x-twilio-email-event-webhook-timestamp".to_owned(),
            timestamp,
        ),
    ];
    let ok = verifier
        .verify_at(&headers, body.to_vec().into(), NOW)
        .unwrap();
    assert_eq!(ok.key_id(), Some("sg-2026"));
    // Still fresh one minute later (SendGrid's window is a day), but the key has expired.
    let (refused, log) = logged(|| verifier.verify_at(&headers, body.to_vec().into(), NOW + 60));
    assert_eq!(refused.unwrap_err(), Rejection::InvalidSignature);
    assert!(log.contains("key sg-2026 expired at"), "{log}");
}

// ---- Key sources: rotation by file, reloads that fail, fetched key sets. ----

use std::time::Duration;
use webhook_guard::Guard;
use webhook_guard::keys::KeySource;

fn temp_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("webhook-guard-keys-{}-{name}", std::process::id()))
}

fn github_headers(secret: &str, id: &str) -> Vec<(String, String)> {
    Signer::new(Scheme::github(), Secret::new(secret).unwrap()).headers(b"{}", 0, id)
}

#[tokio::test]
async fn rewriting_the_key_file_rotates_the_secret_without_a_restart() {
    let path = temp_path("rotate.txt");
    std::fs::write(&path, "id=2026-q3 secret=first-secret\n").unwrap();
    let source = KeySource::file(&path, &Scheme::github()).unwrap();
    let verifier = Verifier::with_secret_set(Scheme::github(), source.secret_set());
    let verify = |secret: &str| verifier.verify_at(&github_headers(secret, "d"), "{}".into(), 0);
    assert_eq!(verify("first-secret").unwrap().key_id(), Some("2026-q3"));
    assert_eq!(
        verify("second-secret").unwrap_err(),
        Rejection::InvalidSignature
    );

    // The rotation: both for a while, the old one bounded.
    std::fs::write(
        &path,
        "id=2026-q4 secret=second-secret\nid=2026-q3 not_after=1970-01-01T00:00:10Z secret=first-secret\n",
    )
    .unwrap();
    source.reload().await.unwrap();
    assert_eq!(verify("second-secret").unwrap().key_id(), Some("2026-q4"));
    assert_eq!(verify("first-secret").unwrap().key_id(), Some("2026-q3"));
    assert!(
        verifier
            .verify_at(&github_headers("first-secret", "d"), "{}".into(), 11)
            .is_err()
    );

    // A half-written file: the reload fails, logs why, and the last good keys stay.
    std::fs::write(&path, "id=2026-q5 not_after=someday secret=third\n").unwrap();
    let captured = Captured::default();
    let logging = tracing::subscriber::set_default(subscriber(&captured));
    let reloaded = source.reload().await;
    drop(logging);
    let log = captured.text();
    assert!(reloaded.unwrap_err().0.contains("line 1"));
    assert!(log.contains("keys not reloaded"), "{log}");
    assert!(!log.contains("third"), "{log}");
    assert_eq!(verify("second-secret").unwrap().key_id(), Some("2026-q4"));

    // On an interval: the next rewrite is picked up without a call.
    std::fs::write(&path, "id=2026-q6 secret=fourth-secret\n").unwrap();
    let task = source.reload_every(Duration::from_millis(50));
    let mut picked_up = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if verify("fourth-secret").is_ok() {
            picked_up = true;
            break;
        }
    }
    task.abort();
    assert!(picked_up);
    assert!(verify("second-secret").is_err());
    std::fs::remove_file(&path).unwrap();
}

// ---- Fetched key sets, against a local server. ----

mod served {
    use std::sync::{Arc, Mutex};

    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::get;

    /// What the local key server answers, and how often it was asked.
    #[derive(Default)]
    pub struct Served {
        pub body: String,
        pub cache_control: String,
        pub status: u16,
        pub hits: usize,
    }

    pub type Shared = Arc<Mutex<Served>>;

    async fn answer(State(state): State<Shared>) -> (StatusCode, HeaderMap, String) {
        let mut state = state.lock().unwrap();
        state.hits += 1;
        let mut headers = HeaderMap::new();
        if !state.cache_control.is_empty() {
            headers.insert("cache-control", state.cache_control.parse().unwrap());
        }
        let status = StatusCode::from_u16(state.status).unwrap_or(StatusCode::OK);
        (status, headers, state.body.clone())
    }

    /// A server on loopback; its base URL and its state.
    pub async fn start() -> (String, Shared) {
        let state: Shared = Arc::new(Mutex::new(Served {
            status: 200,
            ..Served::default()
        }));
        let app = axum::Router::new()
            .route("/jwks", get(answer))
            .route("/cert.pem", get(answer))
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (format!("http://{address}"), state)
    }
}

mod plaid_tokens {
    use p256::ecdsa::SigningKey;
    use p256::ecdsa::signature::Signer as _;
    use webhook_guard::scheme::body_sha256_hex;
    use webhook_guard::signature::Encoding;

    pub fn b64(bytes: &[u8]) -> String {
        Encoding::Base64Url
            .encode(bytes)
            .trim_end_matches('=')
            .to_owned()
    }

    pub fn signing(seed: u8) -> SigningKey {
        SigningKey::from_slice(&[seed; 32]).unwrap()
    }

    pub fn jwk(seed: u8, kid: &str) -> String {
        let point = signing(seed).verifying_key().to_encoded_point(false);
        format!(
            r#"{{"kty":"EC","crv":"P-256","use":"sig","alg":"ES256","kid":"{kid}","x":"{}","y":"{}","expired_at":null}}"#,
            b64(point.x().unwrap()),
            b64(point.y().unwrap())
        )
    }

    pub fn jwks(keys: &[(u8, &str)]) -> String {
        let keys: Vec<String> = keys.iter().map(|(seed, kid)| jwk(*seed, kid)).collect();
        format!(r#"{{"keys":[{}]}}"#, keys.join(","))
    }

    /// The `Plaid-Verification` header for `body`, signed now by key `seed` named `kid`.
    pub fn headers(seed: u8, kid: &str, body: &str, iat: i64) -> Vec<(String, String)> {
        let header = format!(r#"{{"alg":"ES256","kid":"{kid}","typ":"JWT"}}"#);
        let claims = format!(
            r#"{{"iat":{iat},"request_body_sha256":"{}"}}"#,
            body_sha256_hex(body.as_bytes())
        );
        let input = format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
        let signature: p256::ecdsa::Signature = signing(seed).sign(input.as_bytes());
        vec![(
            "plaid-verification".to_owned(),
            format!("{input}.{}", b64(&signature.to_bytes())),
        )]
    }

    pub fn body(n: usize) -> String {
        format!(
            r#"{{"webhook_type":"ITEM","webhook_code":"WEBHOOK_UPDATE_ACKNOWLEDGED","item_id":"item-{n}"}}"#
        )
    }
}

use webhook_guard::keys::fetch::{CertificateUrls, Fetcher, JwksUrl};

/// A guard for Plaid whose keys come from the local server's `/jwks`.
fn plaid_guard(base: &str, fetcher: Fetcher, refetch: Duration) -> (Guard, KeySource) {
    let jwks = JwksUrl::new(format!("{base}/jwks"), fetcher).unwrap();
    let source = KeySource::lazy(jwks).refetch_interval(refetch);
    let guard = Guard::new(Verifier::with_secret_set(
        Scheme::plaid(),
        source.secret_set(),
    ));
    (guard, source)
}

async fn admit(guard: &Guard, headers: &[(String, String)], body: &str) -> Result<(), Rejection> {
    let admitted = guard
        .admit(headers, "/webhooks/plaid", body.to_owned().into())
        .await?;
    admitted.into_admission().finish(200).await;
    Ok(())
}

fn loopback() -> Fetcher {
    Fetcher::new(["127.0.0.1"]).allow_http()
}

#[tokio::test]
async fn an_unknown_kid_is_fetched_once_per_interval() {
    let (base, served) = served::start().await;
    served.lock().unwrap().body = plaid_tokens::jwks(&[(1, "k1")]);
    let (guard, _source) = plaid_guard(&base, loopback(), Duration::from_millis(500));
    let now = guard.verifier().now();
    let hits = || served.lock().unwrap().hits;

    // The first delivery loads the set; the next ones use it.
    let body = plaid_tokens::body(1);
    admit(&guard, &plaid_tokens::headers(1, "k1", &body, now), &body)
        .await
        .unwrap();
    let body = plaid_tokens::body(2);
    admit(&guard, &plaid_tokens::headers(1, "k1", &body, now), &body)
        .await
        .unwrap();
    assert_eq!(hits(), 1);

    // Plaid rotates: a delivery names k2, which the cached set lacks: fetched again, once.
    served.lock().unwrap().body = plaid_tokens::jwks(&[(2, "k2"), (1, "k1")]);
    let body = plaid_tokens::body(3);
    admit(&guard, &plaid_tokens::headers(2, "k2", &body, now), &body)
        .await
        .unwrap();
    assert_eq!(hits(), 2);

    // A made-up kid right after: the interval's fetch is spent, 401 without a fetch.
    let body = plaid_tokens::body(4);
    let refused = admit(
        &guard,
        &plaid_tokens::headers(3, "made-up", &body, now),
        &body,
    )
    .await;
    assert_eq!(refused.unwrap_err(), Rejection::UnknownSigner);
    assert_eq!(hits(), 2);
    // An interval later: one fetch for a whole burst of made-up kids.
    tokio::time::sleep(Duration::from_millis(600)).await;
    for n in 4..8 {
        let body = plaid_tokens::body(n);
        let refused = admit(
            &guard,
            &plaid_tokens::headers(3, &format!("made-up-{n}"), &body, now),
            &body,
        )
        .await;
        assert_eq!(refused.unwrap_err(), Rejection::UnknownSigner);
    }
    assert_eq!(hits(), 3);
    // Known kids still verify meanwhile.
    let body = plaid_tokens::body(9);
    admit(&guard, &plaid_tokens::headers(1, "k1", &body, now), &body)
        .await
        .unwrap();
    assert_eq!(hits(), 3);
}

#[tokio::test]
async fn the_key_set_is_kept_for_its_max_age() {
    let (base, served) = served::start().await;
    {
        let mut served = served.lock().unwrap();
        served.body = plaid_tokens::jwks(&[(1, "k1")]);
        served.cache_control = "public, max-age=1".to_owned();
    }
    let fetcher = loopback().cache_bounds(Duration::ZERO, Duration::from_secs(3600));
    let (guard, _source) = plaid_guard(&base, fetcher, Duration::from_secs(3600));
    let now = guard.verifier().now();
    let hits = || served.lock().unwrap().hits;
    for n in 0..3 {
        let body = plaid_tokens::body(n);
        admit(&guard, &plaid_tokens::headers(1, "k1", &body, now), &body)
            .await
            .unwrap();
    }
    assert_eq!(hits(), 1, "within max-age the set is not fetched again");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let body = plaid_tokens::body(10);
    admit(
        &guard,
        &plaid_tokens::headers(1, "k1", &body, now + 1),
        &body,
    )
    .await
    .unwrap();
    assert_eq!(hits(), 2, "past max-age it is");

    // Expired and the server down: the last good keys stay in use.
    served.lock().unwrap().status = 500;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let body = plaid_tokens::body(11);
    admit(
        &guard,
        &plaid_tokens::headers(1, "k1", &body, now + 2),
        &body,
    )
    .await
    .unwrap();
    assert_eq!(hits(), 3);
}

#[tokio::test]
async fn no_key_set_no_acceptance() {
    let (base, served) = served::start().await;
    served.lock().unwrap().status = 503;
    let (guard, _source) = plaid_guard(&base, loopback(), Duration::from_millis(300));
    let now = guard.verifier().now();
    let hits = || served.lock().unwrap().hits;
    let body = plaid_tokens::body(1);
    let headers = plaid_tokens::headers(1, "k1", &body, now);
    // Not the sender's fault: 503, retry later; never accepted.
    for _ in 0..5 {
        let refused = admit(&guard, &headers, &body).await.unwrap_err();
        assert_eq!(refused.status(), 503, "{refused:?}");
    }
    // While the server is down, one attempt per interval, not one per delivery.
    assert_eq!(hits(), 1);
    // Once the server is back (and an interval has passed), the retry goes through.
    {
        let mut served = served.lock().unwrap();
        served.status = 200;
        served.body = plaid_tokens::jwks(&[(1, "k1")]);
    }
    tokio::time::sleep(Duration::from_millis(350)).await;
    admit(&guard, &headers, &body).await.unwrap();
    assert_eq!(hits(), 2);
}

#[tokio::test]
async fn a_disallowed_host_is_never_fetched() {
    let (base, served) = served::start().await;
    served.lock().unwrap().body = plaid_tokens::jwks(&[(1, "k1")]);
    // Only example.com allowed: the loopback URL is refused when configured.
    let elsewhere = Fetcher::new(["production.plaid.com"]).allow_http();
    assert!(JwksUrl::new(format!("{base}/jwks"), elsewhere.clone()).is_err());
    // https only, unless allowed.
    assert!(JwksUrl::new(format!("{base}/jwks"), Fetcher::new(["127.0.0.1"])).is_err());
    // A certificate URL a delivery names on another host: refused before any connection.
    let certificates = CertificateUrls::new(elsewhere);
    let url = format!("{base}/cert.pem");
    use webhook_guard::keys::KeyProvider;
    let refused = certificates.load_for(&url).await.unwrap_err();
    assert!(refused.0.contains("not an allowed host"), "{}", refused.0);
    assert_eq!(served.lock().unwrap().hits, 0);
    // Lookalikes do not match a pattern.
    let sns = Fetcher::new(["sns.*.amazonaws.com"]);
    assert!(sns.allows("https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem"));
    for bad in [
        "https://sns.eu-west-1.amazonaws.com.evil.example/x.pem",
        "https://evil.example/sns.eu-west-1.amazonaws.com/x.pem",
        "https://sns.eu-west-1.amazonaws.com@evil.example/x.pem",
        "http://sns.eu-west-1.amazonaws.com/x.pem",
        "https://sns.amazonaws.com/x.pem",
    ] {
        assert!(!sns.allows(bad), "{bad}");
    }
}

#[tokio::test]
async fn an_sns_certificate_is_fetched_the_first_time_a_message_names_it() {
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::signature::{SignatureEncoding, Signer as _};
    use webhook_guard::keys::fetch::confirm_sns_subscription;
    use webhook_guard::scheme::sns_string_to_sign;

    let (base, served) = served::start().await;
    served.lock().unwrap().body =
        std::fs::read_to_string("examples/common/demo/paypal-demo-cert.pem").unwrap();
    let private = rsa::RsaPrivateKey::from_pkcs8_pem(
        &std::fs::read_to_string("examples/common/demo/paypal-demo-key.pem").unwrap(),
    )
    .unwrap();
    let cert_url = format!("{base}/cert.pem");
    let source = KeySource::lazy(CertificateUrls::new(loopback()));
    let scheme = Scheme::sns_with_certificate_hosts(["127.0.0.1"], true);
    let guard = Guard::new(Verifier::with_secret_set(scheme, source.secret_set()));
    let message = |kind: &str, id: &str| {
        let mut message = serde_json::json!({
            "Type": kind, "MessageId": id, "TopicArn": "arn:aws:sns:us-west-2:1:t",
            "Message": "hello", "Timestamp": webhook_guard::time::format_rfc3339(guard.verifier().now()),
            "SignatureVersion": "2", "SigningCertURL": cert_url,
            "Token": "t0k3n", "SubscribeURL": format!("{base}/jwks?Action=ConfirmSubscription"),
        });
        let text = sns_string_to_sign(&message).unwrap();
        let signature = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(private.clone())
            .sign(text.as_bytes())
            .to_vec();
        message["Signature"] = webhook_guard::signature::Encoding::Base64
            .encode(&signature)
            .into();
        message.to_string()
    };
    let headers = vec![(
        "x-amz-sns-message-type".to_owned(),
        "Notification".to_owned(),
    )];
    let hits = || served.lock().unwrap().hits;
    for id in ["m1", "m2", "m3"] {
        let admitted = guard
            .admit(
                &headers,
                "/webhooks/sns",
                message("Notification", id).into(),
            )
            .await
            .unwrap();
        assert_eq!(admitted.delivery().key_id(), Some(cert_url.as_str()));
        admitted.into_admission().finish(200).await;
    }
    assert_eq!(hits(), 1, "fetched once, then kept");
    // A retry of m1: a duplicate.
    let again = guard
        .admit(
            &headers,
            "/webhooks/sns",
            message("Notification", "m1").into(),
        )
        .await;
    assert!(again.unwrap_err().is_duplicate());

    // A confirmation reaches the handler, which confirms through the allowed host only.
    let admitted = guard
        .admit(
            &headers,
            "/webhooks/sns",
            message("SubscriptionConfirmation", "c1").into(),
        )
        .await
        .unwrap();
    let delivery = admitted.delivery().clone();
    admitted.into_admission().finish(200).await;
    confirm_sns_subscription(&delivery, &loopback())
        .await
        .unwrap();
    assert_eq!(hits(), 2);
    let elsewhere = Fetcher::new(["sns.*.amazonaws.com"]);
    assert!(
        confirm_sns_subscription(&delivery, &elsewhere)
            .await
            .is_err()
    );
    assert_eq!(hits(), 2);
}

/// `SIGHUP` reloads the key file (the operator's "re-read your configuration").
#[cfg(all(unix, feature = "sighup"))]
#[tokio::test]
async fn sighup_reloads_the_key_file() {
    let path = temp_path("sighup.txt");
    std::fs::write(&path, "id=before secret=before-secret\n").unwrap();
    let source = KeySource::file(&path, &Scheme::github()).unwrap();
    let verifier = Verifier::with_secret_set(Scheme::github(), source.secret_set());
    // The handler is installed before the signal is sent: the process's default action
    // (terminate) never applies.
    let task = source.reload_on_sighup().unwrap();
    std::fs::write(&path, "id=after secret=after-secret\n").unwrap();
    let verify = |secret: &str| verifier.verify_at(&github_headers(secret, "d"), "{}".into(), 0);
    assert!(verify("after-secret").is_err(), "not before the signal");
    // SAFETY: sends a signal to this very process, whose handler is installed above.
    assert_eq!(unsafe { libc::kill(libc::getpid(), libc::SIGHUP) }, 0);
    let mut reloaded = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if verify("after-secret").is_ok() {
            reloaded = true;
            break;
        }
    }
    task.abort();
    assert!(reloaded);
    assert_eq!(verify("after-secret").unwrap().key_id(), Some("after"));
    assert!(verify("before-secret").is_err());
    std::fs::remove_file(&path).unwrap();
}
