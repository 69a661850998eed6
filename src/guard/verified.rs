//! The one core of the adapters' `Verified<T>` extractors: a verified delivery's event as the
//! handler's `T` (the event verification read, else the body parsed), or what the guard's
//! [`UnparsedPolicy`](crate::dead_letter::UnparsedPolicy) made of a body that is not a `T`.
//! The axum and actix-web extractors only convert [`NotTyped`] into their own rejection type.

use std::future::Future;

use serde::de::DeserializeOwned;

use super::Guard;
use crate::dead_letter::Unparsed;
use crate::{Delivery, HeaderLookup, Rejection};

/// Why a verified delivery did not reach the handler as its `T`.
#[derive(Debug)]
pub(crate) enum NotTyped {
    /// The body is not a `T`, and the policy refuses it (400), with serde's reason.
    InvalidEvent(serde_json::Error),
    /// The policy stored it as a dead letter: answer 200, run no handler.
    DeadLettered,
    /// The dead-letter sink failed: answer with this rejection (503), so the sender retries.
    DeadLetterFailed(Rejection),
}

/// The delivery's event as a `T`: the one verification read (taken: a second call parses), or
/// the body parsed.
pub(crate) fn typed<T: DeserializeOwned + 'static>(
    delivery: &mut Delivery,
) -> Result<T, serde_json::Error> {
    match delivery.take_event::<T>() {
        Some(event) => Ok(event),
        None => delivery.parse(),
    }
}

/// The guard's policy applied to `delivery`, whose body is not a `T` (`error` says why);
/// without a guard in the request (a layer of another version), a plain refusal. The future
/// borrows nothing, so no `T` and no request lives across its await.
pub(crate) fn not_typed<H: HeaderLookup + ?Sized>(
    guard: Option<&Guard>,
    delivery: &Delivery,
    headers: &H,
    error: serde_json::Error,
) -> impl Future<Output = NotTyped> + Send + 'static {
    let policy = match guard {
        Some(guard) => Ok((
            guard.unavailable(),
            guard.unparsed(delivery, headers, error),
        )),
        None => Err(error),
    };
    async move {
        let (unavailable, applied) = match policy {
            Ok(policy) => policy,
            Err(error) => return NotTyped::InvalidEvent(error),
        };
        match applied.await {
            Unparsed::DeadLettered => NotTyped::DeadLettered,
            Unparsed::SinkFailed => NotTyped::DeadLetterFailed(unavailable),
            Unparsed::Rejected(error) => NotTyped::InvalidEvent(error),
        }
    }
}
