use bytes::Buf;
use http::HeaderMap;
use http_body::Body;
use http_body_util::BodyExt;

use crate::limits::BudgetPermit;
use crate::{Guard, Rejection};

/// Reads a whole body through the guard's [`BodyBuffer`](crate::guard::BodyBuffer): refused on
/// `Content-Length` before reading, at the first chunk past the limit or the budget, and when
/// a chunk does not come in the time the body timeouts leave.
pub(crate) async fn read_limited<B>(
    guard: &Guard,
    headers: &HeaderMap,
    body: B,
) -> Result<(bytes::Bytes, BudgetPermit), Rejection>
where
    B: Body,
{
    let mut buffer = guard.body_buffer(headers)?;
    let mut body = std::pin::pin!(body);
    loop {
        let next = tokio::time::timeout(buffer.time_left(), body.frame());
        let Ok(frame) = next.await else {
            return Err(Rejection::BodyTimeout);
        };
        let Some(frame) = frame else { break };
        let Ok(frame) = frame else {
            return Err(Rejection::BodyRead);
        };
        if let Ok(mut data) = frame.into_data() {
            let len = data.remaining();
            // `copy_to_bytes` on `Bytes` chunks (hyper's, axum's) is a reference, not a copy.
            buffer.push(data.copy_to_bytes(len))?;
        }
    }
    Ok(buffer.finish_with_permit())
}
