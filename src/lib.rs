#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs, unsafe_code)]
#![warn(unreachable_pub, rust_2018_idioms)]

// The pipeline, bottom up: the ground modules (`scheme`, plain data; `secret`, `time`,
// `rejection`), `verify` (head, signature, freshness, body fields: framework-free, it
// interprets a scheme), `keys` (sources of keys that change), `replay` (the stores), `guard`
// (admission: verify + claim + limits + telemetry), then the adapters, which only translate
// requests and responses. Everyday types are re-exported here, each at one path; the public
// modules hold the vocabulary of one concern. This file's `pub use` lines run up to the
// modules they re-export while modules import everyday types through it (`crate::Rejection`):
// the crate root's two roles, the one place in `src/` where imports run both ways on purpose.
#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
pub mod actix;
#[cfg(feature = "admin")]
#[cfg_attr(docsrs, doc(cfg(feature = "admin")))]
pub mod admin;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;
pub mod dead_letter;
pub mod event;
mod guard;
pub mod guides;
#[cfg(feature = "inbox")]
#[cfg_attr(docsrs, doc(cfg(feature = "inbox")))]
pub mod inbox;
pub mod keys;
pub mod limits;
#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub mod metrics;
mod rejection;
pub mod replay;
mod scan;
pub mod scheme;
mod secret;
#[cfg(any(test, feature = "testing"))]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
mod text;
pub mod time;
mod verify;

pub use guard::{
    Admission, Admitted, Finish, Guard, Refused, ResolveError, ResolveFuture, RetryAfter,
    SecretQuery, SecretResolver, StoreFailure,
};
pub use rejection::Rejection;
pub use scheme::Scheme;
pub use scheme::freshness::Freshness;
pub use scheme::handshake::{Handshake, HandshakeResponse};
pub use secret::{KeyMeta, Secret, SecretError};
pub use verify::delivery::Delivery;
pub use verify::diagnosis::Diagnosis;
pub use verify::headers::{HeaderLookup, WithMethod};
pub use verify::public_key::{KeyError, PublicKey};
pub use verify::signer::Signer;
pub use verify::{Verifier, signature};
