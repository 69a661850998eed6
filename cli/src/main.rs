//! `webhook-guard`: sign, send and verify any built-in provider's delivery, operate the durable
//! inbox, and serve as a verifying, durable forwarder in front of an app in any language.
//!
//! ```text
//! cargo install --path cli
//! webhook-guard send github                       # to `cargo run --example receiver`
//! webhook-guard sign stripe --body event.json     # header lines, for curl
//! webhook-guard verify stripe --request capture.http --at 1765000000
//! webhook-guard serve --config webhook-guard.toml
//! webhook-guard inbox --url sqlite://inbox.db stats
//! ```
//!
//! Secrets default to the example receivers' environment variables and demo values (the
//! README's "example receivers' interface" table), so every command works against
//! `cargo run --example receiver` without flags.

mod catalog;
mod custom;
mod inbox;
mod providers;
mod request;
mod serve;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use webhook_guard::time::{Clock as _, SystemClock, parse_rfc3339};

use providers::Provider;

/// Sign, send and verify webhook deliveries; operate the inbox; serve as a verifying forwarder.
#[derive(Debug, Parser)]
#[command(name = "webhook-guard", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sign a sample delivery of PROVIDER (or your own body) now and POST it; prints the
    /// status and the answer's body, exits 0 on a 2xx.
    Send(SendArgs),
    /// Print the header lines (`Name: value`) that sign a body, for use with curl.
    Sign(SignArgs),
    /// Verify a captured raw HTTP/1.1 request: `ok: <id> <type>`, or the rejection and why.
    Verify(VerifyArgs),
    /// Serve verified routes in front of an upstream app, through a durable inbox.
    Serve(serve::ServeArgs),
    /// The durable inbox's operations, as JSON lines.
    Inbox(inbox::InboxArgs),
}

/// What `send` and `sign` share: which route, which key.
#[derive(Debug, clap::Args)]
struct Target {
    /// The route: audit-trail, palo, palo-test, standard, github, stripe, slack, shopify,
    /// twilio, square, paddle, linear, zoom, dropbox, discord, sendgrid, paypal.
    provider: String,
    /// Standard Webhooks' Ed25519 `v1a` signature instead of `v1` (HMAC).
    #[arg(long)]
    v1a: bool,
    /// The URL (default `http://127.0.0.1:$PORT/webhooks/PROVIDER`, PORT 3000). Twilio and
    /// Square sign it: with `PUBLIC_BASE_URL` set, they sign that base and the URL's path.
    #[arg(long)]
    url: Option<String>,
    /// The shared secret (default: the receivers' environment variable, else their demo value).
    #[arg(long)]
    secret: Option<String>,
    /// The private key file of a public-key scheme (Discord and `v1a`: a 32-byte seed in hex;
    /// SendGrid: PEM or a hex scalar; PayPal: PEM). Default: the receivers' demo keys.
    #[arg(long)]
    private_key: Option<PathBuf>,
    /// The delivery id (default: a new one in the provider's shape). Send the same id twice
    /// to see the receiver deduplicate it.
    #[arg(long)]
    id: Option<String>,
}

#[derive(Debug, clap::Args)]
struct SendArgs {
    #[command(flatten)]
    target: Target,
    /// The event type of the sample body (each provider has a default).
    event_type: Option<String>,
    /// Send this file's bytes instead of the sample body.
    #[arg(long)]
    body: Option<PathBuf>,
    /// An extra header, `Name: value` (repeatable).
    #[arg(long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
}

#[derive(Debug, clap::Args)]
struct SignArgs {
    #[command(flatten)]
    target: Target,
    /// The body to sign (`-` for stdin).
    #[arg(long)]
    body: PathBuf,
    /// Sign at this time (Unix seconds or RFC 3339) instead of now.
    #[arg(long)]
    at: Option<String>,
    /// The event type for the providers that send it in a header (GitHub, Shopify, Linear).
    #[arg(long = "type")]
    event_type: Option<String>,
}

#[derive(Debug, clap::Args)]
struct VerifyArgs {
    /// The route the request was sent to (as for `send`).
    provider: String,
    /// The captured request: request line, headers, blank line, body (`-` for stdin).
    #[arg(long)]
    request: PathBuf,
    /// Verify `v1a` signatures with this key (Standard Webhooks).
    #[arg(long)]
    v1a: bool,
    /// The secret (default: the receivers' variable, else the demo). For a public-key
    /// route, the public key as the receivers' variable takes it.
    #[arg(long)]
    secret: Option<String>,
    /// Verify at this time (Unix seconds or RFC 3339): a capture is fresh at its own time.
    #[arg(long)]
    at: Option<String>,
    /// The public URL the sender called (Twilio and Square sign it); its origin is used with
    /// the request's path. Default: `PUBLIC_BASE_URL`, else `http://` and the `Host` header.
    #[arg(long)]
    url: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Send(args) => runtime().and_then(|rt| rt.block_on(send(args))),
        Command::Sign(args) => sign(args),
        Command::Verify(args) => verify(args),
        Command::Serve(args) => runtime().and_then(|rt| rt.block_on(serve::run(args))),
        Command::Inbox(args) => runtime().and_then(|rt| rt.block_on(inbox::run(args))),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("webhook-guard: {error}");
            ExitCode::from(2)
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
}

