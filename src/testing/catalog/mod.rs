//! The built-in providers as one table: for each, its route name, how its verifier is built
//! from the environment, and how a sender signs a realistic delivery (and its handshake).
//!
//! The example receivers mount every entry at `/webhooks/<name>`, `webhook-guard send <name>`
//! signs every entry, and the test suite drives every entry against both receivers: a provider
//! is added in one place (its file here, `src/testing/catalog/<provider>.rs`, listed in
//! [`providers`]), and all three know it. The schemes themselves (`src/scheme/`) know nothing
//! of the catalog.
//!
//! Keys come from the environment, with public demo values when a variable is unset:
//! `<NAME>_WEBHOOK_SECRET` (the route name in upper case, `-` as `_`) for a shared secret, and
//! the variables a provider's entry names for public keys and key sets.
//!
//! ```
//! use webhook_guard::testing::catalog::{self, Env, Provider, Sample};
//! use webhook_guard::{Scheme, Verifier};
//!
//! // An entry for a provider signed like GitHub, with a body of our own.
//! let acme = Provider::hmac("acme", "ping", || Scheme::github().with_name("acme"), "acme-demo-secret", |s| {
//!     format!(r#"{{"id":"{}","type":"{}"}}"#, s.id, s.event_type)
//! });
//! assert_eq!(acme.secret_var(), "ACME_WEBHOOK_SECRET");
//! let env = Env::from_pairs([("ACME_WEBHOOK_SECRET", "a-secret-of-our-own")], "http://127.0.0.1:3000");
//! let request = acme.request(&env, &Sample::new("ping", "d-1", 1_700_000_000)).unwrap();
//! assert_eq!(request.path_and_query, "/webhooks/acme");
//!
//! let verifier: Verifier = (acme.verifier)(&acme, &env).unwrap();
//! let delivery = verifier.verify_at(&request.headers, request.body.clone().into(), 1_700_000_000).unwrap();
//! // The Signer put the id where the scheme reads it (GitHub's `X-GitHub-Delivery`).
//! assert_eq!(delivery.id(), "d-1");
//! # let _ = catalog::providers();
//! ```

mod asana;
mod bitbucket;
mod box_com;
mod calendly;
mod clerk;
mod coinbase;
mod gitlab;
mod hubspot;
#[cfg(feature = "sha1")]
mod intercom;
mod mailgun;
mod meta;
mod msgraph;
mod mux;
mod okta;
mod openai;
#[cfg(feature = "ecdsa")]
mod plaid;
mod postmark;
#[cfg(feature = "rsa")]
mod pubsub;
mod razorpay;
mod replicate;
mod resend;
mod sentry;
#[cfg(feature = "rsa")]
mod sns;
#[cfg(feature = "sha1")]
mod trello;
mod twitch;
mod typeform;
#[cfg(feature = "sha1")]
mod vercel;
mod xero;

use std::collections::HashMap;
use std::fmt;

use crate::{Scheme, Signer, Verifier};

/// What a sample delivery is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample<'a> {
    /// The event type (the provider's name for it).
    pub event_type: &'a str,
    /// The delivery id (put where the provider puts it: a header, the body).
    pub id: &'a str,
    /// The time of sending, Unix seconds (signed where the provider signs one).
    pub now: i64,
    /// A body to send instead of the provider's sample (`webhook-guard send --body`); see
    /// [`Sample::body_for`].
    pub body: Option<&'a str>,
}

impl<'a> Sample<'a> {
    /// A sample of `event_type` with delivery id `id`, sent at `now`, with the provider's body.
    pub fn new(event_type: &'a str, id: &'a str, now: i64) -> Self {
        Self {
            event_type,
            id,
            now,
            body: None,
        }
    }

    /// The body to sign for `provider`: the one given, else the provider's sample. Every
    /// [`Provider::sign`] takes its body from here.
    ///
    /// ```
    /// use webhook_guard::Scheme;
    /// use webhook_guard::testing::catalog::{Provider, Sample};
    ///
    /// let p = Provider::hmac("acme", "ping", Scheme::github, "s", |s| format!("{{\"id\":\"{}\"}}", s.id));
    /// assert_eq!(Sample::new("ping", "7", 0).body_for(&p), r#"{"id":"7"}"#);
    /// let own = Sample { body: Some("{}"), ..Sample::new("ping", "7", 0) };
    /// assert_eq!(own.body_for(&p), "{}");
    /// ```
    pub fn body_for(&self, provider: &Provider) -> String {
        match self.body {
            Some(body) => body.to_owned(),
            None => (provider.body)(self),
        }
    }
}

