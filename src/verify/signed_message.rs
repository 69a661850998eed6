//! The signed message: the pieces a scheme signs ([`SignedPart`]), in its order, assembled
//! once for the verifier (from the request) and the [`Signer`](crate::Signer) (from its
//! arguments). One assembly for both, so the signer, which the tests take as their oracle,
//! cannot agree with a mistake of the verifier's by repeating it.

use super::fields::{FormPair, form_pairs};
use crate::scheme::{Field, SignedPart};
use crate::{Rejection, Scheme};

/// Where the pieces come from. Each value that is absent refuses the message with the
/// rejection its part names (see [`signed_message`]).
pub(crate) struct SignedSource<'s, 'a> {
    /// The raw body.
    pub(crate) body: &'a [u8],
    /// The timestamp as sent ([`SignedPart::Timestamp`]).
    pub(crate) timestamp: Option<&'a [u8]>,
    /// The delivery id as sent ([`SignedPart::Id`]).
    pub(crate) id: Option<&'a [u8]>,
    /// The URL the delivery was sent to, in two parts signed one after the other (the
    /// configured public base and the request's target; the signer passes the whole URL and
    /// nothing) ([`SignedPart::Url`]).
    pub(crate) url: Option<(&'a [u8], &'a [u8])>,
    /// The request's method ([`SignedPart::Method`]), looked up only for the schemes that sign
    /// it.
    pub(crate) method: &'s dyn Fn() -> Option<&'a [u8]>,
    /// A header's value ([`SignedPart::Header`], and [`SignedPart::Field`] of a header).
    pub(crate) header: &'s dyn Fn(&str) -> Option<&'a [u8]>,
    /// A value read from inside the body ([`SignedPart::Field`] of a body field).
    pub(crate) field: &'s dyn Fn(&Field) -> Option<&'a [u8]>,
}

/// Pieces that are not in the request as such, derived from the body: the decoded and sorted
/// form pairs (Twilio), the body's checksum in decimal (PayPal). Only the schemes that sign
/// them pay for them.
#[derive(Default)]
pub(crate) struct Derived<'b> {
    form: Vec<FormPair<'b>>,
    #[cfg(feature = "rsa")]
    crc: String,
}

impl<'b> Derived<'b> {
    /// What `scheme` signs of `body` beyond its raw bytes; a form it signs that does not
    /// decode is [`Rejection::InvalidSignature`].
    pub(crate) fn of(scheme: &Scheme, body: &'b [u8]) -> Result<Self, Rejection> {
        let form = if scheme.signed_content.contains(&SignedPart::SortedForm) {
            let mut pairs = form_pairs(body).map_err(|_| Rejection::InvalidSignature)?;
            // Twilio's SDKs sort the distinct pairs.
            pairs.sort();
            pairs.dedup();
            pairs
        } else {
            Vec::new()
        };
        Ok(Self {
            form,
            #[cfg(feature = "rsa")]
            crc: super::signed_crc32(scheme, body),
        })
    }
}

/// The pieces `scheme` signs, in its order, from `source` and `derived`. An absent value is
/// refused: the timestamp [`Rejection::MissingTimestamp`], the id [`Rejection::MissingId`], a
/// header or a body field [`Rejection::MissingSignature`], the URL (no public base configured)
/// or the method [`Rejection::InvalidSignature`].
pub(crate) fn signed_message<'a>(
    scheme: &'a Scheme,
    source: &SignedSource<'_, 'a>,
    derived: &'a Derived<'_>,
) -> Result<Pieces<'a>, Rejection> {
    let mut pieces = Pieces::default();
    for part in &scheme.signed_content {
        match part {
            SignedPart::Timestamp => {
                pieces.push(source.timestamp.ok_or(Rejection::MissingTimestamp)?)
            }
            SignedPart::Id => pieces.push(source.id.ok_or(Rejection::MissingId)?),
            SignedPart::Body => pieces.push(source.body),
            SignedPart::Literal(bytes) => pieces.push(bytes),
            SignedPart::Header(name) => {
                pieces.push((source.header)(name).ok_or(Rejection::MissingSignature)?)
            }
            SignedPart::Url => {
                let (base, target) = source.url.ok_or(Rejection::InvalidSignature)?;
                pieces.push(base);
                pieces.push(target);
            }
            SignedPart::SortedForm => {
                for (name, value) in &derived.form {
                    pieces.push(name.as_bytes());
                    pieces.push(value.as_bytes());
                }
            }
            #[cfg(feature = "rsa")]
            SignedPart::BodyCrc32 => pieces.push(derived.crc.as_bytes()),
            SignedPart::Method => {
                pieces.push((source.method)().ok_or(Rejection::InvalidSignature)?)
            }
            SignedPart::Field(field) => {
                let text = match field {
                    Field::Header(name) => (source.header)(name),
                    field => (source.field)(field),
                };
                pieces.push(text.ok_or(Rejection::MissingSignature)?);
            }
        }
    }
    Ok(pieces)
}

/// The signed message's pieces, in order: on the stack for the usual few (a timestamp, a
/// separator, the body), in a vector past that (a signed form's pairs).
#[derive(Default)]
pub(crate) struct Pieces<'a> {
    inline: [&'a [u8]; INLINE_PIECES],
    len: usize,
    spilled: Vec<&'a [u8]>,
}

const INLINE_PIECES: usize = 8;

impl<'a> Pieces<'a> {
    fn push(&mut self, piece: &'a [u8]) {
        if self.spilled.is_empty() && self.len < INLINE_PIECES {
            self.inline[self.len] = piece;
            self.len += 1;
        } else {
            if self.spilled.is_empty() {
                self.spilled.extend_from_slice(&self.inline[..self.len]);
            }
            self.spilled.push(piece);
        }
    }
}

impl<'a> std::ops::Deref for Pieces<'a> {
    type Target = [&'a [u8]];

    fn deref(&self) -> &Self::Target {
        if self.spilled.is_empty() {
            &self.inline[..self.len]
        } else {
            &self.spilled
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Pieces;

    #[test]
    fn pieces_keep_their_order_on_the_stack_and_past_it() {
        let words: Vec<Vec<u8>> = (0..20).map(|n| format!("p{n}").into_bytes()).collect();
        for count in [0, 1, 7, 8, 9, 20] {
            let mut pieces = Pieces::default();
            for word in &words[..count] {
                pieces.push(word);
            }
            let expected: Vec<&[u8]> = words[..count].iter().map(Vec::as_slice).collect();
            assert_eq!(&*pieces, expected.as_slice(), "{count} pieces");
        }
    }
}