/// A file's bytes, or stdin's for `-`.
fn read_input(path: &Path) -> Result<Vec<u8>, String> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| format!("stdin: {e}"))?;
        return Ok(bytes);
    }
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// `--at`: Unix seconds or an RFC 3339 date-time.
fn parse_time(text: &str) -> Result<i64, String> {
    text.trim()
        .parse::<i64>()
        .ok()
        .or_else(|| parse_rfc3339(text.trim().as_bytes()))
        .ok_or_else(|| format!("--at {text:?}: expected Unix seconds or an RFC 3339 date-time"))
}

impl Target {
    fn provider(&self) -> Result<Provider, String> {
        Provider::find(&self.provider, self.v1a)
    }

    /// Where to send, and the URL the URL-signing schemes sign.
    fn urls(&self, provider: &Provider) -> (String, String) {
        let url = self.url.clone().unwrap_or_else(|| {
            let port = std::env::var("PORT")
                .ok()
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| "3000".into());
            format!("http://127.0.0.1:{port}{}", provider.path)
        });
        let signed = match std::env::var("PUBLIC_BASE_URL")
            .ok()
            .filter(|v| !v.is_empty())
        {
            Some(base) => format!("{}{}", base.trim_end_matches('/'), path_and_query(&url)),
            None => url.clone(),
        };
        (url, signed)
    }

    /// The secret or the private key file's contents, if given.
    fn key(&self) -> Result<Option<String>, String> {
        match (&self.secret, &self.private_key) {
            (Some(_), Some(_)) => Err("give --secret or --private-key, not both".into()),
            (Some(secret), None) => Ok(Some(secret.clone())),
            (None, Some(path)) => std::fs::read_to_string(path)
                .map(Some)
                .map_err(|e| format!("{}: {e}", path.display())),
            (None, None) => Ok(None),
        }
    }

    fn id(&self, provider: &Provider) -> String {
        self.id
            .clone()
            .unwrap_or_else(|| provider.new_id(providers::unique_nanos()))
    }
}

/// `/path?query` of a URL (`/` when it has none).
fn path_and_query(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme
        .find('/')
        .map_or("/", |slash| &after_scheme[slash..])
}

/// `scheme://host[:port]` of a URL.
fn origin(url: &str) -> &str {
    let path = path_and_query(url);
    if path == "/" && !url.ends_with('/') {
        url
    } else {
        &url[..url.len() - path.len()]
    }
}

