//! Keys read from a file.

use std::path::PathBuf;

use super::{KeyFuture, KeyLoadError, KeyProvider, LoadedKeys};
use crate::Scheme;
use crate::time::parse_rfc3339;
use crate::verify::signature::SecretSet;

/// A file of keys, re-read at each reload. Its format is recognised from its content:
///
/// - a JSON object: a JWKS (`{"keys": [...]}`), each key by its `kid` (features `ecdsa` for
///   EC P-256 keys, `rsa` for RSA keys; see [`parse_jwks`](super::parse_jwks));
/// - `-----BEGIN CERTIFICATE-----` blocks: the RSA keys of PEM X.509 certificates (feature
///   `rsa`), named `cert-1`, `cert-2`, ..., each valid within its certificate's dates;
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
        let key = crate::PublicKey::rsa_certificate_pem_with_validity(pem)
            .map_err(|e| KeyLoadError(e.to_string()))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_lines_read_their_fields_and_refuse_what_does_not_parse() {
        let text = "# rotated\nid=new secret=s-new\n\nid=old not_before=100 not_after=1970-01-01T00:03:20Z secret=s-old\nplain-secret\n";
        let keys = KeyFile::parse(text.as_bytes(), &Scheme::github()).unwrap();
        assert_eq!(keys.len(), 3);
        let secrets = keys.shared_secrets();
        assert_eq!(secrets[0].meta().id(), Some("new"));
        assert_eq!(
            (
                secrets[1].meta().not_before(),
                secrets[1].meta().not_after()
            ),
            (Some(100), Some(200))
        );
        assert_eq!(secrets[2].expose(), b"plain-secret");
        for (bad, why) in [
            ("id=a\n", "no secret="),
            ("id=a id=b secret=s\n", "given twice"),
            ("secret=s not_after=soon\n", "neither RFC 3339"),
            ("# only a comment\n", "no key"),
        ] {
            let error = KeyFile::parse(bad.as_bytes(), &Scheme::github()).unwrap_err();
            assert!(error.0.contains(why), "{bad:?}: {}", error.0);
        }
        // A whsec_ secret is read as its scheme reads it.
        let standard = KeyFile::parse(
            b"id=k secret=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            &Scheme::standard_webhooks(),
        )
        .unwrap();
        assert_eq!(standard.shared_secrets()[0].len(), 24);
    }

    #[cfg(feature = "rsa")]
    #[test]
    fn certificates_are_named_in_order_and_valid_in_their_dates() {
        const CERT: &str = include_str!("../../examples/common/demo/paypal-demo-cert.pem");
        let two = format!("{CERT}\n{CERT}");
        let keys = KeyFile::parse(two.as_bytes(), &Scheme::github()).unwrap();
        assert_eq!(keys.len(), 2);
        assert!(keys.has_key_id("cert-1") && keys.has_key_id("cert-2"));
        // notBefore 2026-01-01, notAfter 2035-12-30.
        let meta = keys.public_key_list()[0].meta().clone();
        assert_eq!(meta.not_before(), Some(1_767_225_600));
        assert_eq!(meta.not_after(), Some(2_082_585_600));
        let cut = &CERT[..CERT.len() - 30];
        assert!(KeyFile::parse(cut.as_bytes(), &Scheme::github()).is_err());
    }

    #[cfg(feature = "ecdsa")]
    #[test]
    fn a_jwks_file_is_read_by_kid() {
        let jwks = r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","use":"sig",
            "x":"hKXLGIjWvCBv-cP5euCTxl8g9GLG9zHo_3pO5NN1DwQ","y":"shhexqPB7YffGn6fR6h2UhTSuCtPmfzQJ6ENVIoO4Ys"},
            {"kty":"EC","crv":"P-256","kid":"enc","use":"enc",
            "x":"hKXLGIjWvCBv-cP5euCTxl8g9GLG9zHo_3pO5NN1DwQ","y":"shhexqPB7YffGn6fR6h2UhTSuCtPmfzQJ6ENVIoO4Ys"}]}"#;
        let keys = KeyFile::parse(jwks.as_bytes(), &Scheme::github()).unwrap();
        assert_eq!(keys.len(), 1, "the encryption key is left out");
        assert!(keys.has_key_id("k1") && !keys.has_key_id("enc"));
        assert!(
            KeyFile::parse(br#"{"keys":[{"kty":"oct","k":"AA"}]}"#, &Scheme::github()).is_err()
        );
    }
}
