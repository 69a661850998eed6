//! The signature's alphabets are defined with the schemes ([`crate::scheme::encoding`]); this
//! module names them for `signature` and `public_key`, which keep their paths until they move
//! beside them.

pub use crate::scheme::encoding::{Encoding, MAX_TAG_LEN, Tag};
#[cfg(test)]
pub(crate) use crate::scheme::encoding::{decode_base64_vec, encode_hex};