async fn send(args: SendArgs) -> Result<ExitCode, String> {
    let target = &args.target;
    if let Some(entry) = catalog::entry(&target.provider) {
        return send_catalog(&entry, &args).await;
    }
    let provider = target.provider()?;
    let now = SystemClock.now_unix();
    let id = target.id(&provider);
    let (url, signed_url) = target.urls(&provider);
    let event_type = args
        .event_type
        .clone()
        .unwrap_or_else(|| provider.default_type().to_owned());
    let mut sample = provider.sample(&event_type, &id, now)?;
    if let Some(path) = &args.body {
        sample.body = read_input(path)?;
    }
    let mut headers = provider.sign(
        &sample.body,
        &id,
        now,
        &signed_url,
        target.key()?.as_deref(),
    )?;
    headers.extend(sample.headers);
    for header in &args.headers {
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| format!("--header {header:?}: expected `Name: value`"))?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let mut request = reqwest::Client::new().post(&url).body(sample.body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = request
        .send()
        .await
        .map_err(|e| format!("POST {url}: {e}"))?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    println!("{} {text}", status.as_u16());
    Ok(if status.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `send` for a route of the library's catalog: the catalog signs (method, query and headers
/// as the provider sends them).
async fn send_catalog(
    entry: &webhook_guard::testing::catalog::Provider,
    args: &SendArgs,
) -> Result<ExitCode, String> {
    let target = &args.target;
    let request = catalog_request(
        entry,
        target,
        args.event_type.as_deref(),
        args.body.as_deref(),
        None,
    )?;
    let url = match &target.url {
        Some(url) => url.clone(),
        None => format!("{}{}", local_origin(), request.path_and_query),
    };
    let mut builder = reqwest::Client::new()
        .request(request.method.clone(), &url)
        .body(request.body);
    for (name, value) in request.headers.iter().chain(&extra_headers(&args.headers)?) {
        builder = builder.header(name, value);
    }
    let response = builder
        .send()
        .await
        .map_err(|e| format!("{} {url}: {e}", request.method))?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    println!("{} {text}", status.as_u16());
    Ok(if status.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A catalog route's signed request, from the command's flags.
fn catalog_request(
    entry: &webhook_guard::testing::catalog::Provider,
    target: &Target,
    event_type: Option<&str>,
    body: Option<&Path>,
    at: Option<i64>,
) -> Result<webhook_guard::testing::catalog::DemoRequest, String> {
    if target.private_key.is_some() {
        return Err(format!(
            "--private-key: {} signs with the key its environment variables name (see the README's table)",
            entry.name
        ));
    }
    let now = at.unwrap_or_else(|| SystemClock.now_unix());
    let id = target
        .id
        .clone()
        .unwrap_or_else(|| catalog::new_id(providers::unique_nanos()));
    let body = match body {
        Some(path) => {
            Some(String::from_utf8(read_input(path)?).map_err(|_| "--body: not UTF-8".to_owned())?)
        }
        None => None,
    };
    let env = catalog::env(entry, &public_base_url(target), target.secret.as_deref());
    catalog::request(
        entry,
        &env,
        event_type.unwrap_or(entry.default_type),
        &id,
        now,
        body.as_deref(),
    )
}

/// `http://127.0.0.1:$PORT` (3000 by default): the example receivers' address.
fn local_origin() -> String {
    let port = std::env::var("PORT")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "3000".into());
    format!("http://127.0.0.1:{port}")
}

/// The base URL a URL-signing scheme signs: `PUBLIC_BASE_URL`, else `--url`'s origin, else
/// the local receiver's.
fn public_base_url(target: &Target) -> String {
    match std::env::var("PUBLIC_BASE_URL")
        .ok()
        .filter(|v| !v.is_empty())
    {
        Some(base) => base,
        None => target
            .url
            .as_deref()
            .map_or_else(local_origin, |url| origin(url).to_owned()),
    }
}

/// `--header` values, `Name: value`.
fn extra_headers(headers: &[String]) -> Result<Vec<(String, String)>, String> {
    headers
        .iter()
        .map(|header| {
            let (name, value) = header
                .split_once(':')
                .ok_or_else(|| format!("--header {header:?}: expected `Name: value`"))?;
            Ok((name.trim().to_owned(), value.trim().to_owned()))
        })
        .collect()
}

fn sign(args: SignArgs) -> Result<ExitCode, String> {
    let target = &args.target;
    if let Some(entry) = catalog::entry(&target.provider) {
        let at = args.at.as_deref().map(parse_time).transpose()?;
        let request = catalog_request(
            &entry,
            target,
            args.event_type.as_deref(),
            Some(&args.body),
            at,
        )?;
        for (name, value) in request.headers {
            println!("{name}: {value}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let provider = target.provider()?;
    let now = match &args.at {
        Some(at) => parse_time(at)?,
        None => SystemClock.now_unix(),
    };
    let id = target.id(&provider);
    let (_, signed_url) = target.urls(&provider);
    let body = read_input(&args.body)?;
    let headers = provider.sign(&body, &id, now, &signed_url, target.key()?.as_deref())?;
    for (name, value) in headers {
        println!("{name}: {value}");
    }
    // The unsigned headers some providers read the event type from.
    let header = match provider.name {
        "github" => Some("X-GitHub-Event"),
        "shopify" => Some("X-Shopify-Topic"),
        "linear" => Some("Linear-Event"),
        _ => None,
    };
    if let Some(header) = header {
        let event_type = args
            .event_type
            .as_deref()
            .unwrap_or(provider.default_type());
        println!("{header}: {event_type}");
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(args: VerifyArgs) -> Result<ExitCode, String> {
    let raw = read_input(&args.request)?;
    let captured = request::parse(&raw)?;
    let now = match &args.at {
        Some(at) => parse_time(at)?,
        None => SystemClock.now_unix(),
    };
    let public_url = match (&args.url, std::env::var("PUBLIC_BASE_URL")) {
        (Some(url), _) => origin(url).to_owned(),
        (None, Ok(base)) if !base.is_empty() => base,
        _ => format!("http://{}", captured.header("host").unwrap_or("127.0.0.1")),
    };
    let verifier = match catalog::entry(&args.provider) {
        Some(entry) => {
            let env = catalog::env(&entry, &public_url, args.secret.as_deref());
            (entry.verifier)(&entry, &env)?
        }
        None => Provider::find(&args.provider, args.v1a)?
            .verifier(args.secret.as_deref(), &public_url)?,
    };
    match verifier.diagnose(
        &captured.headers,
        &captured.target,
        captured.body.into(),
        now,
    ) {
        Ok(delivery) => {
            println!(
                "ok: {} {}",
                delivery.id(),
                delivery.event_type().unwrap_or("-")
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(diagnosis) => {
            let rejection = diagnosis.rejection();
            println!(
                "refused: {} {} ({}): {}",
                rejection.status(),
                rejection.reason(),
                rejection.code(),
                diagnosis.detail()
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_origin_and_path() {
        assert_eq!(path_and_query("http://h:1/a/b?c=d"), "/a/b?c=d");
        assert_eq!(path_and_query("http://h:1"), "/");
        assert_eq!(origin("http://h:1/a/b?c=d"), "http://h:1");
        assert_eq!(origin("https://h"), "https://h");
        assert_eq!(origin("https://h/"), "https://h");
    }

    #[test]
    fn times_are_unix_seconds_or_rfc3339() {
        assert_eq!(parse_time("1765000000"), Ok(1_765_000_000));
        assert_eq!(parse_time("1970-01-01T00:01:00Z"), Ok(60));
        assert!(parse_time("last week").is_err());
    }
}
