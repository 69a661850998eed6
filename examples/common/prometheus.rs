//! `GET /metrics` for the example receivers: what the guard and the inbox record through the
//! `metrics` facade, rendered in Prometheus's text format by `metrics-exporter-prometheus`
//! (names and labels: the `webhook_guard::metrics` docs).

use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// The content type of Prometheus's text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Installs the process's recorder (once, at start) and returns the handle that renders it.
/// Panics if another recorder is installed already (a bug in the example).
pub fn install() -> PrometheusHandle {
    let handle = PrometheusBuilder::new()
        .install_recorder()
        .expect("the only metrics recorder of the process");
    // The exporter's upkeep (draining histogram samples into their summaries) is ours to run
    // without its HTTP listener; a thread of its own, whatever the server's runtime.
    let upkeep = handle.clone();
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_secs(5));
            upkeep.run_upkeep();
        }
    });
    handle
}
