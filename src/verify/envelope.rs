//! Verifying the signatures an [`Envelope`] describes: a JWT in a header, or a JSON body
//! signing its own fields. Both choose the public key by the id the request names.

use std::borrow::Cow;

use sha2::{Digest as _, Sha256};

use super::signature::{Matched, ParsedSignature, SecretSet, Tag};
use crate::scheme::encoding::Encoding;
use crate::scheme::encoding::encode_hex;
use crate::scheme::{Envelope, JwtRules, SignedFields, allowed_url_host};
use crate::{HeaderLookup, Rejection, Scheme};

/// The longest token read, in bytes (an RS256 token with a 4096-bit key is under 2 KB).
const MAX_TOKEN_LEN: usize = 8 * 1024;

/// Reading a scheme's signature header: what [`Scheme`] describes, `verify`
/// reads (a method of the scheme, at the path callers know).
impl Scheme {
    /// Parses the scheme's signature header with the algorithm's signature length.
    ///
    /// ```
    /// use webhook_guard::Scheme;
    ///
    /// let header = format!("sha256={}", "ab".repeat(32));
    /// assert_eq!(Scheme::github().parse_signature(header.as_bytes()).unwrap().len(), 1);
    /// ```
    pub fn parse_signature<'h>(&self, header: &'h [u8]) -> Result<ParsedSignature<'h>, Rejection> {
        match &self.envelope {
            Some(Envelope::Jwt(rules)) => {
                return parse_token(header, rules);
            }
            Some(Envelope::SignedFields(_)) => {
                return Ok(ParsedSignature::default());
            }
            None => {}
        }
        self.signature_format
            .parse_sized(header, self.algorithm.signature_len())
    }
}

/// Parses the signature header as a token: the prefix, then three base64url parts.
pub(crate) fn parse_token<'h>(
    header: &'h [u8],
    rules: &JwtRules,
) -> Result<ParsedSignature<'h>, Rejection> {
    let header = header.trim_ascii();
    let token = match &rules.prefix {
        Some(prefix) => {
            let prefix = prefix.as_bytes();
            if header.len() < prefix.len() || !header[..prefix.len()].eq_ignore_ascii_case(prefix) {
                return Err(Rejection::MalformedSignature);
            }
            header[prefix.len()..].trim_ascii_start()
        }
        None => header,
    };
    let parts = token.split(|&b| b == b'.').count();
    let alphabet = token
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if parts != 3 || !alphabet || token.len() > MAX_TOKEN_LEN {
        return Err(Rejection::MalformedSignature);
    }
    Ok(ParsedSignature::token(token))
}

/// Verifies the envelope of `scheme`, if it has one; otherwise hands `refused` back.
pub(crate) fn verify(
    scheme: &Scheme,
    refused: Rejection,
    raw_signature: &[u8],
    body: &[u8],
    secrets: &SecretSet,
    now: i64,
) -> Result<Matched, Rejection> {
    match &scheme.envelope {
        None => Err(refused),
        Some(Envelope::Jwt(rules)) => {
            let token = parse_token(raw_signature, rules)?;
            verify_jwt(scheme, rules, token.entries()[0], body, secrets, now)
        }
        Some(Envelope::SignedFields(rules)) => verify_fields(rules, body, secrets, now),
    }
}

/// The key id a request names, read before verification so that a key source can load a
/// key it lacks: a token's `kid`, a body's key URL (an allowed one only).
pub(crate) fn key_hint<H: HeaderLookup + ?Sized>(
    scheme: &Scheme,
    headers: &H,
    body: &[u8],
) -> Option<String> {
    match scheme.envelope.as_ref()? {
        Envelope::Jwt(rules) => {
            let raw = headers.header(&scheme.signature_header)?;
            let parsed = parse_token(raw, rules).ok()?;
            let token = parsed.entries()[0];
            let header = token.split(|&b| b == b'.').next()?;
            let header: serde_json::Value =
                serde_json::from_slice(&Encoding::Base64Url.decode(header)?).ok()?;
            header.get("kid")?.as_str().map(str::to_owned)
        }
        Envelope::SignedFields(rules) => {
            let value: serde_json::Value = serde_json::from_slice(body).ok()?;
            let url = value.get(rules.key_url_field.as_ref())?.as_str()?;
            allowed_url_host(url, &rules.key_url_hosts, rules.allow_http_key_url)?;
            Some(url.to_owned())
        }
    }
}

