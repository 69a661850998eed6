//! JSON Web Key Sets (RFC 7517): the public keys of providers that sign tokens (Plaid, Google).

use serde::Deserialize;

use super::KeyLoadError;
use crate::PublicKey;
use crate::verify::signature::Encoding;

/// The most keys read from one set: providers publish two or three.
const MAX_KEYS: usize = 64;

#[derive(Deserialize)]
struct Set {
    keys: Vec<Jwk>,
}

/// One JWK: only the members a signature key needs.
#[derive(Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    #[serde(rename = "use")]
    usage: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
    n: Option<String>,
    e: Option<String>,
    /// Plaid's: the Unix time the key stopped being used (null while current).
    expired_at: Option<i64>,
}

/// Reads a JWKS (`{"keys": [...]}`) into public keys named by their `kid`: EC P-256 keys
/// (`x`, `y`; feature `ecdsa`) and RSA keys (`n`, `e`; feature `rsa`). Keys for another use
/// than signatures (`"use": "enc"`) and of other types are left out; a set with no key left
/// is an error. A key's `expired_at` (Plaid's, Unix seconds) becomes its `not_after`.
///
/// ```
/// # #[cfg(feature = "ecdsa")] {
/// use webhook_guard::keys::parse_jwks;
///
/// // Plaid's documented example key.
/// let jwks = r#"{"keys":[{"alg":"ES256","created_at":1560466150,"crv":"P-256","expired_at":null,
///   "kid":"bfbd5111-8e33-4643-8ced-b2e642a72f3c","kty":"EC","use":"sig",
///   "x":"hKXLGIjWvCBv-cP5euCTxl8g9GLG9zHo_3pO5NN1DwQ","y":"shhexqPB7YffGn6fR6h2UhTSuCtPmfzQJ6ENVIoO4Ys"}]}"#;
/// let keys = parse_jwks(jwks.as_bytes()).unwrap();
/// assert_eq!(keys[0].meta().id(), Some("bfbd5111-8e33-4643-8ced-b2e642a72f3c"));
/// assert!(parse_jwks(br#"{"keys":[]}"#).is_err());
/// # }
/// ```
pub fn parse_jwks(bytes: &[u8]) -> Result<Vec<PublicKey>, KeyLoadError> {
    let set: Set =
        serde_json::from_slice(bytes).map_err(|e| KeyLoadError(format!("not a JWKS: {e}")))?;
    let mut keys = Vec::new();
    let mut skipped = Vec::new();
    for jwk in set.keys.iter().take(MAX_KEYS) {
        if jwk.usage.as_deref().is_some_and(|usage| usage != "sig") {
            continue;
        }
        match key(jwk) {
            Ok(mut key) => {
                if let Some(kid) = &jwk.kid {
                    key = key.with_id(kid);
                }
                if let Some(end) = jwk.expired_at {
                    key = key.not_after(end);
                }
                keys.push(key);
            }
            Err(why) => skipped.push(format!("{}: {why}", jwk.kid.as_deref().unwrap_or("?"))),
        }
    }
    if !skipped.is_empty() {
        tracing::debug!(skipped = skipped.join("; "), "JWKS keys left out");
    }
    if keys.is_empty() {
        return Err(KeyLoadError(format!(
            "no usable signature key in the JWKS ({})",
            if skipped.is_empty() {
                "it is empty".to_owned()
            } else {
                skipped.join("; ")
            }
        )));
    }
    Ok(keys)
}

fn key(jwk: &Jwk) -> Result<PublicKey, String> {
    let member = |value: &Option<String>, name: &str| -> Result<Vec<u8>, String> {
        let text = value.as_deref().ok_or_else(|| format!("no `{name}`"))?;
        Encoding::Base64Url
            .decode(text.as_bytes())
            .ok_or_else(|| format!("`{name}` is not base64url"))
    };
    match jwk.kty.as_str() {
        #[cfg(feature = "ecdsa")]
        "EC" if jwk.crv.as_deref() == Some("P-256") => {
            PublicKey::p256_coordinates(&member(&jwk.x, "x")?, &member(&jwk.y, "y")?)
                .map_err(|e| e.to_string())
        }
        #[cfg(feature = "rsa")]
        "RSA" => PublicKey::rsa_components(&member(&jwk.n, "n")?, &member(&jwk.e, "e")?)
            .map_err(|e| e.to_string()),
        other => {
            let _ = (&jwk.crv, &jwk.x, &jwk.y, &jwk.n, &jwk.e, member);
            Err(format!(
                "key type {other} not supported (or its feature is off)"
            ))
        }
    }
}
