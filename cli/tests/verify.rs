//! `webhook-guard sign` and `verify` on captured requests: a capture signed by `sign` verifies
//! (`ok: <id> <type>`, exit 0), and each way a delivery is refused is named in words a person
//! can act on (exit 1): a body changed by one byte, a timestamp 400 s old (how old, and the
//! window), a secret given without its `whsec_` prefix, a missing header. `--at` verifies a
//! capture from last week at its own time. No output ever holds the secret.

mod common;

use std::io::Write as _;
use std::process::{Command, Stdio};

use common::{cli, stdout};

const NOW: i64 = 1_765_000_000;
const STRIPE_SECRET: &str = "whsec_demo_stripe_endpoint_secret";

/// `sign PROVIDER` over `body` at `at`, then a raw request with those headers: the capture.
fn capture(provider: &str, path: &str, body: &[u8], at: i64, id: &str, crlf: bool) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("wg-verify-{}-{id}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let body_file = dir.join("body");
    std::fs::write(&body_file, body).unwrap();
    let signed = cli(&[
        "sign",
        provider,
        "--body",
        body_file.to_str().unwrap(),
        "--at",
        &at.to_string(),
        "--id",
        id,
    ]);
    assert!(signed.status.success(), "sign: {signed:?}");
    let eol = if crlf { "\r\n" } else { "\n" };
    let mut raw = format!("POST {path} HTTP/1.1{eol}Host: 127.0.0.1:3000{eol}");
    for line in stdout(&signed).lines() {
        raw.push_str(line);
        raw.push_str(eol);
    }
    raw.push_str(&format!("Content-Length: {}{eol}{eol}", body.len()));
    let mut raw = raw.into_bytes();
    raw.extend_from_slice(body);
    raw
}

