//! Public keys fetched over HTTPS (feature `key-fetch`): a JSON Web Key Set by URL
//! ([`JwksUrl`]: Plaid, Google), or the certificates a delivery names by URL
//! ([`CertificateUrls`]: AWS SNS). Used as a [`KeySource`](super::KeySource)'s provider.
//!
//! Only URLs on the hosts given are fetched (`https` only, unless a test allows `http`),
//! redirects are not followed (a redirect could leave the allowed hosts), a response is read
//! up to 256 KiB within 10 seconds. A fetched key set is kept for its `Cache-Control:
//! max-age` (bounded, see [`Fetcher::cache_bounds`]); a delivery naming a key id the set lacks
//! loads it again, at most once per [`KeySource::refetch_interval`](super::KeySource::refetch_interval).
//! No key, no acceptance: a set that cannot be fetched answers `503` until it can; while the
//! provider is down it is tried once per refetch interval, not once per delivery, and a set
//! that expired meanwhile stays in use.
//!
//! ```no_run
//! # #[cfg(feature = "ecdsa")] {
//! use webhook_guard::keys::KeySource;
//! use webhook_guard::keys::fetch::{Fetcher, JwksUrl};
//! use webhook_guard::{Scheme, Verifier};
//!
//! let fetcher = Fetcher::new(["production.plaid.com"]);
//! let jwks = JwksUrl::new("https://production.plaid.com/webhook_verification_key/get", fetcher).unwrap();
//! let keys = KeySource::lazy(jwks);
//! let verifier = Verifier::with_secret_set(Scheme::plaid(), keys.secret_set());
//! # let _ = verifier;
//! # }
//! ```

use std::borrow::Cow;
#[cfg(feature = "rsa")]
use std::sync::Mutex;
use std::time::Duration;

use super::KeyLoadError;
#[cfg(any(feature = "ecdsa", feature = "rsa"))]
use super::{KeyFuture, KeyProvider, LoadedKeys};
use crate::scheme::allowed_url_host;
#[cfg(any(feature = "ecdsa", feature = "rsa"))]
use crate::verify::signature::SecretSet;

/// The largest response read.
const MAX_RESPONSE: usize = 256 * 1024;

/// An HTTP client restricted to a list of hosts. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    hosts: Vec<Cow<'static, str>>,
    allow_http: bool,
    min_age: Duration,
    max_age: Duration,
    /// The age of a response without `Cache-Control: max-age`.
    default_age: Duration,
}

