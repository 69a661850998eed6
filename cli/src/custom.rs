//! A route's scheme described in `serve`'s configuration (`[route.scheme]`): the vocabulary
//! of `webhook_guard::Scheme::builder` as data, for a provider the library has no built-in
//! scheme for.
//!
//! ```toml
//! [route.scheme]
//! name = "acme"
//! signature_header = "X-Acme-Signature"
//! format = "prefixed-hex"          # prefixed-hex, keyed-hex, versioned-base64, key-value, bare
//! prefix = "sha256="
//! signed_content = "{timestamp}.{body}"   # {timestamp} {id} {body} {url} {form} {header:NAME}
//! timestamp = "header:X-Acme-Timestamp"   # header:NAME, body:FIELD, signature
//! timestamp_format = "unix"        # unix, unix-ms, rfc3339
//! max_age_secs = 300
//! max_future_secs = 60
//! id = "header:X-Acme-Delivery"    # header:NAME, body:FIELD, body-digest
//! id_binding = "matches-body:id"   # signed, unsigned, matches-body:FIELD
//! event_type = "body:type"
//! ```

use std::borrow::Cow;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use webhook_guard::scheme::{
    BodyFormat, Field, IdBinding, SecretEncoding, SignedPart, TimestampFormat,
};
use webhook_guard::signature::{Algorithm, Encoding, SignatureFormat};
use webhook_guard::{Freshness, Scheme};

/// `[route.scheme]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemeConfig {
    /// The scheme's name: the dedup scope and `Webhook-Guard-Scheme`.
    pub name: Spanned<String>,
    signature_header: Spanned<String>,
    /// `prefixed-hex`, `keyed-hex`, `versioned-base64`, `key-value` or `bare`.
    format: Spanned<String>,
    /// `prefixed-hex`: the prefix (`sha256=`).
    prefix: Option<String>,
    /// `keyed-hex` and `key-value`: the timestamp's key (`t`, `ts`).
    timestamp_key: Option<String>,
    /// `keyed-hex`: the signatures' key (`v1`); `versioned-base64`: the version (`v1`).
    version: Option<String>,
    /// `key-value`: the signatures' key (`h1`).
    signature_key: Option<String>,
    /// `key-value`: `,` or `;`.
    separator: Option<String>,
    /// `key-value` and `bare`: `hex`, `base64` or `base64url`.
    encoding: Option<Spanned<String>>,
    /// `hmac-sha256` (default), `hmac-sha512` or `hmac-sha1`.
    algorithm: Option<Spanned<String>>,
    /// What is signed: `{timestamp}`, `{id}`, `{body}`, `{url}`, `{form}` (sorted form
    /// pairs), `{header:NAME}`, and literal text between them.
    signed_content: Spanned<String>,
    /// `header:NAME`, `body:FIELD` or `signature` (the signature header's own timestamp).
    timestamp: Option<Spanned<String>>,
    /// `unix` (default), `unix-ms` or `rfc3339`.
    timestamp_format: Option<Spanned<String>>,
    /// How old a timestamp may be (default 300).
    max_age_secs: Option<u64>,
    /// How far ahead (default 60).
    max_future_secs: Option<u64>,
    /// `header:NAME`, `body:FIELD` or `body-digest`.
    id: Spanned<String>,
    /// `signed` (default), `unsigned`, or `matches-body:FIELD`.
    id_binding: Option<Spanned<String>>,
    /// `header:NAME` or `body:FIELD`.
    event_type: Option<Spanned<String>>,
    /// `raw` (default) or `whsec-base64`.
    secret_encoding: Option<Spanned<String>>,
    /// `json` (default), `form-or-json` or `opaque`.
    body_format: Option<Spanned<String>>,
}

