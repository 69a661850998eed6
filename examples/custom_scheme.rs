//! A provider the crate does not ship, described with the public API alone.
//!
//! ```text
//! cargo run --example custom_scheme
//! ```
//!
//! "Parcelly" (made up) posts shipment events. Its documentation says:
//!
//! - `X-Parcelly-Signature: t=<unix seconds>,s1=<hex>[,s1=<hex>]`: `s1` is the HMAC-SHA256 of
//!   `<t>:<X-Parcelly-Delivery>:<raw body>`, one entry per active secret during a rotation;
//! - `X-Parcelly-Delivery`: a delivery id, the same on every retry;
//! - `X-Parcelly-Event`: the event type (`shipment.delivered`, ...);
//! - the JSON body has the merchant in its top-level `merchant_id`;
//! - signatures older than 10 minutes must be refused; Parcelly's clocks are NTP-synced.
//!
//! Each line of that documentation is one call of [`Scheme::builder`]:
//!
//! - the header format is [`SignatureFormat::KeyedHex`] (Stripe's shape, other keys);
//! - the signed content is listed piece by piece, so the MAC is fed `t`, `:`, the id, `:`,
//!   then the raw body, with nothing concatenated or re-serialised;
//! - the timestamp is the one inside the signature header ([`Field::SignatureTimestamp`]);
//! - the freshness window is 10 minutes old, 1 minute ahead (clock skew);
//! - the id is in a header but signed ([`SignedPart::Id`]), so it is [`IdBinding::Signed`]: a
//!   captured delivery cannot be replayed under a new id, and the builder refuses `Signed` for
//!   an id that is not in the signed content;
//! - the tenant scopes replay keys, so two merchants' delivery ids never collide.
//!
//! The program signs a delivery as Parcelly would ([`Signer`] reads the same description),
//! admits it through a [`Guard`], then shows a duplicate, a tampered body, a rewritten id and a
//! stale copy being refused. It prints one line per case and exits non-zero if any case
//! behaves otherwise.

use std::time::Duration;

use webhook_guard::scheme::{Field, IdBinding, Scheme, SchemeError, SignedPart, TimestampFormat};
use webhook_guard::signature::SignatureFormat;
use webhook_guard::{Freshness, Guard, Rejection, Signer, Verifier};

/// Parcelly's wire format.
fn parcelly() -> Result<Scheme, SchemeError> {
    Scheme::builder("parcelly")
        .signature(
            "X-Parcelly-Signature",
            SignatureFormat::KeyedHex {
                timestamp_key: "t".into(),
                version_key: "s1".into(),
            },
        )
        .signed_content([
            SignedPart::Timestamp,
            SignedPart::literal(":"),
            SignedPart::Id,
            SignedPart::literal(":"),
            SignedPart::Body,
        ])
        .timestamp(Field::SignatureTimestamp, TimestampFormat::UnixSeconds)
        .freshness(Freshness::new(
            Duration::from_secs(10 * 60),
            Duration::from_secs(60),
        ))
        .id(Field::header("X-Parcelly-Delivery"), IdBinding::Signed)
        .event_type(Field::header("X-Parcelly-Event"))
        .tenant(Field::body("merchant_id"))
        .min_secret_len(16)
        .build()
}

fn set(headers: &mut [(String, String)], name: &str, value: &str) {
    for (n, v) in headers.iter_mut() {
        if n.eq_ignore_ascii_case(name) {
            *v = value.to_owned();
        }
    }
}

#[tokio::main]
async fn main() {
    let scheme = parcelly().expect("Parcelly's description is valid");
    // Wrong descriptions are refused when built, not at the first delivery.
    let unsigned_but_said_signed = Scheme::builder("parcelly")
        .signature("X-Parcelly-Signature", SignatureFormat::prefixed_hex("s1="))
        .id(Field::header("X-Parcelly-Delivery"), IdBinding::Signed)
        .build();
    assert_eq!(
        unsigned_but_said_signed.unwrap_err(),
        SchemeError::IdNotSigned
    );

    let secret = scheme.secret("parcelly_demo_secret").expect("long enough");
    let guard = Guard::new(Verifier::new(scheme.clone(), [secret.clone()]));
    let now = guard.verifier().now();
    let body = r#"{"merchant_id":"m_42","shipment":{"id":"shp_1","status":"delivered"}}"#;
    let mut headers = Signer::new(scheme, secret).headers(body.as_bytes(), now, "dlv_001");
    headers.push(("X-Parcelly-Event".into(), "shipment.delivered".into()));
    let names: Vec<&str> = headers.iter().map(|(name, _)| name.as_str()).collect();
    println!("signed, with headers {names:?}");

    let admitted = guard
        .admit(&headers, "/webhooks/parcelly", body.into())
        .await
        .expect("a fresh, well-signed delivery is admitted");
    let delivery = admitted.delivery();
    println!(
        "admitted: id={} type={:?} tenant={:?}",
        delivery.id(),
        delivery.event_type(),
        delivery.tenant()
    );
    assert_eq!(delivery.tenant(), Some("m_42"));
    // The handler ran and answered 2xx: the delivery is done.
    admitted.into_admission().finish(200).await;

    let mut renamed = headers.clone();
    set(&mut renamed, "X-Parcelly-Delivery", "dlv_002");
    let stale = {
        let verifier = guard.verifier().clone();
        verifier.verify_at(&headers, body.into(), now + 11 * 60)
    };
    let cases: [(&str, Result<(), Rejection>, Rejection); 4] = [
        (
            "the same delivery again",
            guard
                .admit(&headers, "/webhooks/parcelly", body.into())
                .await
                .map(drop),
            Rejection::AlreadyProcessed,
        ),
        (
            "a tampered body",
            guard
                .admit(
                    &headers,
                    "/webhooks/parcelly",
                    body.replace("delivered", "lost").into(),
                )
                .await
                .map(drop),
            Rejection::InvalidSignature,
        ),
        (
            "the delivery under a new id",
            guard
                .admit(&renamed, "/webhooks/parcelly", body.into())
                .await
                .map(drop),
            Rejection::InvalidSignature,
        ),
        (
            "the delivery 11 minutes later",
            stale.map(drop),
            Rejection::StaleTimestamp,
        ),
    ];
    let mut failed = false;
    for (case, outcome, expected) in cases {
        match outcome {
            Err(rejection) if rejection == expected => println!(
                "{case}: refused, {} {}",
                rejection.status(),
                rejection.reason()
            ),
            other => {
                failed = true;
                eprintln!("{case}: expected {expected:?}, got {other:?}");
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}