impl Fetcher {
    /// A client for URLs on `hosts`: exact names, or patterns where `*` is one DNS label
    /// (`sns.*.amazonaws.com`; see [`host_matches`](crate::scheme::host_matches)).
    pub fn new<H: Into<Cow<'static, str>>>(hosts: impl IntoIterator<Item = H>) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self {
            client,
            hosts: hosts.into_iter().map(Into::into).collect(),
            allow_http: false,
            min_age: Duration::from_secs(60),
            max_age: Duration::from_secs(24 * 3600),
            default_age: Duration::from_secs(3600),
        }
    }

    /// Allows `http://` URLs: for tests against a local server, never in production (a key
    /// fetched in clear can be replaced on the way).
    #[must_use]
    pub fn allow_http(mut self) -> Self {
        self.allow_http = true;
        self
    }

    /// The bounds a response's `max-age` is held to (default 60 s to 24 h; a response
    /// without one is kept an hour, within the bounds): a provider's `no-cache` must not make
    /// every delivery a fetch.
    #[must_use]
    pub fn cache_bounds(mut self, min: Duration, max: Duration) -> Self {
        self.min_age = min;
        self.max_age = max.max(min);
        self
    }

    /// True when `url` may be fetched.
    pub fn allows(&self, url: &str) -> bool {
        allowed_url_host(url, &self.hosts, self.allow_http).is_some()
    }

    /// GETs `url`: its body and how long it may be kept.
    pub async fn get(&self, url: &str) -> Result<(Vec<u8>, Duration), KeyLoadError> {
        if !self.allows(url) {
            return Err(KeyLoadError(format!("{url}: not an allowed host")));
        }
        let failed = |e: reqwest::Error| KeyLoadError(format!("{url}: {e}"));
        let mut response = self.client.get(url).send().await.map_err(failed)?;
        let status = response.status();
        if !status.is_success() {
            return Err(KeyLoadError(format!("{url}: HTTP {status}")));
        }
        let age = response
            .headers()
            .get_all(http::header::CACHE_CONTROL)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find_map(max_age)
            .unwrap_or(self.default_age)
            .clamp(self.min_age, self.max_age);
        if response
            .content_length()
            .is_some_and(|len| len > MAX_RESPONSE as u64)
        {
            return Err(KeyLoadError(format!(
                "{url}: response over {MAX_RESPONSE} bytes"
            )));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            if body.len() + chunk.len() > MAX_RESPONSE {
                return Err(KeyLoadError(format!(
                    "{url}: response over {MAX_RESPONSE} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok((body, age))
    }
}

/// The `max-age` of a `Cache-Control` value (`no-store`/`no-cache` count as 0).
fn max_age(value: &str) -> Option<Duration> {
    value.split(',').map(str::trim).find_map(|directive| {
        let lower = directive.to_ascii_lowercase();
        if lower == "no-store" || lower == "no-cache" {
            return Some(Duration::ZERO);
        }
        let seconds = lower.strip_prefix("max-age=")?;
        seconds
            .trim_matches('"')
            .parse()
            .ok()
            .map(Duration::from_secs)
    })
}

/// A JSON Web Key Set at a URL ([`parse_jwks`](super::parse_jwks)), kept for its
/// `Cache-Control: max-age`.
#[cfg(any(feature = "ecdsa", feature = "rsa"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "ecdsa", feature = "rsa"))))]
#[derive(Debug, Clone)]
pub struct JwksUrl {
    url: String,
    fetcher: Fetcher,
}

#[cfg(any(feature = "ecdsa", feature = "rsa"))]
impl JwksUrl {
    /// The key set at `url`, which `fetcher` must allow.
    pub fn new(url: impl Into<String>, fetcher: Fetcher) -> Result<Self, KeyLoadError> {
        let url = url.into();
        if !fetcher.allows(&url) {
            return Err(KeyLoadError(format!("{url}: not an allowed host")));
        }
        Ok(Self { url, fetcher })
    }
}

#[cfg(any(feature = "ecdsa", feature = "rsa"))]
impl KeyProvider for JwksUrl {
    fn load(&self) -> KeyFuture<'_> {
        Box::pin(async move {
            let (body, age) = self.fetcher.get(&self.url).await?;
            let keys = super::parse_jwks(&body)
                .map_err(|e| KeyLoadError(format!("{}: {}", self.url, e.0)))?;
            Ok(LoadedKeys {
                keys: SecretSet::public_keys(keys),
                max_age: Some(age),
            })
        })
    }

    fn describe(&self) -> String {
        self.url.clone()
    }
}

/// Certificates named by URL in the deliveries themselves (AWS SNS's `SigningCertURL`),
/// fetched the first time a delivery names one, on the allowed hosts only, and kept (at most
/// 16, the oldest dropped first; a provider rotates its certificate rarely).
///
/// Each certificate's key is named by its URL ([`KeyMeta::id`](crate::KeyMeta::id)) and valid
/// within the certificate's own `notBefore`/`notAfter`. The certificate chain is not checked:
/// the allowed host, over HTTPS, is what vouches for it (as AWS's own SDKs do).
#[cfg(feature = "rsa")]
#[cfg_attr(docsrs, doc(cfg(feature = "rsa")))]
#[derive(Debug)]
pub struct CertificateUrls {
    fetcher: Fetcher,
    certificates: Mutex<Vec<crate::PublicKey>>,
}

#[cfg(feature = "rsa")]
const MAX_CERTIFICATES: usize = 16;

#[cfg(feature = "rsa")]
impl CertificateUrls {
    /// Certificates on the hosts `fetcher` allows.
    pub fn new(fetcher: Fetcher) -> Self {
        Self {
            fetcher,
            certificates: Mutex::new(Vec::new()),
        }
    }

    /// With `certificate` already known at `url` (a certificate downloaded beforehand, a
    /// demo): a delivery naming `url` is verified with it and nothing is fetched.
    #[must_use]
    pub fn with_certificate(self, url: &str, certificate: crate::PublicKey) -> Self {
        self.certificates
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(certificate.with_id(url));
        self
    }

    /// The certificates known now.
    pub fn known(&self) -> SecretSet {
        let certificates = self
            .certificates
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        SecretSet::public_keys(certificates.iter().cloned())
    }
}

#[cfg(feature = "rsa")]
impl KeyProvider for CertificateUrls {
    fn load(&self) -> KeyFuture<'_> {
        Box::pin(async move { Ok(LoadedKeys::new(self.known())) })
    }

    fn load_for<'a>(&'a self, url: &'a str) -> KeyFuture<'a> {
        Box::pin(async move {
            let (body, _) = self.fetcher.get(url).await?;
            let key = crate::PublicKey::rsa_certificate_pem_with_validity(&body)
                .map_err(|e| KeyLoadError(format!("{url}: {e}")))?
                .with_id(url);
            {
                let mut certificates = self
                    .certificates
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                certificates.retain(|known| known.meta().id() != Some(url));
                if certificates.len() == MAX_CERTIFICATES {
                    certificates.remove(0);
                }
                certificates.push(key);
            }
            Ok(LoadedKeys::new(self.known()))
        })
    }

    fn describe(&self) -> String {
        "certificate URLs".to_owned()
    }
}

/// Confirms an SNS subscription: for a verified `SubscriptionConfirmation`
/// ([`Scheme::sns`](crate::Scheme::sns) hands it to the handler), GETs its signed
/// `SubscribeURL`, on a host `fetcher` allows only (give it
/// [`SNS_CERTIFICATE_HOSTS`](crate::scheme::SNS_CERTIFICATE_HOSTS)). Call it from the handler
/// when your code decides to subscribe; the error says why not (not a confirmation, a URL off
/// the allowed hosts, the request failed).
pub async fn confirm_sns_subscription(
    delivery: &crate::Delivery,
    fetcher: &Fetcher,
) -> Result<(), KeyLoadError> {
    if delivery.scheme() != "sns" || delivery.event_type() != Some("SubscriptionConfirmation") {
        return Err(KeyLoadError("not an SNS SubscriptionConfirmation".into()));
    }
    let message: serde_json::Value = serde_json::from_slice(delivery.body())
        .map_err(|_| KeyLoadError("the body is not JSON".into()))?;
    let url = message
        .get("SubscribeURL")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| KeyLoadError("no SubscribeURL".into()))?;
    fetcher.get(url).await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_is_read_from_the_directives() {
        assert_eq!(
            max_age("public, max-age=19845, must-revalidate"),
            Some(Duration::from_secs(19845))
        );
        assert_eq!(max_age("Max-Age=\"60\""), Some(Duration::from_secs(60)));
        assert_eq!(max_age("no-store"), Some(Duration::ZERO));
        assert_eq!(max_age("public"), None);
        assert_eq!(max_age("max-age=soon"), None);
    }
}
