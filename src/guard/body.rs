//! Reading a request body: bounded by the limit, the body budget and the timeouts
//! ([`crate::limits`]), whichever framework hands it over.

use std::time::{Duration, Instant};

use bytes::{Buf, Bytes};
use http_body::Body;

use super::Guard;
use crate::limits::{BodyLimits, BodyTimeouts, BudgetPermit, check_body_size};
use crate::{HeaderLookup, Rejection};

/// Reads `body` whole for verification, refusing it as soon as it is too large, too slow or
/// over the budget. The permit keeps the bytes counted until the caller drops it.
pub(super) async fn read<H, B>(
    guard: &Guard,
    headers: &H,
    body: B,
) -> Result<(Bytes, BudgetPermit), Rejection>
where
    H: HeaderLookup + ?Sized,
    B: Body,
{
    let inner = &*guard.inner;
    let overloaded = Rejection::Overloaded {
        retry_after: inner.retry_after.unavailable,
    };
    let mut buffer = BodyBuffer::new(
        inner.verifier.limit(),
        headers.header_by(&http::header::CONTENT_LENGTH),
        &inner.limits,
        overloaded,
    )?;
    let mut body = std::pin::pin!(body);
    loop {
        let next = std::future::poll_fn(|cx| body.as_mut().poll_frame(cx));
        let Ok(frame) = tokio::time::timeout(buffer.time_left(), next).await else {
            return Err(Rejection::BodyTimeout);
        };
        let Some(frame) = frame else { break };
        let Ok(frame) = frame else {
            return Err(Rejection::BodyRead);
        };
        if let Ok(mut data) = frame.into_data() {
            let len = data.remaining();
            // `copy_to_bytes` on `Bytes` chunks (hyper's, axum's, actix's) is a reference, not
            // a copy.
            buffer.push(data.copy_to_bytes(len))?;
        }
    }
    Ok(buffer.finish_with_permit())
}

/// A request body being read for [`Guard::admit`], refused as soon as it is larger than the
/// limit. Every adapter reads through it, so they all agree on when a body is too large.
///
/// Made by [`BodyBuffer::new`], which refuses a body whose `Content-Length` announces more
/// than the limit (or than the [`BodyBudget`] has left) before anything is read;
/// [`push`](Self::push) refuses the chunk that passes the limit (or the budget), so the adapter
/// stops reading there and never holds the rest. The adapter bounds each wait for a chunk by
/// [`time_left`](Self::time_left). A body read as one
/// chunk is kept as that chunk (no copy); several chunks are gathered into one buffer, sized
/// from `Content-Length` when it is honest, else grown by half at a time up to the limit. The
/// budget counts that buffer's capacity, not only the bytes received: what it bounds is what
/// is allocated (a growing `Vec` doubles, and a flood of chunked bodies held about twice the
/// budget that way).
///
#[derive(Debug)]
pub(crate) struct BodyBuffer {
    limit: usize,
    announced: Option<usize>,
    total: usize,
    first: Option<Bytes>,
    gathered: Vec<u8>,
    permit: BudgetPermit,
    overloaded: Rejection,
    timeouts: BodyTimeouts,
    started: Instant,
}

impl BodyBuffer {
    pub(crate) fn new(
        limit: usize,
        content_length: Option<&[u8]>,
        limits: &BodyLimits,
        overloaded: Rejection,
    ) -> Result<Self, Rejection> {
        let announced = content_length
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(|v| v.parse::<u64>().ok());
        if let Some(len) = announced {
            check_body_size(len, limit)?;
        }
        // At most the limit, so a `usize` holds it.
        let announced = announced.map(|len| len as usize);
        // The announced length is taken at once: that much is allocated as soon as a second
        // chunk arrives, and a client that announces a body and sends none still holds it.
        let Some(permit) = limits.budget.try_take(announced.unwrap_or(0)) else {
            return Err(overloaded);
        };
        Ok(Self {
            limit,
            announced,
            total: 0,
            first: None,
            gathered: Vec::new(),
            permit,
            overloaded,
            timeouts: limits.timeouts,
            started: Instant::now(),
        })
    }

