use bytes::Buf;
use http::HeaderMap;
use http_body::Body;
use http_body_util::BodyExt;

use crate::{Guard, Rejection};

/// Reads a whole body through the guard's [`BodyBuffer`](crate::guard::BodyBuffer): refused on
/// `Content-Length` before reading, and at the first chunk past the limit.
pub(crate) async fn read_limited<B>(
    guard: &Guard,
    headers: &HeaderMap,
    body: B,
) -> Result<bytes::Bytes, Rejection>
where
    B: Body,
{
    let mut buffer = guard.body_buffer(headers)?;
    let mut body = std::pin::pin!(body);
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Err(Rejection::BodyRead);
        };
        if let Ok(mut data) = frame.into_data() {
            let len = data.remaining();
            // `copy_to_bytes` on `Bytes` chunks (hyper's, axum's) is a reference, not a copy.
            buffer.push(data.copy_to_bytes(len))?;
        }
    }
    Ok(buffer.finish())
}
