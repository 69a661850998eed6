use bytes::{Buf, BufMut, Bytes, BytesMut};
use http::HeaderMap;
use http_body::Body;
use http_body_util::BodyExt;

use crate::Rejection;

/// Reads a whole body into one buffer, refusing it as soon as it is larger than `limit`.
///
/// A body announced larger than the limit by `Content-Length` is refused before anything is
/// read. A body sent as one chunk is kept as that chunk (no copy); several chunks are gathered
/// into one buffer, sized from `Content-Length` when it is honest.
pub(crate) async fn read_limited<B>(headers: &HeaderMap, body: B, limit: usize) -> Result<Bytes, Rejection>
where
    B: Body,
{
    let announced = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|len| len > limit as u64) {
        return Err(Rejection::BodyTooLarge { limit });
    }
    let mut body = std::pin::pin!(body);
    let mut first: Option<Bytes> = None;
    let mut gathered = BytesMut::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Err(Rejection::BodyRead);
        };
        let Ok(mut data) = frame.into_data() else {
            continue; // trailers
        };
        let len = data.remaining();
        total = total.saturating_add(len);
        if total > limit {
            return Err(Rejection::BodyTooLarge { limit });
        }
        if len == 0 {
            continue;
        }
        if first.is_none() && gathered.is_empty() {
            first = Some(data.copy_to_bytes(len));
            continue;
        }
        if let Some(first) = first.take() {
            let expected = announced.map_or(0, |l| l as usize).min(limit).max(total);
            gathered.reserve(expected);
            gathered.put(first);
        }
        gathered.put(data);
    }
    Ok(match first {
        Some(only) => only,
        None => gathered.freeze(),
    })
}
