//! The plain hyper test receiver: the adapter of `examples/hyper_receiver.rs` (its `admit`),
//! run through the same conformance table as the axum and actix-web adapters.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use webhook_guard::Guard;
use webhook_guard::event::{AuditTrailEvent, PaloEvent};

use super::{Adapter, AppConfig, HandlerState, RunningApp};

#[path = "../../examples/hyper_receiver.rs"]
#[allow(dead_code)]
mod hyper_receiver;

fn status(code: u16) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::from_u16(code).unwrap();
    response
}

async fn route(
    guards: Arc<(Guard, Guard)>,
    state: Arc<HandlerState>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (audit_trail, palo) = &*guards;
    Ok(match request.uri().path() {
        "/webhooks/audit-trail" => {
            hyper_receiver::admit(audit_trail, request, async |delivery| {
                let event = AuditTrailEvent::from_slice(delivery.body()).unwrap();
                assert_eq!(delivery.id(), event.id());
                status(state.handle(delivery.id(), event.is_unknown()).await)
            })
            .await
        }
        "/webhooks/palo" => {
            hyper_receiver::admit(palo, request, async |delivery| {
                let event = PaloEvent::from_slice(delivery.body()).unwrap();
                status(state.handle(event.id(), event.is_unknown()).await)
            })
            .await
        }
        _ => status(404),
    })
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub struct Hyper;

impl Adapter for Hyper {
    const NAME: &'static str = "hyper";

    async fn spawn(config: AppConfig) -> RunningApp {
        let guards = Arc::new(config.guards());
        let state = Arc::clone(&config.state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (guards, state) = (Arc::clone(&guards), Arc::clone(&state));
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        route(Arc::clone(&guards), Arc::clone(&state), request)
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        RunningApp {
            base_url: format!("http://{addr}"),
            state: config.state,
            stop: Box::new(AbortOnDrop(server)),
        }
    }
}
