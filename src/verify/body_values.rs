//! Values read from a body before its signature is checked: for schemes that carry the
//! signature, or what it signs, inside the body ([`Field::BodyPointer`],
//! [`SignedPart::Field`], [`SchemeBuilder::signature_field`](crate::scheme::SchemeBuilder::signature_field)).

use serde_json::Value;

use super::fields::form_pairs;
use crate::scheme::{BodyFormat, Field, IdFallback, SignedPart};
use crate::{Rejection, Scheme};

/// The texts of the fields a scheme reads from the body ahead of its signature.
#[derive(Default)]
pub(crate) struct BodyValues {
    values: Vec<(Field, Option<String>)>,
}

impl BodyValues {
    /// Reads the fields `scheme` reads from inside the body (ahead of its signature when it
    /// needs them, see [`needed_ahead`]); nothing, and no parse, for a scheme that reads none. A body that is not a JSON object (its first non-blank byte is
    /// `{`), nor a form where the scheme takes forms ([`BodyFormat::FormOrJson`]), is
    /// [`Rejection::MalformedBody`].
    pub(crate) fn read(scheme: &Scheme, body: &[u8]) -> Result<Self, Rejection> {
        let wanted = wanted(scheme);
        if wanted.is_empty() {
            return Ok(Self::default());
        }
        let json = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        if !json && !matches!(scheme.body_format, BodyFormat::FormOrJson { .. }) {
            return Err(Rejection::MalformedBody);
        }
        let values = if json {
            let root: Value = serde_json::from_slice(body).map_err(|_| Rejection::MalformedBody)?;
            if !root.is_object() {
                return Err(Rejection::MalformedBody);
            }
            wanted
                .into_iter()
                .map(|field| {
                    let text = match &field {
                        Field::Body(name) => root.get(name.as_ref()).and_then(text),
                        Field::BodyPointer(pointer) => pointer_text(&root, pointer),
                        _ => None,
                    };
                    (field, text)
                })
                .collect()
        } else {
            let pairs = form_pairs(body)?;
            let mut values = Vec::with_capacity(wanted.len());
            for field in wanted {
                let name = match &field {
                    Field::Body(name) => name.to_string(),
                    Field::BodyPointer(pointer) => {
                        unescape(pointer.rsplit('/').next().unwrap_or_default())
                    }
                    _ => String::new(),
                };
                let mut found = pairs.iter().filter(|(key, _)| *key == name);
                let text = found.next().map(|(_, value)| value.to_string());
                if found.next().is_some() {
                    return Err(Rejection::MalformedBody);
                }
                values.push((field, text));
            }
            values
        };
        Ok(Self { values })
    }

    /// The text of `field`, if the scheme reads it ahead and the body has it.
    pub(crate) fn get(&self, field: &Field) -> Option<&str> {
        self.values
            .iter()
            .find(|(wanted, _)| wanted == field)
            .and_then(|(_, text)| text.as_deref())
    }
}

/// True when the scheme's signature needs values from inside the body: the signature itself,
/// a signed field, a signed timestamp or id named by pointer. Other schemes read their pointer
/// fields only once the signature holds, so an unauthenticated body costs them no parse.
pub(crate) fn needed_ahead(scheme: &Scheme) -> bool {
    let pointer = |field: &Field| matches!(field, Field::BodyPointer(_));
    scheme.signature_field.is_some()
        || scheme.signed_content.iter().any(|part| match part {
            SignedPart::Field(_) => true,
            SignedPart::Timestamp => scheme
                .timestamp
                .as_ref()
                .is_some_and(|(field, _)| pointer(field)),
            SignedPart::Id => pointer(&scheme.id),
            _ => false,
        })
}