/// A request as the provider would send it, relative to the receiver's base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoRequest {
    /// `POST` for deliveries; some handshakes are `GET`s.
    pub method: http::Method,
    /// The route's path, with a query when the provider adds one (`/webhooks/meta?hub.mode=...`).
    pub path_and_query: String,
    /// The headers, signature included.
    pub headers: Vec<(String, String)>,
    /// The body, as sent.
    pub body: Vec<u8>,
}

impl DemoRequest {
    /// A `POST` of `body` to `path_and_query`.
    pub fn post(
        path_and_query: impl Into<String>,
        headers: Vec<(String, String)>,
        body: impl Into<Vec<u8>>,
    ) -> Self {
        Self {
            method: http::Method::POST,
            path_and_query: path_and_query.into(),
            headers,
            body: body.into(),
        }
    }

    /// The first header called `name` (any case).
    ///
    /// ```
    /// use webhook_guard::testing::catalog::DemoRequest;
    ///
    /// let request = DemoRequest::post("/webhooks/acme", vec![("X-Acme".into(), "1".into())], "{}");
    /// assert_eq!(request.header("x-acme"), Some("1"));
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A provider's check of an endpoint, and what a correct answer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoChallenge {
    /// The request the provider sends.
    pub request: DemoRequest,
    /// The status the provider expects.
    pub status: u16,
    /// Text the answer's body must contain (the echoed challenge); empty when any body will do.
    pub answer_contains: String,
}

/// Where an entry reads its keys: the process's environment (the receivers, the command line)
/// or given pairs (tests), and the public base URL of the receiver (for the schemes that sign
/// the URL).
pub struct Env {
    vars: HashMap<String, String>,
    process: bool,
    public_url: String,
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values are secrets: only the names are shown.
        let names: Vec<&String> = self.vars.keys().collect();
        f.debug_struct("Env")
            .field("vars", &names)
            .field("process", &self.process)
            .field("public_url", &self.public_url)
            .finish()
    }
}

impl Env {
    /// The process's environment; a variable that is unset is reported on stderr when its demo
    /// value is used.
    pub fn from_process(public_url: impl Into<String>) -> Self {
        Self {
            vars: HashMap::new(),
            process: true,
            public_url: public_url.into(),
        }
    }

    /// Given variables only (the process's environment is not read).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
        public_url: impl Into<String>,
    ) -> Self {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            process: false,
            public_url: public_url.into(),
        }
    }

    /// `name` set to `value`, over what the environment says (`--secret` on the command line).
    ///
    /// ```
    /// use webhook_guard::testing::catalog::Env;
    ///
    /// let env = Env::from_process("http://127.0.0.1:3000").with_var("ACME_WEBHOOK_SECRET", "s");
    /// assert_eq!(env.var("ACME_WEBHOOK_SECRET").as_deref(), Some("s"));
    /// ```
    #[must_use]
    pub fn with_var(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.vars.insert(name.into(), value.into());
        self
    }

    /// The variable's value, if it is set and not empty.
    pub fn var(&self, name: &str) -> Option<String> {
        let given = self.vars.get(name).cloned();
        given
            .or_else(|| self.process.then(|| std::env::var(name).ok()).flatten())
            .filter(|value| !value.is_empty())
    }

    /// The variable's value, else `demo`.
    ///
    /// ```
    /// use webhook_guard::testing::catalog::Env;
    ///
    /// let env = Env::from_pairs([("A", "1")], "http://127.0.0.1:3000");
    /// assert_eq!(env.var_or("A", "demo"), "1");
    /// assert_eq!(env.var_or("B", "demo"), "demo");
    /// ```
    pub fn var_or(&self, name: &str, demo: &str) -> String {
        self.var(name).unwrap_or_else(|| {
            if self.process {
                eprintln!("{name} is not set: using the demo value");
            }
            demo.to_owned()
        })
    }

    /// The receiver's public base URL (`http://127.0.0.1:3000`), without a trailing `/`.
    pub fn public_url(&self) -> &str {
        self.public_url.trim_end_matches('/')
    }
}

/// How an entry makes its provider's check of an endpoint, at a time.
pub type ChallengeFn = fn(&Provider, &Env, i64) -> Result<DemoChallenge, String>;

