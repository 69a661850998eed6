//! Every built-in scheme (the shared table, tests/common/provider_table.rs), on both adapters,
//! in inline mode: a valid delivery is
//! handled once; a retry (signed anew where the scheme signs a timestamp) is not handled again;
//! one flipped bit in the body, the signature, the timestamp or the signed URL is a 401; a
//! stale delivery is a 400; a handshake is answered without running the handler.
//!
//! Requests go through the real adapters (axum's `oneshot` on a `Router`, actix-web's
//! `test::call_service`) with no network; the handler counts its runs per delivery id.
//! tests/modes.rs runs the same table in inbox mode too.

#[path = "common/provider_table.rs"]
mod provider_table;

use std::sync::Arc;

use ed25519_dalek::Signer as _;
use provider_table::{
    App, AppDyn, Provider, Runs, Timestamp, actix_app, axum_app, delivery_id, discord_sign,
    ed25519_keys, flip_header, now, providers, v1a_sign,
};
use webhook_guard::signature::{Encoding, SecretSet};
use webhook_guard::{Guard, PublicKey, Scheme, Secret, Signer, Verifier};

const ED25519_SEED: [u8; 32] = provider_table::ED25519_SEED;

/// The whole table for one provider against one app.
async fn check_provider(provider: &Provider, app: &impl App, runs: &Runs) {
    let name = provider.scheme.name().to_owned();
    let ts = now();
    let n = 1_000 + u64::from(name.len() as u32);
    let id = delivery_id(n);
    let body = (provider.body)(n, ts);
    let headers = provider.headers(&body, ts, &id);
    let total = || provider_table::total(runs);

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
    let id2 = delivery_id(n2);
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
        let headers3 = provider.headers(&body3, old, &delivery_id(n3));
        let answer = app.send("POST", "/hook", &headers3, &body3).await;
        assert_eq!(answer.status, 400, "{name}: stale: {:?}", answer.body);
        assert_eq!(total(), 2, "{name}: a stale delivery is not handled");
    }
}

#[tokio::test]
async fn every_provider_on_axum() {
    for provider in providers() {
        let runs = Runs::default();
        let app = axum_app::app(provider.guard(), Arc::clone(&runs));
        check_provider(&provider, &app, &runs).await;
    }
}

#[actix_web::test]
async fn every_provider_on_actix() {
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
