//! A third adapter: webhook-guard in front of a plain hyper service, no tower, no framework.
//!
//! The whole adapter is `admit` below: hand the head and the body to
//! [`Guard::admit_request`], answer a refusal with its response, run the handler with the
//! verified delivery, and finish the admission with the handler's status. Verification,
//! deduplication, body limits and timeouts, logs and metrics all stay in the guard.
//!
//! ```sh
//! AUDIT_TRAIL_SECRET=whsec_abc123def456 cargo run --example hyper_receiver
//! ```
//!
//! It serves `POST /webhooks/audit-trail` on 127.0.0.1:`PORT` (default 3002) and prints one
//! line per handled delivery, `{"scheme":"audit-trail","id":...,"type":...}`, like the other
//! receivers.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::{Body, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use webhook_guard::event::AuditTrailEvent;
use webhook_guard::{Delivery, Guard, Scheme, Verifier};

/// The adapter: what the tower layer and the actix middleware also do, minus their types.
/// (Public for `tests/common/hyper_app.rs`, which runs the conformance table through it.)
pub async fn admit<B, F, Fut>(
    guard: &Guard,
    request: Request<B>,
    handler: F,
) -> Response<Full<Bytes>>
where
    B: Body,
    F: FnOnce(Delivery) -> Fut,
    Fut: Future<Output = Response<Full<Bytes>>>,
{
    let (parts, body) = request.into_parts();
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let admitted = match guard.admit_request(&parts.headers, target, body).await {
        Ok(admitted) => admitted,
        Err(refused) => return refused.rejection().to_http_response(),
    };
    let (delivery, admission) = admitted.into_parts();
    // Dropped here (the client went away, the handler panicked), the admission releases the
    // delivery for the sender's retry.
    let response = handler(delivery).await;
    admission.finish(response.status().as_u16()).await;
    response
}

/// The user's handler: the typed event, printed as the other receivers print it.
async fn audit_trail(delivery: Delivery) -> Response<Full<Bytes>> {
    match AuditTrailEvent::from_slice(delivery.body()) {
        Ok(event) => {
            let line = serde_json::json!({
                "scheme": "audit-trail",
                "id": delivery.id(),
                "type": event.event_type(),
            });
            println!("{line}");
            Response::new(Full::new(Bytes::from_static(b"OK")))
        }
        // Verified but not an object with an id: never expected from the sender.
        Err(_) => status(StatusCode::BAD_REQUEST),
    }
}

fn status(status: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}

async fn route(
    guard: Guard,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(match (request.method().as_str(), request.uri().path()) {
        ("POST", "/webhooks/audit-trail") => admit(&guard, request, audit_trail).await,
        (_, "/webhooks/audit-trail") => status(StatusCode::METHOD_NOT_ALLOWED),
        _ => status(StatusCode::NOT_FOUND),
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret =
        std::env::var("AUDIT_TRAIL_SECRET").unwrap_or_else(|_| "whsec_abc123def456".into());
    let guard = Guard::new(Verifier::new(
        Scheme::audit_trail(),
        [Scheme::audit_trail().secret(&secret)?],
    ));
    let port: u16 = std::env::var("PORT").map_or(Ok(3002), |port| port.parse())?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    eprintln!("hyper_receiver listening on {}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let guard = guard.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| route(guard.clone(), request));
            // Production servers also bound the head and idle time: see examples/common/serve.rs.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