/// One built-in provider: its route, its keys and how a sender signs for it. See the
/// [module docs](self).
#[derive(Clone, Copy)]
pub struct Provider {
    /// The route name: `/webhooks/<name>`, `webhook-guard send <name>`.
    pub name: &'static str,
    /// The event type of a sample when none is asked for.
    pub default_type: &'static str,
    /// The scheme.
    pub scheme: fn() -> Scheme,
    /// The demo value of `<NAME>_WEBHOOK_SECRET` (empty when the provider takes no secret).
    pub demo_secret: &'static str,
    /// A realistic body (the provider's documented example, with the sample's id and time).
    /// Signers read the body through [`Sample::body_for`], which honours a given one.
    pub body: fn(&Sample<'_>) -> String,
    /// The verifier a receiver mounts, keys from the environment.
    pub verifier: fn(&Provider, &Env) -> Result<Verifier, String>,
    /// A delivery as the provider sends it, signed.
    pub sign: fn(&Provider, &Env, &Sample<'_>) -> Result<DemoRequest, String>,
    /// The provider's check of the endpoint, if it makes one, at a time.
    pub challenge: Option<ChallengeFn>,
    /// Changes a signed delivery so that its signature no longer holds (by default one bit of
    /// the body; the entries whose body is not what is signed override it).
    pub tamper: fn(&mut DemoRequest),
    /// The route takes `GET` as well as `POST` (a challenge sent as a query).
    pub takes_get: bool,
}

impl fmt::Debug for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Provider")
            .field("name", &self.name)
            .field("default_type", &self.default_type)
            .field("takes_get", &self.takes_get)
            .finish_non_exhaustive()
    }
}

