//! Keys read from a file.

use std::path::PathBuf;

use super::{KeyFuture, KeyLoadError, KeyProvider, LoadedKeys};
use crate::Scheme;
use crate::verify::signature::SecretSet;
use crate::verify::time::parse_rfc3339;

/// A file of keys, re-read at each reload. Its format is recognised from its content:
///
/// - a JSON object: a JWKS (`{"keys": [...]}`), each key by its `kid` (features `ecdsa` for
///   EC P-256 keys, `rsa` for RSA keys; see [`parse_jwks`](super::parse_jwks));
/// - `-----BEGIN CERTIFICATE-----` blocks: the RSA keys of PEM X.509 certificates (feature
///   `rsa`), named `cert-1`, `cert-2`, ...;
/// - otherwise, shared secrets, one a line, read as the scheme reads them
///   ([`Scheme::secret`]). A line is either the secret alone, or `key=value` fields separated
///   by spaces, among them `secret=`, and optionally `id=`, `not_before=` and `not_after=`
///   (RFC 3339 or Unix seconds). Blank lines and lines starting with `#` are skipped.
///
/// ```text
/// # rotated 2026-10-01: the old secret is accepted until the end of the year
/// id=2026-q4 secret=whsec_new...
/// id=2026-q3 not_after=2026-12-31T23:59:59Z secret=whsec_old...
/// ```
///
/// A file that cannot be read, or any line that does not parse, fails the whole reload (the
/// last good keys stay): a half-written file never drops a key that is still in use.
///
/// ```
/// use webhook_guard::keys::KeyFile;
/// use webhook_guard::Scheme;
///
/// let keys = KeyFile::parse("id=a secret=one\n# comment\n\ntwo\n".as_bytes(), &Scheme::github()).unwrap();
/// assert_eq!(keys.len(), 2);
/// let broken = KeyFile::parse(b"id=a not_after=tomorrow secret=one", &Scheme::github());
/// assert!(broken.unwrap_err().0.contains("line 1"));
/// ```
#[derive(Debug, Clone)]
pub struct KeyFile {
    path: PathBuf,
    scheme: Scheme,
}

impl KeyFile {
    /// The keys of `path`, secrets read as `scheme` reads them.
    pub fn new(path: impl Into<PathBuf>, scheme: &Scheme) -> Self {
        Self {
            path: path.into(),
            scheme: scheme.clone(),
        }
    }

    /// Reads and parses the file now.
    pub fn read(&self) -> Result<SecretSet, KeyLoadError> {
        let bytes = std::fs::read(&self.path)
            .map_err(|e| KeyLoadError(format!("{}: {e}", self.path.display())))?;
        Self::parse(&bytes, &self.scheme)
            .map_err(|e| KeyLoadError(format!("{}: {}", self.path.display(), e.0)))
    }

    /// Parses a key file's content (see [`KeyFile`]).
    pub fn parse(bytes: &[u8], scheme: &Scheme) -> Result<SecretSet, KeyLoadError> {
        let text = std::str::from_utf8(bytes).map_err(|_| KeyLoadError("not UTF-8".into()))?;
        let trimmed = text.trim_start();
        if trimmed.starts_with('{') {
            #[cfg(any(feature = "ecdsa", feature = "rsa"))]
            return super::parse_jwks(bytes).map(SecretSet::public_keys);
            #[cfg(not(any(feature = "ecdsa", feature = "rsa")))]
            return Err(KeyLoadError(
                "a JWKS needs the `ecdsa` or `rsa` feature".into(),
            ));
        }
        if trimmed.starts_with("-----BEGIN CERTIFICATE-----") {
            #[cfg(feature = "rsa")]
            return certificates(text).map(SecretSet::public_keys);
            #[cfg(not(feature = "rsa"))]
            return Err(KeyLoadError("a certificate needs the `rsa` feature".into()));
        }
        let mut secrets = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = |why: String| KeyLoadError(format!("line {}: {why}", number + 1));
            secrets.push(secret_line(line, scheme).map_err(at)?);
        }
        if secrets.is_empty() {
            return Err(KeyLoadError("no key in the file".into()));
        }
        Ok(SecretSet::new(secrets))
    }
}

/// One line of secrets: the secret alone, or `key=value` fields.
fn secret_line(line: &str, scheme: &Scheme) -> Result<crate::Secret, String> {
    const FIELDS: [&str; 4] = ["secret=", "id=", "not_before=", "not_after="];
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let fielded = tokens
        .iter()
        .all(|token| FIELDS.iter().any(|field| token.starts_with(field)));
    if !fielded {
        return scheme.secret(line).map_err(|e| e.to_string());
    }
    let field = |name: &str| -> Result<Option<&str>, String> {
        let mut values = tokens.iter().filter_map(|t| t.strip_prefix(name));
        let value = values.next();
        if values.next().is_some() {
            return Err(format!("{name} given twice"));
        }
        Ok(value)
    };
    let time = |name: &str| -> Result<Option<i64>, String> {
        field(name)?
            .map(|value| {
                value
                    .parse::<i64>()
                    .ok()
                    .or_else(|| parse_rfc3339(value.as_bytes()))
                    .ok_or_else(|| format!("{name} is neither RFC 3339 nor Unix seconds"))
            })
            .transpose()
    };
    let text = field("secret=")?.ok_or("no secret= field")?;
    let mut secret = scheme.secret(text).map_err(|e| e.to_string())?;
    if let Some(id) = field("id=")? {
        secret = secret.with_id(id);
    }
    if let Some(start) = time("not_before=")? {
        secret = secret.not_before(start);
    }
    if let Some(end) = time("not_after=")? {
        secret = secret.not_after(end);
    }
    Ok(secret)
}

/// The RSA keys of the PEM certificates in `text`.
#[cfg(feature = "rsa")]
fn certificates(text: &str) -> Result<Vec<crate::PublicKey>, KeyLoadError> {
    const END: &str = "-----END CERTIFICATE-----";
    let mut keys = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
        let Some(end) = rest[start..].find(END) else {
            return Err(KeyLoadError("a certificate without its END line".into()));
        };
        let pem = &rest[start..start + end + END.len()];
        let key =
            crate::PublicKey::rsa_certificate_pem(pem).map_err(|e| KeyLoadError(e.to_string()))?;
        keys.push(key.with_id(format!("cert-{}", keys.len() + 1)));
        rest = &rest[start + end + END.len()..];
    }
    Ok(keys)
}

impl KeyProvider for KeyFile {
    fn load(&self) -> KeyFuture<'_> {
        let file = self.clone();
        Box::pin(async move {
            // A small file; read off the runtime's threads all the same.
            let keys = tokio::task::spawn_blocking(move || file.read())
                .await
                .map_err(|e| KeyLoadError(format!("reading the key file: {e}")))??;
            Ok(LoadedKeys::new(keys))
        })
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}