    /// How much longer the body may take: the time the [`BodyTimeouts`] allow for the bytes
    /// received so far, minus the time spent. At zero, stop reading and refuse it with
    /// [`Rejection::BodyTimeout`] (408).
    ///
    pub(crate) fn time_left(&self) -> Duration {
        self.timeouts
            .allowed(self.total)
            .saturating_sub(self.started.elapsed())
    }

    /// The whole body, and the share of the [`BodyBudget`] it holds: keep the permit until the
    /// body is verified, so the bytes count until they can be dropped.
    ///
    pub(crate) fn finish_with_permit(mut self) -> (Bytes, BudgetPermit) {
        let bytes = match self.first.take() {
            Some(only) => only,
            None => Bytes::from(std::mem::take(&mut self.gathered)),
        };
        (bytes, self.permit)
    }

    /// Adds the next chunk; `Err(BodyTooLarge)` once the body is past the limit (stop reading).
    ///
    pub(crate) fn push(&mut self, chunk: Bytes) -> Result<(), Rejection> {
        let len = chunk.len();
        self.total = self.total.saturating_add(len);
        check_body_size(self.total as u64, self.limit)?;
        // A body longer than announced (none announced: chunked) takes the rest as it comes.
        self.hold(self.total)?;
        if len == 0 {
            return Ok(());
        }
        match self.first.take() {
            None if self.gathered.is_empty() => self.first = Some(chunk),
            first => {
                let first_len = first.as_ref().map_or(0, Bytes::len);
                self.make_room(first_len + len)?;
                if let Some(first) = first {
                    self.gathered.extend_from_slice(&first);
                }
                self.gathered.extend_from_slice(&chunk);
            }
        }
        Ok(())
    }

    /// Makes the permit hold at least `bytes`, or refuses the body as overloaded.
    fn hold(&mut self, bytes: usize) -> Result<(), Rejection> {
        let held = self.permit.held();
        if bytes > held && !self.permit.grow(bytes - held) {
            return Err(self.overloaded.clone());
        }
        Ok(())
    }