/// The body fields a scheme reads ahead of the top-level scan: its signature field, the
/// fields it signs, and every field it names by pointer (which that scan does not read).
fn wanted(scheme: &Scheme) -> Vec<Field> {
    let in_body = |field: &&Field| matches!(field, Field::Body(_) | Field::BodyPointer(_));
    let pointer = |field: &&Field| matches!(field, Field::BodyPointer(_));
    let fallbacks = scheme.id_fallbacks.iter().filter_map(|f| match f {
        IdFallback::Field(field) => Some(field),
        IdFallback::Signature => None,
    });
    let signed = scheme.signed_content.iter().filter_map(|part| match part {
        SignedPart::Field(field) => Some(field),
        _ => None,
    });
    let mut out: Vec<Field> = Vec::new();
    let named = [
        scheme.timestamp.as_ref().map(|(field, _)| field),
        Some(&scheme.id),
        scheme.event_type.as_ref(),
        scheme.tenant.as_ref(),
    ];
    let fields = scheme
        .signature_field
        .iter()
        .chain(signed)
        .filter(in_body)
        .chain(named.into_iter().flatten().chain(fallbacks).filter(pointer));
    for field in fields {
        if !out.contains(field) {
            out.push(field.clone());
        }
    }
    out
}

/// A string or a number, as text.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// The text at `pointer` (RFC 6901, `*` for every element of an array, all equal).
fn pointer_text(root: &Value, pointer: &str) -> Option<String> {
    let mut current = vec![root];
    for segment in pointer.strip_prefix('/')?.split('/').map(unescape) {
        let mut next = Vec::with_capacity(current.len());
        for value in current {
            match value {
                Value::Array(items) if segment == "*" => next.extend(items),
                Value::Array(items) => next.push(items.get(segment.parse::<usize>().ok()?)?),
                Value::Object(map) => next.push(map.get(&segment)?),
                _ => return None,
            }
        }
        current = next;
    }
    let mut texts = current.into_iter().map(text);
    let first = texts.next()??;
    for other in texts {
        if other? != first {
            return None;
        }
    }
    Some(first)
}

/// A pointer segment with `~1` read as `/` and `~0` as `~`.
fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_read_nested_values_and_agreeing_arrays() {
        let root: Value = serde_json::from_str(
            r#"{"a":{"b~c":{"d/e":7}},"list":[{"s":"x"},{"s":"x"}],"mixed":[{"s":"x"},{"s":"y"}],"empty":[],"holes":[{"s":"x"},{}]}"#,
        )
        .unwrap();
        assert_eq!(pointer_text(&root, "/a/b~0c/d~1e").as_deref(), Some("7"));
        assert_eq!(pointer_text(&root, "/list/*/s").as_deref(), Some("x"));
        assert_eq!(pointer_text(&root, "/list/1/s").as_deref(), Some("x"));
        for absent in [
            "/mixed/*/s",
            "/empty/*/s",
            "/holes/*/s",
            "/a",
            "/list/9/s",
            "a",
            "/x",
        ] {
            assert_eq!(pointer_text(&root, absent), None, "{absent}");
        }
    }

    #[test]
    fn pointer_fields_the_signature_does_not_need_wait_for_it() {
        use crate::scheme::{IdBinding, Scheme};
        use crate::signature::SignatureFormat;
        use crate::{Secret, Signer, Verifier};

        let scheme = Scheme::builder("acme")
            .signature("x-sig", SignatureFormat::prefixed_hex("v1="))
            .id(Field::pointer("/meta/id"), IdBinding::Signed)
            .event_type(Field::pointer("/meta/kind"))
            .build()
            .unwrap();
        assert!(!needed_ahead(&scheme));
        let secret = Secret::new("acme-secret").unwrap();
        let verifier = Verifier::new(scheme.clone(), [secret.clone()]);
        let body = r#"{"meta":{"id":"m-1","kind":"thing.done"}}"#;
        let headers = Signer::new(scheme.clone(), secret.clone()).headers(body.as_bytes(), 0, "");
        let delivery = verifier.verify_at(&headers, body.into(), 0).unwrap();
        assert_eq!(
            (delivery.id(), delivery.event_type()),
            ("m-1", Some("thing.done"))
        );
        // Unsigned garbage is refused on its signature, never parsed.
        let forged = [("x-sig", format!("v1={}", "00".repeat(32)))];
        assert_eq!(
            verifier
                .verify_at(&forged[..], "{not json".into(), 0)
                .unwrap_err(),
            Rejection::InvalidSignature
        );
        // Signed, but without the id: refused after the signature.
        let no_id = r#"{"meta":{"kind":"thing.done"}}"#;
        let headers = Signer::new(scheme, secret).headers(no_id.as_bytes(), 0, "");
        assert_eq!(
            verifier.verify_at(&headers, no_id.into(), 0).unwrap_err(),
            Rejection::MissingId
        );
    }
}