/// A configuration error: the span and the key it is about, and what is wrong.
pub type Error = (std::ops::Range<usize>, &'static str, String);

fn bad<T>(value: &Spanned<String>, key: &'static str, what: &str) -> Result<T, Error> {
    Err((value.span(), key, format!("{:?}: {what}", value.get_ref())))
}

fn field(value: &Spanned<String>, key: &'static str) -> Result<Field, Error> {
    match value.get_ref().split_once(':') {
        Some(("header", name)) if !name.is_empty() => Ok(Field::header(name.to_owned())),
        Some(("body", name)) if !name.is_empty() => Ok(Field::body(name.to_owned())),
        _ if value.get_ref() == "signature" && key == "timestamp" => Ok(Field::SignatureTimestamp),
        _ if value.get_ref() == "body-digest" && key == "id" => Ok(Field::BodyDigest),
        _ => bad(value, key, "expected header:NAME or body:FIELD"),
    }
}

fn encoding(value: Option<&Spanned<String>>) -> Result<Encoding, Error> {
    match value.map(|v| v.get_ref().as_str()) {
        None | Some("hex") => Ok(Encoding::Hex),
        Some("base64") => Ok(Encoding::Base64),
        Some("base64url") => Ok(Encoding::Base64Url),
        Some(_) => bad(
            value.unwrap(),
            "encoding",
            "expected hex, base64 or base64url",
        ),
    }
}

/// `{timestamp}.{body}` as signed parts.
fn template(value: &Spanned<String>) -> Result<Vec<SignedPart>, Error> {
    let mut parts = Vec::new();
    let mut rest = value.get_ref().as_str();
    while !rest.is_empty() {
        let Some(open) = rest.find('{') else {
            parts.push(SignedPart::Literal(Cow::Owned(rest.as_bytes().to_vec())));
            break;
        };
        if open > 0 {
            parts.push(SignedPart::Literal(Cow::Owned(
                rest.as_bytes()[..open].to_vec(),
            )));
        }
        let Some(close) = rest[open..].find('}') else {
            return bad(value, "signed_content", "a `{` is not closed");
        };
        let name = &rest[open + 1..open + close];
        parts.push(match name {
            "timestamp" => SignedPart::Timestamp,
            "id" => SignedPart::Id,
            "body" => SignedPart::Body,
            "url" => SignedPart::Url,
            "form" => SignedPart::SortedForm,
            _ => match name.strip_prefix("header:") {
                Some(header) if !header.is_empty() => {
                    SignedPart::Header(Cow::Owned(header.to_ascii_lowercase()))
                }
                _ => {
                    return bad(
                        value,
                        "signed_content",
                        &format!(
                            "unknown part {{{name}}}: one of {{timestamp}} {{id}} {{body}} {{url}} {{form}} {{header:NAME}}"
                        ),
                    );
                }
            },
        });
        rest = &rest[open + close + 1..];
    }
    Ok(parts)
}

impl SchemeConfig {
    /// The scheme, or the first thing wrong with its description.
    pub fn build(&self) -> Result<Scheme, Error> {
        let format = match self.format.get_ref().as_str() {
            "prefixed-hex" => {
                SignatureFormat::prefixed_hex(self.prefix.clone().unwrap_or_default())
            }
            "keyed-hex" => SignatureFormat::KeyedHex {
                timestamp_key: self
                    .timestamp_key
                    .clone()
                    .unwrap_or_else(|| "t".into())
                    .into(),
                version_key: self.version.clone().unwrap_or_else(|| "v1".into()).into(),
            },
            "versioned-base64" => SignatureFormat::VersionedBase64 {
                version: self.version.clone().unwrap_or_else(|| "v1".into()).into(),
            },
            "key-value" => SignatureFormat::KeyValue {
                separator: match self.separator.as_deref() {
                    None | Some(",") => b',',
                    Some(";") => b';',
                    Some(_) => return bad(&self.format, "separator", "expected `,` or `;`"),
                },
                timestamp_key: self.timestamp_key.clone().map(Into::into),
                signature_key: self
                    .signature_key
                    .clone()
                    .ok_or((
                        self.format.span(),
                        "signature_key",
                        "key-value needs signature_key".to_owned(),
                    ))?
                    .into(),
                encoding: encoding(self.encoding.as_ref())?,
            },
            "bare" => SignatureFormat::Bare {
                encoding: encoding(self.encoding.as_ref())?,
            },
            _ => {
                return bad(
                    &self.format,
                    "format",
                    "expected prefixed-hex, keyed-hex, versioned-base64, key-value or bare",
                );
            }
        };
        let mut builder = Scheme::builder(self.name.get_ref().clone())
            .signature(self.signature_header.get_ref().to_ascii_lowercase(), format)
            .signed_content(template(&self.signed_content)?);
        if let Some(algorithm) = &self.algorithm {
            builder = builder.algorithm(match algorithm.get_ref().as_str() {
                "hmac-sha256" => Algorithm::HmacSha256,
                "hmac-sha512" => Algorithm::HmacSha512,
                "hmac-sha1" => Algorithm::HmacSha1,
                _ => {
                    return bad(
                        algorithm,
                        "algorithm",
                        "expected hmac-sha256, hmac-sha512 or hmac-sha1",
                    );
                }
            });
        }
        if let Some(timestamp) = &self.timestamp {
            let format = match self.timestamp_format.as_ref().map(|f| f.get_ref().as_str()) {
                None | Some("unix") => TimestampFormat::UnixSeconds,
                Some("unix-ms") => TimestampFormat::UnixMillis,
                Some("rfc3339") => TimestampFormat::Rfc3339,
                Some(_) => {
                    return bad(
                        self.timestamp_format.as_ref().unwrap(),
                        "timestamp_format",
                        "expected unix, unix-ms or rfc3339",
                    );
                }
            };
            builder = builder
                .timestamp(field(timestamp, "timestamp")?, format)
                .freshness(Freshness::new(
                    Duration::from_secs(self.max_age_secs.unwrap_or(300)),
                    Duration::from_secs(self.max_future_secs.unwrap_or(60)),
                ));
        }
        let binding = match self.id_binding.as_ref().map(|b| b.get_ref().as_str()) {
            None | Some("signed") => IdBinding::Signed,
            Some("unsigned") => IdBinding::Unsigned,
            Some(other) => match other.strip_prefix("matches-body:") {
                Some(name) if !name.is_empty() => {
                    IdBinding::MatchesBodyField(name.to_owned().into())
                }
                _ => {
                    return bad(
                        self.id_binding.as_ref().unwrap(),
                        "id_binding",
                        "expected signed, unsigned or matches-body:FIELD",
                    );
                }
            },
        };
        builder = builder.id(field(&self.id, "id")?, binding);
        if let Some(event_type) = &self.event_type {
            builder = builder.event_type(field(event_type, "event_type")?);
        }
        if let Some(encoding) = &self.secret_encoding {
            builder = builder.secret_encoding(match encoding.get_ref().as_str() {
                "raw" => SecretEncoding::Raw,
                "whsec-base64" => SecretEncoding::WhsecBase64,
                _ => return bad(encoding, "secret_encoding", "expected raw or whsec-base64"),
            });
        }
        if let Some(body) = &self.body_format {
            builder = builder.body_format(match body.get_ref().as_str() {
                "json" => BodyFormat::Json,
                "form-or-json" => BodyFormat::FormOrJson { json_field: None },
                "opaque" => BodyFormat::Opaque,
                _ => return bad(body, "body_format", "expected json, form-or-json or opaque"),
            });
        }
        builder
            .build()
            .map_err(|e| (self.signed_content.span(), "scheme", e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use webhook_guard::{Signer, Verifier};

    fn parse(text: &str) -> SchemeConfig {
        toml::from_str(text).unwrap()
    }

    const ACME: &str = r#"
name = "acme"
signature_header = "X-Acme-Signature"
format = "prefixed-hex"
prefix = "sha256="
signed_content = "{timestamp}.{body}"
timestamp = "header:X-Acme-Timestamp"
id = "header:X-Acme-Delivery"
id_binding = "matches-body:id"
event_type = "body:type"
"#;

    #[test]
    fn a_scheme_described_as_data_is_the_builders_scheme() {
        let scheme = parse(ACME).build().unwrap();
        // The Audit Trail scheme under another name and headers: the same builder calls.
        let expected = Scheme::builder("acme")
            .signature("x-acme-signature", SignatureFormat::prefixed_hex("sha256="))
            .signed_content([
                SignedPart::Timestamp,
                SignedPart::literal("."),
                SignedPart::Body,
            ])
            .timestamp(
                Field::header("x-acme-timestamp"),
                TimestampFormat::UnixSeconds,
            )
            .freshness(Freshness::new(
                Duration::from_secs(300),
                Duration::from_secs(60),
            ))
            .id(
                Field::header("x-acme-delivery"),
                IdBinding::MatchesBodyField("id".into()),
            )
            .event_type(Field::body("type"))
            .build()
            .unwrap();
        assert_eq!(scheme, expected);
        let secret = scheme.secret("acme-secret").unwrap();
        let body = br#"{"id":"a1","type":"thing.made"}"#;
        let headers = Signer::new(scheme.clone(), secret.clone()).headers(body, 1_000, "a1");
        let delivery = Verifier::new(scheme, [secret])
            .verify_at(&headers, body.to_vec().into(), 1_010)
            .unwrap();
        assert_eq!(
            (delivery.id(), delivery.event_type()),
            ("a1", Some("thing.made"))
        );
    }

    #[test]
    fn each_mistake_is_named_with_its_key() {
        let error = |from: &str, to: &str| {
            let text = ACME.replace(from, to);
            parse(&text).build().unwrap_err()
        };
        let (_, key, what) = error("prefixed-hex", "hexadecimal");
        assert_eq!(key, "format");
        assert!(what.contains("expected prefixed-hex"), "{what}");
        let (_, key, what) = error("{timestamp}.{body}", "{timestamp}.{bdy}");
        assert_eq!(key, "signed_content");
        assert!(what.contains("unknown part {bdy}"), "{what}");
        let (_, key, what) = error("{timestamp}.{body}", "{timestamp}");
        assert_eq!(key, "scheme");
        assert!(what.contains("body"), "{what}");
        let (_, key, _) = error("header:X-Acme-Delivery", "X-Acme-Delivery");
        assert_eq!(key, "id");
    }
}