impl Provider {
    /// An entry for a provider that signs with a shared secret the way its scheme says (the
    /// [`Signer`] produces its deliveries): keys from `<NAME>_WEBHOOK_SECRET`, no handshake,
    /// a flipped body bit as the tampering.
    pub const fn hmac(
        name: &'static str,
        default_type: &'static str,
        scheme: fn() -> Scheme,
        demo_secret: &'static str,
        body: fn(&Sample<'_>) -> String,
    ) -> Self {
        Self {
            name,
            default_type,
            scheme,
            demo_secret,
            body,
            verifier: hmac_verifier,
            sign: hmac_sign,
            challenge: None,
            tamper: flip_body_bit,
            takes_get: false,
        }
    }

    /// The route: `/webhooks/<name>`.
    pub fn path(&self) -> String {
        format!("/webhooks/{}", self.name)
    }

    /// The environment variable of the shared secret: `<NAME>_WEBHOOK_SECRET`.
    pub fn secret_var(&self) -> String {
        self.var("WEBHOOK_SECRET")
    }

    /// One of the provider's environment variables: `<NAME>_<suffix>` (`PUBLIC_KEY`, `JWKS`).
    ///
    /// ```
    /// use webhook_guard::Scheme;
    /// use webhook_guard::testing::catalog::Provider;
    ///
    /// let p = Provider::hmac("ms-graph", "created", Scheme::github, "", |_| String::new());
    /// assert_eq!(p.var("JWKS"), "MS_GRAPH_JWKS");
    /// ```
    pub fn var(&self, suffix: &str) -> String {
        format!(
            "{}_{suffix}",
            self.name.to_ascii_uppercase().replace('-', "_")
        )
    }

    /// The shared secret from the environment (or the demo), decoded for the scheme.
    pub fn secret(&self, env: &Env) -> Result<crate::Secret, String> {
        let var = self.secret_var();
        (self.scheme)()
            .secret(env.var_or(&var, self.demo_secret))
            .map_err(|e| format!("{var}: {e}"))
    }

    /// A signed delivery (`self.sign`).
    pub fn request(&self, env: &Env, sample: &Sample<'_>) -> Result<DemoRequest, String> {
        (self.sign)(self, env, sample)
    }
}

/// The default [`Provider::verifier`]: the scheme, the secret from `<NAME>_WEBHOOK_SECRET`,
/// and the public URL (for the schemes that sign it).
pub fn hmac_verifier(provider: &Provider, env: &Env) -> Result<Verifier, String> {
    let secret = provider.secret(env)?;
    Ok(Verifier::new((provider.scheme)(), [secret]).public_url(env.public_url()))
}

/// The default [`Provider::sign`]: the sample body, signed by the [`Signer`] with the secret,
/// `POST`ed to the route.
pub fn hmac_sign(
    provider: &Provider,
    env: &Env,
    sample: &Sample<'_>,
) -> Result<DemoRequest, String> {
    let secret = provider.secret(env)?;
    let body = sample.body_for(provider);
    let path = provider.path();
    let headers = Signer::new((provider.scheme)(), secret)
        .url(format!("{}{path}", env.public_url()))
        .headers(body.as_bytes(), sample.now, sample.id);
    Ok(DemoRequest::post(path, headers, body))
}

/// The default [`Provider::tamper`]: flips the low bit of one letter or digit in the body's
/// second half (the text stays valid UTF-8), or adds a byte to a body that has none.
///
/// ```
/// use webhook_guard::testing::catalog::{DemoRequest, flip_body_bit};
///
/// let mut request = DemoRequest::post("/webhooks/acme", Vec::new(), r#"{"id":"abc"}"#);
/// flip_body_bit(&mut request);
/// assert_eq!(request.body, br#"{"id":"`bc"}"#);
/// ```
pub fn flip_body_bit(request: &mut DemoRequest) {
    let half = request.body.len() / 2;
    let at = (half..request.body.len())
        .chain(0..half)
        .find(|&i| request.body[i].is_ascii_alphanumeric());
    match at {
        Some(i) => request.body[i] ^= 1,
        None => request.body.push(b' '),
    }
}

/// `text` escaped for a URL's query: unreserved characters as they are, every other byte
/// `%XX`.
///
/// ```
/// use webhook_guard::testing::catalog::query_escape;
///
/// assert_eq!(query_escape("a b&c=d~e"), "a%20b%26c%3Dd~e");
/// ```
pub fn query_escape(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Flips the low bit of the last letter or digit of header `name` (any case), for the entries
/// whose secret travels in a header as it is (a token, basic credentials): their body is not
/// what is checked.
///
/// ```
/// use webhook_guard::testing::catalog::{DemoRequest, flip_header_bit};
///
/// let mut request = DemoRequest::post("/webhooks/acme", vec![("X-Token".into(), "abc=".into())], "{}");
/// flip_header_bit(&mut request, "x-token");
/// assert_eq!(request.header("x-token"), Some("abb="));
/// ```
pub fn flip_header_bit(request: &mut DemoRequest, name: &str) {
    for (header, value) in &mut request.headers {
        if !header.eq_ignore_ascii_case(name) {
            continue;
        }
        let mut bytes = std::mem::take(value).into_bytes();
        if let Some(at) = bytes.iter().rposition(u8::is_ascii_alphanumeric) {
            bytes[at] ^= 1;
        }
        *value = String::from_utf8_lossy(&bytes).into_owned();
    }
}

/// Every built-in provider the catalog knows, in route-name order.
///
/// ```
/// use webhook_guard::testing::catalog::providers;
///
/// let names: Vec<&str> = providers().iter().map(|p| p.name).collect();
/// let mut sorted = names.clone();
/// sorted.sort_unstable();
/// sorted.dedup();
/// assert_eq!(names, sorted, "one entry per name, sorted");
/// ```
// One push per entry, each gated by its scheme's feature where it has one.
#[allow(clippy::vec_init_then_push)]
pub fn providers() -> Vec<Provider> {
    #[allow(unused_mut)]
    let mut all: Vec<Provider> = Vec::new();
    #[cfg(feature = "ecdsa")]
    all.push(plaid::entry());
    #[cfg(feature = "rsa")]
    all.push(sns::entry());
    #[cfg(feature = "rsa")]
    all.push(pubsub::entry());
    all.push(asana::entry());
    all.push(gitlab::entry());
    all.push(mailgun::entry());
    all.push(msgraph::entry());
    all.push(okta::entry());
    all.push(postmark::entry());
    // Issue 28, helper H's schemes.
    all.extend([
        bitbucket::entry(),
        box_com::entry(),
        calendly::entry(),
        hubspot::entry(),
        meta::entry(),
        mux::entry(),
        twitch::entry(),
        xero::entry(),
    ]);
    #[cfg(feature = "sha1")]
    all.push(trello::entry());
    // Issue 28, helper M's schemes.
    all.extend([
        clerk::entry(),
        coinbase::entry(),
        openai::entry(),
        razorpay::entry(),
        replicate::entry(),
        resend::entry(),
        sentry::entry(),
        typeform::entry(),
    ]);
    #[cfg(feature = "sha1")]
    all.extend([intercom::entry(), vercel::entry()]);
    all.sort_unstable_by_key(|p| p.name);
    all
}

/// The entry called `name`.
pub fn find(name: &str) -> Option<Provider> {
    providers().into_iter().find(|p| p.name == name)
}

/// The keys of a catalog entry from `<NAME>_JWKS` (a path to a JWKS file, or with the
/// `key-fetch` feature an `https` URL, `http` on loopback only), else `demo`.
#[cfg(any(feature = "ecdsa", feature = "rsa"))]
fn key_set(
    provider: &Provider,
    env: &Env,
    demo: impl FnOnce() -> crate::signature::SecretSet,
) -> Result<crate::signature::SecretSet, String> {
    let var = provider.var("JWKS");
    let Some(place) = env.var(&var) else {
        // The demo keys, as `var_or` reports them.
        let _ = env.var_or(&var, "the demo key set");
        return Ok(demo());
    };
    if place.starts_with("https://") || place.starts_with("http://") {
        #[cfg(feature = "key-fetch")]
        {
            let host = place
                .split("://")
                .nth(1)
                .and_then(|rest| rest.split(['/', ':', '?']).next())
                .unwrap_or_default()
                .to_owned();
            let mut fetcher = crate::keys::fetch::Fetcher::new([host.clone()]);
            if matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]") {
                fetcher = fetcher.allow_http();
            }
            let jwks = crate::keys::fetch::JwksUrl::new(place, fetcher)
                .map_err(|e| format!("{var}: {e}"))?;
            return Ok(crate::keys::KeySource::lazy(jwks).secret_set());
        }
        #[cfg(not(feature = "key-fetch"))]
        return Err(format!(
            "{var} is a URL: build with the `key-fetch` feature"
        ));
    }
    let scheme = (provider.scheme)();
    crate::keys::KeySource::file(place, &scheme)
        .map(|source| source.secret_set())
        .map_err(|e| format!("{var}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acme() -> Provider {
        Provider::hmac(
            "acme-co",
            "thing.done",
            || {
                Scheme::builder("acme-co")
                    .signature(
                        "x-acme-signature",
                        crate::signature::SignatureFormat::prefixed_hex("v1="),
                    )
                    .signed_content([
                        crate::scheme::SignedPart::Timestamp,
                        crate::scheme::SignedPart::literal("."),
                        crate::scheme::SignedPart::Body,
                    ])
                    .timestamp(
                        crate::scheme::Field::header("x-acme-timestamp"),
                        crate::scheme::TimestampFormat::UnixSeconds,
                    )
                    .freshness(crate::Freshness::new(
                        std::time::Duration::from_secs(300),
                        std::time::Duration::from_secs(60),
                    ))
                    .id(
                        crate::scheme::Field::body("id"),
                        crate::scheme::IdBinding::Signed,
                    )
                    .event_type(crate::scheme::Field::body("type"))
                    .build()
                    .unwrap()
            },
            "acme-demo-secret",
            |s| format!(r#"{{"id":"{}","type":"{}"}}"#, s.id, s.event_type),
        )
    }

    #[test]
    fn a_signed_sample_verifies_and_its_tampered_copy_does_not() {
        let p = acme();
        let env = Env::from_pairs([("ACME_CO_WEBHOOK_SECRET", "s3cret")], "http://h");
        let sample = Sample::new("thing.done", "d1", 1_700_000_000);
        let mut request = p.request(&env, &sample).unwrap();
        let verifier = (p.verifier)(&p, &env).unwrap();
        let delivery = verifier
            .verify_at(&request.headers, request.body.clone().into(), sample.now)
            .unwrap();
        assert_eq!(
            (delivery.id(), delivery.event_type()),
            ("d1", Some("thing.done"))
        );
        (p.tamper)(&mut request);
        assert_eq!(
            verifier
                .verify_at(&request.headers, request.body.clone().into(), sample.now)
                .unwrap_err(),
            crate::Rejection::InvalidSignature
        );
        // The demo secret is not the configured one.
        let demo = Env::from_pairs(Vec::<(String, String)>::new(), "http://h");
        let demo_request = p.request(&demo, &sample).unwrap();
        assert!(
            verifier
                .verify_at(&demo_request.headers, demo_request.body.into(), sample.now)
                .is_err()
        );
    }

    #[test]
    fn env_debug_shows_names_not_values() {
        let env = Env::from_pairs([("X_WEBHOOK_SECRET", "hunter2")], "http://h");
        let text = format!("{env:?}");
        assert!(text.contains("X_WEBHOOK_SECRET") && !text.contains("hunter2"));
    }

    #[test]
    fn an_empty_body_is_tampered_by_growing() {
        let mut request = DemoRequest::post("/x", Vec::new(), "");
        flip_body_bit(&mut request);
        assert_eq!(request.body, b" ");
    }
}
