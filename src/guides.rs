//! Guides: each one is a page of `docs/guides/`, and its code is compiled and run as a doctest.

#[doc = include_str!("../docs/guides/multi-tenant.md")]
#[cfg(feature = "axum")]
pub mod multi_tenant {}

#[doc = include_str!("../docs/guides/rotation.md")]
#[cfg(feature = "axum")]
pub mod rotation {}

#[doc = include_str!("../docs/guides/replicas.md")]
#[cfg(all(feature = "axum", feature = "redis"))]
pub mod replicas {}

#[doc = include_str!("../docs/guides/custom-scheme.md")]
pub mod custom_scheme {}

#[doc = include_str!("../docs/guides/testing.md")]
#[cfg(feature = "axum")]
pub mod testing {}

#[doc = include_str!("../docs/guides/from-express.md")]
#[cfg(all(feature = "axum", feature = "inbox-sqlite"))]
pub mod from_express {}

#[doc = include_str!("../docs/guides/inbox-production.md")]
#[cfg(feature = "inbox-sqlite")]
pub mod inbox_production {}
