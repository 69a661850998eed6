//! A small sender: signs a sample event and POSTs it, like a provider's "send a test webhook"
//! button, to test your own receiver.
//!
//! ```text
//! cargo run --example send -- audit-trail event.created
//! cargo run --example send -- palo ticket.created --url http://127.0.0.1:3000/webhooks/palo --id evt_42
//! ```
//!
//! Secrets come from `AUDIT_TRAIL_SECRET` / `PALO_SECRET` (the receiver's demo defaults when
//! unset). Prints the response status and body; exits 1 unless the answer is 2xx. For the other
//! providers, and to sign or verify captures, see the `webhook-guard` command (`cli/`).

use std::process::ExitCode;

use webhook_guard::testing::demo::{DEMO_AUDIT_TRAIL_SECRET, DEMO_PALO_SECRET};
use webhook_guard::testing::{audit_trail_sample_with_id, palo_sample_with_id};
use webhook_guard::time::{Clock, SystemClock, format_rfc3339};
use webhook_guard::{Scheme, Signer};

const USAGE: &str =
    "usage: send <audit-trail|palo> <event type> [--url URL] [--id ID] [--port PORT]";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(provider), Some(event_type)) = (args.first(), args.get(1)) else {
        eprintln!("{USAGE}");
        return ExitCode::FAILURE;
    };
    let option = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let now = SystemClock.now_unix();
    let unique = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let port =
        option("--port").unwrap_or_else(|| std::env::var("PORT").unwrap_or_else(|_| "3000".into()));
    let (scheme, secret_var, demo, sample) = match provider.as_str() {
        "audit-trail" => (
            Scheme::audit_trail(),
            "AUDIT_TRAIL_SECRET",
            DEMO_AUDIT_TRAIL_SECRET,
            {
                let id = option("--id").unwrap_or_else(|| format!("whd_{unique:x}"));
                audit_trail_sample_with_id(event_type, &id).map(|body| (body, id))
            },
        ),
        "palo" => (Scheme::palo(), "PALO_SECRET", DEMO_PALO_SECRET, {
            let id = option("--id").unwrap_or_else(|| format!("evt_{unique:x}"));
            palo_sample_with_id(event_type, &id).map(|body| {
                // PALO signs the event time inside the body: make the sample's time now.
                let mut value: serde_json::Value =
                    serde_json::from_str(&body).expect("sample is JSON");
                value["timestamp"] = format_rfc3339(now).into();
                (value.to_string(), id)
            })
        }),
        _ => {
            eprintln!("unknown provider {provider:?}\n{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    let Some((body, id)) = sample else {
        eprintln!("no sample for event type {event_type:?} of {provider}");
        return ExitCode::FAILURE;
    };
    let url =
        option("--url").unwrap_or_else(|| format!("http://127.0.0.1:{port}/webhooks/{provider}"));
    let secret_text = std::env::var(secret_var).unwrap_or_else(|_| demo.to_owned());
    let secret = match scheme.secret(&secret_text) {
        Ok(secret) => secret,
        Err(e) => {
            eprintln!("{secret_var}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let headers = Signer::new(scheme, secret).headers(body.as_bytes(), now, &id);
    let mut request = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/json")
        .body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            println!("{} {text}", status.as_u16());
            if status.is_success() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("POST {url}: {e}");
            ExitCode::FAILURE
        }
    }
}