    /// Room in the gathered buffer for `more` bytes, its whole capacity held from the budget.
    /// Exact reservations, so the capacity is what is asked: the announced length when it is
    /// honest, else half as much again as now, never past the limit.
    fn make_room(&mut self, more: usize) -> Result<(), Rejection> {
        // At most the total, which passed the limit check.
        let needed = self.gathered.len() + more;
        let capacity = self.gathered.capacity();
        if needed <= capacity {
            return Ok(());
        }
        let grown = match self.announced {
            Some(announced) if announced >= needed => announced,
            _ => (capacity + capacity / 2).clamp(needed, self.limit.max(needed)),
        };
        self.hold(grown)?;
        self.gathered.reserve_exact(grown - self.gathered.len());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::BodyBudget;

    fn buffer(limit: usize, announced: Option<&[u8]>) -> Result<BodyBuffer, Rejection> {
        let limits = BodyLimits::default();
        BodyBuffer::new(limit, announced, &limits, Rejection::BodyRead)
    }

    #[test]
    fn an_announced_length_over_the_limit_is_refused_before_reading() {
        assert_eq!(
            buffer(16, Some(b"17")).unwrap_err(),
            Rejection::BodyTooLarge { limit: 16 }
        );
        assert!(buffer(16, Some(b"16")).is_ok());
    }

    #[test]
    fn chunks_are_gathered_and_the_one_past_the_limit_is_refused() {
        let mut body = buffer(8, None).unwrap();
        body.push(Bytes::from_static(b"{\"a\":")).unwrap();
        body.push(Bytes::from_static(b"1}")).unwrap();
        assert_eq!(body.finish_with_permit().0, "{\"a\":1}");

        let mut body = buffer(8, None).unwrap();
        body.push(Bytes::from_static(b"{\"a\":")).unwrap();
        assert_eq!(
            body.push(Bytes::from_static(b"123}")),
            Err(Rejection::BodyTooLarge { limit: 8 })
        );
    }

    #[test]
    fn one_chunk_is_kept_without_a_copy_and_counted_until_the_permit_goes() {
        let chunk = Bytes::from_static(b"{}");
        let mut body = buffer(8, None).unwrap();
        body.push(chunk.clone()).unwrap();
        let (bytes, permit) = body.finish_with_permit();
        assert_eq!(bytes.as_ptr(), chunk.as_ptr());
        assert_eq!(permit.held(), 2);
    }

    #[test]
    fn a_body_over_the_budget_is_overloaded() {
        let limits = BodyLimits {
            budget: BodyBudget::new(4),
            ..BodyLimits::default()
        };
        let overloaded = Rejection::Overloaded {
            retry_after: Duration::from_secs(5),
        };
        let refused = BodyBuffer::new(8, Some(b"5"), &limits, overloaded.clone());
        assert_eq!(refused.unwrap_err(), overloaded);
    }

    #[test]
    fn a_chunked_body_growing_large_is_overloaded_while_small_ones_use_the_reserve() {
        let budget = BodyBudget::new(1000).reserve(300).small_bodies_up_to(100);
        let limits = BodyLimits {
            budget: budget.clone(),
            ..BodyLimits::default()
        };
        let overloaded = Rejection::Overloaded {
            retry_after: Duration::from_secs(5),
        };
        let buffer = |announced: Option<&[u8]>| {
            BodyBuffer::new(1000, announced, &limits, overloaded.clone())
        };
        // Large bodies announced up to what is theirs (700), then refused before reading.
        let large = buffer(Some(b"700")).unwrap();
        assert_eq!(buffer(Some(b"101")).unwrap_err(), overloaded);
        // A chunked body is small while it is: it may read into the reserve...
        let mut chunked = buffer(None).unwrap();
        chunked.push(Bytes::from(vec![b' '; 100])).unwrap();
        // ...and is refused at the chunk that makes it large.
        assert_eq!(
            chunked.push(Bytes::from_static(b" ")),
            Err(overloaded.clone())
        );
        drop(chunked);
        // A small announced body still fits: the reserve was kept for it.
        let mut small = buffer(Some(b"100")).unwrap();
        small.push(Bytes::from(vec![b' '; 100])).unwrap();
        assert_eq!(budget.in_use(), 800);
        drop((large, small));
        assert_eq!(budget.in_use(), 0);
    }

    #[test]
    fn a_gathered_body_holds_its_buffer_capacity_and_never_more_than_the_limit() {
        let budget = BodyBudget::new(10_000).reserve(0);
        let limits = BodyLimits {
            budget: budget.clone(),
            ..BodyLimits::default()
        };
        let mut body = BodyBuffer::new(1000, None, &limits, Rejection::BodyRead).unwrap();
        for _ in 0..100 {
            body.push(Bytes::from_static(b"0123456789")).unwrap();
            // What is allocated is counted (a doubling `Vec` would pass it), and no more than
            // the limit is ever allocated.
            assert!(body.gathered.capacity() <= body.permit.held());
            assert!(body.permit.held() <= 1000, "{}", body.permit.held());
        }
        let (bytes, permit) = body.finish_with_permit();
        assert_eq!((bytes.len(), permit.held()), (1000, 1000));
        assert_eq!(budget.in_use(), 1000);

        // An honest announced length is allocated once, and is what the permit held already.
        let mut body = BodyBuffer::new(1000, Some(b"20"), &limits, Rejection::BodyRead).unwrap();
        body.push(Bytes::from_static(b"0123456789")).unwrap();
        body.push(Bytes::from_static(b"0123456789")).unwrap();
        assert_eq!((body.gathered.capacity(), body.permit.held()), (20, 20));
    }

    #[test]
    fn nothing_received_yet_gets_the_grace_of_the_minimum_rate() {
        let body = buffer(8, None).unwrap();
        assert!(body.time_left() <= BodyTimeouts::default().allowed(0));
    }
}