/// `verify ARGS --request -` with `raw` on stdin.
fn verify(raw: &[u8], args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(common::binary())
        .arg("verify")
        .args(args)
        .args(["--request", "-"])
        .envs(common::SECRET_VARS.iter().map(|var| (*var, "")))
        .env_remove("PUBLIC_BASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(raw).unwrap();
    let output = child.wait_with_output().unwrap();
    let text = stdout(&output) + &String::from_utf8_lossy(&output.stderr);
    assert!(
        !text.contains("abc123def456"),
        "a secret was printed: {text}"
    );
    assert!(
        !text.contains("demo_stripe_endpoint_secret"),
        "a secret was printed: {text}"
    );
    (output.status.code(), text)
}

fn audit_trail_body(id: &str) -> Vec<u8> {
    webhook_guard::testing::audit_trail_sample_with_id("alert.triggered", id)
        .unwrap()
        .into_bytes()
}

#[test]
fn a_signed_capture_verifies_at_its_time_crlf_or_lf() {
    for crlf in [true, false] {
        let raw = capture(
            "audit-trail",
            "/webhooks/audit-trail",
            &audit_trail_body("whd_ok"),
            NOW,
            "whd_ok",
            crlf,
        );
        let (code, text) = verify(&raw, &["audit-trail", "--at", &NOW.to_string()]);
        assert_eq!(code, Some(0), "{text}");
        assert_eq!(text.trim(), "ok: whd_ok alert.triggered");
    }
}

#[test]
fn a_body_changed_by_one_byte_is_named() {
    let body = audit_trail_body("whd_flip");
    let mut raw = capture(
        "audit-trail",
        "/webhooks/audit-trail",
        &body,
        NOW,
        "whd_flip",
        true,
    );
    // One byte of the body's text, inside a value: still JSON, still the same id.
    let at = raw.len() - 20;
    raw[at] = if raw[at] == b'a' { b'b' } else { b'a' };
    let (code, text) = verify(&raw, &["audit-trail", "--at", &NOW.to_string()]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.starts_with("refused: 401 invalid signature"), "{text}");
    assert!(
        text.contains("the body was changed after signing (even one byte)"),
        "{text}"
    );
}

#[test]
fn a_timestamp_400_s_old_says_old_and_by_how_much() {
    let raw = capture(
        "audit-trail",
        "/webhooks/audit-trail",
        &audit_trail_body("whd_old"),
        NOW,
        "whd_old",
        true,
    );
    let (code, text) = verify(&raw, &["audit-trail", "--at", &(NOW + 400).to_string()]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.starts_with("refused: 400 timestamp too old"), "{text}");
    assert!(text.contains("signed 400 s ago (6 min 40 s)"), "{text}");
    assert!(
        text.contains("100 s past the window (300 s old at most)"),
        "{text}"
    );
    // Ahead instead: the sender's clock.
    let (code, text) = verify(&raw, &["audit-trail", "--at", &(NOW - 120).to_string()]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("signed 120 s in the future"), "{text}");
}

#[test]
fn a_secret_given_without_its_prefix_is_named() {
    let body = br#"{"id":"evt_prefix","object":"event","type":"charge.succeeded"}"#;
    let raw = capture("stripe", "/webhooks/stripe", body, NOW, "evt_prefix", true);
    let at = NOW.to_string();
    let (code, text) = verify(&raw, &["stripe", "--at", &at, "--secret", STRIPE_SECRET]);
    assert_eq!(code, Some(0), "{text}");
    let pasted = STRIPE_SECRET.strip_prefix("whsec_").unwrap();
    let (code, text) = verify(&raw, &["stripe", "--at", &at, "--secret", pasted]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("the signature matches secret #1 with the `whsec_` prefix"),
        "{text}"
    );
}

#[test]
fn a_missing_header_is_named() {
    let raw = capture(
        "github",
        "/webhooks/github",
        br#"{"zen":"Keep it logically awesome."}"#,
        NOW,
        "d-missing",
        true,
    );
    let text = String::from_utf8(raw).unwrap();
    let unsigned: String = text
        .split_inclusive("\r\n")
        .filter(|line| !line.to_ascii_lowercase().starts_with("x-hub-signature-256"))
        .collect();
    let (code, out) = verify(unsigned.as_bytes(), &["github"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.starts_with("refused: 401 missing signature"), "{out}");
    assert!(out.contains("no `x-hub-signature-256` header"), "{out}");

    let raw = capture(
        "audit-trail",
        "/webhooks/audit-trail",
        &audit_trail_body("whd_notime"),
        NOW,
        "whd_notime",
        true,
    );
    let text = String::from_utf8(raw).unwrap();
    let no_time: String = text
        .split_inclusive("\r\n")
        .filter(|line| {
            !line
                .to_ascii_lowercase()
                .starts_with("x-audit-trail-timestamp")
        })
        .collect();
    let (code, out) = verify(
        no_time.as_bytes(),
        &["audit-trail", "--at", &NOW.to_string()],
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("no timestamp: header `x-audit-trail-timestamp`"),
        "{out}"
    );
}

#[test]
fn at_verifies_a_capture_from_last_week() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let last_week = now - 7 * 24 * 3600;
    let raw = capture(
        "audit-trail",
        "/webhooks/audit-trail",
        &audit_trail_body("whd_week"),
        last_week,
        "whd_week",
        true,
    );
    let (code, text) = verify(&raw, &["audit-trail"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("6 d 23 h") || text.contains("7 d 0 h"),
        "{text}"
    );
    assert!(
        text.contains(&format!("its own time (Unix {last_week})")),
        "{text}"
    );
    let (code, text) = verify(&raw, &["audit-trail", "--at", &last_week.to_string()]);
    assert_eq!(code, Some(0), "{text}");
}

#[test]
fn public_key_and_url_signing_captures_verify() {
    // Discord (Ed25519, the demo key) and Twilio (the URL is signed: Host gives the origin).
    let discord = br#"{"id":"1765","type":2,"data":{"name":"hello"}}"#;
    let raw = capture("discord", "/webhooks/discord", discord, NOW, "1765", true);
    let (code, text) = verify(&raw, &["discord", "--at", &NOW.to_string()]);
    assert_eq!((code, text.trim()), (Some(0), "ok: 1765 2"));

    let twilio = b"CallSid=CA1&From=%2B15551234567&Body=hi";
    let raw = capture("twilio", "/webhooks/twilio", twilio, NOW, "tok-1", true);
    let (code, text) = verify(&raw, &["twilio"]);
    assert_eq!((code, text.trim()), (Some(0), "ok: tok-1 -"));
    let (code, text) = verify(&raw, &["twilio", "--url", "https://hooks.example.com/x"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("the URL is signed too"), "{text}");
}

#[test]
fn private_keys_sign_and_public_keys_verify() {
    // A Discord application of our own: its seed in a key file, its public key given to verify.
    let dir = std::env::temp_dir().join(format!("wg-verify-keys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let seed = [42u8; 32];
    let key_file = dir.join("discord.key");
    std::fs::write(
        &key_file,
        webhook_guard::signature::Encoding::Hex.encode(&seed),
    )
    .unwrap();
    let public = webhook_guard::signature::Encoding::Hex.encode(
        ed25519_dalek::SigningKey::from_bytes(&seed)
            .verifying_key()
            .as_bytes(),
    );
    let body = br#"{"id":"77","type":2}"#;
    let body_file = dir.join("body");
    std::fs::write(&body_file, body).unwrap();
    let signed = cli(&[
        "sign",
        "discord",
        "--body",
        body_file.to_str().unwrap(),
        "--at",
        &NOW.to_string(),
        "--private-key",
        key_file.to_str().unwrap(),
    ]);
    assert!(signed.status.success(), "{signed:?}");
    let mut raw = String::from("POST /webhooks/discord HTTP/1.1\r\n");
    for line in stdout(&signed).lines() {
        raw.push_str(line);
        raw.push_str("\r\n");
    }
    raw.push_str("\r\n");
    let mut raw = raw.into_bytes();
    raw.extend_from_slice(body);
    let at = NOW.to_string();
    let (code, text) = verify(&raw, &["discord", "--at", &at, "--secret", &public]);
    assert_eq!((code, text.trim()), (Some(0), "ok: 77 2"));
    // The receivers' demo key is another: refused.
    let (code, text) = verify(&raw, &["discord", "--at", &at]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.starts_with("refused: 401 invalid signature"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