/// A tag standing for a signature too long to be one (for dedup on it).
fn signature_tag(signature: &[u8]) -> Tag {
    Tag::from_slice(&Sha256::digest(signature))
}

fn verify_jwt(
    scheme: &Scheme,
    rules: &JwtRules,
    token: &[u8],
    body: &[u8],
    secrets: &SecretSet,
    now: i64,
) -> Result<Matched, Rejection> {
    let malformed = || Rejection::MalformedSignature;
    let mut parts = token.split(|&b| b == b'.');
    let (Some(header_b64), Some(claims_b64), Some(signature_b64)) =
        (parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed());
    };
    let header: serde_json::Value = Encoding::Base64Url
        .decode(header_b64)
        .and_then(|json| serde_json::from_slice(&json).ok())
        .ok_or_else(malformed)?;
    let signature = Encoding::Base64Url
        .decode(signature_b64)
        .ok_or_else(malformed)?;
    let alg = header
        .get("alg")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(malformed)?;
    // The algorithm is the scheme's choice, never the token's: `none`, or HS256 under a
    // public key, are refused here.
    if !rules.algorithms.iter().any(|allowed| allowed == alg) {
        return Err(Rejection::InvalidSignature);
    }
    let keys: Cow<'_, SecretSet> = match header.get("kid").and_then(serde_json::Value::as_str) {
        Some(kid) => {
            let only = secrets.only_id(kid);
            if only.is_empty() {
                // Not a key we know (a key source has had its chance to load it): who signed
                // this is unknown.
                return Err(Rejection::UnknownSigner);
            }
            Cow::Owned(only)
        }
        None => secrets.current(),
    };
    let input_len = header_b64.len() + 1 + claims_b64.len();
    let input = &token[..input_len];
    let mut matched = keys.verify_token(alg, input, &signature, now)?;

    // The signature holds: the claims.
    let claims: serde_json::Value = Encoding::Base64Url
        .decode(claims_b64)
        .and_then(|json| serde_json::from_slice(&json).ok())
        .ok_or_else(malformed)?;
    let number = |name: &str| claims.get(name).and_then(serde_json::Value::as_i64);
    let text = |name: &str| claims.get(name).and_then(serde_json::Value::as_str);
    let iat = number("iat").ok_or(Rejection::MissingTimestamp)?;
    scheme.freshness.check(iat, now)?;
    let skew = i64::try_from(scheme.freshness.max_future().as_secs()).unwrap_or(i64::MAX);
    if let Some(exp) = claims.get("exp") {
        let exp = exp.as_i64().ok_or_else(malformed)?;
        if now > exp.saturating_add(skew) {
            return Err(Rejection::StaleTimestamp);
        }
    }
    if !rules.issuers.is_empty() {
        let issuer = text("iss").unwrap_or_default();
        if !rules.issuers.iter().any(|allowed| allowed == issuer) {
            return Err(Rejection::InvalidSignature);
        }
    }
    if let Some(audience) = &rules.audience {
        let ok = match claims.get("aud") {
            Some(serde_json::Value::String(aud)) => aud == audience,
            Some(serde_json::Value::Array(auds)) => {
                auds.iter().any(|aud| aud.as_str() == Some(audience))
            }
            _ => false,
        };
        if !ok {
            return Err(Rejection::InvalidSignature);
        }
    }
    for (name, wanted) in &rules.claims {
        if text(name) != Some(wanted.as_ref()) {
            return Err(Rejection::InvalidSignature);
        }
    }
    if let Some(claim) = &rules.body_sha256_claim {
        let expected = encode_hex(&Sha256::digest(body));
        let claimed = text(claim).unwrap_or_default();
        // Both are public (the body is in the request): no constant time needed.
        if !claimed.eq_ignore_ascii_case(&expected) {
            return Err(Rejection::InvalidSignature);
        }
    }
    matched.signed_at = Some(iat);
    Ok(matched)
}

