//! The hand-off of a typed event from verification to the handler's extractor, as plain data:
//! which provider enum a built-in scheme's bodies are ([`EventModel`], a field of the scheme),
//! and the event verification read in its one pass ([`ReadEvent`], a field of the delivery).
//!
//! A closed enum of this crate's provider enums, not a boxed `dyn Any`: no allocation, and the
//! scheme holds a name, not a function. The extractor asks for a `T` of its own choosing, so
//! [`ReadEvent::take`] hands the event over only when `T` is that provider's enum (a type test
//! on a value on the stack); any other `T` is parsed from the body as before.

use std::any::Any;

use bytes::Bytes;

use super::{AuditTrailEvent, FieldValues, PaloEvent, parse_native};

/// The provider enum a built-in scheme's verified bodies are read into, in the same pass that
/// reads the scheme's body fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventModel {
    /// [`AuditTrailEvent`].
    AuditTrail,
    /// [`PaloEvent`].
    Palo,
}

impl EventModel {
    /// The typed event of a verified body, and the scheme's body fields (`names`, in the
    /// verifier's order) when the same pass read them (see `event::parse_native`); `None` when
    /// the body is not an event of the model.
    pub(crate) fn read<'b, const N: usize>(
        self,
        body: &'b Bytes,
        names: &[Option<&str>; N],
    ) -> Option<(Option<FieldValues<'b, N>>, ReadEvent)> {
        match self {
            Self::AuditTrail => parse_native::<AuditTrailEvent, N>(body, names)
                .map(|(f, e)| (f, ReadEvent::AuditTrail(e))),
            Self::Palo => {
                parse_native::<PaloEvent, N>(body, names).map(|(f, e)| (f, ReadEvent::Palo(e)))
            }
        }
    }
}

/// A typed event read during verification, waiting for the handler's extractor (boxed where
/// it waits: a provider's enum is several hundred bytes, and the delivery that carries it is
/// moved a few times before the handler runs).
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum ReadEvent {
    /// An Audit Trail delivery.
    AuditTrail(AuditTrailEvent),
    /// A Palo delivery.
    Palo(PaloEvent),
}

impl ReadEvent {
    /// The event as a `T`, when `T` is its provider's enum; otherwise it stays in `slot` (a
    /// handler may ask for another type first, then for the enum).
    pub(crate) fn take<T: 'static>(slot: &mut Option<Box<Self>>) -> Option<T> {
        match *slot.take()? {
            Self::AuditTrail(event) => cast(event, slot, Self::AuditTrail),
            Self::Palo(event) => cast(event, slot, Self::Palo),
        }
    }
}

/// `event` as a `T` if it is one; otherwise put back into `slot`.
fn cast<T: 'static, E: 'static>(
    event: E,
    slot: &mut Option<Box<ReadEvent>>,
    wrap: fn(E) -> ReadEvent,
) -> Option<T> {
    let mut held = Some(event);
    if let Some(cast) = (&mut held as &mut dyn Any)
        .downcast_mut::<Option<T>>()
        .and_then(Option::take)
    {
        return Some(cast);
    }
    *slot = held.map(|event| Box::new(wrap(event)));
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::TypedEvent;
    use crate::testing::audit_trail_sample;

    #[test]
    fn the_event_goes_only_to_its_own_enum_and_stays_for_it() {
        let body = Bytes::from(audit_trail_sample("alert.triggered").expect("a sample"));
        let (_, event) = EventModel::AuditTrail
            .read(&body, &[Some("id"), Some("type")])
            .expect("one pass");
        let mut slot = Some(Box::new(event));
        // Another type first (a handler's own struct, the other provider's enum): not handed over.
        assert!(ReadEvent::take::<serde_json::Value>(&mut slot).is_none());
        assert!(ReadEvent::take::<PaloEvent>(&mut slot).is_none());
        assert!(slot.is_some(), "kept for the enum");
        let event: AuditTrailEvent = ReadEvent::take(&mut slot).expect("its own enum");
        assert_eq!(event.event_id(), "whd_def456");
        assert!(slot.is_none(), "handed over once");
        assert!(ReadEvent::take::<AuditTrailEvent>(&mut slot).is_none());
    }

    #[test]
    fn a_body_of_another_shape_is_left_to_the_scan() {
        let body = Bytes::from_static(br#"{"event_id":"evt_1"}"#);
        assert!(EventModel::AuditTrail.read(&body, &[Some("id")]).is_none());
        assert!(
            EventModel::Palo
                .read(&Bytes::from_static(b"[1]"), &[None])
                .is_none()
        );
    }
}
