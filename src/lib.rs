#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs, unsafe_code)]
#![warn(unreachable_pub, rust_2018_idioms)]

#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
pub mod actix;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;
mod body;
pub mod dead_letter;
pub mod delivery;
pub mod event;
pub mod freshness;
pub mod guard;
pub mod guides;
pub mod handshake;
pub mod headers;
#[cfg(feature = "inbox")]
#[cfg_attr(docsrs, doc(cfg(feature = "inbox")))]
pub mod inbox;
pub mod limits;
#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub mod metrics;
pub mod public_key;
pub mod rejection;
pub mod replay;
pub mod scheme;
pub mod secret;
pub mod signature;
pub mod signer;
pub mod time;
pub mod verify;

pub use delivery::Delivery;
pub use freshness::Freshness;
pub use guard::{
    Admission, Admitted, Guard, Refused, ResolveError, SecretQuery, SecretResolver, StoreFailure,
};
pub use handshake::{Handshake, HandshakeResponse};
pub use headers::HeaderLookup;
pub use public_key::PublicKey;
pub use rejection::Rejection;
pub use scheme::Scheme;
pub use secret::{Secret, SecretError};
pub use signer::Signer;
pub use verify::Verifier;