fn verify_fields(
    rules: &SignedFields,
    body: &[u8],
    secrets: &SecretSet,
    now: i64,
) -> Result<Matched, Rejection> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| Rejection::MalformedBody)?;
    let object = value.as_object().ok_or(Rejection::MalformedBody)?;
    let field = |name: &str| -> Option<Cow<'_, str>> {
        match object.get(name)? {
            serde_json::Value::String(text) => Some(Cow::Borrowed(text)),
            serde_json::Value::Number(number) => Some(Cow::Owned(number.to_string())),
            _ => None,
        }
    };
    let signature = field(&rules.signature_field).ok_or(Rejection::MissingSignature)?;
    let signature = Encoding::Base64
        .decode(signature.as_bytes())
        .ok_or(Rejection::MalformedSignature)?;
    let version = field(&rules.version_field).ok_or(Rejection::MalformedSignature)?;
    let hash = rules
        .versions
        .iter()
        .find(|(name, _)| name == &version)
        .map(|(_, hash)| *hash)
        .ok_or(Rejection::MalformedSignature)?;
    let kind = field(&rules.type_field).ok_or(Rejection::MalformedBody)?;
    let list = rules
        .lists
        .iter()
        .find(|(types, _)| types.iter().any(|t| t == &kind))
        .map(|(_, list)| list)
        .ok_or(Rejection::MalformedBody)?;
    let mut canonical = String::new();
    for (name, optional) in list {
        match field(name) {
            Some(value) => {
                canonical.push_str(name);
                canonical.push('\n');
                canonical.push_str(&value);
                canonical.push('\n');
            }
            None if *optional => {}
            None => return Err(Rejection::MalformedBody),
        }
    }
    let url = field(&rules.key_url_field).ok_or(Rejection::MalformedSignature)?;
    if allowed_url_host(&url, &rules.key_url_hosts, rules.allow_http_key_url).is_none() {
        // A key from anywhere else proves nothing.
        return Err(Rejection::UnknownSigner);
    }
    let keys = secrets.only_id(&url);
    if keys.is_empty() {
        return Err(Rejection::UnknownSigner);
    }
    keys.verify_rsa(hash, canonical.as_bytes(), &signature, now)
}

impl SecretSet {
    /// Checks a token's signature under the public keys valid at `now` (logging an
    /// out-of-window key that would have matched, as for any signature).
    pub(crate) fn verify_token(
        &self,
        alg: &str,
        input: &[u8],
        signature: &[u8],
        now: i64,
    ) -> Result<Matched, Rejection> {
        self.verify_each_key(signature, now, |key| key.verify_jws(alg, input, signature))
    }

    /// Checks an RSA PKCS#1 v1.5 signature of `message` with `hash`.
    #[allow(unused_variables)]
    pub(crate) fn verify_rsa(
        &self,
        hash: crate::scheme::SignatureHash,
        message: &[u8],
        signature: &[u8],
        now: i64,
    ) -> Result<Matched, Rejection> {
        use crate::scheme::SignatureHash;
        self.verify_each_key(signature, now, |key| match hash {
            SignatureHash::Sha256 => key.verify_jws("RS256", message, signature),
            #[cfg(all(feature = "rsa", feature = "sha1"))]
            SignatureHash::Sha1 => key.verify_rsa_sha1(signature, &[message]),
            #[allow(unreachable_patterns)]
            _ => false,
        })
    }

    fn verify_each_key(
        &self,
        signature: &[u8],
        now: i64,
        verifies: impl Fn(&crate::PublicKey) -> bool,
    ) -> Result<Matched, Rejection> {
        let set = self.current();
        let keys = set.public_key_list();
        if keys.is_empty() {
            return Err(Rejection::UnknownSigner);
        }
        let found = keys
            .iter()
            .find(|key| key.meta().is_valid_at(now) && verifies(key));
        match found {
            Some(key) => Ok(Matched {
                tag: signature_tag(signature),
                key: 0,
                key_id: key.meta().id.clone(),
                signed_at: None,
            }),
            None => {
                if let Some(key) = keys
                    .iter()
                    .find(|key| !key.meta().is_valid_at(now) && verifies(key))
                {
                    key.meta().log_outside_window(now);
                }
                Err(Rejection::InvalidSignature)
            }
        }
    }
}
